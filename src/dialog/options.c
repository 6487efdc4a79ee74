/* Answers outside dialogs: the 200 OK to OPTIONS (RFC 3261 11.2). Holds a small
 * response builder (status line, Via, From, To with tag, Call-ID, CSeq copied from
 * the request, 8.2.6.2) until src/txn offers one; then this should call that. */
#include <string.h>

#include "dialog.h"

static int rollback(ou_buf *b, size_t len0, int err)
{
	if (b->data && b->len > len0) {
		b->len = len0;
		b->data[len0] = '\0';
	}
	return err;
}

/* Copies a received header value onto one line: folds become spaces; any other
 * control byte is refused rather than echoed. */
static int put_copied(ou_buf *b, const char *name, ou_slice v)
{
	v = ou_slice_trim(v);
	for (size_t i = 0; i < v.n; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			return OPENUM_EBADMSG;
	}
	int err = ou_buf_reserve(b, strlen(name) + v.n + 4);
	if (err)
		return err;
	ou_buf_append_cstr(b, name);
	ou_buf_append(b, ": ", 2);
	for (size_t i = 0; i < v.n; i++) {
		char c = v.p[i];
		ou_buf_append(b, (c == '\r' || c == '\n' || c == '\t') ? " " : &v.p[i], 1);
	}
	return ou_buf_append(b, "\r\n", 2);
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

/* The headers every response copies from its request; the To gets to_tag when it has
 * no tag yet. The caller adds its own headers and the body. */
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
	const sip_hdr *from = sip_msg_hdr(req, SIP_H_FROM),
	              *callid = sip_msg_hdr(req, SIP_H_CALL_ID),
	              *cseq = sip_msg_hdr(req, SIP_H_CSEQ), *via = sip_msg_hdr(req, SIP_H_VIA);
	if (!from || !callid || !cseq || !via) {
		if (why)
			*why = "Missing mandatory header";
		return OPENUM_EBADMSG;
	}
	if ((err = sip_print_status_line(b, status, OU_SLICE_NULL)))
		return err;
	for (; via; via = sip_msg_hdr_next(req, via))
		if ((err = put_copied(b, "Via", via->value)))
			return err;
	if ((err = put_copied(b, "From", from->value)))
		return err;
	if (to->tag.p || !to_tag.n) {
		err = put_copied(b, "To", to->raw);
	} else {
		if (!is_token(to_tag))
			return OPENUM_EINVAL;
		ou_buf t;
		ou_buf_init(&t);
		ou_buf_append_slice(&t, to->raw);
		ou_buf_append(&t, ";tag=", 5);
		ou_buf_append_slice(&t, to_tag);
		err = t.failed ? OPENUM_ENOMEM : put_copied(b, "To", ou_slice_make(t.data, t.len));
		ou_buf_free(&t);
	}
	if (err || (err = put_copied(b, "Call-ID", callid->value)) ||
	    (err = put_copied(b, "CSeq", cseq->value)))
		return err;
	return 0;
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
