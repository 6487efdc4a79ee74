/* web internals shared by the files of src/web: the server object, the per-request
 * context and response, sessions, the engine marshalling and the call rules that
 * SOAP and JSON share. Not a public contract: only src/web includes it. */
#ifndef OPENUM_WEB_INT_H
#define OPENUM_WEB_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/base.h"
#include "web.h"

struct MHD_Daemon;
struct MHD_Connection;

#define WEB_TOKEN_HEX 64 /* 256 random bits as hex */
#define WEB_COOKIE_TLS "__Host-openum_sid"
#define WEB_COOKIE_PLAIN "openum_sid"

/* The owner a request acts for, from a session or from HTTP Basic. */
typedef struct web_who {
	int64_t mailbox_id;
	char address[STORE_ADDR_MAX];
} web_who;

typedef struct web_session {
	char id[WEB_TOKEN_HEX + 1];
	char csrf[WEB_TOKEN_HEX + 1];
	web_who who;
	int64_t created_s; /* monotonic seconds */
	int64_t used_s;
} web_session;

/* The running Play-On-Phone call of a mailbox (for the one-call-per-mailbox rule). */
typedef struct web_active {
	int64_t mailbox_id;
	char call_id[WEB_CALL_ID_MAX];
} web_active;

typedef struct web_op web_op;

struct web_server {
	struct MHD_Daemon *d;
	store *st;
	web_pop_ops pop;
	void *pop_arg;
	uv_loop_t *loop;
	bool tls;
	uint16_t port;
	unsigned idle_s, lifetime_s;
	char *cert, *key; /* PEM bytes, kept for libmicrohttpd's lifetime */

	pthread_mutex_t lk; /* sessions and active calls */
	web_session *sess;
	size_t nsess, capsess;
	web_active *act;
	size_t nact, capact;
	pthread_mutex_t start_lk; /* serialises Play-On-Phone starts (check, start, record) */

	/* engine ops marshalled to the loop thread */
	uv_async_t async;
	pthread_mutex_t qlk;
	pthread_cond_t qcv;
	web_op *qhead, *qtail;
	bool stopping;
};

/* One request as the handlers see it. */
typedef struct web_rq {
	web_server *ws;
	struct MHD_Connection *conn;
	const char *method;
	const char *url; /* path only, without the query */
	const char *body;
	size_t body_len;
} web_rq;

typedef struct web_resp {
	unsigned status;
	const char *ctype;
	ou_buf body;
	const uint8_t *fixed; /* static bytes served as they are (instead of body) */
	size_t fixed_len;
	char cookie[256];     /* Set-Cookie value, "" = none */
	bool basic_challenge; /* add WWW-Authenticate: Basic */
	bool cacheable;       /* static files; everything else is no-store */
	const char *allow;    /* Allow header for 405 */
} web_resp;

/* server.c */
const char *web_header(const web_rq *rq, const char *name);

/* session.c */
int web_random_hex(char out[WEB_TOKEN_HEX + 1]);
/* Creates a session for who; *out gets a copy. Evicts expired ones, then the oldest
 * when the table is full. */
int web_session_create(web_server *ws, const web_who *who, web_session *out);
/* The session named by the request's cookie, refreshed; OPENUM_ENOTFOUND if none. */
int web_session_from_rq(web_server *ws, const web_rq *rq, web_session *out);
void web_session_destroy(web_server *ws, const char *id);
/* Set-Cookie value for a new session id (or an expired cookie when id is NULL). */
void web_session_cookie(const web_server *ws, const char *id, char *out, size_t cap);
/* Constant-time compare of two NUL-terminated tokens. */
bool web_token_equal(const char *a, const char *b);

/* auth.c: one PIN logon with the store's lockout counting. */
typedef enum web_logon_result {
	WEB_LOGON_OK = 0,
	WEB_LOGON_BAD,    /* unknown mailbox or wrong PIN: one answer for both */
	WEB_LOGON_LOCKED, /* the mailbox is locked */
} web_logon_result;
int web_logon(web_server *ws, const char *address, const char *pin, web_logon_result *res,
              web_who *who, const char **why);
/* HTTP Basic (mailbox address : PIN); 0 with who, or an error with *res. */
int web_basic_logon(web_server *ws, const web_rq *rq, web_logon_result *res, web_who *who);

