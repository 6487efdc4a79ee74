/* ua internals shared by the files of src/ua: the ua and call records, and what each
 * file offers the others. Not a public contract: only src/ua includes it. */
#ifndef OPENUM_UA_INT_H
#define OPENUM_UA_INT_H

#include "../dialog/dialog.h"
#include "../metrics/metrics.h"
#include "../txn/txn.h"
#include "ua.h"

#define UA_PEER_BUCKETS 256 /* shared peer records, keyed by connection */
#define UA_END_TEXT 96      /* reason phrase kept for a deferred `ended` */
#define UA_INFO_DTMF_MS 160 /* Duration of the INFO digits we send */
#define UA_RFC4733_DTMF_MS 100

/* One copy of a peer record shared by every call that arrived on (or went out on) the
 * same connection: a net_peer is over 4 KiB, most of it certificate identities. */
typedef struct ua_peer {
	unsigned refs;
	const net_conn *conn; /* key only, never dereferenced */
	struct ua_peer *next;
	net_peer peer;
} ua_peer;

typedef enum call_state {
	CALL_OFFERED = 1, /* incoming: INVITE presented, no final response yet */
	CALL_WAIT_ACK,    /* incoming: 2xx sent, waiting for its ACK */
	CALL_DIALING,     /* outgoing: INVITE sent, no final response yet */
	CALL_CONFIRMED,   /* media flows */
	CALL_ENDED,       /* `ended` delivered or queued; nothing more happens */
} call_state;

/* Audio queued by ua_call_play(_sound): a list of references to shared sounds, played
 * one after the other; each chunk holds one reference until it has been sent. */
typedef struct ua_chunk {
	struct ua_chunk *next;
	media_sound *snd;
} ua_chunk;

struct ua_call {
	ua *u;
	ua_call *prev, *next; /* the ua's live calls */
	void *arg;
	bool incoming;
	call_state state;
	ua_peer *peer;
	net_conn *conn; /* referenced: where the INVITE came from or went to */
	txn *inv;       /* the INVITE's transaction until it terminates */
	dialog *dlg;    /* in u->dialogs once created */
	char call_id[80];
	sip_msg *invite; /* incoming, until answered or rejected: a clone */

	/* SDP and media */
	sdp_local local;
	char local_addr[48];
	media_session *ms;
	bool have_nego;
	bool recording;
	sdp_nego nego;
	bool offer_in_2xx; /* late offer: our offer went in the 200, the answer is due in the ACK */
	uint64_t rtp_rx_count; /* packets received at the last RTP-timeout check */
	uint64_t rtp_rx_at;    /* uv_now when that count last grew */
	ua_chunk *play_head, *play_tail;
	size_t record_max;
	int16_t *rec_left; /* what was recorded when the media closed, for `ended` */
	size_t rec_left_n;

	/* outgoing */
	bool cancelling;  /* ua_call_hangup before the answer: CANCEL sent or pending */
	bool timing_out;  /* the dial timer fired: CANCEL sent or pending */
	bool timer_on;    /* `timer` was initialised (closed before the call is freed) */
	bool has_auth;    /* outgoing digest (below) */
	uv_timer_t timer; /* dial timeout (outgoing) or ACK wait (incoming) */

	/* outgoing digest (ua_dial.auth_*): the INVITE is re-sent once per challenge */
	char auth_user[128], auth_pass[128];
	unsigned auth_tries;

	uint64_t answered_at; /* uv_now of the answer, 0 before */
	bool end_queued;
	ua_end end;
	char end_text[UA_END_TEXT];
	ua_call *defer_next; /* the ua's queue of deferred `ended` callbacks */
};

struct ua {
	uv_loop_t *loop;
	ua_events ev;
	void *arg;
	char contact_host[64];
	char rtp_ip[48];
	char user_agent[96];
	unsigned t1_ms;
	unsigned rtp_timeout_ms;
	net *net;
	txn_layer *txl;
	media_clock *clock;
	dialog_table dialogs;
	ua_peer *peers[UA_PEER_BUCKETS];
	/* the first listener of each transport: Contact and Via of outgoing requests */
	char listen_ip[3][48];
	uint16_t listen_port[3];
	/* the Contact registered over each transport (register.c): responses and requests
	 * carry it, so the registrar can map in-dialog requests (the ACK of a 2xx above
	 * all) to the flow the phone registered on */
	char reg_contact[3][200];
	ua_call *calls;
	dialog_table odialogs; /* dlg.c: dialogs outside calls (their user is a ua_dlg) */
	ua_dlg *dlgs;          /* dlg.c */
	struct dlg_req *dreqs; /* dlg.c: requests in flight (freed at ua_free) */
	ua_subscription *subs; /* subscribe.c */
	ua_call *defer_head, *defer_tail; /* ended (or answered) callbacks to run */
	uv_timer_t defer;
	bool freeing;
	sdp_session sdp;      /* scratch for parsing one SDP body (about 15 KiB) */
	sip_msg *scratch_msg; /* scratch for parsing our own requests back */
	uint64_t sess_counter;
	uint16_t rtp_port_min;
};

/* ua.c */
ua_peer *ua_peer_get(ua *u, const net_conn *conn, const net_peer *p);
void ua_peer_put(ua *u, ua_peer *p);
/* "host:port" and "<sip:host:port;transport=tcp>" for requests and responses on conn
 * (local address from the listener, the connection or contact_host). */
void ua_local_hostport(ua *u, net_transport tp, const net_peer *p, char *out, size_t cap);
void ua_contact(ua *u, net_transport tp, const net_peer *p, char *out, size_t cap);
/* A Via value with a fresh branch. */
int ua_via(ua *u, net_transport tp, const net_peer *p, char *out, size_t cap);
/* Sends an in-dialog request (BYE, INFO, re-INVITE) the dialog printed into b, through
 * a client transaction on the call's connection (or one to the remote target). */
