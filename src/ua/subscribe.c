/* Subscriptions: the subscriber side of RFC 6665 (openum phone's message-waiting
 * lamp). SUBSCRIBE through the outbound proxy with digest answers, the dialog from
 * its 2xx, refreshes inside that dialog before expiry, NOTIFYs matched by Call-ID
 * and our tag (so one that overtakes the 2xx is not lost) and answered 200, and a
 * new subscription after a failure or a termination. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

#define SUB_STR UA_OOD_STR
#define SUB_MAX_CHALLENGES 2

struct ua_subscription {
	ua *u;
	ua_subscription *next;
	char resource[SUB_STR], from[SUB_STR], event[64], accept[128];
	char host[SUB_STR], tls_name[SUB_STR];
	bool have_accept, have_tls_name;
	net_transport tp;
	uint16_t port;
	uint32_t want_expires, sent_expires;
	ua_sub cfg; /* callbacks and arg (string pointers not used after ua_subscribe) */

	char call_id[80], from_tag[TXN_TAG_LEN + 1];
	uint32_t cseq;
	net_conn *conn;
	txn *t;
	dialog *dlg; /* from the first 2xx; NULL before */
	ua_cred cr;
	bool unsubscribing, freed;
	uint64_t refresh_at, retry_at;
	uv_timer_t tick;
};

static void report(ua_subscription *s, ua_sub_state st, unsigned status, uint32_t e)
{
	if (s->cfg.state)
		s->cfg.state(s->cfg.arg, s, st, status, e);
}

static int sub_conn(ua_subscription *s)
{
	if (s->conn && net_conn_is_open(s->conn))
		return 0;
	net_conn *c;
	int err = net_connect(s->u->net, s->tp, s->host, s->port,
	                      s->have_tls_name ? s->tls_name : NULL, &c);
	if (err)
		return err;
	if (s->conn)
		net_conn_unref(s->conn);
	s->conn = c;
	return 0;
}

static void sub_cb(void *arg, txn *t, const txn_event *ev);

/* A new dialog: fresh Call-ID and tag, no dialog state. */
static int sub_reset(ua_subscription *s)
{
	char r[TXN_TAG_LEN + 1];
	int err;
	if ((err = txn_new_tag(s->from_tag)) || (err = txn_new_tag(r)))
		return err;
	snprintf(s->call_id, sizeof(s->call_id), "sub-%s", r);
	s->cseq = 0;
	s->cr.chal[0] = '\0';
	s->cr.challenges = 0;
	dialog_free(s->dlg);
	s->dlg = NULL;
	return 0;
}

static int sub_send(ua_subscription *s, uint32_t expires)
{
	ua *u = s->u;
	char via[160], ev[96], ex[32], acc[160];
	int err = sub_conn(s);
	if (err)
		return err;
	net_transport tp = s->tp;
	if ((err = ua_via(u, tp, net_conn_peer(s->conn), via, sizeof(via))))
		return err;
	snprintf(ev, sizeof(ev), "Event: %s", s->event);
	snprintf(ex, sizeof(ex), "Expires: %u", expires);
	snprintf(acc, sizeof(acc), "Accept: %s", s->accept);
	ou_buf b;
	ou_buf_init(&b);
	if (s->dlg) {
		dialog_req dr = {.via = ou_slice_cstr(via)};
		const char *lines[3] = {ev, ex, acc};
		dr.nextra = s->have_accept ? 3 : 2;
		for (unsigned i = 0; i < dr.nextra; i++) {
			const char *c = strchr(lines[i], ':');
			dr.extra_name[i] = ou_slice_make(lines[i], (size_t)(c - lines[i]));
			dr.extra_value[i] = ou_slice_cstr(c + 2);
		}
		err = dialog_request(s->dlg, SIP_METHOD_SUBSCRIBE, &dr, &b);
		if (!err && b.failed)
			err = OPENUM_ENOMEM;
		if (!err)
			err = txn_client_start(u->txl, s->conn, b.data, b.len, sub_cb, s, &s->t);
	} else {
		const ua_ood r = {.method = "SUBSCRIBE",
		                  .ruri = s->resource,
		                  .from = s->from,
		                  .from_tag = s->from_tag,
		                  .to = s->resource,
		                  .call_id = s->call_id,
		                  .cseq = ++s->cseq};
		err = ua_ood_start(&b, &r, via);
		if (!err) {
			char val[SUB_STR * 2 + 32];
			ua_contact(u, tp, net_conn_peer(s->conn), val, sizeof(val));
			err = sip_print_header_cstr(&b, "Contact", val);
		}
		if (!err)
			err = sip_print_header_cstr(&b, "Event", s->event);
		if (!err)
			err = sip_print_header_cstr(&b, "Expires", ex + 9);
		if (!err && s->have_accept)
			err = sip_print_header_cstr(&b, "Accept", s->accept);
		if (!err)
			err = ua_ood_send(u, &b, &r, &s->cr, s->conn, sub_cb, s, &s->t);
	}
	ou_buf_free(&b);
	if (!err)
		s->sent_expires = expires;
	return err;
}

