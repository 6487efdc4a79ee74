/* Requests inside a dialog (RFC 3261 12.2.1.1): Request-URI and Route from the route
 * set and remote target, loose or strict routing, CSeq numbering, and the requests
 * openum sends: BYE, ACK to a 2xx, re-INVITE for hold/unhold, INFO with DTMF. */
#include <stdio.h>
#include <string.h>

#include "dialog.h"

/* Methods whose Contact refreshes the remote target, so they must carry ours. */
static bool carries_contact(sip_method m)
{
	return m == SIP_METHOD_INVITE || m == SIP_METHOD_UPDATE || m == SIP_METHOD_SUBSCRIBE ||
	       m == SIP_METHOD_NOTIFY || m == SIP_METHOD_REFER;
}

static int rollback(ou_buf *b, size_t len0, int err)
{
	if (b->data && b->len > len0) {
		b->len = len0;
		b->data[len0] = '\0';
	}
	return err;
}

static int hdr(ou_buf *b, const char *name, ou_slice value)
{
	return sip_print_header(b, ou_slice_cstr(name), value);
}

/* A first route without ;lr is a strict router (RFC 2543): it wants to be the
 * Request-URI, and the remote target goes last in Route (12.2.1.1). */
static int first_route_strict(const dialog *d, sip_addr *a, bool *strict)
{
	*strict = false;
	if (d->nroute == 0)
		return 0;
	int err = sip_addr_parse(d->route[0], a, NULL);
	if (err)
		return err;
	*strict = !sip_param_has(a->uri.params, "lr");
	return 0;
}

static ou_slice uri_without_headers(const sip_uri *u)
{
	ou_slice r = u->raw;
	if (u->headers.n && u->headers.p > r.p && u->headers.p <= r.p + r.n)
		r.n = (size_t)(u->headers.p - 1 - r.p);
	return r;
}

static int print_request(dialog *d, sip_method method, const char *mname, uint32_t num,
                         const dialog_req *r, ou_buf *b)
{
	sip_addr first;
	bool strict;
	char line[48];
	int err;

	if ((err = first_route_strict(d, &first, &strict)))
		return err;
	ou_slice ruri = strict ? uri_without_headers(&first.uri) : d->remote_target;
	if ((err = sip_print_request_line(b, ou_slice_cstr(mname), ruri)) ||
	    (err = hdr(b, "Via", r->via)))
		return err;
	snprintf(line, sizeof(line), "%d", DIALOG_MAX_FORWARDS);
	if ((err = sip_print_header_cstr(b, "Max-Forwards", line)))
		return err;
	for (unsigned i = strict ? 1 : 0; i < d->nroute; i++)
		if ((err = hdr(b, "Route", d->route[i])))
			return err;
	if (strict) {
		ou_buf t;
		ou_buf_init(&t);
		ou_buf_printf(&t, "<%.*s>", (int)d->remote_target.n, d->remote_target.p);
		err = t.failed ? OPENUM_ENOMEM : hdr(b, "Route", ou_slice_make(t.data, t.len));
		ou_buf_free(&t);
		if (err)
			return err;
	}
	snprintf(line, sizeof(line), "%u %s", num, mname);
	if ((err = hdr(b, "From", d->local)) || (err = hdr(b, "To", d->remote)) ||
	    (err = hdr(b, "Call-ID", d->id.call_id)) ||
	    (err = sip_print_header_cstr(b, "CSeq", line)))
		return err;
	if (carries_contact(method) && (err = hdr(b, "Contact", d->local_contact)))
		return err;
	for (unsigned i = 0; i < r->nextra; i++)
		if ((err = sip_print_header(b, r->extra_name[i], r->extra_value[i])))
			return err;
	if (r->body.n && !r->content_type.n)
		return OPENUM_EINVAL;
	return sip_print_body(b, r->body.n ? r->content_type : OU_SLICE_NULL, r->body);
}

