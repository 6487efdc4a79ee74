/* Dialogs outside calls: the notifier side of RFC 6665 for the application (the UM
 * server's message-waiting subscriptions). A ua_dlg is created by accepting a
 * SUBSCRIBE, answers what arrives in it through events.request + ua_dlg_match, and
 * sends NOTIFYs back on the connection the SUBSCRIBE came on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

/* One request in flight; detached (g NULL) when its dialog is freed first. */
typedef struct dlg_req {
	struct dlg_req *next;
	ua *u;
	ua_dlg *g;
	ua_resp_cb cb;
	void *arg;
	bool done;
} dlg_req;

struct ua_dlg {
	ua *u;
	ua_dlg *prev, *next;
	dialog *dlg;
	net_conn *conn;
	net_transport tp;
	void *arg;
};

int ua_uri_hop(ou_slice s, net_transport def, net_transport *tp, char *host, size_t cap,
               uint16_t *port)
{
	sip_uri uri;
	sip_addr a;
	if (s.n && s.p[0] == '<') {
		if (sip_addr_parse(s, &a, NULL))
			return OPENUM_EINVAL;
		uri = a.uri;
	} else if (sip_uri_parse(s, &uri, NULL)) {
		return OPENUM_EINVAL;
	}
	if (uri.scheme != SIP_URI_SIP && uri.scheme != SIP_URI_SIPS)
		return OPENUM_EINVAL;
	ou_slice t;
	*tp = def;
	if (uri.scheme == SIP_URI_SIPS ||
	    (sip_param_get(uri.params, "transport", &t) == 0 && ou_slice_caseeq_cstr(t, "tls")))
		*tp = NET_TLS;
	else if (sip_param_get(uri.params, "transport", &t) == 0 && ou_slice_caseeq_cstr(t, "tcp"))
		*tp = NET_TCP;
	if (uri.host.n == 0 || uri.host.n >= cap)
		return OPENUM_EINVAL;
	ou_slice h = uri.host;
	if (h.n > 2 && h.p[0] == '[')
		h = ou_slice_make(h.p + 1, h.n - 2);
	ou_slice_copy(h, host, cap);
	*port = uri.port ? uri.port : *tp == NET_TLS ? NET_DEFAULT_TLS_PORT : NET_DEFAULT_TCP_PORT;
	return 0;
}

static int add_lines(ou_buf *b, const char *const *extra, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *c = strchr(extra[i], ':');
		if (!c)
			return OPENUM_EINVAL;
		ou_slice v = ou_slice_trim(ou_slice_cstr(c + 1));
		int err = sip_print_header(b, ou_slice_make(extra[i], (size_t)(c - extra[i])), v);
		if (err)
			return err;
	}
	return 0;
}

static int respond(ua *u, txn *st, const net_peer *peer, unsigned status, const char *reason,
                   const char *const *extra, size_t nextra, bool contact, const char *ct)
{
	ou_buf b;
	ou_buf_init(&b);
	int err = txn_response_begin(st, status, reason, &b);
	if (!err && contact) {
		char cv[256];
		if (ct)
			snprintf(cv, sizeof(cv), "%s", ct);
		else
			ua_contact(u, peer ? peer->transport : NET_TCP, peer, cv, sizeof(cv));
		err = sip_print_header_cstr(&b, "Contact", cv);
	}
	if (!err)
		err = add_lines(&b, extra, nextra);
	if (!err)
		err = sip_print_header_cstr(&b, "User-Agent", u->user_agent);
	if (!err)
		err = sip_print_body(&b, OU_SLICE_NULL, OU_SLICE_NULL);
	if (!err && b.failed)
		err = OPENUM_ENOMEM;
	if (!err)
		err = txn_send_response(st, b.data, b.len);
	ou_buf_free(&b);
	return err;
}

int ua_dlg_respond(ua *u, void *st, unsigned status, const char *reason, const char *const *extra,
                   size_t nextra, bool contact)
{
	if (!u || !st || status < 100 || status > 699)
		return OPENUM_EINVAL;
	int err = respond(u, st, NULL, status, reason, extra, nextra, contact, NULL);
	return err == OPENUM_EINVAL ? txn_respond(st, 500, NULL) : err;
}

