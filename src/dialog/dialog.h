/* dialog: RFC 3261 section 12 dialogs for UACs and UASes, a table of them keyed by
 * dialog id, the in-dialog requests openum sends (BYE, re-INVITE for hold and
 * unhold, INFO with DTMF, ACK for 2xx), and the 200 OK to OPTIONS outside dialogs.
 *
 * Contract:
 * - Pure state and printing, no I/O and no transactions: functions build and update
 *   dialog state from messages the caller parsed, and print requests into an ou_buf
 *   the caller sends (through a transaction for everything but the ACK to a 2xx).
 * - A dialog owns one allocation holding its strings (Call-ID, tags, From/To values,
 *   Contact, remote target, route set); every ou_slice in it points there and is
 *   valid until the next dialog_* call that changes the dialog, or dialog_free.
 *   It does not keep the messages it was built from.
 * - The caller supplies the Via value (with a fresh branch) of every request: the
 *   transaction layer owns branches.
 * - A dialog table owns the dialogs added to it; dialog_table_free frees them.
 * - Errors: 0 or a negative OPENUM_E* code; `why` (may be NULL) gets a static reason.
 */
#ifndef OPENUM_DIALOG_H
#define OPENUM_DIALOG_H

#include "../sip/sip.h"

#define DIALOG_MAX_ROUTES 16   /* Record-Route entries kept; more is an error */
#define DIALOG_MAX_FORWARDS 70 /* Max-Forwards of the requests we originate */
#define DIALOG_MAX_EXTRA 8     /* extra headers in one dialog_req */
#define DIALOG_TABLE_MIN_BUCKETS 64
#define DIALOG_DTMF_DURATION_MS 160 /* INFO Duration when the caller gives 0 */
/* What openum answers OPTIONS with (RFC 3261 11.2). */
#define DIALOG_ALLOW "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO"
#define DIALOG_ACCEPT "application/sdp, application/dtmf-relay"
#define DIALOG_SUPPORTED ""

typedef enum dialog_role {
	DIALOG_UAC = 0, /* we sent the request that created it */
	DIALOG_UAS,     /* we received it */
} dialog_role;

typedef enum dialog_state {
	DIALOG_EARLY = 0,  /* created by a 1xx with a To tag */
	DIALOG_CONFIRMED,  /* a 2xx was sent or received */
	DIALOG_TERMINATED, /* BYE, or a 481/408 to an in-dialog request */
} dialog_state;

/* Dialog id (RFC 3261 12): Call-ID, local tag, remote tag; compared byte for byte. */
typedef struct dialog_id {
	ou_slice call_id, local_tag, remote_tag;
} dialog_id;

typedef struct dialog {
	dialog_role role;
	dialog_state state;
	bool secure;         /* sips Request-URI over TLS (RFC 3261 12.1.1) */
	bool local_cseq_set; /* a UAS has no local sequence until it sends a request */
	bool remote_cseq_set;
	uint32_t local_cseq;    /* CSeq of the last request we built (not ACK) */
	uint32_t remote_cseq;   /* highest CSeq received from the peer */
	uint32_t invite_cseq;   /* CSeq of our last INVITE: the ACK to its 2xx reuses it */
	dialog_id id;           /* slices into the dialog's own storage */
	ou_slice local;         /* From value of our requests: local URI with ;tag */
	ou_slice remote;        /* To value of our requests: remote URI with the peer's tag */
	ou_slice local_contact; /* our Contact value (name-addr) */
	ou_slice remote_target; /* the peer's Contact URI: our Request-URI */
	unsigned nroute;
	ou_slice route[DIALOG_MAX_ROUTES]; /* Route values in sending order */
	void *user;                        /* the application's, untouched here */

	/* private */
	char *mem;
	struct dialog *hnext;
	uint32_t hash;
} dialog;

/* UAC: from the request we sent (parsed back) and a 101-299 response to it that has
 * a To tag (a 2xx without one is accepted: RFC 2543 peers). The route set is the
 * response's Record-Route in reverse, the remote target its Contact. tls: the
 * request went over TLS. 1xx: DIALOG_EARLY, 2xx: DIALOG_CONFIRMED. */
int dialog_uac_create(sip_msg *req, sip_msg *resp, bool tls, dialog **out, const char **why);
/* UAS: from a received dialog-creating request (no To tag) and the tag and Contact we
 * put in our response. Route set: the request's Record-Route in order; remote
 * target: its Contact. The dialog starts DIALOG_EARLY; dialog_confirm() once our 2xx
 * is sent. */
int dialog_uas_create(sip_msg *req, ou_slice local_tag, ou_slice local_contact, bool tls,
                      dialog **out, const char **why);
void dialog_confirm(dialog *d);
void dialog_terminate(dialog *d);
void dialog_free(dialog *d); /* NULL is fine; a dialog in a table must be removed first */

/* The id a received request or response belongs to: for a request the To tag is
 * ours, for a response the From tag. Slices point into the message. */
