/* The transaction layer object: where messages from net enter and are routed to the
 * client or server machinery, the life cycle every transaction shares (creation,
 * its one timer, deferred local outcomes, termination and freeing), and accessors. */
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

int txn_layer_new(uv_loop_t *loop, const txn_config *cfg, const txn_io *io, const txn_tu *tu,
                  txn_layer **out)
{
	if (!loop || !io || !io->send || !tu || !tu->on_request || !tu->on_ack)
		return OPENUM_EINVAL;
	txn_layer *l = calloc(1, sizeof(*l));
	if (!l)
		return OPENUM_ENOMEM;
	l->loop = loop;
	if (cfg)
		l->cfg = *cfg;
	if (!l->cfg.t1_ms)
		l->cfg.t1_ms = TXN_DEFAULT_T1_MS;
	l->io = *io;
	l->tu = *tu;
	ou_buf_init(&l->out);
	if (txn_table_init(&l->server) || txn_table_init(&l->client)) {
		txn_table_free(&l->server);
		free(l);
		return OPENUM_ENOMEM;
	}
	*out = l;
	return 0;
}

static void layer_release(txn_layer *l)
{
	txn_table_free(&l->server);
	txn_table_free(&l->client);
	ou_buf_free(&l->out);
	free(l);
}

void txn_layer_free(txn_layer *l)
{
	if (!l)
		return;
	l->closing = true;
	for (txn *t = l->all; t; t = t->next)
		txn_terminate(t);
	if (l->ntxn == 0)
		layer_release(l);
	/* else the last close callback releases it */
}

uint64_t txn_timeout_ms(const txn_layer *l)
{
	return (uint64_t)TXN_TIMEOUT_T1 * l->cfg.t1_ms;
}

void txn_emit(txn *t, txn_event_type type, unsigned status, sip_msg *msg)
{
	if (!t->cb || t->l->closing)
		return;
	txn_event ev = {.type = type, .status = status, .msg = msg};
	t->cb(t->arg, t, &ev);
}

static void on_timer(uv_timer_t *h)
{
	txn *t = h->data;
	txn_timer tk = t->tk;

	t->tk = TXN_T_NONE;
	if (tk == TXN_T_DEFER) {
		txn_emit(t, t->deferred.type, t->deferred.status, NULL);
		txn_terminate(t);
	} else if (t->server) {
		txn_server_timer(t, tk);
	} else {
		txn_client_timer(t, tk);
	}
}

void txn_timer_start(txn *t, txn_timer tk, uint64_t ms)
{
	if (t->closing)
		return;
	t->tk = tk;
	uv_timer_start(&t->timer, on_timer, ms, 0);
}

void txn_timer_stop(txn *t)
{
	if (t->closing)
		return;
	t->tk = TXN_T_NONE;
	uv_timer_stop(&t->timer);
}

bool txn_dead(const txn *t)
{
	return t->state == TXN_TERMINATED || t->tk == TXN_T_DEFER;
}

void txn_defer(txn *t, txn_event_type type, unsigned status)
{
	if (txn_dead(t))
		return;
	/* Out of matching now: nothing more may reach a transaction that failed. */
	txn_table_del(t->server ? &t->l->server : &t->l->client, t);
	t->deferred = (txn_event){.type = type, .status = status};
	txn_timer_start(t, TXN_T_DEFER, 0);
}

txn *txn_alloc(txn_layer *l, bool server, net_conn *c, sip_msg *m, const txn_key *k)
{
	/* The record and its copy of the request in one allocation; only the record is
	 * zeroed. */
	txn *t = malloc(sizeof(*t) + m->raw.n + 1);
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->req = (char *)(t + 1);
	memcpy(t->req, m->raw.p, m->raw.n);
	t->req[m->raw.n] = '\0';
	t->req_len = m->raw.n;
	t->key = *k;
	txn_key_rebase(&t->key, m, t->req);
	t->l = l;
	t->server = server;
	t->conn = c;
	if (l->io.ref)
		l->io.ref(l->io.arg, c);
	uv_timer_init(l->loop, &t->timer);
	t->timer.data = t;
	t->next = l->all;
	if (l->all)
		l->all->prev = t;
	l->all = t;
	l->ntxn++;
	metrics_inc(server ? MET_TXN_SERVER : MET_TXN_CLIENT);
	metrics_add(MET_TXN_ACTIVE, 1);
	txn_table_add(server ? &l->server : &l->client, t);
	return t;
}

