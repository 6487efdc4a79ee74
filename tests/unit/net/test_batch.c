/* Tests for src/net/batch.c: what net_send queues during one loop turn reaches the
 * socket when the turn ends, as one write and in order; a big batch goes at once; a
 * soft close and net_free write the batch first; a batch on a connection that dies is
 * dropped and the close is reported. Real sockets on 127.0.0.1, a raw peer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "net_harness.h"

#define MSG(n)                                                                                     \
	"SIP/2.0 200 OK\r\n"                                                                       \
	"Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK" #n "\r\n"                                 \
	"Call-ID: c" #n "\r\n"                                                                     \
	"CSeq: " #n " OPTIONS\r\n"                                                                 \
	"Content-Length: 0\r\n"                                                                    \
	"\r\n"

static const char OPT[] = "OPTIONS sip:bob@example.com SIP/2.0\r\n"
                          "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
                          "From: <sip:alice@example.com>;tag=a1\r\n"
                          "To: <sip:bob@example.com>\r\n"
                          "Call-ID: call-1@192.0.2.1\r\n"
                          "CSeq: 1 OPTIONS\r\n"
                          "Max-Forwards: 70\r\n"
                          "Content-Length: 0\r\n"
                          "\r\n";
static const char *const msgs[] = {MSG(1), MSG(2), MSG(3)};

static net_conn *kept;

static void keep_conn(void *arg, net_conn *c, const net_peer *p, sip_msg *m)
{
	h_on_recv(arg, c, p, m);
	if (!kept)
		kept = net_conn_ref(c);
}

/* A server, a raw client connected to it, and the server's conn for that client. */
static int setup(h_world **wp, const net_config *cfg)
{
	h_world *w = h_new();
	uint16_t port = h_serve_tcp(w, cfg, keep_conn);
	int fd = h_raw_connect("127.0.0.1", port);
	h_raw_send(fd, OPT, strlen(OPT));
	unsigned one = 1;
	assert_true(h_pump(w, 2000, h_msgs_at_least, &one));
	assert_non_null(kept);
	*wp = w;
	return fd;
}

static void teardown(h_world *w, int fd)
{
	net_conn_unref(kept);
	kept = NULL;
	close(fd);
	h_free(w);
}

