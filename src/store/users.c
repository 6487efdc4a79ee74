/* store/users.c: the proxy's SIP accounts (digest HA1 per algorithm, forwarding
 * settings) and its location service (registered contacts with their flow), in
 * the SQLite file of the mailbox store (schema migration 2). A handle of its own with
 * one connection and a mutex: the proxy reaches it from one pool thread at a time,
 * the CLI from its only thread. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/base.h"
#include "sip/sip.h"
#include "store_int.h"

struct store_users {
	sqlite3 *db;
	pthread_mutex_t mu;
};

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

static int db_err(sqlite3 *db, int rc, const char **why)
{
	int ext = sqlite3_extended_errcode(db);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return fail(why, "database busy", OPENUM_EIO);
	case SQLITE_NOMEM: return fail(why, "out of memory", OPENUM_ENOMEM);
	case SQLITE_CONSTRAINT:
		if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
			return fail(why, "user already exists", OPENUM_EDUP);
		if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
			return fail(why, "no such user", OPENUM_ENOTFOUND);
		return fail(why, "value refused by the database", OPENUM_EINVAL);
	default: return fail(why, "database error", OPENUM_EIO);
	}
}

/* Target of a conninfo: "sqlite:PATH" or a bare path. */
static int sqlite_target(const char *conninfo, const char **path, const char **why)
{
	if (!conninfo || !*conninfo)
		return fail(why, "database path missing", OPENUM_EINVAL);
	if (strncmp(conninfo, "postgresql://", 13) == 0 || strncmp(conninfo, "pg:", 3) == 0)
		return fail(why, "PostgreSQL store not built yet", OPENUM_EINVAL);
	*path = strncmp(conninfo, "sqlite:", 7) == 0 ? conninfo + 7 : conninfo;
	return 0;
}

int store_users_open(const char *conninfo, const store_options *opt, store_users **out,
                     const char **why)
{
	const char *path;
	int err = sqlite_target(conninfo, &path, why);
	if (err)
		return err;
	store *s = NULL;
	err = store_open(conninfo, opt, &s, why); /* creates and migrates */
	if (err)
		return err;
	store_close(s);
	store_users *u = calloc(1, sizeof(*u));
	if (!u)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	int rc = sqlite3_open_v2(path, &u->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(u->db, 1);
		sqlite3_busy_timeout(u->db,
		                     (int)(opt && opt->busy_timeout_ms ? opt->busy_timeout_ms
		                                                       : STORE_BUSY_TIMEOUT_MS));
		rc = sqlite3_exec(u->db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
		                  NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		err = db_err(u->db, rc, why);
		sqlite3_close(u->db);
		free(u);
		return err;
	}
	pthread_mutex_init(&u->mu, NULL);
	*out = u;
	return 0;
}

void store_users_close(store_users *u)
{
	if (!u)
		return;
	sqlite3_close(u->db);
	pthread_mutex_destroy(&u->mu);
	free(u);
}

/* Prepares sql and binds from fmt: 'i' int64_t, 't' const char *. */
static int prep(store_users *u, sqlite3_stmt **st, const char **why, const char *sql,
                const char *fmt, ...)
{
	int rc = sqlite3_prepare_v2(u->db, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return db_err(u->db, rc, why);
	}
	va_list ap;
	va_start(ap, fmt);
	int i = 1;
	for (const char *f = fmt; *f && rc == SQLITE_OK; f++, i++) {
		if (*f == 'i')
			rc = sqlite3_bind_int64(*st, i, va_arg(ap, int64_t));
		else
			rc = sqlite3_bind_text(*st, i, va_arg(ap, const char *), -1,
			                       SQLITE_TRANSIENT);
	}
	va_end(ap);
	if (rc != SQLITE_OK) {
		int err = db_err(u->db, rc, why);
		sqlite3_finalize(*st);
		*st = NULL;
		return err;
	}
	return 0;
}

static int step_done(store_users *u, sqlite3_stmt *st, const char **why)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	return rc == SQLITE_DONE ? 0 : db_err(u->db, rc, why);
}

