/* The SIP message parser: checks the start line and indexes every header in one pass
 * over the caller's buffer (memchr for line ends, a table for name characters, one
 * hash for the header id). Typed values are parsed later, on demand (msg_get.c). */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "sip.h"
#include "lex.h"

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (RFC 3261 25.1; "SIP" is case-insensitive). */
static bool version_ok(const char *p, size_t n)
{
	/* Nearly always exactly "SIP/2.0": OR-ing 0x20 into the three letters folds their
	 * case and maps no other byte onto them; "/2.0" compares exactly. */
	if (n == 7 && (ou_load4(p) | ou_load4("\x20\x20\x20\0")) == ou_load4("sip/") &&
	    ou_load4(p + 3) == ou_load4("/2.0"))
		return true;
	if (n < 7 || ou_memcasecmp(p, "SIP/", 4) != 0)
		return false;
	size_t i = 4, d = 0;
	while (i < n && ou_is((unsigned char)p[i], OU_C_DIGIT))
		i++, d++;
	if (d == 0 || i >= n || p[i] != '.')
		return false;
	i++;
	d = 0;
	while (i < n && ou_is((unsigned char)p[i], OU_C_DIGIT))
		i++, d++;
	return d > 0 && i == n;
}

/* The first byte of [p, end) that cannot be in a Request-URI (CTL, SP, DEL), or end;
 * 16 bytes per step where SSE2 exists. Never reads at or past end. */
static inline const char *find_uri_end(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(' '), del = _mm_set1_epi8(0x7f);
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* unsigned v <= 0x20 exactly where min(v, 0x20) == v */
		__m128i hit =
		    _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, sp), v), _mm_cmpeq_epi8(v, del));
		unsigned mask = (unsigned)_mm_movemask_epi8(hit);
		if (mask)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
	while (p < end && (unsigned char)*p > 0x20 && *p != 0x7f)
		p++;
	return p;
}

static int parse_start_line(const char *p, size_t n, sip_msg *m, const char **why)
{
	if (n == 0)
		SIP_FAIL(OPENUM_EBADMSG, "Empty start line");
	/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
	if (n >= 4 && ou_memcasecmp(p, "SIP/", 4) == 0) {
		const char *sp = memchr(p, ' ', n);
		if (!sp || !version_ok(p, (size_t)(sp - p)))
			SIP_FAIL(OPENUM_EBADMSG, "Bad SIP version in status line");
		size_t i = (size_t)(sp - p) + 1;
		if (n - i < 3)
			SIP_FAIL(OPENUM_EBADMSG, "Bad status code");
		unsigned code = 0;
		for (size_t k = 0; k < 3; k++) {
			unsigned char c = (unsigned char)p[i + k];
			if (!ou_is(c, OU_C_DIGIT))
				SIP_FAIL(OPENUM_EBADMSG, "Bad status code");
			code = code * 10 + (c - '0');
		}
		if (code < 100 || code > 699)
			SIP_FAIL(OPENUM_EBADMSG, "Status code out of range");
		i += 3;
		if (i < n && p[i] != ' ')
			SIP_FAIL(OPENUM_EBADMSG, "Bad status code");
		m->is_request = false;
		m->version = ou_slice_make(p, (size_t)(sp - p));
		m->status = (uint16_t)code;
		/* The reason phrase may be empty; a missing SP before it is tolerated. */
		m->reason = i < n ? ou_slice_make(p + i + 1, n - i - 1) : ou_slice_make(p + n, 0);
		for (size_t k = 0; k < m->reason.n; k++) {
			unsigned char c = (unsigned char)m->reason.p[k];
			if (c < 0x20 && c != '\t')
				SIP_FAIL(OPENUM_EBADMSG, "Control character in reason phrase");
		}
		return 0;
	}
	/* Request-Line = Method SP Request-URI SP SIP-Version: exactly one SP each. */
	size_t i = (size_t)(lex_skip_cls(p, p + n, OU_C_TOKEN) - p);
	if (i == 0 || i >= n || p[i] != ' ')
		SIP_FAIL(OPENUM_EBADMSG, "Bad method in request line");
	m->method_s = ou_slice_make(p, i);
	size_t u = ++i;
	i = (size_t)(find_uri_end(p + i, p + n) - p);
	if (i == u)
		SIP_FAIL(OPENUM_EBADMSG, "Missing Request-URI");
	if (i >= n || p[i] != ' ')
		SIP_FAIL(OPENUM_EBADMSG,
		         "Bad request line: Request-URI must be followed by one space");
	if (i - u > SIP_MAX_URI)
		SIP_FAIL(OPENUM_ETOOBIG, "Request-URI too long");
	m->ruri_s = ou_slice_make(p + u, i - u);
	i++;
	if (!version_ok(p + i, n - i))
		SIP_FAIL(OPENUM_EBADMSG, "Bad SIP version in request line");
	m->version = ou_slice_make(p + i, n - i);
	m->is_request = true;
	m->method = sip_method_from(m->method_s);
	return 0;
}

