/* Typed access to an indexed message: each accessor parses its header on first use
 * and caches the result in the sip_msg; sip_msg_check runs the ones every proxy
 * needs. Failures are not cached, so a failing accessor reports the same reason again.
 * Each accessor is a cache test in front of an out-of-line parse (SLOW): a cached
 * value, asked for again after sip_msg_check, costs a test and the copies out, not
 * the frame of the parsing function. */
#include <string.h>

#include "sip.h"
#include "lex.h"

#define SLOW __attribute__((noinline))

/* The value of a header that must appear at most once. */
static int single(const sip_msg *m, sip_hdr_id id, ou_slice *v, const char *dup_reason,
                  const char **why)
{
	uint16_t i = m->first[id];
	if (i == SIP_HDR_NONE)
		return OPENUM_ENOTFOUND;
	if (m->hdr[i].next != SIP_HDR_NONE)
		SIP_FAIL(OPENUM_EDUP, dup_reason);
	*v = m->hdr[i].value;
	return 0;
}

static SLOW int ruri_fill(sip_msg *m, const char **why)
{
	int err = sip_uri_parse(m->ruri_s, &m->ruri, why);
	if (!err)
		m->cached |= SIP_CACHE_RURI;
	return err;
}

int sip_msg_ruri(sip_msg *m, const sip_uri **out, const char **why)
{
	if (!m->is_request)
		return OPENUM_ENOTFOUND;
	if (!(m->cached & SIP_CACHE_RURI)) {
		int err = ruri_fill(m, why);
		if (err)
			return err;
	}
	*out = &m->ruri;
	return 0;
}

static SLOW int addr_fill(sip_msg *m, sip_hdr_id id, uint32_t bit, sip_addr *a, const char *dup,
                          const char **why)
{
	ou_slice v;
	int err = single(m, id, &v, dup, why);
	if (err)
		return err;
	err = sip_addr_parse(v, a, why);
	if (err)
		return err;
	if (a->star)
		SIP_FAIL(OPENUM_EBADMSG, id == SIP_H_FROM ? "Bad From: '*'" : "Bad To: '*'");
	m->cached |= bit;
	return 0;
}

int sip_msg_from(sip_msg *m, const sip_addr **out, const char **why)
{
	if (!(m->cached & SIP_CACHE_FROM)) {
		int err =
		    addr_fill(m, SIP_H_FROM, SIP_CACHE_FROM, &m->from, "Repeated From header", why);
		if (err)
			return err;
	}
	*out = &m->from;
	return 0;
}

int sip_msg_to(sip_msg *m, const sip_addr **out, const char **why)
{
	if (!(m->cached & SIP_CACHE_TO)) {
		int err = addr_fill(m, SIP_H_TO, SIP_CACHE_TO, &m->to, "Repeated To header", why);
		if (err)
			return err;
	}
	*out = &m->to;
	return 0;
}

static SLOW int callid_fill(sip_msg *m, const char **why)
{
	ou_slice v;
	int err = single(m, SIP_H_CALL_ID, &v, "Repeated Call-ID header", why);
	if (err)
		return err;
	err = sip_callid_check(v, why);
	if (err)
		return err;
	m->call_id = v;
	m->cached |= SIP_CACHE_CALLID;
	return 0;
}

int sip_msg_callid(sip_msg *m, ou_slice *out, const char **why)
{
	if (!(m->cached & SIP_CACHE_CALLID)) {
		int err = callid_fill(m, why);
		if (err)
			return err;
	}
	*out = m->call_id;
	return 0;
}

static SLOW int cseq_fill(sip_msg *m, const char **why)
{
	ou_slice v;
	int err = single(m, SIP_H_CSEQ, &v, "Repeated CSeq header", why);
	if (err)
		return err;
	err = sip_cseq_parse(v, &m->cseq, why);
	if (err)
		return err;
	m->cached |= SIP_CACHE_CSEQ;
	return 0;
}

