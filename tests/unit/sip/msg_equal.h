/* Semantic equality of a parsed message and the re-parse of its printed form, shared by
 * tests/unit/sip/test_print.c and tests/fuzz/fuzz_roundtrip.c. No cmocka here: the
 * fuzz harness includes it too. msg_equal() returns NULL when equal, else a static
 * description of the first difference. */
#ifndef OPENUM_TEST_MSG_EQUAL_H
#define OPENUM_TEST_MSG_EQUAL_H

#include <string.h>

#include "sip/sip.h"

/* Compares two values with leading/trailing LWS ignored and every inner LWS run
 * (SP, HTAB, CR, LF: folding included) counted as one SP. */
static inline bool msg_equal_lws(ou_slice a, ou_slice b)
{
	a = ou_slice_trim(a);
	b = ou_slice_trim(b);
	size_t i = 0, j = 0;
	while (i < a.n && j < b.n) {
		bool wa = ou_is((unsigned char)a.p[i], OU_C_LWS);
		bool wb = ou_is((unsigned char)b.p[j], OU_C_LWS);
		if (wa != wb)
			return false;
		if (wa) {
			while (i < a.n && ou_is((unsigned char)a.p[i], OU_C_LWS))
				i++;
			while (j < b.n && ou_is((unsigned char)b.p[j], OU_C_LWS))
				j++;
			continue;
		}
		if (a.p[i] != b.p[j])
			return false;
		i++, j++;
	}
	return i == a.n && j == b.n;
}

static inline bool msg_equal_opt(ou_slice a, ou_slice b)
{
	return (a.p == NULL) == (b.p == NULL) && ou_slice_eq(a, b);
}

