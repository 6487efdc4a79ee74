/* Tests for the slot scheduling of media_clock (src/media/session.c): sessions are
 * spread evenly over the MEDIA_CLOCK_SLOTS phases of the 20 ms period, every session
 * sends exactly once per period (none starves, none sends twice), and the RTP sequence
 * numbers and timestamps of each stream stay exact, also across a stalled media thread
 * (which sends late and skips nothing).
 * The packets are received on the loop by a plain libuv UDP socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <cmocka.h>

#include "media/media.h"

enum { N = 3 * MEDIA_CLOCK_SLOTS + 3, MAXP = 256 };

typedef struct stream {
	uint32_t ssrc;
	unsigned n;
	uint16_t seq[MAXP];
	uint32_t ts[MAXP];
} stream;

typedef struct rx {
	uv_udp_t sock;
	stream st[N];
	unsigned nst;
	unsigned bad;    /* unparsable, unknown streams, overflow */
	unsigned win[N]; /* packets each session sent in the periods counted (not the opening) */
	uint8_t buf[MEDIA_RTP_MAX];
} rx;

static uint16_t port_base(unsigned width)
{
	uint32_t r;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = 4321;
	return (uint16_t)(20000 + 2 * (r % ((30000 - width) / 2)));
}

static void rx_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	rx *r = h->data;
	(void)suggested;
	*b = uv_buf_init((char *)r->buf, sizeof(r->buf));
}

static void rx_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *b, const struct sockaddr *a,
                  unsigned flags)
{
	rx *r = h->data;
	(void)flags;
	if (nread <= 0 || !a)
		return;
	rtp_packet p;
	if (rtp_parse((const uint8_t *)b->base, (size_t)nread, &p, NULL) != 0) {
		r->bad++;
		return;
	}
	stream *s = NULL;
	for (unsigned i = 0; i < r->nst && !s; i++)
		if (r->st[i].ssrc == p.ssrc)
			s = &r->st[i];
	if (!s && r->nst < N) {
		s = &r->st[r->nst++];
		s->ssrc = p.ssrc;
	}
	if (!s || s->n == MAXP) {
		r->bad++;
		return;
	}
	s->seq[s->n] = p.seq;
	s->ts[s->n] = p.ts;
	s->n++;
}

static void stop_cb(uv_timer_t *h)
{
	uv_stop(h->loop);
}

static void stall_cb(uv_timer_t *h)
{
	/* the media thread sleeps over MEDIA_CLOCK_MAX_BEHIND periods: its schedule moves */
	assert_int_equal(media_clock_stall(h->data, 130), 0);
}

/* Runs N sessions sending silence to one receiver for run_ms (with a stall of the loop
 * at stall_ms when not 0); fills r and the clock's statistics. */
