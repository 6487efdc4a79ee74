/* store/pg.c: the PostgreSQL back end of the store (store_backend): mailboxes, PINs,
 * greetings, messages and the call log as rows, on the pool of pg_conn.c. Multi-row
 * writes run in transactions; the failed-logon counter is one UPDATE ... RETURNING,
 * whose row lock makes concurrent logons from any number of processes queue on the
 * row and each count: no lost updates. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "pg_int.h"

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

/* ---- the store back end ------------------------------------------------------ */

static int pgs_open(const char *target, const store_options *opt, void **impl, const char **why)
{
	pg_pool *p;
	int err = pg_pool_open(target, opt, &p, why);
	if (!err)
		*impl = p;
	return err;
}

static void pgs_close(void *impl)
{
	pg_pool_close(impl);
}

static uint32_t clamp_u32(int64_t v)
{
	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Reads row i of a result into an element of a list (a store_mailbox, store_msg, ...). */
typedef int (*pg_row_reader)(const PGresult *r, int row, void *out, const char **why);

/* Turns every row of r into a malloc'd array of sz-byte elements; clears r. */
static int pg_list(PGresult *r, size_t sz, pg_row_reader read, void **out, size_t *n,
                   const char **why)
{
	int rows = PQntuples(r);
	char *arr = NULL;
	int err = 0;
	if (rows > 0) {
		arr = calloc((size_t)rows, sz);
		if (!arr)
			err = fail(why, "out of memory", OPENUM_ENOMEM);
	}
	for (int i = 0; !err && i < rows; i++)
		err = read(r, i, arr + (size_t)i * sz, why);
	PQclear(r);
	if (err) {
		free(arr);
		return err;
	}
	*out = arr;
	*n = (size_t)rows;
	return 0;
}

static int pgs_schema_version(void *impl, int *out, const char **why)
{
	PGconn *c;
	int err = pg_acquire(impl, &c, why);
	if (err)
		return err;
	err = pg_version(c, out, why);
	pg_release(impl, c);
	return err;
}

/* ---- mailboxes ----------------------------------------------------------- */

#define MB_COLS                                                                                    \
	"id, address, name, ext, email, pin_hash IS NOT NULL, pin_set_ms, failed_logons, locked, " \
	"greeting IS NOT NULL, created_ms, email_mode, email_format"

static int read_mailbox(const PGresult *r, int row, void *out, const char **why)
{
	store_mailbox *mb = out;
	memset(mb, 0, sizeof(*mb));
	mb->id = pg_i64(r, row, 0);
	int err = pg_text(r, row, 1, mb->address, sizeof(mb->address), why);
	if (!err)
		err = pg_text(r, row, 2, mb->name, sizeof(mb->name), why);
	if (!err)
		err = pg_text(r, row, 3, mb->ext, sizeof(mb->ext), why);
	if (!err)
		err = pg_text(r, row, 4, mb->email, sizeof(mb->email), why);
	mb->has_pin = pg_i64(r, row, 5) != 0;
	mb->pin_set_ms = pg_i64(r, row, 6);
	mb->failed_logons = clamp_u32(pg_i64(r, row, 7));
	mb->locked = pg_i64(r, row, 8) != 0;
	mb->has_greeting = pg_i64(r, row, 9) != 0;
	mb->created_ms = pg_i64(r, row, 10);
	char ms[16], fs[16];
	store_email_mode mode = STORE_EMAIL_OFF;
	store_email_format fmt = STORE_EMAIL_WAV;
	if (!err &&
	    (pg_text(r, row, 11, ms, sizeof(ms), why) != 0 ||
	     pg_text(r, row, 12, fs, sizeof(fs), why) != 0 ||
	     store_email_mode_parse(ms, &mode) != 0 || store_email_format_parse(fs, &fmt) != 0))
		err = fail(why, "database holds an unknown e-mail mode or format", OPENUM_EIO);
	mb->email_mode = (int)mode;
	mb->email_format = (int)fmt;
	return err;
}

static int insert_history(PGconn *c, int64_t id, const store_pin_rec *pin, const char **why)
{
	PGresult *r;
	int err = pg_query(c, &r, why,
	                   "INSERT INTO pin_history (mailbox_id, hash, salt, iter, set_ms) "
	                   "VALUES ($1, $2, $3, $4, $5)",
	                   "ibbii", id, (const void *)pin->hash, (size_t)STORE_PIN_HASH_LEN,
	                   (const void *)pin->salt, (size_t)STORE_PIN_SALT_LEN,
	                   (int64_t)pin->iterations, pin->set_ms);
	PQclear(r);
	return err;
}

static int pgs_mailbox_add(void *impl, const store_mailbox *mb, const store_pin_rec *pin,
                           int64_t *id, const char **why)
{
	PGconn *c;
	PGresult *r = NULL;
	int err = pg_acquire(impl, &c, why);
	if (err)
		return err;
	err = pg_exec(c, "BEGIN", why);
	if (!err)
		err = pg_query(
		    c, &r, why,
		    "INSERT INTO mailbox (address, name, ext, email, pin_hash, pin_salt, pin_iter, "
		    "pin_set_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING "
		    "id",
		    "ttttbbiii", mb->address, mb->name, mb->ext, mb->email,
		    pin ? (const void *)pin->hash : NULL, (size_t)(pin ? STORE_PIN_HASH_LEN : 0),
		    pin ? (const void *)pin->salt : NULL, (size_t)(pin ? STORE_PIN_SALT_LEN : 0),
		    (int64_t)(pin ? pin->iterations : 0), (int64_t)(pin ? pin->set_ms : 0),
		    mb->created_ms);
	int64_t newid = err ? 0 : pg_i64(r, 0, 0);
	PQclear(r);
	if (!err && pin)
		err = insert_history(c, newid, pin, why);
	if (!err)
		err = pg_exec(c, "COMMIT", why);
	if (err)
		pg_rollback(c);
	else if (id)
		*id = newid;
	pg_release(impl, c);
	return err;
}

static int pgs_mailbox_get(void *impl, store_key key, int64_t id, const char *text,
                           store_mailbox *out, const char **why)
{
	PGresult *r;
	int err =
	    key == STORE_KEY_ID
	        ? pg_run(impl, &r, why, "SELECT " MB_COLS " FROM mailbox WHERE id = $1", "i", id)
	    : key == STORE_KEY_ADDRESS
	        ? pg_run(impl, &r, why, "SELECT " MB_COLS " FROM mailbox WHERE address = $1", "t",
	                 text)
	        : pg_run(impl, &r, why, "SELECT " MB_COLS " FROM mailbox WHERE ext = $1", "t",
	                 text);
	if (err)
		return err;
	err = PQntuples(r) == 1 ? read_mailbox(r, 0, out, why)
	                        : fail(why, "no such mailbox", OPENUM_ENOTFOUND);
	PQclear(r);
	return err;
}

static int pgs_mailbox_list(void *impl, store_mailbox **out, size_t *n, const char **why)
{
	PGresult *r;
	int err = pg_run(impl, &r, why, "SELECT " MB_COLS " FROM mailbox ORDER BY address", "");
	void *arr = NULL;
	if (!err)
		err = pg_list(r, sizeof(**out), read_mailbox, &arr, n, why);
	if (!err)
		*out = arr;
	return err;
}

static int pgs_mailbox_del(void *impl, int64_t id, const char **why)
{
	return pg_change(impl, "no such mailbox", why, "DELETE FROM mailbox WHERE id = $1", "i",
	                 id);
}

static int pgs_mailbox_set_text(void *impl, int64_t id, store_text_field f, const char *value,
                                const char **why)
{
	const char *sql = f == STORE_FIELD_NAME ? "UPDATE mailbox SET name = $1 WHERE id = $2"
	                                        : "UPDATE mailbox SET email = $1 WHERE id = $2";
	return pg_change(impl, "no such mailbox", why, sql, "ti", value, id);
}

static int read_pin(const PGresult *r, int row, int col, store_pin_rec *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (PQgetlength(r, row, col) != STORE_PIN_HASH_LEN ||
	    PQgetlength(r, row, col + 1) != STORE_PIN_SALT_LEN)
		return fail(why, "stored PIN hash is damaged", OPENUM_EIO);
	memcpy(out->hash, PQgetvalue(r, row, col), STORE_PIN_HASH_LEN);
	memcpy(out->salt, PQgetvalue(r, row, col + 1), STORE_PIN_SALT_LEN);
	int64_t it = pg_i64(r, row, col + 2);
	out->iterations = it > 0 && it <= INT32_MAX ? (uint32_t)it : 0;
	out->set_ms = pg_i64(r, row, col + 3);
	return 0;
}

static int pgs_pin_get(void *impl, int64_t id, store_pin_rec *out, bool *has, const char **why)
{
	PGresult *r;
	int err = pg_run(impl, &r, why,
	                 "SELECT pin_hash IS NOT NULL, pin_hash, pin_salt, pin_iter, pin_set_ms "
	                 "FROM mailbox WHERE id = $1",
	                 "i", id);
	if (err)
		return err;
	if (PQntuples(r) != 1) {
		err = fail(why, "no such mailbox", OPENUM_ENOTFOUND);
	} else {
		*has = pg_i64(r, 0, 0) != 0;
		if (*has)
			err = read_pin(r, 0, 1, out, why);
		else
			memset(out, 0, sizeof(*out));
	}
	PQclear(r);
	return err;
}

static int pgs_pin_history(void *impl, int64_t id, store_pin_rec *out, size_t max, size_t *n,
                           const char **why)
{
	PGresult *r;
	*n = 0;
	int err = pg_run(impl, &r, why,
	                 "SELECT hash, salt, iter, set_ms FROM pin_history WHERE mailbox_id = $1 "
	                 "ORDER BY id DESC LIMIT $2",
	                 "ii", id, (int64_t)max);
	if (err)
		return err;
	int rows = PQntuples(r);
	for (int i = 0; !err && i < rows && *n < max; i++) {
		err = read_pin(r, i, 0, &out[*n], why);
		if (!err)
			(*n)++;
	}
	PQclear(r);
	return err;
}

static int pgs_pin_set(void *impl, int64_t id, const store_pin_rec *pin, unsigned keep,
                       const char **why)
{
	PGconn *c;
	PGresult *r = NULL;
	int err = pg_acquire(impl, &c, why);
	if (err)
		return err;
	err = pg_exec(c, "BEGIN", why);
	if (!err)
		err = pg_query(c, &r, why,
		               "UPDATE mailbox SET pin_hash = $1, pin_salt = $2, pin_iter = $3, "
		               "pin_set_ms = $4 WHERE id = $5",
		               "bbiii", (const void *)pin->hash, (size_t)STORE_PIN_HASH_LEN,
		               (const void *)pin->salt, (size_t)STORE_PIN_SALT_LEN,
		               (int64_t)pin->iterations, pin->set_ms, id);
	if (!err && pg_changed(r) == 0)
		err = fail(why, "no such mailbox", OPENUM_ENOTFOUND);
	PQclear(r);
	r = NULL;
	if (!err)
		err = insert_history(c, id, pin, why);
	if (!err)
		err = pg_query(c, &r, why,
		               "DELETE FROM pin_history WHERE mailbox_id = $1 AND id NOT IN "
		               "(SELECT id FROM pin_history WHERE mailbox_id = $1 ORDER BY id DESC "
		               "LIMIT $2)",
		               "ii", id, (int64_t)keep);
	PQclear(r);
	if (!err)
		err = pg_exec(c, "COMMIT", why);
	if (err)
		pg_rollback(c);
	pg_release(impl, c);
	return err;
}

static int pgs_failed_logon(void *impl, int64_t id, uint32_t limit, store_fail_op op,
                            uint32_t *count, bool *locked, const char **why)
{
	static const char *const sql[] = {
	    [STORE_FAIL_ADD] = "UPDATE mailbox SET failed_logons = failed_logons + 1, "
	                       "locked = locked OR failed_logons + 1 >= $1 "
	                       "WHERE id = $2 RETURNING failed_logons, locked",
	    [STORE_FAIL_CLAIM] = "UPDATE mailbox SET failed_logons = failed_logons + 1 "
	                         "WHERE id = $2 AND NOT locked AND failed_logons < $1 "
	                         "RETURNING failed_logons, locked",
	    [STORE_FAIL_SETTLE] = ("UPDATE mailbox SET locked = locked OR failed_logons >= $1 "
	                           "WHERE id = $2 RETURNING failed_logons, locked"),
	};
	/* One statement: the row lock the UPDATE takes makes a concurrent UPDATE of the same
	 * mailbox (any connection, any process) wait and then re-read the new count and
	 * lock (PostgreSQL re-checks the WHERE of a CLAIM on the row's new version). */
	PGresult *r;
	int err = pg_run(impl, &r, why, sql[op], "ii", (int64_t)limit, id);
	if (err)
		return err;
	if (PQntuples(r) != 1) {
		err = fail(why, "no such mailbox", OPENUM_ENOTFOUND);
	} else {
		*count = clamp_u32(pg_i64(r, 0, 0));
		*locked = pg_i64(r, 0, 1) != 0;
	}
	PQclear(r);
	return err;
}

static int pgs_reset_failed(void *impl, int64_t id, bool unlock, const char **why)
{
	const char *sql =
	    unlock ? "UPDATE mailbox SET failed_logons = 0, locked = false WHERE id = $1"
	           : "UPDATE mailbox SET failed_logons = CASE WHEN locked THEN failed_logons "
	             "ELSE 0 END WHERE id = $1";
	return pg_change(impl, "no such mailbox", why, sql, "i", id);
}

static int pgs_greeting_set(void *impl, int64_t id, const store_audio *a, const char **why)
{
	bool clear = !a || !a->data || a->len == 0;
	return pg_change(impl, "no such mailbox", why,
	                 "UPDATE mailbox SET greeting_codec = $1, greeting = $2 WHERE id = $3",
	                 "tbi", clear ? NULL : store_codec_name(a->codec),
	                 clear ? NULL : (const void *)a->data, clear ? (size_t)0 : a->len, id);
}

static int codec_col(const PGresult *r, int row, int col, store_codec *out, const char **why)
{
	if (PQgetisnull(r, row, col) || store_codec_parse(PQgetvalue(r, row, col), out) != 0)
		return fail(why, "database holds an unknown codec", OPENUM_EIO);
	return 0;
}

static int pgs_greeting_get(void *impl, int64_t id, store_audio *out, const char **why)
{
	PGresult *r;
	memset(out, 0, sizeof(*out));
	int err = pg_run(impl, &r, why,
	                 "SELECT greeting_codec, greeting FROM mailbox WHERE id = $1", "i", id);
	if (err)
		return err;
	if (PQntuples(r) != 1)
		err = fail(why, "no such mailbox", OPENUM_ENOTFOUND);
	else if (PQgetisnull(r, 0, 1))
		err = fail(why, "no greeting recorded", OPENUM_ENOTFOUND);
	else
		err = codec_col(r, 0, 0, &out->codec, why);
	if (!err)
		err = pg_bytes_dup(r, 0, 1, &out->data, &out->len, why);
	PQclear(r);
	return err;
}

/* ---- messages ------------------------------------------------------------ */

static int pgs_msg_add(void *impl, const store_msg *m, int64_t *id, const char **why)
{
	PGresult *r;
	int err =
	    pg_run(impl, &r, why,
	           "INSERT INTO message (mailbox_id, received_ms, caller, duration_ms, state, "
	           "diversion, codec, audio, transcript_state, transcript) "
	           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
	           "iititttztt", m->mailbox_id, m->received_ms, m->caller, (int64_t)m->duration_ms,
	           store_msg_state_name(m->state), m->diversion, store_codec_name(m->audio.codec),
	           (const void *)m->audio.data, m->audio.len,
	           store_transcript_state_name(m->transcript_state), m->transcript);
	if (err)
		return err;
	if (id)
		*id = pg_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

#define MSG_COLS                                                                                   \
	"id, mailbox_id, received_ms, caller, duration_ms, state, diversion, codec, "              \
	"octet_length(audio)::int8, transcript_state, transcript"

static int read_msg(const PGresult *r, int row, void *out, const char **why)
{
	store_msg *m = out;
	memset(m, 0, sizeof(*m));
	m->id = pg_i64(r, row, 0);
	m->mailbox_id = pg_i64(r, row, 1);
	m->received_ms = pg_i64(r, row, 2);
	int err = pg_text(r, row, 3, m->caller, sizeof(m->caller), why);
	m->duration_ms = clamp_u32(pg_i64(r, row, 4));
	if (!err && (PQgetisnull(r, row, 5) ||
	             store_msg_state_parse(PQgetvalue(r, row, 5), &m->state) != 0))
		err = fail(why, "database holds an unknown message state", OPENUM_EIO);
	if (!err)
		err = pg_text(r, row, 6, m->diversion, sizeof(m->diversion), why);
	if (!err)
		err = codec_col(r, row, 7, &m->audio.codec, why);
	m->audio.len = (size_t)pg_i64(r, row, 8);
	if (!err &&
	    (PQgetisnull(r, row, 9) ||
	     store_transcript_state_parse(PQgetvalue(r, row, 9), &m->transcript_state) != 0))
		err = fail(why, "database holds an unknown transcript state", OPENUM_EIO);
	if (!err)
		err = pg_text(r, row, 10, m->transcript, sizeof(m->transcript), why);
	return err;
}

static int pgs_msg_get(void *impl, int64_t id, store_msg *out, const char **why)
{
	PGresult *r;
	memset(out, 0, sizeof(*out));
	int err =
	    pg_run(impl, &r, why, "SELECT " MSG_COLS ", audio FROM message WHERE id = $1", "i", id);
	if (err)
		return err;
	if (PQntuples(r) != 1) {
		err = fail(why, "no such message", OPENUM_ENOTFOUND);
	} else {
		err = read_msg(r, 0, out, why);
		if (!err)
			err = pg_bytes_dup(r, 0, 11, &out->audio.data, &out->audio.len, why);
		if (err)
			store_msg_clear(out);
	}
	PQclear(r);
	return err;
}

static int pgs_msg_list(void *impl, int64_t mailbox_id, unsigned mask, store_msg **out, size_t *n,
                        const char **why)
{
	PGresult *r;
	int err = pg_run(impl, &r, why,
	                 "SELECT " MSG_COLS " FROM message WHERE mailbox_id = $1 AND "
	                 "(($2 >> CASE state WHEN 'new' THEN 0 WHEN 'saved' THEN 1 ELSE 2 END) "
	                 "& 1) = 1 ORDER BY received_ms, id",
	                 "ii", mailbox_id, (int64_t)mask);
	void *arr = NULL;
	if (!err)
		err = pg_list(r, sizeof(**out), read_msg, &arr, n, why);
	if (!err)
		*out = arr;
	return err;
}

static int pgs_msg_count(void *impl, int64_t mailbox_id, unsigned *nnew, unsigned *nsaved,
                         const char **why)
{
	PGresult *r;
	int err = pg_run(impl, &r, why,
	                 "SELECT count(*) FILTER (WHERE state = 'new'), "
	                 "count(*) FILTER (WHERE state = 'saved') FROM message "
	                 "WHERE mailbox_id = $1",
	                 "i", mailbox_id);
	if (err)
		return err;
	*nnew = clamp_u32(pg_i64(r, 0, 0));
	*nsaved = clamp_u32(pg_i64(r, 0, 1));
	PQclear(r);
	return 0;
}

static int pgs_msg_set_state(void *impl, int64_t id, store_msg_state s, const char **why)
{
	return pg_change(impl, "no such message", why,
	                 "UPDATE message SET state = $1 WHERE id = $2", "ti",
	                 store_msg_state_name(s), id);
}

static int pgs_msg_delete(void *impl, int64_t id, const char **why)
{
	return pg_change(impl, "no such message", why, "DELETE FROM message WHERE id = $1", "i",
	                 id);
}

static int pgs_msg_set_transcript(void *impl, int64_t id, store_transcript_state ts,
                                  const char *text, const char **why)
{
	return pg_change(impl, "no such message", why,
	                 "UPDATE message SET transcript_state = $1, transcript = $2 WHERE id = $3",
	                 "tti", store_transcript_state_name(ts), text, id);
}

static int pgs_msg_get_transcript(void *impl, int64_t id, store_transcript_state *ts, char *text,
                                  const char **why)
{
	PGresult *r;
	int err = pg_run(impl, &r, why,
	                 "SELECT transcript_state, transcript FROM message WHERE id = $1", "i", id);
	if (err)
		return err;
	if (PQntuples(r) != 1)
		err = fail(why, "no such message", OPENUM_ENOTFOUND);
	else if (PQgetisnull(r, 0, 0) || store_transcript_state_parse(PQgetvalue(r, 0, 0), ts) != 0)
		err = fail(why, "database holds an unknown transcript state", OPENUM_EIO);
	else if (text)
		err = pg_text(r, 0, 1, text, STORE_TRANSCRIPT_MAX, why);
	PQclear(r);
	return err;
}

static int read_id(const PGresult *r, int row, void *out, const char **why)
{
	(void)why;
	*(int64_t *)out = pg_i64(r, row, 0);
	return 0;
}

static int pgs_msg_transcript_pending(void *impl, int64_t **ids, size_t *n, const char **why)
{
	PGresult *r;
	int err =
	    pg_run(impl, &r, why,
	           "SELECT id FROM message WHERE transcript_state = 'pending' ORDER BY id", "");
	void *arr = NULL;
	if (!err)
		err = pg_list(r, sizeof(**ids), read_id, &arr, n, why);
	if (!err)
		*ids = arr;
	return err;
}

/* ---- call log ------------------------------------------------------------- */

static int pgs_call_append(void *impl, const store_call *c, int64_t *id, const char **why)
{
	PGresult *r;
	int err = pg_run(impl, &r, why,
	                 "INSERT INTO call_log (time_ms, call_id, transport, peer, trusted, "
	                 "skip_pin_requested, logon, kind, mailbox, duration_ms, detail) "
	                 "VALUES ($1, $2, $3, $4, $5 <> 0, $6 <> 0, $7, $8, $9, $10, $11) "
	                 "RETURNING id",
	                 "itttiitttit", c->time_ms, c->call_id, c->transport, c->peer,
	                 (int64_t)c->trusted, (int64_t)c->skip_pin_requested,
	                 store_logon_result_name(c->logon), store_call_kind_name(c->kind),
	                 c->mailbox, (int64_t)c->duration_ms, c->detail);
	if (err)
		return err;
	if (id)
		*id = pg_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

static int read_call(const PGresult *r, int row, void *out, const char **why)
{
	store_call *c = out;
	memset(c, 0, sizeof(*c));
	c->id = pg_i64(r, row, 0);
	c->time_ms = pg_i64(r, row, 1);
	int err = pg_text(r, row, 2, c->call_id, sizeof(c->call_id), why);
	if (!err)
		err = pg_text(r, row, 3, c->transport, sizeof(c->transport), why);
	if (!err)
		err = pg_text(r, row, 4, c->peer, sizeof(c->peer), why);
	c->trusted = pg_i64(r, row, 5) != 0;
	c->skip_pin_requested = pg_i64(r, row, 6) != 0;
	if (!err && (PQgetisnull(r, row, 7) ||
	             store_logon_result_parse(PQgetvalue(r, row, 7), &c->logon) != 0))
		err = fail(why, "database holds an unknown logon result", OPENUM_EIO);
	if (!err &&
	    (PQgetisnull(r, row, 8) || store_call_kind_parse(PQgetvalue(r, row, 8), &c->kind) != 0))
		err = fail(why, "database holds an unknown call kind", OPENUM_EIO);
	if (!err)
		err = pg_text(r, row, 9, c->mailbox, sizeof(c->mailbox), why);
	c->duration_ms = clamp_u32(pg_i64(r, row, 10));
	if (!err)
		err = pg_text(r, row, 11, c->detail, sizeof(c->detail), why);
	return err;
}

static int pgs_call_list(void *impl, const char *mailbox, unsigned limit, store_call **out,
                         size_t *n, const char **why)
{
	PGresult *r;
	int err = pg_run(impl, &r, why,
	                 "SELECT id, time_ms, call_id, transport, peer, trusted, "
	                 "skip_pin_requested, logon, kind, mailbox, duration_ms, detail "
	                 "FROM call_log WHERE $1::text IS NULL OR mailbox = $1 "
	                 "ORDER BY time_ms DESC, id DESC LIMIT nullif($2, 0)",
	                 "ti", mailbox, (int64_t)limit);
	void *arr = NULL;
	if (!err)
		err = pg_list(r, sizeof(**out), read_call, &arr, n, why);
	if (!err)
		*out = arr;
	return err;
}

/* ---- e-mail delivery (mailq.c) -------------------------------------------- */

static int pgs_mailbox_set_delivery(void *impl, int64_t id, const char *email, int mode, int fmt,
                                    const char **why)
{
	return pg_change(impl, "no such mailbox", why,
	                 "UPDATE mailbox SET email = coalesce($1, email), email_mode = $2, "
	                 "email_format = $3 WHERE id = $4",
	                 "ttti", email, store_email_mode_name((store_email_mode)mode),
	                 store_email_format_name((store_email_format)fmt), id);
}

#define MAILQ_COLS                                                                                 \
	"q.id, coalesce(q.message_id, 0), q.mailbox_id, q.created_ms, q.state, q.attempts, "       \
	"q.next_ms, q.last_ms, q.result"

static int read_mailq(const PGresult *r, int row, void *out, const char **why)
{
	store_mailq *m = out;
	memset(m, 0, sizeof(*m));
	m->id = pg_i64(r, row, 0);
	m->message_id = pg_i64(r, row, 1);
	m->mailbox_id = pg_i64(r, row, 2);
	m->created_ms = pg_i64(r, row, 3);
	char state[16];
	int err = pg_text(r, row, 4, state, sizeof(state), why);
	if (!err && store_mailq_state_parse(state, &m->state) != 0)
		err = fail(why, "database holds an unknown delivery state", OPENUM_EIO);
	m->attempts = clamp_u32(pg_i64(r, row, 5));
	m->next_ms = pg_i64(r, row, 6);
	m->last_ms = pg_i64(r, row, 7);
	if (!err)
		err = pg_text(r, row, 8, m->result, sizeof(m->result), why);
	if (!err && PQnfields(r) > 9)
		err = pg_text(r, row, 9, m->mailbox, sizeof(m->mailbox), why);
	return err;
}

static int pgs_mailq_claim(void *impl, int64_t now_ms, int64_t lease_ms, store_mailq *out,
                           bool *found, const char **why)
{
	/* SKIP LOCKED: a row another server is claiming this instant is left to it; the
	 * lease (next_ms in the future) keeps it away from everyone once committed */
	PGresult *r;
	int err = pg_run(impl, &r, why,
	                 "UPDATE mail_queue q SET attempts = q.attempts + 1, next_ms = $1 + $2 "
	                 "WHERE q.id = (SELECT id FROM mail_queue WHERE state = 'pending' AND "
	                 "next_ms <= $1 AND NOT EXISTS (SELECT 1 FROM message m WHERE "
	                 "m.id = mail_queue.message_id AND m.transcript_state = 'pending' AND "
	                 "mail_queue.created_ms > $1 - $3) "
	                 "ORDER BY next_ms, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
	                 "RETURNING " MAILQ_COLS,
	                 "iii", now_ms, lease_ms, (int64_t)STORE_MAILQ_TRANSCRIPT_WAIT_MS);
	if (err)
		return err;
	if (PQntuples(r) == 1) {
		err = read_mailq(r, 0, out, why);
		if (!err)
			*found = true;
	}
	PQclear(r);
	return err;
}

static int pgs_mailq_finish(void *impl, int64_t id, store_mailq_state s, int64_t now_ms,
                            int64_t next_ms, const char *result, const char **why)
{
	return pg_change(impl, "no such delivery", why,
	                 "UPDATE mail_queue SET state = $1, next_ms = $2, last_ms = $3, "
	                 "result = $4 WHERE id = $5",
	                 "tiiti", store_mailq_state_name(s), next_ms, now_ms, result, id);
}

static int pgs_mailq_list(void *impl, const char *mailbox, unsigned limit, store_mailq **out,
                          size_t *n, const char **why)
{
	PGresult *r;
	int err = pg_run(impl, &r, why,
	                 "SELECT " MAILQ_COLS ", b.address FROM mail_queue q "
	                 "JOIN mailbox b ON b.id = q.mailbox_id "
	                 "WHERE $1::text IS NULL OR b.address = $1 ORDER BY q.id DESC "
	                 "LIMIT nullif($2, 0)",
	                 "ti", mailbox, (int64_t)limit);
	void *arr = NULL;
	if (!err)
		err = pg_list(r, sizeof(**out), read_mailq, &arr, n, why);
	if (!err)
		*out = arr;
	return err;
}

const store_backend store_pg_backend = {
    .name = "postgresql",
    .open = pgs_open,
    .close = pgs_close,
    .schema_version = pgs_schema_version,
    .mailbox_add = pgs_mailbox_add,
    .mailbox_get = pgs_mailbox_get,
    .mailbox_list = pgs_mailbox_list,
    .mailbox_del = pgs_mailbox_del,
    .mailbox_set_text = pgs_mailbox_set_text,
    .pin_get = pgs_pin_get,
    .pin_history = pgs_pin_history,
    .pin_set = pgs_pin_set,
    .failed_logon = pgs_failed_logon,
    .reset_failed = pgs_reset_failed,
    .greeting_set = pgs_greeting_set,
    .greeting_get = pgs_greeting_get,
    .msg_add = pgs_msg_add,
    .msg_get = pgs_msg_get,
    .msg_list = pgs_msg_list,
    .msg_count = pgs_msg_count,
    .msg_set_state = pgs_msg_set_state,
    .msg_delete = pgs_msg_delete,
    .msg_set_transcript = pgs_msg_set_transcript,
    .msg_get_transcript = pgs_msg_get_transcript,
    .msg_transcript_pending = pgs_msg_transcript_pending,
    .call_append = pgs_call_append,
    .call_list = pgs_call_list,
    .mailbox_set_delivery = pgs_mailbox_set_delivery,
    .mailq_claim = pgs_mailq_claim,
    .mailq_finish = pgs_mailq_finish,
    .mailq_list = pgs_mailq_list,
};
