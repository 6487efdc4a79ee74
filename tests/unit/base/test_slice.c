/* Tests for src/base/slice.c: slice comparisons, trimming, numbers, copies and error
 * names. Slices under test sit in buffers of exactly their length (ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/base.h"

static char *held[4];

/* A slice over a heap copy of text without its NUL; slot picks one of four buffers so
 * that two live slices can be compared. */
static ou_slice hold(int slot, const char *text)
{
	size_t n = strlen(text);
	free(held[slot]);
	held[slot] = malloc(n ? n : 1);
	memcpy(held[slot], text, n);
	return ou_slice_make(held[slot], n);
}

static void test_make_and_cstr(void **state)
{
	(void)state;
	ou_slice s = ou_slice_cstr("abc");
	assert_int_equal(s.n, 3);
	assert_memory_equal(s.p, "abc", 3);
	assert_true(ou_slice_present(s));

	s = ou_slice_cstr(NULL);
	assert_null(s.p);
	assert_int_equal(s.n, 0);
	assert_false(ou_slice_present(s));
	assert_false(ou_slice_present(OU_SLICE_NULL));

	/* Empty but present: p set, n == 0 (a valueless parameter). */
	s = ou_slice_cstr("");
	assert_true(ou_slice_present(s));
	assert_int_equal(s.n, 0);

	s = OU_SLICE_LIT("hello");
	assert_int_equal(s.n, 5);
	s = ou_slice_make("xyz", 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.p[1], 'y');
}

static void test_eq(void **state)
{
	(void)state;
	assert_true(ou_slice_eq(hold(0, "INVITE"), hold(1, "INVITE")));
	assert_false(ou_slice_eq(hold(0, "INVITE"), hold(1, "invite")));
	assert_false(ou_slice_eq(hold(0, "INVITE"), hold(1, "INVITES")));
	assert_false(ou_slice_eq(hold(0, "INVITES"), hold(1, "INVITE")));
	assert_false(ou_slice_eq(hold(0, "abc"), hold(1, "abd")));
	assert_true(ou_slice_eq(OU_SLICE_NULL, hold(1, "")));
	assert_true(ou_slice_eq(OU_SLICE_NULL, OU_SLICE_NULL));
	assert_false(ou_slice_eq(OU_SLICE_NULL, hold(1, "a")));

	assert_true(ou_slice_eq_cstr(hold(0, "Via"), "Via"));
	assert_false(ou_slice_eq_cstr(hold(0, "Via"), "via"));
	assert_false(ou_slice_eq_cstr(hold(0, "Via"), "Vi"));
	assert_true(ou_slice_eq_cstr(OU_SLICE_NULL, ""));
}

static void test_caseeq(void **state)
{
	(void)state;
	assert_true(ou_slice_caseeq(hold(0, "Call-ID"), hold(1, "call-id")));
	assert_true(ou_slice_caseeq(hold(0, "CALL-ID"), hold(1, "cAlL-iD")));
	assert_false(ou_slice_caseeq(hold(0, "Call-ID"), hold(1, "Call-IDs")));
	assert_false(ou_slice_caseeq(hold(0, "Call-ID"), hold(1, "Call_ID")));
	/* Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ by 0x20 too. */
	assert_false(ou_slice_caseeq(hold(0, "@"), hold(1, "`")));
	assert_false(ou_slice_caseeq(hold(0, "["), hold(1, "{")));
	assert_false(ou_slice_caseeq(hold(0, "\xc3\x89"), hold(1, "\xc3\xa9")));
	assert_true(ou_slice_caseeq(OU_SLICE_NULL, hold(1, "")));

	assert_true(ou_slice_caseeq_cstr(hold(0, "SKIP-PIN"), "skip-pin"));
	assert_false(ou_slice_caseeq_cstr(hold(0, "SKIP-PIN"), "skip-pin "));
	assert_false(ou_slice_caseeq_cstr(OU_SLICE_NULL, "x"));
}

static void test_memcasecmp(void **state)
{
	(void)state;
	assert_int_equal(ou_memcasecmp("ABC", "abc", 3), 0);
	assert_int_equal(ou_memcasecmp("abc", "abd", 2), 0);
	assert_true(ou_memcasecmp("abc", "abd", 3) < 0);
	assert_true(ou_memcasecmp("ABD", "abc", 3) > 0);
	assert_int_equal(ou_memcasecmp("x", "y", 0), 0);
	/* Bytes compare unsigned: 0xff sorts after 'a'. */
	assert_true(ou_memcasecmp("\xff", "a", 1) > 0);
	assert_true(ou_memcasecmp("Z", "a", 1) > 0);
}

static void test_trim(void **state)
{
	(void)state;
	ou_slice s = ou_slice_trim(hold(0, " \t\r\n value with  inner \r\n\t "));
	assert_int_equal(s.n, strlen("value with  inner"));
	assert_memory_equal(s.p, "value with  inner", s.n);
	assert_ptr_equal(s.p, held[0] + 5);

	s = ou_slice_trim(hold(0, "x"));
	assert_int_equal(s.n, 1);
	s = ou_slice_trim(hold(0, "   "));
	assert_int_equal(s.n, 0);
	s = ou_slice_trim(OU_SLICE_NULL);
	assert_int_equal(s.n, 0);
	/* Only LWS is trimmed, not other control bytes. */
	s = ou_slice_trim(hold(0, "\v a \f"));
	assert_int_equal(s.n, 5);
}

