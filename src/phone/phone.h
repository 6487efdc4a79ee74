/* phone: the MS-OCEXUM protocol client role (`openum phone`), a SIP phone on ua that
 * registers to the proxy, calls, answers, sends DTMF, plays a WAV file as its microphone
 * and records what it hears, and a script runner that drives it for tests.
 *
 * Contract:
 * - The two protocol rules are pure functions and nothing else decides them:
 *   phone_voicemail_skip_pin (spec 3.1: Ms-Exchange-Command: skip-pin only over TLS)
 *   and phone_incoming_decide (spec 3.2: an offline phone declines with 480 except a
 *   Play-On-Phone call, From URI == To URI == its own address).
 * - phone_script_parse is pure too: no I/O, every error names its line.
 * - A phone runs on one libuv loop; one call at a time (a second incoming call gets
 *   486). The `changed` callback runs from the loop after anything a status shows.
 * - Errors: 0 or a negative OPENUM_E* code; `why` gets a short English reason.
 */
#ifndef OPENUM_PHONE_H
#define OPENUM_PHONE_H

#include <stdio.h>
#include <uv.h>

#include "../media/media.h"
#include "../net/net.h"
#include "../sip/sip.h"

#define PHONE_URI_MAX 256
#define PHONE_SCRIPT_MAX_STEPS 256
#define PHONE_SCRIPT_ARG_MAX 256
#define PHONE_DEFAULT_WAIT_S 10 /* wait-* steps without SECONDS */
#define PHONE_REG_WAIT_MS 10000 /* a script starts once registered, or fails by then */
#define PHONE_DTMF_MAX 64       /* received digits kept */
/* wait-prompt / wait-audio / wait-silence: a prompt is at least PHONE_PROMPT_SOUND_MS of
 * sound (media_level) followed by PHONE_PROMPT_SILENCE_MS without any. The pauses inside
 * and between the UM server's spoken clips are shorter than the silence. */
#define PHONE_PROMPT_SOUND_MS 200
#define PHONE_PROMPT_SILENCE_MS 600

/* ---- the rules (rules.c) --------------------------------------------------------- */
typedef enum phone_presence {
	PHONE_AVAILABLE = 0,
	PHONE_OFFLINE, /* "Appear Offline" */
} phone_presence;

typedef enum phone_in_action {
	PHONE_IN_RING = 1,    /* 180, wait for the user */
	PHONE_IN_ANSWER,      /* ring and answer at once (--auto-answer) */
	PHONE_IN_DECLINE_480, /* offline: 480 Temporarily Unavailable */
} phone_in_action;

/* Spec 3.1: "Ms-Exchange-Command: skip-pin" goes on a voicemail call when, and only
 * when, the signalling transport is TLS. */
bool phone_voicemail_skip_pin(net_transport tp);
/* "sip:user@host;opaque=app:voicemail" for an AOR "sip:user@host" (parameters of the
 * AOR are dropped). EINVAL for an AOR without user or host, ETOOBIG when cap is short. */
int phone_voicemail_uri(const char *aor, char *out, size_t cap);
/* Spec 3.2: is this INVITE a Play-On-Phone call for us? From URI == To URI (RFC 3261
 * 19.1.4, sip_msg_from_equals_to) and both equal own_aor. EBADMSG for a bad From/To. */
int phone_is_pop_call(sip_msg *invite, const char *own_aor, bool *pop);
/* What to do with an incoming call: available rings; offline declines with 480 unless
 * pop (From == To == own); a call that rings is answered when auto_answer. */
phone_in_action phone_incoming_decide(phone_presence pres, bool pop, bool auto_answer);
const char *phone_presence_name(phone_presence p); /* "available", "offline" */
int phone_presence_from(const char *s, phone_presence *out);

/* ---- the phone (phone.c) ---------------------------------------------------------- */
typedef struct phone phone;

