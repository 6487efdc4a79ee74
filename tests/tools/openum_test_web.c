/* openum_test_web: serves the web page and API for the browser and SIPp tests with a real
 * SQLite store (a demo mailbox with three messages) and a Play-On-Phone engine chosen by
 * --engine. "fake" walks each call through Connecting, Alerted, Connected and
 * Disconnected on timers of the loop; "ua" is the real dial-out engine (src/um/pop.c) on
 * a ua whose outbound hop is --sip-host/--sip-port (a SIPp uas in the tests). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "net/net.h"
#include "store/store.h"
#include "ua/ua.h"
#include "um/um.h"
#include "web/web.h"

#define MAX_CALLS 64

typedef struct tcall {
	char id[WEB_CALL_ID_MAX];
	web_call_info info;
	uv_timer_t timer;
	int step;
	bool used;
} tcall;

typedef struct tengine {
	uv_loop_t *loop;
	unsigned step_ms;
	tcall calls[MAX_CALLS];
	int n;
} tengine;

static void say(const char *fmt, const char *a, const char *b, const char *c)
{
	printf(fmt, a, b, c);
	fflush(stdout);
}

static void on_step(uv_timer_t *t)
{
	tcall *c = t->data;
	c->step++;
	switch (c->step) {
	case 1:
		c->info.state = WEB_CALL_ALERTED;
		c->info.sip_code = 180;
		snprintf(c->info.sip_reason, sizeof c->info.sip_reason, "Ringing");
		break;
	case 2:
		c->info.state = WEB_CALL_CONNECTED;
		c->info.sip_code = 200;
		snprintf(c->info.sip_reason, sizeof c->info.sip_reason, "OK");
		break;
	case 3:
	case 4: return; /* Connected lasts three steps: longer than the page's poll interval */
	default:
		c->info.state = WEB_CALL_DISCONNECTED;
		uv_timer_stop(t);
		break;
	}
	say("engine: %s %s %s\n", c->id, web_call_state_name(c->info.state), "");
}

static int e_start(void *arg, const char *mailbox, int64_t msg_id, const char *dial,
                   char call_id_out[WEB_CALL_ID_MAX], const char **why)
{
	tengine *e = arg;
	if (e->n == MAX_CALLS) {
		*why = "too many calls";
		return OPENUM_ETOOBIG;
	}
	tcall *c = &e->calls[e->n++];
	snprintf(c->id, sizeof c->id, "call-%d", e->n);
	c->info.state = WEB_CALL_CONNECTING;
	snprintf(c->info.mailbox, sizeof c->info.mailbox, "%s", mailbox);
	c->used = true;
	uv_timer_init(e->loop, &c->timer);
	c->timer.data = c;
	/* the far end answers, listens, then hangs up */
	uv_timer_start(&c->timer, on_step, e->step_ms, e->step_ms);
	snprintf(call_id_out, WEB_CALL_ID_MAX, "%s", c->id);
	char m[24];
	snprintf(m, sizeof m, "%lld", (long long)msg_id);
	say("engine: start mailbox=%s dial=%s msg=%s\n", mailbox, dial, m);
	return 0;
}

static tcall *e_find(tengine *e, const char *id)
{
	for (int i = 0; i < e->n; i++)
		if (strcmp(e->calls[i].id, id) == 0)
			return &e->calls[i];
	return NULL;
}

static int e_info(void *arg, const char *id, web_call_info *out)
{
	tcall *c = e_find(arg, id);
	if (!c)
		return OPENUM_ENOTFOUND;
	*out = c->info;
	return 0;
}

static int e_disconnect(void *arg, const char *id)
{
	tcall *c = e_find(arg, id);
	if (!c)
		return OPENUM_ENOTFOUND;
	if (c->info.state != WEB_CALL_DISCONNECTED) {
		uv_timer_stop(&c->timer);
		c->info.state = WEB_CALL_DISCONNECTED;
		say("engine: %s %s %s\n", c->id, "Disconnected", "(by the user)");
	}
	return 0;
}

static const web_pop_ops fake_ops = {e_start, e_info, e_disconnect};

static web_server *g_ws;
static tengine g_e;
static uv_signal_t g_sig_int, g_sig_term;

/* ---- the real engine: its ua hands every event of the engine's calls over ---- */
static ua *g_ua;
static um_pop *g_pop;
static um_prompts *g_prompts;

