/* Tests for src/um/pop.c: the Play-On-Phone engine dials a real ua on loopback (the
 * "phone") over TCP, the phone answering, ringing or rejecting. Checks what the phone
 * receives (From URI == To URI, Ms-Sensitivity, Ms-Target-Class), the MS-OXWUMS states
 * and causes, the DTMF menu's effect on the store, Disconnect in every state, the
 * refusals of start, forgetting finished calls, and the call log. Prompts are tiny
 * clips written for the test, so calls take milliseconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "um/um.h"

typedef enum policy { ANSWER = 0, RING_ONLY, REJECT_486, REJECT_404, NOTHING } policy;

typedef struct phone {
	ua *u;
	uint16_t tcp;
	policy pol;
	unsigned incoming, ended;
	ua_call *call;
	ua_end end;
	bool from_eq_to, sens_ok, target_class, answered;
	char ruri[256], from_display[64];
} phone;

static uv_loop_t loop;
static uv_timer_t tick;
static char dir[64];
static store *st;
static um_prompts *prompts;
static ua *eu; /* the engine's ua */
static um_pop *pop;
static phone P;
static int64_t alice_id, bob_id, msg_a, msg_a2, msg_b;

/* ---- the engine's ua forwards everything to the engine ------------------------- */
static void e_incoming(void *arg, ua_call *c, sip_msg *inv, const net_peer *peer)
{
	(void)arg, (void)inv, (void)peer;
	ua_call_reject(c, 403, NULL);
}
static void e_progress(void *arg, ua_call *c, unsigned status)
{
	(void)arg;
	assert_true(um_pop_owns(pop, c));
	um_pop_on_progress(pop, c, status);
}
static void e_answered(void *arg, ua_call *c)
{
	(void)arg;
	um_pop_on_answered(pop, c);
}
static void e_dtmf(void *arg, ua_call *c, char d, ua_dtmf_source s)
{
	(void)arg;
	um_pop_on_dtmf(pop, c, d, s);
}
static void e_play_done(void *arg, ua_call *c)
{
	(void)arg;
	um_pop_on_play_done(pop, c);
}
static void e_ended(void *arg, ua_call *c, const ua_end *end)
{
	(void)arg;
	if (pop)
		um_pop_on_ended(pop, c, end);
}
static const ua_events e_events = {e_incoming,  e_progress, e_answered, e_dtmf,
                                   e_play_done, e_ended,    NULL};

/* ---- the phone ------------------------------------------------------------------ */
static void p_incoming(void *arg, ua_call *c, sip_msg *inv, const net_peer *peer)
{
	phone *p = arg;
	(void)peer;
	p->incoming++;
	p->call = c;
	const char *why;
	assert_int_equal(sip_msg_from_equals_to(inv, &p->from_eq_to, &why), 0);
	sip_sens s = SIP_SENS_NORMAL;
	assert_int_equal(sip_msg_sensitivity(inv, &s, &why), 0);
	p->sens_ok = s == SIP_SENS_PRIVATE_NO_DIVERSION;
	const sip_hdr *h = sip_msg_hdr_named(inv, "Ms-Target-Class");
	p->target_class = h && h->value.n == 9 && !memcmp(h->value.p, "secondary", 9);
	snprintf(p->ruri, sizeof p->ruri, "%.*s", (int)inv->ruri_s.n, inv->ruri_s.p);
	const sip_addr *from;
	assert_int_equal(sip_msg_from(inv, &from, &why), 0);
	snprintf(p->from_display, sizeof p->from_display, "%.*s", (int)from->display.n,
	         from->display.p);
	switch (p->pol) {
	case ANSWER: ua_call_answer(c, NULL, 0); break;
	case RING_ONLY: ua_call_ring(c); break;
	case REJECT_486: ua_call_reject(c, 486, "Busy Here"); break;
	case REJECT_404: ua_call_reject(c, 404, "Not Found"); break;
	case NOTHING: break;
	}
}
static void p_answered(void *arg, ua_call *c)
{
	phone *p = arg;
	p->answered = true;
	ua_call_record_start(c, 8000 * 30);
}
static void p_ended(void *arg, ua_call *c, const ua_end *end)
{
	phone *p = arg;
	p->ended++;
	p->end = *end;
	p->end.text = NULL;
	p->call = NULL;
}
static const ua_events p_events = {
    .incoming = p_incoming, .answered = p_answered, .ended = p_ended};

