/* Tests for src/net/conn.c (with listener.c, connect.c, limits.c, reply.c): real
 * sockets on 127.0.0.1 and a real uv loop. Framing on a live stream, the answers net
 * gives itself (pong, 400, 513), every limit and what happens when it is hit,
 * connection reuse, and the close callback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "metrics/metrics.h"
#include "net_harness.h"

#define REQ(method, cseq)                                                                          \
	method " sip:bob@example.com SIP/2.0\r\n"                                                  \
	       "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK" #cseq "\r\n"                       \
	       "From: <sip:alice@example.com>;tag=a1\r\n"                                          \
	       "To: <sip:bob@example.com>\r\n"                                                     \
	       "Call-ID: call-" #cseq "@192.0.2.1\r\n"                                             \
	       "CSeq: " #cseq " " method "\r\n"                                                    \
	       "Max-Forwards: 70\r\n"                                                              \
	       "Content-Length: 0\r\n"                                                             \
	       "\r\n"

static const char OPT1[] = REQ("OPTIONS", 1);
static const char BYE2[] = REQ("BYE", 2);

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A server on 127.0.0.1 with cfg (may be NULL); returns its TCP port. */
static uint16_t serve(h_world *w, const net_config *cfg)
{
	return h_serve_tcp(w, cfg, h_on_recv);
}

static void wait_msgs(h_world *w, unsigned n)
{
	assert_true(h_pump(w, 2000, h_msgs_at_least, &n));
}

static void wait_closes(h_world *w, unsigned n)
{
	assert_true(h_pump(w, 3000, h_closes_at_least, &n));
}

static void test_two_messages_in_one_write(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	int fd = h_raw_connect("127.0.0.1", port);
	char both[sizeof(OPT1) + sizeof(BYE2)];
	snprintf(both, sizeof(both), "%s%s", OPT1, BYE2);
	h_raw_send(fd, both, strlen(both));
	wait_msgs(w, 2);
	h_pump(w, 50, NULL, NULL);
	assert_int_equal(w->nmsgs, 2);
	assert_string_equal(w->msgs[0].raw, OPT1);
	assert_string_equal(w->msgs[1].raw, BYE2);
	assert_ptr_equal(w->msgs[0].conn, w->msgs[1].conn);
	const net_peer *p = &w->msgs[0].peer;
	assert_int_equal(p->transport, NET_TCP);
	assert_string_equal(p->remote_ip, "127.0.0.1");
	assert_string_equal(p->local_ip, "127.0.0.1");
	assert_int_equal(p->local_port, port);
	assert_false(p->outgoing);
	assert_false(p->tls_verified);
	assert_false(p->trusted);
	net_stats st;
	net_get_stats(w->n, &st);
	assert_int_equal(st.msgs_in, 2);
	assert_int_equal(st.conns_accepted, 1);
	assert_int_equal(st.conns_open, 1);
	close(fd);
	h_free(w);
}

static void test_one_message_byte_by_byte(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	int fd = h_raw_connect("127.0.0.1", port);
	for (size_t i = 0; i < strlen(OPT1); i++) {
		h_raw_send(fd, OPT1 + i, 1);
		uv_run(&w->loop, UV_RUN_NOWAIT);
		uv_run(&w->loop, UV_RUN_NOWAIT);
		if (i + 1 < strlen(OPT1))
			assert_int_equal(w->nmsgs, 0);
	}
	wait_msgs(w, 1);
	h_pump(w, 50, NULL, NULL);
	assert_int_equal(w->nmsgs, 1);
	assert_string_equal(w->msgs[0].raw, OPT1);
	close(fd);
	h_free(w);
}

/* Input is framed straight from the read buffer; only a message cut by a read is
 * copied into the connection. A cut tail, then the rest with a whole message behind
 * it: every message arrives whole and in order. */
static void test_message_cut_across_reads(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	int fd = h_raw_connect("127.0.0.1", port);
	size_t cut = strlen(BYE2) / 2;
	char first[sizeof(OPT1) + sizeof(BYE2)];
	snprintf(first, sizeof(first), "%s%.*s", OPT1, (int)cut, BYE2);
	h_raw_send(fd, first, strlen(first));
	wait_msgs(w, 1);
	h_pump(w, 50, NULL, NULL);
	assert_int_equal(w->nmsgs, 1);
	assert_string_equal(w->msgs[0].raw, OPT1);
	char rest[sizeof(BYE2) + sizeof(OPT1)];
	snprintf(rest, sizeof(rest), "%s%s", BYE2 + cut, OPT1);
	h_raw_send(fd, rest, strlen(rest));
	wait_msgs(w, 3);
	h_pump(w, 50, NULL, NULL);
	assert_int_equal(w->nmsgs, 3);
	assert_string_equal(w->msgs[1].raw, BYE2);
	assert_string_equal(w->msgs[2].raw, OPT1);
	close(fd);
	h_free(w);
}

