/* Message-waiting indication: RFC 3842 message-summary over RFC 6665 subscriptions.
 * The owner of a mailbox (as asserted by a trusted peer) subscribes; each
 * subscription is a ua_dlg whose NOTIFYs carry Messages-Waiting and the
 * Voice-Message new/old counts. Counts come from the store on the thread pool: at
 * once after a SUBSCRIBE, after a call of this server on the mailbox ends
 * (um_mwi_touch), and every poll interval for changes made elsewhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../txn/txn.h"
#include "server_int.h"

#define MWI_EVENT "message-summary"

typedef struct mwi_sub {
	struct mwi_sub *next, *prev;
	um_mwi *m;
	ua_dlg *g; /* NULL once terminated */
	char mailbox[STORE_ADDR_MAX];
	uint64_t expires_at; /* uv_now() */
	/* what the last NOTIFY said */
	bool sent, waiting_sent;
	unsigned nnew, nold;
	bool notify_busy, dirty, terminate_after;
	/* the store job (one at a time) */
	bool job_busy, job_again, found;
	unsigned job_new, job_saved;
	const char *term_reason; /* set: the next NOTIFY is the last */
} mwi_sub;

/* A mailbox told by unsolicited NOTIFY: the counts it was last told. */
typedef struct mwi_uns {
	struct mwi_uns *next;
	um_mwi *m;
	char mailbox[STORE_ADDR_MAX];
	bool told, busy, again, found;
	unsigned nnew, nold, job_new, job_saved;
} mwi_uns;

struct um_mwi {
	um_server *srv;
	uv_timer_t tick;
	mwi_sub *subs;
	mwi_uns *uns;
	unsigned nuns;
	unsigned nsubs;
	unsigned jobs; /* store jobs in flight */
	bool freeing;  /* um_mwi_free ran */
	bool closed;   /* the tick timer's handle is closed */
	uint64_t next_poll;
};

static void maybe_free_all(um_mwi *m);

/* Through ou_log like the call lines (timestamp, level, syslog). */
static void mlog(um_mwi *m, ou_log_level l, const char *fmt, const char *a, const char *b)
    __attribute__((format(printf, 3, 0)));
static void mlog(um_mwi *m, ou_log_level l, const char *fmt, const char *a, const char *b)
{
	if (m->srv->cfg.quiet && l > OU_LOG_ERROR)
		return;
	ou_log(l, "um", fmt, a, b);
}

/* ---- subscription life ------------------------------------------------------------- */

static void sub_maybe_free(mwi_sub *s)
{
	if (s->g || s->job_busy)
		return;
	um_mwi *m = s->m;
	if (s->prev)
		s->prev->next = s->next;
	else
		m->subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	m->nsubs--;
	free(s);
}

/* The dialog goes; the record stays while a store job writes into it. */
static void sub_end(mwi_sub *s)
{
	if (s->g) {
		ua_dlg_free(s->g);
		s->g = NULL;
	}
	sub_maybe_free(s);
}

/* ---- NOTIFY ------------------------------------------------------------------------- */

static void notify_sent(void *arg, ua_dlg *g, unsigned status, sip_msg *resp);

static void send_notify(mwi_sub *s)
{
	if (!s->g)
		return;
	if (s->notify_busy) { /* RFC 6665 4.2.2: one NOTIFY at a time per dialog */
		s->dirty = true;
		return;
	}
	um_mwi *m = s->m;
	uint64_t now = uv_now(m->srv->loop);
	char state[64];
	if (s->term_reason)
		snprintf(state, sizeof(state), "Subscription-State: terminated%s%s",
		         s->term_reason[0] ? ";reason=" : "", s->term_reason);
	else
		snprintf(state, sizeof(state), "Subscription-State: active;expires=%u",
		         (unsigned)(s->expires_at > now ? (s->expires_at - now + 999) / 1000 : 0));
	sip_msum ms = {.waiting = s->nnew > 0, .account = ou_slice_cstr(s->mailbox), .nclass = 1};
	ms.cls[0] =
	    (sip_msum_class){.name = OU_SLICE_LIT("Voice-Message"),
	                     .nnew = s->nnew < SIP_MSUM_MAX_COUNT ? s->nnew : SIP_MSUM_MAX_COUNT,
	                     .nold = s->nold < SIP_MSUM_MAX_COUNT ? s->nold : SIP_MSUM_MAX_COUNT};
	ou_buf b;
	ou_buf_init(&b);
	/* no body until the counts are known (a terminated NOTIFY for a missing mailbox) */
	int err = s->found ? sip_msum_print(&ms, &b) : 0;
	if (!err) {
		char ev[] = "Event: " MWI_EVENT;
		const char *extra[] = {ev, state};
		err = ua_dlg_request(s->g, SIP_METHOD_NOTIFY, extra, 2,
		                     s->found ? SIP_MSUM_CTYPE : NULL, ou_slice_make(b.data, b.len),
		                     notify_sent, s);
	}
	ou_buf_free(&b);
	if (err) {
		mlog(m, OU_LOG_WARN, "NOTIFY to %s not sent: %s", s->mailbox, ou_strerror(err));
		sub_end(s);
		return;
	}
	s->notify_busy = true;
	s->dirty = false;
	s->sent = true;
	s->waiting_sent = ms.waiting;
	if (s->term_reason)
		s->terminate_after = true;
}

