/* Tests metrics/metrics.c and metrics/http.c: the exposition is valid Prometheus text
 * (one HELP and TYPE per family, label syntax, cumulative histogram buckets), counters
 * and gauges move as told from several threads, and the HTTP listener serves only
 * GET /metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics/metrics.h"

static char *render(void)
{
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(metrics_render(&b), 0);
	ou_buf_append(&b, "", 1);
	return b.data;
}

/* The value of the line that starts with `series ` ("name" or "name{labels}"). */
static long long value_of(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, series, n) == 0 && l[n] == ' ')
			return atoll(l + n + 1);
	}
	fail_msg("no series %s", series);
	return -1;
}

static void test_format(void **state)
{
	(void)state;
	char *t = render();
	/* each family once, HELP before TYPE before its samples */
	const char *h = strstr(t, "# HELP openum_um_logons_total ");
	const char *ty = strstr(t, "# TYPE openum_um_logons_total counter\n");
	const char *s = strstr(t, "openum_um_logons_total{result=\"locked\"} ");
	assert_non_null(h);
	assert_true(h < ty && ty < s);
	assert_null(strstr(ty + 1, "# TYPE openum_um_logons_total"));
	assert_non_null(strstr(t, "# TYPE openum_connections_active gauge\n"));
	assert_non_null(strstr(t, "# TYPE openum_store_op_duration_seconds histogram\n"));
	/* every sample line: name[{k="v"}] integer-or-decimal */
	for (char *l = t; *l; l = strchr(l, '\n') + 1) {
		if (*l == '#')
			continue;
		char name[128], rest[128];
		assert_int_equal(sscanf(l, "%127s %127s", name, rest), 2);
		assert_true(strncmp(name, "openum_", 7) == 0);
		char *brace = strchr(name, '{');
		if (brace)
			assert_true(strchr(brace, '=') && name[strlen(name) - 1] == '}');
		assert_true(strspn(rest, "0123456789.-") == strlen(rest));
	}
	free(t);
}

static void test_counters_and_gauges(void **state)
{
	(void)state;
	char *t = render();
	long long calls = value_of(t, "openum_um_calls_total{kind=\"call-answering\"}");
	long long active = value_of(t, "openum_connections_active{transport=\"tls\"}");
	free(t);
	metrics_inc(MET_UM_CALLS_ANSWERING);
	metrics_inc(MET_UM_CALLS_ANSWERING);
	metrics_add(MET_NET_CONNS_ACTIVE_TLS, 3);
	metrics_add(MET_NET_CONNS_ACTIVE_TLS, -1);
	t = render();
	assert_int_equal(value_of(t, "openum_um_calls_total{kind=\"call-answering\"}"), calls + 2);
	assert_int_equal(value_of(t, "openum_connections_active{transport=\"tls\"}"), active + 2);
	free(t);
	metrics_add(MET_NET_CONNS_ACTIVE_TLS, -2);
}

static void test_histogram_cumulative(void **state)
{
	(void)state;
	char *t = render();
	long long b1 = value_of(t, "openum_store_op_duration_seconds_bucket{le=\"0.001\"}");
	long long b25 = value_of(t, "openum_store_op_duration_seconds_bucket{le=\"0.025\"}");
	long long inf = value_of(t, "openum_store_op_duration_seconds_bucket{le=\"+Inf\"}");
	long long cnt = value_of(t, "openum_store_op_duration_seconds_count");
	free(t);
	metrics_observe_store(500);     /* 0.5 ms: every bucket */
	metrics_observe_store(20000);   /* 20 ms: from 0.025 up */
	metrics_observe_store(9000000); /* 9 s: +Inf only */
	t = render();
	assert_int_equal(value_of(t, "openum_store_op_duration_seconds_bucket{le=\"0.001\"}"),
	                 b1 + 1);
	assert_int_equal(value_of(t, "openum_store_op_duration_seconds_bucket{le=\"0.025\"}"),
	                 b25 + 2);
	assert_int_equal(value_of(t, "openum_store_op_duration_seconds_bucket{le=\"+Inf\"}"),
	                 inf + 3);
	assert_int_equal(value_of(t, "openum_store_op_duration_seconds_count"), cnt + 3);
	free(t);
}

static void *bump(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++)
		metrics_inc(MET_PROXY_REQUESTS);
	return NULL;
}

static void test_threads_lose_nothing(void **state)
{
	(void)state;
	int64_t before = metrics_get(MET_PROXY_REQUESTS);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, bump, NULL), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(metrics_get(MET_PROXY_REQUESTS), before + 400000);
}

/* A raw HTTP/1.0 request to 127.0.0.1:port; returns the whole answer (malloc'd). */
static char *http(uint16_t port, const char *req)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	ou_buf b;
	ou_buf_init(&b);
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		ou_buf_append(&b, chunk, (size_t)n);
	close(fd);
	ou_buf_append(&b, "", 1);
	return b.data;
}

static void test_http_listener(void **state)
{
	(void)state;
	metrics_http *h = NULL;
	const char *why = NULL;
	assert_int_equal(metrics_http_start("not-an-ip", 0, &h, &why), OPENUM_EINVAL);
	assert_non_null(why);
	assert_int_equal(metrics_http_start("127.0.0.1", 0, &h, &why), 0);
	uint16_t port = metrics_http_port(h);
	assert_true(port > 0);
	char *r = http(port, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_true(strncmp(r, "HTTP/1.0 200", 12) == 0 || strncmp(r, "HTTP/1.1 200", 12) == 0);
	assert_non_null(strstr(r, "text/plain; version=0.0.4"));
	assert_non_null(strstr(r, "\nopenum_proxy_requests_total "));
	free(r);
	r = http(port, "GET / HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, " 404 "));
	free(r);
	r = http(port, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
	assert_non_null(strstr(r, " 405 "));
	free(r);
	metrics_http_stop(h);
	metrics_http_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_counters_and_gauges),
	    cmocka_unit_test(test_histogram_cumulative),
	    cmocka_unit_test(test_threads_lose_nothing),
	    cmocka_unit_test(test_http_listener),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