#ifdef __SSE2__
/* For a byte <= CR (what the vector compare flags): is it CR, LF or NUL? One shift
 * of a bit set instead of three compares. */
static inline bool is_line_ctl(char c)
{
	return (0x2401u >> (unsigned char)c) & 1;
}

/* The first CR, LF or NUL among the bytes of p that mask flags (bit i: p[i] <= CR),
 * or NULL. */
static inline const char *first_line_ctl(const char *p, unsigned mask)
{
	/* nearly always the first byte flagged is the line's CR */
	if (__builtin_expect(mask != 0 && p[__builtin_ctz(mask)] == '\r', 1))
		return p + __builtin_ctz(mask);
	while (mask) {
		const char *q = p + __builtin_ctz(mask);
		if (is_line_ctl(*q))
			return q;
		mask &= mask - 1;
	}
	return NULL;
}
#endif

/* The first CR, LF or NUL in [p, end), or end: 16 bytes per step where SSE2 exists
 * (every x86-64), one byte per step elsewhere. Never reads at or past end. */
static inline const char *find_ctl(const char *p, const char *end)
{
#ifdef __SSE2__
	/* One compare flags every byte <= CR; the few other controls that it also
	 * flags (HTAB in folded values, mostly) are sorted out bit by bit. */
	const __m128i cr = _mm_set1_epi8('\r');
	/* two blocks per step while they fit: one test and one branch for 32 bytes */
	while (end - p >= 32) {
		__m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
		unsigned mask =
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v0, cr), v0)) |
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v1, cr), v1)) << 16;
		const char *q = first_line_ctl(p, mask);
		if (q)
			return q;
		p += 32;
	}
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, cr), v));
		const char *q = first_line_ctl(p, mask);
		if (q)
			return q;
		p += 16;
	}
#endif
	while (p < end && *p != '\r' && *p != '\n' && *p != '\0')
		p++;
	return p;
}

/* find_ctl for a line that starts at p, which also notes in *colon the first ':' of
 * the line's first 32 bytes (16 when fewer than 32 remain), or else end: the
 * caller's usual-shape test sees whether a ':' before the line end was found, and its
 * general path searches again when not. A header name is nearly
 * always shorter, so the loads serve both searches. */
static inline const char *find_line(const char *p, const char *end, const char **colon)
{
#ifdef __SSE2__
	if (end - p >= 32) {
		/* most header lines are 20 to 80 bytes: the first 32 in one step */
		const __m128i cr = _mm_set1_epi8('\r'), co = _mm_set1_epi8(':');
		__m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
		/* the second half only for the few names of 16 bytes or more */
		unsigned cm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, co));
		if (__builtin_expect(cm != 0, 1)) {
			*colon = p + __builtin_ctz(cm);
		} else {
			cm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, co));
			*colon = cm ? p + 16 + __builtin_ctz(cm) : end;
		}
		unsigned mask =
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v0, cr), v0)) |
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v1, cr), v1)) << 16;
		const char *le = first_line_ctl(p, mask);
		if (!le)
			le = find_ctl(p + 32, end);
		return le;
	}
	if (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned cm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
		unsigned mask = (unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8('\r')), v));
		const char *le = first_line_ctl(p, mask);
		if (!le)
			le = find_ctl(p + 16, end);
		*colon = cm ? p + __builtin_ctz(cm) : end;
		return le;
	}
#endif
	*colon = end;
	return find_ctl(p, end);
}

/* Trims trailing LWS off a value [v, end). */
static inline size_t value_len(const char *v, const char *end)
{
	while (end > v && ou_is((unsigned char)end[-1], OU_C_LWS))
		end--;
	return (size_t)(end - v);
}

