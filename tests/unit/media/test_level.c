/* Tests for src/media/level.c on synthetic PCM: a tone counts as sound, digital
 * silence and quiet hiss do not; a prompt is over only after enough sound and then
 * enough silence; a pause inside a prompt does not end it. Times are given, not slept. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "media/media.h"

#define SOUND 200
#define QUIET 600

/* One 20 ms frame: a sine of amplitude amp at hz (amp 0: digital silence). */
static void frame(int16_t *pcm, double amp, double hz, unsigned k)
{
	for (unsigned i = 0; i < MEDIA_FRAME; i++) {
		double t = (double)(k * MEDIA_FRAME + i) / MEDIA_RATE;
		pcm[i] = (int16_t)lrint(amp * sin(2 * 3.14159265358979323846 * hz * t));
	}
}

/* Feeds `ms` of audio at amplitude amp, one frame every 20 ms from *now. */
static void feed(media_level *l, uint64_t *now, unsigned ms, double amp)
{
	int16_t pcm[MEDIA_FRAME];
	for (unsigned k = 0; k < ms / MEDIA_PTIME_MS; k++) {
		frame(pcm, amp, 440, k);
		*now += MEDIA_PTIME_MS;
		media_level_feed(l, pcm, MEDIA_FRAME, *now);
	}
}

static void tone_is_sound_silence_is_not(void **state)
{
	(void)state;
	media_level l = {0};
	uint64_t now = 1000;
	feed(&l, &now, 1000, 0);
	assert_false(l.voiced);
	assert_int_equal(l.voiced_ms, 0);
	/* hiss at RMS ~71 (amplitude 100): quiet */
	feed(&l, &now, 1000, 100);
	assert_false(l.voiced);
	/* a sine's RMS is amp/sqrt(2): just under and just over the threshold */
	feed(&l, &now, 200, MEDIA_LEVEL_VOICED_RMS * 1.41421356 * 0.97);
	assert_false(l.voiced);
	feed(&l, &now, 200, MEDIA_LEVEL_VOICED_RMS * 1.41421356 * 1.03);
	assert_true(l.voiced);
	assert_int_equal(l.voiced_ms, 200);
	assert_int_equal(l.last_voiced_at, now);
}

static void g711_frames_count_like_pcm(void **state)
{
	(void)state;
	int16_t pcm[MEDIA_FRAME];
	uint8_t u[2 * MEDIA_FRAME];
	frame(pcm, 8000, 440, 0);
	g711_encode(MEDIA_PCMU, pcm, MEDIA_FRAME, u);
	frame(pcm, 8000, 440, 1);
	g711_encode(MEDIA_PCMU, pcm, MEDIA_FRAME, u + MEDIA_FRAME);
	media_level l = {0};
	media_level_feed_g711(&l, MEDIA_PCMU, u, sizeof(u), 5);
	assert_int_equal(l.voiced_ms, 40);
	memset(u, g711_silence(MEDIA_PCMA), sizeof(u));
	media_level m = {0};
	media_level_feed_g711(&m, MEDIA_PCMA, u, sizeof(u), 5);
	assert_false(m.voiced);
}

static void prompt_then_silence(void **state)
{
	(void)state;
	media_level l = {0};
	uint64_t now = 50000, since = now, base = l.voiced_ms;
	/* nothing heard yet: no prompt, though it is quiet */
	feed(&l, &now, 1000, 0);
	assert_false(media_level_prompt_over(&l, since, base, now, SOUND, QUIET));
	assert_true(media_level_quiet(&l, since, now, QUIET));
	/* "Welcome ...": 1.5 s of speech, a 300 ms pause, 1 s more */
	feed(&l, &now, 1500, 9000);
	assert_false(media_level_prompt_over(&l, since, base, now, SOUND, QUIET));
	feed(&l, &now, 300, 0);
	assert_false(media_level_prompt_over(&l, since, base, now, SOUND, QUIET));
	assert_false(media_level_quiet(&l, since, now, QUIET));
	feed(&l, &now, 1000, 9000);
	assert_true(media_level_heard(&l, base, SOUND));
	/* silence arrives as packets: 580 ms is not enough, 600 is */
	feed(&l, &now, 580, 0);
	assert_false(media_level_prompt_over(&l, since, base, now, SOUND, QUIET));
	feed(&l, &now, 20, 0);
	assert_true(media_level_prompt_over(&l, since, base, now, SOUND, QUIET));
	assert_int_equal(l.voiced_ms, 2500);
}

static void silence_without_packets_counts(void **state)
{
	(void)state;
	/* a peer that stops sending during silence: the clock alone ends the prompt */
	media_level l = {0};
	uint64_t now = 7000, since = now;
	feed(&l, &now, 400, 12000);
	assert_false(media_level_prompt_over(&l, since, 0, now + 599, SOUND, QUIET));
	assert_true(media_level_prompt_over(&l, since, 0, now + 600, SOUND, QUIET));
}

static void short_blip_is_no_prompt(void **state)
{
	(void)state;
	media_level l = {0};
	uint64_t now = 0;
	feed(&l, &now, 2000, 0);
	uint64_t since = now, base = l.voiced_ms;
	feed(&l, &now, 100, 12000); /* a click: 100 ms < SOUND */
	feed(&l, &now, 2000, 0);
	assert_false(media_level_prompt_over(&l, since, base, now, SOUND, QUIET));
	/* sound before the step began does not count for it */
	since = now;
	base = l.voiced_ms;
	assert_false(media_level_prompt_over(&l, since, base, now + 5000, SOUND, QUIET));
	assert_false(media_level_heard(&l, base, SOUND));
	assert_false(media_level_prompt_over(NULL, since, base, now, SOUND, QUIET));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tone_is_sound_silence_is_not),
	    cmocka_unit_test(g711_frames_count_like_pcm),
	    cmocka_unit_test(prompt_then_silence),
	    cmocka_unit_test(silence_without_packets_counts),
	    cmocka_unit_test(short_blip_is_no_prompt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
