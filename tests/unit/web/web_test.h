/* Shared fixture of the web tests: a real SQLite store in a temporary directory with
 * two mailboxes and their messages, a fake Play-On-Phone engine that checks it is only
 * called on the loop thread, the web server on loopback with a libuv loop running in
 * its own thread, and a tiny libcurl client that keeps its own session cookie. */
#ifndef OPENUM_TEST_WEB_TEST_H
#define OPENUM_TEST_WEB_TEST_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/base.h"
#include "net/net.h"
#include "store/store.h"
#include "web/web.h"

#define WT_PIN_ALICE "246813"
#define WT_PIN_BOB "975310"
#define WT_ALICE "sip:alice@example.com"
#define WT_BOB "sip:bob@example.com"
#define WT_MAX_FAILED 5
#define WEB_TOKEN_HEX_FOR_TESTS 65
#define WT_UNUSED __attribute__((unused))

/* ---- the fake engine ------------------------------------------------------ */
typedef struct fake_call {
	char id[WEB_CALL_ID_MAX];
	char mailbox[STORE_ADDR_MAX];
	char dial[WEB_DIAL_MAX];
	int64_t msg_id;
	web_call_info info;
} fake_call;

typedef struct fake_engine {
	pthread_mutex_t mu;
	fake_call calls[32];
	int ncalls;
	int starts, infos, disconnects;
	pthread_t loop_thread;
	bool check_thread;
	bool wrong_thread; /* an op ran off the loop thread */
	int start_rc;      /* forced result of start (0: normal) */
	unsigned info_delay_ms;
} fake_engine;

static WT_UNUSED void fake_thread_check(fake_engine *fe)
{
	if (fe->check_thread && !pthread_equal(pthread_self(), fe->loop_thread))
		fe->wrong_thread = true;
}

static WT_UNUSED fake_call *fake_find(fake_engine *fe, const char *id)
{
	for (int i = 0; i < fe->ncalls; i++)
		if (strcmp(fe->calls[i].id, id) == 0)
			return &fe->calls[i];
	return NULL;
}

static WT_UNUSED int fake_start(void *arg, const char *mailbox, int64_t msg_id, const char *dial,
                                char call_id_out[WEB_CALL_ID_MAX], const char **why)
{
	fake_engine *fe = arg;
	fake_thread_check(fe);
	pthread_mutex_lock(&fe->mu);
	fe->starts++;
	if (fe->start_rc || fe->ncalls == 32) {
		int rc = fe->start_rc ? fe->start_rc : OPENUM_EIO;
		pthread_mutex_unlock(&fe->mu);
		*why = "fake engine refused";
		return rc;
	}
	fake_call *c = &fe->calls[fe->ncalls++];
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "call-%d", fe->ncalls);
	snprintf(c->mailbox, sizeof c->mailbox, "%s", mailbox);
	snprintf(c->dial, sizeof c->dial, "%s", dial);
	c->msg_id = msg_id;
	c->info.state = WEB_CALL_CONNECTING;
	snprintf(c->info.mailbox, sizeof c->info.mailbox, "%s", mailbox);
	snprintf(call_id_out, WEB_CALL_ID_MAX, "%s", c->id);
	pthread_mutex_unlock(&fe->mu);
	return 0;
}

static WT_UNUSED int fake_info(void *arg, const char *call_id, web_call_info *out)
{
	fake_engine *fe = arg;
	fake_thread_check(fe);
	if (fe->info_delay_ms)
		usleep(fe->info_delay_ms * 1000);
	pthread_mutex_lock(&fe->mu);
	fe->infos++;
	fake_call *c = fake_find(fe, call_id);
	if (c)
		*out = c->info;
	pthread_mutex_unlock(&fe->mu);
	return c ? 0 : OPENUM_ENOTFOUND;
}

static WT_UNUSED int fake_disconnect(void *arg, const char *call_id)
{
	fake_engine *fe = arg;
	fake_thread_check(fe);
	pthread_mutex_lock(&fe->mu);
	fe->disconnects++;
	fake_call *c = fake_find(fe, call_id);
	if (c)
		c->info.state = WEB_CALL_DISCONNECTED;
	pthread_mutex_unlock(&fe->mu);
	return c ? 0 : OPENUM_ENOTFOUND;
}

