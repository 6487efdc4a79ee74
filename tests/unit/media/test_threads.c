/* Tests for the hand-off between the loop and the media threads (src/media/clock.c,
 * worker.c): sessions opened and closed while the threads send, closed from their own
 * play-done callback and at random moments of the slot ticks, a clock closed with calls
 * in flight, on_play_done on the loop thread and only for the play that is current,
 * sessions spread over several threads, and the thread options. ASan (the default test
 * build) catches a session or sound touched after its release; the sound reference
 * counts show that the threads let go of everything. */
#define _GNU_SOURCE /* CPU_SETSIZE */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cmocka.h>

#include "media/media.h"

enum { MAXS = 64 };

static uint16_t port_base(unsigned width)
{
	uint32_t r;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = 777;
	return (uint16_t)(20000 + 2 * (r % ((30000 - width) / 2)));
}

static uint32_t rnd(void)
{
	uint32_t r;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = 1;
	return r;
}

typedef struct rig {
	uv_loop_t loop;
	pthread_t loop_thread;
	media_clock *clock;
	uv_udp_t sink; /* receives and counts whatever the sessions send */
	uint16_t sink_port;
	uint8_t buf[MEDIA_RTP_MAX];
	unsigned received;
	media_session *s[MAXS];
	unsigned done_calls, done_off_loop;
	unsigned closed_in_done;
	media_sound *snd;
	uv_timer_t churn, stop;
	unsigned churn_left;
} rig;

static void sink_alloc(uv_handle_t *h, size_t n, uv_buf_t *b)
{
	rig *g = h->data;
	(void)n;
	*b = uv_buf_init((char *)g->buf, sizeof(g->buf));
}

static void sink_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b, const struct sockaddr *a,
                      unsigned flags)
{
	rig *g = h->data;
	(void)b, (void)flags;
	if (n > 0 && a)
		g->received++;
}

static void rig_open(rig *g, const media_clock_options *o)
{
	memset(g, 0, sizeof(*g));
	assert_int_equal(uv_loop_init(&g->loop), 0);
	g->loop_thread = pthread_self();
	uint16_t base = port_base(4 * MAXS + 40);
	const char *why = NULL;
	assert_int_equal(media_clock_open_opts(&g->loop, base, (uint16_t)(base + 4 * MAXS + 39), o,
	                                       &g->clock, &why),
	                 0);
	uv_udp_init(&g->loop, &g->sink);
	g->sink.data = g;
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", 0, &a);
	assert_int_equal(uv_udp_bind(&g->sink, (const struct sockaddr *)&a, 0), 0);
	int len = sizeof(a);
	assert_int_equal(uv_udp_getsockname(&g->sink, (struct sockaddr *)&a, &len), 0);
	g->sink_port = ntohs(a.sin_port);
	assert_int_equal(uv_udp_recv_start(&g->sink, sink_alloc, sink_recv), 0);
	uv_timer_init(&g->loop, &g->churn);
	uv_timer_init(&g->loop, &g->stop);
	g->churn.data = g->stop.data = g;
	/* 100 ms of mu-law "audio", shared by every session that plays it */
	uint8_t au[800];
	for (size_t i = 0; i < sizeof(au); i++)
		au[i] = (uint8_t)(0x10 + i % 64);
	assert_int_equal(media_sound_new(au, sizeof(au), &g->snd), 0);
}

/* The clock must already be closed (or never have had sessions left). */
static void rig_close(rig *g)
{
	uv_close((uv_handle_t *)&g->sink, NULL);
	uv_close((uv_handle_t *)&g->churn, NULL);
	uv_close((uv_handle_t *)&g->stop, NULL);
	uv_run(&g->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&g->loop), 0);
	/* every reference the sessions and threads took is back */
	assert_int_equal(media_sound_refs(g->snd), 1);
	media_sound_unref(g->snd);
}

static void on_done(media_session *s, void *arg);

static media_session *open_one(rig *g, bool dtmf)
{
	media_session_config cfg = {.bind_ip = "127.0.0.1",
	                            .codec = MEDIA_PCMU,
	                            .pt = 0,
	                            .dtmf_pt = dtmf ? 101 : 0,
	                            .remote_ip = "127.0.0.1",
	                            .remote_port = g->sink_port,
	                            .idle_silence = true,
	                            .on_play_done = on_done,
	                            .arg = g};
	media_session *s = NULL;
	const char *why = NULL;
	assert_int_equal(media_session_open(g->clock, &cfg, &s, &why), 0);
	return s;
}

static int index_of(rig *g, const media_session *s)
{
	for (int i = 0; i < MAXS; i++)
		if (g->s[i] == s)
			return i;
	return -1;
}

/* Half the sessions close themselves when their sound has been sent; the others play
 * it again. */
