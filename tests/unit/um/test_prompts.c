/* Tests src/um/prompts.c: the composed clip sequences (numbers, message counts, dates),
 * loading, and the generated audio itself: every prompt of prompts/prompts.txt exists,
 * is G.711 mu-law that is not silence and lasts long enough to say something. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "um/um.h"

/* Checks the list against a space-separated expectation. */
static void expect_clips(const um_clips *c, const char *want)
{
	char got[2048] = "";
	for (unsigned i = 0; i < c->n; i++) {
		if (i)
			strcat(got, " ");
		strcat(got, c->id[i]);
	}
	if (strcmp(got, want) != 0)
		fail_msg("clips: got \"%s\", want \"%s\"", got, want);
}

static void count_is(unsigned n, const char *want)
{
	um_clips c;
	um_clips_init(&c);
	assert_int_equal(um_prompt_count(&c, n), 0);
	expect_clips(&c, want);
}

static void test_count(void **state)
{
	count_is(0, "n0");
	count_is(7, "n7");
	count_is(13, "n13");
	count_is(59, "n59");
	count_is(60, "n60");
	count_is(61, "n60 n1");
	count_is(99, "n90 n9");
	count_is(100, "n1 hundred");
	count_is(101, "n1 hundred n1");
	count_is(312, "n3 hundred n12");
	count_is(570, "n5 hundred n70");
	count_is(1000, "n1 thousand");
	count_is(2005, "n2 thousand n5");
	count_is(21000, "n21 thousand");
	count_is(100100, "n1 hundred thousand n1 hundred");
	count_is(999999, "n9 hundred n90 n9 thousand n9 hundred n90 n9");

	um_clips c;
	um_clips_init(&c);
	assert_int_equal(um_prompt_count(&c, 1000000), OPENUM_EINVAL);
	assert_int_equal(c.n, 0);
}

static void test_full_list_unchanged(void **state)
{
	um_clips c;
	um_clips_init(&c);
	for (int i = 0; i < UM_CLIPS_MAX - 3; i++)
		assert_int_equal(um_clips_add(&c, "and"), 0);
	/* Each composer either fits whole or leaves the list as it was. */
	assert_int_equal(um_prompt_count(&c, 999999), OPENUM_ETOOBIG);
	assert_int_equal(c.n, UM_CLIPS_MAX - 3);
	assert_int_equal(um_prompt_messages(&c, 3, 4), OPENUM_ETOOBIG);
	assert_int_equal(c.n, UM_CLIPS_MAX - 3);
	assert_int_equal(um_prompt_datetime(&c, 1709647620, 0), OPENUM_ETOOBIG);
	assert_int_equal(c.n, UM_CLIPS_MAX - 3);
	assert_int_equal(um_prompt_digits(&c, "12345"), OPENUM_ETOOBIG);
	assert_int_equal(c.n, UM_CLIPS_MAX - 3);
	assert_int_equal(um_prompt_default_greeting(&c, "1001"), OPENUM_ETOOBIG);
	assert_int_equal(c.n, UM_CLIPS_MAX - 3);
	assert_int_equal(um_prompt_count(&c, 312), 0);
	assert_int_equal(c.n, UM_CLIPS_MAX);
	assert_int_equal(um_clips_add(&c, "and"), OPENUM_ETOOBIG);
}

static void test_messages(void **state)
{
	um_clips c;
	um_clips_init(&c);
	assert_int_equal(um_prompt_messages(&c, 0, 0), 0);
	expect_clips(&c, "you_have no new_messages and no saved_messages");
	um_clips_init(&c);
	assert_int_equal(um_prompt_messages(&c, 1, 1), 0);
	expect_clips(&c, "you_have n1 new_message and n1 saved_message");
	um_clips_init(&c);
	assert_int_equal(um_prompt_messages(&c, 3, 112), 0);
	expect_clips(&c, "you_have n3 new_messages and n1 hundred n12 saved_messages");
	um_clips_init(&c);
	assert_int_equal(um_prompt_messages(&c, 1000000, 0), OPENUM_EINVAL);
}

