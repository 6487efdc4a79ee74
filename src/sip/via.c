/* Via: one element of a Via header value (RFC 3261 20.42 and 25.1; rport from RFC 3581).
 * A single left-to-right pass picks out what routing needs (transport, sent-by, branch,
 * received, maddr, rport, ttl) while it checks the parameter syntax. */
#include <string.h>

#include "sip.h"
#include "lex.h"

#define VIA_BAD(msg) SIP_FAIL(OPENUM_EBADMSG, "Bad Via: " msg)

/* Where a dotted quad starting at p ends: 1*3DIGIT "." x4, each at most 255 (the range
 * is what makes it an address). NULL when p does not start with one; the caller
 * decides whether anything may follow. */
static const char *ipv4_end(const char *p, const char *e)
{
	/* With 15 bytes or more (the longest dotted quad) no read needs a bound check. */
	if (e - p >= 15) {
		for (int part = 0;; part++) {
			unsigned v = (unsigned)((unsigned char)p[0] - '0'), d;
			if (v > 9)
				return NULL;
			if ((d = (unsigned)((unsigned char)p[1] - '0')) > 9) {
				p += 1;
			} else if (v = v * 10 + d,
			           (d = (unsigned)((unsigned char)p[2] - '0')) > 9) {
				p += 2;
			} else {
				if (v * 10 + d > 255)
					return NULL;
				p += 3;
			}
			if (part == 3)
				return p;
			if (*p != '.')
				return NULL;
			p++;
		}
	}
	for (int part = 0;; part++) {
		if (p == e || (unsigned)(*p - '0') > 9)
			return NULL;
		unsigned v = (unsigned)(*p++ - '0');
		if (p < e && (unsigned)(*p - '0') <= 9) {
			v = v * 10 + (unsigned)(*p++ - '0');
			if (p < e && (unsigned)(*p - '0') <= 9) {
				v = v * 10 + (unsigned)(*p++ - '0');
				if (v > 255)
					return NULL;
			}
		}
		if (part == 3)
			return p;
		if (p == e || *p != '.')
			return NULL;
		p++;
	}
}

static bool is_ipv4(const char *p, size_t n)
{
	return ipv4_end(p, p + n) == p + n;
}

/* IPv6address without brackets: eight 1-4 hex groups, "::" standing for one or more
 * zero groups, an IPv4 tail counting for two groups. */
static bool is_ipv6(const char *p, size_t n)
{
	const char *e = p + n;
	unsigned groups = 0;
	bool gap = false;

	if (n < 2)
		return false;
	if (p[0] == ':') {
		if (p[1] != ':')
			return false;
		gap = true;
		p += 2;
		if (p == e)
			return true;
	}
	while (p < e) {
		const char *g = lex_skip_cls(p, e, OU_C_HEX);
		if (g < e && *g == '.') {
			if (!is_ipv4(p, (size_t)(e - p)))
				return false;
			groups += 2;
			break;
		}
		if (g == p || g - p > 4)
			return false;
		groups++;
		p = g;
		if (p == e)
			break;
		if (*p != ':' || ++p == e)
			return false;
		if (*p == ':') {
			if (gap)
				return false;
			gap = true;
			p++;
		}
	}
	return gap ? groups <= 7 : groups == 8;
}

/* hostname = *( domainlabel "." ) toplabel [ "." ]; labels are alphanum with inner
 * '-', the top label starts with a letter. Scans host characters from p and returns
 * where they stop, or NULL when they do not form a hostname or an IPv4 address. */