static WT_UNUSED const web_pop_ops fake_ops = {fake_start, fake_info, fake_disconnect};

/* The test thread moves a call along as the network would. */
static WT_UNUSED void fake_set(fake_engine *fe, const char *id, web_call_state st,
                               web_event_cause cause, uint16_t code, const char *reason)
{
	pthread_mutex_lock(&fe->mu);
	fake_call *c = fake_find(fe, id);
	if (c) {
		c->info.state = st;
		c->info.cause = cause;
		c->info.sip_code = code;
		snprintf(c->info.sip_reason, sizeof c->info.sip_reason, "%s", reason ? reason : "");
	}
	pthread_mutex_unlock(&fe->mu);
}

static WT_UNUSED unsigned wt_idle_s; /* session idle time for the next wt_setup (0: default) */

/* ---- the fixture ------------------------------------------------------------ */
typedef struct wt {
	char dir[64];
	char certs[96];
	char ca[128];
	store *st;
	int64_t alice, bob;
	int64_t amsg[3]; /* alice: new PCMU, new L16, saved PCMA */
	int64_t bmsg;    /* bob: new PCMU */
	uv_loop_t loop;
	uv_async_t stopper;
	pthread_t th;
	web_server *ws;
	fake_engine fe;
	bool tls;
	char base[64];
} wt;

static WT_UNUSED void *wt_loop_main(void *arg)
{
	wt *t = arg;
	uv_run(&t->loop, UV_RUN_DEFAULT);
	return NULL;
}

static WT_UNUSED void wt_on_stop(uv_async_t *h)
{
	wt *t = h->data;
	web_stop(t->ws);
	t->ws = NULL;
	uv_close((uv_handle_t *)h, NULL);
}

static WT_UNUSED int wt_add_msg(wt *t, int64_t mb, store_codec codec, store_msg_state st,
                                const char *from, int64_t *id)
{
	size_t n = codec == STORE_CODEC_L16 ? 8000 * 2 : 8000; /* one second */
	uint8_t *a = malloc(n);
	if (!a)
		return -1;
	for (size_t i = 0; i < n; i++)
		a[i] = (uint8_t)(codec == STORE_CODEC_L16 ? (i & 1 ? (i / 2) % 64 : 0)
		                                          : 0x80 + i % 16);
	store_msg m;
	memset(&m, 0, sizeof m);
	m.mailbox_id = mb;
	m.state = st;
	m.received_ms = 1700000000000LL + mb * 1000;
	snprintf(m.caller, sizeof m.caller, "%s", from);
	m.audio.codec = codec;
	m.audio.data = a;
	m.audio.len = n;
	int rc = store_msg_add(t->st, &m, id, NULL);
	free(a);
	return rc;
}

/* Opens the store and starts the server (TLS with fresh certificates, or plain HTTP on
 * 127.0.0.1). loop_marshal: engine ops go through the loop thread. */
