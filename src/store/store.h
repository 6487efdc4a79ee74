/* store: the mailbox store of the UM server. Mailboxes (address, extension, PIN hash,
 * lockout), voice messages with their audio, and the call log, behind one API with
 * interchangeable back ends: SQLite (embedded default) and PostgreSQL (libpq; shared
 * by several UM servers and proxies).
 *
 * Contract:
 * - No back-end type appears here: a store is opened from a connection string and
 *   every value crosses this API as plain C (fixed-size strings, int64 times, byte
 *   buffers). "sqlite:/path/file.db" or a bare path selects SQLite;
 *   "postgresql://..." and "postgres://..." (libpq URIs), or "postgresql:", "postgres:"
 *   or "pg:" followed by a libpq key=value string (empty: libpq's defaults and PG*
 *   environment variables) select PostgreSQL. Both keep the same schema, migrations
 *   and semantics (docs/mailbox-store.md); many processes may share one PostgreSQL
 *   database (docs/scaling.md).
 * - The synchronous functions block (disk, locks, PBKDF2). They are safe to call from
 *   any number of threads at once on one `store`: the back end keeps a small pool of
 *   connections, one per thread in use. On the event loop thread call only the
 *   store_async_* functions, which run the synchronous call on libuv's thread pool
 *   and call back on the loop thread.
 * - Errors: 0 or a negative OPENUM_E* code; `why` (may be NULL) gets a static English
 *   reason. OPENUM_ENOTFOUND: no such mailbox/message; OPENUM_EDUP: the address or
 *   extension is taken; OPENUM_EINVAL: bad argument or PIN policy; OPENUM_EIO: the
 *   database failed (busy beyond the timeout, disk, corrupt file).
 * - Memory: records are filled into caller-owned structs whose strings are fixed-size
 *   NUL-terminated arrays (longer input is refused with OPENUM_ETOOBIG, never cut).
 *   Audio and list arrays are malloc'd by the store and owned by the caller from then
 *   on: free them with store_audio_free, store_msg_clear and free() (lists).
 * - Times are milliseconds since the Unix epoch (UTC); durations are milliseconds.
 * - Audio is 8 kHz mono: G.711 mu-law or A-law (one byte per sample) or 16-bit signed
 *   little-endian linear PCM.
 */
#ifndef OPENUM_STORE_H
#define OPENUM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/* ---- limits and defaults (each overridable through store_options) --------- */
#define STORE_ADDR_MAX 256 /* normalised "sip:user@host[:port]", NUL included */
#define STORE_NAME_MAX 128 /* display name */
#define STORE_EXT_MAX 25   /* extension: 1-24 digits */
#define STORE_EMAIL_MAX 256
#define STORE_URI_MAX 512   /* caller of a message */
#define STORE_REASON_MAX 64 /* diversion reason ("no-answer", "user-busy", ...) */
#define STORE_CALLID_MAX 256
#define STORE_TRANSPORT_MAX 8 /* "TCP", "TLS" */
#define STORE_PEER_MAX 64     /* "192.0.2.1:5061", "[2001:db8::1]:5061" */
#define STORE_DETAIL_MAX 256
#define STORE_AUDIO_MAX (64u << 20) /* bytes of one message or greeting */
#define STORE_TRANSCRIPT_MAX 4096   /* text of one transcript, NUL included */
/* store_open raises glibc's mmap threshold (process-wide, once) to this, and the trim
 * threshold to STORE_MALLOC_TRIM: message audio (480 kB a minute of G.711) is
 * allocated and freed on every playback, three buffers deep with libpq, and above the
 * default 128 kB threshold each one was a fresh mmap whose every page faulted in, then
 * munmap: 90 % of the CPU of a PostgreSQL message read (bench/store-read). Freed
 * chunks below the threshold go back to the heap for the next read instead. */
#define STORE_MALLOC_MMAP (4u << 20)
#define STORE_MALLOC_TRIM (8u << 20)

