/* URIs: SIP and SIPS (RFC 3261 19.1, 25.1), tel (RFC 3966) and, for anything else, a
 * checked absoluteURI. Parsing is one forward pass that records slices of the input;
 * equality follows RFC 3261 19.1.4 and RFC 3966 section 5, unescaping on the fly. */
#include <string.h>

#include "sip/sip.h"
#include "lex.h"

#define BAD(msg) SIP_FAIL(OPENUM_EBADMSG, "Bad URI: " msg)

static inline int hexval(unsigned char c)
{
	if (c <= '9')
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

/* True when p[i] opens a well-formed %HH escape inside n bytes. */
static inline bool escape_ok(const char *p, size_t n, size_t i)
{
	return i + 2 < n && ou_is((unsigned char)p[i + 1], OU_C_HEX) &&
	       ou_is((unsigned char)p[i + 2], OU_C_HEX);
}

/* Scans 1*(cls / escaped) from i; returns the end, or (size_t)-1 on a bad escape. */
static inline size_t scan_esc(const char *p, size_t n, size_t i, uint16_t cls)
{
	while (i < n) {
		unsigned char c = (unsigned char)p[i];
		if (ou_is(c, cls)) {
			i++;
		} else if (c == '%') {
			if (!escape_ok(p, n, i))
				return (size_t)-1;
			i += 3;
		} else {
			break;
		}
	}
	return i;
}

/* IPv4address: four dec-octets of 1-3 digits, each <= 255. Returns the index after
 * the fourth octet (whatever follows), or 0 when p[i..n) does not start with one. */
static size_t ipv4_scan(const char *p, size_t n, size_t i, uint8_t out[4])
{
	/* With 15 bytes or more (the longest dotted quad) no read needs a bound check. */
	if (n - i >= 15) {
		for (int k = 0;; k++) {
			unsigned v = (unsigned)((unsigned char)p[i] - '0'), d;
			if (v > 9)
				return 0;
			if ((d = (unsigned)((unsigned char)p[i + 1] - '0')) > 9) {
				i += 1;
			} else if (v = v * 10 + d,
			           (d = (unsigned)((unsigned char)p[i + 2] - '0')) > 9) {
				i += 2;
			} else {
				if ((v = v * 10 + d) > 255)
					return 0;
				i += 3;
			}
			out[k] = (uint8_t)v;
			if (k == 3)
				return i;
			if (p[i] != '.')
				return 0;
			i++;
		}
	}
	for (int k = 0;; k++) {
		if (i >= n || (unsigned)(p[i] - '0') > 9)
			return 0;
		unsigned v = (unsigned)(p[i++] - '0');
		if (i < n && (unsigned)(p[i] - '0') <= 9) {
			v = v * 10 + (unsigned)(p[i++] - '0');
			if (i < n && (unsigned)(p[i] - '0') <= 9) {
				v = v * 10 + (unsigned)(p[i++] - '0');
				if (v > 255)
					return 0;
			}
		}
		out[k] = (uint8_t)v;
		if (k == 3)
			return i;
		if (i >= n || p[i] != '.')
			return 0;
		i++;
	}
}

static bool ipv4_parse(const char *p, size_t n, uint8_t out[4])
{
	return n && ipv4_scan(p, n, 0, out) == n;
}

/* IPv6address (RFC 4291 2.2 text forms, with an optional IPv4 tail) between the
 * brackets; fills the 16 address bytes so that equality ignores the spelling. */
static bool ipv6_parse(const char *p, size_t n, uint8_t out[16])
{
	uint16_t g[8];
	int ng = 0, gap = -1;
	size_t i = 0;

	if (n < 2)
		return false;
	if (p[0] == ':') {
		if (p[1] != ':')
			return false;
		gap = 0;
		i = 2;
	}
	while (i < n) {
		size_t s = i;
		unsigned v = 0;
		while (i < n && i - s < 4 && ou_is((unsigned char)p[i], OU_C_HEX))
			v = (v << 4) | (unsigned)hexval((unsigned char)p[i++]);
		if (i < n && p[i] == '.') {
			uint8_t v4[4];
			if (ng > 6 || !ipv4_parse(p + s, n - s, v4))
				return false;
			g[ng++] = (uint16_t)(v4[0] << 8 | v4[1]);
			g[ng++] = (uint16_t)(v4[2] << 8 | v4[3]);
			break;
		}
		if (i == s || ng == 8)
			return false;
		g[ng++] = (uint16_t)v;
		if (i == n)
			break;
		if (p[i] != ':')
			return false;
		i++;
		if (i < n && p[i] == ':') {
			if (gap >= 0)
				return false;
			gap = ng;
			i++;
		} else if (i == n) {
			return false; /* a single trailing ':' */
		}
	}
	if (gap < 0 ? ng != 8 : ng > 7)
		return false;
	/* Expand "::" into zero groups: g[0..gap) then zeros then g[gap..ng). */
	uint16_t full[8] = {0};
	int head = gap < 0 ? ng : gap;
	for (int k = 0; k < head; k++)
		full[k] = g[k];
	for (int k = head; k < ng; k++)
		full[8 - ng + k] = g[k];
	for (int k = 0; k < 8; k++) {
		out[2 * k] = (uint8_t)(full[k] >> 8);
		out[2 * k + 1] = (uint8_t)full[k];
	}
	return true;
}

/* Bytes of one hostname label (alphanum / "-"); the '.' between labels is not one. */
enum { H_ALPHA = 1, H_DIGIT = 2, H_DASH = 4 };
static const uint8_t label_code[256] = {
    ['0' ... '9'] = H_DIGIT,
    ['a' ... 'z'] = H_ALPHA,
    ['A' ... 'Z'] = H_ALPHA,
    ['-'] = H_DASH,
};

/* The first index at or after i whose byte has no entry in tab, or n: four bytes per
 * bound check (host labels and users are 5 to 15 bytes: the check per byte was a
 * fifth of the walk). */
static inline size_t skip_tab(const char *p, size_t n, size_t i, const uint8_t tab[256])
{
	/* i < n3 is i + 4 <= n: one compare per step, n3 computed once */
	for (size_t n3 = n > 3 ? n - 3 : 0; i < n3; i += 4) {
		if (!tab[(unsigned char)p[i]])
			return i;
		if (!tab[(unsigned char)p[i + 1]])
			return i + 1;
		if (!tab[(unsigned char)p[i + 2]])
			return i + 2;
		if (!tab[(unsigned char)p[i + 3]])
			return i + 3;
	}
	while (i < n && tab[(unsigned char)p[i]])
		i++;
	return i;
}

/* hostname / IPv4address / "[" IPv6address "]" from i; sets u->host and returns the
 * end, or 0 with *err set. */
static inline __attribute__((always_inline)) size_t parse_host(const char *p, size_t n, size_t i,
                                                               sip_uri *u, const char **err)
{
	size_t s = i;

	if (i < n && p[i] == '[') {
		const char *e = memchr(p + i, ']', n - i);
		uint8_t a[16];
		if (!e) {
			*err = "Bad URI: unbalanced [";
			return 0;
		}
		size_t end = (size_t)(e - p) + 1;
		if (!ipv6_parse(p + i + 1, end - i - 2, a)) {
			*err = "Bad URI: bad IPv6 address";
			return 0;
		}
		u->host = ou_slice_make(p + s, end - s);
		u->host_ipv6 = true;
		return end;
	}

	/* Most hosts that start with a digit are a dotted quad; when no host byte
	 * follows it, the label walk below would accept exactly that span. */
	if (i < n && (unsigned)(p[i] - '0') <= 9) {
		uint8_t a[4];
		size_t e = ipv4_scan(p, n, i, a);
		if (e && (e == n || (!label_code[(unsigned char)p[e]] && p[e] != '.'))) {
			u->host = ou_slice_make(p + s, e - s);
			return e;
		}
	}

	/* Label by label: the inner loop is one lookup per byte, the checks run once
	 * per label. A label is non-empty and neither starts nor ends with '-'; only
	 * the last may be empty (a trailing dot). */
	size_t ls = i, top = i;
	bool bad = false;
	for (;;) {
		i = skip_tab(p, n, i, label_code);
		if (i == ls) {
			bad |= ls == s || (i < n && p[i] == '.');
			break;
		}
		bad |= p[ls] == '-' || p[i - 1] == '-';
		top = ls;
		if (i >= n || p[i] != '.')
			break;
		ls = ++i;
	}
	if (i == s && (i >= n || p[i] != '.')) {
		*err = "Bad URI: empty host";
		return 0;
	}
	/* A top label that starts with a digit can only be the end of an IPv4address. */
	if (label_code[(unsigned char)p[top]] == H_DIGIT) {
		uint8_t a[4];
		if (!ipv4_parse(p + s, i - s, a)) {
			size_t k = s;
			while (k < i && (p[k] == '.' || label_code[(unsigned char)p[k]] == H_DIGIT))
				k++;
			*err = k == i ? "Bad URI: bad IPv4 address" : "Bad URI: bad host name";
			return 0;
		}
	} else if (bad || label_code[(unsigned char)p[top]] != H_ALPHA) {
		*err = "Bad URI: bad host name";
		return 0;
	}
	u->host = ou_slice_make(p + s, i - s);
	return i;
}

static int parse_sip(const char *p, size_t n, size_t i, sip_uri *u, const char **why)
{
	const char *err = NULL;
	size_t s = i, colon = 0;

	/* userinfo: user bytes, then password bytes after the first ':', up to '@'. If
	 * anything else comes first there is no userinfo and the host starts at s. */
	uint16_t cls = OU_C_USER;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (ou_is(c, cls))
			continue;
		if (c == '%') {
			if (!escape_ok(p, n, i))
				BAD("bad escape");
			i += 2;
		} else if (c == ':' && !colon) {
			colon = i;
			cls = OU_C_PASSWORD;
		} else {
			break;
		}
	}
	if (i < n && p[i] == '@') {
		size_t ue = colon ? colon : i;
		if (ue == s)
			BAD("empty user");
		u->user = ou_slice_make(p + s, ue - s);
		if (colon)
			u->password = ou_slice_make(p + colon + 1, i - colon - 1);
		i++;
	} else {
		i = s;
	}

	i = parse_host(p, n, i, u, &err);
	if (!i) {
		if (why)
			*why = err;
		return OPENUM_EBADMSG;
	}

	if (i < n && p[i] == ':') {
		uint32_t port = 0;
		size_t ds = ++i;
		while (i < n && ou_is((unsigned char)p[i], OU_C_DIGIT) && i - ds < 5)
			port = port * 10 + (uint32_t)(p[i++] - '0');
		if (i == ds || port == 0 || port > 65535 ||
		    (i < n && ou_is((unsigned char)p[i], OU_C_DIGIT)))
			BAD("bad port");
		u->port = (uint16_t)port;
	}

	if (i < n && p[i] == ';') {
		size_t ps = i;
		while (i < n && p[i] == ';') {
			size_t ns = i + 1;
			i = scan_esc(p, n, ns, OU_C_PARAM);
			if (i == (size_t)-1)
				BAD("bad escape");
			if (i == ns)
				BAD("bad parameter");
			if (i < n && p[i] == '=') {
				size_t vs = i + 1;
				i = scan_esc(p, n, vs, OU_C_PARAM);
				if (i == (size_t)-1)
					BAD("bad escape");
				if (i == vs)
					BAD("bad parameter");
			}
		}
		u->params = ou_slice_make(p + ps, i - ps);
	}

	if (i < n && p[i] == '?') {
		size_t hs = ++i;
		for (;;) {
			size_t ns = i;
			i = scan_esc(p, n, ns, OU_C_HNV);
			if (i == (size_t)-1)
				BAD("bad escape");
			if (i == ns || i >= n || p[i] != '=')
				BAD("bad header");
			i = scan_esc(p, n, i + 1, OU_C_HNV);
			if (i == (size_t)-1)
				BAD("bad escape");
			if (i >= n || p[i] != '&')
				break;
			i++;
		}
		u->headers = ou_slice_make(p + hs, i - hs);
	}

	if (i != n)
		BAD("bad character");
	return 0;
}

