/* store/sqlite.c: the SQLite back end. One database file in WAL mode (readers never
 * block the writer), a pool of up to STORE_POOL_MAX connections handed out one per
 * thread at a time (a SQLite connection must not be shared by two threads at once),
 * busy_timeout for the cross-connection and cross-process write lock, foreign keys on.
 * Writes that touch several rows run in BEGIN IMMEDIATE transactions; the failed-logon
 * counter is one UPDATE ... RETURNING, so concurrent logons never lose an update. */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "base/base.h"
#include "store_int.h"

typedef struct sq_conn {
	sqlite3 *db;
	bool busy;
} sq_conn;

typedef struct sq {
	char *path;
	unsigned busy_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned nconn;
	sq_conn conn[STORE_POOL_MAX];
} sq;

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

/* Maps a SQLite result code to an OPENUM_E* code and a static reason. */
static int sq_err(sqlite3 *db, int rc, const char **why)
{
	int ext = db ? sqlite3_extended_errcode(db) : rc;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return fail(why, "database busy", OPENUM_EIO);
	case SQLITE_NOMEM: return fail(why, "out of memory", OPENUM_ENOMEM);
	case SQLITE_FULL: return fail(why, "disk full", OPENUM_EIO);
	case SQLITE_READONLY: return fail(why, "database is read-only", OPENUM_EIO);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return fail(why, "database file is corrupt or not a database", OPENUM_EIO);
	case SQLITE_CANTOPEN: return fail(why, "cannot open database file", OPENUM_EIO);
	case SQLITE_TOOBIG: return fail(why, "too big for the database", OPENUM_ETOOBIG);
	case SQLITE_CONSTRAINT:
		if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
			const char *msg = db ? sqlite3_errmsg(db) : "";
			if (strstr(msg, "mailbox.ext"))
				return fail(why, "extension already in use", OPENUM_EDUP);
			if (strstr(msg, "mailbox.address"))
				return fail(why, "address already has a mailbox", OPENUM_EDUP);
			return fail(why, "already exists", OPENUM_EDUP);
		}
		if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
			return fail(why, "no such mailbox", OPENUM_ENOTFOUND);
		return fail(why, "value refused by the database", OPENUM_EINVAL);
	default: return fail(why, "database error", OPENUM_EIO);
	}
}

static int sq_exec(sqlite3 *db, const char *sql, const char **why)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_err(db, rc, why);
}

static void sq_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Prepares sql and binds its parameters from fmt, one letter each:
 * 'i' int64_t, 't' const char * (NULL binds NULL), 'b' const void *, size_t (NULL binds
 * NULL), 'z' like 'b' but never NULL (an empty blob stays a blob). */
static int sq_vprep(sqlite3 *db, sqlite3_stmt **st, const char **why, const char *sql,
                    const char *fmt, va_list ap)
{
	int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return sq_err(db, rc, why);
	}
	int i = 1;
	for (const char *f = fmt; *f && rc == SQLITE_OK; f++, i++) {
		switch (*f) {
		case 'i': rc = sqlite3_bind_int64(*st, i, va_arg(ap, int64_t)); break;
		case 't': {
			const char *t = va_arg(ap, const char *);
			rc = t ? sqlite3_bind_text(*st, i, t, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(*st, i);
			break;
		}
		case 'b':
		case 'z': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			if (n > (size_t)INT32_MAX)
				rc = SQLITE_TOOBIG;
			else if (p && n > 0)
				rc = sqlite3_bind_blob(*st, i, p, (int)n, SQLITE_STATIC);
			else if (*f == 'z' || p)
				rc = sqlite3_bind_zeroblob(*st, i, 0);
			else
				rc = sqlite3_bind_null(*st, i);
			break;
		}
		default: rc = SQLITE_MISUSE; break;
		}
	}
	if (rc != SQLITE_OK) {
		int err = sq_err(db, rc, why);
		sqlite3_finalize(*st);
		*st = NULL;
		return err;
	}
	return 0;
}

static int sq_prep(sqlite3 *db, sqlite3_stmt **st, const char **why, const char *sql,
                   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int err = sq_vprep(db, st, why, sql, fmt, ap);
	va_end(ap);
	return err;
}

/* Steps a statement that returns no rows (or whose rows are ignored) to the end. */
static int sq_done(sqlite3 *db, sqlite3_stmt *st, const char **why)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	return rc == SQLITE_DONE ? 0 : sq_err(db, rc, why);
}

/* Copies a text column into dst; a value that does not fit is an error, not a cut. */
static int sq_text(sqlite3_stmt *st, int col, char *dst, size_t cap, const char **why)
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

static int sq_blob_dup(sqlite3_stmt *st, int col, uint8_t **out, size_t *len, const char **why)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	*out = NULL;
	*len = 0;
	if (n == 0)
		return 0;
	uint8_t *d = malloc(n);
	if (!d)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	memcpy(d, p, n);
	*out = d;
	*len = n;
	return 0;
}

/* ---- connections --------------------------------------------------------- */

