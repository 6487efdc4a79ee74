/* net internals shared by the files of src/net: the net and net_conn structures and
 * the functions one file offers another. Not part of the public contract (net.h);
 * nothing outside src/net includes it. */
#ifndef OPENUM_NET_INT_H
#define OPENUM_NET_INT_H

#include <openssl/ssl.h>

#include "../metrics/metrics.h"
#include "net.h"

/* After we decide to close (a 400/513 sent, net_conn_close), how long we keep
 * draining the peer's bytes so that closing does not reset the connection before the
 * peer has read our last response (a "lingering close", as web servers do). */
#define NET_LINGER_MS 2000
#define NET_READ_CHUNK 65536
/* A stream buffer that grew for a big message is given back once it is empty. */
#define NET_KEEP_INBUF 8192
/* A write batch this large goes out at once: one full TLS record of plaintext. */
#define NET_BATCH_MAX 16384

typedef enum conn_state {
	CONN_RESOLVING = 1, /* outgoing: waiting for the name lookup */
	CONN_CONNECTING,    /* outgoing: TCP connect in progress */
	CONN_HANDSHAKE,     /* TLS handshake in progress */
	CONN_OPEN,
	CONN_CLOSING, /* flushing our last bytes, draining the peer's, then close */
	CONN_CLOSED,  /* handles closing or closed */
} conn_state;

typedef enum conn_deadline {
	DEADLINE_NONE = 0,
	DEADLINE_HANDSHAKE, /* connect and TLS handshake */
	DEADLINE_HEADER,    /* a started message must be complete */
	DEADLINE_LINGER,
} conn_deadline;

typedef struct net_listener {
	uv_tcp_t tcp;
	struct net *n;
	net_transport tp;
	char ip[48];
	uint16_t port;
	struct net_listener *next;
} net_listener;

struct net_conn {
	struct net *n;
	unsigned refs;
	conn_state state;
	net_transport tp;
	unsigned handles; /* of tcp, deadline, idle: still open */
	uv_tcp_t tcp;
	uv_timer_t deadline;
	uv_timer_t idle;
	conn_deadline deadline_kind;
	uint64_t last_active; /* uv_now() of the last byte in or out */

	net_peer peer;
	sip_framer framer;
	ou_buf in;      /* plaintext received, not yet framed */
	ou_buf pending; /* plaintext queued before the connection is up */
	ou_buf out;     /* plaintext sent during this loop turn, not yet written (batch.c) */
	bool batched;   /* on the net's batch list (which holds a reference) */
	struct net_conn *batch_next;
	size_t queued; /* bytes accepted by net_send that the kernel has not taken */
	uv_shutdown_t shutdown_req;
	uv_connect_t connect_req;
	bool silent; /* never handed out (net_connect failed): no close callback */

	SSL *ssl;
	bool tls_done;
	bool verify_failed; /* the verify callback saw an error (we went on regardless) */

	/* outgoing: what net_connect was asked, for reuse */
	char host[256];
	char tls_name[256];
	uint16_t port;

	int close_err;
	const char *close_why;
	struct net_conn *prev, *next;
};

struct net {
	uv_loop_t *loop;
	net_config cfg; /* defaults filled in; strings owned below */
	char **trusted; /* copies of cfg.trusted_peers */
	char *cert_file, *key_file, *ca_file;
	net_recv_cb on_recv;
	net_close_cb on_close;
	void *arg;

	SSL_CTX *tls_server; /* NULL without cert_file/key_file */
	SSL_CTX *tls_client;

	net_listener *listeners;
	net_conn *conns;
	unsigned nconns;
	net_conn *batch; /* connections with a write batch to flush at the end of the turn */
	uv_check_t flush_check;
	uv_prepare_t flush_prepare;
	unsigned active; /* open handles and requests still to call back */
	bool freeing;
	char listen_err[160]; /* net_listen_error(): the last net_listen's failure, or "" */
	net_stats stats;

	sip_msg msg;               /* the message being delivered */
	char rbuf[NET_READ_CHUNK]; /* every read lands here first */
};

/* net.c */
void net_handle_done(struct net *n); /* one handle or request finished closing */

/* conn.c */
net_conn *conn_new(struct net *n, net_transport tp, bool outgoing);
int conn_start(net_conn *c);  /* the socket is connected: TLS or reading begins */
void conn_ready(net_conn *c); /* TCP connected or TLS handshake done: state OPEN */
/* Closes at once: pending writes are dropped. */
void conn_close_now(net_conn *c, int err, const char *why);
/* Sends what is queued, stops delivering, drains the peer, then closes. */
void conn_close_soft(net_conn *c, int err, const char *why);
int conn_write_wire(net_conn *c, const char *p, size_t len); /* bytes to the socket */
void conn_touch(net_conn *c);
void conn_fill_addrs(net_conn *c);
/* Plaintext read from c: frames and delivers every whole message. data may be the
 * net's shared read buffer: only an incomplete tail is copied into c->in. */
void conn_input(net_conn *c, const char *data, size_t len);

/* batch.c */
void batch_start(struct net *n); /* the loop hooks that flush (net_new) */
void batch_stop(struct net *n);  /* flushes every batch and closes the hooks (net_free) */
/* Queues plaintext on an open conn; a batch of NET_BATCH_MAX goes out at once. */
int batch_add(net_conn *c, const char *p, size_t len);
int batch_flush(net_conn *c); /* c's batch to the socket (or TLS) now */
void batch_flush_all(struct net *n);
void batch_drop(net_conn *c); /* a closed conn's batch is discarded */

/* limits.c */
void limits_start(net_conn *c); /* idle timer, handshake deadline */
void limits_deadline(net_conn *c, conn_deadline kind, unsigned ms);
void limits_deadline_stop(net_conn *c);
/* After the framer ran: a partial message arms the header-read timeout. */
void limits_after_read(net_conn *c, bool consumed_frame);

/* tls.c */
int tls_ctx_new(struct net *n);
int tls_client_ctx(struct net *n); /* made on first use when no file asks for it */
int tls_conn_new(net_conn *c, bool server, const char *verify_name);
/* Feeds ciphertext (p may be n->rbuf: it is copied into the read BIO first); the
 * plaintext is decrypted into n->rbuf and handed to conn_input. 0, 1 when the peer
 * sent close_notify, or an error with *why set. */
int tls_feed(net_conn *c, const char *p, size_t len, const char **why);
int tls_start(net_conn *c, const char **why); /* client: send the ClientHello */
int tls_write(net_conn *c, const char *p, size_t len);
void tls_shutdown(net_conn *c); /* queue close_notify */
int tls_flush(net_conn *c);

/* peer.c */
void peer_addr_text(const struct sockaddr *sa, char *ip, size_t cap, uint16_t *port);
void peer_from_cert(net_peer *p, X509 *cert);
void peer_trust(net_peer *p, const struct net *n);

/* reply.c */
/* Answers the bytes of a request that will not be delivered: status and reason,
 * echoing Via, From, To, Call-ID, CSeq found in buf[0..len). Does nothing for bytes
 * that start like a response. */
void reply_error(net_conn *c, unsigned status, const char *reason, const char *buf, size_t len);
bool reply_looks_like_response(const char *buf, size_t len);
bool reply_has_request_line(const char *buf, size_t len);

#endif
