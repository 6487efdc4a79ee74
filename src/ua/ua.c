/* The ua object: builds net, txn, a dialog table and a media clock on one loop, routes
 * what the transaction layer hands up (new requests, 2xx ACKs) to calls, and runs the
 * callbacks that must not fire inside an application's ua_* call from the loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

static void tu_request(void *arg, txn *st, sip_msg *req, net_conn *conn, const net_peer *peer);
static void tu_ack(void *arg, sip_msg *ack, net_conn *conn, const net_peer *peer);

static void copy_str(char *dst, size_t cap, const char *src, const char *def)
{
	snprintf(dst, cap, "%s", src && *src ? src : def);
}

int ua_new(uv_loop_t *loop, const ua_config *cfg, const ua_events *ev, void *arg, ua **out)
{
	return ua_new_why(loop, cfg, ev, arg, out, NULL);
}

int ua_new_why(uv_loop_t *loop, const ua_config *cfg, const ua_events *ev, void *arg, ua **out,
               const char **why)
{
	static const ua_config zero;
	if (!loop || !ev || !out)
		return OPENUM_EINVAL;
	if (!cfg)
		cfg = &zero;
	ua *u = calloc(1, sizeof(*u));
	if (!u)
		return OPENUM_ENOMEM;
	u->loop = loop;
	u->ev = *ev;
	u->arg = arg;
	copy_str(u->contact_host, sizeof(u->contact_host), cfg->contact_host, "");
	copy_str(u->rtp_ip, sizeof(u->rtp_ip), cfg->rtp_ip, "127.0.0.1");
	copy_str(u->user_agent, sizeof(u->user_agent), cfg->user_agent, UA_DEFAULT_USER_AGENT);
	u->t1_ms = cfg->t1_ms;
	u->rtp_timeout_ms = cfg->rtp_timeout_ms;
	uint16_t pmin = cfg->rtp_port_min ? cfg->rtp_port_min : UA_DEFAULT_RTP_PORT_MIN;
	uint16_t pmax = cfg->rtp_port_max ? cfg->rtp_port_max : UA_DEFAULT_RTP_PORT_MAX;
	u->rtp_port_min = pmin;

	int err = OPENUM_ENOMEM;
	txn_config tc = {.t1_ms = cfg->t1_ms};
	txn_io io = txn_io_net();
	txn_tu tu = {.on_request = tu_request, .on_ack = tu_ack, .arg = u};
	if (!(u->scratch_msg = malloc(sizeof(sip_msg))) || (err = dialog_table_init(&u->dialogs)) ||
	    (err = dialog_table_init(&u->odialogs)))
		goto fail;
	if ((err = txn_layer_new(loop, &tc, &io, &tu, &u->txl)))
		goto fail;
	if ((err = net_new(loop, &cfg->net, txn_net_on_recv, txn_net_on_close, u->txl, &u->net)))
		goto fail;
	if ((err = media_clock_open_opts(loop, pmin, pmax, &cfg->media, &u->clock, why)))
		goto fail;
	uv_timer_init(loop, &u->defer);
	u->defer.data = u;
	*out = u;
	return 0;
fail:
	/* nothing here has a callback pending yet; the loop closes their handles */
	if (u->net)
		net_free(u->net);
	if (u->txl)
		txn_layer_free(u->txl);
	dialog_table_free(&u->dialogs);
	dialog_table_free(&u->odialogs);
	free(u->scratch_msg);
	free(u);
	return err;
}

static void ua_closed(uv_handle_t *h)
{
	free(h->data);
}

net *ua_net(ua *u)
{
	return u->net;
}

void ua_free(ua *u)
{
	if (!u)
		return;
	u->freeing = true;
	/* Calls whose `ended` is already queued get it now; the others end here. */
	while (u->calls) {
		ua_call *c = u->calls;
		if (c->state != CALL_ENDED)
			call_end(c, UA_END_SHUTDOWN, 0, "Shutdown", false);
		if (!c->end_queued) /* never: call_end queues; guards a loop */
			break;
		c->end_queued = false;
		if (u->ev.ended)
			u->ev.ended(u->arg, c, &c->end);
		call_release(c);
	}
	u->defer_head = u->defer_tail = NULL;
	uv_timer_stop(&u->defer);
	ua_sub_free_all(u);
	ua_dlg_free_all(u);
	media_clock_close(u->clock);
	txn_layer_free(u->txl);
	ua_dlg_free_reqs(u);
	net_free(u->net);
	dialog_table_free(&u->dialogs);
	dialog_table_free(&u->odialogs);
	for (size_t i = 0; i < UA_PEER_BUCKETS; i++) {
		while (u->peers[i]) {
			ua_peer *p = u->peers[i];
			u->peers[i] = p->next;
			free(p);
		}
	}
	free(u->scratch_msg);
	uv_close((uv_handle_t *)&u->defer, ua_closed);
}

