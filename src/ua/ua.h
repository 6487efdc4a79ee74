/* ua: a SIP user agent with calls and media, the common ground of `openum um`,
 * `openum phone` and the test UAS. It wires the layers below into one object: net
 * (TCP/TLS), txn (transactions), dialog (dialogs, SDP offer/answer) and media (RTP
 * sessions, DTMF), and gives applications calls they answer, dial, play into, record
 * from and hang up. A proxy does not use it (it works on txn directly).
 *
 * Contract:
 * - One ua per loop; everything runs on the loop thread; callbacks never run inside a
 *   ua_* call the application made (they come from the loop), so the application may
 *   call any ua_* function from a callback except ua_free.
 * - Ownership: the ua owns every ua_call. A call pointer is valid from the callback
 *   that first presents it (incoming, or ua_call_dial's *out) until the `ended`
 *   callback for it has returned; the ua frees it after that. Every call ends with
 *   exactly one `ended` callback, also at ua_free (reason UA_END_SHUTDOWN).
 * - Every callback gets the `arg` given to ua_new; a call's own pointer (ua_call_dial's
 *   call_arg, or ua_call_set_arg) is ua_call_get_arg(c).
 * - Messages and peers passed to callbacks are valid only during the callback; copy
 *   what you keep. ua_call_peer() returns the call's own copy of the peer record of
 *   the INVITE (incoming) or of the connection (outgoing): valid as long as the call.
 * - SDP: an incoming INVITE's offer is answered by ua_call_answer with G.711 (PCMU,
 *   PCMA) and telephone-event; no common codec gives 488 automatically and the `ended`
 *   callback. An INVITE without a body (RFC 3261 13.2.1 "late offer") gets our offer
 *   in the 200 and its answer is read from the ACK; an ACK without a usable answer
 *   ends the call with BYE (`ended`: UA_END_REJECTED, 488). Outgoing calls offer the
 *   same.
 * - DTMF arrives from RFC 4733 events (media) and SIP INFO application/dtmf-relay
 *   (signalling) through one callback; the source is told.
 * - Errors: 0 or a negative OPENUM_E* code.
 */
#ifndef OPENUM_UA_H
#define OPENUM_UA_H

#include <uv.h>

#include "../media/media.h"
#include "../net/net.h"
#include "../sip/sip.h"

#define UA_DEFAULT_RTP_PORT_MIN 16384
#define UA_DEFAULT_RTP_PORT_MAX 32767
#define UA_DEFAULT_DIAL_TIMEOUT_MS 60000 /* outgoing: CANCEL when nobody answers */
#define UA_DEFAULT_USER_AGENT "openum/" OPENUM_VERSION
#define UA_MAX_EXTRA_HEADERS 8

typedef struct ua ua;
typedef struct ua_call ua_call;

typedef struct ua_config {
	net_config net;           /* limits, TLS files, trusted_peers */
	const char *contact_host; /* host for Contact and Via (default: the listener's IP) */
	const char *rtp_ip;       /* address RTP binds to and SDP announces (default 127.0.0.1) */
	uint16_t rtp_port_min, rtp_port_max; /* 0: UA_DEFAULT_RTP_PORT_* */
	const char *user_agent;              /* NULL: UA_DEFAULT_USER_AGENT */
	unsigned t1_ms;                      /* 0: RFC 3261 default; tests use a few ms */
	/* An established call that has received no RTP or RTCP packet for this long is
	 * hung up (BYE, `ended` with UA_END_TIMEOUT, text "RTP timeout"); 0: never. Calls
	 * whose SDP says the peer does not send (recvonly, inactive) are not timed. */
	unsigned rtp_timeout_ms;
	/* The media clock's threads (media.h): how many, pinned to which CPUs, SCHED_FIFO;
	 * all zero: one unpinned thread at normal priority. */
	media_clock_options media;
} ua_config;

typedef enum ua_dtmf_source {
	UA_DTMF_RFC4733 = 1,
	UA_DTMF_INFO,
} ua_dtmf_source;

typedef enum ua_end_reason {
	UA_END_LOCAL_HANGUP = 1, /* ua_call_hangup: BYE sent, or CANCEL before answer */
	UA_END_REMOTE_HANGUP,    /* BYE or CANCEL received */
	UA_END_REJECTED,         /* incoming: ua_call_reject or 488; outgoing: a final >= 300 */
	UA_END_TIMEOUT,          /* no answer within the dial timeout, or a 408 */
	UA_END_TRANSPORT,        /* the connection failed (503 for outgoing) */
	UA_END_SHUTDOWN,         /* ua_free */
} ua_end_reason;

