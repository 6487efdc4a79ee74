/* Tests for src/media/rtp.c: RTP header parse and build (CSRC, extension, padding,
 * marker), malformed packets with their reasons, every truncation of a valid packet,
 * and the receiver statistics (loss, sequence wrap, resync, A.8 jitter). Inputs sit
 * in buffers of exactly their length so an over-read trips ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "media/media.h"

static uint8_t *held;

static int parse(const uint8_t *b, size_t n, rtp_packet *p, const char **why)
{
	free(held);
	held = malloc(n ? n : 1);
	memcpy(held, b, n);
	*why = NULL;
	return rtp_parse(held, n, p, why);
}

static void test_parse_minimal(void **state)
{
	(void)state;
	static const uint8_t pkt[] = {0x80, 0x80 /* marker, PT 0 */,
	                              0x12, 0x34,
	                              0xDE, 0xAD,
	                              0xBE, 0xEF,
	                              0x01, 0x02,
	                              0x03, 0x04,
	                              0xFF, 0xFE};
	rtp_packet p;
	const char *why;
	assert_int_equal(parse(pkt, sizeof(pkt), &p, &why), 0);
	assert_true(p.marker);
	assert_false(p.padding);
	assert_false(p.extension);
	assert_int_equal(p.pt, 0);
	assert_int_equal(p.seq, 0x1234);
	assert_int_equal(p.ts, 0xDEADBEEF);
	assert_int_equal(p.ssrc, 0x01020304);
	assert_int_equal(p.cc, 0);
	assert_ptr_equal(p.payload, held + 12);
	assert_int_equal(p.payload_len, 2);
	assert_int_equal(p.payload[1], 0xFE);
}

