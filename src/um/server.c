/* The UM server: one ua whose incoming INVITEs become sessions (session.c), the
 * Play-On-Phone dispatch, prompt playing, and the one call-log row every call leaves.
 * Runs on the loop thread; the store is reached only through store_async_*. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_int.h"

static void sess_unlink_free(um_sess *s);

/* ---- helpers for the other files ------------------------------------------- */

void um_sess_play_clips(um_sess *s, const um_clips *cl)
{
	for (unsigned i = 0; i < cl->n; i++)
		um_sess_play_id(s, cl->id[i]);
}

void um_sess_play_id(um_sess *s, const char *id)
{
	media_sound *snd = s->c ? um_prompts_sound(s->srv->prompts, id) : NULL;
	if (snd)
		(void)ua_call_play_sound(s->c, snd);
}

void um_sess_goodbye(um_sess *s, const char *first_id)
{
	um_sess_timer_stop(s);
	if (!s->c) {
		s->state = SESS_DONE;
		return;
	}
	ua_call_play_stop(s->c);
	s->state = SESS_GOODBYE;
	if (first_id)
		um_sess_play_id(s, first_id);
	um_sess_play_id(s, "goodbye");
}

static void timer_closed(uv_handle_t *h)
{
	um_sess *s = h->data;
	sess_unlink_free(s);
}

void um_sess_timer(um_sess *s, unsigned ms, uv_timer_cb cb)
{
	s->timer_on = true;
	uv_timer_start(&s->timer, cb, ms, 0);
}

void um_sess_timer_stop(um_sess *s)
{
	if (s->timer_on)
		uv_timer_stop(&s->timer);
	s->timer_on = false;
}

void um_sess_log_result(um_sess *s, store_logon_result r, const char *detail)
{
	s->log.logon = r;
	if (detail)
		snprintf(s->log.detail, sizeof(s->log.detail), "%s", detail);
}

static void log_written(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	if (err)
		ou_log(OU_LOG_ERROR, "um", "call log not written for call-id=%s: %s",
		       s->log.call_id, why ? why : "error");
	s->pending--;
	um_sess_maybe_free(s);
}

/* Once the call is over and no store request writes into the session any more: the
 * call-log row, then the memory. */
void um_sess_maybe_free(um_sess *s)
{
	if (!s->ended || s->pending)
		return;
	if (!s->logged) {
		s->logged = true;
		um_call_finished(&s->log);
		if (store_async_call_append(s->srv->loop, s->srv->st, &s->log, NULL, log_written,
		                            s) == 0) {
			s->pending++;
			return;
		}
	}
	um_sess_timer_stop(s);
	if (!uv_is_closing((uv_handle_t *)&s->timer)) {
		/* the call's store writes are done: message-waiting lamps see them now */
		if (!s->srv->freeing)
			um_mwi_touch(s->srv->mwi, s->mailbox_addr);
		uv_close((uv_handle_t *)&s->timer, timer_closed);
	}
}

bool um_sess_async_done(um_sess *s)
{
	s->pending--;
	if (s->ended) {
		um_sess_maybe_free(s);
		return false;
	}
	return true;
}

static void sess_unlink_free(um_sess *s)
{
	um_server *srv = s->srv;
	if (s->prev)
		s->prev->next = s->next;
	else
		srv->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	free(s->msgs);
	store_msg_clear(&s->cur_msg);
	store_audio_free(&s->greeting);
	store_audio_free(&s->greet_new);
	um_audio_cache_release(&srv->audio, UM_AUDIO_GREETING, s->mb.id, s->greeting_snd);
	um_audio_cache_release(&srv->audio, UM_AUDIO_MESSAGE, s->msg_snd_id, s->msg_snd);
	free(s->rec);
	free(s->spool_buf);
	free(s);
	metrics_add(MET_UM_CALLS_ACTIVE, -1);
	if (srv->freeing && !srv->sessions) {
		um_audio_cache_clear(&srv->audio);
		free(srv);
	}
}