/* The receiver closes the connection (and drops its reference) inside the callback
 * while more messages wait in the same read buffer: none of them is delivered, the
 * close is reported once, nothing is read after it (ASan checks the memory). */
static unsigned close_first_seen;
static void close_on_first(void *arg, net_conn *c, const net_peer *p, sip_msg *m)
{
	h_on_recv(arg, c, p, m);
	close_first_seen++;
	net_conn_close(c);
}

static void test_close_in_callback_with_more_buffered(void **state)
{
	h_world *w = h_new();
	close_first_seen = 0;
	uint16_t port = h_serve_tcp(w, NULL, close_on_first);
	int fd = h_raw_connect("127.0.0.1", port);
	char three[3 * sizeof(OPT1)];
	snprintf(three, sizeof(three), "%s%s%.20s", OPT1, BYE2, OPT1);
	h_raw_send(fd, three, strlen(three));
	wait_msgs(w, 1);
	shutdown(fd, SHUT_WR); /* the lingering close ends on our EOF */
	wait_closes(w, 1);
	h_pump(w, 50, NULL, NULL);
	assert_int_equal(close_first_seen, 1);
	assert_int_equal(w->nmsgs, 1);
	assert_string_equal(w->msgs[0].raw, OPT1);
	assert_int_equal(w->ncloses, 1);
	close(fd);
	h_free(w);
}

static void test_ping_gets_pong(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	int fd = h_raw_connect("127.0.0.1", port);
	h_raw_send(fd, "\r\n\r\n", 4);
	h_inbox *in = h_raw_read(w, fd, "\r\n", 2000);
	h_pump(w, 50, NULL, NULL);
	h_inbox_poll(w, in);
	assert_int_equal(in->len, 2);
	assert_memory_equal(in->buf, "\r\n", 2);
	assert_false(in->eof);
	net_stats st;
	net_get_stats(w->n, &st);
	assert_int_equal(st.pings, 1);
	/* The connection is still in step: a message after the ping arrives. */
	h_raw_send(fd, OPT1, strlen(OPT1));
	wait_msgs(w, 1);
	assert_string_equal(w->msgs[0].raw, OPT1);
	free(in);
	close(fd);
	h_free(w);
}

static void test_garbage_gets_400_and_close(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	int fd = h_raw_connect("127.0.0.1", port);
	static const char junk[] = "this is not SIP\r\n\r\n";
	h_raw_send(fd, junk, strlen(junk));
	h_inbox *in = h_raw_read(w, fd, NULL, 3000);
	assert_true(in->eof);
	assert_non_null(strstr(in->buf, "SIP/2.0 400 Missing Content-Length"));
	assert_non_null(strstr(in->buf, "Content-Length: 0\r\n\r\n"));
	close(fd); /* the server lingers until the peer has read the answer and left */
	wait_closes(w, 1);
	assert_int_equal(w->close_err, OPENUM_EBADMSG);
	assert_int_equal(w->nmsgs, 0);
	free(in);
	h_free(w);
}

/* Framed but unparsable: 400 with the parser's reason, the mandatory headers echoed,
 * and the connection stays usable. */