int dialog_request(dialog *d, sip_method method, const dialog_req *r, ou_buf *b)
{
	const char *mname = sip_method_name(method);
	uint32_t num;

	if (!d || !r || !b || !mname || method == SIP_METHOD_CANCEL || r->via.n == 0 ||
	    r->nextra > DIALOG_MAX_EXTRA)
		return OPENUM_EINVAL;
	if (d->state == DIALOG_TERMINATED && method != SIP_METHOD_ACK)
		return OPENUM_EINVAL;
	if (method == SIP_METHOD_ACK) {
		if (d->invite_cseq == 0)
			return OPENUM_EINVAL; /* no INVITE of ours to acknowledge */
		num = d->invite_cseq;
	} else {
		/* The local sequence starts anywhere below 2**31 (8.1.1.5); a UAS that
		 * never sent a request starts at 1. */
		num = d->local_cseq_set ? d->local_cseq + 1 : 1;
		if (num >= (1u << 31))
			return OPENUM_ETOOBIG;
	}
	size_t len0 = b->len;
	int err = print_request(d, method, mname, num, r, b);
	if (err)
		return rollback(b, len0, err);
	if (method != SIP_METHOD_ACK) {
		d->local_cseq = num;
		d->local_cseq_set = true;
		if (method == SIP_METHOD_INVITE)
			d->invite_cseq = num;
	}
	return 0;
}

int dialog_bye(dialog *d, ou_slice via, ou_buf *b)
{
	dialog_req r = {.via = via};
	return dialog_request(d, SIP_METHOD_BYE, &r, b);
}

int dialog_ack(dialog *d, ou_slice via, ou_slice content_type, ou_slice body, ou_buf *b)
{
	dialog_req r = {.via = via, .content_type = content_type, .body = body};
	return dialog_request(d, SIP_METHOD_ACK, &r, b);
}

int dialog_reinvite(dialog *d, ou_slice via, sdp_local *local, ou_buf *b)
{
	ou_buf sdp;
	int err;

	if (!local)
		return OPENUM_EINVAL;
	ou_buf_init(&sdp);
	/* A changed description needs a higher version (RFC 3264 8); keep the old one
	 * if nothing goes out. */
	local->sess_version++;
	err = sdp_offer(local, &sdp);
	if (!err) {
		dialog_req r = {.via = via,
		                .content_type = OU_SLICE_LIT("application/sdp"),
		                .body = ou_slice_make(sdp.data, sdp.len)};
		err = dialog_request(d, SIP_METHOD_INVITE, &r, b);
	}
	if (err)
		local->sess_version--;
	ou_buf_free(&sdp);
	return err;
}

int dialog_hold(dialog *d, ou_slice via, sdp_local *local, bool hold, ou_buf *b)
{
	if (!local)
		return OPENUM_EINVAL;
	sdp_dir old = local->dir;
	/* RFC 6337 5.1: hold is a=sendonly (we may still play music on hold). */
	local->dir = hold ? SDP_SENDONLY : SDP_SENDRECV;
	int err = dialog_reinvite(d, via, local, b);
	if (err)
		local->dir = old;
	return err;
}

int dialog_info_dtmf(dialog *d, ou_slice via, char digit, unsigned duration_ms, ou_buf *b)
{
	char body[64];
	char c = digit >= 'a' && digit <= 'd' ? (char)(digit - 'a' + 'A') : digit;

	if (!((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D')))
		return OPENUM_EINVAL;
	if (duration_ms == 0)
		duration_ms = DIALOG_DTMF_DURATION_MS;
	if (duration_ms > 60000)
		return OPENUM_EINVAL;
	int n = snprintf(body, sizeof(body), "Signal=%c\r\nDuration=%u\r\n", c, duration_ms);
	dialog_req r = {.via = via,
	                .content_type = OU_SLICE_LIT("application/dtmf-relay"),
	                .body = ou_slice_make(body, (size_t)n)};
	return dialog_request(d, SIP_METHOD_INFO, &r, b);
}
