/* One SIP connection over TCP or TLS: its life (open, soft and hard close, reference
 * count), the read path (bytes -> framer -> parsed message -> net_recv_cb, with the
 * 400/513 answers net gives itself) and the write path with its queue limit. */
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

typedef struct wreq {
	uv_write_t req;
	net_conn *c;
	size_t len;
	char data[];
} wreq;

static void handle_closed(uv_handle_t *h);

net_conn *conn_new(struct net *n, net_transport tp, bool outgoing)
{
	net_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (uv_tcp_init(n->loop, &c->tcp)) {
		free(c);
		return NULL;
	}
	uv_timer_init(n->loop, &c->deadline);
	uv_timer_init(n->loop, &c->idle);
	c->tcp.data = c;
	c->deadline.data = c;
	c->idle.data = c;
	c->handles = 3;
	n->active += 3;
	c->n = n;
	c->refs = 1; /* net's, dropped when the handles are closed */
	c->tp = tp;
	c->peer.transport = tp;
	c->peer.outgoing = outgoing;
	metrics_inc(tp == NET_TLS ? MET_NET_CONNS_TLS : MET_NET_CONNS_TCP);
	metrics_add(tp == NET_TLS ? MET_NET_CONNS_ACTIVE_TLS : MET_NET_CONNS_ACTIVE_TCP, 1);
	c->state = outgoing ? CONN_RESOLVING : (tp == NET_TLS ? CONN_HANDSHAKE : CONN_OPEN);
	sip_framer_init(&c->framer);
	c->framer.max_msg = n->cfg.max_msg;
	ou_buf_init(&c->in);
	ou_buf_init(&c->pending);
	c->next = n->conns;
	if (n->conns)
		n->conns->prev = c;
	n->conns = c;
	n->nconns++;
	conn_touch(c);
	limits_start(c);
	return c;
}

void conn_touch(net_conn *c)
{
	c->last_active = uv_now(c->n->loop);
}

void conn_fill_addrs(net_conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
		peer_addr_text((struct sockaddr *)&ss, c->peer.remote_ip, sizeof(c->peer.remote_ip),
		               &c->peer.remote_port);
	len = sizeof(ss);
	if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
		peer_addr_text((struct sockaddr *)&ss, c->peer.local_ip, sizeof(c->peer.local_ip),
		               &c->peer.local_port);
}

net_conn *net_conn_ref(net_conn *c)
{
	c->refs++;
	return c;
}

void net_conn_unref(net_conn *c)
{
	if (!c || --c->refs > 0)
		return;
	SSL_free(c->ssl);
	ou_buf_free(&c->in);
	ou_buf_free(&c->pending);
	ou_buf_free(&c->out);
	free(c);
}

const net_peer *net_conn_peer(const net_conn *c)
{
	return &c->peer;
}

bool net_conn_is_open(const net_conn *c)
{
	return c->state < CONN_CLOSING;
}

/* All three handles are closed: tell the owner, leave the list, drop net's ref. */
static void conn_finish(net_conn *c)
{
	struct net *n = c->n;
	if (!n->freeing && n->on_close && !c->silent)
		n->on_close(n->arg, c, c->close_err, c->close_why ? c->close_why : "closed");
	if (c->prev)
		c->prev->next = c->next;
	else
		n->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	n->nconns--;
	metrics_add(c->tp == NET_TLS ? MET_NET_CONNS_ACTIVE_TLS : MET_NET_CONNS_ACTIVE_TCP, -1);
	/* Whoever still holds a reference keeps a small closed shell, not the TLS state
	 * and buffers. */
	SSL_free(c->ssl);
	c->ssl = NULL;
	ou_buf_free(&c->in);
	ou_buf_free(&c->pending);
	batch_drop(c);
	net_conn_unref(c);
}

static void handle_closed(uv_handle_t *h)
{
	net_conn *c = h->data;
	struct net *n = c->n;
	if (--c->handles == 0)
		conn_finish(c);
	net_handle_done(n); /* last: it may free n */
}

