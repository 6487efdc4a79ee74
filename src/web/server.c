/* web/server.c: the HTTP(S) server. libmicrohttpd runs its own polling thread and a
 * small worker pool; this file owns the daemon, gathers request bodies under a size
 * cap, routes each request to the JSON API, the SOAP service or the page, and sends
 * every answer with the same security headers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libxml/parser.h>
#include <microhttpd.h>

#include "../metrics/metrics.h"
#include "web_int.h"

#define CSP                                                                                        \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                \
	"media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "              \
	"frame-ancestors 'none'"

typedef struct req_ctx {
	ou_buf body;
	bool too_big;
} req_ctx;

const char *web_header(const web_rq *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

static bool path_is(const char *url, const char *p)
{
	return strcmp(url, p) == 0;
}

static bool path_under(const char *url, const char *p)
{
	size_t n = strlen(p);
	return strncmp(url, p, n) == 0 && (url[n] == '\0' || url[n] == '/');
}

static void plain(web_resp *r, unsigned status, const char *text)
{
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	ou_buf_reset(&r->body);
	ou_buf_append_cstr(&r->body, text);
	ou_buf_append_cstr(&r->body, "\n");
}

static void route(const web_rq *rq, web_resp *resp)
{
	if (path_is(rq->url, "/metrics") && strcmp(rq->method, "GET") == 0) {
		resp->status = 200;
		resp->ctype = METRICS_CONTENT_TYPE;
		ou_buf_reset(&resp->body);
		if (metrics_render(&resp->body) != 0)
			plain(resp, 500, "out of memory");
	} else if (path_under(rq->url, "/api/v1"))
		web_api_handle(rq, resp);
	else if (path_is(rq->url, "/UnifiedMessaging/Service.asmx") ||
	         path_is(rq->url, "/EWS/UM2007Legacy.asmx"))
		web_soap_handle(rq, resp);
	else
		web_static_handle(rq, resp);
}

static enum MHD_Result send_resp(web_server *ws, struct MHD_Connection *conn, web_resp *r)
{
	struct MHD_Response *m;
	if (r->fixed)
		m = MHD_create_response_from_buffer(r->fixed_len, (void *)r->fixed,
		                                    MHD_RESPMEM_PERSISTENT);
	else if (r->body.failed)
		m = NULL;
	else if (!r->body.data)
		m = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else
		m = MHD_create_response_from_buffer(r->body.len, r->body.data,
		                                    MHD_RESPMEM_MUST_FREE);
	if (!m)
		return MHD_NO;
	if (!r->fixed && r->body.data)
		ou_buf_init(&r->body); /* the response owns the bytes now: no copy of big WAVs */
	if (r->ctype)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
	MHD_add_response_header(m, "Content-Security-Policy", CSP);
	MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(m, "X-Frame-Options", "DENY");
	MHD_add_response_header(m, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(m, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(m, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(m, MHD_HTTP_HEADER_CACHE_CONTROL,
	                        r->cacheable ? "no-cache" : "no-store");
	if (ws->tls)
		MHD_add_response_header(m, "Strict-Transport-Security", "max-age=31536000");
	if (r->cookie[0])
		MHD_add_response_header(m, MHD_HTTP_HEADER_SET_COOKIE, r->cookie);
	if (r->basic_challenge)
		MHD_add_response_header(m, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                        "Basic realm=\"openum\", charset=\"UTF-8\"");
	if (r->allow)
		MHD_add_response_header(m, MHD_HTTP_HEADER_ALLOW, r->allow);
	enum MHD_Result ret = MHD_queue_response(conn, r->status, m);
	MHD_destroy_response(m);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	web_server *ws = cls;
	req_ctx *c = *con_cls;
	if (!c) {
		c = calloc(1, sizeof *c);
		if (!c)
			return MHD_NO;
		ou_buf_init(&c->body);
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!c->too_big && c->body.len + *upload_data_size > WEB_BODY_MAX) {
			c->too_big = true;
			ou_buf_free(&c->body);
		}
		if (!c->too_big)
			ou_buf_append(&c->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}

	web_resp resp;
	memset(&resp, 0, sizeof resp);
	ou_buf_init(&resp.body);
	if (c->too_big) {
		plain(&resp, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
	} else if (c->body.failed) {
		plain(&resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	} else {
		/* a NUL after the body lets the parsers treat it as a C string too */
		ou_buf_append(&c->body, "", 1);
		web_rq rq = {.ws = ws,
		             .conn = conn,
		             .method = method,
		             .url = url,
		             .body = c->body.data ? c->body.data : "",
		             .body_len = c->body.len ? c->body.len - 1 : 0};
		route(&rq, &resp);
		if (resp.status == 0)
			plain(&resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error");
	}
	enum MHD_Result ret = send_resp(ws, conn, &resp);
	ou_buf_free(&resp.body);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	req_ctx *c = *con_cls;
	if (c) {
		ou_buf_free(&c->body);
		free(c);
		*con_cls = NULL;
	}
}

static int read_file(const char *path, char **out, const char **why)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (why)
			*why = "cannot open the certificate or key file";
		return OPENUM_EIO;
	}
	ou_buf b;
	ou_buf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b.len + n > (1u << 20))
			break;
		ou_buf_append(&b, chunk, n);
	}
	bool bad = ferror(f) || b.len == 0 || b.len > (1u << 20);
	fclose(f);
	ou_buf_append(&b, "", 1); /* libmicrohttpd wants NUL-terminated PEM */
	if (bad || b.failed) {
		ou_buf_free(&b);
		if (why)
			*why = "cannot read the certificate or key file";
		return OPENUM_EIO;
	}
	*out = b.data;
	return 0;
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
	return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}

static void server_free(web_server *ws)
{
	free(ws->sess);
	free(ws->act);
	if (ws->key) {
		/* the private key leaves memory before the buffer does */
		volatile char *p = ws->key;
		while (*p)
			*p++ = 0;
	}
	free(ws->key);
	free(ws->cert);
	pthread_mutex_destroy(&ws->lk);
	pthread_mutex_destroy(&ws->start_lk);
	pthread_mutex_destroy(&ws->qlk);
	pthread_cond_destroy(&ws->qcv);
	free(ws);
}

int web_start(const web_opts *o, web_server **out, const char **why)
{
	const char *w = NULL;
	if (!o || !o->st || !o->pop || !o->pop->start || !o->pop->info || !o->pop->disconnect) {
		if (why)
			*why = "web: store and Play-On-Phone engine required";
		return OPENUM_EINVAL;
	}
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
	memset(&addr, 0, sizeof addr);
	const char *host = o->bind_addr ? o->bind_addr : "127.0.0.1";
	if (inet_pton(AF_INET, host, &addr.in.sin_addr) == 1) {
		addr.in.sin_family = AF_INET;
		addr.in.sin_port = htons(o->port);
	} else if (inet_pton(AF_INET6, host, &addr.in6.sin6_addr) == 1) {
		addr.in6.sin6_family = AF_INET6;
		addr.in6.sin6_port = htons(o->port);
	} else {
		if (why)
			*why = "web: bind address must be a numeric IP address";
		return OPENUM_EINVAL;
	}
	if (o->plain_http && !is_loopback(&addr.sa)) {
		if (why)
			*why = "web: plain HTTP is allowed only on a loopback address";
		return OPENUM_EINVAL;
	}
	if (!o->plain_http && (!o->cert_pem || !o->key_pem)) {
		if (why)
			*why = "web: HTTPS needs a certificate and a key";
		return OPENUM_EINVAL;
	}
	if (!o->plain_http && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		if (why)
			*why = "web: libmicrohttpd was built without TLS";
		return OPENUM_EINVAL;
	}

	web_server *ws = calloc(1, sizeof *ws);
	if (!ws)
		return OPENUM_ENOMEM;
	ws->st = o->st;
	ws->pop = *o->pop;
	ws->pop_arg = o->pop_arg;
	ws->loop = o->loop;
	ws->tls = !o->plain_http;
	ws->idle_s = o->session_idle_s ? o->session_idle_s : WEB_SESSION_IDLE_S;
	ws->lifetime_s = o->session_lifetime_s ? o->session_lifetime_s : WEB_SESSION_LIFETIME_S;
	pthread_mutex_init(&ws->lk, NULL);
	pthread_mutex_init(&ws->start_lk, NULL);
	int err = web_pop_init(ws);
	if (err) {
		pthread_mutex_destroy(&ws->lk);
		pthread_mutex_destroy(&ws->start_lk);
		free(ws);
		if (why)
			*why = "web: cannot set up the engine queue";
		return err;
	}
	if (ws->tls) {
		err = read_file(o->cert_pem, &ws->cert, &w);
		if (!err)
			err = read_file(o->key_pem, &ws->key, &w);
		if (err)
			goto fail;
	}
	/* libxml2 must set up its globals once before several threads parse */
	xmlInitParser();

	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD;
	if (ws->tls)
		flags |= MHD_USE_TLS;
	if (addr.sa.sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	unsigned threads = o->threads ? o->threads : WEB_THREADS_DEFAULT;
	struct MHD_OptionItem tlsopts[] = {
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, ws->key},
	    {MHD_OPTION_HTTPS_MEM_CERT, 0, ws->cert},
	    {MHD_OPTION_END, 0, NULL},
	};
	ws->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, ws, MHD_OPTION_SOCK_ADDR,
	                         &addr.sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, ws,
	                         MHD_OPTION_THREAD_POOL_SIZE, threads,
	                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_CONN_TIMEOUT_S,
	                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_CONN_MAX,
	                         MHD_OPTION_ARRAY, ws->tls ? tlsopts : &tlsopts[2], MHD_OPTION_END);
	if (!ws->d) {
		w = ws->tls ? "web: cannot listen (address in use, or a bad certificate or key)"
		            : "web: cannot listen (address in use?)";
		err = OPENUM_EIO;
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(ws->d, MHD_DAEMON_INFO_BIND_PORT);
	ws->port = di ? di->port : o->port;
	*out = ws;
	return 0;
fail:
	if (why)
		*why = w;
	if (ws->loop) {
		/* the async handle is already on the loop: free once it has closed */
		web_pop_shutdown(ws);
		ws->d = NULL;
		web_stop(ws);
		return err;
	}
	server_free(ws);
	return err;
}

uint16_t web_port(const web_server *ws)
{
	return ws ? ws->port : 0;
}

static void on_async_closed(uv_handle_t *h)
{
	server_free(h->data);
}

void web_stop(web_server *ws)
{
	if (!ws)
		return;
	web_pop_shutdown(ws);
	if (ws->d) {
		MHD_stop_daemon(ws->d);
		ws->d = NULL;
	}
	if (ws->loop)
		uv_close((uv_handle_t *)&ws->async, on_async_closed);
	else
		server_free(ws);
}
