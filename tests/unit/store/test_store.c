/* Tests for src/store (store.c, sqlite.c, sqlite_schema.c, pg.c, pg_schema.c, pin.c,
 * async.c): migrations, mailbox CRUD, PIN hashing, policy and history, lockout,
 * concurrent failed logons without lost updates, messages, the call log, and the async
 * wrappers running off the loop thread. One suite, two back ends: against a real SQLite
 * file in a temporary directory, or, when OPENUM_TEST_PG names a PostgreSQL database
 * (ctest store/test_store_pg runs it under tests/pg/with-postgres.sh), against that
 * database, whose public schema every test starts from empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store_fx.h"

#define TEST_ITER 1000 /* PBKDF2 rounds in tests: the real count is only slower */

typedef store_fx fx;

/* A second look at the database, bypassing the store: one statement, the first column of
 * its first row as an integer (0 when it returns none). */
static int64_t raw_sql(const fx *f, const char *sql)
{
	int64_t v = 0;
	if (pg_conn) {
		PGconn *c = PQconnectdb(pg_conn);
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
			fprintf(stderr, "%s: %s\n", sql, PQerrorMessage(c));
		assert_true(PQresultStatus(r) == PGRES_TUPLES_OK ||
		            PQresultStatus(r) == PGRES_COMMAND_OK);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
			v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		PQfinish(c);
		return v;
	}
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	int rc = sqlite3_step(st);
	assert_true(rc == SQLITE_ROW || rc == SQLITE_DONE);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static store_options test_opts(void)
{
	store_options o = {0};
	o.pin_iterations = TEST_ITER;
	return o;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	store_options o = test_opts();
	if (!f || store_fx_open(f, "store", &o) != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	store_fx_close(f);
	free(f);
	return 0;
}

static int64_t add_alice(store *s)
{
	int64_t id = 0;
	const char *why = NULL;
	int err =
	    store_mailbox_add(s, "sip:alice@contoso.com", "Alice", "1001", "204862", &id, &why);
	if (err)
		fprintf(stderr, "add: %s\n", why);
	assert_int_equal(err, 0);
	assert_true(id > 0);
	return id;
}

/* ---- opening and migrations ---------------------------------------------------- */

static void test_open_migrates_and_reopens(void **state)
{
	fx *f = *state;
	int latest = store_sqlite_migrations[store_sqlite_nmigrations - 1].version;
	assert_int_equal(store_pg_migrations[store_pg_nmigrations - 1].version, latest);
	int v = -1;
	assert_int_equal(store_schema_version(f->s, &v), 0);
	assert_int_equal(v, latest);
	int64_t id = add_alice(f->s);
	store_close(f->s);
	f->s = NULL;

	if (pg_conn) {
		assert_int_equal(raw_sql(f, "SELECT version FROM openum_schema"), latest);
		assert_int_equal(raw_sql(f, "SELECT count(*) FROM openum_schema"), 1);
		assert_int_equal(
		    raw_sql(f, "SELECT count(*) FROM information_schema.tables WHERE table_name IN "
		               "('mailbox', 'message', 'call_log', 'pin_history', 'sip_user', "
		               "'registration')"),
		    6);
		/* audio is bytea, kept out of line uncompressed */
		assert_int_equal(raw_sql(f, "SELECT count(*) FROM information_schema.columns WHERE "
		                            "table_name = 'message' AND column_name = 'audio' AND "
		                            "data_type = 'bytea'"),
		                 1);
	} else {
		assert_int_equal(raw_sql(f, "PRAGMA user_version"), latest);
		assert_int_equal(raw_sql(f, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"),
		                 1);
		assert_int_equal(
		    raw_sql(f, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
		               "name IN ('mailbox', 'message', 'call_log', 'pin_history')"),
		    4);
	}

	/* Re-open: no migration runs again, the data is there. */
	store_options o = test_opts();
	assert_int_equal(store_open(f->path, &o, &f->s, NULL), 0);
	assert_int_equal(store_schema_version(f->s, &v), 0);
	assert_int_equal(v, latest);
	store_mailbox mb;
	assert_int_equal(store_mailbox_get(f->s, id, &mb, NULL), 0);
	assert_string_equal(mb.address, "sip:alice@contoso.com");
	/* The other spellings name the same database: "sqlite:PATH"; "pg:" with libpq's
	 * key=value string, or empty for the PG* environment (with-postgres.sh sets it). */
	char conn[300];
	if (pg_conn)
		snprintf(conn, sizeof(conn), "pg:");
	else
		snprintf(conn, sizeof(conn), "sqlite:%s", f->path);
	store *s2 = NULL;
	assert_int_equal(store_open(conn, &o, &s2, NULL), 0);
	assert_int_equal(store_mailbox_get_by_ext(s2, "1001", &mb, NULL), 0);
	store_close(s2);
	if (pg_conn) {
		snprintf(conn, sizeof(conn), "postgres:host=%s port=%s user=%s dbname=%s",
		         getenv("PGHOST"), getenv("PGPORT"), getenv("PGUSER"),
		         getenv("PGDATABASE"));
		assert_int_equal(store_open(conn, &o, &s2, NULL), 0);
		assert_int_equal(store_mailbox_get_by_ext(s2, "1001", &mb, NULL), 0);
		store_close(s2);
	}
}

static void test_open_refuses(void **state)
{
	fx *f = *state;
	store *s = NULL;
	const char *why = NULL;
	store_options o = test_opts();

	/* Nothing listens on port 1: a clear I/O error, no hang. */
	assert_int_equal(
	    store_open("postgresql://openum@127.0.0.1:1/openum?connect_timeout=2", &o, &s, &why),
	    OPENUM_EIO);
	assert_non_null(strstr(why, "PostgreSQL"));
	assert_null(s);
	assert_int_equal(store_open(":memory:", &o, &s, &why), OPENUM_EINVAL);
	assert_int_equal(store_open("", &o, &s, &why), OPENUM_EINVAL);
	o.pin_min_len = 3;
	assert_int_equal(store_open(f->path, &o, &s, &why), OPENUM_EINVAL);
	o.pin_min_len = 25;
	assert_int_equal(store_open(f->path, &o, &s, &why), OPENUM_EINVAL);
	o.pin_min_len = 0;

	/* A schema newer than the code is refused, not downgraded. */
	raw_sql(f,
	        pg_conn ? "UPDATE openum_schema SET version = 999" : "PRAGMA user_version = 999");
	assert_int_equal(store_open(f->path, &o, &s, &why), OPENUM_EINVAL);
	assert_non_null(strstr(why, "newer"));
	assert_null(s);

	/* no_create: an absent database (file, or schema in PostgreSQL) is not created. */
	char p[160];
	snprintf(p, sizeof(p), "%s/absent.db", f->dir);
	if (pg_conn) {
		store_close(f->s);
		f->s = NULL;
		store_fx_pg_reset();
	}
	o.no_create = true;
	assert_int_equal(store_open(pg_conn ? pg_conn : p, &o, &s, &why), OPENUM_ENOTFOUND);
	assert_null(s);
	assert_int_equal(access(p, F_OK), -1);
	if (pg_conn)
		assert_int_equal(raw_sql(f, "SELECT count(*) FROM information_schema.tables WHERE "
		                            "table_schema = 'public'"),
		                 0);
	o.no_create = false;
	if (pg_conn) {
		assert_int_equal(store_open(f->path, &o, &f->s, &why), 0);
		return;
	}

	/* Not a database at all. */
	snprintf(p, sizeof(p), "%s/junk.db", f->dir);
	FILE *j = fopen(p, "w");
	fputs("this is not an SQLite database, it is a text file of some length.......\n", j);
	fclose(j);
	assert_int_equal(store_open(p, &o, &s, &why), OPENUM_EIO);
	unlink(p);
}

static void test_open_migrates_old_schema(void **state)
{
	/* A database at version 0 with unrelated content gets the schema added. */
	fx *f = *state;
	char p[sizeof f->path];
	snprintf(p, sizeof(p), "%s/old.db", f->dir);
	fx old = *f;
	if (pg_conn) {
		store_close(f->s);
		f->s = NULL;
		store_fx_pg_reset();
		snprintf(p, sizeof(p), "%s", pg_conn);
	} else {
		snprintf(old.path, sizeof(old.path), "%s", p);
	}
	raw_sql(&old, "CREATE TABLE other(x INTEGER)");
	raw_sql(&old, "INSERT INTO other VALUES (7)");
	store_options o = test_opts();
	store *s = NULL;
	assert_int_equal(store_open(p, &o, &s, NULL), 0);
	int v = 0;
	assert_int_equal(store_schema_version(s, &v), 0);
	assert_int_equal(v, store_sqlite_migrations[store_sqlite_nmigrations - 1].version);
	assert_int_equal(store_mailbox_add(s, "bob@x.org", "Bob", "7", NULL, NULL, NULL), 0);
	store_close(s);
	assert_int_equal(raw_sql(&old, "SELECT x FROM other"), 7);
	if (pg_conn) {
		assert_int_equal(store_open(f->path, &o, &f->s, NULL), 0);
		return;
	}
	char q[170];
	snprintf(q, sizeof(q), "%s-wal", p);
	unlink(q);
	snprintf(q, sizeof(q), "%s-shm", p);
	unlink(q);
	unlink(p);
}

static void test_conninfo_display(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"/var/lib/openum/openum.db", "/var/lib/openum/openum.db"},
	    {"postgresql://um:s3cret@db.example.com:5432/openum",
	     "postgresql://um:***@db.example.com:5432/openum"},
	    {"postgres://um@db/openum?password=s3cret&sslmode=require",
	     "postgres://um@db/openum?password=***&sslmode=require"},
	    {"pg:host=db user=um password=s3cret dbname=openum",
	     "pg:host=db user=um password=*** dbname=openum"},
	    {"pg:password = 'a \\' b' host=db", "pg:password = *** host=db"},
	    {"postgresql://db.example.com/openum", "postgresql://db.example.com/openum"},
	};
	char out[128];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store_conninfo_display(cases[i].in, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
		assert_null(strstr(out, "s3cret"));
	}
	store_conninfo_display("postgresql://u:secret@h/d", out, 8); /* cut, terminated */
	assert_string_equal(out, "postgre");
	bool pg = false;
	const char *target = NULL;
	assert_true(store_pick_backend("pg:host=x", &pg, &target));
	assert_true(pg);
	assert_string_equal(target, "host=x");
	assert_true(store_pick_backend("postgres://h/d", &pg, &target));
	assert_true(pg);
	assert_string_equal(target, "postgres://h/d");
	assert_true(store_pick_backend("postgresql:", &pg, &target));
	assert_true(pg);
	assert_string_equal(target, "");
	assert_true(store_pick_backend("sqlite:///tmp/x.db", &pg, &target));
	assert_false(pg);
	assert_string_equal(target, "/tmp/x.db");
	assert_true(store_pick_backend("pgdata/openum.db", &pg, &target));
	assert_false(pg);
	assert_false(store_pick_backend("", &pg, &target));
}

/* ---- addresses ------------------------------------------------------------ */

static void test_address_normalize(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} good[] = {
	    {"sip:alice@contoso.com", "sip:alice@contoso.com"},
	    {"alice@Contoso.COM", "sip:alice@contoso.com"},
	    {"SIP:Alice@contoso.com", "sip:Alice@contoso.com"}, /* user part is case-sensitive */
	    {"sips:alice@contoso.com", "sip:alice@contoso.com"},
	    {"sip:alice@contoso.com;opaque=app:voicemail", "sip:alice@contoso.com"},
	    {"sip:alice@contoso.com:5061;transport=tls", "sip:alice@contoso.com:5061"},
	    {"sip:%61lice@contoso.com", "sip:alice@contoso.com"},
	    {"sip:a%2cb@contoso.com", "sip:a%2Cb@contoso.com"},
	    {"sip:alice@[2001:DB8::1]", "sip:alice@[2001:db8::1]"},
	    {"sip:alice@contoso.com?subject=x", "sip:alice@contoso.com"},
	};
	char out[STORE_ADDR_MAX];
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *why = NULL;
		int err = store_address_normalize(good[i].in, out, sizeof(out), &why);
		if (err)
			fail_msg("%s: %s", good[i].in, why);
		assert_string_equal(out, good[i].out);
	}
	static const char *const bad[] = {
	    "",           "contoso.com",          "sip:contoso.com", "tel:+15551234",
	    "sip:a:pw@b", "http://x@example.com", "sip:alice@",      "sip:al ice@x.com",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		assert_int_equal(store_address_normalize(bad[i], out, sizeof(out), &why),
		                 OPENUM_EINVAL);
		assert_non_null(why);
	}
	char big[400];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "sip:", 4);
	big[300] = '@';
	assert_int_equal(store_address_normalize(big, out, sizeof(out), NULL), OPENUM_ETOOBIG);
	/* The output buffer is respected. */
	assert_int_equal(store_address_normalize("sip:alice@contoso.com", out, 10, NULL),
	                 OPENUM_ETOOBIG);
}

