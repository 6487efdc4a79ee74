/* The peer record: addresses as text, the identities a certificate carries (SAN DNS
 * names and URIs, subject CN), and `trusted`. This file is the only place that sets
 * `trusted`: TLS, the chain verified, and an identity on the configured allow-list. */
#include <string.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "net_int.h"

void peer_addr_text(const struct sockaddr *sa, char *ip, size_t cap, uint16_t *port)
{
	ip[0] = '\0';
	*port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		uv_ip4_name(in, ip, cap);
		*port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		uv_ip6_name(in6, ip, cap);
		*port = ntohs(in6->sin6_port);
	}
}

/* Adds "prefix:value" unless it has a NUL inside (a classic certificate forgery),
 * a control byte, or does not fit: a shortened identity could match a name it is not. */
static void add_identity(net_peer *p, const char *prefix, const unsigned char *v, int len)
{
	if (p->nidentity >= NET_MAX_IDENTITIES || len <= 0)
		return;
	size_t plen = strlen(prefix);
	if (plen + (size_t)len + 1 > NET_MAX_IDENTITY)
		return;
	for (int i = 0; i < len; i++)
		if (v[i] < 0x21 || v[i] == 0x7f)
			return;
	char *dst = p->identity[p->nidentity++];
	memcpy(dst, prefix, plen);
	memcpy(dst + plen, v, (size_t)len);
	dst[plen + (size_t)len] = '\0';
}

void peer_from_cert(net_peer *p, X509 *cert)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		if (g->type == GEN_DNS)
			add_identity(p, "dns:", ASN1_STRING_get0_data(g->d.dNSName),
			             ASN1_STRING_length(g->d.dNSName));
		else if (g->type == GEN_URI)
			add_identity(p,
			             "uri:", ASN1_STRING_get0_data(g->d.uniformResourceIdentifier),
			             ASN1_STRING_length(g->d.uniformResourceIdentifier));
	}
	GENERAL_NAMES_free(sans);

	const X509_NAME *subj = X509_get_subject_name(cert);
	int idx = -1;
	while ((idx = X509_NAME_get_index_by_NID(subj, NID_commonName, idx)) >= 0) {
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx));
		unsigned char *utf8 = NULL;
		int len = ASN1_STRING_to_UTF8(&utf8, d);
		if (len > 0)
			add_identity(p, "cn:", utf8, len);
		OPENSSL_free(utf8);
	}
}

/* An allow-list entry "dns:x", "uri:x", "cn:x" matches that identity exactly (names
 * case-insensitively, URIs as written); a bare name matches dns: and cn:. No
 * wildcards: "*.example.com" matches only a certificate that says so literally. */
static bool entry_matches(const char *entry, const net_peer *p)
{
	bool bare = strncasecmp(entry, "dns:", 4) != 0 && strncasecmp(entry, "uri:", 4) != 0 &&
	            strncasecmp(entry, "cn:", 3) != 0;
	for (unsigned i = 0; i < p->nidentity; i++) {
		const char *id = p->identity[i];
		if (bare) {
			const char *colon = strchr(id, ':');
			bool named = strncmp(id, "dns:", 4) == 0 || strncmp(id, "cn:", 3) == 0;
			if (named && strcasecmp(colon + 1, entry) == 0)
				return true;
		} else if (strncasecmp(entry, "uri:", 4) == 0) {
			if (strncmp(id, "uri:", 4) == 0 && strcmp(id + 4, entry + 4) == 0)
				return true;
		} else if (strcasecmp(id, entry) == 0) {
			return true;
		}
	}
	return false;
}

void peer_trust(net_peer *p, const struct net *n)
{
	p->trusted = false;
	if (p->transport != NET_TLS || !p->tls_verified)
		return;
	for (size_t i = 0; i < n->cfg.ntrusted; i++) {
		if (entry_matches(n->cfg.trusted_peers[i], p)) {
			p->trusted = true;
			return;
		}
	}
}
