/* Call answering: the owner's greeting (or the default one with the extension), the
 * tone, then recording until BYE, '#' or the maximum length; the message goes to the
 * store as G.711 mu-law with the caller and the diversion reason. */
#include <stdlib.h>
#include <string.h>

#include "../media/media.h"
#include "server_int.h"

/* The ua drops a call's recording when the call ends (its media closes before the
 * `ended` callback), so the PCM is collected every DRAIN_MS while recording: a BYE
 * loses at most the last DRAIN_MS. */
#define DRAIN_MS 100

static void drain(um_sess *s)
{
	int16_t *pcm = NULL;
	size_t n = 0;
	if (!s->c || ua_call_record_take(s->c, &pcm, &n) != 0)
		return;
	if (s->rec_n + n > s->rec_max)
		n = s->rec_max - s->rec_n;
	if (n && s->rec_n + n > s->rec_cap) {
		size_t cap = s->rec_cap ? s->rec_cap : 8000;
		while (cap < s->rec_n + n)
			cap *= 2;
		int16_t *r = realloc(s->rec, cap * sizeof(*r));
		if (!r) {
			free(pcm);
			return;
		}
		s->rec = r;
		s->rec_cap = cap;
	}
	if (n)
		memcpy(s->rec + s->rec_n, pcm, n * sizeof(*pcm));
	s->rec_n += n;
	free(pcm);
	if (!s->rec_done)
		(void)ua_call_record_start(s->c, 0);
}

static void drain_timer(uv_timer_t *t)
{
	um_sess *s = t->data;
	if (s->state != SESS_RECORDING)
		return;
	drain(s);
	if (s->rec_n >= s->rec_max) {
		um_answer_finish(s);
		um_sess_goodbye(s, "message_too_long");
		return;
	}
	uv_timer_start(&s->timer, drain_timer, DRAIN_MS, 0);
	s->timer_on = true;
}

static void play_prompt(um_sess *s)
{
	if (s->greeting.len && s->c) {
		if (s->greeting.codec == STORE_CODEC_PCMU)
			(void)ua_call_play(s->c, s->greeting.data, s->greeting.len);
		else {
			size_t n = s->greeting.codec == STORE_CODEC_L16 ? s->greeting.len / 2
			                                                : s->greeting.len;
			uint8_t *u = malloc(n ? n : 1);
			for (size_t i = 0; u && i < n; i++)
				u[i] = g711_ulaw_encode(
				    s->greeting.codec == STORE_CODEC_L16
				        ? (int16_t)(s->greeting.data[2 * i] |
				                    (s->greeting.data[2 * i + 1] << 8))
				        : g711_alaw_decode(s->greeting.data[i]));
			if (u)
				(void)ua_call_play(s->c, u, n);
			free(u);
		}
	} else {
		um_clips cl;
		um_clips_init(&cl);
		(void)um_prompt_default_greeting(&cl, s->mb.ext);
		um_sess_play_clips(s, &cl);
	}
	um_sess_play_id(s, "leave_message");
	um_sess_play_id(s, "tone");
}

static void greeting_got(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	(void)why;
	if (err)
		store_audio_free(&s->greeting);
	if (!um_sess_async_done(s))
		return;
	play_prompt(s);
}

void um_answer_start(um_sess *s)
{
	s->state = SESS_GREETING;
	s->rec_max = (size_t)s->srv->cfg.max_message_s * UM_PROMPT_RATE;
	if (s->mb.has_greeting && store_async_greeting_get(s->srv->loop, s->srv->st, s->mb.id,
	                                                   &s->greeting, greeting_got, s) == 0) {
		s->pending++;
		return;
	}
	play_prompt(s);
}

void um_answer_play_done(um_sess *s)
{
	if (s->state != SESS_GREETING || !s->c)
		return;
	s->state = SESS_RECORDING;
	(void)ua_call_record_start(s->c, 0);
	um_sess_timer(s, DRAIN_MS, drain_timer);
}

void um_answer_key(um_sess *s, char key)
{
	if (key != '#')
		return;
	if (s->state == SESS_GREETING) {
		/* '#' during the greeting skips to the tone */
		if (s->c)
			ua_call_play_stop(s->c);
		um_sess_play_id(s, "tone");
		return;
	}
	um_answer_finish(s);
	um_sess_goodbye(s, NULL);
}

static void msg_added(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	if (err)
		snprintf(s->log.detail, sizeof(s->log.detail), "message not stored: %s",
		         why ? why : "error");
	else
		metrics_inc(MET_UM_MESSAGES_RECORDED);
	(void)um_sess_async_done(s);
}

void um_answer_finish(um_sess *s)
{
	if (s->rec_done || s->state != SESS_RECORDING)
		return;
	drain(s);
	s->rec_done = true;
	if (!s->rec_n) {
		snprintf(s->log.detail, sizeof(s->log.detail), "no audio recorded");
		return;
	}
	uint8_t *u = malloc(s->rec_n);
	if (!u)
		return;
	g711_encode(MEDIA_PCMU, s->rec, s->rec_n, u);
	store_msg m = {
	    .mailbox_id = s->mb.id,
	    .state = STORE_MSG_NEW,
	    .audio = {.codec = STORE_CODEC_PCMU, .data = u, .len = s->rec_n},
	};
	snprintf(m.caller, sizeof(m.caller), "%s", s->caller);
	snprintf(m.diversion, sizeof(m.diversion), "%s", s->reason);
	if (store_async_msg_add(s->srv->loop, s->srv->st, &m, NULL, msg_added, s) == 0)
		s->pending++;
	free(u);
	snprintf(s->log.detail, sizeof(s->log.detail), "message of %u ms",
	         (unsigned)(s->rec_n / 8));
}
