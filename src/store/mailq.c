/* store/mailq.c: voice messages to e-mail in the store. The per-mailbox settings
 * (address, mode, format) and the persistent delivery queue that `openum um`'s mail
 * worker (mail/worker.c) drains and `openum mailbox mail-log` prints. Validation lives
 * here; sqlite.c and pg_mailq.c only move rows. */
#include <string.h>

#include "base/base.h"
#include "store_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const mode_names[] = {"off", "notify", "attach"};
static const char *const format_names[] = {"wav", "opus"};
static const char *const mailq_names[] = {"pending", "sent", "gave-up"};

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

static int parse(const char *const *names, size_t n, const char *s, int *out)
{
	for (size_t i = 0; s && i < n; i++) {
		if (strcmp(names[i], s) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return OPENUM_EINVAL;
}

const char *store_email_mode_name(store_email_mode m)
{
	return (unsigned)m < NELEM(mode_names) ? mode_names[m] : "?";
}
const char *store_email_format_name(store_email_format f)
{
	return (unsigned)f < NELEM(format_names) ? format_names[f] : "?";
}
const char *store_mailq_state_name(store_mailq_state s)
{
	return (unsigned)s < NELEM(mailq_names) ? mailq_names[s] : "?";
}
int store_email_mode_parse(const char *name, store_email_mode *out)
{
	int v;
	int err = parse(mode_names, NELEM(mode_names), name, &v);
	if (!err)
		*out = (store_email_mode)v;
	return err;
}
int store_email_format_parse(const char *name, store_email_format *out)
{
	int v;
	int err = parse(format_names, NELEM(format_names), name, &v);
	if (!err)
		*out = (store_email_format)v;
	return err;
}
int store_mailq_state_parse(const char *name, store_mailq_state *out)
{
	int v;
	int err = parse(mailq_names, NELEM(mailq_names), name, &v);
	if (!err)
		*out = (store_mailq_state)v;
	return err;
}

bool store_email_valid(const char *addr)
{
	if (!addr)
		return false;
	size_t n = strlen(addr);
	if (n < 3 || n >= STORE_EMAIL_MAX)
		return false;
	const char *at = strchr(addr, '@');
	if (!at || at == addr || at[1] == '\0' || strchr(at + 1, '@'))
		return false;
	for (const char *p = addr; *p; p++) {
		unsigned char c = (unsigned char)*p;
		/* printable ASCII; nothing that ends or nests an address in a header */
		if (c <= 0x20 || c >= 0x7f || strchr("\"<>(),;:\\[]", c))
			return false;
	}
	return true;
}

int store_mailbox_set_email_delivery(store *s, int64_t id, const char *email, store_email_mode mode,
                                     store_email_format fmt, const char **why)
{
	if ((unsigned)mode >= NELEM(mode_names))
		return fail(why, "unknown e-mail mode", OPENUM_EINVAL);
	if ((unsigned)fmt >= NELEM(format_names))
		return fail(why, "unknown audio format", OPENUM_EINVAL);
	if (email && *email && !store_email_valid(email))
		return fail(why, "not an e-mail address (local@domain)", OPENUM_EINVAL);
	if (mode != STORE_EMAIL_OFF) {
		const char *addr = email;
		store_mailbox mb;
		if (!addr) {
			int err = s->be->mailbox_get(s->impl, STORE_KEY_ID, id, NULL, &mb, why);
			if (err)
				return err;
			addr = mb.email;
		}
		if (!*addr)
			return fail(why, "e-mail delivery needs an e-mail address", OPENUM_EINVAL);
	}
	return s->be->mailbox_set_delivery(s->impl, id, email, (int)mode, (int)fmt, why);
}

int store_mailq_claim(store *s, int64_t now_ms, int64_t lease_ms, store_mailq *out, bool *found,
                      const char **why)
{
	*found = false;
	if (lease_ms < 0)
		return fail(why, "negative lease", OPENUM_EINVAL);
	return s->be->mailq_claim(s->impl, now_ms, lease_ms, out, found, why);
}

int store_mailq_finish(store *s, int64_t id, store_mailq_state st, int64_t next_ms,
                       const char *result, const char **why)
{
	if ((unsigned)st >= NELEM(mailq_names))
		return fail(why, "unknown delivery state", OPENUM_EINVAL);
	/* the result is free text from SMTP servers and libcurl: cut, and no control bytes */
	char r[STORE_DETAIL_MAX];
	size_t n = 0;
	for (const char *p = result ? result : ""; *p && n + 1 < sizeof(r); p++) {
		unsigned char c = (unsigned char)*p;
		r[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	r[n] = '\0';
	return s->be->mailq_finish(s->impl, id, st, store_now_ms(), next_ms, r, why);
}

int store_mailq_list(store *s, const char *mailbox, unsigned limit, store_mailq **out, size_t *n,
                     const char **why)
{
	char norm[STORE_ADDR_MAX];
	const char *key = NULL;
	if (mailbox && *mailbox) {
		int err = store_address_normalize(mailbox, norm, sizeof(norm), why);
		if (err)
			return err;
		key = norm;
	}
	return s->be->mailq_list(s->impl, key, limit, out, n, why);
}
