/* sip: the SIP message core of openum. Pure code, no I/O.
 *
 * Contract:
 * - sip_msg_parse() indexes a whole message in one pass into a caller-provided
 *   sip_msg. Every slice in it points into the caller's buffer, which must outlive the
 *   sip_msg and must not change. Nothing is allocated; nothing reads past len.
 * - Typed header values are parsed on demand by the sip_msg_* accessors and cached in
 *   the sip_msg; the free-standing sip_*_parse() functions parse one value slice.
 * - Every function returns 0 or a negative OPENUM_E* code. Where a `why` argument is
 *   given (it may be NULL), a failure stores a static English reason there that fits a
 *   400 reason phrase ("Bad Via: missing branch").
 * - Header values may contain folded lines; every value parser treats CR and LF as
 *   whitespace (inside a delimited header value they can only come from folding).
 * - The printer (sip_print_*) writes into an ou_buf the caller owns.
 * - Limits are the SIP_MAX_* constants below; the defaults may be overridden by the
 *   owner of a sip_limits, never silently exceeded.
 */
#ifndef OPENUM_SIP_H
#define OPENUM_SIP_H

#include "../base/base.h"

/* ---- limits ---------------------------------------------------------------- */
#define SIP_MAX_MSG 65536      /* bytes in one message, headers and body */
#define SIP_MAX_HEADERS 128    /* header lines in one message */
#define SIP_MAX_STARTLINE 4096 /* bytes in the request or status line */
#define SIP_MAX_URI 2048       /* bytes in one URI */
#define SIP_MAX_LIST 64        /* elements in one comma-separated header value */
#define SIP_MAX_VIA_CACHE 16   /* Via values cached by sip_msg_vias (more: iterate) */
#define SIP_MAX_CONTACT_CACHE 16

/* ---- methods --------------------------------------------------------------- */
typedef enum sip_method {
	SIP_METHOD_OTHER = 0,
	SIP_METHOD_INVITE,
	SIP_METHOD_ACK,
	SIP_METHOD_BYE,
	SIP_METHOD_CANCEL,
	SIP_METHOD_OPTIONS,
	SIP_METHOD_REGISTER,
	SIP_METHOD_INFO,
	SIP_METHOD_PRACK,
	SIP_METHOD_UPDATE,
	SIP_METHOD_SUBSCRIBE,
	SIP_METHOD_NOTIFY,
	SIP_METHOD_REFER,
	SIP_METHOD_MESSAGE,
	SIP_METHOD_PUBLISH,
} sip_method;

/* Exact, case-sensitive match (RFC 3261 methods are case-sensitive). */
sip_method sip_method_from(ou_slice name);
const char *sip_method_name(sip_method m); /* NULL for SIP_METHOD_OTHER */

/* ---- header names ---------------------------------------------------------- */
typedef enum sip_hdr_id {
	SIP_H_OTHER = 0,
	SIP_H_VIA,
	SIP_H_FROM,
	SIP_H_TO,
	SIP_H_CALL_ID,
	SIP_H_CSEQ,
	SIP_H_CONTACT,
	SIP_H_MAX_FORWARDS,
	SIP_H_CONTENT_LENGTH,
	SIP_H_CONTENT_TYPE,
	SIP_H_CONTENT_ENCODING,
	SIP_H_ROUTE,
	SIP_H_RECORD_ROUTE,
	SIP_H_EXPIRES,
	SIP_H_MIN_EXPIRES,
	SIP_H_AUTHORIZATION,
	SIP_H_PROXY_AUTHORIZATION,
	SIP_H_WWW_AUTHENTICATE,
	SIP_H_PROXY_AUTHENTICATE,
	SIP_H_ALLOW,
	SIP_H_SUPPORTED,
	SIP_H_REQUIRE,
	SIP_H_PROXY_REQUIRE,
	SIP_H_UNSUPPORTED,
	SIP_H_ACCEPT,
	SIP_H_USER_AGENT,
	SIP_H_SERVER,
	SIP_H_SUBJECT,
	SIP_H_EVENT,
	SIP_H_ALLOW_EVENTS,
	SIP_H_SUBSCRIPTION_STATE,
	SIP_H_REFER_TO,
	SIP_H_REFERRED_BY,
	SIP_H_SESSION_EXPIRES,
	SIP_H_HISTORY_INFO,
	SIP_H_DIVERSION,
	SIP_H_P_ASSERTED_IDENTITY,
	SIP_H_P_PREFERRED_IDENTITY,
	SIP_H_PRIVACY,
	SIP_H_ORGANIZATION,
	SIP_H_DATE,
	SIP_H_TIMESTAMP,
	SIP_H_REASON,
	SIP_H_MS_EXCHANGE_COMMAND,
	SIP_H_MS_SENSITIVITY,
	SIP_H__COUNT
} sip_hdr_id;