typedef struct ua_end {
	ua_end_reason reason;
	unsigned status;      /* the SIP final status that ended it, 0 if none (BYE) */
	const char *text;     /* reason phrase or a short English cause; valid in callback */
	uint64_t duration_ms; /* from answer to end; 0 if never answered */
} ua_end;

typedef struct ua_events {
	/* A new incoming INVITE. The application calls ua_call_ring / ua_call_answer /
	 * ua_call_reject now or later (a call left unanswered is its responsibility). */
	void (*incoming)(void *arg, ua_call *c, sip_msg *invite, const net_peer *peer);
	/* Outgoing: a provisional response (180, 183). */
	void (*progress)(void *arg, ua_call *c, unsigned status);
	/* Media flows: outgoing got a 2xx (ACK sent); incoming got the ACK of its 2xx. */
	void (*answered)(void *arg, ua_call *c);
	void (*dtmf)(void *arg, ua_call *c, char digit, ua_dtmf_source src);
	/* Everything queued with ua_call_play has been sent. */
	void (*play_done)(void *arg, ua_call *c);
	void (*ended)(void *arg, ua_call *c, const ua_end *end);
	/* Optional: an out-of-dialog request other than INVITE, ACK, CANCEL, OPTIONS (which
	 * the ua answers itself), or an in-dialog request (To tag) that belongs to no call
	 * and no ua_subscription: find its ua_dlg with ua_dlg_match. Answer it with
	 * ua_respond or ua_dlg_respond. NULL: 405 Method Not Allowed (481 in a dialog). */
	void (*request)(void *arg, ua *u, void *st, sip_msg *req, const net_peer *peer);
} ua_events;

int ua_new(uv_loop_t *loop, const ua_config *cfg, const ua_events *ev, void *arg, ua **out);
/* The same; on failure *why (when given) may say why in words (e.g. the media threads
 * could not start: SCHED_FIFO not permitted), else it is left alone. */
int ua_new_why(uv_loop_t *loop, const ua_config *cfg, const ua_events *ev, void *arg, ua **out,
               const char **why);
/* Ends every call (ended callbacks with UA_END_SHUTDOWN), closes sockets; run the loop
 * afterwards until it has no more handles. */
void ua_free(ua *u);
/* The net below the ua (for net_reload on SIGHUP); owned by the ua. */
net *ua_net(ua *u);
int ua_listen(ua *u, net_transport tp, const char *ip, uint16_t port, uint16_t *bound_port);
/* Answers a request handed to events.request (st is its server transaction). */
int ua_respond(const ua *u, void *st, unsigned status, const char *reason);

/* ---- calls ------------------------------------------------------------------- */
int ua_call_ring(ua_call *c); /* 180 Ringing */
/* 200 OK with the SDP answer; extra_headers: "Name: value" lines without CRLF, may be
 * NULL. 488 and `ended` when the offer has no common codec. */
int ua_call_answer(ua_call *c, const char *const *extra_headers, size_t nextra);
int ua_call_reject(ua_call *c, unsigned status, const char *reason);
/* BYE after answer, CANCEL before; `ended` follows from the loop. */
int ua_call_hangup(ua_call *c);

typedef struct ua_dial {
	const char *request_uri;          /* whom to call */
	const char *from_uri, *from_name; /* From (a tag is added) */
	const char *to_uri;               /* To; NULL: request_uri */
	/* Where to send it: the next hop (an outbound proxy, or the target itself). */
	net_transport transport;
	const char *host;
	uint16_t port;
	const char *tls_name; /* server name to verify (NULL: host) */
	const char *const
	    *extra_headers; /* "Name: value", e.g. "Ms-Sensitivity: private-no-diversion" */
	size_t nextra;
	unsigned timeout_ms; /* 0: UA_DEFAULT_DIAL_TIMEOUT_MS */
	/* Digest credentials for a 401/407 to the INVITE (re-sent once per challenge with
	 * the next CSeq and the same Call-ID); NULL password: the challenge ends the call. */
	const char *auth_user, *auth_password;
} ua_dial;
int ua_call_dial(ua *u, const ua_dial *d, void *call_arg, ua_call **out);

/* Media: G.711 mu-law bytes (8 kHz) queued for playing, in order; play_done when the
 * queue is empty. The bytes are copied. */
