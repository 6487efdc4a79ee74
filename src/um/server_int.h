/* um server internals shared by server.c, session.c, menu.c and answering.c: the
 * server object and the per-call session. Not an API: um.h's server section is. */
#ifndef OPENUM_UM_SERVER_INT_H
#define OPENUM_UM_SERVER_INT_H

#include "../metrics/metrics.h"
#include "um.h"

#define UM_SPOOL_PATH_MAX 512
#define UM_GREETING_MAX_S 60 /* longest greeting recorded from the phone */
#define UM_TYPEAHEAD_MAX 32  /* keys kept while a PIN is checked; more are dropped */

/* audio_cache.c: one shared sound per greeting or message being played (see there). */
#define UM_AUDIO_BUCKETS 1024
#define UM_GREETING_RECHECK_MS 2000 /* a greeting older than this is read again */
typedef enum um_audio_kind { UM_AUDIO_GREETING = 1, UM_AUDIO_MESSAGE } um_audio_kind;
typedef struct um_audio_entry {
	struct um_audio_entry *next;
	um_audio_kind kind;
	int64_t id;          /* mailbox id (greeting) or message id */
	media_sound *snd;    /* the cache's own reference */
	uint64_t checked_ms; /* uv_now when the store last gave these bytes */
} um_audio_entry;
typedef struct um_audio_cache {
	um_audio_entry *b[UM_AUDIO_BUCKETS];
	size_t n;                /* entries */
	uint64_t hits, replaced; /* shared instead of copied; greetings that changed */
} um_audio_cache;
/* A new reference to a fresh entry (a message, or a greeting checked less than
 * UM_GREETING_RECHECK_MS ago), or NULL: read the store and put. */
media_sound *um_audio_cache_get(um_audio_cache *c, um_audio_kind k, int64_t id, uint64_t now_ms);
/* Audio just read from the store (any codec; the sound is mu-law): a new reference to
 * the entry's sound if the bytes are the same, else to a new sound that replaces it.
 * NULL when out of memory. */
media_sound *um_audio_cache_put(um_audio_cache *c, um_audio_kind k, int64_t id,
                                const store_audio *a, uint64_t now_ms);
/* Drops the caller's reference; the entry goes when only the cache still holds it. */
void um_audio_cache_release(um_audio_cache *c, um_audio_kind k, int64_t id, media_sound *snd);
/* The next call reads the store (the greeting was changed here). */
void um_audio_cache_forget(um_audio_cache *c, um_audio_kind k, int64_t id);
void um_audio_cache_clear(um_audio_cache *c);

struct um_server {
	uv_loop_t *loop;
	um_server_cfg cfg;
	const char *trusted[UM_MAX_TRUSTED];
	char domain[UM_HOST_MAX];
	char spool_dir[UM_SPOOL_PATH_MAX - 128]; /* cfg.spool_dir points here */
	store *st;
	const um_prompts *prompts;
	ua *u;
	uint16_t tcp_port, tls_port;
	struct um_sess *sessions; /* every session not yet freed */
	unsigned ncalls;
	bool freeing;             /* um_server_free ran: the last session frees the server */
	struct um_mwi *mwi;       /* mwi.c: message-waiting subscriptions */
	um_audio_cache audio;     /* greetings and messages shared by the calls playing them */
	struct mail_worker *mail; /* e-mail delivery (mail/mail.h), the caller's; may be NULL */
};

typedef enum um_sess_state {
	SESS_LOOKUP = 1, /* waiting for the store's mailbox */
	SESS_ANSWERING,  /* 200 sent, waiting for the ACK */
	SESS_EXTENSION,  /* collecting the extension digits */
	SESS_EXT_LOOKUP,
	SESS_PIN,       /* collecting the PIN */
	SESS_PIN_CHECK, /* the store is checking it */
	SESS_MENU,      /* logged on */
	SESS_GREETING,  /* call answering: greeting, then the tone */
	SESS_RECORDING,
	SESS_GREET_PROMPT, /* menu key 5: "record your greeting after the tone" */
	SESS_GREET_REC,    /* recording the new greeting until '#' */
	SESS_GOODBYE,      /* the last prompt plays, then BYE */
	SESS_DONE,         /* hung up (or hanging up) */
} um_sess_state;