static bool nothing_to_read(int fd)
{
	char b[64];
	ssize_t r = recv(fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
	return r < 0 && errno == EAGAIN;
}

static size_t all_len(void)
{
	size_t n = 0;
	for (size_t i = 0; i < 3; i++)
		n += strlen(msgs[i]);
	return n;
}

static void expect_in_order(const char *buf)
{
	const char *p = buf;
	for (size_t i = 0; i < 3; i++) {
		assert_memory_equal(p, msgs[i], strlen(msgs[i]));
		p += strlen(msgs[i]);
	}
}

/* Three sends in one turn: nothing is written until the turn ends, then one write
 * carries all three, in the order they were sent. */
static void test_batch_in_order_at_turn_end(void **state)
{
	(void)state;
	h_world *w;
	int fd = setup(&w, NULL);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(net_send(kept, msgs[i], strlen(msgs[i])), 0);
	assert_true(nothing_to_read(fd));
	uv_run(&w->loop, UV_RUN_NOWAIT);
	h_inbox in = {.fd = fd, .want = "CSeq: 3 OPTIONS"};
	assert_true(h_pump(w, 2000, h_inbox_poll, &in));
	assert_int_equal(in.len, all_len());
	expect_in_order(in.buf);
	/* One write: the first recv after the turn saw every byte (loopback keeps a
	 * single write of a few hundred bytes together). */
	static char again[4096];
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(net_send(kept, msgs[i], strlen(msgs[i])), 0);
	uv_run(&w->loop, UV_RUN_NOWAIT);
	ssize_t r = recv(fd, again, sizeof(again), 0);
	assert_int_equal(r, (ssize_t)all_len());
	expect_in_order(again);
	teardown(w, fd);
}

/* A batch reaching 16 KiB goes out at once, before the turn ends. */
static void test_big_batch_written_at_once(void **state)
{
	(void)state;
	h_world *w;
	int fd = setup(&w, NULL);
	static char big[20000];
	memset(big, 'b', sizeof(big));
	assert_int_equal(net_send(kept, msgs[0], strlen(msgs[0])), 0);
	assert_true(nothing_to_read(fd));
	assert_int_equal(net_send(kept, big, sizeof(big)), 0);
	assert_false(nothing_to_read(fd));
	h_inbox in = {.fd = fd, .want = NULL};
	h_pump(w, 50, h_inbox_poll, &in);
	assert_int_equal(in.len, strlen(msgs[0]) + sizeof(big));
	assert_memory_equal(in.buf, msgs[0], strlen(msgs[0]));
	teardown(w, fd);
}

/* A soft close in the turn that queued messages: they go before the FIN. */
static void test_close_writes_pending_batch(void **state)
{
	(void)state;
	h_world *w;
	int fd = setup(&w, NULL);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(net_send(kept, msgs[i], strlen(msgs[i])), 0);
	net_conn_close(kept);
	assert_int_equal(net_send(kept, msgs[0], strlen(msgs[0])), OPENUM_EIO);
	h_inbox *in = h_raw_read(w, fd, NULL, 2000);
	assert_true(in->eof);
	assert_int_equal(in->len, all_len());
	expect_in_order(in->buf);
	free(in);
	teardown(w, fd);
}

/* net_free with a batch queued: the bytes still reach the peer. */
static void test_free_writes_pending_batch(void **state)
{
	(void)state;
	h_world *w;
	int fd = setup(&w, NULL);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(net_send(kept, msgs[i], strlen(msgs[i])), 0);
	net_conn_unref(kept);
	kept = NULL;
	net_free(w->n);
	w->n = NULL;
	static char buf[4096];
	size_t got = 0;
	for (int i = 0; i < 200 && got < all_len(); i++) {
		ssize_t r = recv(fd, buf + got, sizeof(buf) - got, 0);
		if (r > 0)
			got += (size_t)r;
		else
			usleep(1000);
	}
	assert_int_equal(got, all_len());
	expect_in_order(buf);
	close(fd);
	h_free(w);
}

/* The write queue limit hit in the middle of a batch: that send fails, the conn is
 * closed, the rest of the batch is dropped, the close says why; later sends fail. */
static void test_limit_mid_batch_closes(void **state)
{
	(void)state;
	h_world *w;
	net_config cfg = {.max_write_queue = 4096};
	int fd = setup(&w, &cfg);
	static char chunk[1500];
	memset(chunk, 'c', sizeof(chunk));
	assert_int_equal(net_send(kept, chunk, sizeof(chunk)), 0);
	assert_int_equal(net_send(kept, chunk, sizeof(chunk)), 0);
	assert_int_equal(net_send(kept, chunk, sizeof(chunk)), OPENUM_ETOOBIG);
	assert_false(net_conn_is_open(kept));
	assert_int_equal(net_send(kept, msgs[0], strlen(msgs[0])), OPENUM_EIO);
	unsigned one = 1;
	assert_true(h_pump(w, 3000, h_closes_at_least, &one));
	assert_int_equal(w->close_err, OPENUM_ETOOBIG);
	assert_ptr_equal(w->closed_conn, kept);
	teardown(w, fd);
}

/* The peer resets the connection while a batch is queued: the flush (or the read
 * that sees the reset first) closes it, the close is reported, nothing leaks. */
static void test_reset_peer_with_pending_batch(void **state)
{
	(void)state;
	h_world *w;
	int fd = setup(&w, NULL);
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd); /* RST */
	int err = 0;
	for (int i = 0; i < 100 && err == 0; i++) {
		for (size_t j = 0; j < 3 && err == 0; j++)
			err = net_send(kept, msgs[j], strlen(msgs[j]));
		h_pump(w, 1, NULL, NULL);
	}
	assert_int_equal(err, OPENUM_EIO);
	unsigned one = 1;
	assert_true(h_pump(w, 3000, h_closes_at_least, &one));
	assert_true(w->close_err == OPENUM_EIO || w->close_err == 0);
	net_conn_unref(kept);
	kept = NULL;
	h_free(w);
}