static void notify_sent(void *arg, ua_dlg *g, unsigned status, sip_msg *resp)
{
	mwi_sub *s = arg;
	(void)g;
	(void)resp;
	s->notify_busy = false;
	if (s->terminate_after || status >= 300) {
		/* 481, 408, 503 or any failure: the subscriber is gone (RFC 6665 4.2.2) */
		if (status >= 300)
			mlog(s->m, OU_LOG_INFO, "subscription to %s ended: NOTIFY got %s",
			     s->mailbox, status == 481 ? "481" : "an error");
		sub_end(s);
		return;
	}
	if (s->dirty)
		send_notify(s);
}

/* ---- counting ----------------------------------------------------------------------- */

static int count_job(store *st, void *arg, const char **why)
{
	mwi_sub *s = arg;
	store_mailbox mb;
	s->found = false;
	int err = store_mailbox_get_by_address(st, s->mailbox, &mb, why);
	if (err)
		return err;
	s->found = true;
	return store_msg_count(st, mb.id, &s->job_new, &s->job_saved, why);
}

static void start_count(mwi_sub *s);

static void counted(int err, const char *why, void *arg)
{
	mwi_sub *s = arg;
	um_mwi *m = s->m;
	s->job_busy = false;
	m->jobs--;
	if (m->freeing || !s->g) {
		sub_maybe_free(s);
		if (m->freeing)
			maybe_free_all(m);
		return;
	}
	if (err == OPENUM_ENOTFOUND && !s->found) {
		s->term_reason = "noresource";
		send_notify(s);
		return;
	}
	if (err) {
		mlog(m, OU_LOG_WARN, "counting %s failed: %s", s->mailbox,
		     why ? why : "store error");
	} else if (!s->sent || s->job_new != s->nnew || s->job_saved != s->nold) {
		s->nnew = s->job_new;
		s->nold = s->job_saved;
		send_notify(s);
	}
	if (s->job_again) {
		s->job_again = false;
		start_count(s);
	}
}

static void start_count(mwi_sub *s)
{
	if (s->job_busy) {
		s->job_again = true;
		return;
	}
	um_mwi *m = s->m;
	if (store_async_run(m->srv->loop, m->srv->st, count_job, s, counted, s) == 0) {
		s->job_busy = true;
		m->jobs++;
	}
}

/* ---- SUBSCRIBE ------------------------------------------------------------------------ */

/* "sip:user@host" of a URI, normalised as the store writes mailbox addresses (a bare
 * number lives in our domain). */
static int uri_mailbox(um_server *srv, const sip_uri *u, char out[STORE_ADDR_MAX])
{
	um_addr a;
	char addr[UM_AOR_MAX + 8];
	if (um_addr_from_uri(u, &a, NULL) || !a.user[0])
		return OPENUM_EINVAL;
	if (a.host[0])
		snprintf(addr, sizeof(addr), "sip:%s", a.aor);
	else
		snprintf(addr, sizeof(addr), "sip:%s@%s", a.user, srv->domain);
	return store_address_normalize(addr, out, STORE_ADDR_MAX, NULL);
}

/* Who is asking: only a trusted peer (mutual TLS, allow-listed) vouches for anyone,
 * through P-Asserted-Identity (RFC 3325), else its From. */
