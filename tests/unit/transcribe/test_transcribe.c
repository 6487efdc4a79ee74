/* Tests of src/transcribe: the 8 -> 16 kHz interpolator against the exact sine (a
 * linear or sample-and-hold one fails at 3 kHz), stored audio to PCM, the word
 * handling of recogniser output, and, with Debian's en-us model, the decoder and the
 * queue writing transcript states into a real (SQLite) store: a missing model gives
 * FAILED and keeps the message, a pending message is requeued at start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "media/media.h"
#include "transcribe/transcribe.h"

/* RMS error of the interpolated samples (odd positions, away from the edges) against
 * the sine itself, relative to the amplitude. */
static double interp_error(double hz)
{
	enum { N = 800 };
	int16_t in[N], out[2 * N];
	const double amp = 10000;
	for (int i = 0; i < N; i++)
		in[i] = (int16_t)lround(amp * sin(2 * M_PI * hz * i / 8000.0));
	transcribe_upsample(in, N, out);
	double e2 = 0;
	int cnt = 0;
	for (int j = 100; j < 2 * N - 100; j++) {
		assert_true(j % 2 || out[j] == in[j / 2]); /* input samples kept as they are */
		double want = amp * sin(2 * M_PI * hz * j / 16000.0);
		e2 += (out[j] - want) * (out[j] - want);
		cnt++;
	}
	return sqrt(e2 / cnt) / amp;
}

static void test_upsample(void **state)
{
	(void)state;
	assert_true(interp_error(300) < 0.01);
	assert_true(interp_error(1000) < 0.01);
	assert_true(interp_error(3000) < 0.02); /* linear interpolation: about 0.2 */
	/* a constant stays constant (unit gain at 0 Hz) */
	int16_t c[64], o[128];
	for (int i = 0; i < 64; i++)
		c[i] = 1234;
	transcribe_upsample(c, 64, o);
	for (int j = 40; j < 88; j++)
		assert_in_range(o[j], 1233, 1235);
	/* full-scale alternation (4 kHz, the edge of the band) neither overflows nor wraps */
	for (int i = 0; i < 64; i++)
		c[i] = i % 2 ? 32767 : -32768;
	transcribe_upsample(c, 64, o);
	for (int j = 40; j < 88; j += 2)
		assert_int_equal(o[j], c[j / 2]);
	transcribe_upsample(c, 0, o); /* empty: nothing written, no crash */
}

