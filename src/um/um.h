/* um: the unified messaging server (MS-OCEXUM "unified messaging server" role).
 * This header is the contract of its pure decision parts: which kind of call an
 * INVITE is (classify.c), whether the PIN prompt is skipped and how PIN entry runs
 * (logon.c), and which spoken clips make up a prompt (prompts.c).
 *
 * Contract:
 * - classify.c and logon.c do no I/O and allocate nothing: they read a parsed sip_msg
 *   and plain values and write results through pointer arguments. The skip-pin rule
 *   (DESIGN.md rule 1) lives in um_logon_decide() and nowhere else; it takes the
 *   transport's verdict as a bool (net_peer.trusted), never the peer itself.
 * - prompts.c loads G.711 mu-law clips (8 kHz mono, raw .ul files generated at build
 *   time by scripts/make-prompts from prompts/prompts.txt) into one um_prompts that
 *   the caller frees with um_prompts_free(); the composers only append static clip
 *   ids to a caller's um_clips.
 * - Errors: 0 or a negative OPENUM_E* code; `why` (may be NULL) gets a static reason.
 */
#ifndef OPENUM_UM_H
#define OPENUM_UM_H

#include <time.h>

#include "../sip/sip.h"

/* ==== call classification (classify.c) ========================================= */

typedef enum um_call_kind {
	UM_CALL_SUBSCRIBER_ACCESS = 1, /* the owner wants their own mailbox */
	UM_CALL_ANSWERING = 2,         /* someone leaves a message in a mailbox */
} um_call_kind;
const char *um_call_kind_name(um_call_kind k); /* "subscriber-access", "call-answering" */

/* Which piece of the INVITE decided the kind (for the call log and for tests). */
typedef enum um_class_basis {
	UM_BASIS_RESOURCE_PATH =
	    1, /* R-URI local-resource-path=voicemail|greeting|voicememo|playgreeting */
	UM_BASIS_DIVERSION,     /* a Diversion entry names another user */
	UM_BASIS_TARGET_PARAM,  /* RFC 4458: R-URI ;target=<mailbox> (with ;cause) */
	UM_BASIS_HISTORY_INFO,  /* a History-Info entry names another user */
	UM_BASIS_OWNER_CALLING, /* From is the mailbox named by the R-URI */
	UM_BASIS_OTHER_CALLING, /* From is someone else calling a mailbox's URI */
	UM_BASIS_PILOT,         /* a call to the voicemail pilot without diversion */
} um_class_basis;

#define UM_USER_MAX 128
#define UM_HOST_MAX 128
#define UM_AOR_MAX (UM_USER_MAX + UM_HOST_MAX + 1)

/* A normalised user@host: user %-unescaped (case kept: RFC 3261 user parts are
 * case-sensitive), phone numbers (tel: and user=phone) without visual separators,
 * host lower case without port. tel: URIs have no host (aor is then the number). */
typedef struct um_addr {
	char user[UM_USER_MAX];
	char host[UM_HOST_MAX];
	char aor[UM_AOR_MAX]; /* "user@host"; "user" without host; "host" without user */
	bool phone;           /* tel: URI or sip: with user=phone */
} um_addr;

/* Normalises one URI into an um_addr. OPENUM_EINVAL for schemes other than
 * sip/sips/tel, OPENUM_ETOOBIG when a part does not fit, OPENUM_EBADMSG for a bad
 * %-escape. */
int um_addr_from_uri(const sip_uri *uri, um_addr *out, const char **why);
/* Same mailbox? aor equality; users only when either side is a phone number or
 * ignore_host is set (single-domain PBXs whose gateways write IP addresses). */
bool um_addr_same(const um_addr *a, const um_addr *b, bool ignore_host);

typedef struct um_classify_cfg {
	/* User parts (or full user@host) of the voicemail pilot, e.g. "voicemail",
	 * "8000": a Request-URI naming one of them names no mailbox. A Request-URI
	 * without a user part (sip:um.example.com) is always the pilot. */
	const char *const *pilots;
	size_t npilots;
	bool ignore_host;        /* see um_addr_same */
	bool diversion_original; /* take the bottom-most (oldest) Diversion entry, not the top-most
	                          */
} um_classify_cfg;