/* ---- the fast path ------------------------------------------------------------
 * The usual shape, read without the general walk's per-byte cases: "sip:" or "sips:"
 * (any case) already matched, then an optional user of unreserved bytes and '@', a
 * host (parse_host, as the general path), an optional ':' port, and parameters whose
 * names and values are param bytes without escapes. No password, no '%', no '?'
 * headers. Fills *u exactly as parse_sip would and returns true; returns false at the
 * first byte outside that shape (u partly written: the caller clears it and starts
 * over), so every error, and every other form, is the general path's. */

/* unreserved (RFC 3261 25.1): the user bytes the fast path takes */
static const uint8_t fast_user[256] = {
    ['0' ... '9'] = true, ['a' ... 'z'] = true, ['A' ... 'Z'] = true, ['-'] = true, ['_'] = true,
    ['.'] = true,         ['!'] = true,         ['~'] = true,         ['*'] = true, ['\''] = true,
    ['('] = true,         [')'] = true,         ['+'] = true,
};

/* The walk itself: from i (after the scheme's ':'), the user, host, port and (when
 * params is true) parameters of the fast shape; returns the index of the first byte
 * it does not take (n at the end), or 0 when what it read is outside the shape.
 * Writes user, host, port and params (params only when it reads some); the callers
 * clear the others. It never takes '>', ',', '?', LWS or ';' (';' only as params),
 * so an address stopped at such a byte got the same URI as its slice would. */