/* ---- mailboxes ----------------------------------------------------------- */

static void test_mailbox_crud(void **state)
{
	fx *f = *state;
	const char *why = NULL;
	int64_t a = add_alice(f->s), b = 0;
	assert_int_equal(store_mailbox_add(f->s, "bob@contoso.com", "Bob", "1002", NULL, &b, &why),
	                 0);
	assert_true(b > a);

	store_mailbox mb;
	assert_int_equal(
	    store_mailbox_get_by_address(f->s, "sips:alice@CONTOSO.com;x=y", &mb, &why), 0);
	assert_int_equal(mb.id, a);
	assert_string_equal(mb.name, "Alice");
	assert_string_equal(mb.ext, "1001");
	assert_string_equal(mb.email, "");
	assert_true(mb.has_pin);
	assert_true(mb.pin_set_ms > 0);
	assert_false(mb.locked);
	assert_int_equal(mb.failed_logons, 0);
	assert_false(mb.has_greeting);
	assert_true(mb.created_ms > 1600000000000LL);

	assert_int_equal(store_mailbox_get_by_ext(f->s, "1002", &mb, &why), 0);
	assert_int_equal(mb.id, b);
	assert_false(mb.has_pin);
	assert_int_equal(store_mailbox_get_by_ext(f->s, "9999", &mb, &why), OPENUM_ENOTFOUND);
	assert_int_equal(store_mailbox_get_by_ext(f->s, "12a", &mb, &why), OPENUM_EINVAL);
	assert_int_equal(store_mailbox_get_by_address(f->s, "carol@contoso.com", &mb, &why),
	                 OPENUM_ENOTFOUND);

	/* Duplicates and bad input. */
	why = NULL;
	assert_int_equal(
	    store_mailbox_add(f->s, "Alice@contoso.com", "A2", "2001", NULL, NULL, &why),
	    0); /* user part differs in case: a different address */
	assert_int_equal(
	    store_mailbox_add(f->s, "alice@CONTOSO.COM", "A3", "2002", NULL, NULL, &why),
	    OPENUM_EDUP);
	assert_string_equal(why, "address already has a mailbox");
	assert_int_equal(
	    store_mailbox_add(f->s, "carol@contoso.com", "C", "1001", NULL, NULL, &why),
	    OPENUM_EDUP);
	assert_string_equal(why, "extension already in use");
	assert_int_equal(store_mailbox_add(f->s, "carol@contoso.com", "C", "", NULL, NULL, &why),
	                 OPENUM_EINVAL);
	assert_int_equal(store_mailbox_add(f->s, "carol@contoso.com", "C", "12#", NULL, NULL, &why),
	                 OPENUM_EINVAL);
	assert_int_equal(store_mailbox_add(f->s, "carol@contoso.com", "", "3000", NULL, NULL, &why),
	                 OPENUM_EINVAL);
	assert_int_equal(
	    store_mailbox_add(f->s, "carol@contoso.com", "C\nD", "3000", NULL, NULL, &why),
	    OPENUM_EINVAL);
	assert_int_equal(
	    store_mailbox_add(f->s, "carol@contoso.com", "C", "3000", "1234", NULL, &why),
	    OPENUM_EINVAL); /* PIN policy applies on add */
	assert_string_equal(why, "PIN too short");
	assert_int_equal(store_mailbox_get_by_address(f->s, "carol@contoso.com", &mb, NULL),
	                 OPENUM_ENOTFOUND);

	store_mailbox *list = NULL;
	size_t n = 0;
	assert_int_equal(store_mailbox_list(f->s, &list, &n, &why), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].address, "sip:Alice@contoso.com"); /* ordered by address */
	assert_string_equal(list[1].address, "sip:alice@contoso.com");
	assert_string_equal(list[2].address, "sip:bob@contoso.com");
	free(list);

	assert_int_equal(store_mailbox_set_email(f->s, a, "alice@contoso.com", &why), 0);
	assert_int_equal(store_mailbox_set_name(f->s, a, "Alice Smith", &why), 0);
	assert_int_equal(store_mailbox_get(f->s, a, &mb, &why), 0);
	assert_string_equal(mb.email, "alice@contoso.com");
	assert_string_equal(mb.name, "Alice Smith");
	assert_int_equal(store_mailbox_set_name(f->s, 424242, "X", &why), OPENUM_ENOTFOUND);

	assert_int_equal(store_mailbox_del(f->s, b, &why), 0);
	assert_int_equal(store_mailbox_get(f->s, b, &mb, &why), OPENUM_ENOTFOUND);
	assert_int_equal(store_mailbox_del(f->s, b, &why), OPENUM_ENOTFOUND);
	/* The extension is free again. */
	assert_int_equal(store_mailbox_add(f->s, "dave@contoso.com", "D", "1002", NULL, NULL, &why),
	                 0);
}