typedef struct phone_config {
	const char *aor;         /* "sip:alice@openum.test" */
	const char *password;    /* digest password (REGISTER 401, INVITE 407) */
	net_transport transport; /* NET_TLS (default 0 means TLS) or NET_TCP */
	const char *proxy_host;  /* the outbound proxy and registrar */
	uint16_t proxy_port;     /* 0: 5061 for TLS, 5060 for TCP */
	const char *tls_name;    /* name in the proxy's certificate; NULL: proxy_host */
	const char *ca_file, *cert_file, *key_file;
	phone_presence presence;
	bool auto_answer;
	bool no_register;        /* tests: call out without registering */
	bool skip_pin_anyway;    /* tests of the servers: skip-pin on voicemail calls even over
	                          * TCP, which MS-OCEXUM 3.1 clients never do */
	const char *play_file;   /* WAV played as the microphone once a call is up */
	const char *record_file; /* WAV of what each call heard (written when it ends) */
	uint32_t expires_s;      /* 0: UA_DEFAULT_REG_EXPIRES */
	unsigned t1_ms;          /* 0: default */
	/* message waiting (RFC 3842): once registered the phone subscribes to
	 * message-summary of mwi_account (NULL: its own address) unless no_mwi. */
	bool no_mwi;
	const char *mwi_account;
	uint32_t mwi_expires_s; /* 0: UA_DEFAULT_SUB_EXPIRES */
} phone_config;

typedef enum phone_mwi {
	PHONE_MWI_OFF = 0,     /* not subscribed (--no-mwi, or not registered yet) */
	PHONE_MWI_SUBSCRIBING, /* SUBSCRIBE sent */
	PHONE_MWI_ACTIVE,      /* subscribed; the lamp fields hold the last NOTIFY */
	PHONE_MWI_FAILED,      /* refused (mwi_status says how) or unreachable */
	PHONE_MWI_TERMINATED,  /* the UM server ended it (a new one follows) */
} phone_mwi;

typedef enum phone_reg {
	PHONE_REG_NONE = 0,
	PHONE_REG_TRYING,
	PHONE_REG_OK,
	PHONE_REG_FAILED,
	PHONE_REG_OFF, /* unregistered */
} phone_reg;

typedef enum phone_call_state {
	PHONE_IDLE = 0,
	PHONE_DIALING,
	PHONE_RINGING, /* incoming, not answered */
	PHONE_ACTIVE,
} phone_call_state;

typedef struct phone_status {
	phone_reg reg;
	unsigned reg_status; /* last REGISTER status (0 none) */
	phone_call_state call;
	phone_presence presence;
	bool incoming;            /* the current or last call was incoming */
	char peer[PHONE_URI_MAX]; /* the other side of the current/last call */
	unsigned calls_in, calls_declined, calls_answered, calls_ended;
	unsigned end_status; /* the SIP status that ended the last call (0: BYE) */
	char end_text[96];
	char dtmf[PHONE_DTMF_MAX + 1]; /* digits received in the current/last call */
	phone_mwi mwi;
	unsigned mwi_status;     /* last SUBSCRIBE final status (0 none) */
	unsigned mwi_notifies;   /* message-summary NOTIFYs received */
	bool lamp_known;         /* a message-summary body was read */
	bool lamp;               /* Messages-Waiting: yes */
	unsigned vm_new, vm_old; /* Voice-Message new/old */
	media_level heard;       /* loudness of the current call's audio (zero without media) */
} phone_status;

typedef void (*phone_changed_cb)(void *arg, phone *p);

int phone_new(uv_loop_t *loop, const phone_config *cfg, phone_changed_cb cb, void *arg, phone **out,
              const char **why);
/* Sends Expires: 0 for our binding (the status shows `unregistered` when answered). */
int phone_unregister(phone *p);
/* Ends the call (no BYE), stops registering; run the loop afterwards until empty. */
void phone_free(phone *p);
void phone_get_status(const phone *p, phone_status *out);
uv_loop_t *phone_loop(phone *p);
const char *phone_reg_name(phone_reg r);
const char *phone_call_state_name(phone_call_state s);
const char *phone_mwi_name(phone_mwi m);
/* One line: "reg=registered call=active peer=... presence=available dtmf=12 ...
 * mwi=yes(1/0)" (mwi=-: no lamp state yet; mwi=failed(403): refused). */
void phone_status_line(const phone *p, char *out, size_t cap);
/* The last INVITE received (valid until the next one; NULL if none). */
sip_msg *phone_last_invite(phone *p);

int phone_call(phone *p, const char *uri, const char **why);
/* Calls the mailbox of `mailbox` (NULL: our own) at phone_voicemail_uri, with skip-pin
 * when phone_voicemail_skip_pin. Another user's mailbox gets
 * ";local-resource-path=voicemail" (MS-EUMR: subscriber access, not call answering)
 * and the header all the same: the phone only asks, and the proxy strips it for
 * anyone but the owner (DESIGN.md rule 4), which is what this call shows. */
