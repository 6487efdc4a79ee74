/* Tests for src/auth/server.c: nonces (MAC, realm binding, expiry -> stale), credential
 * checks with a client computing real answers, nc replay refusal and the bounded
 * table's eviction rule, malformed credentials, and the per-address rate limiter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"

#define S(x) ou_slice_cstr(x)
#define REALM "example.com"
#define T0 1700000000000ull

static const uint8_t secret[] = "0123456789abcdef0123456789abcdef";

static auth_server *mk(unsigned ttl_s, unsigned nc_slots)
{
	auth_config c = {
	    .secret = secret, .secret_len = 32, .nonce_ttl_s = ttl_s, .nc_slots = nc_slots};
	auth_server *s = NULL;
	assert_int_equal(auth_server_new(&c, &s), 0);
	return s;
}

typedef struct cred {
	char text[1024];
	sip_auth a;
} cred;

/* Builds credentials for nonce as alice/secret would, with nc. */
static void answer(cred *c, auth_algo a, const char *nonce, uint32_t nc, const char *password)
{
	char ch[256];
	snprintf(ch, sizeof(ch), "Digest realm=\"%s\", nonce=\"%s\", algorithm=%s, qop=\"auth\"",
	         REALM, nonce, auth_algo_name(a));
	sip_auth sa;
	assert_int_equal(sip_auth_parse(S(ch), &sa, NULL), 0);
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(auth_client_answer(&sa, S("alice"), S(password), S("REGISTER"),
	                                    S("sip:example.com"), nc, "c0ffee", &b, NULL),
	                 0);
	assert_true(b.len < sizeof(c->text));
	memcpy(c->text, b.data, b.len);
	c->text[b.len] = '\0';
	ou_buf_free(&b);
	assert_int_equal(sip_auth_parse(S(c->text), &c->a, NULL), 0);
}

static auth_result verify(auth_server *s, const sip_auth *a, auth_algo algo, uint64_t now)
{
	char ha1[AUTH_HEX_MAX];
	auth_ha1(algo, S("alice"), S(REALM), S("secret"), ha1);
	auth_result r = AUTH_MALFORMED;
	const char *why = NULL;
	assert_int_equal(auth_verify(s, a, S("REGISTER"), S(REALM), S(ha1), now, &r, &why), 0);
	if (r != AUTH_OK)
		assert_non_null(why);
	return r;
}

static void test_nonce_shape(void **state)
{
	(void)state;
	auth_server *s = mk(0, 0);
	char n1[AUTH_NONCE_LEN + 1], n2[AUTH_NONCE_LEN + 1];
	assert_int_equal(auth_nonce_make(s, S(REALM), T0, n1), 0);
	assert_int_equal(auth_nonce_make(s, S(REALM), T0, n2), 0);
	assert_int_equal(strlen(n1), AUTH_NONCE_LEN);
	assert_string_not_equal(n1, n2);                 /* random part */
	assert_memory_equal(n1, "0000018bcfe56800", 16); /* the issue time, in clear */
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(auth_challenge(s, AUTH_SHA256, S(REALM), true, T0, &b), 0);
	sip_auth ch;
	assert_int_equal(sip_auth_parse(ou_slice_make(b.data, b.len), &ch, NULL), 0);
	assert_true(ou_slice_eq_cstr(ch.realm, REALM));
	assert_true(ou_slice_eq_cstr(ch.algorithm, "SHA-256"));
	assert_true(ou_slice_eq_cstr(ch.qop, "auth"));
	assert_true(ou_slice_eq_cstr(ch.stale, "true"));
	assert_int_equal(ch.nonce.n, AUTH_NONCE_LEN);
	ou_buf_free(&b);
	auth_server_free(s);
}

static void test_verify_ok_both_algorithms(void **state)
{
	(void)state;
	auth_server *s = mk(0, 0);
	for (int a = 0; a < AUTH_NALGOS; a++) {
		char n[AUTH_NONCE_LEN + 1];
		auth_nonce_make(s, S(REALM), T0, n);
		cred c;
		answer(&c, (auth_algo)a, n, 1, "secret");
		assert_int_equal(verify(s, &c.a, (auth_algo)a, T0 + 1000), AUTH_OK);
		/* The next nc on the same nonce is fine too. */
		answer(&c, (auth_algo)a, n, 2, "secret");
		assert_int_equal(verify(s, &c.a, (auth_algo)a, T0 + 2000), AUTH_OK);
	}
	auth_server_free(s);
}

