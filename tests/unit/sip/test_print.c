/* Tests of src/sip/print.c: exact bytes of each printer, refusal of header injection,
 * messages built by the printer parsed back, and the round trip
 * parse(print(parse(x))) == parse(x) over every *.sip file of tests/data and bench/corpus. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "msg_equal.h"
#include "sip/sip.h"

/* sip_msg is large: keep the ones a test needs off the stack. */
static sip_msg m1, m2, m3;

#define S(lit) OU_SLICE_LIT(lit)

static void assert_buf(const ou_buf *b, const char *want)
{
	assert_non_null(b->data);
	assert_int_equal(b->len, strlen(want));
	assert_memory_equal(b->data, want, b->len);
}

/* ---- start lines --------------------------------------------------------- */

static void test_request_line(void **state)
{
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_print_request_line(&b, S("INVITE"), S("sip:bob@example.com")), 0);
	assert_buf(&b, "INVITE sip:bob@example.com SIP/2.0\r\n");
	ou_buf_free(&b);
}

static void test_request_line_refuses(void **state)
{
	/* Slices with explicit lengths, so the NUL case is seen. */
	const struct {
		ou_slice method, ruri;
	} bad[] = {
	    {S(""), S("sip:a@b")},
	    {S("INV ITE"), S("sip:a@b")},
	    {S("INVITE\r\n"), S("sip:a@b")},
	    {S("IN:VITE"), S("sip:a@b")},
	    {S("INVITE"), S("")},
	    {S("INVITE"), S("sip:a@b c")},
	    {S("INVITE"), S("sip:a@b\r\nX: y")},
	    {S("INVITE"), S("sip:a@b\n")},
	    {S("INVITE"), S("sip:a\tb")},
	    {S("INVITE"), S("sip:a\x7f@b")},
	    {S("INVITE"), S("sip:a\0b")},
	};
	ou_buf b;
	ou_buf_init(&b);
	ou_buf_append_cstr(&b, "keep");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sip_print_request_line(&b, bad[i].method, bad[i].ruri),
		                 OPENUM_EINVAL);
		assert_buf(&b, "keep");
	}
	ou_buf_free(&b);
}

static void test_status_line(void **state)
{
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_print_status_line(&b, 200, OU_SLICE_NULL), 0);
	assert_buf(&b, "SIP/2.0 200 OK\r\n");
	ou_buf_reset(&b);
	assert_int_equal(sip_print_status_line(&b, 486, S("")), 0);
	assert_buf(&b, "SIP/2.0 486 Busy Here\r\n");
	ou_buf_reset(&b);
	assert_int_equal(sip_print_status_line(&b, 404, S("Nobody\there \xc3\xa9")), 0);
	assert_buf(&b, "SIP/2.0 404 Nobody\there \xc3\xa9\r\n");
	ou_buf_reset(&b);
	assert_int_equal(sip_print_status_line(&b, 299, OU_SLICE_NULL), 0);
	assert_buf(&b, "SIP/2.0 299 Unknown\r\n");
	ou_buf_free(&b);
}

static void test_status_line_refuses(void **state)
{
	ou_buf b;
	ou_buf_init(&b);
	ou_buf_append_cstr(&b, "keep");
	assert_int_equal(sip_print_status_line(&b, 99, S("x")), OPENUM_EINVAL);
	assert_int_equal(sip_print_status_line(&b, 700, S("x")), OPENUM_EINVAL);
	assert_int_equal(sip_print_status_line(&b, 0, OU_SLICE_NULL), OPENUM_EINVAL);
	/* A reason phrase must not start a header of its own. */
	assert_int_equal(sip_print_status_line(&b, 200, S("OK\r\nMs-Exchange-Command: skip-pin")),
	                 OPENUM_EINVAL);
	assert_int_equal(sip_print_status_line(&b, 200, S("OK\nX: y")), OPENUM_EINVAL);
	assert_int_equal(sip_print_status_line(&b, 200, S("OK\r")), OPENUM_EINVAL);
	assert_int_equal(sip_print_status_line(&b, 200, ou_slice_make("O\0K", 3)), OPENUM_EINVAL);
	assert_buf(&b, "keep");
	ou_buf_free(&b);
}

/* ---- headers and bodies -------------------------------------------------- */