#define STORE_PIN_ITERATIONS 100000 /* PBKDF2-HMAC-SHA256 rounds for new PIN hashes */
#define STORE_PIN_SALT_LEN 16
#define STORE_PIN_HASH_LEN 32
#define STORE_PIN_HISTORY 5    /* set_pin refuses the last 5 PINs (current included) */
#define STORE_PIN_MIN_LEN 6    /* default minimum PIN length */
#define STORE_PIN_MIN_LOWEST 4 /* the minimum length can be configured down to this */
#define STORE_PIN_MAX_LEN 24
#define STORE_MAX_FAILED_LOGONS 15 /* a mailbox locks at this many failed logons */
#define STORE_BUSY_TIMEOUT_MS 5000 /* wait for a database lock at most this long */
#define STORE_POOL_MAX 8           /* connections one store opens at most */

/* ---- enums and their names ---------------------------------------------- */
typedef enum store_codec {
	STORE_CODEC_PCMU = 0, /* G.711 mu-law */
	STORE_CODEC_PCMA = 1, /* G.711 A-law */
	STORE_CODEC_L16 = 2,  /* 16-bit signed little-endian PCM */
} store_codec;

typedef enum store_msg_state {
	STORE_MSG_NEW = 0,
	STORE_MSG_SAVED = 1,
	STORE_MSG_DELETED = 2, /* kept until store_msg_delete or a purge */
} store_msg_state;
/* State masks for store_msg_list. */
#define STORE_MSG_MASK(st) (1u << (st))
#define STORE_MSG_MASK_ALL 0x7u

/* Where a message's transcription stands (schema migration 4, docs/transcription.md).
 * NONE: nobody asked for one (transcription off when it was stored); PENDING: queued
 * or running (a UM server started with transcription requeues these); DONE: the text
 * is there (possibly "" for a message without recognisable speech); FAILED: the
 * recogniser failed or is missing (the message itself is intact). Whoever waits for
 * the text (e-mail delivery) waits while PENDING and goes ahead on anything else. */
typedef enum store_transcript_state {
	STORE_TRANSCRIPT_NONE = 0,
	STORE_TRANSCRIPT_PENDING = 1,
	STORE_TRANSCRIPT_DONE = 2,
	STORE_TRANSCRIPT_FAILED = 3,
} store_transcript_state;

typedef enum store_logon_result {
	STORE_LOGON_NONE = 0, /* no logon took place (call answering, early hang-up) */
	STORE_LOGON_SKIP_PIN, /* skip-pin honoured: trusted peer, subscriber access */
	STORE_LOGON_PIN_OK,
	STORE_LOGON_PIN_FAILED, /* wrong PIN (every try of the call) */
	STORE_LOGON_LOCKED,     /* the mailbox is locked: refused even with a correct PIN */
	STORE_LOGON_NOT_FOUND,  /* no mailbox for the address or extension */
} store_logon_result;

typedef enum store_call_kind {
	STORE_CALL_SUBSCRIBER_ACCESS = 0,
	STORE_CALL_ANSWERING = 1,
	STORE_CALL_PLAY_ON_PHONE = 2,
} store_call_kind;

/* Names as stored and printed: "pcmu" "pcma" "l16"; "new" "saved" "deleted";
 * "none" "pending" "done" "failed" (transcript states);
 * "none" "skip-pin" "pin-ok" "pin-failed" "locked" "not-found";
 * "subscriber-access" "call-answering" "play-on-phone". Out of range: "?". */
const char *store_codec_name(store_codec c);
const char *store_msg_state_name(store_msg_state s);
const char *store_logon_result_name(store_logon_result r);
const char *store_call_kind_name(store_call_kind k);
const char *store_transcript_state_name(store_transcript_state t);
/* The reverse (exact, lower case); OPENUM_EINVAL for an unknown name. */
int store_codec_parse(const char *name, store_codec *out);
int store_msg_state_parse(const char *name, store_msg_state *out);
int store_logon_result_parse(const char *name, store_logon_result *out);
int store_call_kind_parse(const char *name, store_call_kind *out);
int store_transcript_state_parse(const char *name, store_transcript_state *out);