static int col_text(sqlite3_stmt *st, int col, char *dst, size_t cap, const char **why)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
	if (n >= cap)
		return fail(why, "stored text too long", OPENUM_ETOOBIG);
	if (n)
		memcpy(dst, t, n);
	dst[n] = '\0';
	return 0;
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

#define USER_COLS                                                                                  \
	"id, address, realm, ha1_md5, ha1_sha256, fwd_immediate, vm_no_answer_s, vm_busy, "        \
	"vm_unregistered, created_ms"

static int read_user(sqlite3_stmt *st, store_user *o, const char **why)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	int err = col_text(st, 1, o->address, sizeof(o->address), why);
	if (!err)
		err = col_text(st, 2, o->realm, sizeof(o->realm), why);
	if (!err)
		err = col_text(st, 3, o->ha1_md5, sizeof(o->ha1_md5), why);
	if (!err)
		err = col_text(st, 4, o->ha1_sha256, sizeof(o->ha1_sha256), why);
	if (!err)
		err = col_text(st, 5, o->fwd_immediate, sizeof(o->fwd_immediate), why);
	int64_t na = sqlite3_column_int64(st, 6);
	o->vm_no_answer_s = na < 0 ? 0 : na > UINT32_MAX ? UINT32_MAX : (uint32_t)na;
	o->vm_busy = sqlite3_column_int(st, 7) != 0;
	o->vm_unregistered = sqlite3_column_int(st, 8) != 0;
	o->created_ms = sqlite3_column_int64(st, 9);
	return err;
}

int store_user_add(store_users *u, const store_user *in, int64_t *id, const char **why)
{
	char addr[STORE_ADDR_MAX];
	int err = store_address_normalize(in->address, addr, sizeof(addr), why);
	if (!err)
		err = check_ha1(in->realm, in->ha1_md5, in->ha1_sha256, why);
	if (!err)
		err = store_fwd_target_check(in->fwd_immediate, why);
	if (err)
		return err;
	int64_t created = in->created_ms ? in->created_ms : store_now_ms();
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	err = prep(u, &st, why,
	           "INSERT INTO sip_user (address, realm, ha1_md5, ha1_sha256, fwd_immediate, "
	           "vm_no_answer_s, vm_busy, vm_unregistered, created_ms) "
	           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	           "tttttiiii", addr, in->realm, in->ha1_md5, in->ha1_sha256, in->fwd_immediate,
	           (int64_t)in->vm_no_answer_s, (int64_t)in->vm_busy, (int64_t)in->vm_unregistered,
	           created);
	if (!err) {
		err = step_done(u, st, why);
		sqlite3_finalize(st);
	}
	if (!err && id)
		*id = sqlite3_last_insert_rowid(u->db);
	pthread_mutex_unlock(&u->mu);
	return err;
}

int store_user_get(store_users *u, const char *address, store_user *out, const char **why)
{
	char addr[STORE_ADDR_MAX];
	int err = store_address_normalize(address, addr, sizeof(addr), why);
	if (err)
		return err;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	err = prep(u, &st, why, "SELECT " USER_COLS " FROM sip_user WHERE address = ?", "t", addr);
	if (!err) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			err = read_user(st, out, why);
		else if (rc == SQLITE_DONE)
			err = fail(why, "no such user", OPENUM_ENOTFOUND);
		else
			err = db_err(u->db, rc, why);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&u->mu);
	return err;
}

