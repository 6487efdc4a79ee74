/* store/pg_conn.c: what every PostgreSQL file of the store stands on (pg_int.h): the
 * connection pool (up to STORE_POOL_MAX libpq connections handed out one per thread at
 * a time; a connection found broken is reset before use), statements through
 * PQexecParams with binary parameters and results (audio moves without hex escaping),
 * SQLSTATE to OPENUM_E* mapping, and the schema migrations, run in one transaction
 * under an advisory lock so that two servers starting at once migrate once. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "pg_int.h"

#define PG_MAX_PARAMS 16
#define PG_CONNECT_TIMEOUT_S "10"
#define PG_OID_INT8 20
#define PG_OID_BYTEA 17
/* pg_advisory_xact_lock key of the migration: "openum" in ASCII */
#define PG_MIGRATE_LOCK "111546425225581"

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

/* Maps a failed result (or a dead connection when r is NULL) to OPENUM_E*. */
static int pg_err(PGconn *c, const PGresult *r, const char **why)
{
	if (!r || PQstatus(c) != CONNECTION_OK)
		return fail(why, "database connection failed", OPENUM_EIO);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *cons = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
	if (!state)
		return fail(why, "database error", OPENUM_EIO);
	if (strcmp(state, "23505") == 0) { /* unique_violation */
		if (cons && strcmp(cons, "mailbox_ext_key") == 0)
			return fail(why, "extension already in use", OPENUM_EDUP);
		if (cons && strcmp(cons, "mailbox_address_key") == 0)
			return fail(why, "address already has a mailbox", OPENUM_EDUP);
		if (cons && strcmp(cons, "sip_user_address_key") == 0)
			return fail(why, "user already exists", OPENUM_EDUP);
		return fail(why, "already exists", OPENUM_EDUP);
	}
	if (strcmp(state, "23503") == 0) /* foreign_key_violation */
		return fail(why,
		            cons && strncmp(cons, "registration", 12) == 0 ? "no such user"
		                                                           : "no such mailbox",
		            OPENUM_ENOTFOUND);
	if (strncmp(state, "23", 2) == 0) /* other integrity constraints */
		return fail(why, "value refused by the database", OPENUM_EINVAL);
	if (strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0 || strcmp(state, "57014") == 0)
		return fail(why, "database busy", OPENUM_EIO);
	if (strcmp(state, "53100") == 0)
		return fail(why, "disk full", OPENUM_EIO);
	if (strcmp(state, "53200") == 0)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	if (strcmp(state, "54000") == 0)
		return fail(why, "too big for the database", OPENUM_ETOOBIG);
	if (strncmp(state, "08", 2) == 0)
		return fail(why, "database connection failed", OPENUM_EIO);
	if (strncmp(state, "42", 2) == 0)
		return fail(why, "database schema does not match this openum", OPENUM_EIO);
	return fail(why, "database error", OPENUM_EIO);
}

static int pg_vquery(PGconn *c, PGresult **res, const char **why, const char *sql, const char *fmt,
                     va_list ap)
{
	const char *vals[PG_MAX_PARAMS];
	int lens[PG_MAX_PARAMS], fmts[PG_MAX_PARAMS];
	Oid types[PG_MAX_PARAMS];
	uint8_t ints[PG_MAX_PARAMS][8];
	int n = 0;
	*res = NULL;
	for (const char *f = fmt; *f; f++, n++) {
		if (n == PG_MAX_PARAMS)
			return fail(why, "too many statement parameters", OPENUM_EINVAL);
		switch (*f) {
		case 'i': {
			uint64_t v = (uint64_t)va_arg(ap, int64_t);
			for (int k = 0; k < 8; k++)
				ints[n][k] = (uint8_t)(v >> (56 - 8 * k));
			vals[n] = (const char *)ints[n];
			lens[n] = 8;
			fmts[n] = 1;
			types[n] = PG_OID_INT8;
			break;
		}
		case 't':
			vals[n] = va_arg(ap, const char *);
			lens[n] = 0;
			fmts[n] = 0;
			types[n] = 0; /* inferred from the statement */
			break;
		default: { /* 'b', 'z' */
			const void *p = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);
			if (len > (size_t)INT32_MAX)
				return fail(why, "too big for the database", OPENUM_ETOOBIG);
			vals[n] = p || *f == 'b' ? p : "";
			if (*f == 'z' && !len)
				vals[n] = "";
			lens[n] = (int)len;
			fmts[n] = 1;
			types[n] = PG_OID_BYTEA;
			break;
		}
		}
	}
	PGresult *r = PQexecParams(c, sql, n, types, vals, lens, fmts, 1);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		int err = pg_err(c, r, why);
		PQclear(r);
		return err;
	}
	*res = r;
	return 0;
}

int pg_query(PGconn *c, PGresult **res, const char **why, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int err = pg_vquery(c, res, why, sql, fmt, ap);
	va_end(ap);
	return err;
}

int pg_exec(PGconn *c, const char *sql, const char **why)
{
	PGresult *r;
	int err = pg_query(c, &r, why, sql, "");
	PQclear(r);
	return err;
}

