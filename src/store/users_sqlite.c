/* store/users_sqlite.c: the SQLite rows of the proxy's SIP accounts and location service
 * (schema migration 2), behind store_users_backend. One connection and a mutex: the
 * proxy reaches it from one pool thread at a time, the CLI from its only thread.
 * Arguments arrive validated and normalised by users.c. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/base.h"
#include "store_int.h"

typedef struct sq_users {
	sqlite3 *db;
	pthread_mutex_t mu;
} sq_users;
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

static int squ_open(const char *path, const store_options *opt, void **impl, const char **why)
{
	sq_users *u = calloc(1, sizeof(*u));
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
		int err = db_err(u->db, rc, why);
		sqlite3_close(u->db);
		free(u);
		return err;
	}
	pthread_mutex_init(&u->mu, NULL);
	*impl = u;
	return 0;
}

static void squ_close(void *impl)
{
	sq_users *u = impl;
	if (!u)
		return;
	sqlite3_close(u->db);
	pthread_mutex_destroy(&u->mu);
	free(u);
}

/* Prepares sql and binds from fmt: 'i' int64_t, 't' const char *. */
static int prep(sq_users *u, sqlite3_stmt **st, const char **why, const char *sql, const char *fmt,
                ...)
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

static int step_done(sq_users *u, sqlite3_stmt *st, const char **why)
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

/* Runs a SELECT and collects rows with read_fn into a malloc'd array of size sz. */
static int collect(sq_users *u, sqlite3_stmt *st, size_t sz,
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

static int squ_user_add(void *impl, const store_user *in, int64_t created, int64_t *id,
                        const char **why)
{
	sq_users *u = impl;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	int err = prep(u, &st, why,
	               "INSERT INTO sip_user (address, realm, ha1_md5, ha1_sha256, fwd_immediate, "
	               "vm_no_answer_s, vm_busy, vm_unregistered, created_ms) "
	               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	               "tttttiiii", in->address, in->realm, in->ha1_md5, in->ha1_sha256,
	               in->fwd_immediate, (int64_t)in->vm_no_answer_s, (int64_t)in->vm_busy,
	               (int64_t)in->vm_unregistered, created);
	if (!err) {
		err = step_done(u, st, why);
		sqlite3_finalize(st);
	}
	if (!err && id)
		*id = sqlite3_last_insert_rowid(u->db);
	pthread_mutex_unlock(&u->mu);
	return err;
}

static int squ_user_get(void *impl, const char *addr, store_user *out, const char **why)
{
	sq_users *u = impl;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	int err =
	    prep(u, &st, why, "SELECT " USER_COLS " FROM sip_user WHERE address = ?", "t", addr);
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

static int squ_user_list(void *impl, store_user **out, size_t *n, const char **why)
{
	sq_users *u = impl;
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

/* One UPDATE/DELETE of a user; no row changed is "no such user". */
static int squ_change(sq_users *u, const char **why, const char *sql, const char *fmt, ...)
{
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(u->db, sql, -1, &st, NULL);
	va_list ap;
	va_start(ap, fmt);
	int i = 1;
	for (const char *f = fmt; *f && rc == SQLITE_OK; f++, i++) {
		if (*f == 'i')
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
		else
			rc = sqlite3_bind_text(st, i, va_arg(ap, const char *), -1,
			                       SQLITE_TRANSIENT);
	}
	va_end(ap);
	int err = rc == SQLITE_OK ? step_done(u, st, why) : db_err(u->db, rc, why);
	sqlite3_finalize(st);
	if (!err && sqlite3_changes(u->db) == 0)
		err = fail(why, "no such user", OPENUM_ENOTFOUND);
	pthread_mutex_unlock(&u->mu);
	return err;
}

static int squ_user_del(void *impl, const char *addr, const char **why)
{
	return squ_change(impl, why, "DELETE FROM sip_user WHERE address = ?", "t", addr);
}

static int squ_user_set_ha1(void *impl, const char *addr, const char *realm, const char *md5,
                            const char *sha256, const char **why)
{
	return squ_change(impl, why,
	                  "UPDATE sip_user SET realm = ?, ha1_md5 = ?, ha1_sha256 = ? "
	                  "WHERE address = ?",
	                  "tttt", realm, md5, sha256, addr);
}

static int squ_user_set_forwarding(void *impl, const char *addr, const store_user *in,
                                   const char **why)
{
	return squ_change(impl, why,
	                  "UPDATE sip_user SET fwd_immediate = ?, vm_no_answer_s = ?, vm_busy = ?, "
	                  "vm_unregistered = ? WHERE address = ?",
	                  "tiiit", in->fwd_immediate, (int64_t)in->vm_no_answer_s,
	                  (int64_t)in->vm_busy, (int64_t)in->vm_unregistered, addr);
}

static int squ_binding_put(void *impl, const store_binding *b, const char **why)
{
	sq_users *u = impl;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	int err = prep(
	    u, &st, why,
	    "INSERT INTO registration (" BIND_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (aor, contact) DO UPDATE SET expires_ms = excluded.expires_ms, "
	    "q = excluded.q, transport = excluded.transport, peer = excluded.peer, "
	    "call_id = excluded.call_id, cseq = excluded.cseq, "
	    "instance = excluded.instance, reg_id = excluded.reg_id, "
	    "updated_ms = excluded.updated_ms",
	    "ttiitttitii", b->aor, b->contact, b->expires_ms, (int64_t)b->q, b->transport, b->peer,
	    b->call_id, (int64_t)b->cseq, b->instance, (int64_t)b->reg_id, b->updated_ms);
	if (!err) {
		err = step_done(u, st, why);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&u->mu);
	return err;
}

static int squ_binding_del(void *impl, const char *aor, const char *contact, const char **why)
{
	sq_users *u = impl;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	int err = contact
	              ? prep(u, &st, why, "DELETE FROM registration WHERE aor = ? AND contact = ?",
	                     "tt", aor, contact)
	              : prep(u, &st, why, "DELETE FROM registration WHERE aor = ?", "t", aor);
	if (!err) {
		err = step_done(u, st, why);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&u->mu);
	return err;
}

static int squ_binding_list(void *impl, const char *aor, int64_t now_ms, store_binding **out,
                            size_t *n, const char **why)
{
	sq_users *u = impl;
	pthread_mutex_lock(&u->mu);
	sqlite3_stmt *st;
	int err = aor ? prep(u, &st, why,
	                     "SELECT " BIND_COLS " FROM registration WHERE aor = ? AND "
	                     "expires_ms > ? ORDER BY aor, q DESC, id",
	                     "ti", aor, now_ms)
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

static int squ_binding_purge(void *impl, int64_t now_ms, unsigned *count, const char **why)
{
	sq_users *u = impl;
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

const store_users_backend store_users_sqlite_backend = {
    .name = "sqlite",
    .open = squ_open,
    .close = squ_close,
    .user_add = squ_user_add,
    .user_get = squ_user_get,
    .user_list = squ_user_list,
    .user_del = squ_user_del,
    .user_set_ha1 = squ_user_set_ha1,
    .user_set_forwarding = squ_user_set_forwarding,
    .binding_put = squ_binding_put,
    .binding_del = squ_binding_del,
    .binding_list = squ_binding_list,
    .binding_purge = squ_binding_purge,
};
