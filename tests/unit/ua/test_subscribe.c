/* Tests for src/ua/dlg.c and src/ua/subscribe.c: two ua's on one loop over loopback TCP,
 * one a notifier (events.request, ua_dlg_accept, ua_dlg_request) and one a subscriber
 * (ua_subscribe). The subscription comes up, its NOTIFY bodies arrive, it is refreshed
 * in the dialog before it expires, a terminating NOTIFY ends it, a refusal is reported
 * with its status, and an unknown in-dialog request gets 481. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ua/ua.h"

typedef struct notifier {
	ua *u;
	uint16_t port;
	unsigned refuse; /* answer new SUBSCRIBEs with this status (0: accept) */
	ua_dlg *g;
	unsigned subscribes, refreshes, unmatched, notify_ok;
	uint32_t last_expires;
} notifier;

typedef struct subscriber {
	ua *u;
	ua_subscription *s;
	unsigned active, failed, terminated, notifies;
	unsigned last_status;
	char body[256];
} subscriber;

static uv_loop_t L;
static notifier N;
static subscriber S;

static bool run_until(const unsigned *flag, unsigned want, unsigned ms)
{
	for (unsigned i = 0; i < ms && *flag < want; i++) {
		uv_run(&L, UV_RUN_NOWAIT);
		usleep(1000);
	}
	return *flag >= want;
}

static void notify_done(void *arg, ua_dlg *g, unsigned status, sip_msg *resp)
{
	notifier *n = arg;
	(void)g, (void)resp;
	if (status == 200)
		n->notify_ok++;
}

static void send_notify(notifier *n, const char *state, const char *body)
{
	char st[80];
	snprintf(st, sizeof(st), "Subscription-State: %s", state);
	const char *extra[] = {"Event: message-summary", st};
	assert_int_equal(ua_dlg_request(n->g, SIP_METHOD_NOTIFY, extra, 2, SIP_MSUM_CTYPE,
	                                ou_slice_cstr(body), notify_done, n),
	                 0);
}

static void on_request(void *arg, ua *u, void *st, sip_msg *req, const net_peer *peer)
{
	notifier *n = arg;
	const sip_addr *to;
	uint32_t e = 0;
	(void)sip_msg_expires(req, &e, NULL);
	n->last_expires = e;
	if (sip_msg_to(req, &to, NULL) == 0 && to->tag.p) {
		unsigned status = 0;
		ua_dlg *g = ua_dlg_match(u, req, &status);
		if (!g) {
			n->unmatched++;
			assert_int_equal(ua_respond(u, st, status, NULL), 0);
			return;
		}
		assert_ptr_equal(ua_dlg_get_arg(g), n);
		n->refreshes++;
		const char *extra[] = {"Expires: 2"};
		assert_int_equal(ua_dlg_respond(u, st, 200, NULL, extra, 1, false), 0);
		return;
	}
	n->subscribes++;
	if (n->refuse) {
		assert_int_equal(ua_respond(u, st, n->refuse, NULL), 0);
		return;
	}
	const char *extra[] = {"Expires: 2"};
	assert_int_equal(ua_dlg_accept(u, st, req, peer, 200, extra, 1, &n->g), 0);
	ua_dlg_set_arg(n->g, n);
	send_notify(n, "active;expires=2", "Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n");
}

static void on_state(void *arg, ua_subscription *s, ua_sub_state st, unsigned status,
                     uint32_t expires)
{
	subscriber *b = arg;
	(void)s, (void)expires;
	b->last_status = status;
	if (st == UA_SUB_ACTIVE)
		b->active++;
	else if (st == UA_SUB_FAILED)
		b->failed++;
	else
		b->terminated++;
}

static void on_notify(void *arg, ua_subscription *s, ou_slice ctype, ou_slice body)
{
	subscriber *b = arg;
	(void)s;
	assert_true(ou_slice_eq_cstr(ctype, SIP_MSUM_CTYPE));
	ou_slice_copy(body, b->body, sizeof(b->body));
	b->notifies++;
}