int ua_call_play(ua_call *c, const uint8_t *ulaw, size_t n);
/* The same for shared audio: the call takes its own reference (media_sound_ref) until
 * the sound has been sent or the queue is dropped; the caller keeps its own. */
int ua_call_play_sound(ua_call *c, media_sound *snd);
void ua_call_play_stop(ua_call *c);
int ua_call_record_start(ua_call *c, size_t max_samples);
/* Takes the PCM recorded so far (malloc'd, caller frees) and stops recording. Also
 * works in the `ended` callback: what was recorded until the media closed. */
int ua_call_record_take(ua_call *c, int16_t **pcm, size_t *n);
/* RFC 4733 (or INFO when use_info) digits. */
int ua_call_send_dtmf(ua_call *c, const char *digits, bool use_info);

void ua_call_set_arg(ua_call *c, void *arg);
void *ua_call_get_arg(const ua_call *c);
const net_peer *ua_call_peer(const ua_call *c);
ou_slice ua_call_id(const ua_call *c); /* Call-ID */
bool ua_call_is_incoming(const ua_call *c);
media_session *ua_call_media(ua_call *c); /* NULL before answer */
void ua_call_media_stats(const ua_call *c, media_session_stats *out);

/* ---- registration (register.c) ------------------------------------------------
 * A registration keeps one binding of an address of record alive at a registrar over
 * the ua's connection to it (the same one ua_call_dial reuses for that host, port and
 * transport), so the registrar can send calls back on the flow (RFC 5626 style): they
 * reach events.incoming like any other INVITE. 401/407 challenges are answered with
 * digest credentials; the binding is refreshed before it expires (and at least every
 * UA_REG_MAX_REFRESH_S so the connection never idles out); a lost connection or a
 * failure is retried every UA_REG_RETRY_MS. The application owns the registration:
 * ua_registration_free it before ua_free. The state callback runs from the loop. */
#define UA_DEFAULT_REG_EXPIRES 300
#define UA_REG_MAX_REFRESH_S 240
#define UA_REG_RETRY_MS 10000
#define UA_REG_TICK_MS 1000

typedef enum ua_reg_state {
	UA_REG_REGISTERED = 1, /* 200: status 200, expires granted */
	UA_REG_FAILED,         /* a final >= 300 or a local 408/503: status says which */
	UA_REG_UNREGISTERED,   /* ua_unregister's Expires: 0 was answered (or failed) */
} ua_reg_state;

typedef struct ua_registration ua_registration;

typedef void (*ua_reg_cb)(void *arg, ua_registration *g, ua_reg_state st, unsigned status,
                          const char *text, uint32_t expires_s);

typedef struct ua_reg {
	const char *aor;           /* "sip:alice@openum.test": From and To */
	const char *registrar_uri; /* Request-URI; NULL: "sip:" + the AOR's host */
	net_transport transport;   /* the registrar (normally the outbound proxy) */
	const char *host;
	uint16_t port;
	const char *tls_name; /* name to verify in its certificate (NULL: host) */
	const char *username; /* digest user; NULL: the AOR's user part */
	const char *password; /* NULL: challenges fail the registration */
	const char *realm;    /* answer only this realm's challenges; NULL: any */
	uint32_t expires_s;   /* asked for; 0: UA_DEFAULT_REG_EXPIRES */
	ua_reg_cb cb;
	void *arg;
} ua_reg;

/* Copies r, connects and sends the first REGISTER. *out only on success. */
int ua_register(ua *u, const ua_reg *r, ua_registration **out);
/* Sends Expires: 0 for our Contact and stops refreshing; UA_REG_UNREGISTERED follows. */
int ua_unregister(ua_registration *g);
/* Stops everything without sending (no callbacks after it). NULL ok. */
void ua_registration_free(ua_registration *g);
ua_reg_state ua_registration_state(const ua_registration *g); /* 0 before the first answer */

/* ---- dialogs outside calls (dlg.c): the notifier side of RFC 6665 -------------
 * A ua_dlg is a dialog a request handed to events.request created (a SUBSCRIBE),
 * with the connection it arrived on: its in-dialog requests (NOTIFY) go back on that
 * connection while it is open, else to the next hop of the route set. The
 * application owns it (ua_dlg_free, also before ua_free; ua_free frees what is left
 * without callbacks). */
typedef struct ua_dlg ua_dlg;
/* Final answer of a request sent with ua_dlg_request: status (a local 408 or 503 has
 * resp NULL); resp valid during the call only. Never runs after ua_dlg_free. */
