/* The fixture the store suites share (test_store.c, test_mailq.c): one store per test,
 * on a SQLite file in a fresh temporary directory, or, when OPENUM_TEST_PG names a
 * PostgreSQL database, on that database with its public schema emptied first.
 * Included by one test file each (static functions, cmocka included before). */
#ifndef OPENUM_TEST_STORE_FX_H
#define OPENUM_TEST_STORE_FX_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

typedef struct store_fx {
	char dir[64];
	char path[128]; /* the SQLite file, or the PostgreSQL conninfo */
	store *s;
	int64_t alice, bob; /* mailboxes a suite's setup adds (test_mailq) */
} store_fx;

static const char *pg_conn; /* OPENUM_TEST_PG: the PostgreSQL run */

/* Reads OPENUM_TEST_PG (empty is unset); true for the PostgreSQL run. */
static bool store_fx_pg_from_env(void)
{
	pg_conn = getenv("OPENUM_TEST_PG");
	if (pg_conn && !*pg_conn)
		pg_conn = NULL;
	return pg_conn != NULL;
}

/* Empties the PostgreSQL database: every table of the store is gone. */
static void store_fx_pg_reset(void)
{
	PGconn *c = PQconnectdb(pg_conn);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
}

/* Opens f->s with o on an empty database (tag names the temporary directory):
 * 0, or -1 with f->dir removed. */
static int store_fx_open(store_fx *f, const char *tag, const store_options *o)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/openum-%s.XXXXXX", tag);
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/openum.db", f->dir);
	if (pg_conn) {
		snprintf(f->path, sizeof(f->path), "%s", pg_conn);
		store_fx_pg_reset();
	}
	const char *why = NULL;
	if (store_open(f->path, o, &f->s, &why) != 0) {
		fprintf(stderr, "store_open: %s\n", why);
		rmdir(f->dir);
		return -1;
	}
	return 0;
}

/* Closes f->s (may be NULL) and removes the SQLite files and the directory. */
static void store_fx_close(store_fx *f)
{
	store_close(f->s);
	f->s = NULL;
	const char *suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[160];
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
		unlink(p);
	}
	rmdir(f->dir);
}

#endif