/* ---- PINs ------------------------------------------------------------------ */

static void test_pin_policy(void **state)
{
	(void)state;
	static const char *const ok6[] = {
	    "204862", "135790", "000001", "123457", "987652", "111112", "204862204862204862204862"};
	for (size_t i = 0; i < sizeof(ok6) / sizeof(ok6[0]); i++) {
		const char *why = NULL;
		if (store_pin_policy_check(ok6[i], 0, &why) != 0)
			fail_msg("%s refused: %s", ok6[i], why);
	}
	static const struct {
		const char *pin;
		unsigned min;
		const char *why;
	} bad[] = {
	    {"12345", 0, "PIN too short"},
	    {"2048", 6, "PIN too short"},
	    {"20486a", 0, "PIN must be digits only"},
	    {"204 862", 0, "PIN must be digits only"},
	    {"", 0, "PIN too short"},
	    {"1234567890123456789012345", 0, "PIN longer than 24 digits"},
	    {"111111", 0, "PIN must not repeat one digit"},
	    {"000000", 0, "PIN must not repeat one digit"},
	    {"123456", 0, "PIN must not be a run of digits"},
	    {"654321", 0, "PIN must not be a run of digits"},
	    {"890123", 0, "PIN must not be a run of digits"},
	    {"210987", 0, "PIN must not be a run of digits"},
	    {"2345", 4, "PIN must not be a run of digits"},
	    {"123456789012345678901234", 0, "PIN must not be a run of digits"},
	    {"2048", 3, "PIN minimum length out of range 4-24"},
	    {"2048", 25, "PIN minimum length out of range 4-24"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		assert_int_equal(store_pin_policy_check(bad[i].pin, bad[i].min, &why),
		                 OPENUM_EINVAL);
		assert_string_equal(why, bad[i].why);
	}
	assert_int_equal(store_pin_policy_check("2048", 4, NULL), 0);
	assert_int_equal(store_pin_policy_check(NULL, 4, NULL), OPENUM_EINVAL);
}

static void test_pin_hash(void **state)
{
	(void)state;
	/* Known answer, computed independently with Python's
	 * hashlib.pbkdf2_hmac("sha256", b"204862", bytes(range(1, 17)), 1000). */
	static const uint8_t want[STORE_PIN_HASH_LEN] = {
	    0xf4, 0x9f, 0x1b, 0x2b, 0xcc, 0xda, 0x24, 0x81, 0xca, 0x31, 0x01,
	    0x5b, 0x13, 0x9a, 0x32, 0x4c, 0x53, 0xfc, 0x58, 0x6e, 0x26, 0xf1,
	    0xb2, 0xeb, 0x41, 0x58, 0x2a, 0x72, 0x73, 0x3c, 0xca, 0x58};
	uint8_t salt[STORE_PIN_SALT_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	uint8_t h1[STORE_PIN_HASH_LEN], h2[STORE_PIN_HASH_LEN], h3[STORE_PIN_HASH_LEN];
	uint8_t h4[STORE_PIN_HASH_LEN];
	assert_int_equal(store_pin_hash("204862", salt, 1000, h1), 0);
	assert_memory_equal(h1, want, sizeof(want));
	assert_int_equal(store_pin_hash("204862", salt, 1000, h2), 0);
	assert_true(store_pin_hash_equal(h1, h2));
	assert_int_equal(store_pin_hash("204863", salt, 1000, h3), 0);
	assert_false(store_pin_hash_equal(h1, h3));
	assert_int_equal(store_pin_hash("204862", salt, 1001, h4), 0);
	assert_false(store_pin_hash_equal(h1, h4));
	salt[0] ^= 1;
	assert_int_equal(store_pin_hash("204862", salt, 1000, h4), 0);
	assert_false(store_pin_hash_equal(h1, h4));
	assert_int_equal(store_pin_hash("204862", salt, 0, h4), OPENUM_EINVAL);
	/* One-byte difference at the end is seen. */
	memcpy(h2, h1, sizeof(h1));
	h2[STORE_PIN_HASH_LEN - 1] ^= 0x80;
	assert_false(store_pin_hash_equal(h1, h2));
}

static void test_pin_verify_and_history(void **state)
{
	fx *f = *state;
	const char *why = NULL;
	int64_t a = add_alice(f->s);
	bool ok = false;
	assert_int_equal(store_mailbox_verify_pin(f->s, a, "204862", &ok, &why), 0);
	assert_true(ok);
	assert_int_equal(store_mailbox_verify_pin(f->s, a, "204863", &ok, &why), 0);
	assert_false(ok);
	assert_int_equal(store_mailbox_verify_pin(f->s, a, "", &ok, &why), 0);
	assert_false(ok);
	assert_int_equal(
	    store_mailbox_verify_pin(f->s, a, "2048620000000000000000000000", &ok, &why), 0);
	assert_false(ok);
	assert_int_equal(store_mailbox_verify_pin(f->s, 99999, "204862", &ok, &why),
	                 OPENUM_ENOTFOUND);

	/* The file holds a salted hash, never the PIN; the same PIN hashes differently in
	 * two mailboxes. */
	int64_t b = 0;
	assert_int_equal(
	    store_mailbox_add(f->s, "bob@contoso.com", "Bob", "1002", "204862", &b, &why), 0);
	assert_int_equal(raw_sql(f, "SELECT count(*) FROM mailbox WHERE length(pin_hash) = 32 AND "
	                            "length(pin_salt) = 16 AND pin_iter = 1000"),
	                 2);
	assert_int_equal(raw_sql(f, "SELECT count(DISTINCT pin_hash) FROM mailbox"), 2);
	assert_int_equal(raw_sql(f, pg_conn ? "SELECT count(*) FROM mailbox WHERE "
	                                      "position('204862'::bytea in pin_hash) > 0"
	                                    : "SELECT count(*) FROM mailbox WHERE "
	                                      "instr(CAST(pin_hash AS TEXT), '204862') > 0"),
	                 0);

	/* A mailbox without a PIN never verifies. */
	int64_t c = 0;
	assert_int_equal(store_mailbox_add(f->s, "carol@contoso.com", "C", "1003", NULL, &c, &why),
	                 0);
	assert_int_equal(store_mailbox_verify_pin(f->s, c, "", &ok, &why), 0);
	assert_false(ok);

	/* History: the current PIN and the 4 before it are refused. */
	why = NULL;
	assert_int_equal(store_mailbox_set_pin(f->s, a, "204862", &why), OPENUM_EINVAL);
	assert_string_equal(why, "PIN used recently");
	assert_int_equal(store_mailbox_set_pin(f->s, a, "123456", &why), OPENUM_EINVAL);
	assert_string_equal(why, "PIN must not be a run of digits");
	static const char *const pins[] = {"305973", "416084", "527195", "638206"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(store_mailbox_set_pin(f->s, a, pins[i], &why), 0);
		assert_int_equal(store_mailbox_verify_pin(f->s, a, pins[i], &ok, &why), 0);
		assert_true(ok);
		assert_int_equal(store_mailbox_verify_pin(f->s, a, "204862", &ok, &why), 0);
		assert_false(ok);
	}
	assert_int_equal(store_mailbox_set_pin(f->s, a, "204862", &why), OPENUM_EINVAL);
	assert_int_equal(store_mailbox_set_pin(f->s, a, "305973", &why), OPENUM_EINVAL);
	/* A sixth PIN pushes the first out of the history of five. */
	assert_int_equal(store_mailbox_set_pin(f->s, a, "749317", &why), 0);
	assert_int_equal(store_mailbox_set_pin(f->s, a, "305973", &why), OPENUM_EINVAL);
	assert_int_equal(store_mailbox_set_pin(f->s, a, "204862", &why), 0);
	char sql[96];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pin_history WHERE mailbox_id = %lld",
	         (long long)a);
	assert_int_equal(raw_sql(f, sql), STORE_PIN_HISTORY);
	assert_int_equal(store_mailbox_set_pin(f->s, 99999, "815243", &why), OPENUM_ENOTFOUND);

	/* Deleting the mailbox takes its history along (foreign keys are on). */
	assert_int_equal(store_mailbox_del(f->s, a, &why), 0);
	assert_int_equal(raw_sql(f, sql), 0);
}

static void test_pin_min_len_option(void **state)
{
	fx *f = *state;
	store_options o = test_opts();
	o.pin_min_len = 4;
	store *s = NULL;
	assert_int_equal(store_open(f->path, &o, &s, NULL), 0);
	int64_t id;
	const char *why = NULL;
	assert_int_equal(store_mailbox_add(s, "e@x.org", "E", "55", "2048", &id, &why), 0);
	assert_int_equal(store_mailbox_set_pin(s, id, "204", &why), OPENUM_EINVAL);
	store_close(s);
	/* The default store (min 6) refuses a 4-digit PIN. */
	assert_int_equal(store_mailbox_set_pin(f->s, id, "3069", &why), OPENUM_EINVAL);
	assert_string_equal(why, "PIN too short");
}

/* ---- lockout ------------------------------------------------------------- */

static void test_lockout_and_unlock(void **state)
{
	fx *f = *state;
	store_options o = test_opts();
	o.max_failed_logons = 3;
	store *s = NULL;
	assert_int_equal(store_open(f->path, &o, &s, NULL), 0);
	int64_t a = add_alice(s);
	const char *why = NULL;
	store_logon_result r;
	uint32_t count = 99;

	assert_int_equal(store_mailbox_pin_logon(s, a, "111222", &r, &count, &why), 0);
	assert_int_equal(r, STORE_LOGON_PIN_FAILED);
	assert_int_equal(count, 1);
	/* A good logon resets the count. */
	assert_int_equal(store_mailbox_pin_logon(s, a, "204862", &r, &count, &why), 0);
	assert_int_equal(r, STORE_LOGON_PIN_OK);
	assert_int_equal(count, 0);
	store_mailbox mb;
	assert_int_equal(store_mailbox_get(s, a, &mb, &why), 0);
	assert_int_equal(mb.failed_logons, 0);

	assert_int_equal(store_mailbox_pin_logon(s, a, "111222", &r, &count, &why), 0);
	assert_int_equal(r, STORE_LOGON_PIN_FAILED);
	assert_int_equal(store_mailbox_pin_logon(s, a, "111222", &r, &count, &why), 0);
	assert_int_equal(r, STORE_LOGON_PIN_FAILED);
	assert_int_equal(count, 2);
	assert_int_equal(store_mailbox_pin_logon(s, a, "111222", &r, &count, &why), 0);
	assert_int_equal(r, STORE_LOGON_LOCKED); /* the third failure locks */
	assert_int_equal(count, 3);
	/* Locked: even the right PIN is refused, and the lock is in the file. */
	assert_int_equal(store_mailbox_pin_logon(s, a, "204862", &r, &count, &why), 0);
	assert_int_equal(r, STORE_LOGON_LOCKED);
	assert_int_equal(store_mailbox_logon_succeeded(s, a, &why), 0);
	store_close(s);
	assert_int_equal(store_mailbox_get(f->s, a, &mb, &why), 0);
	assert_true(mb.locked);
	assert_int_equal(mb.failed_logons, 3); /* logon_succeeded leaves a locked count alone */

	/* Unlock: count zero, the right PIN works again. */
	assert_int_equal(store_mailbox_unlock(f->s, a, &why), 0);
	assert_int_equal(store_mailbox_get(f->s, a, &mb, &why), 0);
	assert_false(mb.locked);
	assert_int_equal(mb.failed_logons, 0);
	assert_int_equal(store_mailbox_pin_logon(f->s, a, "204862", &r, NULL, &why), 0);
	assert_int_equal(r, STORE_LOGON_PIN_OK);
	assert_int_equal(store_mailbox_unlock(f->s, 424242, &why), OPENUM_ENOTFOUND);
	assert_int_equal(store_mailbox_pin_logon(f->s, 424242, "204862", &r, NULL, &why),
	                 OPENUM_ENOTFOUND);

	/* The default limit is 15. */
	bool locked = false;
	for (int i = 1; i <= 15; i++) {
		assert_int_equal(store_mailbox_record_failed_logon(f->s, a, &count, &locked, &why),
		                 0);
		assert_int_equal(count, (uint32_t)i);
		assert_int_equal(locked, i == 15);
	}
	assert_int_equal(store_mailbox_record_failed_logon(f->s, 424242, &count, &locked, &why),
	                 OPENUM_ENOTFOUND);
}

typedef struct racer {
	const char *path;
	int64_t id;
	int rounds;
	int errors;
	uint32_t max_seen;
} racer;

static void *race(void *p)
{
	racer *r = p;
	store_options o = test_opts();
	o.max_failed_logons = 1000000;
	o.busy_timeout_ms = 30000;
	store *s = NULL;
	if (store_open(r->path, &o, &s, NULL) != 0) {
		r->errors = r->rounds;
		return NULL;
	}
	for (int i = 0; i < r->rounds; i++) {
		uint32_t c = 0;
		if (store_mailbox_record_failed_logon(s, r->id, &c, NULL, NULL) != 0)
			r->errors++;
		if (c > r->max_seen)
			r->max_seen = c;
	}
	store_close(s);
	return NULL;
}

static void test_concurrent_failed_logons(void **state)
{
	/* Two threads, each with its own store (so its own connection, as two UM processes
	 * would have): every increment counts. */
	fx *f = *state;
	int64_t a = add_alice(f->s);
	enum { ROUNDS = 300 };
	racer r[2] = {{f->path, a, ROUNDS, 0, 0}, {f->path, a, ROUNDS, 0, 0}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(r[0].errors + r[1].errors, 0);
	store_mailbox mb;
	assert_int_equal(store_mailbox_get(f->s, a, &mb, NULL), 0);
	assert_int_equal(mb.failed_logons, 2 * ROUNDS);
	assert_int_equal(r[0].max_seen > r[1].max_seen ? r[0].max_seen : r[1].max_seen, 2 * ROUNDS);
	assert_false(mb.locked);
}

static void *race_shared(void *p)
{
	void **a = p;
	store *s = a[0];
	int64_t id = *(int64_t *)a[1];
	for (int i = 0; i < 100; i++)
		if (store_mailbox_record_failed_logon(s, id, NULL, NULL, NULL) != 0)
			return (void *)1;
	return NULL;
}

static void test_concurrent_shared_store(void **state)
{
	/* Four threads on one store share its connection pool; with a limit of 250 the
	 * mailbox ends locked and the count is exact. */
	fx *f = *state;
	store_options o = test_opts();
	o.max_failed_logons = 250;
	store *s = NULL;
	assert_int_equal(store_open(f->path, &o, &s, NULL), 0);
	int64_t a = add_alice(s);
	void *arg[2] = {s, &a};
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_shared, arg), 0);
	for (int i = 0; i < 4; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		assert_null(ret);
	}
	store_mailbox mb;
	assert_int_equal(store_mailbox_get(s, a, &mb, NULL), 0);
	assert_int_equal(mb.failed_logons, 400);
	assert_true(mb.locked);
	store_close(s);
}

