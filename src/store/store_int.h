/* store internals: the back-end vtable that store.c dispatches through, and the PIN
 * record that never leaves the store. A back end only moves rows; policy (PIN rules,
 * hashing, normalisation, defaults) lives in store.c and pin.c, so a second back end
 * cannot get it wrong. Not a public header: only src/store/ includes it. */
#ifndef OPENUM_STORE_INT_H
#define OPENUM_STORE_INT_H

#include "store.h"

/* One PIN hash: current or from the history. */
typedef struct store_pin_rec {
	uint8_t hash[STORE_PIN_HASH_LEN];
	uint8_t salt[STORE_PIN_SALT_LEN];
	uint32_t iterations;
	int64_t set_ms;
} store_pin_rec;

typedef enum store_key {
	STORE_KEY_ID,
	STORE_KEY_ADDRESS,
	STORE_KEY_EXT,
} store_key;

typedef enum store_text_field {
	STORE_FIELD_NAME,
	STORE_FIELD_EMAIL,
} store_text_field;

/* Every function returns 0 or OPENUM_E* with a static why; arguments are already
 * validated and normalised by store.c. */
/* What failed_logon does (store.c: store_mailbox_pin_logon claims a try before the
 * PIN is compared, so parallel guesses cannot get past the limit). */
typedef enum store_fail_op {
	STORE_FAIL_ADD,    /* failed += 1, locked |= failed >= limit */
	STORE_FAIL_CLAIM,  /* failed += 1 only when unlocked and failed < limit; no row else */
	STORE_FAIL_SETTLE, /* a claimed try was wrong: locked |= failed >= limit */
} store_fail_op;

typedef struct store_backend {
	const char *name;
	int (*open)(const char *target, const store_options *opt, void **impl, const char **why);
	void (*close)(void *impl);
	int (*schema_version)(void *impl, int *out, const char **why);

	int (*mailbox_add)(void *impl, const store_mailbox *mb, const store_pin_rec *pin,
	                   int64_t *id, const char **why);
	/* key: STORE_KEY_ID uses id, the others text */
	int (*mailbox_get)(void *impl, store_key key, int64_t id, const char *text,
	                   store_mailbox *out, const char **why);
	int (*mailbox_list)(void *impl, store_mailbox **out, size_t *n, const char **why);
	int (*mailbox_del)(void *impl, int64_t id, const char **why);
	int (*mailbox_set_text)(void *impl, int64_t id, store_text_field f, const char *value,
	                        const char **why);
	/* Current PIN: OPENUM_ENOTFOUND when no mailbox; *has false when no PIN. */
	int (*pin_get)(void *impl, int64_t id, store_pin_rec *out, bool *has, const char **why);
	/* Up to max history entries, newest first (the current PIN is the first). */
	int (*pin_history)(void *impl, int64_t id, store_pin_rec *out, size_t max, size_t *n,
	                   const char **why);
	/* In one transaction: current PIN = pin, pin appended to the history, history cut
	 * to the newest keep entries. */
	int (*pin_set)(void *impl, int64_t id, const store_pin_rec *pin, unsigned keep,
	               const char **why);
	/* One atomic statement on the failed-logon count, returning count and locked after
	 * it (store_fail_op says which); OPENUM_ENOTFOUND when no row was changed. */
	int (*failed_logon)(void *impl, int64_t id, uint32_t limit, store_fail_op op,
	                    uint32_t *count, bool *locked, const char **why);
	/* failed = 0; and locked = 0 when unlock. */
	int (*reset_failed)(void *impl, int64_t id, bool unlock, const char **why);
	int (*greeting_set)(void *impl, int64_t id, const store_audio *a, const char **why);
	int (*greeting_get)(void *impl, int64_t id, store_audio *out, const char **why);

	int (*msg_add)(void *impl, const store_msg *m, int64_t *id, const char **why);
	int (*msg_get)(void *impl, int64_t id, store_msg *out, const char **why);
	int (*msg_list)(void *impl, int64_t mailbox_id, unsigned mask, store_msg **out, size_t *n,
	                const char **why);
	int (*msg_count)(void *impl, int64_t mailbox_id, unsigned *nnew, unsigned *nsaved,
	                 const char **why);
	int (*msg_set_state)(void *impl, int64_t id, store_msg_state st, const char **why);
	int (*msg_delete)(void *impl, int64_t id, const char **why);
	int (*msg_set_transcript)(void *impl, int64_t id, store_transcript_state st,
	                          const char *text, const char **why);
	/* text: STORE_TRANSCRIPT_MAX bytes, or NULL */
	int (*msg_get_transcript)(void *impl, int64_t id, store_transcript_state *st, char *text,
	                          const char **why);
	int (*msg_transcript_pending)(void *impl, int64_t **ids, size_t *n, const char **why);

	int (*call_append)(void *impl, const store_call *c, int64_t *id, const char **why);
	int (*call_list)(void *impl, const char *mailbox, unsigned limit, store_call **out,
	                 size_t *n, const char **why);

	/* e-mail delivery (mailq.c validates). email NULL: keep the stored one. */
	int (*mailbox_set_delivery)(void *impl, int64_t id, const char *email, int mode, int fmt,
	                            const char **why);
	int (*mailq_claim)(void *impl, int64_t now_ms, int64_t lease_ms, store_mailq *out,
	                   bool *found, const char **why);
	int (*mailq_finish)(void *impl, int64_t id, store_mailq_state st, int64_t now_ms,
	                    int64_t next_ms, const char *result, const char **why);
	int (*mailq_list)(void *impl, const char *mailbox, unsigned limit, store_mailq **out,
	                  size_t *n, const char **why);
} store_backend;

