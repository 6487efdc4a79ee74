/* Tests for src/sip/cseq.c: CSeq, plain numbers (Max-Forwards, Content-Length, Expires),
 * Call-ID and Content-Type. Inputs sit in buffers of exactly their length (ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* ---- the usual shapes against references written apart from the parsers ---- */

static bool ref_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool ref_tok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-.!%*_+`'~", c));
}

/* CSeq = 1*DIGIT LWS Method, the number below 2**31; returns the reason or NULL. */
static const char *ref_cseq(const char *s, size_t n, uint32_t *num, size_t *mo, size_t *ml)
{
	size_t i = 0, e = n;
	while (i < e && ref_lws(s[i]))
		i++;
	while (e > i && ref_lws(s[e - 1]))
		e--;
	size_t d = i;
	uint64_t v = 0;
	for (; i < e && s[i] >= '0' && s[i] <= '9'; i++)
		if ((v = v * 10 + (uint64_t)(s[i] - '0')) > 0x7fffffffu)
			return "Bad CSeq: number too large";
	if (i == d)
		return "Bad CSeq: missing number";
	if (i == e || !ref_lws(s[i]))
		return "Bad CSeq: missing method";
	while (i < e && ref_lws(s[i]))
		i++;
	size_t m = i;
	while (i < e && ref_tok(s[i]))
		i++;
	if (i == m)
		return "Bad CSeq: missing method";
	if (i != e)
		return "Bad CSeq: junk after method";
	*num = (uint32_t)v;
	*mo = m;
	*ml = e - m;
	return NULL;
}

/* Numbers of 0 to 12 digits (so 9, 10 and the 2**31 and 2**32 edges) with each
 * separator and method, known or not, every cut of each: the fast path ("digits SP
 * known-method") and the general one must both give the reference's outcome. */
static void test_cseq_shapes(void **state)
{
	(void)state;
	static const char *const nums[] = {
	    "",          "0",          "1",          "42",         "007",        "123456789",
	    "999999999", "0000000001", "2147483647", "2147483648", "9999999999", "000000000000"};
	static const char *const seps[] = {" ", "  ", "\t", "", " \r\n "};
	static const char *const meths[] = {"INVITE",    "ACK",     "BYE", "INFO",    "REGISTER",
	                                    "SUBSCRIBE", "invite",  "FOO", "INVITEX", "INV ITE",
	                                    "INVITE ",   "IN@VITE", ""};
	char text[64];
	for (size_t a = 0; a < sizeof(nums) / sizeof(nums[0]); a++)
		for (size_t b = 0; b < sizeof(seps) / sizeof(seps[0]); b++)
			for (size_t c = 0; c < sizeof(meths) / sizeof(meths[0]); c++) {
				int len = snprintf(text, sizeof(text), "%s%s%s", nums[a], seps[b],
				                   meths[c]);
				for (int k = 0; k <= len; k++) {
					char cut[64];
					memcpy(cut, text, (size_t)k);
					cut[k] = '\0';
					uint32_t num = 0;
					size_t mo = 0, ml = 0;
					const char *want = ref_cseq(cut, (size_t)k, &num, &mo, &ml);
					sip_cseq cs;
					const char *why = NULL;
					ou_slice in = hold(cut);
					int err = sip_cseq_parse(in, &cs, &why);
					if (want) {
						if (err != OPENUM_EBADMSG || !why ||
						    strcmp(why, want))
							fail_msg("'%s': %d '%s', want '%s'", cut,
							         err, why ? why : "(null)", want);
						continue;
					}
					if (err)
						fail_msg("'%s' refused: %s", cut, why);
					assert_int_equal(cs.num, num);
					assert_ptr_equal(cs.method_s.p, in.p + mo);
					assert_int_equal(cs.method_s.n, ml);
					assert_int_equal(cs.method, sip_method_from(cs.method_s));
				}
			}
	hold_free();
}

/* Plain numbers against a reference: 1 to 9 digits take the short path; 10 and more,
 * LWS, signs and junk the general one; each cut of each. */
static void test_uint_shapes(void **state)
{
	(void)state;
	static const char *const in[] = {"0",
	                                 "7",
	                                 "70",
	                                 "123456789",
	                                 "999999999",
	                                 "1234567890",
	                                 "4294967295",
	                                 "4294967296",
	                                 "0004294967295",
	                                 " 70",
	                                 "70 ",
	                                 "7 0",
	                                 "+1",
	                                 "-1",
	                                 "1x",
	                                 "x1",
	                                 "１",
	                                 "9\t",
	                                 "00000000000000000000001"};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t len = strlen(in[i]);
		for (size_t k = 0; k <= len; k++) {
			char cut[64];
			memcpy(cut, in[i], k);
			cut[k] = '\0';
			/* reference */
			size_t p = 0, e = k;
			while (p < e && ref_lws(cut[p]))
				p++;
			while (e > p && ref_lws(cut[e - 1]))
				e--;
			int want = p == e ? OPENUM_EBADMSG : 0;
			uint64_t v = 0;
			for (size_t j = p; j < e && want != OPENUM_EBADMSG; j++) {
				if (cut[j] < '0' || cut[j] > '9')
					want = OPENUM_EBADMSG;
				else if ((v = v * 10 + (uint64_t)(cut[j] - '0')) > UINT32_MAX)
					want = OPENUM_ETOOBIG, v = 0;
			}
			uint32_t got = 12345;
			const char *why = NULL;
			int err = sip_uint_parse(hold(cut), &got, &why);
			if (err != want)
				fail_msg("'%s': %d, want %d", cut, err, want);
			if (!err && got != v)
				fail_msg("'%s': %u", cut, got);
		}
	}
	hold_free();
}

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
	    cmocka_unit_test(test_cseq_ok),     cmocka_unit_test(test_cseq_bad),
	    cmocka_unit_test(test_uint),        cmocka_unit_test(test_callid),
	    cmocka_unit_test(test_ctype_ok),    cmocka_unit_test(test_ctype_bad),
	    cmocka_unit_test(test_cseq_shapes), cmocka_unit_test(test_uint_shapes),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	hold_free();
	return rc;
}
