/* net: SIP over TCP and TLS on a libuv loop. Listeners, outgoing connections with
 * reuse, stream framing (sip_frame), RFC 5626 keep-alive pongs, limits, and the peer
 * record that says who sent a message and whether that peer is trusted.
 *
 * Signalling is TCP and TLS only (MS-OCEXUM 2.1): there is no UDP listener.
 *
 * Contract:
 * - One `net` per loop; everything runs on the loop thread.
 * - A received message reaches net_recv_cb already parsed (sip_msg_parse succeeded;
 *   sip_msg_check has NOT been run: the receiver decides what to answer). The sip_msg
 *   and its bytes belong to net and are valid only during the callback: keep a copy
 *   with sip_msg_clone(). A message that fails sip_msg_parse is answered by net itself
 *   with 400 and the reason (when it is a request), or dropped (a response).
 * - `trusted` in net_peer is set by net and nothing else: TLS, the peer certificate
 *   verified against the configured CA, and one of its identities (SAN DNS names, SAN
 *   URIs, subject CN) on the configured trusted_peers list. Plain TCP is never trusted.
 * - net_conn is reference counted: net holds one reference while the connection is
 *   open; whoever keeps a conn past the callback takes net_conn_ref() and drops it
 *   with net_conn_unref(). A closed conn stays valid (net_conn_is_open() false) until
 *   the last reference goes; sends on it fail with OPENUM_EIO.
 * - Writes are coalesced: what net_send queues on one connection during one loop turn
 *   goes to the kernel as one write (one TLS record) when the turn ends (or at once
 *   when 16 KiB are queued), in order. A write that fails then closes the connection
 *   and is reported through net_close_cb, as a failed immediate write was. net_free
 *   writes what is still batched before it closes the connections.
 * - Errors: 0 or a negative OPENUM_E* code.
 */
#ifndef OPENUM_NET_H
#define OPENUM_NET_H

#include <uv.h>

#include "../sip/sip.h"

/* ---- limits and defaults (each overridable through net_config) ------------- */
#define NET_DEFAULT_TCP_PORT 5060
#define NET_DEFAULT_TLS_PORT 5061
#define NET_DEFAULT_MAX_CONNS 4096
#define NET_DEFAULT_MAX_MSG SIP_MAX_MSG        /* over it: 513 if possible, then close */
#define NET_DEFAULT_HEADER_TIMEOUT_MS 10000    /* a started message must be complete by then */
#define NET_DEFAULT_IDLE_TIMEOUT_MS 600000     /* no bytes in either direction: close */
#define NET_DEFAULT_HANDSHAKE_TIMEOUT_MS 10000 /* TLS handshake must finish by then */
#define NET_DEFAULT_MAX_WRITE_QUEUE (1u << 20) /* bytes queued to a peer that does not read */
#define NET_MAX_IDENTITIES 16
#define NET_MAX_IDENTITY 256

typedef enum net_transport {
	NET_TCP = 1,
	NET_TLS = 2,
} net_transport;

const char *net_transport_name(net_transport tp); /* "TCP", "TLS" (as in Via) */

/* Who sent a message. Filled by net only. */
typedef struct net_peer {
	net_transport transport;
	char remote_ip[48]; /* textual address, IPv6 without brackets */
	uint16_t remote_port;
	char local_ip[48]; /* the listener's (or our outgoing socket's) address */
	uint16_t local_port;
	bool outgoing;      /* we opened this connection */
	bool tls_verified;  /* TLS and the peer's certificate chain verified */
	unsigned nidentity; /* certificate identities: "dns:NAME", "uri:URI", "cn:NAME" */
	char identity[NET_MAX_IDENTITIES][NET_MAX_IDENTITY];
	bool trusted; /* TLS + verified + an identity on trusted_peers */
} net_peer;

typedef struct net_config {
	/* limits; 0 means the NET_DEFAULT_* value */
	unsigned max_conns;
	size_t max_msg;
	unsigned header_timeout_ms;
	unsigned idle_timeout_ms;
	unsigned handshake_timeout_ms;
	size_t max_write_queue;
	/* TLS (needed for NET_TLS listeners and for presenting a client certificate) */
	const char *cert_file; /* PEM certificate (chain) */
	const char *key_file;  /* PEM private key */
	const char *ca_file;   /* PEM CA bundle: verifies client and server certificates */
	/* Identities whose verified certificates make a peer trusted, each written as
	 * the peer record writes it ("dns:proxy.example.com", "uri:sip:proxy.example.com",
	 * "cn:proxy.example.com"), or a bare name, which matches dns: and cn:. */
	const char *const *trusted_peers;
	size_t ntrusted;
} net_config;

typedef struct net net;
typedef struct net_conn net_conn;

/* A message arrived on conn. See the contract above for lifetimes. */
typedef void (*net_recv_cb)(void *arg, net_conn *conn, const net_peer *peer, sip_msg *msg);
/* conn closed (by the peer, a limit, an error, or us). err is 0 for an orderly
 * close, else a negative OPENUM_E* code (OPENUM_ETOOBIG: a limit or timeout was hit,
 * OPENUM_EBADMSG: bad framing, OPENUM_EIO: socket or TLS failure); `why` is a short
 * static English reason. It runs from the loop once the socket is closed, never inside
 * a net_* call, and not at all for connections closed by net_free. */
