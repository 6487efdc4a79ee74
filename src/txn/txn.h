/* txn: RFC 3261 section 17 transactions (with the RFC 6026 Accepted states) for the
 * reliable transports openum speaks, TCP and TLS. It sits between net (bytes and
 * connections) and the dialog layer (the TU), on a libuv loop for its timers.
 *
 * Contract:
 * - One txn_layer per loop; everything runs on the loop thread.
 * - The layer never calls net directly: it sends through a txn_io (txn_io_net() wires
 *   it to net_send/net_conn_ref/net_conn_unref; unit tests pass a fake). A net_conn is
 *   only passed through, never dereferenced.
 * - Ownership: the layer owns every txn. A txn pointer stays valid until its callback
 *   has received TXN_EV_TERMINATED (always the last event); the layer frees it when
 *   that callback returns. A txn with no callback is freed silently at the same point.
 *   The layer copies the bytes of every request it keeps (one malloc per txn, no
 *   sip_msg kept), and holds a conn reference (txn_io.ref) while a txn uses the conn.
 * - The TU must give every server transaction a final response (a UAS may ring for
 *   minutes, so no timer does it); txn_conn_closed() and txn_layer_free() end the
 *   ones it abandons.
 * - Callbacks run only from txn_layer_receive(), txn_conn_closed() and the loop
 *   (timers, close callbacks): never from inside a txn_* call the TU made, so a TU may
 *   call anything from a callback (except txn_layer_free). A terminated txn is only
 *   freed once the loop turns, so responding inside on_request is safe.
 * - Reliable-transport timers (17.1.1.2, 17.1.2.2, 17.2.1, 17.2.2): no retransmission
 *   timers (A, E, G); B, F, H, and RFC 6026's L and M are 64*T1; D, I, J, K are 0.
 *   Timer C (proxies, 16.6) is off unless txn_config.timer_c_ms is set.
 * - Local outcomes reach a client TU as TXN_EV_RESPONSE with msg == NULL: 408 for a
 *   timeout (Timer B, F, C, or no answer 64*T1 after a CANCEL), 503 for a transport
 *   failure (a send error or the connection closing under the transaction).
 * - Errors: 0 or a negative OPENUM_E* code.
 */
#ifndef OPENUM_TXN_H
#define OPENUM_TXN_H

#include <uv.h>

#include "../net/net.h"
#include "../sip/sip.h"

/* ---- timer values ---------------------------------------------------------- */
#define TXN_DEFAULT_T1_MS 500u     /* RFC 3261 T1, the RTT estimate */
#define TXN_TIMEOUT_T1 64u         /* B, F, H, L, M and the CANCEL wait are 64*T1 */
#define TXN_MIN_TIMER_C_MS 181000u /* 16.6: Timer C MUST be greater than 3 minutes */
#define TXN_MAGIC_COOKIE "z9hG4bK"
#define TXN_TAG_LEN 16    /* random To tags: 16 hex digits (64 bits) */
#define TXN_BRANCH_LEN 30 /* "z9hG4bK" + 23 random [0-9a-z] */

typedef struct txn_config {
	unsigned t1_ms;      /* 0 = TXN_DEFAULT_T1_MS; tests use a few ms */
	unsigned timer_c_ms; /* 0 = no Timer C (UAs); proxies: >= TXN_MIN_TIMER_C_MS */
	/* A UAS answers a matched CANCEL with 200 and the INVITE with 487 at once (9.2).
	 * A proxy sets this: it answers 200 and learns the 487 from downstream (16.10). */
	bool cancel_no_487;
} txn_config;

/* ---- sending ----------------------------------------------------------------- */
typedef struct txn_io {
	/* Queues one whole message on c; a negative OPENUM_E* code on failure. */
	int (*send)(void *arg, net_conn *c, const char *buf, size_t len);
	/* Take and drop a reference on c; both may be NULL (no counting). */
	void (*ref)(void *arg, net_conn *c);
	void (*unref)(void *arg, net_conn *c);
	void *arg;
} txn_io;

