/* Tests for src/auth/digest.c: HA1 and request-digests against the published examples
 * (RFC 7616 3.9.1 for MD5 and SHA-256, RFC 2617 3.5), algorithm names, and the client
 * answer to a challenge, checked by recomputing it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "auth/auth.h"

#define S(x) ou_slice_cstr(x)

/* RFC 7616 3.9.1 */
#define R7616_USER "Mufasa"
#define R7616_REALM "http-auth@example.org"
#define R7616_PASS "Circle of Life"
#define R7616_URI "/dir/index.html"
#define R7616_NONCE "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define R7616_CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

static void test_rfc7616_md5(void **state)
{
	(void)state;
	char ha1[AUTH_HEX_MAX], resp[AUTH_HEX_MAX];
	assert_int_equal(auth_ha1(AUTH_MD5, S(R7616_USER), S(R7616_REALM), S(R7616_PASS), ha1), 0);
	assert_int_equal(strlen(ha1), 32);
	assert_int_equal(auth_response(AUTH_MD5, S(ha1), S("GET"), S(R7616_URI), S(R7616_NONCE),
	                               S("00000001"), S(R7616_CNONCE), S("auth"), resp),
	                 0);
	assert_string_equal(resp, "8ca523f5e9506fed4657c9700eebdbec");
}

