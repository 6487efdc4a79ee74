/* Outgoing connections: reuse of an open connection to the same peer (RFC 3261
 * 18.1.1), name lookup on libuv's thread pool, connect, then TLS with the server's
 * certificate checked against the name we meant to reach. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net_int.h"

typedef struct resolve_req {
	uv_getaddrinfo_t req;
	struct net *n;
	net_conn *c;
} resolve_req;

static void on_connect(uv_connect_t *req, int status)
{
	net_conn *c = req->data;
	if (c->state == CONN_CLOSED)
		return;
	if (status < 0) {
		conn_close_now(c, OPENUM_EIO, uv_strerror(status));
		return;
	}
	conn_fill_addrs(c);
	(void)conn_start(c);
}

static int start_connect(net_conn *c, const struct sockaddr *sa)
{
	peer_addr_text(sa, c->peer.remote_ip, sizeof(c->peer.remote_ip), &c->peer.remote_port);
	c->state = CONN_CONNECTING;
	c->connect_req.data = c;
	int r = uv_tcp_connect(&c->connect_req, &c->tcp, sa, on_connect);
	if (r) {
		conn_close_now(c, OPENUM_EIO, uv_strerror(r));
		return OPENUM_EIO;
	}
	return 0;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	resolve_req *rr = req->data;
	net_conn *c = rr->c;
	struct net *n = rr->n;
	if (c->state != CONN_CLOSED) {
		if (status < 0 || !res)
			conn_close_now(c, OPENUM_EIO, "name lookup failed");
		else
			(void)start_connect(c, res->ai_addr);
	}
	uv_freeaddrinfo(res);
	free(rr);
	net_conn_unref(c);
	net_handle_done(n); /* last: it may free n */
}

/* Reusable: same transport and address (or the same name we were asked before), not
 * closing. For TLS: our own connections whose server name was checked as asked, or a
 * connection a peer opened to us when the target is exactly its address, given as a
 * number with no other name to check. That is a phone's flow: baresip puts the
 * address of its connection in its Contact, and no listener is behind it, so requests
 * in the dialog (ACK, BYE) can only go back over that connection (RFC 5626, 5923). */
static net_conn *find_reusable(struct net *n, net_transport tp, const char *host, const char *ip,
                               uint16_t port, const char *vname)
{
	for (net_conn *c = n->conns; c; c = c->next) {
		if (c->state >= CONN_CLOSING || c->tp != tp)
			continue;
		bool same =
		    (c->peer.outgoing && c->port == port && strcasecmp(c->host, host) == 0) ||
		    (ip && c->peer.remote_port == port && strcmp(c->peer.remote_ip, ip) == 0);
		if (!same)
			continue;
		if (tp == NET_TLS && !c->peer.outgoing) {
			bool exact = ip && c->peer.remote_port == port &&
			             strcmp(c->peer.remote_ip, ip) == 0 && strcmp(vname, host) == 0;
			if (!exact)
				continue;
		} else if (tp == NET_TLS && strcasecmp(c->tls_name, vname) != 0) {
			continue;
		}
		return c;
	}
	return NULL;
}

int net_connect(net *n, net_transport tp, const char *host, uint16_t port, const char *tls_name,
                net_conn **out)
{
	if (!n || !host || !out || !port || n->freeing || (tp != NET_TCP && tp != NET_TLS))
		return OPENUM_EINVAL;
	char h[256];
	size_t hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') { /* IPv6 reference */
		host++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(h))
		return OPENUM_EINVAL;
	memcpy(h, host, hl);
	h[hl] = '\0';
	const char *vname = tls_name ? tls_name : h;
	if (strlen(vname) >= sizeof(((net_conn *)0)->tls_name))
		return OPENUM_EINVAL;

	/* A numeric address is compared in its canonical text form. */
	struct sockaddr_storage ss;
	char ip[48];
	bool numeric = false;
	uint16_t dummy;
	if (uv_ip4_addr(h, port, (struct sockaddr_in *)&ss) == 0 ||
	    uv_ip6_addr(h, port, (struct sockaddr_in6 *)&ss) == 0) {
		numeric = true;
		peer_addr_text((struct sockaddr *)&ss, ip, sizeof(ip), &dummy);
	}
	net_conn *c = find_reusable(n, tp, h, numeric ? ip : NULL, port, vname);
	if (c) {
		*out = net_conn_ref(c);
		return 0;
	}
	if (n->nconns >= n->cfg.max_conns)
		return OPENUM_ETOOBIG;
	if (tp == NET_TLS && tls_client_ctx(n))
		return OPENUM_EINVAL;
	c = conn_new(n, tp, true);
	if (!c)
		return OPENUM_ENOMEM;
	memcpy(c->host, h, hl + 1);
	strcpy(c->tls_name, vname);
	c->port = port;
	int err = 0;
	if (tp == NET_TLS && (err = tls_conn_new(c, false, vname)) != 0)
		goto fail;
	if (numeric) {
		if ((err = start_connect(c, (struct sockaddr *)&ss)) != 0)
			goto fail;
	} else {
		resolve_req *rr = calloc(1, sizeof(*rr));
		if (!rr) {
			err = OPENUM_ENOMEM;
			goto fail;
		}
		rr->n = n;
		rr->c = net_conn_ref(c);
		rr->req.data = rr;
		struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
		char portstr[8];
		snprintf(portstr, sizeof(portstr), "%u", port);
		if (uv_getaddrinfo(n->loop, &rr->req, on_resolved, h, portstr, &hints)) {
			net_conn_unref(c);
			free(rr);
			err = OPENUM_EIO;
			goto fail;
		}
		n->active++;
	}
	*out = net_conn_ref(c);
	return 0;
fail:
	c->silent = true;
	conn_close_now(c, err, "connect failed");
	return err;
}