static int subscriber_identity(um_server *srv, sip_msg *req, const net_peer *peer,
                               char out[STORE_ADDR_MAX])
{
	if (!peer->trusted)
		return OPENUM_EINVAL;
	const sip_hdr *h = sip_msg_hdr(req, SIP_H_P_ASSERTED_IDENTITY);
	if (h) {
		size_t pos = 0;
		ou_slice e;
		sip_addr a;
		/* the sip: one of the (at most two) identities */
		while (sip_list_next(h->value, &pos, &e, NULL) == 0)
			if (sip_addr_parse(e, &a, NULL) == 0 && a.uri.scheme != SIP_URI_TEL)
				return uri_mailbox(srv, &a.uri, out);
		return OPENUM_EINVAL;
	}
	const sip_addr *from;
	if (sip_msg_from(req, &from, NULL))
		return OPENUM_EINVAL;
	return uri_mailbox(srv, &from->uri, out);
}

static void respond_expires(um_mwi *m, void *st, unsigned status, const char *reason,
                            const char *name, uint32_t v)
{
	char line[48];
	snprintf(line, sizeof(line), "%s: %u", name, (unsigned)v);
	const char *extra[] = {line};
	(void)ua_dlg_respond(um_server_ua(m->srv), st, status, reason, extra, 1, false);
}

/* Expires of a SUBSCRIBE: 0 stays 0, absent is the default, too long is cut; a
 * too-short one was answered 423 (false). */
static bool sub_expires(um_mwi *m, void *st, sip_msg *req, uint32_t *out)
{
	uint32_t e = UM_MWI_DEFAULT_EXPIRES;
	const char *why = NULL;
	if (sip_msg_hdr(req, SIP_H_EXPIRES) && sip_msg_expires(req, &e, &why)) {
		(void)ua_respond(um_server_ua(m->srv), st, 400, why ? why : "Bad Expires");
		return false;
	}
	uint32_t min =
	    m->srv->cfg.mwi_min_expires ? m->srv->cfg.mwi_min_expires : UM_MWI_MIN_EXPIRES;
	if (e && e < min) {
		respond_expires(m, st, 423, NULL, "Min-Expires", min);
		return false;
	}
	*out = e > UM_MWI_MAX_EXPIRES ? UM_MWI_MAX_EXPIRES : e;
	return true;
}

static void new_subscription(um_mwi *m, void *st, sip_msg *req, const net_peer *peer)
{
	um_server *srv = m->srv;
	ua *u = um_server_ua(srv);
	char mailbox[STORE_ADDR_MAX], who[STORE_ADDR_MAX];
	const sip_uri *ruri;
	if (sip_msg_ruri(req, &ruri, NULL) || uri_mailbox(srv, ruri, mailbox)) {
		(void)ua_respond(u, st, 404, "No mailbox named");
		return;
	}
	if (subscriber_identity(srv, req, peer, who)) {
		mlog(m, OU_LOG_WARN, "SUBSCRIBE for %s refused: %s", mailbox,
		     peer->trusted ? "no identity" : "not from a trusted peer");
		(void)ua_respond(u, st, 403, "Only the mailbox owner may subscribe");
		return;
	}
	if (strcmp(who, mailbox) != 0) {
		mlog(m, OU_LOG_WARN, "SUBSCRIBE for %s refused: asked by %s", mailbox, who);
		(void)ua_respond(u, st, 403, "Only the mailbox owner may subscribe");
		return;
	}
	uint32_t e;
	if (!sub_expires(m, st, req, &e))
		return;
	if (m->nsubs >= UM_MWI_MAX_SUBS) {
		(void)ua_respond(u, st, 503, "Too many subscriptions");
		return;
	}
	mwi_sub *s = calloc(1, sizeof(*s));
	if (!s) {
		(void)ua_respond(u, st, 500, "Out of memory");
		return;
	}
	char line[48];
	snprintf(line, sizeof(line), "Expires: %u", (unsigned)e);
	const char *extra[] = {line};
	if (ua_dlg_accept(u, st, req, peer, 200, extra, 1, &s->g)) {
		free(s);
		(void)ua_respond(u, st, 500, "Cannot accept the subscription");
		return;
	}
	ua_dlg_set_arg(s->g, s);
	s->m = m;
	snprintf(s->mailbox, sizeof(s->mailbox), "%s", mailbox);
	s->expires_at = uv_now(srv->loop) + (uint64_t)e * 1000;
	/* Expires: 0 is a fetch: one NOTIFY with the state, then terminated */
	if (e == 0)
		s->term_reason = "timeout";
	s->next = m->subs;
	if (m->subs)
		m->subs->prev = s;
	m->subs = s;
	m->nsubs++;
	mlog(m, OU_LOG_INFO, "%s subscribed to message-summary%s", mailbox, e ? "" : " (fetch)");
	start_count(s);
}