void conn_close_now(net_conn *c, int err, const char *why)
{
	if (c->state == CONN_CLOSED)
		return;
	/* A soft close already said why; its end (peer EOF, linger) keeps that reason. */
	if (c->state != CONN_CLOSING) {
		c->close_err = err;
		c->close_why = why;
	}
	c->state = CONN_CLOSED;
	uv_close((uv_handle_t *)&c->tcp, handle_closed);
	uv_close((uv_handle_t *)&c->deadline, handle_closed);
	uv_close((uv_handle_t *)&c->idle, handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	net_conn *c = req->data;
	/* Our bytes are out and the FIN is sent; the peer's EOF or the linger timer
	 * finishes the close. A failure means nobody will read the rest anyway. */
	if (status < 0 && c->state == CONN_CLOSING)
		conn_close_now(c, c->close_err, c->close_why);
}

void conn_close_soft(net_conn *c, int err, const char *why)
{
	if (c->state >= CONN_CLOSING)
		return;
	if (c->state != CONN_OPEN) {
		conn_close_now(c, err, why);
		return;
	}
	/* What was sent this loop turn goes before the close_notify and the FIN. */
	(void)batch_flush(c);
	if (c->state != CONN_OPEN)
		return;
	c->close_err = err;
	c->close_why = why;
	c->state = CONN_CLOSING;
	if (c->tp == NET_TLS)
		tls_shutdown(c);
	if (c->state != CONN_CLOSING)
		return;
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown)) {
		conn_close_now(c, err, why);
		return;
	}
	limits_deadline(c, DEADLINE_LINGER, NET_LINGER_MS);
}

void net_conn_close(net_conn *c)
{
	if (c)
		conn_close_soft(c, 0, "closed locally");
}

/* ---- write path -------------------------------------------------------------- */

static void on_write(uv_write_t *req, int status)
{
	wreq *w = (wreq *)req;
	net_conn *c = w->c;
	c->queued -= w->len;
	free(w);
	if (c->state == CONN_CLOSED)
		return;
	if (status < 0)
		conn_close_now(c, OPENUM_EIO, uv_strerror(status));
	else
		conn_touch(c);
}

int conn_write_wire(net_conn *c, const char *p, size_t len)
{
	if (c->state == CONN_CLOSED)
		return OPENUM_EIO;
	uv_buf_t b = uv_buf_init((char *)p, (unsigned)len);
	/* Straight to the kernel when nothing is queued: no copy, no allocation. */
	int r = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
	size_t done = 0;
	if (r >= 0) {
		done = (size_t)r;
	} else if (r != UV_EAGAIN) {
		conn_close_now(c, OPENUM_EIO, uv_strerror(r));
		return OPENUM_EIO;
	}
	conn_touch(c);
	if (done == len)
		return 0;
	size_t rest = len - done;
	wreq *w = malloc(sizeof(*w) + rest);
	if (!w) {
		conn_close_now(c, OPENUM_ENOMEM, "out of memory");
		return OPENUM_ENOMEM;
	}
	memcpy(w->data, p + done, rest);
	w->c = c;
	w->len = rest;
	c->queued += rest;
	b = uv_buf_init(w->data, (unsigned)rest);
	r = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
	if (r) {
		c->queued -= rest;
		free(w);
		conn_close_now(c, OPENUM_EIO, uv_strerror(r));
		return OPENUM_EIO;
	}
	return 0;
}

/* Plaintext from a caller, or an answer of net's own. */
static int conn_send(net_conn *c, const char *buf, size_t len)
{
	if (c->state >= CONN_CLOSING)
		return OPENUM_EIO;
	size_t limit = c->n->cfg.max_write_queue;
	if (len > limit || c->queued > limit - len) {
		conn_close_now(c, OPENUM_ETOOBIG, "write queue limit");
		return OPENUM_ETOOBIG;
	}
	if (c->state != CONN_OPEN) {
		if (ou_buf_append(&c->pending, buf, len))
			return OPENUM_ENOMEM;
		c->queued += len;
		return 0;
	}
	return batch_add(c, buf, len);
}

int net_send(net_conn *c, const char *buf, size_t len)
{
	if (!c || (!buf && len))
		return OPENUM_EINVAL;
	int err = conn_send(c, buf, len);
	if (!err)
		c->n->stats.msgs_out++;
	return err;
}

/* The connection (and TLS) is up: what was sent meanwhile goes out now. */
void conn_ready(net_conn *c)
{
	c->state = CONN_OPEN;
	limits_deadline_stop(c);
	if (!c->pending.len)
		return;
	ou_buf p = c->pending;
	ou_buf_init(&c->pending);
	c->queued -= p.len;
	(void)conn_send(c, p.data, p.len);
	ou_buf_free(&p);
}

/* ---- read path --------------------------------------------------------------- */

static void deliver(net_conn *c, const char *buf, size_t len)
{
	struct net *n = c->n;
	const char *why = NULL;
	if (sip_msg_parse(buf, len, &n->msg, &why)) {
		/* The framing was sound, so the stream is still in step: answer, go on. */
		n->stats.bad_msgs++;
		metrics_inc(MET_NET_BAD_MESSAGES);
		metrics_inc(MET_SIP_PARSE_ANSWERED_400);
		reply_error(c, 400, why ? why : "Bad Request", buf, len);
		return;
	}
	n->stats.msgs_in++;
	n->on_recv(n->arg, c, &c->peer, &n->msg);
}