/* ---- ua events ----------------------------------------------------------------- */

static bool pop_owns(um_server *srv, ua_call *c)
{
	return srv->cfg.pop_hooks && srv->cfg.pop_hooks->owns &&
	       srv->cfg.pop_hooks->owns(srv->cfg.pop, c);
}

static void mailbox_looked_up(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	(void)why;
	s->mb_found = err == 0;
	if (err && err != OPENUM_ENOTFOUND)
		snprintf(s->log.detail, sizeof(s->log.detail), "store: %s", why ? why : "error");
	if (!um_sess_async_done(s))
		return;
	um_sess_start(s);
}

static void on_incoming(void *arg, ua_call *c, sip_msg *invite, const net_peer *peer)
{
	um_server *srv = arg;
	um_sess *s = calloc(1, sizeof(*s));
	if (!s) {
		ua_call_reject(c, 500, "Out of memory");
		return;
	}
	s->srv = srv;
	s->c = c;
	s->next = srv->sessions;
	if (s->next)
		s->next->prev = s;
	srv->sessions = s;
	srv->ncalls++;
	metrics_add(MET_UM_CALLS_ACTIVE, 1);
	uv_timer_init(srv->loop, &s->timer);
	s->timer.data = s;
	ua_call_set_arg(c, s);
	s->trusted = peer->trusted;
	s->state = SESS_LOOKUP;
	s->spool_fd = -1;

	store_call *l = &s->log;
	ou_slice_copy(ua_call_id(c), l->call_id, sizeof(l->call_id));
	snprintf(l->transport, sizeof(l->transport), "%s", net_transport_name(peer->transport));
	if (strchr(peer->remote_ip, ':'))
		snprintf(l->peer, sizeof(l->peer), "[%s]:%u", peer->remote_ip, peer->remote_port);
	else
		snprintf(l->peer, sizeof(l->peer), "%s:%u", peer->remote_ip, peer->remote_port);
	l->trusted = peer->trusted;
	/* A malformed Ms-Exchange-Command reads as "not requested": the PIN is asked. */
	(void)um_logon_skip_pin_requested(invite, &s->skip_pin_requested, NULL);
	l->skip_pin_requested = s->skip_pin_requested;
	l->logon = STORE_LOGON_NONE;

	const char *why = NULL;
	int err = um_classify(invite, &srv->cfg.classify, &s->cls, &why);
	l->kind = err == 0 && s->cls.kind == UM_CALL_SUBSCRIBER_ACCESS
	              ? STORE_CALL_SUBSCRIBER_ACCESS
	              : STORE_CALL_ANSWERING;
	if (err) {
		um_sess_log_result(
		    s, err == OPENUM_ENOTFOUND ? STORE_LOGON_NOT_FOUND : STORE_LOGON_NONE, why);
		s->state = SESS_DONE;
		ua_call_reject(c, err == OPENUM_ENOTFOUND ? 404 : 400, why ? why : "Bad Request");
		return;
	}
	if (!s->cls.anonymous && s->cls.caller.aor[0])
		snprintf(s->caller, sizeof(s->caller), "%s%s",
		         s->cls.caller.host[0] ? "sip:" : "tel:", s->cls.caller.aor);
	if (s->cls.reason.p)
		ou_slice_copy(s->cls.reason, s->reason, sizeof(s->reason));
	/* A mailbox named by a number alone lives in our domain. */
	char addr[UM_AOR_MAX + 8];
	if (s->cls.mailbox.host[0])
		snprintf(addr, sizeof(addr), "sip:%s", s->cls.mailbox.aor);
	else
		snprintf(addr, sizeof(addr), "sip:%s@%s", s->cls.mailbox.user, srv->domain);
	if (store_address_normalize(addr, s->mailbox_addr, sizeof(s->mailbox_addr), NULL) != 0)
		s->mailbox_addr[0] = 0;
	if (!s->mailbox_addr[0]) {
		s->mb_found = false;
		um_sess_start(s);
		return;
	}
	if (store_async_mailbox_get_by_address(srv->loop, srv->st, s->mailbox_addr, &s->mb,
	                                       mailbox_looked_up, s) == 0)
		s->pending++;
	else {
		um_sess_log_result(s, STORE_LOGON_NONE, "store unavailable");
		s->state = SESS_DONE;
		ua_call_reject(c, 503, "Store unavailable");
	}
}