typedef struct um_class {
	um_call_kind kind;
	um_class_basis basis;
	um_addr mailbox; /* whose mailbox: for subscriber access via the pilot, the caller's */
	um_addr caller;  /* From, normalised */
	bool anonymous;  /* From is anonymous (RFC 3323 anonymous@anonymous.invalid or user
	                    "anonymous") */
	/* Why the call was diverted, as written (points into the message; p == NULL when
	 * none): Diversion ;reason, or the ;cause of RFC 4458 / History-Info. */
	ou_slice reason;
} um_class;

/* Classifies an INVITE (see docs/um-logon.md for the rules and their order). cfg may
 * be NULL (no pilots, hosts compared). Errors: OPENUM_EINVAL (not an INVITE),
 * OPENUM_EBADMSG (bad Request-URI, From, Diversion or History-Info, with *why),
 * OPENUM_ENOTFOUND (call answering asked for but no mailbox named, with *why). */
int um_classify(sip_msg *invite, const um_classify_cfg *cfg, um_class *out, const char **why);

/* ==== logon (logon.c) =========================================================== */

typedef enum um_logon_action {
	UM_LOGON_SKIP_PIN = 1,           /* go straight to the mailbox */
	UM_LOGON_ASK_PIN,                /* run um_pin_* for the mailbox */
	UM_LOGON_ASK_EXTENSION_THEN_PIN, /* caller matched no mailbox: ask which, then PIN */
	UM_LOGON_LOCKED,                 /* mailbox locked: say so, hang up */
	UM_LOGON_NOT_FOUND,              /* no such mailbox: say so, hang up (or 404) */
	UM_LOGON_NOT_APPLICABLE,         /* call answering: nobody logs on */
} um_logon_action;

typedef struct um_logon_input {
	bool skip_pin_requested; /* Ms-Exchange-Command holds skip-pin (um_logon_skip_pin_requested)
	                          */
	bool peer_trusted;       /* net_peer.trusted of the connection the INVITE came on */
	um_call_kind kind;
	bool mailbox_found;  /* the store knows the mailbox */
	bool mailbox_locked; /* the store's locked flag (failed-logon limit reached) */
	bool by_extension;   /* the mailbox was looked up from digits the caller typed */
} um_logon_input;

/* THE skip-pin decision (DESIGN.md rule 1, MS-OCEXUM 3.1): SKIP_PIN if and only if
 * skip-pin was requested, the peer is trusted, the call is subscriber access to the
 * mailbox the signalling named (not one typed by the caller), and that mailbox exists
 * and is not locked. */
um_logon_action um_logon_decide(const um_logon_input *in);
const char *um_logon_action_name(um_logon_action a);

/* Call-log results (the store's logon result column). */
#define UM_LOG_SKIP_PIN "skip-pin"
#define UM_LOG_PIN_OK "pin-ok"
#define UM_LOG_PIN_FAILED "pin-failed"
#define UM_LOG_LOCKED "locked"
#define UM_LOG_NOT_FOUND "not-found"
/* The call-log result an action settles; NULL when the PIN flow settles it later
 * (ASK_*) or when there is no logon (NOT_APPLICABLE). */
const char *um_logon_log_result(um_logon_action a);

/* Reads the skip-pin token of the INVITE's Ms-Exchange-Command header(s). A header
 * the parser rejects (an itemId that is not base64) returns its error with
 * *requested = false, so a caller that ignores the error still asks for the PIN. */
int um_logon_skip_pin_requested(sip_msg *invite, bool *requested, const char **why);

/* ---- PIN entry: one per call; the caller runs the timer and the store ---------- */
#define UM_PIN_MIN_LEN 4 /* policy range (RELATED.md): 4..24, default 6 */
#define UM_PIN_MAX_LEN 24
#define UM_PIN_DEFAULT_LEN 6
#define UM_PIN_DEFAULT_TRIES 3                /* tries per call */
#define UM_PIN_DEFAULT_FIRST_TIMEOUT_MS 10000 /* from the prompt to the first key */
#define UM_PIN_DEFAULT_DIGIT_TIMEOUT_MS 5000  /* between keys */
#define UM_DEFAULT_MAX_FAILED_LOGONS 15       /* the store locks the mailbox after these */

typedef struct um_pin_cfg {
	unsigned max_tries;        /* 0: UM_PIN_DEFAULT_TRIES */
	unsigned first_timeout_ms; /* 0: UM_PIN_DEFAULT_FIRST_TIMEOUT_MS */
	unsigned digit_timeout_ms; /* 0: UM_PIN_DEFAULT_DIGIT_TIMEOUT_MS */
	unsigned max_len;          /* 0 or > UM_PIN_MAX_LEN: UM_PIN_MAX_LEN */
} um_pin_cfg;