static WT_UNUSED int wt_setup(wt *t, bool tls, bool loop_marshal)
{
	memset(t, 0, sizeof *t);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(t->dir, sizeof t->dir, "/tmp/openum-web-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	char path[128];
	snprintf(path, sizeof path, "%s/store.db", t->dir);
	store_options so = {.pin_iterations = 1000, .max_failed_logons = WT_MAX_FAILED};
	if (store_open(path, &so, &t->st, NULL))
		return -1;
	if (store_mailbox_add(t->st, WT_ALICE, "Alice", "201", WT_PIN_ALICE, &t->alice, NULL) ||
	    store_mailbox_add(t->st, WT_BOB, "Bob", "202", WT_PIN_BOB, &t->bob, NULL))
		return -1;
	if (wt_add_msg(t, t->alice, STORE_CODEC_PCMU, STORE_MSG_NEW, "sip:carol@example.com",
	               &t->amsg[0]) ||
	    wt_add_msg(t, t->alice, STORE_CODEC_L16, STORE_MSG_NEW, "sip:dave@example.com",
	               &t->amsg[1]) ||
	    wt_add_msg(t, t->alice, STORE_CODEC_PCMA, STORE_MSG_SAVED, "tel:+15551234",
	               &t->amsg[2]) ||
	    wt_add_msg(t, t->bob, STORE_CODEC_PCMU, STORE_MSG_NEW, "sip:erin@example.com",
	               &t->bmsg))
		return -1;

	pthread_mutex_init(&t->fe.mu, NULL);
	t->tls = tls;
	if (uv_loop_init(&t->loop))
		return -1;
	web_opts o = {.bind_addr = "127.0.0.1",
	              .port = 0,
	              .plain_http = !tls,
	              .st = t->st,
	              .pop = &fake_ops,
	              .pop_arg = &t->fe,
	              .loop = loop_marshal ? &t->loop : NULL,
	              .threads = 2,
	              .session_idle_s = wt_idle_s};
	char cert[160], key[160];
	if (tls) {
		snprintf(t->certs, sizeof t->certs, "%s/certs", t->dir);
		if (net_certs_make(t->certs, NULL, NULL, 0))
			return -1;
		snprintf(cert, sizeof cert, "%s/server.pem", t->certs);
		snprintf(key, sizeof key, "%s/server.key", t->certs);
		snprintf(t->ca, sizeof t->ca, "%s/ca.pem", t->certs);
		o.cert_pem = cert;
		o.key_pem = key;
	}
	const char *why = NULL;
	if (web_start(&o, &t->ws, &why)) {
		fprintf(stderr, "web_start: %s\n", why ? why : "?");
		return -1;
	}
	snprintf(t->base, sizeof t->base, "%s://127.0.0.1:%u", tls ? "https" : "http",
	         (unsigned)web_port(t->ws));
	uv_async_init(&t->loop, &t->stopper, wt_on_stop);
	t->stopper.data = t;
	if (pthread_create(&t->th, NULL, wt_loop_main, t))
		return -1;
	t->fe.loop_thread = t->th;
	t->fe.check_thread = loop_marshal;
	return 0;
}

static WT_UNUSED void wt_teardown(wt *t)
{
	uv_async_send(&t->stopper);
	pthread_join(t->th, NULL);
	uv_run(&t->loop, UV_RUN_NOWAIT);
	uv_loop_close(&t->loop);
	store_close(t->st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", t->dir);
	pthread_mutex_destroy(&t->fe.mu);
	curl_global_cleanup();
}

/* ---- the client ----------------------------------------------------------------- */
typedef struct wc {
	wt *t;
	CURL *c;
	long status;
	ou_buf body;
	char ctype[128];
	char cookie[256];    /* "name=value" of our session, "" = none */
	char setcookie[512]; /* the last Set-Cookie seen */
	char wwwauth[128];
	char csp[512];
	char csrf[WEB_TOKEN_HEX_FOR_TESTS];
} wc;

static WT_UNUSED size_t wc_write(char *p, size_t sz, size_t n, void *arg)
{
	wc *w = arg;
	ou_buf_append(&w->body, p, sz * n);
	return sz * n;
}

static WT_UNUSED void hdr_copy(const char *p, size_t n, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	if (n <= nl || strncasecmp(p, name, nl) != 0)
		return;
	p += nl;
	n -= nl;
	while (n && (*p == ' '))
		p++, n--;
	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static WT_UNUSED size_t wc_header(char *p, size_t sz, size_t n, void *arg)
{
	wc *w = arg;
	size_t len = sz * n;
	hdr_copy(p, len, "Content-Type:", w->ctype, sizeof w->ctype);
	hdr_copy(p, len, "WWW-Authenticate:", w->wwwauth, sizeof w->wwwauth);
	hdr_copy(p, len, "Content-Security-Policy:", w->csp, sizeof w->csp);
	char sc[512] = "";
	hdr_copy(p, len, "Set-Cookie:", sc, sizeof sc);
	if (sc[0]) {
		snprintf(w->setcookie, sizeof w->setcookie, "%s", sc);
		char *semi = strchr(sc, ';');
		if (semi)
			*semi = '\0';
		if (strstr(w->setcookie, "Max-Age=0"))
			w->cookie[0] = '\0';
		else
			snprintf(w->cookie, sizeof w->cookie, "%.255s", sc);
	}
	return len;
}

static WT_UNUSED void wc_init(wc *w, wt *t)
{
	memset(w, 0, sizeof *w);
	w->t = t;
	w->c = curl_easy_init();
	ou_buf_init(&w->body);
}

static WT_UNUSED void wc_free(wc *w)
{
	curl_easy_cleanup(w->c);
	ou_buf_free(&w->body);
}

/* One request. ctype/body may be NULL. extra: more header lines (NULL-terminated list
 * given as varargs). Adds X-CSRF-Token when w->csrf is set and no_csrf is false.
 * Returns the HTTP status (or -1 when the request failed). */
static WT_UNUSED long wc_req(wc *w, const char *method, const char *path, const char *ctype,
                             const char *body, size_t body_len, bool no_csrf, const char *userpwd)
{
	char url[512];
	struct curl_slist *hs = NULL;
	snprintf(url, sizeof url, "%s%s", w->t->base, path);
	curl_easy_reset(w->c);
	ou_buf_reset(&w->body);
	w->ctype[0] = w->wwwauth[0] = w->setcookie[0] = w->csp[0] = '\0';
	curl_easy_setopt(w->c, CURLOPT_URL, url);
	curl_easy_setopt(w->c, CURLOPT_WRITEFUNCTION, wc_write);
	curl_easy_setopt(w->c, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(w->c, CURLOPT_HEADERFUNCTION, wc_header);
	curl_easy_setopt(w->c, CURLOPT_HEADERDATA, w);
	curl_easy_setopt(w->c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(w->c, CURLOPT_NOSIGNAL, 1L);
	if (w->t->tls)
		curl_easy_setopt(w->c, CURLOPT_CAINFO, w->t->ca);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(w->c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(w->c, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(w->c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(w->c, CURLOPT_POSTFIELDSIZE, (long)body_len);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(w->c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(w->c, CURLOPT_POSTFIELDSIZE, 0L);
	}
	if (ctype) {
		char h1[160]; /* curl_slist_append copies it */
		snprintf(h1, sizeof h1, "Content-Type: %s", ctype);
		hs = curl_slist_append(hs, h1);
	} else {
		hs = curl_slist_append(hs, "Content-Type:"); /* curl would add a form type */
	}
	if (w->csrf[0] && !no_csrf) {
		char h2[160];
		snprintf(h2, sizeof h2, "X-CSRF-Token: %s", w->csrf);
		hs = curl_slist_append(hs, h2);
	}
	hs = curl_slist_append(hs, "Expect:");
	curl_easy_setopt(w->c, CURLOPT_HTTPHEADER, hs);
	if (w->cookie[0])
		curl_easy_setopt(w->c, CURLOPT_COOKIE, w->cookie);
	if (userpwd) {
		curl_easy_setopt(w->c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(w->c, CURLOPT_USERPWD, userpwd);
	}
	CURLcode rc = curl_easy_perform(w->c);
	curl_slist_free_all(hs);
	ou_buf_append(&w->body, "", 1); /* NUL for string checks */
	w->body.len--;
	if (rc != CURLE_OK) {
		fprintf(stderr, "curl: %s\n", curl_easy_strerror(rc));
		return w->status = -1;
	}
	curl_easy_getinfo(w->c, CURLINFO_RESPONSE_CODE, &w->status);
	return w->status;
}

static WT_UNUSED long wc_json(wc *w, const char *method, const char *path, const char *json)
{
	return wc_req(w, method, path, json ? "application/json" : NULL, json,
	              json ? strlen(json) : 0, false, NULL);
}

/* Logs on through the JSON API; keeps the cookie and the CSRF token. */
static WT_UNUSED long wc_logon(wc *w, const char *addr, const char *pin)
{
	char body[256];
	snprintf(body, sizeof body, "{\"address\":\"%s\",\"pin\":\"%s\"}", addr, pin);
	long st = wc_json(w, "POST", "/api/v1/session", body);
	const char *k = strstr(w->body.data ? w->body.data : "", "\"csrf_token\":\"");
	if (st == 200 && k)
		snprintf(w->csrf, sizeof w->csrf, "%.64s", k + 14);
	return st;
}

#endif
