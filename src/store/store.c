/* store/store.c: the back-end-neutral half of the store. Picks the back end from the
 * connection string, validates and normalises every argument, applies the PIN policy
 * and history, and turns the primitive row operations of store_backend into the
 * public API. Everything a second back end would otherwise have to repeat lives here. */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "base/base.h"
#include "sip/sip.h"
#include "store_int.h"

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

int64_t store_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- names ------------------------------------------------------------------ */

static const char *const codec_names[] = {"pcmu", "pcma", "l16"};
static const char *const state_names[] = {"new", "saved", "deleted"};
static const char *const logon_names[] = {"none",       "skip-pin", "pin-ok",
                                          "pin-failed", "locked",   "not-found"};
static const char *const kind_names[] = {"subscriber-access", "call-answering", "play-on-phone"};
static const char *const transcript_names[] = {"none", "pending", "done", "failed"};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : "?";
}

static int parse_name(const char *const *names, size_t n, const char *s, unsigned *out)
{
	for (size_t i = 0; s && i < n; i++) {
		if (strcmp(names[i], s) == 0) {
			*out = (unsigned)i;
			return 0;
		}
	}
	return OPENUM_EINVAL;
}

const char *store_codec_name(store_codec c)
{
	return name_of(codec_names, NELEM(codec_names), c);
}
const char *store_msg_state_name(store_msg_state s)
{
	return name_of(state_names, NELEM(state_names), s);
}
const char *store_logon_result_name(store_logon_result r)
{
	return name_of(logon_names, NELEM(logon_names), r);
}
const char *store_call_kind_name(store_call_kind k)
{
	return name_of(kind_names, NELEM(kind_names), k);
}

const char *store_transcript_state_name(store_transcript_state t)
{
	return name_of(transcript_names, NELEM(transcript_names), t);
}

int store_transcript_state_parse(const char *name, store_transcript_state *out)
{
	unsigned v;
	int err = parse_name(transcript_names, NELEM(transcript_names), name, &v);
	if (!err)
		*out = (store_transcript_state)v;
	return err;
}

int store_codec_parse(const char *name, store_codec *out)
{
	unsigned v;
	int err = parse_name(codec_names, NELEM(codec_names), name, &v);
	if (!err)
		*out = (store_codec)v;
	return err;
}
int store_msg_state_parse(const char *name, store_msg_state *out)
{
	unsigned v;
	int err = parse_name(state_names, NELEM(state_names), name, &v);
	if (!err)
		*out = (store_msg_state)v;
	return err;
}
int store_logon_result_parse(const char *name, store_logon_result *out)
{
	unsigned v;
	int err = parse_name(logon_names, NELEM(logon_names), name, &v);
	if (!err)
		*out = (store_logon_result)v;
	return err;
}
int store_call_kind_parse(const char *name, store_call_kind *out)
{
	unsigned v;
	int err = parse_name(kind_names, NELEM(kind_names), name, &v);
	if (!err)
		*out = (store_call_kind)v;
	return err;
}

/* ---- small values --------------------------------------------------------- */

void store_audio_free(store_audio *a)
{
	if (!a)
		return;
	free(a->data);
	memset(a, 0, sizeof(*a));
}

void store_msg_clear(store_msg *m)
{
	if (m)
		store_audio_free(&m->audio);
}

