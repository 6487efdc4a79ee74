/* store/pg_int.h: what the PostgreSQL back end's files share (pg_conn.c: pool,
 * queries, migrations; pg.c: mailboxes, messages, call log; pg_users.c: proxy users and
 * registrations). Not a
 * public header: only src/store/ includes it.
 *
 * Memory: a pg_pool owns its connections and its copy of the connection string; a
 * PGresult from pg_query belongs to the caller (PQclear). Results come in binary
 * format: integers and booleans are read with pg_i64 whatever their width. */
#ifndef OPENUM_STORE_PG_INT_H
#define OPENUM_STORE_PG_INT_H

#include <pthread.h>

#include <libpq-fe.h>

#include "store_int.h"

typedef struct pg_conn {
	PGconn *c;
	bool busy;
} pg_conn;

typedef struct pg_pool {
	char *conninfo;
	unsigned lock_ms; /* lock_timeout of every session */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned nconn;
	pg_conn conn[STORE_POOL_MAX];
} pg_pool;

/* Opens a pool on conninfo (a libpq URI or key=value string) and migrates the schema
 * under an advisory lock. no_create: OPENUM_ENOTFOUND when the schema is absent. */
int pg_pool_open(const char *conninfo, const store_options *opt, pg_pool **out, const char **why);
void pg_pool_close(pg_pool *p);
/* One connection for the calling thread (waits while all STORE_POOL_MAX are in use;
 * a broken connection is re-established). Give it back with pg_release. */
int pg_acquire(pg_pool *p, PGconn **c, const char **why);
void pg_release(pg_pool *p, const PGconn *c);

/* Runs sql with parameters bound from fmt, one letter each: 'i' int64_t, 't' const char *
 * (NULL binds NULL), 'b' const void *, size_t (NULL binds NULL), 'z' like 'b' but never
 * NULL. On success *res holds the binary-format result (PQclear it); on failure *res is
 * NULL and the error is mapped to OPENUM_E* with a static reason. */
int pg_query(PGconn *c, PGresult **res, const char **why, const char *sql, const char *fmt, ...);
/* The schema version: -1 when the database has no openum_schema table yet. */
int pg_version(PGconn *c, int *out, const char **why);
/* pg_query on a connection of the pool, taken and given back around it. res may be
 * NULL when the caller wants no rows. */
int pg_run(pg_pool *p, PGresult **res, const char **why, const char *sql, const char *fmt, ...);
/* pg_run of an UPDATE/DELETE: no row changed is OPENUM_ENOTFOUND with nf as the reason. */
int pg_change(pg_pool *p, const char *nf, const char **why, const char *sql, const char *fmt, ...);
/* A statement without parameters or rows ("BEGIN", "COMMIT"). */
int pg_exec(PGconn *c, const char *sql, const char **why);
void pg_rollback(PGconn *c);
/* Rows a command changed (UPDATE, DELETE). */
unsigned pg_changed(const PGresult *r);

int64_t pg_i64(const PGresult *r, int row, int col); /* NULL reads as 0 */
int pg_text(const PGresult *r, int row, int col, char *dst, size_t cap, const char **why);
int pg_bytes_dup(const PGresult *r, int row, int col, uint8_t **out, size_t *len, const char **why);

#endif
