/* sip/lex.h: the small lexer helpers and the error-return macro that src/sip's parsers
 * share. Internal to src/sip (not installed, not a contract): include it from src/sip
 * .c files only, after sip.h. Everything here is static inline, so each parser keeps
 * its own copy in its hot loops. */
#ifndef OPENUM_SIP_LEX_H
#define OPENUM_SIP_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"
#include "../base/scan.h"
#include "sip.h"

/* Sets *why (when the caller asked for a reason) and returns code. A parser wraps it
 * with its own prefix, e.g. SIP_FAIL(OPENUM_EBADMSG, "Bad Via: " msg). */
#define SIP_FAIL(code, reason)                                                                     \
	do {                                                                                       \
		if (why)                                                                           \
			*why = (reason);                                                           \
		return (code);                                                                     \
	} while (0)

static inline bool lex_is(char c, uint16_t cls)
{
	return ou_is((unsigned char)c, cls);
}

/* Pointer form, [p, e): the first byte at or after p that is not LWS, or e. */
static inline const char *lex_skip_lws(const char *p, const char *e)
{
	while (p < e && lex_is(*p, OU_C_LWS))
		p++;
	return p;
}

/* Index form, p[0..n): the first index at or after i that is not LWS, or n. */
static inline size_t lex_skip_lws_at(const char *p, size_t n, size_t i)
{
	while (i < n && ou_is((unsigned char)p[i], OU_C_LWS))
		i++;
	return i;
}

/* Where trailing LWS of [p, e) starts: e when there is none. */
static inline const char *lex_trim_end(const char *p, const char *e)
{
	while (e > p && lex_is(e[-1], OU_C_LWS))
		e--;
	return e;
}

static inline const char *lex_skip_cls(const char *p, const char *e, uint16_t cls)
{
	/* Four bytes per bound check: these scans are most of the parsing time. */
	while (e - p >= 4) {
		if (!lex_is(p[0], cls))
			return p;
		if (!lex_is(p[1], cls))
			return p + 1;
		if (!lex_is(p[2], cls))
			return p + 2;
		if (!lex_is(p[3], cls))
			return p + 3;
		p += 4;
	}
	while (p < e && lex_is(*p, cls))
		p++;
	return p;
}

/* Parses the next Via element of a comma-separated Via value in one pass (the parser
 * itself stops at the ',' that ends the element, no pre-scan): *pos starts at 0;
 * returns 0, OPENUM_ENOTFOUND at the end, or the error of sip_via_parse. */
int sip_via_parse_next(ou_slice value, size_t *pos, sip_via *out, const char **why);

/* ---- header names (tables in hdr_name.c) ----------------------------------------
 * The lookup behind sip_hdr_id_from, inline so that the message parser's per-line
 * loop does not pay a call for it: one hash of length, first, middle and last byte
 * into a collision-free table, then one case-insensitive compare. */
#define SIP_HDR_HASH_SIZE 128
extern const uint8_t sip_hdr_hash_[SIP_HDR_HASH_SIZE];
extern const uint8_t sip_hdr_len_[SIP_H__COUNT];
extern const char sip_hdr_lc_[SIP_H__COUNT][32];
extern const uint8_t sip_hdr_compact_[26];

/* Known names hold only letters and '-', for which OR-ing 0x20 is the same as
 * lowering; any other byte only lands in some slot and then fails the compare. */
static inline unsigned sip_hdr_key_(const char *s, size_t n)
{
	return (unsigned)(n * 12 + ((unsigned char)s[0] | 0x20) +
	                  ((unsigned char)s[n - 1] | 0x20) * 11 +
	                  ((unsigned char)s[n / 2] | 0x20)) %
	       SIP_HDR_HASH_SIZE;
}

static inline sip_hdr_id sip_hdr_id_lookup(const char *name, size_t len)
{
	if (len == 1) {
		char c = ou_lower(name[0]);
		return (c >= 'a' && c <= 'z') ? (sip_hdr_id)sip_hdr_compact_[c - 'a'] : SIP_H_OTHER;
	}
	if (len < 2 || len > 32)
		return SIP_H_OTHER;
	unsigned id = sip_hdr_hash_[sip_hdr_key_(name, len)];
	if (id == SIP_H_OTHER || sip_hdr_len_[id] != len)
		return SIP_H_OTHER;
	/* Known names hold only letters and '-': OR-ing 0x20 into each byte folds the
	 * case of letters and keeps '-', so whole words compare at once. (CR would fold
	 * onto '-': names are tokens, see sip.h.) Known names are 2 to 20 bytes; two or
	 * three loads that may overlap cover the name without reading outside it. */
	const char *lc = sip_hdr_lc_[id];
	if (len >= 8) {
		const uint64_t f = 0x2020202020202020ull;
		uint64_t d = ((ou_load8(name) | f) ^ ou_load8(lc)) |
		             ((ou_load8(name + len - 8) | f) ^ ou_load8(lc + len - 8));
		if (len > 16)
			d |= (ou_load8(name + 8) | f) ^ ou_load8(lc + 8);
		return d ? SIP_H_OTHER : (sip_hdr_id)id;
	}
	if (len >= 4) {
		const uint32_t f = 0x20202020u;
		uint32_t d = ((ou_load4(name) | f) ^ ou_load4(lc)) |
		             ((ou_load4(name + len - 4) | f) ^ ou_load4(lc + len - 4));
		return d ? SIP_H_OTHER : (sip_hdr_id)id;
	}
	uint16_t d = (uint16_t)(((ou_load2(name) | 0x2020u) ^ ou_load2(lc)) |
	                        ((ou_load2(name + len - 2) | 0x2020u) ^ ou_load2(lc + len - 2)));
	return d ? SIP_H_OTHER : (sip_hdr_id)id;
}

#endif