static uint64_t refresh_ms(uint32_t e)
{
	uint32_t x = e > 120 ? e - 60 : e / 2;
	return (uint64_t)(x ? x : 1) * 1000;
}

static void fail(ua_subscription *s, unsigned status)
{
	s->refresh_at = 0;
	s->cr.challenges = 0;
	if (s->unsubscribing) {
		report(s, UA_SUB_TERMINATED, status, 0);
		return;
	}
	bool permanent =
	    status == 401 || status == 407 || status == 403 || status == 404 || status == 489;
	s->retry_at = permanent ? 0 : uv_now(s->u->loop) + UA_SUB_RETRY_MS;
	(void)sub_reset(s);
	report(s, UA_SUB_FAILED, status, 0);
}

/* The dialog from our SUBSCRIBE (parsed back from the transaction) and its 2xx. */
static void make_dialog(ua_subscription *s, txn *t, sip_msg *resp)
{
	if (s->dlg)
		return;
	ou_slice req = txn_request(t);
	if (sip_msg_parse(req.p, req.n, s->u->scratch_msg, NULL) == 0)
		(void)dialog_uac_create(s->u->scratch_msg, resp, s->tp == NET_TLS, &s->dlg, NULL);
}

static void sub_cb(void *arg, txn *t, const txn_event *ev)
{
	ua_subscription *s = arg;
	if (ev->type == TXN_EV_TERMINATED) {
		if (s->t == t)
			s->t = NULL;
		return;
	}
	if (ev->type != TXN_EV_RESPONSE || ev->status < 200)
		return;
	txn_set_cb(t, NULL, NULL);
	if (s->t == t)
		s->t = NULL;
	unsigned st = ev->status;
	sip_msg *m = ev->msg;
	if (st < 300) {
		s->cr.challenges = 0;
		if (m)
			make_dialog(s, t, m);
		uint32_t e = s->sent_expires;
		if (m && sip_msg_expires(m, &e, NULL))
			e = s->sent_expires;
		if (s->unsubscribing || e == 0) {
			s->refresh_at = s->retry_at = 0;
			report(s, UA_SUB_TERMINATED, st, 0);
			return;
		}
		s->retry_at = 0;
		s->refresh_at = uv_now(s->u->loop) + refresh_ms(e);
		report(s, UA_SUB_ACTIVE, st, e);
		return;
	}
	if ((st == 401 || st == 407) && m && s->cr.have_pass && !s->dlg &&
	    ua_cred_take(&s->cr, m, SUB_MAX_CHALLENGES) == 0 && sub_send(s, s->sent_expires) == 0)
		return;
	if (s->dlg && (st == 481 || st == 408) && !s->unsubscribing) {
		/* the notifier forgot us: a new subscription now */
		(void)sub_reset(s);
		if (sub_send(s, s->want_expires) == 0)
			return;
	}
	fail(s, st);
}

bool ua_sub_notify(ua *u, txn *st, sip_msg *req)
{
	const sip_addr *to;
	ou_slice cid;
	if (sip_msg_to(req, &to, NULL) || sip_msg_callid(req, &cid, NULL))
		return false;
	ua_subscription *s = u->subs;
	for (; s; s = s->next)
		if (!s->freed && ou_slice_eq_cstr(cid, s->call_id) &&
		    ou_slice_eq_cstr(to->tag, s->from_tag))
			break;
	if (!s)
		return false;
	const sip_hdr *h = sip_msg_hdr(req, SIP_H_SUBSCRIPTION_STATE);
	sip_substate ss;
	const char *why = NULL;
	if (!h || sip_substate_parse(h->value, &ss, &why)) {
		(void)txn_respond(st, 400, why ? why : "Missing Subscription-State");
		return true;
	}
	const sip_hdr *e = sip_msg_hdr(req, SIP_H_EVENT);
	if (!e || !sip_event_is(e->value, s->event)) {
		(void)txn_respond(st, 489, NULL);
		return true;
	}
	(void)txn_respond(st, 200, NULL);
	const sip_hdr *ct = sip_msg_hdr(req, SIP_H_CONTENT_TYPE);
	if (s->cfg.notify && req->body.n)
		s->cfg.notify(s->cfg.arg, s, ct ? ou_slice_trim(ct->value) : OU_SLICE_NULL,
		              req->body);
	if (ss.state == SIP_SUBSTATE_TERMINATED && !s->freed) {
		bool again = !s->unsubscribing;
		s->refresh_at = 0;
		if (s->t) {
			txn_set_cb(s->t, NULL, NULL);
			s->t = NULL;
		}
		(void)sub_reset(s);
		report(s, UA_SUB_TERMINATED, 0, 0);
		/* RFC 6665 4.1.3: after timeout or deactivated a new one may start at once */
		bool now = ss.reason.p && (ou_slice_caseeq_cstr(ss.reason, "timeout") ||
		                           ou_slice_caseeq_cstr(ss.reason, "deactivated"));
		if (again && !s->freed)
			s->retry_at = uv_now(u->loop) + (now ? 1 : UA_SUB_RETRY_MS);
	}
	return true;
}

