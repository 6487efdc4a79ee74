/* metrics/http.c: a plain-HTTP listener that answers GET /metrics with the Prometheus
 * exposition and nothing else (404 for other paths, 405 for other methods). One
 * libmicrohttpd thread; the counters are atomics, so no lock is taken. Meant for a
 * loopback or management address: it carries no authentication. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "metrics.h"

#define METRICS_HTTP_CONN_MAX 64
#define METRICS_HTTP_TIMEOUT_S 10

struct metrics_http {
	struct MHD_Daemon *d;
	uint16_t port;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *ctype,
                             char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (status == 405)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **ctx)
{
	(void)cls, (void)version, (void)upload_data;
	static int first;
	if (!*ctx) { /* the first call only sees the headers */
		*ctx = &first;
		return MHD_YES;
	}
	if (*upload_size) { /* no body is expected: drop it */
		*upload_size = 0;
		return MHD_YES;
	}
	const char *text = "text/plain; charset=utf-8";
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(conn, 405, text, (char *)"method not allowed\n", 19,
		             MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, 404, text, (char *)"not found: try /metrics\n", 24,
		             MHD_RESPMEM_PERSISTENT);
	ou_buf b;
	ou_buf_init(&b);
	if (metrics_render(&b) != 0) {
		ou_buf_free(&b);
		return reply(conn, 500, text, (char *)"out of memory\n", 14,
		             MHD_RESPMEM_PERSISTENT);
	}
	return reply(conn, 200, METRICS_CONTENT_TYPE, b.data, b.len, MHD_RESPMEM_MUST_FREE);
}

/* libmicrohttpd's own messages go to the log at debug, not raw to standard error: the
 * caller reports a failure once, with the address ("Failed to bind to port 0" names
 * the port field MHD_OPTION_SOCK_ADDR leaves unused). */
static void mhd_log(void *arg, const char *fmt, va_list ap)
{
	(void)arg;
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	ou_log(OU_LOG_DEBUG, "metrics", "libmicrohttpd: %s", line);
}

int metrics_http_start(const char *ip, uint16_t port, metrics_http **out, const char **why)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
	memset(&addr, 0, sizeof addr);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG; /* to mhd_log */
	if (inet_pton(AF_INET, ip, &addr.in.sin_addr) == 1) {
		addr.in.sin_family = AF_INET;
		addr.in.sin_port = htons(port);
	} else if (inet_pton(AF_INET6, ip, &addr.in6.sin6_addr) == 1) {
		addr.in6.sin6_family = AF_INET6;
		addr.in6.sin6_port = htons(port);
		flags |= MHD_USE_IPv6;
	} else {
		if (why)
			*why = "metrics: the address must be a numeric IP address";
		return OPENUM_EINVAL;
	}
	metrics_http *h = calloc(1, sizeof(*h));
	if (!h)
		return OPENUM_ENOMEM;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &addr.sa,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_CONN_MAX,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT_S,
	                        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!h->d) {
		free(h);
		if (why)
			*why = "metrics: cannot listen (address in use?)";
		return OPENUM_EIO;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : port;
	*out = h;
	return 0;
}

uint16_t metrics_http_port(const metrics_http *h)
{
	return h ? h->port : 0;
}

void metrics_http_stop(metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