static void on_done(media_session *s, void *arg)
{
	rig *g = arg;
	g->done_calls++;
	if (!pthread_equal(pthread_self(), g->loop_thread))
		g->done_off_loop++;
	int i = index_of(g, s);
	assert_true(i >= 0);
	if (i % 2) {
		media_session_close(s);
		g->s[i] = NULL;
		g->closed_in_done++;
	} else {
		assert_int_equal(media_session_play_sound(s, g->snd), 0);
	}
}

static void stop_cb(uv_timer_t *h)
{
	uv_stop(h->loop);
}

/* Every millisecond: close a random session and open another in its place, playing the
 * shared sound (some with DTMF queued), whatever the media thread is doing. */
static void churn_cb(uv_timer_t *h)
{
	rig *g = h->data;
	for (int k = 0; k < 3; k++) {
		int i = (int)(rnd() % MAXS);
		if (g->s[i])
			media_session_close(g->s[i]);
		g->s[i] = open_one(g, i % 3 == 0);
		assert_int_equal(media_session_play_sound(g->s[i], g->snd), 0);
		if (i % 3 == 0)
			assert_int_equal(media_session_send_dtmf(g->s[i], "1#", 40), 0);
	}
	if (--g->churn_left == 0)
		uv_timer_stop(h);
}

/* Sessions come and go while two media threads send (closed by the loop between and
 * during slot ticks, and from their own play-done callback); at the end the rest are
 * closed by hand. Nothing is touched after its release (ASan), every play-done ran on
 * the loop thread, and the sound's references all came back. */
static void test_add_remove_while_running(void **state)
{
	(void)state;
	static rig g;
	media_clock_options o = {.threads = 2};
	rig_open(&g, &o);
	for (int i = 0; i < MAXS; i++) {
		g.s[i] = open_one(&g, false);
		assert_int_equal(media_session_play_sound(g.s[i], g.snd), 0);
	}
	g.churn_left = 150;
	uv_timer_start(&g.churn, churn_cb, 1, 1);
	uv_timer_start(&g.stop, stop_cb, 400, 0);
	uv_run(&g.loop, UV_RUN_DEFAULT);
	assert_true(g.received > 0);
	assert_true(g.done_calls > 0);
	assert_int_equal(g.done_off_loop, 0);
	media_clock_stats st;
	media_clock_get_stats(g.clock, &st);
	assert_int_equal(st.threads, 2);
	unsigned open = 0;
	for (int i = 0; i < MAXS; i++)
		if (g.s[i]) {
			open++;
			assert_true(media_session_thread(g.s[i]) < 2);
		}
	assert_int_equal(st.sessions, open);
	for (int i = 0; i < MAXS; i++)
		if (g.s[i]) {
			media_session_close(g.s[i]);
			g.s[i] = NULL;
		}
	media_clock_get_stats(g.clock, &st);
	assert_int_equal(st.sessions, 0);
	media_clock_close(g.clock);
	rig_close(&g);
}

/* The clock is closed with every session open, playing and with DTMF queued: the
 * threads let go of them all and are joined; nothing leaks (LeakSanitizer). */
static void test_shutdown_with_calls_in_flight(void **state)
{
	(void)state;
	static rig g;
	media_clock_options o = {.threads = 3};
	rig_open(&g, &o);
	for (int i = 0; i < MAXS; i++) {
		g.s[i] = open_one(&g, true);
		assert_int_equal(media_session_play_sound(g.s[i], g.snd), 0);
		assert_int_equal(media_session_send_dtmf(g.s[i], "123", 60), 0);
		assert_int_equal(media_session_record_start(g.s[i], 0), 0);
	}
	uv_timer_start(&g.stop, stop_cb, 60, 0);
	uv_run(&g.loop, UV_RUN_DEFAULT);
	assert_true(media_sound_refs(g.snd) > 1);
	media_clock_close(g.clock); /* no media_session_close: the clock does it */
	rig_close(&g);
}

static void count_done(media_session *s, void *arg)
{
	unsigned *n = arg;
	(void)s;
	(*n)++;
}

static void stop_when_done(uv_timer_t *h)
{
	media_session *s = h->data;
	if (!media_session_playing(s))
		uv_stop(h->loop);
}

/* A play replaced before it ends gets no on_play_done; the one that replaced it does,
 * once, on the loop thread; a stopped play gets none. */