static inline __attribute__((always_inline)) size_t uri_fast_span(const char *p, size_t n, size_t i,
                                                                  sip_uri *u, bool params)
{
	const char *err = NULL;
	size_t s = i;

	/* A user ends at '@'. Without one the host starts at s: the shape admits no '@'
	 * after the host, so the general path finds no userinfo either. */
	i = skip_tab(p, n, i, fast_user);
	if (i < n && p[i] == '@') {
		if (i == s)
			return 0;
		u->user = ou_slice_make(p + s, i - s);
		s = i + 1;
	}
	if (s < n && p[s] == '[')
		return 0; /* IPv6 references are the general path's */
	i = parse_host(p, n, s, u, &err);
	if (!i || i == n)
		return i;
	if (p[i] == ':') {
		uint32_t port;
		const char *t = lex_port(p + i + 1, p + n, &port);
		if (!t)
			return 0;
		u->port = (uint16_t)port;
		i = (size_t)(t - p);
		if (i == n)
			return i;
	}
	if (!params || p[i] != ';')
		return i;
	size_t ps = i;
	do {
		size_t ns = ++i;
		i = (size_t)(lex_skip_cls(p + i, p + n, OU_C_PARAM) - p);
		if (i == ns)
			return 0;
		if (i < n && p[i] == '=') {
			size_t vs = ++i;
			i = (size_t)(lex_skip_cls(p + i, p + n, OU_C_PARAM) - p);
			if (i == vs)
				return 0;
		}
	} while (i < n && p[i] == ';');
	u->params = ou_slice_make(p + ps, i - ps);
	return i;
}

