/* Tests for src/media/g711.c: the decode tables against the G.711 formulas and known
 * code points, encoding against the tables (every code round-trips), quantisation error
 * bounds and monotonicity over all 65536 inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "media/media.h"

/* Reference decoders written from the standard's segment/step description. */
static int ref_ulaw(uint8_t u)
{
	u = (uint8_t)~u;
	int seg = (u >> 4) & 7, mant = u & 15;
	/* steps of 2^(seg+1) in a scale biased by 33 (x4 to reach 16 bits) */
	int mag = ((2 * mant + 33) << seg) - 33;
	mag *= 4;
	return (u & 0x80) ? -mag : mag;
}

static int ref_alaw(uint8_t a)
{
	a ^= 0x55;
	int seg = (a >> 4) & 7, mant = a & 15;
	int mag = seg == 0 ? 2 * mant + 1 : (2 * mant + 33) << (seg - 1);
	mag *= 8;
	return (a & 0x80) ? mag : -mag;
}

static void test_known_values(void **state)
{
	(void)state;
	assert_int_equal(g711_ulaw_decode(0xFF), 0);
	assert_int_equal(g711_ulaw_decode(0x7F), 0);
	assert_int_equal(g711_ulaw_decode(0x80), 32124);
	assert_int_equal(g711_ulaw_decode(0x00), -32124);
	assert_int_equal(g711_ulaw_decode(0xFE), 8);
	assert_int_equal(g711_ulaw_decode(0xCE), 988);
	assert_int_equal(g711_ulaw_encode(0), 0xFF);
	assert_int_equal(g711_ulaw_encode(32767), 0x80);
	assert_int_equal(g711_ulaw_encode(-32768), 0x00);
	assert_int_equal(g711_ulaw_encode(1000), 0xCE);
	assert_int_equal(g711_ulaw_encode(-1000), 0x4E);

	assert_int_equal(g711_alaw_decode(0xD5), 8);
	assert_int_equal(g711_alaw_decode(0x55), -8);
	assert_int_equal(g711_alaw_decode(0xAA), 32256);
	assert_int_equal(g711_alaw_decode(0x2A), -32256);
	assert_int_equal(g711_alaw_encode(0), 0xD5);
	assert_int_equal(g711_alaw_encode(-1), 0x55);
	assert_int_equal(g711_alaw_encode(32767), 0xAA);
	assert_int_equal(g711_alaw_encode(-32768), 0x2A);
	assert_int_equal(g711_alaw_encode(1000), 0xFA);

	assert_int_equal(g711_silence(MEDIA_PCMU), 0xFF);
	assert_int_equal(g711_silence(MEDIA_PCMA), 0xD5);
	assert_string_equal(media_codec_name(MEDIA_PCMU), "PCMU");
	assert_string_equal(media_codec_name(MEDIA_PCMA), "PCMA");
	assert_null(media_codec_name((media_codec)3));
}

static void test_tables_match_formula(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		assert_int_equal(g711_ulaw_decode((uint8_t)c), ref_ulaw((uint8_t)c));
		assert_int_equal(g711_alaw_decode((uint8_t)c), ref_alaw((uint8_t)c));
	}
}

static void test_code_round_trip(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		/* 0x7F is mu-law's negative zero: it decodes to 0, which encodes as 0xFF */
		if (c != 0x7F)
			assert_int_equal(g711_ulaw_encode(g711_ulaw_decode((uint8_t)c)), c);
		assert_int_equal(g711_alaw_encode(g711_alaw_decode((uint8_t)c)), c);
	}
}

static void test_error_bound_and_monotonic(void **state)
{
	(void)state;
	int prev_u = -40000, prev_a = -40000;
	for (int x = -32768; x <= 32767; x++) {
		int u = g711_ulaw_decode(g711_ulaw_encode((int16_t)x));
		int a = g711_alaw_decode(g711_alaw_encode((int16_t)x));
		int ax = x < 0 ? -x : x;
		/* half a step: about 1/32 of the magnitude, at least 8 near zero */
		int bound = 8 + ax / 16;
		if (abs(u - x) > bound || abs(a - x) > bound)
			fail_msg("x=%d ulaw=%d alaw=%d", x, u, a);
		assert_true(u >= prev_u);
		assert_true(a >= prev_a);
		/* odd symmetry (A-law is symmetric around -1/0, mu-law around 0) */
		if (x > 0)
			assert_int_equal(g711_ulaw_decode(g711_ulaw_encode((int16_t)-x)), -u);
		prev_u = u;
		prev_a = a;
	}
}

static void test_buffers(void **state)
{
	(void)state;
	int16_t pcm[5] = {0, 1000, -1000, 32767, -32768};
	uint8_t enc[5];
	int16_t dec[5];
	g711_encode(MEDIA_PCMU, pcm, 5, enc);
	assert_int_equal(enc[0], 0xFF);
	assert_int_equal(enc[1], 0xCE);
	assert_int_equal(enc[2], 0x4E);
	g711_decode(MEDIA_PCMU, enc, 5, dec);
	assert_int_equal(dec[1], 988);
	assert_int_equal(dec[3], 32124);
	g711_encode(MEDIA_PCMA, pcm, 5, enc);
	assert_int_equal(enc[0], 0xD5);
	assert_int_equal(enc[3], 0xAA);
	g711_decode(MEDIA_PCMA, enc, 5, dec);
	assert_int_equal(dec[0], 8);
	assert_int_equal(dec[4], -32256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_values),
	    cmocka_unit_test(test_tables_match_formula),
	    cmocka_unit_test(test_code_round_trip),
	    cmocka_unit_test(test_error_bound_and_monotonic),
	    cmocka_unit_test(test_buffers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