static void test_header(void **state)
{
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_print_header(&b, S("Call-ID"), S("abc@host")), 0);
	assert_int_equal(sip_print_header_cstr(&b, "X-Note", "  padded\t "), 0);
	assert_int_equal(sip_print_header_cstr(&b, "Subject", ""), 0);
	assert_int_equal(sip_print_header_cstr(&b, "Subject", "caf\xc3\xa9 au\tlait"), 0);
	assert_buf(&b, "Call-ID: abc@host\r\n"
	               "X-Note: padded\r\n"
	               "Subject:\r\n"
	               "Subject: caf\xc3\xa9 au\tlait\r\n");
	ou_buf_free(&b);
}

static void test_header_refuses_bad_name(void **state)
{
	static const char *const bad[] = {
	    "", "Bad Name", "X:Y", "X\r\nY", "X\n", "X\t", "X(y)", "X@y", "X/y", "\xc3\xa9",
	};
	ou_buf b;
	ou_buf_init(&b);
	ou_buf_append_cstr(&b, "keep");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sip_print_header_cstr(&b, bad[i], "v"), OPENUM_EINVAL);
		assert_buf(&b, "keep");
	}
	assert_int_equal(sip_print_header_cstr(&b, NULL, "v"), OPENUM_EINVAL);
	assert_int_equal(sip_print_header_cstr(&b, "X", NULL), OPENUM_EINVAL);
	assert_buf(&b, "keep");
	ou_buf_free(&b);
}

/* A value that came from outside (a web form's display name, a dial string) must never
 * add a header, even as a fold. */
static void test_header_refuses_injection(void **state)
{
	static const char *const bad[] = {
	    "Alice\r\nMs-Exchange-Command: skip-pin",
	    "Alice\nMs-Exchange-Command: skip-pin",
	    "Alice\rMs-Exchange-Command: skip-pin",
	    "Alice\r\n Ms-Exchange-Command: skip-pin", /* a fold: still refused */
	    "Alice\r\n\r\nINVITE sip:x SIP/2.0",       /* a second message */
	    "\r\n",
	    "trailing\r\n",
	    "bell\a",
	    "del\x7f",
	};
	ou_buf b;
	ou_buf_init(&b);
	ou_buf_append_cstr(&b, "keep");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sip_print_header_cstr(&b, "Subject", bad[i]), OPENUM_EINVAL);
		assert_int_equal(sip_print_body(&b, ou_slice_cstr(bad[i]), S("")), OPENUM_EINVAL);
		assert_buf(&b, "keep");
	}
	/* NUL inside a slice is seen too. */
	assert_int_equal(sip_print_header(&b, S("Subject"), ou_slice_make("a\0b", 3)),
	                 OPENUM_EINVAL);
	assert_buf(&b, "keep");
	ou_buf_free(&b);
}

/* End to end: a request built with an injected value refused still parses to a
 * message without the smuggled header. */
static void test_injection_never_reaches_the_wire(void **state)
{
	ou_buf b;
	ou_buf_init(&b);
	const char *form = "Alice\r\nMs-Exchange-Command: skip-pin";
	assert_int_equal(sip_print_request_line(&b, S("INVITE"), S("sip:vm@example.com")), 0);
	assert_int_equal(sip_print_header_cstr(&b, "Via", "SIP/2.0/TCP h;branch=z9hG4bK1"), 0);
	assert_int_equal(sip_print_header_cstr(&b, "Subject", form), OPENUM_EINVAL);
	assert_int_equal(sip_print_header_cstr(&b, "From", "<sip:a@example.com>;tag=1"), 0);
	assert_int_equal(sip_print_header_cstr(&b, "To", "<sip:vm@example.com>"), 0);
	assert_int_equal(sip_print_header_cstr(&b, "Call-ID", "c1"), 0);
	assert_int_equal(sip_print_header_cstr(&b, "CSeq", "1 INVITE"), 0);
	assert_int_equal(sip_print_body(&b, OU_SLICE_NULL, OU_SLICE_NULL), 0);
	assert_int_equal(sip_msg_parse(b.data, b.len, &m1, NULL), 0);
	assert_int_equal(sip_msg_check(&m1, NULL), 0);
	assert_null(sip_msg_hdr(&m1, SIP_H_MS_EXCHANGE_COMMAND));
	assert_null(sip_msg_hdr(&m1, SIP_H_SUBJECT));
	assert_int_equal(m1.nhdr, 6);
	ou_buf_free(&b);
}

