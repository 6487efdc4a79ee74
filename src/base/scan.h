/* base/scan.h: inline helpers the parsers share for their hottest loops: a 16-bytes-
 * per-step skip over the bytes nearly every SIP token is made of, and unaligned loads
 * for word-wise compares. Internal to openum's parsers, not a contract. */
#ifndef OPENUM_BASE_SCAN_H
#define OPENUM_BASE_SCAN_H

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static inline uint16_t ou_load2(const char *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t ou_load4(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t ou_load8(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Skips the run of letters, digits, '-' and '.' that starts at p, within [p, e).
 * Those bytes belong to token, word, user, password, paramchar and qdtext alike, so a
 * caller scanning any of these classes goes on byte by byte from the result, which
 * is at a byte outside the set or at e. Reads only inside [lo, e), where lo <= p is
 * the start of the caller's slice: 16 bytes per step, the last step ending at e and
 * starting before p when the slice allows. Without SSE2 it returns p. */
#ifdef __SSE2__
static inline unsigned ou_alnum_mask_(const char *p)
{
	/* Signed compares: bytes >= 0x80 are negative, below every range tested. */
	const __m128i a0 = _mm_set1_epi8('a' - 1), a1 = _mm_set1_epi8('z' + 1),
	              d0 = _mm_set1_epi8('-' - 1), d1 = _mm_set1_epi8('9' + 1),
	              slash = _mm_set1_epi8('/'), b20 = _mm_set1_epi8(0x20);
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i l = _mm_or_si128(v, b20); /* folds A-Z onto a-z, no other byte */
	__m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(l, a0), _mm_cmpgt_epi8(a1, l));
	/* '-' '.' '/' and the digits are one range; '/' is taken out again */
	__m128i num = _mm_andnot_si128(_mm_cmpeq_epi8(v, slash),
	                               _mm_and_si128(_mm_cmpgt_epi8(v, d0), _mm_cmpgt_epi8(d1, v)));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(alpha, num));
}
#endif

static inline const char *ou_skip_alnum(const char *p, const char *e, const char *lo)
{
#ifdef __SSE2__
	while (e - p >= 16) {
		unsigned ok = ou_alnum_mask_(p);
		if (ok != 0xffffu)
			return p + __builtin_ctz(~ok);
		p += 16;
	}
	if (p < e && e - lo >= 16) {
		/* the block [e-16, e): drop the bits of the bytes before p */
		unsigned ok = ou_alnum_mask_(e - 16) >> (16 - (e - p));
		return p + __builtin_ctz(~ok); /* bit e-p of ~ok is set */
	}
#else
	(void)e;
	(void)lo;
#endif
	return p;
}

/* Skips whole 16-byte blocks of [p, e) inside a quoted-string: returns the first '"',
 * '\\', control byte or DEL of the first block that holds one, or where fewer than
 * 16 bytes remain. Every byte skipped is qdtext or UTF-8 (RFC 3261 25.1); HTAB, CR and
 * LF stop it too and are left to the caller's byte-by-byte loop. */
static inline const char *ou_skip_qdtext(const char *p, const char *e)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1f),
	              del = _mm_set1_epi8(0x7f);
	while (e - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i stop = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
		    _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v), _mm_cmpeq_epi8(v, del)));
		unsigned mask = (unsigned)_mm_movemask_epi8(stop);
		if (mask)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#else
	(void)e;
#endif
	return p;
}

/* The first `c` in [p, e), or e: memchr without the call, for the short spans (one
 * header value, one address) where a libc call costs more than the search. Reads
 * only inside [lo, e), lo <= p being the start of the caller's slice: 16 bytes per
 * step, the last step ending at e and starting before p when the slice allows. */
static inline const char *ou_find_byte(const char *p, const char *e, const char *lo, char c)
{
#ifdef __SSE2__
	const __m128i want = _mm_set1_epi8(c);
	while (e - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, want));
		if (mask)
			return p + __builtin_ctz(mask);
		p += 16;
	}
	if (p < e && e - lo >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(e - 16));
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, want));
		mask >>= 16 - (e - p); /* drop the bytes before p */
		return mask ? p + __builtin_ctz(mask) : e;
	}
#else
	(void)lo;
#endif
	while (p < e && *p != c)
		p++;
	return p;
}

#endif