static void test_play_done_only_for_current(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	uint16_t base = port_base(20);
	media_clock *c;
	assert_int_equal(media_clock_open(&loop, base, (uint16_t)(base + 19), &c), 0);
	unsigned done = 0;
	media_session_config cfg = {.bind_ip = "127.0.0.1",
	                            .codec = MEDIA_PCMA,
	                            .pt = 8,
	                            .remote_ip = "127.0.0.1",
	                            .remote_port = 9, /* discard: nobody reads it */
	                            .on_play_done = count_done,
	                            .arg = &done};
	media_session *s;
	assert_int_equal(media_session_open(c, &cfg, &s, NULL), 0);
	static uint8_t longer[MEDIA_FRAME * 200], shorter[MEDIA_FRAME * 3 + 7];
	memset(longer, 0x55, sizeof(longer));
	memset(shorter, 0x2a, sizeof(shorter));
	assert_int_equal(media_session_play(s, longer, sizeof(longer), MEDIA_PCMU), 0);
	/* the copy is the thread's: the caller's buffer may change at once */
	memset(longer, 0, sizeof(longer));
	assert_int_equal(media_session_play(s, shorter, sizeof(shorter), MEDIA_PCMA), 0);
	assert_true(media_session_playing(s));
	uv_timer_t t;
	uv_timer_init(&loop, &t);
	t.data = s;
	uv_timer_start(&t, stop_when_done, 5, 5);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(done, 1);
	/* a stopped play: no callback, not playing */
	assert_int_equal(media_session_play(s, longer, sizeof(longer), MEDIA_PCMU), 0);
	media_session_play_stop(s);
	assert_false(media_session_playing(s));
	assert_int_equal(media_clock_sync(c), 0);
	assert_int_equal(done, 1);
	media_session_stats ss;
	media_session_get_stats(s, &ss);
	assert_true(ss.sent >= 4); /* the four frames of the short play at least */
	assert_int_equal(ss.send_errors, 0);
	media_session_close(s);
	media_clock_close(c);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* Options: a pinned thread sends like any other; bad values are refused with a reason. */
static void test_options(void **state)
{
	(void)state;
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	uint16_t base = port_base(20);
	media_clock *c = NULL;
	const char *why = NULL;
	media_clock_options o = {.threads = MEDIA_THREADS_MAX + 1};
	assert_int_equal(media_clock_open_opts(&loop, base, (uint16_t)(base + 19), &o, &c, &why),
	                 OPENUM_EINVAL);
	assert_non_null(why);
	o = (media_clock_options){.fifo_prio = 100};
	assert_int_equal(media_clock_open_opts(&loop, base, (uint16_t)(base + 19), &o, &c, &why),
	                 OPENUM_EINVAL);
	/* --media-spin: 0 to MEDIA_SPIN_MAX_US microseconds */
	o = (media_clock_options){.spin_us = MEDIA_SPIN_MAX_US + 1};
	why = NULL;
	assert_int_equal(media_clock_open_opts(&loop, base, (uint16_t)(base + 19), &o, &c, &why),
	                 OPENUM_EINVAL);
	assert_string_equal(why, "media: bad media thread options");
	o = (media_clock_options){.spin_us = MEDIA_SPIN_MAX_US};
	assert_int_equal(media_clock_open_opts(&loop, base, (uint16_t)(base + 19), &o, &c, &why),
	                 0);
	media_clock_close(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	c = NULL;
	/* a CPU this machine does not have */
	o = (media_clock_options){.ncpus = 1, .cpus = {CPU_SETSIZE - 1}};
	why = NULL;
	assert_int_equal(media_clock_open_opts(&loop, base, (uint16_t)(base + 19), &o, &c, &why),
	                 OPENUM_EINVAL);
	assert_string_equal(why, "media: cannot pin the media thread to that CPU");
	/* CPU 0 exists everywhere */
	o = (media_clock_options){.threads = 2, .ncpus = 1, .cpus = {0}};
	assert_int_equal(media_clock_open_opts(&loop, base, (uint16_t)(base + 19), &o, &c, &why),
	                 0);
	media_clock_stats st;
	media_clock_get_stats(c, &st);
	assert_int_equal(st.threads, 2);
	/* a new session goes to the thread with fewer sessions */
	media_session_config cfg = {.bind_ip = "127.0.0.1", .codec = MEDIA_PCMU};
	media_session *s[6];
	unsigned on[2] = {0};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(media_session_open(c, &cfg, &s[i], NULL), 0);
		on[media_session_thread(s[i])]++;
	}
	assert_int_equal(on[0], 3);
	assert_int_equal(on[1], 3);
	unsigned closed_on = media_session_thread(s[0]);
	for (int i = 0, n = 0; i < 6 && n < 2; i++)
		if (s[i] && media_session_thread(s[i]) == closed_on) {
			media_session_close(s[i]);
			s[i] = NULL;
			n++;
		}
	assert_int_equal(media_clock_sync(c), 0); /* their ports are free again */
	media_session *more[2];
	for (int i = 0; i < 2; i++) {
		assert_int_equal(media_session_open(c, &cfg, &more[i], NULL), 0);
		assert_int_equal(media_session_thread(more[i]), closed_on);
	}
	media_clock_close(c); /* closes what is left */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_remove_while_running),
	    cmocka_unit_test(test_shutdown_with_calls_in_flight),
	    cmocka_unit_test(test_play_done_only_for_current),
	    cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
