/* Tests for src/media/dtmf.c: RFC 4733 payload bytes, the sender's packet series (growing
 * duration, marker on the first, three end packets with one timestamp), the receiver's
 * one-digit-per-event rule under retransmission, loss and long events, and SIP INFO
 * application/dtmf-relay bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "media/media.h"

static void test_payload(void **state)
{
	(void)state;
	uint8_t b[4];
	dtmf_event ev = {.event = 5, .end = true, .volume = 10, .duration = 800};
	dtmf_event_build(&ev, b);
	static const uint8_t want[4] = {0x05, 0x8A, 0x03, 0x20};
	assert_memory_equal(b, want, 4);

	uint8_t *p = malloc(4);
	memcpy(p, want, 4);
	p[1] |= 0x40; /* the reserved bit is ignored */
	dtmf_event got;
	const char *why = NULL;
	assert_int_equal(dtmf_event_parse(p, 4, &got, &why), 0);
	assert_int_equal(got.event, 5);
	assert_true(got.end);
	assert_int_equal(got.volume, 10);
	assert_int_equal(got.duration, 800);
	assert_int_equal(dtmf_event_parse(p, 3, &got, &why), OPENUM_EBADMSG);
	assert_string_equal(why, "telephone-event: payload shorter than 4 bytes");
	free(p);
}

static void test_chars(void **state)
{
	(void)state;
	const char *all = "0123456789*#ABCD!";
	for (int i = 0; i < 17; i++) {
		assert_int_equal(dtmf_event_char((uint8_t)i), all[i]);
		assert_int_equal(dtmf_char_event(all[i]), i);
	}
	assert_int_equal(dtmf_char_event('b'), 13);
	assert_int_equal(dtmf_event_char(17), 0);
	assert_int_equal(dtmf_event_char(255), 0);
	assert_int_equal(dtmf_char_event('E'), -1);
	assert_int_equal(dtmf_char_event('\0'), -1);
	assert_int_equal(dtmf_char_event(' '), -1);
}

typedef struct pkt {
	uint8_t pl[4];
	bool marker;
	uint32_t ts;
} pkt;

static size_t send_digit(char d, unsigned ms, uint32_t ts, pkt *out, size_t cap)
{
	dtmf_sender s;
	assert_int_equal(dtmf_sender_start(&s, d, ms, ts), 0);
	size_t n = 0;
	while (n < cap && dtmf_sender_next(&s, out[n].pl, &out[n].marker, &out[n].ts))
		n++;
	assert_false(s.active);
	return n;
}

static void test_sender(void **state)
{
	(void)state;
	pkt p[32];
	size_t n = send_digit('5', 100, 4000, p, 32);
	/* 100 ms = 800 samples: 160..640 growing, then 800 with E three times */
	assert_int_equal(n, 7);
	uint16_t durs[] = {160, 320, 480, 640, 800, 800, 800};
	for (size_t i = 0; i < n; i++) {
		dtmf_event ev;
		assert_int_equal(dtmf_event_parse(p[i].pl, 4, &ev, NULL), 0);
		assert_int_equal(ev.event, 5);
		assert_int_equal(ev.duration, durs[i]);
		assert_int_equal(ev.end, i >= 4);
		assert_int_equal(p[i].marker, i == 0);
		assert_int_equal(p[i].ts, 4000);
	}
	/* shorter than the minimum: 40 ms; not a multiple of 20 ms: the last step is short */
	n = send_digit('#', 10, 0, p, 32);
	assert_int_equal(n, 4);
	n = send_digit('1', 50, 0, p, 32);
	dtmf_event ev;
	dtmf_event_parse(p[n - 1].pl, 4, &ev, NULL);
	assert_int_equal(ev.duration, 400);
	assert_int_equal(n, 2 + 3);

	dtmf_sender s;
	assert_int_equal(dtmf_sender_start(&s, 'x', 100, 0), OPENUM_EINVAL);
	s.active = false;
	uint8_t pl[4];
	bool m;
	uint32_t ts;
	assert_false(dtmf_sender_next(&s, pl, &m, &ts));
}

static int feed_all(dtmf_receiver *r, const pkt *p, size_t n, char *digits)
{
	int got = 0;
	for (size_t i = 0; i < n; i++) {
		dtmf_event ev;
		char d;
		dtmf_event_parse(p[i].pl, 4, &ev, NULL);
		if (dtmf_receiver_feed(r, p[i].ts, p[i].marker, &ev, &d))
			digits[got++] = d;
	}
	digits[got] = 0;
	return got;
}

static void test_receiver_dedup(void **state)
{
	(void)state;
	dtmf_receiver r = {0};
	pkt p[32];
	char digits[16];
	size_t n = send_digit('7', 120, 1000, p, 32);
	assert_int_equal(feed_all(&r, p, n, digits), 1);
	assert_string_equal(digits, "7");
	/* the same packets again (retransmission, duplicates): nothing new */
	assert_int_equal(feed_all(&r, p, n, digits), 0);
	/* the same key pressed again is a new event with a new timestamp */
	n = send_digit('7', 120, 3000, p, 32);
	assert_int_equal(feed_all(&r, p, n, digits), 1);
	/* only the end packets arrive (the rest lost): still one digit */
	n = send_digit('9', 100, 6000, p, 32);
	assert_int_equal(feed_all(&r, p + n - 3, 3, digits), 1);
	assert_string_equal(digits, "9");
	/* a straggler of an earlier event after a newer one is not a new digit */
	n = send_digit('1', 100, 8000, p, 32);
	pkt old[32];
	size_t on = send_digit('7', 120, 3000, old, 32);
	assert_int_equal(feed_all(&r, p, 2, digits), 1);
	assert_int_equal(feed_all(&r, old + on - 1, 1, digits), 0);
	assert_int_equal(feed_all(&r, p + 2, n - 2, digits), 0);
}