/* SQLite says only "cannot open": the usual causes, for the operator's one line. */
static int sq_cantopen(const char *path, const char **why)
{
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return fail(why, "is a directory, not a database file", OPENUM_EIO);
	const char *slash = strrchr(path, '/');
	char dir[512];
	int n = slash ? (int)(slash - path) : 1;
	if (snprintf(dir, sizeof(dir), "%.*s", n ? n : 1, slash ? path : ".") < (int)sizeof(dir) &&
	    stat(dir, &sb) != 0)
		return fail(why, "cannot open database file: its directory does not exist",
		            OPENUM_EIO);
	return fail(why, "cannot open database file", OPENUM_EIO);
}

static int sq_connect(sq *q, bool create, sqlite3 **out, const char **why)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(q->path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		int err = (rc & 0xff) != SQLITE_CANTOPEN ? sq_err(db, rc, why)
		          : create                       ? sq_cantopen(q->path, why)
		                   : fail(why, "database not found", OPENUM_ENOTFOUND);
		sqlite3_close(db);
		return err;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, (int)q->busy_ms);
	/* synchronous=NORMAL is durable against a process crash in WAL mode; only an OS
	 * crash or power cut may roll back the last commits, never corrupt the file. */
	int err = sq_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", why);
	if (err) {
		sqlite3_close(db);
		return err;
	}
	*out = db;
	return 0;
}

static int sq_acquire(sq *q, sqlite3 **db, const char **why)
{
	int err = 0;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		for (unsigned i = 0; i < q->nconn; i++) {
			if (!q->conn[i].busy) {
				q->conn[i].busy = true;
				*db = q->conn[i].db;
				goto out;
			}
		}
		if (q->nconn < STORE_POOL_MAX) {
			err = sq_connect(q, false, db, why);
			if (!err)
				q->conn[q->nconn++] = (sq_conn){*db, true};
			goto out;
		}
		pthread_cond_wait(&q->cv, &q->mu);
	}
out:
	pthread_mutex_unlock(&q->mu);
	return err;
}

static void sq_release(sq *q, const sqlite3 *db)
{
	pthread_mutex_lock(&q->mu);
	for (unsigned i = 0; i < q->nconn; i++)
		if (q->conn[i].db == db)
			q->conn[i].busy = false;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

static int sq_user_version(sqlite3 *db, int *out, const char **why)
{
	sqlite3_stmt *st;
	int err = sq_prep(db, &st, why, "PRAGMA user_version", "");
	if (err)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		err = sq_err(db, rc, why);
	sqlite3_finalize(st);
	return err;
}

/* Brings the schema to the newest version in one transaction: a crash half-way leaves
 * the old version intact, and two processes opening at once migrate only once. */
static int sq_migrate(sqlite3 *db, const char **why)
{
	int latest = store_sqlite_migrations[store_sqlite_nmigrations - 1].version;
	int cur = 0;
	int err = sq_exec(db, "BEGIN IMMEDIATE", why);
	if (!err)
		err = sq_user_version(db, &cur, why);
	if (!err && cur > latest)
		err = fail(why, "database schema is newer than this openum", OPENUM_EINVAL);
	for (size_t i = 0; !err && i < store_sqlite_nmigrations; i++) {
		const store_migration *m = &store_sqlite_migrations[i];
		if (m->version <= cur)
			continue;
		err = sq_exec(db, m->sql, why);
		if (!err) {
			char pragma[48];
			snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
			err = sq_exec(db, pragma, why);
		}
	}
	if (!err)
		err = sq_exec(db, "COMMIT", why);
	if (err)
		sq_rollback(db);
	return err;
}

static void sq_close(void *impl)
{
	sq *q = impl;
	if (!q)
		return;
	for (unsigned i = 0; i < q->nconn; i++)
		sqlite3_close(q->conn[i].db);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q->path);
	free(q);
}

static int sq_open(const char *target, const store_options *opt, void **impl, const char **why)
{
	if (!target || !*target)
		return fail(why, "database path missing", OPENUM_EINVAL);
	if (strcmp(target, ":memory:") == 0 || strncmp(target, "file:", 5) == 0)
		return fail(why, "SQLite store needs a file path", OPENUM_EINVAL);
	sq *q = calloc(1, sizeof(*q));
	if (!q)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	q->path = strdup(target);
	q->busy_ms = opt->busy_timeout_ms;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	sqlite3 *db = NULL;
	int err = q->path ? sq_connect(q, !opt->no_create, &db, why)
	                  : fail(why, "out of memory", OPENUM_ENOMEM);
	if (err)
		goto bad;
	q->conn[q->nconn++] = (sq_conn){db, false};

	sqlite3_stmt *st;
	err = sq_prep(db, &st, why, "PRAGMA journal_mode = WAL", "");
	if (err)
		goto bad;
	int rc = sqlite3_step(st);
	bool wal = rc == SQLITE_ROW &&
	           sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
	err = rc == SQLITE_ROW ? 0 : sq_err(db, rc, why);
	sqlite3_finalize(st);
	if (!err && !wal)
		err = fail(why, "database cannot use WAL mode", OPENUM_EIO);
	if (!err)
		err = sq_migrate(db, why);
	if (err)
		goto bad;
	*impl = q;
	return 0;
bad:
	sq_close(q);
	return err;
}

static int sq_schema_version(void *impl, int *out, const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_user_version(db, out, why);
	sq_release(q, db);
	return err;
}

/* ---- mailboxes ----------------------------------------------------------- */

#define MB_COLS                                                                                    \
	"id, address, name, ext, email, pin_hash IS NOT NULL, pin_set_ms, failed_logons, locked, " \
	"greeting IS NOT NULL, created_ms, email_mode, email_format"

