/* What every call has, whichever side started it: its life (creation, the one `ended`,
 * release), its timer, the accessors, hang-up, and the media verbs the application
 * uses (play, record, DTMF). */
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

ua_call *call_new(ua *u, bool incoming)
{
	ua_call *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->u = u;
	c->incoming = incoming;
	c->next = u->calls;
	if (u->calls)
		u->calls->prev = c;
	u->calls = c;
	metrics_add(MET_UA_CALLS_ACTIVE, 1);
	return c;
}

static void free_chunks(ua_call *c)
{
	while (c->play_head) {
		ua_chunk *k = c->play_head;
		c->play_head = k->next;
		media_sound_unref(k->snd);
		free(k);
	}
	c->play_tail = NULL;
}

void call_end(ua_call *c, ua_end_reason reason, unsigned status, const char *text, bool now)
{
	ua *u = c->u;
	if (c->state == CALL_ENDED)
		return;
	c->state = CALL_ENDED;
	c->end.reason = reason;
	c->end.status = status;
	ou_slice_copy(ou_slice_cstr(text ? text : ""), c->end_text, sizeof(c->end_text));
	c->end.text = c->end_text;
	c->end.duration_ms = c->answered_at ? uv_now(u->loop) - c->answered_at : 0;
	call_timer_stop(c);
	if (c->ms) {
		/* a recording outlives the media until `ended` has run (ua_call_record_take) */
		int16_t *pcm = NULL;
		size_t n = 0;
		if (media_session_record_take(c->ms, &pcm, &n) == 0) {
			c->rec_left = pcm;
			c->rec_left_n = n;
		}
	}
	call_media_close(c);
	free_chunks(c);
	if (c->dlg) {
		dialog_table_remove(&u->dialogs, c->dlg);
		dialog_free(c->dlg);
		c->dlg = NULL;
	}
	if (c->inv) {
		/* the transaction runs on (it may owe an ACK or absorb retransmissions)
		 * but no longer reports to this call */
		txn_set_cb(c->inv, NULL, NULL);
		c->inv = NULL;
	}
	free(c->invite);
	c->invite = NULL;
	if (now) {
		if (u->ev.ended)
			u->ev.ended(u->arg, c, &c->end);
		call_release(c);
	} else {
		c->end_queued = true;
		ua_defer(c);
	}
}

static void timer_closed(uv_handle_t *h)
{
	free(h->data);
}

void call_release(ua_call *c)
{
	ua *u = c->u;
	if (c->prev)
		c->prev->next = c->next;
	else
		u->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ua_peer_put(u, c->peer);
	metrics_add(MET_UA_CALLS_ACTIVE, -1);
	free(c->rec_left);
	if (c->conn)
		net_conn_unref(c->conn);
	if (c->timer_on)
		uv_close((uv_handle_t *)&c->timer, timer_closed);
	else
		free(c);
}

void call_timer_start(ua_call *c, uint64_t ms, uv_timer_cb cb)
{
	if (!c->timer_on) {
		uv_timer_init(c->u->loop, &c->timer);
		c->timer.data = c;
		c->timer_on = true;
	}
	uv_timer_start(&c->timer, cb, ms, 0);
}

void call_timer_stop(ua_call *c)
{
	if (c->timer_on)
		uv_timer_stop(&c->timer);
}

/* ---- RTP timeout ----------------------------------------------------------------
 * A caller that never sends RTP (or vanished without BYE) would hold a UM session
 * forever. Every check counts RTP and RTCP packets received; a call that got none for
 * u->rtp_timeout_ms is hung up. A peer that said it would not send (recvonly,
 * inactive: on hold) is not timed while it says so. */
#define RTP_WATCH_MAX_MS 1000 /* check at least this often */

static uint64_t rx_packets(const ua_call *c)
{
	media_session_stats st;
	if (!c->ms)
		return 0;
	media_session_get_stats(c->ms, &st);
	return st.received + st.rx_bad + st.rx_other + st.rtcp_received;
}

static unsigned watch_period(const ua *u)
{
	return u->rtp_timeout_ms < RTP_WATCH_MAX_MS ? u->rtp_timeout_ms : RTP_WATCH_MAX_MS;
}

static void rtp_watch(uv_timer_t *t)
{
	ua_call *c = t->data;
	ua *u = c->u;
	if (c->state != CALL_CONFIRMED)
		return;
	uint64_t now = uv_now(u->loop);
	uint64_t n = rx_packets(c);
	bool peer_sends = !c->have_nego || (c->nego.remote_dir & SDP_SENDONLY);
	if (n != c->rtp_rx_count || !peer_sends) {
		c->rtp_rx_count = n;
		c->rtp_rx_at = now;
	} else if (now - c->rtp_rx_at >= u->rtp_timeout_ms) {
		(void)call_send_bye(c);
		call_end(c, UA_END_TIMEOUT, 0, "RTP timeout", true);
		return;
	}
	call_timer_start(c, watch_period(u), rtp_watch);
}

void call_rtp_watch_start(ua_call *c)
{
	if (!c->u->rtp_timeout_ms)
		return;
	c->rtp_rx_count = rx_packets(c);
	c->rtp_rx_at = uv_now(c->u->loop);
	call_timer_start(c, watch_period(c->u), rtp_watch);
}

/* ---- accessors ---------------------------------------------------------------- */

