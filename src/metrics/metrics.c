/* metrics/metrics.c: the table of series and their atomic values, and the Prometheus
 * text rendering. One table row per series; rows of a family share name, type and
 * help, so the HELP and TYPE lines are written once, before the family's first row. */
#include <stdatomic.h>
#include <string.h>

#include "metrics.h"

typedef struct series {
	const char *family;
	const char *labels; /* "" or `name="value"` */
	const char *type;   /* "counter", "gauge" */
	const char *help;
} series;

#define H_UM_CALLS "Finished UM server calls by kind."
#define H_UM_LOGON "Finished UM server calls by logon result."
#define H_SKIP "skip-pin requests honoured (trusted peer, subscriber access) or refused."
#define H_TXN "SIP transactions created."
#define H_CONNS "SIP connections opened (accepted or connected)."
#define H_ACT "SIP connections open now."
#define H_PARSE                                                                                    \
	"SIP parse errors: answered-400 (unparsable, or a mandatory header missing or bad), "      \
	"dropped (bad framing or too large: the connection is closed)."
#define H_RTP "RTP packets sent and received (accepted as audio or telephone-events)."
#define H_TRANSCRIPTS "Transcripts of voice messages written, by result."

static const series table[MET__COUNT] = {
    [MET_UM_CALLS_SUBSCRIBER] = {"openum_um_calls_total", "kind=\"subscriber-access\"", "counter",
                                 H_UM_CALLS},
    [MET_UM_CALLS_ANSWERING] = {"openum_um_calls_total", "kind=\"call-answering\"", "counter",
                                H_UM_CALLS},
    [MET_UM_CALLS_PLAY_ON_PHONE] = {"openum_um_calls_total", "kind=\"play-on-phone\"", "counter",
                                    H_UM_CALLS},
    [MET_UM_LOGON_NONE] = {"openum_um_logons_total", "result=\"none\"", "counter", H_UM_LOGON},
    [MET_UM_LOGON_SKIP_PIN] = {"openum_um_logons_total", "result=\"skip-pin\"", "counter",
                               H_UM_LOGON},
    [MET_UM_LOGON_PIN_OK] = {"openum_um_logons_total", "result=\"pin-ok\"", "counter", H_UM_LOGON},
    [MET_UM_LOGON_PIN_FAILED] = {"openum_um_logons_total", "result=\"pin-failed\"", "counter",
                                 H_UM_LOGON},
    [MET_UM_LOGON_LOCKED] = {"openum_um_logons_total", "result=\"locked\"", "counter", H_UM_LOGON},
    [MET_UM_LOGON_NOT_FOUND] = {"openum_um_logons_total", "result=\"not-found\"", "counter",
                                H_UM_LOGON},
    [MET_UM_SKIP_PIN_HONOURED] = {"openum_um_skip_pin_total", "decision=\"honoured\"", "counter",
                                  H_SKIP},
    [MET_UM_SKIP_PIN_REFUSED] = {"openum_um_skip_pin_total", "decision=\"refused\"", "counter",
                                 H_SKIP},
    [MET_UM_MESSAGES_RECORDED] = {"openum_um_messages_recorded_total", "", "counter",
                                  "Voice messages stored by call answering."},
    [MET_UM_CALLS_ACTIVE] = {"openum_um_calls_active", "", "gauge", "UM server calls in progress."},
    [MET_MAIL_SENT] = {"openum_um_emails_sent_total", "", "counter",
                       "E-mails of voice messages accepted by the SMTP server."},
    [MET_MAIL_ATTEMPT_FAILED] = {"openum_um_email_attempts_failed_total", "", "counter",
                                 "E-mail delivery attempts that failed (each retry counts)."},
    [MET_MAIL_GAVE_UP] = {"openum_um_emails_given_up_total", "", "counter",
                          "E-mails abandoned (attempts exhausted, or message gone)."},
    [MET_TRANSCRIPTS_DONE] = {"openum_um_transcripts_total", "result=\"done\"", "counter",
                              H_TRANSCRIPTS},
    [MET_TRANSCRIPTS_FAILED] = {"openum_um_transcripts_total", "result=\"failed\"", "counter",
                                H_TRANSCRIPTS},
    [MET_UA_CALLS_ACTIVE] = {"openum_dialogs_active", "", "gauge",
                             "INVITE dialogs (calls) of the user agent in progress."},
    [MET_PROXY_REQUESTS] = {"openum_proxy_requests_total", "", "counter",
                            "SIP requests received by the proxy."},
    [MET_PROXY_REGISTRATIONS] = {"openum_proxy_registrations_total", "", "counter",
                                 "REGISTER requests accepted (200)."},
    [MET_PROXY_AUTH_FAILURES] = {"openum_proxy_auth_failures_total", "", "counter",
                                 "Digest credentials that did not verify."},
    [MET_PROXY_RATE_LIMITED] = {"openum_proxy_rate_limited_total", "", "counter",
                                "Requests refused by the authentication failure rate limit."},
    [MET_PROXY_CALLS_ACTIVE] = {"openum_proxy_calls_active", "", "gauge",
                                "Proxied requests not yet settled (the caller has no final "
                                "answer, or a branch has not answered)."},
    [MET_TXN_CLIENT] = {"openum_transactions_total", "side=\"client\"", "counter", H_TXN},
    [MET_TXN_SERVER] = {"openum_transactions_total", "side=\"server\"", "counter", H_TXN},
    [MET_TXN_ACTIVE] = {"openum_transactions_active", "", "gauge", "SIP transactions alive."},
    [MET_NET_CONNS_TCP] = {"openum_connections_total", "transport=\"tcp\"", "counter", H_CONNS},
    [MET_NET_CONNS_TLS] = {"openum_connections_total", "transport=\"tls\"", "counter", H_CONNS},
    [MET_NET_CONNS_ACTIVE_TCP] = {"openum_connections_active", "transport=\"tcp\"", "gauge", H_ACT},
    [MET_NET_CONNS_ACTIVE_TLS] = {"openum_connections_active", "transport=\"tls\"", "gauge", H_ACT},
    [MET_NET_CONNS_REFUSED] = {"openum_connections_refused_total", "", "counter",
                               "Connections refused at the connection limit."},
    [MET_NET_TLS_HANDSHAKE_FAILURES] = {"openum_tls_handshake_failures_total", "", "counter",
                                        "TLS handshakes that failed or timed out."},
    [MET_NET_BAD_MESSAGES] = {"openum_sip_bad_messages_total", "", "counter",
                              "Connections closed for bad framing or an unparsable message."},
    [MET_SIP_PARSE_ANSWERED_400] = {"openum_sip_parse_errors_total", "action=\"answered-400\"",
                                    "counter", H_PARSE},
    [MET_SIP_FRAMER_DROPPED] = {"openum_sip_parse_errors_total", "action=\"dropped\"", "counter",
                                H_PARSE},
    [MET_RTP_SENT] = {"openum_rtp_packets_total", "direction=\"sent\"", "counter", H_RTP},
    [MET_RTP_RECEIVED] = {"openum_rtp_packets_total", "direction=\"received\"", "counter", H_RTP},
    [MET_RTP_LOST] = {"openum_rtp_packets_lost_total", "", "counter",
                      "RTP packets never received, from the sequence numbers of each source."},
};