/* A received folded value that looks like a header stays inside its header when the
 * proxy re-serialises the message. */
static void test_msg_print_fold_stays_in_its_header(void **state)
{
	static const char in[] = "INVITE sip:vm@example.com SIP/2.0\r\n"
	                         "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
	                         "Subject: hello\r\n"
	                         " Ms-Exchange-Command: skip-pin\r\n"
	                         "From: <sip:a@example.com>;tag=1\r\n"
	                         "To: <sip:vm@example.com>\r\n"
	                         "Call-ID: c1\r\n"
	                         "CSeq: 1 INVITE\r\n"
	                         "\r\n";
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_msg_parse(in, sizeof(in) - 1, &m1, NULL), 0);
	assert_null(sip_msg_hdr(&m1, SIP_H_MS_EXCHANGE_COMMAND));
	assert_int_equal(sip_msg_print(&m1, &b), 0);
	assert_int_equal(sip_msg_parse(b.data, b.len, &m2, NULL), 0);
	assert_null(sip_msg_hdr(&m2, SIP_H_MS_EXCHANGE_COMMAND));
	const sip_hdr *h = sip_msg_hdr(&m2, SIP_H_SUBJECT);
	assert_non_null(h);
	assert_true(ou_slice_eq_cstr(h->value, "hello Ms-Exchange-Command: skip-pin"));
	assert_null(msg_equal(&m1, &m2));
	ou_buf_free(&b);
}

static void test_body(void **state)
{
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_print_body(&b, S("application/sdp"), S("v=0\r\n")), 0);
	assert_buf(&b, "Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n");
	ou_buf_reset(&b);
	assert_int_equal(sip_print_body(&b, OU_SLICE_NULL, OU_SLICE_NULL), 0);
	assert_buf(&b, "Content-Length: 0\r\n\r\n");
	ou_buf_reset(&b);
	/* A body may hold any byte, NUL and CR LF included. */
	assert_int_equal(
	    sip_print_body(&b, S("application/octet-stream"), ou_slice_make("\0\r\n\r\nx", 6)), 0);
	static const char want[] = "Content-Type: application/octet-stream\r\n"
	                           "Content-Length: 6\r\n\r\n\0\r\n\r\nx";
	assert_int_equal(b.len, sizeof(want) - 1);
	assert_memory_equal(b.data, want, b.len);
	ou_buf_free(&b);
}

static void test_body_length_is_exact_in_bytes(void **state)
{
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_print_body(&b, S("application/sdp"), ou_slice_make("\0\r\n\r\nx", 6)),
	                 0);
	const char *hdr_end = strstr(b.data, "\r\n\r\n");
	assert_non_null(hdr_end);
	assert_int_equal(b.len - (size_t)(hdr_end + 4 - b.data), 6);
	assert_memory_equal(hdr_end + 4, "\0\r\n\r\nx", 6);
	ou_buf_free(&b);
}

/* ---- messages built by the printer, parsed back -------------------------- */

static void build_invite(ou_buf *b, const char *body)
{
	assert_int_equal(
	    sip_print_request_line(b, S("INVITE"), S("sip:bob@example.com;transport=tcp")), 0);
	assert_int_equal(
	    sip_print_header_cstr(b, "Via", "SIP/2.0/TCP pc.example.com:5060;branch=z9hG4bKabc"),
	    0);
	assert_int_equal(
	    sip_print_header_cstr(b, "Via", "SIP/2.0/TLS p.example.com;branch=z9hG4bKdef;rport"),
	    0);
	assert_int_equal(sip_print_header_cstr(b, "Max-Forwards", "70"), 0);
	assert_int_equal(
	    sip_print_header_cstr(b, "From", "\"Alice\" <sip:alice@example.com>;tag=9fx"), 0);
	assert_int_equal(sip_print_header_cstr(b, "To", "<sip:bob@example.com>"), 0);
	assert_int_equal(sip_print_header_cstr(b, "Call-ID", "a84b4c76e66710@pc.example.com"), 0);
	assert_int_equal(sip_print_header_cstr(b, "CSeq", "314159 INVITE"), 0);
	assert_int_equal(
	    sip_print_header_cstr(b, "Contact", "<sip:alice@pc.example.com;transport=tcp>"), 0);
	assert_int_equal(sip_print_header_cstr(b, "Ms-Sensitivity", "private-no-diversion"), 0);
	assert_int_equal(
	    sip_print_body(b, body ? S("application/sdp") : OU_SLICE_NULL, ou_slice_cstr(body)), 0);
}

