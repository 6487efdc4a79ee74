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

#endif
