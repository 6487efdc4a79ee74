/* Tests of web/session.c: random tokens, constant-time compares, cookie attributes,
 * idle expiry over real HTTP, and the table's cap (least recently used goes first). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "web/web_int.h"
#include "web_test.h"

static void test_tokens(void **state)
{
	char a[WEB_TOKEN_HEX + 1], b[WEB_TOKEN_HEX + 1];
	assert_int_equal(web_random_hex(a), 0);
	assert_int_equal(web_random_hex(b), 0);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	assert_string_not_equal(a, b);
	assert_true(web_token_equal(a, a));
	assert_false(web_token_equal(a, b));
	assert_false(web_token_equal("abc", "abcd"));
	assert_false(web_token_equal("", "a"));
	assert_true(web_token_equal("", ""));
}

static void test_cookie(void **state)
{
	web_server plain = {.tls = false}, tls = {.tls = true};
	char c[256];
	web_session_cookie(&plain, "00ff", c, sizeof c);
	assert_string_equal(c, "openum_sid=00ff; Path=/; HttpOnly; SameSite=Strict");
	web_session_cookie(&tls, "00ff", c, sizeof c);
	assert_string_equal(c, "__Host-openum_sid=00ff; Path=/; HttpOnly; SameSite=Strict; Secure");
	web_session_cookie(&tls, NULL, c, sizeof c);
	assert_string_equal(
	    c, "__Host-openum_sid=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0");
}

static void test_idle_expiry(void **state)
{
	wt t;
	/* 3 s: a loaded machine must still fit "logon, then one request" inside the
	 * window; the sleep below is twice that and more */
	wt_idle_s = 3;
	assert_int_equal(wt_setup(&t, false, true), 0);
	wt_idle_s = 0;
	wc w;
	wc_init(&w, &t);
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages", NULL), 200);
	usleep(6500 * 1000);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages", NULL), 401);
	/* a cookie carrying other cookies around it still finds the session */
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	char c[400];
	snprintf(c, sizeof c, "theme=dark; %.200s; lang=en", w.cookie);
	snprintf(w.cookie, sizeof w.cookie, "%.250s", c);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages", NULL), 200);
	wc_free(&w);
	wt_teardown(&t);
}

static void test_table_cap(void **state)
{
	wt t;
	assert_int_equal(wt_setup(&t, false, true), 0);
	web_who who = {.mailbox_id = t.alice};
	snprintf(who.address, sizeof who.address, "%s", WT_ALICE);
	web_session first, s;
	assert_int_equal(web_session_create(t.ws, &who, &first), 0);
	for (int i = 0; i < WEB_SESSIONS_MAX + 4; i++)
		assert_int_equal(web_session_create(t.ws, &who, &s), 0);
	assert_int_equal(t.ws->nsess, WEB_SESSIONS_MAX);
	bool found_first = false, found_last = false;
	for (size_t i = 0; i < t.ws->nsess; i++) {
		found_first |= strcmp(t.ws->sess[i].id, first.id) == 0;
		found_last |= strcmp(t.ws->sess[i].id, s.id) == 0;
	}
	assert_false(found_first);
	assert_true(found_last);
	/* destroy removes exactly one */
	web_session_destroy(t.ws, s.id);
	assert_int_equal(t.ws->nsess, WEB_SESSIONS_MAX - 1);
	wt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_cookie),
	    cmocka_unit_test(test_idle_expiry),
	    cmocka_unit_test(test_table_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
