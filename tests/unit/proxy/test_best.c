/* Tests for src/proxy/best.c and the response surgery of relay.c: RFC 3261 16.7 best
 * response selection when no branch answered 2xx. Every rule has a case: 6xx wins,
 * the lowest class otherwise, 401/407 and then 415/420/484 preferred inside 4xx, 503
 * last inside 5xx and sent upstream as 500, ties keep the first, merged challenges only
 * on a 401/407, and a chosen 415's Accept and a 420's Unsupported reach the caller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "proxy/proxy_int.h"

/* The best of a sequence of final answers, in arrival order, as core.c picks it. */
static unsigned pick(const unsigned *st, size_t n)
{
	unsigned best = 0;
	for (size_t i = 0; i < n; i++)
		if (proxy_best_better(st[i], best))
			best = st[i];
	return best;
}
#define PICK(...)                                                                                  \
	pick((const unsigned[]){__VA_ARGS__}, sizeof((unsigned[]){__VA_ARGS__}) / sizeof(unsigned))

static void test_class_order(void **state)
{
	(void)state;
	assert_int_equal(PICK(486, 302), 302);      /* 3xx before 4xx */
	assert_int_equal(PICK(500, 486), 486);      /* 4xx before 5xx */
	assert_int_equal(PICK(503, 486), 486);      /* the case test_core.c runs end to end */
	assert_int_equal(PICK(302, 486, 500), 302); /* lowest class of three */
	assert_int_equal(PICK(480, 486), 480);      /* same rank: the first stays */
	assert_int_equal(PICK(486, 480), 486);
}

static void test_6xx_wins(void **state)
{
	(void)state;
	assert_int_equal(PICK(302, 603), 603);
	assert_int_equal(PICK(603, 302, 401), 603);
	assert_int_equal(PICK(600, 603), 600); /* the first 6xx */
	assert_true(proxy_best_better(600, 302));
	assert_false(proxy_best_better(302, 600));
}

static void test_4xx_preferences(void **state)
{
	(void)state;
	/* 401/407 over every other 4xx, whatever arrives first */
	assert_int_equal(PICK(486, 401), 401);
	assert_int_equal(PICK(404, 407, 480), 407);
	assert_int_equal(PICK(415, 407), 407);
	assert_int_equal(PICK(401, 407), 401); /* both challenges: the first (merged anyway) */
	/* 415, 420, 484 over the other 4xx */
	assert_int_equal(PICK(486, 415), 415);
	assert_int_equal(PICK(480, 420), 420);
	assert_int_equal(PICK(404, 484, 486), 484);
	assert_int_equal(PICK(415, 420), 415);
	/* but never over a lower class */
	assert_int_equal(PICK(415, 302), 302);
	/* and a 4xx of any kind before a 5xx */
	assert_int_equal(PICK(500, 488), 488);
}

static void test_503_last_and_500_upstream(void **state)
{
	(void)state;
	assert_int_equal(PICK(503, 500), 500);
	assert_int_equal(PICK(503, 504), 504);
	assert_int_equal(PICK(503), 503);
	assert_int_equal(proxy_best_upstream(503), 500);
	assert_int_equal(proxy_best_upstream(500), 500);
	assert_int_equal(proxy_best_upstream(486), 486);
	assert_int_equal(proxy_best_upstream(603), 603);
	assert_true(proxy_best_merges_challenges(401));
	assert_true(proxy_best_merges_challenges(407));
	assert_false(proxy_best_merges_challenges(415));
	assert_false(proxy_best_merges_challenges(500));
}

static sip_msg msg; /* large: off the stack */

static void parse(const char *text)
{
	assert_int_equal(sip_msg_parse(text, strlen(text), &msg, NULL), 0);
}

#define VIAS                                                                                       \
	"Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKproxy\r\n"                                  \
	"Via: SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bKcaller\r\n"
#define REST                                                                                       \
	"From: <sip:bob@example.com>;tag=1\r\nTo: <sip:alice@example.com>;tag=2\r\n"               \
	"Call-ID: best\r\nCSeq: 1 INVITE\r\n"

static char *build(unsigned status, const ou_buf *ch)
{
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(px_build_response(&msg, status, ch, &b), 0);
	ou_buf_append(&b, "", 1);
	return b.data; /* the test frees it */
}

static void test_415_keeps_accept(void **state)
{
	(void)state;
	parse("SIP/2.0 415 Unsupported Media Type\r\n" VIAS REST
	      "Accept: application/sdp\r\nAccept-Encoding: identity\r\nContent-Length: 0\r\n\r\n");
	char *out = build(proxy_best_upstream(415), NULL);
	assert_non_null(strstr(out, "SIP/2.0 415 Unsupported Media Type\r\n"));
	assert_non_null(strstr(out, "\r\nAccept: application/sdp\r\n"));
	assert_non_null(strstr(out, "\r\nAccept-Encoding: identity\r\n"));
	assert_null(strstr(out, "z9hG4bKproxy")); /* our Via is gone */
	assert_non_null(strstr(out, "z9hG4bKcaller"));
	free(out);

	parse("SIP/2.0 420 Bad Extension\r\n" VIAS REST
	      "Unsupported: 100rel, timer\r\nContent-Length: 0\r\n\r\n");
	out = build(420, NULL);
	assert_non_null(strstr(out, "SIP/2.0 420 Bad Extension\r\n"));
	assert_non_null(strstr(out, "\r\nUnsupported: 100rel, timer\r\n"));
	free(out);
}

static void test_503_becomes_500(void **state)
{
	(void)state;
	parse("SIP/2.0 503 Service Unavailable\r\n" VIAS REST
	      "Retry-After: 30\r\nContent-Length: 0\r\n\r\n");
	char *out = build(proxy_best_upstream(msg.status), NULL);
	assert_non_null(strstr(out, "SIP/2.0 500 Server Internal Error\r\n"));
	assert_null(strstr(out, "503"));
	assert_non_null(strstr(out, "Call-ID: best\r\n"));
	free(out);
}

static void test_challenges_merged(void **state)
{
	(void)state;
	/* Two branches challenged, for two realms: the answer upstream carries both
	 * (16.7 step 7), in place of the chosen response's own. */
	ou_buf ch;
	ou_buf_init(&ch);
	sip_print_header_cstr(&ch, "Proxy-Authenticate", "Digest realm=\"a.example\", nonce=\"1\"");
	sip_print_header_cstr(&ch, "WWW-Authenticate", "Digest realm=\"b.example\", nonce=\"2\"");
	parse("SIP/2.0 407 Proxy Authentication Required\r\n" VIAS REST
	      "Proxy-Authenticate: Digest realm=\"a.example\", nonce=\"1\"\r\n"
	      "Content-Length: 0\r\n\r\n");
	char *out = build(407, &ch);
	assert_non_null(strstr(out, "SIP/2.0 407 "));
	const char *first = strstr(out, "realm=\"a.example\"");
	assert_non_null(first);
	assert_null(strstr(first + 1, "realm=\"a.example\"")); /* not twice */
	assert_non_null(strstr(out, "WWW-Authenticate: Digest realm=\"b.example\""));
	free(out);
	ou_buf_free(&ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_class_order),
	    cmocka_unit_test(test_6xx_wins),
	    cmocka_unit_test(test_4xx_preferences),
	    cmocka_unit_test(test_503_last_and_500_upstream),
	    cmocka_unit_test(test_415_keeps_accept),
	    cmocka_unit_test(test_503_becomes_500),
	    cmocka_unit_test(test_challenges_merged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
