/* store/pg_users.c: the PostgreSQL rows of the proxy's SIP accounts and location
 * service, behind store_users_backend, on a pool of its own (pg.c). Arguments arrive
 * validated and normalised by users.c. */
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

static int pgu_open(const char *target, const store_options *opt, void **impl, const char **why)
{
	pg_pool *p;
	int err = pg_pool_open(target, opt, &p, why);
	if (!err)
		*impl = p;
	return err;
}

static void pgu_close(void *impl)
{
	pg_pool_close(impl);
}

/* One UPDATE/DELETE of a user: no row changed is "no such user". */
#define CHANGE(p, why, ...)                                                                        \
	do {                                                                                       \
		PGresult *r_;                                                                      \
		int err_ = pg_run(p, &r_, why, __VA_ARGS__);                                       \
		if (!err_ && pg_changed(r_) == 0)                                                  \
			err_ = fail(why, "no such user", OPENUM_ENOTFOUND);                        \
		PQclear(r_);                                                                       \
		return err_;                                                                       \
	} while (0)

#define USER_COLS                                                                                  \
	"id, address, realm, ha1_md5, ha1_sha256, fwd_immediate, vm_no_answer_s, vm_busy, "        \
	"vm_unregistered, created_ms"

static int read_user(const PGresult *r, int row, void *out, const char **why)
{
	store_user *o = out;
	memset(o, 0, sizeof(*o));
	o->id = pg_i64(r, row, 0);
	int err = pg_text(r, row, 1, o->address, sizeof(o->address), why);
	if (!err)
		err = pg_text(r, row, 2, o->realm, sizeof(o->realm), why);
	if (!err)
		err = pg_text(r, row, 3, o->ha1_md5, sizeof(o->ha1_md5), why);
	if (!err)
		err = pg_text(r, row, 4, o->ha1_sha256, sizeof(o->ha1_sha256), why);
	if (!err)
		err = pg_text(r, row, 5, o->fwd_immediate, sizeof(o->fwd_immediate), why);
	int64_t na = pg_i64(r, row, 6);
	o->vm_no_answer_s = na < 0 ? 0 : na > UINT32_MAX ? UINT32_MAX : (uint32_t)na;
	o->vm_busy = pg_i64(r, row, 7) != 0;
	o->vm_unregistered = pg_i64(r, row, 8) != 0;
	o->created_ms = pg_i64(r, row, 9);
	return err;
}

/* Every row of r into a malloc'd array (NULL when empty); clears r. */
static int rows(PGresult *r, size_t sz, int (*read)(const PGresult *, int, void *, const char **),
                void **out, size_t *n, const char **why)
{
	int cnt = PQntuples(r);
	char *arr = cnt ? calloc((size_t)cnt, sz) : NULL;
	int err = cnt && !arr ? fail(why, "out of memory", OPENUM_ENOMEM) : 0;
	for (int i = 0; !err && i < cnt; i++)
		err = read(r, i, arr + (size_t)i * sz, why);
	PQclear(r);
	if (err) {
		free(arr);
		return err;
	}
	*out = arr;
	*n = (size_t)cnt;
	return 0;
}