static void test_rfc7616_sha256(void **state)
{
	(void)state;
	char ha1[AUTH_HEX_MAX], resp[AUTH_HEX_MAX];
	assert_int_equal(auth_ha1(AUTH_SHA256, S(R7616_USER), S(R7616_REALM), S(R7616_PASS), ha1),
	                 0);
	assert_int_equal(strlen(ha1), 64);
	assert_int_equal(auth_response(AUTH_SHA256, S(ha1), S("GET"), S(R7616_URI), S(R7616_NONCE),
	                               S("00000001"), S(R7616_CNONCE), S("auth"), resp),
	                 0);
	assert_string_equal(resp,
	                    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

static void test_rfc2617(void **state)
{
	(void)state;
	char ha1[AUTH_HEX_MAX], resp[AUTH_HEX_MAX];
	assert_int_equal(
	    auth_ha1(AUTH_MD5, S("Mufasa"), S("testrealm@host.com"), S("Circle Of Life"), ha1), 0);
	assert_string_equal(ha1, "939e7578ed9e3c518a452acee763bce9");
	assert_int_equal(auth_response(AUTH_MD5, S(ha1), S("GET"), S("/dir/index.html"),
	                               S("dcd98b7102dd2f0e8b11d0f600bfb0c093"), S("00000001"),
	                               S("0a4f113b"), S("auth"), resp),
	                 0);
	assert_string_equal(resp, "6629fae49393a05397450978507c4ef1");
	/* A changed method or nc changes the digest. */
	char other[AUTH_HEX_MAX];
	auth_response(AUTH_MD5, S(ha1), S("PUT"), S("/dir/index.html"),
	              S("dcd98b7102dd2f0e8b11d0f600bfb0c093"), S("00000001"), S("0a4f113b"),
	              S("auth"), other);
	assert_string_not_equal(resp, other);
	/* RFC 2069 form (no qop) differs from the qop=auth form. */
	auth_response(AUTH_MD5, S(ha1), S("GET"), S("/dir/index.html"),
	              S("dcd98b7102dd2f0e8b11d0f600bfb0c093"), OU_SLICE_NULL, OU_SLICE_NULL,
	              OU_SLICE_NULL, other);
	assert_string_equal(other, "670fd8c2df070c60b045671b8b24ff02");
}

static void test_bad_args(void **state)
{
	(void)state;
	char out[AUTH_HEX_MAX];
	/* HA1 of the wrong length for the algorithm. */
	assert_int_equal(auth_response(AUTH_SHA256, S("939e7578ed9e3c518a452acee763bce9"), S("GET"),
	                               S("/"), S("n"), S("00000001"), S("c"), S("auth"), out),
	                 OPENUM_EINVAL);
	assert_int_equal(auth_ha1((auth_algo)7, S("a"), S("b"), S("c"), out), OPENUM_EINVAL);
}

static void test_algo_names(void **state)
{
	(void)state;
	auth_algo a = AUTH_SHA256;
	assert_int_equal(auth_algo_from(OU_SLICE_NULL, &a), 0);
	assert_int_equal(a, AUTH_MD5);
	assert_int_equal(auth_algo_from(S("sha-256"), &a), 0);
	assert_int_equal(a, AUTH_SHA256);
	assert_int_equal(auth_algo_from(S("MD5"), &a), 0);
	assert_int_equal(a, AUTH_MD5);
	assert_int_equal(auth_algo_from(S("MD5-sess"), &a), OPENUM_EINVAL);
	assert_int_equal(auth_algo_from(S("SHA-512-256"), &a), OPENUM_EINVAL);
	assert_string_equal(auth_algo_name(AUTH_SHA256), "SHA-256");
	assert_int_equal(auth_algo_hexlen(AUTH_MD5), 32);
	assert_int_equal(auth_algo_hexlen(AUTH_SHA256), 64);
}

/* The client's answer parses back and its response is what the server computes. */
static void test_client_answer(void **state)
{
	(void)state;
	const char *chs = "Digest realm=\"example.com\", nonce=\"abc123\", algorithm=SHA-256, "
	                  "qop=\"auth,auth-int\", opaque=\"xyz\"";
	sip_auth ch;
	assert_int_equal(sip_auth_parse(S(chs), &ch, NULL), 0);
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(auth_client_answer(&ch, S("alice"), S("secret"), S("REGISTER"),
	                                    S("sip:example.com"), 1, "cn0", &b, NULL),
	                 0);
	sip_auth cr;
	assert_int_equal(sip_auth_parse(ou_slice_make(b.data, b.len), &cr, NULL), 0);
	assert_true(ou_slice_eq_cstr(cr.username, "alice"));
	assert_true(ou_slice_eq_cstr(cr.nc, "00000001"));
	assert_true(ou_slice_eq_cstr(cr.qop, "auth"));
	assert_true(ou_slice_eq_cstr(cr.opaque, "xyz"));
	assert_true(ou_slice_eq_cstr(cr.algorithm, "SHA-256"));
	char ha1[AUTH_HEX_MAX], resp[AUTH_HEX_MAX];
	auth_ha1(AUTH_SHA256, S("alice"), S("example.com"), S("secret"), ha1);
	auth_response(AUTH_SHA256, S(ha1), S("REGISTER"), S("sip:example.com"), S("abc123"),
	              S("00000001"), S("cn0"), S("auth"), resp);
	assert_true(ou_slice_eq_cstr(cr.response, resp));

	/* Unanswerable challenges. */
	const char *bad[] = {
	    "Basic realm=\"x\"",
	    "Digest realm=\"x\", nonce=\"n\", algorithm=MD5-sess",
	    "Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\"",
	    "Digest nonce=\"n\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		ou_buf_reset(&b);
		assert_int_equal(sip_auth_parse(S(bad[i]), &ch, NULL), 0);
		assert_int_equal(auth_client_answer(&ch, S("a"), S("p"), S("INVITE"), S("sip:x"), 1,
		                                    NULL, &b, &why),
		                 OPENUM_EINVAL);
		assert_non_null(why);
	}
	/* No qop (RFC 2069 server): no nc or cnonce in the answer. */
	ou_buf_reset(&b);
	assert_int_equal(sip_auth_parse(S("Digest realm=\"r\", nonce=\"n\""), &ch, NULL), 0);
	assert_int_equal(
	    auth_client_answer(&ch, S("a"), S("p"), S("INVITE"), S("sip:x"), 1, NULL, &b, NULL), 0);
	assert_int_equal(sip_auth_parse(ou_slice_make(b.data, b.len), &cr, NULL), 0);
	assert_null(cr.nc.p);
	assert_null(cr.cnonce.p);
	assert_true(ou_slice_eq_cstr(cr.algorithm, "MD5"));
	ou_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc7616_md5), cmocka_unit_test(test_rfc7616_sha256),
	    cmocka_unit_test(test_rfc2617),     cmocka_unit_test(test_bad_args),
	    cmocka_unit_test(test_algo_names),  cmocka_unit_test(test_client_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
