/* Tests of web/dial.c: which Play-On-Phone dial strings pass, their canonical form,
 * and the reasons given for the ones refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "web/web.h"

static void ok(const char *in, const char *want)
{
	char out[WEB_DIAL_MAX];
	const char *why = NULL;
	if (web_dial_check(in, out, sizeof out, &why) != 0)
		fail_msg("\"%s\" refused: %s", in, why);
	assert_string_equal(out, want);
}

static void bad(const char *in, int err, const char *reason)
{
	char out[WEB_DIAL_MAX];
	const char *why = NULL;
	assert_int_equal(web_dial_check(in, out, sizeof out, &why), err);
	assert_non_null(why);
	if (!strstr(why, reason))
		fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", in, why, reason);
}

static void test_good(void **state)
{
	ok("sip:alice@example.com", "sip:alice@example.com");
	ok("  SIPS:alice@example.com:5061;transport=tls \t",
	   "SIPS:alice@example.com:5061;transport=tls");
	ok("sip:+15551234@gw.example.com;user=phone", "sip:+15551234@gw.example.com;user=phone");
	ok("sip:example.com", "sip:example.com");
	ok("sip:[2001:db8::1]", "sip:[2001:db8::1]");
	ok("tel:+1-555-123-4567", "tel:+1-555-123-4567");
	ok("tel:1234;phone-context=example.com", "tel:1234;phone-context=example.com");
	ok("+1 (555) 123-4567", "+15551234567");
	ok("0049.30.1234", "0049301234");
	ok("201", "201");
}

static void test_bad(void **state)
{
	char out[WEB_DIAL_MAX];
	bad("", OPENUM_EINVAL, "empty");
	bad("   ", OPENUM_EINVAL, "empty");
	bad(NULL, OPENUM_EINVAL, "missing");
	bad("sip:", OPENUM_EINVAL, "malformed URI");
	bad("sip:alice@", OPENUM_EINVAL, "Bad dial string");
	bad("sip:alice:pw@example.com", OPENUM_EINVAL, "password");
	bad("tel:", OPENUM_EINVAL, "Bad dial string");
	bad("http://example.com/", OPENUM_EINVAL, "not a number");
	bad("mailto:alice@example.com", OPENUM_EINVAL, "not a number");
	bad("abc", OPENUM_EINVAL, "not a number");
	bad("12a34", OPENUM_EINVAL, "not a number");
	bad("1+2", OPENUM_EINVAL, "not a number");
	bad("+", OPENUM_EINVAL, "no digits");
	bad("()-.", OPENUM_EINVAL, "no digits");
	bad("123456789012345678901234567890123", OPENUM_EINVAL, "too many digits");
	bad("sip:alice@exa mple.com", OPENUM_EINVAL, "invalid character");
	bad("sip:alice@example.com\r\nVia: x", OPENUM_EINVAL, "invalid character");
	bad("12\x01"
	    "3",
	    OPENUM_EINVAL, "invalid character");
	bad("sip:caf\xc3\xa9@example.com", OPENUM_EINVAL, "invalid character");
	char longuri[400];
	memset(longuri, 'a', sizeof longuri - 1);
	memcpy(longuri, "sip:", 4);
	longuri[sizeof longuri - 1] = '\0';
	bad(longuri, OPENUM_ETOOBIG, "too long");
	/* the caller's buffer is a limit too */
	assert_int_equal(web_dial_check("sip:alice@example.com", out, 8, NULL), OPENUM_ETOOBIG);
	assert_int_equal(web_dial_check("+15551234567", out, 5, NULL), OPENUM_ETOOBIG);
}

static void test_names(void **state)
{
	assert_string_equal(web_call_state_name(WEB_CALL_IDLE), "Idle");
	assert_string_equal(web_call_state_name(WEB_CALL_ALERTED), "Alerted");
	assert_string_equal(web_call_state_name(WEB_CALL_DISCONNECTED), "Disconnected");
	assert_string_equal(web_call_state_name((web_call_state)99), "?");
	assert_string_equal(web_event_cause_name(WEB_CAUSE_USER_BUSY), "UserBusy");
	assert_string_equal(web_event_cause_name(WEB_CAUSE_NO_ANSWER), "NoAnswer");
	assert_string_equal(web_event_cause_name(WEB_CAUSE_UNAVAILABLE), "Unavailable");
	assert_string_equal(web_event_cause_name((web_event_cause)-1), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
