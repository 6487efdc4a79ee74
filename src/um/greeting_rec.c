/* Recording the mailbox greeting from the phone (menu key 5, docs/um-server.md): "record
 * your greeting after the tone", the tone, then what the subscriber says until '#'
 * (at most UM_GREETING_MAX_S); it is played back and saved as the mailbox greeting
 * ("your greeting has been saved" once the store has it), and the shared copy of the
 * old one is dropped so the next caller hears the new one. '*' or '#' before the
 * tone, or '#' with nothing recorded, goes back to the menu. Loop thread only. */
#include <stdlib.h>
#include <string.h>

#include "../media/media.h"
#include "server_int.h"

#define MIN_SAMPLES (UM_PROMPT_RATE / 4) /* under 250 ms is a slip of the finger */

void um_greet_start(um_sess *s)
{
	s->state = SESS_GREET_PROMPT;
	um_sess_play_id(s, "record_greeting");
	um_sess_play_id(s, "tone");
}

void um_greet_play_done(um_sess *s)
{
	if (s->state != SESS_GREET_PROMPT || !s->c)
		return;
	s->state = SESS_GREET_REC;
	(void)ua_call_record_start(s->c, (size_t)UM_GREETING_MAX_S * UM_PROMPT_RATE);
}

static int save_job(store *st, void *fn_arg, const char **why)
{
	um_sess *s = fn_arg; /* the loop does not touch greet_new while this runs */
	return store_greeting_set(st, s->mb.id, &s->greet_new, why);
}

static void saved(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	store_audio_free(&s->greet_new);
	if (err)
		ou_log(OU_LOG_ERROR, "um", "greeting not saved for %s: %s", s->mailbox_addr,
		       why ? why : "error");
	else {
		/* the next caller reads the new one from the store */
		um_audio_cache_forget(&s->srv->audio, UM_AUDIO_GREETING, s->mb.id);
		s->mb.has_greeting = true;
	}
	if (!um_sess_async_done(s))
		return;
	um_sess_play_id(s, err ? "invalid_key" : "greeting_saved");
}

static void back_to_menu(um_sess *s, const char *id)
{
	s->state = SESS_MENU;
	um_sess_play_id(s, id);
}

void um_greet_key(um_sess *s, char key)
{
	if (s->state == SESS_GREET_PROMPT) {
		if (key == '*' || key == '#') {
			if (s->c)
				ua_call_play_stop(s->c);
			back_to_menu(s, "main_menu");
		}
		return;
	}
	if (s->state != SESS_GREET_REC || key != '#' || !s->c)
		return;
	int16_t *pcm = NULL;
	size_t n = 0;
	if (ua_call_record_take(s->c, &pcm, &n) != 0 || n < MIN_SAMPLES ||
	    s->greet_new.data /* the last one is still being saved */) {
		free(pcm);
		back_to_menu(s, "invalid_key");
		return;
	}
	media_sound *snd = NULL;
	uint8_t *u = malloc(n);
	if (!u || media_sound_from_pcm(pcm, n, &snd) != 0) {
		free(u);
		free(pcm);
		back_to_menu(s, "invalid_key");
		return;
	}
	g711_encode(MEDIA_PCMU, pcm, n, u);
	free(pcm);
	s->state = SESS_MENU;
	(void)ua_call_play_sound(s->c, snd); /* what will be saved, played back */
	media_sound_unref(snd);
	s->greet_new = (store_audio){.codec = STORE_CODEC_PCMU, .data = u, .len = n};
	if (store_async_run(s->srv->loop, s->srv->st, save_job, s, saved, s) == 0)
		s->pending++;
	else {
		store_audio_free(&s->greet_new);
		um_sess_play_id(s, "invalid_key");
	}
}
