/* proxy: the MS-OCEXUM protocol server (`openum proxy`). A registrar with digest
 * authentication, a stateful RFC 3261 section 16 proxy on txn, call forwarding and
 * voicemail routing (MS-EUMR), Ms-Sensitivity enforcement (DESIGN.md rule 2) and
 * skip-pin gatekeeping (rule 4).
 *
 * Contract:
 * - The decisions are pure functions, tested as matrices: proxy_fwd_decide (what to
 *   do with a call to a user: fork, forward, voicemail, reject) and
 *   proxy_gatekeep_decide (whether Ms-Exchange-Command may reach the UM server).
 *   Nothing else decides those two things.
 * - proxy_loc is the location service: bindings per address of record with the flow
 *   (connection) they registered on; proxy_loc_register applies one REGISTER to it
 *   and says what to answer. It does no I/O; the proxy persists its changes.
 * - proxy_new runs the server on a libuv loop: everything on the loop thread; the
 *   store is reached only from libuv's thread pool.
 * - Errors: 0 or a negative OPENUM_E* code; `why` (may be NULL) gets a static reason.
 */
#ifndef OPENUM_PROXY_H
#define OPENUM_PROXY_H

#include <uv.h>

#include "../auth/auth.h"
#include "../net/net.h"
#include "../sip/sip.h"
#include "../store/store.h"

/* ---- limits and defaults ---------------------------------------------------------- */
#define PROXY_DEFAULT_MIN_EXPIRES 60    /* shorter: 423 Interval Too Brief */
#define PROXY_DEFAULT_MAX_EXPIRES 3600  /* longer requests are cut to this */
#define PROXY_DEFAULT_EXPIRES 3600      /* REGISTER without Expires */
#define PROXY_DEFAULT_RING_TIMEOUT_S 60 /* no final answer by then: 408 to the caller */
#define PROXY_MAX_BINDINGS_PER_AOR 10
#define PROXY_MAX_BRANCHES 16 /* forked branches of one request */
#define PROXY_MAX_UM_SERVERS 8
#define PROXY_MAX_ROUTES 16                /* Route entries of one request */
#define PROXY_USER_REFRESH_MS 5000         /* users are re-read from the store this often */
#define PROXY_MAX_FORWARDS 70              /* Max-Forwards set when a request has none */
#define PROXY_AOR_MAX (STORE_ADDR_MAX - 4) /* "sip:" + it fits a store address */

/* ---- forwarding decision (forward.c) ------------------------------------------------ */
typedef struct proxy_fwd_settings {
	bool fwd_immediate;      /* the user forwards every call to a target */
	uint32_t vm_no_answer_s; /* voicemail after this much ringing; 0 off */
	bool vm_busy;
	bool vm_unregistered;
	bool have_voicemail; /* a UM server is configured */
} proxy_fwd_settings;

typedef enum proxy_fwd_event {
	PROXY_FWD_NEW = 1,      /* the call arrives */
	PROXY_FWD_NO_ANSWER,    /* the no-answer timer fired, or every contact said 408/480 (or was
	                           unreachable) */
	PROXY_FWD_BUSY,         /* every contact answered, the best answer is 486 or 600 */
	PROXY_FWD_RING_TIMEOUT, /* the proxy's ring timeout: give up */
} proxy_fwd_event;

typedef enum proxy_fwd_action {
	PROXY_ACT_FORK = 1,  /* ring the user's registered contacts */
	PROXY_ACT_FORWARD,   /* send to the user's immediate forwarding target */
	PROXY_ACT_VOICEMAIL, /* send to the user's voicemail on the UM server */
	PROXY_ACT_REJECT,    /* answer the caller: `status`, or the best response so far */
} proxy_fwd_action;

typedef struct proxy_fwd_decision {
	proxy_fwd_action action;
	const char *reason;    /* Diversion reason for FORWARD/VOICEMAIL ("no-answer", ...) */
	unsigned status;       /* REJECT: 480 or 408 when no response was received */
	uint32_t no_answer_ms; /* FORK: divert after this long; 0: only the ring timeout */
} proxy_fwd_decision;

/* What to do with a call to a local user. sens comes from sip_msg_sensitivity: the
 * -no-diversion values forbid FORWARD and VOICEMAIL of any kind (MS-SIPRE); the user's
 * own contacts are still forked to. registered: the user has live bindings. */