void pg_rollback(PGconn *c)
{
	if (PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
}

unsigned pg_changed(const PGresult *r)
{
	const char *t = PQcmdTuples((PGresult *)r);
	return t && *t ? (unsigned)strtoul(t, NULL, 10) : 0;
}

int64_t pg_i64(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	const uint8_t *p = (const uint8_t *)PQgetvalue(r, row, col);
	int len = PQgetlength(r, row, col);
	uint64_t v = 0;
	for (int k = 0; k < len && k < 8; k++)
		v = v << 8 | p[k];
	switch (len) { /* sign-extend int2, int4; bool is 0 or 1 */
	case 2: return (int16_t)v;
	case 4: return (int32_t)v;
	default: return (int64_t)v;
	}
}

int pg_text(const PGresult *r, int row, int col, char *dst, size_t cap, const char **why)
{
	size_t n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
	if (n >= cap)
		return fail(why, "stored text too long", OPENUM_ETOOBIG);
	if (n)
		memcpy(dst, PQgetvalue(r, row, col), n);
	dst[n] = '\0';
	return 0;
}

int pg_bytes_dup(const PGresult *r, int row, int col, uint8_t **out, size_t *len, const char **why)
{
	size_t n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
	*out = NULL;
	*len = 0;
	if (n == 0)
		return 0;
	uint8_t *d = malloc(n);
	if (!d)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	memcpy(d, PQgetvalue(r, row, col), n);
	*out = d;
	*len = n;
	return 0;
}

/* ---- connections --------------------------------------------------------- */

static void pg_notice_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg; /* NOTICEs ("relation exists, skipping") are not errors */
}

/* Session settings, on every new or reset connection: wait at most lock_ms for a row or
 * table lock, like SQLite's busy_timeout; UTF-8 and UTC so that nothing depends on the
 * server's defaults. */
static int pg_session(pg_pool *p, PGconn *c, const char **why)
{
	PQsetNoticeProcessor(c, pg_notice_quiet, NULL);
	char set[160];
	snprintf(set, sizeof(set),
	         "SET lock_timeout = %u; SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'",
	         p->lock_ms);
	PGresult *r = PQexec(c, set);
	int err = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : pg_err(c, r, why);
	PQclear(r);
	return err;
}

/* "cannot connect to PostgreSQL: " and the first line of libpq's reason: the operator
 * needs its "Connection refused", "timeout expired" or "password authentication failed
 * for user ..." (libpq names the host, port and user, never the password). In a
 * thread-local buffer: valid until this thread's next failed connection. */
static const char *connect_why(const PGconn *c)
{
	static _Thread_local char buf[384];
	const char *msg = PQerrorMessage(c);
	int n = (int)strcspn(msg, "\n");
	while (n > 0 && (msg[n - 1] == ' ' || msg[n - 1] == '\r'))
		n--;
	if (n == 0)
		return "cannot connect to PostgreSQL";
	snprintf(buf, sizeof(buf), "cannot connect to PostgreSQL: %.*s", n, msg);
	return buf;
}

static int pg_connect(pg_pool *p, PGconn **out, const char **why)
{
	/* An unreachable server must not hang a UM server: libpq waits forever by default,
	 * so give it PG_CONNECT_TIMEOUT_S unless the connection string or
	 * PGCONNECT_TIMEOUT says otherwise (parameters in the string win: it is expanded
	 * after ours). */
	const char *env = getenv("PGCONNECT_TIMEOUT");
	const char *keys[3] = {"connect_timeout", "dbname", NULL};
	const char *vals[3] = {PG_CONNECT_TIMEOUT_S, p->conninfo, NULL};
	size_t k = env && *env ? 1 : 0; /* PGCONNECT_TIMEOUT set: leave it to libpq */
	PGconn *c = PQconnectdbParams(keys + k, vals + k, 1);
	if (!c)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	if (PQstatus(c) != CONNECTION_OK) {
		int err = fail(why, connect_why(c), OPENUM_EIO);
		PQfinish(c);
		return err;
	}
	int err = pg_session(p, c, why);
	if (err) {
		PQfinish(c);
		return err;
	}
	*out = c;
	return 0;
}

int pg_acquire(pg_pool *p, PGconn **c, const char **why)
{
	int err = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (unsigned i = 0; i < p->nconn; i++) {
			pg_conn *pc = &p->conn[i];
			if (pc->busy)
				continue;
			if (PQstatus(pc->c) != CONNECTION_OK) {
				/* the server restarted or the link dropped: one new try */
				PQreset(pc->c);
				err = PQstatus(pc->c) == CONNECTION_OK
				          ? pg_session(p, pc->c, why)
				          : fail(why, "database connection failed", OPENUM_EIO);
				if (err)
					goto out;
			}
			pc->busy = true;
			*c = pc->c;
			goto out;
		}
		if (p->nconn < STORE_POOL_MAX) {
			/* connecting while holding the mutex keeps the pool simple; it
			 * happens at most STORE_POOL_MAX times per process */
			err = pg_connect(p, c, why);
			if (!err)
				p->conn[p->nconn++] = (pg_conn){*c, true};
			goto out;
		}
		pthread_cond_wait(&p->cv, &p->mu);
	}