static bool uri_fast(const char *p, size_t n, size_t i, sip_uri *u)
{
	return uri_fast_span(p, n, i, u, true) == n;
}

const char *sip_uri_fast_at(const char *p, const char *e, bool params, sip_uri *u)
{
	size_t n = (size_t)(e - p), i;
	sip_uri_scheme scheme;
	/* as uri_parse: "sip:" or "sips:" in any case */
	if (n > 4 && (ou_load4(p) | ou_load4("\x20\x20\x20\0")) == ou_load4("sip:")) {
		i = 4;
		scheme = SIP_URI_SIP;
	} else if (n > 5 && (ou_load4(p) | 0x20202020u) == ou_load4("sips") && p[4] == ':') {
		i = 5;
		scheme = SIP_URI_SIPS;
	} else {
		return NULL;
	}
	u->user = u->params = OU_SLICE_NULL;
	u->port = 0;
	size_t end = uri_fast_span(p, n, i, u, params);
	if (!end || end > SIP_MAX_URI)
		return NULL;
	u->raw = ou_slice_make(p, end);
	u->scheme_s = ou_slice_make(p, i - 1);
	u->password = u->headers = OU_SLICE_NULL;
	u->scheme = scheme;
	u->host_ipv6 = false;
	return p + end;
}

static int parse_sip_any(const char *p, size_t n, size_t i, sip_uri *u, const char **why, bool fast)
{
	if (fast) {
		if (uri_fast(p, n, i, u))
			return 0;
		/* start over where the fast path may have written */
		u->user = u->host = u->params = OU_SLICE_NULL;
		u->port = 0;
		u->host_ipv6 = false;
	}
	return parse_sip(p, n, i, u, why);
}

