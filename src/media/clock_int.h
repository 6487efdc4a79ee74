/* media: the private structures shared by the media clock (clock.c, loop thread), its
 * media threads (worker.c) and the sessions (session.c). Not part of the contract.
 *
 * Ownership across threads (the rule everything below follows):
 * - A session is owned by the loop thread, except its `tx` part (what is sent: sequence
 *   number, timestamp, the audio playing, the DTMF sender, where to send), which the
 *   session's media thread owns from the ADD command on and until it has run the
 *   REMOVE command. The loop never reads or writes `tx` in between; it changes what is
 *   sent only through commands (mcmd), and learns what happened through the session's
 *   event bits and a few atomics (packets sent, digits started).
 * - Commands: the loop appends to the worker's list under the worker's mutex and writes
 *   its eventfd; the worker takes the whole list at its next wake. ADD and REMOVE are
 *   embedded in the session (closing cannot fail); the others are malloc'd by the loop
 *   and freed by the worker.
 * - Events: the worker sets bits in the session (under the clock's event mutex), links
 *   it on the clock's event list once and wakes the loop with uv_async_send. After the
 *   worker posts REMOVED it never touches the session again, so the loop may close the
 *   sockets and free it. */
#ifndef OPENUM_MEDIA_CLOCK_INT_H
#define OPENUM_MEDIA_CLOCK_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "media.h"

#define MEDIA_PERIOD_NS ((uint64_t)MEDIA_PTIME_MS * 1000000u)
#define MEDIA_SLOT_NS (MEDIA_PERIOD_NS / MEDIA_CLOCK_SLOTS)
#define MEDIA_RTCP_TICK_MS 100 /* the loop's RTCP timer: sessions spread over its ticks */
#define MEDIA_RTCP_PHASES (MEDIA_RTCP_INTERVAL_MS / MEDIA_RTCP_TICK_MS)

typedef struct media_worker media_worker;

typedef enum mcmd_type {
	MCMD_ADD = 1,
	MCMD_REMOVE,
	MCMD_PLAY, /* also a stop: data NULL */
	MCMD_REMOTE,
	MCMD_FORMAT,
	MCMD_DTMF,
	MCMD_STALL,
	MCMD_SYNC,
} mcmd_type;

typedef struct mcmd {
	struct mcmd *next;
	mcmd_type type;
	bool embedded; /* part of the session: not freed by the worker */
	media_session *s;
	union {
		struct {
			const uint8_t *data; /* inside ref or owned; NULL: stop */
			size_t n;
			media_codec enc;
			media_sound *ref; /* one reference, the worker's */
			uint8_t *owned;   /* a private copy, the worker's */
			uint32_t gen;
		} play;
		struct {
			struct sockaddr_storage addr;
			bool have;
		} remote;
		struct {
			media_codec codec;
			uint8_t pt, dtmf_pt;
		} format;
		struct {
			char digits[MEDIA_DTMF_QUEUE + 1];
			unsigned ms;
		} dtmf;
		unsigned stall_ms;
		struct {
			pthread_mutex_t *mu;
			pthread_cond_t *cv;
			unsigned *left;
		} sync;
	} u;
} mcmd;

/* What a session sends: owned by its media thread between ADD and REMOVE. */
typedef struct media_tx {
	media_session *prev, *next; /* the sessions of the same slot of the worker */
	int fd;                     /* the RTP socket (libuv's; closed only after REMOVED) */
	struct sockaddr_storage remote;
	socklen_t remote_len;
	bool have_remote;
	media_codec codec;
	uint8_t pt, dtmf_pt;
	bool idle_silence;
	uint8_t hdr[RTP_HDR_LEN]; /* version and SSRC written once; per packet M/PT, seq, ts */
	uint32_t ts;
	uint16_t seq;
	bool talking; /* the last tick sent audio: no marker needed */
	const uint8_t *play;
	size_t play_n, play_pos;
	media_codec play_enc;
	media_sound *play_ref;
	uint8_t *play_owned;
	uint32_t play_gen;
	dtmf_sender dtmf;
	char dq[MEDIA_DTMF_QUEUE];
	unsigned dq_head, dq_len, dtmf_ms, dtmf_gap;
	uint64_t sent, sent_bytes, send_errors, octets; /* mirrored to the atomics below */
} media_tx;

/* The session; fields below `tx` are the loop's unless said otherwise. */
struct media_session {
	media_clock *clock;
	media_worker *worker;
	unsigned slot; /* phase in the period: sends at slot * MEDIA_SLOT_NS */
	media_tx tx;   /* the media thread's (see above) */
	mcmd add_cmd, rm_cmd;