static void test_unparsable_request_gets_400_and_stays(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	int fd = h_raw_connect("127.0.0.1", port);
	static const char bad[] = "OPTIONS sip:bob@example.com SIP/2.0\r\n"
	                          "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKbad\r\n"
	                          "From: <sip:alice@example.com>;tag=a1\r\n"
	                          "To: <sip:bob@example.com>\r\n"
	                          "Call-ID: bad@192.0.2.1\r\n"
	                          "CSeq: 9 OPTIONS\r\n"
	                          "This is no header line\r\n"
	                          "Content-Length: 0\r\n"
	                          "\r\n";
	h_raw_send(fd, bad, strlen(bad));
	h_inbox *in = h_raw_read(w, fd, "\r\n\r\n", 2000);
	assert_true(starts_with(in->buf, "SIP/2.0 400 Bad header line: expected name and ':'\r\n"));
	assert_non_null(
	    strstr(in->buf, "\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKbad\r\n"));
	assert_non_null(strstr(in->buf, "\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"));
	assert_non_null(strstr(in->buf, "\r\nTo: <sip:bob@example.com>;tag="));
	assert_non_null(strstr(in->buf, "\r\nCall-ID: bad@192.0.2.1\r\n"));
	assert_non_null(strstr(in->buf, "\r\nCSeq: 9 OPTIONS\r\n"));
	assert_false(in->eof);
	assert_int_equal(w->nmsgs, 0);
	h_raw_send(fd, OPT1, strlen(OPT1));
	wait_msgs(w, 1);
	assert_string_equal(w->msgs[0].raw, OPT1);
	assert_int_equal(w->ncloses, 0);
	net_stats st;
	net_get_stats(w->n, &st);
	assert_int_equal(st.bad_msgs, 1);
	free(in);
	close(fd);
	h_free(w);
}

/* An unparsable ACK (no Request-URI, as a careless scanner sends it) gets no answer:
 * an ACK is never answered. It counts as a bad message; the connection stays. */
static void test_unparsable_ack_dropped(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	int fd = h_raw_connect("127.0.0.1", port);
	int64_t bad_before = metrics_get(MET_NET_BAD_MESSAGES);
	static const char bad[] = "ACK  SIP/2.0\r\n"
	                          "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKack\r\n"
	                          "From: <sip:alice@example.com>;tag=a1\r\n"
	                          "To: <sip:bob@example.com>;tag=b1\r\n"
	                          "Call-ID: ack@192.0.2.1\r\n"
	                          "CSeq: 1 ACK\r\n"
	                          "Content-Length: 0\r\n"
	                          "\r\n";
	h_raw_send(fd, bad, strlen(bad));
	h_raw_send(fd, OPT1, strlen(OPT1));
	wait_msgs(w, 1);
	h_inbox *in = h_raw_read(w, fd, NULL, 100);
	assert_int_equal(in->len, 0);
	assert_false(in->eof);
	assert_int_equal(metrics_get(MET_NET_BAD_MESSAGES), bad_before + 1);
	free(in);
	close(fd);
	h_free(w);
}

/* An unparsable response is dropped without an answer (responses are never
 * answered), and the connection stays. */
static void test_unparsable_response_dropped(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	int fd = h_raw_connect("127.0.0.1", port);
	static const char bad[] = "SIP/2.0 2000 Nonsense\r\nContent-Length: 0\r\n\r\n";
	h_raw_send(fd, bad, strlen(bad));
	h_raw_send(fd, OPT1, strlen(OPT1));
	wait_msgs(w, 1);
	h_inbox *in = h_raw_read(w, fd, NULL, 100);
	assert_int_equal(in->len, 0);
	assert_false(in->eof);
	free(in);
	close(fd);
	h_free(w);
}

static void test_oversize_request_gets_513_and_close(void **state)
{
	h_world *w = h_new();
	net_config cfg = {.max_msg = 2048};
	uint16_t port = serve(w, &cfg);
	int fd = h_raw_connect("127.0.0.1", port);
	static const char big[] = "INVITE sip:bob@example.com SIP/2.0\r\n"
	                          "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKbig\r\n"
	                          "Call-ID: big@192.0.2.1\r\n"
	                          "CSeq: 1 INVITE\r\n"
	                          "Content-Length: 5000\r\n"
	                          "\r\n";
	h_raw_send(fd, big, strlen(big));
	h_inbox *in = h_raw_read(w, fd, NULL, 3000);
	assert_true(in->eof);
	assert_true(starts_with(in->buf, "SIP/2.0 513 Message Too Large\r\n"));
	assert_non_null(
	    strstr(in->buf, "\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKbig\r\n"));
	assert_non_null(strstr(in->buf, "\r\nCSeq: 1 INVITE\r\n"));
	close(fd);
	wait_closes(w, 1);
	assert_int_equal(w->close_err, OPENUM_ETOOBIG);
	assert_string_equal(w->close_why, "Message Too Large");
	assert_int_equal(w->nmsgs, 0);
	free(in);
	h_free(w);
}