/* RFC 3966 visual separators, ignored when numbers are compared. */
static inline bool is_visual(unsigned char c)
{
	return c == '-' || c == '.' || c == '(' || c == ')';
}

static int parse_tel(const char *p, size_t n, size_t i, sip_uri *u, const char **why)
{
	size_t s = i;
	bool global = i < n && p[i] == '+', digit = false;

	if (global)
		i++;
	for (; i < n && p[i] != ';'; i++) {
		unsigned char c = (unsigned char)p[i];
		if (global ? ou_is(c, OU_C_DIGIT) : (ou_is(c, OU_C_HEX) || c == '*' || c == '#'))
			digit = true;
		else if (!is_visual(c))
			BAD("bad tel number");
	}
	if (!digit)
		BAD("bad tel number");
	u->user = ou_slice_make(p + s, i - s);

	bool context = false;
	size_t ps = i;
	while (i < n) {
		/* only ';' can be here: the loops stop at it or at the end */
		size_t ns = ++i;
		while (i < n &&
		       (ou_is((unsigned char)p[i], OU_C_ALPHA | OU_C_DIGIT) || p[i] == '-'))
			i++;
		if (i == ns)
			BAD("bad tel parameter");
		bool is_ctx = i - ns == 13 && ou_memcasecmp(p + ns, "phone-context", 13) == 0;
		if (i < n && p[i] == '=') {
			size_t vs = i + 1;
			i = scan_esc(p, n, vs, OU_C_PARAM);
			if (i == (size_t)-1)
				BAD("bad escape");
			if (i == vs)
				BAD("bad tel parameter");
		} else if (is_ctx) {
			BAD("empty phone-context");
		}
		context |= is_ctx;
		if (i < n && p[i] != ';')
			BAD("bad character");
	}
	if (!global && !context)
		BAD("local tel number without phone-context");
	u->params = ou_slice_make(p + ps, i - ps);
	return 0;
}

static int parse_other(const char *p, size_t n, size_t i, const char **why)
{
	if (i == n)
		BAD("empty");
	for (; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"')
			BAD("bad character");
		if (c == '%' && !escape_ok(p, n, i))
			BAD("bad escape");
	}
	return 0;
}

/* Field by field: cheaper than clearing the whole struct, padding included. */
static inline void uri_clear(sip_uri *u)
{
	u->scheme = SIP_URI_SIP;
	u->raw = u->scheme_s = u->user = u->password = u->host = OU_SLICE_NULL;
	u->port = 0;
	u->host_ipv6 = false;
	u->params = u->headers = OU_SLICE_NULL;
}