	/* written by the media thread, read by the loop */
	_Atomic uint64_t a_sent, a_sent_bytes, a_send_errors, a_octets;
	_Atomic uint32_t a_dtmf_started; /* digits the sender has begun */
	_Atomic bool a_anchor_set;       /* anchor_ts/anchor_ns are written (once) */
	uint32_t anchor_ts;              /* the RTP timestamp due at anchor_ns + the shift */
	uint64_t anchor_ns;              /* on the unshifted schedule (start + tick * SLOT_NS) */

	/* events to the loop (under clock->ev_mu) */
	media_session *ev_next;
	bool ev_queued;
	bool ev_done, ev_removed;
	uint32_t ev_done_gen;

	/* the loop's */
	media_session *lprev, *lnext; /* every session of the clock not yet freed */
	bool added, closing, removed;
	uv_udp_t rtp, rtcp;
	unsigned open_handles;
	uint16_t port;
	media_session_config cfg;
	char cname[64];
	struct sockaddr_storage remote, rtcp_remote;
	bool have_remote, latched, rtcp_latched;
	uint32_t ssrc;
	uint32_t ts0; /* the first RTP timestamp (tx.ts before the media thread took it) */
	unsigned rtcp_phase;
	bool playing;
	uint32_t play_gen;
	uint32_t dtmf_queued; /* digits handed to the media thread */

	bool have_rx_ssrc;
	uint32_t rx_ssrc;
	rtp_rx_stats rx;
	dtmf_receiver dtmf_rx;
	uint32_t lsr;    /* middle of the last SR's NTP time */
	uint64_t lsr_at; /* uv_hrtime when it arrived */

	int16_t *rec;
	size_t rec_n, rec_cap, rec_max;
	uint32_t silence_ms;
	bool recording;
	media_jb *jb; /* allocated by the first record_start */

	media_session_stats st; /* receive side; the send counters come from the atomics */
};

struct media_worker {
	media_clock *clock;
	unsigned index;
	pthread_t thread;
	bool running;
	int tfd, efd; /* timerfd (CLOCK_MONOTONIC) and the command wake-up */

	pthread_mutex_t mu; /* guards head, tail, quit */
	mcmd *head, *tail;
	bool quit;

	/* the media thread's */
	uint64_t tick;     /* the next slot tick: due at start + shift + tick * SLOT_NS */
	uint64_t shift_ns; /* how far stalls moved the schedule back (mirrored in a_shift_ns) */
	uint64_t spin_ns;  /* busy-wait this long before a due slot tick (0: sleep to it) */
	uint64_t armed_ns; /* when the timerfd fires next */
	media_session *slot_head[MEDIA_CLOCK_SLOTS];
	uint64_t unpublished_sent; /* packets not yet added to the metrics */

	/* the loop's: sessions per slot, to place new ones */
	unsigned slot_n[MEDIA_CLOCK_SLOTS];
	unsigned sessions;

	/* written by the media thread, read by anyone */
	_Atomic uint64_t a_ticks, a_shifts, a_shift_ns, a_late_max_ns, a_late_sum_ns;
};

struct media_clock {
	uv_loop_t *loop;
	uint64_t start_ns; /* slot tick k of a worker: due at start_ns + its shift + k * SLOT */
	uint16_t port_min, port_max, next_port;
	unsigned nworkers;
	media_worker *workers;
	int fifo_prio;

	uv_async_t async; /* wakes the loop for events */
	uv_timer_t rtcp_timer;
	uint64_t rtcp_tick;
	unsigned open_handles;
	pthread_mutex_t ev_mu; /* guards ev_head/ev_tail and the sessions' ev_* fields */
	media_session *ev_head, *ev_tail;

	media_session *sessions; /* the loop's list (lprev/lnext) */
	unsigned nsessions;      /* open, not closing */
	uint8_t rxbuf[MEDIA_RTP_MAX];
	bool rx_busy;
};

/* clock.c */
void media_clock_push(media_worker *w, mcmd *m);                          /* loop thread */
void media_clock_post(media_session *s, bool removed, uint32_t done_gen); /* worker */
void media_clock_unlink(media_session *s); /* loop: off the clock's list */
/* session.c: the worker posted REMOVED: close the sockets, free with the last handle */
void media_session_finish(media_session *s);
/* session.c: an RTCP report (bye: with BYE) now, from the loop */
void media_session_rtcp(media_session *s, bool bye);

/* worker.c */
int media_worker_start(media_worker *w, int cpu, int fifo_prio, const char **why);
void media_worker_stop(media_worker *w); /* quit after the queued commands; join */

#endif