/* ---- records --------------------------------------------------------------- */
typedef struct store_mailbox {
	int64_t id;
	char address[STORE_ADDR_MAX]; /* normalised, see store_address_normalize */
	char name[STORE_NAME_MAX];
	char ext[STORE_EXT_MAX];
	char email[STORE_EMAIL_MAX]; /* "" when none */
	/* voice messages to e-mail (schema 3; store_mailbox_set_email_delivery) */
	int email_mode;   /* store_email_mode: STORE_EMAIL_OFF unless set */
	int email_format; /* store_email_format: STORE_EMAIL_WAV unless set */
	bool has_pin;
	int64_t pin_set_ms;     /* 0 when no PIN was ever set */
	uint32_t failed_logons; /* since the last successful logon or unlock */
	bool locked;
	bool has_greeting;
	int64_t created_ms;
} store_mailbox;

/* Audio bytes, 8 kHz mono. data is malloc'd and owned by whoever holds the struct. */
typedef struct store_audio {
	store_codec codec;
	uint8_t *data;
	size_t len;
} store_audio;
void store_audio_free(store_audio *a); /* frees data, zeroes the struct; NULL ok */
/* Playing time of len bytes in codec (1 byte/sample G.711, 2 bytes L16). */
uint32_t store_audio_duration_ms(store_codec c, size_t len);

typedef struct store_msg {
	int64_t id;
	int64_t mailbox_id;
	int64_t received_ms;
	uint32_t duration_ms;
	store_msg_state state;
	char caller[STORE_URI_MAX];       /* as the caller presented it (From URI) */
	char diversion[STORE_REASON_MAX]; /* "" when none */
	store_audio audio;                /* filled by store_msg_get only: release with
	                                   * store_msg_clear; lists carry codec and len only */
	/* speech-to-text (get and lists carry both; store_msg_add stores both, normally
	 * NONE or PENDING with "") */
	store_transcript_state transcript_state;
	char transcript[STORE_TRANSCRIPT_MAX];
} store_msg;
void store_msg_clear(store_msg *m); /* frees audio.data */

typedef struct store_call {
	int64_t id;      /* set by the store */
	int64_t time_ms; /* when the call began */
	char call_id[STORE_CALLID_MAX];
	char transport[STORE_TRANSPORT_MAX];
	char peer[STORE_PEER_MAX]; /* remote address and port */
	bool trusted;              /* net_peer.trusted */
	bool skip_pin_requested;   /* the INVITE carried skip-pin */
	store_logon_result logon;
	store_call_kind kind;
	char mailbox[STORE_ADDR_MAX]; /* address; "" when no mailbox was found.
	                               * Text, not a key: the log outlives mailboxes */
	uint32_t duration_ms;
	char detail[STORE_DETAIL_MAX]; /* free text: "3 PIN tries", "BYE mid-PIN" */
} store_call;

/* ---- opening ------------------------------------------------------------- */
typedef struct store store;

typedef struct store_options {
	unsigned pin_iterations;    /* 0: STORE_PIN_ITERATIONS (tests lower it) */
	unsigned pin_min_len;       /* 0: STORE_PIN_MIN_LEN; else STORE_PIN_MIN_LOWEST..MAX_LEN */
	unsigned max_failed_logons; /* 0: STORE_MAX_FAILED_LOGONS */
	unsigned busy_timeout_ms;   /* 0: STORE_BUSY_TIMEOUT_MS */
	bool no_create;             /* fail with OPENUM_ENOTFOUND if the database is absent */
} store_options;

/* Opens (and creates, and migrates to the latest schema) the store named by conninfo.
 * opt may be NULL (defaults). *out is set only on success; close with store_close. */
int store_open(const char *conninfo, const store_options *opt, store **out, const char **why);
/* Closes every connection. No store_async_* request may be in flight. NULL is ok. */
void store_close(store *s);
/* The schema version the store runs (PRAGMA user_version for SQLite, the row of
 * openum_schema for PostgreSQL). */