static void r_incoming(void *arg, ua_call *c, sip_msg *inv, const net_peer *peer)
{
	(void)arg, (void)inv, (void)peer;
	ua_call_reject(c, 403, "Play-On-Phone only");
}
static void r_progress(void *arg, ua_call *c, unsigned status)
{
	(void)arg;
	um_pop_on_progress(g_pop, c, status);
	printf("engine: progress %u\n", status);
	fflush(stdout);
}
static void r_answered(void *arg, ua_call *c)
{
	(void)arg;
	um_pop_on_answered(g_pop, c);
	printf("engine: answered\n");
	fflush(stdout);
}
static void r_dtmf(void *arg, ua_call *c, char d, ua_dtmf_source src)
{
	(void)arg;
	printf("engine: dtmf %c\n", d);
	fflush(stdout);
	um_pop_on_dtmf(g_pop, c, d, src);
}
static void r_play_done(void *arg, ua_call *c)
{
	(void)arg;
	um_pop_on_play_done(g_pop, c);
}
static void r_ended(void *arg, ua_call *c, const ua_end *end)
{
	(void)arg;
	printf("engine: ended %u %s\n", end->status, end->text ? end->text : "");
	fflush(stdout);
	if (g_pop)
		um_pop_on_ended(g_pop, c, end);
}
static const ua_events real_events = {r_incoming,  r_progress, r_answered, r_dtmf,
                                      r_play_done, r_ended,    NULL};

/* The engine's ops, saying what they were asked (the browser test reads it). */
static int r_start(void *arg, const char *mailbox, int64_t msg_id, const char *dial,
                   char call_id_out[WEB_CALL_ID_MAX], const char **why)
{
	printf("engine: start mailbox=%s dial=%s msg=%lld\n", mailbox,
	       dial && *dial ? dial : mailbox, (long long)msg_id);
	int err = um_pop_ops()->start(arg, mailbox, msg_id, dial, call_id_out, why);
	printf("engine: start -> %d %s %s\n", err, err ? "" : call_id_out,
	       err && why && *why ? *why : "");
	fflush(stdout);
	return err;
}
static int r_info(void *arg, const char *id, web_call_info *out)
{
	return um_pop_ops()->info(arg, id, out);
}
static int r_disconnect(void *arg, const char *id)
{
	printf("engine: disconnect %s\n", id);
	fflush(stdout);
	return um_pop_ops()->disconnect(arg, id);
}
static const web_pop_ops real_ops = {r_start, r_info, r_disconnect};

static void close_cb(uv_handle_t *h)
{
	(void)h;
}

static void on_signal(uv_signal_t *s, int signum)
{
	web_stop(g_ws);
	if (g_ua) {
		ua_free(g_ua);
		um_pop_free(g_pop);
		g_pop = NULL;
	}
	for (int i = 0; i < g_e.n; i++)
		uv_close((uv_handle_t *)&g_e.calls[i].timer, close_cb);
	uv_close((uv_handle_t *)&g_sig_int, close_cb);
	uv_close((uv_handle_t *)&g_sig_term, close_cb);
}