void proxy_fwd_decide(const proxy_fwd_settings *s, sip_sens sens, bool registered,
                      proxy_fwd_event ev, proxy_fwd_decision *out);
const char *proxy_fwd_action_name(proxy_fwd_action a);

/* ---- skip-pin gatekeeping (gatekeep.c) -------------------------------------------- */
typedef struct proxy_gk_input {
	bool authenticated;      /* the proxy checked a digest for this request */
	const char *auth_aor;    /* "user@host" the digest proved; NULL when none */
	const char *from_aor;    /* "user@host" of From */
	const char *mailbox_aor; /* "user@host" of the voicemail Request-URI; NULL when the
	                          * request does not go to voicemail */
	bool trusted_peer;       /* net_peer.trusted of the sender */
	bool over_tls;           /* the request reached us over TLS */
} proxy_gk_input;

typedef enum proxy_gk_verdict {
	PROXY_GK_FORWARD = 1, /* Ms-Exchange-Command goes on to the UM server */
	PROXY_GK_STRIP,       /* every Ms-Exchange-Command header is removed (and logged) */
} proxy_gk_verdict;

/* Forward only when the sender authenticated by digest as the owner of the mailbox it
 * calls (authenticated, auth_aor == from_aor == mailbox_aor) and the request came over
 * TLS: MS-OCEXUM 3.1 has clients send skip-pin only over TLS, and digest qop=auth does
 * not protect headers, so over plain TCP anyone on the path could add it to the owner's
 * authenticated INVITE. A trusted TLS peer is not a digest-authenticated owner:
 * stripped. `why` gets the reason for a strip. */
proxy_gk_verdict proxy_gatekeep_decide(const proxy_gk_input *in, const char **why);

/* "user@host" of a SIP URI: user as written, host lower case, no port or parameters.
 * OPENUM_EINVAL for a URI without user or host, OPENUM_ETOOBIG when it does not fit. */
int proxy_aor_from_uri(const sip_uri *u, char out[PROXY_AOR_MAX]);
/* True when the Request-URI names a voicemail: ;opaque=app:voicemail (MS-EUMR). */
bool proxy_uri_is_voicemail(const sip_uri *u);

/* ---- best response (best.c) -------------------------------------------------------- */
/* RFC 3261 16.7 step 6 among final answers of a fork that got no 2xx: smaller rank is
 * better. 6xx first; then by class 3xx, 4xx, 5xx; inside 4xx 401/407 (challenges),
 * then 415/420/484, then the rest; inside 5xx every other 5xx before 503. */
unsigned proxy_best_rank(unsigned status);
/* True when status should replace best (best 0: nothing yet). Ties keep the first. */
bool proxy_best_better(unsigned status, unsigned best);
/* The status the chosen answer is sent upstream with: 503 becomes 500 (step 6). */
unsigned proxy_best_upstream(unsigned status);
/* True when the chosen answer carries every branch's WWW-/Proxy-Authenticate (step 7). */
bool proxy_best_merges_challenges(unsigned status);

/* ---- location service (location.c) ------------------------------------------------ */
typedef struct proxy_binding {
	store_binding rec;
	net_conn *flow; /* the connection it registered on (a reference), NULL after restart */
} proxy_binding;

typedef struct proxy_loc proxy_loc;

/* Called for every change so the owner can persist it; rec is valid during the call.
 * removed: the binding (rec->aor, rec->contact) is gone. */
typedef void (*proxy_loc_change_cb)(void *arg, const store_binding *rec, bool removed);
/* Takes (ref) and drops (unref) references on flows; may be NULL (tests). */
typedef struct proxy_loc_ops {
	proxy_loc_change_cb change;
	net_conn *(*ref)(net_conn *c);
	void (*unref)(net_conn *c);
	void *arg;
} proxy_loc_ops;

int proxy_loc_new(const proxy_loc_ops *ops, proxy_loc **out);
void proxy_loc_free(proxy_loc *l);
/* Adds a binding loaded from the store (no change callback, no flow). */
int proxy_loc_load(proxy_loc *l, const store_binding *rec);
/* The live bindings of aor ("sip:user@host" normalised) at now_ms, q descending:
 * up to max pointers into the table (valid until the next change). */
unsigned proxy_loc_lookup(proxy_loc *l, const char *aor, int64_t now_ms, const proxy_binding **out,
                          unsigned max);
