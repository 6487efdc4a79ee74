/* Shared by the net tests: a uv loop that a test drives step by step until a condition
 * holds, a recorder for received messages and closes, and blocking-then-non-blocking
 * raw sockets that play a peer without any help from the code under test. */
#ifndef OPENUM_TEST_NET_HARNESS_H
#define OPENUM_TEST_NET_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"

#define H_MAX_MSGS 64

typedef struct h_rec {
	net_conn *conn;
	net_peer peer;
	char *raw; /* the message bytes, NUL-terminated */
	size_t len;
} h_rec;

typedef struct h_world {
	uv_loop_t loop;
	uv_timer_t tick;
	net *n;   /* the server side */
	net *cli; /* a second net acting as client, when a test needs one */
	unsigned nmsgs;
	h_rec msgs[H_MAX_MSGS];
	unsigned ncloses;
	net_conn *closed_conn;
	int close_err;
	const char *close_why;
	/* a reply the server sends to every request, on the conn it came on */
	bool auto_reply;
	/* the client net's records */
	unsigned cli_nmsgs;
	h_rec cli_msgs[H_MAX_MSGS];
	unsigned cli_ncloses;
	int cli_close_err;
	const char *cli_close_why;
} h_world;

static void h_tick(uv_timer_t *t)
{
	(void)t;
}

static void h_record(h_rec *r, net_conn *c, const net_peer *p, const sip_msg *m)
{
	r->conn = c;
	r->peer = *p;
	r->len = m->raw.n;
	r->raw = malloc(m->raw.n + 1);
	memcpy(r->raw, m->raw.p, m->raw.n);
	r->raw[m->raw.n] = '\0';
}

static void h_on_recv(void *arg, net_conn *c, const net_peer *p, sip_msg *m)
{
	h_world *w = arg;
	if (w->nmsgs < H_MAX_MSGS)
		h_record(&w->msgs[w->nmsgs], c, p, m);
	w->nmsgs++;
	if (w->auto_reply && m->is_request) {
		/* Echo the mandatory headers so the client can match the answer. */
		ou_buf b;
		ou_buf_init(&b);
		sip_print_status_line(&b, 200, OU_SLICE_NULL);
		static const sip_hdr_id ids[] = {SIP_H_VIA, SIP_H_FROM, SIP_H_TO, SIP_H_CALL_ID,
		                                 SIP_H_CSEQ};
		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			const sip_hdr *h = sip_msg_hdr(m, ids[i]);
			if (h)
				sip_print_header(&b, h->name, h->value);
		}
		sip_print_body(&b, OU_SLICE_NULL, OU_SLICE_NULL);
		net_send(c, b.data, b.len);
		ou_buf_free(&b);
	}
}

static void h_on_close(void *arg, net_conn *c, int err, const char *why)
{
	h_world *w = arg;
	w->ncloses++;
	w->closed_conn = c;
	w->close_err = err;
	w->close_why = why;
}

static void h_cli_recv(void *arg, net_conn *c, const net_peer *p, sip_msg *m)
{
	h_world *w = arg;
	if (w->cli_nmsgs < H_MAX_MSGS)
		h_record(&w->cli_msgs[w->cli_nmsgs], c, p, m);
	w->cli_nmsgs++;
}

static void h_cli_close(void *arg, net_conn *c, int err, const char *why)
{
	h_world *w = arg;
	(void)c;
	w->cli_ncloses++;
	w->cli_close_err = err;
	w->cli_close_why = why;
}

static h_world *h_new(void)
{
	h_world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	assert_int_equal(uv_loop_init(&w->loop), 0);
	/* Keeps UV_RUN_ONCE from sleeping for ever while a test waits on a socket. */
	uv_timer_init(&w->loop, &w->tick);
	uv_timer_start(&w->tick, h_tick, 5, 5);
	return w;
}

static int h_server(h_world *w, const net_config *cfg)
{
	return net_new(&w->loop, cfg, h_on_recv, h_on_close, w, &w->n);
}

