/* The link to net: the production txn_io (transactions send through net and hold
 * net_conn references) and net callbacks that feed the layer.
 * Kept apart so unit tests that pass a fake txn_io do not pull net in. */
#include "txn.h"

static int io_send(void *arg, net_conn *c, const char *buf, size_t len)
{
	(void)arg;
	return net_send(c, buf, len);
}

static void io_ref(void *arg, net_conn *c)
{
	(void)arg;
	net_conn_ref(c);
}

static void io_unref(void *arg, net_conn *c)
{
	(void)arg;
	net_conn_unref(c);
}

txn_io txn_io_net(void)
{
	return (txn_io){.send = io_send, .ref = io_ref, .unref = io_unref, .arg = NULL};
}

void txn_net_on_recv(void *layer, net_conn *c, const net_peer *peer, sip_msg *msg)
{
	(void)txn_layer_receive(layer, c, peer, msg);
}

void txn_net_on_close(void *layer, net_conn *c, int err, const char *why)
{
	(void)err;
	(void)why;
	txn_conn_closed(layer, c);
}