int phone_voicemail(phone *p, const char *mailbox, const char **why);
int phone_answer(phone *p, const char **why);
int phone_hangup(phone *p, const char **why);
int phone_send_dtmf(phone *p, const char *digits, bool info, const char **why);
void phone_set_presence(phone *p, phone_presence pres);
/* Records `seconds` of the active call into a WAV file (mu-law decoded to PCM16). */
int phone_record(phone *p, unsigned seconds, const char *path, const char **why);
bool phone_recording(const phone *p); /* a phone_record still running */

/* ---- scripts (script.c: parsing; run.c: running) -------------------------------- */
typedef enum phone_op {
	PHONE_OP_WAIT_REGISTERED = 1, /* wait-registered [SECONDS] */
	PHONE_OP_WAIT_CALL,           /* wait-call [SECONDS]: an incoming call rings */
	PHONE_OP_WAIT_DECLINED,       /* wait-declined [SECONDS]: a call was declined (offline) */
	PHONE_OP_ANSWER,              /* answer */
	PHONE_OP_CALL,                /* call URI */
	PHONE_OP_VOICEMAIL,           /* voicemail [AOR]: arg "" for our own mailbox */
	PHONE_OP_WAIT_ANSWERED,       /* wait-answered [SECONDS] */
	PHONE_OP_SLEEP,               /* sleep MS */
	PHONE_OP_DTMF,                /* dtmf DIGITS [info] */
	PHONE_OP_WAIT_DTMF,           /* wait-dtmf DIGITS [SECONDS]: these digits were received */
	PHONE_OP_RECORD,              /* record SECONDS FILE.wav */
	PHONE_OP_EXPECT_HEADER,       /* expect-header NAME REGEX: on the last INVITE received */
	PHONE_OP_EXPECT_NO_HEADER,    /* expect-no-header NAME */
	PHONE_OP_EXPECT_STATUS,       /* expect-status CODE: the last call ended with CODE */
	PHONE_OP_PRESENCE,            /* presence available|offline */
	PHONE_OP_HANGUP,              /* hangup */
	PHONE_OP_WAIT_ENDED,          /* wait-ended [SECONDS] */
	PHONE_OP_PRINT_STATE,         /* print-state */
	/* wait-mwi yes|no|yes:N/M|no:N/M|failed:CODE [SECONDS]: the lamp (and counts new/old)
	 * of the last message-summary NOTIFY, or the subscription refused with CODE */
	PHONE_OP_WAIT_MWI,
	/* wait-prompt [SECONDS]: the call heard sound, then PHONE_PROMPT_SILENCE_MS of silence */
	PHONE_OP_WAIT_PROMPT,
	PHONE_OP_WAIT_AUDIO,   /* wait-audio [SECONDS]: PHONE_PROMPT_SOUND_MS of sound */
	PHONE_OP_WAIT_SILENCE, /* wait-silence [SECONDS]: PHONE_PROMPT_SILENCE_MS without sound */
} phone_op;
/* the last op: a new step moves it (tests/fuzz/fuzz_phone_script.c checks the range) */
#define PHONE_OP_LAST PHONE_OP_WAIT_SILENCE

typedef struct phone_step {
	phone_op op;
	unsigned line;
	unsigned num; /* SECONDS, MS or CODE (wait steps: PHONE_DEFAULT_WAIT_S when absent) */
	bool info;    /* dtmf ... info */
	char arg[PHONE_SCRIPT_ARG_MAX];  /* URI, DIGITS, FILE, NAME, presence */
	char arg2[PHONE_SCRIPT_ARG_MAX]; /* REGEX */
} phone_step;

/* Parses a script: one step per line; blank lines and lines starting with '#' are
 * skipped. On a bad line returns OPENUM_EBADMSG with *bad_line set and why a reason
 * ("unknown command", "expected SECONDS", "bad regular expression", ...); ETOOBIG for
 * more than max steps. */
int phone_script_parse(const char *text, size_t len, phone_step *steps, size_t max, size_t *n,
                       unsigned *bad_line, const char **why);
const char *phone_op_name(phone_op op);

/* Runs steps on p's loop; each step logs one line to out ("line 3: answer: ok"). done
 * gets 0 when every step passed, else OPENUM_EINVAL after logging the failed step. */
typedef struct phone_run phone_run;
typedef void (*phone_run_done_cb)(void *arg, int result);
int phone_run_start(phone *p, const phone_step *steps, size_t n, FILE *out, phone_run_done_cb done,
                    void *arg, phone_run **outr);
void phone_run_free(phone_run *r);

#endif