int store_schema_version(store *s, int *out);
/* Which back end a connection string names, and what to hand its open().
 * "postgresql://..." and "postgres://..." go to libpq whole; "postgresql:", "postgres:"
 * and "pg:" prefixes are cut (the rest is a libpq key=value string or URI; empty means
 * libpq's defaults and PG* environment variables); "sqlite:" is cut (and "//" after it);
 * anything else is a SQLite file path. Returns false for NULL or "". */
bool store_pick_backend(const char *conninfo, bool *pg, const char **target);
/* conninfo fit for messages and logs: a password (URI user:PASSWORD@, password=...)
 * becomes "***". Always NUL-terminates out (cut to cap - 1 bytes). */
void store_conninfo_display(const char *conninfo, char *out, size_t cap);

/* ---- addresses and PINs (pure, no store needed) ------------------------------ */
/* "alice@Example.COM", "sips:alice@example.com;opaque=app:voicemail" and the like
 * become "sip:alice@example.com": scheme sip, user kept as written except that %XX
 * escapes of unreserved characters are decoded, host lower-cased, port kept, URI
 * parameters and headers dropped. Refuses a URI without user or with a password. */
int store_address_normalize(const char *in, char *out, size_t cap, const char **why);
/* Extension: 1..24 ASCII digits. */
bool store_ext_valid(const char *ext);
/* PIN policy (see docs/mailbox-store.md): digits only, min_len..STORE_PIN_MAX_LEN
 * digits (min_len 0 = STORE_PIN_MIN_LEN), not all the same digit, not one ascending or
 * descending run (each digit one more, or one less, than the one before, wrapping 9-0).
 * Returns 0 or OPENUM_EINVAL with why. */
int store_pin_policy_check(const char *pin, unsigned min_len, const char **why);
/* PBKDF2-HMAC-SHA256(pin, salt, iterations) into out. */
int store_pin_hash(const char *pin, const uint8_t salt[STORE_PIN_SALT_LEN], unsigned iterations,
                   uint8_t out[STORE_PIN_HASH_LEN]);
/* Constant-time compare of two hashes. */
bool store_pin_hash_equal(const uint8_t a[STORE_PIN_HASH_LEN], const uint8_t b[STORE_PIN_HASH_LEN]);

/* ---- mailboxes ----------------------------------------------------------- */
/* Adds a mailbox. address is normalised; ext must be valid; pin may be NULL (no PIN
 * yet: PIN logon always fails until one is set) else it must pass the policy.
 * id (may be NULL) gets the new id. OPENUM_EDUP when address or ext is taken. */
int store_mailbox_add(store *s, const char *address, const char *name, const char *ext,
                      const char *pin, int64_t *id, const char **why);
/* Lookups. get_by_address normalises its argument first. */
int store_mailbox_get(store *s, int64_t id, store_mailbox *out, const char **why);
int store_mailbox_get_by_address(store *s, const char *address, store_mailbox *out,
                                 const char **why);
int store_mailbox_get_by_ext(store *s, const char *ext, store_mailbox *out, const char **why);
/* All mailboxes ordered by address; *out is malloc'd (free()), NULL when *n == 0. */
int store_mailbox_list(store *s, store_mailbox **out, size_t *n, const char **why);
/* Deletes the mailbox, its messages and PIN history (the call log stays). */
int store_mailbox_del(store *s, int64_t id, const char **why);
/* e-mail ("" or NULL clears it) and display name. */
int store_mailbox_set_email(store *s, int64_t id, const char *email, const char **why);
int store_mailbox_set_name(store *s, int64_t id, const char *name, const char **why);

/* Sets a new PIN: the policy applies, and a PIN among the last STORE_PIN_HISTORY
 * ones (the current included) is refused with OPENUM_EINVAL "PIN used recently".
 * Does not unlock a locked mailbox (store_mailbox_unlock does). */
int store_mailbox_set_pin(store *s, int64_t id, const char *pin, const char **why);
/* Compares pin with the mailbox's PIN in constant time; *ok false also when no PIN is
 * set. Pure check: it neither counts failures nor looks at the locked flag. */
