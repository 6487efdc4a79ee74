/* web/session.c: the server-side session table of the web page. A session is named by
 * 256 random bits in an HttpOnly SameSite=Strict cookie and carries its own random
 * CSRF token; it ends after an idle time, after a fixed lifetime, or at log-off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "web_int.h"

static int64_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

int web_random_hex(char out[WEB_TOKEN_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[WEB_TOKEN_HEX / 2];
	if (RAND_bytes(r, (int)sizeof r) != 1)
		return OPENUM_EIO;
	for (size_t i = 0; i < sizeof r; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[WEB_TOKEN_HEX] = '\0';
	return 0;
}

bool web_token_equal(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;
	size_t n = na < nb ? na : nb;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static bool expired(const web_server *ws, const web_session *s, int64_t now)
{
	return now - s->used_s >= (int64_t)ws->idle_s ||
	       now - s->created_s >= (int64_t)ws->lifetime_s;
}

/* Called with ws->lk held. */
static void sweep(web_server *ws, int64_t now)
{
	size_t j = 0;
	for (size_t i = 0; i < ws->nsess; i++)
		if (!expired(ws, &ws->sess[i], now))
			ws->sess[j++] = ws->sess[i];
	ws->nsess = j;
}

int web_session_create(web_server *ws, const web_who *who, web_session *out)
{
	web_session s;
	memset(&s, 0, sizeof s);
	if (web_random_hex(s.id) != 0 || web_random_hex(s.csrf) != 0)
		return OPENUM_EIO;
	s.who = *who;
	s.created_s = s.used_s = now_s();

	pthread_mutex_lock(&ws->lk);
	/* sweeping costs a pass over the table: only when it would otherwise grow */
	if (ws->nsess == ws->capsess || ws->nsess >= WEB_SESSIONS_MAX)
		sweep(ws, s.created_s);
	if (ws->nsess >= WEB_SESSIONS_MAX) {
		/* full of live sessions: the least recently used one gives way */
		size_t old = 0;
		for (size_t i = 1; i < ws->nsess; i++)
			if (ws->sess[i].used_s < ws->sess[old].used_s)
				old = i;
		ws->sess[old] = ws->sess[--ws->nsess];
	}
	if (ws->nsess == ws->capsess) {
		size_t cap = ws->capsess ? ws->capsess * 2 : 16;
		web_session *n = realloc(ws->sess, cap * sizeof *n);
		if (!n) {
			pthread_mutex_unlock(&ws->lk);
			return OPENUM_ENOMEM;
		}
		ws->sess = n;
		ws->capsess = cap;
	}
	ws->sess[ws->nsess++] = s;
	pthread_mutex_unlock(&ws->lk);
	*out = s;
	return 0;
}

/* The value of cookie `name` in a Cookie header, into out. */
static bool cookie_value(const char *hdr, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = hdr;
	while (*p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *eq = strchr(p, '=');
		const char *end = strchr(p, ';');
		if (!end)
			end = p + strlen(p);
		if (eq && eq < end && (size_t)(eq - p) == nl && memcmp(p, name, nl) == 0) {
			size_t vl = (size_t)(end - eq - 1);
			if (vl >= cap)
				return false;
			memcpy(out, eq + 1, vl);
			out[vl] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}

int web_session_from_rq(web_server *ws, const web_rq *rq, web_session *out)
{
	const char *hdr = web_header(rq, "Cookie");
	char id[WEB_TOKEN_HEX + 2];
	if (!hdr ||
	    !cookie_value(hdr, ws->tls ? WEB_COOKIE_TLS : WEB_COOKIE_PLAIN, id, sizeof id) ||
	    strlen(id) != WEB_TOKEN_HEX)
		return OPENUM_ENOTFOUND;
	int64_t now = now_s();
	int err = OPENUM_ENOTFOUND;
	pthread_mutex_lock(&ws->lk);
	for (size_t i = 0; i < ws->nsess; i++) {
		web_session *s = &ws->sess[i];
		if (!web_token_equal(s->id, id))
			continue;
		if (expired(ws, s, now)) {
			ws->sess[i] = ws->sess[--ws->nsess];
			break;
		}
		s->used_s = now;
		*out = *s;
		err = 0;
		break;
	}
	pthread_mutex_unlock(&ws->lk);
	return err;
}

void web_session_destroy(web_server *ws, const char *id)
{
	pthread_mutex_lock(&ws->lk);
	for (size_t i = 0; i < ws->nsess; i++) {
		if (web_token_equal(ws->sess[i].id, id)) {
			ws->sess[i] = ws->sess[--ws->nsess];
			break;
		}
	}
	pthread_mutex_unlock(&ws->lk);
}

void web_session_cookie(const web_server *ws, const char *id, char *out, size_t cap)
{
	/* __Host- (TLS) pins the cookie to this origin: Secure, Path=/, no Domain */
	snprintf(out, cap, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
	         ws->tls ? WEB_COOKIE_TLS : WEB_COOKIE_PLAIN, id ? id : "",
	         ws->tls ? "; Secure" : "", id ? "" : "; Max-Age=0");
}
