/* Tests for src/sip/framer.c: splitting a TCP/TLS byte stream into messages, byte by
 * byte and in bulk, keep-alive pings, and the errors that close a connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip.h"

static const char MSG1[] = "OPTIONS sip:a@b SIP/2.0\r\n"
                           "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
                           "l: 5\r\n"
                           "\r\n"
                           "hello";
static const char MSG2[] = "BYE sip:a@b SIP/2.0\r\n"
                           "Content-Length: 0\r\n"
                           "\r\n";

/* Feeds `in` to the framer `step` bytes at a time; records the frames it returns. */
struct frames {
	int kind[16];
	size_t len[16];
	int n;
	int err;
	const char *why;
};

static struct frames feed(const char *in, size_t inlen, size_t step)
{
	struct frames r = {0};
	sip_framer f;
	sip_framer_init(&f);
	char *buf = malloc(inlen + 1);
	size_t have = 0, fed = 0;
	while (fed < inlen || have) {
		size_t add = inlen - fed < step ? inlen - fed : step;
		memcpy(buf + have, in + fed, add);
		have += add;
		fed += add;
		for (;;) {
			size_t len = 0;
			const char *why = NULL;
			int k = sip_frame(&f, buf, have, &len, &why);
			if (k == OPENUM_EAGAIN)
				break;
			if (k < 0) {
				r.err = k;
				r.why = why;
				free(buf);
				return r;
			}
			assert_true(len > 0 && len <= have);
			r.kind[r.n] = k;
			r.len[r.n++] = len;
			memmove(buf, buf + len, have - len);
			have -= len;
		}
		if (fed == inlen && have)
			break; /* leftover partial input */
	}
	free(buf);
	return r;
}

static void test_two_messages_any_split(void **state)
{
	(void)state;
	char in[512];
	size_t n1 = strlen(MSG1), n2 = strlen(MSG2);
	memcpy(in, MSG1, n1);
	memcpy(in + n1, MSG2, n2);
	for (size_t step = 1; step <= n1 + n2; step++) {
		struct frames r = feed(in, n1 + n2, step);
		assert_int_equal(r.err, 0);
		assert_int_equal(r.n, 2);
		assert_int_equal(r.kind[0], SIP_FRAME_MSG);
		assert_int_equal(r.len[0], n1);
		assert_int_equal(r.kind[1], SIP_FRAME_MSG);
		assert_int_equal(r.len[1], n2);
	}
}

static void test_ping_and_stray_crlf(void **state)
{
	(void)state;
	char in[512];
	size_t n2 = strlen(MSG2);
	memcpy(in, "\r\n\r\n", 4);
	memcpy(in + 4, MSG2, n2);
	memcpy(in + 4 + n2, "\r\n", 2);
	memcpy(in + 6 + n2, MSG2, n2);
	for (size_t step = 1; step <= 6 + 2 * n2; step++) {
		struct frames r = feed(in, 6 + 2 * n2, step);
		assert_int_equal(r.err, 0);
		assert_int_equal(r.n, 4);
		assert_int_equal(r.kind[0], SIP_FRAME_PING);
		assert_int_equal(r.len[0], 4);
		assert_int_equal(r.kind[1], SIP_FRAME_MSG);
		assert_int_equal(r.kind[2], SIP_FRAME_SKIP);
		assert_int_equal(r.len[2], 2);
		assert_int_equal(r.kind[3], SIP_FRAME_MSG);
	}
	/* A lone CRLF is not yet anything. */
	sip_framer f;
	sip_framer_init(&f);
	size_t len;
	assert_int_equal(sip_frame(&f, "\r\n", 2, &len, NULL), OPENUM_EAGAIN);
	assert_int_equal(sip_frame(&f, "\r\n\r", 3, &len, NULL), OPENUM_EAGAIN);
}

static void test_missing_content_length(void **state)
{
	(void)state;
	const char in[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n";
	struct frames r = feed(in, strlen(in), 7);
	assert_int_equal(r.err, OPENUM_EBADMSG);
	assert_string_equal(r.why, "Missing Content-Length on a stream transport");

	const char bad[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: x1\r\n\r\n";
	r = feed(bad, strlen(bad), 1000);
	assert_int_equal(r.err, OPENUM_EBADMSG);
	assert_string_equal(r.why, "Bad Content-Length");

	const char two[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab";
	r = feed(two, strlen(two), 1000);
	assert_int_equal(r.err, OPENUM_EBADMSG);
	assert_string_equal(r.why, "Conflicting Content-Length headers");

	/* Content-Length in another header's value does not count. */
	const char other[] = "OPTIONS sip:a@b SIP/2.0\r\nSubject: Content-Length: 3\r\n\r\n";
	r = feed(other, strlen(other), 1000);
	assert_int_equal(r.err, OPENUM_EBADMSG);
}

static void test_too_big(void **state)
{
	(void)state;
	/* Headers that never end: refused once they pass the limit. */
	size_t n = SIP_MAX_MSG + 100;
	char *in = malloc(n);
	memcpy(in, "OPTIONS sip:a@b SIP/2.0\r\nX: ", 28);
	memset(in + 28, 'a', n - 28);
	struct frames r = feed(in, n, 4096);
	assert_int_equal(r.err, OPENUM_ETOOBIG);
	assert_string_equal(r.why, "Message Too Large");
	free(in);

	/* A Content-Length that would pass the limit is refused before the body arrives. */
	const char big[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 70000\r\n\r\n";
	r = feed(big, strlen(big), 1000);
	assert_int_equal(r.err, OPENUM_ETOOBIG);
	const char huge[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n";
	r = feed(huge, strlen(huge), 1000);
	assert_int_equal(r.err, OPENUM_EBADMSG);

	/* The limit is the framer's own and can be lowered. */
	sip_framer f;
	sip_framer_init(&f);
	f.max_msg = 40;
	size_t len;
	const char *why = NULL;
	assert_int_equal(sip_frame(&f, MSG1, strlen(MSG1), &len, &why), OPENUM_ETOOBIG);
}

static void test_bare_lf_and_resume(void **state)
{
	(void)state;
	const char in[] = "BYE sip:a@b SIP/2.0\nContent-Length: 2\n\nok";
	struct frames r = feed(in, strlen(in), 3);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.len[0], strlen(in));
	/* The framed message parses. */
	static sip_msg m;
	assert_int_equal(sip_msg_parse(in, strlen(in), &m, NULL), 0);
	assert_true(ou_slice_eq_cstr(m.body, "ok"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_messages_any_split),
	    cmocka_unit_test(test_ping_and_stray_crlf),
	    cmocka_unit_test(test_missing_content_length),
	    cmocka_unit_test(test_too_big),
	    cmocka_unit_test(test_bare_lf_and_resume),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
