/* Tests of web/server.c and web/static.c: the options web_start refuses (plain HTTP off
 * loopback, HTTPS without a certificate), HTTPS with `openum certs` certificates (HSTS,
 * __Host- Secure cookie), the embedded page with its security headers, 404/405, and
 * the request body cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "web_test.h"

static void test_refused_options(void **state)
{
	fake_engine fe;
	memset(&fe, 0, sizeof fe);
	store *st = (store *)&fe; /* never used: every case fails before touching it */
	web_server *ws = NULL;
	const char *why = NULL;
	web_opts o = {.bind_addr = "0.0.0.0", .plain_http = true, .st = st, .pop = &fake_ops};
	assert_int_equal(web_start(&o, &ws, &why), OPENUM_EINVAL);
	assert_non_null(strstr(why, "loopback"));
	o.bind_addr = "::";
	assert_int_equal(web_start(&o, &ws, &why), OPENUM_EINVAL);
	o.bind_addr = "192.0.2.1";
	assert_int_equal(web_start(&o, &ws, &why), OPENUM_EINVAL);
	o.bind_addr = "localhost";
	assert_int_equal(web_start(&o, &ws, &why), OPENUM_EINVAL);
	assert_non_null(strstr(why, "numeric"));
	o.bind_addr = "127.0.0.1";
	o.plain_http = false;
	assert_int_equal(web_start(&o, &ws, &why), OPENUM_EINVAL);
	assert_non_null(strstr(why, "certificate"));
	o.cert_pem = "/nonexistent/server.pem";
	o.key_pem = "/nonexistent/server.key";
	assert_int_equal(web_start(&o, &ws, &why), OPENUM_EIO);
	o.st = NULL;
	assert_int_equal(web_start(&o, &ws, &why), OPENUM_EINVAL);
	o.st = st;
	web_pop_ops half = {fake_start, NULL, fake_disconnect};
	o.pop = &half;
	assert_int_equal(web_start(&o, &ws, &why), OPENUM_EINVAL);
	assert_null(ws);
	web_stop(NULL);
}

static void test_ipv6_loopback_plain(void **state)
{
	wt t;
	assert_int_equal(wt_setup(&t, false, false), 0);
	web_opts o = {
	    .bind_addr = "::1", .plain_http = true, .st = t.st, .pop = &fake_ops, .pop_arg = &t.fe};
	web_server *ws = NULL;
	assert_int_equal(web_start(&o, &ws, NULL), 0);
	assert_true(web_port(ws) > 0);
	web_stop(ws); /* no loop: freed at once */
	wt_teardown(&t);
}

static void test_https(void **state)
{
	wt t;
	assert_int_equal(wt_setup(&t, true, true), 0);
	wc w;
	wc_init(&w, &t);
	assert_int_equal(wc_req(&w, "GET", "/", NULL, NULL, 0, true, NULL), 200);
	assert_string_equal(w.ctype, "text/html; charset=utf-8");
	assert_non_null(strstr(w.body.data, "<html"));
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	assert_non_null(strstr(w.setcookie, "__Host-openum_sid="));
	assert_non_null(strstr(w.setcookie, "; Secure"));
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages", NULL), 200);
	/* the plain-HTTP cookie name means nothing over TLS */
	char c[300];
	snprintf(c, sizeof c, "openum_sid=%.200s", strchr(w.cookie, '=') + 1);
	snprintf(w.cookie, sizeof w.cookie, "%.250s", c);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages", NULL), 401);
	wc_free(&w);
	/* plain HTTP to the TLS port gets nothing useful */
	char url[80];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", (unsigned)web_port(t.ws));
	CURL *c2 = curl_easy_init();
	curl_easy_setopt(c2, CURLOPT_URL, url);
	curl_easy_setopt(c2, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(c2, CURLOPT_NOBODY, 1L);
	CURLcode rc = curl_easy_perform(c2);
	long st = 0;
	curl_easy_getinfo(c2, CURLINFO_RESPONSE_CODE, &st);
	assert_true(rc != CURLE_OK || st != 200);
	curl_easy_cleanup(c2);
	wt_teardown(&t);
}

static void test_static(void **state)
{
	wt t;
	assert_int_equal(wt_setup(&t, false, true), 0);
	wc w;
	wc_init(&w, &t);
	assert_int_equal(wc_req(&w, "GET", "/index.html", NULL, NULL, 0, true, NULL), 200);
	assert_non_null(strstr(w.csp, "default-src 'none'"));
	assert_non_null(strstr(w.csp, "script-src 'self'"));
	assert_int_equal(wc_req(&w, "GET", "/app.js", NULL, NULL, 0, true, NULL), 200);
	assert_string_equal(w.ctype, "text/javascript; charset=utf-8");
	assert_true(w.body.len > 100);
	assert_int_equal(wc_req(&w, "GET", "/app.css", NULL, NULL, 0, true, NULL), 200);
	assert_string_equal(w.ctype, "text/css; charset=utf-8");
	assert_int_equal(wc_req(&w, "HEAD", "/", NULL, NULL, 0, true, NULL), 200);
	assert_int_equal(w.body.len, 0);
	assert_int_equal(wc_req(&w, "GET", "/nothing.html", NULL, NULL, 0, true, NULL), 404);
	assert_int_equal(wc_req(&w, "GET", "/../etc/passwd", NULL, NULL, 0, true, NULL), 404);
	assert_int_equal(wc_req(&w, "POST", "/", "text/plain", "x", 1, true, NULL), 405);
	/* a JSON body over the cap */
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	size_t n = WEB_BODY_MAX + 1;
	char *big = malloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	assert_int_equal(
	    wc_req(&w, "POST", "/api/v1/play-on-phone", "application/json", big, n, false, NULL),
	    413);
	free(big);
	wc_free(&w);
	wt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refused_options),
	    cmocka_unit_test(test_ipv6_loopback_plain),
	    cmocka_unit_test(test_https),
	    cmocka_unit_test(test_static),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
