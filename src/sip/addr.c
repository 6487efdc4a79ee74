/* name-addr and addr-spec (RFC 3261 20.10, 25.1): the values of From, To, Contact,
 * Route, Record-Route, Refer-To and friends. Splits display name, URI and header
 * parameters in one pass; the URI itself goes to sip_uri_parse. */
#include <string.h>

#include "sip/sip.h"
#include "lex.h"

#define BAD(msg) SIP_FAIL(OPENUM_EBADMSG, "Bad address: " msg)

/* Checks the header parameters and picks out ;tag. */
static int parse_params(ou_slice params, sip_addr *out, const char **why)
{
	size_t pos = 0;
	ou_slice n, v;
	int rc;

	/* The usual From and To: exactly ";tag=" and a value to the end, which is what
	 * the loop below would conclude at twice the cost. OR-ing 0x20 into "tag" folds
	 * the case of those three letters only; the '=' compares exactly. */
	if (params.n > 5 && params.p[0] == ';' &&
	    (ou_load4(params.p + 1) | 0x00202020u) == ou_load4("tag=")) {
		const char *e = params.p + params.n;
		const char *t = lex_skip_cls(params.p + 5, e, OU_C_TOKEN | OU_C_PARAM);
		if (t == e) {
			out->tag = ou_slice_make(params.p + 5, params.n - 5);
			return 0;
		}
	}

	while ((rc = sip_param_next(params, &pos, &n, &v)) == 0) {
		/* x | 0x20 equals a lowercase letter only for that letter in either case */
		if (n.n == 3 && (n.p[0] | 0x20) == 't' && (n.p[1] | 0x20) == 'a' &&
		    (n.p[2] | 0x20) == 'g') {
			if (v.n == 0 || v.p[0] == '"')
				BAD("bad tag");
			if (!ou_slice_present(out->tag))
				out->tag = v;
		}
	}
	if (rc != OPENUM_ENOTFOUND)
		BAD("bad parameter");
	return 0;
}

static int addr_parse(ou_slice s, sip_addr *out, const char **why)
{
	const char *p = s.p;
	size_t n = s.n, i = 0;
	if (n) { /* trim LWS here: cheaper than the call to ou_slice_trim */
		const char *e = lex_trim_end(p, p + n);
		p = lex_skip_lws(p, e);
		n = (size_t)(e - p);
		s = ou_slice_make(p, n);
	}
	int rc;

	if (n == 0)
		BAD("empty");
	out->raw = s;
	if (n == 1 && p[0] == '*') {
		memset(&out->uri, 0, sizeof(out->uri));
		out->star = true;
		return 0;
	}

	if (p[0] == '"') {
		i = (size_t)(ou_skip_qdtext(p + 1, p + n) - p);
		for (; i < n && p[i] != '"'; i++) {
			unsigned char c = (unsigned char)p[i];
			if (c == '\\') {
				i++;
				if (i >= n)
					break;
			} else if (!ou_is(c, OU_C_QDTEXT | OU_C_UTF8)) {
				BAD("bad display name");
			}
		}
		if (i >= n)
			BAD("unbalanced quotes");
		out->display = ou_slice_make(p + 1, i - 1);
		i = lex_skip_lws_at(p, n, i + 1);
		if (i >= n || p[i] != '<')
			BAD("missing <");
	} else {
		/* *(token LWS) "<" is a display name; stopping anywhere else (the ':' of a
		 * scheme, usually) means an addr-spec. */
		size_t last = 0;
		for (; i < n; i++) {
			uint16_t t = ou_ctype[(unsigned char)p[i]];
			if (!(t & (OU_C_TOKEN | OU_C_LWS)))
				break;
			last = t & OU_C_TOKEN ? i + 1 : last;
		}
		if (i < n && p[i] == '<') {
			if (last)
				out->display = ou_slice_make(p, last);
		} else {
			i = 0;
		}
	}

	ou_slice rest;
	if (p[i] == '<') {
		const char *e = ou_find_byte(p + i, p + n, p, '>');
		if (e == p + n)
			BAD("unbalanced <>");
		size_t end = (size_t)(e - p);
		out->angle = true;
		rc = sip_uri_parse(ou_slice_make(p + i + 1, end - i - 1), &out->uri, why);
		if (rc)
			return rc;
		rest = ou_slice_make(p + end + 1, n - end - 1);
	} else {
		/* RFC 3261 20.10: without <>, a ';' ends the URI and starts the header
		 * parameters. */
		size_t e = i;
		while (e < n && p[e] != ';' && !ou_is((unsigned char)p[e], OU_C_LWS))
			e++;
		rc = sip_uri_parse(ou_slice_make(p, e), &out->uri, why);
		if (rc) {
			/* no URI holds '<' or '>': name the likelier mistake */
			if (rc == OPENUM_EBADMSG && (memchr(p, '>', e) || memchr(p, '<', e)))
				BAD("unbalanced <>");
			return rc;
		}
		rest = ou_slice_make(p + e, n - e);
	}

	size_t r = lex_skip_lws_at(rest.p, rest.n, 0);
	if (r < rest.n) {
		if (rest.p[r] != ';') {
			if (why)
				*why = out->angle ? "Bad address: junk after >"
				                  : "Bad address: junk after URI";
			return OPENUM_EBADMSG;
		}
		out->params = ou_slice_make(rest.p + r, rest.n - r);
		return parse_params(out->params, out, why);
	}
	return 0;
}