static void datetime_is(time_t t, int tz, const char *want)
{
	um_clips c;
	um_clips_init(&c);
	assert_int_equal(um_prompt_datetime(&c, t, tz), 0);
	expect_clips(&c, want);
}

static void test_datetime(void **state)
{
	/* 2024-03-05 14:07:00 UTC, a Tuesday. */
	datetime_is(1709647620, 0, "received day_tuesday month_march ord5 at n2 oh n7 pm");
	datetime_is(1709647620, 60, "received day_tuesday month_march ord5 at n3 oh n7 pm");
	/* 15 hours west: the day before. */
	datetime_is(1709647620, -900, "received day_monday month_march ord4 at n11 oh n7 pm");
	/* Midnight and noon-thirty. */
	datetime_is(1704067200, 0, "received day_monday month_january ord1 at n12 am");
	datetime_is(1704025800, 0, "received day_sunday month_december ord31 at n12 n30 pm");
	datetime_is(1704025800 - 12 * 3600 + 59 * 60, 0,
	            "received day_sunday month_december ord31 at n1 n29 am");
	um_clips c;
	um_clips_init(&c);
	assert_int_equal(um_prompt_datetime(&c, 0, 25 * 60), OPENUM_EINVAL);
}

static void test_message_from_and_greeting(void **state)
{
	um_clips c;
	um_clips_init(&c);
	assert_int_equal(um_prompt_message_from(&c, "+1 (425) 555"), 0);
	expect_clips(&c, "message_from n1 n4 n2 n5 n5 n5 n5");
	um_clips_init(&c);
	assert_int_equal(um_prompt_message_from(&c, NULL), 0);
	expect_clips(&c, "message_from unknown_caller");
	um_clips_init(&c);
	assert_int_equal(um_prompt_message_from(&c, "alice"), 0);
	expect_clips(&c, "message_from unknown_caller");
	um_clips_init(&c);
	assert_int_equal(um_prompt_default_greeting(&c, "1001"), 0);
	expect_clips(&c, "greet_person_at_ext n1 n0 n0 n1 greet_not_available");
}

/* ---- the generated audio --------------------------------------------------------- */

static int ulaw_to_linear(uint8_t u)
{
	u = (uint8_t)~u;
	int t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
	return (u & 0x80) ? 0x84 - t : t - 0x84;
}

static um_prompts *prompts;

static int load(void **state)
{
	const char *why = NULL;
	int err = um_prompts_load(NULL, &prompts, &why);
	if (err)
		fprintf(stderr, "um_prompts_load(%s): %s\n", um_prompts_default_dir(),
		        why ? why : ou_strerror(err));
	return err ? -1 : 0;
}

static int unload(void **state)
{
	um_prompts_free(prompts);
	prompts = NULL;
	return 0;
}

/* Reads the ids of prompts.txt in the source tree. */
static size_t source_ids(char ids[][64], size_t cap)
{
	FILE *f = fopen(OPENUM_SOURCE_DIR "/prompts/prompts.txt", "r");
	assert_non_null(f);
	char line[512];
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		char *bar = strchr(line, '|');
		if (line[0] == '#' || !bar)
			continue;
		assert_true(n < cap);
		*bar = '\0';
		assert_true(strlen(line) < 64);
		memcpy(ids[n++], line, strlen(line) + 1);
	}
	fclose(f);
	return n;
}

static void test_every_prompt_generated(void **state)
{
	static char ids[512][64];
	size_t n = source_ids(ids, 512);
	assert_true(n >= 150);
	assert_int_equal(um_prompts_count(prompts), n); /* nothing stale, nothing missing */
	for (size_t i = 0; i < n; i++) {
		const uint8_t *d;
		size_t len;
		if (um_prompts_get(prompts, ids[i], &d, &len) != 0)
			fail_msg("prompt %s not generated", ids[i]);
	}
	for (size_t i = 0; um_prompt_required(i); i++) {
		const uint8_t *d;
		size_t len;
		if (um_prompts_get(prompts, um_prompt_required(i), &d, &len) != 0)
			fail_msg("required prompt %s missing", um_prompt_required(i));
	}
}