static int pgu_user_add(void *impl, const store_user *in, int64_t created, int64_t *id,
                        const char **why)
{
	PGresult *r;
	int err =
	    pg_run(impl, &r, why,
	           "INSERT INTO sip_user (address, realm, ha1_md5, ha1_sha256, fwd_immediate, "
	           "vm_no_answer_s, vm_busy, vm_unregistered, created_ms) "
	           "VALUES ($1, $2, $3, $4, $5, $6, $7 <> 0, $8 <> 0, $9) RETURNING id",
	           "tttttiiii", in->address, in->realm, in->ha1_md5, in->ha1_sha256,
	           in->fwd_immediate, (int64_t)in->vm_no_answer_s, (int64_t)in->vm_busy,
	           (int64_t)in->vm_unregistered, created);
	if (err)
		return err;
	if (id)
		*id = pg_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

static int pgu_user_get(void *impl, const char *addr, store_user *out, const char **why)
{
	PGresult *r;
	int err = pg_run(impl, &r, why, "SELECT " USER_COLS " FROM sip_user WHERE address = $1",
	                 "t", addr);
	if (err)
		return err;
	err = PQntuples(r) == 1 ? read_user(r, 0, out, why)
	                        : fail(why, "no such user", OPENUM_ENOTFOUND);
	PQclear(r);
	return err;
}

static int pgu_user_list(void *impl, store_user **out, size_t *n, const char **why)
{
	PGresult *r;
	int err = pg_run(impl, &r, why, "SELECT " USER_COLS " FROM sip_user ORDER BY address", "");
	void *arr = NULL;
	if (!err)
		err = rows(r, sizeof(store_user), read_user, &arr, n, why);
	if (!err)
		*out = arr;
	return err;
}

static int pgu_user_del(void *impl, const char *addr, const char **why)
{
	CHANGE(impl, why, "DELETE FROM sip_user WHERE address = $1", "t", addr);
}

static int pgu_user_set_ha1(void *impl, const char *addr, const char *realm, const char *md5,
                            const char *sha256, const char **why)
{
	CHANGE(impl, why,
	       "UPDATE sip_user SET realm = $1, ha1_md5 = $2, ha1_sha256 = $3 WHERE address = $4",
	       "tttt", realm, md5, sha256, addr);
}

static int pgu_user_set_forwarding(void *impl, const char *addr, const store_user *in,
                                   const char **why)
{
	CHANGE(impl, why,
	       "UPDATE sip_user SET fwd_immediate = $1, vm_no_answer_s = $2, "
	       "vm_busy = $3 <> 0, vm_unregistered = $4 <> 0 WHERE address = $5",
	       "tiiit", in->fwd_immediate, (int64_t)in->vm_no_answer_s, (int64_t)in->vm_busy,
	       (int64_t)in->vm_unregistered, addr);
}

/* ---- bindings ------------------------------------------------------------------ */

#define BIND_COLS                                                                                  \
	"aor, contact, expires_ms, q, transport, peer, call_id, cseq, instance, reg_id, "          \
	"updated_ms"

static int read_binding(const PGresult *r, int row, void *out, const char **why)
{
	store_binding *b = out;
	memset(b, 0, sizeof(*b));
	int err = pg_text(r, row, 0, b->aor, sizeof(b->aor), why);
	if (!err)
		err = pg_text(r, row, 1, b->contact, sizeof(b->contact), why);
	b->expires_ms = pg_i64(r, row, 2);
	b->q = (uint16_t)pg_i64(r, row, 3);
	if (!err)
		err = pg_text(r, row, 4, b->transport, sizeof(b->transport), why);
	if (!err)
		err = pg_text(r, row, 5, b->peer, sizeof(b->peer), why);
	if (!err)
		err = pg_text(r, row, 6, b->call_id, sizeof(b->call_id), why);
	b->cseq = (uint32_t)pg_i64(r, row, 7);
	if (!err)
		err = pg_text(r, row, 8, b->instance, sizeof(b->instance), why);
	b->reg_id = (uint32_t)pg_i64(r, row, 9);
	b->updated_ms = pg_i64(r, row, 10);
	return err;
}

static int pgu_binding_put(void *impl, const store_binding *b, const char **why)
{
	return pg_run(impl, NULL, why,
	              "INSERT INTO registration (" BIND_COLS
	              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
	              "ON CONFLICT (aor, contact) DO UPDATE SET expires_ms = excluded.expires_ms, "
	              "q = excluded.q, transport = excluded.transport, peer = excluded.peer, "
	              "call_id = excluded.call_id, cseq = excluded.cseq, "
	              "instance = excluded.instance, reg_id = excluded.reg_id, "
	              "updated_ms = excluded.updated_ms",
	              "ttiitttitii", b->aor, b->contact, b->expires_ms, (int64_t)b->q, b->transport,
	              b->peer, b->call_id, (int64_t)b->cseq, b->instance, (int64_t)b->reg_id,
	              b->updated_ms);
}

static int pgu_binding_del(void *impl, const char *aor, const char *contact, const char **why)
{
	return contact
	           ? pg_run(impl, NULL, why,
	                    "DELETE FROM registration WHERE aor = $1 AND contact = $2", "tt", aor,
	                    contact)
	           : pg_run(impl, NULL, why, "DELETE FROM registration WHERE aor = $1", "t", aor);
}

static int pgu_binding_list(void *impl, const char *aor, int64_t now_ms, store_binding **out,
                            size_t *n, const char **why)
{
	PGresult *r;
	int err =
	    pg_run(impl, &r, why,
	           "SELECT " BIND_COLS " FROM registration WHERE ($1::text IS NULL OR aor = $1) "
	           "AND expires_ms > $2 ORDER BY aor, q DESC, id",
	           "ti", aor, now_ms);
	void *arr = NULL;
	if (!err)
		err = rows(r, sizeof(store_binding), read_binding, &arr, n, why);
	if (!err)
		*out = arr;
	return err;
}

static int pgu_binding_purge(void *impl, int64_t now_ms, unsigned *count, const char **why)
{
	PGresult *r;
	int err =
	    pg_run(impl, &r, why, "DELETE FROM registration WHERE expires_ms <= $1", "i", now_ms);
	if (err)
		return err;
	if (count)
		*count = pg_changed(r);
	PQclear(r);
	return 0;
}

const store_users_backend store_users_pg_backend = {
    .name = "postgresql",
    .open = pgu_open,
    .close = pgu_close,
    .user_add = pgu_user_add,
    .user_get = pgu_user_get,
    .user_list = pgu_user_list,
    .user_del = pgu_user_del,
    .user_set_ha1 = pgu_user_set_ha1,
    .user_set_forwarding = pgu_user_set_forwarding,
    .binding_put = pgu_binding_put,
    .binding_del = pgu_binding_del,
    .binding_list = pgu_binding_list,
    .binding_purge = pgu_binding_purge,
};