/* Reads a result row into *row (a store_mailbox, store_msg, ...). */
typedef int (*sq_row_reader)(sqlite3_stmt *st, void *row, const char **why);

/* The opening sq_get and sq_write share: a connection of the pool and sql prepared on
 * it with fmt's parameters (as sq_prep binds them). 0 with both held (the caller
 * finalizes *st and releases *db), or an error with neither. */
static int sq_vopen(sq *q, sqlite3 **db, sqlite3_stmt **st, const char **why, const char *sql,
                    const char *fmt, va_list ap)
{
	*st = NULL;
	int err = sq_acquire(q, db, why);
	if (err)
		return err;
	err = sq_vprep(*db, st, why, sql, fmt, ap);
	if (err) {
		sqlite3_finalize(*st);
		sq_release(q, *db);
	}
	return err;
}

/* Runs a query for one row on a connection of its own (parameters bound as sq_prep
 * does) and reads that row with read into row; no row is OPENUM_ENOTFOUND with nf as
 * the reason. */
static int sq_get(sq *q, const char *nf, sq_row_reader read, void *row, const char **why,
                  const char *sql, const char *fmt, ...)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	va_list ap;
	va_start(ap, fmt);
	int err = sq_vopen(q, &db, &st, why, sql, fmt, ap);
	va_end(ap);
	if (err)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = read(st, row, why);
	else if (rc == SQLITE_DONE)
		err = fail(why, nf, OPENUM_ENOTFOUND);
	else
		err = sq_err(db, rc, why);
	sqlite3_finalize(st);
	sq_release(q, db);
	return err;
}

static int sq_read_mailbox(sqlite3_stmt *st, void *row, const char **why)
{
	store_mailbox *mb = row;
	memset(mb, 0, sizeof(*mb));
	mb->id = sqlite3_column_int64(st, 0);
	int err = sq_text(st, 1, mb->address, sizeof(mb->address), why);
	if (!err)
		err = sq_text(st, 2, mb->name, sizeof(mb->name), why);
	if (!err)
		err = sq_text(st, 3, mb->ext, sizeof(mb->ext), why);
	if (!err)
		err = sq_text(st, 4, mb->email, sizeof(mb->email), why);
	mb->has_pin = sqlite3_column_int(st, 5) != 0;
	mb->pin_set_ms = sqlite3_column_int64(st, 6);
	int64_t failed = sqlite3_column_int64(st, 7);
	mb->failed_logons = failed < 0 ? 0 : failed > UINT32_MAX ? UINT32_MAX : (uint32_t)failed;
	mb->locked = sqlite3_column_int(st, 8) != 0;
	mb->has_greeting = sqlite3_column_int(st, 9) != 0;
	mb->created_ms = sqlite3_column_int64(st, 10);
	store_email_mode mode = STORE_EMAIL_OFF;
	store_email_format fmt = STORE_EMAIL_WAV;
	const char *ms = (const char *)sqlite3_column_text(st, 11);
	const char *fs = (const char *)sqlite3_column_text(st, 12);
	if (!err && (!ms || store_email_mode_parse(ms, &mode) != 0 || !fs ||
	             store_email_format_parse(fs, &fmt) != 0))
		err = fail(why, "database holds an unknown e-mail mode or format", OPENUM_EIO);
	mb->email_mode = (int)mode;
	mb->email_format = (int)fmt;
	return err;
}

static int sq_insert_history(sqlite3 *db, int64_t id, const store_pin_rec *pin, const char **why)
{
	sqlite3_stmt *st;
	int err = sq_prep(db, &st, why,
	                  "INSERT INTO pin_history (mailbox_id, hash, salt, iter, set_ms) "
	                  "VALUES (?, ?, ?, ?, ?)",
	                  "ibbii", id, (const void *)pin->hash, (size_t)STORE_PIN_HASH_LEN,
	                  (const void *)pin->salt, (size_t)STORE_PIN_SALT_LEN,
	                  (int64_t)pin->iterations, pin->set_ms);
	if (err)
		return err;
	err = sq_done(db, st, why);
	sqlite3_finalize(st);
	return err;
}

static int sq_mailbox_add(void *impl, const store_mailbox *mb, const store_pin_rec *pin,
                          int64_t *id, const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_exec(db, "BEGIN IMMEDIATE", why);
	if (err)
		goto out;
	err = sq_prep(
	    db, &st, why,
	    "INSERT INTO mailbox (address, name, ext, email, pin_hash, pin_salt, pin_iter, "
	    "pin_set_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    "ttttbbiii", mb->address, mb->name, mb->ext, mb->email,
	    pin ? (const void *)pin->hash : NULL, (size_t)(pin ? STORE_PIN_HASH_LEN : 0),
	    pin ? (const void *)pin->salt : NULL, (size_t)(pin ? STORE_PIN_SALT_LEN : 0),
	    (int64_t)(pin ? pin->iterations : 0), (int64_t)(pin ? pin->set_ms : 0), mb->created_ms);
	if (!err)
		err = sq_done(db, st, why);
	int64_t newid = sqlite3_last_insert_rowid(db);
	if (!err && pin)
		err = sq_insert_history(db, newid, pin, why);
	if (!err)
		err = sq_exec(db, "COMMIT", why);
	if (!err && id)
		*id = newid;
out:
	sqlite3_finalize(st);
	if (err)
		sq_rollback(db);
	sq_release(q, db);
	return err;
}

