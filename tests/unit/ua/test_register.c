/* Tests for src/ua/register.c (and the digest answer to a 407 in call_out.c) against the
 * real registrar: `openum proxy` in-process on loopback TCP with a store in a temporary
 * directory. Registration with a 401 challenge, a wrong password, 423 Min-Expires,
 * refreshes, unregistration, and a call from bob (407 answered) that the proxy sends
 * back over the connection alice registered on (her recording is still taken in
 * `ended` after his BYE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "proxy/proxy.h"
#include "store/store.h"
#include "ua/ua.h"

#define DOMAIN "openum.test"

typedef struct side {
	ua *u;
	ua_registration *g;
	unsigned n_registered, n_failed, n_unregistered;
	unsigned last_status;
	uint32_t last_expires;
	ua_call *call;
	unsigned incoming, answered, ended;
	unsigned end_status;
	char from[128];
	bool record; /* record from the answer, take in `ended` */
	size_t rec_in_ended;
} side;

typedef struct world {
	uv_loop_t loop;
	char dir[64], db[128];
	proxy *px;
	side alice, bob;
} world;

static world W;

static void add_user(store_users *su, const char *user, const char *pw)
{
	store_user u = {0};
	snprintf(u.address, sizeof(u.address), "sip:%s@" DOMAIN, user);
	snprintf(u.realm, sizeof(u.realm), DOMAIN);
	auth_ha1(AUTH_MD5, ou_slice_cstr(user), ou_slice_cstr(DOMAIN), ou_slice_cstr(pw),
	         u.ha1_md5);
	auth_ha1(AUTH_SHA256, ou_slice_cstr(user), ou_slice_cstr(DOMAIN), ou_slice_cstr(pw),
	         u.ha1_sha256);
	assert_int_equal(store_user_add(su, &u, NULL, NULL), 0);
}

static void on_incoming(void *arg, ua_call *c, sip_msg *invite, const net_peer *peer)
{
	side *s = arg;
	const sip_addr *f;
	(void)peer;
	s->incoming++;
	s->call = c;
	if (sip_msg_from(invite, &f, NULL) == 0)
		ou_slice_copy(f->uri.raw, s->from, sizeof(s->from));
	assert_int_equal(ua_call_answer(c, NULL, 0), 0);
}

static void on_answered(void *arg, ua_call *c)
{
	side *s = arg;
	s->answered++;
	if (s->record)
		assert_int_equal(ua_call_record_start(c, 8000 * 60), 0);
}

static void on_ended(void *arg, ua_call *c, const ua_end *e)
{
	side *s = arg;
	if (s->call == c)
		s->call = NULL;
	int16_t *pcm = NULL;
	size_t n = 0;
	if (s->record && ua_call_record_take(c, &pcm, &n) == 0)
		s->rec_in_ended = n;
	free(pcm);
	s->ended++;
	s->end_status = e->status;
}

static void on_reg(void *arg, ua_registration *g, ua_reg_state st, unsigned status,
                   const char *text, uint32_t expires)
{
	side *s = arg;
	(void)g, (void)text;
	s->last_status = status;
	s->last_expires = expires;
	if (st == UA_REG_REGISTERED)
		s->n_registered++;
	else if (st == UA_REG_FAILED)
		s->n_failed++;
	else
		s->n_unregistered++;
}

static void side_new(side *s)
{
	memset(s, 0, sizeof(*s));
	ua_events ev = {.incoming = on_incoming, .answered = on_answered, .ended = on_ended};
	ua_config c = {.t1_ms = 20};
	assert_int_equal(ua_new(&W.loop, &c, &ev, s, &s->u), 0);
}