#define REQ(n)                                                                                     \
	"OPTIONS sip:bob@example.com SIP/2.0\r\n"                                                  \
	"Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bK" #n "\r\n"                                 \
	"From: <sip:alice@example.com>;tag=a1\r\n"                                                 \
	"To: <sip:bob@example.com>\r\n"                                                            \
	"Call-ID: tls-" #n "\r\n"                                                                  \
	"CSeq: " #n " OPTIONS\r\n"                                                                 \
	"Content-Length: 0\r\n"                                                                    \
	"\r\n"

/* TLS both ways (net as client and server): three requests queued before the
 * handshake ends and three in one later turn arrive in order, and the server's six
 * answers (batched per turn, one SSL_write each) come back in order. */
static void test_tls_batches_in_order(void **state)
{
	(void)state;
	char dir[256], err[256] = "", cert[300], key[300], ca[300];
	snprintf(dir, sizeof(dir), "%s/openum-batch.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(net_certs_make(dir, NULL, err, sizeof(err)), 0);
	snprintf(cert, sizeof(cert), "%s/server.pem", dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	h_world *w = h_new();
	net_config scfg = {.cert_file = cert, .key_file = key};
	assert_int_equal(h_server(w, &scfg), 0);
	w->auto_reply = true;
	uint16_t port = 0;
	assert_int_equal(net_listen(w->n, NET_TLS, "127.0.0.1", 0, &port), 0);
	net_config ccfg = {.ca_file = ca};
	assert_int_equal(h_client(w, &ccfg), 0);
	static const char *const reqs[] = {REQ(1), REQ(2), REQ(3), REQ(4), REQ(5), REQ(6)};
	net_conn *c = NULL;
	assert_int_equal(net_connect(w->cli, NET_TLS, "127.0.0.1", port, NULL, &c), 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(net_send(c, reqs[i], strlen(reqs[i])), 0);
	unsigned three = 3, six = 6;
	assert_true(h_pump(w, 3000, h_cli_msgs_at_least, &three));
	for (size_t i = 3; i < 6; i++)
		assert_int_equal(net_send(c, reqs[i], strlen(reqs[i])), 0);
	assert_true(h_pump(w, 3000, h_cli_msgs_at_least, &six));
	assert_int_equal(w->nmsgs, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(w->msgs[i].raw, reqs[i]);
		char cseq[32];
		snprintf(cseq, sizeof(cseq), "CSeq: %zu OPTIONS", i + 1);
		assert_non_null(strstr(w->cli_msgs[i].raw, cseq));
	}
	net_conn_close(c);
	unsigned one = 1;
	assert_true(h_pump(w, 3000, h_cli_closes_at_least, &one));
	net_conn_unref(c);
	h_free(w);
	static const char *const files[] = {"ca.pem",     "ca.key",     "server.pem",
	                                    "server.key", "client.pem", "client.key"};
	for (size_t i = 0; i < 6; i++) {
		char f[300];
		snprintf(f, sizeof(f), "%s/%s", dir, files[i]);
		unlink(f);
	}
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_in_order_at_turn_end),
	    cmocka_unit_test(test_big_batch_written_at_once),
	    cmocka_unit_test(test_close_writes_pending_batch),
	    cmocka_unit_test(test_free_writes_pending_batch),
	    cmocka_unit_test(test_limit_mid_batch_closes),
	    cmocka_unit_test(test_reset_peer_with_pending_batch),
	    cmocka_unit_test(test_tls_batches_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
