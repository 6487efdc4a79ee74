/* Write coalescing: what net_send queues for one connection during one loop turn goes
 * to the socket as one write (TCP) or one SSL_write, so one TLS record (TLS), when the
 * turn ends. Two loop hooks flush: a uv_check after the I/O callbacks (answers to what
 * was just read) and a uv_prepare before the loop waits (timer retransmissions, sends
 * from outside any callback). A batch reaching NET_BATCH_MAX goes out at once. Order
 * is kept (one buffer per connection); a failing write closes the connection as an
 * immediate write did, and the owner hears of it through its close callback. */
#include "net_int.h"

int batch_flush(net_conn *c)
{
	size_t len = c->out.len;
	if (len == 0)
		return 0;
	c->out.len = 0;
	c->queued -= len;
	int err = OPENUM_EIO;
	if (c->state == CONN_OPEN)
		err = c->tp == NET_TLS ? tls_write(c, c->out.data, len)
		                       : conn_write_wire(c, c->out.data, len);
	/* A batch that grew for a burst gives its memory back. */
	if (c->out.cap > NET_KEEP_INBUF)
		ou_buf_free(&c->out);
	return err;
}

int batch_add(net_conn *c, const char *p, size_t len)
{
	if (len == 0)
		return 0;
	if (ou_buf_append(&c->out, p, len)) {
		ou_buf_free(&c->out);
		conn_close_now(c, OPENUM_ENOMEM, "out of memory");
		return OPENUM_ENOMEM;
	}
	c->queued += len;
	if (c->out.len >= NET_BATCH_MAX)
		return batch_flush(c);
	if (!c->batched) {
		struct net *n = c->n;
		c->batched = true;
		c->batch_next = n->batch;
		n->batch = net_conn_ref(c); /* kept until the flush: a close cannot free it */
	}
	return 0;
}

void batch_drop(net_conn *c)
{
	c->queued -= c->out.len;
	ou_buf_free(&c->out);
}

void batch_flush_all(struct net *n)
{
	while (n->batch) {
		net_conn *c = n->batch;
		n->batch = c->batch_next;
		c->batch_next = NULL;
		c->batched = false;
		if (c->state == CONN_OPEN)
			(void)batch_flush(c);
		else
			batch_drop(c);
		net_conn_unref(c);
	}
}

static void on_check(uv_check_t *h)
{
	batch_flush_all(h->data);
}

static void on_prepare(uv_prepare_t *h)
{
	batch_flush_all(h->data);
}

void batch_start(struct net *n)
{
	uv_check_init(n->loop, &n->flush_check);
	uv_prepare_init(n->loop, &n->flush_prepare);
	n->flush_check.data = n;
	n->flush_prepare.data = n;
	uv_check_start(&n->flush_check, on_check);
	uv_prepare_start(&n->flush_prepare, on_prepare);
	/* Neither keeps the loop running: the connections do. */
	uv_unref((uv_handle_t *)&n->flush_check);
	uv_unref((uv_handle_t *)&n->flush_prepare);
	n->active += 2;
}

static void hook_closed(uv_handle_t *h)
{
	net_handle_done(h->data); /* last: it may free n */
}

void batch_stop(struct net *n)
{
	batch_flush_all(n);
	uv_close((uv_handle_t *)&n->flush_check, hook_closed);
	uv_close((uv_handle_t *)&n->flush_prepare, hook_closed);
}