typedef enum um_pin_step {
	UM_PIN_COLLECTING = 1, /* a digit was taken: (re)arm the timer */
	UM_PIN_CLEARED,        /* '*': the digits so far are gone; (re)arm the timer */
	UM_PIN_IGNORED,        /* a key that means nothing here (A-D, flash) */
	UM_PIN_CHECK,          /* an entry is complete in digits/len: verify it with the
	                        * store (which counts failures), then call um_pin_result */
	UM_PIN_CHECK_FAILED,   /* an entry longer than max_len: wrong without comparing;
	                        * record a failure, then um_pin_result(false, ...) */
	UM_PIN_REPROMPT,       /* nothing entered (empty '#' or timeout): a try used,
	                        * nothing to record; play "enter PIN" again */
	UM_PIN_OK,             /* logged on: call-log "pin-ok" */
	UM_PIN_WRONG,          /* wrong PIN, tries left: play "wrong PIN", then "enter PIN" */
	UM_PIN_GIVE_UP,        /* tries used up: call-log "pin-failed", goodbye */
	UM_PIN_LOCKED,         /* the store locked the mailbox: call-log "locked", goodbye */
} um_pin_step;

typedef struct um_pin {
	um_pin_cfg cfg;                  /* with defaults filled in */
	char digits[UM_PIN_MAX_LEN + 1]; /* NUL-terminated entry */
	unsigned len;
	bool overflow;     /* more than cfg.max_len digits were typed */
	bool checking;     /* between UM_PIN_CHECK[_FAILED] and um_pin_result */
	bool done;         /* OK, GIVE_UP or LOCKED was returned: later input is ignored */
	unsigned tries;    /* entries used this call */
	unsigned failures; /* entries that were wrong (each one recorded in the store) */
} um_pin;

void um_pin_init(um_pin *p, const um_pin_cfg *cfg); /* cfg may be NULL */
/* One DTMF key: '0'-'9', '*', '#', 'A'-'D' (RFC 4733 events 0-15 as characters). */
um_pin_step um_pin_key(um_pin *p, char key);
/* The timer armed after the last step expired: digits so far count as an entry
 * (the caller forgot '#'); no digits: a try used. */
um_pin_step um_pin_timeout(um_pin *p);
/* The timeout to arm now: the first-key timeout while nothing is entered. */
unsigned um_pin_timeout_ms(const um_pin *p);
/* The store's verdict on the entry of the last UM_PIN_CHECK[_FAILED]: ok, and whether
 * the mailbox is now locked (the failure just recorded reached the limit). Wipes the
 * digits. A locked mailbox refuses even a correct PIN. */
um_pin_step um_pin_result(um_pin *p, bool ok, bool locked_now);
const char *um_pin_step_name(um_pin_step s);

/* ==== prompts (prompts.c) ======================================================= */
#define UM_CLIPS_MAX 64     /* clips in one composed prompt */
#define UM_PROMPT_RATE 8000 /* samples per second, one byte per sample (mu-law) */

/* A sequence of clip ids to play in order. The ids are static strings. */
typedef struct um_clips {
	const char *id[UM_CLIPS_MAX];
	unsigned n;
} um_clips;

static inline void um_clips_init(um_clips *c)
{
	c->n = 0;
}
/* Appends one id; OPENUM_ETOOBIG when full (the list is then unchanged). */
int um_clips_add(um_clips *c, const char *id);

/* Number words: 0..999999 ("three hundred and twelve" style, from the n0..n59,
 * n60..n90, hundred and thousand clips). OPENUM_EINVAL beyond 999999. */
int um_prompt_count(um_clips *c, unsigned n);
/* Digits one by one ("one zero zero one"); other characters are skipped. */
int um_prompt_digits(um_clips *c, const char *s);
/* "You have <N|no> new message(s) and <M|no> saved message(s)". */
int um_prompt_messages(um_clips *c, unsigned nnew, unsigned nsaved);
/* "Received <weekday>, <month> <ordinal>, at <h> [<mm>] a.m./p.m." for time t in the
 * zone tz_offset_min minutes east of UTC (pass localtime_r's tm_gmtoff / 60 for the
 * server's zone, so that daylight saving time is that of the message's date). */
int um_prompt_datetime(um_clips *c, time_t t, int tz_offset_min);
/* "Message from <digits>" or "Message from an unknown caller" (caller NULL or ""). */
int um_prompt_message_from(um_clips *c, const char *caller_digits);
/* "The person at extension <digits> is not available." */
int um_prompt_default_greeting(um_clips *c, const char *extension);

