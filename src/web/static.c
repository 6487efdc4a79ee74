/* web/static.c: serves the web page (web/static/) from the copy embedded into the
 * binary at build time, so that an installed openum needs no data directory. */
#include <string.h>

#include "web_int.h"

static const char *ctype_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (!dot)
		return "application/octet-stream";
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".ico") == 0)
		return "image/x-icon";
	return "application/octet-stream";
}

void web_static_handle(const web_rq *rq, web_resp *resp)
{
	const char *path = strcmp(rq->url, "/") == 0 ? "/index.html" : rq->url;
	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
		resp->status = 405;
		resp->allow = "GET, HEAD";
		resp->ctype = "text/plain; charset=utf-8";
		ou_buf_append_cstr(&resp->body, "method not allowed\n");
		return;
	}
	for (size_t i = 0; i < web_static_nfiles; i++) {
		if (strcmp(web_static_files[i].path, path) == 0) {
			resp->status = 200;
			resp->ctype = ctype_of(path);
			resp->fixed = web_static_files[i].data;
			resp->fixed_len = web_static_files[i].len;
			resp->cacheable = true;
			return;
		}
	}
	resp->status = 404;
	resp->ctype = "text/plain; charset=utf-8";
	ou_buf_append_cstr(&resp->body, "not found\n");
}