typedef void (*ua_resp_cb)(void *arg, ua_dlg *g, unsigned status, sip_msg *resp);

/* Any response to a request handed to events.request, with extra header lines
 * ("Name: value", no CRLF) and, when contact is true, our Contact. */
int ua_dlg_respond(ua *u, void *st, unsigned status, const char *reason, const char *const *extra,
                   size_t nextra, bool contact);
/* Answers the dialog-creating request req (st, peer from events.request) with a 2xx
 * carrying Contact and the extra lines, and creates the dialog (*out). */
int ua_dlg_accept(ua *u, void *st, sip_msg *req, const net_peer *peer, unsigned status,
                  const char *const *extra, size_t nextra, ua_dlg **out);
/* The ua_dlg an in-dialog request belongs to, with its CSeq checked: NULL with
 * *status (481, or 500 for an old CSeq) to answer when none. */
ua_dlg *ua_dlg_match(ua *u, sip_msg *req, unsigned *status);
/* Sends a request in the dialog (extra lines after Contact; body with ctype). cb may
 * be NULL. */
int ua_dlg_request(ua_dlg *g, sip_method m, const char *const *extra, size_t nextra,
                   const char *ctype, ou_slice body, ua_resp_cb cb, void *arg);
void ua_dlg_set_arg(ua_dlg *g, void *arg);
void *ua_dlg_get_arg(const ua_dlg *g);
void ua_dlg_free(ua_dlg *g); /* NULL ok; pending requests are detached */

/* A request outside any dialog (an unsolicited NOTIFY) to the next hop host:port,
 * fire and forget: From gets a fresh tag, the answer is not reported. extra lines as
 * above; body with ctype. */
typedef struct ua_out_req {
	const char *method; /* "NOTIFY" */
	const char *ruri, *from, *to;
	net_transport transport;
	const char *host;
	uint16_t port;
	const char *tls_name; /* NULL: host */
	const char *const *extra;
	size_t nextra;
	const char *ctype;
	ou_slice body;
} ua_out_req;
int ua_request_out(ua *u, const ua_out_req *r);

/* ---- subscriptions (subscribe.c): the subscriber side of RFC 6665 -------------
 * Like a registration: SUBSCRIBE to a resource through the next hop (the outbound
 * proxy), digest challenges answered, the dialog refreshed before it expires, a
 * failure retried every UA_SUB_RETRY_MS. Every NOTIFY in it is answered 200 and its
 * body handed to the notify callback; a NOTIFY that terminates it, or a refresh that
 * fails, re-subscribes after UA_SUB_RETRY_MS (ua_unsubscribe stops that). The
 * application owns it: ua_subscription_free before ua_free. */
#define UA_DEFAULT_SUB_EXPIRES 3600
#define UA_SUB_RETRY_MS 10000
typedef struct ua_subscription ua_subscription;
typedef enum ua_sub_state {
	UA_SUB_ACTIVE = 1, /* 2xx to a SUBSCRIBE, or an active NOTIFY */
	UA_SUB_FAILED,     /* a final >= 300, or a local 408/503: status says which */
	UA_SUB_TERMINATED, /* a NOTIFY said terminated, or ua_unsubscribe finished */
} ua_sub_state;
typedef struct ua_sub {
	const char *resource; /* Request-URI and To: "sip:alice@openum.test" */
	const char *from;     /* From (our AOR) */
	const char *event;    /* "message-summary" */
	const char *accept;   /* Accept value, NULL: none */
	net_transport transport;
	const char *host;
	uint16_t port;
	const char *tls_name;
	const char *username, *password, *realm; /* digest (as ua_reg) */
	uint32_t expires_s;                      /* 0: UA_DEFAULT_SUB_EXPIRES */
	void (*state)(void *arg, ua_subscription *s, ua_sub_state st, unsigned status,
	              uint32_t expires_s);
	/* A NOTIFY (already answered 200): content type and body valid during the call. */
	void (*notify)(void *arg, ua_subscription *s, ou_slice ctype, ou_slice body);
	void *arg;
} ua_sub;
int ua_subscribe(ua *u, const ua_sub *cfg, ua_subscription **out);
/* SUBSCRIBE with Expires: 0; UA_SUB_TERMINATED follows when it is answered. */
int ua_unsubscribe(ua_subscription *s);
void ua_subscription_free(ua_subscription *s); /* no callbacks after it; NULL ok */

#endif