static void test_build_request_parses(void **state)
{
	static const char sdp[] = "v=0\r\no=a 1 1 IN IP4 192.0.2.1\r\ns=-\r\n";
	ou_buf b;
	ou_buf_init(&b);
	build_invite(&b, sdp);
	const char *why = NULL;
	assert_int_equal(sip_msg_parse(b.data, b.len, &m1, &why), 0);
	assert_int_equal(sip_msg_check(&m1, &why), 0);
	assert_true(m1.is_request);
	assert_int_equal(m1.method, SIP_METHOD_INVITE);
	assert_true(ou_slice_eq_cstr(m1.ruri_s, "sip:bob@example.com;transport=tcp"));
	assert_int_equal(m1.nhdr, 11);
	assert_true(ou_slice_eq_cstr(m1.body, sdp));
	uint32_t cl = 0;
	assert_int_equal(sip_msg_content_length(&m1, &cl, NULL), 0);
	assert_int_equal(cl, sizeof(sdp) - 1);
	/* Content-Type and Content-Length come last, in that order. */
	assert_int_equal(m1.hdr[9].id, SIP_H_CONTENT_TYPE);
	assert_int_equal(m1.hdr[10].id, SIP_H_CONTENT_LENGTH);
	assert_true(ou_slice_eq_cstr(m1.hdr[9].value, "application/sdp"));

	const sip_via *v;
	unsigned n;
	assert_int_equal(sip_msg_vias(&m1, &v, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_true(ou_slice_eq_cstr(v[0].branch, "z9hG4bKabc"));
	assert_true(ou_slice_eq_cstr(v[1].branch, "z9hG4bKdef"));
	const sip_cseq *cs;
	assert_int_equal(sip_msg_cseq(&m1, &cs, NULL), 0);
	assert_int_equal(cs->num, 314159);
	const sip_addr *from;
	assert_int_equal(sip_msg_from(&m1, &from, NULL), 0);
	assert_true(ou_slice_eq_cstr(from->tag, "9fx"));
	assert_true(ou_slice_eq_cstr(from->uri.host, "example.com"));
	sip_sens s;
	assert_int_equal(sip_msg_sensitivity(&m1, &s, NULL), 0);
	assert_int_equal(s, SIP_SENS_PRIVATE_NO_DIVERSION);
	ou_buf_free(&b);
}

static void test_build_response_parses(void **state)
{
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_print_status_line(&b, 486, OU_SLICE_NULL), 0);
	assert_int_equal(
	    sip_print_header_cstr(
	        &b, "Via", "SIP/2.0/TCP pc.example.com;branch=z9hG4bKabc;received=192.0.2.9"),
	    0);
	assert_int_equal(sip_print_header_cstr(&b, "From", "<sip:alice@example.com>;tag=1"), 0);
	assert_int_equal(sip_print_header_cstr(&b, "To", "<sip:bob@example.com>;tag=2"), 0);
	assert_int_equal(sip_print_header_cstr(&b, "Call-ID", "x@y"), 0);
	assert_int_equal(sip_print_header_cstr(&b, "CSeq", "7 INVITE"), 0);
	assert_int_equal(sip_print_body(&b, OU_SLICE_NULL, OU_SLICE_NULL), 0);
	assert_int_equal(sip_msg_parse(b.data, b.len, &m1, NULL), 0);
	assert_int_equal(sip_msg_check(&m1, NULL), 0);
	assert_false(m1.is_request);
	assert_int_equal(m1.status, 486);
	assert_true(ou_slice_eq_cstr(m1.reason, "Busy Here"));
	assert_int_equal(m1.body.n, 0);
	assert_true(m1.has_clen);
	const sip_addr *to;
	assert_int_equal(sip_msg_to(&m1, &to, NULL), 0);
	assert_true(ou_slice_eq_cstr(to->tag, "2"));
	ou_buf_free(&b);
}

/* ---- sip_msg_print --------------------------------------------------------- */

static void test_msg_print_exact(void **state)
{
	static const char in[] = "INVITE sip:bob@example.com SIP/2.0\r\n"
	                         "v: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
	                         "f: <sip:a@example.com>;tag=1\r\n"
	                         "l: 4\r\n"
	                         "t:<sip:bob@example.com>\r\n"
	                         "X-Custom  :  one,\r\n"
	                         "\t two\r\n"
	                         "i: c1\r\n"
	                         "c: text/plain\r\n"
	                         "CSEQ: 1 INVITE\r\n"
	                         "k: a,  b\r\n"
	                         "\r\n"
	                         "bodyTRAILING";
	static const char want[] = "INVITE sip:bob@example.com SIP/2.0\r\n"
	                           "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
	                           "From: <sip:a@example.com>;tag=1\r\n"
	                           "To: <sip:bob@example.com>\r\n"
	                           "X-Custom: one, two\r\n"
	                           "Call-ID: c1\r\n"
	                           "Content-Type: text/plain\r\n"
	                           "CSeq: 1 INVITE\r\n"
	                           "Supported: a,  b\r\n"
	                           "Content-Length: 4\r\n"
	                           "\r\n"
	                           "body";
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_msg_parse(in, sizeof(in) - 1, &m1, NULL), 0);
	assert_int_equal(sip_msg_print(&m1, &b), 0);
	assert_buf(&b, want);
	assert_int_equal(sip_msg_parse(b.data, b.len, &m2, NULL), 0);
	assert_null(msg_equal(&m1, &m2));
	ou_buf_free(&b);
}