typedef void (*net_close_cb)(void *arg, net_conn *conn, int err, const char *why);

/* net_new ignores SIGPIPE (when no handler is installed) so that a write to a reset
 * connection fails with an error instead of ending the process. */
int net_new(uv_loop_t *loop, const net_config *cfg, net_recv_cb on_recv, net_close_cb on_close,
            void *arg, net **out);
/* Closes every listener and connection; the loop must run until they are closed
 * before the loop itself is closed (uv_run after net_free). */
void net_free(net *n);

/* Listens on ip ("0.0.0.0", "::", "127.0.0.1", ...) and port (0 = any free port).
 * *bound_port (may be NULL) receives the port actually bound. */
int net_listen(net *n, net_transport tp, const char *ip, uint16_t port, uint16_t *bound_port);
/* The last net_listen on n that failed, for the operator: "TCP 127.0.0.1:5060:
 * address already in use" (owned by n, valid until its next net_listen), or NULL
 * when the last one succeeded. */
const char *net_listen_error(const net *n);
/* The start-up line for a failed net_listen: "cannot listen on " + net_listen_error(n),
 * copied into a static buffer so that it outlives n (the caller usually frees n before
 * it reports). For start-up only: the next call overwrites it; not thread-safe. */
const char *net_listen_why(const net *n);

/* Loads cfg's TLS files (cert_file, key_file, ca_file) the way net_new and
 * net_reload will, without keeping them: 0, or OPENUM_EINVAL with *which set to the
 * file at fault ("cert", "key", "ca"; NULL when it is the pair) and *why to the
 * reason ("No such file or directory", "no start line", "the key does not match the
 * certificate"; valid until the next call on this thread). Start-up and SIGHUP call
 * it first so that the error names the file. */
int net_tls_check(const net_config *cfg, const char **which, const char **why);

/* Returns a connection to host:port over tp: an open one to the same address and
 * transport is reused; otherwise a new one is started and sends are queued until it
 * is up. For TLS the server certificate is verified against ca_file and tls_name
 * (NULL: host). The caller gets a reference (net_conn_unref when done). */
int net_connect(net *n, net_transport tp, const char *host, uint16_t port, const char *tls_name,
                net_conn **out);

/* Queues bytes (one whole SIP message) on conn, copied: buf may be reused at once.
 * They reach the socket at the end of the loop turn. OPENUM_EIO if conn is closed;
 * OPENUM_ETOOBIG if the write queue limit would be passed (the conn is then closed). */
int net_send(net_conn *c, const char *buf, size_t len);

const net_peer *net_conn_peer(const net_conn *c);
bool net_conn_is_open(const net_conn *c);
void net_conn_close(net_conn *c);
net_conn *net_conn_ref(net_conn *c);
void net_conn_unref(net_conn *c);

/* SIGHUP: takes cfg's TLS files (cert_file, key_file, ca_file) and trusted_peers
 * (the other fields are ignored) while listeners and connections stay open. New TLS
 * handshakes use the new files; the allow-list is applied again to every open
 * connection's peer. 0, or an error with *why (a file does not load, a TLS listener
 * would lose its certificate) and nothing changed. */
int net_reload(net *n, const net_config *cfg, const char **why);

/* Counters for tests and /metrics. */
typedef struct net_stats {
	unsigned conns_open;
	unsigned long conns_accepted, conns_refused, msgs_in, msgs_out, bad_msgs, pings;
} net_stats;
void net_get_stats(const net *n, net_stats *out);

/* ---- a local PKI for tests, the demo and operators without one (net/certs.c) -- */
#define NET_CERTS_DEFAULT_DAYS 365
#define NET_CERTS_DEFAULT_CLIENT "proxy.openum.test"

typedef struct net_certs_opts {
	/* server.pem SAN DNS names besides "localhost" (IP 127.0.0.1 and ::1 always) */
	const char *const *server_names;
	size_t nserver_names;
	/* server.pem subject CN (a DNS name or IP address); NULL: the first server name,
	 * else "localhost". Peers that know the UM server by CN (Kamailio's
	 * $tls_peer_subject_cn) need it set; TLS name checks use the SAN only. */
	const char *server_cn;
	/* client.pem SAN DNS names; none: NET_CERTS_DEFAULT_CLIENT */
	const char *const *client_names;
	size_t nclient_names;
	unsigned days; /* validity; 0: NET_CERTS_DEFAULT_DAYS */
	bool force;    /* overwrite existing files */
	/* Sign with ca_dir/ca.pem and ca_dir/ca.key instead of making a new CA in dir
	 * (then dir gets no ca.pem/ca.key). NULL: make a new CA. */
	const char *ca_dir;
} net_certs_opts;

/* Writes into dir (created, mode 0700, if missing): ca.pem ca.key, server.pem
 * server.key, client.pem client.key. EC P-256 keys (files mode 0600), X509 v3 with
 * SAN, basicConstraints, keyUsage and extKeyUsage. Refuses (OPENUM_EDUP) to
 * overwrite any existing file unless o->force; nothing is written then. o may be
 * NULL. On failure err (may be NULL) gets a one-line English message naming the file. */
int net_certs_make(const char *dir, const net_certs_opts *o, char *err, size_t errlen);

#endif