/* Over the limit before a start line could be read: nothing to answer, just close. */
static void test_oversize_garbage_closed_without_answer(void **state)
{
	h_world *w = h_new();
	net_config cfg = {.max_msg = 1024};
	uint16_t port = serve(w, &cfg);
	int fd = h_raw_connect("127.0.0.1", port);
	char junk[3000];
	memset(junk, 'x', sizeof(junk));
	h_raw_send(fd, junk, sizeof(junk));
	h_inbox *in = h_raw_read(w, fd, NULL, 3000);
	assert_true(in->eof);
	assert_int_equal(in->len, 0);
	close(fd);
	wait_closes(w, 1);
	assert_int_equal(w->close_err, OPENUM_ETOOBIG);
	free(in);
	h_free(w);
}

static void test_missing_content_length_gets_400_and_close(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	int fd = h_raw_connect("127.0.0.1", port);
	static const char nocl[] = "OPTIONS sip:bob@example.com SIP/2.0\r\n"
	                           "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKnocl\r\n"
	                           "\r\n";
	h_raw_send(fd, nocl, strlen(nocl));
	h_inbox *in = h_raw_read(w, fd, NULL, 3000);
	assert_true(in->eof);
	assert_true(
	    starts_with(in->buf, "SIP/2.0 400 Missing Content-Length on a stream transport\r\n"));
	assert_non_null(strstr(in->buf, "branch=z9hG4bKnocl"));
	close(fd);
	wait_closes(w, 1);
	assert_int_equal(w->close_err, OPENUM_EBADMSG);
	free(in);
	h_free(w);
}

static void test_header_timeout_closes_slow_sender(void **state)
{
	h_world *w = h_new();
	net_config cfg = {.header_timeout_ms = 200};
	uint16_t port = serve(w, &cfg);
	int slow = h_raw_connect("127.0.0.1", port);
	int quiet = h_raw_connect("127.0.0.1", port);
	h_raw_send(slow, "OPTIONS sip:bob@example.com SIP/2.0\r\n", 37);
	uv_update_time(&w->loop);
	uint64_t t0 = uv_now(&w->loop);
	h_inbox *in = h_raw_read(w, slow, NULL, 2000);
	uv_update_time(&w->loop);
	uint64_t took = uv_now(&w->loop) - t0;
	assert_true(in->eof);
	assert_true(took >= 150 && took < 1500);
	wait_closes(w, 1);
	assert_int_equal(w->close_err, OPENUM_ETOOBIG);
	assert_string_equal(w->close_why, "header read timeout");
	/* A connection that has not started a message is not a slow sender. */
	h_inbox *q = h_raw_read(w, quiet, NULL, 50);
	assert_false(q->eof);
	assert_int_equal(w->ncloses, 1);
	/* A whole message resets the clock: messages in a steady trickle are fine. */
	for (int i = 0; i < 3; i++) {
		h_raw_send(quiet, OPT1, strlen(OPT1));
		h_pump(w, 120, NULL, NULL);
	}
	assert_int_equal(w->nmsgs, 3);
	assert_int_equal(w->ncloses, 1);
	free(in);
	free(q);
	close(slow);
	close(quiet);
	h_free(w);
}

static void test_idle_timeout(void **state)
{
	h_world *w = h_new();
	net_config cfg = {.idle_timeout_ms = 200};
	uint16_t port = serve(w, &cfg);
	int fd = h_raw_connect("127.0.0.1", port);
	h_inbox *in = h_raw_read(w, fd, NULL, 2000);
	assert_true(in->eof);
	wait_closes(w, 1);
	assert_int_equal(w->close_err, OPENUM_ETOOBIG);
	assert_string_equal(w->close_why, "idle timeout");
	free(in);
	close(fd);
	h_free(w);
}

static void test_max_conns_refuses_extra(void **state)
{
	h_world *w = h_new();
	net_config cfg = {.max_conns = 2};
	uint16_t port = serve(w, &cfg);
	int a = h_raw_connect("127.0.0.1", port);
	h_pump(w, 30, NULL, NULL);
	int b = h_raw_connect("127.0.0.1", port);
	h_pump(w, 30, NULL, NULL);
	int c = h_raw_connect("127.0.0.1", port);
	h_inbox *in = h_raw_read(w, c, NULL, 2000);
	assert_true(in->eof);
	assert_int_equal(in->len, 0);
	net_stats st;
	net_get_stats(w->n, &st);
	assert_int_equal(st.conns_refused, 1);
	assert_int_equal(st.conns_accepted, 2);
	assert_int_equal(st.conns_open, 2);
	/* The two admitted peers are served. */
	h_raw_send(a, OPT1, strlen(OPT1));
	h_raw_send(b, BYE2, strlen(BYE2));
	wait_msgs(w, 2);
	/* Once one leaves, a newcomer is admitted. */
	close(a);
	wait_closes(w, 1);
	int d = h_raw_connect("127.0.0.1", port);
	h_raw_send(d, OPT1, strlen(OPT1));
	wait_msgs(w, 3);
	free(in);
	close(b);
	close(c);
	close(d);
	h_free(w);
}