static int setup(void **state)
{
	(void)state;
	world *w = &W;
	memset(w, 0, sizeof(*w));
	snprintf(w->dir, sizeof(w->dir), "/tmp/openum-reg.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->db, sizeof(w->db), "%s/db", w->dir);
	store_users *su = NULL;
	assert_int_equal(store_users_open(w->db, NULL, &su, NULL), 0);
	add_user(su, "alice", "alice-password");
	add_user(su, "bob", "bob-password");
	store_users_close(su);
	uv_loop_init(&w->loop);
	proxy_config pc = {
	    .domain = DOMAIN,
	    .db = w->db,
	    .tcp_ip = "127.0.0.1",
	    .ring_timeout_s = 5,
	    .t1_ms = 20,
	    .reg = {.min_expires = 2, .max_expires = 600},
	    .quiet = getenv("OPENUM_TEST_VERBOSE") == NULL,
	};
	assert_int_equal(proxy_new(&w->loop, &pc, &w->px, NULL), 0);
	side_new(&w->alice);
	side_new(&w->bob);
	return 0;
}

static void walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static int teardown(void **state)
{
	(void)state;
	world *w = &W;
	ua_registration_free(w->alice.g);
	ua_registration_free(w->bob.g);
	ua_free(w->alice.u);
	ua_free(w->bob.u);
	proxy_free(w->px);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	uv_walk(&w->loop, walk_close, NULL);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&w->loop), 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Runs the loop until *flag reaches want or ms pass; true when it did. */
static bool run_until(const unsigned *flag, unsigned want, unsigned ms)
{
	for (unsigned i = 0; i < ms && *flag < want; i++) {
		uv_run(&W.loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	return *flag >= want;
}

static void reg(side *s, const char *user, const char *pw, uint32_t expires)
{
	char aor[64];
	snprintf(aor, sizeof(aor), "sip:%s@" DOMAIN, user);
	ua_reg r = {.aor = aor,
	            .transport = NET_TCP,
	            .host = "127.0.0.1",
	            .port = proxy_tcp_port(W.px),
	            .password = pw,
	            .realm = DOMAIN,
	            .expires_s = expires,
	            .cb = on_reg,
	            .arg = s};
	assert_int_equal(ua_register(s->u, &r, &s->g), 0);
}

static void register_with_challenge(void **state)
{
	(void)state;
	side *a = &W.alice;
	reg(a, "alice", "alice-password", 300);
	assert_true(run_until(&a->n_registered, 1, 3000));
	assert_int_equal(a->last_status, 200);
	assert_int_equal(a->last_expires, 300);
	assert_int_equal(a->n_failed, 0);
	assert_int_equal(ua_registration_state(a->g), UA_REG_REGISTERED);
	proxy_stats st;
	proxy_get_stats(W.px, &st);
	assert_int_equal(st.registers, 2); /* unauthenticated, then with credentials */
	assert_int_equal(st.auth_failures, 0);

	assert_int_equal(ua_unregister(a->g), 0);
	assert_true(run_until(&a->n_unregistered, 1, 3000));
	assert_int_equal(a->last_status, 200);
	proxy_get_stats(W.px, &st);
	assert_int_equal(st.registers, 3); /* the cached challenge saved a round trip */
}

static void wrong_password_fails_once(void **state)
{
	(void)state;
	side *a = &W.alice;
	reg(a, "alice", "not-the-password", 300);
	assert_true(run_until(&a->n_failed, 1, 3000));
	assert_int_equal(a->last_status, 401);
	assert_int_equal(a->n_registered, 0);
	/* no retry after an authentication failure: it would only feed the rate limiter */
	unsigned dummy = 0;
	(void)run_until(&dummy, 1, 1500);
	assert_int_equal(a->n_failed, 1);
	proxy_stats st;
	proxy_get_stats(W.px, &st);
	assert_int_equal(st.auth_failures, 1);
}

static void interval_too_brief_then_refresh(void **state)
{
	(void)state;
	side *a = &W.alice;
	reg(a, "alice", "alice-password", 1); /* below --min-expires 2: 423, then 2 */
	assert_true(run_until(&a->n_registered, 1, 3000));
	assert_int_equal(a->last_expires, 2);
	/* refreshed at half the lifetime: again and again on the same flow */
	assert_true(run_until(&a->n_registered, 3, 5000));
	assert_int_equal(a->n_failed, 0);
}

static void call_back_over_the_flow(void **state)
{
	(void)state;
	side *a = &W.alice, *b = &W.bob;
	reg(a, "alice", "alice-password", 300);
	assert_true(run_until(&a->n_registered, 1, 3000));
	/* alice has no listener: the INVITE can only reach her on her own connection */
	ua_dial d = {.request_uri = "sip:alice@" DOMAIN,
	             .from_uri = "sip:bob@" DOMAIN,
	             .transport = NET_TCP,
	             .host = "127.0.0.1",
	             .port = proxy_tcp_port(W.px),
	             .auth_user = "bob",
	             .auth_password = "bob-password"};
	a->record = true;
	assert_int_equal(ua_call_dial(b->u, &d, NULL, &b->call), 0);
	assert_true(run_until(&b->answered, 1, 5000));
	assert_int_equal(a->incoming, 1);
	assert_string_equal(a->from, "sip:bob@" DOMAIN);
	assert_true(run_until(&a->answered, 1, 2000));
	unsigned dummy = 0;
	(void)run_until(&dummy, 1, 500); /* half a second of bob's silence */
	assert_int_equal(ua_call_hangup(b->call), 0);
	assert_true(run_until(&a->ended, 1, 3000));
	/* the recording survived bob's BYE until alice's `ended` took it */
	assert_true(a->rec_in_ended > 1600);
	a->record = false;

	/* after unregistering, the proxy has nowhere to send alice's calls */
	assert_int_equal(ua_unregister(a->g), 0);
	assert_true(run_until(&a->n_unregistered, 1, 3000));
	unsigned ended = b->ended;
	assert_int_equal(ua_call_dial(b->u, &d, NULL, &b->call), 0);
	assert_true(run_until(&b->ended, ended + 1, 5000));
	assert_int_equal(b->end_status, 480);
	assert_int_equal(a->incoming, 1);
}

static void invite_wrong_password_rejected(void **state)
{
	(void)state;
	side *b = &W.bob;
	ua_dial d = {.request_uri = "sip:alice@" DOMAIN,
	             .from_uri = "sip:bob@" DOMAIN,
	             .transport = NET_TCP,
	             .host = "127.0.0.1",
	             .port = proxy_tcp_port(W.px),
	             .auth_user = "bob",
	             .auth_password = "wrong-password"};
	assert_int_equal(ua_call_dial(b->u, &d, NULL, &b->call), 0);
	assert_true(run_until(&b->ended, 1, 5000));
	assert_int_equal(b->end_status, 407); /* answered once, refused again: no loop */
	/* and without credentials the 407 ends the call at once */
	d.auth_password = NULL;
	assert_int_equal(ua_call_dial(b->u, &d, NULL, &b->call), 0);
	assert_true(run_until(&b->ended, 2, 5000));
	assert_int_equal(b->end_status, 407);
}

static void bad_arguments(void **state)
{
	(void)state;
	ua_registration *g = NULL;
	ua_reg r = {
	    .aor = "sip:alice@" DOMAIN, .transport = NET_TCP, .host = "127.0.0.1", .port = 1};
	assert_int_equal(ua_register(NULL, &r, &g), OPENUM_EINVAL);
	r.aor = "sip:" DOMAIN; /* no user */
	assert_int_equal(ua_register(W.alice.u, &r, &g), OPENUM_EINVAL);
	r.aor = "sip:alice@" DOMAIN;
	r.port = 0;
	assert_int_equal(ua_register(W.alice.u, &r, &g), OPENUM_EINVAL);
	r.port = 1;
	r.transport = (net_transport)9;
	assert_int_equal(ua_register(W.alice.u, &r, &g), OPENUM_EINVAL);
	assert_null(g);
	assert_int_equal(ua_unregister(NULL), OPENUM_EINVAL);
	ua_registration_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(register_with_challenge, setup, teardown),
	    cmocka_unit_test_setup_teardown(wrong_password_fails_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(interval_too_brief_then_refresh, setup, teardown),
	    cmocka_unit_test_setup_teardown(call_back_over_the_flow, setup, teardown),
	    cmocka_unit_test_setup_teardown(invite_wrong_password_rejected, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
