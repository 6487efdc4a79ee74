/* The media clock, loop side: starts the media threads (worker.c), hands sessions and
 * their commands to them, brings their events (a play finished, a session removed) back
 * to the loop thread through a uv_async, and sends every session's RTCP reports from a
 * loop timer (the receive statistics they carry live on the loop). clock_int.h states
 * who owns what. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock_int.h"
#include "media_int.h"

void media_clock_push(media_worker *w, mcmd *m)
{
	m->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->tail)
		w->tail->next = m;
	else
		w->head = m;
	w->tail = m;
	pthread_mutex_unlock(&w->mu);
	uint64_t one = 1;
	(void)!write(w->efd, &one, sizeof(one));
}

void media_clock_post(media_session *s, bool removed, uint32_t done_gen)
{
	media_clock *c = s->clock;
	pthread_mutex_lock(&c->ev_mu);
	if (removed) {
		s->ev_removed = true;
	} else {
		s->ev_done = true;
		s->ev_done_gen = done_gen;
	}
	if (!s->ev_queued) {
		s->ev_queued = true;
		s->ev_next = NULL;
		if (c->ev_tail)
			c->ev_tail->ev_next = s;
		else
			c->ev_head = s;
		c->ev_tail = s;
	}
	pthread_mutex_unlock(&c->ev_mu);
	uv_async_send(&c->async);
}

void media_clock_unlink(media_session *s)
{
	media_clock *c = s->clock;
	if (s->lprev)
		s->lprev->lnext = s->lnext;
	else if (c->sessions == s)
		c->sessions = s->lnext;
	if (s->lnext)
		s->lnext->lprev = s->lprev;
	s->lprev = s->lnext = NULL;
}

/* Runs the events the media threads posted, in order. A callback may close sessions
 * (theirs come later, after their REMOVED) but not the clock. */
static void drain(media_clock *c)
{
	for (;;) {
		pthread_mutex_lock(&c->ev_mu);
		media_session *s = c->ev_head;
		if (s) {
			c->ev_head = s->ev_next;
			if (!c->ev_head)
				c->ev_tail = NULL;
			s->ev_queued = false;
		}
		bool done = s && s->ev_done, removed = s && s->ev_removed;
		uint32_t gen = s ? s->ev_done_gen : 0;
		if (s)
			s->ev_done = s->ev_removed = false;
		pthread_mutex_unlock(&c->ev_mu);
		if (!s)
			return;
		if (removed) {
			media_session_finish(s); /* done no longer matters: it is closed */
			continue;
		}
		/* a play replaced or stopped since has its own generation: not this one */
		if (done && !s->closing && s->playing && gen == s->play_gen) {
			s->playing = false;
			if (s->cfg.on_play_done)
				s->cfg.on_play_done(s, s->cfg.arg); /* may close s */
		}
	}
}

static void async_cb(uv_async_t *h)
{
	drain(h->data);
}

static void rtcp_cb(uv_timer_t *h)
{
	media_clock *c = h->data;
	uint64_t k = c->rtcp_tick++;
	for (media_session *s = c->sessions; s; s = s->lnext)
		if (!s->closing && s->have_remote && (k + s->rtcp_phase) % MEDIA_RTCP_PHASES == 0)
			media_session_rtcp(s, false);
}

int media_clock_open(uv_loop_t *loop, uint16_t port_min, uint16_t port_max, media_clock **out)
{
	return media_clock_open_opts(loop, port_min, port_max, NULL, out, NULL);
}

static void clock_free(media_clock *c)
{
	if (c->workers)
		for (unsigned i = 0; i < c->nworkers; i++)
			pthread_mutex_destroy(&c->workers[i].mu);
	free(c->workers);
	pthread_mutex_destroy(&c->ev_mu);
	free(c);
}

static void clock_closed(uv_handle_t *h)
{
	media_clock *c = h->data;
	if (--c->open_handles == 0)
		clock_free(c);
}