static int sq_mailbox_get(void *impl, store_key key, int64_t id, const char *text,
                          store_mailbox *out, const char **why)
{
	const char *nf = "no such mailbox";
	if (key == STORE_KEY_ID)
		return sq_get(impl, nf, sq_read_mailbox, out, why,
		              "SELECT " MB_COLS " FROM mailbox WHERE id = ?", "i", id);
	return sq_get(impl, nf, sq_read_mailbox, out, why,
	              key == STORE_KEY_ADDRESS ? "SELECT " MB_COLS " FROM mailbox WHERE address = ?"
	                                       : "SELECT " MB_COLS " FROM mailbox WHERE ext = ?",
	              "t", text);
}

/* Appends one element of size sz to a malloc'd array, doubling its capacity. */
static void *grow(void *arr, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p = realloc(arr, ncap * sz);
	if (p)
		*cap = ncap;
	return p;
}

/* The tail of every list query: steps st (when err is still 0) to its end, reading each
 * row with read into a malloc'd array of sz-byte elements, then finalizes st and gives
 * db back. On success *out is the array (NULL when there are no rows) and *n its
 * length; on failure nothing is handed out. */
static int sq_list(sq *q, sqlite3 *db, sqlite3_stmt *st, int err, size_t sz, sq_row_reader read,
                   void **out, size_t *n, const char **why)
{
	char *arr = NULL;
	size_t cnt = 0, cap = 0;
	int rc = SQLITE_DONE;
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *na = grow(arr, cnt, &cap, sz);
		if (!na) {
			err = fail(why, "out of memory", OPENUM_ENOMEM);
			break;
		}
		arr = na;
		err = read(st, arr + cnt * sz, why);
		if (!err)
			cnt++;
	}
	if (!err && rc != SQLITE_DONE)
		err = sq_err(db, rc, why);
	sqlite3_finalize(st);
	sq_release(q, db);
	if (err || cnt == 0) {
		free(arr);
		arr = NULL;
		cnt = 0;
	}
	if (!err) {
		*out = arr;
		*n = cnt;
	}
	return err;
}

static int sq_mailbox_list(void *impl, store_mailbox **out, size_t *n, const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_prep(db, &st, why, "SELECT " MB_COLS " FROM mailbox ORDER BY address", "");
	void *arr;
	err = sq_list(q, db, st, err, sizeof(**out), sq_read_mailbox, &arr, n, why);
	if (!err)
		*out = arr;
	return err;
}

/* Runs one INSERT/UPDATE/DELETE on a connection of its own, its parameters bound as
 * sq_prep does. nf: no row changed is OPENUM_ENOTFOUND with nf as the reason (NULL:
 * not checked); id (may be NULL): the rowid of the row inserted. */
static int sq_write(sq *q, const char *nf, int64_t *id, const char **why, const char *sql,
                    const char *fmt, ...)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	va_list ap;
	va_start(ap, fmt);
	int err = sq_vopen(q, &db, &st, why, sql, fmt, ap);
	va_end(ap);
	if (err)
		return err;
	err = sq_done(db, st, why);
	if (!err && nf && sqlite3_changes(db) == 0)
		err = fail(why, nf, OPENUM_ENOTFOUND);
	if (!err && id)
		*id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	sq_release(q, db);
	return err;
}

static int sq_mailbox_del(void *impl, int64_t id, const char **why)
{
	return sq_write(impl, "no such mailbox", NULL, why, "DELETE FROM mailbox WHERE id = ?", "i",
	                id);
}

static int sq_mailbox_set_text(void *impl, int64_t id, store_text_field f, const char *value,
                               const char **why)
{
	const char *sql = f == STORE_FIELD_NAME ? "UPDATE mailbox SET name = ? WHERE id = ?"
	                                        : "UPDATE mailbox SET email = ? WHERE id = ?";
	return sq_write(impl, "no such mailbox", NULL, why, sql, "ti", value, id);
}

static int sq_read_pin(sqlite3_stmt *st, int col, store_pin_rec *r, const char **why)
{
	memset(r, 0, sizeof(*r));
	if (sqlite3_column_bytes(st, col) != STORE_PIN_HASH_LEN ||
	    sqlite3_column_bytes(st, col + 1) != STORE_PIN_SALT_LEN)
		return fail(why, "stored PIN hash is damaged", OPENUM_EIO);
	memcpy(r->hash, sqlite3_column_blob(st, col), STORE_PIN_HASH_LEN);
	memcpy(r->salt, sqlite3_column_blob(st, col + 1), STORE_PIN_SALT_LEN);
	int64_t it = sqlite3_column_int64(st, col + 2);
	r->iterations = it > 0 && it <= INT32_MAX ? (uint32_t)it : 0;
	r->set_ms = sqlite3_column_int64(st, col + 3);
	return 0;
}

static int sq_pin_get(void *impl, int64_t id, store_pin_rec *out, bool *has, const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_prep(db, &st, why,
	              "SELECT pin_hash IS NOT NULL, pin_hash, pin_salt, pin_iter, pin_set_ms "
	              "FROM mailbox WHERE id = ?",
	              "i", id);
	if (err)
		goto out;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*has = sqlite3_column_int(st, 0) != 0;
		if (*has)
			err = sq_read_pin(st, 1, out, why);
		else
			memset(out, 0, sizeof(*out));
	} else if (rc == SQLITE_DONE) {
		err = fail(why, "no such mailbox", OPENUM_ENOTFOUND);
	} else {
		err = sq_err(db, rc, why);
	}
