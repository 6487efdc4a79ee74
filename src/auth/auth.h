/* auth: HTTP digest authentication for SIP (RFC 3261 section 22, RFC 7616, RFC 8760):
 * the hash arithmetic, a server that issues stateless nonces and checks credentials,
 * a bounded replay table for nonce counts, a per-address failure rate limiter, and the
 * client side that answers a challenge (openum phone).
 *
 * Contract:
 * - Algorithms: MD5 and SHA-256 (not the -sess variants, not SHA-512-256), qop=auth
 *   only. A server challenge always offers qop="auth" and a credential without qop is
 *   refused: without nc there is no replay protection.
 * - Passwords never reach the server: it checks responses against HA1 =
 *   H(username ":" realm ":" password) in lower-case hex, one per algorithm, which is
 *   what the user store keeps.
 * - Nonces need no storage: nonce = hex(issue time ms) hex(random) hex(HMAC-SHA-256
 *   (server secret, time|random|realm) truncated to 128 bits). A nonce with a good MAC
 *   older than the TTL is stale (challenge again with stale=true).
 * - Replays: the highest nc accepted per nonce lives in a bounded set-associative
 *   table; a nonce whose entry was evicted is treated as stale, never as fresh, so a
 *   full table cannot reopen a replay.
 * - All comparisons of secrets are constant-time (CRYPTO_memcmp).
 * - Single-threaded: one auth_server per event loop. Times are passed in by the
 *   caller (milliseconds, any monotonic or wall clock as long as it is one clock) so
 *   that tests control them.
 * - Errors: 0 or a negative OPENUM_E* code; `why` (may be NULL) gets a static reason.
 */
#ifndef OPENUM_AUTH_H
#define OPENUM_AUTH_H

#include "../base/base.h"
#include "../sip/sip.h"

/* ---- limits and defaults ------------------------------------------------------ */
#define AUTH_DEFAULT_NONCE_TTL_S 300     /* a nonce is stale after this many seconds */
#define AUTH_DEFAULT_NC_SLOTS 4096       /* nonces whose highest nc is remembered */
#define AUTH_DEFAULT_RATE_SLOTS 1024     /* source addresses whose failures are counted */
#define AUTH_DEFAULT_RATE_BURST 10       /* failures an address may make in a burst */
#define AUTH_DEFAULT_RATE_REFILL_MS 6000 /* one more allowed failure every 6 s */
#define AUTH_SECRET_LEN 32               /* bytes of the random server secret */
#define AUTH_HEX_MAX 65                  /* lower-case hex of a SHA-256 digest, NUL included */
#define AUTH_NONCE_LEN 64                /* 16 time + 16 random + 32 MAC hex digits */
#define AUTH_IP_MAX 48

typedef enum auth_algo {
	AUTH_MD5 = 0,
	AUTH_SHA256 = 1,
} auth_algo;
#define AUTH_NALGOS 2

/* "MD5", "SHA-256". */
const char *auth_algo_name(auth_algo a);
/* Case-insensitive "MD5" / "SHA-256"; an absent algorithm (p == NULL) is MD5
 * (RFC 7616 3.3). Others (-sess, SHA-512-256): OPENUM_EINVAL. */
int auth_algo_from(ou_slice name, auth_algo *out);
/* Hex digits of a digest: 32 for MD5, 64 for SHA-256. */
size_t auth_algo_hexlen(auth_algo a);

/* ---- the arithmetic ------------------------------------------------------------- */
/* HA1 = H(user ":" realm ":" password) in lower-case hex. */
int auth_ha1(auth_algo a, ou_slice user, ou_slice realm, ou_slice password, char out[AUTH_HEX_MAX]);
/* The request-digest (RFC 7616 3.4.1): with qop "auth",
 * H(HA1:nonce:nc:cnonce:qop:H(method:uri)); with qop absent (p == NULL, RFC 2069)
 * H(HA1:nonce:H(method:uri)). ha1 is hex of the algorithm's length. */
int auth_response(auth_algo a, ou_slice ha1, ou_slice method, ou_slice uri, ou_slice nonce,
                  ou_slice nc, ou_slice cnonce, ou_slice qop, char out[AUTH_HEX_MAX]);

