/* Call answering: the owner's greeting (or the default one with the extension), the
 * tone, then recording until BYE, '#', silence or the maximum length; the message
 * goes to the store as G.711 mu-law with the caller and the diversion reason. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../mail/mail.h"
#include "../media/media.h"
#include "server_int.h"

/* Every FLUSH_MS the PCM recorded so far is taken from the ua: it goes to the spool
 * file (spool.c: synced to disk, so a crash loses at most this much) and the silence
 * and length limits are checked. At the end (BYE included) the ua still hands over
 * the rest in the `ended` callback, so nothing is lost to the period. */
#define FLUSH_MS 1000
#define SILENCE_LEVEL 328 /* |sample| below about -40 dBFS counts as silence */

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void take(um_sess *s)
{
	int16_t *pcm = NULL;
	size_t n = 0;
	if (!s->c || ua_call_record_take(s->c, &pcm, &n) != 0)
		return;
	if (!s->rec_done)
		(void)ua_call_record_start(s->c, 0);
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
	for (size_t i = 0; i < n; i++) {
		int v = pcm[i] < 0 ? -pcm[i] : pcm[i];
		s->silent_run = v < SILENCE_LEVEL ? s->silent_run + 1 : 0;
	}
	uint8_t *u = n ? malloc(n) : NULL;
	if (u) {
		g711_encode(MEDIA_PCMU, pcm, n, u);
		um_spool_append(s, u, n);
		free(u);
	}
	if (n)
		memcpy(s->rec + s->rec_n, pcm, n * sizeof(*pcm));
	s->rec_n += n;
	free(pcm);
}

static void finish(um_sess *s, const char *why_ended);

static void flush_timer(uv_timer_t *t)
{
	um_sess *s = t->data;
	s->timer_on = false;
	if (s->state != SESS_RECORDING)
		return;
	take(s);
	if (s->rec_n >= s->rec_max) {
		finish(s, "maximum length");
		um_sess_goodbye(s, "message_too_long");
		return;
	}
	if (s->silent_run >= (size_t)s->srv->cfg.silence_s * UM_PROMPT_RATE) {
		/* the silence that ended it is not part of the message */
		s->rec_n -= s->silent_run < s->rec_n ? s->silent_run : s->rec_n;
		finish(s, "silence");
		um_sess_goodbye(s, NULL);
		return;
	}
	um_sess_timer(s, FLUSH_MS, flush_timer);
}

static void play_prompt(um_sess *s)
{
	if (s->greeting_snd && s->c) {
		(void)ua_call_play_sound(s->c, s->greeting_snd);
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
	if (!err && s->greeting.len)
		/* one copy for every call: the same bytes as the entry keep the entry */
		s->greeting_snd = um_audio_cache_put(&s->srv->audio, UM_AUDIO_GREETING, s->mb.id,
		                                     &s->greeting, uv_now(s->srv->loop));
	store_audio_free(&s->greeting);
	if (!um_sess_async_done(s))
		return;
	play_prompt(s);
}

void um_answer_start(um_sess *s)
{
	s->state = SESS_GREETING;
	s->rec_max = (size_t)s->srv->cfg.max_message_s * UM_PROMPT_RATE;
	if (s->mb.has_greeting) {
		s->greeting_snd = um_audio_cache_get(&s->srv->audio, UM_AUDIO_GREETING, s->mb.id,
		                                     uv_now(s->srv->loop));
		if (!s->greeting_snd &&
		    store_async_greeting_get(s->srv->loop, s->srv->st, s->mb.id, &s->greeting,
		                             greeting_got, s) == 0) {
			s->pending++;
			return;
		}
	}
	play_prompt(s);
}

void um_answer_play_done(um_sess *s)
{
	if (s->state != SESS_GREETING || !s->c)
		return;
	s->state = SESS_RECORDING;
	s->rec_started_ms = wall_ms();
	(void)ua_call_record_start(s->c, 0);
	um_spool_open(s);
	um_sess_timer(s, FLUSH_MS, flush_timer);
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
	finish(s, "#");
	um_sess_goodbye(s, NULL);
}

static void msg_added(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	if (err)
		snprintf(s->log.detail, sizeof(s->log.detail), "message not stored: %s",
		         why ? why : "error");
	if (!err) {
		metrics_inc(MET_UM_MESSAGES_RECORDED);
		/* transcription only ever starts from a stored message: never before,
		 * never in the caller's way */
		if (s->srv->cfg.transcribe)
			s->srv->cfg.transcribe(s->srv->cfg.transcribe_arg, s->msg_id);
		/* the store queued its e-mail with it (if the mailbox wants one): send now */
		mail_worker_kick(s->srv->mail);
	}
	/* stored: the spool file goes; not stored: it stays for the next start */
	um_spool_close(s, err != 0);
	(void)um_sess_async_done(s);
}

/* Stores what was recorded (once). why_ended: "#", "silence", "maximum length", or
 * NULL for the end of the call. */
static void finish(um_sess *s, const char *why_ended)
{
	if (s->rec_done || s->state != SESS_RECORDING)
		return;
	take(s);
	s->rec_done = true;
	int16_t *rest = NULL; /* stop the ua's recorder: what follows is not the message */
	size_t nrest = 0;
	if (s->c && ua_call_record_take(s->c, &rest, &nrest) == 0)
		free(rest);
	if (!s->rec_n) {
		snprintf(s->log.detail, sizeof(s->log.detail), "no audio recorded");
		um_spool_close(s, false);
		return;
	}
	uint8_t *u = malloc(s->rec_n);
	if (!u) {
		um_spool_close(s, true);
		return;
	}
	g711_encode(MEDIA_PCMU, s->rec, s->rec_n, u);
	store_msg m = {
	    .mailbox_id = s->mb.id,
	    .received_ms = s->rec_started_ms,
	    .state = STORE_MSG_NEW,
	    .audio = {.codec = STORE_CODEC_PCMU, .data = u, .len = s->rec_n},
	    .transcript_state =
	        s->srv->cfg.transcribe ? STORE_TRANSCRIPT_PENDING : STORE_TRANSCRIPT_NONE,
	};
	snprintf(m.caller, sizeof(m.caller), "%s", s->caller);
	snprintf(m.diversion, sizeof(m.diversion), "%s", s->reason);
	snprintf(s->log.detail, sizeof(s->log.detail), "message of %u ms%s%s",
	         (unsigned)(s->rec_n / 8), why_ended ? ", ended by " : "",
	         why_ended ? why_ended : "");
	if (store_async_msg_add(s->srv->loop, s->srv->st, &m, &s->msg_id, msg_added, s) == 0)
		s->pending++;
	else
		um_spool_close(s, true);
	free(u);
}

void um_answer_finish(um_sess *s)
{
	finish(s, NULL);
}