static void noop(uv_timer_t *t)
{
	(void)t;
}

/* Runs the loop until cond() or ms pass. */
static bool pump(unsigned ms, bool (*cond)(void))
{
	uv_update_time(&loop);
	uint64_t end = uv_now(&loop) + ms;
	for (;;) {
		if (cond && cond())
			return true;
		uv_update_time(&loop);
		if (uv_now(&loop) >= end)
			return cond == NULL;
		uv_run(&loop, UV_RUN_ONCE);
	}
}

static char cur[WEB_CALL_ID_MAX];
static web_call_state state_of(const char *id)
{
	web_call_info ci;
	if (um_pop_info(pop, id, &ci))
		return (web_call_state)-1;
	return ci.state;
}
static bool is_alerted(void)
{
	return state_of(cur) == WEB_CALL_ALERTED;
}
static bool is_connected(void)
{
	return state_of(cur) == WEB_CALL_CONNECTED && P.answered;
}
static bool is_disconnected(void)
{
	return state_of(cur) == WEB_CALL_DISCONNECTED && P.ended > 0;
}
static bool phone_rang(void)
{
	return P.incoming > 0;
}
static bool phone_heard(void)
{
	media_session_stats ms;
	if (!P.call)
		return false;
	ua_call_media_stats(P.call, &ms);
	return ms.received >= 10; /* 200 ms of the prompt and message */
}
static bool phone_recorded(void)
{
	media_session_stats ms;
	if (!P.call)
		return false;
	ua_call_media_stats(P.call, &ms);
	return ms.recorded >= 8000 / 2; /* 500 ms: intro, message, menu and then some */
}
/* The loudest sample the phone recorded so far. */
static int phone_peak(void)
{
	int16_t *pcm = NULL;
	size_t n = 0;
	int peak = 0;
	assert_int_equal(ua_call_record_take(P.call, &pcm, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (abs(pcm[i]) > peak)
			peak = abs(pcm[i]);
	free(pcm);
	return peak;
}
static bool forgotten(void)
{
	web_call_info ci;
	return um_pop_info(pop, cur, &ci) == OPENUM_ENOTFOUND;
}

/* Tiny clips for every prompt the server needs: calls run in milliseconds. */
static void write_prompts(const char *pdir)
{
	mkdir(pdir, 0700);
	uint8_t clip[80];
	memset(clip, 0xff, sizeof clip);
	for (size_t i = 0; um_prompt_required(i); i++) {
		char f[512];
		snprintf(f, sizeof f, "%s/%s.ul", pdir, um_prompt_required(i));
		FILE *fp = fopen(f, "wb");
		assert_non_null(fp);
		fwrite(clip, 1, sizeof clip, fp);
		fclose(fp);
	}
}

static int64_t add_msg(int64_t mb)
{
	uint8_t a[1600]; /* 200 ms of a 500 Hz tone */
	for (size_t i = 0; i < sizeof a; i++)
		a[i] = (uint8_t)((i / 8) % 2 ? 0xa0 : 0x20);
	store_msg m = {.mailbox_id = mb,
	               .state = STORE_MSG_NEW,
	               .audio = {.codec = STORE_CODEC_PCMU, .data = a, .len = sizeof a}};
	snprintf(m.caller, sizeof m.caller, "sip:carol@example.com");
	int64_t id;
	assert_int_equal(store_msg_add(st, &m, &id, NULL), 0);
	return id;
}

static um_pop_cfg cfg;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/openum_pop_XXXXXX");
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/store.db", dir);
	store_options so = {.pin_iterations = 1000};
	assert_int_equal(store_open(path, &so, &st, NULL), 0);
	assert_int_equal(
	    store_mailbox_add(st, "sip:alice@example.com", "Alice", "201", NULL, &alice_id, NULL),
	    0);
	assert_int_equal(
	    store_mailbox_add(st, "sip:bob@example.com", "Bob", "202", NULL, &bob_id, NULL), 0);
	msg_a = add_msg(alice_id);
	msg_a2 = add_msg(alice_id);
	msg_b = add_msg(bob_id);
	snprintf(path, sizeof path, "%s/prompts", dir);
	write_prompts(path);
	const char *why = NULL;
	assert_int_equal(um_prompts_load(path, &prompts, &why), 0);

	assert_int_equal(uv_loop_init(&loop), 0);
	uv_timer_init(&loop, &tick);
	uv_timer_start(&tick, noop, 5, 5);
	ua_config ec = {
	    .rtp_ip = "127.0.0.1", .rtp_port_min = 44000, .rtp_port_max = 44999, .t1_ms = 20};
	assert_int_equal(ua_new(&loop, &ec, &e_events, NULL, &eu), 0);
	memset(&P, 0, sizeof P);
	ua_config pc = {
	    .rtp_ip = "127.0.0.1", .rtp_port_min = 46000, .rtp_port_max = 46999, .t1_ms = 20};
	assert_int_equal(ua_new(&loop, &pc, &p_events, &P, &P.u), 0);
	assert_int_equal(ua_listen(P.u, NET_TCP, "127.0.0.1", 0, &P.tcp), 0);
	cfg = (um_pop_cfg){.transport = NET_TCP,
	                   .host = "127.0.0.1",
	                   .port = P.tcp,
	                   .from_name = "Unified Messaging",
	                   .dial_timeout_ms = 2000,
	                   .menu_timeout_ms = 300,
	                   .keep_ms = 60000};
	assert_int_equal(um_pop_new(&loop, eu, st, prompts, &cfg, &pop), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ua_free(eu);
	ua_free(P.u);
	um_pop_free(pop);
	pop = NULL;
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	um_prompts_free(prompts);
	store_close(st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void start(int64_t msg, const char *dial)
{
	const char *why = NULL;
	memset(&P.end, 0, sizeof P.end);
	P.incoming = P.ended = 0;
	P.answered = false;
	assert_int_equal(um_pop_start(pop, "sip:alice@example.com", msg, dial, cur, &why), 0);
	assert_string_equal(cur, "pop-1");
	assert_int_equal(state_of(cur), WEB_CALL_CONNECTING);
}

static web_call_info info(void)
{
	web_call_info ci;
	assert_int_equal(um_pop_info(pop, cur, &ci), 0);
	return ci;
}

static store_msg_state msg_state(int64_t id)
{
	store_msg m;
	assert_int_equal(store_msg_get(st, id, &m, NULL), 0);
	store_msg_state s = m.state;
	store_msg_clear(&m);
	return s;
}

/* The call log's newest entry of alice must hold `want` in its detail. */
static bool logged(void)
{
	store_call *c = NULL;
	size_t n = 0;
	assert_int_equal(store_call_list(st, "sip:alice@example.com", 0, &c, &n, NULL), 0);
	bool ok = n > 0;
	free(c);
	return ok;
}
static void check_log(const char *want)
{
	assert_true(pump(2000, logged));
	store_call *c = NULL;
	size_t n = 0;
	assert_int_equal(store_call_list(st, "sip:alice@example.com", 0, &c, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].kind, STORE_CALL_PLAY_ON_PHONE);
	assert_string_equal(c[0].transport, "TCP");
	assert_true(c[0].call_id[0] != '\0');
	if (!strstr(c[0].detail, want))
		fail_msg("call log detail \"%s\" lacks \"%s\"", c[0].detail, want);
	free(c);
}

/* Ringing, answer, DTMF 9: Connecting -> Alerted -> Connected -> Disconnected, saved. */
static void test_answer_and_save(void **state)
{
	(void)state;
	P.pol = RING_ONLY;
	start(msg_a, NULL);
	assert_true(pump(2000, is_alerted));
	assert_true(P.from_eq_to);
	assert_true(P.sens_ok);
	assert_true(P.target_class);
	assert_string_equal(P.ruri, "sip:alice@example.com"); /* default: the owner */
	assert_string_equal(P.from_display, "Unified Messaging");
	web_call_info ci = info();
	assert_int_equal(ci.sip_code, 180);
	assert_string_equal(ci.mailbox, "sip:alice@example.com");
	assert_int_equal(ua_call_answer(P.call, NULL, 0), 0);
	assert_true(pump(2000, is_connected));
	assert_int_equal(info().sip_code, 200);
	assert_int_equal(ua_call_send_dtmf(P.call, "9", false), 0);
	assert_true(pump(3000, is_disconnected));
	ci = info();
	assert_int_equal(ci.cause, WEB_CAUSE_NONE);
	assert_int_equal(P.end.reason, UA_END_REMOTE_HANGUP); /* the engine sent BYE */
	check_log("Disconnected None");
	check_log("saved");
	assert_int_equal(msg_state(msg_a), STORE_MSG_SAVED);
	assert_int_equal(msg_state(msg_a2), STORE_MSG_NEW);
}

static void test_delete(void **state)
{
	(void)state;
	P.pol = ANSWER;
	start(msg_a2, "sip:+15551234567@127.0.0.1;user=phone");
	assert_true(pump(2000, is_connected));
	assert_string_equal(P.ruri, "sip:+15551234567@127.0.0.1;user=phone");
	assert_true(P.from_eq_to); /* still the owner in From and To */
	assert_int_equal(ua_call_send_dtmf(P.call, "7", true), 0); /* INFO this time */
	assert_true(pump(3000, is_disconnected));
	check_log("deleted");
	assert_int_equal(msg_state(msg_a2), STORE_MSG_DELETED);
	/* a deleted message cannot be played any more */
	char id[WEB_CALL_ID_MAX];
	const char *why = NULL;
	assert_int_equal(um_pop_start(pop, "sip:alice@example.com", msg_a2, NULL, id, &why),
	                 OPENUM_ENOTFOUND);
}

static void test_replay_then_menu_timeout(void **state)
{
	(void)state;
	P.pol = ANSWER;
	start(msg_a, "tel:+1-555-000");
	assert_true(pump(2000, is_connected));
	assert_string_equal(P.ruri, "sip:+1555000@example.com;user=phone");
	/* the message (a tone; the test's prompts are silence) reaches the phone */
	assert_true(pump(2000, phone_recorded));
	assert_true(phone_peak() > 1000);
	assert_int_equal(ua_call_send_dtmf(P.call, "1", false), 0);
	assert_int_equal(ua_call_send_dtmf(P.call, "5", false), 0); /* means nothing */
	/* nobody presses anything else: the menu times out, goodbye, BYE */
	assert_true(pump(4000, is_disconnected));
	assert_int_equal(P.end.reason, UA_END_REMOTE_HANGUP);
	assert_int_equal(info().cause, WEB_CAUSE_NONE);
	check_log("menu timeout");
	assert_int_equal(msg_state(msg_a), STORE_MSG_NEW);
}

static void test_busy(void **state)
{
	(void)state;
	P.pol = REJECT_486;
	start(msg_a, NULL);
	assert_true(pump(2000, is_disconnected));
	web_call_info ci = info();
	assert_int_equal(ci.state, WEB_CALL_DISCONNECTED);
	assert_int_equal(ci.cause, WEB_CAUSE_USER_BUSY);
	assert_int_equal(ci.sip_code, 486);
	assert_string_equal(ci.sip_reason, "Busy Here");
	check_log("Disconnected UserBusy 486 Busy Here");
	/* Disconnect of a finished call is no error, and the mailbox is free again */
	assert_int_equal(um_pop_disconnect(pop, cur), 0);
	char id[WEB_CALL_ID_MAX];
	assert_int_equal(um_pop_start(pop, "sip:alice@example.com", msg_a, NULL, id, NULL), 0);
	assert_string_equal(id, "pop-2");
	assert_int_equal(um_pop_disconnect(pop, id), 0);
}

static void test_unavailable(void **state)
{
	(void)state;
	P.pol = REJECT_404;
	start(msg_a, NULL);
	assert_true(pump(2000, is_disconnected));
	web_call_info ci = info();
	assert_int_equal(ci.cause, WEB_CAUSE_UNAVAILABLE);
	assert_int_equal(ci.sip_code, 404);
	check_log("Unavailable 404");
}

static void test_no_answer(void **state)
{
	(void)state;
	um_pop_free(pop);
	cfg.dial_timeout_ms = 300;
	assert_int_equal(um_pop_new(&loop, eu, st, prompts, &cfg, &pop), 0);
	P.pol = RING_ONLY;
	start(msg_a, NULL);
	assert_true(pump(2000, is_alerted));
	assert_true(pump(3000, is_disconnected));
	assert_int_equal(info().cause, WEB_CAUSE_NO_ANSWER);
	assert_int_equal(P.end.reason, UA_END_REMOTE_HANGUP); /* the phone got a CANCEL */
	check_log("NoAnswer");
}

static void disconnect_in(bool (*reach)(void), policy pol, web_event_cause want_cause)
{
	P.pol = pol;
	start(msg_a, NULL);
	if (reach)
		assert_true(pump(2000, reach));
	if (reach == is_connected) /* the engine plays to the phone */
		assert_true(pump(2000, phone_heard));
	if (!reach)
		assert_true(pump(2000, phone_rang));
	assert_int_equal(um_pop_disconnect(pop, cur), 0);
	assert_int_equal(um_pop_disconnect(pop, cur), 0); /* twice is harmless */
	assert_true(pump(3000, is_disconnected));
	assert_int_equal(info().cause, want_cause);
	assert_int_equal(P.end.reason, UA_END_REMOTE_HANGUP); /* CANCEL or BYE arrived */
	check_log("Disconnected");
	assert_int_equal(msg_state(msg_a), STORE_MSG_NEW);
}

static void test_disconnect_connecting(void **state)
{
	(void)state;
	disconnect_in(NULL, NOTHING, WEB_CAUSE_NONE);
	assert_false(P.answered);
}
static void test_disconnect_alerted(void **state)
{
	(void)state;
	disconnect_in(is_alerted, RING_ONLY, WEB_CAUSE_NONE);
	assert_false(P.answered);
}
static void test_disconnect_connected(void **state)
{
	(void)state;
	disconnect_in(is_connected, ANSWER, WEB_CAUSE_NONE);
	assert_true(P.answered);
}

static void test_refusals(void **state)
{
	(void)state;
	char id[WEB_CALL_ID_MAX], id2[WEB_CALL_ID_MAX];
	const char *why = NULL;
	P.pol = NOTHING;
	/* another mailbox's message, an unknown message, an unknown mailbox */
	assert_int_equal(um_pop_start(pop, "sip:alice@example.com", msg_b, NULL, id, &why),
	                 OPENUM_ENOTFOUND);
	assert_string_equal(why, "no such message");
	assert_int_equal(um_pop_start(pop, "sip:alice@example.com", 99999, NULL, id, &why),
	                 OPENUM_ENOTFOUND);
	assert_int_equal(um_pop_start(pop, "sip:nobody@example.com", msg_a, NULL, id, &why),
	                 OPENUM_ENOTFOUND);
	assert_int_equal(um_pop_start(pop, "sip:alice@example.com", msg_a, "tel:12x", id, &why),
	                 OPENUM_EINVAL);
	assert_int_equal(um_pop_start(pop, "sip:alice@example.com", msg_a, "sip:", id, &why),
	                 OPENUM_EINVAL);
	assert_int_equal(um_pop_info(pop, "pop-1", &(web_call_info){0}), OPENUM_ENOTFOUND);
	assert_int_equal(um_pop_disconnect(pop, "nope"), OPENUM_ENOTFOUND);
	/* one call per mailbox; another mailbox may call at the same time */
	assert_int_equal(um_pop_start(pop, "sip:alice@example.com", msg_a, NULL, id, &why), 0);
	assert_int_equal(um_pop_start(pop, "sip:alice@EXAMPLE.com", msg_a2, NULL, id2, &why),
	                 OPENUM_EDUP);
	assert_non_null(strstr(why, "already running"));
	assert_int_equal(um_pop_start(pop, "sip:bob@example.com", msg_b, NULL, id2, &why), 0);
	assert_string_not_equal(id, id2);
	snprintf(cur, sizeof cur, "%s", id);
	assert_true(pump(2000, phone_rang));
	assert_int_equal(um_pop_disconnect(pop, id), 0);
	assert_int_equal(um_pop_disconnect(pop, id2), 0);
	assert_true(pump(3000, is_disconnected));
	/* nothing in the store changed */
	assert_int_equal(msg_state(msg_a), STORE_MSG_NEW);
	assert_int_equal(msg_state(msg_b), STORE_MSG_NEW);
}

static void test_forget(void **state)
{
	(void)state;
	um_pop_free(pop);
	cfg.keep_ms = 300;
	assert_int_equal(um_pop_new(&loop, eu, st, prompts, &cfg, &pop), 0);
	P.pol = REJECT_486;
	start(msg_a, NULL);
	assert_true(pump(2000, is_disconnected));
	assert_true(pump(3000, forgotten));
	assert_int_equal(um_pop_disconnect(pop, cur), OPENUM_ENOTFOUND);
}

static void test_request_uri(void **state)
{
	(void)state;
	char out[128];
	const char *why = NULL;
	const char *owner = "sip:alice@example.com";
	assert_int_equal(um_pop_request_uri("sips:bob@example.net", owner, out, sizeof out, &why),
	                 0);
	assert_string_equal(out, "sips:bob@example.net");
	assert_int_equal(um_pop_request_uri("+15551234567", owner, out, sizeof out, &why), 0);
	assert_string_equal(out, "sip:+15551234567@example.com;user=phone");
	assert_int_equal(
	    um_pop_request_uri("tel:+1-555-123;phone-context=x", owner, out, sizeof out, &why), 0);
	assert_string_equal(out, "sip:+1555123@example.com;user=phone");
	assert_int_equal(um_pop_request_uri("5551+2", owner, out, sizeof out, &why), OPENUM_EINVAL);
	assert_int_equal(um_pop_request_uri("tel:+", owner, out, sizeof out, &why), OPENUM_EINVAL);
	assert_int_equal(um_pop_request_uri("", owner, out, sizeof out, &why), OPENUM_EINVAL);
	assert_int_equal(um_pop_request_uri("123", "sip:nohost", out, sizeof out, &why),
	                 OPENUM_EINVAL);
	assert_int_equal(um_pop_request_uri("12345678901234567890", owner, out, 20, &why),
	                 OPENUM_ETOOBIG);
	assert_string_equal(why, "dial string too long");
}

static void test_new_bad(void **state)
{
	(void)state;
	um_pop *p2 = NULL;
	um_pop_cfg c = {.host = NULL};
	assert_int_equal(um_pop_new(&loop, eu, st, prompts, &c, &p2), OPENUM_EINVAL);
	c.host = "127.0.0.1";
	c.transport = (net_transport)99;
	assert_int_equal(um_pop_new(&loop, eu, st, prompts, &c, &p2), OPENUM_EINVAL);
	assert_null(p2);
	const web_pop_ops *ops = um_pop_ops();
	assert_non_null(ops->start);
	web_call_info ci;
	assert_int_equal(ops->info(pop, "pop-77", &ci), OPENUM_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_answer_and_save, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replay_then_menu_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unavailable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disconnect_connecting, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disconnect_alerted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disconnect_connected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forget, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_request_uri, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_new_bad, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