void ua_call_set_arg(ua_call *c, void *arg)
{
	c->arg = arg;
}

void *ua_call_get_arg(const ua_call *c)
{
	return c->arg;
}

const net_peer *ua_call_peer(const ua_call *c)
{
	return c->peer ? &c->peer->peer : NULL;
}

ou_slice ua_call_id(const ua_call *c)
{
	return ou_slice_cstr(c->call_id);
}

bool ua_call_is_incoming(const ua_call *c)
{
	return c->incoming;
}

media_session *ua_call_media(ua_call *c)
{
	return c->state == CALL_ENDED ? NULL : c->ms;
}

void ua_call_media_stats(const ua_call *c, media_session_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (c->ms && c->state != CALL_ENDED)
		media_session_get_stats(c->ms, out);
}

int ua_call_hangup(ua_call *c)
{
	if (!c || c->state == CALL_ENDED)
		return OPENUM_EINVAL;
	return c->incoming && c->state == CALL_OFFERED ? call_in_hangup(c) : call_out_hangup(c);
}

/* ---- media verbs ---------------------------------------------------------------- */

static void play_next(ua_call *c)
{
	if (c->ms && c->play_head && !media_session_playing(c->ms))
		(void)media_session_play_sound(c->ms, c->play_head->snd);
}

/* media_done_cb: the chunk at the head has been sent. */
void call_play_done(media_session *s, void *arg)
{
	ua_call *c = arg;
	(void)s;
	ua_chunk *k = c->play_head;
	if (!k)
		return;
	c->play_head = k->next;
	if (!c->play_head)
		c->play_tail = NULL;
	media_sound_unref(k->snd);
	free(k);
	if (c->play_head)
		play_next(c);
	else if (c->u->ev.play_done)
		c->u->ev.play_done(c->u->arg, c);
}

void call_play_start(ua_call *c)
{
	play_next(c);
	if (c->recording && c->ms) {
		(void)media_session_record_start(c->ms, c->record_max);
		c->recording = false;
	}
}

int ua_call_play_sound(ua_call *c, media_sound *snd)
{
	if (!c || c->state == CALL_ENDED || !snd)
		return OPENUM_EINVAL;
	if (media_sound_len(snd) == 0)
		return 0;
	ua_chunk *k = malloc(sizeof(*k));
	if (!k)
		return OPENUM_ENOMEM;
	k->next = NULL;
	k->snd = media_sound_ref(snd);
	if (c->play_tail)
		c->play_tail->next = k;
	else
		c->play_head = k;
	c->play_tail = k;
	play_next(c);
	return 0;
}

int ua_call_play(ua_call *c, const uint8_t *ulaw, size_t n)
{
	if (!c || c->state == CALL_ENDED || (!ulaw && n))
		return OPENUM_EINVAL;
	if (n == 0)
		return 0;
	media_sound *snd;
	int err = media_sound_new(ulaw, n, &snd);
	if (err)
		return err;
	err = ua_call_play_sound(c, snd);
	media_sound_unref(snd);
	return err;
}

void ua_call_play_stop(ua_call *c)
{
	if (!c || c->state == CALL_ENDED)
		return;
	if (c->ms)
		media_session_play_stop(c->ms);
	free_chunks(c);
}

int ua_call_record_start(ua_call *c, size_t max_samples)
{
	if (!c || c->state == CALL_ENDED)
		return OPENUM_EINVAL;
	if (!c->ms) { /* before the answer: starts with the media */
		c->recording = true;
		c->record_max = max_samples;
		return 0;
	}
	return media_session_record_start(c->ms, max_samples);
}

int ua_call_record_take(ua_call *c, int16_t **pcm, size_t *n)
{
	if (c && pcm && n && c->state == CALL_ENDED && c->rec_left) {
		*pcm = c->rec_left;
		*n = c->rec_left_n;
		c->rec_left = NULL;
		c->rec_left_n = 0;
		return 0;
	}
	if (!c || !pcm || !n || c->state == CALL_ENDED || !c->ms)
		return OPENUM_EINVAL;
	return media_session_record_take(c->ms, pcm, n);
}

int ua_call_send_dtmf(ua_call *c, const char *digits, bool use_info)
{
	if (!c || !digits || c->state != CALL_CONFIRMED || !c->dlg)
		return OPENUM_EINVAL;
	for (const char *p = digits; *p; p++)
		if (dtmf_char_event(*p) < 0 || *p == '!')
			return OPENUM_EINVAL;
	if (!use_info)
		return c->ms ? media_session_send_dtmf(c->ms, digits, UA_RFC4733_DTMF_MS)
		             : OPENUM_EINVAL;
	/* one INFO per digit, each its own transaction; one connection keeps them in order */
	ou_buf b;
	ou_buf_init(&b);
	int err = 0;
	for (const char *p = digits; *p && !err; p++) {
		char via[160];
		ou_buf_reset(&b);
		if ((err = ua_via(c->u, c->peer ? c->peer->peer.transport : NET_TCP,
		                  c->peer ? &c->peer->peer : NULL, via, sizeof(via))) ||
		    (err = dialog_info_dtmf(c->dlg, ou_slice_cstr(via), *p, UA_INFO_DTMF_MS, &b)))
			break;
		err = ua_send_in_dialog(c, &b, NULL, NULL);
	}
	ou_buf_free(&b);
	return err;
}