static void on_progress(void *arg, ua_call *c, unsigned status)
{
	um_server *srv = arg;
	if (pop_owns(srv, c) && srv->cfg.pop_hooks->progress)
		srv->cfg.pop_hooks->progress(srv->cfg.pop, c, status);
}

static void on_answered(void *arg, ua_call *c)
{
	um_server *srv = arg;
	if (pop_owns(srv, c)) {
		if (srv->cfg.pop_hooks->answered)
			srv->cfg.pop_hooks->answered(srv->cfg.pop, c);
		return;
	}
	um_sess *s = ua_call_get_arg(c);
	if (s)
		um_sess_answered(s);
}

static void on_dtmf(void *arg, ua_call *c, char digit, ua_dtmf_source src)
{
	um_server *srv = arg;
	if (pop_owns(srv, c)) {
		if (srv->cfg.pop_hooks->dtmf)
			srv->cfg.pop_hooks->dtmf(srv->cfg.pop, c, digit, src);
		return;
	}
	um_sess *s = ua_call_get_arg(c);
	if (s)
		um_sess_dtmf(s, digit);
}

static void on_play_done(void *arg, ua_call *c)
{
	um_server *srv = arg;
	if (pop_owns(srv, c)) {
		if (srv->cfg.pop_hooks->play_done)
			srv->cfg.pop_hooks->play_done(srv->cfg.pop, c);
		return;
	}
	um_sess *s = ua_call_get_arg(c);
	if (s)
		um_sess_play_done(s);
}

static void on_ended(void *arg, ua_call *c, const ua_end *end)
{
	um_server *srv = arg;
	if (pop_owns(srv, c)) {
		if (srv->cfg.pop_hooks->ended)
			srv->cfg.pop_hooks->ended(srv->cfg.pop, c, end);
		return;
	}
	um_sess *s = ua_call_get_arg(c);
	if (!s)
		return;
	srv->ncalls--;
	um_sess_ended(s, end);
	s->c = NULL;
	s->ended = true;
	um_sess_maybe_free(s);
}

static void on_request(void *arg, ua *u, void *st, sip_msg *req, const net_peer *peer)
{
	um_server *srv = arg;
	(void)u;
	um_mwi_request(srv->mwi, st, req, peer);
}

/* ---- the server ---------------------------------------------------------------- */