/* Maps a header name (full or compact form, any case) to its id; SIP_H_OTHER if
 * unknown. The name must be an RFC 3261 token (the parser guarantees it). */
sip_hdr_id sip_hdr_id_from(const char *name, size_t len);
/* The canonical full name of a known header ("Call-ID"); NULL for SIP_H_OTHER. */
const char *sip_hdr_name(sip_hdr_id id);

#define SIP_HDR_NONE 0xFFFFu

typedef struct sip_hdr {
	ou_slice name;  /* as received */
	ou_slice value; /* without leading and trailing LWS; may hold folded line breaks */
	uint16_t id;    /* sip_hdr_id */
	uint16_t next;  /* index of the next header with the same id, SIP_HDR_NONE at end */
} sip_hdr;

/* ---- URIs ------------------------------------------------------------------ */
typedef enum sip_uri_scheme {
	SIP_URI_SIP = 0,
	SIP_URI_SIPS,
	SIP_URI_TEL,
	SIP_URI_OTHER, /* absoluteURI of another scheme: only raw and scheme are set */
} sip_uri_scheme;

typedef struct sip_uri {
	ou_slice raw;      /* the whole URI */
	ou_slice scheme_s; /* "sip", "SIPS", "tel", ... as written */
	ou_slice user;     /* SIP: userinfo user part (still %-escaped); tel: the number */
	ou_slice password; /* present only if written */
	ou_slice host;     /* IPv6 references keep their brackets */
	ou_slice params;   /* ";a=b;c" including the first ';', empty if none */
	ou_slice headers;  /* after '?', without it, empty if none */
	/* the small fields last: no padding between the slices (sip_msg holds 35) */
	sip_uri_scheme scheme;
	uint16_t port; /* 0 = absent */
	bool host_ipv6;
} sip_uri;

/* Parses a whole slice as a URI (SIP, SIPS, tel; other schemes as SIP_URI_OTHER). */
int sip_uri_parse(ou_slice s, sip_uri *out, const char **why);
/* RFC 3261 19.1.4 equality (SIP/SIPS) and RFC 3966 5 equality (tel). */
bool sip_uri_equal(const sip_uri *a, const sip_uri *b);

/* ---- generic ;name=value parameters ------------------------------------------ */
/* Finds the parameter `name` (case-insensitive) in a ";a=b;c;d=\"q\"" slice.
 * *value is the raw value (quotes kept), or an empty slice with p != NULL for a
 * valueless parameter. Returns OPENUM_ENOTFOUND when absent. */
int sip_param_get(ou_slice params, const char *name, ou_slice *value);
bool sip_param_has(ou_slice params, const char *name);
/* Iterates parameters: *pos starts at 0; returns 0 with name/value set, or
 * OPENUM_ENOTFOUND at the end. */
int sip_param_next(ou_slice params, size_t *pos, ou_slice *name, ou_slice *value);

/* ---- comma-separated lists ------------------------------------------------- */
/* Splits the next element of a comma-separated header value, honouring quoted
 * strings and <...>. *pos starts at 0. Returns 0 with *elem trimmed, or
 * OPENUM_ENOTFOUND at the end, or OPENUM_EBADMSG (unbalanced quotes or <>). */
int sip_list_next(ou_slice value, size_t *pos, ou_slice *elem, const char **why);

/* ---- name-addr / addr-spec: From, To, Contact, Route, Record-Route, ... ------ */
typedef struct sip_addr {
	ou_slice raw;     /* the whole element */
	ou_slice display; /* display name: without quotes for quoted-string (escapes kept) */
	sip_uri uri;
	ou_slice params; /* header parameters after the URI (";tag=x;expires=3") */
	ou_slice tag;    /* value of ;tag, empty (p == NULL) if absent */
	bool star;       /* Contact: * */
	bool angle;      /* written as name-addr with <> */
} sip_addr;

/* Parses one element (From/To value, or one element of a list). */
int sip_addr_parse(ou_slice s, sip_addr *out, const char **why);