int ua_listen(ua *u, net_transport tp, const char *ip, uint16_t port, uint16_t *bound_port)
{
	uint16_t bp = 0;
	if (!u || (tp != NET_TCP && tp != NET_TLS))
		return OPENUM_EINVAL;
	int err = net_listen(u->net, tp, ip ? ip : "0.0.0.0", port, &bp);
	if (err)
		return err;
	if (!u->listen_port[tp]) {
		u->listen_port[tp] = bp;
		copy_str(u->listen_ip[tp], sizeof(u->listen_ip[tp]), ip, "0.0.0.0");
	}
	if (bound_port)
		*bound_port = bp;
	return 0;
}

int ua_respond(const ua *u, void *st, unsigned status, const char *reason)
{
	if (!u || !st || status < 100 || status > 699)
		return OPENUM_EINVAL;
	return txn_respond(st, status, reason);
}

/* ---- shared peer records ------------------------------------------------------ */

static size_t peer_bucket(const net_conn *conn)
{
	uintptr_t x = (uintptr_t)conn;
	return (size_t)((x >> 4) ^ (x >> 12)) % UA_PEER_BUCKETS;
}

/* Field by field: memcmp of the whole struct would also compare its padding. */
static bool peer_same(const net_peer *a, const net_peer *b)
{
	return a->transport == b->transport &&
	       memcmp(a->remote_ip, b->remote_ip, sizeof(a->remote_ip)) == 0 &&
	       a->remote_port == b->remote_port &&
	       memcmp(a->local_ip, b->local_ip, sizeof(a->local_ip)) == 0 &&
	       a->local_port == b->local_port && a->outgoing == b->outgoing &&
	       a->tls_verified == b->tls_verified && a->nidentity == b->nidentity &&
	       memcmp(a->identity, b->identity, sizeof(a->identity)) == 0 &&
	       a->trusted == b->trusted;
}

ua_peer *ua_peer_get(ua *u, const net_conn *conn, const net_peer *p)
{
	size_t b = peer_bucket(conn);
	for (ua_peer *q = u->peers[b]; q; q = q->next) {
		/* a freed conn's address may come back for another peer: compare all */
		if (q->conn == conn && peer_same(&q->peer, p)) {
			q->refs++;
			return q;
		}
	}
	ua_peer *q = malloc(sizeof(*q));
	if (!q)
		return NULL;
	q->refs = 1;
	q->conn = conn;
	q->peer = *p;
	q->next = u->peers[b];
	u->peers[b] = q;
	return q;
}