int sip_msg_parse(const char *buf, size_t len, sip_msg *m, const char **why)
{
	m->nhdr = 0;
	m->cached = 0;
	m->has_clen = false;
	m->method = SIP_METHOD_OTHER;
	m->method_s = m->ruri_s = m->reason = OU_SLICE_NULL;
	m->status = 0;
	memset(m->first, 0xff, sizeof(m->first)); /* a failed parse leaves no headers */
	if (len > SIP_MAX_MSG)
		SIP_FAIL(OPENUM_ETOOBIG, "Message too large");
	m->raw = ou_slice_make(buf, len);

	const char *p = buf, *end = buf + len;
	const char *nl = memchr(p, '\n', len < SIP_MAX_STARTLINE ? len : SIP_MAX_STARTLINE);
	if (!nl)
		SIP_FAIL(len < SIP_MAX_STARTLINE ? OPENUM_EBADMSG : OPENUM_ETOOBIG,
		         len < SIP_MAX_STARTLINE ? "Missing end of start line"
		                                 : "Start line too long");
	size_t sl = (size_t)(nl - p);
	if (sl && p[sl - 1] == '\r')
		sl--;
	int err = parse_start_line(p, sl, m, why);
	if (err)
		return err;
	p = nl + 1;

	/* Header lines, each stored as it is met: a folded line (RFC 3261 7.3.1: one
	 * that starts with SP/HTAB) extends the value of the header before it. The
	 * per-id chains are linked afterwards, in one backward pass. */
	sip_hdr *const hdr = m->hdr;
	sip_hdr *h = hdr; /* the next slot: one pointer step per line, no index scaling */
	const char *const last1 = end - 1; /* len > 0 here: the start line ended */
	for (;;) {
		/* p == end (no empty line) needs no test of its own: find_line gives le
		 * == end, which the line-end check below refuses with the same reason.
		 * A bare CR or a NUL inside a line could end a line for another parser:
		 * refuse it rather than forward it. */
		const char *colon;
		const char *le = find_line(p, end, &colon);
		if (__builtin_expect(le < last1 && ou_load2(le) == ou_load2("\r\n"), 1)) {
			nl = le + 1; /* CRLF: the usual line end settles every check below */
		} else {
			while (le < end && *le == '\0') {
				/* only as a quoted-pair (RFC 4475 3.1.1.2) */
				if (le == p || le[-1] != '\\')
					SIP_FAIL(OPENUM_EBADMSG,
					         "Control character in header line");
				le = find_ctl(le + 1, end);
			}
			if (le >= end || (*le == '\r' && le + 1 >= end))
				SIP_FAIL(OPENUM_EBADMSG, "Missing empty line after headers");
			nl = le;
			if (*le == '\r') {
				if (le[1] != '\n')
					SIP_FAIL(OPENUM_EBADMSG,
					         "Control character in header line");
				nl = le + 1;
			}
		}
		/* An empty line and a folded one both start with a byte <= SP: one compare
		 * rules both out for a header line. */
		if (__builtin_expect((unsigned char)*p <= ' ', 0)) {
			if (le == p) { /* empty line: end of headers */
				p = nl + 1;
				break;
			}
			if (*p == ' ' || *p == '\t') {
				if (h == hdr)
					SIP_FAIL(OPENUM_EBADMSG,
					         "Folded line before the first header");
				sip_hdr *last = h - 1;
				/* A value that was still empty starts after the fold's
				 * LWS: "Call-ID:" CRLF " 0" is "0", as "Call-ID: 0" is. */
				if (last->value.n == 0) {
					const char *v = p;
					while (v < le && (*v == ' ' || *v == '\t'))
						v++;
					last->value.p = v;
				}
				last->value.n = value_len(last->value.p, le);
				p = nl + 1;
				continue;
			}
		}
		if (h == hdr + SIP_MAX_HEADERS)
			SIP_FAIL(OPENUM_ETOOBIG, "Too many headers");
		/* The usual line: "Name: value" CRLF, its first ':' among the bytes
		 * find_line searched, the name's last byte and the value's first and last
		 * bytes above SP. Then the general path below would find the same name
		 * end (no LWS before ':'), the same value start (one SP after it) and
		 * the same value end (no trailing LWS): these tests only skip its steps.
		 * colon[-1] is always readable (a line starts after an LF), and an empty
		 * name puts that LF there; colon[1] and colon[2] lie at or before le. */
		const char *q, *ne, *ve = le;
		if (__builtin_expect(colon < le && (unsigned char)colon[-1] > ' ' &&
		                         colon[1] == ' ' && (unsigned char)colon[2] > ' ' &&
		                         (unsigned char)le[-1] > ' ',
		                     1)) {
			ne = colon;
			q = colon + 2;
		} else {
			/* HCOLON = *( SP / HTAB ) ":" SWS. */
			colon = ou_find_byte(p, le, p, ':');
			ne = colon;
			/* SP and HTAB are <= ' ': one compare rules out the usual case */
			if (ne > p && (unsigned char)ne[-1] <= ' ')
				while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
					ne--;
			if (colon >= le || ne == p)
				SIP_FAIL(OPENUM_EBADMSG, "Bad header line: expected name and ':'");
			q = colon + 1;
			while (q < le && (*q == ' ' || *q == '\t'))
				q++;
			ve = q + value_len(q, le);
		}
		/* A known name is proved a token by the compare in sip_hdr_id_lookup;
		 * only unknown names are checked byte by byte. */
		size_t nlen = (size_t)(ne - p);
		sip_hdr_id id = sip_hdr_id_lookup(p, nlen);
		if (id == SIP_H_OTHER)
			for (const char *c = p; c < ne; c++)
				if (!ou_is((unsigned char)*c, OU_C_TOKEN))
					SIP_FAIL(OPENUM_EBADMSG,
					         "Bad header line: expected name and ':'");
		h->name = ou_slice_make(p, nlen);
		h->value = ou_slice_make(q, (size_t)(ve - q));
		h->id = (uint16_t)id;
		h++;
		p = nl + 1;
	}
	unsigned n = (unsigned)(h - hdr);
	m->nhdr = (uint16_t)n;

	/* Chains of equal ids, in message order: built back to front, each header
	 * pointing at the one that was first before it. */
	for (unsigned i = n; i-- > 0;) {
		unsigned id = hdr[i].id;
		hdr[i].next = m->first[id];
		m->first[id] = (uint16_t)i;
	}

	/* Body: Content-Length bytes when given, else the rest of the buffer. */
	size_t avail = (size_t)(end - p);
	uint16_t cl = m->first[SIP_H_CONTENT_LENGTH];
	if (cl != SIP_HDR_NONE) {
		uint32_t clen = 0;
		for (uint16_t i = cl; i != SIP_HDR_NONE; i = m->hdr[i].next) {
			uint32_t v;
			if (!lex_uint_short(m->hdr[i].value, &v) &&
			    sip_uint_parse(m->hdr[i].value, &v, NULL))
				SIP_FAIL(OPENUM_EBADMSG, "Bad Content-Length");
			if (i != cl && v != clen)
				SIP_FAIL(OPENUM_EBADMSG, "Conflicting Content-Length headers");
			clen = v;
		}
		if (clen > avail)
			SIP_FAIL(OPENUM_EBADMSG, "Content-Length larger than the body");
		m->has_clen = true;
		m->content_length = clen;
		m->cached |= SIP_CACHE_CLEN;
		m->body = ou_slice_make(p, clen);
	} else {
		m->body = ou_slice_make(p, avail);
	}
	return 0;
}

