/* Tests for src/media/session.c on a real libuv loop and 127.0.0.1: a sender plays 50
 * packets of a tone and three RFC 4733 digits to a receiver that latches on, answers
 * (symmetric RTP), records through the jitter buffer and reports the digits; pacing of
 * many sessions against the monotonic clock; port-range and API errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "media/media.h"

#define TONE_SAMPLES (50 * MEDIA_FRAME)

static uint16_t port_base(unsigned width)
{
	uint32_t r;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = 12345;
	return (uint16_t)(20000 + 2 * (r % ((30000 - width) / 2)));
}

typedef struct lb {
	uv_loop_t loop;
	uv_timer_t watch;
	media_clock *clock;
	media_session *a, *b;
	char digits[16];
	unsigned ndigits;
	bool played;
	unsigned after; /* watch ticks since everything arrived */
	unsigned elapsed;
	uint8_t tone[TONE_SAMPLES];
} lb;

static void on_dtmf(media_session *s, char d, void *arg)
{
	lb *t = arg;
	if (t->ndigits < sizeof(t->digits) - 1)
		t->digits[t->ndigits++] = d;
}

static void on_done(media_session *s, void *arg)
{
	lb *t = arg;
	t->played = true;
	assert_int_equal(media_session_send_dtmf(s, "12#", 80), 0);
}

static void watch_cb(uv_timer_t *h)
{
	lb *t = h->data;
	t->elapsed += 20;
	if (t->ndigits >= 3 && t->played)
		t->after++;
	/* a little longer for the last end packets to arrive */
	if (t->after >= 10 || t->elapsed > 5000)
		uv_stop(&t->loop);
}

