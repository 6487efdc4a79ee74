/* proxy/core.c: `openum proxy` at run time. Wires net and txn on one libuv loop and
 * runs the registrar (digest-authenticated REGISTER into the location service) and the
 * stateful proxy of RFC 3261 16: route processing, digest challenges for INVITEs of
 * local users, forking to registered contacts over the flows they registered on,
 * best-response selection, CANCEL, the no-answer and ring timers, and the detours
 * that forward.c and gatekeep.c decide (forwarding, voicemail on the UM servers over
 * mutual TLS, Ms-Exchange-Command stripping). The store is reached only from the
 * thread pool: users are cached and refreshed, binding changes written behind. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../txn/txn.h"
#include "proxy_int.h"

#define HOST_MAX 128
#define URI_BUF 600
#define TICK_MS 1000
/* Freed calls kept for the next ones (no malloc on the hot path): those whose request
 * fit in PX_CALL_BYTES, at most PX_SPARE_MAX of them. */
#define PX_CALL_BYTES 2048
#define PX_SPARE_MAX 64

typedef struct px_call px_call;

typedef enum br_kind {
	BR_CONTACT = 1, /* a registered contact of the called user */
	BR_VOICEMAIL,   /* a UM server */
	BR_OTHER,       /* a route, a foreign domain, a forwarding target */
} br_kind;

typedef struct px_branch {
	px_call *call;
	txn *ct;
	br_kind kind;
	bool done;
	bool ignored; /* cancelled by us to divert: its answer does not count */
	unsigned status;
} px_branch;

typedef enum call_phase {
	PH_PLAIN = 0, /* no forwarding logic: routed, foreign, non-INVITE */
	PH_FORK,      /* ringing the user's contacts */
	PH_DIVERTED,  /* forwarded or at voicemail: the answer is final */
} call_phase;

/* Fields by alignment (pointers and sizes, then 4-byte values, then the structs and
 * arrays, then bytes), so that padding stays under 8 bytes per call. */
struct px_call {
	proxy *px;
	txn *st;
	/* The request's bytes live right after the struct (one allocation); call_req()
	 * parses them into the proxy's scratch message when needed: no per-call sip_msg. */
	const char *req_bytes;
	size_t req_len;
	size_t bytes_cap;         /* room after the struct */
	const char *action;       /* what the proxy did, for the log line */
	const char *final_reason; /* its reason when the proxy made it (static), or NULL */
	const char *note;         /* for the log line only, when the reason phrase says nothing */
	sip_msg *best;
	/* live location (shared store): the called user's bindings read from the store at
	 * request time; looking (below): the read is in flight (the call holds a reference) */
	store_binding *live;
	size_t nlive;
	px_call *prev, *next;   /* the proxy's list of live calls */
	const ou_slice *routes; /* into req: Route entries after ours */
	sip_method method;
	net_transport in_tp;
	call_phase phase;
	sip_sens sens;
	unsigned vm_next; /* next UM server to try */
	unsigned nbr, pending;
	unsigned final_status; /* what the caller got (logged when the call ends) */
	unsigned best_status;
	unsigned refs;
	unsigned closes;
	unsigned nroutes;
	ou_buf challenges;
	uv_timer_t t_noans, t_ring;
	ou_slice route_store[PROXY_MAX_ROUTES];
	store_user user;
	px_branch br[PROXY_MAX_BRANCHES];
	char auth_aor[PROXY_AOR_MAX];
	char from_aor[PROXY_AOR_MAX];
	char user_aor[PROXY_AOR_MAX]; /* "user@domain" of the called user */
	char vm_reason[24];           /* Diversion reason, "" for a direct call */
	char peer_s[STORE_PEER_MAX];
	bool initial; /* the request's To had no tag */
	bool trusted;
	bool authenticated;
	bool invite;
	bool has_user;
	bool direct_vm; /* the caller dialled the voicemail URI */
	bool final_sent, got_2xx, cancelled;
	bool looking, have_live;
};

/* One step of the store pipeline, run in order on the thread pool: a binding change
 * written behind, or (LOOKUP) a read of one AOR's live bindings for a call. Reads come
 * after the writes queued before them, so this proxy always sees its own REGISTERs. */
typedef enum persist_kind { OP_PUT = 1, OP_DEL, OP_LOOKUP, OP_REPLY } persist_kind;

/* A REGISTER's 200 held until the binding writes before it are in a shared store, so
 * that a phone that got its 200 is callable through every proxy at once. Owned by its
 * OP_REPLY step and by the server transaction's callback: freed when both are done
 * (or when the proxy closes: txn_layer_free ends transactions without callbacks). */
typedef struct px_reply {
	txn *st; /* NULL once the transaction ended */
	ou_buf resp;
	bool op_done, txn_gone;
} px_reply;

typedef struct persist_op {
	persist_kind kind;
	store_binding rec; /* PUT, DEL; LOOKUP: rec.aor */
	px_call *call;     /* LOOKUP: holds a reference */
	px_reply *reply;   /* REPLY */
	int64_t now_ms;    /* LOOKUP */
	store_binding *rows;
	size_t nrows;
	int err;
} persist_op;

struct proxy {
	uv_loop_t *loop;
	proxy_config cfg;
	char domain[HOST_MAX];
	char realm[STORE_REALM_MAX];
	char adv[HOST_MAX];
	net *n;
	txn_layer *tl;
	auth_server *auth;
	proxy_loc *loc;
	store_users *su;
	store_user *users;
	size_t nusers;
	uint16_t tcp_port, tls_port;
	uv_timer_t tick;
	uint64_t last_refresh;
	/* user refresh in flight */
	uv_work_t uwork;
	bool ubusy;
	store_user *unew;
	size_t nunew;
	int uerr;
	/* write-behind of binding changes */
	persist_op *q, *batch;
	size_t nq, capq, nbatch;
	uv_work_t pwork;
	bool pbusy;
	unsigned async; /* tick, works and calls in flight; the struct is freed at 0 */
	px_call *calls;
	/* The request of one call, parsed (call_req); scratch_owner says whose. Every
	 * use is synchronous on the loop, so one message serves every call. */
	sip_msg scratch;
	px_call *scratch_owner;
	ou_buf out;     /* builds forwarded requests and relayed responses */
	px_call *spare; /* freed calls for reuse, linked by next */
	unsigned nspare;
	bool closing;
	bool live_location; /* shared store (PostgreSQL): bindings read at request time */
	proxy_stats stats;
};

/* ---- small helpers ----------------------------------------------------------------- */