static const char *scan_hostname(const char *p, const char *e)
{
	const char *t, *label = p, *top = p;
	/* Most sent-by hosts are addresses: a dotted quad that no host character
	 * follows is the whole host, and the label walk below would say the same. */
	if ((t = ipv4_end(p, e)) != NULL &&
	    (t == e || !(lex_is(*t, OU_C_ALPHA | OU_C_DIGIT) || *t == '.' || *t == '-')))
		return t;
	t = p;
	for (;;) {
		t = lex_skip_cls(t, e, OU_C_ALPHA | OU_C_DIGIT);
		if (t == e)
			break;
		if (*t == '.') {
			if (t == label || t[-1] == '-')
				return NULL; /* empty label, or one ending with '-' */
			top = label;
			label = ++t;
		} else if (*t == '-') {
			if (t == label)
				return NULL;
			t++;
		} else {
			break;
		}
	}
	if (t == p)
		return NULL;
	if (label < t) {
		if (t[-1] == '-')
			return NULL;
		top = label;
	}
	if (lex_is(*top, OU_C_ALPHA) || is_ipv4(p, (size_t)(t - p)))
		return t;
	return NULL;
}

/* host = hostname / IPv4address / IPv6reference, the whole of p[0..n). */
static bool is_host(const char *p, size_t n)
{
	if (n >= 2 && p[0] == '[')
		return p[n - 1] == ']' && is_ipv6(p + 1, n - 2);
	return n && scan_hostname(p, p + n) == p + n;
}

/* RFC 3261 says IPv6address (no brackets) for received; brackets are common too. */
static bool is_ip(const char *p, size_t n)
{
	if (n >= 2 && p[0] == '[')
		return p[n - 1] == ']' && is_ipv6(p + 1, n - 2);
	return is_ipv4(p, n) || is_ipv6(p, n);
}

/* Case-insensitive match against a lowercase literal of 2 to 8 letters: for such a
 * literal, OR-ing 0x20 into the input folds letters and matches nothing else. Two
 * loads that may overlap cover the n bytes without reading outside them. */
static inline bool lit_eq(const char *p, const char *lit, size_t n)
{
	if (n >= 4)
		return ((ou_load4(p) | 0x20202020u) ^ ou_load4(lit)) == 0 &&
		       ((ou_load4(p + n - 4) | 0x20202020u) ^ ou_load4(lit + n - 4)) == 0;
	return ((ou_load2(p) | 0x2020u) ^ ou_load2(lit)) == 0 &&
	       ((ou_load2(p + n - 2) | 0x2020u) ^ ou_load2(lit + n - 2)) == 0;
}

static sip_transport transport_from(const char *p, size_t n)
{
	switch (n) {
	case 2:
		if (lit_eq(p, "ws", 2))
			return SIP_TP_WS;
		break;
	case 3:
		switch (p[0] | 0x20) {
		case 'u': return lit_eq(p, "udp", 3) ? SIP_TP_UDP : SIP_TP_OTHER;
		case 'w': return lit_eq(p, "wss", 3) ? SIP_TP_WSS : SIP_TP_OTHER;
		case 't':
			if (lit_eq(p, "tcp", 3))
				return SIP_TP_TCP;
			if (lit_eq(p, "tls", 3))
				return SIP_TP_TLS;
			break;
		default: break;
		}
		break;
	case 4:
		if (lit_eq(p, "sctp", 4))
			return SIP_TP_SCTP;
		break;
	default: break;
	}
	return SIP_TP_OTHER;
}

/* A decimal in [lo, hi] of at most 5 digits (ports, ttl): -1 when not one. */
static int32_t small_uint(const char *p, size_t n, int32_t lo, int32_t hi)
{
	if (n == 0 || n > 5)
		return -1;
	int32_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!lex_is(p[i], OU_C_DIGIT))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return (v < lo || v > hi) ? -1 : v;
}

/* p at the opening quote; returns the byte after the closing quote, NULL if the
 * quoted-string is unterminated or holds a byte it may not. */
static const char *skip_quoted(const char *p, const char *e)
{
	for (p++;;) {
		/* qdtext and UTF-8 exclude the two bytes that need a decision */
		p = lex_skip_cls(ou_skip_qdtext(p, e), e, OU_C_QDTEXT | OU_C_UTF8);
		if (p == e)
			return NULL;
		if (*p == '"')
			return p + 1;
		if (*p != '\\')
			return NULL;
		/* quoted-pair: any ASCII but CR and LF */
		if (++p == e || *p == '\r' || *p == '\n' || (unsigned char)*p > 0x7f)
			return NULL;
		p++;
	}
}