static int addr_general(ou_slice s, sip_addr *out, const char **why)
{
	/* out->uri is set by sip_uri_parse (or cleared for '*'), on every path that
	 * succeeds; a failure clears everything below. */
	out->raw = out->display = out->params = out->tag = OU_SLICE_NULL;
	out->star = out->angle = false;
	int rc = addr_parse(s, out, why);
	if (rc)
		memset(out, 0, sizeof(*out)); /* no half-filled result on failure */
	return rc;
}

/* ---- the fast path ------------------------------------------------------------
 * The usual shapes of From, To and Contact read in one pass: an optional display
 * name (a quoted-string without escapes, or tokens) and "<" URI ">", or a bare
 * addr-spec "sip:..."; the URI of uri.c's fast shape, read where it stands (no search
 * for the '>' first); then header parameters ";name[=value]" of token bytes, values
 * tokens or quoted-strings without escapes, no LWS, each ;tag with a token value. It
 * fills *out exactly as addr_general would, each field once, and returns true; at the
 * first byte outside that shape it returns false (out partly written) and the caller
 * starts over with addr_general, which alone produces every error. */

/* Parameter names and unquoted values: the bytes sip_param_next takes. */
#define PARAM_CHARS (OU_C_TOKEN | OU_C_PARAM)

/* p at a ';' in [p, e): the parameters to e, with the first tag. */
static inline bool fast_params(const char *p, const char *e, ou_slice *tag)
{
	do {
		const char *name = p + 1, *v;
		p = lex_skip_cls(name, e, PARAM_CHARS);
		if (p == name)
			return false;
		/* x | 0x20 equals a lowercase letter only for that letter in either case */
		bool is_tag = p - name == 3 && (name[0] | 0x20) == 't' && (name[1] | 0x20) == 'a' &&
		              (name[2] | 0x20) == 'g';
		if (p == e || *p != '=') {
			if (is_tag)
				return false; /* a tag without a value: the general path's error */
			continue;
		}
		v = ++p;
		if (p < e && *p == '"') {
			if (is_tag)
				return false;
			p = lex_skip_cls(ou_skip_qdtext(p + 1, e), e, OU_C_QDTEXT | OU_C_UTF8);
			if (p == e || *p != '"')
				return false; /* an escape, a bad byte or no closing quote */
			p++;
		} else {
			p = lex_skip_cls(v, e, PARAM_CHARS);
			if (p == v)
				return false;
			if (is_tag && !tag->p)
				*tag = ou_slice_make(v, (size_t)(p - v));
		}
	} while (p < e && *p == ';');
	return p == e;
}

static bool addr_fast(const char *p, size_t n, sip_addr *out)
{
	const char *e = p + n, *q = p, *u;
	ou_slice display = OU_SLICE_NULL, params = OU_SLICE_NULL, tag = OU_SLICE_NULL;
	bool angle = true;

	if (p[0] == '"') {
		q = lex_skip_cls(ou_skip_qdtext(p + 1, e), e, OU_C_QDTEXT | OU_C_UTF8);
		if (q == e || *q != '"')
			return false;
		display = ou_slice_make(p + 1, (size_t)(q - p - 1));
		q = lex_skip_lws(q + 1, e);
		if (q == e || *q != '<')
			return false;
	} else if (p[0] != '<') {
		/* "sip:" opens an addr-spec; otherwise *(token LWS) "<", as addr_parse
		 * reads it */
		if ((ou_load4(p) | ou_load4("\x20\x20\x20\0")) == ou_load4("sip:")) {
			angle = false;
		} else {
			size_t i, last = 0;
			for (i = 0; i < n; i++) {
				uint16_t t = ou_ctype[(unsigned char)p[i]];
				if (!(t & (OU_C_TOKEN | OU_C_LWS)))
					break;
				last = t & OU_C_TOKEN ? i + 1 : last;
			}
			if (i == n || p[i] != '<')
				return false;
			if (last)
				display = ou_slice_make(p, last);
			q = p + i;
		}
	}
	/* A URI in <> stops at a byte it cannot hold, which must be the '>'. In an
	 * addr-spec a ';' ends the URI (RFC 3261 20.10). */
	u = sip_uri_fast_at(q + angle, e, angle, &out->uri);
	if (!u)
		return false;
	if (angle) {
		if (u == e || *u != '>')
			return false;
		u++;
	}
	if (u != e) {
		if (*u != ';')
			return false;
		/* the usual From and To: ";tag=" and a token to the end */
		if (e - u > 5 && (ou_load4(u + 1) | 0x00202020u) == ou_load4("tag=") &&
		    lex_skip_cls(u + 5, e, PARAM_CHARS) == e)
			tag = ou_slice_make(u + 5, (size_t)(e - u - 5));
		else if (!fast_params(u, e, &tag))
			return false;
		params = ou_slice_make(u, (size_t)(e - u));
	}
	out->raw = ou_slice_make(p, n);
	out->display = display;
	out->params = params;
	out->tag = tag;
	out->star = false;
	out->angle = angle;
	return true;
}

int sip_addr_parse(ou_slice s, sip_addr *out, const char **why)
{
	const char *p = s.p;
	size_t n = s.n;
	if (n) { /* as addr_parse: trim LWS */
		const char *e = lex_trim_end(p, p + n);
		p = lex_skip_lws(p, e);
		n = (size_t)(e - p);
	}
	if (n > 4 && addr_fast(p, n, out))
		return 0;
	return addr_general(ou_slice_make(p, n), out, why);
}

int sip_addr_parse_general(ou_slice s, sip_addr *out, const char **why)
{
	return addr_general(s, out, why);
}
