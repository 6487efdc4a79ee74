/* Registration: keeps one binding of an address of record alive at a registrar over the
 * ua's connection to it (RFC 3261 section 10), answering digest challenges, refreshing
 * before expiry and re-registering when the flow is lost (the REGISTER itself is built
 * and its challenges kept by cred.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

#define REG_STR UA_OOD_STR
#define REG_MAX_CHALLENGES 2 /* the first, then one more only if it says stale */
#define REG_MAX_423 3

struct ua_registration {
	ua *u;
	char aor[REG_STR], ruri[REG_STR + 16], host[REG_STR], tls_name[REG_STR];
	bool have_tls_name;
	net_transport tp;
	uint16_t port;
	uint32_t want_expires; /* what we ask for (raised by a 423) */
	ua_reg_cb cb;
	void *arg;

	char contact[REG_STR * 2]; /* fixed for the registration's life: one binding, not many */
	char call_id[80], from_tag[TXN_TAG_LEN + 1];
	uint32_t cseq;
	net_conn *conn; /* referenced */
	txn *t;         /* the REGISTER in flight, NULL when none */
	uint32_t sent_expires;

	ua_reg_state state;
	bool unregistering, freed;
	unsigned n423;
	ua_cred cr;

	uint64_t refresh_at, retry_at; /* uv_now() deadlines, 0: none */
	uv_timer_t tick;
};

/* ---- the REGISTER ------------------------------------------------------------------- */

static void report(ua_registration *g, ua_reg_state st, unsigned status, const char *text,
                   uint32_t expires)
{
	g->state = st;
	if (g->cb)
		g->cb(g->arg, g, st, status, text, expires);
}

static int reg_conn(ua_registration *g)
{
	if (g->conn && net_conn_is_open(g->conn))
		return 0;
	net_conn *c;
	int err = net_connect(g->u->net, g->tp, g->host, g->port,
	                      g->have_tls_name ? g->tls_name : NULL, &c);
	if (err)
		return err;
	if (g->conn)
		net_conn_unref(g->conn);
	g->conn = c;
	return 0;
}

static void reg_cb(void *arg, txn *t, const txn_event *ev);

static int reg_send(ua_registration *g, uint32_t expires)
{
	ua *u = g->u;
	char via[160], val[REG_STR * 2 + 32];
	int err = reg_conn(g);
	if (err)
		return err;
	if ((err = ua_via(u, g->tp, net_conn_peer(g->conn), via, sizeof(via))))
		return err;
	ou_buf b;
	ou_buf_init(&b);
	const ua_ood r = {.method = "REGISTER",
	                  .ruri = g->ruri,
	                  .from = g->aor,
	                  .from_tag = g->from_tag,
	                  .to = g->aor,
	                  .call_id = g->call_id,
	                  .cseq = ++g->cseq};
	err = ua_ood_start(&b, &r, via);
	if (!err) {
		snprintf(val, sizeof(val), "<%s>;expires=%u", g->contact, expires);
		err = sip_print_header_cstr(&b, "Contact", val);
	}
	if (!err) {
		snprintf(val, sizeof(val), "%u", expires);
		err = sip_print_header_cstr(&b, "Expires", val);
	}
	if (!err)
		err = ua_ood_send(u, &b, &r, &g->cr, g->conn, reg_cb, g, &g->t);
	ou_buf_free(&b);
	if (!err)
		g->sent_expires = expires;
	return err;
}

/* The expiry the registrar granted our Contact: its ;expires, else Expires, else ours. */
static uint32_t granted(ua_registration *g, sip_msg *resp)
{
	const sip_addr *cs;
	unsigned n = 0;
	sip_uri mine;
	uint32_t e;
	if (sip_uri_parse(ou_slice_cstr(g->contact), &mine, NULL) == 0 &&
	    sip_msg_contacts(resp, &cs, &n, NULL) == 0) {
		for (unsigned i = 0; i < n; i++) {
			ou_slice v;
			if (sip_uri_equal(&cs[i].uri, &mine) &&
			    sip_param_get(cs[i].params, "expires", &v) == 0 &&
			    ou_slice_u32(v, &e) == 0)
				return e;
		}
	}
	if (sip_msg_expires(resp, &e, NULL) == 0)
		return e;
	return g->sent_expires;
}