/* ---- Via ------------------------------------------------------------------- */
typedef enum sip_transport {
	SIP_TP_OTHER = 0,
	SIP_TP_UDP,
	SIP_TP_TCP,
	SIP_TP_TLS,
	SIP_TP_SCTP,
	SIP_TP_WS,
	SIP_TP_WSS,
} sip_transport;

typedef struct sip_via {
	ou_slice raw;
	ou_slice protocol; /* "SIP/2.0" */
	ou_slice transport_s;
	ou_slice host; /* IPv6 keeps brackets */
	ou_slice params;
	ou_slice branch, received, maddr; /* p == NULL if absent */
	/* the small fields last: no padding between the slices (sip_msg holds 16) */
	sip_transport transport;
	int32_t rport; /* -1 absent, 0 present without value, else the port */
	int32_t ttl;   /* -1 absent */
	uint16_t port; /* 0 = absent */
} sip_via;

/* Parses one Via element (one entry of a comma-separated Via value). */
int sip_via_parse(ou_slice s, sip_via *out, const char **why);

/* ---- CSeq, numbers, Content-Type ------------------------------------------ */
typedef struct sip_cseq {
	uint32_t num;
	sip_method method;
	ou_slice method_s;
} sip_cseq;
int sip_cseq_parse(ou_slice s, sip_cseq *out, const char **why);
/* Max-Forwards, Content-Length, Expires: 1*DIGIT fitting in uint32 (Expires: delta). */
int sip_uint_parse(ou_slice s, uint32_t *out, const char **why);
int sip_callid_check(ou_slice s, const char **why);

typedef struct sip_ctype {
	ou_slice type, subtype, params;
} sip_ctype;
int sip_ctype_parse(ou_slice s, sip_ctype *out, const char **why);

/* ---- authentication headers (RFC 3261 22.4, RFC 7616/8760) ---------------- */
typedef struct sip_auth {
	ou_slice scheme; /* "Digest" */
	/* Values have quotes removed (escapes kept); p == NULL when absent. */
	ou_slice username, realm, nonce, uri, response, algorithm, cnonce, opaque, qop, nc, domain,
	    stale, userhash;
	ou_slice params; /* the raw auth-params after the scheme */
} sip_auth;
/* Parses Authorization / Proxy-Authorization / WWW-Authenticate / Proxy-Authenticate. */
int sip_auth_parse(ou_slice s, sip_auth *out, const char **why);

/* ---- MS-OCEXUM ------------------------------------------------------------- */
/* Ms-Exchange-Command (spec 2.2.1): `;`-separated tokens, trimmed, case-insensitive.
 * skip-pin and itemId=<base64> are understood; unknown tokens are ignored. An itemId
 * that is not valid base64 is an error (Exchange fails such a call). */
typedef struct sip_ms_cmd {
	bool skip_pin;
	ou_slice item_id; /* quotes removed; p == NULL if absent */
} sip_ms_cmd;
int sip_ms_cmd_parse(ou_slice s, sip_ms_cmd *out, const char **why);

/* Ms-Sensitivity (spec 2.2.2, MS-SIPRE). Absent = normal. */
typedef enum sip_sens {
	SIP_SENS_NORMAL = 0,
	SIP_SENS_PRIVATE,
	SIP_SENS_NORMAL_NO_DIVERSION,
	SIP_SENS_PRIVATE_NO_DIVERSION,
} sip_sens;
int sip_sens_parse(ou_slice s, sip_sens *out, const char **why);
/* True for the two -no-diversion values: no forwarding, no voicemail. */
static inline bool sip_sens_no_diversion(sip_sens s)
{
	return s == SIP_SENS_NORMAL_NO_DIVERSION || s == SIP_SENS_PRIVATE_NO_DIVERSION;
}
const char *sip_sens_name(sip_sens s);

/* ---- SIP events (event.c) and message-summary (msg_summary.c), issue 9 ------ */
/* Event (RFC 6665 8.2.1): the package name before any ';' parameters, trimmed;
 * true when it equals pkg (case-insensitive, e.g. "message-summary"). */
bool sip_event_is(ou_slice event_value, const char *pkg);

/* Subscription-State (RFC 6665 8.2.3): "active;expires=3600",
 * "terminated;reason=timeout". expires is 0 when absent (has_expires false). */
