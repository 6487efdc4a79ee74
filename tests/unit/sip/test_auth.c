/* Tests for src/sip/auth.c: credentials and challenges from RFC 3261, RFC 7616 and
 * RFC 8760, then malformed values. Inputs sit in buffers of exactly their length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip.h"
#include "sip_test_util.h"

static int parse(const char *text, sip_auth *a, const char **why)
{
	*why = NULL;
	return sip_auth_parse(hold(text), a, why);
}

static void expect_bad(const char *text, const char *reason)
{
	sip_auth a;
	const char *why;
	int err = parse(text, &a, &why);
	if (err != OPENUM_EBADMSG)
		fail_msg("accepted or wrong error %d: %s", err, text);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_rfc3261_credentials(void **state)
{
	(void)state;
	sip_auth a;
	const char *why;
	static const char text[] = "Digest username=\"bob\",\r\n"
	                           "        realm=\"biloxi.com\",\r\n"
	                           "        nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
	                           "        uri=\"sip:bob@biloxi.com\",\r\n"
	                           "        qop=auth,\r\n"
	                           "        nc=00000001,\r\n"
	                           "        cnonce=\"0a4f113b\",\r\n"
	                           "        response=\"6629fae49393a05397450978507c4ef1\",\r\n"
	                           "        opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
	assert_int_equal(parse(text, &a, &why), 0);
	assert_slice(a.scheme, "Digest");
	assert_slice(a.username, "bob");
	assert_slice(a.realm, "biloxi.com");
	assert_slice(a.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	assert_slice(a.uri, "sip:bob@biloxi.com");
	assert_slice(a.qop, "auth");
	assert_slice(a.nc, "00000001");
	assert_slice(a.cnonce, "0a4f113b");
	assert_slice(a.response, "6629fae49393a05397450978507c4ef1");
	assert_slice(a.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	assert_null(a.algorithm.p);
	assert_null(a.domain.p);
	assert_null(a.stale.p);
	assert_null(a.userhash.p);
	/* params: from the first parameter to the end. */
	assert_ptr_equal(a.params.p, held + strlen("Digest "));
	assert_ptr_equal(a.params.p + a.params.n, held + strlen(text));
}

static void test_rfc3261_challenge(void **state)
{
	(void)state;
	sip_auth a;
	const char *why;
	assert_int_equal(parse("Digest realm=\"atlanta.com\",\r\n"
	                       " domain=\"sip:boxesbybob.com\", qop=\"auth\",\r\n"
	                       " nonce=\"f84f1cec41e6cbe5aea9c8e88d359\",\r\n"
	                       " opaque=\"\", stale=FALSE, algorithm=MD5",
	                       &a, &why),
	                 0);
	assert_slice(a.realm, "atlanta.com");
	assert_slice(a.domain, "sip:boxesbybob.com");
	assert_slice(a.qop, "auth");
	assert_slice(a.nonce, "f84f1cec41e6cbe5aea9c8e88d359");
	/* An empty quoted value is present, not absent. */
	assert_non_null(a.opaque.p);
	assert_int_equal(a.opaque.n, 0);
	assert_slice(a.stale, "FALSE");
	assert_slice(a.algorithm, "MD5");
	assert_null(a.username.p);
	assert_null(a.response.p);
}