/* Log lines of the proxy (base/log.c); cfg.quiet silences all but errors. */
static void plog(proxy *p, ou_log_level l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void plog(proxy *p, ou_log_level l, const char *fmt, ...)
{
	if ((p->cfg.quiet && l > OU_LOG_ERROR) || !ou_log_enabled(l))
		return;
	char line[OU_LOG_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ou_log(l, "proxy", "%s", line);
}

static void peer_text(const net_peer *peer, char out[STORE_PEER_MAX])
{
	bool v6 = strchr(peer->remote_ip, ':') != NULL;
	snprintf(out, STORE_PEER_MAX, v6 ? "[%s]:%u" : "%s:%u", peer->remote_ip, peer->remote_port);
}

/* Call-ID of a request for log lines: at most 80 bytes, "-" when absent. */
static void call_id_text(sip_msg *req, char out[96])
{
	const sip_hdr *h = sip_msg_hdr(req, SIP_H_CALL_ID);
	if (!h || !h->value.n) {
		snprintf(out, 96, "-");
		return;
	}
	snprintf(out, 96, "%.*s", (int)(h->value.n > 80 ? 80 : h->value.n), h->value.p);
}

/* The request of call c, parsed from its bytes (it parsed when the call began, so it
 * parses again). Valid until call_req() for another call. */
static sip_msg *call_req(px_call *c)
{
	proxy *p = c->px;
	if (p->scratch_owner != c) {
		if (sip_msg_parse(c->req_bytes, c->req_len, &p->scratch, NULL))
			p->scratch.nhdr = 0; /* cannot happen: the same bytes parsed before */
		p->scratch_owner = c;
	}
	return &p->scratch;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cmp_user(const void *a, const void *b)
{
	return strcmp(((const store_user *)a)->address, ((const store_user *)b)->address);
}

/* The user named "sip:<aor>" (aor = "user@host"). */
static const store_user *find_user(proxy *p, const char *aor)
{
	store_user key;
	memset(&key, 0, sizeof(key)); /* only address is compared, but no field stays unset */
	snprintf(key.address, sizeof(key.address), "sip:%s", aor);
	return bsearch(&key, p->users, p->nusers, sizeof(*p->users), cmp_user);
}

static bool host_is_ours(proxy *p, ou_slice host, uint16_t port)
{
	bool name = ou_slice_caseeq_cstr(host, p->domain) || ou_slice_caseeq_cstr(host, p->adv) ||
	            (p->cfg.tcp_ip && ou_slice_eq_cstr(host, p->cfg.tcp_ip)) ||
	            (p->cfg.tls_ip && ou_slice_eq_cstr(host, p->cfg.tls_ip));
	if (!name)
		return false;
	if (ou_slice_caseeq_cstr(host, p->domain) && port == 0)
		return true;
	return port == 0 || port == p->tcp_port || port == p->tls_port;
}

/* AOR of a URI in our domain: user@domain (the host may be our address instead). */
static bool local_aor(proxy *p, const sip_uri *u, char out[PROXY_AOR_MAX])
{
	if ((u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS) || !u->user.n)
		return false;
	if (!host_is_ours(p, u->host, u->port))
		return false;
	return (size_t)snprintf(out, PROXY_AOR_MAX, "%.*s@%s", (int)u->user.n, u->user.p,
	                        p->domain) < PROXY_AOR_MAX;
}

/* Our port for tp; the other listener's when we do not listen on tp (an outgoing TLS
 * connection to a UM server from a TCP-only proxy still needs a sent-by port). */
static uint16_t listen_port(proxy *p, net_transport tp)
{
	uint16_t port = tp == NET_TLS ? p->tls_port : p->tcp_port;
	return port ? port : tp == NET_TLS ? p->tcp_port : p->tls_port;
}

static bool listens_on(proxy *p, net_transport tp)
{
	return (tp == NET_TLS ? p->tls_port : p->tcp_port) != 0;
}

static const char *tp_lower(net_transport tp)
{
	return tp == NET_TLS ? "tls" : "tcp";
}

/* ---- persistence (thread pool) -------------------------------------------------------- */

static void proxy_release(proxy *p);

static void persist_work(uv_work_t *w)
{
	proxy *p = w->data;
	for (size_t i = 0; i < p->nbatch; i++) {
		persist_op *o = &p->batch[i];
		const char *why = NULL;
		if (o->kind == OP_REPLY)
			continue; /* sent from the loop once the writes before it are done */
		if (o->kind == OP_LOOKUP) {
			o->err = store_binding_list(p->su, o->rec.aor, o->now_ms, &o->rows,
			                            &o->nrows, &why);
			if (o->err)
				ou_log(OU_LOG_ERROR, "proxy", "cannot read bindings of %s: %s",
				       o->rec.aor, why ? why : "error");
			continue;
		}
		int err = o->kind == OP_DEL
		              ? store_binding_del(p->su, o->rec.aor, o->rec.contact, &why)
		              : store_binding_put(p->su, &o->rec, &why);
		if (err)
			ou_log(OU_LOG_ERROR, "proxy", "cannot store binding %s: %s", o->rec.contact,
			       why ? why : "error");
	}
}

static void live_done(px_call *c, persist_op *o);

static void reply_free(px_reply *r)
{
	ou_buf_free(&r->resp);
	free(r);
}

static void reply_txn_event(void *arg, txn *t, const txn_event *ev)
{
	px_reply *r = arg;
	(void)t;
	if (ev->type != TXN_EV_TERMINATED)
		return;
	r->st = NULL;
	r->txn_gone = true;
	if (r->op_done)
		reply_free(r);
}

/* The writes queued before it are in the store: the held response goes out. */
static void reply_done(proxy *p, px_reply *r)
{
	if (p->closing) {
		reply_free(r);
		return;
	}
	if (r->st)
		txn_send_response(r->st, r->resp.data, r->resp.len);
	r->op_done = true;
	if (r->txn_gone)
		reply_free(r);
}

static void persist_kick(proxy *p);

static void persist_after(uv_work_t *w, int status)
{
	proxy *p = w->data;
	(void)status;
	persist_op *batch = p->batch;
	size_t n = p->nbatch;
	p->batch = NULL;
	p->nbatch = 0;
	p->pbusy = false;
	for (size_t i = 0; i < n; i++) {
		if (batch[i].kind == OP_REPLY)
			reply_done(p, batch[i].reply);
		if (batch[i].kind != OP_LOOKUP)
			continue;
		/* While closing, proxy_free has ended every call already. */
		if (!p->closing)
			live_done(batch[i].call, &batch[i]);
		free(batch[i].rows);
	}
	free(batch);
	persist_kick(p);
	p->async--;
	proxy_release(p);
}

static void persist_kick(proxy *p)
{
	if (p->pbusy || p->nq == 0)
		return;
	p->batch = p->q;
	p->nbatch = p->nq;
	p->q = NULL;
	p->nq = p->capq = 0;
	p->pwork.data = p;
	if (uv_queue_work(p->loop, &p->pwork, persist_work, persist_after) == 0) {
		p->pbusy = true;
		p->async++;
	} else {
		free(p->batch);
		p->batch = NULL;
		p->nbatch = 0;
	}
}

/* A new zeroed step at the end of the pipeline's queue; NULL when out of memory. */
static persist_op *persist_push(proxy *p)
{
	if (p->nq == p->capq) {
		size_t nc = p->capq ? p->capq * 2 : 16;
		persist_op *nq = realloc(p->q, nc * sizeof(*nq));
		if (!nq)
			return NULL;
		p->q = nq;
		p->capq = nc;
	}
	persist_op *o = &p->q[p->nq++];
	memset(o, 0, sizeof(*o));
	return o;
}

static void on_loc_change(void *arg, const store_binding *rec, bool removed)
{
	proxy *p = arg;
	persist_op *o = persist_push(p);
	if (!o)
		return;
	o->kind = removed ? OP_DEL : OP_PUT;
	o->rec = *rec;
	if (!p->closing)
		persist_kick(p);
}

static net_conn *loc_ref(net_conn *c)
{
	return net_conn_ref(c);
}

static void loc_unref(net_conn *c)
{
	net_conn_unref(c);
}

/* ---- user cache -------------------------------------------------------------------------- */

static void users_work(uv_work_t *w)
{
	proxy *p = w->data;
	p->unew = NULL;
	p->nunew = 0;
	p->uerr = store_user_list(p->su, &p->unew, &p->nunew, NULL);
}

static void users_after(uv_work_t *w, int status)
{
	proxy *p = w->data;
	p->ubusy = false;
	if (status == 0 && p->uerr == 0 && !p->closing) {
		free(p->users);
		p->users = p->unew;
		p->nusers = p->nunew;
	} else {
		free(p->unew);
	}
	p->unew = NULL;
	p->async--;
	proxy_release(p);
}

net *proxy_net(proxy *p)
{
	return p->n;
}

void proxy_reload_users(proxy *p)
{
	if (p->ubusy || p->closing)
		return;
	p->uwork.data = p;
	if (uv_queue_work(p->loop, &p->uwork, users_work, users_after) == 0) {
		p->ubusy = true;
		p->async++;
	}
}

static void on_tick(uv_timer_t *t)
{
	proxy *p = t->data;
	uint64_t now = uv_now(p->loop);
	if (now - p->last_refresh >= PROXY_USER_REFRESH_MS) {
		p->last_refresh = now;
		proxy_reload_users(p);
	}
	proxy_loc_expire(p->loc, now_ms());
}

/* ---- calls ---------------------------------------------------------------------------- */

/* One line per proxied request when it is over: INVITEs at info, the rest at debug. */
static void call_log(px_call *c)
{
	ou_log_level lvl = c->invite ? OU_LOG_INFO : OU_LOG_DEBUG;
	if ((c->px->cfg.quiet && lvl > OU_LOG_ERROR) || !ou_log_enabled(lvl))
		return; /* the line would be dropped: do not build it */
	sip_msg *req = call_req(c);
	char cid[96], to[PROXY_AOR_MAX] = "-";
	call_id_text(req, cid);
	const sip_uri *ru;
	bool vm = false;
	if (sip_msg_ruri(req, &ru, NULL) == 0) {
		if (proxy_aor_from_uri(ru, to))
			snprintf(to, sizeof(to), "-");
		vm = proxy_uri_is_voicemail(ru);
	}
	char result[96] = "none"; /* "480 (No voicemail server)": why, when we said no */
	if (c->final_status) {
		const char *why = c->final_reason ? c->final_reason : c->note;
		snprintf(result, sizeof(result), "%u%s%.80s%s", c->final_status, why ? " (" : "",
		         why ? why : "", why ? ")" : "");
	}
	plog(c->px, lvl,
	     "call call-id=%s method=%.*s from=%s to=%s%s peer=%s transport=%s trusted=%s "
	     "authenticated=%s sensitivity=%s action=%s result=%s",
	     cid, (int)req->method_s.n, req->method_s.p, c->from_aor[0] ? c->from_aor : "-", to,
	     vm ? ";voicemail" : "", c->peer_s, net_transport_name(c->in_tp),
	     c->trusted ? "yes" : "no", c->authenticated ? "yes" : "no", sip_sens_name(c->sens),
	     c->action ? c->action : "route", result);
}

static void call_free_cb(uv_handle_t *h)
{
	px_call *c = h->data;
	if (++c->closes < 2)
		return;
	proxy *p = c->px;
	call_log(c);
	metrics_add(MET_PROXY_CALLS_ACTIVE, -1);
	if (c->prev)
		c->prev->next = c->next;
	else
		p->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (p->scratch_owner == c)
		p->scratch_owner = NULL;
	free(c->best);
	free(c->live);
	ou_buf_free(&c->challenges);
	if (!p->closing && c->bytes_cap == PX_CALL_BYTES && p->nspare < PX_SPARE_MAX) {
		c->next = p->spare;
		p->spare = c;
		p->nspare++;
	} else {
		free(c);
	}
	p->async--;
	proxy_release(p);
}

/* Drops n references; at 0 the call is freed from the loop (its memory stays valid
 * until then, so a caller may still read it). */
static void call_drop(px_call *c, unsigned n)
{
	if (!n)
		return;
	c->refs -= n;
	if (c->refs)
		return;
	uv_close((uv_handle_t *)&c->t_noans, call_free_cb);
	uv_close((uv_handle_t *)&c->t_ring, call_free_cb);
}

static void call_unref(px_call *c)
{
	call_drop(c, 1);
}

/* The caller has its final answer (or is gone) and every branch has its own: nothing
 * the transactions still report can change the call. They wait out Timer L / M (32 s
 * at T1 = 500 ms) on their own, without callbacks, and the call is freed now instead
 * of holding its memory (and its place in the timer heap) that long. A retransmitted
 * 2xx is absorbed by the client transaction either way (on_branch ignores a done
 * branch); a late CANCEL is answered 200 by the server transaction. */
static void call_settle(px_call *c)
{
	if (c->refs == 0 || c->pending || c->looking || (c->st && !c->final_sent))
		return;
	unsigned drop = 0;
	for (unsigned i = 0; i < c->nbr; i++) {
		px_branch *b = &c->br[i];
		if (b->ct) {
			txn_set_cb(b->ct, NULL, NULL);
			b->ct = NULL;
			drop++;
		}
	}
	if (c->st) {
		txn_set_cb(c->st, NULL, NULL);
		c->st = NULL;
		drop++;
	}
	call_drop(c, drop);
}

static void respond(px_call *c, unsigned status, const char *reason)
{
	if (c->final_sent || !c->st)
		return;
	if (status >= 200) {
		c->final_sent = true;
		c->final_status = status;
		c->final_reason = reason;
	}
	txn_respond(c->st, status, reason);
}

static void cancel_pending(px_call *c, bool ignore)
{
	for (unsigned i = 0; i < c->nbr; i++) {
		px_branch *b = &c->br[i];
		if (b->done || !b->ct)
			continue;
		if (ignore)
			b->ignored = true;
		if (c->invite)
			txn_cancel(b->ct);
	}
}

static void stop_timers(px_call *c)
{
	uv_timer_stop(&c->t_noans);
	uv_timer_stop(&c->t_ring);
}

/* Connects to the next hop named by URI u (sips: or transport=tls: TLS). */
static int connect_uri(proxy *p, const sip_uri *u, net_conn **out)
{
	ou_slice tpv;
	bool tls = u->scheme == SIP_URI_SIPS || (sip_param_get(u->params, "transport", &tpv) == 0 &&
	                                         ou_slice_caseeq_cstr(tpv, "tls"));
	char host[HOST_MAX];
	ou_slice h = u->host;
	if (u->host_ipv6 && h.n >= 2)
		h = ou_slice_make(h.p + 1, h.n - 2);
	if (h.n == 0 || h.n >= sizeof(host))
		return OPENUM_EINVAL;
	ou_slice_copy(h, host, sizeof(host));
	uint16_t port = u->port ? u->port : tls ? NET_DEFAULT_TLS_PORT : NET_DEFAULT_TCP_PORT;
	return net_connect(p->n, tls ? NET_TLS : NET_TCP, host, port, NULL, out);
}

static void on_branch(void *arg, txn *t, const txn_event *ev);

/* Sends the request on a new branch to ruri over conn (a reference the branch
 * consumes). mailbox_aor: the voicemail owner when kind is BR_VOICEMAIL. */
static int start_branch(px_call *c, br_kind kind, ou_slice ruri, net_conn *conn,
                        const char *diversion, bool strip_diversion, const char *mailbox_aor)
{
	proxy *p = c->px;
	if (c->nbr == PROXY_MAX_BRANCHES) {
		net_conn_unref(conn);
		return OPENUM_ETOOBIG;
	}
	px_branch *b = &c->br[c->nbr];
	*b = (px_branch){.call = c, .kind = kind};
	net_transport out_tp = net_conn_peer(conn)->transport;
	char branch[TXN_BRANCH_LEN + 1];
	txn_new_branch(branch);

	/* Record-Route for dialog-creating requests; two when the transports differ
	 * (RFC 5658), the top one facing the callee. */
	char rr[2 * URI_BUF];
	const char *rrp = NULL;
	sip_msg *req = call_req(c);
	sip_method m = c->method;
	if (c->initial &&
	    (m == SIP_METHOD_INVITE || m == SIP_METHOD_SUBSCRIBE || m == SIP_METHOD_REFER)) {
		int k = 0;
		if (out_tp != c->in_tp && listens_on(p, out_tp))
			k = snprintf(rr, sizeof(rr),
			             "Record-Route: <sip:%s:%u;transport=%s;lr>\r\n", p->adv,
			             listen_port(p, out_tp), tp_lower(out_tp));
		if (k >= 0)
			snprintf(rr + k, sizeof(rr) - (size_t)k,
			         "Record-Route: <sip:%s:%u;transport=%s;lr>\r\n", p->adv,
			         listen_port(p, c->in_tp), tp_lower(c->in_tp));
		rrp = rr;
	}

	/* Gatekeeping: Ms-Exchange-Command reaches only the owner's own voicemail. */
	bool strip_cmd = false;
	if (sip_msg_hdr(req, SIP_H_MS_EXCHANGE_COMMAND)) {
		proxy_gk_input gi = {
		    .authenticated = c->authenticated,
		    .auth_aor = c->authenticated ? c->auth_aor : NULL,
		    .from_aor = c->from_aor[0] ? c->from_aor : NULL,
		    .mailbox_aor = kind == BR_VOICEMAIL ? mailbox_aor : NULL,
		    .trusted_peer = c->trusted,
		    .over_tls = c->in_tp == NET_TLS,
		};
		const char *why = NULL;
		if (proxy_gatekeep_decide(&gi, &why) == PROXY_GK_STRIP) {
			strip_cmd = true;
			p->stats.gatekeep_strips++;
			plog(p, OU_LOG_INFO, "Ms-Exchange-Command stripped (from %s): %s",
			     c->from_aor[0] ? c->from_aor : "?", why);
		}
	}

	uint32_t mf = PROXY_MAX_FORWARDS;
	sip_msg_max_forwards(req, &mf, NULL);
	px_req_opts o = {
	    .ruri = ruri,
	    .via_transport = net_transport_name(out_tp),
	    .via_host = p->adv,
	    .via_port = listen_port(p, out_tp),
	    .branch = branch,
	    .record_route = rrp,
	    .routes = kind == BR_OTHER ? c->routes : NULL,
	    .nroutes = kind == BR_OTHER ? c->nroutes : 0,
	    .max_forwards = mf > 0 ? mf - 1 : 0,
	    .diversion = diversion,
	    .pai = c->authenticated ? c->auth_aor : NULL,
	    .strip_diversion = strip_diversion,
	    .strip_ms_cmd = strip_cmd,
	    .strip_pai = !c->trusted,
	    .strip_proxy_auth = c->authenticated,
	};
	ou_buf *buf = &p->out;
	ou_buf_reset(buf);
	int err = px_build_request(req, &o, buf);
	if (!err)
		err = txn_client_start(p->tl, conn, buf->data, buf->len, on_branch, b, &b->ct);
	net_conn_unref(conn);
	if (err)
		return err;
	c->nbr++;
	c->pending++;
	c->refs++;
	p->stats.forwarded++;
	return 0;
}

/* Parses and connects to a URI held in a string (a binding's Contact, a target). */
static int branch_to_uri_str(px_call *c, br_kind kind, const char *uri, net_conn *flow,
                             const char *diversion, bool strip_div, const char *mailbox)
{
	sip_uri u;
	if (sip_uri_parse(ou_slice_cstr(uri), &u, NULL))
		return OPENUM_EINVAL;
	net_conn *conn = NULL;
	if (flow && net_conn_is_open(flow))
		conn = net_conn_ref(flow);
	else if (connect_uri(c->px, &u, &conn))
		return OPENUM_EIO;
	return start_branch(c, kind, u.raw, conn, diversion, strip_div, mailbox);
}

/* The Diversion value naming the called user, or NULL when the caller is that user. */
static const char *diversion_for(px_call *c, const char *reason, char *buf, size_t cap)
{
	if (strcmp(c->from_aor, c->user_aor) == 0)
		return NULL;
	snprintf(buf, cap, "<sip:%s>;reason=%s", c->user_aor, reason);
	return buf;
}

/* Sends the call to the next UM server; false when none is left. */
static bool start_voicemail(px_call *c)
{
	proxy *p = c->px;
	char ruri[URI_BUF];
	if (c->direct_vm)
		ou_slice_copy(call_req(c)->ruri_s, ruri, sizeof(ruri));
	else
		snprintf(ruri, sizeof(ruri), "sip:%s;opaque=app:voicemail", c->user_aor);
	char dbuf[URI_BUF];
	const char *div = c->direct_vm ? NULL : diversion_for(c, c->vm_reason, dbuf, sizeof(dbuf));
	while (c->vm_next < p->cfg.num_servers) {
		const char *srv = p->cfg.um_servers[c->vm_next++];
		char host[HOST_MAX];
		const char *colon = strrchr(srv, ':');
		size_t hn = colon ? (size_t)(colon - srv) : strlen(srv);
		unsigned port = colon ? (unsigned)atoi(colon + 1) : NET_DEFAULT_TLS_PORT;
		if (hn >= sizeof(host) || port == 0 || port > 65535)
			continue;
		memcpy(host, srv, hn);
		host[hn] = '\0';
		if (host[0] == '[' && hn > 2) {
			memmove(host, host + 1, hn - 2);
			host[hn - 2] = '\0';
		}
		net_conn *conn = NULL;
		int err =
		    net_connect(p->n, NET_TLS, host, (uint16_t)port, p->cfg.um_tls_name, &conn);
		if (!err)
			err = start_branch(c, BR_VOICEMAIL, ou_slice_cstr(ruri), conn, div,
			                   !c->direct_vm, c->user_aor);
		char cid[96];
		call_id_text(call_req(c), cid);
		if (err) {
			plog(p, OU_LOG_WARN,
			     "UM server %s unusable: %s (call-id=%s, trying the next)", srv,
			     ou_strerror(err), cid);
			continue;
		}
		{
			if (!c->direct_vm)
				p->stats.voicemail_diversions++;
			/* "call to" for an INVITE, else the method ("SUBSCRIBE to": message
			 * waiting) */
			const sip_msg *req = call_req(c);
			plog(p, OU_LOG_INFO, "%s%.*s to %s -> voicemail on %s%s%s call-id=%s",
			     c->invite ? "call" : "", c->invite ? 0 : (int)req->method_s.n,
			     req->method_s.p, c->user_aor, srv, c->vm_reason[0] ? " reason=" : "",
			     c->vm_reason, cid);
			return true;
		}
	}
	return false;
}

static void send_best(px_call *c, unsigned fallback)
{
	if (c->final_sent || !c->st)
		return;
	if (!c->best) {
		respond(c, c->best_status ? proxy_best_upstream(c->best_status) : fallback, NULL);
		return;
	}
	unsigned st = proxy_best_upstream(c->best->status);
	bool merge = proxy_best_merges_challenges(st);
	ou_buf *b = &c->px->out;
	ou_buf_reset(b);
	if (px_build_response(c->best, st, merge ? &c->challenges : NULL, b) == 0) {
		c->final_sent = true;
		c->final_status = st;
		txn_send_response(c->st, b->data, b->len);
	} else {
		respond(c, 500, NULL);
	}
}

static proxy_fwd_settings settings_of(px_call *c)
{
	return (proxy_fwd_settings){
	    .fwd_immediate = c->user.fwd_immediate[0] != '\0',
	    .vm_no_answer_s = c->user.vm_no_answer_s,
	    .vm_busy = c->user.vm_busy,
	    .vm_unregistered = c->user.vm_unregistered,
	    .have_voicemail = c->px->cfg.num_servers > 0,
	};
}

/* Every branch has its final answer and no 2xx came: the forwarding decision may
 * still divert; otherwise the best answer goes upstream. */
static void all_done(px_call *c)
{
	if (c->final_sent || c->got_2xx)
		return;
	if (c->phase == PH_FORK && !c->cancelled && c->has_user) {
		proxy_fwd_event ev = 0;
		if (c->best_status == 486 || c->best_status == 600)
			ev = PROXY_FWD_BUSY;
		else if (c->best_status == 408 || c->best_status == 480 || c->best_status == 0)
			ev = PROXY_FWD_NO_ANSWER;
		if (ev) {
			proxy_fwd_settings s = settings_of(c);
			proxy_fwd_decision d;
			proxy_fwd_decide(&s, c->sens, true, ev, &d);
			if (d.action == PROXY_ACT_VOICEMAIL) {
				stop_timers(c);
				c->phase = PH_DIVERTED;
				snprintf(c->vm_reason, sizeof(c->vm_reason), "%s", d.reason);
				if (start_voicemail(c))
					return;
			}
			if (!c->best_status)
				c->best_status = d.status;
		}
	}
	stop_timers(c);
	send_best(c, 480);
}

static void keep_challenges(px_call *c, const sip_msg *m)
{
	for (uint16_t i = 0; i < m->nhdr; i++) {
		const sip_hdr *h = &m->hdr[i];
		if (h->id == SIP_H_WWW_AUTHENTICATE || h->id == SIP_H_PROXY_AUTHENTICATE)
			sip_print_header(&c->challenges, h->name, h->value);
	}
}

static void relay(px_call *c, sip_msg *m)
{
	if (!c->st)
		return;
	ou_buf *b = &c->px->out;
	ou_buf_reset(b);
	if (px_build_response(m, 0, NULL, b) == 0)
		txn_send_response(c->st, b->data, b->len);
}

static void branch_event(px_branch *b, const txn_event *ev);

static void on_branch(void *arg, txn *t, const txn_event *ev)
{
	px_branch *b = arg;
	px_call *c = b->call;
	(void)t;
	branch_event(b, ev);
	call_settle(c);
}

static void branch_event(px_branch *b, const txn_event *ev)
{
	px_call *c = b->call;
	if (ev->type == TXN_EV_TERMINATED) {
		b->ct = NULL;
		if (!b->done) {
			b->done = true;
			c->pending--;
			if (!c->pending)
				all_done(c);
		}
		call_unref(c);
		return;
	}
	if (ev->type != TXN_EV_RESPONSE || b->done)
		return;
	unsigned st = ev->msg ? ev->msg->status : ev->status;
	/* A registered contact we cannot reach (connection refused or lost: the txn's
	 * local 503, RFC 3261 16.9) is a phone that does not answer: 480, so that the
	 * user's no-answer setting sends the call to voicemail instead of the caller
	 * getting a 503 (which 16.7 step 6 says a proxy should not pass on anyway). */
	if (!ev->msg && st == 503 && b->kind == BR_CONTACT)
		st = 480;
	if (st < 200) {
		if (st > 100 && ev->msg && !c->final_sent && !b->ignored)
			relay(c, ev->msg);
		return;
	}
	b->done = true;
	b->status = st;
	c->pending--;
	if (st < 300) {
		/* Every 2xx goes upstream (16.7 step 5); the others are cancelled. */
		if (ev->msg && c->st && !(c->final_sent && !c->got_2xx)) {
			relay(c, ev->msg);
			c->final_sent = true;
			c->final_status = st;
		}
		c->got_2xx = true;
		stop_timers(c);
		cancel_pending(c, false);
		return;
	}
	if (b->kind == BR_VOICEMAIL && (st == 503 || st == 408) && !c->final_sent &&
	    !c->cancelled) {
		/* MS-EUMR: the next UM server. */
		if (start_voicemail(c))
			return;
	}
	if (b->ignored)
		goto check;
	if (st == 401 || st == 407) {
		if (ev->msg)
			keep_challenges(c, ev->msg);
	}
	if (proxy_best_better(st, c->best_status)) {
		c->best_status = st;
		free(c->best);
		c->best = NULL;
		if (ev->msg)
			sip_msg_clone(ev->msg, &c->best);
	}
	if (st >= 600 && c->invite)
		cancel_pending(c, false);
check:
	if (!c->pending)
		all_done(c);
}

static void on_noanswer(uv_timer_t *t)
{
	px_call *c = t->data;
	if (c->final_sent || c->got_2xx || c->cancelled || c->phase != PH_FORK)
		return;
	proxy_fwd_settings s = settings_of(c);
	proxy_fwd_decision d;
	proxy_fwd_decide(&s, c->sens, true, PROXY_FWD_NO_ANSWER, &d);
	if (d.action != PROXY_ACT_VOICEMAIL)
		return;
	c->phase = PH_DIVERTED;
	snprintf(c->vm_reason, sizeof(c->vm_reason), "%s", d.reason);
	cancel_pending(c, true);
	if (!start_voicemail(c) && !c->pending)
		send_best(c, 480);
	call_settle(c);
}

static void on_ring_timeout(uv_timer_t *t)
{
	px_call *c = t->data;
	if (c->final_sent || c->got_2xx)
		return;
	cancel_pending(c, true);
	c->note = "ring timeout";
	respond(c, 408, NULL);
	call_settle(c);
}

static void on_server_event(void *arg, txn *t, const txn_event *ev)
{
	px_call *c = arg;
	(void)t;
	switch (ev->type) {
	case TXN_EV_CANCELLED:
		c->cancelled = true;
		stop_timers(c);
		cancel_pending(c, false);
		if (!c->pending)
			respond(c, 487, NULL);
		break;
	case TXN_EV_TERMINATED:
		c->st = NULL;
		cancel_pending(c, true);
		call_unref(c);
		break;
	default: break;
	}
	call_settle(c);
}

/* ---- request handling ------------------------------------------------------------------- */

static void challenge(proxy *p, txn *st, sip_msg *req, bool proxy_auth, bool stale)
{
	ou_buf b;
	ou_buf_init(&b);
	unsigned status = proxy_auth ? 407 : 401;
	if (txn_response_begin(st, status, NULL, &b) == 0) {
		const char *name = proxy_auth ? "Proxy-Authenticate: " : "WWW-Authenticate: ";
		for (unsigned i = 0; i < p->cfg.ndigest; i++) {
			ou_buf_append_cstr(&b, name);
			auth_challenge(p->auth, p->cfg.digest[i], ou_slice_cstr(p->realm), stale,
			               (uint64_t)now_ms(), &b);
			ou_buf_append_cstr(&b, "\r\n");
		}
		sip_print_body(&b, OU_SLICE_NULL, OU_SLICE_NULL);
		if (!b.failed)
			txn_send_response(st, b.data, b.len);
	}
	ou_buf_free(&b);
	(void)req;
}

/* Checks the digest credentials of req. 0 when authenticated (aor filled);
 * otherwise the status of the answer that has been sent (401/407/403/400/500), and
 * *outcome says why for the log line ("challenged" is the routine first answer). */
static unsigned authenticate(proxy *p, txn *st, sip_msg *req, const net_peer *peer, bool proxy_auth,
                             char aor[PROXY_AOR_MAX], const char **outcome)
{
	*outcome = "bad credentials";
	uint64_t now = (uint64_t)now_ms();
	if (!auth_rate_allowed(p->auth, peer->remote_ip, now)) {
		p->stats.rate_limited++;
		metrics_inc(MET_PROXY_RATE_LIMITED);
		txn_respond(st, 403, "Too many failed authentications");
		*outcome = "rate limited";
		return 403;
	}
	sip_hdr_id id = proxy_auth ? SIP_H_PROXY_AUTHORIZATION : SIP_H_AUTHORIZATION;
	sip_auth cred;
	bool found = false;
	for (const sip_hdr *h = sip_msg_hdr(req, id); h; h = sip_msg_hdr_next(req, h)) {
		if (sip_auth_parse(h->value, &cred, NULL) == 0 &&
		    ou_slice_eq_cstr(cred.realm, p->realm)) {
			found = true;
			break;
		}
	}
	if (!found) {
		challenge(p, st, req, proxy_auth, false);
		*outcome = "challenged";
		return proxy_auth ? 407 : 401;
	}
	const char *why = NULL;
	if (!cred.username.p || cred.username.n == 0 || cred.username.n >= 128 ||
	    memchr(cred.username.p, '@', cred.username.n)) {
		txn_respond(st, 400, "Bad credentials: username");
		return 400;
	}
	snprintf(aor, PROXY_AOR_MAX, "%.*s@%s", (int)cred.username.n, cred.username.p, p->domain);
	const store_user *u = find_user(p, aor);
	auth_algo algo;
	if (auth_algo_from(cred.algorithm, &algo)) {
		txn_respond(st, 400, "Bad credentials: algorithm not supported");
		return 400;
	}
	bool offered = false;
	for (unsigned i = 0; i < p->cfg.ndigest; i++)
		offered |= p->cfg.digest[i] == algo;
	if (!offered) {
		txn_respond(st, 400, "Bad credentials: algorithm not offered");
		return false;
	}
	/* An unknown user and a wrong password look alike to the client. */
	char dummy[AUTH_HEX_MAX];
	memset(dummy, '0', sizeof(dummy));
	dummy[auth_algo_hexlen(algo)] = '\0';
	bool usable = u && strcmp(u->realm, p->realm) == 0;
	const char *ha1 = !usable ? dummy : algo == AUTH_SHA256 ? u->ha1_sha256 : u->ha1_md5;
	auth_result r;
	if (auth_verify(p->auth, &cred, req->method_s, ou_slice_cstr(p->realm), ou_slice_cstr(ha1),
	                now, &r, &why)) {
		txn_respond(st, 500, NULL);
		return 500;
	}
	if (r == AUTH_OK && !usable)
		r = AUTH_FAILED;
	if (r == AUTH_OK) {
		const sip_uri *ruri;
		sip_uri cu;
		if (sip_msg_ruri(req, &ruri, NULL) || sip_uri_parse(cred.uri, &cu, NULL) ||
		    !sip_uri_equal(ruri, &cu)) {
			txn_respond(st, 400, "Bad credentials: uri is not the Request-URI");
			return 400;
		}
		return 0;
	}
	switch (r) {
	case AUTH_STALE:
		challenge(p, st, req, proxy_auth, true);
		*outcome = "challenged";
		break;
	case AUTH_MALFORMED: txn_respond(st, 400, why ? why : "Bad credentials"); return 400;
	case AUTH_FAILED:
		p->stats.auth_failures++;
		metrics_inc(MET_PROXY_AUTH_FAILURES);
		auth_rate_failure(p->auth, peer->remote_ip, now);
		*outcome = "wrong password or unknown user";
		challenge(p, st, req, proxy_auth, false);
		break;
	default: /* replay, not our nonce: a fresh challenge */
		*outcome = auth_result_name(r);
		challenge(p, st, req, proxy_auth, false);
		break;
	}
	return proxy_auth ? 407 : 401;
}

/* Answers a REGISTER; returns the status sent and sets *why_out to its reason. */
static unsigned register_request(proxy *p, txn *st, sip_msg *req, net_conn *conn,
                                 const net_peer *peer, const char **why_out,
                                 char aor_out[PROXY_AOR_MAX])
{
	p->stats.registers++;
	const sip_uri *ruri;
	const sip_addr *to;
	const char *why = NULL;
	if (sip_msg_ruri(req, &ruri, &why) || sip_msg_to(req, &to, &why)) {
		*why_out = why;
		txn_respond(st, 400, why);
		return 400;
	}
	if (!host_is_ours(p, ruri->host, ruri->port)) {
		*why_out = "not our domain";
		txn_respond(st, 403, "Not our domain");
		return 403;
	}
	char to_aor[PROXY_AOR_MAX];
	if (!local_aor(p, &to->uri, to_aor)) {
		*why_out = "not our domain";
		txn_respond(st, 404, "Not our domain");
		return 404;
	}
	snprintf(aor_out, PROXY_AOR_MAX, "%s", to_aor);
	char auth_aor[PROXY_AOR_MAX];
	unsigned as = authenticate(p, st, req, peer, false, auth_aor, why_out);
	if (as)
		return as;
	if (strcmp(auth_aor, to_aor) != 0) {
		*why_out = "authenticated as another user";
		plog(p, OU_LOG_WARN, "%s tried to register %s", auth_aor, to_aor);
		txn_respond(st, 403, "REGISTER for another user");
		return 403;
	}
	char aor[STORE_ADDR_MAX];
	snprintf(aor, sizeof(aor), "sip:%s", to_aor);
	char peer_s[STORE_PEER_MAX];
	peer_text(peer, peer_s);
	proxy_flow flow = {conn, net_transport_name(peer->transport), peer_s};
	uint32_t min_e = 0;
	int64_t now = now_ms();
	unsigned status =
	    proxy_loc_register(p->loc, aor, req, &flow, &p->cfg.reg, now, &min_e, &why);
	if (status != 200) {
		if (status == 423) {
			ou_buf b;
			ou_buf_init(&b);
			txn_response_begin(st, 423, NULL, &b);
			ou_buf_printf(&b, "Min-Expires: %u\r\n", min_e);
			sip_print_body(&b, OU_SLICE_NULL, OU_SLICE_NULL);
			txn_send_response(st, b.data, b.len);
			ou_buf_free(&b);
		} else {
			txn_respond(st, status, why);
		}
		*why_out = why ? why : status == 423 ? "interval too brief" : "refused";
		return status;
	}
	const proxy_binding *bs[PROXY_MAX_BINDINGS_PER_AOR * 2];
	unsigned n = proxy_loc_lookup(p->loc, aor, now, bs, sizeof(bs) / sizeof(bs[0]));
	ou_buf b;
	ou_buf_init(&b);
	txn_response_begin(st, 200, NULL, &b);
	for (unsigned i = 0; i < n; i++) {
		int64_t left = (bs[i]->rec.expires_ms - now + 999) / 1000;
		ou_buf_printf(&b, "Contact: <%s>;expires=%lld", bs[i]->rec.contact,
		              (long long)left);
		if (bs[i]->rec.q != 1000)
			ou_buf_printf(&b, ";q=%u.%03u", bs[i]->rec.q / 1000, bs[i]->rec.q % 1000);
		ou_buf_append_cstr(&b, "\r\n");
	}
	sip_print_body(&b, OU_SLICE_NULL, OU_SLICE_NULL);
	px_reply *r = p->live_location && !b.failed ? calloc(1, sizeof(*r)) : NULL;
	persist_op *o = r ? persist_push(p) : NULL;
	if (o) {
		/* Shared store: the 200 waits for the writes queued above. */
		r->st = st;
		r->resp = b;
		txn_set_cb(st, reply_txn_event, r);
		o->kind = OP_REPLY;
		o->reply = r;
		persist_kick(p);
	} else {
		free(r);
		txn_send_response(st, b.data, b.len);
		ou_buf_free(&b);
	}
	metrics_inc(MET_PROXY_REGISTRATIONS);
	static char contacts[32];
	snprintf(contacts, sizeof(contacts), "%u contact(s)", n);
	*why_out = contacts; /* loop thread only */
	return 200;
}

/* One log line per REGISTER with its outcome; a plain challenge is routine (debug). */
static void handle_register(proxy *p, txn *st, sip_msg *req, net_conn *conn, const net_peer *peer)
{
	const char *why = NULL;
	char aor[PROXY_AOR_MAX] = "-";
	unsigned status = register_request(p, st, req, conn, peer, &why, aor);
	bool routine = status == 401 && why && strcmp(why, "challenged") == 0;
	ou_log_level l = status == 200 ? OU_LOG_INFO : routine ? OU_LOG_DEBUG : OU_LOG_WARN;
	char peer_s[STORE_PEER_MAX], cid[96];
	peer_text(peer, peer_s);
	call_id_text(req, cid);
	plog(p, l, "register call-id=%s aor=%s peer=%s transport=%s trusted=%s result=%u (%s)", cid,
	     aor, peer_s, net_transport_name(peer->transport), peer->trusted ? "yes" : "no", status,
	     why ? why : "");
}

/* The Route entries of a request after the leading ones that name us (16.4): slices
 * into req's buffer, in store (PROXY_MAX_ROUTES). */
typedef struct px_routes {
	const ou_slice *routes;
	unsigned nroutes;
	ou_slice *store;
} px_routes;

/* Collects Route entries and drops the leading ones that name us (16.4). */
static int route_entries(proxy *p, sip_msg *req, px_routes *c, const char **why)
{
	unsigned n = 0;
	for (const sip_hdr *h = sip_msg_hdr(req, SIP_H_ROUTE); h; h = sip_msg_hdr_next(req, h)) {
		size_t pos = 0;
		ou_slice e;
		int err;
		while ((err = sip_list_next(h->value, &pos, &e, why)) == 0) {
			if (n == PROXY_MAX_ROUTES) {
				*why = "Too many Route entries";
				return OPENUM_ETOOBIG;
			}
			c->store[n++] = e;
		}
		if (err != OPENUM_ENOTFOUND)
			return err;
	}
	unsigned skip = 0;
	while (skip < n) {
		sip_addr a;
		if (sip_addr_parse(c->store[skip], &a, why))
			return OPENUM_EBADMSG;
		if (!host_is_ours(p, a.uri.host, a.uri.port) || a.uri.user.n)
			break;
		skip++;
	}
	c->routes = c->store + skip;
	c->nroutes = n - skip;
	return 0;
}

/* The flow a contact of aor registered on, when that was on this proxy and is open. */
static net_conn *local_flow(proxy *p, const store_binding *row, int64_t now)
{
	const proxy_binding *b = proxy_loc_by_contact(p->loc, ou_slice_cstr(row->contact), now);
	if (!b || !b->flow || strcmp(b->rec.aor, row->aor) != 0 || !net_conn_is_open(b->flow))
		return NULL;
	return b->flow;
}

/* Forks to the user's contacts. False when none could be reached. */
static bool fork_contacts(px_call *c, const char *user_aor)
{
	proxy *p = c->px;
	if (c->have_live) {
		/* Shared store: the bindings read at request time, whichever proxy took the
		 * REGISTER; over the registered flow when it is one of ours. */
		int64_t now = now_ms();
		unsigned started = 0;
		for (size_t i = 0; i < c->nlive && i < PROXY_MAX_BRANCHES; i++) {
			const store_binding *r = &c->live[i];
			if (r->expires_ms <= now)
				continue;
			started += branch_to_uri_str(c, BR_CONTACT, r->contact,
			                             local_flow(p, r, now), NULL, false, NULL) == 0;
		}
		return started > 0;
	}
	char aor[STORE_ADDR_MAX];
	snprintf(aor, sizeof(aor), "sip:%s", user_aor);
	const proxy_binding *bs[PROXY_MAX_BRANCHES];
	unsigned n = proxy_loc_lookup(p->loc, aor, now_ms(), bs, PROXY_MAX_BRANCHES);
	unsigned started = 0;
	for (unsigned i = 0; i < n; i++)
		if (branch_to_uri_str(c, BR_CONTACT, bs[i]->rec.contact, bs[i]->flow, NULL, false,
		                      NULL) == 0)
			started++;
	return started > 0;
}

static px_call *call_new(proxy *p, txn *st, sip_msg *req, const net_peer *peer)
{
	/* The struct and the request's bytes in one allocation (a spare one when the
	 * request fits); the bytes need no zeroing. */
	size_t need = req->raw.n + 1, cap = need <= PX_CALL_BYTES ? PX_CALL_BYTES : need;
	px_call *c = NULL;
	if (cap == PX_CALL_BYTES && p->spare) {
		c = p->spare;
		p->spare = c->next;
		p->nspare--;
	} else if (!(c = malloc(sizeof(*c) + cap))) {
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->bytes_cap = cap;
	char *bytes = (char *)(c + 1);
	memcpy(bytes, req->raw.p, req->raw.n);
	bytes[req->raw.n] = '\0';
	c->req_bytes = bytes;
	c->req_len = req->raw.n;
	c->method = req->method;
	c->px = p;
	c->st = st;
	c->in_tp = peer->transport;
	c->trusted = peer->trusted;
	peer_text(peer, c->peer_s);
	metrics_add(MET_PROXY_CALLS_ACTIVE, 1);
	c->invite = req->method == SIP_METHOD_INVITE;
	ou_buf_init(&c->challenges);
	uv_timer_init(p->loop, &c->t_noans);
	uv_timer_init(p->loop, &c->t_ring);
	c->t_noans.data = c->t_ring.data = c;
	c->refs = 2; /* the server transaction, and on_request until it returns */
	p->async++;
	c->next = p->calls;
	if (p->calls)
		p->calls->prev = c;
	p->calls = c;
	const sip_addr *from, *to;
	if (sip_msg_from(req, &from, NULL) == 0 && proxy_aor_from_uri(&from->uri, c->from_aor))
		c->from_aor[0] = '\0';
	c->initial = sip_msg_to(req, &to, NULL) == 0 && !to->tag.p;
	txn_set_cb(st, on_server_event, c);
	return c;
}

/* The user part of the call, once the bindings are known: forwarding decision on
 * arrival. An unknown user gets 404 only when the caller authenticated or is a trusted
 * peer; anyone else gets the 480 of a known user with no contact and no voicemail, so
 * that INVITE and OPTIONS sweeps cannot tell names that exist (docs/proxy.md). */
static void route_decide(px_call *c)
{
	proxy *p = c->px;
	const char *user_aor = c->user_aor;
	const store_user *u = find_user(p, user_aor);
	if (!u) {
		c->note = "no such user"; /* the log may say it; the caller is not told */
		respond(c, c->authenticated || c->trusted ? 404 : 480, NULL);
		return;
	}
	c->has_user = true;
	c->user = *u;
	if (!c->invite) {
		if (!fork_contacts(c, user_aor))
			respond(c, 480, NULL);
		return;
	}
	char aor[STORE_ADDR_MAX];
	snprintf(aor, sizeof(aor), "sip:%s", user_aor);
	bool registered = false;
	if (c->have_live) {
		int64_t now = now_ms();
		for (size_t i = 0; i < c->nlive; i++)
			registered |= c->live[i].expires_ms > now;
	} else {
		const proxy_binding *bs[1];
		registered = proxy_loc_lookup(p->loc, aor, now_ms(), bs, 1) > 0;
	}
	proxy_fwd_settings s = settings_of(c);
	proxy_fwd_decision d;
	proxy_fwd_decide(&s, c->sens, registered, PROXY_FWD_NEW, &d);
	c->action = proxy_fwd_action_name(d.action);
	plog(p, OU_LOG_DEBUG, "call %s -> %s: %s (sensitivity %s)", c->from_aor, user_aor,
	     proxy_fwd_action_name(d.action), sip_sens_name(c->sens));
	switch (d.action) {
	case PROXY_ACT_FORK:
		c->phase = PH_FORK;
		if (!fork_contacts(c, user_aor)) {
			all_done(c); /* nobody reachable: as if nobody answered */
			return;
		}
		if (d.no_answer_ms)
			uv_timer_start(&c->t_noans, on_noanswer, d.no_answer_ms, 0);
		break;
	case PROXY_ACT_FORWARD: {
		c->phase = PH_DIVERTED;
		char dbuf[URI_BUF];
		const char *div = diversion_for(c, d.reason, dbuf, sizeof(dbuf));
		sip_uri tu;
		char taor[PROXY_AOR_MAX];
		if (sip_uri_parse(ou_slice_cstr(c->user.fwd_immediate), &tu, NULL) == 0 &&
		    local_aor(p, &tu, taor)) {
			/* A local target: its contacts, no further forwarding (no loops). */
			char ab[STORE_ADDR_MAX];
			snprintf(ab, sizeof(ab), "sip:%s", taor);
			const proxy_binding *tb[PROXY_MAX_BRANCHES];
			unsigned n = proxy_loc_lookup(p->loc, ab, now_ms(), tb, PROXY_MAX_BRANCHES);
			unsigned ok = 0;
			for (unsigned i = 0; i < n; i++)
				ok += branch_to_uri_str(c, BR_CONTACT, tb[i]->rec.contact,
				                        tb[i]->flow, div, false, NULL) == 0;
			if (!ok)
				respond(c, 480, NULL);
		} else if (branch_to_uri_str(c, BR_OTHER, c->user.fwd_immediate, NULL, div, false,
		                             NULL)) {
			respond(c, 480, NULL);
		}
		break;
	}
	case PROXY_ACT_VOICEMAIL:
		c->phase = PH_DIVERTED;
		snprintf(c->vm_reason, sizeof(c->vm_reason), "%s", d.reason);
		if (!start_voicemail(c)) {
			c->note = "no voicemail server";
			respond(c, 480, NULL);
		}
		break;
	case PROXY_ACT_REJECT:
		c->note = registered ? NULL : "not registered";
		respond(c, d.status, NULL);
		break;
	}
}

/* A call to a user of our domain. With a shared store the bindings are read first (for
 * every name, known or not: the same work, the same delay), behind the binding writes
 * already queued; otherwise the table in memory is the whole truth. */
static void route_to_user(px_call *c, const char *user_aor)
{
	proxy *p = c->px;
	snprintf(c->user_aor, sizeof(c->user_aor), "%s", user_aor);
	if (!p->live_location) {
		route_decide(c);
		return;
	}
	persist_op *o = persist_push(p);
	if (!o) {
		respond(c, 500, NULL);
		return;
	}
	o->kind = OP_LOOKUP;
	snprintf(o->rec.aor, sizeof(o->rec.aor), "sip:%s", user_aor);
	o->call = c;
	o->now_ms = now_ms();
	c->refs++;
	c->looking = true;
	persist_kick(p);
}

/* The store answered a LOOKUP (loop thread). */
static void live_done(px_call *c, persist_op *o)
{
	c->looking = false;
	if (o->err == 0) {
		c->live = o->rows;
		c->nlive = o->nrows;
		o->rows = NULL;
		c->have_live = true;
	}
	if (c->st && !c->final_sent && !c->cancelled) {
		if (o->err)
			respond(c, 500, "Location service unavailable");
		else
			route_decide(c);
		if (!c->pending && !c->final_sent && !c->looking)
			respond(c, 480, NULL);
	}
	call_settle(c);
	call_unref(c);
}

static void on_request(void *arg, txn *st, sip_msg *req, net_conn *conn, const net_peer *peer)
{
	proxy *p = arg;
	p->stats.requests++;
	metrics_inc(MET_PROXY_REQUESTS);
	if (p->closing) {
		txn_respond(st, 503, NULL);
		return;
	}
	if (req->method == SIP_METHOD_REGISTER) {
		handle_register(p, st, req, conn, peer);
		return;
	}
	const char *why = NULL;
	uint32_t mf = PROXY_MAX_FORWARDS;
	int err = sip_msg_max_forwards(req, &mf, &why);
	if (err == 0 && mf == 0) {
		txn_respond(st, 483, NULL);
		return;
	}
	const sip_uri *ruri;
	const sip_addr *to;
	if (sip_msg_ruri(req, &ruri, &why) || sip_msg_to(req, &to, &why)) {
		txn_respond(st, 400, why);
		return;
	}
	bool initial = !to->tag.p;
	sip_sens sens = SIP_SENS_NORMAL;
	if (req->method == SIP_METHOD_INVITE && sip_msg_sensitivity(req, &sens, &why)) {
		txn_respond(st, 400, why ? why : "Bad Ms-Sensitivity");
		return;
	}
	/* Requests for the proxy itself. */
	if (!ruri->user.n && host_is_ours(p, ruri->host, ruri->port) &&
	    !sip_msg_hdr(req, SIP_H_ROUTE)) {
		txn_respond(st, req->method == SIP_METHOD_OPTIONS ? 200 : 404, NULL);
		return;
	}
	/* INVITEs of local users authenticate (407), unless a trusted TLS peer (the UM
	 * server's Play-On-Phone) sent them. */
	const sip_addr *from;
	if (sip_msg_from(req, &from, &why)) {
		txn_respond(st, 400, why);
		return;
	}
	char from_local[PROXY_AOR_MAX] = "";
	bool from_is_local = local_aor(p, &from->uri, from_local) ||
	                     (from->uri.user.n && ou_slice_caseeq_cstr(from->uri.host, p->domain));
	bool authed = false;
	char auth_aor[PROXY_AOR_MAX] = "";
	/* OPTIONS and MESSAGE to a local user too: a sender claiming to be one of ours
	 * proves it before learning anything about the callee (user enumeration,
	 * docs/proxy.md). */
	char ruri_local[PROXY_AOR_MAX];
	bool challenged_method =
	    req->method == SIP_METHOD_INVITE ||
	    ((req->method == SIP_METHOD_OPTIONS || req->method == SIP_METHOD_MESSAGE) &&
	     local_aor(p, ruri, ruri_local));
	if (challenged_method && initial && from_is_local && !peer->trusted) {
		const char *outcome = NULL;
		unsigned as = authenticate(p, st, req, peer, true, auth_aor, &outcome);
		if (as) {
			char peer_s[STORE_PEER_MAX], cid[96];
			peer_text(peer, peer_s);
			call_id_text(req, cid);
			plog(p, strcmp(outcome, "challenged") == 0 ? OU_LOG_DEBUG : OU_LOG_WARN,
			     "call call-id=%s method=%.*s from=%s peer=%s transport=%s trusted=no "
			     "authenticated=no result=%u (%s)",
			     cid, (int)req->method_s.n, req->method_s.p,
			     from_local[0] ? from_local : "-", peer_s,
			     net_transport_name(peer->transport), as, outcome);
			return;
		}
		authed = true;
	}

	/* Message-waiting subscriptions (RFC 3842) go to the UM server, and only the
	 * mailbox owner's: the digest identity must be the Request-URI's user, which the
	 * UM server then sees asserted in P-Asserted-Identity. A trusted peer vouches
	 * for its own requests (the UM server checks From then). */
	char mwi_aor[PROXY_AOR_MAX];
	bool mwi = false;
	const sip_hdr *evh = sip_msg_hdr(req, SIP_H_EVENT);
	if (req->method == SIP_METHOD_SUBSCRIBE && initial && evh &&
	    sip_event_is(evh->value, "message-summary") && local_aor(p, ruri, mwi_aor)) {
		if (!peer->trusted) {
			const char *outcome = NULL;
			if (authenticate(p, st, req, peer, true, auth_aor, &outcome))
				return;
			authed = true;
			if (strcmp(auth_aor, mwi_aor) != 0) {
				plog(p, OU_LOG_WARN,
				     "message-summary SUBSCRIBE for %s by %s refused", mwi_aor,
				     auth_aor);
				txn_respond(st, 403, "Only the mailbox owner may subscribe");
				return;
			}
		}
		mwi = true;
	}

	px_call *c = call_new(p, st, req, peer);
	if (!c) {
		txn_respond(st, 500, NULL);
		return;
	}
	c->sens = sens;
	c->authenticated = authed;
	if (authed)
		snprintf(c->auth_aor, sizeof(c->auth_aor), "%s", auth_aor);
	px_routes rt = {.store = c->route_store};
	int rerr = route_entries(p, call_req(c), &rt, &why);
	c->routes = rt.routes;
	c->nroutes = rt.nroutes;
	if (rerr) {
		respond(c, 400, why);
		call_unref(c);
		return;
	}
	unsigned ring =
	    p->cfg.ring_timeout_s ? p->cfg.ring_timeout_s : PROXY_DEFAULT_RING_TIMEOUT_S;
	if (c->invite)
		uv_timer_start(&c->t_ring, on_ring_timeout, (uint64_t)ring * 1000, 0);

	const sip_uri *cru;
	if (sip_msg_ruri(call_req(c), &cru, NULL)) {
		respond(c, 500, NULL); /* cannot happen: it parsed above */
		call_unref(c);
		return;
	}
	char user_aor[PROXY_AOR_MAX];
	if (c->nroutes) {
		/* Loose routing: the next hop is the top remaining Route (16.6 step 7). */
		sip_addr ra;
		net_conn *nc = NULL;
		if (sip_addr_parse(c->routes[0], &ra, NULL) || connect_uri(p, &ra.uri, &nc) ||
		    start_branch(c, BR_OTHER, cru->raw, nc, NULL, false, NULL))
			respond(c, 502, "Next hop unreachable");
	} else if (mwi) {
		c->direct_vm = true; /* the Request-URI as it came: the mailbox's address */
		snprintf(c->user_aor, sizeof(c->user_aor), "%s", mwi_aor);
		if (!start_voicemail(c))
			respond(c, 480, "No voicemail server");
	} else if (initial && proxy_uri_is_voicemail(cru) && local_aor(p, cru, user_aor)) {
		c->direct_vm = true;
		c->action = "voicemail";
		snprintf(c->user_aor, sizeof(c->user_aor), "%s", user_aor);
		if (!start_voicemail(c))
			respond(c, 480, "No voicemail server");
	} else if (initial && local_aor(p, cru, user_aor)) {
		route_to_user(c, user_aor);
	} else {
		/* A contact (in-dialog, or a GRUU-less direct request) or a foreign domain. */
		const proxy_binding *b = proxy_loc_by_contact(p->loc, cru->raw, now_ms());
		net_conn *nc = NULL;
		if (b && b->flow && net_conn_is_open(b->flow))
			nc = net_conn_ref(b->flow);
		if (initial && !b && !authed && !peer->trusted) {
			respond(c, 403, "Relaying denied");
		} else if ((!nc && connect_uri(p, cru, &nc)) ||
		           start_branch(c, BR_OTHER, cru->raw, nc, NULL, false, NULL)) {
			respond(c, 502, "Next hop unreachable");
		}
	}
	if (!c->pending && !c->final_sent && !c->looking)
		respond(c, 480, NULL);
	call_settle(c);
	call_unref(c); /* the server transaction keeps its own reference */
}

/* The ACK of a 2xx is its own transaction: forwarded statelessly along the route. */
static void on_ack(void *arg, sip_msg *ack, net_conn *conn, const net_peer *peer)
{
	proxy *p = arg;
	(void)conn;
	ou_slice entries[PROXY_MAX_ROUTES];
	px_routes tmp = {.store = entries};
	const char *why = NULL;
	if (route_entries(p, ack, &tmp, &why))
		return;
	const sip_uri *ru;
	if (sip_msg_ruri(ack, &ru, NULL))
		return;
	net_conn *nc = NULL;
	int err;
	if (tmp.nroutes) {
		sip_addr ra;
		err = sip_addr_parse(tmp.routes[0], &ra, NULL);
		if (!err)
			err = connect_uri(p, &ra.uri, &nc);
	} else {
		const proxy_binding *b = proxy_loc_by_contact(p->loc, ru->raw, now_ms());
		if (b && b->flow && net_conn_is_open(b->flow)) {
			nc = net_conn_ref(b->flow);
			err = 0;
		} else {
			err = connect_uri(p, ru, &nc);
		}
	}
	if (err)
		return;
	net_transport tp = net_conn_peer(nc)->transport;
	char branch[TXN_BRANCH_LEN + 1];
	txn_new_branch(branch);
	uint32_t mf = PROXY_MAX_FORWARDS;
	sip_msg_max_forwards(ack, &mf, NULL);
	px_req_opts o = {
	    .ruri = ru->raw,
	    .via_transport = net_transport_name(tp),
	    .via_host = p->adv,
	    .via_port = listen_port(p, tp),
	    .branch = branch,
	    .routes = tmp.routes,
	    .nroutes = tmp.nroutes,
	    .max_forwards = mf ? mf - 1 : 0,
	    .strip_pai = !peer->trusted,
	};
	ou_buf b;
	ou_buf_init(&b);
	if (mf > 0 && px_build_request(ack, &o, &b) == 0)
		net_send(nc, b.data, b.len);
	ou_buf_free(&b);
	net_conn_unref(nc);
}

/* ---- net glue ------------------------------------------------------------------------ */

static void on_net_recv(void *arg, net_conn *c, const net_peer *peer, sip_msg *msg)
{
	proxy *p = arg;
	txn_layer_receive(p->tl, c, peer, msg);
}

static void on_net_close(void *arg, net_conn *c, int err, const char *why)
{
	proxy *p = arg;
	(void)err;
	(void)why;
	proxy_loc_flow_closed(p->loc, c);
	if (p->tl)
		txn_conn_closed(p->tl, c);
}

/* ---- life cycle ------------------------------------------------------------------------- */

static void proxy_release(proxy *p)
{
	if (!p->closing || p->async)
		return;
	/* Whatever changes are still queued are written now (shutdown may block). */
	for (size_t i = 0; i < p->nq; i++) {
		persist_op *o = &p->q[i];
		if (o->kind == OP_DEL)
			store_binding_del(p->su, o->rec.aor, o->rec.contact, NULL);
		else if (o->kind == OP_PUT)
			store_binding_put(p->su, &o->rec, NULL);
		else if (o->kind == OP_REPLY)
			reply_free(o->reply);
	}
	free(p->q);
	free(p->users);
	ou_buf_free(&p->out);
	while (p->spare) {
		px_call *c = p->spare;
		p->spare = c->next;
		free(c);
	}
	store_users_close(p->su);
	auth_server_free(p->auth);
	free(p);
}

static void tick_closed(uv_handle_t *h)
{
	proxy *p = h->data;
	p->async--;
	proxy_release(p);
}

/* proxy_new's reasons with their context, for the one line the operator reads
 * (proxy_new runs once, at start-up, so one static buffer each is enough). */
static const char *proxy_store_why(const char *db, const char *why)
{
	static char buf[700];
	char shown[512];
	store_conninfo_display(db ? db : "", shown, sizeof(shown));
	snprintf(buf, sizeof(buf), "cannot open the store %s: %s", shown, why ? why : "error");
	return buf;
}

int proxy_new(uv_loop_t *loop, const proxy_config *cfg, proxy **out, const char **why)
{
	if (!cfg->domain || !*cfg->domain || strlen(cfg->domain) >= HOST_MAX) {
		*why = "domain missing or too long";
		return OPENUM_EINVAL;
	}
	if (!cfg->tcp_ip && !cfg->tls_ip) {
		*why = "no listener configured";
		return OPENUM_EINVAL;
	}
	if (cfg->num_servers > PROXY_MAX_UM_SERVERS) {
		*why = "too many UM servers";
		return OPENUM_ETOOBIG;
	}
	proxy *p = calloc(1, sizeof(*p));
	if (!p)
		return OPENUM_ENOMEM;
	p->loop = loop;
	p->cfg = *cfg;
	if (p->cfg.ndigest == 0 || p->cfg.ndigest > AUTH_NALGOS) {
		p->cfg.digest[0] = AUTH_SHA256;
		p->cfg.digest[1] = AUTH_MD5;
		p->cfg.ndigest = 2;
	}
	snprintf(p->domain, sizeof(p->domain), "%s", cfg->domain);
	for (char *s = p->domain; *s; s++)
		*s = ou_lower(*s);
	snprintf(p->realm, sizeof(p->realm), "%s", cfg->realm ? cfg->realm : p->domain);
	snprintf(p->adv, sizeof(p->adv), "%s",
	         cfg->advertise ? cfg->advertise
	         : cfg->tcp_ip  ? cfg->tcp_ip
	                        : cfg->tls_ip);
	bool pg = false;
	const char *target = NULL;
	if (cfg->db && store_pick_backend(cfg->db, &pg, &target) && pg)
		p->live_location = true;
	int err = store_users_open(cfg->db, NULL, &p->su, why);
	if (!err)
		err = store_user_list(p->su, &p->users, &p->nusers, why);
	if (err)
		*why = proxy_store_why(cfg->db, *why);
	proxy_loc_ops lops = {on_loc_change, loc_ref, loc_unref, p};
	if (!err && (err = proxy_loc_new(&lops, &p->loc)))
		*why = "out of memory";
	store_binding *bs = NULL;
	size_t nb = 0;
	if (!err)
		err = store_binding_list(p->su, NULL, now_ms(), &bs, &nb, why);
	for (size_t i = 0; !err && i < nb; i++)
		err = proxy_loc_load(p->loc, &bs[i]);
	free(bs);
	auth_config ac = {.nonce_ttl_s = cfg->nonce_ttl_s,
	                  .rate_refill_ms = cfg->auth_refill_s * 1000u};
	if (!err && (err = auth_server_new(&ac, &p->auth)))
		*why = "cannot set up digest authentication";
	if (!err && (err = net_new(loop, &cfg->net, on_net_recv, on_net_close, p, &p->n)))
		*why = "cannot set up the transport (certificates?)";
	txn_config tc = {.t1_ms = cfg->t1_ms, .cancel_no_487 = true};
	txn_io io = txn_io_net();
	txn_tu tu = {.on_request = on_request, .on_ack = on_ack, .arg = p};
	if (!err && (err = txn_layer_new(loop, &tc, &io, &tu, &p->tl)))
		*why = "cannot set up transactions";
	if (!err && cfg->tcp_ip &&
	    (err = net_listen(p->n, NET_TCP, cfg->tcp_ip, cfg->tcp_port, &p->tcp_port)))
		*why = net_listen_why(p->n);
	if (!err && cfg->tls_ip &&
	    (err = net_listen(p->n, NET_TLS, cfg->tls_ip, cfg->tls_port, &p->tls_port)))
		*why = net_listen_why(p->n);
	if (err) {
		if (p->tl)
			txn_layer_free(p->tl);
		if (p->n)
			net_free(p->n);
		proxy_loc_free(p->loc);
		auth_server_free(p->auth);
		store_users_close(p->su);
		free(p->users);
		free(p);
		return err;
	}
	uv_timer_init(loop, &p->tick);
	p->tick.data = p;
	p->async++;
	p->last_refresh = uv_now(loop);
	uv_timer_start(&p->tick, on_tick, TICK_MS, TICK_MS);
	*out = p;
	return 0;
}

void proxy_free(proxy *p)
{
	if (!p)
		return;
	p->closing = true;
	txn_layer_free(p->tl);
	p->tl = NULL;
	net_free(p->n);
	p->n = NULL;
	proxy_loc_free(p->loc); /* drops flow references; queued changes stay in p->q */
	p->loc = NULL;
	/* txn_layer_free ended the transactions without callbacks: end their calls. */
	for (px_call *c = p->calls; c; c = c->next) {
		if (c->refs) {
			c->refs = 0;
			uv_close((uv_handle_t *)&c->t_noans, call_free_cb);
			uv_close((uv_handle_t *)&c->t_ring, call_free_cb);
		}
	}
	uv_timer_stop(&p->tick);
	uv_close((uv_handle_t *)&p->tick, tick_closed);
}

uint16_t proxy_tcp_port(const proxy *p)
{
	return p->tcp_port;
}

uint16_t proxy_tls_port(const proxy *p)
{
	return p->tls_port;
}

void proxy_get_stats(const proxy *p, proxy_stats *out)
{
	*out = p->stats;
}