typedef struct guesser {
	const char *path;
	int64_t id;
	pthread_barrier_t *go;
	int errors, failed, locked, ok;
} guesser;

static void *guess(void *p)
{
	guesser *g = p;
	store_options o = test_opts();
	o.max_failed_logons = 3;
	o.busy_timeout_ms = 30000;
	store *s = NULL;
	int err = store_open(g->path, &o, &s, NULL);
	pthread_barrier_wait(g->go);
	if (err) {
		g->errors++;
		return NULL;
	}
	for (int i = 0; i < 5; i++) {
		store_logon_result r;
		if (store_mailbox_pin_logon(s, g->id, "111222", &r, NULL, NULL) != 0)
			g->errors++;
		else if (r == STORE_LOGON_PIN_FAILED)
			g->failed++;
		else if (r == STORE_LOGON_LOCKED)
			g->locked++;
		else
			g->ok++;
	}
	store_close(s);
	return NULL;
}

static void test_concurrent_pin_guesses(void **state)
{
	/* Eight UM servers (a store each) try 5 wrong PINs each at once against a limit
	 * of 3: exactly 3 tries are counted (a try is claimed before its PIN is compared),
	 * the rest are refused as locked, and the mailbox ends locked. Counting after the
	 * comparison let every try that started before the lock through (count 40). */
	fx *f = *state;
	int64_t a = add_alice(f->s);
	enum { N = 8 };
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, N);
	guesser g[N];
	pthread_t t[N];
	for (int i = 0; i < N; i++) {
		g[i] = (guesser){.path = f->path, .id = a, .go = &go};
		assert_int_equal(pthread_create(&t[i], NULL, guess, &g[i]), 0);
	}
	int failed = 0, locked = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(g[i].errors, 0);
		assert_int_equal(g[i].ok, 0);
		failed += g[i].failed;
		locked += g[i].locked;
	}
	pthread_barrier_destroy(&go);
	assert_true(failed <= 2); /* the third counted try locks */
	assert_int_equal(failed + locked, N * 5);
	store_mailbox mb;
	assert_int_equal(store_mailbox_get(f->s, a, &mb, NULL), 0);
	assert_int_equal(mb.failed_logons, 3);
	assert_true(mb.locked);
	/* the right PIN is refused, uncounted */
	store_options o = test_opts();
	o.max_failed_logons = 3;
	store *s = NULL;
	assert_int_equal(store_open(f->path, &o, &s, NULL), 0);
	store_logon_result r;
	uint32_t count = 0;
	assert_int_equal(store_mailbox_pin_logon(s, a, "204862", &r, &count, NULL), 0);
	assert_int_equal(r, STORE_LOGON_LOCKED);
	assert_int_equal(count, 3);
	store_close(s);
}

