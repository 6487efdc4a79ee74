/* trace: checks a recorded SIP trace against the MS-OCEXUM rules (`openum check-trace`).
 * Readers turn a text log or a capture into messages with a position and a transport;
 * the checker parses each one and reports findings, keeping per-Call-ID state.
 *
 * Contract:
 * - The checker (trace.c) is pure: no I/O. It owns its per-call state (freed by
 *   trace_checker_free) and reports every finding through the emit callback, whose
 *   strings are valid only during the call.
 * - The text reader (text.c) is pure: it splits a buffer the caller owns into message
 *   slices pointing into it, and allocates nothing.
 * - The capture reader (capture.c) runs tshark on a pcap/pcapng file, reassembles TCP
 *   streams and feeds every SIP message to a checker; TLS streams are opaque and only
 *   counted.
 * - Functions return 0 or a negative OPENUM_E* code; `why` (may be NULL) gets a static
 *   English reason.
 *
 * Rules (docs/check-trace.md): R1 signalling only on TCP/TLS (MS-OCEXUM 2.1); R2
 * Ms-Exchange-Command / Ms-Sensitivity syntax (2.2.1, 2.2.2, MS-SIPRE); R3 skip-pin only
 * over TLS (3.1); R4 Play-On-Phone INVITE From URI == To URI (3.2); R5 no forwarding or
 * voicemail diversion of a no-diversion INVITE (3.2, MS-SIPRE). */
#ifndef OPENUM_TRACE_H
#define OPENUM_TRACE_H

#include "../sip/sip.h"

typedef enum trace_level {
	TRACE_NOTE = 0,  /* information: an unknown token, an opaque TLS connection */
	TRACE_WARNING,   /* a SHOULD not followed, or something that could not be checked */
	TRACE_VIOLATION, /* a MUST broken */
} trace_level;
const char *trace_level_name(trace_level l); /* "note", "warning", "violation" */

typedef enum trace_rule {
	TRACE_RULE_PARSE = 0, /* a message that could not be read or parsed */
	TRACE_RULE_R1,        /* transport */
	TRACE_RULE_R2,        /* MS header syntax */
	TRACE_RULE_R3,        /* skip-pin only over TLS */
	TRACE_RULE_R4,        /* Play-On-Phone: From URI == To URI */
	TRACE_RULE_R5,        /* no diversion of a no-diversion INVITE */
	TRACE_RULE_TLS,       /* an encrypted connection whose SIP cannot be seen */
} trace_rule;
const char *trace_rule_name(trace_rule r); /* "PARSE", "R1", ..., "TLS" */

/* Where a message or finding sits: a frame of a capture or a line of a text log. */
typedef struct trace_pos {
	unsigned long n;
	bool frame;
} trace_pos;

/* Where the transport of a message was learnt. */
typedef enum trace_tp_src {
	TRACE_TPS_NONE = 0, /* unknown */
	TRACE_TPS_LOG,      /* the log's own header line (SIPp, Kamailio, baresip) */
	TRACE_TPS_CAPTURE,  /* the captured packet (UDP or TCP) */
	TRACE_TPS_VIA,      /* the top Via of the message itself */
} trace_tp_src;

typedef struct trace_finding {
	trace_pos pos;
	trace_level level;
	trace_rule rule;
	const char *summary; /* "INVITE sip:alice@example.com [TCP]", control bytes escaped */
	const char *text;    /* what is wrong and which spec section says so */
} trace_finding;

typedef void (*trace_emit_fn)(void *ctx, const trace_finding *f);

typedef struct trace_stats {
	unsigned long messages; /* messages handed to the checker */
	unsigned long unparsed; /* of which could not be parsed */
	unsigned long notes, warnings, violations;
	unsigned long tls_conns; /* opaque TLS connections (captures only) */
} trace_stats;

/* One message as a reader found it. */
typedef struct trace_msg_info {
	trace_pos pos;
	sip_transport tp; /* SIP_TP_OTHER when the reader does not know it */
	trace_tp_src tp_src;
	bool from_text; /* the bytes come from a text log: line ends may have lost CR */
} trace_msg_info;

typedef struct trace_checker trace_checker;

/* The checker calls emit(ctx, finding) for every finding. OPENUM_ENOMEM on failure. */
int trace_checker_new(trace_emit_fn emit, void *ctx, trace_checker **out);
void trace_checker_free(trace_checker *c);
const trace_stats *trace_checker_stats(const trace_checker *c);

/* Checks one parsed message. When info->tp is unknown, the transport of the top Via is
 * used. Returns 0, or OPENUM_ENOMEM (the per-call table could not grow). */
int trace_check_msg(trace_checker *c, const trace_msg_info *info, sip_msg *m);

/* Parses the bytes of one message and checks it. Text-log bytes (info->from_text) have
 * bare LF line ends turned into CRLF first, and a body shorter than its Content-Length
 * (a log that cut it) is checked on its headers with a note. A message that does not
 * parse is a PARSE warning. Returns 0 or OPENUM_ENOMEM. */
int trace_check_bytes(trace_checker *c, const trace_msg_info *info, const char *p, size_t n);

/* Reports a finding found by a reader (a TLS connection, a broken stream); counted in
 * the stats like the checker's own. */
void trace_report(trace_checker *c, trace_pos pos, trace_level level, trace_rule rule,
                  const char *summary, const char *text);

/* ---- text logs (text.c) ----------------------------------------------------------- */
/* Understands: SIPp -trace_msg files ("----- date" then "TCP message sent (N bytes):"),
 * Kamailio sipdump text files ("proto: tcp ipv4" ... "~~~~"), baresip SIP traces
 * ("TCP 10.0.0.1:5060 -> 10.0.0.2:5060"), and bare messages one after another with
 * Content-Length framing (CRLF or LF line ends). Anything between messages is skipped. */
typedef struct trace_text {
	const char *buf;
	size_t len;
	size_t pos;            /* next byte to read */
	unsigned long line;    /* line number of buf[pos] (1-based) */
	sip_transport pending; /* transport announced by the last log header line */
} trace_text;

typedef struct trace_item {
	const char *p; /* the message bytes, inside the reader's buffer */
	size_t n;
	unsigned long line; /* line of its start line */
	sip_transport tp;   /* from the log header, SIP_TP_OTHER if none */
} trace_item;

void trace_text_init(trace_text *t, const char *buf, size_t len);
/* True when the line s (without its line end) is a SIP request or status line. */
bool trace_is_start_line(const char *s, size_t n);
/* The next message; OPENUM_ENOTFOUND at the end of the buffer. */
int trace_text_next(trace_text *t, trace_item *out);

/* ---- captures (capture.c) ---------------------------------------------------------- */
/* True when the bytes start like a pcap or pcapng file. */
bool trace_is_capture(const char *head, size_t n);

/* Runs `tshark` (the program named by tshark, or "tshark" from PATH when NULL) over
 * the capture at path and checks every SIP message found over UDP and TCP. Returns
 * 0; OPENUM_ENOTFOUND when tshark cannot be run; OPENUM_EIO when tshark fails (an
 * unreadable capture), with *why; OPENUM_ENOMEM. */
int trace_capture_check(const char *path, const char *tshark, trace_checker *c, const char **why);

#endif