typedef enum sip_substate_kind {
	SIP_SUBSTATE_ACTIVE = 1,
	SIP_SUBSTATE_PENDING,
	SIP_SUBSTATE_TERMINATED,
	SIP_SUBSTATE_OTHER, /* an extension value: treat as pending (RFC 6665 8.2.3) */
} sip_substate_kind;
typedef struct sip_substate {
	sip_substate_kind state;
	bool has_expires;
	uint32_t expires;
	ou_slice reason; /* p == NULL when absent */
} sip_substate;
int sip_substate_parse(ou_slice s, sip_substate *out, const char **why);

/* application/simple-message-summary bodies (RFC 3842 5.2). The parser keeps
 * slices into the body; the printer refuses a class name that is not a token and an
 * account with CR, LF or NUL. Counts above SIP_MSUM_MAX_COUNT are an error. */
#define SIP_MSUM_CTYPE "application/simple-message-summary"
#define SIP_MSUM_MAX_CLASSES 8 /* message-context-class lines kept; more: ETOOBIG */
#define SIP_MSUM_MAX_COUNT 999999u
typedef struct sip_msum_class {
	ou_slice name; /* "Voice-Message", as written */
	uint32_t nnew, nold;
	bool has_urgent;
	uint32_t new_urgent, old_urgent;
} sip_msum_class;
typedef struct sip_msum {
	bool waiting;     /* Messages-Waiting: yes */
	ou_slice account; /* Message-Account URI, p == NULL when absent */
	unsigned nclass;
	sip_msum_class cls[SIP_MSUM_MAX_CLASSES];
} sip_msum;
int sip_msum_parse(ou_slice body, sip_msum *out, const char **why);
/* The class named name (case-insensitive), or NULL. */
const sip_msum_class *sip_msum_find(const sip_msum *m, const char *name);
/* Appends the body (CRLF line ends) to b; on error b is left as it was. */
int sip_msum_print(const sip_msum *m, ou_buf *b);

/* ---- the message ----------------------------------------------------------- */
enum {
	SIP_CACHE_RURI = 1u << 0,
	SIP_CACHE_FROM = 1u << 1,
	SIP_CACHE_TO = 1u << 2,
	SIP_CACHE_CSEQ = 1u << 3,
	SIP_CACHE_MAXFWD = 1u << 4,
	SIP_CACHE_CLEN = 1u << 5,
	SIP_CACHE_VIAS = 1u << 6,
	SIP_CACHE_CONTACTS = 1u << 7,
	SIP_CACHE_MSCMD = 1u << 8,
	SIP_CACHE_SENS = 1u << 9,
	SIP_CACHE_EXPIRES = 1u << 10,
	SIP_CACHE_CALLID = 1u << 11,
};

typedef struct sip_msg {
	/* start line (the small fields first: no padding between them) */
	bool is_request;
	bool has_clen;     /* Content-Length present */
	uint16_t status;   /* responses */
	sip_method method; /* requests */
	ou_slice method_s;
	ou_slice ruri_s;  /* Request-URI as written */
	ou_slice version; /* "SIP/2.0" */
	ou_slice reason;

	ou_slice raw;  /* the whole message */
	ou_slice body; /* per Content-Length when present, else the rest */

	uint16_t nhdr;
	uint16_t first[SIP_H__COUNT]; /* first header of each id, SIP_HDR_NONE if absent */
	sip_hdr hdr[SIP_MAX_HEADERS];

	/* cache of typed values; valid when the bit is set in `cached` (failures are not
	 * cached: a failing accessor parses again). `cached` sits with the other 32-bit
	 * fields: no padding around it (make lint's padding check). */
	sip_uri ruri;
	sip_addr from, to;
	sip_cseq cseq;
	uint32_t cached, max_forwards, content_length, expires;
	ou_slice call_id;
	sip_ms_cmd ms_cmd;
	sip_sens sens;
	uint8_t nvia, ncontact;
	sip_via via[SIP_MAX_VIA_CACHE];
	sip_addr contact[SIP_MAX_CONTACT_CACHE];
} sip_msg;

/* Parses one complete message (as delimited by the framer or a datagram).
 * Checks the start line, indexes every header, checks that Content-Length (when
 * present) matches the bytes after the headers: a shorter body is OPENUM_EBADMSG.
 * Trailing bytes after the body are ignored (the framer never passes any).
 * Headers RFC 3261 requires in a request (To, From, CSeq, Call-ID, Max-Forwards
 * (not enforced: RFC 3261 16.6 allows absence), Via) are checked by sip_msg_check. */
