/* Splitting comma-separated header values (Via, Contact, Route, ...) into elements.
 * A comma inside a quoted-string or inside <...> does not separate elements. */
#include <string.h>

#include "sip.h"
#include "lex.h"

int sip_list_next(ou_slice v, size_t *pos, ou_slice *elem, const char **why)
{
	size_t i = *pos;
	/* Skip separators and LWS; empty elements (",,") are tolerated as RFC 7230 does. */
	while (i < v.n && (v.p[i] == ',' || ou_is((unsigned char)v.p[i], OU_C_LWS)))
		i++;
	if (i >= v.n) {
		*pos = v.n;
		return OPENUM_ENOTFOUND;
	}
	size_t start = i;
	/* Most values hold one element: without a comma there is nothing to split, and
	 * the element's own parser checks its quotes and brackets. */
	if (ou_find_byte(v.p + i, v.p + v.n, v.p, ',') == v.p + v.n) {
		size_t e = v.n; /* v.p[start] is not LWS: only the end needs trimming */
		while (ou_is((unsigned char)v.p[e - 1], OU_C_LWS))
			e--;
		*elem = ou_slice_make(v.p + start, e - start);
		*pos = v.n;
		return 0;
	}
	bool quoted = false, angle = false;
	for (; i < v.n; i++) {
		char c = v.p[i];
		if (quoted) {
			if (c == '\\') {
				if (++i >= v.n)
					break;
			} else if (c == '"') {
				quoted = false;
			}
			continue;
		}
		if (c == '"' && !angle)
			quoted = true;
		else if (c == '<')
			angle = true;
		else if (c == '>')
			angle = false;
		else if (c == ',' && !angle)
			break;
	}
	if (quoted || angle) {
		if (why)
			*why = quoted ? "Unterminated quoted string" : "Unbalanced <> in header";
		return OPENUM_EBADMSG;
	}
	*elem = ou_slice_trim(ou_slice_make(v.p + start, i - start));
	*pos = i < v.n ? i + 1 : v.n;
	return 0;
}