out:
	sqlite3_finalize(st);
	sq_release(q, db);
	return err;
}

static int sq_pin_history(void *impl, int64_t id, store_pin_rec *out, size_t max, size_t *n,
                          const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	*n = 0;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_prep(db, &st, why,
	              "SELECT hash, salt, iter, set_ms FROM pin_history WHERE mailbox_id = ? "
	              "ORDER BY id DESC LIMIT ?",
	              "ii", id, (int64_t)max);
	int rc = SQLITE_DONE;
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		err = sq_read_pin(st, 0, &out[*n], why);
		if (!err)
			(*n)++;
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = sq_err(db, rc, why);
	sqlite3_finalize(st);
	sq_release(q, db);
	return err;
}

static int sq_pin_set(void *impl, int64_t id, const store_pin_rec *pin, unsigned keep,
                      const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_exec(db, "BEGIN IMMEDIATE", why);
	if (err)
		goto out;
	err = sq_prep(db, &st, why,
	              "UPDATE mailbox SET pin_hash = ?, pin_salt = ?, pin_iter = ?, pin_set_ms = ? "
	              "WHERE id = ?",
	              "bbiii", (const void *)pin->hash, (size_t)STORE_PIN_HASH_LEN,
	              (const void *)pin->salt, (size_t)STORE_PIN_SALT_LEN, (int64_t)pin->iterations,
	              pin->set_ms, id);
	if (!err)
		err = sq_done(db, st, why);
	if (!err && sqlite3_changes(db) == 0)
		err = fail(why, "no such mailbox", OPENUM_ENOTFOUND);
	sqlite3_finalize(st);
	st = NULL;
	if (!err)
		err = sq_insert_history(db, id, pin, why);
	if (!err)
		err = sq_prep(db, &st, why,
		              "DELETE FROM pin_history WHERE mailbox_id = ?1 AND id NOT IN "
		              "(SELECT id FROM pin_history WHERE mailbox_id = ?1 ORDER BY id DESC "
		              "LIMIT ?2)",
		              "ii", id, (int64_t)keep);
	if (!err)
		err = sq_done(db, st, why);
	if (!err)
		err = sq_exec(db, "COMMIT", why);
out:
	sqlite3_finalize(st);
	if (err)
		sq_rollback(db);
	sq_release(q, db);
	return err;
}

static int sq_failed_logon(void *impl, int64_t id, uint32_t limit, store_fail_op op,
                           uint32_t *count, bool *locked, const char **why)
{
	static const char *const sql[] = {
	    [STORE_FAIL_ADD] = "UPDATE mailbox SET failed_logons = failed_logons + 1, "
	                       "locked = CASE WHEN failed_logons + 1 >= ?1 THEN 1 ELSE locked END "
	                       "WHERE id = ?2 RETURNING failed_logons, locked",
	    [STORE_FAIL_CLAIM] = "UPDATE mailbox SET failed_logons = failed_logons + 1 "
	                         "WHERE id = ?2 AND NOT locked AND failed_logons < ?1 "
	                         "RETURNING failed_logons, locked",
	    [STORE_FAIL_SETTLE] = "UPDATE mailbox SET "
	                          "locked = CASE WHEN failed_logons >= ?1 THEN 1 ELSE locked END "
	                          "WHERE id = ?2 RETURNING failed_logons, locked",
	};
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	/* One statement: the write lock covers the read of the old count, so two
	 * connections (or processes) incrementing or claiming at once both count. */
	err = sq_prep(db, &st, why, sql[op], "ii", (int64_t)limit, id);
	if (err)
		goto out;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t c = sqlite3_column_int64(st, 0);
		*count = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
		*locked = sqlite3_column_int(st, 1) != 0;
		err = sq_done(db, st, why);
	} else if (rc == SQLITE_DONE) {
		err = fail(why, "no such mailbox", OPENUM_ENOTFOUND);
	} else {
		err = sq_err(db, rc, why);
	}
out:
	sqlite3_finalize(st);
	sq_release(q, db);
	return err;
}

static int sq_reset_failed(void *impl, int64_t id, bool unlock, const char **why)
{
	const char *sql =
	    unlock ? "UPDATE mailbox SET failed_logons = 0, locked = 0 WHERE id = ?"
	           : "UPDATE mailbox SET failed_logons = CASE WHEN locked THEN failed_logons "
	             "ELSE 0 END WHERE id = ?";
	return sq_write(impl, "no such mailbox", NULL, why, sql, "i", id);
}

static int sq_greeting_set(void *impl, int64_t id, const store_audio *a, const char **why)
{
	bool clear = !a || !a->data || a->len == 0;
	return sq_write(impl, "no such mailbox", NULL, why,
	                "UPDATE mailbox SET greeting_codec = ?, greeting = ? WHERE id = ?", "tbi",
	                clear ? NULL : store_codec_name(a->codec),
	                clear ? NULL : (const void *)a->data, clear ? (size_t)0 : a->len, id);
}

