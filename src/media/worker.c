/* A media thread: its own timerfd clock and slots, sending one RTP packet per session
 * per 20 ms period, apart from the libuv loop so that SIP work, store calls and logging
 * never delay a send. It runs the commands the loop queued (add, remove, play, remote,
 * format, DTMF) between slot ticks, so a session is never removed in the middle of its
 * send, and reports back through the clock's event list (clock_int.h has the rules).
 * Per packet: one sendmsg of a header built in place and the payload where it lies (the
 * shared sound's bytes, a transcoded frame on the stack, or a static silence frame); no
 * allocation, no lock, no other system call. Each session has its own socket (symmetric
 * RTP) and sends one packet per period, so there is nothing for sendmmsg to batch. */
#define _GNU_SOURCE /* pthread_setname_np, CPU_SET, pthread_attr_setaffinity_np */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../metrics/metrics.h"
#include "clock_int.h"
#include "media_int.h"

#define SLOTS MEDIA_CLOCK_SLOTS
#define SLOT_NS MEDIA_SLOT_NS
#define PERIOD_NS MEDIA_PERIOD_NS
#define SLACK_NS 20000u      /* a slot tick up to 20 us early runs (timerfd wakes are that exact) */
#define CATCHUP_PER_CB SLOTS /* one period of slot ticks per wake: each session sends once */

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void arm(media_worker *w, uint64_t due_ns)
{
	struct itimerspec it = {.it_value = {.tv_sec = (time_t)(due_ns / 1000000000u),
	                                     .tv_nsec = (long)(due_ns % 1000000000u)}};
	if (it.it_value.tv_sec == 0 && it.it_value.tv_nsec == 0)
		it.it_value.tv_nsec = 1; /* all zero would disarm it */
	(void)timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &it, NULL);
	w->armed_ns = due_ns;
}

static uint64_t due_of(const media_worker *w, uint64_t tick)
{
	return w->clock->start_ns + w->shift_ns + tick * SLOT_NS;
}

/* ---- sending ---------------------------------------------------------------------- */

static const uint8_t *silence_frame(media_codec c)
{
	static uint8_t ulaw[MEDIA_FRAME], alaw[MEDIA_FRAME];
	return c == MEDIA_PCMA ? alaw : ulaw;
}

static void silence_init(void)
{
	memset((uint8_t *)silence_frame(MEDIA_PCMU), g711_silence(MEDIA_PCMU), MEDIA_FRAME);
	memset((uint8_t *)silence_frame(MEDIA_PCMA), g711_silence(MEDIA_PCMA), MEDIA_FRAME);
}

static void publish(media_session *s)
{
	media_tx *t = &s->tx;
	atomic_store_explicit(&s->a_sent, t->sent, memory_order_relaxed);
	atomic_store_explicit(&s->a_sent_bytes, t->sent_bytes, memory_order_relaxed);
	atomic_store_explicit(&s->a_send_errors, t->send_errors, memory_order_relaxed);
	atomic_store_explicit(&s->a_octets, t->octets, memory_order_relaxed);
}