int sip_msg_cseq(sip_msg *m, const sip_cseq **out, const char **why)
{
	if (!(m->cached & SIP_CACHE_CSEQ)) {
		int err = cseq_fill(m, why);
		if (err)
			return err;
	}
	*out = &m->cseq;
	return 0;
}

static SLOW int uint_fill(sip_msg *m, sip_hdr_id id, uint32_t bit, uint32_t *slot, const char *dup,
                          const char **why)
{
	ou_slice v;
	int err = single(m, id, &v, dup, why);
	if (err)
		return err;
	if (!lex_uint_short(v, slot)) {
		err = sip_uint_parse(v, slot, why);
		if (err)
			return err;
	}
	m->cached |= bit;
	return 0;
}

static inline int uint_get(sip_msg *m, sip_hdr_id id, uint32_t bit, uint32_t *slot, const char *dup,
                           uint32_t *out, const char **why)
{
	if (!(m->cached & bit)) {
		int err = uint_fill(m, id, bit, slot, dup, why);
		if (err)
			return err;
	}
	*out = *slot;
	return 0;
}

int sip_msg_max_forwards(sip_msg *m, uint32_t *out, const char **why)
{
	int err = uint_get(m, SIP_H_MAX_FORWARDS, SIP_CACHE_MAXFWD, &m->max_forwards,
	                   "Repeated Max-Forwards header", out, why);
	if (!err && *out > 255) /* RFC 3261 25.1: Max-Forwards is 1*DIGIT, 0-255 in practice */
		SIP_FAIL(OPENUM_EBADMSG, "Bad Max-Forwards: over 255");
	return err;
}

int sip_msg_content_length(sip_msg *m, uint32_t *out, const char **why)
{
	/* sip_msg_parse already checked and cached it when present. */
	if (!(m->cached & SIP_CACHE_CLEN))
		return OPENUM_ENOTFOUND;
	*out = m->content_length;
	return 0;
}

int sip_msg_expires(sip_msg *m, uint32_t *out, const char **why)
{
	return uint_get(m, SIP_H_EXPIRES, SIP_CACHE_EXPIRES, &m->expires, "Repeated Expires header",
	                out, why);
}

/* Parses every element of a list header with `parse`; caches up to `cap` of them. */
typedef int (*elem_parse_fn)(ou_slice s, void *out, const char **why);

static int list_get(sip_msg *m, sip_hdr_id id, elem_parse_fn parse, void *cache, size_t size,
                    unsigned cap, void *scratch, uint8_t *n, const char **why)
{
	unsigned count = 0, total = 0;
	for (uint16_t i = m->first[id]; i != SIP_HDR_NONE; i = m->hdr[i].next) {
		size_t pos = 0;
		ou_slice elem;
		int err;
		while ((err = sip_list_next(m->hdr[i].value, &pos, &elem, why)) == 0) {
			if (++total > SIP_MAX_LIST * 4)
				SIP_FAIL(OPENUM_ETOOBIG, "Too many list elements");
			void *slot = count < cap ? (char *)cache + count * size : scratch;
			err = parse(elem, slot, why);
			if (err)
				return err;
			if (count < cap)
				count++;
			if (pos >= m->hdr[i].value.n) { /* that was the last element */
				err = OPENUM_ENOTFOUND;
				break;
			}
		}
		if (err != OPENUM_ENOTFOUND)
			return err;
	}
	*n = (uint8_t)count;
	return 0;
}

static int addr_parse_cb(ou_slice s, void *out, const char **why)
{
	return sip_addr_parse(s, out, why);
}

