/* auth/server.c: the server half of digest authentication. Nonces that carry their
 * own issue time under an HMAC (so they need no storage and expire by themselves),
 * the bounded nc table that refuses replays, credential checking, and the per-address
 * token bucket that slows down password guessing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "auth.h"

#define WAYS 4                     /* entries per set in both tables */
#define NONCE_FUTURE_SLACK_MS 5000 /* a nonce "from the future" beyond this is not ours */
#define REALM_MAX 256

typedef struct nc_entry {
	uint64_t key; /* the nonce's random part */
	uint64_t issued_ms;
	uint32_t nc; /* highest accepted */
	bool used;
} nc_entry;

typedef struct rate_entry {
	char ip[AUTH_IP_MAX];
	double tokens;
	uint64_t last_ms;
	bool used;
} rate_entry;

struct auth_server {
	uint8_t secret[64];
	size_t secret_len;
	uint64_t ttl_ms;
	unsigned nsets;
	nc_entry *nc;
	/* The newest issue time among evicted, still-valid nonces: a valid nonce at or
	 * before it that is missing from the table may have been used already. */
	uint64_t evicted_upto_ms;
	unsigned rsets;
	rate_entry *rate;
	double burst;
	double refill_ms;
};

static const char hexd[] = "0123456789abcdef";

