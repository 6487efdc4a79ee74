/* web: the UM server's HTTP face. The MS-OXWUMS-style SOAP service that triggers
 * Play-On-Phone (/UnifiedMessaging/Service.asmx), its JSON twin with message listing,
 * audio and deletion (/api/v1/...), the web page that uses it (docs/web.md), and
 * GET /metrics (metrics/metrics.h).
 *
 * Contract:
 * - The server reads and changes mailboxes through a store (store.h) and places calls
 *   through a Play-On-Phone engine it knows only as a table of callbacks (web_pop_ops):
 *   the UM server plugs its dial-out engine, tests plug a fake one.
 * - Threads: libmicrohttpd runs its own threads (a small pool). Requests call the
 *   synchronous store functions there (the store is thread-safe; PBKDF2 and disk never
 *   touch the event loop). Engine callbacks are NOT called on those threads: when
 *   web_opts.loop is set, every call into web_pop_ops is marshalled to the loop thread
 *   (uv_async_t + queue) while the HTTP thread waits on a condition variable, so the
 *   engine needs no locking. With loop NULL the ops run on the HTTP threads and the
 *   engine must be thread-safe.
 * - web_start runs on the loop thread (or before the loop runs); web_stop too. After
 *   web_stop run the loop until it is idle: the async handle closes asynchronously and
 *   the server's memory is released in its close callback.
 * - HTTPS with a PEM certificate and key (e.g. `openum certs` server.pem/server.key);
 *   plain HTTP only when asked for explicitly and only on a loopback address.
 * - Errors: 0 or a negative OPENUM_E* code; `why` (may be NULL) gets a static reason.
 */
#ifndef OPENUM_WEB_H
#define OPENUM_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "../base/base.h"
#include "../store/store.h"

/* ---- limits and defaults -------------------------------------------------- */
#define WEB_PORT_DEFAULT 8443
#define WEB_THREADS_DEFAULT 4              /* libmicrohttpd worker threads */
#define WEB_BODY_MAX (64u * 1024)          /* largest request body (JSON or SOAP) */
#define WEB_SESSION_IDLE_S (30 * 60)       /* a session unused this long expires */
#define WEB_SESSION_LIFETIME_S (12 * 3600) /* and every session after this long */
#define WEB_SESSIONS_MAX 10000             /* sessions held at once */
#define WEB_CONN_TIMEOUT_S 30              /* idle HTTP connection */
#define WEB_CONN_MAX 512                   /* concurrent HTTP connections */
#define WEB_CALL_ID_MAX 64                 /* engine call ids, NUL included */
#define WEB_DIAL_MAX 256                   /* dial strings, NUL included */
#define WEB_REASON_MAX 128                 /* SIP reason phrase kept for a call */
#define WEB_OP_TIMEOUT_MS 10000            /* an engine op marshalled to the loop */

/* ---- the Play-On-Phone engine ------------------------------------------- */
/* MS-OXWUMS CallState and EventCause. */
typedef enum web_call_state {
	WEB_CALL_IDLE = 0,
	WEB_CALL_CONNECTING,
	WEB_CALL_ALERTED, /* 180/183 received */
	WEB_CALL_CONNECTED,
	WEB_CALL_DISCONNECTED,
} web_call_state;

typedef enum web_event_cause {
	WEB_CAUSE_NONE = 0,
	WEB_CAUSE_USER_BUSY,   /* 486, 600 */
	WEB_CAUSE_NO_ANSWER,   /* timeout, 408, 480 */
	WEB_CAUSE_UNAVAILABLE, /* 404, 410, 503 */
	WEB_CAUSE_OTHER,
} web_event_cause;

/* "Idle" "Connecting" "Alerted" "Connected" "Disconnected"; "None" "UserBusy"
 * "NoAnswer" "Unavailable" "Other" (the MS-OXWUMS spellings). Out of range: "?". */
const char *web_call_state_name(web_call_state s);
const char *web_event_cause_name(web_event_cause c);

typedef struct web_call_info {
	web_call_state state;
	web_event_cause cause;
	uint16_t sip_code;               /* final (or latest) SIP status; 0 = none yet */
	char sip_reason[WEB_REASON_MAX]; /* its reason phrase; "" = none */
	char mailbox[STORE_ADDR_MAX];    /* owner's normalised address: web refuses
	                                  * GetCallInfo/Disconnect by anyone else */
} web_call_info;

/* The engine. Each op returns 0 or a negative OPENUM_E* code with a static why.
 * start: call dial_string and play message msg_id of mailbox (a normalised address,
 *   "sip:alice@example.com") there; dial_string is a sip:/sips:/tel: URI or a number
 *   of digits with an optional leading '+' (already checked, see web_dial_check).
 *   Writes a NUL-terminated id of its choice into call_id_out. OPENUM_EDUP: the
 *   mailbox already has a call running (the web answers 409).
 * info: the state of a call; OPENUM_ENOTFOUND when the engine has forgotten it.
 * disconnect: CANCEL before answer, BYE after; a finished call is not an error.
 * The strings passed in are valid only during the call. */
typedef struct web_pop_ops {
	int (*start)(void *arg, const char *mailbox, int64_t msg_id, const char *dial_string,
	             char call_id_out[WEB_CALL_ID_MAX], const char **why);
	int (*info)(void *arg, const char *call_id, web_call_info *out);
	int (*disconnect)(void *arg, const char *call_id);
} web_pop_ops;

/* ---- dial strings (dial.c, pure) ------------------------------------------ */
/* Checks a Play-On-Phone dial string and writes its canonical form into out:
 * a sip:/sips: URI with a host (sip_uri_parse), a tel: URI with a number, or a
 * number (optional '+', digits, visual separators "-" "." " " "(" ")" removed).
 * Leading and trailing blanks are ignored. OPENUM_EINVAL (bad form) or
 * OPENUM_ETOOBIG (longer than cap) with why, fit for an HTTP 400 reason. */
int web_dial_check(const char *in, char *out, size_t cap, const char **why);

/* ---- the server ---------------------------------------------------------- */
typedef struct web_opts {
	const char *bind_addr; /* numeric IPv4/IPv6 address; NULL: "127.0.0.1" */
	uint16_t port;         /* 0: any free port (see web_port) */
	const char *cert_pem;  /* PEM file paths for HTTPS */
	const char *key_pem;
	bool plain_http;        /* no TLS: refused unless bind_addr is loopback */
	unsigned threads;       /* 0: WEB_THREADS_DEFAULT */
	store *st;              /* required; must outlive the server */
	const web_pop_ops *pop; /* required (the struct is copied) */
	void *pop_arg;
	uv_loop_t *loop;             /* marshal engine ops to this loop; NULL: call them directly */
	unsigned session_idle_s;     /* 0: WEB_SESSION_IDLE_S */
	unsigned session_lifetime_s; /* 0: WEB_SESSION_LIFETIME_S */
} web_opts;

typedef struct web_server web_server;

/* Starts listening. *out set only on success. */
int web_start(const web_opts *o, web_server **out, const char **why);
/* The TCP port the server listens on (useful with port 0). */
uint16_t web_port(const web_server *ws);
/* Stops accepting, finishes the HTTP threads (a thread waiting on the loop gets
 * OPENUM_EIO "shutting down"), then closes the loop handle; memory is freed once the
 * loop has run the close callback (immediately when o->loop was NULL). NULL is ok. */
void web_stop(web_server *ws);

#endif