static inline bool msg_equal_why(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Next header at or after *i that is not Content-Length (the printer recomputes it). */
static inline const sip_hdr *msg_equal_next_hdr(const sip_msg *m, unsigned *i)
{
	while (*i < m->nhdr && m->hdr[*i].id == SIP_H_CONTENT_LENGTH)
		(*i)++;
	return *i < m->nhdr ? &m->hdr[(*i)++] : NULL;
}

static inline const char *msg_equal_headers(const sip_msg *a, const sip_msg *b)
{
	unsigned i = 0, j = 0;
	for (;;) {
		const sip_hdr *ha = msg_equal_next_hdr(a, &i);
		const sip_hdr *hb = msg_equal_next_hdr(b, &j);
		if (!ha || !hb)
			return ha == hb ? NULL : "header count differs";
		if (ha->id != hb->id)
			return "header id differs";
		if (ha->id == SIP_H_OTHER) {
			if (!ou_slice_caseeq(ha->name, hb->name))
				return "unknown header name differs";
		} else if (!ou_slice_caseeq_cstr(hb->name, sip_hdr_name((sip_hdr_id)hb->id))) {
			return "known header not printed with its canonical name";
		}
		if (!msg_equal_lws(ha->value, hb->value))
			return "header value differs";
	}
}

/* The typed values: every accessor gives the same result code (and reason) on both
 * sides, and equal values where both succeed. */
static inline const char *msg_equal_typed(sip_msg *a, sip_msg *b)
{
	const char *wa = NULL, *wb = NULL;
	int ea, eb;

	ea = sip_msg_check(a, &wa);
	eb = sip_msg_check(b, &wb);
	if (ea != eb || (ea && !msg_equal_why(wa, wb)))
		return "sip_msg_check result differs";

	if (a->is_request) {
		const sip_uri *ua, *ub;
		ea = sip_msg_ruri(a, &ua, NULL);
		eb = sip_msg_ruri(b, &ub, NULL);
		if (ea != eb)
			return "Request-URI parse result differs";
		if (!ea && !sip_uri_equal(ua, ub))
			return "Request-URI differs";
	}

	const sip_addr *fa, *fb;
	ea = sip_msg_from(a, &fa, NULL);
	eb = sip_msg_from(b, &fb, NULL);
	if (ea != eb)
		return "From parse result differs";
	if (!ea && (!sip_uri_equal(&fa->uri, &fb->uri) || !msg_equal_opt(fa->tag, fb->tag)))
		return "From differs";
	ea = sip_msg_to(a, &fa, NULL);
	eb = sip_msg_to(b, &fb, NULL);
	if (ea != eb)
		return "To parse result differs";
	if (!ea && (!sip_uri_equal(&fa->uri, &fb->uri) || !msg_equal_opt(fa->tag, fb->tag)))
		return "To differs";

	ou_slice ca, cb;
	ea = sip_msg_callid(a, &ca, NULL);
	eb = sip_msg_callid(b, &cb, NULL);
	if (ea != eb || (!ea && !ou_slice_eq(ca, cb)))
		return "Call-ID differs";

	const sip_cseq *sa, *sb;
	ea = sip_msg_cseq(a, &sa, NULL);
	eb = sip_msg_cseq(b, &sb, NULL);
	if (ea != eb)
		return "CSeq parse result differs";
	if (!ea && (sa->num != sb->num || sa->method != sb->method ||
	            !ou_slice_eq(sa->method_s, sb->method_s)))
		return "CSeq differs";

	const sip_via *va, *vb;
	unsigned na = 0, nb = 0;
	ea = sip_msg_vias(a, &va, &na, NULL);
	eb = sip_msg_vias(b, &vb, &nb, NULL);
	if (ea != eb || na != nb)
		return "Via count differs";
	for (unsigned k = 0; !ea && k < na; k++) {
		if (!msg_equal_opt(va[k].branch, vb[k].branch))
			return "Via branch differs";
		if (!ou_slice_caseeq(va[k].host, vb[k].host) || va[k].port != vb[k].port ||
		    va[k].transport != vb[k].transport || va[k].rport != vb[k].rport)
			return "Via sent-by differs";
	}

	const sip_addr *ka, *kb;
	ea = sip_msg_contacts(a, &ka, &na, NULL);
	eb = sip_msg_contacts(b, &kb, &nb, NULL);
	if (ea != eb || na != nb)
		return "Contact count differs";
	for (unsigned k = 0; !ea && k < na; k++)
		if (ka[k].star != kb[k].star ||
		    (!ka[k].star && !sip_uri_equal(&ka[k].uri, &kb[k].uri)))
			return "Contact differs";

	uint32_t xa = 0, xb = 0;
	ea = sip_msg_max_forwards(a, &xa, NULL);
	eb = sip_msg_max_forwards(b, &xb, NULL);
	if (ea != eb || xa != xb)
		return "Max-Forwards differs";
	ea = sip_msg_expires(a, &xa, NULL);
	eb = sip_msg_expires(b, &xb, NULL);
	if (ea != eb || xa != xb)
		return "Expires differs";

	const sip_ms_cmd *ma, *mb;
	ea = sip_msg_ms_cmd(a, &ma, NULL);
	eb = sip_msg_ms_cmd(b, &mb, NULL);
	if (ea != eb ||
	    (!ea && (ma->skip_pin != mb->skip_pin || !msg_equal_opt(ma->item_id, mb->item_id))))
		return "Ms-Exchange-Command differs";
	sip_sens sna = SIP_SENS_NORMAL, snb = SIP_SENS_NORMAL;
	ea = sip_msg_sensitivity(a, &sna, NULL);
	eb = sip_msg_sensitivity(b, &snb, NULL);
	if (ea != eb || sna != snb)
		return "Ms-Sensitivity differs";
	return NULL;
}

/* a: the first parse; b: the parse of sip_msg_print(a). */
static inline const char *msg_equal(sip_msg *a, sip_msg *b)
{
	if (a->is_request != b->is_request)
		return "request/response differs";
	if (a->is_request) {
		if (a->method != b->method || !ou_slice_eq(a->method_s, b->method_s))
			return "method differs";
		if (!ou_slice_eq(a->ruri_s, b->ruri_s))
			return "Request-URI text differs";
	} else {
		if (a->status != b->status)
			return "status differs";
		if (!ou_slice_eq(a->reason, b->reason))
			return "reason phrase differs";
	}
	if (!ou_slice_caseeq(a->version, b->version))
		return "SIP version differs";

	const char *d = msg_equal_headers(a, b);
	if (d)
		return d;

	if (!ou_slice_eq(a->body, b->body))
		return "body differs";
	/* The printed message carries exactly one Content-Length, the body's. */
	uint32_t cl;
	if (sip_msg_hdr_count(b, SIP_H_CONTENT_LENGTH) != 1 || !b->has_clen ||
	    sip_msg_content_length(b, &cl, NULL) != 0 || cl != b->body.n)
		return "printed Content-Length is not the body length";

	return msg_equal_typed(a, b);
}

#endif