static int sq_codec_col(sqlite3_stmt *st, int col, store_codec *out, const char **why)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	if (!t || store_codec_parse(t, out) != 0)
		return fail(why, "database holds an unknown codec", OPENUM_EIO);
	return 0;
}

static int sq_greeting_get(void *impl, int64_t id, store_audio *out, const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_prep(db, &st, why, "SELECT greeting_codec, greeting FROM mailbox WHERE id = ?",
	              "i", id);
	if (err)
		goto out;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		err = fail(why, "no such mailbox", OPENUM_ENOTFOUND);
	} else if (rc != SQLITE_ROW) {
		err = sq_err(db, rc, why);
	} else if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
		err = fail(why, "no greeting recorded", OPENUM_ENOTFOUND);
	} else {
		err = sq_codec_col(st, 0, &out->codec, why);
		if (!err)
			err = sq_blob_dup(st, 1, &out->data, &out->len, why);
	}
out:
	sqlite3_finalize(st);
	sq_release(q, db);
	return err;
}

/* ---- messages ------------------------------------------------------------ */

static int sq_msg_add(void *impl, const store_msg *m, int64_t *id, const char **why)
{
	return sq_write(impl, NULL, id, why,
	                "INSERT INTO message (mailbox_id, received_ms, caller, duration_ms, state, "
	                "diversion, codec, audio, transcript_state, transcript) "
	                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                "iititttztt", m->mailbox_id, m->received_ms, m->caller,
	                (int64_t)m->duration_ms, store_msg_state_name(m->state), m->diversion,
	                store_codec_name(m->audio.codec), (const void *)m->audio.data, m->audio.len,
	                store_transcript_state_name(m->transcript_state), m->transcript);
}

#define MSG_COLS                                                                                   \
	"id, mailbox_id, received_ms, caller, duration_ms, state, diversion, codec, "              \
	"length(audio), transcript_state, transcript"

static int sq_read_msg(sqlite3_stmt *st, void *row, const char **why)
{
	store_msg *m = row;
	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(st, 0);
	m->mailbox_id = sqlite3_column_int64(st, 1);
	m->received_ms = sqlite3_column_int64(st, 2);
	int err = sq_text(st, 3, m->caller, sizeof(m->caller), why);
	int64_t d = sqlite3_column_int64(st, 4);
	m->duration_ms = d < 0 ? 0 : d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	const char *state = (const char *)sqlite3_column_text(st, 5);
	if (!err && (!state || store_msg_state_parse(state, &m->state) != 0))
		err = fail(why, "database holds an unknown message state", OPENUM_EIO);
	if (!err)
		err = sq_text(st, 6, m->diversion, sizeof(m->diversion), why);
	if (!err)
		err = sq_codec_col(st, 7, &m->audio.codec, why);
	m->audio.len = (size_t)sqlite3_column_int64(st, 8);
	const char *ts = (const char *)sqlite3_column_text(st, 9);
	if (!err && (!ts || store_transcript_state_parse(ts, &m->transcript_state) != 0))
		err = fail(why, "database holds an unknown transcript state", OPENUM_EIO);
	if (!err)
		err = sq_text(st, 10, m->transcript, sizeof(m->transcript), why);
	return err;
}

/* A message with its audio (MSG_COLS, then audio). */
static int sq_read_msg_audio(sqlite3_stmt *st, void *row, const char **why)
{
	store_msg *m = row;
	int err = sq_read_msg(st, m, why);
	return err ? err : sq_blob_dup(st, 11, &m->audio.data, &m->audio.len, why);
}

static int sq_msg_get(void *impl, int64_t id, store_msg *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	return sq_get(impl, "no such message", sq_read_msg_audio, out, why,
	              "SELECT " MSG_COLS ", audio FROM message WHERE id = ?", "i", id);
}

static int sq_msg_list(void *impl, int64_t mailbox_id, unsigned mask, store_msg **out, size_t *n,
                       const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_prep(db, &st, why,
	              "SELECT " MSG_COLS " FROM message WHERE mailbox_id = ?1 AND "
	              "((?2 >> CASE state WHEN 'new' THEN 0 WHEN 'saved' THEN 1 ELSE 2 END) & 1) "
	              "ORDER BY received_ms, id",
	              "ii", mailbox_id, (int64_t)mask);
	void *arr;
	err = sq_list(q, db, st, err, sizeof(**out), sq_read_msg, &arr, n, why);
	if (!err)
		*out = arr;
	return err;
}

static int sq_msg_count(void *impl, int64_t mailbox_id, unsigned *nnew, unsigned *nsaved,
                        const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_prep(db, &st, why,
	              "SELECT total(state = 'new'), total(state = 'saved') FROM message "
	              "WHERE mailbox_id = ?",
	              "i", mailbox_id);
	if (err)
		goto out;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*nnew = (unsigned)sqlite3_column_int64(st, 0);
		*nsaved = (unsigned)sqlite3_column_int64(st, 1);
	} else {
		err = sq_err(db, rc, why);
	}
out:
	sqlite3_finalize(st);
	sq_release(q, db);
	return err;
}

static int sq_msg_set_state(void *impl, int64_t id, store_msg_state s, const char **why)
{
	return sq_write(impl, "no such message", NULL, why,
	                "UPDATE message SET state = ? WHERE id = ?", "ti", store_msg_state_name(s),
	                id);
}