static void test_wrong_password(void **state)
{
	(void)state;
	auth_server *s = mk(0, 0);
	char n[AUTH_NONCE_LEN + 1];
	auth_nonce_make(s, S(REALM), T0, n);
	cred c;
	answer(&c, AUTH_SHA256, n, 1, "guess");
	assert_int_equal(verify(s, &c.a, AUTH_SHA256, T0), AUTH_FAILED);
	/* A failure does not burn the nc: the right password with nc 1 still works. */
	answer(&c, AUTH_SHA256, n, 1, "secret");
	assert_int_equal(verify(s, &c.a, AUTH_SHA256, T0), AUTH_OK);
	auth_server_free(s);
}

static void test_stale(void **state)
{
	(void)state;
	auth_server *s = mk(10, 0);
	char n[AUTH_NONCE_LEN + 1];
	auth_nonce_make(s, S(REALM), T0, n);
	cred c;
	answer(&c, AUTH_MD5, n, 1, "secret");
	assert_int_equal(verify(s, &c.a, AUTH_MD5, T0 + 10000), AUTH_OK); /* at the limit */
	answer(&c, AUTH_MD5, n, 2, "secret");
	assert_int_equal(verify(s, &c.a, AUTH_MD5, T0 + 10001), AUTH_STALE);
	/* Stale even with a wrong password: stale is only said of our own nonces, and
	 * the client learns nothing about the password from it. */
	answer(&c, AUTH_MD5, n, 3, "guess");
	assert_int_equal(verify(s, &c.a, AUTH_MD5, T0 + 20000), AUTH_STALE);
	/* The default TTL is 300 s. */
	auth_server *d = mk(0, 0);
	auth_nonce_make(d, S(REALM), T0, n);
	answer(&c, AUTH_MD5, n, 1, "secret");
	assert_int_equal(verify(d, &c.a, AUTH_MD5, T0 + 301000), AUTH_STALE);
	auth_server_free(d);
	auth_server_free(s);
}

static void test_forged_nonce(void **state)
{
	(void)state;
	auth_server *s = mk(0, 0);
	char n[AUTH_NONCE_LEN + 1];
	auth_nonce_make(s, S(REALM), T0, n);
	cred c;
	/* Time changed (to make an old nonce look fresh): the MAC no longer matches. */
	char forged[AUTH_NONCE_LEN + 1];
	memcpy(forged, n, sizeof(forged));
	forged[15] = forged[15] == '0' ? '1' : '0';
	answer(&c, AUTH_MD5, forged, 1, "secret");
	assert_int_equal(verify(s, &c.a, AUTH_MD5, T0), AUTH_BAD_NONCE);
	answer(&c, AUTH_MD5, "deadbeef", 1, "secret");
	assert_int_equal(verify(s, &c.a, AUTH_MD5, T0), AUTH_BAD_NONCE);
	/* Another server (another secret) did not issue it either. */
	auth_server *o = NULL;
	assert_int_equal(auth_server_new(NULL, &o), 0);
	answer(&c, AUTH_MD5, n, 1, "secret");
	assert_int_equal(verify(o, &c.a, AUTH_MD5, T0), AUTH_BAD_NONCE);
	auth_server_free(o);
	/* A nonce for another realm is not valid in this one. */
	char other[AUTH_NONCE_LEN + 1];
	auth_nonce_make(s, S("other.example"), T0, other);
	answer(&c, AUTH_MD5, other, 1, "secret");
	assert_int_equal(verify(s, &c.a, AUTH_MD5, T0), AUTH_BAD_NONCE);
	auth_server_free(s);
}