/* Loaded clips. */
#include "../media/media.h"
typedef struct um_prompts um_prompts;

/* The directory prompts are loaded from when none is configured: the first of
 * <dir of the running binary>/prompts, <that dir>/../share/openum/prompts, and the
 * build tree's prompts directory (baked in at build time), that holds welcome.ul. */
const char *um_prompts_default_dir(void);
/* Loads every <id>.ul of dir (NULL: um_prompts_default_dir()) and checks that every
 * clip the composers and the call logic use is there (OPENUM_ENOTFOUND, *why).
 * Free with um_prompts_free. */
int um_prompts_load(const char *dir, um_prompts **out, const char **why);
void um_prompts_free(um_prompts *p);
/* The mu-law bytes of one clip; OPENUM_ENOTFOUND for an unknown id. The bytes belong
 * to p. */
int um_prompts_get(const um_prompts *p, const char *id, const uint8_t **data, size_t *len);
/* The same clip as a shared sound (ua_call_play_sound takes its own reference, so no
 * call copies a prompt), or NULL for an unknown id. Borrowed: it belongs to p. */
media_sound *um_prompts_sound(const um_prompts *p, const char *id);
/* Number of clips loaded, and the id of clip i (0 <= i < count), for tests and tools. */
size_t um_prompts_count(const um_prompts *p);
const char *um_prompts_id(const um_prompts *p, size_t i);
/* The i-th id the server needs (NULL past the end): every clip the composers and
 * the call logic use. um_prompts_load checks them all. */
const char *um_prompt_required(size_t i);

/* ==== Play-On-Phone engine (pop.c) ==============================================
 * Dials out for MS-OCEXUM Play-On-Phone (spec 3.2, 4.2; docs/play-on-phone.md): an
 * INVITE through the outbound proxy with From URI == To URI == the mailbox owner's
 * address and Ms-Sensitivity: private-no-diversion, then plays the message with a
 * replay / delete / save menu. Call states and causes are MS-OXWUMS's (web.h).
 * - Runs on the loop thread only. The engine shares the server's ua: the server
 *   forwards the ua events of calls for which um_pop_owns() is true to um_pop_on_*.
 * - start looks the message up with the synchronous store (one indexed read on the
 *   loop thread: the op must answer "no such message" at once); everything after that
 *   (message state, call log) goes through store_async_*.
 * - Finished calls stay queryable for keep_ms, then are forgotten (info: ENOTFOUND).
 * - Shutdown order: ua_free (its ended callbacks reach the engine), then um_pop_free,
 *   then run the loop until idle (pending store requests and the timer finish). */
#include <uv.h>

#include "../store/store.h"
#include "../ua/ua.h"
#include "../web/web.h"

#define UM_POP_DIAL_TIMEOUT_MS 45000   /* nobody answers: CANCEL, NoAnswer */
#define UM_POP_MENU_TIMEOUT_MS 10000   /* no key after the menu: goodbye, hang up */
#define UM_POP_KEEP_MS (5 * 60 * 1000) /* a finished call stays queryable this long */
#define UM_POP_CALLS_MAX 256           /* calls held at once (running or finished) */

typedef struct um_pop_cfg {
	/* the outbound proxy (or the target itself in tests) */
	net_transport transport;  /* 0: NET_TLS */
	const char *host;         /* required */
	uint16_t port;            /* 0: 5061 for TLS, 5060 for TCP */
	const char *tls_name;     /* name to verify (NULL: host) */
	const char *from_name;    /* From display name, e.g. "Unified Messaging"; NULL none */
	unsigned dial_timeout_ms; /* 0: UM_POP_DIAL_TIMEOUT_MS */
	unsigned menu_timeout_ms; /* 0: UM_POP_MENU_TIMEOUT_MS */
	unsigned keep_ms;         /* 0: UM_POP_KEEP_MS */
} um_pop_cfg;

typedef struct um_pop um_pop;

/* st, prompts and u must outlive the engine; cfg is copied (its strings too). */
int um_pop_new(uv_loop_t *loop, ua *u, store *st, const um_prompts *prompts, const um_pop_cfg *cfg,
               um_pop **out);
/* Forgets every call (call ua_free first); memory goes once the loop has run. NULL ok. */
void um_pop_free(um_pop *p);
/* The web_pop_ops to give web_start with pop_arg = the engine. */
const web_pop_ops *um_pop_ops(void);

