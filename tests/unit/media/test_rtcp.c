/* Tests for src/media/rtcp.c: compound SR/RR + SDES + BYE build and parse, the 24-bit
 * signed loss field, hand-made wire bytes, and the A.2 validity checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "media/media.h"

static uint8_t *held;

static int parse(const uint8_t *b, size_t n, rtcp_report *r, const char **why)
{
	free(held);
	held = malloc(n ? n : 1);
	memcpy(held, b, n);
	*why = NULL;
	return rtcp_parse(held, n, r, why);
}

static void test_sr_round_trip(void **state)
{
	(void)state;
	rtcp_report in = {.sr = true,
	                  .ssrc = 0x11223344,
	                  .ntp = 0xE1234567890ABCDEull,
	                  .rtp_ts = 160000,
	                  .packets = 250,
	                  .octets = 40000,
	                  .nblocks = 2,
	                  .bye = true};
	in.block[0] = (rtcp_block){.ssrc = 5,
	                           .fraction_lost = 25,
	                           .cum_lost = 1000,
	                           .ext_max_seq = 0x10005,
	                           .jitter = 17,
	                           .lsr = 0x12345678,
	                           .dlsr = 65536};
	in.block[1] = (rtcp_block){.ssrc = 6, .cum_lost = -3};
	uint8_t out[300];
	size_t len;
	assert_int_equal(rtcp_build(&in, "um@openum", out, sizeof(out), &len), 0);
	/* SR 28 + 2*24, SDES 8 + 2 + 9 + 1 -> 20, BYE 8 */
	assert_int_equal(len, 76 + 20 + 8);
	assert_int_equal(out[0], 0x82);
	assert_int_equal(out[1], RTCP_SR);
	assert_int_equal(out[2] << 8 | out[3], 76 / 4 - 1);
	assert_int_equal(out[77], RTCP_SDES);
	assert_int_equal(out[97], RTCP_BYE);

	rtcp_report r;
	const char *why;
	assert_int_equal(parse(out, len, &r, &why), 0);
	assert_true(r.sr);
	assert_int_equal(r.ssrc, 0x11223344);
	assert_true(r.ntp == 0xE1234567890ABCDEull);
	assert_int_equal(r.rtp_ts, 160000);
	assert_int_equal(r.packets, 250);
	assert_int_equal(r.octets, 40000);
	assert_int_equal(r.nblocks, 2);
	assert_int_equal(r.block[0].ssrc, 5);
	assert_int_equal(r.block[0].fraction_lost, 25);
	assert_int_equal(r.block[0].cum_lost, 1000);
	assert_int_equal(r.block[0].ext_max_seq, 0x10005);
	assert_int_equal(r.block[0].jitter, 17);
	assert_int_equal(r.block[0].lsr, 0x12345678);
	assert_int_equal(r.block[0].dlsr, 65536);
	assert_int_equal(r.block[1].cum_lost, -3);
	assert_int_equal(r.cname_len, 9);
	assert_memory_equal(r.cname, "um@openum", 9);
	assert_true(r.cname >= held && r.cname + r.cname_len <= held + len);
	assert_true(r.bye);

	/* every prefix is rejected (lengths no longer add up) */
	for (size_t n = 0; n < len; n++) {
		int rc = parse(out, n, &r, &why);
		if (n == 76 || n == 96)
			assert_int_equal(rc, 0); /* ends on a packet boundary: still valid */
		else
			assert_int_equal(rc, OPENUM_EBADMSG);
	}
}

static void test_rr_wire_bytes(void **state)
{
	(void)state;
	/* RR, one block, built by hand from the RFC 3550 6.4.2 layout */
	static const uint8_t rr[] = {
	    0x81, 201,  0x00, 0x07, 0x00, 0x00, 0x00, 0x09, /* header, SSRC 9 */
	    0x00, 0x00, 0x00, 0x05,                         /* SSRC of source 5 */
	    0x40, 0xFF, 0xFF, 0xFE,                         /* 25%, lost -2 */
	    0x00, 0x01, 0x00, 0x10,                         /* ext highest seq */
	    0x00, 0x00, 0x00, 0x20,                         /* jitter 32 */
	    0xAA, 0xBB, 0xCC, 0xDD, 0x00, 0x00, 0x80, 0x00, /* LSR, DLSR 0.5 s */
	};
	rtcp_report r;
	const char *why;
	assert_int_equal(parse(rr, sizeof(rr), &r, &why), 0);
	assert_false(r.sr);
	assert_int_equal(r.ssrc, 9);
	assert_int_equal(r.nblocks, 1);
	assert_int_equal(r.block[0].fraction_lost, 64);
	assert_int_equal(r.block[0].cum_lost, -2);
	assert_int_equal(r.block[0].ext_max_seq, 0x10010);
	assert_int_equal(r.block[0].jitter, 32);
	assert_int_equal(r.block[0].lsr, 0xAABBCCDD);
	assert_int_equal(r.block[0].dlsr, 0x8000);
	assert_null(r.cname);
	assert_false(r.bye);

	uint8_t out[64];
	size_t len;
	assert_int_equal(rtcp_build(&r, NULL, out, sizeof(out), &len), 0);
	assert_int_equal(len, sizeof(rr));
	assert_memory_equal(out, rr, sizeof(rr));
}

static void expect_bad(const uint8_t *b, size_t n, const char *reason)
{
	rtcp_report r;
	const char *why;
	assert_int_equal(parse(b, n, &r, &why), OPENUM_EBADMSG);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_malformed(void **state)
{
	(void)state;
	uint8_t b[40] = {0x80, 201, 0, 1, 0, 0, 0, 1, 0x80, 202, 0, 1, 0, 0, 0, 1};
	expect_bad(b, 7, "RTCP: too short");
	b[1] = 202;
	expect_bad(b, 16, "RTCP: first packet is not SR or RR");
	b[1] = 201;
	b[0] = 0x40;
	expect_bad(b, 16, "RTCP: version is not 2");
	b[0] = 0x80;
	b[3] = 5;
	expect_bad(b, 16, "RTCP: length past the end");
	b[3] = 1;
	b[0] = 0xA0; /* padding on the first of two */
	expect_bad(b, 16, "RTCP: padding before the last packet");
	b[0] = 0x81; /* one block promised, none there */
	expect_bad(b, 8, "RTCP: report blocks truncated");
	b[0] = 0x80;
	expect_bad(b, 18, "RTCP: truncated header");
	b[8] = 0xA0; /* padded last packet with a padding count of 0, then too big */
	b[15] = 0;
	expect_bad(b, 16, "RTCP: bad padding");
	b[15] = 5;
	expect_bad(b, 16, "RTCP: bad padding");
	b[15] = 4;
	rtcp_report r;
	const char *why;
	assert_int_equal(parse(b, 16, &r, &why), 0);
}

static void test_build_limits(void **state)
{
	(void)state;
	rtcp_report r = {.nblocks = 32};
	uint8_t out[16];
	size_t len;
	assert_int_equal(rtcp_build(&r, NULL, out, sizeof(out), &len), OPENUM_EINVAL);
	r.nblocks = 1;
	assert_int_equal(rtcp_build(&r, NULL, out, sizeof(out), &len), OPENUM_ETOOBIG);
	r.nblocks = 0;
	assert_int_equal(rtcp_build(&r, NULL, out, sizeof(out), &len), 0);
	assert_int_equal(len, 8);
	assert_int_equal(rtcp_build(&r, "x", out, sizeof(out), &len), OPENUM_ETOOBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sr_round_trip),
	    cmocka_unit_test(test_rr_wire_bytes),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_build_limits),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(held);
	return rc;
}
