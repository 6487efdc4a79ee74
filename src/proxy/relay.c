/* proxy/relay.c: message surgery for a stateful proxy (RFC 3261 16.6, 16.7). Builds
 * the request sent on a branch (new Request-URI, our Via on top, Max-Forwards one
 * less, Route entries left after ours, Record-Route, Diversion and the gatekeeping
 * and identity header edits) and the response relayed upstream (our Via removed),
 * from the parsed original without touching it. */
#include <string.h>

#include "proxy_int.h"

/* The part of a Via value after its first element ("" when it has one). */
static ou_slice via_rest(ou_slice v)
{
	size_t pos = 0;
	ou_slice first;
	if (sip_list_next(v, &pos, &first, NULL) != 0)
		return OU_SLICE_NULL;
	ou_slice r = ou_slice_make(v.p + pos, v.n - pos);
	r = ou_slice_trim(r);
	while (r.n && (r.p[0] == ',' || ou_is((unsigned char)r.p[0], OU_C_LWS)))
		r = ou_slice_make(r.p + 1, r.n - 1);
	return r;
}

static ou_slice ctype_of(const sip_msg *m)
{
	const sip_hdr *h = sip_msg_hdr(m, SIP_H_CONTENT_TYPE);
	return h ? h->value : OU_SLICE_NULL;
}

int px_build_response(const sip_msg *m, unsigned status, const ou_buf *challenges, ou_buf *b)
{
	if (status && status != m->status)
		sip_print_status_line(b, status,
		                      status == 500 ? OU_SLICE_LIT("Server Internal Error")
		                                    : OU_SLICE_LIT("Unknown"));
	else
		sip_print_status_line(b, m->status, m->reason);
	uint16_t top = m->first[SIP_H_VIA];
	for (uint16_t i = 0; i < m->nhdr; i++) {
		const sip_hdr *h = &m->hdr[i];
		if (h->id == SIP_H_CONTENT_LENGTH || h->id == SIP_H_CONTENT_TYPE)
			continue;
		if (i == top) {
			ou_slice rest = via_rest(h->value);
			if (rest.n)
				sip_print_header(b, h->name, rest);
			continue;
		}
		if (challenges && challenges->len &&
		    (h->id == SIP_H_WWW_AUTHENTICATE || h->id == SIP_H_PROXY_AUTHENTICATE))
			continue;
		sip_print_header(b, h->name, h->value);
	}
	if (challenges && challenges->len)
		ou_buf_append(b, challenges->data, challenges->len);
	sip_print_body(b, ctype_of(m), m->body);
	return b->failed ? OPENUM_ENOMEM : 0;
}

int px_build_request(const sip_msg *m, const px_req_opts *o, ou_buf *b)
{
	sip_print_request_line(b, m->method_s, o->ruri);
	ou_buf_printf(b, "Via: SIP/2.0/%s %s:%u;branch=%s;rport\r\n", o->via_transport, o->via_host,
	              o->via_port, o->branch);
	if (o->record_route)
		ou_buf_append(b, o->record_route, strlen(o->record_route));
	for (unsigned i = 0; i < o->nroutes; i++)
		sip_print_header(b, OU_SLICE_LIT("Route"), o->routes[i]);
	if (o->diversion)
		ou_buf_printf(b, "Diversion: %s\r\n", o->diversion);
	if (o->pai)
		ou_buf_printf(b, "P-Asserted-Identity: <sip:%s>\r\n", o->pai);
	bool mf_done = false;
	for (uint16_t i = 0; i < m->nhdr; i++) {
		const sip_hdr *h = &m->hdr[i];
		switch (h->id) {
		case SIP_H_CONTENT_LENGTH:
		case SIP_H_CONTENT_TYPE:
		case SIP_H_ROUTE: /* re-printed above from what is left */ continue;
		case SIP_H_MAX_FORWARDS:
			if (!mf_done)
				ou_buf_printf(b, "Max-Forwards: %u\r\n", o->max_forwards);
			mf_done = true;
			continue;
		case SIP_H_DIVERSION:
			if (o->strip_diversion)
				continue;
			break;
		case SIP_H_MS_EXCHANGE_COMMAND:
			if (o->strip_ms_cmd)
				continue;
			break;
		case SIP_H_P_ASSERTED_IDENTITY:
			if (o->strip_pai)
				continue;
			break;
		case SIP_H_PROXY_AUTHORIZATION:
			if (o->strip_proxy_auth)
				continue;
			break;
		default: break;
		}
		sip_print_header(b, h->name, h->value);
	}
	if (!mf_done)
		ou_buf_printf(b, "Max-Forwards: %u\r\n", o->max_forwards);
	sip_print_body(b, ctype_of(m), m->body);
	return b->failed ? OPENUM_ENOMEM : 0;
}