static int uri_parse(ou_slice s, sip_uri *out, const char **why, bool fast)
{
	const char *p = s.p;
	size_t n = s.n, i;

	uri_clear(out);
	if (n > SIP_MAX_URI) {
		if (why)
			*why = "Bad URI: too long";
		return OPENUM_ETOOBIG;
	}
	if (n == 0)
		BAD("empty");
	/* "sip:" in any case settles the scheme with one compare: OR-ing 0x20 into the
	 * three letters folds their case and maps no other byte onto them. */
	if (n > 4 && (ou_load4(p) | ou_load4("\x20\x20\x20\0")) == ou_load4("sip:")) {
		out->raw = s;
		out->scheme_s = ou_slice_make(p, 3);
		out->scheme = SIP_URI_SIP;
		int rc = parse_sip_any(p, n, 4, out, why, fast);
		if (rc)
			memset(out, 0, sizeof(*out));
		return rc;
	}
	if (!ou_is((unsigned char)p[0], OU_C_ALPHA))
		BAD("bad scheme");
	for (i = 1; i < n && p[i] != ':'; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!ou_is(c, OU_C_ALPHA | OU_C_DIGIT) && c != '+' && c != '-' && c != '.')
			BAD("bad scheme");
	}
	if (i == n)
		BAD("missing scheme");

	out->raw = s;
	out->scheme_s = ou_slice_make(p, i);
	out->scheme = SIP_URI_OTHER;
	/* Scheme characters are letters, digits and "+-."; OR-ing 0x20 lowers the
	 * letters and leaves the others outside a-z, so one compare per byte is enough. */
	if (i == 3 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p')
		out->scheme = SIP_URI_SIP;
	else if (i == 4 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p' &&
	         (p[3] | 0x20) == 's')
		out->scheme = SIP_URI_SIPS;
	else if (i == 3 && (p[0] | 0x20) == 't' && (p[1] | 0x20) == 'e' && (p[2] | 0x20) == 'l')
		out->scheme = SIP_URI_TEL;

	int rc;
	switch (out->scheme) {
	case SIP_URI_SIP:
	case SIP_URI_SIPS: rc = parse_sip_any(p, n, i + 1, out, why, fast); break;
	case SIP_URI_TEL: rc = parse_tel(p, n, i + 1, out, why); break;
	default: rc = parse_other(p, n, i + 1, why); break;
	}
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

int sip_uri_parse(ou_slice s, sip_uri *out, const char **why)
{
	return uri_parse(s, out, why, true);
}

int sip_uri_parse_general(ou_slice s, sip_uri *out, const char **why)
{
	return uri_parse(s, out, why, false);
}

/* ---- equality ------------------------------------------------------------- */

/* The next byte of s with %HH decoded, or -1 at the end. */
static inline int unesc_next(ou_slice s, size_t *i)
{
	if (*i >= s.n)
		return -1;
	unsigned char c = (unsigned char)s.p[*i];
	if (c == '%' && escape_ok(s.p, s.n, *i)) {
		c = (unsigned char)(hexval((unsigned char)s.p[*i + 1]) << 4 |
		                    hexval((unsigned char)s.p[*i + 2]));
		*i += 3;
	} else {
		*i += 1;
	}
	return c;
}

static bool unesc_eq(ou_slice a, ou_slice b, bool icase)
{
	size_t i = 0, j = 0;
	for (;;) {
		int x = unesc_next(a, &i), y = unesc_next(b, &j);
		if (icase && x >= 0 && y >= 0) {
			x = ou_lower((char)x);
			y = ou_lower((char)y);
		}
		if (x != y)
			return false;
		if (x < 0)
			return true;
	}
}

static bool name_is(ou_slice name, const char *lit)
{
	return unesc_eq(name, ou_slice_cstr(lit), true);
}

/* RFC 3261 19.1.4: these parameters must match when either URI has them. */
static bool param_must_match(ou_slice name)
{
	return name_is(name, "user") || name_is(name, "ttl") || name_is(name, "method") ||
	       name_is(name, "maddr") || name_is(name, "transport");
}

/* RFC 3966 5: numbers and phone-context digits compare without visual separators. */
static bool phone_eq(ou_slice a, ou_slice b)
{
	size_t i = 0, j = 0;
	for (;;) {
		int x, y;
		do
			x = unesc_next(a, &i);
		while (x >= 0 && is_visual((unsigned char)x));
		do
			y = unesc_next(b, &j);
		while (y >= 0 && is_visual((unsigned char)y));
		if (x >= 0 && y >= 0) {
			x = ou_lower((char)x);
			y = ou_lower((char)y);
		}
		if (x != y)
			return false;
		if (x < 0)
			return true;
	}
}

/* Every parameter of a that b also names has a value equal to one of b's values for
 * that name (so repeated names compare as a set). A parameter b lacks is ignored,
 * except for tel (RFC 3966 5: every parameter counts) and for the five that RFC 3261
 * 19.1.4 makes decisive. Called both ways round. */
static bool params_sub(ou_slice a, ou_slice b, bool tel)
{
	size_t pa = 0;
	ou_slice na, va;
	while (sip_param_next(a, &pa, &na, &va) == 0) {
		size_t pb = 0;
		ou_slice nb, vb;
		bool named = false, matched = false;
		bool phone = tel && (name_is(na, "ext") ||
		                     (va.n && va.p[0] == '+' && name_is(na, "phone-context")));
		while (!matched && sip_param_next(b, &pb, &nb, &vb) == 0) {
			if (!unesc_eq(na, nb, true))
				continue;
			named = true;
			if ((va.n == 0) != (vb.n == 0))
				continue;
			matched = phone ? phone_eq(va, vb) : unesc_eq(va, vb, true);
		}
		if (named ? !matched : (tel || param_must_match(na)))
			return false;
	}
	return true;
}

/* Next `hname=hvalue` of a URI headers component. */
static bool header_next(ou_slice h, size_t *pos, ou_slice *name, ou_slice *value)
{
	size_t i = *pos;
	if (i >= h.n)
		return false;
	size_t s = i;
	while (i < h.n && h.p[i] != '&' && h.p[i] != '=')
		i++;
	*name = ou_slice_make(h.p + s, i - s);
	size_t vs = i < h.n && h.p[i] == '=' ? i + 1 : i;
	i = vs;
	while (i < h.n && h.p[i] != '&')
		i++;
	*value = ou_slice_make(h.p + vs, i - vs);
	*pos = i + 1;
	return true;
}

/* Every header of a is in b: names case-insensitive, values exact, both unescaped. */
static bool headers_sub(ou_slice a, ou_slice b)
{
	size_t pa = 0;
	ou_slice na, va;
	while (header_next(a, &pa, &na, &va)) {
		size_t pb = 0;
		ou_slice nb, vb;
		bool found = false;
		while (!found && header_next(b, &pb, &nb, &vb))
			found = unesc_eq(na, nb, true) && unesc_eq(va, vb, false);
		if (!found)
			return false;
	}
	return true;
}

static bool host_eq(const sip_uri *a, const sip_uri *b)
{
	if (a->host_ipv6 != b->host_ipv6)
		return false;
	if (a->host_ipv6 && a->host.n >= 2 && b->host.n >= 2) {
		uint8_t x[16], y[16];
		if (ipv6_parse(a->host.p + 1, a->host.n - 2, x) &&
		    ipv6_parse(b->host.p + 1, b->host.n - 2, y))
			return memcmp(x, y, 16) == 0;
	}
	return ou_slice_caseeq(a->host, b->host);
}

bool sip_uri_equal(const sip_uri *a, const sip_uri *b)
{
	if (a->scheme != b->scheme)
		return false;
	switch (a->scheme) {
	case SIP_URI_OTHER: {
		/* no rule of ours applies: the scheme ignores case, the rest is exact */
		size_t sa = a->scheme_s.n, sb = b->scheme_s.n;
		return ou_slice_caseeq(a->scheme_s, b->scheme_s) && a->raw.n >= sa &&
		       b->raw.n >= sb &&
		       ou_slice_eq(ou_slice_make(a->raw.p + sa, a->raw.n - sa),
		                   ou_slice_make(b->raw.p + sb, b->raw.n - sb));
	}
	case SIP_URI_TEL:
		return phone_eq(a->user, b->user) && params_sub(a->params, b->params, true) &&
		       params_sub(b->params, a->params, true);
	default: break;
	}
	if (ou_slice_present(a->user) != ou_slice_present(b->user) ||
	    !unesc_eq(a->user, b->user, false))
		return false;
	if (ou_slice_present(a->password) != ou_slice_present(b->password) ||
	    !unesc_eq(a->password, b->password, false))
		return false;
	if (a->port != b->port || !host_eq(a, b))
		return false;
	if (!params_sub(a->params, b->params, false) || !params_sub(b->params, a->params, false))
		return false;
	return headers_sub(a->headers, b->headers) && headers_sub(b->headers, a->headers);
}