void ua_peer_put(ua *u, ua_peer *p)
{
	if (!p || --p->refs)
		return;
	for (ua_peer **pp = &u->peers[peer_bucket(p->conn)]; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	free(p);
}

/* ---- addresses we write ------------------------------------------------------- */

static bool is_wildcard(const char *ip)
{
	return !*ip || strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0;
}

void ua_local_hostport(ua *u, net_transport tp, const net_peer *p, char *out, size_t cap)
{
	const char *host = u->contact_host;
	uint16_t port = 0;
	if (p && !p->outgoing) {
		/* a request that reached one of our listeners: answer as that listener */
		if (!*host)
			host = p->local_ip;
		port = p->local_port;
	} else {
		if (!*host && !is_wildcard(u->listen_ip[tp]))
			host = u->listen_ip[tp];
		if (!*host && p && *p->local_ip)
			host = p->local_ip;
		if (!*host)
			host = u->rtp_ip;
		port = u->listen_port[tp] ? u->listen_port[tp] : p ? p->local_port : 0;
	}
	bool v6 = strchr(host, ':') && host[0] != '[';
	char portstr[8] = "";
	if (port)
		snprintf(portstr, sizeof(portstr), ":%u", port);
	snprintf(out, cap, "%s%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "", portstr);
}

void ua_contact(ua *u, net_transport tp, const net_peer *p, char *out, size_t cap)
{
	if ((unsigned)tp < 3 && u->reg_contact[tp][0]) {
		snprintf(out, cap, "<%s>", u->reg_contact[tp]);
		return;
	}
	char hp[80];
	ua_local_hostport(u, tp, p, hp, sizeof(hp));
	snprintf(out, cap, "<sip:%s;transport=%s>", hp, tp == NET_TLS ? "tls" : "tcp");
}

int ua_via(ua *u, net_transport tp, const net_peer *p, char *out, size_t cap)
{
	char hp[80], br[TXN_BRANCH_LEN + 1];
	int err = txn_new_branch(br);
	if (err)
		return err;
	ua_local_hostport(u, tp, p, hp, sizeof(hp));
	snprintf(out, cap, "SIP/2.0/%s %s;branch=%s", net_transport_name(tp), hp, br);
	return 0;
}

/* ---- sending in a dialog ------------------------------------------------------- */

/* The connection for the dialog's next request: the call's own while it is open,
 * else a new one to the remote target (the peer closed the one we had). */
static int dialog_conn(ua_call *c, net_conn **out)
{
	if (c->conn && net_conn_is_open(c->conn)) {
		*out = c->conn;
		return 0;
	}
	sip_uri uri;
	char host[256];
	if (!c->dlg || sip_uri_parse(c->dlg->remote_target, &uri, NULL) ||
	    (uri.scheme != SIP_URI_SIP && uri.scheme != SIP_URI_SIPS))
		return OPENUM_EINVAL;
	net_transport tp = c->peer ? c->peer->peer.transport : NET_TCP;
	ou_slice t;
	if (uri.scheme == SIP_URI_SIPS ||
	    (sip_param_get(uri.params, "transport", &t) == 0 && ou_slice_caseeq_cstr(t, "tls")))
		tp = NET_TLS;
	ou_slice_copy(uri.host, host, sizeof(host));
	uint16_t port = uri.port        ? uri.port
	                : tp == NET_TLS ? NET_DEFAULT_TLS_PORT
	                                : NET_DEFAULT_TCP_PORT;
	net_conn *nc;
	int err = net_connect(c->u->net, tp, host, port, NULL, &nc);
	if (err)
		return err;
	if (c->conn)
		net_conn_unref(c->conn);
	c->conn = nc;
	*out = nc;
	return 0;
}

int ua_send_in_dialog(ua_call *c, ou_buf *b, txn_cb cb, void *arg)
{
	net_conn *conn;
	if (b->failed)
		return OPENUM_ENOMEM;
	int err = dialog_conn(c, &conn);
	if (err)
		return err;
	return txn_client_start(c->u->txl, conn, b->data, b->len, cb, arg, NULL);
}

/* ---- deferred callbacks -------------------------------------------------------- */

static void defer_run(uv_timer_t *t)
{
	ua *u = t->data;
	while (u->defer_head) {
		ua_call *c = u->defer_head;
		u->defer_head = c->defer_next;
		if (!u->defer_head)
			u->defer_tail = NULL;
		c->defer_next = NULL;
		if (!c->end_queued)
			continue;
		c->end_queued = false;
		if (u->ev.ended)
			u->ev.ended(u->arg, c, &c->end);
		call_release(c);
	}
}

void ua_defer(ua_call *c)
{
	ua *u = c->u;
	if (u->defer_tail)
		u->defer_tail->defer_next = c;
	else
		u->defer_head = c;
	u->defer_tail = c;
	if (!u->freeing)
		uv_timer_start(&u->defer, defer_run, 0, 0);
}

/* ---- what the transaction layer hands up ---------------------------------------- */

static int respond_405(txn *st)
{
	ou_buf b;
	ou_buf_init(&b);
	int err = txn_response_begin(st, 405, NULL, &b);
	if (!err && !(err = sip_print_header_cstr(&b, "Allow", DIALOG_ALLOW)) &&
	    !(err = sip_print_body(&b, OU_SLICE_NULL, OU_SLICE_NULL)))
		err = txn_send_response(st, b.data, b.len);
	ou_buf_free(&b);
	return err ? txn_respond(st, 500, NULL) : 0;
}

static void answer_options(ua *u, txn *st, sip_msg *req)
{
	ou_buf b;
	ou_buf_init(&b);
	sdp_local l = {.addr = ou_slice_cstr(u->rtp_ip),
	               .port = u->rtp_port_min,
	               .sess_id = 1,
	               .sess_version = 1,
	               .dir = SDP_SENDRECV,
	               .te_pt = SDP_PT_TE_DEFAULT};
	if (dialog_options_reply(req, txn_to_tag(st), &l, &b, NULL) == 0)
		(void)txn_send_response(st, b.data, b.len);
	else
		(void)txn_respond(st, 500, NULL);
	ou_buf_free(&b);
}

static void tu_request(void *arg, txn *st, sip_msg *req, net_conn *conn, const net_peer *peer)
{
	ua *u = arg;
	const sip_addr *to;
	if (u->freeing) {
		(void)txn_respond(st, 503, NULL);
		return;
	}
	if (sip_msg_to(req, &to, NULL) == 0 && to->tag.p) {
		if (req->method == SIP_METHOD_NOTIFY && ua_sub_notify(u, st, req))
			return;
		call_in_request(u, st, req, peer);
		return;
	}
	switch (req->method) {
	case SIP_METHOD_INVITE: call_in_invite(u, st, req, conn, peer); break;
	case SIP_METHOD_OPTIONS: answer_options(u, st, req); break;
	case SIP_METHOD_BYE:
	case SIP_METHOD_INFO: (void)txn_respond(st, 481, NULL); break;
	default:
		if (u->ev.request)
			u->ev.request(u->arg, u, st, req, peer);
		else
			(void)respond_405(st);
	}
}

static void tu_ack(void *arg, sip_msg *ack, net_conn *conn, const net_peer *peer)
{
	ua *u = arg;
	(void)conn;
	(void)peer;
	if (!u->freeing)
		call_in_ack(u, ack);
}
