/* Tests for src/media/jitter.c: in-order and reordered packets, duplicates, late packets,
 * loss after the wait depth, sequence wrap, timestamp gaps (silence) and jumps (resync),
 * no-audio packets, and the JUMP/restart path for a far-away sequence number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "media/media.h"

/* Payload of packet k: 160 bytes all equal to k, so output order is visible. */
static media_jb_verdict put(media_jb *jb, uint16_t seq, uint32_t ts, uint8_t mark)
{
	uint8_t pl[MEDIA_FRAME];
	memset(pl, mark, sizeof(pl));
	return media_jb_put(jb, seq, ts, pl, sizeof(pl));
}

/* Drains into a string: a letter per audio frame ('a' + mark), '.' per 160 silence. */
static void drain(media_jb *jb, bool flush, char *out)
{
	media_jb_frame f;
	size_t n = strlen(out);
	while (media_jb_pop(jb, flush, &f) == 0) {
		if (f.data) {
			assert_int_equal(f.n, MEDIA_FRAME);
			out[n++] = (char)('a' + f.data[0]);
		} else {
			assert_true(f.n > 0 && f.n <= MEDIA_FRAME);
			out[n++] = '.';
		}
	}
	out[n] = 0;
}

static void test_in_order_and_reorder(void **state)
{
	(void)state;
	media_jb jb;
	media_jb_init(&jb, 3);
	char out[64] = "";
	assert_int_equal(put(&jb, 10, 1600, 0), MEDIA_JB_OK);
	drain(&jb, false, out);
	assert_string_equal(out, "a");
	/* 12 before 11: 12 waits until 11 comes */
	assert_int_equal(put(&jb, 12, 1920, 2), MEDIA_JB_OK);
	drain(&jb, false, out);
	assert_string_equal(out, "a");
	assert_int_equal(put(&jb, 11, 1760, 1), MEDIA_JB_OK);
	drain(&jb, false, out);
	assert_string_equal(out, "abc");
	assert_int_equal(jb.lost, 0);
	assert_int_equal(jb.silence_samples, 0);
}

static void test_dup_and_late(void **state)
{
	(void)state;
	media_jb jb;
	media_jb_init(&jb, 3);
	char out[64] = "";
	assert_int_equal(put(&jb, 1, 0, 0), MEDIA_JB_OK);
	assert_int_equal(put(&jb, 3, 320, 2), MEDIA_JB_OK);
	assert_int_equal(put(&jb, 3, 320, 2), MEDIA_JB_DUP);
	drain(&jb, false, out);
	assert_string_equal(out, "a");
	assert_int_equal(put(&jb, 2, 160, 1), MEDIA_JB_OK);
	drain(&jb, false, out);
	assert_string_equal(out, "abc");
	/* already played: late, and a duplicate of a played packet is late too */
	assert_int_equal(put(&jb, 2, 160, 1), MEDIA_JB_LATE);
	assert_int_equal(put(&jb, 1, 0, 0), MEDIA_JB_LATE);
	assert_int_equal(jb.dups, 1);
	assert_int_equal(jb.late, 2);
}

static void test_loss_filled_with_silence(void **state)
{
	(void)state;
	media_jb jb;
	media_jb_init(&jb, 3);
	char out[64] = "";
	put(&jb, 100, 0, 0);
	/* 101 never comes */
	put(&jb, 102, 320, 2);
	put(&jb, 103, 480, 3);
	drain(&jb, false, out);
	assert_string_equal(out, "a"); /* waiting: only 2 packets past the hole */
	put(&jb, 104, 640, 4);
	drain(&jb, false, out);
	assert_string_equal(out, "a.cde");
	assert_int_equal(jb.lost, 1);
	assert_int_equal(jb.silence_samples, 160);
	/* a late arrival of the lost one is dropped */
	assert_int_equal(put(&jb, 101, 160, 1), MEDIA_JB_LATE);
}

static void test_flush_stops_waiting(void **state)
{
	(void)state;
	media_jb jb;
	media_jb_init(&jb, 0);
	assert_int_equal(jb.depth, MEDIA_JB_DEPTH_DEFAULT);
	char out[64] = "";
	put(&jb, 7, 1000, 0);
	put(&jb, 9, 1320, 2);
	drain(&jb, false, out);
	assert_string_equal(out, "a");
	drain(&jb, true, out);
	assert_string_equal(out, "a.c");
	media_jb_frame f;
	assert_int_equal(media_jb_pop(&jb, true, &f), OPENUM_EAGAIN);
}