static void test_reconnect(void **state)
{
	/* PostgreSQL only: the server drops every connection of the store (a restart, a
	 * failover, an idle timeout); the store answers again without being reopened.
	 * A request that meets the dead connection may fail with OPENUM_EIO, never crash,
	 * and the next one gets a fresh connection. */
	fx *f = *state;
	int64_t a = add_alice(f->s);
	store_mailbox mb;
	assert_int_equal(store_mailbox_get(f->s, a, &mb, NULL), 0);
	assert_true(raw_sql(f,
	                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
	                    "WHERE datname = current_database() AND pid <> pg_backend_pid()") >= 1);
	const char *why = NULL;
	int err = store_mailbox_get(f->s, a, &mb, &why);
	if (err) {
		assert_int_equal(err, OPENUM_EIO);
		assert_string_equal(why, "database connection failed");
		assert_int_equal(store_mailbox_get(f->s, a, &mb, &why), 0);
	}
	assert_string_equal(mb.address, "sip:alice@contoso.com");
	uint32_t count = 0;
	assert_int_equal(store_mailbox_record_failed_logon(f->s, a, &count, NULL, NULL), 0);
	assert_int_equal(count, 1);
}

/* ---- messages ------------------------------------------------------------ */

static void test_messages(void **state)
{
	fx *f = *state;
	const char *why = NULL;
	int64_t a = add_alice(f->s);
	uint8_t ulaw[1600];
	for (size_t i = 0; i < sizeof(ulaw); i++)
		ulaw[i] = (uint8_t)(i * 7);
	uint8_t l16[3200];
	for (size_t i = 0; i < sizeof(l16); i++)
		l16[i] = (uint8_t)(255 - i);

	store_msg m = {0};
	m.mailbox_id = a;
	m.received_ms = 1700000000000LL;
	m.state = STORE_MSG_NEW;
	snprintf(m.caller, sizeof(m.caller), "sip:bob@contoso.com");
	snprintf(m.diversion, sizeof(m.diversion), "no-answer");
	m.audio = (store_audio){STORE_CODEC_PCMU, ulaw, sizeof(ulaw)};
	int64_t id1, id2, id3;
	assert_int_equal(store_msg_add(f->s, &m, &id1, &why), 0);
	m.received_ms += 1000;
	m.diversion[0] = '\0';
	m.audio = (store_audio){STORE_CODEC_L16, l16, sizeof(l16)};
	m.duration_ms = 0;
	assert_int_equal(store_msg_add(f->s, &m, &id2, &why), 0);
	m.received_ms -= 5000; /* older than both: listed first */
	m.audio = (store_audio){STORE_CODEC_PCMA, ulaw, 8};
	m.state = STORE_MSG_SAVED;
	m.duration_ms = 1234;
	assert_int_equal(store_msg_add(f->s, &m, &id3, &why), 0);

	store_msg g;
	assert_int_equal(store_msg_get(f->s, id1, &g, &why), 0);
	assert_int_equal(g.id, id1);
	assert_int_equal(g.mailbox_id, a);
	assert_int_equal(g.received_ms, 1700000000000LL);
	assert_int_equal(g.duration_ms, 200); /* 1600 mu-law samples at 8 kHz */
	assert_int_equal(g.state, STORE_MSG_NEW);
	assert_string_equal(g.caller, "sip:bob@contoso.com");
	assert_string_equal(g.diversion, "no-answer");
	assert_int_equal(g.audio.codec, STORE_CODEC_PCMU);
	assert_int_equal(g.audio.len, sizeof(ulaw));
	assert_memory_equal(g.audio.data, ulaw, sizeof(ulaw));
	store_msg_clear(&g);
	assert_null(g.audio.data);
	assert_int_equal(store_msg_get(f->s, id2, &g, &why), 0);
	assert_int_equal(g.duration_ms, 200); /* 1600 16-bit samples */
	assert_int_equal(g.audio.codec, STORE_CODEC_L16);
	assert_memory_equal(g.audio.data, l16, sizeof(l16));
	assert_string_equal(g.diversion, "");
	store_msg_clear(&g);
	assert_int_equal(store_msg_get(f->s, 987654, &g, &why), OPENUM_ENOTFOUND);

	store_msg *list = NULL;
	size_t n = 0;
	assert_int_equal(store_msg_list(f->s, a, STORE_MSG_MASK_ALL, &list, &n, &why), 0);
	assert_int_equal(n, 3);
	assert_int_equal(list[0].id, id3);
	assert_int_equal(list[1].id, id1);
	assert_int_equal(list[2].id, id2);
	assert_null(list[0].audio.data);
	assert_int_equal(list[0].audio.len, 8);
	assert_int_equal(list[0].audio.codec, STORE_CODEC_PCMA);
	assert_int_equal(list[0].duration_ms, 1234);
	free(list);
	assert_int_equal(store_msg_list(f->s, a, STORE_MSG_MASK(STORE_MSG_NEW), &list, &n, &why),
	                 0);
	assert_int_equal(n, 2);
	free(list);

	unsigned nn = 0, ns = 0;
	assert_int_equal(store_msg_count(f->s, a, &nn, &ns, &why), 0);
	assert_int_equal(nn, 2);
	assert_int_equal(ns, 1);
	assert_int_equal(store_msg_set_state(f->s, id1, STORE_MSG_SAVED, &why), 0);
	assert_int_equal(store_msg_set_state(f->s, id2, STORE_MSG_DELETED, &why), 0);
	assert_int_equal(store_msg_count(f->s, a, &nn, &ns, &why), 0);
	assert_int_equal(nn, 0);
	assert_int_equal(ns, 2);
	assert_int_equal(
	    store_msg_list(f->s, a, STORE_MSG_MASK(STORE_MSG_DELETED), &list, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, id2);
	assert_int_equal(list[0].state, STORE_MSG_DELETED);
	free(list);
	assert_int_equal(store_msg_set_state(f->s, id1, (store_msg_state)7, &why), OPENUM_EINVAL);
	assert_int_equal(store_msg_set_state(f->s, 987654, STORE_MSG_SAVED, &why),
	                 OPENUM_ENOTFOUND);
	assert_int_equal(store_msg_delete(f->s, id2, &why), 0);
	assert_int_equal(store_msg_delete(f->s, id2, &why), OPENUM_ENOTFOUND);

	/* Bad input. */
	m.mailbox_id = 424242;
	m.audio = (store_audio){STORE_CODEC_PCMU, ulaw, 10};
	assert_int_equal(store_msg_add(f->s, &m, NULL, &why), OPENUM_ENOTFOUND);
	m.mailbox_id = a;
	m.audio = (store_audio){STORE_CODEC_L16, l16, 11};
	assert_int_equal(store_msg_add(f->s, &m, NULL, &why), OPENUM_EINVAL);
	m.audio = (store_audio){(store_codec)9, l16, 10};
	assert_int_equal(store_msg_add(f->s, &m, NULL, &why), OPENUM_EINVAL);
	m.audio = (store_audio){STORE_CODEC_PCMU, NULL, 10};
	assert_int_equal(store_msg_add(f->s, &m, NULL, &why), OPENUM_EINVAL);
	/* An empty recording is still a message (the caller hung up at the tone). */
	m.audio = (store_audio){STORE_CODEC_PCMU, NULL, 0};
	int64_t id4;
	assert_int_equal(store_msg_add(f->s, &m, &id4, &why), 0);
	assert_int_equal(store_msg_get(f->s, id4, &g, &why), 0);
	assert_int_equal(g.audio.len, 0);
	assert_int_equal(g.duration_ms, 1234);
	store_msg_clear(&g);

	/* Deleting the mailbox deletes its messages. */
	assert_int_equal(store_mailbox_del(f->s, a, &why), 0);
	assert_int_equal(store_msg_get(f->s, id1, &g, &why), OPENUM_ENOTFOUND);
}

/* Transcripts (migration 4): stored with the message, set later by the transcriber,
 * listed, and the pending ones found across mailboxes for the requeue at start. */
static void test_transcripts(void **state)
{
	fx *f = *state;
	const char *why = NULL;
	int64_t a = add_alice(f->s);
	uint8_t ulaw[800];
	memset(ulaw, 0xff, sizeof(ulaw));
	store_msg m = {0};
	m.mailbox_id = a;
	m.state = STORE_MSG_NEW;
	snprintf(m.caller, sizeof(m.caller), "sip:bob@contoso.com");
	m.audio = (store_audio){STORE_CODEC_PCMU, ulaw, sizeof(ulaw)};
	int64_t id1, id2, id3;
	assert_int_equal(store_msg_add(f->s, &m, &id1, &why), 0); /* none */
	m.transcript_state = STORE_TRANSCRIPT_PENDING;
	assert_int_equal(store_msg_add(f->s, &m, &id2, &why), 0);
	assert_int_equal(store_msg_add(f->s, &m, &id3, &why), 0);

	store_transcript_state st = STORE_TRANSCRIPT_DONE;
	char text[STORE_TRANSCRIPT_MAX];
	assert_int_equal(store_msg_get_transcript(f->s, id1, &st, text, &why), 0);
	assert_int_equal(st, STORE_TRANSCRIPT_NONE);
	assert_string_equal(text, "");
	int64_t *ids = NULL;
	size_t n = 0;
	assert_int_equal(store_msg_transcript_pending(f->s, &ids, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], id2);
	assert_int_equal(ids[1], id3);
	free(ids);

	assert_int_equal(store_msg_set_transcript(f->s, id2, STORE_TRANSCRIPT_DONE,
	                                          "call me back\non one two three", &why),
	                 0);
	assert_int_equal(store_msg_set_transcript(f->s, id3, STORE_TRANSCRIPT_FAILED, NULL, &why),
	                 0);
	assert_int_equal(store_msg_get_transcript(f->s, id2, &st, text, &why), 0);
	assert_int_equal(st, STORE_TRANSCRIPT_DONE);
	assert_string_equal(text, "call me back\non one two three");
	assert_int_equal(store_msg_get_transcript(f->s, id3, &st, NULL, &why), 0);
	assert_int_equal(st, STORE_TRANSCRIPT_FAILED);
	assert_int_equal(store_msg_transcript_pending(f->s, &ids, &n, &why), 0);
	assert_int_equal(n, 0);
	assert_null(ids);

	/* get and list carry it */
	store_msg g;
	assert_int_equal(store_msg_get(f->s, id2, &g, &why), 0);
	assert_int_equal(g.transcript_state, STORE_TRANSCRIPT_DONE);
	assert_string_equal(g.transcript, "call me back\non one two three");
	assert_int_equal(g.audio.len, sizeof(ulaw));
	store_msg_clear(&g);
	store_msg *list = NULL;
	assert_int_equal(store_msg_list(f->s, a, STORE_MSG_MASK_ALL, &list, &n, &why), 0);
	assert_int_equal(n, 3);
	assert_int_equal(list[0].transcript_state, STORE_TRANSCRIPT_NONE);
	assert_int_equal(list[1].transcript_state, STORE_TRANSCRIPT_DONE);
	assert_string_equal(list[1].transcript, "call me back\non one two three");
	assert_int_equal(list[2].transcript_state, STORE_TRANSCRIPT_FAILED);
	free(list);

	/* refusals: unknown message, bad state, control characters, too long */
	assert_int_equal(
	    store_msg_set_transcript(f->s, id3 + 100, STORE_TRANSCRIPT_DONE, "x", &why),
	    OPENUM_ENOTFOUND);
	assert_int_equal(store_msg_get_transcript(f->s, id3 + 100, &st, text, &why),
	                 OPENUM_ENOTFOUND);
	assert_int_equal(store_msg_set_transcript(f->s, id2, (store_transcript_state)9, "x", &why),
	                 OPENUM_EINVAL);
	assert_int_equal(store_msg_set_transcript(f->s, id2, STORE_TRANSCRIPT_DONE, "a\x01b", &why),
	                 OPENUM_EINVAL);
	char *big = malloc(STORE_TRANSCRIPT_MAX + 1);
	assert_non_null(big);
	memset(big, 'a', STORE_TRANSCRIPT_MAX);
	big[STORE_TRANSCRIPT_MAX] = 0;
	assert_int_equal(store_msg_set_transcript(f->s, id2, STORE_TRANSCRIPT_DONE, big, &why),
	                 OPENUM_ETOOBIG);
	big[STORE_TRANSCRIPT_MAX - 1] = 0; /* the longest that fits */
	assert_int_equal(store_msg_set_transcript(f->s, id2, STORE_TRANSCRIPT_DONE, big, &why), 0);
	assert_int_equal(store_msg_get_transcript(f->s, id2, &st, text, &why), 0);
	assert_int_equal(strlen(text), STORE_TRANSCRIPT_MAX - 1);
	free(big);
	m.transcript_state = (store_transcript_state)7;
	assert_int_equal(store_msg_add(f->s, &m, NULL, &why), OPENUM_EINVAL);
	/* the schema refuses an unknown state written behind the store's back */
	if (!pg_conn)
		assert_int_equal(
		    raw_sql(f, "SELECT count(*) FROM message WHERE transcript_state = 'pending'"),
		    0);
	assert_string_equal(store_transcript_state_name(STORE_TRANSCRIPT_PENDING), "pending");
	assert_int_equal(store_transcript_state_parse("failed", &st), 0);
	assert_int_equal(st, STORE_TRANSCRIPT_FAILED);
	assert_int_equal(store_transcript_state_parse("Done", &st), OPENUM_EINVAL);
}

static void test_greeting(void **state)
{
	fx *f = *state;
	const char *why = NULL;
	int64_t a = add_alice(f->s);
	store_audio g;
	assert_int_equal(store_greeting_get(f->s, a, &g, &why), OPENUM_ENOTFOUND);
	assert_string_equal(why, "no greeting recorded");
	uint8_t pcm[100] = {1, 2, 3};
	store_audio in = {STORE_CODEC_PCMA, pcm, sizeof(pcm)};
	assert_int_equal(store_greeting_set(f->s, a, &in, &why), 0);
	store_mailbox mb;
	assert_int_equal(store_mailbox_get(f->s, a, &mb, &why), 0);
	assert_true(mb.has_greeting);
	assert_int_equal(store_greeting_get(f->s, a, &g, &why), 0);
	assert_int_equal(g.codec, STORE_CODEC_PCMA);
	assert_int_equal(g.len, sizeof(pcm));
	assert_memory_equal(g.data, pcm, sizeof(pcm));
	store_audio_free(&g);
	assert_int_equal(store_greeting_set(f->s, a, NULL, &why), 0);
	assert_int_equal(store_greeting_get(f->s, a, &g, &why), OPENUM_ENOTFOUND);
	assert_int_equal(store_greeting_set(f->s, 424242, &in, &why), OPENUM_ENOTFOUND);
	assert_int_equal(store_greeting_get(f->s, 424242, &g, &why), OPENUM_ENOTFOUND);
	assert_string_equal(why, "no such mailbox");
}

/* ---- call log ------------------------------------------------------------- */

static store_call mkcall(int64_t t, const char *callid, const char *mailbox, store_logon_result r,
                         store_call_kind k)
{
	store_call c = {0};
	c.time_ms = t;
	snprintf(c.call_id, sizeof(c.call_id), "%s", callid);
	snprintf(c.transport, sizeof(c.transport), "TLS");
	snprintf(c.peer, sizeof(c.peer), "192.0.2.7:5061");
	c.trusted = true;
	c.skip_pin_requested = true;
	c.logon = r;
	c.kind = k;
	snprintf(c.mailbox, sizeof(c.mailbox), "%s", mailbox);
	c.duration_ms = 4321;
	snprintf(c.detail, sizeof(c.detail), "detail of %s", callid);
	return c;
}

static void test_call_log(void **state)
{
	fx *f = *state;
	const char *why = NULL;
	store_call c1 = mkcall(1000, "a@h", "sip:alice@contoso.com", STORE_LOGON_SKIP_PIN,
	                       STORE_CALL_SUBSCRIBER_ACCESS);
	store_call c2 =
	    mkcall(3000, "b@h", "Bob@Contoso.com;x=1", STORE_LOGON_NONE, STORE_CALL_ANSWERING);
	c2.trusted = false;
	c2.skip_pin_requested = false;
	store_call c3 =
	    mkcall(2000, "c@h", "alice@contoso.com", STORE_LOGON_LOCKED, STORE_CALL_PLAY_ON_PHONE);
	store_call c4 =
	    mkcall(2500, "d@h", "", STORE_LOGON_NOT_FOUND, STORE_CALL_SUBSCRIBER_ACCESS);
	int64_t id;
	assert_int_equal(store_call_append(f->s, &c1, &id, &why), 0);
	assert_true(id > 0);
	assert_int_equal(store_call_append(f->s, &c2, NULL, &why), 0);
	assert_int_equal(store_call_append(f->s, &c3, NULL, &why), 0);
	assert_int_equal(store_call_append(f->s, &c4, NULL, &why), 0);

	store_call *l = NULL;
	size_t n = 0;
	assert_int_equal(store_call_list(f->s, NULL, 0, &l, &n, &why), 0);
	assert_int_equal(n, 4);
	assert_string_equal(l[0].call_id, "b@h"); /* newest first */
	assert_string_equal(l[1].call_id, "d@h");
	assert_string_equal(l[2].call_id, "c@h");
	assert_string_equal(l[3].call_id, "a@h");
	assert_string_equal(l[0].mailbox, "sip:Bob@contoso.com"); /* normalised */
	assert_false(l[0].trusted);
	assert_false(l[0].skip_pin_requested);
	assert_int_equal(l[0].logon, STORE_LOGON_NONE);
	assert_int_equal(l[0].kind, STORE_CALL_ANSWERING);
	assert_int_equal(l[1].logon, STORE_LOGON_NOT_FOUND);
	assert_string_equal(l[1].mailbox, "");
	assert_int_equal(l[3].time_ms, 1000);
	assert_int_equal(l[3].id, id);
	assert_string_equal(l[3].transport, "TLS");
	assert_string_equal(l[3].peer, "192.0.2.7:5061");
	assert_true(l[3].trusted);
	assert_true(l[3].skip_pin_requested);
	assert_int_equal(l[3].logon, STORE_LOGON_SKIP_PIN);
	assert_int_equal(l[3].kind, STORE_CALL_SUBSCRIBER_ACCESS);
	assert_int_equal(l[3].duration_ms, 4321);
	assert_string_equal(l[3].detail, "detail of a@h");
	free(l);

	assert_int_equal(store_call_list(f->s, "sips:alice@CONTOSO.com", 0, &l, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].call_id, "c@h");
	assert_int_equal(l[0].kind, STORE_CALL_PLAY_ON_PHONE);
	assert_int_equal(l[0].logon, STORE_LOGON_LOCKED);
	free(l);
	assert_int_equal(store_call_list(f->s, NULL, 1, &l, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].call_id, "b@h");
	free(l);
	l = (store_call *)&n; /* must be reset to NULL */
	assert_int_equal(store_call_list(f->s, "nobody@x.org", 0, &l, &n, &why), 0);
	assert_int_equal(n, 0);
	assert_null(l);

	/* Time 0 means now; bad values are refused. */
	store_call c5 = mkcall(0, "e@h", "", STORE_LOGON_PIN_OK, STORE_CALL_SUBSCRIBER_ACCESS);
	assert_int_equal(store_call_append(f->s, &c5, NULL, &why), 0);
	assert_int_equal(store_call_list(f->s, NULL, 1, &l, &n, &why), 0);
	assert_string_equal(l[0].call_id, "e@h");
	assert_true(l[0].time_ms > 1600000000000LL);
	free(l);
	c5.logon = (store_logon_result)42;
	assert_int_equal(store_call_append(f->s, &c5, NULL, &why), OPENUM_EINVAL);
	c5.logon = STORE_LOGON_PIN_OK;
	c5.kind = (store_call_kind)42;
	assert_int_equal(store_call_append(f->s, &c5, NULL, &why), OPENUM_EINVAL);
	c5.kind = STORE_CALL_ANSWERING;
	c5.detail[3] = '\r';
	assert_int_equal(store_call_append(f->s, &c5, NULL, &why), OPENUM_EINVAL);
	memset(c5.detail, 'x', sizeof(c5.detail)); /* no NUL inside the field */
	c5.detail[sizeof(c5.detail) - 1] = '\0';
	assert_int_equal(store_call_append(f->s, &c5, NULL, &why), 0); /* exactly fits */
}

static void test_names(void **state)
{
	(void)state;
	for (int i = 0; i <= STORE_LOGON_NOT_FOUND; i++) {
		store_logon_result r;
		assert_int_equal(store_logon_result_parse(store_logon_result_name(i), &r), 0);
		assert_int_equal(r, i);
	}
	assert_string_equal(store_logon_result_name(STORE_LOGON_SKIP_PIN), "skip-pin");
	assert_string_equal(store_logon_result_name(STORE_LOGON_PIN_FAILED), "pin-failed");
	assert_string_equal(store_call_kind_name(STORE_CALL_ANSWERING), "call-answering");
	assert_string_equal(store_codec_name(STORE_CODEC_L16), "l16");
	assert_string_equal(store_msg_state_name(STORE_MSG_SAVED), "saved");
	assert_string_equal(store_msg_state_name((store_msg_state)9), "?");
	store_call_kind k;
	assert_int_equal(store_call_kind_parse("Call-Answering", &k), OPENUM_EINVAL);
	assert_int_equal(store_call_kind_parse(NULL, &k), OPENUM_EINVAL);
	store_codec c;
	assert_int_equal(store_codec_parse("pcmu", &c), 0);
	assert_int_equal(c, STORE_CODEC_PCMU);
	assert_int_equal(store_audio_duration_ms(STORE_CODEC_PCMA, 8000), 1000);
	assert_int_equal(store_audio_duration_ms(STORE_CODEC_L16, 16000), 1000);
	assert_true(store_ext_valid("0"));
	assert_true(store_ext_valid("123456789012345678901234"));
	assert_false(store_ext_valid("1234567890123456789012345"));
	assert_false(store_ext_valid(""));
	assert_false(store_ext_valid(NULL));
	assert_false(store_ext_valid("+1"));
}

/* ---- async -------------------------------------------------------------------- */

typedef struct actx {
	uv_thread_t loop_thread;
	uv_thread_t job_thread;
	int done_calls;
	bool done_on_loop;
	int last_err;
	const char *last_why;
} actx;

static int job_where(store *s, void *arg, const char **why)
{
	actx *c = arg;
	c->job_thread = uv_thread_self();
	store_mailbox mb;
	return store_mailbox_get_by_ext(s, "1001", &mb, why);
}

static void on_done(int err, const char *why, void *arg)
{
	actx *c = arg;
	uv_thread_t me = uv_thread_self();
	c->done_on_loop = uv_thread_equal(&me, &c->loop_thread) != 0;
	c->done_calls++;
	c->last_err = err;
	c->last_why = why;
}

static void test_async_off_loop_thread(void **state)
{
	fx *f = *state;
	int64_t a = add_alice(f->s);
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	actx c = {0};
	c.loop_thread = uv_thread_self();

	assert_int_equal(store_async_run(&loop, f->s, job_where, &c, on_done, &c), 0);
	assert_int_equal(c.done_calls, 0); /* nothing runs before the loop does */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(c.done_calls, 1);
	assert_true(c.done_on_loop);
	assert_int_equal(c.last_err, 0);
	assert_false(uv_thread_equal(&c.job_thread, &c.loop_thread));

	/* Typed wrappers: inputs are copied, outputs filled before done. */
	store_mailbox mb = {0};
	char addr[64];
	snprintf(addr, sizeof(addr), "Alice@contoso.com");
	addr[0] = 'a';
	assert_int_equal(store_async_mailbox_get_by_address(&loop, f->s, addr, &mb, on_done, &c),
	                 0);
	memset(addr, 0, sizeof(addr)); /* the request holds its own copy */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(c.done_calls, 2);
	assert_int_equal(c.last_err, 0);
	assert_true(c.done_on_loop);
	assert_int_equal(mb.id, a);

	assert_int_equal(store_async_mailbox_get_by_ext(&loop, f->s, "4040", &mb, on_done, &c), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(c.last_err, OPENUM_ENOTFOUND);
	assert_string_equal(c.last_why, "no such mailbox");

	store_logon_result r = STORE_LOGON_NONE;
	uint32_t count = 77;
	assert_int_equal(
	    store_async_mailbox_pin_logon(&loop, f->s, a, "999888", &r, &count, on_done, &c), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(c.last_err, 0);
	assert_int_equal(r, STORE_LOGON_PIN_FAILED);
	assert_int_equal(count, 1);
	assert_int_equal(
	    store_async_mailbox_pin_logon(&loop, f->s, a, "204862", &r, &count, on_done, &c), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(r, STORE_LOGON_PIN_OK);

	bool locked = true;
	assert_int_equal(
	    store_async_mailbox_record_failed_logon(&loop, f->s, a, &count, &locked, on_done, &c),
	    0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(count, 1);
	assert_false(locked);

	uint8_t *audio = malloc(800);
	memset(audio, 0x55, 800);
	store_msg m = {0};
	m.mailbox_id = a;
	snprintf(m.caller, sizeof(m.caller), "sip:carol@contoso.com");
	m.audio = (store_audio){STORE_CODEC_PCMU, audio, 800};
	int64_t mid = 0;
	assert_int_equal(store_async_msg_add(&loop, f->s, &m, &mid, on_done, &c), 0);
	free(audio); /* copied */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(c.last_err, 0);
	assert_true(mid > 0);

	unsigned nn = 0, ns = 9;
	assert_int_equal(store_async_msg_count(&loop, f->s, a, &nn, &ns, on_done, &c), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(nn, 1);
	assert_int_equal(ns, 0);

	store_msg *list = NULL;
	size_t n = 0;
	assert_int_equal(
	    store_async_msg_list(&loop, f->s, a, STORE_MSG_MASK_ALL, &list, &n, on_done, &c), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, mid);
	free(list);

	assert_int_equal(store_async_msg_set_state(&loop, f->s, mid, STORE_MSG_SAVED, on_done, &c),
	                 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	store_msg g = {0};
	assert_int_equal(store_async_msg_get(&loop, f->s, mid, &g, on_done, &c), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(g.state, STORE_MSG_SAVED);
	assert_int_equal(g.audio.len, 800);
	assert_int_equal(g.audio.data[799], 0x55);
	assert_int_equal(g.duration_ms, 100);
	store_msg_clear(&g);

	store_audio greet = {0};
	assert_int_equal(store_async_greeting_get(&loop, f->s, a, &greet, on_done, &c), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(c.last_err, OPENUM_ENOTFOUND);

	store_call call = mkcall(0, "async@h", "sip:alice@contoso.com", STORE_LOGON_PIN_OK,
	                         STORE_CALL_SUBSCRIBER_ACCESS);
	int64_t cid = 0;
	assert_int_equal(store_async_call_append(&loop, f->s, &call, &cid, on_done, &c), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_true(cid > 0);

	/* Refused requests never call back. */
	int before = c.done_calls;
	char longaddr[STORE_ADDR_MAX + 10];
	memset(longaddr, 'a', sizeof(longaddr) - 1);
	longaddr[sizeof(longaddr) - 1] = '\0';
	assert_int_equal(
	    store_async_mailbox_get_by_address(&loop, f->s, longaddr, &mb, on_done, &c),
	    OPENUM_ETOOBIG);
	assert_int_equal(store_async_mailbox_get_by_address(&loop, f->s, "a@b", NULL, on_done, &c),
	                 OPENUM_EINVAL);
	assert_int_equal(store_async_run(&loop, f->s, NULL, NULL, on_done, &c), OPENUM_EINVAL);
	assert_int_equal(store_async_run(&loop, f->s, job_where, &c, NULL, NULL), OPENUM_EINVAL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(c.done_calls, before);

	/* Many requests at once all complete, each exactly once. */
	before = c.done_calls;
	for (int i = 0; i < 32; i++)
		assert_int_equal(store_async_run(&loop, f->s, job_where, &c, on_done, &c), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(c.done_calls, before + 32);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	store_fx_pg_from_env();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open_migrates_and_reopens, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_migrates_old_schema, setup, teardown),
	    cmocka_unit_test(test_conninfo_display),
	    cmocka_unit_test(test_address_normalize),
	    cmocka_unit_test_setup_teardown(test_mailbox_crud, setup, teardown),
	    cmocka_unit_test(test_pin_policy),
	    cmocka_unit_test(test_pin_hash),
	    cmocka_unit_test_setup_teardown(test_pin_verify_and_history, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pin_min_len_option, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lockout_and_unlock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_failed_logons, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_shared_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_pin_guesses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transcripts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_greeting, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_call_log, setup, teardown),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test_setup_teardown(test_async_off_loop_thread, setup, teardown),
	    /* PostgreSQL only: keep it last */
	    cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
	};
	size_t n = sizeof(tests) / sizeof(tests[0]) - (pg_conn ? 0 : 1);
	return _cmocka_run_group_tests(pg_conn ? "store-postgresql" : "store-sqlite", tests, n,
	                               NULL, NULL);
}