int ua_dlg_accept(ua *u, void *stv, sip_msg *req, const net_peer *peer, unsigned status,
                  const char *const *extra, size_t nextra, ua_dlg **out)
{
	txn *st = stv;
	if (!u || !st || !req || !peer || !out || status < 200 || status > 299)
		return OPENUM_EINVAL;
	ua_dlg *g = calloc(1, sizeof(*g));
	if (!g)
		return OPENUM_ENOMEM;
	char cv[256];
	ua_contact(u, peer->transport, peer, cv, sizeof(cv));
	const char *why = NULL;
	int err = dialog_uas_create(req, txn_to_tag(st), ou_slice_cstr(cv),
	                            peer->transport == NET_TLS, &g->dlg, &why);
	if (!err)
		err = respond(u, st, peer, status, NULL, extra, nextra, true, cv);
	if (!err) {
		dialog_confirm(g->dlg);
		err = dialog_table_add(&u->odialogs, g->dlg);
	}
	if (err) {
		dialog_free(g->dlg);
		free(g);
		return err;
	}
	g->dlg->user = g;
	g->u = u;
	g->tp = peer->transport;
	net_conn *c = txn_conn(st);
	if (c)
		g->conn = net_conn_ref(c);
	g->next = u->dlgs;
	if (u->dlgs)
		u->dlgs->prev = g;
	u->dlgs = g;
	*out = g;
	return 0;
}

ua_dlg *ua_dlg_match(ua *u, sip_msg *req, unsigned *status)
{
	dialog *d;
	unsigned st = 0;
	if (dialog_table_match_request(&u->odialogs, req, &d, &st, NULL)) {
		*status = st ? st : 481;
		return NULL;
	}
	return d->user;
}

static ua *r_ua(dlg_req *r)
{
	return r->u;
}