int sip_msg_parse(const char *buf, size_t len, sip_msg *m, const char **why);

/* Copies a parsed message into one new allocation (the sip_msg and its bytes) so it
 * can outlive the buffer it was parsed from; free it with free(). Typed values are
 * parsed again on demand in the copy. */
int sip_msg_clone(const sip_msg *m, sip_msg **out);

/* Checks what every proxy touches: the mandatory headers are present once and
 * parse (Via, From, To, Call-ID, CSeq; CSeq method equals the request method),
 * the Request-URI parses, Max-Forwards and Content-Length are numbers, the Ms-
 * headers are well-formed. This is "decode" in bench/parse. */
int sip_msg_check(sip_msg *m, const char **why);

/* Header access. */
const sip_hdr *sip_msg_hdr(const sip_msg *m, sip_hdr_id id); /* first, or NULL */
const sip_hdr *sip_msg_hdr_next(const sip_msg *m, const sip_hdr *h);
/* Finds an unknown header by name (case-insensitive); first match or NULL. */
const sip_hdr *sip_msg_hdr_named(const sip_msg *m, const char *name);
unsigned sip_msg_hdr_count(const sip_msg *m, sip_hdr_id id);

/* Typed accessors: parse on first use, then cached. OPENUM_ENOTFOUND when absent. */
int sip_msg_ruri(sip_msg *m, const sip_uri **out, const char **why);
int sip_msg_from(sip_msg *m, const sip_addr **out, const char **why);
int sip_msg_to(sip_msg *m, const sip_addr **out, const char **why);
int sip_msg_callid(sip_msg *m, ou_slice *out, const char **why);
int sip_msg_cseq(sip_msg *m, const sip_cseq **out, const char **why);
int sip_msg_max_forwards(sip_msg *m, uint32_t *out, const char **why);
int sip_msg_content_length(sip_msg *m, uint32_t *out, const char **why);
int sip_msg_expires(sip_msg *m, uint32_t *out, const char **why);
/* All Via values of all Via headers in order (the first SIP_MAX_VIA_CACHE); n may be
 * less than the real count if there are more (then use sip_list_next yourself). */
int sip_msg_vias(sip_msg *m, const sip_via **out, unsigned *n, const char **why);
int sip_msg_contacts(sip_msg *m, const sip_addr **out, unsigned *n, const char **why);
/* Ms-Exchange-Command: absent = all false. Several headers: tokens of all of them. */
int sip_msg_ms_cmd(sip_msg *m, const sip_ms_cmd **out, const char **why);
/* Ms-Sensitivity: absent = normal; a repeated header or unknown value: EBADMSG. */
int sip_msg_sensitivity(sip_msg *m, sip_sens *out, const char **why);
/* MS-OCEXUM 3.2: From URI equals To URI by RFC 3261 19.1.4. */
int sip_msg_from_equals_to(sip_msg *m, bool *eq, const char **why);

/* ---- stream framing (TCP/TLS) ---------------------------------------------- */
typedef enum sip_frame_kind {
	SIP_FRAME_MSG = 1, /* a whole message of *len bytes at the start of the input */
	SIP_FRAME_PING,    /* RFC 5626 CRLFCRLF keep-alive of *len bytes: answer CRLF */
	SIP_FRAME_SKIP,    /* *len bytes of stray CRLF before a message: drop them */
} sip_frame_kind;

typedef struct sip_framer {
	size_t max_msg; /* SIP_MAX_MSG by default */
	size_t scanned; /* bytes already searched for the end of headers */
	size_t total;   /* once the headers are complete: header bytes + Content-Length */
} sip_framer;

void sip_framer_init(sip_framer *f);
/* Looks at the unconsumed input buf[0..len). Returns a sip_frame_kind (> 0) and the
 * number of bytes it covers in *len_out; OPENUM_EAGAIN when more bytes are needed;
 * OPENUM_ETOOBIG when the message exceeds max_msg (answer 513, close); OPENUM_EBADMSG
 * (answer 400 with *why, close) for a missing or bad Content-Length. After a frame,
 * the caller removes *len_out bytes and calls again; the framer resets itself. */
int sip_frame(sip_framer *f, const char *buf, size_t len, size_t *len_out, const char **why);

