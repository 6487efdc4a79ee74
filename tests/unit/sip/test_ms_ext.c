/* Tests for src/sip/ms_ext.c: Ms-Exchange-Command and Ms-Sensitivity values, and the
 * message-level accessors that combine or refuse repeated headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip.h"

static sip_ms_cmd cmd_ok(const char *s)
{
	sip_ms_cmd c;
	const char *why = NULL;
	int err = sip_ms_cmd_parse(ou_slice_cstr(s), &c, &why);
	if (err)
		fail_msg("'%s' failed: %s", s, why ? why : "?");
	return c;
}

static void test_skip_pin_forms(void **state)
{
	(void)state;
	assert_true(cmd_ok("skip-pin").skip_pin);
	assert_true(cmd_ok("SKIP-PIN").skip_pin);
	assert_true(cmd_ok("  skip-pin  ").skip_pin);
	assert_true(cmd_ok("foo; skip-pin ;bar").skip_pin);
	assert_true(cmd_ok("skip-pin;").skip_pin);
	assert_false(cmd_ok("").skip_pin);
	assert_false(cmd_ok("skip-pins").skip_pin);
	assert_false(cmd_ok("skip pin").skip_pin);
	assert_false(cmd_ok("no-skip-pin").skip_pin);
	assert_false(cmd_ok("\"skip-pin\"").skip_pin);
	/* Unknown tokens are ignored, never an error. */
	sip_ms_cmd c = cmd_ok("frobnicate=7;x");
	assert_false(c.skip_pin);
	assert_null(c.item_id.p);
}

static void test_item_id(void **state)
{
	(void)state;
	sip_ms_cmd c = cmd_ok("skip-pin;itemId=QUJDRA==");
	assert_true(c.skip_pin);
	assert_true(ou_slice_eq_cstr(c.item_id, "QUJDRA=="));
	c = cmd_ok("itemid = \"QUJD\"");
	assert_false(c.skip_pin);
	assert_true(ou_slice_eq_cstr(c.item_id, "QUJD"));
	/* "itemIdX=..." is another token, ignored. */
	c = cmd_ok("itemIdX=!!!");
	assert_null(c.item_id.p);

	const char *bad[] = {"itemId=",
	                     "itemId=abc",
	                     "itemId=ab!d",
	                     "itemId=a===",
	                     "itemId=QU=D",
	                     "itemId=\"QUJD",
	                     "itemId=QUJD;itemId=QUJD"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		assert_true(sip_ms_cmd_parse(ou_slice_cstr(bad[i]), &c, &why) < 0);
		assert_non_null(why);
		assert_non_null(strstr(why, "Ms-Exchange-Command"));
	}
}

static void test_sensitivity_values(void **state)
{
	(void)state;
	struct {
		const char *s;
		sip_sens v;
	} ok[] = {
	    {"normal", SIP_SENS_NORMAL},
	    {"private", SIP_SENS_PRIVATE},
	    {"normal-no-diversion", SIP_SENS_NORMAL_NO_DIVERSION},
	    {"private-no-diversion", SIP_SENS_PRIVATE_NO_DIVERSION},
	    {"  Private-No-Diversion ", SIP_SENS_PRIVATE_NO_DIVERSION},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		sip_sens v = (sip_sens)99;
		assert_int_equal(sip_sens_parse(ou_slice_cstr(ok[i].s), &v, NULL), 0);
		assert_int_equal(v, ok[i].v);
	}
	assert_true(sip_sens_no_diversion(SIP_SENS_PRIVATE_NO_DIVERSION));
	assert_true(sip_sens_no_diversion(SIP_SENS_NORMAL_NO_DIVERSION));
	assert_false(sip_sens_no_diversion(SIP_SENS_PRIVATE));
	assert_false(sip_sens_no_diversion(SIP_SENS_NORMAL));
	assert_string_equal(sip_sens_name(SIP_SENS_PRIVATE_NO_DIVERSION), "private-no-diversion");

	const char *bad[] = {"", "secret", "private-no-diversion;x", "private no-diversion",
	                     "private-no-diversion, normal"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sip_sens v;
		const char *why = NULL;
		assert_int_equal(sip_sens_parse(ou_slice_cstr(bad[i]), &v, &why), OPENUM_EBADMSG);
		assert_non_null(why);
	}
}

#define HEAD                                                                                       \
	"INVITE sip:alice@contoso.com SIP/2.0\r\n"                                                 \
	"Via: SIP/2.0/TLS 10.0.0.1:5061;branch=z9hG4bK1\r\n"                                       \
	"Max-Forwards: 70\r\n"                                                                     \
	"To: <sip:alice@contoso.com>\r\n"                                                          \
	"Call-ID: abc\r\n"                                                                         \
	"CSeq: 1 INVITE\r\n"