static int setup(void **state)
{
	(void)state;
	memset(&N, 0, sizeof(N));
	memset(&S, 0, sizeof(S));
	uv_loop_init(&L);
	ua_config c = {.t1_ms = 20};
	ua_events ne = {.request = on_request};
	ua_events se = {0};
	assert_int_equal(ua_new(&L, &c, &ne, &N, &N.u), 0);
	assert_int_equal(ua_listen(N.u, NET_TCP, "127.0.0.1", 0, &N.port), 0);
	assert_int_equal(ua_new(&L, &c, &se, &S, &S.u), 0);
	assert_int_equal(ua_listen(S.u, NET_TCP, "127.0.0.1", 0, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ua_subscription_free(S.s);
	ua_dlg_free(N.g);
	ua_free(S.u);
	ua_free(N.u);
	uv_run(&L, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&L), 0);
	return 0;
}

static void subscribe(void)
{
	char host[] = "127.0.0.1";
	ua_sub c = {.resource = "sip:alice@openum.test",
	            .from = "sip:alice@openum.test",
	            .event = "message-summary",
	            .accept = SIP_MSUM_CTYPE,
	            .transport = NET_TCP,
	            .host = host,
	            .port = N.port,
	            .expires_s = 2,
	            .state = on_state,
	            .notify = on_notify,
	            .arg = &S};
	assert_int_equal(ua_subscribe(S.u, &c, &S.s), 0);
}

static void subscribe_notify_refresh_terminate(void **state)
{
	(void)state;
	subscribe();
	assert_true(run_until(&S.active, 1, 3000));
	assert_int_equal(S.last_status, 200);
	assert_true(run_until(&S.notifies, 1, 3000));
	assert_non_null(strstr(S.body, "Voice-Message: 1/0"));
	assert_true(run_until(&N.notify_ok, 1, 3000));
	/* 2 s granted: the refresh goes in the dialog (To tag), before expiry */
	assert_true(run_until(&N.refreshes, 1, 4000));
	assert_int_equal(N.subscribes, 1);
	assert_int_equal(N.last_expires, 2);
	assert_true(run_until(&S.active, 2, 3000));
	/* a NOTIFY in the dialog after the refresh still reaches the subscriber */
	send_notify(&N, "active;expires=2", "Messages-Waiting: no\r\nVoice-Message: 0/1\r\n");
	assert_true(run_until(&S.notifies, 2, 3000));
	assert_non_null(strstr(S.body, "Messages-Waiting: no"));
	/* terminated: reported, and the notifier's NOTIFY got its 200 */
	send_notify(&N, "terminated;reason=noresource", "Messages-Waiting: no\r\n");
	assert_true(run_until(&S.terminated, 1, 3000));
	assert_true(run_until(&N.notify_ok, 3, 3000));
	assert_int_equal(S.failed, 0);
}

static void refused_and_unknown_dialog(void **state)
{
	(void)state;
	N.refuse = 403;
	subscribe();
	assert_true(run_until(&S.failed, 1, 3000));
	assert_int_equal(S.last_status, 403);
	assert_int_equal(S.active, 0);
	/* no retry after a 403 */
	for (int i = 0; i < 1500; i++) {
		uv_run(&L, UV_RUN_NOWAIT);
		usleep(1000);
	}
	assert_int_equal(N.subscribes, 1);
	/* A subscriber whose dialog the notifier forgot gets 481 and subscribes anew. */
	N.refuse = 0;
	ua_subscription_free(S.s);
	S.s = NULL;
	subscribe();
	assert_true(run_until(&S.active, 1, 3000));
	ua_dlg_free(N.g); /* the notifier forgets it */
	N.g = NULL;
	assert_true(run_until(&N.unmatched, 1, 4000));
	assert_true(run_until(&N.subscribes, 3, 3000));
	assert_true(run_until(&S.active, 2, 3000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(subscribe_notify_refresh_terminate, setup, teardown),
	    cmocka_unit_test_setup_teardown(refused_and_unknown_dialog, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