static void test_prompts_are_speech_not_silence(void **state)
{
	for (size_t i = 0; i < um_prompts_count(prompts); i++) {
		const char *id = um_prompts_id(prompts, i);
		const uint8_t *d;
		size_t len;
		assert_int_equal(um_prompts_get(prompts, id, &d, &len), 0);
		double secs = (double)len / UM_PROMPT_RATE;
		double sum = 0;
		unsigned loud_frames = 0, frame = UM_PROMPT_RATE / 50; /* 20 ms */
		for (size_t f = 0; f + frame <= len; f += frame) {
			double fs = 0;
			for (size_t k = 0; k < frame; k++) {
				double v = ulaw_to_linear(d[f + k]);
				fs += v * v;
			}
			sum += fs;
			if (sqrt(fs / frame) > 1000)
				loud_frames++;
		}
		double rms = sqrt(sum / (double)len);
		if (len == 0 || secs <= 0.3 || rms < 800 || loud_frames < 5)
			fail_msg("prompt %s: %zu bytes, %.2f s, rms %.0f, %u loud 20 ms frames", id,
			         len, secs, rms, loud_frames);
	}
}

static void test_tone_is_a_tone(void **state)
{
	const uint8_t *d;
	size_t len;
	assert_int_equal(um_prompts_get(prompts, "tone", &d, &len), 0);
	assert_int_equal(len, UM_PROMPT_RATE / 2); /* 0.5 s */
	/* 1 kHz at 8 kHz: 8 samples a period, so about 1000 rising zero crossings a
	 * second. */
	unsigned cross = 0;
	for (size_t i = 1; i < len; i++)
		if (ulaw_to_linear(d[i - 1]) < 0 && ulaw_to_linear(d[i]) >= 0)
			cross++;
	assert_in_range(cross, 490, 510);
}

static void test_get_unknown(void **state)
{
	const uint8_t *d;
	size_t len;
	assert_int_equal(um_prompts_get(prompts, "no_such_prompt", &d, &len), OPENUM_ENOTFOUND);
	assert_int_equal(um_prompts_get(prompts, "", &d, &len), OPENUM_ENOTFOUND);
}

/* ---- loading errors --------------------------------------------------------------- */

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void test_load_errors(void **state)
{
	um_prompts *p = (um_prompts *)1;
	const char *why = NULL;
	assert_int_equal(um_prompts_load("/nonexistent/openum/prompts", &p, &why),
	                 OPENUM_ENOTFOUND);
	assert_null(p);
	assert_non_null(why);

	char dir[] = "/tmp/openum_prompts_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	/* One clip only: the required ones are missing. */
	snprintf(path, sizeof(path), "%s/welcome.ul", dir);
	write_file(path, "\x10\x20\x30", 3);
	why = NULL;
	assert_int_equal(um_prompts_load(dir, &p, &why), OPENUM_ENOTFOUND);
	assert_non_null(why);
	/* An empty clip is refused outright. */
	snprintf(path, sizeof(path), "%s/goodbye.ul", dir);
	write_file(path, "", 0);
	why = NULL;
	assert_int_equal(um_prompts_load(dir, &p, &why), OPENUM_EINVAL);
	assert_non_null(why);
	unlink(path);
	snprintf(path, sizeof(path), "%s/welcome.ul", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest compose[] = {
	    cmocka_unit_test(test_count),
	    cmocka_unit_test(test_full_list_unchanged),
	    cmocka_unit_test(test_messages),
	    cmocka_unit_test(test_datetime),
	    cmocka_unit_test(test_message_from_and_greeting),
	    cmocka_unit_test(test_load_errors),
	};
	const struct CMUnitTest audio[] = {
	    cmocka_unit_test(test_every_prompt_generated),
	    cmocka_unit_test(test_prompts_are_speech_not_silence),
	    cmocka_unit_test(test_tone_is_a_tone),
	    cmocka_unit_test(test_get_unknown),
	};
	int fails = cmocka_run_group_tests(compose, NULL, NULL);
	return fails + cmocka_run_group_tests(audio, load, unload);
}