static void test_pcm_from_audio(void **state)
{
	(void)state;
	uint8_t u[4] = {0xff, 0x80, 0x00, 0x7f};
	store_audio a = {STORE_CODEC_PCMU, u, 4};
	int16_t *p = NULL;
	size_t n = 0;
	assert_int_equal(transcribe_pcm_from_audio(&a, &p, &n), 0);
	assert_int_equal(n, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(p[i], g711_ulaw_decode(u[i]));
	free(p);
	uint8_t l16[5] = {0x34, 0x12, 0xff, 0xff, 0x99}; /* the odd byte is dropped */
	a = (store_audio){STORE_CODEC_L16, l16, 5};
	assert_int_equal(transcribe_pcm_from_audio(&a, &p, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(p[0], 0x1234);
	assert_int_equal(p[1], -1);
	free(p);
	a = (store_audio){STORE_CODEC_PCMA, u, 0};
	assert_int_equal(transcribe_pcm_from_audio(&a, &p, &n), 0);
	assert_null(p);
	assert_int_equal(n, 0);
}

static void test_text_append(void **state)
{
	(void)state;
	char t[32] = "";
	assert_true(transcribe_text_append(t, sizeof(t), "<s> hello [NOISE] world(2) ++UM++ </s>"));
	assert_string_equal(t, "hello world");
	assert_true(transcribe_text_append(t, sizeof(t), "  again\n"));
	assert_string_equal(t, "hello world again");
	/* never cut in a word: what does not fit is dropped with all after it */
	assert_false(transcribe_text_append(t, sizeof(t), "one twotwotwotwo three"));
	assert_string_equal(t, "hello world again one");
	assert_true(transcribe_text_append(t, sizeof(t), NULL));
	char small[4] = "";
	assert_false(transcribe_text_append(small, sizeof(small), "four"));
	assert_string_equal(small, "");
	/* "(x)" that is not a pronunciation number stays */
	char u[32] = "";
	assert_true(transcribe_text_append(u, sizeof(u), "a(b) c(12)"));
	assert_string_equal(u, "a(b) c");
	transcribe_mode m;
	assert_int_equal(transcribe_mode_parse("narrowband", &m), 0);
	assert_int_equal(m, TRANSCRIBE_NARROWBAND);
	assert_string_equal(transcribe_mode_name(TRANSCRIBE_UPSAMPLE), "upsample");
	assert_int_equal(transcribe_mode_parse("fast", &m), OPENUM_EINVAL);
}

static void test_decoder_missing_model(void **state)
{
	(void)state;
	transcribe_decoder *d = NULL;
	const char *why = NULL;
	transcribe_model m = {.hmm = "/nonexistent/hmm"};
	assert_int_equal(transcribe_decoder_new(&m, &d, &why), OPENUM_ENOTFOUND);
	assert_non_null(strstr(why, "acoustic model"));
	m = (transcribe_model){.dict = "/nonexistent.dict"};
	assert_int_equal(transcribe_decoder_new(&m, &d, &why), OPENUM_ENOTFOUND);
	assert_non_null(strstr(why, "dictionary"));
	assert_null(d);
}

/* Silence and a tone hold no words: the decoder loads, runs twice (reused) and says "". */
static void test_decoder_no_speech(void **state)
{
	(void)state;
	transcribe_decoder *d = NULL;
	const char *why = NULL;
	assert_int_equal(transcribe_decoder_new(NULL, &d, &why), 0);
	int16_t *pcm = calloc(16000, sizeof(*pcm));
	assert_non_null(pcm);
	char text[256];
	assert_int_equal(transcribe_decoder_run(d, pcm, 16000, text, sizeof(text), &why), 0);
	assert_string_equal(text, "");
	assert_int_equal(transcribe_decoder_run(d, pcm, 0, text, sizeof(text), &why), 0);
	assert_string_equal(text, "");
	free(pcm);
	transcribe_decoder_free(d);
	transcribe_decoder_free(NULL);
}

typedef struct fx {
	char dir[64];
	char path[128];
	store *s;
	int64_t mb;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/openum-transcribe-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	store_options o = {.pin_iterations = 1000};
	assert_int_equal(store_open(f->path, &o, &f->s, NULL), 0);
	assert_int_equal(
	    store_mailbox_add(f->s, "alice@x.org", "Alice", "1001", NULL, &f->mb, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	store_close(f->s);
	char p[160];
	const char *ext[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, ext[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t add_msg(fx *f, store_transcript_state ts)
{
	uint8_t u[4000];
	memset(u, 0xff, sizeof(u)); /* mu-law silence */
	store_msg m = {.mailbox_id = f->mb, .state = STORE_MSG_NEW, .transcript_state = ts};
	m.audio = (store_audio){STORE_CODEC_PCMU, u, sizeof(u)};
	int64_t id = 0;
	assert_int_equal(store_msg_add(f->s, &m, &id, NULL), 0);
	return id;
}

static store_transcript_state state_of(fx *f, int64_t id)
{
	store_transcript_state ts = STORE_TRANSCRIPT_NONE;
	assert_int_equal(store_msg_get_transcript(f->s, id, &ts, NULL, NULL), 0);
	return ts;
}

/* Waits (up to 60 s: the model loads under sanitizers) until nothing is queued or
 * running and want transcripts were written. */
static void drain(transcribe_queue *q, uint64_t want)
{
	for (int i = 0; i < 6000; i++) {
		transcribe_queue_stats st;
		transcribe_queue_stats_get(q, &st);
		if (!st.queued && !st.running && st.done + st.failed >= want)
			return;
		usleep(10000);
	}
	fail_msg("the queue did not drain");
}

static void test_message_without_decoder(void **state)
{
	fx *f = *state;
	int64_t id = add_msg(f, STORE_TRANSCRIPT_PENDING);
	const char *why = NULL;
	assert_int_equal(transcribe_message(f->s, NULL, id, &why), OPENUM_ENOTFOUND);
	assert_int_equal(state_of(f, id), STORE_TRANSCRIPT_FAILED);
	store_msg m;
	assert_int_equal(store_msg_get(f->s, id, &m, NULL), 0); /* the message is intact */
	assert_int_equal(m.audio.len, 4000);
	store_msg_clear(&m);
	assert_int_equal(transcribe_message(f->s, NULL, id + 1000, &why), OPENUM_ENOTFOUND);
}

static void test_queue_missing_model(void **state)
{
	fx *f = *state;
	transcribe_queue_cfg cfg = {.model = {.lm = "/nonexistent.lm"}, .workers = 2};
	transcribe_queue *q = NULL;
	assert_int_equal(transcribe_queue_new(f->s, &cfg, &q, NULL), 0);
	int64_t a = add_msg(f, STORE_TRANSCRIPT_PENDING);
	int64_t b = add_msg(f, STORE_TRANSCRIPT_PENDING);
	assert_int_equal(transcribe_queue_add(q, a), 0);
	assert_int_equal(transcribe_queue_add(q, b), 0);
	drain(q, 2);
	transcribe_queue_stats st;
	transcribe_queue_stats_get(q, &st);
	assert_int_equal(st.failed, 2);
	assert_int_equal(st.done, 0);
	transcribe_queue_free(q);
	assert_int_equal(state_of(f, a), STORE_TRANSCRIPT_FAILED);
	assert_int_equal(state_of(f, b), STORE_TRANSCRIPT_FAILED);
}

static void test_queue_requeue_and_add(void **state)
{
	fx *f = *state;
	int64_t none = add_msg(f, STORE_TRANSCRIPT_NONE);
	int64_t left = add_msg(f, STORE_TRANSCRIPT_PENDING); /* as a crash leaves it */
	transcribe_queue_cfg cfg = {.requeue = true};
	transcribe_queue *q = NULL;
	assert_int_equal(transcribe_queue_new(f->s, &cfg, &q, NULL), 0);
	int64_t fresh = add_msg(f, STORE_TRANSCRIPT_PENDING);
	assert_int_equal(transcribe_queue_add(q, fresh), 0);
	assert_int_equal(transcribe_queue_add(q, fresh), 0); /* twice: decoded once at most */
	drain(q, 2);
	transcribe_queue_stats st;
	transcribe_queue_stats_get(q, &st);
	assert_int_equal(st.done, 2);
	assert_int_equal(st.failed, 0);
	transcribe_queue_free(q);
	assert_int_equal(state_of(f, left), STORE_TRANSCRIPT_DONE);
	assert_int_equal(state_of(f, fresh), STORE_TRANSCRIPT_DONE);
	assert_int_equal(state_of(f, none), STORE_TRANSCRIPT_NONE); /* nobody asked */
	transcribe_queue_free(NULL);
}

int main(void)
{
	ou_log_set_level(OU_LOG_OFF);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_upsample),
	    cmocka_unit_test(test_pcm_from_audio),
	    cmocka_unit_test(test_text_append),
	    cmocka_unit_test(test_decoder_missing_model),
	    cmocka_unit_test(test_decoder_no_speech),
	    cmocka_unit_test_setup_teardown(test_message_without_decoder, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_queue_missing_model, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_queue_requeue_and_add, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