static void test_msg_print_response_and_missing_clen(void **state)
{
	/* No Content-Length: the body is the rest; the printer adds the header. An empty
	 * reason stays empty rather than getting the default. */
	static const char in[] = "SIP/2.0 180 \r\n"
	                         "Via: SIP/2.0/TLS h;branch=z9hG4bK1\r\n"
	                         "From: <sip:a@example.com>;tag=1\r\n"
	                         "To: <sip:b@example.com>;tag=2\r\n"
	                         "Call-ID: c1\r\n"
	                         "CSeq: 1 INVITE\r\n"
	                         "\r\n"
	                         "xyz";
	static const char want[] = "SIP/2.0 180 \r\n"
	                           "Via: SIP/2.0/TLS h;branch=z9hG4bK1\r\n"
	                           "From: <sip:a@example.com>;tag=1\r\n"
	                           "To: <sip:b@example.com>;tag=2\r\n"
	                           "Call-ID: c1\r\n"
	                           "CSeq: 1 INVITE\r\n"
	                           "Content-Length: 3\r\n"
	                           "\r\n"
	                           "xyz";
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_msg_parse(in, sizeof(in) - 1, &m1, NULL), 0);
	assert_int_equal(sip_msg_print(&m1, &b), 0);
	assert_buf(&b, want);
	assert_int_equal(sip_msg_parse(b.data, b.len, &m2, NULL), 0);
	assert_null(msg_equal(&m1, &m2));
	ou_buf_free(&b);
}

static void test_msg_print_keeps_version(void **state)
{
	/* RFC 4475 3.1.2.? style: the next hop must still see (and refuse) the version. */
	static const char in[] = "OPTIONS sip:t@example.com SIP/7.0\r\n"
	                         "Via: SIP/7.0/TCP h;branch=z9hG4bK1\r\n"
	                         "From: <sip:a@example.com>;tag=1\r\n"
	                         "To: <sip:t@example.com>\r\n"
	                         "Call-ID: c1\r\n"
	                         "CSeq: 1 OPTIONS\r\n"
	                         "\r\n";
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_msg_parse(in, sizeof(in) - 1, &m1, NULL), 0);
	assert_int_equal(sip_msg_print(&m1, &b), 0);
	assert_memory_equal(b.data, "OPTIONS sip:t@example.com SIP/7.0\r\n", 35);
	assert_int_equal(sip_msg_parse(b.data, b.len, &m2, NULL), 0);
	assert_int_not_equal(sip_msg_check(&m2, NULL), 0);
	assert_null(msg_equal(&m1, &m2));
	ou_buf_free(&b);
}