typedef struct um_sess {
	struct um_sess *next, *prev;
	um_server *srv;
	ua_call *c; /* NULL once ended */
	um_sess_state state;
	um_class cls;
	char mailbox_addr[STORE_ADDR_MAX];
	char caller[STORE_URI_MAX];
	char reason[STORE_REASON_MAX];
	store_mailbox mb;
	bool mb_found;
	bool skip_pin_requested, trusted, by_extension;
	store_call log;
	unsigned pending; /* store requests in flight: they write into this struct */
	bool ended, logged, timer_on;
	bool rang; /* 180 sent for cfg.answer_delay_ms */
	uv_timer_t timer;
	char digits[STORE_EXT_MAX]; /* the extension being typed */
	unsigned ndigits;
	/* logon */
	um_pin pin;
	store_logon_result pin_res;
	uint32_t pin_count;
	bool pin_locked;
	/* keys typed while the store checks a PIN, replayed in order once it has answered
	 * (a phone sends "PIN#" and the next key back to back) */
	char typeahead[UM_TYPEAHEAD_MAX];
	unsigned ntypeahead;
	/* menu */
	store_msg *msgs;
	size_t nmsgs, cur;
	unsigned nnew, nsaved;
	store_msg cur_msg;    /* the one being fetched or played */
	media_sound *msg_snd; /* cur_msg's audio from srv->audio (msg_snd_id), or NULL */
	int64_t msg_snd_id;
	bool msg_playing;
	/* answering */
	bool rec_done;
	store_audio greeting;      /* read from the store, until put in srv->audio */
	media_sound *greeting_snd; /* the shared greeting (srv->audio, mb.id), or NULL */
	store_audio greet_new;     /* greeting_rec.c: a new greeting being saved */
	int16_t *rec;              /* PCM gathered so far, taken from the ua every FLUSH_MS */
	size_t rec_n, rec_cap, rec_max;
	size_t silent_run;      /* trailing samples below the silence level */
	int64_t rec_started_ms; /* wall clock: the message's time, also in the spool */
	int64_t msg_id;         /* the stored message (set by store_async_msg_add) */
	store_msg out_msg;
	/* crash safety (spool.c): the recording's file in cfg.spool_dir */
	char spool_path[UM_SPOOL_PATH_MAX]; /* "" when not spooling */
	int spool_fd;                       /* touched by the spool work only */
	uint8_t *spool_buf;                 /* bytes waiting for the next write */
	size_t spool_n, spool_cap;
	bool spool_opened, spool_busy, spool_finish, spool_keep, spool_closed, spool_failed;
} um_sess;

/* mwi.c: message-waiting subscriptions (docs/mwi.md) */
typedef struct um_mwi um_mwi;
int um_mwi_new(um_server *srv, um_mwi **out);
/* A request the ua hands to events.request: SUBSCRIBE (new or in a dialog). */
void um_mwi_request(um_mwi *m, void *st, sip_msg *req, const net_peer *peer);
/* Something in the mailbox changed here: re-count and notify now. */
void um_mwi_touch(um_mwi *m, const char *mailbox_addr);
unsigned um_mwi_count(const um_mwi *m);
/* Drops every subscription without NOTIFY (before ua_free); memory goes once the
 * store requests in flight have returned. */
void um_mwi_free(um_mwi *m);

/* server.c */
void um_sess_play_clips(um_sess *s, const um_clips *cl);
void um_sess_play_id(um_sess *s, const char *id);
void um_sess_goodbye(um_sess *s, const char *first_id); /* first_id may be NULL */
void um_sess_timer(um_sess *s, unsigned ms, uv_timer_cb cb);
void um_sess_timer_stop(um_sess *s);
/* Result of a store request on behalf of s: false when the session no longer wants it
 * (ended); the caller must then just return. Also frees the session when due. */
bool um_sess_async_done(um_sess *s);
void um_sess_log_result(um_sess *s, store_logon_result r, const char *detail);
void um_sess_maybe_free(um_sess *s);
/* session.c: logon */
void um_sess_start(um_sess *s); /* after the mailbox lookup */
void um_sess_answered(um_sess *s);
void um_sess_dtmf(um_sess *s, char key);
void um_sess_play_done(um_sess *s);
void um_sess_ended(um_sess *s, const ua_end *end);
/* menu.c */
void um_menu_start(um_sess *s);
void um_menu_key(um_sess *s, char key);
void um_menu_play_done(um_sess *s);
/* greeting_rec.c: menu key 5 records the mailbox greeting */
void um_greet_start(um_sess *s);
void um_greet_key(um_sess *s, char key);
void um_greet_play_done(um_sess *s);
/* answering.c */
void um_answer_start(um_sess *s);
void um_answer_play_done(um_sess *s);
void um_answer_key(um_sess *s, char key);
void um_answer_finish(um_sess *s); /* store what was recorded (once) */
/* spool.c: the recording on disk while it runs. open: after rec_started_ms is set;
 * append: mu-law bytes (written and synced on the thread pool, in order); close: once
 * the store has the message (keep false: the file goes) or failed to take it (keep
 * true: the next start recovers it). Each work holds s->pending. */
void um_spool_open(um_sess *s);
void um_spool_append(um_sess *s, const uint8_t *ulaw, size_t n);
void um_spool_close(um_sess *s, bool keep);

#endif