static void to_hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexd[p[i] >> 4];
		out[2 * i + 1] = hexd[p[i] & 15];
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ou_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 16 hex digits to a number; false when not hex. */
static bool hex_u64(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	for (int i = 0; i < 16; i++) {
		int d = hexval(p[i]);
		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

static unsigned sets_for(unsigned slots, unsigned dflt)
{
	if (!slots)
		slots = dflt;
	return (slots + WAYS - 1) / WAYS;
}

int auth_server_new(const auth_config *cfg, auth_server **out)
{
	auth_config c = cfg ? *cfg : (auth_config){0};
	if (c.secret && (c.secret_len == 0 || c.secret_len > 64))
		return OPENUM_EINVAL;
	auth_server *s = calloc(1, sizeof(*s));
	if (!s)
		return OPENUM_ENOMEM;
	if (c.secret) {
		memcpy(s->secret, c.secret, c.secret_len);
		s->secret_len = c.secret_len;
	} else {
		s->secret_len = AUTH_SECRET_LEN;
		if (RAND_bytes(s->secret, AUTH_SECRET_LEN) != 1) {
			free(s);
			return OPENUM_EIO;
		}
	}
	s->ttl_ms = (uint64_t)(c.nonce_ttl_s ? c.nonce_ttl_s : AUTH_DEFAULT_NONCE_TTL_S) * 1000;
	s->nsets = sets_for(c.nc_slots, AUTH_DEFAULT_NC_SLOTS);
	s->rsets = sets_for(c.rate_slots, AUTH_DEFAULT_RATE_SLOTS);
	s->burst = c.rate_burst ? c.rate_burst : AUTH_DEFAULT_RATE_BURST;
	s->refill_ms = c.rate_refill_ms ? c.rate_refill_ms : AUTH_DEFAULT_RATE_REFILL_MS;
	s->nc = calloc((size_t)s->nsets * WAYS, sizeof(*s->nc));
	s->rate = calloc((size_t)s->rsets * WAYS, sizeof(*s->rate));
	if (!s->nc || !s->rate) {
		auth_server_free(s);
		return OPENUM_ENOMEM;
	}
	*out = s;
	return 0;
}

void auth_server_free(auth_server *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s->secret, sizeof(s->secret));
	free(s->nc);
	free(s->rate);
	free(s);
}

/* MAC over the first 32 nonce characters and the realm, 32 hex digits into mac. */
static int nonce_mac(auth_server *s, const char *head, ou_slice realm, char mac[32])
{
	if (realm.n > REALM_MAX)
		return OPENUM_ETOOBIG;
	unsigned char data[32 + 1 + REALM_MAX];
	memcpy(data, head, 32);
	data[32] = '|';
	if (realm.n)
		memcpy(data + 33, realm.p, realm.n);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (!HMAC(EVP_sha256(), s->secret, (int)s->secret_len, data, 33 + realm.n, md, &mdlen) ||
	    mdlen < 16)
		return OPENUM_EIO;
	to_hex(md, 16, mac);
	return 0;
}

int auth_nonce_make(auth_server *s, ou_slice realm, uint64_t now_ms, char out[AUTH_NONCE_LEN + 1])
{
	uint8_t raw[16];
	for (int i = 0; i < 8; i++)
		raw[i] = (uint8_t)(now_ms >> (56 - 8 * i));
	if (RAND_bytes(raw + 8, 8) != 1)
		return OPENUM_EIO;
	to_hex(raw, 16, out);
	int err = nonce_mac(s, out, realm, out + 32);
	out[AUTH_NONCE_LEN] = '\0';
	return err;
}

int auth_challenge(auth_server *s, auth_algo a, ou_slice realm, bool stale, uint64_t now_ms,
                   ou_buf *b)
{
	char nonce[AUTH_NONCE_LEN + 1];
	int err = auth_nonce_make(s, realm, now_ms, nonce);
	if (err)
		return err;
	ou_buf_printf(b, "Digest realm=\"%.*s\", nonce=\"%s\", algorithm=%s, qop=\"auth\"%s",
	              (int)realm.n, realm.p, nonce, auth_algo_name(a), stale ? ", stale=true" : "");
	return b->failed ? OPENUM_ENOMEM : 0;
}

static const char *const result_names[] = {"ok",     "stale",     "failed",
                                           "replay", "bad-nonce", "malformed"};

const char *auth_result_name(auth_result r)
{
	return (unsigned)r < sizeof(result_names) / sizeof(result_names[0]) ? result_names[r] : "?";
}

/* ---- nc table ------------------------------------------------------------------- */

/* AUTH_OK (recorded), AUTH_REPLAY or AUTH_STALE (forgotten). */
static auth_result nc_check(auth_server *s, uint64_t key, uint64_t issued, uint32_t nc,
                            uint64_t now_ms)
{
	nc_entry *set = &s->nc[(key % s->nsets) * WAYS];
	nc_entry *victim = NULL;
	for (int i = 0; i < WAYS; i++) {
		nc_entry *e = &set[i];
		if (e->used && e->key == key && e->issued_ms == issued) {
			if (nc <= e->nc)
				return AUTH_REPLAY;
			e->nc = nc;
			return AUTH_OK;
		}
	}
	if (issued <= s->evicted_upto_ms)
		return AUTH_STALE;
	for (int i = 0; i < WAYS; i++) {
		nc_entry *e = &set[i];
		bool expired = e->used && now_ms > e->issued_ms + s->ttl_ms;
		if (!e->used || expired) {
			victim = e;
			break;
		}
		if (!victim || e->issued_ms < victim->issued_ms)
			victim = e;
	}
	if (victim->used && now_ms <= victim->issued_ms + s->ttl_ms &&
	    victim->issued_ms > s->evicted_upto_ms)
		s->evicted_upto_ms = victim->issued_ms;
	*victim = (nc_entry){.key = key, .issued_ms = issued, .nc = nc, .used = true};
	return AUTH_OK;
}

static int verdict(auth_result *res, auth_result r, const char **why, const char *w)
{
	*res = r;
	if (why)
		*why = w;
	return 0;
}

int auth_verify(auth_server *s, const sip_auth *c, ou_slice method, ou_slice realm, ou_slice ha1,
                uint64_t now_ms, auth_result *res, const char **why)
{
	if (!s || !c || !res)
		return OPENUM_EINVAL;
	if (!ou_slice_caseeq_cstr(c->scheme, "Digest"))
		return verdict(res, AUTH_MALFORMED, why, "Authorization scheme is not Digest");
	if (!c->username.p || !c->realm.p || !c->nonce.p || !c->uri.p || !c->response.p)
		return verdict(res, AUTH_MALFORMED, why, "Authorization lacks a required field");
	if (!ou_slice_eq(c->realm, realm))
		return verdict(res, AUTH_MALFORMED, why, "Authorization names another realm");
	auth_algo a;
	if (auth_algo_from(c->algorithm, &a))
		return verdict(res, AUTH_MALFORMED, why, "Authorization algorithm not supported");
	if (!c->qop.p || !ou_slice_caseeq_cstr(c->qop, "auth"))
		return verdict(res, AUTH_MALFORMED, why, "Authorization needs qop=auth");
	if (!c->cnonce.p || c->cnonce.n == 0)
		return verdict(res, AUTH_MALFORMED, why, "Authorization lacks cnonce");
	uint32_t nc = 0;
	if (c->nc.n != 8)
		return verdict(res, AUTH_MALFORMED, why, "Authorization nc is not 8 hex digits");
	for (int i = 0; i < 8; i++) {
		int d = hexval(c->nc.p[i]);
		if (d < 0)
			return verdict(res, AUTH_MALFORMED, why,
			               "Authorization nc is not 8 hex digits");
		nc = nc << 4 | (uint32_t)d;
	}
	if (nc == 0)
		return verdict(res, AUTH_MALFORMED, why, "Authorization nc is zero");
	if (ha1.n != auth_algo_hexlen(a))
		return OPENUM_EINVAL;

	/* Our nonce? The MAC decides before anything about time is believed. */
	uint64_t issued, key;
	char mac[32];
	if (c->nonce.n != AUTH_NONCE_LEN || !hex_u64(c->nonce.p, &issued) ||
	    !hex_u64(c->nonce.p + 16, &key))
		return verdict(res, AUTH_BAD_NONCE, why, "nonce not issued here");
	if (nonce_mac(s, c->nonce.p, realm, mac) ||
	    CRYPTO_memcmp(mac, c->nonce.p + 32, sizeof(mac)) != 0)
		return verdict(res, AUTH_BAD_NONCE, why, "nonce not issued here");
	if (issued > now_ms + NONCE_FUTURE_SLACK_MS)
		return verdict(res, AUTH_BAD_NONCE, why, "nonce not issued here");
	if (now_ms > issued && now_ms - issued > s->ttl_ms)
		return verdict(res, AUTH_STALE, why, "nonce expired");

	char want[AUTH_HEX_MAX], got[AUTH_HEX_MAX];
	size_t hl = auth_algo_hexlen(a);
	int err = auth_response(a, ha1, method, c->uri, c->nonce, c->nc, c->cnonce, c->qop, want);
	if (err)
		return err;
	if (c->response.n != hl)
		return verdict(res, AUTH_FAILED, why, "wrong credentials");
	for (size_t i = 0; i < hl; i++)
		got[i] = ou_lower(c->response.p[i]);
	if (CRYPTO_memcmp(want, got, hl) != 0)
		return verdict(res, AUTH_FAILED, why, "wrong credentials");

	auth_result r = nc_check(s, key, issued, nc, now_ms);
	if (r == AUTH_REPLAY)
		return verdict(res, r, why, "nonce count replayed");
	if (r == AUTH_STALE)
		return verdict(res, r, why, "nonce forgotten");
	return verdict(res, AUTH_OK, why, NULL);
}

/* ---- rate limiting -------------------------------------------------------------- */

static rate_entry *rate_find(auth_server *s, const char *ip, bool create, uint64_t now_ms)
{
	uint32_t h = 2166136261u;
	for (const char *p = ip; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	rate_entry *set = &s->rate[(h % s->rsets) * WAYS];
	rate_entry *victim = NULL;
	for (int i = 0; i < WAYS; i++) {
		rate_entry *e = &set[i];
		if (e->used && strcmp(e->ip, ip) == 0)
			return e;
	}
	if (!create)
		return NULL;
	for (int i = 0; i < WAYS; i++) {
		rate_entry *e = &set[i];
		if (!e->used) {
			victim = e;
			break;
		}
		double t = e->tokens + (double)(now_ms - e->last_ms) / s->refill_ms;
		double vt = victim
		                ? victim->tokens + (double)(now_ms - victim->last_ms) / s->refill_ms
		                : -1;
		if (!victim || t > vt)
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->ip, sizeof(victim->ip), "%s", ip);
	victim->tokens = s->burst;
	victim->last_ms = now_ms;
	victim->used = true;
	return victim;
}

static void rate_refill(auth_server *s, rate_entry *e, uint64_t now_ms)
{
	if (now_ms > e->last_ms) {
		e->tokens += (double)(now_ms - e->last_ms) / s->refill_ms;
		if (e->tokens > s->burst)
			e->tokens = s->burst;
		e->last_ms = now_ms;
	}
}

bool auth_rate_allowed(auth_server *s, const char *ip, uint64_t now_ms)
{
	rate_entry *e = rate_find(s, ip, false, now_ms);
	if (!e)
		return true;
	rate_refill(s, e, now_ms);
	return e->tokens >= 1.0;
}

void auth_rate_failure(auth_server *s, const char *ip, uint64_t now_ms)
{
	rate_entry *e = rate_find(s, ip, true, now_ms);
	rate_refill(s, e, now_ms);
	e->tokens = e->tokens >= 1.0 ? e->tokens - 1.0 : 0.0;
}
