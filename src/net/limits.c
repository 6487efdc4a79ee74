/* The time limits of a connection: connect + TLS handshake, header read (from the
 * first byte of a message to its last, so a slow sender cannot hold a connection with
 * a message that never ends), idle (no byte either way), and the linger after we
 * decided to close. Size limits live where the bytes are: the framer (message size),
 * conn.c (write queue), listener.c (connections). */
#include "net_int.h"

static void on_idle(uv_timer_t *t)
{
	net_conn *c = t->data;
	uint64_t now = uv_now(t->loop);
	uint64_t idle = c->n->cfg.idle_timeout_ms;
	uint64_t quiet = now - c->last_active;
	/* Activity does not restart the timer (that would cost a heap update per read):
	 * the timer checks when it fires and sleeps for the remainder. */
	if (quiet >= idle)
		conn_close_now(c, OPENUM_ETOOBIG, "idle timeout");
	else
		uv_timer_start(t, on_idle, idle - quiet, 0);
}

static void on_deadline(uv_timer_t *t)
{
	net_conn *c = t->data;
	conn_deadline kind = c->deadline_kind;
	c->deadline_kind = DEADLINE_NONE;
	switch (kind) {
	case DEADLINE_HANDSHAKE:
		if (c->state == CONN_HANDSHAKE)
			metrics_inc(MET_NET_TLS_HANDSHAKE_FAILURES);
		conn_close_now(c, OPENUM_ETOOBIG,
		               c->state == CONN_HANDSHAKE ? "TLS handshake timeout"
		                                          : "connect timeout");
		break;
	case DEADLINE_HEADER: conn_close_now(c, OPENUM_ETOOBIG, "header read timeout"); break;
	case DEADLINE_LINGER: conn_close_now(c, c->close_err, c->close_why); break;
	case DEADLINE_NONE: break;
	}
}

void limits_deadline(net_conn *c, conn_deadline kind, unsigned ms)
{
	if (c->state == CONN_CLOSED)
		return;
	c->deadline_kind = kind;
	uv_timer_start(&c->deadline, on_deadline, ms, 0);
}

void limits_deadline_stop(net_conn *c)
{
	c->deadline_kind = DEADLINE_NONE;
	uv_timer_stop(&c->deadline);
}

void limits_start(net_conn *c)
{
	uv_timer_start(&c->idle, on_idle, c->n->cfg.idle_timeout_ms, 0);
	if (c->peer.outgoing || c->tp == NET_TLS)
		limits_deadline(c, DEADLINE_HANDSHAKE, c->n->cfg.handshake_timeout_ms);
}

void limits_after_read(net_conn *c, bool consumed_frame)
{
	if (c->state != CONN_OPEN)
		return;
	if (c->in.len == 0) {
		if (c->deadline_kind == DEADLINE_HEADER)
			limits_deadline_stop(c);
		return;
	}
	/* A leftover after a complete frame is a message that started in this read. */
	if (consumed_frame || c->deadline_kind != DEADLINE_HEADER)
		limits_deadline(c, DEADLINE_HEADER, c->n->cfg.header_timeout_ms);
}