static int parse(const char *s, sip_msg *m)
{
	return sip_msg_parse(s, strlen(s), m, NULL);
}

static void test_msg_sensitivity(void **state)
{
	(void)state;
	static sip_msg m;
	sip_sens v;
	const char *why = NULL;

	assert_int_equal(parse(HEAD "From: <sip:bob@contoso.com>;tag=1\r\n\r\n", &m), 0);
	assert_int_equal(sip_msg_sensitivity(&m, &v, NULL), 0);
	assert_int_equal(v, SIP_SENS_NORMAL); /* absent = normal */

	assert_int_equal(parse(HEAD "From: <sip:bob@contoso.com>;tag=1\r\n"
	                            "ms-sensitivity: private-no-diversion\r\n\r\n",
	                       &m),
	                 0);
	assert_int_equal(sip_msg_sensitivity(&m, &v, NULL), 0);
	assert_int_equal(v, SIP_SENS_PRIVATE_NO_DIVERSION);

	/* Repeated, even with the same value: 400. */
	assert_int_equal(parse(HEAD "From: <sip:bob@contoso.com>;tag=1\r\n"
	                            "Ms-Sensitivity: private-no-diversion\r\n"
	                            "Ms-Sensitivity: private-no-diversion\r\n\r\n",
	                       &m),
	                 0);
	assert_int_equal(sip_msg_sensitivity(&m, &v, &why), OPENUM_EDUP);
	assert_string_equal(why, "Repeated Ms-Sensitivity header");
	why = NULL;
	assert_true(sip_msg_check(&m, &why) < 0);
	assert_non_null(why);

	assert_int_equal(parse(HEAD "From: <sip:bob@contoso.com>;tag=1\r\n"
	                            "Ms-Sensitivity: bogus\r\n\r\n",
	                       &m),
	                 0);
	why = NULL;
	assert_int_equal(sip_msg_sensitivity(&m, &v, &why), OPENUM_EBADMSG);
	assert_string_equal(why, "Bad Ms-Sensitivity: unknown value");
}

static void test_msg_cmd_combined(void **state)
{
	(void)state;
	static sip_msg m;
	const sip_ms_cmd *c;
	assert_int_equal(parse(HEAD "From: <sip:alice@contoso.com>;tag=1\r\n"
	                            "MS-EXCHANGE-COMMAND: itemId=QUJD\r\n"
	                            "Ms-Exchange-Command: skip-pin\r\n\r\n",
	                       &m),
	                 0);
	assert_int_equal(sip_msg_ms_cmd(&m, &c, NULL), 0);
	assert_true(c->skip_pin);
	assert_true(ou_slice_eq_cstr(c->item_id, "QUJD"));

	assert_int_equal(parse(HEAD "From: <sip:alice@contoso.com>;tag=1\r\n\r\n", &m), 0);
	assert_int_equal(sip_msg_ms_cmd(&m, &c, NULL), 0);
	assert_false(c->skip_pin);
	assert_null(c->item_id.p);
}

static void test_from_equals_to(void **state)
{
	(void)state;
	static sip_msg m;
	bool eq = false;
	/* Same address, different display names and tags: equal (spec 3.2). */
	assert_int_equal(
	    parse(HEAD "From: \"Alice\" <sip:ALICE@Contoso.COM>;tag=9;epid=1\r\n\r\n", &m), 0);
	assert_int_equal(sip_msg_from_equals_to(&m, &eq, NULL), 0);
	assert_false(eq); /* the user part is case-sensitive */

	assert_int_equal(
	    parse(HEAD "From: \"Alice\" <sip:alice@CONTOSO.com>;tag=9;epid=1\r\n\r\n", &m), 0);
	assert_int_equal(sip_msg_from_equals_to(&m, &eq, NULL), 0);
	assert_true(eq);

	assert_int_equal(parse(HEAD "From: <sip:bob@contoso.com>;tag=9\r\n\r\n", &m), 0);
	assert_int_equal(sip_msg_from_equals_to(&m, &eq, NULL), 0);
	assert_false(eq);

	/* A port on one side only makes them differ (RFC 3261 19.1.4). */
	assert_int_equal(parse(HEAD "From: <sip:alice@contoso.com:5060>;tag=9\r\n\r\n", &m), 0);
	assert_int_equal(sip_msg_from_equals_to(&m, &eq, NULL), 0);
	assert_false(eq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_skip_pin_forms),     cmocka_unit_test(test_item_id),
	    cmocka_unit_test(test_sensitivity_values), cmocka_unit_test(test_msg_sensitivity),
	    cmocka_unit_test(test_msg_cmd_combined),   cmocka_unit_test(test_from_equals_to),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