static SLOW int vias_fill(sip_msg *m, const char **why)
{
	unsigned count = 0, total = 0;
	for (uint16_t i = m->first[SIP_H_VIA]; i != SIP_HDR_NONE; i = m->hdr[i].next) {
		size_t pos = 0;
		int err;
		for (;;) {
			if (count < SIP_MAX_VIA_CACHE) {
				err =
				    sip_via_parse_next(m->hdr[i].value, &pos, &m->via[count], why);
			} else {
				/* past the cache: parsed to be checked, then dropped */
				sip_via scratch;
				err = sip_via_parse_next(m->hdr[i].value, &pos, &scratch, why);
			}
			if (err)
				break;
			if (++total > SIP_MAX_LIST * 4)
				SIP_FAIL(OPENUM_ETOOBIG, "Too many list elements");
			if (count < SIP_MAX_VIA_CACHE)
				count++;
			/* the element ended the value: no call just to hear "no more" */
			if (pos >= m->hdr[i].value.n) {
				err = OPENUM_ENOTFOUND;
				break;
			}
		}
		if (err != OPENUM_ENOTFOUND)
			return err;
	}
	m->nvia = (uint8_t)count;
	m->cached |= SIP_CACHE_VIAS;
	return 0;
}

int sip_msg_vias(sip_msg *m, const sip_via **out, unsigned *n, const char **why)
{
	if (!(m->cached & SIP_CACHE_VIAS)) {
		int err = vias_fill(m, why);
		if (err)
			return err;
	}
	*out = m->via;
	*n = m->nvia;
	return m->nvia ? 0 : OPENUM_ENOTFOUND;
}

static SLOW int contacts_fill(sip_msg *m, const char **why)
{
	sip_addr scratch;
	int err = list_get(m, SIP_H_CONTACT, addr_parse_cb, m->contact, sizeof(m->contact[0]),
	                   SIP_MAX_CONTACT_CACHE, &scratch, &m->ncontact, why);
	if (err)
		return err;
	/* "*" is only valid alone (RFC 3261 10.2.2). */
	for (unsigned i = 0; i < m->ncontact; i++)
		if (m->contact[i].star &&
		    (m->ncontact > 1 || sip_msg_hdr_count(m, SIP_H_CONTACT) > 1))
			SIP_FAIL(OPENUM_EBADMSG, "Bad Contact: '*' must stand alone");
	m->cached |= SIP_CACHE_CONTACTS;
	return 0;
}

int sip_msg_contacts(sip_msg *m, const sip_addr **out, unsigned *n, const char **why)
{
	if (!(m->cached & SIP_CACHE_CONTACTS)) {
		/* no Contact: nothing to parse, an empty list */
		if (m->first[SIP_H_CONTACT] == SIP_HDR_NONE) {
			m->ncontact = 0;
			m->cached |= SIP_CACHE_CONTACTS;
		} else {
			int err = contacts_fill(m, why);
			if (err)
				return err;
		}
	}
	*out = m->contact;
	*n = m->ncontact;
	return m->ncontact ? 0 : OPENUM_ENOTFOUND;
}

static SLOW int ms_cmd_fill(sip_msg *m, const char **why)
{
	sip_ms_cmd all = {false, OU_SLICE_NULL};
	for (uint16_t i = m->first[SIP_H_MS_EXCHANGE_COMMAND]; i != SIP_HDR_NONE;
	     i = m->hdr[i].next) {
		sip_ms_cmd one;
		int err = sip_ms_cmd_parse(m->hdr[i].value, &one, why);
		if (err)
			return err;
		all.skip_pin |= one.skip_pin;
		if (one.item_id.p) {
			if (all.item_id.p)
				SIP_FAIL(OPENUM_EDUP,
				         "Bad Ms-Exchange-Command: more than one itemId");
			all.item_id = one.item_id;
		}
	}
	m->ms_cmd = all;
	m->cached |= SIP_CACHE_MSCMD;
	return 0;
}

int sip_msg_ms_cmd(sip_msg *m, const sip_ms_cmd **out, const char **why)
{
	if (!(m->cached & SIP_CACHE_MSCMD)) {
		/* none: no command (the usual case, settled without the parse) */
		if (m->first[SIP_H_MS_EXCHANGE_COMMAND] == SIP_HDR_NONE) {
			m->ms_cmd = (sip_ms_cmd){false, OU_SLICE_NULL};
			m->cached |= SIP_CACHE_MSCMD;
		} else {
			int err = ms_cmd_fill(m, why);
			if (err)
				return err;
		}
	}
	*out = &m->ms_cmd;
	return 0;
}