/* Frames and delivers the messages at the start of buf[0..len); returns the bytes
 * consumed (whole messages and keep-alives). Stops early when c leaves CONN_OPEN. */
static size_t conn_frames(net_conn *c, const char *base, size_t total, bool *framed)
{
	struct net *n = c->n;
	size_t off = 0;
	while (c->state == CONN_OPEN && off < total) {
		const char *buf = base + off;
		size_t len = total - off, flen = 0;
		const char *why = NULL;
		int k = sip_frame(&c->framer, buf, len, &flen, &why);
		if (k == OPENUM_EAGAIN)
			break;
		if (k == OPENUM_ETOOBIG) {
			n->stats.bad_msgs++;
			metrics_inc(MET_NET_BAD_MESSAGES);
			metrics_inc(MET_SIP_FRAMER_DROPPED);
			if (reply_has_request_line(buf, len))
				reply_error(c, 513, "Message Too Large", buf, len);
			conn_close_soft(c, OPENUM_ETOOBIG, "Message Too Large");
			break;
		}
		if (k < 0) {
			/* Without a length the next message cannot be found: answer, close. */
			n->stats.bad_msgs++;
			metrics_inc(MET_NET_BAD_MESSAGES);
			metrics_inc(MET_SIP_FRAMER_DROPPED);
			why = why ? why : "Bad framing";
			reply_error(c, 400, why, buf, len);
			conn_close_soft(c, OPENUM_EBADMSG, why);
			break;
		}
		*framed = true;
		if (k == SIP_FRAME_PING) {
			n->stats.pings++;
			(void)conn_send(c, "\r\n", 2);
		} else if (k == SIP_FRAME_MSG) {
			deliver(c, buf, flen);
		}
		off += flen;
	}
	return off;
}

void conn_input(net_conn *c, const char *data, size_t len)
{
	bool framed = false;
	net_conn_ref(c); /* the callback may close it and drop other references */
	if (c->in.len == 0 && c->state == CONN_OPEN) {
		/* Nothing held back: frame straight from the read buffer (no copy); only
		 * the tail of a message cut by the read is kept. */
		size_t off = conn_frames(c, data, len, &framed);
		if (c->state == CONN_OPEN && off < len &&
		    ou_buf_append(&c->in, data + off, len - off))
			conn_close_now(c, OPENUM_ENOMEM, "out of memory");
	} else if (ou_buf_append(&c->in, data, len)) {
		conn_close_now(c, OPENUM_ENOMEM, "out of memory");
	} else {
		size_t off = conn_frames(c, c->in.data, c->in.len, &framed);
		if (c->state == CONN_OPEN)
			ou_buf_consume(&c->in, off);
	}
	if (c->state == CONN_OPEN) {
		if (c->in.len == 0 && c->in.cap > NET_KEEP_INBUF)
			ou_buf_free(&c->in);
		limits_after_read(c, framed);
	}
	net_conn_unref(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	net_conn *c = h->data;
	/* Every read is consumed before the next one: one buffer serves all conns. */
	*b = uv_buf_init(c->n->rbuf, sizeof(c->n->rbuf));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	net_conn *c = s->data;
	if (nread == 0 || c->state == CONN_CLOSED)
		return;
	if (nread < 0) {
		if (nread == UV_EOF)
			conn_close_now(c, 0, "closed by peer");
		else
			conn_close_now(c, OPENUM_EIO, uv_strerror((int)nread));
		return;
	}
	conn_touch(c);
	if (c->state == CONN_CLOSING)
		return; /* draining until the peer closes or the linger ends */
	if (c->tp == NET_TLS) {
		const char *why = NULL;
		/* tls_feed delivers the plaintext through conn_input */
		int r = tls_feed(c, b->base, (size_t)nread, &why);
		if (r < 0) {
			conn_close_now(c, r, why ? why : "TLS error");
			return;
		}
		/* c is still alive: net's own reference is dropped only by conn_finish(),
		 * which runs from uv_close callbacks on a later loop turn, never inside
		 * conn_input(). The analyzer cannot count references. */
		if (r == 1)
			// NOLINTNEXTLINE(clang-analyzer-unix.Malloc): see above
			conn_close_now(c, 0, "closed by peer");
		return;
	}
	conn_input(c, b->base, (size_t)nread);
}

int conn_start(net_conn *c)
{
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read)) {
		conn_close_now(c, OPENUM_EIO, "read failed");
		return OPENUM_EIO;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	if (c->tp == NET_TCP) {
		conn_ready(c);
		return 0;
	}
	c->state = CONN_HANDSHAKE;
	if (!c->peer.outgoing)
		return 0; /* the client speaks first */
	const char *why = NULL;
	int err = tls_start(c, &why);
	if (err)
		conn_close_now(c, err, why ? why : "TLS handshake failed");
	return err;
}