static _Atomic int64_t values[MET__COUNT];

void metrics_inc(metrics_id id)
{
	atomic_fetch_add_explicit(&values[id], 1, memory_order_relaxed);
}

void metrics_add(metrics_id id, int64_t delta)
{
	atomic_fetch_add_explicit(&values[id], delta, memory_order_relaxed);
}

int64_t metrics_get(metrics_id id)
{
	return atomic_load_explicit(&values[id], memory_order_relaxed);
}

void metrics_observe_store(uint64_t us)
{
	static const uint64_t le_us[] = {1000, 5000, 25000, 100000, 500000};
	metrics_id b = MET_STORE_LE_INF;
	for (unsigned i = 0; i < sizeof(le_us) / sizeof(le_us[0]); i++) {
		if (us <= le_us[i]) {
			b = (metrics_id)(MET_STORE_LE_1MS + i);
			break;
		}
	}
	metrics_inc(b);
	metrics_add(MET_STORE_SUM_US, (int64_t)us);
}

static void render_store(ou_buf *out)
{
	static const char *const le[] = {"0.001", "0.005", "0.025", "0.1", "0.5", "+Inf"};
	const char *f = "openum_store_op_duration_seconds";
	ou_buf_printf(
	    out, "# HELP %s Store operations run on the thread pool.\n# TYPE %s histogram\n", f, f);
	int64_t cum = 0;
	for (unsigned i = 0; i < sizeof(le) / sizeof(le[0]); i++) {
		cum += metrics_get((metrics_id)(MET_STORE_LE_1MS + i));
		ou_buf_printf(out, "%s_bucket{le=\"%s\"} %lld\n", f, le[i], (long long)cum);
	}
	int64_t sum = metrics_get(MET_STORE_SUM_US);
	ou_buf_printf(out, "%s_sum %lld.%06lld\n%s_count %lld\n", f, (long long)(sum / 1000000),
	              (long long)(sum % 1000000), f, (long long)cum);
}

int metrics_render(ou_buf *out)
{
	const char *prev = NULL;
	for (int i = 0; i < MET_STORE_LE_1MS; i++) {
		const series *s = &table[i];
		if (!prev || strcmp(prev, s->family) != 0)
			ou_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", s->family, s->help,
			              s->family, s->type);
		prev = s->family;
		ou_buf_printf(out, "%s%s%s%s %lld\n", s->family, *s->labels ? "{" : "", s->labels,
		              *s->labels ? "}" : "", (long long)metrics_get((metrics_id)i));
	}
	render_store(out);
	return out->failed ? OPENUM_ENOMEM : 0;
}
