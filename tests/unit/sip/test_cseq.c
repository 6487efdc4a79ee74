/* Tests for src/sip/cseq.c: CSeq, plain numbers (Max-Forwards, Content-Length, Expires),
 * Call-ID and Content-Type. Inputs sit in buffers of exactly their length (ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip.h"
#include "sip_test_util.h"

/* ---- CSeq ---- */

static int cseq(const char *text, sip_cseq *c, const char **why)
{
	*why = NULL;
	return sip_cseq_parse(hold(text), c, why);
}

static void cseq_bad(const char *text, const char *reason)
{
	sip_cseq c;
	const char *why;
	int err = cseq(text, &c, &why);
	if (err != OPENUM_EBADMSG)
		fail_msg("CSeq accepted or wrong error %d: %s", err, text);
	assert_string_equal(why, reason);
}

static void test_cseq_ok(void **state)
{
	(void)state;
	sip_cseq c;
	const char *why;
	assert_int_equal(cseq("314159 INVITE", &c, &why), 0);
	assert_int_equal(c.num, 314159);
	assert_int_equal(c.method, SIP_METHOD_INVITE);
	assert_slice(c.method_s, "INVITE");

	assert_int_equal(cseq("  1\t\r\n REGISTER  ", &c, &why), 0);
	assert_int_equal(c.num, 1);
	assert_int_equal(c.method, SIP_METHOD_REGISTER);
	assert_slice(c.method_s, "REGISTER");

	assert_int_equal(cseq("0 ACK", &c, &why), 0);
	assert_int_equal(c.num, 0);
	assert_int_equal(c.method, SIP_METHOD_ACK);

	/* 2**31 - 1 is the largest allowed; leading zeros do not count against it. */
	assert_int_equal(cseq("2147483647 BYE", &c, &why), 0);
	assert_int_equal(c.num, 2147483647u);
	assert_int_equal(cseq("0000000000002147483647 BYE", &c, &why), 0);
	assert_int_equal(c.num, 2147483647u);

	/* Methods are case-sensitive: "invite" is an extension method. */
	assert_int_equal(cseq("5 invite", &c, &why), 0);
	assert_int_equal(c.method, SIP_METHOD_OTHER);
	assert_slice(c.method_s, "invite");
	assert_int_equal(cseq("5 FOO-BAR.x", &c, &why), 0);
	assert_int_equal(c.method, SIP_METHOD_OTHER);
	assert_slice(c.method_s, "FOO-BAR.x");
}

static void test_cseq_bad(void **state)
{
	(void)state;
	cseq_bad("", "Bad CSeq: missing number");
	cseq_bad("INVITE", "Bad CSeq: missing number");
	cseq_bad("-1 INVITE", "Bad CSeq: missing number");
	cseq_bad("1", "Bad CSeq: missing method");
	cseq_bad("1 ", "Bad CSeq: missing method");
	cseq_bad("1INVITE", "Bad CSeq: missing method");
	cseq_bad("1 ;", "Bad CSeq: missing method");
	cseq_bad("2147483648 INVITE", "Bad CSeq: number too large");
	cseq_bad("4294967296 INVITE", "Bad CSeq: number too large");
	cseq_bad("99999999999999999999999 INVITE", "Bad CSeq: number too large");
	cseq_bad("1 INVITE BYE", "Bad CSeq: junk after method");
	cseq_bad("1 INVITE;x", "Bad CSeq: junk after method");
	cseq_bad("1 INV@TE", "Bad CSeq: junk after method");
	sip_cseq c;
	assert_int_equal(sip_cseq_parse(OU_SLICE_NULL, &c, NULL), OPENUM_EBADMSG);
}

/* ---- numbers ---- */

static void test_uint(void **state)
{
	(void)state;
	uint32_t v = 7;
	const char *why = NULL;
	assert_int_equal(sip_uint_parse(hold("70"), &v, &why), 0);
	assert_int_equal(v, 70);
	assert_int_equal(sip_uint_parse(hold(" 0 "), &v, &why), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sip_uint_parse(hold("4294967295"), &v, &why), 0);
	assert_int_equal(v, 4294967295u);
	assert_int_equal(sip_uint_parse(hold("000000000000004294967295"), &v, &why), 0);
	assert_int_equal(v, 4294967295u);
	assert_int_equal(sip_uint_parse(hold("\t3600\r\n"), &v, &why), 0);
	assert_int_equal(v, 3600);

	v = 7;
	assert_int_equal(sip_uint_parse(hold("4294967296"), &v, &why), OPENUM_ETOOBIG);
	assert_string_equal(why, "Bad number: out of range");
	assert_int_equal(v, 7);
	assert_int_equal(sip_uint_parse(hold("99999999999999999999999"), &v, &why), OPENUM_ETOOBIG);
	/* Malformed beats too large. */
	assert_int_equal(sip_uint_parse(hold("99999999999999999999999x"), &v, &why),
	                 OPENUM_EBADMSG);
	assert_string_equal(why, "Bad number: not a number");

	static const char *const bad[] = {"-1", "+1", "1 2", "1.0", "0x10", "12a", "a", "١"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(sip_uint_parse(hold(bad[i]), &v, &why), OPENUM_EBADMSG);
		assert_string_equal(why, "Bad number: not a number");
	}
	assert_int_equal(sip_uint_parse(hold(""), &v, &why), OPENUM_EBADMSG);
	assert_string_equal(why, "Bad number: empty");
	assert_int_equal(sip_uint_parse(hold("  "), &v, &why), OPENUM_EBADMSG);
	assert_int_equal(sip_uint_parse(OU_SLICE_NULL, &v, NULL), OPENUM_EBADMSG);
	assert_int_equal(v, 7);
}