static void test_msg_print_repeated_clen(void **state)
{
	static const char in[] = "MESSAGE sip:t@example.com SIP/2.0\r\n"
	                         "Content-Length: 2\r\n"
	                         "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
	                         "l: 2\r\n"
	                         "\r\n"
	                         "hi";
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_msg_parse(in, sizeof(in) - 1, &m1, NULL), 0);
	assert_int_equal(sip_msg_print(&m1, &b), 0);
	assert_buf(&b, "MESSAGE sip:t@example.com SIP/2.0\r\n"
	               "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
	               "Content-Length: 2\r\n"
	               "\r\n"
	               "hi");
	ou_buf_free(&b);
}

/* A hand-built sip_msg with an impossible name is refused and the buffer left alone. */
static void test_msg_print_refuses_bad_hand_built(void **state)
{
	static const char in[] = "SIP/2.0 200 OK\r\n"
	                         "X-A: 1\r\n"
	                         "X-B: 2\r\n"
	                         "\r\n";
	ou_buf b;
	ou_buf_init(&b);
	ou_buf_append_cstr(&b, "keep");
	assert_int_equal(sip_msg_parse(in, sizeof(in) - 1, &m1, NULL), 0);
	m1.hdr[1].name = S("X-B\r\nMs-Exchange-Command");
	assert_int_equal(sip_msg_print(&m1, &b), OPENUM_EINVAL);
	assert_buf(&b, "keep");

	assert_int_equal(sip_msg_parse(in, sizeof(in) - 1, &m1, NULL), 0);
	m1.reason = S("OK\r\nX: y");
	assert_int_equal(sip_msg_print(&m1, &b), OPENUM_EINVAL);
	assert_buf(&b, "keep");

	assert_int_equal(sip_msg_parse(in, sizeof(in) - 1, &m1, NULL), 0);
	m1.status = 42;
	assert_int_equal(sip_msg_print(&m1, &b), OPENUM_EINVAL);
	assert_buf(&b, "keep");

	/* A value holding a bare line break (never produced by the parser) is flattened:
	 * it cannot become a header of its own. */
	assert_int_equal(sip_msg_parse(in, sizeof(in) - 1, &m1, NULL), 0);
	m1.hdr[0].value = S("1\r\nMs-Exchange-Command: skip-pin\n\rX: y");
	assert_int_equal(sip_msg_print(&m1, &b), 0);
	assert_buf(&b, "keepSIP/2.0 200 OK\r\n"
	               "X-A: 1 Ms-Exchange-Command: skip-pin X: y\r\n"
	               "X-B: 2\r\n"
	               "Content-Length: 0\r\n"
	               "\r\n");
	ou_buf_free(&b);
}

/* ---- reason phrases ----------------------------------------------------------- */