static void test_receiver_sequence_and_long_event(void **state)
{
	(void)state;
	dtmf_receiver r = {0};
	pkt all[64], p[32];
	size_t total = 0;
	const char *keys = "1234#";
	for (int k = 0; keys[k]; k++) {
		size_t n = send_digit(keys[k], 80, 10000u + 2000u * (unsigned)k, p, 32);
		memcpy(all + total, p, n * sizeof(pkt));
		total += n;
	}
	char digits[16];
	assert_int_equal(feed_all(&r, all, total, digits), 5);
	assert_string_equal(digits, keys);

	/* RFC 4733 2.5.1.3: an event longer than 65535 samples continues in a new segment
	 * with a new timestamp and no marker: one key press */
	dtmf_receiver r2 = {0};
	char d;
	dtmf_event ev = {.event = 0, .duration = 65535};
	assert_true(dtmf_receiver_feed(&r2, 100, true, &ev, &d));
	assert_int_equal(d, '0');
	ev.duration = 160;
	assert_false(dtmf_receiver_feed(&r2, 100 + 65535, false, &ev, &d));
	ev.end = true;
	assert_false(dtmf_receiver_feed(&r2, 100 + 65535, false, &ev, &d));
	/* after its end, the same event with a new timestamp is a new press */
	ev.end = false;
	assert_true(dtmf_receiver_feed(&r2, 100 + 65535 + 800, true, &ev, &d));
	/* an unknown event code is swallowed */
	ev.event = 200;
	assert_false(dtmf_receiver_feed(&r2, 500000, true, &ev, &d));
}

static int info(const char *text, char *d, unsigned *ms, const char **why)
{
	size_t n = strlen(text);
	char *b = malloc(n ? n : 1);
	memcpy(b, text, n);
	*why = NULL;
	int rc = dtmf_info_parse(ou_slice_make(b, n), d, ms, why);
	free(b);
	return rc;
}

static void info_ok(const char *text, char want, unsigned want_ms)
{
	char d = 0;
	unsigned ms = 0;
	const char *why;
	if (info(text, &d, &ms, &why) != 0)
		fail_msg("rejected (%s): %s", why, text);
	assert_int_equal(d, want);
	assert_int_equal(ms, want_ms);
}

static void info_bad(const char *text, const char *reason)
{
	char d;
	unsigned ms;
	const char *why;
	assert_int_equal(info(text, &d, &ms, &why), OPENUM_EBADMSG);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_info(void **state)
{
	(void)state;
	info_ok("Signal=5\r\nDuration=160\r\n", '5', 160);
	info_ok("Signal=5\nDuration=160", '5', 160);
	info_ok("signal = *\r\nduration= 100\r\n", '*', 100);
	info_ok("Signal=#\r\n", '#', DTMF_INFO_DEFAULT_MS);
	info_ok("Signal=10\r\nDuration=250\r\n", '*', 250);
	info_ok("Signal=11\r\n", '#', 250);
	info_ok("Signal=d\r\nVolume=10\r\n", 'D', 250);
	info_ok("\r\nSignal=0\r\n\r\n", '0', 250);
	info_bad("", "dtmf-relay: no Signal");
	info_bad("Duration=160\r\n", "dtmf-relay: no Signal");
	info_bad("Signal=\r\n", "dtmf-relay: bad Signal");
	info_bad("Signal=E\r\n", "dtmf-relay: bad Signal");
	info_bad("Signal=12\r\n", "dtmf-relay: bad Signal");
	info_bad("Signal=!\r\n", "dtmf-relay: bad Signal");
	info_bad("Signal=55\r\n", "dtmf-relay: bad Signal");
	info_bad("Signal=5\r\nSignal=6\r\n", "dtmf-relay: Signal given twice");
	info_bad("Signal=5\r\nDuration=abc\r\n", "dtmf-relay: bad Duration");
	info_bad("Signal=5\r\nDuration=0\r\n", "dtmf-relay: bad Duration");
	info_bad("Signal=5\r\nDuration=99999999999\r\n", "dtmf-relay: bad Duration");
	info_bad("Signal 5\r\n", "dtmf-relay: line without '='");
}

static void test_info_build(void **state)
{
	(void)state;
	char buf[64];
	size_t len;
	assert_int_equal(dtmf_info_build('5', 160, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "Signal=5\r\nDuration=160\r\n");
	assert_int_equal(len, strlen(buf));
	assert_int_equal(dtmf_info_build('b', 250, buf, sizeof(buf), &len), 0);
	char d;
	unsigned ms;
	assert_int_equal(dtmf_info_parse(ou_slice_make(buf, len), &d, &ms, NULL), 0);
	assert_int_equal(d, 'B');
	assert_int_equal(ms, 250);
	assert_int_equal(dtmf_info_build('x', 160, buf, sizeof(buf), &len), OPENUM_EINVAL);
	assert_int_equal(dtmf_info_build('!', 160, buf, sizeof(buf), &len), OPENUM_EINVAL);
	assert_int_equal(dtmf_info_build('5', 160, buf, 10, &len), OPENUM_ETOOBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_payload),
	    cmocka_unit_test(test_chars),
	    cmocka_unit_test(test_sender),
	    cmocka_unit_test(test_receiver_dedup),
	    cmocka_unit_test(test_receiver_sequence_and_long_event),
	    cmocka_unit_test(test_info),
	    cmocka_unit_test(test_info_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