static void test_seq_wrap(void **state)
{
	(void)state;
	media_jb jb;
	media_jb_init(&jb, 3);
	char out[64] = "";
	put(&jb, 65534, 0, 0);
	put(&jb, 0, 320, 2);
	put(&jb, 65535, 160, 1);
	put(&jb, 2, 640, 4);
	put(&jb, 1, 480, 3);
	drain(&jb, false, out);
	assert_string_equal(out, "abcde");
	assert_int_equal(put(&jb, 65535, 160, 1), MEDIA_JB_LATE);
	assert_int_equal(jb.lost, 0);
}

static void test_timestamp_gap_and_jump(void **state)
{
	(void)state;
	media_jb jb;
	media_jb_init(&jb, 3);
	char out[64] = "";
	put(&jb, 1, 8000, 0);
	/* silence suppression: consecutive seq, timestamps 100 ms apart */
	put(&jb, 2, 8000 + 160 + 800, 1);
	drain(&jb, false, out);
	assert_string_equal(out, "a.....b");
	assert_int_equal(jb.silence_samples, 800);
	/* a jump of an hour: resync, no silence */
	put(&jb, 3, 8000 + 28800000, 2);
	put(&jb, 4, 8000 + 28800160, 3);
	drain(&jb, false, out);
	assert_string_equal(out, "a.....bcd");
	assert_int_equal(jb.resyncs, 1);
	/* a partial-frame gap gives one short silence frame */
	put(&jb, 5, 8000 + 28800320 + 50, 4);
	media_jb_frame f;
	assert_int_equal(media_jb_pop(&jb, false, &f), 0);
	assert_null(f.data);
	assert_int_equal(f.n, 50);
	assert_int_equal(media_jb_pop(&jb, false, &f), 0);
	assert_non_null(f.data);
}

static void test_no_audio_packets(void **state)
{
	(void)state;
	media_jb jb;
	media_jb_init(&jb, 3);
	char out[64] = "";
	put(&jb, 1, 0, 0);
	/* three telephone-event packets with the event's timestamp, then audio again
	 * 60 ms later */
	for (uint16_t s = 2; s <= 4; s++)
		assert_int_equal(media_jb_put(&jb, s, 160, NULL, 0), MEDIA_JB_OK);
	put(&jb, 5, 160 + 480, 1);
	drain(&jb, false, out);
	assert_string_equal(out, "a...b");
	assert_int_equal(jb.lost, 0);
}

static void test_jump_restart(void **state)
{
	(void)state;
	media_jb jb;
	media_jb_init(&jb, 3);
	char out[64] = "";
	put(&jb, 10, 0, 0);
	put(&jb, 12, 320, 2);
	drain(&jb, false, out);
	/* a sender restart: far-away seq and a timestamp 40 ms on */
	assert_int_equal(put(&jb, 30000, 800, 5), MEDIA_JB_JUMP);
	assert_int_equal(put(&jb, 10 - 200, 800, 5), MEDIA_JB_JUMP);
	drain(&jb, true, out);
	assert_string_equal(out, "a.c");
	media_jb_restart(&jb);
	assert_int_equal(put(&jb, 30000, 800, 5), MEDIA_JB_OK);
	drain(&jb, false, out);
	/* the output continues in time: 480 -> 800 is two frames of silence */
	assert_string_equal(out, "a.c..f");
	assert_int_equal(jb.jumps, 2);
}

static void test_oversized_payload_truncated(void **state)
{
	(void)state;
	media_jb jb;
	media_jb_init(&jb, 100);
	assert_int_equal(jb.depth, MEDIA_JB_SLOTS - 1);
	uint8_t *big = calloc(1, 1000);
	assert_int_equal(media_jb_put(&jb, 1, 0, big, 1000), MEDIA_JB_OK);
	media_jb_frame f;
	assert_int_equal(media_jb_pop(&jb, false, &f), 0);
	assert_int_equal(f.n, MEDIA_JB_MAX_PAYLOAD);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_order_and_reorder),
	    cmocka_unit_test(test_dup_and_late),
	    cmocka_unit_test(test_loss_filled_with_silence),
	    cmocka_unit_test(test_flush_stops_waiting),
	    cmocka_unit_test(test_seq_wrap),
	    cmocka_unit_test(test_timestamp_gap_and_jump),
	    cmocka_unit_test(test_no_audio_packets),
	    cmocka_unit_test(test_jump_restart),
	    cmocka_unit_test(test_oversized_payload_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