/* ---- server -------------------------------------------------------------------- */
typedef struct auth_config {
	const uint8_t *secret; /* NULL: AUTH_SECRET_LEN random bytes (nonces die on restart) */
	size_t secret_len;
	unsigned nonce_ttl_s;    /* 0: AUTH_DEFAULT_NONCE_TTL_S */
	unsigned nc_slots;       /* 0: AUTH_DEFAULT_NC_SLOTS (rounded up to a multiple of 4) */
	unsigned rate_slots;     /* 0: AUTH_DEFAULT_RATE_SLOTS (rounded up to a multiple of 4) */
	unsigned rate_burst;     /* 0: AUTH_DEFAULT_RATE_BURST */
	unsigned rate_refill_ms; /* 0: AUTH_DEFAULT_RATE_REFILL_MS */
} auth_config;

typedef struct auth_server auth_server;

int auth_server_new(const auth_config *cfg, auth_server **out);
void auth_server_free(auth_server *s); /* NULL ok */

/* A fresh nonce for realm (AUTH_NONCE_LEN chars and a NUL). */
int auth_nonce_make(auth_server *s, ou_slice realm, uint64_t now_ms, char out[AUTH_NONCE_LEN + 1]);

/* Appends a challenge value ("Digest realm=\"..\", nonce=\"..\", algorithm=SHA-256,
 * qop=\"auth\"" and ", stale=true" when stale) for WWW-/Proxy-Authenticate to b. A
 * server offers one challenge per algorithm it accepts, SHA-256 first (RFC 8760 2.4). */
int auth_challenge(auth_server *s, auth_algo a, ou_slice realm, bool stale, uint64_t now_ms,
                   ou_buf *b);

typedef enum auth_result {
	AUTH_OK = 0,
	AUTH_STALE,     /* nonce ours but expired or forgotten: challenge with stale=true */
	AUTH_FAILED,    /* wrong response (wrong password): counts as a failure */
	AUTH_REPLAY,    /* nc not above the highest seen for this nonce */
	AUTH_BAD_NONCE, /* not a nonce we issued (or for another realm) */
	AUTH_MALFORMED, /* missing or bad fields, unsupported algorithm or qop */
} auth_result;
const char *auth_result_name(auth_result r);

/* Checks credentials cred (a parsed Authorization / Proxy-Authorization) of a
 * request with this method against ha1 (hex, for the algorithm cred names) in realm.
 * The caller has found the user by cred->username and realm and passes that user's
 * HA1 for auth_algo_from(cred->algorithm). On AUTH_OK the nc is recorded. Returns 0
 * with *res set (why gets a reason for anything but AUTH_OK), or OPENUM_EINVAL for
 * bad arguments. The caller also checks cred->uri against the Request-URI. */
int auth_verify(auth_server *s, const sip_auth *cred, ou_slice method, ou_slice realm, ou_slice ha1,
                uint64_t now_ms, auth_result *res, const char **why);

/* Failure rate limiting per source address (token bucket). auth_rate_allowed says
 * whether ip may try again (it does not consume); auth_rate_failure spends one
 * token. A full table evicts the entry with the most tokens left in the set. */
bool auth_rate_allowed(auth_server *s, const char *ip, uint64_t now_ms);
void auth_rate_failure(auth_server *s, const char *ip, uint64_t now_ms);

/* ---- client ---------------------------------------------------------------------- */
/* Answers one challenge (a parsed WWW-/Proxy-Authenticate): picks its algorithm
 * (MD5 when absent), qop auth when offered (then nc and cnonce are used), and appends
 * the Authorization / Proxy-Authorization value to b. cnonce NULL: a random one.
 * OPENUM_EINVAL (why) for a challenge it cannot answer (other scheme, algorithm, or
 * a qop list without "auth"). */
int auth_client_answer(const sip_auth *challenge, ou_slice user, ou_slice password, ou_slice method,
                       ou_slice uri, uint32_t nc, const char *cnonce, ou_buf *b, const char **why);

#endif