out:
	pthread_mutex_unlock(&p->mu);
	return err;
}

void pg_release(pg_pool *p, const PGconn *c)
{
	pthread_mutex_lock(&p->mu);
	for (unsigned i = 0; i < p->nconn; i++)
		if (p->conn[i].c == c)
			p->conn[i].busy = false;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static int pg_vrun(pg_pool *p, PGresult **res, const char **why, const char *sql, const char *fmt,
                   va_list ap)
{
	PGconn *c;
	int err = pg_acquire(p, &c, why);
	if (err)
		return err;
	PGresult *r = NULL;
	err = pg_vquery(c, &r, why, sql, fmt, ap);
	pg_release(p, c);
	if (!err && res)
		*res = r;
	else
		PQclear(r);
	return err;
}

/* Runs one statement on a pooled connection; its rows, if any, are left in *res (NULL
 * when the caller wants none). */
int pg_run(pg_pool *p, PGresult **res, const char **why, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int err = pg_vrun(p, res, why, sql, fmt, ap);
	va_end(ap);
	return err;
}

int pg_change(pg_pool *p, const char *nf, const char **why, const char *sql, const char *fmt, ...)
{
	PGresult *r;
	va_list ap;
	va_start(ap, fmt);
	int err = pg_vrun(p, &r, why, sql, fmt, ap);
	va_end(ap);
	if (err)
		return err;
	if (pg_changed(r) == 0) {
		if (why)
			*why = nf;
		err = OPENUM_ENOTFOUND;
	}
	PQclear(r);
	return err;
}

int pg_version(PGconn *c, int *out, const char **why)
{
	PGresult *r;
	int err = pg_query(c, &r, why, "SELECT to_regclass('openum_schema') IS NOT NULL", "");
	if (err)
		return err;
	bool have = pg_i64(r, 0, 0) != 0;
	PQclear(r);
	*out = -1;
	if (!have)
		return 0;
	err = pg_query(c, &r, why, "SELECT coalesce(max(version), 0) FROM openum_schema", "");
	if (err)
		return err;
	*out = (int)pg_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

/* Brings the schema to the newest version in one transaction (PostgreSQL DDL is
 * transactional): a crash half-way leaves the old version, and the advisory lock makes
 * a second process wait and then find the work done. */
static int pg_migrate(PGconn *c, bool no_create, const char **why)
{
	int latest = store_pg_migrations[store_pg_nmigrations - 1].version;
	int cur = -1;
	int err = pg_exec(c, "BEGIN", why);
	if (!err)
		err = pg_exec(c, "SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ")", why);
	if (!err)
		err = pg_version(c, &cur, why);
	if (!err && cur < 0 && no_create)
		err = fail(why, "database not found", OPENUM_ENOTFOUND);
	if (!err && cur < 0) {
		err = pg_exec(c, "CREATE TABLE openum_schema (version INTEGER NOT NULL)", why);
		if (!err)
			err = pg_exec(c, "INSERT INTO openum_schema VALUES (0)", why);
		cur = 0;
	}
	if (!err && cur > latest)
		err = fail(why, "database schema is newer than this openum", OPENUM_EINVAL);
	for (size_t i = 0; !err && i < store_pg_nmigrations; i++) {
		const store_migration *m = &store_pg_migrations[i];
		if (m->version <= cur)
			continue;
		PGresult *r = PQexec(c, m->sql); /* several statements: simple protocol */
		err = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : pg_err(c, r, why);
		PQclear(r);
		if (!err) {
			PGresult *u;
			err = pg_query(c, &u, why, "UPDATE openum_schema SET version = $1::int8",
			               "i", (int64_t)m->version);
			PQclear(u);
		}
	}
	if (!err)
		err = pg_exec(c, "COMMIT", why);
	if (err)
		pg_rollback(c);
	return err;
}

void pg_pool_close(pg_pool *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->nconn; i++)
		PQfinish(p->conn[i].c);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->conninfo);
	free(p);
}

int pg_pool_open(const char *conninfo, const store_options *opt, pg_pool **out, const char **why)
{
	if (!PQisthreadsafe())
		return fail(why, "libpq was built without thread safety", OPENUM_EINVAL);
	pg_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	p->conninfo = strdup(conninfo);
	p->lock_ms = opt->busy_timeout_ms ? opt->busy_timeout_ms : STORE_BUSY_TIMEOUT_MS;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (!p->conninfo) {
		pg_pool_close(p);
		return fail(why, "out of memory", OPENUM_ENOMEM);
	}
	PGconn *c = NULL;
	int err = pg_connect(p, &c, why);
	if (!err) {
		p->conn[p->nconn++] = (pg_conn){c, false};
		err = pg_migrate(c, opt->no_create, why);
	}
	if (err) {
		pg_pool_close(p);
		return err;
	}
	*out = p;
	return 0;
}