static void test_u32(void **state)
{
	(void)state;
	uint32_t v = 99;
	assert_int_equal(ou_slice_u32(hold(0, "0"), &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ou_slice_u32(hold(0, "5060"), &v), 0);
	assert_int_equal(v, 5060);
	assert_int_equal(ou_slice_u32(hold(0, "4294967295"), &v), 0);
	assert_int_equal(v, 4294967295u);
	assert_int_equal(ou_slice_u32(hold(0, "0000000001"), &v), 0);
	assert_int_equal(v, 1);

	v = 99;
	assert_int_equal(ou_slice_u32(hold(0, "4294967296"), &v), OPENUM_ETOOBIG);
	assert_int_equal(ou_slice_u32(hold(0, "9999999999"), &v), OPENUM_ETOOBIG);
	assert_int_equal(ou_slice_u32(hold(0, "12345678901"), &v), OPENUM_EBADMSG);
	assert_int_equal(ou_slice_u32(hold(0, ""), &v), OPENUM_EBADMSG);
	assert_int_equal(ou_slice_u32(OU_SLICE_NULL, &v), OPENUM_EBADMSG);
	assert_int_equal(ou_slice_u32(hold(0, " 1"), &v), OPENUM_EBADMSG);
	assert_int_equal(ou_slice_u32(hold(0, "1 "), &v), OPENUM_EBADMSG);
	assert_int_equal(ou_slice_u32(hold(0, "-1"), &v), OPENUM_EBADMSG);
	assert_int_equal(ou_slice_u32(hold(0, "+1"), &v), OPENUM_EBADMSG);
	assert_int_equal(ou_slice_u32(hold(0, "1a"), &v), OPENUM_EBADMSG);
	assert_int_equal(v, 99);
}

static void test_copy(void **state)
{
	(void)state;
	char dst[8];
	memset(dst, 'X', sizeof(dst));
	assert_int_equal(ou_slice_copy(hold(0, "abc"), dst, sizeof(dst)), 3);
	assert_string_equal(dst, "abc");

	/* Truncates to cap - 1 and still terminates; returns the full length. */
	memset(dst, 'X', sizeof(dst));
	assert_int_equal(ou_slice_copy(hold(0, "0123456789"), dst, 4), 10);
	assert_string_equal(dst, "012");
	assert_int_equal(dst[4], 'X');

	memset(dst, 'X', sizeof(dst));
	assert_int_equal(ou_slice_copy(hold(0, "abcdefg"), dst, 8), 7);
	assert_string_equal(dst, "abcdefg");

	memset(dst, 'X', sizeof(dst));
	assert_int_equal(ou_slice_copy(hold(0, "abc"), dst, 0), 3);
	assert_int_equal(dst[0], 'X');

	assert_int_equal(ou_slice_copy(OU_SLICE_NULL, dst, sizeof(dst)), 0);
	assert_string_equal(dst, "");
	memset(dst, 'X', sizeof(dst));
	assert_int_equal(ou_slice_copy(hold(0, "abc"), dst, 1), 3);
	assert_string_equal(dst, "");
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(ou_strerror(OPENUM_OK), "ok");
	assert_string_equal(ou_strerror(OPENUM_EAGAIN), "incomplete");
	assert_string_equal(ou_strerror(OPENUM_EBADMSG), "malformed");
	assert_string_equal(ou_strerror(OPENUM_ETOOBIG), "too big");
	assert_string_equal(ou_strerror(OPENUM_ENOMEM), "out of memory");
	assert_string_equal(ou_strerror(OPENUM_ENOTFOUND), "not found");
	assert_string_equal(ou_strerror(OPENUM_EINVAL), "invalid argument");
	assert_string_equal(ou_strerror(OPENUM_EDUP), "repeated");
	assert_string_equal(ou_strerror(OPENUM_EIO), "I/O error");
	assert_string_equal(ou_strerror(-1000), "unknown error");
	assert_string_equal(ou_strerror(1), "unknown error");
}

static void test_lower(void **state)
{
	(void)state;
	assert_int_equal(ou_lower('A'), 'a');
	assert_int_equal(ou_lower('Z'), 'z');
	assert_int_equal(ou_lower('a'), 'a');
	assert_int_equal(ou_lower('@'), '@');
	assert_int_equal(ou_lower('['), '[');
	assert_int_equal(ou_lower('5'), '5');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_make_and_cstr), cmocka_unit_test(test_eq),
	    cmocka_unit_test(test_caseeq),        cmocka_unit_test(test_memcasecmp),
	    cmocka_unit_test(test_trim),          cmocka_unit_test(test_u32),
	    cmocka_unit_test(test_copy),          cmocka_unit_test(test_strerror),
	    cmocka_unit_test(test_lower),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	for (int i = 0; i < 4; i++)
		free(held[i]);
	return rc;
}
