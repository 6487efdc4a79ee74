/* txn internals shared by the files of src/txn: the transaction record, the layer,
 * the matching tables, and the steps each role file exports to layer.c.
 * Not a public contract: only src/txn includes it. */
#ifndef OPENUM_TXN_INT_H
#define OPENUM_TXN_INT_H

#include "../metrics/metrics.h"
#include "txn.h"

/* What the one timer of a transaction is running for. */
typedef enum txn_timer {
	TXN_T_NONE = 0,
	TXN_T_B,      /* INVITE client: no answer in Calling */
	TXN_T_C,      /* INVITE client (proxy): no final in Proceeding */
	TXN_T_CANCEL, /* INVITE client: CANCEL sent, no final yet */
	TXN_T_F,      /* non-INVITE client: no final */
	TXN_T_H,      /* INVITE server: no ACK for the non-2xx */
	TXN_T_L,      /* INVITE server: Accepted */
	TXN_T_M,      /* INVITE client: Accepted */
	TXN_T_DEFER,  /* deliver a local outcome from the loop, then terminate */
} txn_timer;

/* The matching key (17.1.3, 17.2.3): slices into the transaction's copy of its
 * request, or into a received message while looking up. */
typedef struct txn_key {
	bool rfc3261; /* the branch starts with the magic cookie */
	ou_slice branch;
	ou_slice sent_host;
	uint16_t sent_port;
	sip_method method; /* CSeq method (equals the request method) */
	ou_slice method_s;
	/* RFC 2543 fallback */
	ou_slice ruri, from_tag, to_tag, call_id, top_via;
	uint32_t cseq;
	uint32_t hash;
} txn_key;

struct txn {
	txn_layer *l;
	txn *hnext;       /* hash chain */
	txn *next, *prev; /* every txn of the layer, until freed */
	bool server;
	bool in_table;
	bool closing; /* uv_close called */
	txn_state state;
	net_conn *conn;
	txn_cb cb;
	void *arg;

	uv_timer_t timer;
	txn_timer tk;
	txn_event deferred; /* for TXN_T_DEFER */

	char *req; /* copy of the request, in the txn's own allocation; key slices point into it */
	size_t req_len;
	txn_key key;

	/* server */
	char to_tag[TXN_TAG_LEN + 1]; /* only when the request had none */
	ou_slice resp_tag;            /* the tag our responses carry */
	char *last;                   /* last response sent, for retransmitted requests */
	size_t last_len, last_cap;
	unsigned last_status;

	/* client */
	bool provisional;    /* a 1xx arrived */
	bool cancel_pending; /* txn_cancel before any 1xx */
	bool cancel_sent;
};

typedef struct txn_table {
	txn **b;
	size_t nb; /* power of two */
	size_t n;
} txn_table;

struct txn_layer {
	uv_loop_t *loop;
	txn_config cfg;
	txn_io io;
	txn_tu tu;
	txn_table server, client;
	txn *all; /* every txn not yet freed */
	size_t ntxn;
	bool closing;
	sip_msg scratch; /* re-parses a stored request when building from it */
	ou_buf out;      /* builds outgoing messages */
};

/* table.c */
int txn_table_init(txn_table *t);
void txn_table_free(txn_table *t);
int txn_table_add(txn_table *t, txn *x);
void txn_table_del(txn_table *t, txn *x);
/* Fills k from m (a request or response); slices point into m's buffer. */
int txn_key_from_msg(sip_msg *m, txn_key *k);
/* Moves k's slices from m's buffer to copy, which holds the same bytes. */
void txn_key_rebase(txn_key *k, const sip_msg *m, const char *copy);

typedef enum txn_match_kind {
	TXN_MATCH_SAME,   /* a retransmission of the request (same method) */
	TXN_MATCH_ACK,    /* an ACK: the INVITE it acknowledges */
	TXN_MATCH_CANCEL, /* a CANCEL: the transaction it cancels (any method but CANCEL) */
} txn_match_kind;
txn *txn_match_server(txn_layer *l, const txn_key *k, txn_match_kind kind);
txn *txn_match_client(txn_layer *l, const txn_key *k);

/* layer.c */
txn *txn_alloc(txn_layer *l, bool server, net_conn *c, sip_msg *m, const txn_key *k);
void txn_terminate(txn *t);
/* Terminated, or failed with its outcome waiting for the loop. */
bool txn_dead(const txn *t);
void txn_timer_start(txn *t, txn_timer tk, uint64_t ms);
void txn_timer_stop(txn *t);
/* Delivers ev from the loop, then terminates t. */
void txn_defer(txn *t, txn_event_type type, unsigned status);
void txn_emit(txn *t, txn_event_type type, unsigned status, sip_msg *msg);
int txn_send(txn *t, const char *buf, size_t len);
uint64_t txn_timeout_ms(const txn_layer *l); /* 64*T1 */
/* Re-parses t's request into l->scratch. */
int txn_reparse(txn *t, sip_msg **out);
int txn_send_stateless(txn_layer *l, net_conn *c, sip_msg *req, unsigned status,
                       const char *reason);

/* server.c */
void txn_server_request(txn_layer *l, net_conn *c, const net_peer *peer, sip_msg *m,
                        const txn_key *k);
void txn_server_ack(txn_layer *l, net_conn *c, const net_peer *peer, sip_msg *m, const txn_key *k);
void txn_server_timer(txn *t, txn_timer tk);
int txn_server_send(txn *st, unsigned status, const char *buf, size_t len);
/* Text of a response's status line: its code, or 0. */
unsigned txn_status_of(const char *buf, size_t len);

/* cancel.c */
void txn_server_cancel(txn_layer *l, net_conn *c, sip_msg *m, const txn_key *k);
/* Sends the CANCEL of an INVITE client transaction in Proceeding. */
int txn_cancel_send(txn *ict);

/* client.c */
void txn_client_response(txn *ct, sip_msg *m);
void txn_client_timer(txn *t, txn_timer tk);

/* build.c */
int txn_build_ack_or_cancel(sip_msg *req, sip_method method, sip_msg *resp, ou_buf *b);

#endif