static SLOW int sens_fill(sip_msg *m, const char **why)
{
	ou_slice v;
	int err = single(m, SIP_H_MS_SENSITIVITY, &v, "Repeated Ms-Sensitivity header", why);
	if (err)
		return err;
	err = sip_sens_parse(v, &m->sens, why);
	if (err)
		return err;
	m->cached |= SIP_CACHE_SENS;
	return 0;
}

int sip_msg_sensitivity(sip_msg *m, sip_sens *out, const char **why)
{
	if (!(m->cached & SIP_CACHE_SENS)) {
		/* none: normal (the usual case, settled without the parse) */
		if (m->first[SIP_H_MS_SENSITIVITY] == SIP_HDR_NONE) {
			m->sens = SIP_SENS_NORMAL;
			m->cached |= SIP_CACHE_SENS;
		} else {
			int err = sens_fill(m, why);
			if (err)
				return err;
		}
	}
	*out = m->sens;
	return 0;
}

int sip_msg_from_equals_to(sip_msg *m, bool *eq, const char **why)
{
	const sip_addr *from, *to;
	int err = sip_msg_from(m, &from, why);
	if (err)
		return err;
	err = sip_msg_to(m, &to, why);
	if (err)
		return err;
	*eq = sip_uri_equal(&from->uri, &to->uri);
	return 0;
}

/* Calls an accessor and turns "absent" into the reason `missing`. */
#define NEED(expr, missing)                                                                        \
	do {                                                                                       \
		int e_ = (expr);                                                                   \
		if (e_ == OPENUM_ENOTFOUND)                                                        \
			SIP_FAIL(OPENUM_EBADMSG, missing);                                         \
		if (e_)                                                                            \
			return e_;                                                                 \
	} while (0)

int sip_msg_check(sip_msg *m, const char **why)
{
	/* Case-insensitive "SIP/2.0": OR-ing 0x20 folds the three letters and maps no
	 * other byte onto them; "/2.0" must match exactly. */
	if (m->version.n != 7 ||
	    (ou_load4(m->version.p) | ou_load4("\x20\x20\x20\0")) != ou_load4("sip/") ||
	    ou_load4(m->version.p + 3) != ou_load4("/2.0"))
		SIP_FAIL(OPENUM_EBADMSG, "SIP Version Not Supported");
	const sip_uri *ruri;
	const sip_addr *a;
	const sip_via *v;
	const sip_cseq *cs;
	ou_slice cid;
	unsigned n;
	uint32_t u;
	if (m->is_request)
		NEED(sip_msg_ruri(m, &ruri, why), "Missing Request-URI");
	NEED(sip_msg_vias(m, &v, &n, why), "Missing Via header");
	NEED(sip_msg_from(m, &a, why), "Missing From header");
	NEED(sip_msg_to(m, &a, why), "Missing To header");
	NEED(sip_msg_callid(m, &cid, why), "Missing Call-ID header");
	NEED(sip_msg_cseq(m, &cs, why), "Missing CSeq header");
	/* Known methods are exact spellings: equal ids settle it; two unknown ones
	 * compare as written. */
	if (m->is_request && (cs->method != m->method || (m->method == SIP_METHOD_OTHER &&
	                                                  !ou_slice_eq(cs->method_s, m->method_s))))
		SIP_FAIL(OPENUM_EBADMSG, "CSeq method does not match the request method");
	int err = sip_msg_max_forwards(m, &u, why);
	if (err && err != OPENUM_ENOTFOUND)
		return err;
	err = sip_msg_contacts(m, &a, &n, why);
	if (err && err != OPENUM_ENOTFOUND)
		return err;
	const sip_ms_cmd *cmd;
	err = sip_msg_ms_cmd(m, &cmd, why);
	if (err)
		return err;
	sip_sens s;
	return sip_msg_sensitivity(m, &s, why);
}
