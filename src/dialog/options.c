/* Answers outside dialogs: the 200 OK to OPTIONS (RFC 3261 11.2). The headers copied
 * from the request (8.2.6.2) come from the transaction layer's response builder. */
#include <string.h>

#include "../txn/txn.h"
#include "dialog.h"

static int rollback(ou_buf *b, size_t len0, int err)
{
	if (b->data && b->len > len0) {
		b->len = len0;
		b->data[len0] = '\0';
	}
	return err;
}

static bool is_token(ou_slice s)
{
	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!ou_is((unsigned char)s.p[i], OU_C_TOKEN))
			return false;
	return true;
}

/* The headers every response copies from its request (txn_build_response_begin does
 * the copying); a request missing one is refused here rather than half answered. */
static int build_response(sip_msg *req, unsigned status, ou_slice to_tag, ou_buf *b,
                          const char **why)
{
	const sip_addr *to;
	int err;

	if (!req->is_request) {
		if (why)
			*why = "Not a request";
		return OPENUM_EINVAL;
	}
	if ((err = sip_msg_to(req, &to, why)))
		return err;
	if (!sip_msg_hdr(req, SIP_H_FROM) || !sip_msg_hdr(req, SIP_H_CALL_ID) ||
	    !sip_msg_hdr(req, SIP_H_CSEQ) || !sip_msg_hdr(req, SIP_H_VIA)) {
		if (why)
			*why = "Missing mandatory header";
		return OPENUM_EBADMSG;
	}
	if (!to->tag.p && to_tag.n && !is_token(to_tag))
		return OPENUM_EINVAL;
	return txn_build_response_begin(req, status, NULL, to->tag.p ? OU_SLICE_NULL : to_tag, b);
}

int dialog_options_reply(sip_msg *req, ou_slice to_tag, const sdp_local *sdp, ou_buf *b,
                         const char **why)
{
	size_t len0 = b->len;
	ou_buf body;
	int err;

	if (req->method != SIP_METHOD_OPTIONS) {
		if (why)
			*why = "Not an OPTIONS request";
		return OPENUM_EINVAL;
	}
	ou_buf_init(&body);
	if (sdp && (err = sdp_offer(sdp, &body)))
		goto out;
	if ((err = build_response(req, 200, to_tag, b, why)) ||
	    (err = sip_print_header_cstr(b, "Allow", DIALOG_ALLOW)) ||
	    (err = sip_print_header_cstr(b, "Accept", DIALOG_ACCEPT)) ||
	    (err = sip_print_header_cstr(b, "Supported", DIALOG_SUPPORTED)))
		goto out;
	err = sip_print_body(b, sdp ? OU_SLICE_LIT("application/sdp") : OU_SLICE_NULL,
	                     ou_slice_make(body.data, body.len));
out:
	ou_buf_free(&body);
	return err ? rollback(b, len0, err) : 0;
}