/* When to refresh: well before expiry, and often enough that the flow never idles out. */
static uint64_t refresh_ms(uint32_t expires)
{
	uint32_t s = expires > 120 ? expires - 60 : expires / 2;
	if (s > UA_REG_MAX_REFRESH_S)
		s = UA_REG_MAX_REFRESH_S;
	return (uint64_t)(s ? s : 1) * 1000;
}

static void fail(ua_registration *g, unsigned status, const char *text)
{
	uint64_t now = uv_now(g->u->loop);
	g->cr.challenges = g->n423 = 0;
	g->refresh_at = 0;
	if (g->unregistering) {
		g->retry_at = 0;
		report(g, UA_REG_UNREGISTERED, status, text, 0);
		return;
	}
	/* credentials or the address are wrong: trying again only feeds the rate limiter */
	bool permanent = status == 401 || status == 407 || status == 403 || status == 404;
	g->retry_at = permanent ? 0 : now + UA_REG_RETRY_MS;
	report(g, UA_REG_FAILED, status, text, 0);
}

static void reg_cb(void *arg, txn *t, const txn_event *ev)
{
	ua_registration *g = arg;
	if (ev->type == TXN_EV_TERMINATED) {
		if (g->t == t)
			g->t = NULL;
		return;
	}
	if (ev->type != TXN_EV_RESPONSE || ev->status < 200)
		return;
	/* the transaction has nothing more for us: detach so a resend can start now */
	txn_set_cb(t, NULL, NULL);
	if (g->t == t)
		g->t = NULL;
	unsigned st = ev->status;
	sip_msg *m = ev->msg;
	char text[UA_END_TEXT];
	if (m)
		ou_slice_copy(m->reason, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "%s", st == 503 ? "Connection failed" : "Timeout");

	if (st < 300) { /* a final response: 1xx returned above */
		g->cr.challenges = g->n423 = 0;
		if (g->unregistering) {
			g->refresh_at = g->retry_at = 0;
			g->u->reg_contact[g->tp][0] = '\0';
			report(g, UA_REG_UNREGISTERED, st, text, 0);
			return;
		}
		uint32_t e = m ? granted(g, m) : g->sent_expires;
		if (e == 0) {
			fail(g, st, "Registrar granted no time");
			return;
		}
		g->retry_at = 0;
		g->refresh_at = uv_now(g->u->loop) + refresh_ms(e);
		report(g, UA_REG_REGISTERED, st, text, e);
		return;
	}
	if ((st == 401 || st == 407) && m && g->cr.have_pass) {
		int why = ua_cred_take(&g->cr, m, REG_MAX_CHALLENGES);
		if (why) {
			g->cr.chal[0] = '\0';
			fail(g, st,
			     why == OPENUM_ENOTFOUND ? "No challenge we can answer"
			                             : "Authentication failed");
			return;
		}
		if (reg_send(g, g->sent_expires))
			fail(g, 503, "Cannot send");
		return;
	}
	if (st == 423 && m && g->n423 < REG_MAX_423) {
		const sip_hdr *h = sip_msg_hdr(m, SIP_H_MIN_EXPIRES);
		uint32_t min;
		if (h && ou_slice_u32(ou_slice_trim(h->value), &min) == 0 &&
		    min > g->sent_expires) {
			g->n423++;
			g->want_expires = min;
			if (reg_send(g, min))
				fail(g, 503, "Cannot send");
			return;
		}
	}
	fail(g, st, text);
}

static void reg_tick(uv_timer_t *tm)
{
	ua_registration *g = tm->data;
	if (g->freed || g->t || g->unregistering)
		return;
	uint64_t now = uv_now(g->u->loop);
	bool due = false;
	if (g->state == UA_REG_REGISTERED && g->conn && !net_conn_is_open(g->conn)) {
		/* the flow is gone: calls cannot reach us until we register on a new one */
		g->refresh_at = 0;
		report(g, UA_REG_FAILED, 503, "Connection lost", 0);
		due = true;
	}
	if ((g->refresh_at && now >= g->refresh_at) || (g->retry_at && now >= g->retry_at))
		due = true;
	if (!due)
		return;
	g->refresh_at = g->retry_at = 0;
	if (reg_send(g, g->want_expires))
		fail(g, 503, "Cannot connect");
}

/* ---- API ---------------------------------------------------------------------------- */