/* The end of a Via parameter value in the fast path: true when t is at the end, at a
 * ';' or (in a list) at a ','. Anything else (LWS, junk) is the general path's. */
static inline bool via_fast_stop(const char *t, const char *e, bool list)
{
	return t == e || *t == ';' || (list && *t == ',');
}

/* The usual shape, read without the general walk: "SIP/2.0/" already matched at p,
 * then "TCP", "TLS" or "UDP", one SP, a dotted quad, ':' port, and only branch=token,
 * rport[=port] and received=IPv4 parameters, lowercase, with no LWS anywhere. Fills
 * *out exactly as via_parse would and returns true; returns false (out partly
 * written, the caller starts over) at the first byte outside that shape, so every
 * error, and every other form, is left to the general path. */
static bool via_fast(const char *p, const char *e, const char *lo, bool list, sip_via *out,
                     const char **next)
{
	const char *q = p + 8, *t;
	if (e - q < 6)
		return false;
	uint32_t w = ou_load4(q);
	if (w == ou_load4("TCP "))
		out->transport = SIP_TP_TCP;
	else if (w == ou_load4("TLS "))
		out->transport = SIP_TP_TLS;
	else if (w == ou_load4("UDP "))
		out->transport = SIP_TP_UDP;
	else
		return false;
	out->transport_s = ou_slice_make(q, 3);
	q += 4;
	t = ipv4_end(q, e);
	if (!t || t == e || *t != ':')
		return false;
	out->host = ou_slice_make(q, (size_t)(t - q));
	uint32_t port;
	t = lex_port(t + 1, e, &port);
	if (!t || t == e || *t != ';')
		return false;
	out->port = (uint16_t)port;
	out->params.p = t;
	while (t < e && *t == ';') {
		q = t + 1;
		size_t r = (size_t)(e - q);
		if (r > 7 && ou_load4(q) == ou_load4("bran") &&
		    ou_load4(q + 3) == ou_load4("nch=")) {
			q += 7;
			t = lex_skip_cls(ou_skip_alnum(q, e, lo), e, OU_C_TOKEN);
			if (t == q || out->branch.p || !via_fast_stop(t, e, list))
				return false;
			out->branch = ou_slice_make(q, (size_t)(t - q));
		} else if (r >= 5 && ou_load4(q) == ou_load4("rpor") && q[4] == 't') {
			if (out->rport >= 0)
				return false;
			t = q + 5;
			if (via_fast_stop(t, e, list)) {
				out->rport = 0;
				continue;
			}
			if (*t != '=')
				return false;
			uint32_t v;
			t = lex_port(t + 1, e, &v);
			if (!t || !via_fast_stop(t, e, list))
				return false;
			out->rport = (int32_t)v;
		} else if (r > 9 && ou_load8(q) == ou_load8("received") && q[8] == '=') {
			q += 9;
			t = ipv4_end(q, e);
			if (!t || out->received.p || !via_fast_stop(t, e, list))
				return false;
			out->received = ou_slice_make(q, (size_t)(t - q));
		} else {
			return false;
		}
	}
	out->raw.n = (size_t)(t - out->raw.p);
	out->params.n = (size_t)(t - out->params.p);
	*next = t;
	return true;
}

/* Parses the Via element that starts at p (after LWS) in [p, e). In a list, an
 * unquoted ',' where a parameter or the sent-by may end also ends the element: *next
 * is then at that ',', else at e. Outside a list a ',' is junk. lo is the start of
 * the header value (vector loads stay inside it). */