static void test_replay(void **state)
{
	(void)state;
	auth_server *s = mk(0, 0);
	char n[AUTH_NONCE_LEN + 1];
	auth_nonce_make(s, S(REALM), T0, n);
	cred c;
	answer(&c, AUTH_SHA256, n, 5, "secret");
	assert_int_equal(verify(s, &c.a, AUTH_SHA256, T0), AUTH_OK);
	assert_int_equal(verify(s, &c.a, AUTH_SHA256, T0), AUTH_REPLAY); /* same nc */
	answer(&c, AUTH_SHA256, n, 4, "secret");
	assert_int_equal(verify(s, &c.a, AUTH_SHA256, T0), AUTH_REPLAY); /* lower nc */
	answer(&c, AUTH_SHA256, n, 6, "secret");
	assert_int_equal(verify(s, &c.a, AUTH_SHA256, T0), AUTH_OK);
	auth_server_free(s);
}

/* A table of 4 slots (one set) forgets the oldest nonce; that nonce then counts as
 * stale, never as fresh, so its old credentials cannot be replayed. */
static void test_replay_table_eviction(void **state)
{
	(void)state;
	auth_server *s = mk(0, 4);
	char n[6][AUTH_NONCE_LEN + 1];
	cred c[6];
	for (int i = 0; i < 6; i++) {
		auth_nonce_make(s, S(REALM), T0 + (uint64_t)i, n[i]);
		answer(&c[i], AUTH_MD5, n[i], 1, "secret");
		assert_int_equal(verify(s, &c[i].a, AUTH_MD5, T0 + 10), AUTH_OK);
	}
	/* n[0] and n[1] were evicted: replaying their nc 1 is not accepted. */
	assert_int_equal(verify(s, &c[0].a, AUTH_MD5, T0 + 20), AUTH_STALE);
	assert_int_equal(verify(s, &c[1].a, AUTH_MD5, T0 + 20), AUTH_STALE);
	/* The newer ones are remembered: replay detected. */
	assert_int_equal(verify(s, &c[5].a, AUTH_MD5, T0 + 20), AUTH_REPLAY);
	auth_server_free(s);
}

static void test_malformed(void **state)
{
	(void)state;
	auth_server *s = mk(0, 0);
	char n[AUTH_NONCE_LEN + 1];
	auth_nonce_make(s, S(REALM), T0, n);
	char ha1[AUTH_HEX_MAX];
	auth_ha1(AUTH_MD5, S("alice"), S(REALM), S("secret"), ha1);
	const char *fmt[] = {
	    "Basic abc",
	    "Digest username=\"alice\", realm=\"example.com\", nonce=\"%s\", uri=\"sip:x\"",
	    "Digest username=\"alice\", realm=\"other\", nonce=\"%s\", uri=\"sip:x\", "
	    "response=\"0\", qop=auth, nc=00000001, cnonce=\"a\"",
	    "Digest username=\"alice\", realm=\"example.com\", nonce=\"%s\", uri=\"sip:x\", "
	    "response=\"0\", nc=00000001, cnonce=\"a\"", /* no qop */
	    "Digest username=\"alice\", realm=\"example.com\", nonce=\"%s\", uri=\"sip:x\", "
	    "response=\"0\", qop=auth-int, nc=00000001, cnonce=\"a\"",
	    "Digest username=\"alice\", realm=\"example.com\", nonce=\"%s\", uri=\"sip:x\", "
	    "response=\"0\", qop=auth, nc=1, cnonce=\"a\"",
	    "Digest username=\"alice\", realm=\"example.com\", nonce=\"%s\", uri=\"sip:x\", "
	    "response=\"0\", qop=auth, nc=0000000g, cnonce=\"a\"",
	    "Digest username=\"alice\", realm=\"example.com\", nonce=\"%s\", uri=\"sip:x\", "
	    "response=\"0\", qop=auth, nc=00000000, cnonce=\"a\"",
	    "Digest username=\"alice\", realm=\"example.com\", nonce=\"%s\", uri=\"sip:x\", "
	    "response=\"0\", qop=auth, nc=00000001",
	    "Digest username=\"alice\", realm=\"example.com\", nonce=\"%s\", uri=\"sip:x\", "
	    "response=\"0\", qop=auth, nc=00000001, cnonce=\"a\", algorithm=MD5-sess",
	};
	for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text), fmt[i], n);
		sip_auth a;
		assert_int_equal(sip_auth_parse(S(text), &a, NULL), 0);
		auth_result r = AUTH_OK;
		const char *why = NULL;
		assert_int_equal(auth_verify(s, &a, S("INVITE"), S(REALM), S(ha1), T0, &r, &why),
		                 0);
		assert_int_equal(r, AUTH_MALFORMED);
		assert_non_null(why);
	}
	/* A response of the wrong length is a failure, not a crash. */
	char text[512];
	snprintf(text, sizeof(text),
	         "Digest username=\"alice\", realm=\"example.com\", nonce=\"%s\", uri=\"sip:x\", "
	         "response=\"0\", qop=auth, nc=00000001, cnonce=\"a\"",
	         n);
	sip_auth a;
	sip_auth_parse(S(text), &a, NULL);
	auth_result r;
	assert_int_equal(auth_verify(s, &a, S("INVITE"), S(REALM), S(ha1), T0, &r, NULL), 0);
	assert_int_equal(r, AUTH_FAILED);
	/* An HA1 of the wrong length is the caller's bug. */
	assert_int_equal(auth_verify(s, &a, S("INVITE"), S(REALM), S("abc"), T0, &r, NULL),
	                 OPENUM_EINVAL);
	assert_string_equal(auth_result_name(AUTH_REPLAY), "replay");
	auth_server_free(s);
}