static void reg_closed(uv_handle_t *h)
{
	free(h->data);
}

int ua_register(ua *u, const ua_reg *r, ua_registration **out)
{
	sip_uri aor;
	char host[REG_STR], user[128], hp[80], line[TXN_TAG_LEN + 1];
	if (!u || !r || !out || !r->aor || !r->host || !r->port ||
	    (r->transport != NET_TCP && r->transport != NET_TLS) || u->freeing ||
	    strlen(r->aor) >= REG_STR || strlen(r->host) >= REG_STR ||
	    sip_uri_parse(ou_slice_cstr(r->aor), &aor, NULL) ||
	    (aor.scheme != SIP_URI_SIP && aor.scheme != SIP_URI_SIPS) || !aor.user.n ||
	    aor.user.n >= sizeof(user) || aor.host.n >= sizeof(host))
		return OPENUM_EINVAL;
	ua_registration *g = calloc(1, sizeof(*g));
	if (!g)
		return OPENUM_ENOMEM;
	g->u = u;
	ou_slice_copy(aor.host, host, sizeof(host));
	ou_slice_copy(aor.user, user, sizeof(user));
	snprintf(g->aor, sizeof(g->aor), "%s", r->aor);
	if (r->registrar_uri)
		snprintf(g->ruri, sizeof(g->ruri), "%s", r->registrar_uri);
	else
		snprintf(g->ruri, sizeof(g->ruri), "%s:%s",
		         aor.scheme == SIP_URI_SIPS ? "sips" : "sip", host);
	snprintf(g->host, sizeof(g->host), "%s", r->host);
	if ((g->have_tls_name = r->tls_name != NULL))
		snprintf(g->tls_name, sizeof(g->tls_name), "%s", r->tls_name);
	ua_cred_init(&g->cr, r->username ? r->username : user, r->password, r->realm);
	g->tp = r->transport;
	g->port = r->port;
	g->want_expires = r->expires_s ? r->expires_s : UA_DEFAULT_REG_EXPIRES;
	g->cb = r->cb;
	g->arg = r->arg;
	int err;
	if ((err = txn_new_tag(g->from_tag)) || (err = txn_new_tag(line)) ||
	    (err = txn_new_tag(hp))) {
		free(g);
		return err;
	}
	snprintf(g->call_id, sizeof(g->call_id), "reg-%.16s", hp);
	/* A Contact that does not depend on the socket: the registrar reaches us over the
	 * flow, and a refresh on a new connection must update the same binding. */
	ua_local_hostport(u, g->tp, NULL, hp, sizeof(hp));
	snprintf(g->contact, sizeof(g->contact), "sip:%s@%s;transport=%s;line=%.8s", user, hp,
	         g->tp == NET_TLS ? "tls" : "tcp", line);
	size_t clen = strlen(g->contact);
	if (clen < sizeof(u->reg_contact[g->tp])) /* else keep the per-connection Contact */
		memcpy(u->reg_contact[g->tp], g->contact, clen + 1);
	uv_timer_init(u->loop, &g->tick);
	g->tick.data = g;
	if ((err = reg_send(g, g->want_expires))) {
		if (g->conn)
			net_conn_unref(g->conn);
		g->freed = true;
		uv_close((uv_handle_t *)&g->tick, reg_closed);
		return err;
	}
	uv_timer_start(&g->tick, reg_tick, UA_REG_TICK_MS, UA_REG_TICK_MS);
	*out = g;
	return 0;
}

int ua_unregister(ua_registration *g)
{
	if (!g || g->freed)
		return OPENUM_EINVAL;
	if (g->t) { /* the answer to what is in flight no longer matters */
		txn_set_cb(g->t, NULL, NULL);
		g->t = NULL;
	}
	g->unregistering = true;
	g->refresh_at = g->retry_at = 0;
	g->cr.challenges = 0;
	return reg_send(g, 0);
}

void ua_registration_free(ua_registration *g)
{
	if (!g || g->freed)
		return;
	g->freed = true;
	if (g->t)
		txn_set_cb(g->t, NULL, NULL);
	if (g->conn)
		net_conn_unref(g->conn);
	uv_timer_stop(&g->tick);
	uv_close((uv_handle_t *)&g->tick, reg_closed);
}

ua_reg_state ua_registration_state(const ua_registration *g)
{
	return g ? g->state : 0;
}
