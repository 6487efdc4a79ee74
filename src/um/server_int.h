/* um server internals shared by server.c, session.c, menu.c and answering.c: the
 * server object and the per-call session. Not an API: um.h's server section is. */
#ifndef OPENUM_UM_SERVER_INT_H
#define OPENUM_UM_SERVER_INT_H

#include "../metrics/metrics.h"
#include "um.h"

struct um_server {
	uv_loop_t *loop;
	um_server_cfg cfg;
	const char *trusted[UM_MAX_TRUSTED];
	char domain[UM_HOST_MAX];
	store *st;
	const um_prompts *prompts;
	ua *u;
	uint16_t tcp_port, tls_port;
	struct um_sess *sessions; /* every session not yet freed */
	unsigned ncalls;
	bool freeing; /* um_server_free ran: the last session frees the server */
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
	SESS_GOODBYE, /* the last prompt plays, then BYE */
	SESS_DONE,    /* hung up (or hanging up) */
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
	uv_timer_t timer;
	char digits[STORE_EXT_MAX]; /* the extension being typed */
	unsigned ndigits;
	/* logon */
	um_pin pin;
	store_logon_result pin_res;
	uint32_t pin_count;
	bool pin_locked;
	/* menu */
	store_msg *msgs;
	size_t nmsgs, cur;
	unsigned nnew, nsaved;
	store_msg cur_msg; /* the one being fetched or played */
	bool msg_playing;
	/* answering */
	store_audio greeting;
	int16_t *rec; /* PCM gathered so far (the ua drops its buffer at the end) */
	size_t rec_n, rec_cap, rec_max;
	bool rec_done;
	store_msg out_msg;
} um_sess;

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
/* answering.c */
void um_answer_start(um_sess *s);
void um_answer_play_done(um_sess *s);
void um_answer_key(um_sess *s, char key);
void um_answer_finish(um_sess *s); /* store what was recorded (once) */

#endif