static net_conn *keep_conn;
static void keep_first_conn(void *arg, net_conn *c, const net_peer *p, sip_msg *m)
{
	h_on_recv(arg, c, p, m);
	if (!keep_conn)
		keep_conn = net_conn_ref(c);
}

static void test_write_queue_limit_closes_non_reader(void **state)
{
	h_world *w = h_new();
	net_config cfg = {.max_write_queue = 64 * 1024};
	uint16_t port = h_serve_tcp(w, &cfg, keep_first_conn);
	int fd = h_raw_connect("127.0.0.1", port);
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	h_raw_send(fd, OPT1, strlen(OPT1));
	wait_msgs(w, 1);
	assert_non_null(keep_conn);
	static char chunk[16384];
	memset(chunk, 'z', sizeof(chunk));
	int err = 0;
	unsigned sent = 0;
	/* The kernel takes some megabytes; after that only our queue grows, up to 64 KiB. */
	for (unsigned i = 0; i < 100000 && err == 0; i++) {
		err = net_send(keep_conn, chunk, sizeof(chunk));
		if (!err)
			sent++;
		if (i % 64 == 0)
			h_pump(w, 1, NULL, NULL);
	}
	assert_int_equal(err, OPENUM_ETOOBIG);
	assert_true(sent > 4); /* it did write before the limit */
	assert_false(net_conn_is_open(keep_conn));
	assert_int_equal(net_send(keep_conn, "x", 1), OPENUM_EIO);
	wait_closes(w, 1);
	assert_int_equal(w->close_err, OPENUM_ETOOBIG);
	assert_string_equal(w->close_why, "write queue limit");
	assert_ptr_equal(w->closed_conn, keep_conn);
	net_conn_unref(keep_conn);
	keep_conn = NULL;
	close(fd);
	h_free(w);
}

/* A peer that resets the connection: our writes fail and the close is reported; the
 * process is not killed by SIGPIPE. */
static void test_send_to_reset_peer(void **state)
{
	h_world *w = h_new();
	uint16_t port = h_serve_tcp(w, NULL, keep_first_conn);
	int fd = h_raw_connect("127.0.0.1", port);
	h_raw_send(fd, OPT1, strlen(OPT1));
	wait_msgs(w, 1);
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd); /* RST */
	h_pump(w, 20, NULL, NULL);
	int err = 0;
	for (int i = 0; i < 50 && err == 0; i++) {
		err = net_send(keep_conn, OPT1, strlen(OPT1));
		h_pump(w, 1, NULL, NULL);
	}
	assert_int_equal(err, OPENUM_EIO);
	wait_closes(w, 1);
	assert_true(w->close_err == OPENUM_EIO || w->close_err == 0);
	net_conn_unref(keep_conn);
	keep_conn = NULL;
	h_free(w);
}

/* Client and server are both net: connection reuse, the response on the connection
 * the request came on, the peer record of an outgoing connection. */