static void in_dialog(um_mwi *m, void *st, sip_msg *req)
{
	ua *u = um_server_ua(m->srv);
	unsigned status = 481;
	ua_dlg *g = ua_dlg_match(u, req, &status);
	if (!g) {
		(void)ua_respond(u, st, status, NULL);
		return;
	}
	mwi_sub *s = ua_dlg_get_arg(g);
	if (req->method != SIP_METHOD_SUBSCRIBE) {
		(void)ua_respond(u, st, 405, NULL);
		return;
	}
	const sip_hdr *ev = sip_msg_hdr(req, SIP_H_EVENT);
	if (!ev || !sip_event_is(ev->value, MWI_EVENT)) {
		(void)ua_respond(u, st, 489, NULL);
		return;
	}
	uint32_t e;
	if (!sub_expires(m, st, req, &e))
		return;
	respond_expires(m, st, 200, NULL, "Expires", e);
	s->expires_at = uv_now(m->srv->loop) + (uint64_t)e * 1000;
	if (e == 0) /* unsubscribe: the final NOTIFY (RFC 6665 4.2.1.4) */
		s->term_reason = "timeout";
	/* every accepted SUBSCRIBE gets a NOTIFY with the current state */
	if (s->sent || s->term_reason)
		send_notify(s);
	else
		start_count(s);
}

void um_mwi_request(um_mwi *m, void *st, sip_msg *req, const net_peer *peer)
{
	ua *u = um_server_ua(m->srv);
	const sip_addr *to;
	if (sip_msg_to(req, &to, NULL) == 0 && to->tag.p) {
		in_dialog(m, st, req);
		return;
	}
	if (req->method != SIP_METHOD_SUBSCRIBE) {
		(void)ua_respond(u, st, 405, NULL);
		return;
	}
	const sip_hdr *ev = sip_msg_hdr(req, SIP_H_EVENT);
	if (m->srv->cfg.mwi_off || !ev || !sip_event_is(ev->value, MWI_EVENT)) {
		const char *extra[] = {"Allow-Events: " MWI_EVENT};
		(void)ua_dlg_respond(u, st, 489, NULL, extra, m->srv->cfg.mwi_off ? 0 : 1, false);
		return;
	}
	new_subscription(m, st, req, peer);
}

/* ---- unsolicited NOTIFY ------------------------------------------------------------------ */

static int uns_job(store *st, void *arg, const char **why)
{
	mwi_uns *u = arg;
	store_mailbox mb;
	u->found = false;
	int err = store_mailbox_get_by_address(st, u->mailbox, &mb, why);
	if (err)
		return err;
	u->found = true;
	return store_msg_count(st, mb.id, &u->job_new, &u->job_saved, why);
}

static void uns_start(mwi_uns *u);

static void uns_send(mwi_uns *u)
{
	um_mwi *m = u->m;
	const um_server_cfg *c = &m->srv->cfg;
	sip_msum ms = {.waiting = u->nnew > 0, .account = ou_slice_cstr(u->mailbox), .nclass = 1};
	ms.cls[0] =
	    (sip_msum_class){.name = OU_SLICE_LIT("Voice-Message"),
	                     .nnew = u->nnew < SIP_MSUM_MAX_COUNT ? u->nnew : SIP_MSUM_MAX_COUNT,
	                     .nold = u->nold < SIP_MSUM_MAX_COUNT ? u->nold : SIP_MSUM_MAX_COUNT};
	const char *extra[] = {"Event: " MWI_EVENT, "Subscription-State: terminated"};
	ou_buf b;
	ou_buf_init(&b);
	net_transport tp = c->mwi_out_transport == NET_TCP ? NET_TCP : NET_TLS;
	ua_out_req r = {.method = "NOTIFY",
	                .ruri = u->mailbox,
	                .from = u->mailbox,
	                .to = u->mailbox,
	                .transport = tp,
	                .host = c->mwi_out_host,
	                .port = c->mwi_out_port ? c->mwi_out_port
	                        : tp == NET_TLS ? NET_DEFAULT_TLS_PORT
	                                        : NET_DEFAULT_TCP_PORT,
	                .tls_name = c->mwi_out_tls_name,
	                .extra = extra,
	                .nextra = 2,
	                .ctype = SIP_MSUM_CTYPE};
	int err = sip_msum_print(&ms, &b);
	if (!err) {
		r.body = ou_slice_make(b.data, b.len);
		err = ua_request_out(um_server_ua(m->srv), &r);
	}
	ou_buf_free(&b);
	if (err)
		mlog(m, OU_LOG_WARN, "unsolicited NOTIFY to %s not sent: %s", u->mailbox,
		     ou_strerror(err));
	else
		u->told = true;
}