/* A TCP server on 127.0.0.1 at a free port: its messages go to on_recv (h_on_recv,
 * or a test's own that calls it), its closes to h_on_close. Returns the port. Inline:
 * not every test file uses it. */
static inline uint16_t h_serve_tcp(h_world *w, const net_config *cfg, net_recv_cb on_recv)
{
	assert_int_equal(net_new(&w->loop, cfg, on_recv, h_on_close, w, &w->n), 0);
	uint16_t port = 0;
	assert_int_equal(net_listen(w->n, NET_TCP, "127.0.0.1", 0, &port), 0);
	assert_true(port != 0);
	return port;
}

static int h_client(h_world *w, const net_config *cfg)
{
	return net_new(&w->loop, cfg, h_cli_recv, h_cli_close, w, &w->cli);
}

static void h_free(h_world *w)
{
	net_free(w->n);
	net_free(w->cli);
	uv_close((uv_handle_t *)&w->tick, NULL);
	/* Every handle net owns must close, or the loop would not close (and ASan would
	 * see what net leaked). */
	uv_run(&w->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&w->loop), 0);
	for (unsigned i = 0; i < w->nmsgs && i < H_MAX_MSGS; i++)
		free(w->msgs[i].raw);
	for (unsigned i = 0; i < w->cli_nmsgs && i < H_MAX_MSGS; i++)
		free(w->cli_msgs[i].raw);
	free(w);
}

typedef bool (*h_cond)(h_world *w, void *arg);

/* Runs the loop until cond holds or ms pass; returns whether it held. */
static bool h_pump(h_world *w, unsigned ms, h_cond cond, void *arg)
{
	uv_update_time(&w->loop);
	uint64_t end = uv_now(&w->loop) + ms;
	for (;;) {
		if (cond && cond(w, arg))
			return true;
		uv_update_time(&w->loop);
		if (uv_now(&w->loop) >= end)
			return cond == NULL;
		uv_run(&w->loop, UV_RUN_ONCE);
	}
}

static bool h_msgs_at_least(h_world *w, void *arg)
{
	return w->nmsgs >= *(unsigned *)arg;
}

static bool h_closes_at_least(h_world *w, void *arg)
{
	return w->ncloses >= *(unsigned *)arg;
}

static bool h_cli_msgs_at_least(h_world *w, void *arg)
{
	return w->cli_nmsgs >= *(unsigned *)arg;
}

static bool h_cli_closes_at_least(h_world *w, void *arg)
{
	return w->cli_ncloses >= *(unsigned *)arg;
}

/* ---- raw peers ---------------------------------------------------------------- */

static int h_raw_connect(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, ip, &a->sin_addr);
		len = sizeof(*a);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	/* Loopback connect completes in the kernel, before the loop accepts. */
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void h_raw_send(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		assert_true(r > 0);
		p += r;
		n -= (size_t)r;
	}
}

/* What a raw peer has read so far. */
typedef struct h_inbox {
	int fd;
	char buf[65536];
	size_t len;
	bool eof;         /* orderly close or reset */
	const char *want; /* stop once this text has arrived (NULL: wait for EOF) */
} h_inbox;

static bool h_inbox_poll(h_world *w, void *arg)
{
	(void)w;
	h_inbox *in = arg;
	for (;;) {
		if (in->len + 1 >= sizeof(in->buf))
			break;
		ssize_t r = recv(in->fd, in->buf + in->len, sizeof(in->buf) - 1 - in->len, 0);
		if (r > 0) {
			in->len += (size_t)r;
			in->buf[in->len] = '\0';
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			in->eof = true;
		break;
	}
	if (in->want && strstr(in->buf, in->want))
		return true;
	return in->eof;
}

/* Reads until `want` arrives (or EOF when want is NULL), for at most ms. */
static h_inbox *h_raw_read(h_world *w, int fd, const char *want, unsigned ms)
{
	h_inbox *in = calloc(1, sizeof(*in));
	in->fd = fd;
	in->want = want;
	h_pump(w, ms, h_inbox_poll, in);
	return in;
}

#endif