int store_mailbox_verify_pin(store *s, int64_t id, const char *pin, bool *ok, const char **why);
/* Adds one failed logon in one atomic statement (concurrent callers, even in other
 * processes sharing the database, never lose an update) and locks the mailbox when
 * the count reaches max_failed_logons. count and locked (may be NULL) get the values
 * after the update. */
int store_mailbox_record_failed_logon(store *s, int64_t id, uint32_t *count, bool *locked,
                                      const char **why);
/* A successful logon: failed-logon count back to 0 (a locked mailbox stays locked). */
int store_mailbox_logon_succeeded(store *s, int64_t id, const char **why);
/* Unlocks and zeroes the failed-logon count. */
int store_mailbox_unlock(store *s, int64_t id, const char **why);
/* One PIN try the way the UM server makes it: LOCKED if locked (the PIN is not even
 * compared), PIN_OK (count reset) or PIN_FAILED (count incremented, may lock: then
 * LOCKED). The try is claimed (counted) before the PIN is compared, and only while the
 * count is below max_failed_logons: tries in flight at once (threads, processes
 * sharing the database) never get more comparisons than the limit; the ones beyond it
 * get LOCKED uncompared. A right PIN then resets the count (tries still in flight with
 * it are forgotten with it). *result always set on success; count (may be NULL) gets
 * the failed count. */
int store_mailbox_pin_logon(store *s, int64_t id, const char *pin, store_logon_result *result,
                            uint32_t *count, const char **why);

/* Greeting: set (audio NULL or len 0 clears it) and get (OPENUM_ENOTFOUND when none;
 * *out owned by the caller, free with store_audio_free). */
int store_greeting_set(store *s, int64_t mailbox_id, const store_audio *audio, const char **why);
int store_greeting_get(store *s, int64_t mailbox_id, store_audio *out, const char **why);

/* ---- messages ------------------------------------------------------------ */
/* Adds a message in state m->state (normally NEW) with m->audio (copied; the caller
 * keeps ownership). m->duration_ms 0 means "compute from the audio"; m->received_ms 0
 * means now. id (may be NULL) gets the new id. m->id is ignored. */
int store_msg_add(store *s, const store_msg *m, int64_t *id, const char **why);
/* One message with its audio (release with store_msg_clear). */
int store_msg_get(store *s, int64_t id, store_msg *out, const char **why);
/* Messages of a mailbox whose state is in mask, oldest first, without audio data
 * (audio.codec and audio.len are set, audio.data is NULL). *out malloc'd (free()). */
int store_msg_list(store *s, int64_t mailbox_id, unsigned mask, store_msg **out, size_t *n,
                   const char **why);
int store_msg_count(store *s, int64_t mailbox_id, unsigned *nnew, unsigned *nsaved,
                    const char **why);
int store_msg_set_state(store *s, int64_t id, store_msg_state st, const char **why);
/* Removes a message for good (DELETED is only a state). */
int store_msg_delete(store *s, int64_t id, const char **why);
/* Transcript (schema migration 4): sets state and text in one statement (text NULL
 * means ""; longer than STORE_TRANSCRIPT_MAX - 1 bytes: OPENUM_ETOOBIG, cut it first);
 * gets them without the audio (text: STORE_TRANSCRIPT_MAX bytes, may be NULL). */
int store_msg_set_transcript(store *s, int64_t id, store_transcript_state st, const char *text,
                             const char **why);
int store_msg_get_transcript(store *s, int64_t id, store_transcript_state *st, char *text,
                             const char **why);
/* Ids of every message (all mailboxes) whose transcript is PENDING, oldest first: what a
 * UM server requeues at start. *ids malloc'd (free()), NULL when *n == 0. */
int store_msg_transcript_pending(store *s, int64_t **ids, size_t *n, const char **why);

/* ---- call log -------------------------------------------------------------- */
/* Appends c (c->id ignored; c->time_ms 0 means now); id (may be NULL) gets the id. */
int store_call_append(store *s, const store_call *c, int64_t *id, const char **why);
/* Newest first; mailbox NULL or "" for all (else normalised and matched exactly);
 * limit 0 for no limit. *out malloc'd (free()), NULL when *n == 0. */