int media_clock_open_opts(uv_loop_t *loop, uint16_t port_min, uint16_t port_max,
                          const media_clock_options *o, media_clock **out, const char **why)
{
	static const media_clock_options none;
	if (!o)
		o = &none;
	if (port_min < 2 || port_max <= port_min)
		return media_fail(why, "media: bad RTP port range", OPENUM_EINVAL);
	if (o->threads > MEDIA_THREADS_MAX || o->ncpus > MEDIA_THREADS_MAX || o->fifo_prio < 0 ||
	    o->fifo_prio > 99 || o->spin_us > MEDIA_SPIN_MAX_US)
		return media_fail(why, "media: bad media thread options", OPENUM_EINVAL);
	media_clock *c = calloc(1, sizeof(*c));
	if (!c)
		return media_fail(why, "media: out of memory", OPENUM_ENOMEM);
	c->loop = loop;
	c->port_min = (uint16_t)((port_min + 1) & ~1u);
	c->port_max = port_max;
	if (c->port_min >= c->port_max) {
		free(c);
		return media_fail(why, "media: bad RTP port range", OPENUM_EINVAL);
	}
	/* start somewhere random in the range so restarts do not fight over old ports */
	unsigned pairs = (unsigned)(c->port_max - c->port_min + 1) / 2;
	c->next_port = (uint16_t)(c->port_min + 2 * (media_random32() % pairs));
	c->nworkers = o->threads ? o->threads : 1;
	c->fifo_prio = o->fifo_prio;
	pthread_mutex_init(&c->ev_mu, NULL);
	c->workers = calloc(c->nworkers, sizeof(*c->workers));
	if (!c->workers) {
		clock_free(c);
		return media_fail(why, "media: out of memory", OPENUM_ENOMEM);
	}
	c->start_ns = uv_hrtime(); /* CLOCK_MONOTONIC, the timerfds' clock */
	int err = 0;
	for (unsigned i = 0; i < c->nworkers; i++) {
		media_worker *w = &c->workers[i];
		w->clock = c;
		w->index = i;
		w->tfd = w->efd = -1;
		w->spin_ns = (uint64_t)o->spin_us * 1000u;
		pthread_mutex_init(&w->mu, NULL);
	}
	for (unsigned i = 0; i < c->nworkers && !err; i++)
		err = media_worker_start(&c->workers[i], o->ncpus ? o->cpus[i % o->ncpus] : -1,
		                         o->fifo_prio, why);
	if (err) {
		for (unsigned i = 0; i < c->nworkers; i++)
			media_worker_stop(&c->workers[i]);
		clock_free(c);
		return err;
	}
	uv_async_init(loop, &c->async, async_cb);
	c->async.data = c;
	uv_timer_init(loop, &c->rtcp_timer);
	c->rtcp_timer.data = c;
	uv_timer_start(&c->rtcp_timer, rtcp_cb, MEDIA_RTCP_TICK_MS, MEDIA_RTCP_TICK_MS);
	c->open_handles = 2;
	*out = c;
	return 0;
}

void media_clock_close(media_clock *c)
{
	if (!c)
		return;
	for (media_session *s = c->sessions, *next; s; s = next) {
		next = s->lnext;
		if (!s->closing)
			media_session_close(s);
	}
	/* each thread runs what is queued (the REMOVEs) and quits; then their events */
	for (unsigned i = 0; i < c->nworkers; i++)
		media_worker_stop(&c->workers[i]);
	drain(c);
	/* sessions never handed to a thread (a failed open) are finished by their close */
	uv_timer_stop(&c->rtcp_timer);
	uv_close((uv_handle_t *)&c->rtcp_timer, clock_closed);
	uv_close((uv_handle_t *)&c->async, clock_closed);
}

void media_clock_get_stats(const media_clock *c, media_clock_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < c->nworkers; i++) {
		media_worker *w = &c->workers[i];
		uint64_t ticks = atomic_load_explicit(&w->a_ticks, memory_order_relaxed);
		uint64_t shift_ns = atomic_load_explicit(&w->a_shift_ns, memory_order_relaxed);
		uint64_t late_max = atomic_load_explicit(&w->a_late_max_ns, memory_order_relaxed);
		if (i == 0)
			out->ticks = ticks;
		out->shifts += atomic_load_explicit(&w->a_shifts, memory_order_relaxed);
		if (shift_ns > out->shift_max_ns)
			out->shift_max_ns = shift_ns;
		if (late_max > out->late_max_ns)
			out->late_max_ns = late_max;
		out->late_sum_ns += atomic_load_explicit(&w->a_late_sum_ns, memory_order_relaxed);
	}
	out->sessions = c->nsessions;
	out->threads = c->nworkers;
}

/* Queues one SYNC per thread and waits until all ran: everything queued before has. */
int media_clock_sync(media_clock *c)
{
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
	unsigned left = c->nworkers;
	mcmd *m = calloc(c->nworkers, sizeof(*m));
	if (!m)
		return OPENUM_ENOMEM;
	for (unsigned i = 0; i < c->nworkers; i++) {
		m[i].type = MCMD_SYNC;
		m[i].u.sync.mu = &mu;
		m[i].u.sync.cv = &cv;
		m[i].u.sync.left = &left;
		media_clock_push(&c->workers[i], &m[i]);
	}
	pthread_mutex_lock(&mu);
	while (left)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	pthread_cond_destroy(&cv);
	pthread_mutex_destroy(&mu);
	free(m);
	drain(c); /* what the threads posted before the SYNC has run too */
	return 0;
}

int media_clock_stall(media_clock *c, unsigned ms)
{
	for (unsigned i = 0; i < c->nworkers; i++) {
		mcmd *m = calloc(1, sizeof(*m));
		if (!m)
			return OPENUM_ENOMEM;
		m->type = MCMD_STALL;
		m->u.stall_ms = ms;
		media_clock_push(&c->workers[i], m);
	}
	return 0;
}

unsigned media_clock_slot_pick(const unsigned *counts, unsigned nslots)
{
	unsigned best = 0;
	for (unsigned i = 1; i < nslots; i++)
		if (counts[i] < counts[best])
			best = i;
	return best;
}
