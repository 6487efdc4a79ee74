/* Digest credentials for the requests the ua sends: answering a 401/407 challenge
 * (register.c, subscribe.c, call_out.c), and the out-of-dialog request that a
 * registrar or notifier may challenge, built and sent the same way for REGISTER and
 * for the first SUBSCRIBE. */
#include <stdio.h>
#include <string.h>

#include "../auth/auth.h"
#include "ua_int.h"

int ua_auth_line(const char *chal_value, bool proxy, const char *user, const char *password,
                 const char *realm, ou_slice method, ou_slice uri, uint32_t nc, ou_buf *b,
                 const char **why)
{
	sip_auth ch;
	if (sip_auth_parse(ou_slice_cstr(chal_value), &ch, why))
		return OPENUM_EBADMSG;
	if (realm && *realm && !ou_slice_eq_cstr(ch.realm, realm)) {
		if (why)
			*why = "Challenge for another realm";
		return OPENUM_EINVAL;
	}
	ou_buf v;
	ou_buf_init(&v);
	int err = auth_client_answer(&ch, ou_slice_cstr(user), ou_slice_cstr(password), method, uri,
	                             nc, NULL, &v, why);
	if (!err)
		err = v.failed ? OPENUM_ENOMEM
		               : sip_print_header(b,
		                                  proxy ? OU_SLICE_LIT("Proxy-Authorization")
		                                        : OU_SLICE_LIT("Authorization"),
		                                  ou_slice_make(v.data, v.len));
	ou_buf_free(&v);
	return err;
}

int ua_auth_pick(sip_msg *resp, const char *realm, char *out, size_t cap, bool *proxy)
{
	sip_hdr_id id = resp->status == 407 ? SIP_H_PROXY_AUTHENTICATE : SIP_H_WWW_AUTHENTICATE;
	for (const sip_hdr *h = sip_msg_hdr(resp, id); h; h = sip_msg_hdr_next(resp, h)) {
		sip_auth ch;
		auth_algo a;
		if (sip_auth_parse(h->value, &ch, NULL) ||
		    !ou_slice_caseeq_cstr(ch.scheme, "Digest") ||
		    auth_algo_from(ch.algorithm, &a) || !ch.nonce.p || !ch.realm.p ||
		    (realm && *realm && !ou_slice_eq_cstr(ch.realm, realm)) || h->value.n >= cap)
			continue;
		ou_slice_copy(h->value, out, cap);
		*proxy = id == SIP_H_PROXY_AUTHENTICATE;
		return 0;
	}
	return OPENUM_ENOTFOUND;
}

bool ua_auth_stale(const char *chal_value)
{
	sip_auth ch;
	return sip_auth_parse(ou_slice_cstr(chal_value), &ch, NULL) == 0 && ch.stale.p &&
	       ou_slice_caseeq_cstr(ch.stale, "true");
}

/* ---- credentials of a registration or subscription -------------------------------- */

static bool copy_opt(char *dst, size_t cap, const char *src)
{
	if (!src)
		return false;
	snprintf(dst, cap, "%s", src);
	return true;
}

void ua_cred_init(ua_cred *cr, const char *user, const char *password, const char *realm)
{
	memset(cr, 0, sizeof(*cr));
	snprintf(cr->user, sizeof(cr->user), "%s", user);
	cr->have_pass = copy_opt(cr->pass, sizeof(cr->pass), password);
	cr->have_realm = copy_opt(cr->realm, sizeof(cr->realm), realm);
}

int ua_cred_take(ua_cred *cr, sip_msg *resp, unsigned max)
{
	char chal[UA_CHAL_MAX];
	bool proxy = false;
	if (ua_auth_pick(resp, cr->have_realm ? cr->realm : NULL, chal, sizeof(chal), &proxy))
		return OPENUM_ENOTFOUND;
	/* a second challenge that is not stale means the password was refused */
	if (cr->challenges >= max || (cr->challenges && !ua_auth_stale(chal)))
		return OPENUM_EINVAL;
	cr->challenges++;
	memcpy(cr->chal, chal, sizeof(chal));
	cr->chal_proxy = proxy;
	cr->nc = 0;
	return 0;
}

/* ---- the out-of-dialog request ------------------------------------------------------ */

int ua_ood_start(ou_buf *b, const ua_ood *r, const char *via)
{
	char val[UA_OOD_STR * 2 + 32];
	int err = sip_print_request_line(b, ou_slice_cstr(r->method), ou_slice_cstr(r->ruri));
	if (!err)
		err = sip_print_header_cstr(b, "Via", via);
	if (!err)
		err = sip_print_header_cstr(b, "Max-Forwards", "70");
	if (!err) {
		snprintf(val, sizeof(val), "<%s>;tag=%s", r->from, r->from_tag);
		err = sip_print_header_cstr(b, "From", val);
	}
	if (!err) {
		snprintf(val, sizeof(val), "<%s>", r->to);
		err = sip_print_header_cstr(b, "To", val);
	}
	if (!err)
		err = sip_print_header_cstr(b, "Call-ID", r->call_id);
	if (!err) {
		snprintf(val, sizeof(val), "%u %s", r->cseq, r->method);
		err = sip_print_header_cstr(b, "CSeq", val);
	}
	return err;
}

int ua_ood_send(ua *u, ou_buf *b, const ua_ood *r, ua_cred *cr, net_conn *conn, txn_cb cb,
                void *arg, txn **t)
{
	int err = sip_print_header_cstr(b, "User-Agent", u->user_agent);
	if (!err && cr->chal[0] && cr->have_pass) {
		/* a refused answer is not fatal: the server challenges again */
		size_t len0 = b->len;
		if (ua_auth_line(cr->chal, cr->chal_proxy, cr->user, cr->pass,
		                 cr->have_realm ? cr->realm : NULL, ou_slice_cstr(r->method),
		                 ou_slice_cstr(r->ruri), ++cr->nc, b, NULL))
			b->len = len0;
	}
	if (!err)
		err = sip_print_body(b, OU_SLICE_NULL, OU_SLICE_NULL);
	if (!err && b->failed)
		err = OPENUM_ENOMEM;
	if (!err)
		err = txn_client_start(u->txl, conn, b->data, b->len, cb, arg, t);
	return err;
}