/* The web_pop_ops operations, callable directly (loop thread). start: OPENUM_ENOTFOUND
 * (no such mailbox or message, or the message is another mailbox's or deleted),
 * OPENUM_EDUP (the mailbox has a call not yet Disconnected), OPENUM_EINVAL (bad dial
 * string), OPENUM_ETOOBIG (UM_POP_CALLS_MAX), or ua_call_dial's error. */
int um_pop_start(um_pop *p, const char *mailbox, int64_t msg_id, const char *dial_string,
                 char call_id_out[WEB_CALL_ID_MAX], const char **why);
int um_pop_info(um_pop *p, const char *call_id, web_call_info *out);
int um_pop_disconnect(um_pop *p, const char *call_id);

/* The Request-URI for a dial string: sip:/sips: URIs as written, a tel: URI or a
 * number becomes sip:<number>@<owner's host>;user=phone. OPENUM_EINVAL / ETOOBIG. */
int um_pop_request_uri(const char *dial_string, const char *owner, char *out, size_t cap,
                       const char **why);

/* ua events of the engine's calls, forwarded by whoever owns the ua's events. */
bool um_pop_owns(const um_pop *p, const ua_call *c);
void um_pop_on_progress(um_pop *p, ua_call *c, unsigned status);
void um_pop_on_answered(um_pop *p, ua_call *c);
void um_pop_on_dtmf(um_pop *p, ua_call *c, char digit, ua_dtmf_source src);
void um_pop_on_play_done(um_pop *p, ua_call *c);
void um_pop_on_ended(um_pop *p, ua_call *c, const ua_end *end);
/* ==== end Play-On-Phone engine ================================================== */

/* ==== the server (server.c, session.c, menu.c, answering.c) ======================
 * `openum um`: one ua (TCP + TLS listeners) whose incoming calls become sessions:
 * subscriber access (logon by skip-pin or PIN, then the menu) or call answering
 * (greeting, tone, recording into the store). Every call ends with one call-log row.
 * Blocking store calls go through store_async_*; everything else runs on the loop.
 * docs/um-server.md has the call flows, the key map and what the call log says. */
#include "../store/store.h"
#include "../ua/ua.h"

#define UM_DEFAULT_TCP_PORT 5062 /* not 5060/5061: the proxy may run on the same host */
#define UM_DEFAULT_TLS_PORT 5063
#define UM_DEFAULT_MAX_MESSAGE_S 300
#define UM_DEFAULT_SILENCE_S 10     /* call answering: this much silence ends a message */
#define UM_DEFAULT_RTP_TIMEOUT_S 30 /* `openum um`: no RTP for this long hangs up */
#define UM_MAX_TRUSTED 16
/* message-waiting (mwi.c, docs/mwi.md) */
#define UM_MWI_POLL_MS 5000         /* re-count subscribed mailboxes this often */
#define UM_MWI_DEFAULT_EXPIRES 3600 /* SUBSCRIBE without Expires */
#define UM_MWI_MIN_EXPIRES 60       /* shorter (not 0): 423 Interval Too Brief */
#define UM_MWI_MAX_EXPIRES 86400    /* longer is cut to this */
#define UM_MWI_MAX_SUBS 20000       /* more at once: 503 */

/* The Play-On-Phone engine's share of the ua's events: calls it placed itself are
 * handed to it (owns() true) and the server does nothing else with them. */
typedef struct um_pop_hooks {
	bool (*owns)(void *pop, ua_call *c);
	void (*progress)(void *pop, ua_call *c, unsigned status);
	void (*answered)(void *pop, ua_call *c);
	void (*dtmf)(void *pop, ua_call *c, char digit, ua_dtmf_source src);
	void (*play_done)(void *pop, ua_call *c);
	void (*ended)(void *pop, ua_call *c, const ua_end *end);
} um_pop_hooks;