/* ---- printer --------------------------------------------------------------- */
/* Builds messages into b: the start line, then headers, then the body with a computed
 * Content-Length (sip_print_body adds it; do not add one yourself). */
int sip_print_request_line(ou_buf *b, ou_slice method, ou_slice ruri);
int sip_print_status_line(ou_buf *b, unsigned status, ou_slice reason);
int sip_print_header(ou_buf *b, ou_slice name, ou_slice value);
int sip_print_header_cstr(ou_buf *b, const char *name, const char *value);
int sip_print_body(ou_buf *b, ou_slice content_type, ou_slice body);
/* Serialises a parsed message: full header names for known ids, folded values
 * unfolded to single spaces, the body with a recomputed Content-Length. */
int sip_msg_print(const sip_msg *m, ou_buf *b);
/* Default reason phrase for a status code ("Not Found"); "Unknown" if none. */
const char *sip_reason_phrase(unsigned status);
/* True when s is a non-empty RFC 3261 token (a tag, a method, a header name): the
 * check the printer makes, for callers that validate values before printing them. */
bool sip_is_token(ou_slice s);

/* ==== SDP (added for issue 3: src/sip/sdp.c) ================================== */
/* SDP (RFC 8866) parsed into slices of the body, and RFC 3264 offer/answer for the
 * one audio stream openum speaks: G.711 (PCMU 0, PCMA 8) and RFC 4733
 * telephone-event. sdp_parse allocates nothing; sdp_offer and sdp_answer print into
 * a caller's ou_buf. Errors: OPENUM_EBADMSG (answer 400 with *why), OPENUM_ETOOBIG
 * (a limit below), and OPENUM_ENOTFOUND from sdp_answer when nothing in the offer is
 * acceptable: answer 488 with *why. */
#define SDP_MAX_MEDIA 8 /* m= lines in one description */
#define SDP_MAX_FMTS 32 /* formats on one m= line */
#define SDP_PT_PCMU 0
#define SDP_PT_PCMA 8
#define SDP_PT_TE_DEFAULT 101        /* our telephone-event payload type in offers */
#define SDP_TE_EVENTS_DEFAULT "0-16" /* DTMF 0-9 * # A-D and flash */
#define SDP_PTIME_DEFAULT 20
#define SDP_MAX_LOCAL_CODECS 4

/* Bit 0: the describing side sends; bit 1: it receives. */
typedef enum sdp_dir {
	SDP_INACTIVE = 0,
	SDP_SENDONLY = 1,
	SDP_RECVONLY = 2,
	SDP_SENDRECV = 3,
	SDP_DIR_UNSET = 4, /* parser only: no direction attribute at this level */
} sdp_dir;
const char *sdp_dir_name(sdp_dir d); /* "sendrecv", ...; NULL for SDP_DIR_UNSET */
/* The direction the other side must answer with: sendonly <-> recvonly. */
static inline sdp_dir sdp_dir_mirror(sdp_dir d)
{
	return d == SDP_SENDONLY ? SDP_RECVONLY : d == SDP_RECVONLY ? SDP_SENDONLY : d;
}

typedef struct sdp_conn {
	bool present;
	bool ipv6;     /* addrtype IP6 */
	ou_slice addr; /* without /ttl or /count */
} sdp_conn;

typedef struct sdp_fmt {
	ou_slice fmt;     /* as written on the m= line */
	int16_t pt;       /* 0..127, or -1 when fmt is not an RTP payload type */
	uint8_t channels; /* a=rtpmap channels, 0 when absent */
	uint32_t clock;   /* a=rtpmap clock rate, 0 without a=rtpmap */
	ou_slice enc;     /* a=rtpmap encoding name, p == NULL without a=rtpmap */
	ou_slice fmtp;    /* a=fmtp parameters, p == NULL without a=fmtp */
} sdp_fmt;

typedef struct sdp_media {
	ou_slice media;           /* "audio", "video", ... */
	ou_slice proto;           /* "RTP/AVP", "RTP/SAVP", ... */
	uint16_t port;            /* 0: stream rejected or disabled */
	uint16_t nports;          /* the /count after the port, 0 when absent */
	sdp_conn conn;            /* media-level c=, present == false when absent */
	sdp_dir dir;              /* media-level direction attribute, SDP_DIR_UNSET when absent */
	uint32_t ptime, maxptime; /* 0 when absent */
	int32_t rtcp_port;        /* a=rtcp port, -1 when absent */
	ou_slice rtcp_addr;       /* a=rtcp address, p == NULL when absent */
	unsigned nfmt;
	sdp_fmt fmt[SDP_MAX_FMTS];
} sdp_media;

