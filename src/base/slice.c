/* Slices: comparisons and conversions on pointer+length views of a buffer.
 * Nothing here allocates or reads past s.p + s.n. */
#include <string.h>

#include "base.h"

ou_slice ou_slice_cstr(const char *s)
{
	return ou_slice_make(s, s ? strlen(s) : 0);
}

bool ou_slice_eq(ou_slice a, ou_slice b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool ou_slice_caseeq(ou_slice a, ou_slice b)
{
	return a.n == b.n && (a.n == 0 || ou_memcasecmp(a.p, b.p, a.n) == 0);
}

bool ou_slice_caseeq_cstr(ou_slice a, const char *s)
{
	return ou_slice_caseeq(a, ou_slice_cstr(s));
}

bool ou_slice_eq_cstr(ou_slice a, const char *s)
{
	return ou_slice_eq(a, ou_slice_cstr(s));
}

ou_slice ou_slice_trim(ou_slice s)
{
	while (s.n && ou_is((unsigned char)s.p[0], OU_C_LWS)) {
		s.p++;
		s.n--;
	}
	while (s.n && ou_is((unsigned char)s.p[s.n - 1], OU_C_LWS))
		s.n--;
	return s;
}

int ou_slice_u32(ou_slice s, uint32_t *out)
{
	uint64_t v = 0;
	if (s.n == 0 || s.n > 10)
		return OPENUM_EBADMSG;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (!ou_is(c, OU_C_DIGIT))
			return OPENUM_EBADMSG;
		v = v * 10 + (c - '0');
	}
	if (v > UINT32_MAX)
		return OPENUM_ETOOBIG;
	*out = (uint32_t)v;
	return 0;
}

size_t ou_slice_copy(ou_slice s, char *dst, size_t cap)
{
	if (cap == 0)
		return s.n;
	size_t n = s.n < cap - 1 ? s.n : cap - 1;
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
	return s.n;
}

const char *ou_strerror(int err)
{
	switch (err) {
	case OPENUM_OK: return "ok";
	case OPENUM_EAGAIN: return "incomplete";
	case OPENUM_EBADMSG: return "malformed";
	case OPENUM_ETOOBIG: return "too big";
	case OPENUM_ENOMEM: return "out of memory";
	case OPENUM_ENOTFOUND: return "not found";
	case OPENUM_EINVAL: return "invalid argument";
	case OPENUM_EDUP: return "repeated";
	case OPENUM_EIO: return "I/O error";
	default: return "unknown error";
	}
}
