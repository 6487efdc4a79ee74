/* metrics: process-wide counters and gauges for operators, rendered in the Prometheus
 * text exposition format (version 0.0.4), and a small HTTP listener that serves them
 * on /metrics (libmicrohttpd). The layers count where the events happen (net counts
 * connections, txn transactions, um calls and logons, the proxy registrations).
 *
 * Contract:
 * - Every series is one metrics_id; its family name, labels, type and help live in
 *   one table (metrics.c). Series of one family are consecutive in the enum.
 * - metrics_inc/metrics_add/metrics_observe_store are lock-free (relaxed atomics) and
 *   callable from any thread (the loop, libuv's pool, libmicrohttpd's threads).
 * - Counters only go up; gauges (ACTIVE series) go up and down by metrics_add.
 * - The values are global to the process: tests read them as deltas.
 * - metrics_render appends the whole exposition to an ou_buf the caller owns.
 * - metrics_http_start serves GET /metrics on its own thread; metrics_http_stop frees
 *   it. Errors: 0 or a negative OPENUM_E* code; `why` gets a static reason.
 */
#ifndef OPENUM_METRICS_H
#define OPENUM_METRICS_H

#include <stdint.h>

#include "../base/base.h"

typedef enum metrics_id {
	/* um: one count per finished call (from the call-log row) */
	MET_UM_CALLS_SUBSCRIBER = 0, /* openum_um_calls_total{kind=...}, store_call_kind order */
	MET_UM_CALLS_ANSWERING,
	MET_UM_CALLS_PLAY_ON_PHONE,
	MET_UM_LOGON_NONE, /* openum_um_logons_total{result=...}, store_logon_result order */
	MET_UM_LOGON_SKIP_PIN,
	MET_UM_LOGON_PIN_OK,
	MET_UM_LOGON_PIN_FAILED,
	MET_UM_LOGON_LOCKED,
	MET_UM_LOGON_NOT_FOUND,
	MET_UM_SKIP_PIN_HONOURED, /* openum_um_skip_pin_total{decision=...} */
	MET_UM_SKIP_PIN_REFUSED,
	MET_UM_MESSAGES_RECORDED,
	MET_UM_CALLS_ACTIVE, /* gauge: um sessions in progress */
	/* mail (src/mail worker): one count per delivery attempt's outcome */
	MET_MAIL_SENT,           /* openum_um_emails_sent_total */
	MET_MAIL_ATTEMPT_FAILED, /* openum_um_email_attempts_failed_total (incl. the last) */
	MET_MAIL_GAVE_UP,        /* openum_um_emails_given_up_total */
	/* transcribe (src/transcribe queue): transcripts written */
	MET_TRANSCRIPTS_DONE, /* openum_um_transcripts_total{result=...} */
	MET_TRANSCRIPTS_FAILED,
	/* ua: calls (INVITE dialogs) of um, phone and test tools */
	MET_UA_CALLS_ACTIVE, /* gauge */
	/* proxy */
	MET_PROXY_REQUESTS,
	MET_PROXY_REGISTRATIONS, /* REGISTERs answered 200 */
	MET_PROXY_AUTH_FAILURES, /* wrong digest (unknown user or wrong password) */
	MET_PROXY_RATE_LIMITED,  /* refused by the failure rate limiter */
	MET_PROXY_CALLS_ACTIVE,  /* gauge: proxied requests in progress */
	/* txn */
	MET_TXN_CLIENT, /* openum_transactions_total{side=...} */
	MET_TXN_SERVER,
	MET_TXN_ACTIVE, /* gauge */
	/* net */
	MET_NET_CONNS_TCP, /* openum_connections_total{transport=...} */
	MET_NET_CONNS_TLS,
	MET_NET_CONNS_ACTIVE_TCP, /* gauge openum_connections_active{transport=...} */
	MET_NET_CONNS_ACTIVE_TLS,
	MET_NET_CONNS_REFUSED, /* over the connection limit */
	MET_NET_TLS_HANDSHAKE_FAILURES,
	MET_NET_BAD_MESSAGES, /* framing or parse errors on a connection */
	/* openum_sip_parse_errors_total{action=...}: a framed message that does not parse
	 * (answered 400, the connection goes on), and bytes the framer cannot split into
	 * messages (answered 400 or 513 when possible, the connection is closed) */
	MET_SIP_PARSE_ANSWERED_400,
	MET_SIP_FRAMER_DROPPED,
	/* media: RTP packets of every session (um, phone) */
	MET_RTP_SENT, /* openum_rtp_packets_total{direction=...} */
	MET_RTP_RECEIVED,
	MET_RTP_LOST, /* by sequence numbers: expected minus received, per source */
	/* store (through store_async): latency histogram buckets, then sum and count */
	MET_STORE_LE_1MS,
	MET_STORE_LE_5MS,
	MET_STORE_LE_25MS,
	MET_STORE_LE_100MS,
	MET_STORE_LE_500MS,
	MET_STORE_LE_INF,
	MET_STORE_SUM_US, /* microseconds; rendered in seconds; count = sum of buckets */
	MET__COUNT
} metrics_id;

void metrics_inc(metrics_id id);
void metrics_add(metrics_id id, int64_t delta);
int64_t metrics_get(metrics_id id);
/* One store operation took us microseconds. */
void metrics_observe_store(uint64_t us);
/* Appends the exposition (text/plain; version=0.0.4). 0 or OPENUM_ENOMEM. */
int metrics_render(ou_buf *out);

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct metrics_http metrics_http;
/* Listens on ip (numeric IPv4 or IPv6) and port (0: any free port). */
int metrics_http_start(const char *ip, uint16_t port, metrics_http **out, const char **why);
uint16_t metrics_http_port(const metrics_http *h);
void metrics_http_stop(metrics_http *h); /* NULL is ok */

#endif
