/* Tests for src/store/users.c (users_sqlite.c, pg_users.c) against a real SQLite file, or
 * against the PostgreSQL database OPENUM_TEST_PG names (ctest store/test_users_pg runs
 * it under tests/pg/with-postgres.sh; each test starts from an empty public schema):
 * migration 2 on a fresh and on a version-1 database, user CRUD with HA1 checks, forwarding
 * settings, and the location service (upsert by contact, expiry, purge, cascade on user delete,
 * persistence across reopen). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "store/store.h"
#include "store/store_int.h"

#define MD5A "0123456789abcdef0123456789abcdef"
#define SHAA MD5A MD5A

typedef struct fx {
	char dir[64];
	char path[128];
	store_users *u;
} fx;

static const char *pg_conn; /* OPENUM_TEST_PG: the PostgreSQL run */

/* Runs SQL (several statements allowed) on the PostgreSQL database, bypassing the store;
 * the first column of the first row as an integer, 0 when none. */
static long long pg_sql(const char *sql)
{
	PGconn *c = PQconnectdb(pg_conn);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		fprintf(stderr, "%s\n", PQerrorMessage(c));
	assert_true(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK);
	long long v =
	    st == PGRES_TUPLES_OK && PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	PQfinish(c);
	return v;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/openum-users.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/db", f->dir);
	if (pg_conn) {
		snprintf(f->path, sizeof(f->path), "%s", pg_conn);
		pg_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
	}
	assert_int_equal(store_users_open(f->path, NULL, &f->u, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	store_users_close(f->u);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static store_user mkuser(const char *addr)
{
	store_user u = {0};
	snprintf(u.address, sizeof(u.address), "%s", addr);
	snprintf(u.realm, sizeof(u.realm), "example.com");
	snprintf(u.ha1_md5, sizeof(u.ha1_md5), MD5A);
	snprintf(u.ha1_sha256, sizeof(u.ha1_sha256), SHAA);
	return u;
}

static void test_schema_v2(void **state)
{
	fx *f = *state;
	store *s = NULL;
	assert_int_equal(store_open(f->path, NULL, &s, NULL), 0);
	int v = 0;
	assert_int_equal(store_schema_version(s, &v), 0);
	assert_true(v >= 2);
	store_close(s);
}

static void test_user_crud(void **state)
{
	fx *f = *state;
	store_user u = mkuser("alice@Example.COM");
	int64_t id = 0;
	assert_int_equal(store_user_add(f->u, &u, &id, NULL), 0);
	assert_true(id > 0);
	const char *why = NULL;
	assert_int_equal(store_user_add(f->u, &u, NULL, &why), OPENUM_EDUP);
	assert_non_null(why);
	store_user g;
	assert_int_equal(store_user_get(f->u, "sip:alice@example.com", &g, NULL), 0);
	assert_string_equal(g.address, "sip:alice@example.com");
	assert_string_equal(g.ha1_md5, MD5A);
	assert_string_equal(g.ha1_sha256, SHAA);
	assert_int_equal(g.vm_no_answer_s, 0);
	assert_false(g.vm_busy);
	assert_int_equal(store_user_get(f->u, "bob@example.com", &g, NULL), OPENUM_ENOTFOUND);

	/* Bad HA1 values, realm, forwarding target: refused, nothing stored. */
	store_user b = mkuser("bob@example.com");
	b.ha1_md5[0] = 'G';
	assert_int_equal(store_user_add(f->u, &b, NULL, NULL), OPENUM_EINVAL);
	b = mkuser("bob@example.com");
	b.ha1_sha256[10] = '\0';
	assert_int_equal(store_user_add(f->u, &b, NULL, NULL), OPENUM_EINVAL);
	b = mkuser("bob@example.com");
	b.ha1_md5[3] = 'A'; /* upper case hex is not what auth compares against */
	assert_int_equal(store_user_add(f->u, &b, NULL, NULL), OPENUM_EINVAL);
	b = mkuser("bob@example.com");
	b.realm[0] = '\0';
	assert_int_equal(store_user_add(f->u, &b, NULL, NULL), OPENUM_EINVAL);
	b = mkuser("bob@example.com");
	snprintf(b.fwd_immediate, sizeof(b.fwd_immediate), "mailto:bob@example.com");
	assert_int_equal(store_user_add(f->u, &b, NULL, NULL), OPENUM_EINVAL);
	b = mkuser("not an address");
	assert_int_not_equal(store_user_add(f->u, &b, NULL, NULL), 0);
	assert_int_equal(store_user_get(f->u, "bob@example.com", &g, NULL), OPENUM_ENOTFOUND);

	b = mkuser("bob@example.com");
	b.vm_no_answer_s = 20;
	b.vm_busy = true;
	assert_int_equal(store_user_add(f->u, &b, NULL, NULL), 0);
	store_user *list = NULL;
	size_t n = 0;
	assert_int_equal(store_user_list(f->u, &list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].address, "sip:alice@example.com");
	assert_string_equal(list[1].address, "sip:bob@example.com");
	assert_int_equal(list[1].vm_no_answer_s, 20);
	assert_true(list[1].vm_busy);
	free(list);

	/* Forwarding settings replace the old ones. */
	store_user fw = {0};
	snprintf(fw.address, sizeof(fw.address), "alice@example.com");
	snprintf(fw.fwd_immediate, sizeof(fw.fwd_immediate), "sip:carol@example.com");
	fw.vm_unregistered = true;
	assert_int_equal(store_user_set_forwarding(f->u, &fw, NULL), 0);
	assert_int_equal(store_user_get(f->u, "alice@example.com", &g, NULL), 0);
	assert_string_equal(g.fwd_immediate, "sip:carol@example.com");
	assert_true(g.vm_unregistered);
	assert_false(g.vm_busy);
	snprintf(fw.address, sizeof(fw.address), "nobody@example.com");
	assert_int_equal(store_user_set_forwarding(f->u, &fw, NULL), OPENUM_ENOTFOUND);

	/* New password hashes. */
	char m2[] = "ffffffffffffffffffffffffffffffff";
	assert_int_equal(
	    store_user_set_ha1(f->u, "alice@example.com", "other.realm", m2, SHAA, NULL), 0);
	assert_int_equal(store_user_get(f->u, "alice@example.com", &g, NULL), 0);
	assert_string_equal(g.ha1_md5, m2);
	assert_string_equal(g.realm, "other.realm");
	assert_int_equal(store_user_set_ha1(f->u, "alice@example.com", "r", "x", SHAA, NULL),
	                 OPENUM_EINVAL);
	assert_int_equal(store_user_set_ha1(f->u, "zed@example.com", "r", m2, SHAA, NULL),
	                 OPENUM_ENOTFOUND);

	assert_int_equal(store_user_del(f->u, "alice@example.com", NULL), 0);
	assert_int_equal(store_user_del(f->u, "alice@example.com", NULL), OPENUM_ENOTFOUND);
	assert_int_equal(store_user_get(f->u, "alice@example.com", &g, NULL), OPENUM_ENOTFOUND);
}

static store_binding mkbind(const char *aor, const char *contact, int64_t exp, uint16_t q)
{
	store_binding b = {0};
	snprintf(b.aor, sizeof(b.aor), "%s", aor);
	snprintf(b.contact, sizeof(b.contact), "%s", contact);
	b.expires_ms = exp;
	b.q = q;
	snprintf(b.transport, sizeof(b.transport), "TLS");
	snprintf(b.peer, sizeof(b.peer), "192.0.2.1:40000");
	snprintf(b.call_id, sizeof(b.call_id), "reg-1");
	b.cseq = 1;
	return b;
}

static void test_bindings(void **state)
{
	fx *f = *state;
	store_user u = mkuser("alice@example.com");
	assert_int_equal(store_user_add(f->u, &u, NULL, NULL), 0);
	/* A binding needs a user. */
	store_binding nb = mkbind("bob@example.com", "sip:bob@192.0.2.9", 5000, 1000);
	assert_int_equal(store_binding_put(f->u, &nb, NULL), OPENUM_ENOTFOUND);

	store_binding b1 =
	    mkbind("alice@example.com", "sip:alice@192.0.2.1:40000;transport=tls", 10000, 500);
	store_binding b2 = mkbind("sip:alice@example.com", "sip:alice@192.0.2.2", 20000, 1000);
	assert_int_equal(store_binding_put(f->u, &b1, NULL), 0);
	assert_int_equal(store_binding_put(f->u, &b2, NULL), 0);
	store_binding *l = NULL;
	size_t n = 0;
	assert_int_equal(store_binding_list(f->u, "alice@example.com", 0, &l, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].contact, "sip:alice@192.0.2.2"); /* q 1.0 first */
	assert_string_equal(l[1].transport, "TLS");
	assert_string_equal(l[1].peer, "192.0.2.1:40000");
	free(l);
	/* Refresh: same contact replaces, no duplicate. */
	b1.expires_ms = 30000;
	b1.cseq = 2;
	assert_int_equal(store_binding_put(f->u, &b1, NULL), 0);
	assert_int_equal(store_binding_list(f->u, NULL, 15000, &l, &n, NULL), 0);
	assert_int_equal(n, 2);
	free(l);
	assert_int_equal(store_binding_list(f->u, NULL, 25000, &l, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].cseq, 2);
	free(l);
	/* Bad q. */
	b1.q = 1001;
	assert_int_equal(store_binding_put(f->u, &b1, NULL), OPENUM_EINVAL);
	/* Purge. */
	unsigned cnt = 0;
	assert_int_equal(store_binding_purge(f->u, 25000, &cnt, NULL), 0);
	assert_int_equal(cnt, 1);
	/* Survives reopen (a proxy restart). */
	store_users_close(f->u);
	assert_int_equal(store_users_open(f->path, NULL, &f->u, NULL), 0);
	assert_int_equal(store_binding_list(f->u, "alice@example.com", 0, &l, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].contact, "sip:alice@192.0.2.1:40000;transport=tls");
	free(l);
	/* Delete one, delete all, cascade. */
	assert_int_equal(store_binding_put(f->u, &b2, NULL), 0);
	assert_int_equal(store_binding_del(f->u, "alice@example.com", "sip:alice@192.0.2.2", NULL),
	                 0);
	assert_int_equal(store_binding_list(f->u, "alice@example.com", 0, &l, &n, NULL), 0);
	assert_int_equal(n, 1);
	free(l);
	assert_int_equal(store_binding_del(f->u, "alice@example.com", NULL, NULL), 0);
	assert_int_equal(store_binding_list(f->u, "alice@example.com", 0, &l, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_null(l);
	assert_int_equal(store_binding_put(f->u, &b2, NULL), 0);
	assert_int_equal(store_user_del(f->u, "alice@example.com", NULL), 0);
	assert_int_equal(store_binding_list(f->u, NULL, 0, &l, &n, NULL), 0);
	assert_int_equal(n, 0);
}

/* A database at version 1 (mailboxes only) gains the tables, mailboxes kept. */
static void test_migrate_from_v1(void **state)
{
	(void)state;
	char dir[] = "/tmp/openum-users1.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/db", dir);
	if (pg_conn) {
		/* migration 1 as released, then a mailbox */
		pg_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
		pg_sql(store_pg_migrations[0].sql);
		pg_sql("CREATE TABLE openum_schema (version INTEGER NOT NULL);"
		       "INSERT INTO openum_schema VALUES (1);"
		       "INSERT INTO mailbox (address, name, ext, created_ms) "
		       "VALUES ('sip:x@y', 'X', '1', 0)");
		snprintf(path, sizeof(path), "%s", pg_conn);
	} else {
		sqlite3 *db;
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		/* migration 1 as released (later migrations alter its tables), then a mailbox */
		assert_int_equal(sqlite3_exec(db, store_sqlite_migrations[0].sql, NULL, NULL, NULL),
		                 SQLITE_OK);
		assert_int_equal(
		    sqlite3_exec(db,
		                 "INSERT INTO mailbox (address, name, ext, created_ms) "
		                 "VALUES ('sip:x@y', 'X', '1', 0);"
		                 "PRAGMA user_version = 1;",
		                 NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(db);
	}
	store_users *u = NULL;
	assert_int_equal(store_users_open(path, NULL, &u, NULL), 0);
	store_user a = mkuser("alice@example.com");
	assert_int_equal(store_user_add(u, &a, NULL, NULL), 0);
	store_users_close(u);
	if (pg_conn) {
		assert_int_equal(pg_sql("SELECT count(*) FROM mailbox"), 1);
		assert_int_equal(pg_sql("SELECT version FROM openum_schema"),
		                 store_pg_migrations[store_pg_nmigrations - 1].version);
	} else {
		sqlite3 *db;
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		sqlite3_stmt *st;
		sqlite3_prepare_v2(db, "SELECT count(*) FROM mailbox", -1, &st, NULL);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 1);
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	/* A PostgreSQL server that is not there: a clear error, no hang. */
	const char *why = NULL;
	assert_int_equal(
	    store_users_open("postgresql://openum@127.0.0.1:1/x?connect_timeout=2", NULL, &u, &why),
	    OPENUM_EIO);
	assert_non_null(strstr(why, "PostgreSQL"));
	assert_int_equal(store_fwd_target_check("", NULL), 0);
	assert_int_equal(store_fwd_target_check("sips:bob@example.com", NULL), 0);
	assert_int_equal(store_fwd_target_check("tel:+15551234", NULL), OPENUM_EINVAL);
}

int main(void)
{
	pg_conn = getenv("OPENUM_TEST_PG");
	if (pg_conn && !*pg_conn)
		pg_conn = NULL;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_schema_v2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_crud, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bindings, setup, teardown),
	    cmocka_unit_test(test_migrate_from_v1),
	};
	return cmocka_run_group_tests_name(pg_conn ? "users-postgresql" : "users-sqlite", tests,
	                                   NULL, NULL);
}
