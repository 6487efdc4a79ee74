/* Generic `;name[=value]` parameter lists, as they follow URIs, Via, Contact and the
 * other header values. One forward scan per call; values keep their quotes and
 * escapes so that callers decide how to compare them. */
#include <string.h>

#include "sip/sip.h"
#include "lex.h"

/* Name and unquoted-value bytes: RFC 3261 token, plus the URI paramchar set so that
 * the same iterator walks uri-parameters and hosts such as maddr=[2001:db8::1]. */
#define PARAM_CHARS (OU_C_TOKEN | OU_C_PARAM)

static inline size_t skip_chars(const char *p, size_t n, size_t i)
{
	/* Four bytes per bound check: names and values are most of the bytes. */
	for (; i + 4 <= n; i += 4) {
		if (!ou_is((unsigned char)p[i], PARAM_CHARS))
			return i;
		if (!ou_is((unsigned char)p[i + 1], PARAM_CHARS))
			return i + 1;
		if (!ou_is((unsigned char)p[i + 2], PARAM_CHARS))
			return i + 2;
		if (!ou_is((unsigned char)p[i + 3], PARAM_CHARS))
			return i + 3;
	}
	while (i < n && ou_is((unsigned char)p[i], PARAM_CHARS))
		i++;
	return i;
}

/* Returns the index just past the closing quote of the quoted-string opening at i,
 * or 0 when it is not terminated or holds a byte a quoted-string cannot hold. */
static size_t skip_quoted(const char *p, size_t n, size_t i)
{
	i = (size_t)(ou_skip_qdtext(p + i + 1, p + n) - p);
	for (; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"')
			return i + 1;
		if (c == '\\') {
			if (++i >= n)
				return 0;
		} else if (!ou_is(c, OU_C_QDTEXT | OU_C_UTF8)) {
			return 0;
		}
	}
	return 0;
}

int sip_param_next(ou_slice params, size_t *pos, ou_slice *name, ou_slice *value)
{
	const char *p = params.p;
	size_t n = params.n;
	size_t i = lex_skip_lws_at(p, n, *pos);

	if (i >= n) {
		*pos = n;
		return OPENUM_ENOTFOUND;
	}
	if (p[i] == ';')
		i = lex_skip_lws_at(p, n, i + 1);
	else if (*pos != 0)
		return OPENUM_EBADMSG; /* two parameters without ';' between them */
	if (i >= n) {
		/* a trailing ';' is common in the wild and harmless */
		*pos = n;
		return OPENUM_ENOTFOUND;
	}

	size_t ns = i;
	i = skip_chars(p, n, i);
	if (i == ns)
		return OPENUM_EBADMSG;
	ou_slice nm = ou_slice_make(p + ns, i - ns);
	ou_slice val = ou_slice_make(p + i, 0);

	size_t j = lex_skip_lws_at(p, n, i);
	if (j < n && p[j] == '=') {
		j = lex_skip_lws_at(p, n, j + 1);
		size_t vs = j;
		if (j < n && p[j] == '"') {
			j = skip_quoted(p, n, j);
			if (j == 0)
				return OPENUM_EBADMSG;
		} else {
			j = skip_chars(p, n, j);
			if (j == vs)
				return OPENUM_EBADMSG;
		}
		val = ou_slice_make(p + vs, j - vs);
		i = j;
	}
	*name = nm;
	*value = val;
	*pos = i;
	return 0;
}

int sip_param_get(ou_slice params, const char *name, ou_slice *value)
{
	size_t len = strlen(name), pos = 0;
	ou_slice n, v;
	int rc;

	while ((rc = sip_param_next(params, &pos, &n, &v)) == 0) {
		if (n.n == len && ou_memcasecmp(n.p, name, len) == 0) {
			if (value)
				*value = v;
			return 0;
		}
	}
	return rc;
}

bool sip_param_has(ou_slice params, const char *name)
{
	return sip_param_get(params, name, NULL) == 0;
}
