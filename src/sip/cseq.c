/* Small header values: CSeq (RFC 3261 20.16), the plain numbers of Max-Forwards,
 * Content-Length and Expires, Call-ID (25.1 callid) and Content-Type (20.15).
 * Each is one pass over the trimmed value with the shared character table. */
#include <string.h>

#include "sip.h"
#include "lex.h"

#define BAD(prefix, msg) SIP_FAIL(OPENUM_EBADMSG, prefix msg)

/* The usual CSeq, "1 INVITE" as the index leaves it: 1 to 9 digits (so below 2**31),
 * one SP, a known method up to the end (a known method is a token: no byte walk).
 * The general parse would give the same fields; anything else goes to it. */
static inline bool cseq_usual(ou_slice s, sip_cseq *out)
{
	if (s.n < 5) /* "1 ACK" */
		return false;
	const char *p = s.p, *e = s.p + s.n, *lim = s.n > 9 ? p + 9 : e;
	uint32_t num = 0;
	unsigned d;
	while (p < lim && (d = (unsigned)(unsigned char)*p - '0') <= 9) {
		num = num * 10 + d;
		p++;
	}
	if (p == s.p || p == e || *p != ' ')
		return false;
	ou_slice ms = ou_slice_make(p + 1, (size_t)(e - p - 1));
	sip_method method = sip_method_from(ms);
	if (method == SIP_METHOD_OTHER)
		return false;
	out->num = num;
	out->method_s = ms;
	out->method = method;
	return true;
}

int sip_cseq_parse(ou_slice s, sip_cseq *out, const char **why)
{
	if (cseq_usual(s, out))
		return 0;
	const char *p = s.p, *e = s.n ? s.p + s.n : s.p;
	p = lex_skip_lws(p, e);
	e = lex_trim_end(p, e);

	/* RFC 3261 8.1.1.5: the sequence number must be below 2**31. Leading zeros add
	 * digits but no value, so the bound is on the value, not the digit count. */
	const char *d = p;
	uint64_t num = 0;
	while (p < e && lex_is(*p, OU_C_DIGIT)) {
		num = num * 10 + (uint64_t)(*p - '0');
		if (num > 0x7fffffffu)
			BAD("Bad CSeq: ", "number too large");
		p++;
	}
	if (p == d)
		BAD("Bad CSeq: ", "missing number");
	if (p == e || !lex_is(*p, OU_C_LWS))
		BAD("Bad CSeq: ", "missing method");
	p = lex_skip_lws(p, e);
	const char *m = p;
	p = lex_skip_cls(p, e, OU_C_TOKEN);
	if (p == m)
		BAD("Bad CSeq: ", "missing method");
	if (p != e)
		BAD("Bad CSeq: ", "junk after method");
	out->num = (uint32_t)num;
	out->method_s = ou_slice_make(m, (size_t)(e - m));
	out->method = sip_method_from(out->method_s);
	return 0;
}

int sip_uint_parse(ou_slice s, uint32_t *out, const char **why)
{
	if (lex_uint_short(s, out))
		return 0;
	const char *p = s.p, *e = s.n ? s.p + s.n : s.p;
	p = lex_skip_lws(p, e);
	e = lex_trim_end(p, e);
	if (p == e)
		BAD("Bad number: ", "empty");
	uint64_t v = 0;
	for (; p < e; p++) {
		if (!lex_is(*p, OU_C_DIGIT))
			BAD("Bad number: ", "not a number");
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX) {
			/* Still report malformed input as such, not as out of range. */
			for (; p < e; p++)
				if (!lex_is(*p, OU_C_DIGIT))
					BAD("Bad number: ", "not a number");
			if (why)
				*why = "Bad number: out of range";
			return OPENUM_ETOOBIG;
		}
	}
	*out = (uint32_t)v;
	return 0;
}

/* The usual Call-ID of 16 to 64 bytes, [p, e) trimmed: letters, digits, '-' and '.',
 * with at most one '@', not at either end. One pass of 16-byte blocks, the last one
 * ending at e (so nothing outside [p, e) is read); the '@'s go into one bit map of
 * the value (the last block's overlap sets the same bits again). True only where
 * the general check below accepts; anything else (other lengths, other word bytes,
 * errors) goes to it. */