int um_server_new(uv_loop_t *loop, const um_server_cfg *cfg, store *st, const um_prompts *prompts,
                  um_server **out, const char **why)
{
	if (!loop || !cfg || !st || !prompts || !out || (!cfg->tcp_ip && !cfg->tls_ip)) {
		if (why)
			*why = "missing argument or listener";
		return OPENUM_EINVAL;
	}
	if (cfg->ua.net.ntrusted > UM_MAX_TRUSTED) {
		if (why)
			*why = "too many trusted peers";
		return OPENUM_ETOOBIG;
	}
	um_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return OPENUM_ENOMEM;
	srv->loop = loop;
	srv->cfg = *cfg;
	for (size_t i = 0; i < cfg->ua.net.ntrusted; i++)
		srv->trusted[i] = cfg->ua.net.trusted_peers[i];
	srv->cfg.ua.net.trusted_peers = srv->trusted;
	snprintf(srv->domain, sizeof(srv->domain), "%s", cfg->domain ? cfg->domain : "localhost");
	srv->cfg.domain = srv->domain;
	if (!srv->cfg.max_message_s)
		srv->cfg.max_message_s = UM_DEFAULT_MAX_MESSAGE_S;
	if (!srv->cfg.silence_s)
		srv->cfg.silence_s = UM_DEFAULT_SILENCE_S;
	if (cfg->spool_dir) {
		if ((size_t)snprintf(srv->spool_dir, sizeof(srv->spool_dir), "%s",
		                     cfg->spool_dir) >= sizeof(srv->spool_dir)) {
			if (why)
				*why = "spool directory name too long";
			free(srv);
			return OPENUM_ETOOBIG;
		}
		srv->cfg.spool_dir = srv->spool_dir;
		/* before the first call: what a crash left becomes messages */
		unsigned n = 0;
		um_spool_transcribe tr = {.fn = cfg->transcribe, .arg = cfg->transcribe_arg};
		int err = um_spool_recover(st, cfg->spool_dir, &tr, &n, why);
		if (err) {
			free(srv);
			return err;
		}
		if (n)
			ou_log(OU_LOG_WARN, "um",
			       "%u recording(s) recovered from %s (a crash left them): stored as "
			       "messages",
			       n, cfg->spool_dir);
	}
	srv->st = st;
	srv->prompts = prompts;
	static const ua_events ev = {
	    .incoming = on_incoming,
	    .progress = on_progress,
	    .answered = on_answered,
	    .dtmf = on_dtmf,
	    .play_done = on_play_done,
	    .ended = on_ended,
	    .request = on_request,
	};
	int err = um_mwi_new(srv, &srv->mwi);
	if (err) {
		free(srv);
		return err;
	}
	const char *ua_why = NULL;
	err = ua_new_why(loop, &srv->cfg.ua, &ev, srv, &srv->u, &ua_why);
	if (err) {
		if (why)
			*why = ua_why ? ua_why : "cannot create the user agent (TLS files?)";
		um_mwi_free(srv->mwi);
		free(srv);
		return err;
	}
	if (cfg->tcp_ip &&
	    (err = ua_listen(srv->u, NET_TCP, cfg->tcp_ip, cfg->tcp_port, &srv->tcp_port))) {
		if (why)
			*why = net_listen_why(ua_net(srv->u));
		goto fail;
	}
	if (cfg->tls_ip &&
	    (err = ua_listen(srv->u, NET_TLS, cfg->tls_ip, cfg->tls_port, &srv->tls_port))) {
		if (why)
			*why = net_listen_why(ua_net(srv->u));
		goto fail;
	}
	*out = srv;
	return 0;
fail:
	um_mwi_free(srv->mwi);
	ua_free(srv->u);
	free(srv);
	return err;
}

ua *um_server_ua(um_server *s)
{
	return s->u;
}

void um_server_set_pop(um_server *s, const um_pop_hooks *hooks, void *pop)
{
	s->cfg.pop_hooks = hooks;
	s->cfg.pop = pop;
}

void um_server_set_mail(um_server *s, struct mail_worker *w)
{
	s->mail = w;
}

uint16_t um_server_port(const um_server *s, net_transport tp)
{
	return tp == NET_TLS ? s->tls_port : s->tcp_port;
}

unsigned um_server_calls(const um_server *s)
{
	return s->ncalls;
}

unsigned um_server_mwi_subscriptions(const um_server *s)
{
	return um_mwi_count(s->mwi);
}

void um_server_free(um_server *s)
{
	if (!s)
		return;
	/* ended(SHUTDOWN) for every call: recordings are stored, rows written, from the
	 * store's async requests the caller's loop runs afterwards. */
	um_mwi_free(s->mwi);
	s->mwi = NULL;
	s->mail = NULL; /* the caller frees the worker next: kick no more */
	ua_free(s->u);
	s->u = NULL;
	s->freeing = true;
	if (!s->sessions) {
		um_audio_cache_clear(&s->audio);
		free(s);
	}
}
