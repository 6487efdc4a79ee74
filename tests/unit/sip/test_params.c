/* Tests for src/sip/params.c: the generic ;name[=value] iterator and lookups, on URI
 * parameter lists and on header parameters with LWS, quotes and escapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip.h"
#include "sip_test_util.h"

static void test_get_basic(void **state)
{
	ou_slice p = S(";transport=tcp;lr;maddr=[2001:db8::1];ttl=15");
	ou_slice v;

	assert_int_equal(sip_param_get(p, "transport", &v), 0);
	assert_slice(v, "tcp");
	assert_int_equal(sip_param_get(p, "MADDR", &v), 0);
	assert_slice(v, "[2001:db8::1]");
	assert_int_equal(sip_param_get(p, "ttl", &v), 0);
	assert_slice(v, "15");
	/* valueless: empty value whose pointer is set */
	assert_int_equal(sip_param_get(p, "lr", &v), 0);
	assert_non_null(v.p);
	assert_int_equal(v.n, 0);
	assert_int_equal(sip_param_get(p, "user", &v), OPENUM_ENOTFOUND);
	/* a prefix of a name is not the name */
	assert_int_equal(sip_param_get(p, "trans", &v), OPENUM_ENOTFOUND);
	assert_int_equal(sip_param_get(p, "transport=tcp", &v), OPENUM_ENOTFOUND);
	assert_true(sip_param_has(p, "Lr"));
	assert_false(sip_param_has(p, "l"));
	assert_false(sip_param_has(OU_SLICE_NULL, "lr"));
}

static void test_quoted(void **state)
{
	ou_slice p = S(";+sip.instance=\"<urn:uuid:f81d4fae-7dec>\";reason=\"a \\\"b\\\"; c\";x=1");
	ou_slice v;

	assert_int_equal(sip_param_get(p, "+sip.instance", &v), 0);
	assert_slice(v, "\"<urn:uuid:f81d4fae-7dec>\"");
	/* the ';' inside the quotes does not end the value, the escaped quotes neither */
	assert_int_equal(sip_param_get(p, "reason", &v), 0);
	assert_slice(v, "\"a \\\"b\\\"; c\"");
	assert_int_equal(sip_param_get(p, "x", &v), 0);
	assert_slice(v, "1");
	assert_int_equal(sip_param_get(p, "c", &v), OPENUM_ENOTFOUND);
}

static void test_lws(void **state)
{
	ou_slice p = S(" ; tag = 8321234356 ;\r\n\texpires= 60 ; q=0.7");
	ou_slice v;

	assert_int_equal(sip_param_get(p, "tag", &v), 0);
	assert_slice(v, "8321234356");
	assert_int_equal(sip_param_get(p, "expires", &v), 0);
	assert_slice(v, "60");
	assert_int_equal(sip_param_get(p, "q", &v), 0);
	assert_slice(v, "0.7");
}

static void test_iterate(void **state)
{
	ou_slice p = S(";a=1;B;c=\"x y\";d=%41");
	const char *names[] = {"a", "B", "c", "d"};
	const char *vals[] = {"1", "", "\"x y\"", "%41"};
	size_t pos = 0, last = 0;
	ou_slice n, v;

	for (int k = 0; k < 4; k++) {
		assert_int_equal(sip_param_next(p, &pos, &n, &v), 0);
		assert_true(pos > last);
		last = pos;
		assert_slice(n, names[k]);
		assert_int_equal(v.n, strlen(vals[k]));
		assert_memory_equal(v.p, vals[k], v.n);
	}
	assert_int_equal(sip_param_next(p, &pos, &n, &v), OPENUM_ENOTFOUND);
	assert_int_equal(sip_param_next(p, &pos, &n, &v), OPENUM_ENOTFOUND);
}

static void test_no_leading_semicolon_and_trailing(void **state)
{
	ou_slice v;
	/* a list that starts without ';' (Content-Type params after trimming) */
	assert_int_equal(sip_param_get(S("charset=utf-8;x"), "charset", &v), 0);
	assert_slice(v, "utf-8");
	/* a trailing ';' is tolerated */
	assert_int_equal(sip_param_get(S(";a=1;"), "b", &v), OPENUM_ENOTFOUND);
	assert_int_equal(sip_param_get(S(";a=1; "), "a", &v), 0);
	assert_int_equal(sip_param_get(S(""), "a", &v), OPENUM_ENOTFOUND);
}

static void test_malformed(void **state)
{
	ou_slice v;
	size_t pos = 0;
	ou_slice n;

	assert_int_equal(sip_param_get(S(";a=\"open"), "a", &v), OPENUM_EBADMSG);
	assert_int_equal(sip_param_get(S(";a=\"x\\"), "a", &v), OPENUM_EBADMSG);
	assert_int_equal(sip_param_get(S(";=1"), "a", &v), OPENUM_EBADMSG);
	assert_int_equal(sip_param_get(S(";a="), "a", &v), OPENUM_EBADMSG);
	assert_int_equal(sip_param_get(S(";a=;b"), "b", &v), OPENUM_EBADMSG);
	assert_int_equal(sip_param_get(S(";a;;b"), "b", &v), OPENUM_EBADMSG);
	assert_int_equal(sip_param_get(S(";a=<x>"), "a", &v), OPENUM_EBADMSG);
	/* a control byte inside quotes */
	assert_int_equal(sip_param_get(S(";a=\"\x01\""), "a", &v), OPENUM_EBADMSG);

	/* two values with only a space between: the first is returned, then an error */
	ou_slice p = S(";a=1 b=2");
	assert_int_equal(sip_param_next(p, &pos, &n, &v), 0);
	assert_slice(v, "1");
	assert_int_equal(sip_param_next(p, &pos, &n, &v), OPENUM_EBADMSG);
	/* but a name found before the garbage is still found */
	assert_int_equal(sip_param_get(p, "a", &v), 0);
	assert_int_equal(sip_param_get(p, "b", &v), OPENUM_EBADMSG);
}

static void test_bounds(void **state)
{
	/* the slice ends before the NUL: nothing past it is seen */
	const char buf[] = ";a=12345;b=9";
	ou_slice p = ou_slice_make(buf, 5); /* ";a=12" */
	ou_slice v;
	assert_int_equal(sip_param_get(p, "a", &v), 0);
	assert_slice(v, "12");
	assert_int_equal(sip_param_get(p, "b", &v), OPENUM_ENOTFOUND);
	/* an opening quote at the very end */
	const char q[] = ";a=\"x\"";
	assert_int_equal(sip_param_get(ou_slice_make(q, 5), "a", &v), OPENUM_EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_basic),
	    cmocka_unit_test(test_quoted),
	    cmocka_unit_test(test_lws),
	    cmocka_unit_test(test_iterate),
	    cmocka_unit_test(test_no_leading_semicolon_and_trailing),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
