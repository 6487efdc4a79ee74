/* The subscriber menu after logon: the message counts, then one key per action
 * (docs/um-server.md): 1 listen, 2 next, 4 repeat, 5 record the greeting
 * (greeting_rec.c), 7 delete, 9 save, 0 help, * main menu. A new message becomes saved once it has
 * been heard to the end. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../media/media.h"
#include "server_int.h"

static void counted(int err, const char *why, void *arg);

static void listed(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	(void)why;
	if (err) {
		free(s->msgs);
		s->msgs = NULL;
		s->nmsgs = 0;
	}
	if (!um_sess_async_done(s))
		return;
	s->cur = 0;
}

/* Counts and list are fetched together; the counts are spoken when they are back. */
void um_menu_start(um_sess *s)
{
	um_server *srv = s->srv;
	s->state = SESS_MENU;
	if (store_async_msg_count(srv->loop, srv->st, s->mb.id, &s->nnew, &s->nsaved, counted, s) ==
	    0)
		s->pending++;
	free(s->msgs);
	s->msgs = NULL;
	s->nmsgs = 0;
	if (store_async_msg_list(srv->loop, srv->st, s->mb.id,
	                         STORE_MSG_MASK(STORE_MSG_NEW) | STORE_MSG_MASK(STORE_MSG_SAVED),
	                         &s->msgs, &s->nmsgs, listed, s) == 0)
		s->pending++;
}

static void counted(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	(void)why;
	if (!um_sess_async_done(s))
		return;
	um_clips cl;
	um_clips_init(&cl);
	if (err == 0)
		(void)um_prompt_messages(&cl, s->nnew, s->nsaved);
	(void)um_clips_add(&cl, "main_menu");
	um_sess_play_clips(s, &cl);
}

/* The message's audio, shared with every other call playing the same message. */
static void play_audio(um_sess *s, int64_t id, const store_audio *a)
{
	if (!s->c || !a->len)
		return;
	if (!s->msg_snd || s->msg_snd_id != id) {
		um_audio_cache_release(&s->srv->audio, UM_AUDIO_MESSAGE, s->msg_snd_id, s->msg_snd);
		s->msg_snd_id = id;
		s->msg_snd = um_audio_cache_get(&s->srv->audio, UM_AUDIO_MESSAGE, id, 0);
		if (!s->msg_snd)
			s->msg_snd = um_audio_cache_put(&s->srv->audio, UM_AUDIO_MESSAGE, id, a,
			                                uv_now(s->srv->loop));
	}
	if (s->msg_snd)
		(void)ua_call_play_sound(s->c, s->msg_snd);
}

static void fetched(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	(void)why;
	if (!um_sess_async_done(s))
		return;
	if (err) {
		um_sess_play_id(s, "invalid_key");
		return;
	}
	um_clips cl;
	um_clips_init(&cl);
	time_t t = (time_t)(s->cur_msg.received_ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	(void)um_prompt_datetime(&cl, t, (int)(tm.tm_gmtoff / 60));
	/* the caller's number when the user part is one */
	char digits[64] = "";
	const char *u = strchr(s->cur_msg.caller, ':');
	u = u ? u + 1 : s->cur_msg.caller;
	size_t k = 0;
	bool only_digits = *u != 0 && *u != '@';
	for (; *u && *u != '@' && k + 1 < sizeof(digits); u++) {
		if ((*u < '0' || *u > '9') && *u != '+')
			only_digits = false;
		digits[k++] = *u;
	}
	digits[k] = 0;
	(void)um_prompt_message_from(&cl, only_digits ? digits : NULL);
	um_sess_play_clips(s, &cl);
	play_audio(s, s->cur_msg.id, &s->cur_msg.audio);
	store_audio_free(&s->cur_msg.audio); /* the shared sound plays it */
	s->msg_playing = true;
}

static void play_current(um_sess *s)
{
	if (s->c)
		ua_call_play_stop(s->c);
	s->msg_playing = false;
	if (s->cur >= s->nmsgs) {
		um_sess_play_id(s, "end_of_messages");
		return;
	}
	store_msg_clear(&s->cur_msg);
	if (store_async_msg_get(s->srv->loop, s->srv->st, s->msgs[s->cur].id, &s->cur_msg, fetched,
	                        s) == 0)
		s->pending++;
}

static void state_set(int err, const char *why, void *arg)
{
	(void)err;
	(void)why;
	(void)um_sess_async_done(arg);
}

static void set_state(um_sess *s, store_msg_state st)
{
	if (s->cur >= s->nmsgs)
		return;
	s->msgs[s->cur].state = st;
	if (store_async_msg_set_state(s->srv->loop, s->srv->st, s->msgs[s->cur].id, st, state_set,
	                              s) == 0)
		s->pending++;
}

void um_menu_play_done(um_sess *s)
{
	/* heard to the end: a new message is saved from now on */
	if (s->msg_playing && s->cur < s->nmsgs && s->msgs[s->cur].state == STORE_MSG_NEW)
		set_state(s, STORE_MSG_SAVED);
	s->msg_playing = false;
}

void um_menu_key(um_sess *s, char key)
{
	if (s->c)
		ua_call_play_stop(s->c);
	s->msg_playing = false;
	switch (key) {
	case '1':
	case '4': play_current(s); break;
	case '2':
		if (s->cur < s->nmsgs)
			s->cur++;
		play_current(s);
		break;
	case '7':
		if (s->cur < s->nmsgs) {
			set_state(s, STORE_MSG_DELETED);
			um_sess_play_id(s, "message_deleted");
			s->cur++;
		} else
			um_sess_play_id(s, "end_of_messages");
		break;
	case '9':
		if (s->cur < s->nmsgs) {
			set_state(s, STORE_MSG_SAVED);
			um_sess_play_id(s, "message_saved");
		} else
			um_sess_play_id(s, "end_of_messages");
		break;
	case '0': um_sess_play_id(s, "menu_help"); break;
	case '5': um_greet_start(s); break;
	case '*':
		s->cur = 0;
		um_sess_play_id(s, "main_menu");
		break;
	case '#': um_sess_goodbye(s, NULL); break;
	default: um_sess_play_id(s, "invalid_key"); break;
	}
}
