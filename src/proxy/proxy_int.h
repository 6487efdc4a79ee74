/* proxy internals shared by core.c and relay.c. Not a public header. */
#ifndef OPENUM_PROXY_INT_H
#define OPENUM_PROXY_INT_H

#include "../metrics/metrics.h"
#include "proxy.h"

/* How a branch's request differs from the received one. */
typedef struct px_req_opts {
	ou_slice ruri;
	const char *via_transport; /* "TCP", "TLS" */
	const char *via_host;
	unsigned via_port;
	const char *branch;
	const char *record_route; /* whole header lines, or NULL */
	const ou_slice *routes;   /* Route entries to keep, in order */
	unsigned nroutes;
	uint32_t max_forwards;
	const char *diversion; /* a Diversion value to add on top, or NULL */
	const char *pai;       /* "user@host" to assert, or NULL */
	bool strip_diversion, strip_ms_cmd, strip_pai, strip_proxy_auth;
} px_req_opts;

int px_build_request(const sip_msg *m, const px_req_opts *o, ou_buf *b);
/* Relays response m upstream: our (top) Via removed. status, when not 0 and not m's,
 * replaces m's status and reason (a 503 goes upstream as 500, 16.7 step 6); every other
 * header field and the body are kept (Accept, Unsupported of a 415/420). challenges,
 * when non-empty, are the merged WWW-/Proxy-Authenticate header lines that replace m's
 * own (16.7 step 7). */
int px_build_response(const sip_msg *m, unsigned status, const ou_buf *challenges, ou_buf *b);

#endif
