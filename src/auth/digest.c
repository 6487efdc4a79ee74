/* auth/digest.c: the digest arithmetic of RFC 7616 (HA1, the request-digest) on
 * OpenSSL EVP, and the client side that answers a challenge. The server side that
 * issues nonces and checks credentials is auth/server.c. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "auth.h"

static const char *const algo_names[AUTH_NALGOS] = {"MD5", "SHA-256"};

const char *auth_algo_name(auth_algo a)
{
	return (unsigned)a < AUTH_NALGOS ? algo_names[a] : "?";
}

int auth_algo_from(ou_slice name, auth_algo *out)
{
	if (!name.p) {
		*out = AUTH_MD5;
		return 0;
	}
	for (unsigned i = 0; i < AUTH_NALGOS; i++) {
		if (ou_slice_caseeq_cstr(name, algo_names[i])) {
			*out = (auth_algo)i;
			return 0;
		}
	}
	return OPENUM_EINVAL;
}

size_t auth_algo_hexlen(auth_algo a)
{
	return a == AUTH_SHA256 ? 64 : 32;
}

static const EVP_MD *algo_md(auth_algo a)
{
	return a == AUTH_SHA256 ? EVP_sha256() : EVP_md5();
}

/* One digest over the parts, joined by ':', into lower-case hex. */
static int hash_hex(auth_algo a, const ou_slice *parts, size_t n, char out[AUTH_HEX_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return OPENUM_ENOMEM;
	int ok = EVP_DigestInit_ex(ctx, algo_md(a), NULL);
	for (size_t i = 0; ok && i < n; i++) {
		if (i)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok && parts[i].n)
			ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].n);
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (!ok || mdlen * 2 >= AUTH_HEX_MAX)
		return OPENUM_EIO;
	for (unsigned i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * mdlen] = '\0';
	return 0;
}

int auth_ha1(auth_algo a, ou_slice user, ou_slice realm, ou_slice password, char out[AUTH_HEX_MAX])
{
	if ((unsigned)a >= AUTH_NALGOS)
		return OPENUM_EINVAL;
	ou_slice parts[3] = {user, realm, password};
	return hash_hex(a, parts, 3, out);
}

int auth_response(auth_algo a, ou_slice ha1, ou_slice method, ou_slice uri, ou_slice nonce,
                  ou_slice nc, ou_slice cnonce, ou_slice qop, char out[AUTH_HEX_MAX])
{
	if ((unsigned)a >= AUTH_NALGOS || ha1.n != auth_algo_hexlen(a))
		return OPENUM_EINVAL;
	char ha2[AUTH_HEX_MAX];
	ou_slice mu[2] = {method, uri};
	int err = hash_hex(a, mu, 2, ha2);
	if (err)
		return err;
	ou_slice h2 = ou_slice_make(ha2, auth_algo_hexlen(a));
	if (qop.p) {
		ou_slice parts[6] = {ha1, nonce, nc, cnonce, qop, h2};
		return hash_hex(a, parts, 6, out);
	}
	ou_slice parts[3] = {ha1, nonce, h2};
	return hash_hex(a, parts, 3, out);
}

/* Does the challenge's qop list ("auth,auth-int") offer "auth"? */
static bool qop_offers_auth(ou_slice list)
{
	size_t i = 0;
	while (i < list.n) {
		size_t j = i;
		while (j < list.n && list.p[j] != ',')
			j++;
		if (ou_slice_caseeq_cstr(ou_slice_trim(ou_slice_make(list.p + i, j - i)), "auth"))
			return true;
		i = j + 1;
	}
	return false;
}

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

int auth_client_answer(const sip_auth *ch, ou_slice user, ou_slice password, ou_slice method,
                       ou_slice uri, uint32_t nc, const char *cnonce, ou_buf *b, const char **why)
{
	if (!ou_slice_caseeq_cstr(ch->scheme, "Digest"))
		return fail(why, "challenge is not Digest", OPENUM_EINVAL);
	if (!ch->realm.p || !ch->nonce.p)
		return fail(why, "challenge lacks realm or nonce", OPENUM_EINVAL);
	auth_algo a;
	if (auth_algo_from(ch->algorithm, &a))
		return fail(why, "challenge algorithm not supported", OPENUM_EINVAL);
	bool qop = ch->qop.p != NULL;
	if (qop && !qop_offers_auth(ch->qop))
		return fail(why, "challenge qop not supported", OPENUM_EINVAL);

	char cn[33];
	if (!cnonce) {
		static const char hex[] = "0123456789abcdef";
		unsigned char r[16];
		if (RAND_bytes(r, sizeof(r)) != 1)
			return fail(why, "no randomness", OPENUM_EIO);
		for (size_t i = 0; i < sizeof(r); i++) {
			cn[2 * i] = hex[r[i] >> 4];
			cn[2 * i + 1] = hex[r[i] & 15];
		}
		cn[32] = '\0';
		cnonce = cn;
	}
	char ncs[9];
	snprintf(ncs, sizeof(ncs), "%08x", nc);

	char ha1[AUTH_HEX_MAX], resp[AUTH_HEX_MAX];
	int err = auth_ha1(a, user, ch->realm, password, ha1);
	if (!err)
		err = auth_response(a, ou_slice_make(ha1, auth_algo_hexlen(a)), method, uri,
		                    ch->nonce, qop ? ou_slice_make(ncs, 8) : OU_SLICE_NULL,
		                    qop ? ou_slice_cstr(cnonce) : OU_SLICE_NULL,
		                    qop ? OU_SLICE_LIT("auth") : OU_SLICE_NULL, resp);
	if (err)
		return fail(why, "digest computation failed", err);

	ou_buf_printf(b,
	              "Digest username=\"%.*s\", realm=\"%.*s\", nonce=\"%.*s\", uri=\"%.*s\", "
	              "response=\"%s\", algorithm=%s",
	              (int)user.n, user.p, (int)ch->realm.n, ch->realm.p, (int)ch->nonce.n,
	              ch->nonce.p, (int)uri.n, uri.p, resp, auth_algo_name(a));
	if (qop)
		ou_buf_printf(b, ", qop=auth, nc=%s, cnonce=\"%s\"", ncs, cnonce);
	if (ch->opaque.p)
		ou_buf_printf(b, ", opaque=\"%.*s\"", (int)ch->opaque.n, ch->opaque.p);
	return b->failed ? fail(why, "out of memory", OPENUM_ENOMEM) : 0;
}