int ua_send_in_dialog(ua_call *c, ou_buf *b, txn_cb cb, void *arg);
/* Runs `ended` (or `answered`) from the loop, not inside the ua_* call that caused it. */
void ua_defer(ua_call *c);

/* dlg.c / subscribe.c */
/* Frees every ua_dlg and ua_subscription left (ua_free, before the txn layer goes),
 * and ua_dlg_free_reqs what the txn layer no longer reports (after it). */
void ua_dlg_free_reqs(ua *u);
void ua_dlg_free_all(ua *u);
void ua_sub_free_all(ua *u);
/* A NOTIFY for one of our subscriptions: answered and handled, true; else false. */
bool ua_sub_notify(ua *u, txn *st, sip_msg *req);
/* The next hop of a URI (Route or target): transport from sips/;transport, host, port. */
int ua_uri_hop(ou_slice uri, net_transport def, net_transport *tp, char *host, size_t cap,
               uint16_t *port);

/* call.c */
ua_call *call_new(ua *u, bool incoming);
/* The call is confirmed: starts the RTP-timeout watch when the ua has one. */
void call_rtp_watch_start(ua_call *c);
/* Ends the call: media closed, dialog dropped, transactions detached, then `ended`
 * now (from the loop: now == true) or deferred. Idempotent. */
void call_end(ua_call *c, ua_end_reason reason, unsigned status, const char *text, bool now);
/* Called after `ended` ran: unlinks and frees (after the timer closes). */
void call_release(ua_call *c);
void call_timer_start(ua_call *c, uint64_t ms, uv_timer_cb cb);
void call_timer_stop(ua_call *c);
void call_play_done(media_session *s, void *arg); /* media_done_cb */
/* The media is up: queued audio starts, a recording asked for earlier begins. */
void call_play_start(ua_call *c);

/* call_in.c */
void call_in_invite(ua *u, txn *st, sip_msg *req, net_conn *conn, const net_peer *peer);
void call_in_request(ua *u, txn *st, sip_msg *req, const net_peer *peer);
void call_in_ack(ua *u, sip_msg *ack);
int call_in_hangup(ua_call *c);

/* call_out.c */
int call_out_hangup(ua_call *c);
int call_send_bye(ua_call *c);

/* cred.c: digest for our requests. ua_auth_pick copies the first Digest challenge
 * of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) we can answer (realm: only
 * that realm's, NULL any); ua_auth_line appends the matching Authorization or
 * Proxy-Authorization header line for method and uri to b; ua_auth_stale: the
 * challenge says stale=true (our nonce expired, the password was not refused). */
int ua_auth_pick(sip_msg *resp, const char *realm, char *out, size_t cap, bool *proxy);
int ua_auth_line(const char *chal_value, bool proxy, const char *user, const char *password,
                 const char *realm, ou_slice method, ou_slice uri, uint32_t nc, ou_buf *b,
                 const char **why);
bool ua_auth_stale(const char *chal_value);

#define UA_OOD_STR 256   /* a URI of a registration or subscription */
#define UA_CHAL_MAX 1024 /* a challenge we keep */

/* The credentials of a registration or subscription and the last challenge, answered
 * again with nc+1 on every refresh so that refreshes need no extra round trip. Plain
 * data inside its owner (no allocation). */
typedef struct ua_cred {
	char user[128], pass[128], realm[128];
	bool have_pass, have_realm; /* no password: challenges are not answered */
	bool chal_proxy;            /* chal came in a 407 (Proxy-Authenticate) */
	uint32_t nc;
	unsigned challenges;    /* answered since the last success (the owner resets it) */
	char chal[UA_CHAL_MAX]; /* "" when none */
} ua_cred;

/* user is required; password and realm may be NULL. */
void ua_cred_init(ua_cred *cr, const char *user, const char *password, const char *realm);
/* Keeps the challenge of a 401/407 to answer on the next request: 0 when taken,
 * OPENUM_ENOTFOUND when it has none we can answer, OPENUM_EINVAL when the password was
 * refused (a second challenge that is not stale, or more than max). */
int ua_cred_take(ua_cred *cr, sip_msg *resp, unsigned max);

/* An out-of-dialog request (REGISTER, the first SUBSCRIBE); the strings are the
 * owner's and are only read. */
typedef struct ua_ood {
	const char *method, *ruri, *from, *from_tag, *to, *call_id;
	uint32_t cseq;
} ua_ood;
/* Prints its request line, Via, Max-Forwards, From, To, Call-ID and CSeq into b; the
 * caller adds its own headers, then ua_ood_send adds User-Agent, the answer to cr's
 * challenge (nc+1; left out if it cannot be built), an empty body, and starts a client
 * transaction on conn. b stays the caller's to free. */
int ua_ood_start(ou_buf *b, const ua_ood *r, const char *via);
int ua_ood_send(ua *u, ou_buf *b, const ua_ood *r, ua_cred *cr, net_conn *conn, txn_cb cb,
                void *arg, txn **t);

/* call_media.c */
void call_media_local(ua_call *c); /* fills c->local (address, session id) */
int call_media_open(ua_call *c, const char **why);
/* Applies a negotiated stream: codec, payload types, remote address. */
int call_media_apply(ua_call *c, const sdp_nego *n);
void call_media_close(ua_call *c);
/* Reads a body as SDP into u->sdp; EBADMSG with why, ENOTFOUND when there is none. */
int call_sdp_parse(ua_call *c, sip_msg *m, const char **why);

#endif