static void uns_counted(int err, const char *why, void *arg)
{
	mwi_uns *u = arg;
	um_mwi *m = u->m;
	u->busy = false;
	m->jobs--;
	if (m->freeing) {
		maybe_free_all(m);
		return;
	}
	if (err) {
		if (err != OPENUM_ENOTFOUND)
			mlog(m, OU_LOG_WARN, "counting %s failed: %s", u->mailbox,
			     why ? why : "store error");
	} else if (!u->told || u->job_new != u->nnew || u->job_saved != u->nold) {
		u->nnew = u->job_new;
		u->nold = u->job_saved;
		uns_send(u);
	}
	if (u->again) {
		u->again = false;
		uns_start(u);
	}
}

static void uns_start(mwi_uns *u)
{
	if (u->busy) {
		u->again = true;
		return;
	}
	um_mwi *m = u->m;
	if (store_async_run(m->srv->loop, m->srv->st, uns_job, u, uns_counted, u) == 0) {
		u->busy = true;
		m->jobs++;
	}
}

static void unsolicited(um_mwi *m, const char *mailbox)
{
	mwi_uns *u = m->uns;
	while (u && strcmp(u->mailbox, mailbox) != 0)
		u = u->next;
	if (!u) {
		if (m->nuns >= UM_MWI_MAX_SUBS || !(u = calloc(1, sizeof(*u))))
			return;
		u->m = m;
		snprintf(u->mailbox, sizeof(u->mailbox), "%s", mailbox);
		u->next = m->uns;
		m->uns = u;
		m->nuns++;
	}
	uns_start(u);
}

/* ---- timers and changes --------------------------------------------------------------- */

static void on_tick(uv_timer_t *t)
{
	um_mwi *m = t->data;
	uint64_t now = uv_now(m->srv->loop);
	bool poll = now >= m->next_poll;
	if (poll)
		m->next_poll =
		    now + (m->srv->cfg.mwi_poll_ms ? m->srv->cfg.mwi_poll_ms : UM_MWI_POLL_MS);
	for (mwi_sub *s = m->subs, *next; s; s = next) {
		next = s->next;
		if (!s->g || s->term_reason)
			continue;
		if (now >= s->expires_at) {
			mlog(m, OU_LOG_INFO, "subscription of %s expired%s", s->mailbox, "");
			s->term_reason = "timeout";
			send_notify(s);
		} else if (poll && s->sent) {
			start_count(s);
		}
	}
}

void um_mwi_touch(um_mwi *m, const char *mailbox_addr)
{
	if (!m || !mailbox_addr || !mailbox_addr[0])
		return;
	bool subscribed = false;
	for (mwi_sub *s = m->subs; s; s = s->next)
		if (s->g && !s->term_reason && strcmp(s->mailbox, mailbox_addr) == 0) {
			start_count(s);
			subscribed = true;
		}
	if (!subscribed && m->srv->cfg.mwi_unsolicited && m->srv->cfg.mwi_out_host)
		unsolicited(m, mailbox_addr);
}

unsigned um_mwi_count(const um_mwi *m)
{
	return m ? m->nsubs : 0;
}

int um_mwi_new(um_server *srv, um_mwi **out)
{
	um_mwi *m = calloc(1, sizeof(*m));
	if (!m)
		return OPENUM_ENOMEM;
	m->srv = srv;
	uv_timer_init(srv->loop, &m->tick);
	m->tick.data = m;
	uv_timer_start(&m->tick, on_tick, 1000, 1000);
	*out = m;
	return 0;
}

/* After um_mwi_free: the memory goes once the timer is closed and no job is out. */
static void maybe_free_all(um_mwi *m)
{
	if (!m->closed || m->jobs || m->subs)
		return;
	while (m->uns) {
		mwi_uns *u = m->uns;
		m->uns = u->next;
		free(u);
	}
	free(m);
}

static void tick_closed(uv_handle_t *h)
{
	um_mwi *m = h->data;
	m->closed = true;
	maybe_free_all(m);
}

void um_mwi_free(um_mwi *m)
{
	if (!m)
		return;
	m->freeing = true;
	for (mwi_sub *s = m->subs, *next; s; s = next) {
		next = s->next;
		sub_end(s);
	}
	uv_timer_stop(&m->tick);
	uv_close((uv_handle_t *)&m->tick, tick_closed);
}
