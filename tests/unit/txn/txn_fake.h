/* Shared fixture of the txn tests: a real libuv loop, a fake txn_io that records
 * what the layer sends (and can be told to fail), fake connections, a TU that
 * records what it is handed, and builders for the messages a peer would send. */
#ifndef OPENUM_TEST_TXN_FAKE_H
#define OPENUM_TEST_TXN_FAKE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "txn/txn.h"

#define UNUSED __attribute__((unused))
#define MAXREC 64

static uv_loop_t loop;
static txn_layer *L;
static txn_config cfg;

static UNUSED char conn_a, conn_b;
#define CA ((net_conn *)&conn_a)
#define CB ((net_conn *)&conn_b)

/* what the layer sent */
static struct {
	net_conn *c;
	char *buf;
	size_t len;
} out[MAXREC];
static int nout;
static bool send_fail;
static int refs; /* references the layer holds on fake conns */

/* what the TU was handed */
static struct {
	txn *t;
	txn_event_type type;
	unsigned status;
	bool has_msg;
	txn_state state; /* of t when the event came */
} ev[MAXREC];
static int nev;
static txn *reqs[MAXREC];
static sip_method req_method[MAXREC];
static int nreq, nack, nstray;
static const net_peer peer0 = {.transport = NET_TCP, .remote_ip = "192.0.2.10"};

static int fake_send(void *arg, net_conn *c, const char *buf, size_t len)
{
	(void)arg;
	if (send_fail)
		return OPENUM_EIO;
	assert_true(nout < MAXREC);
	out[nout].c = c;
	out[nout].buf = malloc(len + 1);
	memcpy(out[nout].buf, buf, len);
	out[nout].buf[len] = '\0';
	out[nout].len = len;
	nout++;
	return 0;
}

static void fake_ref(void *arg, net_conn *c)
{
	(void)arg;
	(void)c;
	refs++;
}

static void fake_unref(void *arg, net_conn *c)
{
	(void)arg;
	(void)c;
	assert_true(refs > 0);
	refs--;
}

static void ev_cb(void *arg, txn *t, const txn_event *e)
{
	(void)arg;
	assert_true(nev < MAXREC);
	ev[nev].t = t;
	ev[nev].type = e->type;
	ev[nev].status = e->status;
	ev[nev].has_msg = e->msg != NULL;
	ev[nev].state = txn_get_state(t);
	nev++;
}

static void tu_request(void *arg, txn *st, sip_msg *req, net_conn *c, const net_peer *peer)
{
	(void)arg;
	(void)c;
	assert_non_null(peer);
	assert_true(nreq < MAXREC);
	reqs[nreq] = st;
	req_method[nreq] = req->method;
	nreq++;
	txn_set_cb(st, ev_cb, NULL);
}

static void tu_ack(void *arg, sip_msg *ack, net_conn *c, const net_peer *peer)
{
	(void)arg;
	(void)c;
	(void)peer;
	assert_int_equal(ack->method, SIP_METHOD_ACK);
	nack++;
}

static void tu_stray(void *arg, sip_msg *resp, net_conn *c, const net_peer *peer)
{
	(void)arg;
	(void)c;
	(void)peer;
	assert_false(resp->is_request);
	nstray++;
}

static void reset_records(void)
{
	for (int i = 0; i < nout; i++)
		free(out[i].buf);
	nout = nev = nreq = nack = nstray = 0;
	send_fail = false;
}

static UNUSED int start_layer(void)
{
	static const txn_io io = {fake_send, fake_ref, fake_unref, NULL};
	static const txn_tu tu = {tu_request, tu_ack, tu_stray, NULL};
	reset_records();
	refs = 0;
	if (uv_loop_init(&loop))
		return -1;
	return txn_layer_new(&loop, &cfg, &io, &tu, &L);
}

static UNUSED int setup(void **state)
{
	(void)state;
	cfg = (txn_config){.t1_ms = 2}; /* 64*T1 = 128 ms */
	return start_layer();
}

static UNUSED int teardown(void **state)
{
	(void)state;
	txn_layer_free(L);
	L = NULL;
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(refs, 0); /* every conn reference was dropped */
	reset_records();
	return 0;
}

/* Lets the loop run its zero timers and close callbacks. */
static UNUSED void turn(void)
{
	uv_run(&loop, UV_RUN_NOWAIT);
	uv_run(&loop, UV_RUN_NOWAIT);
}

/* Runs until every transaction timer has fired. */
static UNUSED void run_all(void)
{
	uv_run(&loop, UV_RUN_DEFAULT);
}

static UNUSED int feed_on(net_conn *c, const char *s)
{
	static sip_msg *m;
	if (!m)
		m = malloc(sizeof(*m));
	/* The layer must copy what it keeps: the bytes die after the call. */
	size_t n = strlen(s);
	char *bytes = malloc(n);
	memcpy(bytes, s, n);
	int err = sip_msg_parse(bytes, n, m, NULL);
	assert_int_equal(err, 0);
	err = txn_layer_receive(L, c, &peer0, m);
	memset(bytes, 'X', n);
	free(bytes);
	return err;
}

static UNUSED int feed(const char *s)
{
	return feed_on(CA, s);
}

/* A request from a peer. to_tag and branch may be NULL (absent). */
static UNUSED const char *request(const char *method, const char *branch, unsigned cseq,
                                  const char *to_tag)
{
	static char bufs[8][2048];
	static int k;
	char *b = bufs[k++ % 8];
	const char *cseq_method = method;
	char via[256];
	if (branch)
		snprintf(via, sizeof(via), "SIP/2.0/TCP client.example.com:5060;branch=%s", branch);
	else
		snprintf(via, sizeof(via), "SIP/2.0/TCP client.example.com:5060");
	snprintf(b, 2048,
	         "%s sip:bob@example.com SIP/2.0\r\n"
	         "Via: %s\r\n"
	         "Via: SIP/2.0/TLS proxy.example.com;branch=z9hG4bKproxy1\r\n"
	         "Max-Forwards: 70\r\n"
	         "From: Alice <sip:alice@example.com>;tag=fromtag1\r\n"
	         "To: Bob <sip:bob@example.com>%s%s\r\n"
	         "Call-ID: call-1@client.example.com\r\n"
	         "CSeq: %u %s\r\n"
	         "Content-Length: 0\r\n\r\n",
	         method, via, to_tag ? ";tag=" : "", to_tag ? to_tag : "", cseq, cseq_method);
	return b;
}

/* The n-th sent message parsed (into a static sip_msg). */
static UNUSED sip_msg *sent(int n)
{
	static sip_msg *m;
	if (!m)
		m = malloc(sizeof(*m));
	assert_true(n < nout);
	assert_int_equal(sip_msg_parse(out[n].buf, out[n].len, m, NULL), 0);
	return m;
}

/* True if sent message n holds the whole line (without CRLF). */
static UNUSED bool sent_has(int n, const char *line)
{
	char want[512];
	assert_true(n < nout);
	snprintf(want, sizeof(want), "\r\n%s\r\n", line);
	return strstr(out[n].buf, want) != NULL;
}

static UNUSED unsigned sent_status(int n)
{
	sip_msg *m = sent(n);
	return m->is_request ? 0 : m->status;
}

static UNUSED int count_events(txn_event_type type)
{
	int c = 0;
	for (int i = 0; i < nev; i++)
		c += ev[i].type == type;
	return c;
}

#endif