typedef struct sdp_session {
	ou_slice origin_user;
	uint64_t sess_id, sess_version;
	sdp_conn origin;          /* o= address */
	ou_slice name;            /* s= */
	sdp_conn conn;            /* session-level c= */
	uint64_t t_start, t_stop; /* the first t= line; 0 0 when absent */
	sdp_dir dir;              /* session-level direction attribute, SDP_DIR_UNSET when absent */
	unsigned nmedia;
	sdp_media media[SDP_MAX_MEDIA];
} sdp_session;

/* Parses a whole SDP body. Lines end in CRLF or a lone LF; unknown line types and
 * attributes (a=x-*, a=candidate, a=crypto, ...) are skipped. Requires v=0 first, one
 * o= and one s=, and a c= for every m= line with a non-zero port. */
int sdp_parse(ou_slice body, sdp_session *out, const char **why);
/* The direction that applies to media i: its own, else the session's, else sendrecv. */
sdp_dir sdp_media_dir(const sdp_session *s, unsigned i);
/* The connection that applies to media i: its own c=, else the session's. */
const sdp_conn *sdp_media_conn(const sdp_session *s, unsigned i);

/* Our side of a session. addr is our RTP address (written in o= and c=); sess_id is
 * chosen once per session and sess_version must grow with every changed description
 * we send (RFC 3264 8). */
typedef struct sdp_local {
	ou_slice addr; /* IPv4 or IPv6 literal (IPv6 when it holds ':') */
	uint16_t port; /* RTP port, not 0 */
	uint64_t sess_id, sess_version;
	sdp_dir dir; /* what we want: SDP_SENDRECV, SDP_SENDONLY to hold, ... */
	uint8_t codecs[SDP_MAX_LOCAL_CODECS]; /* SDP_PT_PCMU/SDP_PT_PCMA, our order */
	unsigned ncodecs;                     /* 0: PCMU then PCMA */
	int16_t te_pt;         /* telephone-event PT in our offers; -1: no events at all */
	const char *te_events; /* our event list; NULL: SDP_TE_EVENTS_DEFAULT */
	uint32_t ptime;        /* 0: SDP_PTIME_DEFAULT */
} sdp_local;

/* What an offer/answer exchange settled for the audio stream. */
typedef struct sdp_nego {
	unsigned media;     /* index of the audio m= line in use */
	uint8_t pt;         /* payload type of the codec, as the peer numbers it */
	uint8_t codec;      /* SDP_PT_PCMU or SDP_PT_PCMA: which G.711 law */
	int16_t te_pt;      /* peer's telephone-event payload type, -1 if none */
	sdp_dir remote_dir; /* the peer's direction (c=0.0.0.0 counts as not receiving) */
	sdp_dir dir;        /* ours: what we may do (send bit: send RTP; recv bit: listen) */
	sdp_conn remote;    /* where to send RTP; addr points into the peer's body */
	uint16_t remote_port;
	uint16_t remote_rtcp_port; /* a=rtcp, else port + 1 */
	uint32_t remote_ptime;     /* 0 when the peer gave none */
} sdp_nego;

/* Writes an offer for one audio stream (our codecs, telephone-event, local->dir). */
int sdp_offer(const sdp_local *local, ou_buf *b);
/* RFC 3264 6: accepts the first audio RTP/AVP stream that offers a codec we support
 * (the offerer's order wins), keeps the offered telephone-event PT, mirrors the
 * direction (limited by local->dir), rejects every other m= line with port 0, and
 * writes the answer. OPENUM_ENOTFOUND (+why): no acceptable stream, answer 488.
 * nego may be NULL. On error b is unchanged. */
int sdp_answer(const sdp_session *offer, const sdp_local *local, ou_buf *b, sdp_nego *nego,
               const char **why);
/* Reads the answer to one of our offers: the stream and codec the peer accepted.
 * OPENUM_ENOTFOUND when it rejected the audio stream or picked no codec of ours. */
int sdp_answer_read(const sdp_session *answer, const sdp_local *local, sdp_nego *nego,
                    const char **why);
/* ==== end SDP ================================================================= */

#endif