static void test_rfc7616_sha256_and_md5(void **state)
{
	(void)state;
	sip_auth a;
	const char *why;
	/* A server offers SHA-256 first, then MD5, with the same nonce (RFC 7616 3.9.1). */
	assert_int_equal(parse("Digest\r\n"
	                       "       realm=\"http-auth@example.org\",\r\n"
	                       "       qop=\"auth, auth-int\",\r\n"
	                       "       algorithm=SHA-256,\r\n"
	                       "       nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
	                       "       opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
	                       &a, &why),
	                 0);
	assert_slice(a.realm, "http-auth@example.org");
	/* The quoted list keeps its comma: it is one value. */
	assert_slice(a.qop, "auth, auth-int");
	assert_slice(a.algorithm, "SHA-256");
	assert_slice(a.nonce, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
	assert_slice(a.opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");

	assert_int_equal(
	    parse("Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "
	          "algorithm=MD5, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
	          " opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
	          &a, &why),
	    0);
	assert_slice(a.algorithm, "MD5");

	assert_int_equal(
	    parse(
	        "Digest username=\"Mufasa\",\r\n"
	        "       realm=\"http-auth@example.org\",\r\n"
	        "       uri=\"/dir/index.html\",\r\n"
	        "       algorithm=SHA-256,\r\n"
	        "       nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
	        "       nc=00000001,\r\n"
	        "       cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n"
	        "       qop=auth,\r\n"
	        "       "
	        "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\",\r\n"
	        "       opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
	        &a, &why),
	    0);
	assert_slice(a.username, "Mufasa");
	assert_slice(a.uri, "/dir/index.html");
	assert_slice(a.cnonce, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
	assert_slice(a.response,
	             "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
	assert_slice(a.qop, "auth");
	assert_slice(a.nc, "00000001");
}

static void test_userhash_and_sha512(void **state)
{
	(void)state;
	sip_auth a;
	const char *why;
	assert_int_equal(
	    parse(
	        "Digest\r\n"
	        "  "
	        "username=\"488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec\",\r\n"
	        "  realm=\"api@example.org\", uri=\"/doe.json\", algorithm=SHA-512-256,\r\n"
	        "  nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", nc=00000001,\r\n"
	        "  cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v\", qop=auth,\r\n"
	        "  "
	        "response=\"ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd\",\r\n"
	        "  opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", userhash=true",
	        &a, &why),
	    0);
	assert_slice(a.algorithm, "SHA-512-256");
	assert_slice(a.userhash, "true");
	assert_slice(a.username,
	             "488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec");

	/* RFC 8760 challenge for SIP with a -sess algorithm and stale=TRUE. */
	assert_int_equal(parse("Digest realm=\"biloxi.com\", qop=\"auth\", algorithm=SHA-256-sess, "
	                       "nonce=\"a1b2\", stale=TRUE, userhash=false",
	                       &a, &why),
	                 0);
	assert_slice(a.algorithm, "SHA-256-sess");
	assert_slice(a.stale, "TRUE");
	assert_slice(a.userhash, "false");
}

static void test_lws_case_unknown(void **state)
{
	(void)state;
	sip_auth a;
	const char *why;
	/* Names compare case-insensitively; LWS may surround '=' and ','; unknown
	 * parameters (username* of RFC 7616 included) are skipped. */
	assert_int_equal(parse("  digest  USERNAME = \"a\\\"b\\\\\" ,Realm=r , x-ext=\"1,2\","
	                       "username*=UTF-8''J%C3%A4s, foo=bar  ",
	                       &a, &why),
	                 0);
	assert_slice(a.scheme, "digest");
	assert_slice(a.username, "a\\\"b\\\\");
	assert_slice(a.realm, "r");
	assert_slice(a.params, "USERNAME = \"a\\\"b\\\\\" ,Realm=r , x-ext=\"1,2\","
	                       "username*=UTF-8''J%C3%A4s, foo=bar");

	/* UTF-8 is allowed inside quoted values. */
	assert_int_equal(parse("Digest realm=\"caf\xc3\xa9\"", &a, &why), 0);
	assert_slice(a.realm, "caf\xc3\xa9");

	/* Another scheme with auth-params, and one with a token68 (RFC 7235). */
	assert_int_equal(parse("Basic realm=\"WallyWorld\"", &a, &why), 0);
	assert_slice(a.scheme, "Basic");
	assert_slice(a.realm, "WallyWorld");
	assert_int_equal(parse("Bearer eyJhbGciOi.JIUzI1-Ni_Is~In+R5/cCI6==", &a, &why), 0);
	assert_slice(a.scheme, "Bearer");
	assert_slice(a.params, "eyJhbGciOi.JIUzI1-Ni_Is~In+R5/cCI6==");
	assert_null(a.realm.p);
}

static void test_bad(void **state)
{
	(void)state;
	expect_bad("", "Bad Authorization: missing scheme");
	expect_bad("   ", "Bad Authorization: missing scheme");
	expect_bad("=x", "Bad Authorization: missing scheme");
	expect_bad("Digest", "Bad Authorization: missing parameters");
	expect_bad("Digest   ", "Bad Authorization: missing parameters");
	expect_bad("Digest,realm=x", "Bad Authorization: bad scheme");
	expect_bad("Digest realm", "Bad Authorization: parameter without value");
	expect_bad("Digest realm=", "Bad Authorization: parameter without value");
	expect_bad("Digest realm=,nonce=x", "Bad Authorization: parameter without value");
	expect_bad("Digest realm x", "Bad Authorization: parameter without value");
	/* Digest never takes a token68. */
	expect_bad("Digest abc==", "Bad Authorization: parameter without value");
	expect_bad("Digest realm=\"x", "Bad Authorization: unterminated quote");
	expect_bad("Digest realm=\"x\\", "Bad Authorization: bad quoted value");
	expect_bad("Digest realm=\"x\\\r\"", "Bad Authorization: bad quoted value");
	expect_bad("Digest realm=\"x\x01\"", "Bad Authorization: bad quoted value");
	expect_bad("Digest realm=x y", "Bad Authorization: junk in parameters");
	expect_bad("Digest realm=\"x\"y", "Bad Authorization: junk in parameters");
	expect_bad("Digest realm=x;nonce=y", "Bad Authorization: junk in parameters");
	expect_bad("Digest realm=x,", "Bad Authorization: empty parameter");
	expect_bad("Digest realm=x,,nonce=y", "Bad Authorization: empty parameter");
	expect_bad("Digest ,realm=x", "Bad Authorization: empty parameter");
	expect_bad("Digest uri=sip:bob@x", "Bad Authorization: junk in parameters");
	expect_bad("Digest realm=a, realm=b", "Bad Authorization: repeated realm");
	expect_bad("Digest nonce=a, NONCE=\"a\"", "Bad Authorization: repeated nonce");
	expect_bad("Digest username=\"\", username=\"\"", "Bad Authorization: repeated username");
	expect_bad("Digest qop=auth, qop=auth", "Bad Authorization: repeated qop");
	expect_bad("Digest nc=1, nc=2", "Bad Authorization: repeated nc");
	expect_bad("Digest stale=true, stale=false", "Bad Authorization: repeated stale");
	expect_bad("Digest algorithm=MD5, algorithm=MD5", "Bad Authorization: repeated algorithm");
	/* A second challenge in the same value is not one auth-param list. */
	expect_bad("Digest realm=a, Basic realm=b", "Bad Authorization: parameter without value");
	sip_auth a;
	assert_int_equal(sip_auth_parse(OU_SLICE_NULL, &a, NULL), OPENUM_EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc3261_credentials),
	    cmocka_unit_test(test_rfc3261_challenge),
	    cmocka_unit_test(test_rfc7616_sha256_and_md5),
	    cmocka_unit_test(test_userhash_and_sha512),
	    cmocka_unit_test(test_lws_case_unknown),
	    cmocka_unit_test(test_bad),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	hold_free();
	return rc;
}