static void req_cb(void *arg, txn *t, const txn_event *ev)
{
	dlg_req *r = arg;
	(void)t;
	if (ev->type == TXN_EV_RESPONSE && ev->status >= 200 && !r->done) {
		r->done = true;
		if (r->g) {
			if (ev->msg)
				(void)dialog_handle_response(r->g->dlg, ev->msg, NULL);
			if (r->cb)
				r->cb(r->arg, r->g, ev->status, ev->msg);
		}
		return;
	}
	if (ev->type != TXN_EV_TERMINATED)
		return;
	for (dlg_req **pp = &r_ua(r)->dreqs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	free(r);
}

static int dlg_conn(ua_dlg *g, net_conn **out)
{
	if (g->conn && net_conn_is_open(g->conn)) {
		*out = g->conn;
		return 0;
	}
	ou_slice hop = g->dlg->nroute ? g->dlg->route[0] : g->dlg->remote_target;
	net_transport tp;
	char host[256];
	uint16_t port;
	int err = ua_uri_hop(hop, g->tp, &tp, host, sizeof(host), &port);
	net_conn *nc;
	if (!err)
		err = net_connect(g->u->net, tp, host, port, NULL, &nc);
	if (err)
		return err;
	if (g->conn)
		net_conn_unref(g->conn);
	g->conn = nc;
	g->tp = tp;
	*out = nc;
	return 0;
}

int ua_dlg_request(ua_dlg *g, sip_method m, const char *const *extra, size_t nextra,
                   const char *ctype, ou_slice body, ua_resp_cb cb, void *arg)
{
	if (!g || nextra > DIALOG_MAX_EXTRA)
		return OPENUM_EINVAL;
	net_conn *conn;
	int err = dlg_conn(g, &conn);
	if (err)
		return err;
	char via[160];
	if ((err = ua_via(g->u, g->tp, net_conn_peer(conn), via, sizeof(via))))
		return err;
	dialog_req dr = {.via = ou_slice_cstr(via), .nextra = (unsigned)nextra};
	if (ctype) {
		dr.content_type = ou_slice_cstr(ctype);
		dr.body = body;
	}
	for (size_t i = 0; i < nextra; i++) {
		const char *c = strchr(extra[i], ':');
		if (!c)
			return OPENUM_EINVAL;
		dr.extra_name[i] = ou_slice_make(extra[i], (size_t)(c - extra[i]));
		dr.extra_value[i] = ou_slice_trim(ou_slice_cstr(c + 1));
	}
	dlg_req *r = calloc(1, sizeof(*r));
	if (!r)
		return OPENUM_ENOMEM;
	*r = (dlg_req){.u = g->u, .g = g, .cb = cb, .arg = arg};
	ou_buf b;
	ou_buf_init(&b);
	err = dialog_request(g->dlg, m, &dr, &b);
	if (!err && b.failed)
		err = OPENUM_ENOMEM;
	if (!err)
		err = txn_client_start(g->u->txl, conn, b.data, b.len, req_cb, r, NULL);
	ou_buf_free(&b);
	if (err) {
		free(r);
		return err;
	}
	r->next = g->u->dreqs;
	g->u->dreqs = r;
	return 0;
}

void ua_dlg_set_arg(ua_dlg *g, void *arg)
{
	g->arg = arg;
}

void *ua_dlg_get_arg(const ua_dlg *g)
{
	return g->arg;
}

void ua_dlg_free(ua_dlg *g)
{
	if (!g)
		return;
	ua *u = g->u;
	for (dlg_req *r = u->dreqs; r; r = r->next)
		if (r->g == g)
			r->g = NULL;
	if (g->prev)
		g->prev->next = g->next;
	else
		u->dlgs = g->next;
	if (g->next)
		g->next->prev = g->prev;
	dialog_table_remove(&u->odialogs, g->dlg);
	dialog_free(g->dlg);
	if (g->conn)
		net_conn_unref(g->conn);
	free(g);
}

void ua_dlg_free_all(ua *u)
{
	for (ua_dlg *g = u->dlgs, *next; g; g = next) {
		next = g->next;
		ua_dlg_free(g);
	}
}

void ua_dlg_free_reqs(ua *u)
{
	while (u->dreqs) {
		dlg_req *r = u->dreqs;
		u->dreqs = r->next;
		free(r);
	}
}

int ua_request_out(ua *u, const ua_out_req *r)
{
	if (!u || !r || !r->method || !r->ruri || !r->from || !r->to || !r->host || !r->port ||
	    (r->transport != NET_TCP && r->transport != NET_TLS) || u->freeing)
		return OPENUM_EINVAL;
	net_conn *conn;
	int err = net_connect(u->net, r->transport, r->host, r->port, r->tls_name, &conn);
	if (err)
		return err;
	char via[160], tag[TXN_TAG_LEN + 1], cid[TXN_TAG_LEN + 1], val[600];
	ou_buf b;
	ou_buf_init(&b);
	if (!(err = ua_via(u, r->transport, net_conn_peer(conn), via, sizeof(via))) &&
	    !(err = txn_new_tag(tag)) && !(err = txn_new_tag(cid)))
		err = sip_print_request_line(&b, ou_slice_cstr(r->method), ou_slice_cstr(r->ruri));
	if (!err)
		err = sip_print_header_cstr(&b, "Via", via);
	if (!err)
		err = sip_print_header_cstr(&b, "Max-Forwards", "70");
	if (!err) {
		snprintf(val, sizeof(val), "<%s>;tag=%s", r->from, tag);
		err = sip_print_header_cstr(&b, "From", val);
	}
	if (!err) {
		snprintf(val, sizeof(val), "<%s>", r->to);
		err = sip_print_header_cstr(&b, "To", val);
	}
	if (!err) {
		snprintf(val, sizeof(val), "out-%s", cid);
		err = sip_print_header_cstr(&b, "Call-ID", val);
	}
	if (!err) {
		snprintf(val, sizeof(val), "1 %s", r->method);
		err = sip_print_header_cstr(&b, "CSeq", val);
	}
	if (!err) {
		ua_contact(u, r->transport, net_conn_peer(conn), val, sizeof(val));
		err = sip_print_header_cstr(&b, "Contact", val);
	}
	if (!err)
		err = add_lines(&b, r->extra, r->nextra);
	if (!err)
		err = sip_print_header_cstr(&b, "User-Agent", u->user_agent);
	if (!err)
		err = sip_print_body(&b, r->ctype ? ou_slice_cstr(r->ctype) : OU_SLICE_NULL,
		                     r->ctype ? r->body : OU_SLICE_NULL);
	if (!err && b.failed)
		err = OPENUM_ENOMEM;
	if (!err)
		err = txn_client_start(u->txl, conn, b.data, b.len, NULL, NULL, NULL);
	ou_buf_free(&b);
	net_conn_unref(conn);
	return err;
}