/* pop.c: the engine, called on the loop thread when there is one. */
int web_pop_init(web_server *ws);
void web_pop_shutdown(web_server *ws); /* fails every waiting op */
int web_pop_start(web_server *ws, const char *mailbox, int64_t msg_id, const char *dial,
                  char call_id[WEB_CALL_ID_MAX], const char **why);
int web_pop_info(web_server *ws, const char *call_id, web_call_info *out);
int web_pop_disconnect(web_server *ws, const char *call_id);

/* calls.c: the rules SOAP and JSON share. Errors: OPENUM_ENOTFOUND (no such message or
 * call of this owner), OPENUM_EINVAL (bad dial string, with why), OPENUM_EDUP (a call
 * of this mailbox is running), others from the engine or the store. */
int web_call_start(web_server *ws, const web_who *who, int64_t msg_id, const char *dial,
                   char call_id[WEB_CALL_ID_MAX], const char **why);
int web_call_info_get(web_server *ws, const web_who *who, const char *call_id, web_call_info *out);
int web_call_disconnect(web_server *ws, const web_who *who, const char *call_id);
/* The message of this owner (not deleted), without audio; ENOTFOUND otherwise. */
int web_msg_of(web_server *ws, const web_who *who, int64_t msg_id, store_msg *out);

/* api.c, soap.c, static.c: fill resp for a request under their prefix. */
void web_api_handle(const web_rq *rq, web_resp *resp);
void web_soap_handle(const web_rq *rq, web_resp *resp);
void web_static_handle(const web_rq *rq, web_resp *resp);
/* SOAP entryId: base64 of the decimal message id. */
int web_entry_id_decode(const char *b64, int64_t *id);
void web_entry_id_encode(int64_t id, char *out, size_t cap);

/* soap_parse.c: the pure SOAP request parser (no I/O, no store): a UTF-8 SOAP 1.1
 * envelope with one MS-OXWUMS operation into a web_soap_call. 0, or OPENUM_EINVAL with
 * the Fault's code ("Client", "VersionMismatch", "MustUnderstand") and text in
 * *fault_code and *fault_msg (static strings). The call owns no memory. */
#define WEB_SOAP_VALUE_MAX 1024 /* longest text read from an element */
typedef enum { WEB_SOAP_PLAY, WEB_SOAP_INFO, WEB_SOAP_DISCONNECT } web_soap_op;
typedef struct web_soap_call {
	web_soap_op op;
	int64_t msg_id;                   /* PlayOnPhone: the decoded entryId */
	char dial[WEB_SOAP_VALUE_MAX];    /* PlayOnPhone: DialString, "" = the owner */
	char call_id[WEB_SOAP_VALUE_MAX]; /* GetCallInfo, Disconnect: CallId */
} web_soap_call;
int web_soap_parse(const char *body, size_t len, web_soap_call *out, const char **fault_code,
                   const char **fault_msg);

/* api_parse.c: the pure parsers of the JSON API's request bodies (no I/O): a JSON
 * object, then its fields. 0, or OPENUM_EINVAL with a 400 answer's text in *err (a
 * static string). On 0 the request's doc owns the strings it points to: release it
 * with web_api_req_free (also safe after an error, and twice). */
typedef struct web_api_req {
	void *doc;           /* json_t *, owned */
	const char *address; /* logon */
	const char *pin;
	int64_t message_id; /* play-on-phone: -1 when not a positive id */
	const char *dial;   /* play-on-phone: NULL = the owner's own address */
} web_api_req;
int web_api_parse_logon(const char *body, size_t len, web_api_req *out, const char **err);
int web_api_parse_pop(const char *body, size_t len, web_api_req *out, const char **err);
void web_api_req_free(web_api_req *r);
/* A positive decimal id of at most 18 digits, the whole of s[0..n); else -1. */
int64_t web_api_parse_id(const char *s, size_t n);

/* The page, embedded at build time (generated web_static_data.c). */
typedef struct web_static_file {
	const char *path; /* "/index.html" */
	const unsigned char *data;
	size_t len;
} web_static_file;
extern const web_static_file web_static_files[];
extern const size_t web_static_nfiles;

#endif