int dialog_id_of_request(sip_msg *req, dialog_id *id, const char **why);
int dialog_id_of_response(sip_msg *resp, dialog_id *id, const char **why);
bool dialog_id_equal(const dialog_id *a, const dialog_id *b);

/* RFC 3261 12.2.2 for a request received in d: CSeq lower than the remote sequence
 * is answered 500 (*status = 500, OPENUM_EINVAL); otherwise the remote sequence
 * advances. ACK passes without touching it. A terminated dialog gives 481. A CANCEL
 * belongs to the transaction layer and must not come here. */
int dialog_check_request(dialog *d, sip_msg *req, unsigned *status, const char **why);
/* Replaces the remote target with the Contact of a target refresh: call it when a
 * re-INVITE or UPDATE is accepted with 2xx (RFC 6141), either direction. Without a
 * Contact the target stays (OPENUM_ENOTFOUND). */
int dialog_target_refresh(dialog *d, sip_msg *m, const char **why);
/* A response to a request we sent in d: a 2xx to the INVITE that created an early
 * UAC dialog confirms it and recomputes route set and target (RFC 3261 13.2.2.4); a
 * 2xx to a re-INVITE refreshes the target; 481 and 408 terminate it (12.2.1.2). */
int dialog_handle_response(dialog *d, sip_msg *resp, const char **why);

/* ---- requests in a dialog (RFC 3261 12.2.1.1) --------------------------------- */
typedef struct dialog_req {
	ou_slice via;          /* the whole Via value, branch included: required */
	ou_slice content_type; /* with body: "application/sdp" */
	ou_slice body;
	unsigned nextra; /* extra headers, printed after Contact */
	ou_slice extra_name[DIALOG_MAX_EXTRA], extra_value[DIALOG_MAX_EXTRA];
} dialog_req;

/* Prints a request of `method` in d: Request-URI and Route from the route set (loose
 * routing, or RFC 3261 12.2.1.1 strict routing when the first route lacks ;lr), From,
 * To, Call-ID, the next local CSeq (ACK: the last INVITE's), Max-Forwards, Contact
 * for target refresh methods. The CSeq is committed only if printing succeeds.
 * CANCEL is the transaction layer's (it copies the INVITE) and is refused. */
int dialog_request(dialog *d, sip_method method, const dialog_req *r, ou_buf *b);
int dialog_bye(dialog *d, ou_slice via, ou_buf *b);
/* ACK to a 2xx of our last INVITE; body only when the 2xx held the offer. */
int dialog_ack(dialog *d, ou_slice via, ou_slice content_type, ou_slice body, ou_buf *b);
/* re-INVITE carrying our SDP offer for `local`; sess_version is bumped first. */
int dialog_reinvite(dialog *d, ou_slice via, sdp_local *local, ou_buf *b);
/* Hold (a=sendonly, RFC 6337) or unhold (a=sendrecv): sets local->dir, re-INVITEs. */
int dialog_hold(dialog *d, ou_slice via, sdp_local *local, bool hold, ou_buf *b);
/* INFO with application/dtmf-relay: digit 0-9 * # A-D; duration 0 = the default. */
int dialog_info_dtmf(dialog *d, ou_slice via, char digit, unsigned duration_ms, ou_buf *b);

/* ---- outside dialogs --------------------------------------------------------- */
/* 200 OK to an OPTIONS request: Via, From, To (with to_tag added if it has none),
 * Call-ID, CSeq copied; Allow, Accept, Supported from DIALOG_*; with sdp != NULL an
 * SDP offer describing what we would accept (RFC 3261 11.2). */
int dialog_options_reply(sip_msg *req, ou_slice to_tag, const sdp_local *sdp, ou_buf *b,
                         const char **why);

/* ---- the dialog table ---------------------------------------------------------- */
typedef struct dialog_table {
	dialog **bucket;
	size_t nbucket;
	size_t count;
} dialog_table;

int dialog_table_init(dialog_table *t);
void dialog_table_free(dialog_table *t); /* frees every dialog still in it */
/* Takes ownership of d; OPENUM_EDUP (d not added) when its id is already there. */
int dialog_table_add(dialog_table *t, dialog *d);
dialog *dialog_table_find(const dialog_table *t, const dialog_id *id);
void dialog_table_remove(dialog_table *t, dialog *d); /* d goes back to the caller */
/* Finds the dialog of a received in-dialog request (one with a To tag) and checks it
 * with dialog_check_request. Returns 0 with *d set; OPENUM_ENOTFOUND with *status 0
 * for a request outside any dialog (no To tag: a new one, or an ACK nobody knows),
 * OPENUM_ENOTFOUND with *status 481 for an unknown dialog, or the error of
 * dialog_check_request with its *status. */
int dialog_table_match_request(dialog_table *t, sip_msg *req, dialog **d, unsigned *status,
                               const char **why);
/* The dialog a response belongs to, NULL if none. */
dialog *dialog_table_match_response(dialog_table *t, sip_msg *resp);

#endif