static void add_msg(store *st, int64_t mb, const char *from, int64_t when, store_msg_state state,
                    unsigned ms)
{
	size_t n = 8 * ms;
	uint8_t *a = malloc(n);
	for (size_t i = 0; i < n; i++) /* a 500 Hz tone, mu-law, quiet */
		a[i] = (uint8_t)((i / 8) % 2 ? 0xa0 : 0x20);
	store_msg m = {.mailbox_id = mb,
	               .received_ms = when,
	               .state = state,
	               .audio = {.codec = STORE_CODEC_PCMU, .data = a, .len = n}};
	snprintf(m.caller, sizeof m.caller, "%s", from);
	if (store_msg_add(st, &m, NULL, NULL))
		fprintf(stderr, "openum_test_web: cannot add a message\n");
	free(a);
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: openum_test_web --dir DIR [--port N] [--tls] [--engine fake|ua]\n"
	        "                       [--step-ms MS]  (fake)\n"
	        "                       [--sip-host IP] --sip-port N [--sip-transport tcp|tls]\n"
	        "                       [--dial-timeout-ms MS] [--menu-timeout-ms MS]\n"
	        "                       [--prompts DIR]  (ua)\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *engine = "fake";
	unsigned port = 0, step_ms = 800;
	bool tls = false;
	const char *sip_host = "127.0.0.1", *sip_tp = "tcp", *prompts_dir = NULL;
	unsigned sip_port = 0, dial_ms = 0, menu_ms = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--engine") && i + 1 < argc)
			engine = argv[++i];
		else if (!strcmp(argv[i], "--step-ms") && i + 1 < argc)
			step_ms = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--tls"))
			tls = true;
		else if (!strcmp(argv[i], "--sip-host") && i + 1 < argc)
			sip_host = argv[++i];
		else if (!strcmp(argv[i], "--sip-port") && i + 1 < argc)
			sip_port = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sip-transport") && i + 1 < argc)
			sip_tp = argv[++i];
		else if (!strcmp(argv[i], "--dial-timeout-ms") && i + 1 < argc)
			dial_ms = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--menu-timeout-ms") && i + 1 < argc)
			menu_ms = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--prompts") && i + 1 < argc)
			prompts_dir = argv[++i];
		else
			return usage();
	}
	bool real = strcmp(engine, "ua") == 0;
	if (!dir || (!real && strcmp(engine, "fake") != 0) || (real && !sip_port) ||
	    (strcmp(sip_tp, "tcp") != 0 && strcmp(sip_tp, "tls") != 0))
		return usage();
	mkdir(dir, 0700);
	char path[512], cert[600], key[600];
	snprintf(path, sizeof path, "%s/store.db", dir);
	store_options so = {.pin_iterations = 1000};
	store *st = NULL;
	const char *why = NULL;
	if (store_open(path, &so, &st, &why)) {
		fprintf(stderr, "openum_test_web: %s\n", why);
		return 1;
	}
	int64_t mb;
	if (store_mailbox_add(st, "sip:alice@example.com", "Alice", "201", "246813", &mb, &why) ==
	    0) {
		add_msg(st, mb, "sip:carol@example.com", 1700000000000LL, STORE_MSG_NEW, 1500);
		add_msg(st, mb, "tel:+15551234567", 1700003600000LL, STORE_MSG_NEW, 2500);
		add_msg(st, mb, "sip:dave@example.com", 1699900000000LL, STORE_MSG_SAVED, 1000);
	}
	uv_loop_t *loop = uv_default_loop();
	g_e.loop = loop;
	g_e.step_ms = step_ms;
	if (real) {
		if (um_prompts_load(prompts_dir, &g_prompts, &why)) {
			fprintf(stderr, "openum_test_web: prompts: %s\n", why);
			return 1;
		}
		ua_config uc = {.rtp_ip = "127.0.0.1"};
		um_pop_cfg pc = {.transport = strcmp(sip_tp, "tls") ? NET_TCP : NET_TLS,
		                 .host = sip_host,
		                 .port = (uint16_t)sip_port,
		                 .from_name = "Unified Messaging",
		                 .dial_timeout_ms = dial_ms,
		                 .menu_timeout_ms = menu_ms};
		if (ua_new(loop, &uc, &real_events, NULL, &g_ua) ||
		    um_pop_new(loop, g_ua, st, g_prompts, &pc, &g_pop)) {
			fprintf(stderr, "openum_test_web: cannot start the engine\n");
			return 1;
		}
	}
	web_opts o = {.bind_addr = "127.0.0.1",
	              .port = (uint16_t)port,
	              .plain_http = !tls,
	              .st = st,
	              .pop = real ? &real_ops : &fake_ops,
	              .pop_arg = real ? (void *)g_pop : (void *)&g_e,
	              .loop = loop};
	if (tls) {
		snprintf(path, sizeof path, "%s/certs", dir);
		net_certs_opts co = {.force = true};
		if (net_certs_make(path, &co, NULL, 0)) {
			fprintf(stderr, "openum_test_web: cannot make certificates\n");
			return 1;
		}
		snprintf(cert, sizeof cert, "%s/server.pem", path);
		snprintf(key, sizeof key, "%s/server.key", path);
		o.cert_pem = cert;
		o.key_pem = key;
	}
	if (web_start(&o, &g_ws, &why)) {
		fprintf(stderr, "openum_test_web: %s\n", why);
		return 1;
	}
	uv_signal_init(loop, &g_sig_int);
	uv_signal_init(loop, &g_sig_term);
	uv_signal_start(&g_sig_int, on_signal, SIGINT);
	uv_signal_start(&g_sig_term, on_signal, SIGTERM);
	printf("listening on %s://127.0.0.1:%u/\n", tls ? "https" : "http",
	       (unsigned)web_port(g_ws));
	fflush(stdout);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	um_prompts_free(g_prompts);
	store_close(st);
	return 0;
}
