/* mail: voice messages delivered to e-mail (docs/email.md). Pure pieces (template
 * expansion, the MIME message, the audio attachment) and the two that do I/O: one SMTP
 * submission through libcurl (smtp.c) and the delivery worker (worker.c) that drains
 * the store's persistent queue (store_mailq_*) off the event loop thread.
 *
 * Contract:
 * - Errors: 0 or a negative OPENUM_E* code, with a static English reason in *why
 *   (may be NULL), except mail_smtp_send which writes its reason into a buffer (the
 *   SMTP server's words vary).
 * - Memory: outputs are ou_buf (base/base.h) appended to; the caller initialises and
 *   ou_buf_free()s them, also after a failure. Configuration strings are borrowed and
 *   must outlive the worker.
 * - Header safety: every value that reaches a header (from, to, subject) is refused
 *   with OPENUM_EINVAL when it holds CR, LF or another control byte; the worker
 *   replaces control bytes in the caller's data with spaces before it expands the
 *   subject, so a caller cannot add headers.
 * - Threads: everything but the worker's new/kick/free functions is safe on any
 *   thread; mail_smtp_send blocks (network) and must not run on the loop thread.
 */
#ifndef OPENUM_MAIL_H
#define OPENUM_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/base.h"
#include "store/store.h"

/* ---- defaults --------------------------------------------------------------- */
#define MAIL_DEFAULT_SUBJECT "Voice message from {caller} ({duration})"
#define MAIL_DEFAULT_BODY                                                                          \
	"You received a voice message in mailbox {mailbox}.\n"                                     \
	"\n"                                                                                       \
	"From:     {caller}\n"                                                                     \
	"Received: {time}\n"                                                                       \
	"Length:   {duration}\n"                                                                   \
	"\n"                                                                                       \
	"{transcript}\n"
#define MAIL_RETRY_BASE_S 60   /* first retry after this long, then doubling */
#define MAIL_RETRY_MAX_S 3600  /* the wait between attempts never grows beyond this */
#define MAIL_MAX_ATTEMPTS 10   /* then the delivery gives up */
#define MAIL_POLL_MS 5000      /* the worker looks at the queue this often */
#define MAIL_SMTP_TIMEOUT_S 60 /* one SMTP submission at most (connect: 15 s) */
#define MAIL_LEASE_MS 300000   /* a claimed delivery is nobody else's for this long */
#define MAIL_BATCH 16          /* deliveries one pool job sends at most */
#define MAIL_TEXT_MAX 16384    /* an expanded subject or body */
#define MAIL_LINE_MAX 998      /* RFC 5322 line limit, CRLF excluded */

/* ---- templates --------------------------------------------------------------- */
/* Placeholder values; NULL reads as "". */
typedef struct mail_vars {
	const char *caller;     /* who left the message (their SIP URI) */
	const char *mailbox;    /* the mailbox's address */
	const char *time;       /* when, "2026-11-26 12:00:00 UTC" */
	const char *duration;   /* "0:42" */
	const char *transcript; /* the transcription; NULL or "" when none */
} mail_vars;

/* Appends tpl to out with {caller} {mailbox} {time} {duration} {transcript} replaced;
 * "{{" and "}}" stand for "{" and "}"; any other {name} is kept as written. More than
 * MAIL_TEXT_MAX bytes of result: OPENUM_ETOOBIG. */
int mail_template_expand(const char *tpl, const mail_vars *v, ou_buf *out, const char **why);
/* A copy of s for a header: control bytes (CR, LF, TAB, ...) become spaces, cut to cap-1. */
void mail_header_clean(const char *s, char *out, size_t cap);
/* "m:ss" (or "h:mm:ss"). */
void mail_fmt_duration(uint32_t ms, char *out, size_t cap);
/* "2026-11-26 12:00:00 UTC". */
void mail_fmt_time(int64_t ms, char *out, size_t cap);

/* ---- the MIME message --------------------------------------------------------- */
typedef struct mail_attachment {
	const uint8_t *data;
	size_t len;
	const char *content_type; /* "audio/wav", "audio/ogg" */
	const char *filename;     /* "voicemail-12.wav": [A-Za-z0-9._-] only */
} mail_attachment;

typedef struct mail_message {
	const char *from;                  /* addr-spec, store_email_valid */
	const char *from_name;             /* display name, may be NULL */
	const char *to;                    /* addr-spec */
	const char *subject;               /* UTF-8; encoded per RFC 2047 when not plain ASCII */
	const char *body;                  /* UTF-8 text; LF or CRLF line ends */
	int64_t date_ms;                   /* the Date: header; 0: now */
	const mail_attachment *attachment; /* NULL: a text/plain part only */
} mail_message;