static void test_loopback_tone_and_dtmf(void **state)
{
	(void)state;
	lb *t = calloc(1, sizeof(*t));
	assert_int_equal(uv_loop_init(&t->loop), 0);
	uint16_t base = port_base(200);
	assert_int_equal(media_clock_open(&t->loop, base, (uint16_t)(base + 199), &t->clock), 0);

	media_session_config bc = {.bind_ip = "127.0.0.1",
	                           .codec = MEDIA_PCMU,
	                           .pt = 0,
	                           .dtmf_pt = 101,
	                           .idle_silence = true,
	                           .on_dtmf = on_dtmf,
	                           .arg = t};
	const char *why = NULL;
	assert_int_equal(media_session_open(t->clock, &bc, &t->b, &why), 0);
	assert_int_equal(media_session_record_start(t->b, 0), 0);
	uint16_t bport = media_session_port(t->b);
	assert_int_equal(bport % 2, 0);
	assert_true(bport >= base && bport < base + 199);

	media_session_config ac = {.bind_ip = "127.0.0.1",
	                           .codec = MEDIA_PCMU,
	                           .pt = 0,
	                           .dtmf_pt = 101,
	                           .idle_silence = true,
	                           .on_play_done = on_done,
	                           .arg = t};
	assert_int_equal(media_session_open(t->clock, &ac, &t->a, &why), 0);
	assert_int_not_equal(media_session_port(t->a), bport);

	/* a 440 Hz tone with a slow amplitude ramp, so a shifted copy would not match */
	int16_t pcm[TONE_SAMPLES];
	for (int i = 0; i < TONE_SAMPLES; i++)
		pcm[i] = (int16_t)((2000 + i) * sin(2 * M_PI * 440 * i / 8000.0));
	g711_encode(MEDIA_PCMU, pcm, TONE_SAMPLES, t->tone);
	/* handed over A-law-free: the session codec, no transcoding */
	assert_int_equal(media_session_play(t->a, t->tone, TONE_SAMPLES, MEDIA_PCMU), 0);
	assert_true(media_session_playing(t->a));
	/* the address after the audio: the media thread may run a tick between two
	 * commands, and without an address it sends nothing (no silence before the tone) */
	assert_int_equal(media_session_set_remote(t->a, "127.0.0.1", bport), 0);

	uv_timer_init(&t->loop, &t->watch);
	t->watch.data = t;
	uv_timer_start(&t->watch, watch_cb, 20, 20);
	uv_run(&t->loop, UV_RUN_DEFAULT);

	assert_string_equal(t->digits, "12#");
	assert_true(t->played);
	assert_false(media_session_playing(t->a));

	media_session_stats sa, sb;
	media_session_get_stats(t->a, &sa);
	media_session_get_stats(t->b, &sb);
	/* 50 tone packets, then 3 digits of 80 ms: 4 + 2 end repeats each */
	assert_true(sa.sent >= 50 + 3 * 6);
	assert_int_equal(sa.send_errors, 0);
	assert_true(sb.received >= 50 + 3 * 6);
	assert_int_equal(sb.rx_bad, 0);
	assert_int_equal(sb.lost, 0);
	assert_true(sb.latched);
	/* symmetric RTP: B had no address until A's packets came, then answered A */
	assert_true(sb.sent > 0);
	assert_true(sa.received > 0);
	assert_true(sa.latched);

	int16_t *rec;
	size_t n;
	assert_int_equal(media_session_record_take(t->b, &rec, &n), 0);
	assert_true(n >= TONE_SAMPLES);
	/* the recording starts with the first packet: best correlation at lag 0, and the
	 * samples are exactly the decoded tone (loopback loses nothing) */
	int16_t want[TONE_SAMPLES];
	g711_decode(MEDIA_PCMU, t->tone, TONE_SAMPLES, want);
	double best = -2;
	int best_lag = -1;
	for (int lag = 0; lag <= 320; lag++) {
		double xy = 0, xx = 0, yy = 0;
		for (int i = 0; i + lag < (int)n && i < TONE_SAMPLES - 320; i++) {
			xy += (double)want[i] * rec[i + lag];
			xx += (double)want[i] * want[i];
			yy += (double)rec[i + lag] * rec[i + lag];
		}
		double c = xy / sqrt(xx * yy + 1);
		if (c > best) {
			best = c;
			best_lag = lag;
		}
	}
	/* exact also when a loaded machine (or a TSan build) starved the media thread: it
	 * sends late and skips nothing, so no silence is put into the tone */
	assert_int_equal(best_lag, 0);
	assert_true(best > 0.999);
	assert_memory_equal(rec, want, sizeof(want));
	/* DTMF replaced audio afterwards, then A sent silence: the time the digits took
	 * is in the recording as silence */
	assert_true(n >= TONE_SAMPLES + 3 * 640);
	for (size_t i = TONE_SAMPLES; i < n; i++)
		assert_true(abs(rec[i]) <= 8);
	free(rec);
	media_session_get_stats(t->b, &sb);
	assert_int_equal(sb.recorded, 0);

	media_clock_stats cs;
	media_clock_get_stats(t->clock, &cs);
	assert_true(cs.ticks >= 50 + 18);
	assert_int_equal(cs.sessions, 2);

	media_session_close(t->a);
	media_session_close(t->b);
	media_clock_get_stats(t->clock, &cs);
	assert_int_equal(cs.sessions, 0);
	media_clock_close(t->clock);
	uv_close((uv_handle_t *)&t->watch, NULL);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&t->loop), 0);
	free(t);
}

static void stop_cb(uv_timer_t *h)
{
	uv_stop(h->loop);
}

/* 200 sessions on one clock for 600 ms: each sends one packet per tick, and the clock's
 * tick count follows the monotonic clock (no drift). */