static int sq_msg_delete(void *impl, int64_t id, const char **why)
{
	return sq_write(impl, "no such message", NULL, why, "DELETE FROM message WHERE id = ?", "i",
	                id);
}

static int sq_msg_set_transcript(void *impl, int64_t id, store_transcript_state ts,
                                 const char *text, const char **why)
{
	return sq_write(impl, "no such message", NULL, why,
	                "UPDATE message SET transcript_state = ?, transcript = ? WHERE id = ?",
	                "tti", store_transcript_state_name(ts), text, id);
}

static int sq_msg_get_transcript(void *impl, int64_t id, store_transcript_state *ts, char *text,
                                 const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_prep(db, &st, why, "SELECT transcript_state, transcript FROM message WHERE id = ?",
	              "i", id);
	if (err)
		goto out;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (!t || store_transcript_state_parse(t, ts) != 0)
			err = fail(why, "database holds an unknown transcript state", OPENUM_EIO);
		if (!err && text)
			err = sq_text(st, 1, text, STORE_TRANSCRIPT_MAX, why);
	} else if (rc == SQLITE_DONE) {
		err = fail(why, "no such message", OPENUM_ENOTFOUND);
	} else {
		err = sq_err(db, rc, why);
	}
out:
	sqlite3_finalize(st);
	sq_release(q, db);
	return err;
}

static int sq_read_id(sqlite3_stmt *st, void *row, const char **why)
{
	(void)why;
	*(int64_t *)row = sqlite3_column_int64(st, 0);
	return 0;
}

static int sq_msg_transcript_pending(void *impl, int64_t **ids, size_t *n, const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_prep(db, &st, why,
	              "SELECT id FROM message WHERE transcript_state = 'pending' ORDER BY id", "");
	void *arr;
	err = sq_list(q, db, st, err, sizeof(**ids), sq_read_id, &arr, n, why);
	if (!err)
		*ids = arr;
	return err;
}

/* ---- call log ------------------------------------------------------------- */

static int sq_call_append(void *impl, const store_call *c, int64_t *id, const char **why)
{
	return sq_write(impl, NULL, id, why,
	                "INSERT INTO call_log (time_ms, call_id, transport, peer, trusted, "
	                "skip_pin_requested, logon, kind, mailbox, duration_ms, detail) "
	                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                "itttiitttit", c->time_ms, c->call_id, c->transport, c->peer,
	                (int64_t)c->trusted, (int64_t)c->skip_pin_requested,
	                store_logon_result_name(c->logon), store_call_kind_name(c->kind),
	                c->mailbox, (int64_t)c->duration_ms, c->detail);
}

static int sq_read_call(sqlite3_stmt *st, void *row, const char **why)
{
	store_call *c = row;
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	c->time_ms = sqlite3_column_int64(st, 1);
	int err = sq_text(st, 2, c->call_id, sizeof(c->call_id), why);
	if (!err)
		err = sq_text(st, 3, c->transport, sizeof(c->transport), why);
	if (!err)
		err = sq_text(st, 4, c->peer, sizeof(c->peer), why);
	c->trusted = sqlite3_column_int(st, 5) != 0;
	c->skip_pin_requested = sqlite3_column_int(st, 6) != 0;
	const char *logon = (const char *)sqlite3_column_text(st, 7);
	if (!err && (!logon || store_logon_result_parse(logon, &c->logon) != 0))
		err = fail(why, "database holds an unknown logon result", OPENUM_EIO);
	const char *kind = (const char *)sqlite3_column_text(st, 8);
	if (!err && (!kind || store_call_kind_parse(kind, &c->kind) != 0))
		err = fail(why, "database holds an unknown call kind", OPENUM_EIO);
	if (!err)
		err = sq_text(st, 9, c->mailbox, sizeof(c->mailbox), why);
	int64_t d = sqlite3_column_int64(st, 10);
	c->duration_ms = d < 0 ? 0 : d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	if (!err)
		err = sq_text(st, 11, c->detail, sizeof(c->detail), why);
	return err;
}

static int sq_call_list(void *impl, const char *mailbox, unsigned limit, store_call **out,
                        size_t *n, const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_prep(db, &st, why,
	              "SELECT id, time_ms, call_id, transport, peer, trusted, skip_pin_requested, "
	              "logon, kind, mailbox, duration_ms, detail FROM call_log "
	              "WHERE ?1 IS NULL OR mailbox = ?1 ORDER BY time_ms DESC, id DESC LIMIT ?2",
	              "ti", mailbox, limit ? (int64_t)limit : (int64_t)-1);
	void *arr;
	err = sq_list(q, db, st, err, sizeof(**out), sq_read_call, &arr, n, why);
	if (!err)
		*out = arr;
	return err;
}

/* ---- e-mail delivery (mailq.c) -------------------------------------------- */

static int sq_mailbox_set_delivery(void *impl, int64_t id, const char *email, int mode, int fmt,
                                   const char **why)
{
	return sq_write(impl, "no such mailbox", NULL, why,
	                "UPDATE mailbox SET email = coalesce(?, email), email_mode = ?, "
	                "email_format = ? WHERE id = ?",
	                "ttti", email, store_email_mode_name((store_email_mode)mode),
	                store_email_format_name((store_email_format)fmt), id);
}

