/* web/dial.c: what a Play-On-Phone dial string may be. A SIP or SIPS URI naming a
 * host, a tel: URI, or a plain phone number; anything else is refused here, before
 * the engine sees it, with a reason the web page can show. */
#include <string.h>

#include "../sip/sip.h"
#include "web.h"

#define DIAL_DIGITS_MAX 32 /* E.164 allows 15; leave room for extensions and prefixes */

static bool has_prefix_ci(ou_slice s, const char *p)
{
	size_t n = strlen(p);
	return s.n >= n && ou_memcasecmp(s.p, p, n) == 0;
}

static int dial_number(ou_slice s, char *out, size_t cap, const char **why)
{
	size_t o = 0, digits = 0;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (c == '+' && i == 0) {
			if (o + 1 >= cap)
				goto toobig;
			out[o++] = c;
		} else if (ou_is((unsigned char)c, OU_C_DIGIT)) {
			if (o + 1 >= cap)
				goto toobig;
			out[o++] = c;
			digits++;
		} else if (c == '-' || c == '.' || c == ' ' || c == '(' || c == ')') {
			continue; /* RFC 3966 visual separators (and blanks people type) */
		} else {
			if (why)
				*why = "Bad dial string: not a number or a sip:/sips:/tel: URI";
			return OPENUM_EINVAL;
		}
	}
	if (digits == 0) {
		if (why)
			*why = "Bad dial string: no digits";
		return OPENUM_EINVAL;
	}
	if (digits > DIAL_DIGITS_MAX) {
		if (why)
			*why = "Bad dial string: too many digits";
		return OPENUM_EINVAL;
	}
	out[o] = '\0';
	return 0;
toobig:
	if (why)
		*why = "Bad dial string: too long";
	return OPENUM_ETOOBIG;
}

int web_dial_check(const char *in, char *out, size_t cap, const char **why)
{
	if (!in || !out || cap == 0) {
		if (why)
			*why = "Bad dial string: missing";
		return OPENUM_EINVAL;
	}
	ou_slice s = ou_slice_trim(ou_slice_cstr(in));
	if (s.n == 0) {
		if (why)
			*why = "Bad dial string: empty";
		return OPENUM_EINVAL;
	}
	if (s.n >= cap || s.n >= WEB_DIAL_MAX) {
		if (why)
			*why = "Bad dial string: too long";
		return OPENUM_ETOOBIG;
	}
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c < 0x21 || c > 0x7e) {
			/* blanks inside are only for numbers; controls and UTF-8 never */
			if (c == ' ' && !has_prefix_ci(s, "sip:") && !has_prefix_ci(s, "sips:") &&
			    !has_prefix_ci(s, "tel:"))
				continue;
			if (why)
				*why = "Bad dial string: invalid character";
			return OPENUM_EINVAL;
		}
	}
	if (has_prefix_ci(s, "sip:") || has_prefix_ci(s, "sips:") || has_prefix_ci(s, "tel:")) {
		sip_uri u;
		const char *uwhy = NULL;
		if (sip_uri_parse(s, &u, &uwhy) != 0) {
			if (why)
				*why = "Bad dial string: malformed URI";
			return OPENUM_EINVAL;
		}
		if (u.scheme == SIP_URI_TEL) {
			if (u.user.n == 0) {
				if (why)
					*why = "Bad dial string: tel: URI without a number";
				return OPENUM_EINVAL;
			}
		} else if (u.scheme == SIP_URI_SIP || u.scheme == SIP_URI_SIPS) {
			if (u.host.n == 0) {
				if (why)
					*why = "Bad dial string: SIP URI without a host";
				return OPENUM_EINVAL;
			}
			if (u.password.p) {
				if (why)
					*why = "Bad dial string: SIP URI with a password";
				return OPENUM_EINVAL;
			}
		} else {
			if (why)
				*why = "Bad dial string: not a number or a sip:/sips:/tel: URI";
			return OPENUM_EINVAL;
		}
		memcpy(out, s.p, s.n);
		out[s.n] = '\0';
		return 0;
	}
	return dial_number(s, out, cap, why);
}