static void send_rtp(media_worker *w, media_session *s, uint8_t pt, bool marker, uint32_t ts,
                     const uint8_t *pl, size_t n)
{
	media_tx *t = &s->tx;
	t->hdr[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
	media_wr16(t->hdr + 2, t->seq++);
	media_wr32(t->hdr + 4, ts);
	struct iovec iov[2] = {{t->hdr, RTP_HDR_LEN}, {(void *)pl, n}};
	struct msghdr mh = {
	    .msg_name = &t->remote, .msg_namelen = t->remote_len, .msg_iov = iov, .msg_iovlen = 2};
	if (sendmsg(t->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		t->send_errors++;
	} else {
		t->sent++;
		t->sent_bytes += RTP_HDR_LEN + n;
		t->octets += n;
		w->unpublished_sent++;
	}
	publish(s);
}

static void play_release(media_tx *t)
{
	media_sound_unref(t->play_ref);
	free(t->play_owned);
	t->play_ref = NULL;
	t->play_owned = NULL;
	t->play = NULL;
}

static void session_tick(media_worker *w, media_session *s)
{
	media_tx *t = &s->tx;
	uint32_t ts = t->ts;
	t->ts += MEDIA_FRAME; /* the media timeline follows the clock whatever is sent */
	if (!t->have_remote)
		return;
	if (!t->dtmf.active && t->dq_len && t->dtmf_gap == 0) {
		dtmf_sender_start(&t->dtmf, t->dq[t->dq_head], t->dtmf_ms, ts);
		t->dq_head = (t->dq_head + 1) % MEDIA_DTMF_QUEUE;
		t->dq_len--;
		atomic_fetch_add_explicit(&s->a_dtmf_started, 1, memory_order_relaxed);
	}
	if (t->dtmf.active) {
		uint8_t pl[4];
		bool marker;
		uint32_t ets;
		if (dtmf_sender_next(&t->dtmf, pl, &marker, &ets))
			send_rtp(w, s, t->dtmf_pt, marker, ets, pl, sizeof(pl));
		if (!t->dtmf.active)
			t->dtmf_gap = MEDIA_DTMF_GAP_TICKS;
		t->talking = false;
		return;
	}
	if (t->dtmf_gap)
		t->dtmf_gap--;

	const uint8_t *pl;
	uint8_t frame[MEDIA_FRAME];
	bool done = false;
	if (t->play) {
		size_t left = t->play_n - t->play_pos;
		size_t n = left < MEDIA_FRAME ? left : MEDIA_FRAME;
		const uint8_t *src = t->play + t->play_pos;
		if (t->play_enc == t->codec && n == MEDIA_FRAME) {
			pl = src; /* straight from the shared sound: no copy */
		} else {
			if (t->play_enc == t->codec) {
				memcpy(frame, src, n);
			} else {
				int16_t pcm[MEDIA_FRAME];
				g711_decode(t->play_enc, src, n, pcm);
				g711_encode(t->codec, pcm, n, frame);
			}
			memset(frame + n, g711_silence(t->codec), MEDIA_FRAME - n);
			pl = frame;
		}
		t->play_pos += n;
		done = t->play_pos >= t->play_n;
	} else if (t->idle_silence) {
		pl = silence_frame(t->codec);
	} else {
		t->talking = false;
		return;
	}
	/* the marker opens each talkspurt */
	send_rtp(w, s, t->pt, !t->talking, ts, pl, MEDIA_FRAME);
	t->talking = true;
	if (done) {
		uint32_t gen = t->play_gen;
		play_release(t);
		media_clock_post(s, false, gen);
	}
}

/* ---- commands --------------------------------------------------------------------- */

static void slot_link(media_worker *w, media_session *s)
{
	s->tx.prev = NULL;
	s->tx.next = w->slot_head[s->slot];
	if (s->tx.next)
		s->tx.next->tx.prev = s;
	w->slot_head[s->slot] = s;
}

static void slot_unlink(media_worker *w, media_session *s)
{
	if (s->tx.prev)
		s->tx.prev->tx.next = s->tx.next;
	else
		w->slot_head[s->slot] = s->tx.next;
	if (s->tx.next)
		s->tx.next->tx.prev = s->tx.prev;
	s->tx.prev = s->tx.next = NULL;
}

/* The first slot tick of slot at or after tick. */
static uint64_t slot_next(uint64_t tick, unsigned slot)
{
	return tick + (slot + SLOTS - tick % SLOTS) % SLOTS;
}

static void run_cmd(media_worker *w, mcmd *m)
{
	if (m->type == MCMD_STALL) {
		usleep(m->u.stall_ms * 1000u);
		return;
	}
	if (m->type == MCMD_SYNC || !m->s)
		return; /* SYNC is answered by sync_answer once the due ticks have run too */
	media_session *s = m->s;
	media_tx *t = &s->tx;
	switch (m->type) {
	case MCMD_ADD: {
		slot_link(w, s);
		/* the RTP timestamp is a linear function of the schedule from now on (one
		 * frame per period; a stall moves the schedule, a_shift_ns says by how much):
		 * the loop derives SR timestamps from this anchor */
		uint64_t first = slot_next(w->tick, s->slot);
		s->anchor_ts = t->ts;
		s->anchor_ns = due_of(w, first) - w->shift_ns;
		atomic_store_explicit(&s->a_anchor_set, true, memory_order_release);
		if (due_of(w, first) < w->armed_ns)
			arm(w, due_of(w, first));
		break;
	}
	case MCMD_REMOVE:
		slot_unlink(w, s);
		play_release(t);
		publish(s);
		media_clock_post(s, true, 0); /* the last touch of s on this thread */
		break;
	case MCMD_PLAY:
		play_release(t);
		t->play = m->u.play.data;
		t->play_n = m->u.play.n;
		t->play_pos = 0;
		t->play_enc = m->u.play.enc;
		t->play_ref = m->u.play.ref;
		t->play_owned = m->u.play.owned;
		t->play_gen = m->u.play.gen;
		break;
	case MCMD_REMOTE:
		t->remote = m->u.remote.addr;
		t->remote_len = m->u.remote.addr.ss_family == AF_INET ? sizeof(struct sockaddr_in)
		                                                      : sizeof(struct sockaddr_in6);
		t->have_remote = m->u.remote.have;
		break;
	case MCMD_FORMAT:
		t->codec = m->u.format.codec;
		t->pt = m->u.format.pt;
		t->dtmf_pt = m->u.format.dtmf_pt;
		break;
	case MCMD_DTMF:
		for (const char *d = m->u.dtmf.digits; *d && t->dq_len < MEDIA_DTMF_QUEUE; d++)
			t->dq[(t->dq_head + t->dq_len++) % MEDIA_DTMF_QUEUE] = *d;
		t->dtmf_ms = m->u.dtmf.ms;
		break;
	case MCMD_STALL:
	case MCMD_SYNC: break; /* above */
	}
}

static void sync_answer(mcmd *m)
{
	pthread_mutex_lock(m->u.sync.mu);
	if (--*m->u.sync.left == 0)
		pthread_cond_signal(m->u.sync.cv);
	pthread_mutex_unlock(m->u.sync.mu);
}

/* Runs every queued command; returns whether quit was asked. SYNCs are put on *syncs
 * to be answered later. After run_cmd neither an embedded command nor its session may
 * be touched (a REMOVE hands the session back to the loop). */
static bool run_cmds(media_worker *w, mcmd **syncs)
{
	pthread_mutex_lock(&w->mu);
	mcmd *m = w->head;
	w->head = w->tail = NULL;
	bool quit = w->quit;
	pthread_mutex_unlock(&w->mu);
	while (m) {
		mcmd *next = m->next;
		if (m->type == MCMD_SYNC) {
			m->next = *syncs;
			*syncs = m;
		} else {
			bool owned = !m->embedded;
			run_cmd(w, m);
			if (owned)
				free(m);
		}
		m = next;
	}
	return quit;
}

/* ---- the clock -------------------------------------------------------------------- */

static void atomic_max(_Atomic uint64_t *a, uint64_t v)
{
	if (v > atomic_load_explicit(a, memory_order_relaxed))
		atomic_store_explicit(a, v, memory_order_relaxed); /* one writer: this thread */
}

static void atomic_add(_Atomic uint64_t *a, uint64_t v)
{
	atomic_store_explicit(a, atomic_load_explicit(a, memory_order_relaxed) + v,
	                      memory_order_relaxed);
}

/* The thread stalled late_ns past the due time of w->tick (starved of CPU, stopped):
 * the schedule moves back by that much instead of giving frames up or sending the missed
 * ones as a burst. Every session goes on with its next frame, sequence number and RTP
 * timestamp (contiguous: a stored prompt's samples keep their spacing), one period
 * apart again; the receiver sees the stall as a late arrival, which its jitter buffer
 * absorbs, and no audio is lost or has silence put into it. */
static void shift(media_worker *w, uint64_t late_ns)
{
	w->shift_ns += late_ns;
	atomic_add(&w->a_shifts, 1);
	atomic_store_explicit(&w->a_shift_ns, w->shift_ns, memory_order_relaxed);
}

/* The next slot tick that has sessions (at most one period ahead), or the next period's
 * start when there are none: an idle thread wakes 50 times a second. */
static uint64_t next_tick(const media_worker *w)
{
	for (uint64_t t = w->tick; t < w->tick + SLOTS; t++)
		if (w->slot_head[t % SLOTS])
			return t;
	return w->tick + (SLOTS - w->tick % SLOTS) % SLOTS;
}

/* Busy-waits until due (--media-spin): the timerfd woke the thread spin_ns early. */
static uint64_t spin_until(uint64_t due)
{
	uint64_t now;
	while ((now = mono_ns()) < due) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause(); /* spin-wait hint: saves power, frees the sibling thread */
#endif
	}
	return now;
}

/* With spin_ns: when the next slot tick with sessions is due within spin_ns, move to it
 * (over empty slots, counting the periods they begin) and busy-wait until it is due.
 * Returns whether it did (now updated). */
static bool spin_to_next(media_worker *w, uint64_t *now)
{
	if (!w->spin_ns)
		return false;
	uint64_t nt = next_tick(w);
	uint64_t due = due_of(w, nt);
	if (!w->slot_head[nt % SLOTS] || due > *now + w->spin_ns)
		return false; /* idle, or not yet: the timerfd wakes the thread spin_ns before */
	for (; w->tick < nt; w->tick++)
		if (w->tick % SLOTS == 0)
			atomic_add(&w->a_ticks, 1);
	*now = spin_until(due);
	return true;
}

static void run_ticks(media_worker *w)
{
	uint64_t expirations;
	(void)!read(w->tfd, &expirations, sizeof(expirations)); /* EAGAIN: woken for nothing */
	uint64_t now = mono_ns();
	int runs = 0;
	for (;;) {
		uint64_t due = due_of(w, w->tick);
		if (now + SLACK_NS < due) {
			if (runs == CATCHUP_PER_CB || !spin_to_next(w, &now))
				break;
			due = due_of(w, w->tick);
		}
		unsigned slot = (unsigned)(w->tick % SLOTS);
		if (!w->slot_head[slot]) {
			/* nothing to send: passed over however late, so that only a tick that
			 * sends is measured (the empty ticks since the last send are up to a
			 * period old when the thread wakes for its next one) */
			if (slot == 0)
				atomic_add(&w->a_ticks, 1);
			w->tick++;
			continue;
		}
		uint64_t late = now > due ? now - due : 0;
		if (late >= MEDIA_CLOCK_MAX_BEHIND * PERIOD_NS) {
			atomic_max(&w->a_late_max_ns, late);
			shift(w, late); /* this tick is due now: sent late, nothing skipped */
			continue;
		}
		if (runs == CATCHUP_PER_CB)
			break;
		runs++;
		atomic_add(&w->a_late_sum_ns, late);
		atomic_max(&w->a_late_max_ns, late);
		if (slot == 0)
			atomic_add(&w->a_ticks, 1);
		w->tick++;
		for (media_session *s = w->slot_head[slot]; s; s = s->tx.next)
			session_tick(w, s);
		now = mono_ns();
	}
	if (w->unpublished_sent) {
		metrics_add(MET_RTP_SENT, (int64_t)w->unpublished_sent);
		w->unpublished_sent = 0;
	}
	uint64_t nt = next_tick(w), next = due_of(w, nt);
	if (w->spin_ns && w->slot_head[nt % SLOTS] && next > w->spin_ns)
		next -= w->spin_ns; /* wake early, spin the rest */
	arm(w, next);
}

static void *worker_main(void *arg)
{
	media_worker *w = arg;
	char name[16];
	snprintf(name, sizeof(name), "openum-media%u", w->index);
	pthread_setname_np(pthread_self(), name);
	struct pollfd p[2] = {{.fd = w->tfd, .events = POLLIN}, {.fd = w->efd, .events = POLLIN}};
	for (bool quit = false; !quit;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		mcmd *syncs = NULL;
		if (p[1].revents) {
			uint64_t v;
			(void)!read(w->efd, &v, sizeof(v));
			quit = run_cmds(w, &syncs);
		}
		if (!quit)
			run_ticks(w);
		while (syncs) {
			mcmd *next = syncs->next;
			sync_answer(syncs); /* the waiter frees it */
			syncs = next;
		}
	}
	return NULL;
}

int media_worker_start(media_worker *w, int cpu, int fifo_prio, const char **why)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, silence_init);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->tfd < 0 || w->efd < 0)
		return media_fail(why, "media: no file descriptor for a media thread", OPENUM_EIO);
	w->tick = SLOTS; /* the first period starts 20 ms after the clock's start */
	arm(w, due_of(w, w->tick));

	pthread_attr_t at;
	pthread_attr_init(&at);
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_setaffinity_np(&at, sizeof(set), &set);
	}
	if (fifo_prio > 0) {
		struct sched_param sp = {.sched_priority = fifo_prio};
		pthread_attr_setinheritsched(&at, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&at, SCHED_FIFO);
		pthread_attr_setschedparam(&at, &sp);
	}
	int rc = pthread_create(&w->thread, &at, worker_main, w);
	pthread_attr_destroy(&at);
	if (rc == EPERM)
		return media_fail(
		    why,
		    "media: SCHED_FIFO for the media thread not permitted (needs root, "
		    "CAP_SYS_NICE or an RLIMIT_RTPRIO as high as the priority)",
		    OPENUM_EIO);
	if (rc == EINVAL && cpu >= 0)
		return media_fail(why, "media: cannot pin the media thread to that CPU",
		                  OPENUM_EINVAL);
	if (rc != 0)
		return media_fail(why, "media: cannot start a media thread", OPENUM_EIO);
	w->running = true;
	return 0;
}

void media_worker_stop(media_worker *w)
{
	if (w->running) {
		pthread_mutex_lock(&w->mu);
		w->quit = true;
		pthread_mutex_unlock(&w->mu);
		uint64_t one = 1;
		(void)!write(w->efd, &one, sizeof(one));
		pthread_join(w->thread, NULL);
		w->running = false;
	}
	if (w->tfd >= 0)
		close(w->tfd);
	if (w->efd >= 0)
		close(w->efd);
	w->tfd = w->efd = -1;
}