int store_call_list(store *s, const char *mailbox, unsigned limit, store_call **out, size_t *n,
                    const char **why);

/* ---- async wrappers for the event loop --------------------------------------
 * Each runs its synchronous twin on libuv's thread pool (uv_queue_work) and calls
 * done(err, why, arg) on the loop thread. Inputs (strings, the message and its audio,
 * the call record) are copied before return, so the caller may free them at once.
 * Outputs (the pointers passed in) must stay valid until done runs; a request cannot
 * be cancelled. The store must outlive every request. The return value is 0 when the
 * request was queued (done will run exactly once) or an error (done will not run). */
typedef void (*store_done_cb)(int err, const char *why, void *arg);

/* A custom job: fn(s, fn_arg) runs on a pool thread and returns 0 or an error. */
typedef int (*store_job_fn)(store *s, void *fn_arg, const char **why);
int store_async_run(uv_loop_t *loop, store *s, store_job_fn fn, void *fn_arg, store_done_cb done,
                    void *arg);

int store_async_mailbox_get_by_address(uv_loop_t *loop, store *s, const char *address,
                                       store_mailbox *out, store_done_cb done, void *arg);
int store_async_mailbox_get_by_ext(uv_loop_t *loop, store *s, const char *ext, store_mailbox *out,
                                   store_done_cb done, void *arg);
int store_async_mailbox_pin_logon(uv_loop_t *loop, store *s, int64_t id, const char *pin,
                                  store_logon_result *result, uint32_t *count, store_done_cb done,
                                  void *arg);
int store_async_mailbox_record_failed_logon(uv_loop_t *loop, store *s, int64_t id, uint32_t *count,
                                            bool *locked, store_done_cb done, void *arg);
int store_async_greeting_get(uv_loop_t *loop, store *s, int64_t mailbox_id, store_audio *out,
                             store_done_cb done, void *arg);
int store_async_msg_add(uv_loop_t *loop, store *s, const store_msg *m, int64_t *id,
                        store_done_cb done, void *arg);
int store_async_msg_get(uv_loop_t *loop, store *s, int64_t id, store_msg *out, store_done_cb done,
                        void *arg);
int store_async_msg_list(uv_loop_t *loop, store *s, int64_t mailbox_id, unsigned mask,
                         store_msg **out, size_t *n, store_done_cb done, void *arg);
int store_async_msg_count(uv_loop_t *loop, store *s, int64_t mailbox_id, unsigned *nnew,
                          unsigned *nsaved, store_done_cb done, void *arg);
int store_async_msg_set_state(uv_loop_t *loop, store *s, int64_t id, store_msg_state st,
                              store_done_cb done, void *arg);
int store_async_call_append(uv_loop_t *loop, store *s, const store_call *c, int64_t *id,
                            store_done_cb done, void *arg);

/* ==== proxy users and registrations (store/users.c; issue 6) ===================
 * The SIP accounts of `openum proxy` and its location service, in the same database
 * as the mailboxes (schema migration 2). A store_users handle opens its own SQLite
 * connection (serialised by a mutex: the proxy calls it from one pool thread at a
 * time) or PostgreSQL connection pool, after store_open has created and migrated the
 * database. Passwords are never
 * stored: only the digest HA1 per algorithm (see auth/auth.h). Addresses are
 * normalised with store_address_normalize. Blocking: on the loop thread, run these
 * through uv_queue_work (the proxy does) or store_async_run-like wrappers. */
#define STORE_HA1_MAX 65 /* lower-case hex of SHA-256, NUL included */
#define STORE_REALM_MAX 128
#define STORE_CONTACT_MAX 512  /* a Contact URI */
#define STORE_INSTANCE_MAX 128 /* +sip.instance (RFC 5626), "" when none */