/* The binding whose Contact is uri (string equality), for requests to a contact. */
const proxy_binding *proxy_loc_by_contact(proxy_loc *l, ou_slice uri, int64_t now_ms);
/* A connection closed: bindings that used it keep their Contact but lose the flow. */
void proxy_loc_flow_closed(proxy_loc *l, const net_conn *c);
/* Drops expired bindings (with change callbacks). */
void proxy_loc_expire(proxy_loc *l, int64_t now_ms);

typedef struct proxy_reg_limits {
	uint32_t min_expires, max_expires, default_expires; /* 0: the PROXY_DEFAULT_* */
	unsigned max_bindings;                              /* 0: PROXY_MAX_BINDINGS_PER_AOR */
} proxy_reg_limits;

typedef struct proxy_flow {
	net_conn *conn;
	const char *transport; /* "TCP", "TLS" */
	const char *peer;      /* "ip:port" */
} proxy_flow;

/* Applies an authenticated REGISTER for aor (RFC 3261 10.3 steps 6-8): Contact `*`
 * with Expires 0 removes all; each Contact with expires 0 is removed, others added or
 * refreshed with the flow; Call-ID/CSeq ordering is enforced. Returns the status to
 * answer: 200 (then the current bindings are in the table), 400 (bad Contact or
 * Expires, why set), 423 (*min_expires set), 403 (too many bindings), 500 (out of
 * order). Nothing changes unless the status is 200. */
unsigned proxy_loc_register(proxy_loc *l, const char *aor, sip_msg *req, const proxy_flow *flow,
                            const proxy_reg_limits *lim, int64_t now_ms, uint32_t *min_expires,
                            const char **why);

/* ---- the server (core.c) ------------------------------------------------------------ */
typedef struct proxy_config {
	const char *domain; /* our domain: users are user@domain */
	const char *realm;  /* digest realm; NULL: domain */
	const char *db;     /* store conninfo (users and registrations) */
	const char *tcp_ip; /* NULL: no TCP listener */
	uint16_t tcp_port;  /* 0: any free port (tests) */
	const char *tls_ip; /* NULL: no TLS listener */
	uint16_t tls_port;
	const char *advertise; /* host written in Via and Record-Route; NULL: the listen IP */
	net_config net;        /* certs (server cert doubles as the client cert to UM), CA */
	const char *const *um_servers; /* "host:port", tried in order over TLS */
	size_t num_servers;
	const char *um_tls_name; /* name expected in the UM servers' certificates; NULL: host */
	unsigned ring_timeout_s; /* 0: PROXY_DEFAULT_RING_TIMEOUT_S */
	unsigned nonce_ttl_s;    /* 0: AUTH_DEFAULT_NONCE_TTL_S */
	unsigned auth_refill_s;  /* one more failed authentication per address after this
	                          * many seconds; 0: AUTH_DEFAULT_RATE_REFILL_MS */
	/* digest algorithms challenged with, in this order; credentials with another one
	 * are refused (400). ndigest 0: SHA-256 then MD5 (RFC 8760: strongest first). MD5
	 * first serves clients that answer only the first challenge (SIPp 3.6). */
	auth_algo digest[AUTH_NALGOS];
	unsigned ndigest;
	proxy_reg_limits reg;
	unsigned t1_ms; /* 0: TXN_DEFAULT_T1_MS (tests lower it) */
	bool quiet;     /* no log lines on stderr */
} proxy_config;

typedef struct proxy proxy;

/* Opens the store, loads users and bindings, starts listeners. *out only on success;
 * why gets a reason. */
int proxy_new(uv_loop_t *loop, const proxy_config *cfg, proxy **out, const char **why);
/* Stops everything; run the loop afterwards until it is empty. */
void proxy_free(proxy *p);
/* Bound ports (tests listen on port 0). */
uint16_t proxy_tcp_port(const proxy *p);
uint16_t proxy_tls_port(const proxy *p);
/* Re-reads users now (also done every PROXY_USER_REFRESH_MS). */
void proxy_reload_users(proxy *p);
/* The net below the proxy (for net_reload on SIGHUP); owned by the proxy. */
net *proxy_net(proxy *p);

typedef struct proxy_stats {
	unsigned long requests, registers, auth_failures, forwarded, voicemail_diversions,
	    gatekeep_strips, rate_limited;
} proxy_stats;
void proxy_get_stats(const proxy *p, proxy_stats *out);

#endif
