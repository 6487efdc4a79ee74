/* Tests of web/pop.c: engine ops reach the loop thread from many HTTP threads at once,
 * run directly when there is no loop, and a request waiting for a loop that will never
 * answer is released by web_stop (502, no deadlock). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "web/web_int.h"
#include "web_test.h"

typedef struct hammer {
	wt *t;
	int ok;
	char call[64];
} hammer;

static void *hammer_main(void *arg)
{
	hammer *h = arg;
	wc w;
	wc_init(&w, h->t);
	char p[96];
	snprintf(p, sizeof p, "/api/v1/calls/%s", h->call);
	if (wc_logon(&w, WT_ALICE, WT_PIN_ALICE) == 200)
		for (int i = 0; i < 25; i++)
			h->ok += wc_json(&w, "GET", p, NULL) == 200;
	wc_free(&w);
	return NULL;
}

static void run_calls(wt *t)
{
	wc w;
	wc_init(&w, t);
	char body[64];
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	snprintf(body, sizeof body, "{\"message_id\":%lld}", (long long)t->amsg[0]);
	assert_int_equal(wc_json(&w, "POST", "/api/v1/play-on-phone", body), 201);
	hammer h[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		h[i] = (hammer){.t = t};
		snprintf(h[i].call, sizeof h[i].call, "call-1");
		assert_int_equal(pthread_create(&th[i], NULL, hammer_main, &h[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(h[i].ok, 25);
	}
	assert_int_equal(t->fe.infos, 100);
	assert_int_equal(wc_json(&w, "DELETE", "/api/v1/calls/call-1", NULL), 204);
	assert_int_equal(t->fe.disconnects, 1);
	wc_free(&w);
}

static void test_marshalled(void **state)
{
	wt t;
	assert_int_equal(wt_setup(&t, false, true), 0);
	run_calls(&t);
	assert_true(t.fe.check_thread);
	assert_false(t.fe.wrong_thread); /* all 100+ ops ran on the loop thread */
	wt_teardown(&t);
}

static void test_direct(void **state)
{
	wt t;
	assert_int_equal(wt_setup(&t, false, false), 0);
	run_calls(&t);
	wt_teardown(&t);
}

typedef struct waiter {
	wt *t;
	long logon, status;
} waiter;

static void *waiter_main(void *arg)
{
	waiter *wa = arg;
	wc w;
	wc_init(&w, wa->t);
	wa->logon = wc_logon(&w, WT_ALICE, WT_PIN_ALICE);
	wa->status = wc_json(&w, "GET", "/api/v1/calls/call-1", NULL);
	wc_free(&w);
	return NULL;
}

static void test_stop_releases_waiters(void **state)
{
	wt t;
	assert_int_equal(wt_setup(&t, false, false), 0);
	/* a second server whose loop nobody runs: its engine ops can only wait */
	uv_loop_t dead;
	assert_int_equal(uv_loop_init(&dead), 0);
	web_opts o = {.bind_addr = "127.0.0.1",
	              .plain_http = true,
	              .st = t.st,
	              .pop = &fake_ops,
	              .pop_arg = &t.fe,
	              .loop = &dead};
	web_server *ws = NULL;
	assert_int_equal(web_start(&o, &ws, NULL), 0);
	wt t2 = t;
	snprintf(t2.base, sizeof t2.base, "http://127.0.0.1:%u", (unsigned)web_port(ws));
	waiter wa = {.t = &t2};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, waiter_main, &wa), 0);
	/* wait until the request is queued for the loop */
	bool queued = false;
	for (int i = 0; i < 500 && !queued; i++) {
		pthread_mutex_lock(&ws->qlk);
		queued = ws->qhead != NULL;
		pthread_mutex_unlock(&ws->qlk);
		if (!queued)
			usleep(10 * 1000);
	}
	assert_true(queued);
	web_stop(ws); /* this thread stands for the loop thread */
	pthread_join(th, NULL);
	assert_int_equal(uv_run(&dead, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&dead), 0);
	assert_int_equal(wa.logon, 200);
	/* released with 502, or its connection closed by the stopping daemon */
	assert_true(wa.status == 502 || wa.status == -1);
	assert_int_equal(t.fe.infos, 0);
	wt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_marshalled),
	    cmocka_unit_test(test_direct),
	    cmocka_unit_test(test_stop_releases_waiters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