#define MAILQ_COLS                                                                                 \
	"q.id, coalesce(q.message_id, 0), q.mailbox_id, q.created_ms, q.state, q.attempts, "       \
	"q.next_ms, q.last_ms, q.result"

static int sq_read_mailq(sqlite3_stmt *st, void *row, const char **why)
{
	store_mailq *m = row;
	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(st, 0);
	m->message_id = sqlite3_column_int64(st, 1);
	m->mailbox_id = sqlite3_column_int64(st, 2);
	m->created_ms = sqlite3_column_int64(st, 3);
	const char *state = (const char *)sqlite3_column_text(st, 4);
	int err = 0;
	if (!state || store_mailq_state_parse(state, &m->state) != 0)
		err = fail(why, "database holds an unknown delivery state", OPENUM_EIO);
	int64_t a = sqlite3_column_int64(st, 5);
	m->attempts = a < 0 ? 0 : a > UINT32_MAX ? UINT32_MAX : (uint32_t)a;
	m->next_ms = sqlite3_column_int64(st, 6);
	m->last_ms = sqlite3_column_int64(st, 7);
	if (!err)
		err = sq_text(st, 8, m->result, sizeof(m->result), why);
	if (!err && sqlite3_column_count(st) > 9)
		err = sq_text(st, 9, m->mailbox, sizeof(m->mailbox), why);
	return err;
}

static int sq_mailq_claim(void *impl, int64_t now_ms, int64_t lease_ms, store_mailq *out,
                          bool *found, const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	/* one statement: SQLite runs one writer at a time, so two claims never take the
	 * same row */
	err = sq_prep(db, &st, why,
	              "UPDATE mail_queue SET attempts = attempts + 1, next_ms = ?1 + ?2 "
	              "WHERE id = (SELECT id FROM mail_queue WHERE state = 'pending' AND "
	              "next_ms <= ?1 AND NOT EXISTS (SELECT 1 FROM message m WHERE "
	              "m.id = mail_queue.message_id AND m.transcript_state = 'pending' AND "
	              "mail_queue.created_ms > ?1 - ?3) "
	              "ORDER BY next_ms, id LIMIT 1) RETURNING id, "
	              "coalesce(message_id, 0), mailbox_id, created_ms, state, attempts, next_ms, "
	              "last_ms, result",
	              "iii", now_ms, lease_ms, (int64_t)STORE_MAILQ_TRANSCRIPT_WAIT_MS);
	if (err)
		goto out;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		err = sq_read_mailq(st, out, why);
		if (!err) {
			*found = true;
			err = sq_done(db, st, why);
		}
	} else if (rc != SQLITE_DONE) {
		err = sq_err(db, rc, why);
	}
out:
	sqlite3_finalize(st);
	sq_release(q, db);
	return err;
}

static int sq_mailq_finish(void *impl, int64_t id, store_mailq_state s, int64_t now_ms,
                           int64_t next_ms, const char *result, const char **why)
{
	return sq_write(impl, "no such delivery", NULL, why,
	                "UPDATE mail_queue SET state = ?, next_ms = ?, last_ms = ?, result = ? "
	                "WHERE id = ?",
	                "tiiti", store_mailq_state_name(s), next_ms, now_ms, result, id);
}

static int sq_mailq_list(void *impl, const char *mailbox, unsigned limit, store_mailq **out,
                         size_t *n, const char **why)
{
	sq *q = impl;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int err = sq_acquire(q, &db, why);
	if (err)
		return err;
	err = sq_prep(db, &st, why,
	              "SELECT " MAILQ_COLS ", b.address FROM mail_queue q "
	              "JOIN mailbox b ON b.id = q.mailbox_id "
	              "WHERE ?1 IS NULL OR b.address = ?1 ORDER BY q.id DESC LIMIT ?2",
	              "ti", mailbox, limit ? (int64_t)limit : (int64_t)-1);
	void *arr;
	err = sq_list(q, db, st, err, sizeof(**out), sq_read_mailq, &arr, n, why);
	if (!err)
		*out = arr;
	return err;
}

const store_backend store_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .schema_version = sq_schema_version,
    .mailbox_add = sq_mailbox_add,
    .mailbox_get = sq_mailbox_get,
    .mailbox_list = sq_mailbox_list,
    .mailbox_del = sq_mailbox_del,
    .mailbox_set_text = sq_mailbox_set_text,
    .pin_get = sq_pin_get,
    .pin_history = sq_pin_history,
    .pin_set = sq_pin_set,
    .failed_logon = sq_failed_logon,
    .reset_failed = sq_reset_failed,
    .greeting_set = sq_greeting_set,
    .greeting_get = sq_greeting_get,
    .msg_add = sq_msg_add,
    .msg_get = sq_msg_get,
    .msg_list = sq_msg_list,
    .msg_count = sq_msg_count,
    .msg_set_state = sq_msg_set_state,
    .msg_delete = sq_msg_delete,
    .msg_set_transcript = sq_msg_set_transcript,
    .msg_get_transcript = sq_msg_get_transcript,
    .msg_transcript_pending = sq_msg_transcript_pending,
    .call_append = sq_call_append,
    .call_list = sq_call_list,
    .mailbox_set_delivery = sq_mailbox_set_delivery,
    .mailq_claim = sq_mailq_claim,
    .mailq_finish = sq_mailq_finish,
    .mailq_list = sq_mailq_list,
};