/* ---- Call-ID ---- */

static void test_callid(void **state)
{
	(void)state;
	const char *why = NULL;
	static const char *const good[] = {
	    "a84b4c76e66710@pc33.atlanta.com",
	    "f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com",
	    "3848276298220188511@atlanta.example.com",
	    "justaword",
	    " padded@host \r\n",
	    /* word allows these, odd as they look */
	    "\"<[{(x)}]>\":\\/?@x!%*_+`'~",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(sip_callid_check(hold(good[i]), &why), 0);

	static const struct {
		const char *text, *why;
	} bad[] = {
	    {"", "Bad Call-ID: empty"},
	    {"   ", "Bad Call-ID: empty"},
	    {"@host", "Bad Call-ID: empty"},
	    {"abc@", "Bad Call-ID: empty host part"},
	    {"a@b@c", "Bad Call-ID: bad character"},
	    {"a b", "Bad Call-ID: bad character"},
	    {"a;b", "Bad Call-ID: bad character"},
	    {"a,b", "Bad Call-ID: bad character"},
	    {"a=b", "Bad Call-ID: bad character"},
	    {"a\x7f", "Bad Call-ID: bad character"},
	    {"a@b c", "Bad Call-ID: bad character"},
	    {"caf\xc3\xa9", "Bad Call-ID: bad character"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(sip_callid_check(hold(bad[i].text), &why), OPENUM_EBADMSG);
		assert_string_equal(why, bad[i].why);
	}
	assert_int_equal(sip_callid_check(OU_SLICE_NULL, NULL), OPENUM_EBADMSG);
}

/* ---- Content-Type ---- */

static void test_ctype_ok(void **state)
{
	(void)state;
	sip_ctype ct;
	const char *why = NULL;
	assert_int_equal(sip_ctype_parse(hold("application/sdp"), &ct, &why), 0);
	assert_slice(ct.type, "application");
	assert_slice(ct.subtype, "sdp");
	assert_int_equal(ct.params.n, 0);

	assert_int_equal(sip_ctype_parse(hold(" text / html ; charset = ISO-8859-4 "), &ct, &why),
	                 0);
	assert_slice(ct.type, "text");
	assert_slice(ct.subtype, "html");
	assert_slice(ct.params, "; charset = ISO-8859-4");

	assert_int_equal(sip_ctype_parse(hold("multipart/mixed;boundary=\"unique;boundary,1\""
	                                      ";x=y"),
	                                 &ct, &why),
	                 0);
	assert_slice(ct.subtype, "mixed");
	assert_slice(ct.params, ";boundary=\"unique;boundary,1\";x=y");

	assert_int_equal(sip_ctype_parse(hold("Application/PIDF+XML;q=\"a\\\"b\""), &ct, &why), 0);
	assert_slice(ct.type, "Application");
	assert_slice(ct.subtype, "PIDF+XML");
	assert_int_equal(sip_ctype_parse(hold("message/sipfrag;version=2.0"), &ct, &why), 0);
}

static void test_ctype_bad(void **state)
{
	(void)state;
	static const struct {
		const char *text, *why;
	} bad[] = {
	    {"", "Bad Content-Type: missing type"},
	    {"/sdp", "Bad Content-Type: missing type"},
	    {"application", "Bad Content-Type: missing subtype"},
	    {"application/", "Bad Content-Type: missing subtype"},
	    {"application sdp", "Bad Content-Type: missing subtype"},
	    {"application/sdp/x", "Bad Content-Type: junk after subtype"},
	    {"application/sdp x", "Bad Content-Type: junk after subtype"},
	    {"application/sdp;", "Bad Content-Type: empty parameter"},
	    {"application/sdp;;a=b", "Bad Content-Type: empty parameter"},
	    {"application/sdp;a", "Bad Content-Type: parameter without value"},
	    {"application/sdp;a=", "Bad Content-Type: parameter without value"},
	    {"application/sdp;a=@", "Bad Content-Type: parameter without value"},
	    {"application/sdp;a=\"x", "Bad Content-Type: unterminated quote"},
	    {"application/sdp;a=\"x\\", "Bad Content-Type: bad quoted parameter"},
	    {"application/sdp;a=\"\x01\"", "Bad Content-Type: bad quoted parameter"},
	    {"application/sdp;a=b c", "Bad Content-Type: junk in parameters"},
	    {"application/sdp;a=\"b\"c", "Bad Content-Type: junk in parameters"},
	    {"application/sdp, text/plain", "Bad Content-Type: junk after subtype"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sip_ctype ct;
		const char *why = NULL;
		int err = sip_ctype_parse(hold(bad[i].text), &ct, &why);
		if (err != OPENUM_EBADMSG)
			fail_msg("accepted or wrong error %d: %s", err, bad[i].text);
		assert_string_equal(why, bad[i].why);
	}
	sip_ctype ct;
	assert_int_equal(sip_ctype_parse(OU_SLICE_NULL, &ct, NULL), OPENUM_EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cseq_ok),  cmocka_unit_test(test_cseq_bad),
	    cmocka_unit_test(test_uint),     cmocka_unit_test(test_callid),
	    cmocka_unit_test(test_ctype_ok), cmocka_unit_test(test_ctype_bad),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	hold_free();
	return rc;
}
