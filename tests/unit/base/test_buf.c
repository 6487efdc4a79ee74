/* Tests for src/base/buf.c: growth, NUL termination, printf, consume and the sticky
 * allocation-failure flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/base.h"

static void test_init_free(void **state)
{
	(void)state;
	ou_buf b;
	memset(&b, 0x5a, sizeof(b));
	ou_buf_init(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_false(b.failed);
	ou_buf_free(&b); /* freeing an empty buffer is fine */
	ou_buf_reset(&b);
	assert_int_equal(b.len, 0);

	assert_int_equal(ou_buf_append_cstr(&b, "x"), 0);
	ou_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void test_append(void **state)
{
	(void)state;
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(ou_buf_append(&b, "INVITE ", 7), 0);
	assert_int_equal(ou_buf_append_slice(&b, OU_SLICE_LIT("sip:bob@x")), 0);
	assert_int_equal(ou_buf_append_cstr(&b, " SIP/2.0"), 0);
	assert_int_equal(b.len, 24);
	assert_string_equal(b.data, "INVITE sip:bob@x SIP/2.0");
	assert_true(b.cap > b.len);

	/* Appending nothing is allowed, even from NULL. */
	assert_int_equal(ou_buf_append(&b, NULL, 0), 0);
	assert_int_equal(ou_buf_append_slice(&b, OU_SLICE_NULL), 0);
	assert_int_equal(b.len, 24);
	ou_buf_free(&b);

	/* The first append of nothing still yields a terminated, non-NULL buffer. */
	ou_buf_init(&b);
	assert_int_equal(ou_buf_append(&b, NULL, 0), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	ou_buf_free(&b);
}

static void test_growth(void **state)
{
	(void)state;
	ou_buf b;
	ou_buf_init(&b);
	char chunk[97];
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(ou_buf_append(&b, chunk, sizeof(chunk)), 0);
		assert_true(b.cap > b.len);
		assert_int_equal(b.data[b.len], '\0');
	}
	assert_int_equal(b.len, 97000);
	for (size_t i = 0; i < b.len; i += 997)
		assert_int_equal(b.data[i], chunk[i % sizeof(chunk)]);

	/* reserve guarantees room for extra bytes plus the NUL without moving data. */
	assert_int_equal(ou_buf_reserve(&b, 100000), 0);
	assert_true(b.cap >= b.len + 100000 + 1);
	char *before = b.data;
	assert_int_equal(ou_buf_append(&b, chunk, sizeof(chunk)), 0);
	assert_ptr_equal(b.data, before);
	ou_buf_free(&b);
}

static void test_printf(void **state)
{
	(void)state;
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(ou_buf_printf(&b, "SIP/2.0 %u %s\r\n", 200u, "OK"), 0);
	assert_string_equal(b.data, "SIP/2.0 200 OK\r\n");
	assert_int_equal(ou_buf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 16);
	assert_int_equal(ou_buf_printf(&b, "CSeq: %d %.*s\r\n", 7, 3, "ACKXX"), 0);
	assert_string_equal(b.data, "SIP/2.0 200 OK\r\nCSeq: 7 ACK\r\n");

	/* Longer than the 256-byte scratch: the second formatting path. */
	char big[1000];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	size_t had = b.len;
	assert_int_equal(ou_buf_printf(&b, "<%s>%d", big, 42), 0);
	assert_int_equal(b.len, had + 1 + 999 + 1 + 2);
	assert_int_equal(b.data[had], '<');
	assert_int_equal(b.data[had + 1000], '>');
	assert_string_equal(b.data + had + 1001, "42");

	/* Exactly 255 and 256 characters, on both sides of the scratch size. */
	ou_buf_reset(&b);
	big[255] = '\0';
	assert_int_equal(ou_buf_printf(&b, "%s", big), 0);
	assert_int_equal(b.len, 255);
	assert_int_equal(strlen(b.data), 255);
	ou_buf_reset(&b);
	big[255] = 'q';
	big[256] = '\0';
	assert_int_equal(ou_buf_printf(&b, "%s", big), 0);
	assert_int_equal(b.len, 256);
	assert_int_equal(strlen(b.data), 256);
	ou_buf_free(&b);
}

static void test_reset_consume(void **state)
{
	(void)state;
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(ou_buf_append_cstr(&b, "\r\n\r\nOPTIONS sip:x SIP/2.0"), 0);
	ou_buf_consume(&b, 4);
	assert_string_equal(b.data, "OPTIONS sip:x SIP/2.0");
	assert_int_equal(b.len, 21);
	ou_buf_consume(&b, 0);
	assert_int_equal(b.len, 21);
	ou_buf_consume(&b, 8);
	assert_string_equal(b.data, "sip:x SIP/2.0");
	ou_buf_consume(&b, 13);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(ou_buf_append_cstr(&b, "abc"), 0);
	ou_buf_consume(&b, 1000);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");

	assert_int_equal(ou_buf_append_cstr(&b, "abc"), 0);
	size_t cap = b.cap;
	ou_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(b.cap, cap); /* reset keeps the memory */
	ou_buf_free(&b);

	ou_buf_init(&b);
	ou_buf_consume(&b, 5); /* on an empty buffer: nothing happens */
	assert_int_equal(b.len, 0);
	assert_null(b.data);
}

static void test_failure_is_sticky(void **state)
{
	(void)state;
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(ou_buf_append_cstr(&b, "keep"), 0);
	/* An impossible size fails without touching the content ... */
	assert_int_equal(ou_buf_reserve(&b, SIZE_MAX), OPENUM_ENOMEM);
	assert_true(b.failed);
	assert_string_equal(b.data, "keep");
	/* ... and every later append is refused, so a half-built message never goes out. */
	assert_int_equal(ou_buf_append_cstr(&b, "x"), OPENUM_ENOMEM);
	assert_int_equal(ou_buf_printf(&b, "%d", 1), OPENUM_ENOMEM);
	assert_int_equal(ou_buf_reserve(&b, 1), OPENUM_ENOMEM);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	/* reset clears it. */
	ou_buf_reset(&b);
	assert_false(b.failed);
	assert_int_equal(ou_buf_append_cstr(&b, "ok"), 0);
	assert_string_equal(b.data, "ok");

	assert_int_equal(ou_buf_reserve(&b, SIZE_MAX / 2), OPENUM_ENOMEM);
	ou_buf_free(&b);
	assert_false(b.failed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_free),     cmocka_unit_test(test_append),
	    cmocka_unit_test(test_growth),        cmocka_unit_test(test_printf),
	    cmocka_unit_test(test_reset_consume), cmocka_unit_test(test_failure_is_sticky),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