typedef struct store_user {
	int64_t id;
	char address[STORE_ADDR_MAX];   /* "sip:alice@example.com" */
	char realm[STORE_REALM_MAX];    /* the digest realm the HA1 values were made for */
	char ha1_md5[STORE_HA1_MAX];    /* H(user:realm:password) with MD5 */
	char ha1_sha256[STORE_HA1_MAX]; /* ... with SHA-256 */
	/* forwarding settings (MS-EUMR): what the proxy does when a call to this user
	 * cannot be answered by the user's own registered contacts */
	char fwd_immediate[STORE_URI_MAX]; /* forward every call here at once; "" none */
	uint32_t vm_no_answer_s;           /* voicemail after this many seconds of ringing; 0 off */
	bool vm_busy;                      /* voicemail when every contact is busy (486/600) */
	bool vm_unregistered;              /* voicemail when no contact is registered */
	int64_t created_ms;
} store_user;

typedef struct store_binding {
	char aor[STORE_ADDR_MAX];        /* normalised address of record */
	char contact[STORE_CONTACT_MAX]; /* the Contact URI as registered */
	int64_t expires_ms;              /* absolute time */
	uint16_t q;                      /* q-value times 1000 (0..1000); 1000 when absent */
	/* the flow it registered on: gone after a restart (then use the Contact) */
	char transport[STORE_TRANSPORT_MAX]; /* "TCP", "TLS" */
	char peer[STORE_PEER_MAX];           /* "192.0.2.1:5061", "[2001:db8::1]:5061" */
	char call_id[STORE_CALLID_MAX];
	uint32_t cseq;
	char instance[STORE_INSTANCE_MAX];
	uint32_t reg_id; /* RFC 5626 reg-id, 0 when none */
	int64_t updated_ms;
} store_binding;

typedef struct store_users store_users;

/* Opens (creating and migrating through store_open) the database named by conninfo. */
int store_users_open(const char *conninfo, const store_options *opt, store_users **out,
                     const char **why);
void store_users_close(store_users *u); /* NULL ok */

/* Adds a user: address normalised, realm and both HA1 values required (hex of the
 * right length). OPENUM_EDUP when the address exists. id may be NULL. */
int store_user_add(store_users *u, const store_user *in, int64_t *id, const char **why);
int store_user_get(store_users *u, const char *address, store_user *out, const char **why);
/* All users ordered by address; *out malloc'd (free()), NULL when *n == 0. */
int store_user_list(store_users *u, store_user **out, size_t *n, const char **why);
/* Deletes the user and its bindings. */
int store_user_del(store_users *u, const char *address, const char **why);
/* New digest hashes (a new password or realm). */
int store_user_set_ha1(store_users *u, const char *address, const char *realm, const char *ha1_md5,
                       const char *ha1_sha256, const char **why);
/* Replaces the forwarding settings with those of in (in->address names the user). */
int store_user_set_forwarding(store_users *u, const store_user *in, const char **why);
/* Checks a forwarding target: a sip:/sips: URI that parses ("" is "none"). */
int store_fwd_target_check(const char *uri, const char **why);

/* Inserts or replaces the binding (aor, contact). The aor must be a user. */
int store_binding_put(store_users *u, const store_binding *b, const char **why);
/* Removes one binding, or every binding of aor when contact is NULL. Removing what
 * is not there is not an error. */
int store_binding_del(store_users *u, const char *aor, const char *contact, const char **why);
/* Bindings of aor (NULL: of everyone) not expired at now_ms, by aor then q descending;
 * *out malloc'd (free()), NULL when *n == 0. */
int store_binding_list(store_users *u, const char *aor, int64_t now_ms, store_binding **out,
                       size_t *n, const char **why);
/* Deletes bindings expired at now_ms; count (may be NULL) gets how many. */
int store_binding_purge(store_users *u, int64_t now_ms, unsigned *count, const char **why);
/* ==== end proxy users and registrations ========================================= */

/* ==== voice messages to e-mail (store/mailq.c; issue 9, schema migration 3) =======
 * Per mailbox: an e-mail address, a mode and an audio format. A persistent delivery
 * queue: the database itself adds a row (in the transaction of the INSERT, by a
 * trigger) for every new message of a mailbox whose mode is not off and whose address
 * is set, so a message is never stored without its delivery being queued, whoever
 * stores it (UM server, crash recovery, `openum mailbox import`). Rows are never
 * deleted by delivery: they stay as the delivery log (`openum mailbox mail-log`);
 * they go with their mailbox. Deleting a message leaves its row (message_id 0). */