static void on_closed(uv_handle_t *h)
{
	txn *t = h->data;
	txn_layer *l = t->l;

	txn_emit(t, TXN_EV_TERMINATED, 0, NULL);
	if (l->io.unref)
		l->io.unref(l->io.arg, t->conn);
	if (t->prev)
		t->prev->next = t->next;
	else
		l->all = t->next;
	if (t->next)
		t->next->prev = t->prev;
	free(t->last);
	free(t);
	metrics_add(MET_TXN_ACTIVE, -1);
	if (--l->ntxn == 0 && l->closing)
		layer_release(l);
}

void txn_terminate(txn *t)
{
	if (t->closing)
		return;
	t->state = TXN_TERMINATED;
	txn_table_del(t->server ? &t->l->server : &t->l->client, t);
	uv_timer_stop(&t->timer);
	t->tk = TXN_T_NONE;
	t->closing = true;
	/* Freed in the close phase of the loop, so a TU still inside a call on t (or
	 * holding it in a callback) never sees it vanish. */
	uv_close((uv_handle_t *)&t->timer, on_closed);
}

int txn_send(txn *t, const char *buf, size_t len)
{
	return t->l->io.send(t->l->io.arg, t->conn, buf, len);
}

int txn_reparse(txn *t, sip_msg **out)
{
	int err = sip_msg_parse(t->req, t->req_len, &t->l->scratch, NULL);
	if (err)
		return err;
	*out = &t->l->scratch;
	return 0;
}

int txn_send_stateless(txn_layer *l, net_conn *c, sip_msg *req, unsigned status, const char *reason)
{
	char tag[TXN_TAG_LEN + 1];
	int err = txn_new_tag(tag);
	if (err)
		return err;
	ou_buf_reset(&l->out);
	err = txn_build_response(req, status, reason, ou_slice_cstr(tag), &l->out);
	if (err)
		return err;
	return l->io.send(l->io.arg, c, l->out.data, l->out.len);
}

int txn_layer_receive(txn_layer *l, net_conn *c, const net_peer *peer, sip_msg *m)
{
	txn_key k;
	int err;

	if (!m->is_request) {
		err = txn_key_from_msg(m, &k);
		if (err)
			return err;
		txn *t = txn_match_client(l, &k);
		if (t)
			txn_client_response(t, m);
		else if (l->tu.on_stray_response)
			l->tu.on_stray_response(l->tu.arg, m, c, peer);
		return 0;
	}
	const char *why = NULL;
	err = sip_msg_check(m, &why);
	if (!err)
		err = txn_key_from_msg(m, &k);
	if (err) {
		if (m->method != SIP_METHOD_ACK) {
			metrics_inc(MET_SIP_PARSE_ANSWERED_400);
			(void)txn_send_stateless(l, c, m, 400, why ? why : "Bad Request");
		}
		return err;
	}
	switch (m->method) {
	case SIP_METHOD_ACK: txn_server_ack(l, c, peer, m, &k); break;
	case SIP_METHOD_CANCEL: txn_server_cancel(l, c, m, &k); break;
	default: txn_server_request(l, c, peer, m, &k); break;
	}
	return 0;
}

void txn_conn_closed(txn_layer *l, const net_conn *c)
{
	txn *nx;
	for (txn *t = l->all; t; t = nx) {
		nx = t->next;
		if (t->conn != c || txn_dead(t))
			continue;
		if (!t->server && (t->state == TXN_CALLING || t->state == TXN_TRYING ||
		                   t->state == TXN_PROCEEDING))
			txn_emit(t, TXN_EV_RESPONSE, 503, NULL);
		else if (t->server && (t->state == TXN_TRYING || t->state == TXN_PROCEEDING ||
		                       t->state == TXN_COMPLETED))
			txn_emit(t, TXN_EV_TRANSPORT_ERROR, 503, NULL);
		txn_terminate(t);
	}
}

void txn_set_cb(txn *t, txn_cb cb, void *arg)
{
	t->cb = cb;
	t->arg = arg;
}

bool txn_is_server(const txn *t)
{
	return t->server;
}
txn_state txn_get_state(const txn *t)
{
	return t->state;
}
sip_method txn_method(const txn *t)
{
	return t->key.method;
}
net_conn *txn_conn(const txn *t)
{
	return t->conn;
}
ou_slice txn_request(const txn *t)
{
	return ou_slice_make(t->req, t->req_len);
}
ou_slice txn_to_tag(const txn *t)
{
	return t->resp_tag;
}
ou_slice txn_branch(const txn *t)
{
	return t->key.branch;
}
