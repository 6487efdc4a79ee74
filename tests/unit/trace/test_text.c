/* Tests src/trace/text.c: splitting SIPp, Kamailio sipdump, baresip and bare text logs
 * into messages, with their line numbers and the transport the log names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "trace/trace.h"

#define MAXI 8

static trace_item items[MAXI];
static unsigned nitems;

/* Splits the whole of s; the items point into s. */
static void split(const char *s)
{
	trace_text t;
	trace_text_init(&t, s, strlen(s));
	nitems = 0;
	while (nitems < MAXI && trace_text_next(&t, &items[nitems]) == 0)
		nitems++;
	assert_int_equal(trace_text_next(&t, &items[MAXI - 1]), OPENUM_ENOTFOUND);
}

static bool item_is(unsigned i, const char *want)
{
	return items[i].n == strlen(want) && memcmp(items[i].p, want, items[i].n) == 0;
}

#define INV "INVITE sip:alice@example.com SIP/2.0\r\n"
#define OPT "OPTIONS sip:proxy@example.com SIP/2.0\r\n"
#define OK "SIP/2.0 200 OK\r\n"

static void test_start_line(void **state)
{
	(void)state;
	const char *yes[] = {"INVITE sip:a@b SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 100",
	                     "BYE sip:a@b;transport=tls SIP/2.0 ", "FOO tel:+1234 sip/2.0"};
	const char *no[] = {"",
	                    "INVITE sip:a@b",
	                    "INVITE  sip:a@b SIP/2.0",
	                    "INVITE sip:a b SIP/2.0",
	                    "SIP/2.0 20 OK",
	                    "SIP/2.0 2000 OK",
	                    "Via: SIP/2.0/TCP host",
	                    "v=0",
	                    "----------------------------------------------- 2026-01-05"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(trace_is_start_line(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(trace_is_start_line(no[i], strlen(no[i])));
}

static void test_sipp(void **state)
{
	(void)state;
	const char *msg1 =
	    INV "Via: SIP/2.0/TLS h;branch=z9hG4bK1\r\nContent-Length: 4\r\n\r\nv=0\n";
	const char *msg2 = OK "Content-Length: 0\r\n\r\n";
	char log[1024];
	snprintf(log, sizeof(log),
	         "Problem EAGAIN on socket  6 and poll_idx  is 1 \n"
	         "----------------------------------------------- 2026-11-26 08:00:26.514196\n"
	         "TCP message sent (%zu bytes):\n"
	         "\n"
	         "%s\n"
	         "----------------------------------------------- 2026-11-26 08:00:26.514306\n"
	         "UDP message received [%zu] bytes :\n"
	         "\n"
	         "%s\n",
	         strlen(msg1), msg1, strlen(msg2), msg2);
	split(log);
	assert_int_equal(nitems, 2);
	assert_true(item_is(0, msg1));
	assert_int_equal(items[0].line, 5);
	assert_int_equal(items[0].tp, SIP_TP_TCP);
	assert_true(item_is(1, msg2));
	assert_int_equal(items[1].line, 14);
	assert_int_equal(items[1].tp, SIP_TP_UDP);
}

static void test_kamailio(void **state)
{
	(void)state;
	const char *log = "====================\n"
	                  "tag: rcv\n"
	                  "pid: 4242\n"
	                  "proto: tls ipv4\n"
	                  "srcip: 192.0.2.10\n"
	                  "~~~~~~~~~~~~~~~~~~~~\n" INV "Content-Length: 3\r\n\r\nabc"
	                  "||||||||||||||||||||\n"
	                  "====================\n"
	                  "tag: snd\n"
	                  "proto: udp ipv6\n"
	                  "~~~~~~~~~~~~~~~~~~~~\n" OK "l: 0\r\n\r\n"
	                  "||||||||||||||||||||\n";
	split(log);
	assert_int_equal(nitems, 2);
	assert_true(item_is(0, INV "Content-Length: 3\r\n\r\nabc"));
	assert_int_equal(items[0].line, 7);
	assert_int_equal(items[0].tp, SIP_TP_TLS);
	assert_true(item_is(1, OK "l: 0\r\n\r\n"));
	assert_int_equal(items[1].line, 15);
	assert_int_equal(items[1].tp, SIP_TP_UDP);
}

static void test_baresip_colours(void **state)
{
	(void)state;
	const char *log = "baresip v3.0.0\n"
	                  "\x1b[36;1m#\n"
	                  "TLS 10.0.0.1:5061 -> 10.0.0.2:5061\n" OPT "Content-Length: 0\r\n\r\n"
	                  "\x1b[;m\n"
	                  "\x1b[36;1m#\n"
	                  "WS 10.0.0.2:5061 -> 10.0.0.1:5061\n" OK "Content-Length: 0\r\n\r\n"
	                  "\x1b[;m\n";
	split(log);
	assert_int_equal(nitems, 2);
	assert_true(item_is(0, OPT "Content-Length: 0\r\n\r\n"));
	assert_int_equal(items[0].tp, SIP_TP_TLS);
	assert_int_equal(items[0].line, 4);
	assert_int_equal(items[1].tp, SIP_TP_WS);
}

static void test_bare_concatenation(void **state)
{
	(void)state;
	/* Content-Length framing: the body has no final line end, the next message
	 * follows at once; the last message has no Content-Length and runs to the end. */
	const char *log = INV "Content-Length: 5\r\n\r\nab\r\nc" OPT "Call-ID: x\r\n\r\n";
	split(log);
	assert_int_equal(nitems, 2);
	assert_true(item_is(0, INV "Content-Length: 5\r\n\r\nab\r\nc"));
	assert_int_equal(items[0].line, 1);
	assert_int_equal(items[0].tp, SIP_TP_OTHER);
	assert_true(item_is(1, OPT "Call-ID: x\r\n\r\n"));
	assert_int_equal(items[1].line, 5);
}

static void test_lf_counts_as_crlf(void **state)
{
	(void)state;
	/* 10 bytes on the wire are 8 here: each lone LF stands for CRLF */
	const char *log = "INVITE sip:a@b SIP/2.0\nl: 10\n\nabc\ndefg\nzzz\n";
	split(log);
	assert_int_equal(nitems, 1);
	assert_true(item_is(0, "INVITE sip:a@b SIP/2.0\nl: 10\n\nabc\ndefg\n"));
}

static void test_cut_body_stops_at_next_record(void **state)
{
	(void)state;
	const char *log = INV "Content-Length: 300\r\n\r\n...SDP SNIPPED...\r\n"
	                      "\n" OK "Content-Length: 0\r\n\r\n";
	split(log);
	assert_int_equal(nitems, 2);
	assert_true(item_is(0, INV "Content-Length: 300\r\n\r\n...SDP SNIPPED...\r\n\n"));
	assert_int_equal(items[1].line, 6);
}

static void test_headers_cut_by_separator(void **state)
{
	(void)state;
	const char *log = INV "Via: SIP/2.0/TCP h\r\n"
	                      "-----------------------------------------------\n"
	                      "TCP message sent (10 bytes):\n\n" OK "\r\n";
	split(log);
	assert_int_equal(nitems, 2);
	assert_true(item_is(0, INV "Via: SIP/2.0/TCP h\r\n"));
	assert_int_equal(items[0].tp, SIP_TP_OTHER);
	assert_int_equal(items[1].tp, SIP_TP_TCP);
	assert_int_equal(items[1].line, 6);
}

static void test_nothing(void **state)
{
	(void)state;
	split("");
	assert_int_equal(nitems, 0);
	split("just some text\nTCP message sent (3 bytes):\n\nno message\n");
	assert_int_equal(nitems, 0);
	/* a last line without LF */
	split("SIP/2.0 180 Ringing");
	assert_int_equal(nitems, 1);
	assert_true(item_is(0, "SIP/2.0 180 Ringing"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_start_line),
	    cmocka_unit_test(test_sipp),
	    cmocka_unit_test(test_kamailio),
	    cmocka_unit_test(test_baresip_colours),
	    cmocka_unit_test(test_bare_concatenation),
	    cmocka_unit_test(test_lf_counts_as_crlf),
	    cmocka_unit_test(test_cut_body_stops_at_next_record),
	    cmocka_unit_test(test_headers_cut_by_separator),
	    cmocka_unit_test(test_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