typedef enum store_email_mode {
	STORE_EMAIL_OFF = 0,
	STORE_EMAIL_NOTIFY = 1, /* an e-mail without the audio */
	STORE_EMAIL_ATTACH = 2, /* the audio attached */
} store_email_mode;

typedef enum store_email_format {
	STORE_EMAIL_WAV = 0,  /* 16-bit PCM WAV, 8 kHz mono */
	STORE_EMAIL_OPUS = 1, /* Opus in Ogg */
} store_email_format;

typedef enum store_mailq_state {
	STORE_MAILQ_PENDING = 0, /* waiting for its (next) attempt */
	STORE_MAILQ_SENT = 1,
	STORE_MAILQ_GAVE_UP = 2, /* too many attempts, or nothing left to send */
} store_mailq_state;

/* "off" "notify" "attach"; "wav" "opus"; "pending" "sent" "gave-up". Out of range: "?". */
const char *store_email_mode_name(store_email_mode m);
const char *store_email_format_name(store_email_format f);
const char *store_mailq_state_name(store_mailq_state s);
int store_email_mode_parse(const char *name, store_email_mode *out);
int store_email_format_parse(const char *name, store_email_format *out);
int store_mailq_state_parse(const char *name, store_mailq_state *out);

/* An e-mail address fit for an SMTP envelope and a To: header: local@domain, printable
 * ASCII without spaces, quotes, angle brackets, commas, semicolons or backslashes, one
 * '@', both parts non-empty. */
bool store_email_valid(const char *addr);

/* Sets address, mode and format at once. email NULL keeps the stored address ("" clears
 * it); a mode other than off needs an address (OPENUM_EINVAL). */
int store_mailbox_set_email_delivery(store *s, int64_t id, const char *email, store_email_mode mode,
                                     store_email_format fmt, const char **why);

/* One delivery (a row of the queue). */
typedef struct store_mailq {
	int64_t id;
	int64_t message_id; /* 0 once the message was deleted */
	int64_t mailbox_id;
	char mailbox[STORE_ADDR_MAX]; /* the mailbox's address (lists only) */
	int64_t created_ms;
	store_mailq_state state;
	uint32_t attempts;             /* made so far (a claim counts one) */
	int64_t next_ms;               /* pending: not before this time */
	int64_t last_ms;               /* time of the last result; 0 before the first */
	char result[STORE_DETAIL_MAX]; /* the last result: "sent to ...", the error */
} store_mailq;

/* A delivery whose message is still waiting for its transcript (transcript_state
 * pending) is not due until the transcript is done or failed, or until it has waited
 * this long since it was queued: a transcription that never ends delays no e-mail
 * for ever. */
#define STORE_MAILQ_TRANSCRIPT_WAIT_MS (10 * 60 * 1000)
/* Takes the oldest pending delivery due at now_ms for sending: its attempts grow by one
 * and its next_ms becomes now_ms + lease_ms, so that no other worker (thread, process,
 * UM server sharing a PostgreSQL store) takes it meanwhile, and a worker that dies
 * mid-send leaves it to be retried once the lease runs out. *found false: none due. */
int store_mailq_claim(store *s, int64_t now_ms, int64_t lease_ms, store_mailq *out, bool *found,
                      const char **why);
/* Records the outcome of a claimed delivery: state, the next attempt's time (pending
 * only) and result text (cut to fit). The voice message is never touched. */
int store_mailq_finish(store *s, int64_t id, store_mailq_state st, int64_t next_ms,
                       const char *result, const char **why);
/* Deliveries, newest first; mailbox NULL or "" for all (else normalised), limit 0 for
 * all. *out malloc'd (free()), NULL when *n == 0. */
int store_mailq_list(store *s, const char *mailbox, unsigned limit, store_mailq **out, size_t *n,
                     const char **why);
/* ==== end voice messages to e-mail ============================================== */

#endif
