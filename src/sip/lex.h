/* sip/lex.h: the small lexer helpers and the error-return macro that src/sip's parsers
 * share. Internal to src/sip (not installed, not a contract): include it from src/sip
 * .c files only, after sip.h (and from src/sip's unit tests, which compare fast paths
 * with the general ones). Everything here is static inline, so each parser keeps
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

/* The usual plain number (Max-Forwards, Content-Length, Expires): 1 to 9 digits and
 * nothing else, as the index leaves a value (trimmed). True with *out set; false for
 * anything else, which the caller hands to sip_uint_parse (the only one to give
 * reasons). Nine digits stay below 2**32, so no overflow test. */
static inline bool lex_uint_short(ou_slice s, uint32_t *out)
{
	if (s.n - 1 >= 9) /* n == 0 wraps */
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < s.n; i++) {
		unsigned d = (unsigned)(unsigned char)s.p[i] - '0';
		if (d > 9)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Parses the next Via element of a comma-separated Via value in one pass (the parser
 * itself stops at the ',' that ends the element, no pre-scan): *pos starts at 0;
 * returns 0, OPENUM_ENOTFOUND at the end, or the error of sip_via_parse. */
int sip_via_parse_next(ou_slice value, size_t *pos, sip_via *out, const char **why);

/* sip_via_parse without its fast path for the usual shape (via.c): the unit tests
 * compare the two on inputs near that shape, so that neither can drift. */
int sip_via_parse_general(ou_slice s, sip_via *out, const char **why);

/* sip_uri_parse without its fast path for the usual shape (uri.c), for the same
 * comparison. */
int sip_uri_parse_general(ou_slice s, sip_uri *out, const char **why);

/* The URI fast path for a URI that does not end its slice (uri.c, for addr.c): from
 * p, a "sip:"/"sips:" URI of the fast shape (see sip_uri_parse), with its parameters
 * when params is true; returns the first byte it did not take (e at the end) with all
 * of *u set as sip_uri_parse would set it for [p, that byte), or NULL when the bytes
 * from p are outside the shape (*u then holds garbage). The caller checks that the
 * byte where it stopped may end the URI ('>' in a name-addr, ';' or the end in an
 * addr-spec). */
const char *sip_uri_fast_at(const char *p, const char *e, bool params, sip_uri *u);

/* sip_addr_parse without its fast path for the usual shapes (addr.c), for the same
 * comparison. */
int sip_addr_parse_general(ou_slice s, sip_addr *out, const char **why);

/* A port at p in [p, e) for the fast paths: 1 to 5 digits valued 1 to 65535, then a
 * byte that is not a digit (or e). Returns where the digits end and sets *out, or NULL
 * (the caller's general path decides). With 8 bytes to read (little-endian hosts), one
 * load does it (SWAR): the first byte outside '0'-'9' is the lowest nonzero byte of nd
 * (a byte is a digit when its high nibble is 3 and adding 6 keeps it 3; a carry out of
 * a byte >= 0xFA only reaches bytes above it), and the digits, moved to the top bytes,
 * are valued by pairs, quads and the eight at once. Fewer than 8 bytes: a byte loop. */
static inline const char *lex_port(const char *p, const char *e, uint32_t *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (e - p >= 8) {
		const uint64_t hi = 0xF0F0F0F0F0F0F0F0ull, zeros = 0x3030303030303030ull;
		uint64_t x = ou_load8(p);
		uint64_t nd = ((x & hi) ^ zeros) | (((x + 0x0606060606060606ull) & hi) ^ zeros);
		if (!nd)
			return NULL; /* eight digits */
		unsigned len = (unsigned)__builtin_ctzll(nd) >> 3;
		if (len - 1 >= 5)
			return NULL; /* none, or more than five */
		uint64_t v = (x - zeros) << (64 - 8 * len);
		v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFull;
		v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFull;
		v = (v * 10000 + (v >> 32)) & 0xFFFFFFFFull;
		if (v - 1 >= 65535)
			return NULL;
		*out = (uint32_t)v;
		return p + len;
	}
#endif
	const char *t = p, *lim = e - p > 5 ? p + 5 : e;
	uint32_t v = 0;
	for (unsigned d; t < lim && (d = (unsigned)((unsigned char)*t - '0')) <= 9; t++)
		v = v * 10 + d;
	if (t == p || (t < e && (unsigned)((unsigned char)*t - '0') <= 9) || v == 0 || v > 65535)
		return NULL;
	*out = v;
	return t;
}

/* ---- header names ---------------------------------------------------------------
 * The lookup behind sip_hdr_id_from, inline so that the message parser's per-line
 * loop does not pay a call for it. A switch on the length, then one to three word
 * loads of the name (two or three that may overlap cover it without reading outside
 * it) compared with the known names of that length, commonest first: no table, no
 * hash. Known names hold only letters and '-': OR-ing 0x20 into each byte folds the
 * case of letters and keeps '-', so a whole word compares at once. (Only CR would
 * fold onto '-', and a name never holds one: names are tokens, see sip.h.) Compact
 * forms (RFC 3261 7.3.3) are a 26-entry table in hdr_name.c. Keep the cases in step
 * with hdr_names[] there; tests/unit/sip/test_msg.c checks every name both ways. */
extern const uint8_t sip_hdr_compact_[26];

static inline sip_hdr_id sip_hdr_id_lookup(const char *name, size_t len)
{
	if (len == 1) {
		char c = ou_lower(name[0]);
		return (c >= 'a' && c <= 'z') ? (sip_hdr_id)sip_hdr_compact_[c - 'a'] : SIP_H_OTHER;
	}
	switch (len) {
	case 2: {
		const uint16_t w0 = ou_load2(name) | 0x2020u;
		if (w0 == ou_load2("to"))
			return SIP_H_TO;
		return SIP_H_OTHER;
	}
	case 3: {
		const uint16_t w0 = ou_load2(name) | 0x2020u;
		const uint16_t w1 = ou_load2(name + 1) | 0x2020u;
		if (w0 == ou_load2("vi") && w1 == ou_load2("ia"))
			return SIP_H_VIA;
		return SIP_H_OTHER;
	}
	case 4: {
		const uint32_t w0 = ou_load4(name) | 0x20202020u;
		if (w0 == ou_load4("from"))
			return SIP_H_FROM;
		if (w0 == ou_load4("cseq"))
			return SIP_H_CSEQ;
		if (w0 == ou_load4("date"))
			return SIP_H_DATE;
		return SIP_H_OTHER;
	}
	case 5: {
		const uint32_t w0 = ou_load4(name) | 0x20202020u;
		const uint32_t w1 = ou_load4(name + 1) | 0x20202020u;
		if (w0 == ou_load4("rout") && w1 == ou_load4("oute"))
			return SIP_H_ROUTE;
		if (w0 == ou_load4("allo") && w1 == ou_load4("llow"))
			return SIP_H_ALLOW;
		if (w0 == ou_load4("even") && w1 == ou_load4("vent"))
			return SIP_H_EVENT;
		return SIP_H_OTHER;
	}
	case 6: {
		const uint32_t w0 = ou_load4(name) | 0x20202020u;
		const uint32_t w1 = ou_load4(name + 2) | 0x20202020u;
		if (w0 == ou_load4("acce") && w1 == ou_load4("cept"))
			return SIP_H_ACCEPT;
		if (w0 == ou_load4("serv") && w1 == ou_load4("rver"))
			return SIP_H_SERVER;
		if (w0 == ou_load4("reas") && w1 == ou_load4("ason"))
			return SIP_H_REASON;
		return SIP_H_OTHER;
	}
	case 7: {
		const uint32_t w0 = ou_load4(name) | 0x20202020u;
		const uint32_t w1 = ou_load4(name + 3) | 0x20202020u;
		if (w0 == ou_load4("call") && w1 == ou_load4("l-id"))
			return SIP_H_CALL_ID;
		if (w0 == ou_load4("cont") && w1 == ou_load4("tact"))
			return SIP_H_CONTACT;
		if (w0 == ou_load4("expi") && w1 == ou_load4("ires"))
			return SIP_H_EXPIRES;
		if (w0 == ou_load4("requ") && w1 == ou_load4("uire"))
			return SIP_H_REQUIRE;
		if (w0 == ou_load4("subj") && w1 == ou_load4("ject"))
			return SIP_H_SUBJECT;
		if (w0 == ou_load4("priv") && w1 == ou_load4("vacy"))
			return SIP_H_PRIVACY;
		return SIP_H_OTHER;
	}
	case 8: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		if (w0 == ou_load8("refer-to"))
			return SIP_H_REFER_TO;
		return SIP_H_OTHER;
	}
	case 9: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		const uint64_t w1 = ou_load8(name + 1) | 0x2020202020202020ull;
		if (w0 == ou_load8("supporte") && w1 == ou_load8("upported"))
			return SIP_H_SUPPORTED;
		if (w0 == ou_load8("diversio") && w1 == ou_load8("iversion"))
			return SIP_H_DIVERSION;
		if (w0 == ou_load8("timestam") && w1 == ou_load8("imestamp"))
			return SIP_H_TIMESTAMP;
		return SIP_H_OTHER;
	}
	case 10: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		const uint64_t w1 = ou_load8(name + 2) | 0x2020202020202020ull;
		if (w0 == ou_load8("user-age") && w1 == ou_load8("er-agent"))
			return SIP_H_USER_AGENT;
		return SIP_H_OTHER;
	}
	case 11: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		const uint64_t w1 = ou_load8(name + 3) | 0x2020202020202020ull;
		if (w0 == ou_load8("min-expi") && w1 == ou_load8("-expires"))
			return SIP_H_MIN_EXPIRES;
		if (w0 == ou_load8("unsuppor") && w1 == ou_load8("upported"))
			return SIP_H_UNSUPPORTED;
		if (w0 == ou_load8("referred") && w1 == ou_load8("erred-by"))
			return SIP_H_REFERRED_BY;
		return SIP_H_OTHER;
	}
	case 12: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		const uint64_t w1 = ou_load8(name + 4) | 0x2020202020202020ull;
		if (w0 == ou_load8("max-forw") && w1 == ou_load8("forwards"))
			return SIP_H_MAX_FORWARDS;
		if (w0 == ou_load8("content-") && w1 == ou_load8("ent-type"))
			return SIP_H_CONTENT_TYPE;
		if (w0 == ou_load8("record-r") && w1 == ou_load8("rd-route"))
			return SIP_H_RECORD_ROUTE;
		if (w0 == ou_load8("allow-ev") && w1 == ou_load8("w-events"))
			return SIP_H_ALLOW_EVENTS;
		if (w0 == ou_load8("history-") && w1 == ou_load8("ory-info"))
			return SIP_H_HISTORY_INFO;
		if (w0 == ou_load8("organiza") && w1 == ou_load8("nization"))
			return SIP_H_ORGANIZATION;
		return SIP_H_OTHER;
	}
	case 13: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		const uint64_t w1 = ou_load8(name + 5) | 0x2020202020202020ull;
		if (w0 == ou_load8("authoriz") && w1 == ou_load8("rization"))
			return SIP_H_AUTHORIZATION;
		if (w0 == ou_load8("proxy-re") && w1 == ou_load8("-require"))
			return SIP_H_PROXY_REQUIRE;
		return SIP_H_OTHER;
	}
	case 14: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		const uint64_t w1 = ou_load8(name + 6) | 0x2020202020202020ull;
		if (w0 == ou_load8("content-") && w1 == ou_load8("t-length"))
			return SIP_H_CONTENT_LENGTH;
		if (w0 == ou_load8("ms-sensi") && w1 == ou_load8("sitivity"))
			return SIP_H_MS_SENSITIVITY;
		return SIP_H_OTHER;
	}
	case 15: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		const uint64_t w1 = ou_load8(name + 7) | 0x2020202020202020ull;
		if (w0 == ou_load8("session-") && w1 == ou_load8("-expires"))
			return SIP_H_SESSION_EXPIRES;
		return SIP_H_OTHER;
	}
	case 16: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		const uint64_t w1 = ou_load8(name + 8) | 0x2020202020202020ull;
		if (w0 == ou_load8("www-auth") && w1 == ou_load8("enticate"))
			return SIP_H_WWW_AUTHENTICATE;
		if (w0 == ou_load8("content-") && w1 == ou_load8("encoding"))
			return SIP_H_CONTENT_ENCODING;
		return SIP_H_OTHER;
	}
	case 18: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		const uint64_t w1 = ou_load8(name + 8) | 0x2020202020202020ull;
		const uint64_t w2 = ou_load8(name + 10) | 0x2020202020202020ull;
		if (w0 == ou_load8("proxy-au") && w1 == ou_load8("thentica") &&
		    w2 == ou_load8("enticate"))
			return SIP_H_PROXY_AUTHENTICATE;
		if (w0 == ou_load8("subscrip") && w1 == ou_load8("tion-sta") &&
		    w2 == ou_load8("on-state"))
			return SIP_H_SUBSCRIPTION_STATE;
		return SIP_H_OTHER;
	}
	case 19: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		const uint64_t w1 = ou_load8(name + 8) | 0x2020202020202020ull;
		const uint64_t w2 = ou_load8(name + 11) | 0x2020202020202020ull;
		if (w0 == ou_load8("proxy-au") && w1 == ou_load8("thorizat") &&
		    w2 == ou_load8("rization"))
			return SIP_H_PROXY_AUTHORIZATION;
		if (w0 == ou_load8("p-assert") && w1 == ou_load8("ed-ident") &&
		    w2 == ou_load8("identity"))
			return SIP_H_P_ASSERTED_IDENTITY;
		if (w0 == ou_load8("ms-excha") && w1 == ou_load8("nge-comm") &&
		    w2 == ou_load8("-command"))
			return SIP_H_MS_EXCHANGE_COMMAND;
		return SIP_H_OTHER;
	}
	case 20: {
		const uint64_t w0 = ou_load8(name) | 0x2020202020202020ull;
		const uint64_t w1 = ou_load8(name + 8) | 0x2020202020202020ull;
		const uint64_t w2 = ou_load8(name + 12) | 0x2020202020202020ull;
		if (w0 == ou_load8("p-prefer") && w1 == ou_load8("red-iden") &&
		    w2 == ou_load8("identity"))
			return SIP_H_P_PREFERRED_IDENTITY;
		return SIP_H_OTHER;
	}
	default: return SIP_H_OTHER;
	}
}

#endif