static void test_many_sessions_paced(void **state)
{
	(void)state;
	enum { N = 200 };
	uv_loop_t loop;
	uv_loop_init(&loop);
	uint16_t base = port_base(2 * N + 20);
	media_clock *c;
	uint64_t t0 = uv_hrtime();
	assert_int_equal(media_clock_open(&loop, base, (uint16_t)(base + 2 * N + 19), &c), 0);
	media_session *sink;
	media_session_config sc = {.bind_ip = "127.0.0.1", .codec = MEDIA_PCMA, .pt = 8};
	assert_int_equal(media_session_open(c, &sc, &sink, NULL), 0);
	media_session *s[N];
	media_session_config cfg = {.bind_ip = "127.0.0.1",
	                            .codec = MEDIA_PCMA,
	                            .pt = 8,
	                            .remote_ip = "127.0.0.1",
	                            .remote_port = media_session_port(sink),
	                            .idle_silence = true};
	for (int i = 0; i < N; i++)
		assert_int_equal(media_session_open(c, &cfg, &s[i], NULL), 0);
	assert_int_equal(media_clock_sync(c), 0); /* every session is on the media thread */
	media_clock_stats st0;
	media_clock_get_stats(c, &st0);
	uv_timer_t stop;
	uv_timer_init(&loop, &stop);
	uv_timer_start(&stop, stop_cb, 600, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	/* stop the sends and let the media thread catch up: the counts read next are final */
	for (int i = 0; i < N; i++)
		assert_int_equal(media_session_set_remote(s[i], "0.0.0.0", 0), 0);
	assert_int_equal(media_clock_sync(c), 0);
	uint64_t ms = (uv_hrtime() - t0) / 1000000;
	media_clock_stats st;
	media_clock_get_stats(c, &st);
	/* due times are counted from the clock's start, moved back by the stalls (one
	 * thread): late ticks are caught up or run late, never lost from the count */
	uint64_t ran = st.ticks + st.shift_max_ns / 20000000u;
	if (ran + 2 < ms / 20 || ran > ms / 20 + 2)
		fail_msg("%llu ticks in %llu ms", (unsigned long long)ran, (unsigned long long)ms);
	for (int i = 0; i < N; i++) {
		media_session_stats ss;
		media_session_get_stats(s[i], &ss);
		/* one packet per tick run since it was opened (the stops, one command per
		 * session, may reach a thread that is catching up in two batches) */
		assert_true(ss.sent + 2 >= st.ticks - st0.ticks && ss.sent <= st.ticks);
		media_session_close(s[i]);
	}
	media_session_stats ks;
	media_session_get_stats(sink, &ks);
	assert_true(ks.received > 0);
	assert_int_equal(ks.rx_other, 0);
	media_session_close(sink);
	media_clock_close(c);
	uv_close((uv_handle_t *)&stop, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* A prompt played while the media thread stalls (a starved thread on a loaded machine:
 * the cause of the integration tests that did not hear a message) reaches a recording
 * receiver whole: every frame in order, with contiguous timestamps, so its jitter buffer
 * puts no silence into it. The stall starts once the receiver has heard 10 packets of
 * the 2 s prompt and lasts 150 ms, over MEDIA_CLOCK_MAX_BEHIND periods. */
enum { PROMPT_FRAMES = 100 };

typedef struct stl {
	media_clock *clock;
	media_session *rx;
	bool stalled, done;
} stl;

static void stl_done(media_session *s, void *arg)
{
	stl *t = arg;
	(void)s;
	t->done = true;
}

static void stl_watch(uv_timer_t *h)
{
	stl *t = h->data;
	media_session_stats st;
	media_session_get_stats(t->rx, &st);
	if (!t->stalled && st.received >= 10) {
		t->stalled = true;
		assert_int_equal(media_clock_stall(t->clock, 150), 0);
	}
	if (t->done)
		uv_stop(h->loop);
}

static void test_stall_delivers_every_frame(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	uint16_t base = port_base(20);
	stl t = {0};
	assert_int_equal(media_clock_open(&loop, base, (uint16_t)(base + 19), &t.clock), 0);
	media_session_config rc = {.bind_ip = "127.0.0.1", .codec = MEDIA_PCMU, .pt = 0};
	assert_int_equal(media_session_open(t.clock, &rc, &t.rx, NULL), 0);
	assert_int_equal(media_session_record_start(t.rx, 0), 0);
	media_session_config sc = {.bind_ip = "127.0.0.1",
	                           .codec = MEDIA_PCMU,
	                           .pt = 0,
	                           .remote_ip = "127.0.0.1",
	                           .remote_port = media_session_port(t.rx),
	                           .on_play_done = stl_done,
	                           .arg = &t};
	media_session *tx;
	assert_int_equal(media_session_open(t.clock, &sc, &tx, NULL), 0);
	/* a distinct mu-law pattern per frame (no silence byte), so any frame lost, repeated,
	 * moved or cut by silence shows */
	static uint8_t prompt[PROMPT_FRAMES * MEDIA_FRAME];
	for (size_t i = 0; i < sizeof(prompt); i++)
		prompt[i] = (uint8_t)(0x10 + (i / MEDIA_FRAME) % 0x60 + (i % 7));
	assert_int_equal(media_session_play(tx, prompt, sizeof(prompt), MEDIA_PCMU), 0);
	uv_timer_t watch;
	uv_timer_init(&loop, &watch);
	watch.data = &t;
	uv_timer_start(&watch, stl_watch, 5, 5);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_true(t.stalled);
	assert_true(t.done);
	assert_int_equal(media_clock_sync(t.clock), 0);
	uv_run(&loop, UV_RUN_NOWAIT); /* the last packets */
	media_clock_stats cs;
	media_clock_get_stats(t.clock, &cs);
	assert_true(cs.shifts > 0); /* the stall did make the thread fall behind */
	media_session_stats rs;
	media_session_get_stats(t.rx, &rs);
	assert_int_equal(rs.lost, 0);

	int16_t *rec;
	size_t n;
	assert_int_equal(media_session_record_take(t.rx, &rec, &n), 0);
	int16_t want[PROMPT_FRAMES * MEDIA_FRAME];
	g711_decode(MEDIA_PCMU, prompt, sizeof(prompt), want);
	/* the recording is the prompt, sample for sample, nothing before or between */
	assert_int_equal(n, PROMPT_FRAMES * MEDIA_FRAME);
	assert_memory_equal(rec, want, sizeof(want));
	free(rec);

	media_session_close(tx);
	media_session_close(t.rx);
	media_clock_close(t.clock);
	uv_close((uv_handle_t *)&watch, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_errors(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	media_clock *c;
	assert_int_equal(media_clock_open(&loop, 100, 100, &c), OPENUM_EINVAL);
	assert_int_equal(media_clock_open(&loop, 101, 102, &c), OPENUM_EINVAL);
	uint16_t base = port_base(4);
	/* room for exactly one pair */
	assert_int_equal(media_clock_open(&loop, base, (uint16_t)(base + 1), &c), 0);
	media_session_config cfg = {.bind_ip = "127.0.0.1", .codec = MEDIA_PCMU};
	media_session *s, *s2;
	const char *why = NULL;
	assert_int_equal(media_session_open(c, &cfg, &s, &why), 0);
	assert_int_equal(media_session_port(s), base);
	assert_int_equal(media_session_open(c, &cfg, &s2, &why), OPENUM_EIO);
	assert_string_equal(why, "media: no free port pair in the range");

	assert_int_equal(media_session_send_dtmf(s, "1", 100), OPENUM_ENOTFOUND);
	assert_int_equal(media_session_set_remote(s, "not-an-ip", 4000), OPENUM_EINVAL);
	assert_int_equal(media_session_set_remote(s, "::1", 4000), 0);
	assert_int_equal(media_session_play(s, NULL, 10, MEDIA_PCMU), OPENUM_EINVAL);
	uint8_t x[4] = {0};
	assert_int_equal(media_session_play(s, x, 4, (media_codec)3), OPENUM_EINVAL);
	media_session_close(s);
	/* the port pair is free again once the media thread has let the session go */
	assert_int_equal(media_clock_sync(c), 0);
	uv_run(&loop, UV_RUN_NOWAIT);

	cfg.dtmf_pt = 101;
	assert_int_equal(media_session_open(c, &cfg, &s, &why), 0);
	assert_int_equal(media_session_send_dtmf(s, "12x", 100), OPENUM_EINVAL);
	assert_int_equal(media_session_send_dtmf(s, "0123456789*#ABCD0123456789*#ABCD", 100), 0);
	assert_int_equal(media_session_send_dtmf(s, "1", 100), OPENUM_ETOOBIG);
	media_session_close(s);
	assert_int_equal(media_clock_sync(c), 0);
	uv_run(&loop, UV_RUN_NOWAIT);

	cfg.codec = (media_codec)9;
	assert_int_equal(media_session_open(c, &cfg, &s, &why), OPENUM_EINVAL);
	assert_string_equal(why, "media: codec must be PCMU or PCMA");
	cfg.codec = MEDIA_PCMU;
	cfg.dtmf_pt = 0x80;
	assert_int_equal(media_session_open(c, &cfg, &s, &why), OPENUM_EINVAL);
	cfg.dtmf_pt = 0;
	cfg.bind_ip = "999.1.1.1";
	assert_int_equal(media_session_open(c, &cfg, &s, &why), OPENUM_EINVAL);
	cfg.bind_ip = "127.0.0.1";
	cfg.remote_ip = "bogus";
	assert_int_equal(media_session_open(c, &cfg, &s, &why), OPENUM_EINVAL);
	assert_string_equal(why, "media: bad remote address");

	media_clock_close(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loopback_tone_and_dtmf),
	    cmocka_unit_test(test_many_sessions_paced),
	    cmocka_unit_test(test_stall_delivers_every_frame),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