/* Builds an RFC 5322 message: Date, From, To, Subject, Message-ID (random, at the
 * domain of from), MIME-Version; a multipart/mixed body with the text/plain part
 * (UTF-8, base64 when it is not short 7-bit lines) and the attachment in base64
 * (76-column lines). CRLF line ends throughout. Appends to out. */
int mail_build(const mail_message *m, ou_buf *out, const char **why);
/* RFC 4648 base64 of data, appended to out in lines of at most 76 characters each
 * ended by CRLF (wrap 0: one line, no CRLF). */
int mail_base64(const uint8_t *data, size_t len, unsigned wrap, ou_buf *out);

/* ---- the audio ------------------------------------------------------------------ */
/* The stored message audio as a WAV file image (16-bit PCM, G.711 decoded). */
int mail_audio_wav(const store_audio *a, ou_buf *out, const char **why);
/* The same as Opus in Ogg (libopusenc, mono, 8 kHz input, voice tuned). */
int mail_audio_opus(const store_audio *a, ou_buf *out, const char **why);

/* ---- SMTP (libcurl) ------------------------------------------------------------ */
typedef enum mail_starttls {
	MAIL_STARTTLS_REQUIRED = 0, /* default: refuse to send in the clear over smtp:// */
	MAIL_STARTTLS_OPTIONAL = 1, /* use it when the server offers it */
	MAIL_STARTTLS_OFF = 2,      /* never (loopback test servers) */
} mail_starttls;
/* "required" "optional" "off". */
int mail_starttls_parse(const char *name, mail_starttls *out);
const char *mail_starttls_name(mail_starttls s);

typedef struct mail_smtp_cfg {
	const char *url;       /* smtp://host[:port] or smtps://host[:port] */
	const char *from;      /* envelope and From: address */
	const char *from_name; /* From: display name; NULL: none */
	const char *user;      /* NULL: no authentication */
	const char *password;
	mail_starttls starttls; /* smtp:// only; smtps:// is TLS from the start */
	const char *ca_file;    /* NULL: the system's CA store */
	bool insecure;          /* do not verify the server's certificate (tests only) */
	unsigned timeout_s;     /* 0: MAIL_SMTP_TIMEOUT_S */
} mail_smtp_cfg;

/* Sends data (a whole RFC 5322 message) to one recipient. Blocks. stop (may be NULL)
 * is polled: once it reads true the transfer is abandoned. 0 on success (err gets
 * the server's last reply code); else OPENUM_EIO with the reason in err. */
int mail_smtp_send(const mail_smtp_cfg *cfg, const char *to, const char *data, size_t len,
                   const volatile bool *stop, char *err, size_t errcap);

/* ---- the delivery worker ------------------------------------------------------- */
typedef struct mail_cfg {
	mail_smtp_cfg smtp;
	const char *subject;   /* template; NULL: MAIL_DEFAULT_SUBJECT */
	const char *body;      /* template; NULL: MAIL_DEFAULT_BODY */
	unsigned retry_base_s; /* 0: MAIL_RETRY_BASE_S */
	unsigned retry_max_s;  /* 0: MAIL_RETRY_MAX_S */
	unsigned max_attempts; /* 0: MAIL_MAX_ATTEMPTS */
	unsigned poll_ms;      /* 0: MAIL_POLL_MS */
} mail_cfg;

/* Seconds to wait after failed attempt number attempts (1, 2, ...): base doubling,
 * capped at max. */
unsigned mail_backoff_s(unsigned attempts, unsigned base_s, unsigned max_s);

/* The whole e-mail of one delivery, built from the store at send time (so that what
 * the message gained since it was queued, such as a transcript, goes in): reads the
 * mailbox and the message and appends the RFC 5322 message to out. OPENUM_ENOTFOUND
 * when the message or mailbox is gone; *to gets the recipient. transcript: the text
 * for {transcript} (NULL: the message's transcript when it is done, else omitted and
 * the placeholder expands to nothing). Blocking. */
int mail_compose(store *st, const mail_cfg *cfg, const store_mailq *q, const char *transcript,
                 ou_buf *out, char to[STORE_EMAIL_MAX], const char **why);

typedef struct mail_worker mail_worker;
/* Starts the worker on loop: it polls the queue every poll_ms and after each kick,
 * and sends on libuv's thread pool, one job at a time. cfg is copied (its strings are
 * borrowed). */
int mail_worker_new(uv_loop_t *loop, store *st, const mail_cfg *cfg, mail_worker **out,
                    const char **why);
/* Look at the queue now (a message was just stored). */
void mail_worker_kick(mail_worker *w);
/* Stops: a send in progress is abandoned (its delivery is retried after the lease);
 * the memory goes once the job has returned, so run the loop afterwards. NULL ok. */
void mail_worker_free(mail_worker *w);

#endif