static void run(rx *r, unsigned run_ms, unsigned stall_ms, media_clock_stats *st,
                const media_clock_options *o)
{
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	memset(r, 0, sizeof(*r));
	uv_udp_init(&loop, &r->sock);
	r->sock.data = r;
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", 0, &a);
	assert_int_equal(uv_udp_bind(&r->sock, (const struct sockaddr *)&a, 0), 0);
	int len = sizeof(a);
	assert_int_equal(uv_udp_getsockname(&r->sock, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(uv_udp_recv_start(&r->sock, rx_alloc, rx_cb), 0);

	uint16_t base = port_base(2 * N + 20);
	media_clock *c;
	assert_int_equal(
	    media_clock_open_opts(&loop, base, (uint16_t)(base + 2 * N + 19), o, &c, NULL), 0);
	media_session_config cfg = {.bind_ip = "127.0.0.1",
	                            .codec = MEDIA_PCMU,
	                            .pt = 0,
	                            .remote_ip = "127.0.0.1",
	                            .remote_port = ntohs(a.sin_port),
	                            .idle_silence = true};
	media_session *s[N];
	unsigned per_slot[MEDIA_CLOCK_SLOTS] = {0};
	for (int i = 0; i < N; i++) {
		assert_int_equal(media_session_open(c, &cfg, &s[i], NULL), 0);
		unsigned slot = media_session_slot(s[i]);
		assert_true(slot < MEDIA_CLOCK_SLOTS);
		per_slot[slot]++;
	}
	/* evenly spread: 33 sessions over 10 slots are 4, 4, 4, 3, ... */
	for (unsigned i = 0; i < MEDIA_CLOCK_SLOTS; i++)
		assert_true(per_slot[i] == N / MEDIA_CLOCK_SLOTS ||
		            per_slot[i] == N / MEDIA_CLOCK_SLOTS + 1);

	/* the media thread ticks from the clock's start, also while the sessions open: count
	 * the periods from the moment it has them all */
	assert_int_equal(media_clock_sync(c), 0);
	media_clock_stats st0;
	media_clock_get_stats(c, &st0);
	uint64_t sent0[N];
	for (int i = 0; i < N; i++) {
		media_session_stats ss;
		media_session_get_stats(s[i], &ss);
		sent0[i] = ss.sent;
	}
	uv_timer_t stop, stall;
	uv_timer_init(&loop, &stop);
	uv_timer_init(&loop, &stall);
	uv_timer_start(&stop, stop_cb, run_ms, 0);
	stall.data = c;
	if (stall_ms)
		uv_timer_start(&stall, stall_cb, stall_ms, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	/* stop the sends (no address) and wait until the media thread has: the counts
	 * read next are final */
	for (int i = 0; i < N; i++)
		assert_int_equal(media_session_set_remote(s[i], "0.0.0.0", 0), 0);
	assert_int_equal(media_clock_sync(c), 0);
	media_clock_get_stats(c, st);
	st->ticks -= st0.ticks;
	st->shifts -= st0.shifts;
	st->shift_max_ns -= st0.shift_max_ns;
	uint64_t sent = 0;
	for (int i = 0; i < N; i++) {
		media_session_stats ss;
		media_session_get_stats(s[i], &ss);
		sent += ss.sent;
		r->win[i] = (unsigned)(ss.sent - sent0[i]);
		assert_int_equal(ss.send_errors, 0);
		media_session_close(s[i]);
	}
	media_clock_close(c);
	/* what is still queued on loopback is read before the receiver closes (libuv reads
	 * a bounded number of datagrams per wake-up) */
	for (unsigned k = 0, got = UINT32_MAX; k < 100; k++) {
		unsigned now = 0;
		for (unsigned i = 0; i < r->nst; i++)
			now += r->st[i].n;
		if (now == got && now >= sent)
			break;
		got = now;
		uv_run(&loop, UV_RUN_NOWAIT);
	}
	uv_close((uv_handle_t *)&r->sock, NULL);
	uv_close((uv_handle_t *)&stop, NULL);
	uv_close((uv_handle_t *)&stall, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	unsigned got = 0;
	for (unsigned i = 0; i < r->nst; i++)
		got += r->st[i].n;
	assert_int_equal(r->bad, 0);
	assert_int_equal(r->nst, N);
	assert_int_equal(got, sent); /* nothing lost on loopback: what was sent is here */
}

/* The pure choice: the least loaded slot, the first among equals. */
static void test_slot_pick(void **state)
{
	(void)state;
	unsigned c[4] = {2, 1, 1, 3};
	assert_int_equal(media_clock_slot_pick(c, 4), 1);
	c[1] = 5;
	assert_int_equal(media_clock_slot_pick(c, 4), 2);
	unsigned z[3] = {0, 0, 0};
	assert_int_equal(media_clock_slot_pick(z, 3), 0);
	assert_int_equal(media_clock_slot_pick(z, 1), 0);
}

/* Every session sends once per period: counts differ by at most one between sessions
 * (the last period may stop half-way through the slots) and match the periods run;
 * each stream's sequence numbers go up by one and its timestamps by 160. */
static void once_per_period(const media_clock_options *o)
{
	static rx r;
	media_clock_stats st;
	run(&r, 300, 0, &st, o);
	assert_true(st.ticks >= 5);
	unsigned lo = MAXP, hi = 0;
	for (unsigned i = 0; i < N; i++) {
		lo = r.win[i] < lo ? r.win[i] : lo;
		hi = r.win[i] > hi ? r.win[i] : hi;
	}
	for (unsigned i = 0; i < r.nst; i++) {
		stream *s = &r.st[i];
		for (unsigned k = 1; k < s->n; k++) {
			assert_int_equal((uint16_t)(s->seq[k] - s->seq[k - 1]), 1);
			/* also when a loaded machine starved the media thread: nothing skipped */
			assert_int_equal(s->ts[k] - s->ts[k - 1], MEDIA_FRAME);
		}
	}
	/* the stops (one command per session) may reach a thread that is catching up in
	 * two batches, a period apart */
	unsigned slack = 1;
	assert_true(lo > 0); /* nobody starves */
	assert_true(hi - lo <= 1 + slack);
	/* one packet per period run (counted from the moment the thread has every session:
	 * the opening of 33 sessions can take periods on a loaded machine) */
	if (hi > st.ticks + 1 || lo + 1 + slack < st.ticks)
		fail_msg("%u to %u packets per stream in %llu periods (%llu shifts)", lo, hi,
		         (unsigned long long)st.ticks, (unsigned long long)st.shifts);
}

static void test_once_per_period(void **state)
{
	(void)state;
	once_per_period(NULL);
}

/* --media-spin: a thread that wakes early and busy-waits to each due slot tick (over
 * the empty ones) still sends every session once per period, in order. */
static void test_spin_once_per_period(void **state)
{
	(void)state;
	media_clock_options o = {.spin_us = 500};
	once_per_period(&o);
}

/* A media thread stalled for 130 ms gives nothing up: its schedule moves back by the
 * stall for every slot alike, and each stream goes on with contiguous sequence numbers
 * and timestamps (one frame per packet), no timestamp jump, no burst. */
static void test_stall_sends_late_skips_nothing(void **state)
{
	(void)state;
	static rx r;
	media_clock_stats st;
	run(&r, 400, 150, &st, NULL);
	assert_true(st.shifts > 0);
	assert_true(st.shift_max_ns >=
	            (uint64_t)MEDIA_CLOCK_MAX_BEHIND * MEDIA_PTIME_MS * 1000000u);
	unsigned lo = UINT32_MAX, hi = 0;
	for (unsigned i = 0; i < r.nst; i++) {
		stream *s = &r.st[i];
		assert_true(s->n > 2);
		for (unsigned k = 1; k < s->n; k++) {
			assert_int_equal((uint16_t)(s->seq[k] - s->seq[k - 1]), 1);
			assert_int_equal(s->ts[k] - s->ts[k - 1], MEDIA_FRAME);
		}
	}
	for (unsigned i = 0; i < N; i++) {
		lo = r.win[i] < lo ? r.win[i] : lo;
		hi = r.win[i] > hi ? r.win[i] : hi;
	}
	/* every stream sent in every period the thread ran (the stops may come a period
	 * apart) */
	assert_true(hi - lo <= 2);
	assert_true(hi <= st.ticks + 1 && lo + 2 >= st.ticks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_slot_pick),
	    cmocka_unit_test(test_once_per_period),
	    cmocka_unit_test(test_spin_once_per_period),
	    cmocka_unit_test(test_stall_sends_late_skips_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
