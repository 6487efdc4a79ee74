/* sip_test_util.h: helpers the src/sip unit tests share (static inline, one copy per test
 * binary): slices from C strings, a slice assertion, and hold(), which copies input into
 * a buffer of exactly its length so that ASan catches a parser reading one byte too far.
 * Include after <cmocka.h>. */
#ifndef OPENUM_TESTS_SIP_TEST_UTIL_H
#define OPENUM_TESTS_SIP_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip.h"

static inline ou_slice S(const char *s)
{
	return ou_slice_cstr(s);
}

/* want NULL: the slice must be absent; otherwise present and equal to want. */
static inline void assert_slice(ou_slice got, const char *want)
{
	if (!want) {
		assert_null(got.p);
		assert_int_equal(got.n, 0);
		return;
	}
	assert_non_null(got.p);
	if (got.n != strlen(want) || memcmp(got.p, want, got.n) != 0)
		fail_msg("got '%.*s', want '%s'", (int)got.n, got.p, want);
}

/* For the fast-path tests: a fast path and the general parser must give the same
 * slice, pointer and length (text, len: the input, for the failure message). */
static inline void assert_same_slice(ou_slice a, ou_slice b, const char *field, const char *text,
                                     size_t len)
{
	if (a.p != b.p || a.n != b.n)
		fail_msg("%s differs (fast '%.*s', general '%.*s'): %.*s", field, (int)a.n,
		         a.p ? a.p : "", (int)b.n, b.p ? b.p : "", (int)len, text);
}

static inline void assert_same_field(ou_slice a, ou_slice b, const char *prefix, const char *name,
                                     const char *text, size_t len)
{
	char field[32];
	snprintf(field, sizeof(field), "%s%s", prefix, name);
	assert_same_slice(a, b, field, text, len);
}

/* Every field of two URIs the same (field names in messages start with prefix). */
static inline void assert_same_uri(const sip_uri *f, const sip_uri *g, const char *prefix,
                                   const char *text, size_t len)
{
	assert_same_field(f->raw, g->raw, prefix, "raw", text, len);
	assert_same_field(f->scheme_s, g->scheme_s, prefix, "scheme_s", text, len);
	assert_same_field(f->user, g->user, prefix, "user", text, len);
	assert_same_field(f->password, g->password, prefix, "password", text, len);
	assert_same_field(f->host, g->host, prefix, "host", text, len);
	assert_same_field(f->params, g->params, prefix, "params", text, len);
	assert_same_field(f->headers, g->headers, prefix, "headers", text, len);
	if (f->scheme != g->scheme || f->port != g->port || f->host_ipv6 != g->host_ipv6)
		fail_msg("%sscheme/port/host_ipv6 differ: %.*s", prefix, (int)len, text);
}

/* The last input hold() copied; free it (hold_free) before the test binary exits. */
static char *held __attribute__((unused));

static inline ou_slice hold(const char *text)
{
	size_t n = strlen(text);
	free(held);
	held = malloc(n ? n : 1);
	assert_non_null(held);
	memcpy(held, text, n);
	return ou_slice_make(held, n);
}

static inline void hold_free(void)
{
	free(held);
	held = NULL;
}

#endif