static inline bool callid_usual(const char *p, const char *e)
{
#ifdef __SSE2__
	size_t n = (size_t)(e - p);
	if (n < 16 || n > 64)
		return false;
	const __m128i at = _mm_set1_epi8('@');
	unsigned ok = 0xffffu;
	uint64_t ats = 0;
	size_t i = 0;
	for (; n - i > 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned a = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, at));
		ok &= ou_alnum_mask_(p + i) | a;
		ats |= (uint64_t)a << i;
	}
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(e - 16));
	unsigned a = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, at));
	ok &= ou_alnum_mask_(e - 16) | a;
	ats |= (uint64_t)a << (n - 16);
	return ok == 0xffffu && (ats & (ats - 1)) == 0 && (ats & (1 | (uint64_t)1 << (n - 1))) == 0;
#else
	(void)p;
	(void)e;
	return false;
#endif
}

int sip_callid_check(ou_slice s, const char **why)
{
	const char *p = s.p, *e = s.n ? s.p + s.n : s.p;
	p = lex_skip_lws(p, e);
	e = lex_trim_end(p, e);
	if (callid_usual(p, e))
		return 0;

	/* callid = word [ "@" word ] */
	const char *w = lex_skip_cls(ou_skip_alnum(p, e, s.p), e, OU_C_WORD);
	if (w == p)
		BAD("Bad Call-ID: ", "empty");
	if (w == e)
		return 0;
	if (*w != '@')
		BAD("Bad Call-ID: ", "bad character");
	p = w + 1;
	w = lex_skip_cls(ou_skip_alnum(p, e, s.p), e, OU_C_WORD);
	if (w == p)
		BAD("Bad Call-ID: ", "empty host part");
	if (w != e)
		BAD("Bad Call-ID: ", "bad character");
	return 0;
}

int sip_ctype_parse(ou_slice s, sip_ctype *out, const char **why)
{
	const char *p = s.p, *e = s.n ? s.p + s.n : s.p, *t;
	p = lex_skip_lws(p, e);
	e = lex_trim_end(p, e);

	/* media-type = m-type SLASH m-subtype *( SEMI m-parameter ) */
	t = lex_skip_cls(p, e, OU_C_TOKEN);
	if (t == p)
		BAD("Bad Content-Type: ", "missing type");
	ou_slice type = ou_slice_make(p, (size_t)(t - p));
	p = lex_skip_lws(t, e);
	if (p == e || *p != '/')
		BAD("Bad Content-Type: ", "missing subtype");
	p = lex_skip_lws(p + 1, e);
	t = lex_skip_cls(p, e, OU_C_TOKEN);
	if (t == p)
		BAD("Bad Content-Type: ", "missing subtype");
	ou_slice subtype = ou_slice_make(p, (size_t)(t - p));
	p = lex_skip_lws(t, e);
	ou_slice params = OU_SLICE_NULL;
	if (p < e) {
		if (*p != ';')
			BAD("Bad Content-Type: ", "junk after subtype");
		params = ou_slice_make(p, (size_t)(e - p));
	}
	/* m-parameter = m-attribute EQUAL m-value; m-value = token / quoted-string */
	while (p < e) {
		const char *n = lex_skip_lws(p + 1, e);
		t = lex_skip_cls(n, e, OU_C_TOKEN);
		if (t == n)
			BAD("Bad Content-Type: ", "empty parameter");
		p = lex_skip_lws(t, e);
		if (p == e || *p != '=')
			BAD("Bad Content-Type: ", "parameter without value");
		p = lex_skip_lws(p + 1, e);
		if (p < e && *p == '"') {
			for (p++;; p++) {
				if (p == e)
					BAD("Bad Content-Type: ", "unterminated quote");
				if (*p == '"')
					break;
				if (*p == '\\') {
					if (++p == e || *p == '\r' || *p == '\n' ||
					    (unsigned char)*p > 0x7f)
						BAD("Bad Content-Type: ", "bad quoted parameter");
				} else if (!lex_is(*p, OU_C_QDTEXT | OU_C_UTF8)) {
					BAD("Bad Content-Type: ", "bad quoted parameter");
				}
			}
			t = p + 1;
		} else {
			t = lex_skip_cls(p, e, OU_C_TOKEN);
			if (t == p)
				BAD("Bad Content-Type: ", "parameter without value");
		}
		p = lex_skip_lws(t, e);
		if (p < e && *p != ';')
			BAD("Bad Content-Type: ", "junk in parameters");
	}
	out->type = type;
	out->subtype = subtype;
	out->params = params;
	return 0;
}