static void test_reason_phrase(void **state)
{
	static const struct {
		unsigned code;
		const char *text;
	} want[] = {
	    {100, "Trying"},
	    {180, "Ringing"},
	    {181, "Call Is Being Forwarded"},
	    {182, "Queued"},
	    {183, "Session Progress"},
	    {199, "Early Dialog Terminated"},
	    {200, "OK"},
	    {202, "Accepted"},
	    {204, "No Notification"},
	    {300, "Multiple Choices"},
	    {301, "Moved Permanently"},
	    {302, "Moved Temporarily"},
	    {305, "Use Proxy"},
	    {380, "Alternative Service"},
	    {400, "Bad Request"},
	    {401, "Unauthorized"},
	    {402, "Payment Required"},
	    {403, "Forbidden"},
	    {404, "Not Found"},
	    {405, "Method Not Allowed"},
	    {406, "Not Acceptable"},
	    {407, "Proxy Authentication Required"},
	    {408, "Request Timeout"},
	    {410, "Gone"},
	    {412, "Conditional Request Failed"},
	    {413, "Request Entity Too Large"},
	    {414, "Request-URI Too Long"},
	    {415, "Unsupported Media Type"},
	    {416, "Unsupported URI Scheme"},
	    {420, "Bad Extension"},
	    {421, "Extension Required"},
	    {422, "Session Interval Too Small"},
	    {423, "Interval Too Brief"},
	    {428, "Use Identity Header"},
	    {429, "Provide Referrer Identity"},
	    {439, "First Hop Lacks Outbound Support"},
	    {440, "Max-Breadth Exceeded"},
	    {469, "Bad Info Package"},
	    {470, "Consent Needed"},
	    {480, "Temporarily Unavailable"},
	    {481, "Call/Transaction Does Not Exist"},
	    {482, "Loop Detected"},
	    {483, "Too Many Hops"},
	    {484, "Address Incomplete"},
	    {485, "Ambiguous"},
	    {486, "Busy Here"},
	    {487, "Request Terminated"},
	    {488, "Not Acceptable Here"},
	    {489, "Bad Event"},
	    {491, "Request Pending"},
	    {493, "Undecipherable"},
	    {494, "Security Agreement Required"},
	    {500, "Server Internal Error"},
	    {501, "Not Implemented"},
	    {502, "Bad Gateway"},
	    {503, "Service Unavailable"},
	    {504, "Server Time-out"},
	    {505, "Version Not Supported"},
	    {513, "Message Too Large"},
	    {580, "Precondition Failure"},
	    {600, "Busy Everywhere"},
	    {603, "Decline"},
	    {604, "Does Not Exist Anywhere"},
	    {606, "Not Acceptable"},
	    {0, "Unknown"},
	    {299, "Unknown"},
	    {499, "Unknown"},
	    {999, "Unknown"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(sip_reason_phrase(want[i].code), want[i].text);
}

/* Every default phrase prints and parses back as itself. */
static void test_reason_phrase_all_codes_print(void **state)
{
	ou_buf b;
	ou_buf_init(&b);
	for (unsigned code = 100; code <= 699; code++) {
		const char *r = sip_reason_phrase(code);
		assert_non_null(r);
		assert_true(strlen(r) > 0);
		ou_buf_reset(&b);
		assert_int_equal(sip_print_status_line(&b, code, OU_SLICE_NULL), 0);
		assert_int_equal(sip_print_body(&b, OU_SLICE_NULL, OU_SLICE_NULL), 0);
		assert_int_equal(sip_msg_parse(b.data, b.len, &m1, NULL), 0);
		assert_int_equal(m1.status, code);
		assert_true(ou_slice_eq_cstr(m1.reason, r));
	}
	ou_buf_free(&b);
}

/* ---- the round trip over files ------------------------------------------------ */

struct rt_stats {
	unsigned files, skipped, checked;
};

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	/* Exactly n bytes so that ASan sees any read past the end. */
	char *p = malloc(n ? (size_t)n : 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* parse(print(parse(x))) == parse(x), and printing is idempotent. Returns false when
 * x does not parse (skipped). */
static bool round_trip(const char *name, const char *buf, size_t len)
{
	if (sip_msg_parse(buf, len, &m1, NULL) != 0)
		return false;
	ou_buf p1, p2;
	ou_buf_init(&p1);
	ou_buf_init(&p2);
	int err = sip_msg_print(&m1, &p1);
	if (err)
		fail_msg("%s: sip_msg_print failed: %s", name, ou_strerror(err));
	const char *why = NULL;
	err = sip_msg_parse(p1.data, p1.len, &m2, &why);
	if (err)
		fail_msg("%s: printed message does not parse: %s\n%.*s", name, why ? why : "?",
		         (int)p1.len, p1.data);
	const char *diff = msg_equal(&m1, &m2);
	if (diff)
		fail_msg("%s: round trip differs: %s\n%.*s", name, diff, (int)p1.len, p1.data);
	/* Printing the re-parse gives the same bytes. */
	assert_int_equal(sip_msg_parse(p1.data, p1.len, &m3, NULL), 0);
	assert_int_equal(sip_msg_print(&m3, &p2), 0);
	if (p1.len != p2.len || memcmp(p1.data, p2.data, p1.len) != 0)
		fail_msg("%s: printing is not idempotent", name);
	ou_buf_free(&p1);
	ou_buf_free(&p2);
	return true;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && strcmp(s + n - k, suf) == 0;
}

static void walk(const char *dir, struct rt_stats *st)
{
	DIR *d = opendir(dir);
	if (!d)
		return; /* absent corpus directories are fine */
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_true(n > 0 && (size_t)n < sizeof(path));
		struct stat sb;
		if (stat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			walk(path, st);
			continue;
		}
		if (!S_ISREG(sb.st_mode) || !has_suffix(e->d_name, ".sip"))
			continue;
		size_t len;
		char *buf = read_file(path, &len);
		st->files++;
		if (round_trip(path, buf, len))
			st->checked++;
		else
			st->skipped++;
		free(buf);
	}
	closedir(d);
}

static void test_round_trip_files(void **state)
{
	struct rt_stats st = {0, 0, 0};
	walk(OPENUM_TEST_DATA, &st);
	walk(OPENUM_SOURCE_DIR "/bench/corpus", &st);
	print_message("round trip: %u .sip files, %u checked, %u skipped (first parse failed)\n",
	              st.files, st.checked, st.skipped);
	/* Whatever the corpus holds, the messages below always take part. */
	static const char *const inline_msgs[] = {
	    /* folding inside a quoted display name and in a list */
	    "REGISTER sip:example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP h;branch=z9hG4bK1,\r\n"
	    "  SIP/2.0/TLS g;branch=z9hG4bK2\r\n"
	    "From: \"A\r\n  B\" <sip:a@example.com>;tag=x\r\n"
	    "To: <sip:a@example.com>\r\n"
	    "Call-ID: r1\r\n"
	    "CSeq: 2 REGISTER\r\n"
	    "Contact: <sip:a@192.0.2.1>;expires=60,\r\n"
	    "\t<sip:a@192.0.2.2>\r\n"
	    "Expires: 3600\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n",
	    /* MS-OCEXUM headers, compact forms, LF-only line ends */
	    "INVITE sip:alice@example.com;opaque=app:voicemail SIP/2.0\n"
	    "v: SIP/2.0/TLS um.example.com;branch=z9hG4bK9\n"
	    "f: <sip:alice@example.com>;tag=a\n"
	    "t: <sip:alice@example.com>\n"
	    "i: pop1\n"
	    "CSeq: 1 INVITE\n"
	    "Ms-Exchange-Command: skip-pin\n"
	    "ms-sensitivity: private-no-diversion\n"
	    "m: <sip:um.example.com;transport=tls>\n"
	    "c: application/sdp\n"
	    "l: 4\n"
	    "\n"
	    "v=0\n",
	    /* an unknown header with an empty value and odd case */
	    "SIP/2.0 603 Decline\r\n"
	    "vIa: SIP/2.0/TCP h;branch=z9hG4bK1;received=192.0.2.4;rport=5061\r\n"
	    "FROM: <sip:a@example.com>;tag=1\r\n"
	    "to: <sip:b@example.com>;tag=2\r\n"
	    "call-id: c\r\n"
	    "cseq: 9 BYE\r\n"
	    "X-Empty:\r\n"
	    "\r\n",
	};
	for (size_t i = 0; i < sizeof(inline_msgs) / sizeof(inline_msgs[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "inline #%zu", i);
		assert_true(round_trip(name, inline_msgs[i], strlen(inline_msgs[i])));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_line),
	    cmocka_unit_test(test_request_line_refuses),
	    cmocka_unit_test(test_status_line),
	    cmocka_unit_test(test_status_line_refuses),
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_header_refuses_bad_name),
	    cmocka_unit_test(test_header_refuses_injection),
	    cmocka_unit_test(test_injection_never_reaches_the_wire),
	    cmocka_unit_test(test_msg_print_fold_stays_in_its_header),
	    cmocka_unit_test(test_body),
	    cmocka_unit_test(test_body_length_is_exact_in_bytes),
	    cmocka_unit_test(test_build_request_parses),
	    cmocka_unit_test(test_build_response_parses),
	    cmocka_unit_test(test_msg_print_exact),
	    cmocka_unit_test(test_msg_print_response_and_missing_clen),
	    cmocka_unit_test(test_msg_print_keeps_version),
	    cmocka_unit_test(test_msg_print_repeated_clen),
	    cmocka_unit_test(test_msg_print_refuses_bad_hand_built),
	    cmocka_unit_test(test_reason_phrase),
	    cmocka_unit_test(test_reason_phrase_all_codes_print),
	    cmocka_unit_test(test_round_trip_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
