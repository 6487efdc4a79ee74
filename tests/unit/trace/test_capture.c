/* Tests src/trace/capture.c: capture detection by magic number, a missing tshark, an
 * unreadable capture, and the checked-in captures (tests/data/traces: bad.pcap, good.pcapng) read
 * through tshark with TCP reassembly (skipped only when tshark is not installed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "trace/trace.h"

#define MAXF 32

static trace_finding found[MAXF];
static char texts[MAXF][512];
static unsigned nfound;

static void collect(void *ctx, const trace_finding *f)
{
	(void)ctx;
	if (nfound >= MAXF)
		return;
	found[nfound] = *f;
	snprintf(texts[nfound], sizeof(texts[0]), "%s | %s", f->summary, f->text);
	nfound++;
}

static bool have_tshark(void)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char dir[4096];
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(dir, sizeof(dir), "%.*s/tshark", (int)n, path);
		if (access(dir, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

static void test_magic(void **state)
{
	(void)state;
	assert_true(trace_is_capture("\xd4\xc3\xb2\xa1", 4));
	assert_true(trace_is_capture("\xa1\xb2\xc3\xd4xx", 6));
	assert_true(trace_is_capture("\x4d\x3c\xb2\xa1", 4));
	assert_true(trace_is_capture("\x0a\x0d\x0d\x0a", 4));
	assert_false(trace_is_capture("\xd4\xc3\xb2", 3));
	assert_false(trace_is_capture("INVITE sip:a@b SIP/2.0", 22));
	assert_false(trace_is_capture("----", 4));
}

static void test_no_tshark(void **state)
{
	(void)state;
	trace_checker *c = NULL;
	assert_int_equal(trace_checker_new(collect, NULL, &c), 0);
	const char *why = NULL;
	assert_int_equal(trace_capture_check(OPENUM_TEST_DATA "/traces/bad.pcap",
	                                     "/nonexistent/tshark", c, &why),
	                 OPENUM_ENOTFOUND);
	assert_non_null(strstr(why, "tshark"));
	trace_checker_free(c);
}

static void test_unreadable_capture(void **state)
{
	(void)state;
	if (!have_tshark())
		skip();
	char path[] = "/tmp/openum-test-capture.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	/* a pcap magic number and nothing else that makes sense */
	assert_int_equal(write(fd, "\xd4\xc3\xb2\xa1garbage", 11), 11);
	close(fd);
	trace_checker *c = NULL;
	assert_int_equal(trace_checker_new(collect, NULL, &c), 0);
	const char *why = NULL;
	assert_int_equal(trace_capture_check(path, NULL, c, &why), OPENUM_EIO);
	assert_non_null(why);
	trace_checker_free(c);
	unlink(path);
}

static unsigned find(unsigned long frame, trace_rule r, trace_level l, const char *needle)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nfound; i++)
		n += found[i].pos.frame && found[i].pos.n == frame && found[i].rule == r &&
		     found[i].level == l && strstr(texts[i], needle);
	return n;
}

static void test_bad_capture(void **state)
{
	(void)state;
	if (!have_tshark())
		skip();
	nfound = 0;
	trace_checker *c = NULL;
	assert_int_equal(trace_checker_new(collect, NULL, &c), 0);
	assert_int_equal(trace_capture_check(OPENUM_TEST_DATA "/traces/bad.pcap", NULL, c, NULL),
	                 0);
	/* OPTIONS over UDP (its ICMP port-unreachable copy is not counted) */
	assert_int_equal(
	    find(1, TRACE_RULE_R1, TRACE_VIOLATION, "OPTIONS sip:proxy@127.0.0.1 [UDP]"), 1);
	assert_int_equal(find(6, TRACE_RULE_R3, TRACE_VIOLATION, "skip-pin over TCP"), 1);
	assert_int_equal(find(12, TRACE_RULE_R5, TRACE_VIOLATION, "Diversion header"), 1);
	assert_int_equal(find(12, TRACE_RULE_R5, TRACE_VIOLATION, "'bob'"), 1);
	assert_int_equal(find(14, TRACE_RULE_R5, TRACE_VIOLATION, "302 redirects"), 1);
	assert_int_equal(nfound, 5);
	const trace_stats *st = trace_checker_stats(c);
	assert_int_equal(st->messages, 5);
	assert_int_equal(st->violations, 5);
	assert_int_equal(st->tls_conns, 0);
	trace_checker_free(c);
}

static void test_good_capture(void **state)
{
	(void)state;
	if (!have_tshark())
		skip();
	nfound = 0;
	trace_checker *c = NULL;
	assert_int_equal(trace_checker_new(collect, NULL, &c), 0);
	assert_int_equal(trace_capture_check(OPENUM_TEST_DATA "/traces/good.pcapng", NULL, c, NULL),
	                 0);
	const trace_stats *st = trace_checker_stats(c);
	/* an INVITE in two segments, its forwarded copy, 180 and 200 in one segment */
	assert_int_equal(st->messages, 4);
	assert_int_equal(st->unparsed, 0);
	assert_int_equal(st->violations, 0);
	assert_int_equal(st->warnings, 0);
	assert_int_equal(st->tls_conns, 1);
	assert_int_equal(nfound, 1);
	assert_int_equal(found[0].rule, TRACE_RULE_TLS);
	assert_non_null(strstr(texts[0], ":5173"));
	trace_checker_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_magic),
	    cmocka_unit_test(test_no_tshark),
	    cmocka_unit_test(test_unreadable_capture),
	    cmocka_unit_test(test_bad_capture),
	    cmocka_unit_test(test_good_capture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