/* The production txn_io: net_send, net_conn_ref, net_conn_unref (arg unused). */
txn_io txn_io_net(void);

/* ---- transactions ------------------------------------------------------------ */
typedef struct txn txn;
typedef struct txn_layer txn_layer;

typedef enum txn_state {
	TXN_CALLING = 1, /* INVITE client, request sent, nothing heard */
	TXN_TRYING,      /* non-INVITE client or server, nothing sent or heard */
	TXN_PROCEEDING,  /* a provisional response went by */
	TXN_COMPLETED,   /* a final non-2xx (INVITE) or any final (non-INVITE) went by */
	TXN_CONFIRMED,   /* INVITE server: the ACK of its non-2xx arrived */
	TXN_ACCEPTED,    /* INVITE, RFC 6026: a 2xx went by; waits out Timer L / M */
	TXN_TERMINATED,  /* gone from matching; freed once the loop turns */
} txn_state;

typedef enum txn_event_type {
	/* client: a response, from the peer (msg set) or local (msg NULL, 408 or 503). */
	TXN_EV_RESPONSE = 1,
	/* server: a CANCEL matched this transaction and got its 200; unless
	 * cancel_no_487, the layer also sent 487 if no final response had gone yet
	 * (status is then 487, else 0). Stop working on the request. */
	TXN_EV_CANCELLED,
	/* server INVITE: Timer H fired, the ACK of the non-2xx never came (status 408). */
	TXN_EV_TIMEOUT,
	/* server: a response could not be sent or the conn closed (status 503). */
	TXN_EV_TRANSPORT_ERROR,
	/* last event of every txn: it is freed when the callback returns. */
	TXN_EV_TERMINATED,
} txn_event_type;

typedef struct txn_event {
	txn_event_type type;
	unsigned status;
	/* RESPONSE from the peer: the response, valid during the callback only (it
	 * belongs to net: sip_msg_clone() to keep it). Otherwise NULL. */
	sip_msg *msg;
} txn_event;

typedef void (*txn_cb)(void *arg, txn *t, const txn_event *ev);

/* What the layer hands to the TU (the dialog layer). msg and peer are valid only
 * during the call. */
typedef struct txn_tu {
	/* A new server transaction for a request other than ACK and CANCEL. For INVITE
	 * the 100 Trying has already gone. The TU answers with txn_respond() or
	 * txn_send_response(), now or later, and may txn_set_cb() to hear events. */
	void (*on_request)(void *arg, txn *st, sip_msg *req, net_conn *c, const net_peer *peer);
	/* An ACK that no transaction absorbs: the ACK of a 2xx (a transaction of its own,
	 * 17.1.1.3), for the dialog. */
	void (*on_ack)(void *arg, sip_msg *ack, net_conn *c, const net_peer *peer);
	/* A response matching no client transaction (e.g. a 2xx retransmitted after
	 * Timer M); may be NULL (dropped). */
	void (*on_stray_response)(void *arg, sip_msg *resp, net_conn *c, const net_peer *peer);
	void *arg;
} txn_tu;

int txn_layer_new(uv_loop_t *loop, const txn_config *cfg, const txn_io *io, const txn_tu *tu,
                  txn_layer **out);
/* Terminates every transaction without further callbacks; the loop must run until
 * their timers are closed (uv_run after txn_layer_free), as with net_free. */
void txn_layer_free(txn_layer *l);

/* Feeds a message from net (the glue calls it from net_recv_cb). Requests go
 * through sip_msg_check first: a bad one gets a stateless 400 with the reason (an
 * ACK is dropped). Returns 0, or the error of that check for the caller's logs. */
int txn_layer_receive(txn_layer *l, net_conn *c, const net_peer *peer, sip_msg *msg);

