/* The net object: configuration with its defaults, TLS contexts, the lists of
 * listeners and connections, counters, and teardown. net_free closes every handle and
 * the memory goes once the loop has run their close callbacks. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

const char *net_transport_name(net_transport tp)
{
	switch (tp) {
	case NET_TCP: return "TCP";
	case NET_TLS: return "TLS";
	}
	return "?";
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void net_destroy(struct net *n)
{
	if (n->trusted) {
		for (size_t i = 0; i < n->cfg.ntrusted; i++)
			free(n->trusted[i]);
		free(n->trusted);
	}
	free(n->cert_file);
	free(n->key_file);
	free(n->ca_file);
	SSL_CTX_free(n->tls_server);
	SSL_CTX_free(n->tls_client);
	free(n);
}

void net_handle_done(struct net *n)
{
	n->active--;
	if (n->freeing && n->active == 0)
		net_destroy(n);
}

int net_new(uv_loop_t *loop, const net_config *cfg, net_recv_cb on_recv, net_close_cb on_close,
            void *arg, net **out)
{
	if (!loop || !on_recv || !out)
		return OPENUM_EINVAL;
	/* A write to a connection the peer has reset would otherwise kill the process
	 * with SIGPIPE; libuv reports it as EPIPE instead once the signal is ignored.
	 * A handler someone installed on purpose is left alone. */
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);

	struct net *n = calloc(1, sizeof(*n));
	if (!n)
		return OPENUM_ENOMEM;
	n->loop = loop;
	n->on_recv = on_recv;
	n->on_close = on_close;
	n->arg = arg;
	if (cfg)
		n->cfg = *cfg;
	net_config *c = &n->cfg;
	if (!c->max_conns)
		c->max_conns = NET_DEFAULT_MAX_CONNS;
	if (!c->max_msg)
		c->max_msg = NET_DEFAULT_MAX_MSG;
	if (!c->header_timeout_ms)
		c->header_timeout_ms = NET_DEFAULT_HEADER_TIMEOUT_MS;
	if (!c->idle_timeout_ms)
		c->idle_timeout_ms = NET_DEFAULT_IDLE_TIMEOUT_MS;
	if (!c->handshake_timeout_ms)
		c->handshake_timeout_ms = NET_DEFAULT_HANDSHAKE_TIMEOUT_MS;
	if (!c->max_write_queue)
		c->max_write_queue = NET_DEFAULT_MAX_WRITE_QUEUE;

	/* The caller's strings need not outlive net_new. */
	int err = OPENUM_ENOMEM;
	n->cert_file = dup_or_null(c->cert_file);
	n->key_file = dup_or_null(c->key_file);
	n->ca_file = dup_or_null(c->ca_file);
	if ((c->cert_file && !n->cert_file) || (c->key_file && !n->key_file) ||
	    (c->ca_file && !n->ca_file))
		goto fail;
	c->cert_file = n->cert_file;
	c->key_file = n->key_file;
	c->ca_file = n->ca_file;
	if (c->ntrusted) {
		if (!c->trusted_peers) {
			err = OPENUM_EINVAL;
			goto fail;
		}
		n->trusted = calloc(c->ntrusted, sizeof(char *));
		if (!n->trusted) {
			c->ntrusted = 0;
			goto fail;
		}
		for (size_t i = 0; i < c->ntrusted; i++) {
			n->trusted[i] = dup_or_null(c->trusted_peers[i]);
			if (!n->trusted[i])
				goto fail;
		}
	}
	c->trusted_peers = (const char *const *)n->trusted;

	err = tls_ctx_new(n);
	if (err)
		goto fail;
	batch_start(n);
	*out = n;
	return 0;
fail:
	net_destroy(n);
	return err;
}

static void listener_closed(uv_handle_t *h)
{
	net_listener *l = h->data;
	struct net *n = l->n;
	free(l);
	net_handle_done(n);
}

void net_free(net *n)
{
	if (!n || n->freeing)
		return;
	n->freeing = true;
	batch_stop(n); /* what was sent before net_free still goes out */
	for (net_listener *l = n->listeners, *next; l; l = next) {
		next = l->next;
		uv_close((uv_handle_t *)&l->tcp, listener_closed);
	}
	n->listeners = NULL;
	for (net_conn *c = n->conns; c; c = c->next)
		conn_close_now(c, 0, "shutting down");
	if (n->active == 0)
		net_destroy(n);
}

void net_get_stats(const net *n, net_stats *out)
{
	*out = n->stats;
	out->conns_open = n->nconns;
}
