/* um/calllog.c: what an operator sees of each finished UM call besides its call-log
 * row: one log line on standard error and the counters behind /metrics. Both come
 * from the same store_call, so the log, the metrics and `openum mailbox log` agree. */
#include "../metrics/metrics.h"
#include "um.h"

void um_call_finished(const store_call *l)
{
	if ((unsigned)l->kind <= STORE_CALL_PLAY_ON_PHONE)
		metrics_inc((metrics_id)(MET_UM_CALLS_SUBSCRIBER + (int)l->kind));
	if ((unsigned)l->logon <= STORE_LOGON_NOT_FOUND)
		metrics_inc((metrics_id)(MET_UM_LOGON_NONE + (int)l->logon));
	if (l->skip_pin_requested)
		metrics_inc(l->logon == STORE_LOGON_SKIP_PIN ? MET_UM_SKIP_PIN_HONOURED
		                                             : MET_UM_SKIP_PIN_REFUSED);
	ou_log(l->logon == STORE_LOGON_LOCKED ? OU_LOG_WARN : OU_LOG_INFO, "um",
	       "call call-id=%s peer=%s transport=%s trusted=%s skip-pin=%s kind=%s logon=%s "
	       "mailbox=%s duration-ms=%u detail=\"%s\"",
	       l->call_id[0] ? l->call_id : "-", l->peer[0] ? l->peer : "-",
	       l->transport[0] ? l->transport : "-", l->trusted ? "yes" : "no",
	       l->skip_pin_requested ? (l->logon == STORE_LOGON_SKIP_PIN ? "honoured" : "refused")
	                             : "no",
	       store_call_kind_name(l->kind), store_logon_result_name(l->logon),
	       l->mailbox[0] ? l->mailbox : "-", (unsigned)l->duration_ms, l->detail);
}