/* net closed c (the glue calls it from net_close_cb): client transactions still
 * waiting get a local 503, server transactions that owe or resent a response get
 * TXN_EV_TRANSPORT_ERROR, and all on c terminate. */
void txn_conn_closed(txn_layer *l, const net_conn *c);

/* The glue itself, shaped as net's callbacks: pass them and the txn_layer as arg
 * to net_new(). */
void txn_net_on_recv(void *layer, net_conn *c, const net_peer *peer, sip_msg *msg);
void txn_net_on_close(void *layer, net_conn *c, int err, const char *why);

/* ---- server side ------------------------------------------------------------- */
/* Builds and sends a response with no body (8.2.6); reason NULL: the default. A
 * final response completes or ends the transaction; any response after the final
 * one is OPENUM_EINVAL. A send failure returns OPENUM_EIO and TXN_EV_TRANSPORT_ERROR
 * follows from the loop. */
int txn_respond(txn *st, unsigned status, const char *reason);
/* Writes the start of a response to st's request into b (status line, Via, From,
 * To with st's tag, Call-ID, CSeq) for the TU to add headers and end with
 * sip_print_body(); then txn_send_response(). */
int txn_response_begin(txn *st, unsigned status, const char *reason, ou_buf *b);
/* Sends a whole response the TU built; its status is read from its status line. */
int txn_send_response(txn *st, const char *buf, size_t len);

/* ---- client side ------------------------------------------------------------- */
/* Starts a client transaction for a whole request in buf (copied). Its top Via must
 * carry a branch with the magic cookie (txn_new_branch), unique among running
 * client transactions (OPENUM_EDUP); ACK is refused (a 2xx ACK is the TU's to send,
 * a non-2xx ACK the transaction's). A send failure is not returned: it arrives as a
 * local 503 from the loop. cb may be NULL. */
int txn_client_start(txn_layer *l, net_conn *c, const char *buf, size_t len, txn_cb cb, void *arg,
                     txn **out);
/* Cancels an INVITE client transaction (9.1): the CANCEL goes at once if a
 * provisional response arrived, else on the first one. The INVITE's outcome still
 * arrives as TXN_EV_RESPONSE (normally 487; a local 408 if nothing final comes
 * within 64*T1). OPENUM_EINVAL for a non-INVITE or after a final response. */
int txn_cancel(txn *ct);

/* ---- accessors --------------------------------------------------------------- */
void txn_set_cb(txn *t, txn_cb cb, void *arg);
bool txn_is_server(const txn *t);
txn_state txn_get_state(const txn *t);
sip_method txn_method(const txn *t);
net_conn *txn_conn(const txn *t);
/* The bytes of the request (owned by t). */
ou_slice txn_request(const txn *t);
/* Server: the To tag of its responses (the request's, or a random one). */
ou_slice txn_to_tag(const txn *t);
ou_slice txn_branch(const txn *t);

/* ---- helpers every role needs ------------------------------------------------ */
/* A fresh branch, TXN_BRANCH_LEN chars plus NUL. */
int txn_new_branch(char out[TXN_BRANCH_LEN + 1]);
/* A fresh To/From tag, TXN_TAG_LEN hex chars plus NUL. */
int txn_new_tag(char out[TXN_TAG_LEN + 1]);

/* RFC 3261 8.2.6: the status line, every Via in order, From, To (plus ;tag=to_tag
 * when the request's To has none and to_tag is non-empty), Call-ID, CSeq, and for
 * 100 the Timestamp. Headers the request lacks are skipped, so a 400 can be built for
 * a broken request. _begin stops there; txn_build_response adds Content-Length: 0.
 * On failure b is left as it was. */
int txn_build_response_begin(sip_msg *req, unsigned status, const char *reason, ou_slice to_tag,
                             ou_buf *b);
int txn_build_response(sip_msg *req, unsigned status, const char *reason, ou_slice to_tag,
                       ou_buf *b);

#endif