/* Runs a SELECT and collects rows with read_fn into a malloc'd array of size sz. */
static int collect(store_users *u, sqlite3_stmt *st, size_t sz,
                   int (*read_fn)(sqlite3_stmt *, void *, const char **), void **out, size_t *n,
                   const char **why)
{
	char *arr = NULL;
	size_t cnt = 0, cap = 0;
	int err = 0, rc;
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char *na = realloc(arr, nc * sz);
			if (!na) {
				err = fail(why, "out of memory", OPENUM_ENOMEM);
				break;
			}
			arr = na;
			cap = nc;
		}
		err = read_fn(st, arr + cnt * sz, why);
		cnt++;
	}
	if (!err && rc != SQLITE_DONE)
		err = db_err(u->db, rc, why);
	if (err) {
		free(arr);
		return err;
	}
	if (cnt == 0) {
		free(arr);
		arr = NULL;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

static int read_user_v(sqlite3_stmt *st, void *o, const char **why)
{
	return read_user(st, o, why);
}

int store_user_list(store_users *u, store_user **out, size_t *n, const char **why)
{
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	int err = prep(u, &st, why, "SELECT " USER_COLS " FROM sip_user ORDER BY address", "");
	if (!err) {
		void *arr = NULL;
		err = collect(u, st, sizeof(store_user), read_user_v, &arr, n, why);
		if (!err)
			*out = arr;
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&u->mu);
	return err;
}

int store_user_del(store_users *u, const char *address, const char **why)
{
	char addr[STORE_ADDR_MAX];
	int err = store_address_normalize(address, addr, sizeof(addr), why);
	if (err)
		return err;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	err = prep(u, &st, why, "DELETE FROM sip_user WHERE address = ?", "t", addr);
	if (!err) {
		err = step_done(u, st, why);
		sqlite3_finalize(st);
	}
	if (!err && sqlite3_changes(u->db) == 0)
		err = fail(why, "no such user", OPENUM_ENOTFOUND);
	pthread_mutex_unlock(&u->mu);
	return err;
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
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	err = prep(u, &st, why,
	           "UPDATE sip_user SET realm = ?, ha1_md5 = ?, ha1_sha256 = ? WHERE address = ?",
	           "tttt", realm, ha1_md5, ha1_sha256, addr);
	if (!err) {
		err = step_done(u, st, why);
		sqlite3_finalize(st);
	}
	if (!err && sqlite3_changes(u->db) == 0)
		err = fail(why, "no such user", OPENUM_ENOTFOUND);
	pthread_mutex_unlock(&u->mu);
	return err;
}

int store_user_set_forwarding(store_users *u, const store_user *in, const char **why)
{
	char addr[STORE_ADDR_MAX];
	int err = store_address_normalize(in->address, addr, sizeof(addr), why);
	if (!err)
		err = store_fwd_target_check(in->fwd_immediate, why);
	if (err)
		return err;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	err = prep(u, &st, why,
	           "UPDATE sip_user SET fwd_immediate = ?, vm_no_answer_s = ?, vm_busy = ?, "
	           "vm_unregistered = ? WHERE address = ?",
	           "tiiit", in->fwd_immediate, (int64_t)in->vm_no_answer_s, (int64_t)in->vm_busy,
	           (int64_t)in->vm_unregistered, addr);
	if (!err) {
		err = step_done(u, st, why);
		sqlite3_finalize(st);
	}
	if (!err && sqlite3_changes(u->db) == 0)
		err = fail(why, "no such user", OPENUM_ENOTFOUND);
	pthread_mutex_unlock(&u->mu);
	return err;
}

/* ---- bindings ------------------------------------------------------------------ */

#define BIND_COLS                                                                                  \
	"aor, contact, expires_ms, q, transport, peer, call_id, cseq, instance, reg_id, "          \
	"updated_ms"

static int read_binding(sqlite3_stmt *st, void *v, const char **why)
{
	store_binding *b = v;
	memset(b, 0, sizeof(*b));
	int err = col_text(st, 0, b->aor, sizeof(b->aor), why);
	if (!err)
		err = col_text(st, 1, b->contact, sizeof(b->contact), why);
	b->expires_ms = sqlite3_column_int64(st, 2);
	b->q = (uint16_t)sqlite3_column_int(st, 3);
	if (!err)
		err = col_text(st, 4, b->transport, sizeof(b->transport), why);
	if (!err)
		err = col_text(st, 5, b->peer, sizeof(b->peer), why);
	if (!err)
		err = col_text(st, 6, b->call_id, sizeof(b->call_id), why);
	b->cseq = (uint32_t)sqlite3_column_int64(st, 7);
	if (!err)
		err = col_text(st, 8, b->instance, sizeof(b->instance), why);
	b->reg_id = (uint32_t)sqlite3_column_int64(st, 9);
	b->updated_ms = sqlite3_column_int64(st, 10);
	return err;
}

int store_binding_put(store_users *u, const store_binding *b, const char **why)
{
	char aor[STORE_ADDR_MAX];
	int err = store_address_normalize(b->aor, aor, sizeof(aor), why);
	if (err)
		return err;
	if (!b->contact[0] || !fits(b->contact, STORE_CONTACT_MAX) || b->q > 1000)
		return fail(why, "bad binding", OPENUM_EINVAL);
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	err = prep(u, &st, why,
	           "INSERT INTO registration (" BIND_COLS
	           ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	           "ON CONFLICT (aor, contact) DO UPDATE SET expires_ms = excluded.expires_ms, "
	           "q = excluded.q, transport = excluded.transport, peer = excluded.peer, "
	           "call_id = excluded.call_id, cseq = excluded.cseq, "
	           "instance = excluded.instance, reg_id = excluded.reg_id, "
	           "updated_ms = excluded.updated_ms",
	           "ttiitttitii", aor, b->contact, b->expires_ms, (int64_t)b->q, b->transport,
	           b->peer, b->call_id, (int64_t)b->cseq, b->instance, (int64_t)b->reg_id,
	           b->updated_ms ? b->updated_ms : store_now_ms());
	if (!err) {
		err = step_done(u, st, why);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&u->mu);
	return err;
}

int store_binding_del(store_users *u, const char *aor, const char *contact, const char **why)
{
	char a[STORE_ADDR_MAX];
	int err = store_address_normalize(aor, a, sizeof(a), why);
	if (err)
		return err;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	err = contact ? prep(u, &st, why, "DELETE FROM registration WHERE aor = ? AND contact = ?",
	                     "tt", a, contact)
	              : prep(u, &st, why, "DELETE FROM registration WHERE aor = ?", "t", a);
	if (!err) {
		err = step_done(u, st, why);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&u->mu);
	return err;
}

int store_binding_list(store_users *u, const char *aor, int64_t now_ms, store_binding **out,
                       size_t *n, const char **why)
{
	char a[STORE_ADDR_MAX];
	int err = aor ? store_address_normalize(aor, a, sizeof(a), why) : 0;
	if (err)
		return err;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	err = aor ? prep(u, &st, why,
	                 "SELECT " BIND_COLS " FROM registration WHERE aor = ? AND expires_ms > ? "
	                 "ORDER BY aor, q DESC, id",
	                 "ti", a, now_ms)
	          : prep(u, &st, why,
	                 "SELECT " BIND_COLS " FROM registration WHERE expires_ms > ? "
	                 "ORDER BY aor, q DESC, id",
	                 "i", now_ms);
	if (!err) {
		void *arr = NULL;
		err = collect(u, st, sizeof(store_binding), read_binding, &arr, n, why);
		if (!err)
			*out = arr;
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&u->mu);
	return err;
}

int store_binding_purge(store_users *u, int64_t now_ms, unsigned *count, const char **why)
{
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	int err = prep(u, &st, why, "DELETE FROM registration WHERE expires_ms <= ?", "i", now_ms);
	if (!err) {
		err = step_done(u, st, why);
		sqlite3_finalize(st);
	}
	if (!err && count)
		*count = (unsigned)sqlite3_changes(u->db);
	pthread_mutex_unlock(&u->mu);
	return err;
}