static int via_parse(const char *p, const char *e, const char *lo, bool list, bool fast,
                     sip_via *out, const char **next, const char **why)
{
	const char *t, *last;

	p = lex_skip_lws(p, e);
	while (e > p && lex_is(e[-1], OU_C_LWS))
		e--;
	/* nearly every Via starts with exactly "SIP/2.0/", which one compare settles; the
	 * fast path writes every field it does not set here */
	if (fast && e - p > 8 && memcmp(p, "SIP/2.0/", 8) == 0) {
		out->raw.p = p;
		out->branch = out->received = OU_SLICE_NULL;
		out->rport = -1;
		if (via_fast(p, e, lo, list, out, next)) {
			out->protocol = ou_slice_make(p, 7);
			out->maddr = OU_SLICE_NULL;
			out->ttl = -1;
			return 0;
		}
	}
	/* field by field: cheaper than clearing the whole struct, padding included */
	out->raw = out->protocol = out->transport_s = out->host = out->params = OU_SLICE_NULL;
	out->branch = out->received = out->maddr = OU_SLICE_NULL;
	out->transport = SIP_TP_OTHER;
	out->port = 0;
	out->rport = -1;
	out->ttl = -1;
	if (p == e)
		VIA_BAD("empty");
	out->raw = ou_slice_make(p, (size_t)(e - p));

	/* sent-protocol = protocol-name SLASH protocol-version SLASH transport */
	const char *proto = p;
	if (e - p > 8 && memcmp(p, "SIP/2.0/", 8) == 0) {
		out->protocol = ou_slice_make(p, 7);
		p += 8;
	} else {
		t = lex_skip_cls(p, e, OU_C_TOKEN);
		if (t == p)
			VIA_BAD("missing protocol");
		p = lex_skip_lws(t, e);
		if (p == e || *p != '/')
			VIA_BAD("missing protocol");
		p = lex_skip_lws(p + 1, e);
		t = lex_skip_cls(p, e, OU_C_TOKEN);
		if (t == p)
			VIA_BAD("missing protocol version");
		out->protocol = ou_slice_make(proto, (size_t)(t - proto));
		p = lex_skip_lws(t, e);
		if (p == e || *p != '/')
			VIA_BAD("missing transport");
		p = lex_skip_lws(p + 1, e);
	}
	t = lex_skip_cls(p, e, OU_C_TOKEN);
	if (t == p)
		VIA_BAD("missing transport");
	out->transport_s = ou_slice_make(p, (size_t)(t - p));
	out->transport = transport_from(p, (size_t)(t - p));
	if (t == e || !lex_is(*t, OU_C_LWS))
		VIA_BAD("missing sent-by");
	p = lex_skip_lws(t, e);

	/* sent-by = host [ COLON port ] */
	if (*p == '[') {
		t = p + 1;
		while (t < e && (lex_is(*t, OU_C_HEX) || *t == ':' || *t == '.'))
			t++;
		if (t == e || *t != ']' || !is_ipv6(p + 1, (size_t)(t - p - 1)))
			VIA_BAD("bad host");
		t++;
	} else {
		if (!lex_is(*p, OU_C_HOST))
			VIA_BAD("missing host");
		t = scan_hostname(p, e);
		if (!t)
			VIA_BAD("bad host");
	}
	out->host = ou_slice_make(p, (size_t)(t - p));
	last = t;
	p = lex_skip_lws(t, e);
	if (p < e && *p == ':') {
		p = lex_skip_lws(p + 1, e);
		/* digits and value in one walk; a sixth digit is already too many */
		uint32_t port = 0;
		for (t = p; t < e && (unsigned)(*t - '0') <= 9 && t - p < 6; t++)
			port = port * 10 + (uint32_t)(*t - '0');
		if (t == p || t - p > 5 || port == 0 || port > 65535)
			VIA_BAD("bad port");
		out->port = (uint16_t)port;
		last = t;
		p = lex_skip_lws(t, e);
	}
	if (p == e || *p != ';') {
		if (p < e && !(list && *p == ','))
			VIA_BAD("junk after sent-by");
		goto done;
	}
	out->params = ou_slice_make(p, (size_t)(e - p));

	/* *( SEMI via-params ), p at a ';' */
	while (p < e && *p == ';') {
		const char *name = lex_skip_lws(p + 1, e);
		t = lex_skip_cls(name, e, OU_C_TOKEN);
		size_t nlen = (size_t)(t - name);
		if (nlen == 0)
			VIA_BAD("empty parameter");
		p = lex_skip_lws(t, e);
		ou_slice val = OU_SLICE_NULL;
		/* plain: a token, neither a quoted-string nor a host with ':' or [] */
		bool plain = true, quoted = false;
		if (p < e && *p == '=') {
			p = lex_skip_lws(p + 1, e);
			if (p < e && *p == '"') {
				t = skip_quoted(p, e);
				if (!t)
					VIA_BAD("bad quoted parameter");
				val = ou_slice_make(p + 1, (size_t)(t - p - 2));
				plain = false;
				quoted = true;
			} else {
				/* gen-value = token / host */
				t = p;
				for (;;) {
					t = lex_skip_cls(ou_skip_alnum(t, e, lo), e, OU_C_TOKEN);
					if (t == e || (*t != ':' && *t != '[' && *t != ']'))
						break;
					plain = false;
					t++;
				}
				if (t == p)
					VIA_BAD("empty parameter value");
				val = ou_slice_make(p, (size_t)(t - p));
			}
		}
		last = t;
		p = lex_skip_lws(t, e);
		if (p < e && *p != ';' && !(list && *p == ','))
			VIA_BAD("junk in parameters");

		switch (nlen) {
		case 3:
			if (!lit_eq(name, "ttl", 3))
				break;
			if (out->ttl >= 0)
				VIA_BAD("repeated ttl");
			/* ttl = 1*3DIGIT, 0 to 255 */
			if (!val.p || !plain || val.n > 3 ||
			    (out->ttl = small_uint(val.p, val.n, 0, 255)) < 0)
				VIA_BAD("bad ttl");
			break;
		case 5:
			if (lit_eq(name, "rport", 5)) {
				if (out->rport >= 0)
					VIA_BAD("repeated rport");
				if (!val.p)
					out->rport = 0;
				else if (!plain ||
				         (out->rport = small_uint(val.p, val.n, 1, 65535)) < 0)
					VIA_BAD("bad rport");
			} else if (lit_eq(name, "maddr", 5)) {
				if (out->maddr.p)
					VIA_BAD("repeated maddr");
				if (!val.p || quoted || !is_host(val.p, val.n))
					VIA_BAD("bad maddr");
				out->maddr = val;
			}
			break;
		case 6:
			if (!lit_eq(name, "branch", 6))
				break;
			if (out->branch.p)
				VIA_BAD("repeated branch");
			if (!val.p)
				VIA_BAD("empty branch");
			if (!plain)
				VIA_BAD("bad branch");
			out->branch = val;
			break;
		case 8:
			if (!lit_eq(name, "received", 8))
				break;
			if (out->received.p)
				VIA_BAD("repeated received");
			if (!val.p || quoted || !is_ip(val.p, val.n))
				VIA_BAD("bad received");
			out->received = val;
			break;
		default: break;
		}
	}
done:
	out->raw.n = (size_t)(last - out->raw.p);
	if (out->params.p)
		out->params.n = (size_t)(last - out->params.p);
	*next = p;
	return 0;
}

int sip_via_parse(ou_slice s, sip_via *out, const char **why)
{
	const char *next;
	return via_parse(s.p, s.n ? s.p + s.n : s.p, s.p, false, true, out, &next, why);
}

int sip_via_parse_general(ou_slice s, sip_via *out, const char **why)
{
	const char *next;
	return via_parse(s.p, s.n ? s.p + s.n : s.p, s.p, false, false, out, &next, why);
}

int sip_via_parse_next(ou_slice v, size_t *pos, sip_via *out, const char **why)
{
	const char *p = v.p + *pos, *e = v.p + v.n, *next;
	/* separators and LWS; empty elements (",,") are tolerated as sip_list_next does */
	while (p < e && (*p == ',' || lex_is(*p, OU_C_LWS)))
		p++;
	if (p == e) {
		*pos = v.n;
		return OPENUM_ENOTFOUND;
	}
	int err = via_parse(p, e, v.p, true, true, out, &next, why);
	if (!err)
		*pos = (size_t)(next - v.p);
	return err;
}
