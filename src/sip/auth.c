/* Authorization, Proxy-Authorization, WWW-Authenticate and Proxy-Authenticate values
 * (RFC 3261 20.7, 20.27, 20.28, 20.44 and 25.1; Digest per RFC 7616 and RFC 8760).
 * One header value holds one scheme and its comma-separated auth-params; a quoted
 * value may itself hold commas, so the split happens here and not in sip_list_next. */
#include <string.h>

#include "sip.h"
#include "lex.h"

#define AUTH_BAD(msg) SIP_FAIL(OPENUM_EBADMSG, "Bad Authorization: " msg)

/* Case-insensitive match against a lowercase literal made only of letters: for such
 * a literal, OR-ing 0x20 into the input folds letters and matches nothing else. */
static inline bool lit_eq(const char *p, const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)p[i] | 0x20) != (unsigned char)lit[i])
			return false;
	return true;
}

/* The field a known Digest parameter fills, and the reason given when it repeats;
 * NULL for a parameter we do not use. Dispatch by length, then by first letter. */
static ou_slice *known_param(sip_auth *a, const char *n, size_t len, const char **dup)
{
/* Returns from known_param either way: the field if the name matches, else NULL. */
#define K(name, field)                                                                             \
	do {                                                                                       \
		if (lit_eq(n, name, sizeof(name) - 1)) {                                           \
			*dup = "Bad Authorization: repeated " name;                                \
			return &a->field;                                                          \
		}                                                                                  \
		return NULL;                                                                       \
	} while (0)
	char c0 = (char)(n[0] | 0x20);
	switch (len) {
	case 2: K("nc", nc);
	case 3:
		if (c0 == 'u')
			K("uri", uri);
		K("qop", qop);
	case 5:
		if (c0 == 'r')
			K("realm", realm);
		if (c0 == 'n')
			K("nonce", nonce);
		K("stale", stale);
	case 6:
		if (c0 == 'c')
			K("cnonce", cnonce);
		if (c0 == 'o')
			K("opaque", opaque);
		K("domain", domain);
	case 8:
		if (c0 == 'u' && (n[4] | 0x20) == 'n')
			K("username", username);
		if (c0 == 'u')
			K("userhash", userhash);
		K("response", response);
	case 9: K("algorithm", algorithm);
	default: return NULL;
	}
#undef K
}

/* token68 (RFC 7235 2.1): 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=",
 * the credentials form of schemes such as Bearer. */
static bool is_token68(const char *p, const char *e)
{
	const char *q = p;
	while (q < e && (lex_is(*q, OU_C_DIGIT | OU_C_ALPHA) || *q == '-' || *q == '.' ||
	                 *q == '_' || *q == '~' || *q == '+' || *q == '/'))
		q++;
	if (q == p)
		return false;
	while (q < e && *q == '=')
		q++;
	return q == e;
}

int sip_auth_parse(ou_slice s, sip_auth *out, const char **why)
{
	const char *p = s.p, *e = s.n ? s.p + s.n : s.p, *t;

	p = lex_skip_lws(p, e);
	while (e > p && lex_is(e[-1], OU_C_LWS))
		e--;
	memset(out, 0, sizeof(*out));

	t = lex_skip_cls(p, e, OU_C_TOKEN);
	if (t == p)
		AUTH_BAD("missing scheme");
	out->scheme = ou_slice_make(p, (size_t)(t - p));
	if (t == e)
		AUTH_BAD("missing parameters");
	if (!lex_is(*t, OU_C_LWS))
		AUTH_BAD("bad scheme");
	p = lex_skip_lws(t, e);
	out->params = ou_slice_make(p, (size_t)(e - p));

	bool digest = out->scheme.n == 6 && lit_eq(out->scheme.p, "digest", 6);
	if (!digest && is_token68(p, e))
		return 0;

	/* auth-param *( COMMA auth-param ), auth-param = name EQUAL ( token / quoted-string ) */
	for (;;) {
		const char *name = p;
		t = lex_skip_cls(p, e, OU_C_TOKEN);
		if (t == name)
			AUTH_BAD("empty parameter");
		size_t nlen = (size_t)(t - name);
		p = lex_skip_lws(t, e);
		if (p == e || *p != '=')
			AUTH_BAD("parameter without value");
		p = lex_skip_lws(p + 1, e);
		ou_slice val;
		if (p < e && *p == '"') {
			const char *v = p + 1;
			for (t = v;; t++) {
				/* qdtext and UTF-8 exclude the two bytes that need a decision */
				t = lex_skip_cls(t, e, OU_C_QDTEXT | OU_C_UTF8);
				if (t == e)
					AUTH_BAD("unterminated quote");
				if (*t == '"')
					break;
				if (*t != '\\')
					AUTH_BAD("bad quoted value");
				/* quoted-pair: any ASCII but CR and LF */
				if (++t == e || *t == '\r' || *t == '\n' ||
				    (unsigned char)*t > 0x7f)
					AUTH_BAD("bad quoted value");
			}
			val = ou_slice_make(v, (size_t)(t - v));
			t++;
		} else {
			t = lex_skip_cls(p, e, OU_C_TOKEN);
			if (t == p)
				AUTH_BAD("parameter without value");
			val = ou_slice_make(p, (size_t)(t - p));
		}
		const char *dup = NULL;
		ou_slice *field = known_param(out, name, nlen, &dup);
		if (field) {
			if (field->p) {
				if (why)
					*why = dup;
				return OPENUM_EBADMSG;
			}
			*field = val;
		}
		p = lex_skip_lws(t, e);
		if (p == e)
			return 0;
		if (*p != ',')
			AUTH_BAD("junk in parameters");
		p = lex_skip_lws(p + 1, e);
	}
}