typedef struct um_server_cfg {
	ua_config ua;       /* net (TLS files, trusted_peers), RTP range, t1 */
	const char *tcp_ip; /* NULL: no TCP listener */
	uint16_t tcp_port;  /* 0: any free port (see um_server_port) */
	const char *tls_ip; /* NULL: no TLS listener */
	uint16_t tls_port;
	const char *domain; /* host of mailboxes named by a bare number or tel: URI */
	um_classify_cfg classify;
	um_pin_cfg pin;
	unsigned max_message_s; /* 0: UM_DEFAULT_MAX_MESSAGE_S */
	unsigned silence_s;     /* 0: UM_DEFAULT_SILENCE_S */
	/* Directory for recordings in progress (crash safety, spool.c); created if absent.
	 * um_server_new first stores what a crash left there. NULL: recordings live in
	 * memory only until they are stored. */
	const char *spool_dir;
	unsigned answer_delay_ms;      /* ring (180) this long before answering; 0: at once */
	const um_pop_hooks *pop_hooks; /* NULL: no Play-On-Phone engine */
	void *pop;
	bool quiet; /* no start-up line (log lines follow ou_log's level: base.h) */
	/* message-waiting (mwi.c): how often subscribed mailboxes are re-counted to catch
	 * changes made elsewhere (openum mailbox, the web page, another UM server); 0:
	 * UM_MWI_POLL_MS. Changes made by this server's calls notify at once. */
	unsigned mwi_poll_ms;
	bool mwi_off;             /* answer SUBSCRIBE message-summary with 489 */
	uint32_t mwi_min_expires; /* 0: UM_MWI_MIN_EXPIRES (tests use a few seconds) */
	/* Unsolicited NOTIFY (for phones that do not subscribe): when a call of this server
	 * on a mailbox nobody subscribed to ends and its counts differ from the last ones
	 * sent (or none were), a NOTIFY goes out of dialog to the mailbox's address
	 * through this next hop (the proxy, which forks it to the registered phones). */
	bool mwi_unsolicited;
	net_transport mwi_out_transport; /* 0: NET_TLS */
	const char *mwi_out_host;
	uint16_t mwi_out_port;
	const char *mwi_out_tls_name;
	/* Transcription (src/transcribe, docs/transcription.md). When set, call answering
	 * stores each message with its transcript PENDING and, once the store holds it,
	 * calls transcribe(transcribe_arg, id) on the loop thread (it must only queue the
	 * id: transcribe_queue_add). NULL: off, messages are stored with transcript NONE. */
	void (*transcribe)(void *arg, int64_t msg_id);
	void *transcribe_arg;
} um_server_cfg;

typedef struct um_server um_server;

/* Transcription of recovered messages: fn NULL (or tr NULL) stores them with
 * transcript NONE; else PENDING, and fn(arg, id) is called for each once stored. */
typedef struct um_spool_transcribe {
	void (*fn)(void *arg, int64_t msg_id);
	void *arg;
} um_spool_transcribe;

/* Recovers the recordings a crash left in dir (see spool.c): each becomes a new
 * message; *recovered counts them. Synchronous store calls: run it before the loop
 * serves calls (um_server_new does, for cfg.spool_dir, with cfg.transcribe). tr may
 * be NULL. */
int um_spool_recover(store *st, const char *dir, const um_spool_transcribe *tr, unsigned *recovered,
                     const char **why);

/* Starts listening. store and prompts are the caller's and must outlive the server
 * (and the loop run after um_server_free). *out set only on success. */
int um_server_new(uv_loop_t *loop, const um_server_cfg *cfg, store *st, const um_prompts *prompts,
                  um_server **out, const char **why);
/* The ua (the Play-On-Phone engine dials through it). */
ua *um_server_ua(um_server *s);
/* Voice messages to e-mail: the delivery worker (mail/mail.h, the caller's) that is
 * kicked each time a call-answering message is stored, so that it sends at once
 * instead of at its next poll. NULL: none. um_server_free forgets it. */
struct mail_worker;
void um_server_set_mail(um_server *s, struct mail_worker *w);
/* Plugs in the Play-On-Phone engine after the server exists (it needs the ua). */
void um_server_set_pop(um_server *s, const um_pop_hooks *hooks, void *pop);
uint16_t um_server_port(const um_server *s, net_transport tp);
/* Calls still up. */
unsigned um_server_calls(const um_server *s);
/* Message-waiting subscriptions (RFC 3842 over RFC 6665) held now. */
unsigned um_server_mwi_subscriptions(const um_server *s);
/* Every finished call (sessions and Play-On-Phone) once, as its call-log row is
 * written (calllog.c): one info log line with the fields an operator needs (Call-ID,
 * peer, transport, trusted, kind, logon result, mailbox, duration, detail) and the
 * metrics (calls by kind, logons by result, skip-pin honoured or refused). */
void um_call_finished(const store_call *l);
/* Ends every call: recordings so far are stored, every call is logged. Run the loop
 * afterwards until it is idle (the store writes finish there), then close the store.
 * The server's memory goes once its last call is written. */
void um_server_free(um_server *s);

#endif