/* The store handle (store.c opens it; mailq.c uses it too). */
struct store {
	const store_backend *be;
	void *impl;
	store_options opt; /* defaults resolved */
};

extern const store_backend store_sqlite_backend;
extern const store_backend store_pg_backend; /* pg.c */

/* The proxy's users and registrations (store_users): the same split as above, users.c
 * validates and normalises, a back end moves rows. Addresses arrive normalised. */
typedef struct store_users_backend {
	const char *name;
	/* target as for store_backend.open; the store is already created and migrated */
	int (*open)(const char *target, const store_options *opt, void **impl, const char **why);
	void (*close)(void *impl);
	int (*user_add)(void *impl, const store_user *in, int64_t created_ms, int64_t *id,
	                const char **why);
	int (*user_get)(void *impl, const char *address, store_user *out, const char **why);
	int (*user_list)(void *impl, store_user **out, size_t *n, const char **why);
	int (*user_del)(void *impl, const char *address, const char **why);
	int (*user_set_ha1)(void *impl, const char *address, const char *realm, const char *md5,
	                    const char *sha256, const char **why);
	int (*user_set_forwarding)(void *impl, const char *address, const store_user *in,
	                           const char **why);
	/* b->aor normalised, b->updated_ms set */
	int (*binding_put)(void *impl, const store_binding *b, const char **why);
	int (*binding_del)(void *impl, const char *aor, const char *contact, const char **why);
	int (*binding_list)(void *impl, const char *aor, int64_t now_ms, store_binding **out,
	                    size_t *n, const char **why);
	int (*binding_purge)(void *impl, int64_t now_ms, unsigned *count, const char **why);
} store_users_backend;

extern const store_users_backend store_users_sqlite_backend; /* users_sqlite.c */
extern const store_users_backend store_users_pg_backend;     /* pg_users.c */

/* sqlite_schema.c: the migrations, applied in order; migration i brings the schema
 * from version i to i + 1. */
typedef struct store_migration {
	int version; /* the user_version after it ran */
	const char *sql;
} store_migration;
extern const store_migration store_sqlite_migrations[];
extern const size_t store_sqlite_nmigrations;
/* pg_schema.c: the PostgreSQL migrations, same versions and tables; the version is
 * the one row of table openum_schema. */
extern const store_migration store_pg_migrations[];
extern const size_t store_pg_nmigrations;

/* pin.c */
int store_pin_make(const char *pin, unsigned iterations, store_pin_rec *out);
bool store_pin_matches(const char *pin, const store_pin_rec *rec);

int64_t store_now_ms(void);

#endif
