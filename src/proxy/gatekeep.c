/* proxy/gatekeep.c: skip-pin gatekeeping (DESIGN.md rule 4). The UM server skips the
 * PIN for a trusted peer's Ms-Exchange-Command: skip-pin, so the proxy, being that
 * trusted peer, lets the header through only for a caller it authenticated by digest
 * as the owner of the mailbox being called, over TLS (a plain TCP leg cannot vouch
 * for its headers). Also the small URI helpers both rules
 * need (the "user@host" of a URI, the MS-EUMR voicemail form). */
#include <string.h>

#include "proxy.h"

proxy_gk_verdict proxy_gatekeep_decide(const proxy_gk_input *in, const char **why)
{
	const char *w = NULL;
	if (!in->mailbox_aor)
		w = "not a call to voicemail";
	else if (!in->over_tls)
		w = "not received over TLS (MS-OCEXUM 3.1: skip-pin is sent only over TLS)";
	else if (!in->authenticated || !in->auth_aor)
		w = in->trusted_peer ? "trusted peer, but no digest-authenticated owner"
		                     : "sender not authenticated";
	else if (!in->from_aor || strcmp(in->auth_aor, in->from_aor) != 0)
		w = "From is not the authenticated user";
	else if (strcmp(in->auth_aor, in->mailbox_aor) != 0)
		w = "authenticated user does not own the mailbox";
	if (why)
		*why = w;
	return w ? PROXY_GK_STRIP : PROXY_GK_FORWARD;
}

int proxy_aor_from_uri(const sip_uri *u, char out[PROXY_AOR_MAX])
{
	if (u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS)
		return OPENUM_EINVAL;
	if (!u->user.n || !u->host.n)
		return OPENUM_EINVAL;
	if (u->user.n + 1 + u->host.n >= PROXY_AOR_MAX)
		return OPENUM_ETOOBIG;
	memcpy(out, u->user.p, u->user.n);
	out[u->user.n] = '@';
	for (size_t i = 0; i < u->host.n; i++)
		out[u->user.n + 1 + i] = ou_lower(u->host.p[i]);
	out[u->user.n + 1 + u->host.n] = '\0';
	return 0;
}

bool proxy_uri_is_voicemail(const sip_uri *u)
{
	ou_slice v;
	if (u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS)
		return false;
	if (sip_param_get(u->params, "opaque", &v) != 0)
		return false;
	if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
		v = ou_slice_make(v.p + 1, v.n - 2);
	return ou_slice_caseeq_cstr(v, "app:voicemail");
}