const sip_hdr *sip_msg_hdr(const sip_msg *m, sip_hdr_id id)
{
	uint16_t i = m->first[id];
	return i == SIP_HDR_NONE ? NULL : &m->hdr[i];
}

const sip_hdr *sip_msg_hdr_next(const sip_msg *m, const sip_hdr *h)
{
	return h->next == SIP_HDR_NONE ? NULL : &m->hdr[h->next];
}

const sip_hdr *sip_msg_hdr_named(const sip_msg *m, const char *name)
{
	size_t n = strlen(name);
	sip_hdr_id id = sip_hdr_id_from(name, n);
	if (id != SIP_H_OTHER)
		return sip_msg_hdr(m, id);
	for (const sip_hdr *h = sip_msg_hdr(m, SIP_H_OTHER); h; h = sip_msg_hdr_next(m, h))
		if (h->name.n == n && ou_memcasecmp(h->name.p, name, n) == 0)
			return h;
	return NULL;
}

unsigned sip_msg_hdr_count(const sip_msg *m, sip_hdr_id id)
{
	unsigned n = 0;
	for (uint16_t i = m->first[id]; i != SIP_HDR_NONE; i = m->hdr[i].next)
		n++;
	return n;
}

int sip_msg_clone(const sip_msg *m, sip_msg **out)
{
	sip_msg *c = malloc(sizeof(*c) + m->raw.n + 1);
	if (!c)
		return OPENUM_ENOMEM;
	char *bytes = (char *)(c + 1);
	memcpy(bytes, m->raw.p, m->raw.n);
	bytes[m->raw.n] = '\0';
	int err = sip_msg_parse(bytes, m->raw.n, c, NULL);
	if (err) {
		free(c);
		return err;
	}
	*out = c;
	return 0;
}