uint32_t store_audio_duration_ms(store_codec c, size_t len)
{
	uint64_t samples = c == STORE_CODEC_L16 ? len / 2 : len;
	uint64_t ms = samples / 8; /* 8 samples per millisecond at 8 kHz */
	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

bool store_ext_valid(const char *ext)
{
	size_t n = ext ? strlen(ext) : 0;
	if (n == 0 || n >= STORE_EXT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ou_is((unsigned char)ext[i], OU_C_DIGIT))
			return false;
	return true;
}

/* Text that goes into the store: fits its field, no control characters (they would
 * garble `openum mailbox` output and logs). NULL counts as "". */
static int check_text(const char *s, size_t cap, bool required, const char *missing,
                      const char *toolong, const char **why)
{
	size_t n = s ? strlen(s) : 0;
	if (required && n == 0)
		return fail(why, missing, OPENUM_EINVAL);
	if (n >= cap)
		return fail(why, toolong, OPENUM_ETOOBIG);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(why, "control character in text", OPENUM_EINVAL);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ou_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int store_address_normalize(const char *in, char *out, size_t cap, const char **why)
{
	if (!in || !*in)
		return fail(why, "address missing", OPENUM_EINVAL);
	size_t n = strlen(in);
	if (n >= STORE_ADDR_MAX)
		return fail(why, "address too long", OPENUM_ETOOBIG);
	/* A bare user@host is a SIP address; any other scheme is refused below. */
	char buf[STORE_ADDR_MAX + 8];
	const char *colon = strchr(in, ':'), *at = strchr(in, '@');
	if (!colon || (at && at < colon))
		snprintf(buf, sizeof(buf), "sip:%s", in);
	else
		snprintf(buf, sizeof(buf), "%s", in);
	sip_uri u;
	const char *w = NULL;
	if (sip_uri_parse(ou_slice_cstr(buf), &u, &w) != 0)
		return fail(why, w ? w : "address is not a SIP URI", OPENUM_EINVAL);
	if (u.scheme != SIP_URI_SIP && u.scheme != SIP_URI_SIPS)
		return fail(why, "address must be a sip: URI", OPENUM_EINVAL);
	if (u.user.n == 0)
		return fail(why, "address has no user part", OPENUM_EINVAL);
	if (ou_slice_present(u.password))
		return fail(why, "address must not carry a password", OPENUM_EINVAL);

	ou_buf b;
	ou_buf_init(&b);
	ou_buf_append_cstr(&b, "sip:");
	for (size_t i = 0; i < u.user.n; i++) {
		char c = u.user.p[i];
		if (c == '%' && i + 2 < u.user.n) {
			int hi = hexval(u.user.p[i + 1]);
			int lo = hexval(u.user.p[i + 2]);
			if (hi >= 0 && lo >= 0) {
				unsigned char d = (unsigned char)(hi * 16 + lo);
				if (ou_is(d, OU_C_UNRESERVED))
					ou_buf_append(&b, &d, 1);
				else
					ou_buf_printf(&b, "%%%02X", d);
				i += 2;
				continue;
			}
		}
		ou_buf_append(&b, &c, 1);
	}
	ou_buf_append_cstr(&b, "@");
	for (size_t i = 0; i < u.host.n; i++) {
		char c = ou_lower(u.host.p[i]);
		ou_buf_append(&b, &c, 1);
	}
	if (u.port)
		ou_buf_printf(&b, ":%u", (unsigned)u.port);
	int err = 0;
	if (b.failed)
		err = fail(why, "out of memory", OPENUM_ENOMEM);
	else if (b.len >= cap || b.len >= STORE_ADDR_MAX)
		err = fail(why, "address too long", OPENUM_ETOOBIG);
	else {
		memcpy(out, b.data, b.len);
		out[b.len] = '\0';
	}
	ou_buf_free(&b);
	return err;
}

/* ---- opening ------------------------------------------------------------- */

void store_conninfo_display(const char *conninfo, char *out, size_t cap)
{
	if (!cap)
		return;
	ou_buf b;
	ou_buf_init(&b);
	const char *s = conninfo ? conninfo : "";
	/* URI userinfo: scheme://user:SECRET@host */
	const char *auth = strstr(s, "://");
	const char *at = NULL, *colon = NULL;
	if (auth) {
		auth += 3;
		size_t n = strcspn(auth, "/?");
		for (size_t i = 0; i < n; i++)
			if (auth[i] == '@')
				at = auth + i;
		if (at)
			colon = memchr(auth, ':', (size_t)(at - auth));
	}
	for (const char *p = s; *p;) {
		if (colon && p == colon + 1) {
			ou_buf_append_cstr(&b, "***");
			p = at;
			continue;
		}
		/* password=SECRET (key=value string or URI query) */
		if (strncmp(p, "password", 8) == 0) {
			const char *q = p + 8;
			while (*q == ' ')
				q++;
			if (*q == '=') {
				q++;
				while (*q == ' ')
					q++;
				ou_buf_append(&b, p, (size_t)(q - p));
				if (*q == '\'') {
					for (q++; *q && *q != '\''; q++)
						if (*q == '\\' && q[1])
							q++;
					if (*q)
						q++;
				} else {
					q += strcspn(q, " \t&");
				}
				ou_buf_append_cstr(&b, "***");
				p = q;
				continue;
			}
		}
		ou_buf_append(&b, p, 1);
		p++;
	}
	size_t n = b.failed ? 0 : b.len < cap ? b.len : cap - 1;
	if (n)
		memcpy(out, b.data, n);
	out[n] = '\0';
	ou_buf_free(&b);
}

bool store_pick_backend(const char *conninfo, bool *pg, const char **target)
{
	static const char *const cut[] = {"postgresql:", "postgres:", "pg:"};
	if (!conninfo || !*conninfo)
		return false;
	*pg = false;
	*target = conninfo;
	if (strncmp(conninfo, "postgresql://", 13) == 0 ||
	    strncmp(conninfo, "postgres://", 11) == 0) {
		*pg = true;
		return true;
	}
	for (size_t i = 0; i < NELEM(cut); i++) {
		size_t n = strlen(cut[i]);
		if (strncmp(conninfo, cut[i], n) == 0) {
			*pg = true;
			*target = conninfo + n;
			return true;
		}
	}
	if (strncmp(conninfo, "sqlite:", 7) == 0) {
		*target = conninfo + 7;
		if (strncmp(*target, "//", 2) == 0) /* sqlite:///abs/path */
			*target += 2;
	}
	return true;
}

/* See STORE_MALLOC_MMAP. Setting it turns off glibc's own adjustment of the threshold,
 * which never settled for buffers that libpq grows with realloc. */
static void malloc_tune(void)
{
#ifdef M_MMAP_THRESHOLD
	(void)mallopt(M_MMAP_THRESHOLD, (int)STORE_MALLOC_MMAP);
	(void)mallopt(M_TRIM_THRESHOLD, (int)STORE_MALLOC_TRIM);
#endif
}

int store_open(const char *conninfo, const store_options *opt, store **out, const char **why)
{
	static pthread_once_t tuned = PTHREAD_ONCE_INIT;
	pthread_once(&tuned, malloc_tune);
	store_options o = {0};
	if (opt)
		o = *opt;
	if (!o.pin_iterations)
		o.pin_iterations = STORE_PIN_ITERATIONS;
	if (!o.pin_min_len)
		o.pin_min_len = STORE_PIN_MIN_LEN;
	if (!o.max_failed_logons)
		o.max_failed_logons = STORE_MAX_FAILED_LOGONS;
	if (!o.busy_timeout_ms)
		o.busy_timeout_ms = STORE_BUSY_TIMEOUT_MS;
	if (o.pin_min_len < STORE_PIN_MIN_LOWEST || o.pin_min_len > STORE_PIN_MAX_LEN)
		return fail(why, "PIN minimum length out of range 4-24", OPENUM_EINVAL);
	if (o.pin_iterations > (unsigned)INT32_MAX || o.busy_timeout_ms > (unsigned)INT32_MAX)
		return fail(why, "store option out of range", OPENUM_EINVAL);
	if (!conninfo || !*conninfo)
		return fail(why, "database path missing", OPENUM_EINVAL);

	bool pg = false;
	const char *target = NULL;
	if (!store_pick_backend(conninfo, &pg, &target))
		return fail(why, "database path missing", OPENUM_EINVAL);
	const store_backend *be = pg ? &store_pg_backend : &store_sqlite_backend;
	store *s = calloc(1, sizeof(*s));
	if (!s)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	s->be = be;
	s->opt = o;
	int err = be->open(target, &s->opt, &s->impl, why);
	if (err) {
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

void store_close(store *s)
{
	if (!s)
		return;
	s->be->close(s->impl);
	free(s);
}

int store_schema_version(store *s, int *out)
{
	return s->be->schema_version(s->impl, out, NULL);
}

/* ---- mailboxes ----------------------------------------------------------- */

int store_mailbox_add(store *s, const char *address, const char *name, const char *ext,
                      const char *pin, int64_t *id, const char **why)
{
	store_mailbox mb = {0};
	int err = store_address_normalize(address, mb.address, sizeof(mb.address), why);
	if (err)
		return err;
	err = check_text(name, sizeof(mb.name), true, "display name missing",
	                 "display name too long", why);
	if (err)
		return err;
	if (!store_ext_valid(ext))
		return fail(why, "extension must be 1-24 digits", OPENUM_EINVAL);
	snprintf(mb.name, sizeof(mb.name), "%s", name);
	snprintf(mb.ext, sizeof(mb.ext), "%s", ext);
	mb.created_ms = store_now_ms();
	store_pin_rec rec, *recp = NULL;
	if (pin) {
		err = store_pin_policy_check(pin, s->opt.pin_min_len, why);
		if (err)
			return err;
		err = store_pin_make(pin, s->opt.pin_iterations, &rec);
		if (err)
			return fail(why, "PIN hashing failed", err);
		recp = &rec;
	}
	err = s->be->mailbox_add(s->impl, &mb, recp, id, why);
	OPENSSL_cleanse(&rec, sizeof(rec));
	return err;
}

int store_mailbox_get(store *s, int64_t id, store_mailbox *out, const char **why)
{
	return s->be->mailbox_get(s->impl, STORE_KEY_ID, id, NULL, out, why);
}

int store_mailbox_get_by_address(store *s, const char *address, store_mailbox *out,
                                 const char **why)
{
	char norm[STORE_ADDR_MAX];
	int err = store_address_normalize(address, norm, sizeof(norm), why);
	if (err)
		return err;
	return s->be->mailbox_get(s->impl, STORE_KEY_ADDRESS, 0, norm, out, why);
}

int store_mailbox_get_by_ext(store *s, const char *ext, store_mailbox *out, const char **why)
{
	if (!store_ext_valid(ext))
		return fail(why, "extension must be 1-24 digits", OPENUM_EINVAL);
	return s->be->mailbox_get(s->impl, STORE_KEY_EXT, 0, ext, out, why);
}

int store_mailbox_list(store *s, store_mailbox **out, size_t *n, const char **why)
{
	return s->be->mailbox_list(s->impl, out, n, why);
}

int store_mailbox_del(store *s, int64_t id, const char **why)
{
	return s->be->mailbox_del(s->impl, id, why);
}

int store_mailbox_set_email(store *s, int64_t id, const char *email, const char **why)
{
	int err = check_text(email, STORE_EMAIL_MAX, false, NULL, "e-mail address too long", why);
	if (err)
		return err;
	return s->be->mailbox_set_text(s->impl, id, STORE_FIELD_EMAIL, email ? email : "", why);
}

int store_mailbox_set_name(store *s, int64_t id, const char *name, const char **why)
{
	int err = check_text(name, STORE_NAME_MAX, true, "display name missing",
	                     "display name too long", why);
	if (err)
		return err;
	return s->be->mailbox_set_text(s->impl, id, STORE_FIELD_NAME, name, why);
}

int store_mailbox_set_pin(store *s, int64_t id, const char *pin, const char **why)
{
	int err = store_pin_policy_check(pin, s->opt.pin_min_len, why);
	if (err)
		return err;
	store_pin_rec hist[STORE_PIN_HISTORY];
	size_t nh = 0;
	err = s->be->pin_history(s->impl, id, hist, STORE_PIN_HISTORY, &nh, why);
	if (err)
		return err;
	bool reused = false;
	for (size_t i = 0; i < nh; i++)
		reused |= store_pin_matches(pin, &hist[i]);
	if (reused)
		return fail(why, "PIN used recently", OPENUM_EINVAL);
	store_pin_rec rec;
	err = store_pin_make(pin, s->opt.pin_iterations, &rec);
	if (err)
		return fail(why, "PIN hashing failed", err);
	err = s->be->pin_set(s->impl, id, &rec, STORE_PIN_HISTORY, why);
	OPENSSL_cleanse(&rec, sizeof(rec));
	return err;
}

int store_mailbox_verify_pin(store *s, int64_t id, const char *pin, bool *ok, const char **why)
{
	store_pin_rec rec;
	bool has = false;
	*ok = false;
	int err = s->be->pin_get(s->impl, id, &rec, &has, why);
	if (err)
		return err;
	/* No PIN set: hash anyway, against a dead record, so that "no PIN" and "wrong PIN"
	 * take the same time. */
	if (!has) {
		memset(&rec, 0, sizeof(rec));
		rec.iterations = s->opt.pin_iterations;
		(void)store_pin_matches(pin ? pin : "", &rec);
		return 0;
	}
	*ok = store_pin_matches(pin, &rec);
	return 0;
}

int store_mailbox_record_failed_logon(store *s, int64_t id, uint32_t *count, bool *locked,
                                      const char **why)
{
	uint32_t c = 0;
	bool l = false;
	int err =
	    s->be->failed_logon(s->impl, id, s->opt.max_failed_logons, STORE_FAIL_ADD, &c, &l, why);
	if (!err) {
		if (count)
			*count = c;
		if (locked)
			*locked = l;
	}
	return err;
}

int store_mailbox_logon_succeeded(store *s, int64_t id, const char **why)
{
	return s->be->reset_failed(s->impl, id, false, why);
}

int store_mailbox_unlock(store *s, int64_t id, const char **why)
{
	return s->be->reset_failed(s->impl, id, true, why);
}

int store_mailbox_pin_logon(store *s, int64_t id, const char *pin, store_logon_result *result,
                            uint32_t *count, const char **why)
{
	store_mailbox mb;
	int err = store_mailbox_get(s, id, &mb, why);
	if (err)
		return err;
	uint32_t c = mb.failed_logons;
	bool locked = mb.locked;
	/* Claim the try before comparing: the count goes up first, and only while it is
	 * below the limit. PBKDF2 takes a while; counting after it would let every guess
	 * that started before the lock (parallel calls, several servers) be compared,
	 * however many. A claim the process does not live to settle stays counted. */
	if (!locked)
		err = s->be->failed_logon(s->impl, id, s->opt.max_failed_logons, STORE_FAIL_CLAIM,
		                          &c, &locked, why);
	if (locked || err == OPENUM_ENOTFOUND) {
		/* locked, or the tries in flight already reach the limit: not compared */
		if (err && (err = store_mailbox_get(s, id, &mb, why)) != 0)
			return err;
		*result = STORE_LOGON_LOCKED;
		if (count)
			*count = mb.failed_logons;
		return 0;
	}
	if (err)
		return err;
	bool ok = false;
	int verr = store_mailbox_verify_pin(s, id, pin, &ok, why);
	if (ok) {
		err = store_mailbox_logon_succeeded(s, id, why);
		if (!err) {
			*result = STORE_LOGON_PIN_OK;
			if (count)
				*count = 0;
		}
		return err;
	}
	/* wrong (or not checked: the claim counts it anyway), locks at the limit */
	err = s->be->failed_logon(s->impl, id, s->opt.max_failed_logons, STORE_FAIL_SETTLE, &c,
	                          &locked, why);
	if (verr)
		return verr;
	if (!err) {
		*result = locked ? STORE_LOGON_LOCKED : STORE_LOGON_PIN_FAILED;
		if (count)
			*count = c;
	}
	return err;
}

static int check_audio(const store_audio *a, const char **why)
{
	if (a->codec != STORE_CODEC_PCMU && a->codec != STORE_CODEC_PCMA &&
	    a->codec != STORE_CODEC_L16)
		return fail(why, "unknown codec", OPENUM_EINVAL);
	if (a->len > STORE_AUDIO_MAX)
		return fail(why, "audio too long", OPENUM_ETOOBIG);
	if (a->len && !a->data)
		return fail(why, "audio data missing", OPENUM_EINVAL);
	if (a->codec == STORE_CODEC_L16 && a->len % 2)
		return fail(why, "16-bit audio has an odd byte count", OPENUM_EINVAL);
	return 0;
}

int store_greeting_set(store *s, int64_t mailbox_id, const store_audio *audio, const char **why)
{
	if (audio && audio->len) {
		int err = check_audio(audio, why);
		if (err)
			return err;
	}
	return s->be->greeting_set(s->impl, mailbox_id, audio, why);
}

int store_greeting_get(store *s, int64_t mailbox_id, store_audio *out, const char **why)
{
	return s->be->greeting_get(s->impl, mailbox_id, out, why);
}

/* ---- messages ------------------------------------------------------------ */

/* Transcripts are free text over several lines: tabs and line breaks are allowed,
 * other control characters are not. */
static int check_transcript(const char *t, const char **why)
{
	size_t n = t ? strlen(t) : 0;
	if (n >= STORE_TRANSCRIPT_MAX)
		return fail(why, "transcript too long", OPENUM_ETOOBIG);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return fail(why, "control character in transcript", OPENUM_EINVAL);
	}
	return 0;
}

int store_msg_add(store *s, const store_msg *m, int64_t *id, const char **why)
{
	int err = check_audio(&m->audio, why);
	if (!err)
		err = check_text(m->caller, sizeof(m->caller), false, NULL, "caller too long", why);
	if (!err)
		err = check_text(m->diversion, sizeof(m->diversion), false, NULL,
		                 "diversion reason too long", why);
	if (err)
		return err;
	if (m->state != STORE_MSG_NEW && m->state != STORE_MSG_SAVED &&
	    m->state != STORE_MSG_DELETED)
		return fail(why, "unknown message state", OPENUM_EINVAL);
	if ((unsigned)m->transcript_state > STORE_TRANSCRIPT_FAILED)
		return fail(why, "unknown transcript state", OPENUM_EINVAL);
	if (!memchr(m->transcript, 0, sizeof(m->transcript)))
		return fail(why, "transcript too long", OPENUM_ETOOBIG);
	err = check_transcript(m->transcript, why);
	if (err)
		return err;
	store_msg c = *m;
	if (!c.received_ms)
		c.received_ms = store_now_ms();
	if (!c.duration_ms)
		c.duration_ms = store_audio_duration_ms(c.audio.codec, c.audio.len);
	return s->be->msg_add(s->impl, &c, id, why);
}

int store_msg_get(store *s, int64_t id, store_msg *out, const char **why)
{
	return s->be->msg_get(s->impl, id, out, why);
}

int store_msg_list(store *s, int64_t mailbox_id, unsigned mask, store_msg **out, size_t *n,
                   const char **why)
{
	return s->be->msg_list(s->impl, mailbox_id, mask & STORE_MSG_MASK_ALL, out, n, why);
}

int store_msg_count(store *s, int64_t mailbox_id, unsigned *nnew, unsigned *nsaved,
                    const char **why)
{
	unsigned a = 0, b = 0;
	int err = s->be->msg_count(s->impl, mailbox_id, &a, &b, why);
	if (!err) {
		if (nnew)
			*nnew = a;
		if (nsaved)
			*nsaved = b;
	}
	return err;
}

int store_msg_set_state(store *s, int64_t id, store_msg_state st, const char **why)
{
	if (st != STORE_MSG_NEW && st != STORE_MSG_SAVED && st != STORE_MSG_DELETED)
		return fail(why, "unknown message state", OPENUM_EINVAL);
	return s->be->msg_set_state(s->impl, id, st, why);
}

int store_msg_delete(store *s, int64_t id, const char **why)
{
	return s->be->msg_delete(s->impl, id, why);
}

int store_msg_set_transcript(store *s, int64_t id, store_transcript_state st, const char *text,
                             const char **why)
{
	if ((unsigned)st > STORE_TRANSCRIPT_FAILED)
		return fail(why, "unknown transcript state", OPENUM_EINVAL);
	int err = check_transcript(text, why);
	if (err)
		return err;
	return s->be->msg_set_transcript(s->impl, id, st, text ? text : "", why);
}

int store_msg_get_transcript(store *s, int64_t id, store_transcript_state *st, char *text,
                             const char **why)
{
	store_transcript_state t = STORE_TRANSCRIPT_NONE;
	int err = s->be->msg_get_transcript(s->impl, id, &t, text, why);
	if (!err && st)
		*st = t;
	return err;
}

int store_msg_transcript_pending(store *s, int64_t **ids, size_t *n, const char **why)
{
	*ids = NULL;
	*n = 0;
	return s->be->msg_transcript_pending(s->impl, ids, n, why);
}

/* ---- call log -------------------------------------------------------------- */

int store_call_append(store *s, const store_call *c, int64_t *id, const char **why)
{
	int err = check_text(c->call_id, sizeof(c->call_id), false, NULL, "Call-ID too long", why);
	if (!err)
		err = check_text(c->transport, sizeof(c->transport), false, NULL,
		                 "transport too long", why);
	if (!err)
		err =
		    check_text(c->peer, sizeof(c->peer), false, NULL, "peer address too long", why);
	if (!err)
		err = check_text(c->mailbox, sizeof(c->mailbox), false, NULL, "mailbox too long",
		                 why);
	if (!err)
		err = check_text(c->detail, sizeof(c->detail), false, NULL, "detail too long", why);
	if (err)
		return err;
	if ((unsigned)c->logon >= NELEM(logon_names))
		return fail(why, "unknown logon result", OPENUM_EINVAL);
	if ((unsigned)c->kind >= NELEM(kind_names))
		return fail(why, "unknown call kind", OPENUM_EINVAL);
	store_call cp = *c;
	if (!cp.time_ms)
		cp.time_ms = store_now_ms();
	/* The address as the mailbox table spells it, so that `log ADDRESS` finds it; an
	 * address that does not normalise (a not-found attempt) is kept as given. */
	if (cp.mailbox[0]) {
		char norm[STORE_ADDR_MAX];
		if (store_address_normalize(c->mailbox, norm, sizeof(norm), NULL) == 0)
			memcpy(cp.mailbox, norm, sizeof(norm));
	}
	return s->be->call_append(s->impl, &cp, id, why);
}

int store_call_list(store *s, const char *mailbox, unsigned limit, store_call **out, size_t *n,
                    const char **why)
{
	char norm[STORE_ADDR_MAX];
	const char *key = NULL;
	if (mailbox && *mailbox) {
		key = mailbox;
		if (store_address_normalize(mailbox, norm, sizeof(norm), NULL) == 0)
			key = norm;
	}
	return s->be->call_list(s->impl, key, limit, out, n, why);
}
