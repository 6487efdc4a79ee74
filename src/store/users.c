/* store/users.c: the proxy's SIP accounts (digest HA1 per algorithm, forwarding
 * settings) and its location service (registered contacts with their flow), in the
 * database of the mailbox store (schema migration 2). This file validates and
 * normalises; the rows move through a store_users_backend (users_sqlite.c,
 * pg_users.c) picked from the connection string like store_open's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "sip/sip.h"
#include "store_int.h"

struct store_users {
	const store_users_backend *be;
	void *impl;
};

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

int store_users_open(const char *conninfo, const store_options *opt, store_users **out,
                     const char **why)
{
	bool pg = false;
	const char *target = NULL;
	if (!store_pick_backend(conninfo, &pg, &target))
		return fail(why, "database path missing", OPENUM_EINVAL);
	store *s = NULL;
	int err = store_open(conninfo, opt, &s, why); /* creates and migrates */
	if (err)
		return err;
	store_close(s);
	store_options o = {0};
	if (opt)
		o = *opt;
	store_users *u = calloc(1, sizeof(*u));
	if (!u)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	u->be = pg ? &store_users_pg_backend : &store_users_sqlite_backend;
	err = u->be->open(target, &o, &u->impl, why);
	if (err) {
		free(u);
		return err;
	}
	*out = u;
	return 0;
}

void store_users_close(store_users *u)
{
	if (!u)
		return;
	u->be->close(u->impl);
	free(u);
}

static bool fits(const char *s, size_t cap)
{
	return s && strlen(s) < cap;
}

static bool is_hex(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ou_is((unsigned char)s[i], OU_C_HEX) || (s[i] >= 'A' && s[i] <= 'F'))
			return false;
	return true;
}

int store_fwd_target_check(const char *uri, const char **why)
{
	if (!uri || !*uri)
		return 0;
	if (strlen(uri) >= STORE_URI_MAX)
		return fail(why, "forwarding target too long", OPENUM_ETOOBIG);
	sip_uri pu;
	if (sip_uri_parse(ou_slice_cstr(uri), &pu, why) != 0)
		return fail(why, "forwarding target is not a URI", OPENUM_EINVAL);
	if (pu.scheme != SIP_URI_SIP && pu.scheme != SIP_URI_SIPS)
		return fail(why, "forwarding target must be a sip: or sips: URI", OPENUM_EINVAL);
	return 0;
}

static int check_ha1(const char *realm, const char *md5, const char *sha, const char **why)
{
	if (!realm || !*realm || !fits(realm, STORE_REALM_MAX))
		return fail(why, "realm missing or too long", OPENUM_EINVAL);
	if (!is_hex(md5, 32) || !is_hex(sha, 64))
		return fail(why, "HA1 must be lower-case hex (32 MD5, 64 SHA-256)", OPENUM_EINVAL);
	return 0;
}

int store_user_add(store_users *u, const store_user *in, int64_t *id, const char **why)
{
	store_user n = *in;
	int err = store_address_normalize(in->address, n.address, sizeof(n.address), why);
	if (!err)
		err = check_ha1(in->realm, in->ha1_md5, in->ha1_sha256, why);
	if (!err)
		err = store_fwd_target_check(in->fwd_immediate, why);
	if (err)
		return err;
	int64_t created = in->created_ms ? in->created_ms : store_now_ms();
	return u->be->user_add(u->impl, &n, created, id, why);
}

int store_user_get(store_users *u, const char *address, store_user *out, const char **why)
{
	char addr[STORE_ADDR_MAX];
	int err = store_address_normalize(address, addr, sizeof(addr), why);
	if (err)
		return err;
	return u->be->user_get(u->impl, addr, out, why);
}

int store_user_list(store_users *u, store_user **out, size_t *n, const char **why)
{
	return u->be->user_list(u->impl, out, n, why);
}

int store_user_del(store_users *u, const char *address, const char **why)
{
	char addr[STORE_ADDR_MAX];
	int err = store_address_normalize(address, addr, sizeof(addr), why);
	if (err)
		return err;
	return u->be->user_del(u->impl, addr, why);
}

int store_user_set_ha1(store_users *u, const char *address, const char *realm, const char *ha1_md5,
                       const char *ha1_sha256, const char **why)
{
	char addr[STORE_ADDR_MAX];
	int err = store_address_normalize(address, addr, sizeof(addr), why);
	if (!err)
		err = check_ha1(realm, ha1_md5, ha1_sha256, why);
	if (err)
		return err;
	return u->be->user_set_ha1(u->impl, addr, realm, ha1_md5, ha1_sha256, why);
}

int store_user_set_forwarding(store_users *u, const store_user *in, const char **why)
{
	char addr[STORE_ADDR_MAX];
	int err = store_address_normalize(in->address, addr, sizeof(addr), why);
	if (!err)
		err = store_fwd_target_check(in->fwd_immediate, why);
	if (err)
		return err;
	return u->be->user_set_forwarding(u->impl, addr, in, why);
}

/* ---- bindings ------------------------------------------------------------------ */

int store_binding_put(store_users *u, const store_binding *b, const char **why)
{
	store_binding n = *b;
	int err = store_address_normalize(b->aor, n.aor, sizeof(n.aor), why);
	if (err)
		return err;
	if (!b->contact[0] || !fits(b->contact, STORE_CONTACT_MAX) || b->q > 1000)
		return fail(why, "bad binding", OPENUM_EINVAL);
	if (!n.updated_ms)
		n.updated_ms = store_now_ms();
	return u->be->binding_put(u->impl, &n, why);
}

int store_binding_del(store_users *u, const char *aor, const char *contact, const char **why)
{
	char a[STORE_ADDR_MAX];
	int err = store_address_normalize(aor, a, sizeof(a), why);
	if (err)
		return err;
	return u->be->binding_del(u->impl, a, contact, why);
}

int store_binding_list(store_users *u, const char *aor, int64_t now_ms, store_binding **out,
                       size_t *n, const char **why)
{
	char a[STORE_ADDR_MAX];
	int err = aor ? store_address_normalize(aor, a, sizeof(a), why) : 0;
	if (err)
		return err;
	return u->be->binding_list(u->impl, aor ? a : NULL, now_ms, out, n, why);
}

int store_binding_purge(store_users *u, int64_t now_ms, unsigned *count, const char **why)
{
	return u->be->binding_purge(u->impl, now_ms, count, why);
}