static void test_connect_reuse_and_response_on_same_conn(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	w->auto_reply = true;
	assert_int_equal(h_client(w, NULL), 0);
	net_conn *c1 = NULL, *c2 = NULL, *c3 = NULL;
	assert_int_equal(net_connect(w->cli, NET_TCP, "127.0.0.1", port, NULL, &c1), 0);
	/* Sent while connecting: queued, then delivered. */
	assert_int_equal(net_send(c1, OPT1, strlen(OPT1)), 0);
	assert_int_equal(net_connect(w->cli, NET_TCP, "127.0.0.1", port, NULL, &c2), 0);
	assert_ptr_equal(c1, c2);
	unsigned one = 1;
	assert_true(h_pump(w, 2000, h_cli_msgs_at_least, &one));
	assert_int_equal(net_connect(w->cli, NET_TCP, "127.0.0.1", port, NULL, &c3), 0);
	assert_ptr_equal(c1, c3);
	assert_int_equal(net_send(c3, BYE2, strlen(BYE2)), 0);
	unsigned two = 2;
	assert_true(h_pump(w, 2000, h_cli_msgs_at_least, &two));
	assert_ptr_equal(w->cli_msgs[0].conn, c1);
	assert_ptr_equal(w->cli_msgs[1].conn, c1);
	assert_true(starts_with(w->cli_msgs[0].raw, "SIP/2.0 200 OK\r\n"));
	assert_non_null(strstr(w->cli_msgs[1].raw, "CSeq: 2 BYE"));
	const net_peer *p = &w->cli_msgs[0].peer;
	assert_true(p->outgoing);
	assert_string_equal(p->remote_ip, "127.0.0.1");
	assert_int_equal(p->remote_port, port);
	assert_false(p->trusted);
	net_stats st;
	net_get_stats(w->n, &st);
	assert_int_equal(st.conns_accepted, 1);
	assert_int_equal(st.msgs_in, 2);
	assert_int_equal(st.msgs_out, 2);
	/* Our close: the peer sees an orderly end, our callback says we closed it. */
	net_conn_close(c1);
	assert_false(net_conn_is_open(c1));
	assert_int_equal(net_send(c1, OPT1, strlen(OPT1)), OPENUM_EIO);
	assert_true(h_pump(w, 3000, h_cli_closes_at_least, &one));
	assert_int_equal(w->cli_close_err, 0);
	assert_string_equal(w->cli_close_why, "closed locally");
	wait_closes(w, 1);
	assert_int_equal(w->close_err, 0);
	assert_string_equal(w->close_why, "closed by peer");
	/* A closed connection is not reused. */
	net_conn *c4 = NULL;
	assert_int_equal(net_connect(w->cli, NET_TCP, "127.0.0.1", port, NULL, &c4), 0);
	assert_ptr_not_equal(c4, c1);
	net_conn_unref(c1);
	net_conn_unref(c2);
	net_conn_unref(c3);
	net_conn_unref(c4);
	h_free(w);
}

static void test_connect_refused_reports_close(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	/* A port that was just free: listen, note it, close it. */
	net_free(w->n);
	w->n = NULL;
	h_pump(w, 20, NULL, NULL);
	assert_int_equal(h_client(w, NULL), 0);
	net_conn *c = NULL;
	assert_int_equal(net_connect(w->cli, NET_TCP, "127.0.0.1", port, NULL, &c), 0);
	assert_int_equal(net_send(c, OPT1, strlen(OPT1)), 0);
	unsigned one = 1;
	assert_true(h_pump(w, 2000, h_cli_closes_at_least, &one));
	assert_int_equal(w->cli_close_err, OPENUM_EIO);
	assert_non_null(w->cli_close_why);
	assert_false(net_conn_is_open(c));
	assert_int_equal(net_send(c, OPT1, strlen(OPT1)), OPENUM_EIO);
	net_conn_unref(c);
	h_free(w);
}

static bool conns_open_at_least(h_world *w, void *arg)
{
	net_stats st;
	net_get_stats(w->n, &st);
	return st.conns_open >= *(unsigned *)arg;
}

/* 2,000 connections that never say a word: all held (each costs a few KiB), the
 * next one over max_conns refused, and a peer that talks is still served. */
static void test_many_idle_connections_still_serves(void **state)
{
	enum { N = 2000 };
	/* Both ends of every connection live in this process. */
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 2 * N + 100) {
		rl.rlim_cur = rl.rlim_max < 2 * N + 100 ? rl.rlim_max : 2 * N + 100;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < 2 * N + 100)
			skip();
	}
	h_world *w = h_new();
	net_config cfg = {.max_conns = N + 1};
	uint16_t port = serve(w, &cfg);
	static int fds[N];
	for (int i = 0; i < N; i++) {
		fds[i] = h_raw_connect("127.0.0.1", port);
		if (i % 100 == 99) /* keep the backlog short */
			h_pump(w, 5, NULL, NULL);
	}
	unsigned n = N;
	assert_true(h_pump(w, 5000, conns_open_at_least, &n));
	int talker = h_raw_connect("127.0.0.1", port);
	int extra = h_raw_connect("127.0.0.1", port);
	h_raw_send(talker, OPT1, strlen(OPT1));
	wait_msgs(w, 1);
	h_inbox *in = h_raw_read(w, extra, NULL, 2000);
	assert_true(in->eof);
	net_stats st;
	net_get_stats(w->n, &st);
	assert_int_equal(st.conns_open, N + 1);
	assert_int_equal(st.conns_refused, 1);
	free(in);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	close(talker);
	close(extra);
	h_free(w);
}