static void test_build_parse_everything(void **state)
{
	(void)state;
	uint8_t payload[160], ext[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[400];
	for (int i = 0; i < 160; i++)
		payload[i] = (uint8_t)i;
	rtp_packet in = {.marker = true,
	                 .pt = 101,
	                 .seq = 65535,
	                 .ts = 123456789,
	                 .ssrc = 0xCAFEBABE,
	                 .cc = 2,
	                 .csrc = {7, 8},
	                 .ext_profile = 0xBEDE,
	                 .ext = ext,
	                 .ext_len = 8,
	                 .payload = payload,
	                 .payload_len = 160,
	                 .pad_len = 3};
	size_t len;
	assert_int_equal(rtp_build(&in, out, sizeof(out), &len), 0);
	assert_int_equal(len, 12 + 8 + 4 + 8 + 160 + 3);
	assert_int_equal(out[0], 0x80 | 0x20 | 0x10 | 2);
	assert_int_equal(out[1], 0x80 | 101);
	assert_int_equal(out[len - 1], 3);

	rtp_packet p;
	const char *why;
	assert_int_equal(parse(out, len, &p, &why), 0);
	assert_true(p.padding && p.extension && p.marker);
	assert_int_equal(p.pt, 101);
	assert_int_equal(p.seq, 65535);
	assert_int_equal(p.ts, 123456789);
	assert_int_equal(p.ssrc, 0xCAFEBABE);
	assert_int_equal(p.cc, 2);
	assert_int_equal(p.csrc[0], 7);
	assert_int_equal(p.csrc[1], 8);
	assert_int_equal(p.ext_profile, 0xBEDE);
	assert_int_equal(p.ext_len, 8);
	assert_memory_equal(p.ext, ext, 8);
	assert_int_equal(p.pad_len, 3);
	assert_int_equal(p.payload_len, 160);
	assert_memory_equal(p.payload, payload, 160);

	/* every shorter prefix: rejected, or (when the padding byte happens to parse)
	 * everything still inside the prefix */
	for (size_t n = 0; n < len; n++) {
		int rc = parse(out, n, &p, &why);
		if (rc == 0) {
			assert_true(p.payload >= held && p.payload + p.payload_len <= held + n);
		} else {
			assert_int_equal(rc, OPENUM_EBADMSG);
			assert_non_null(why);
		}
	}
}

static void expect_bad(const uint8_t *b, size_t n, const char *reason)
{
	rtp_packet p;
	const char *why;
	assert_int_equal(parse(b, n, &p, &why), OPENUM_EBADMSG);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_malformed(void **state)
{
	(void)state;
	uint8_t b[32] = {0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
	expect_bad(b, 11, "RTP: shorter than the fixed header");
	b[0] = 0x40;
	expect_bad(b, 12, "RTP: version is not 2");
	b[0] = 0x00;
	expect_bad(b, 12, "RTP: version is not 2");
	b[0] = 0x83; /* three CSRCs, room for two */
	expect_bad(b, 20, "RTP: CSRC list truncated");
	b[0] = 0x90;
	expect_bad(b, 14, "RTP: extension header truncated");
	b[12] = 0xBE, b[13] = 0xDE, b[14] = 0, b[15] = 2; /* 8 bytes promised, 4 there */
	expect_bad(b, 20, "RTP: extension truncated");
	b[0] = 0xA0;
	b[19] = 0;
	expect_bad(b, 20, "RTP: padding count is zero");
	b[19] = 9; /* 8 bytes follow the header */
	expect_bad(b, 20, "RTP: padding longer than the payload");
	b[19] = 8; /* all of it padding: legal, empty payload */
	rtp_packet p;
	const char *why;
	assert_int_equal(parse(b, 20, &p, &why), 0);
	assert_int_equal(p.payload_len, 0);
}

static void test_build_errors(void **state)
{
	(void)state;
	uint8_t out[64], pl[60] = {0};
	size_t len;
	rtp_packet p = {.pt = 128};
	assert_int_equal(rtp_build(&p, out, sizeof(out), &len), OPENUM_EINVAL);
	p.pt = 0;
	p.cc = 16;
	assert_int_equal(rtp_build(&p, out, sizeof(out), &len), OPENUM_EINVAL);
	p.cc = 0;
	p.ext_len = 3;
	p.ext = pl;
	assert_int_equal(rtp_build(&p, out, sizeof(out), &len), OPENUM_EINVAL);
	p.ext_len = 0;
	p.payload = pl;
	p.payload_len = 53;
	assert_int_equal(rtp_build(&p, out, sizeof(out), &len), OPENUM_ETOOBIG);
	p.payload_len = 52;
	assert_int_equal(rtp_build(&p, out, sizeof(out), &len), 0);
	assert_int_equal(len, 64);
}

static void test_stats_loss_and_wrap(void **state)
{
	(void)state;
	rtp_rx_stats st = {0};
	/* 65530 .. 65535, 0 .. 5 with 65534 and 2 missing, 3 duplicated */
	uint16_t seqs[] = {65530, 65531, 65532, 65533, 65535, 0, 1, 3, 3, 4, 5};
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		assert_int_equal(rtp_stats_update(&st, seqs[i], 160u * i, 160u * i + 500), 0);
	rtcp_block b;
	rtp_stats_block(&st, 42, &b);
	assert_int_equal(b.ssrc, 42);
	assert_int_equal(b.ext_max_seq, 65536 + 5);
	/* expected 12, received 11 (one a duplicate): cumulative lost 1 */
	assert_int_equal(b.cum_lost, 1);
	assert_int_equal(b.fraction_lost, 256 * 1 / 12);
	assert_int_equal(b.jitter, 0); /* constant transit */

	/* the next interval: 6..9 all there */
	for (uint16_t s = 6; s < 10; s++)
		assert_int_equal(rtp_stats_update(&st, s, 0, 0), 0);
	rtp_stats_block(&st, 42, &b);
	assert_int_equal(b.fraction_lost, 0);
	assert_int_equal(b.cum_lost, 1);
	assert_int_equal(b.ext_max_seq, 65536 + 9);

	/* duplicates make cumulative loss negative: a signed field */
	for (int i = 0; i < 5; i++)
		rtp_stats_update(&st, 9, 0, 0);
	rtp_stats_block(&st, 42, &b);
	assert_int_equal(b.cum_lost, -4);
	assert_int_equal(b.fraction_lost, 0);
}

static void test_stats_resync(void **state)
{
	(void)state;
	rtp_rx_stats st = {0};
	assert_int_equal(rtp_stats_update(&st, 100, 0, 0), 0);
	assert_int_equal(rtp_stats_update(&st, 101, 0, 0), 0);
	/* a jump of 20000: one stray packet is refused, a following one restarts */
	assert_int_equal(rtp_stats_update(&st, 20101, 0, 0), OPENUM_EBADMSG);
	assert_int_equal(rtp_stats_update(&st, 20102, 0, 0), 0);
	rtcp_block b;
	rtp_stats_block(&st, 1, &b);
	assert_int_equal(b.ext_max_seq, 20102);
	assert_int_equal(b.cum_lost, 0);
	/* a late packet within the misorder window counts without moving max_seq */
	assert_int_equal(rtp_stats_update(&st, 20050, 0, 0), 0);
	rtp_stats_block(&st, 1, &b);
	assert_int_equal(b.ext_max_seq, 20102);
}

static void test_stats_jitter(void **state)
{
	(void)state;
	rtp_rx_stats st = {0};
	double j = 0;
	uint32_t last_transit = 0;
	/* arrivals alternate 0 and 40 samples late */
	for (uint32_t i = 0; i < 200; i++) {
		uint32_t ts = 1000 + 160 * i;
		uint32_t arrival = 5000 + 160 * i + (i % 2 ? 40 : 0);
		assert_int_equal(rtp_stats_update(&st, (uint16_t)i, ts, arrival), 0);
		uint32_t transit = arrival - ts;
		if (i) {
			double d = (double)transit - (double)last_transit;
			j += (d < 0 ? -d : d - 0) / 16.0 - j / 16.0;
		}
		last_transit = transit;
	}
	rtcp_block b;
	rtp_stats_block(&st, 1, &b);
	/* converges to 40 (every step differs by 40); integer version within 1 */
	assert_true(j > 39.0 && j <= 40.0);
	assert_true(b.jitter >= 38 && b.jitter <= 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_minimal),
	    cmocka_unit_test(test_build_parse_everything),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_build_errors),
	    cmocka_unit_test(test_stats_loss_and_wrap),
	    cmocka_unit_test(test_stats_resync),
	    cmocka_unit_test(test_stats_jitter),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(held);
	return rc;
}