static void test_rate_limit(void **state)
{
	(void)state;
	auth_config c = {.rate_burst = 3, .rate_refill_ms = 1000, .rate_slots = 4};
	auth_server *s = NULL;
	assert_int_equal(auth_server_new(&c, &s), 0);
	assert_true(auth_rate_allowed(s, "192.0.2.1", T0));
	for (int i = 0; i < 3; i++) {
		assert_true(auth_rate_allowed(s, "192.0.2.1", T0));
		auth_rate_failure(s, "192.0.2.1", T0);
	}
	assert_false(auth_rate_allowed(s, "192.0.2.1", T0));
	assert_true(auth_rate_allowed(s, "192.0.2.2", T0)); /* others are not affected */
	assert_false(auth_rate_allowed(s, "192.0.2.1", T0 + 999));
	assert_true(auth_rate_allowed(s, "192.0.2.1", T0 + 1000)); /* one token back */
	auth_rate_failure(s, "192.0.2.1", T0 + 1000);
	assert_false(auth_rate_allowed(s, "192.0.2.1", T0 + 1000));
	/* Refill stops at the burst. */
	assert_true(auth_rate_allowed(s, "192.0.2.1", T0 + 100000));
	for (int i = 0; i < 3; i++)
		auth_rate_failure(s, "192.0.2.1", T0 + 100000);
	assert_false(auth_rate_allowed(s, "192.0.2.1", T0 + 100000));
	/* The table is bounded (one set of 4): new addresses push out the entry with the
	 * most tokens, so the blocked address stays blocked. */
	for (int i = 10; i < 20; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "198.51.100.%d", i);
		auth_rate_failure(s, ip, T0 + 100000);
	}
	assert_false(auth_rate_allowed(s, "192.0.2.1", T0 + 100000));
	auth_server_free(s);
	/* Defaults: 10 failures in a burst. */
	assert_int_equal(auth_server_new(NULL, &s), 0);
	for (int i = 0; i < AUTH_DEFAULT_RATE_BURST; i++) {
		assert_true(auth_rate_allowed(s, "::1", T0));
		auth_rate_failure(s, "::1", T0);
	}
	assert_false(auth_rate_allowed(s, "::1", T0));
	auth_server_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nonce_shape),
	    cmocka_unit_test(test_verify_ok_both_algorithms),
	    cmocka_unit_test(test_wrong_password),
	    cmocka_unit_test(test_stale),
	    cmocka_unit_test(test_forged_nonce),
	    cmocka_unit_test(test_replay),
	    cmocka_unit_test(test_replay_table_eviction),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_rate_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