static void test_bad_arguments(void **state)
{
	h_world *w = h_new();
	assert_int_equal(h_server(w, NULL), 0);
	assert_int_equal(net_listen(w->n, NET_TCP, "not-an-ip", 0, NULL), OPENUM_EINVAL);
	/* TLS needs a certificate. */
	assert_int_equal(net_listen(w->n, NET_TLS, "127.0.0.1", 0, NULL), OPENUM_EINVAL);
	net_conn *c = NULL;
	assert_int_equal(net_connect(w->n, NET_TCP, "127.0.0.1", 0, NULL, &c), OPENUM_EINVAL);
	net_config bad = {.cert_file = "/nonexistent.pem"};
	net *n2 = NULL;
	assert_int_equal(net_new(&w->loop, &bad, h_on_recv, h_on_close, w, &n2), OPENUM_EINVAL);
	bad.key_file = "/nonexistent.key";
	assert_int_equal(net_new(&w->loop, &bad, h_on_recv, h_on_close, w, &n2), OPENUM_EINVAL);
	assert_string_equal(net_transport_name(NET_TCP), "TCP");
	assert_string_equal(net_transport_name(NET_TLS), "TLS");
	h_free(w);
}

/* A listen that fails says where and why (net_listen_error), for the start-up line;
 * a later success clears it. */
static void test_listen_error_names_address_and_reason(void **state)
{
	h_world *w = h_new();
	uint16_t port = serve(w, NULL);
	assert_null(net_listen_error(w->n));
	assert_int_not_equal(net_listen(w->n, NET_TCP, "127.0.0.1", port, NULL), 0);
	char want[64];
	snprintf(want, sizeof(want), "TCP 127.0.0.1:%u: address already in use", port);
	assert_string_equal(net_listen_error(w->n), want);
	char why[96];
	snprintf(why, sizeof(why), "cannot listen on %s", want);
	assert_string_equal(net_listen_why(w->n), why);
	assert_int_equal(net_listen(w->n, NET_TCP, "no.such.ip", 5060, NULL), OPENUM_EINVAL);
	assert_string_equal(net_listen_error(w->n), "TCP no.such.ip:5060: not an IP address");
	assert_int_equal(net_listen(w->n, NET_TLS, "::1", 0, NULL), OPENUM_EINVAL);
	assert_string_equal(net_listen_error(w->n),
	                    "TLS [::1]:0: TLS needs a certificate and its key");
	assert_int_equal(net_listen(w->n, NET_TCP, "127.0.0.1", 0, NULL), 0);
	assert_null(net_listen_error(w->n));
	assert_string_equal(net_listen_why(w->n), "cannot listen on the address");
	h_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_messages_in_one_write),
	    cmocka_unit_test(test_one_message_byte_by_byte),
	    cmocka_unit_test(test_message_cut_across_reads),
	    cmocka_unit_test(test_close_in_callback_with_more_buffered),
	    cmocka_unit_test(test_ping_gets_pong),
	    cmocka_unit_test(test_garbage_gets_400_and_close),
	    cmocka_unit_test(test_unparsable_request_gets_400_and_stays),
	    cmocka_unit_test(test_unparsable_ack_dropped),
	    cmocka_unit_test(test_unparsable_response_dropped),
	    cmocka_unit_test(test_oversize_request_gets_513_and_close),
	    cmocka_unit_test(test_oversize_garbage_closed_without_answer),
	    cmocka_unit_test(test_missing_content_length_gets_400_and_close),
	    cmocka_unit_test(test_header_timeout_closes_slow_sender),
	    cmocka_unit_test(test_idle_timeout),
	    cmocka_unit_test(test_max_conns_refuses_extra),
	    cmocka_unit_test(test_write_queue_limit_closes_non_reader),
	    cmocka_unit_test(test_send_to_reset_peer),
	    cmocka_unit_test(test_connect_reuse_and_response_on_same_conn),
	    cmocka_unit_test(test_connect_refused_reports_close),
	    cmocka_unit_test(test_many_idle_connections_still_serves),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_listen_error_names_address_and_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
