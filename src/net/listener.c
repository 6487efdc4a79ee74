/* TCP and TLS listeners: bind, accept, and the max-connections limit (a connection
 * over the limit is accepted and closed at once, so the kernel backlog does not fill
 * with peers that will never be served). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

static void listener_free_cb(uv_handle_t *h)
{
	net_listener *l = h->data;
	struct net *n = l->n;
	free(l);
	net_handle_done(n);
}

static void refused_closed(uv_handle_t *h)
{
	struct net *n = h->data;
	free(h);
	net_handle_done(n);
}

/* Accepts and closes: the peer sees the connection end without a word. */
static void refuse(struct net *n, uv_stream_t *server)
{
	uv_tcp_t *t = malloc(sizeof(*t));
	if (!t || uv_tcp_init(n->loop, t)) {
		free(t);
		return; /* the pending connection stays in the backlog; nothing else to do */
	}
	t->data = n;
	n->active++;
	(void)uv_accept(server, (uv_stream_t *)t);
	n->stats.conns_refused++;
	metrics_inc(MET_NET_CONNS_REFUSED);
	uv_close((uv_handle_t *)t, refused_closed);
}

static void on_connection(uv_stream_t *server, int status)
{
	net_listener *l = server->data;
	struct net *n = l->n;
	if (status < 0 || n->freeing)
		return;
	if (n->nconns >= n->cfg.max_conns) {
		refuse(n, server);
		return;
	}
	net_conn *c = conn_new(n, l->tp, false);
	if (!c) {
		refuse(n, server);
		return;
	}
	if (uv_accept(server, (uv_stream_t *)&c->tcp)) {
		conn_close_now(c, OPENUM_EIO, "accept failed");
		return;
	}
	n->stats.conns_accepted++;
	conn_fill_addrs(c);
	if (l->tp == NET_TLS && tls_conn_new(c, true, NULL)) {
		conn_close_now(c, OPENUM_EIO, "TLS setup failed");
		return;
	}
	(void)conn_start(c);
}

static void listen_fail(struct net *n, net_transport tp, const char *ip, uint16_t port,
                        const char *why)
{
	bool v6 = strchr(ip, ':') != NULL;
	snprintf(n->listen_err, sizeof(n->listen_err), "%s %s%s%s:%u: %s",
	         tp == NET_TLS ? "TLS" : "TCP", v6 ? "[" : "", ip, v6 ? "]" : "", port, why);
}

int net_listen(net *n, net_transport tp, const char *ip, uint16_t port, uint16_t *bound_port)
{
	if (!n || !ip || n->freeing || (tp != NET_TCP && tp != NET_TLS))
		return OPENUM_EINVAL;
	n->listen_err[0] = 0;
	if (tp == NET_TLS && !n->tls_server) {
		listen_fail(n, tp, ip, port, "TLS needs a certificate and its key");
		return OPENUM_EINVAL;
	}
	struct sockaddr_storage ss;
	unsigned flags = 0;
	if (uv_ip4_addr(ip, port, (struct sockaddr_in *)&ss) != 0) {
		if (uv_ip6_addr(ip, port, (struct sockaddr_in6 *)&ss) != 0) {
			listen_fail(n, tp, ip, port, "not an IP address");
			return OPENUM_EINVAL;
		}
		/* "::" serves IPv6 only; an operator who wants both lists 0.0.0.0 too. */
		flags = UV_TCP_IPV6ONLY;
	}
	net_listener *l = calloc(1, sizeof(*l));
	if (!l) {
		listen_fail(n, tp, ip, port, "out of memory");
		return OPENUM_ENOMEM;
	}
	l->n = n;
	l->tp = tp;
	int r = uv_tcp_init(n->loop, &l->tcp);
	if (r) {
		listen_fail(n, tp, ip, port, uv_strerror(r));
		free(l);
		return OPENUM_EIO;
	}
	l->tcp.data = l;
	n->active++;
	r = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&ss, flags);
	if (!r)
		r = uv_listen((uv_stream_t *)&l->tcp, 511, on_connection);
	if (r) {
		listen_fail(n, tp, ip, port, uv_strerror(r)); /* "address already in use" */
		uv_close((uv_handle_t *)&l->tcp, listener_free_cb);
		return OPENUM_EIO;
	}
	struct sockaddr_storage bound;
	int blen = sizeof(bound);
	if (uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&bound, &blen) == 0)
		peer_addr_text((struct sockaddr *)&bound, l->ip, sizeof(l->ip), &l->port);
	if (bound_port)
		*bound_port = l->port;
	l->next = n->listeners;
	n->listeners = l;
	return 0;
}

const char *net_listen_error(const net *n)
{
	return n && n->listen_err[0] ? n->listen_err : NULL;
}

const char *net_listen_why(const net *n)
{
	static char buf[200];
	const char *r = net_listen_error(n);
	snprintf(buf, sizeof(buf), "cannot listen on %s", r ? r : "the address");
	return buf;
}