static void sub_tick(uv_timer_t *tm)
{
	ua_subscription *s = tm->data;
	if (s->freed || s->t || s->unsubscribing)
		return;
	uint64_t now = uv_now(s->u->loop);
	if (!((s->refresh_at && now >= s->refresh_at) || (s->retry_at && now >= s->retry_at)))
		return;
	s->refresh_at = s->retry_at = 0;
	if (sub_send(s, s->want_expires))
		fail(s, 503);
}

static void sub_closed(uv_handle_t *h)
{
	free(h->data);
}

static void unlink_sub(ua_subscription *s)
{
	for (ua_subscription **pp = &s->u->subs; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
}

int ua_subscribe(ua *u, const ua_sub *cfg, ua_subscription **out)
{
	sip_uri ru, fu;
	if (!u || !cfg || !out || !cfg->resource || !cfg->from || !cfg->event || !cfg->host ||
	    !cfg->port || (cfg->transport != NET_TCP && cfg->transport != NET_TLS) || u->freeing ||
	    strlen(cfg->resource) >= SUB_STR || strlen(cfg->from) >= SUB_STR ||
	    strlen(cfg->host) >= SUB_STR || strlen(cfg->event) >= 64 ||
	    !sip_is_token(ou_slice_cstr(cfg->event)) ||
	    sip_uri_parse(ou_slice_cstr(cfg->resource), &ru, NULL) ||
	    sip_uri_parse(ou_slice_cstr(cfg->from), &fu, NULL) ||
	    (cfg->accept && (strlen(cfg->accept) >= 128 || strpbrk(cfg->accept, "\r\n"))))
		return OPENUM_EINVAL;
	ua_subscription *s = calloc(1, sizeof(*s));
	if (!s)
		return OPENUM_ENOMEM;
	s->u = u;
	s->cfg = *cfg;
	snprintf(s->resource, sizeof(s->resource), "%s", cfg->resource);
	snprintf(s->from, sizeof(s->from), "%s", cfg->from);
	snprintf(s->event, sizeof(s->event), "%s", cfg->event);
	if ((s->have_accept = cfg->accept != NULL))
		snprintf(s->accept, sizeof(s->accept), "%s", cfg->accept);
	snprintf(s->host, sizeof(s->host), "%s", cfg->host);
	if ((s->have_tls_name = cfg->tls_name != NULL))
		snprintf(s->tls_name, sizeof(s->tls_name), "%s", cfg->tls_name);
	char user[sizeof(s->cr.user)];
	ou_slice_copy(fu.user, user, sizeof(user));
	ua_cred_init(&s->cr, cfg->username ? cfg->username : user, cfg->password, cfg->realm);
	s->tp = cfg->transport;
	s->port = cfg->port;
	s->want_expires = cfg->expires_s ? cfg->expires_s : UA_DEFAULT_SUB_EXPIRES;
	int err = sub_reset(s);
	if (err) {
		free(s);
		return err;
	}
	uv_timer_init(u->loop, &s->tick);
	s->tick.data = s;
	s->next = u->subs;
	u->subs = s;
	if ((err = sub_send(s, s->want_expires))) {
		unlink_sub(s);
		if (s->conn)
			net_conn_unref(s->conn);
		s->freed = true;
		uv_close((uv_handle_t *)&s->tick, sub_closed);
		return err;
	}
	uv_timer_start(&s->tick, sub_tick, UA_REG_TICK_MS, UA_REG_TICK_MS);
	*out = s;
	return 0;
}

int ua_unsubscribe(ua_subscription *s)
{
	if (!s || s->freed)
		return OPENUM_EINVAL;
	if (s->t) {
		txn_set_cb(s->t, NULL, NULL);
		s->t = NULL;
	}
	s->unsubscribing = true;
	s->refresh_at = s->retry_at = 0;
	if (!s->dlg)
		return OPENUM_ENOTFOUND; /* nothing to end at the notifier */
	return sub_send(s, 0);
}

void ua_subscription_free(ua_subscription *s)
{
	if (!s || s->freed)
		return;
	s->freed = true;
	unlink_sub(s);
	if (s->t)
		txn_set_cb(s->t, NULL, NULL);
	if (s->conn)
		net_conn_unref(s->conn);
	dialog_free(s->dlg);
	s->dlg = NULL;
	uv_timer_stop(&s->tick);
	uv_close((uv_handle_t *)&s->tick, sub_closed);
}

void ua_sub_free_all(ua *u)
{
	while (u->subs)
		ua_subscription_free(u->subs);
}
