/* RTP sessions on UDP with libuv, all paced by one media_clock: a single timerfd per
 * loop (watched by a uv_poll) armed at absolute due times from uv_hrtime (start + k *
 * 20 ms), so pacing does not drift however late a callback runs and ticks are not
 * rounded to libuv's millisecond timers (that rounding alone gave up to 1 ms of send
 * jitter). Each tick sends one packet per session: a frame of the
 * playing buffer, a telephone-event, or silence. Received packets are latched on
 * (symmetric RTP), counted for RTCP, turned into DTMF digits, and recorded through the
 * jitter buffer. Nothing is allocated per packet: one receive buffer per clock. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../metrics/metrics.h"
#include "media.h"
#include "media_int.h"

#define PERIOD_NS ((uint64_t)MEDIA_PTIME_MS * 1000000u)
#define SLOTS MEDIA_CLOCK_SLOTS
#define SLOT_NS (PERIOD_NS / SLOTS)
#define SLACK_NS 20000u /* a slot tick up to 20 us early runs (timerfd wakes are that exact) */
/* at most one period of slot ticks per callback: each session sends at most once per
 * callback, never a burst */
#define CATCHUP_PER_CB SLOTS
#define RTCP_TICKS (MEDIA_RTCP_INTERVAL_MS / MEDIA_PTIME_MS)
#define SILENCE_LEVEL 500             /* peak below this (about -36 dBFS) counts as silence */
#define REC_INITIAL (MEDIA_RATE * 10) /* first record buffer: 10 s */
#define NTP_UNIX_OFFSET 2208988800u   /* seconds from 1900 to 1970 */

struct media_session {
	media_clock *clock;
	media_session *prev, *next; /* the sessions of the same slot */
	unsigned slot;              /* phase in the period: sends at slot * SLOT_NS */
	uv_udp_t rtp, rtcp;
	unsigned open_handles;
	bool closing;
	uint16_t port;
	media_session_config cfg;
	char cname[64];

	struct sockaddr_storage remote, rtcp_remote;
	bool have_remote, latched, rtcp_latched;

	/* sending */
	uint32_t ssrc;
	uint32_t ts;
	uint16_t seq;
	bool talking; /* the last tick sent audio: no marker needed */
	const uint8_t *play;
	size_t play_n, play_pos;
	media_codec play_enc;
	dtmf_sender dtmf;
	char dq[MEDIA_DTMF_QUEUE];
	unsigned dq_head, dq_len, dtmf_ms, dtmf_gap;
	uint32_t sent_packets, sent_octets;
	unsigned rtcp_phase;

	/* receiving */
	bool have_rx_ssrc;
	uint32_t rx_ssrc;
	rtp_rx_stats rx;
	dtmf_receiver dtmf_rx;
	uint32_t lsr;    /* middle of the last SR's NTP time */
	uint64_t lsr_at; /* uv_hrtime when it arrived */

	/* recording */
	int16_t *rec;
	size_t rec_n, rec_cap, rec_max;
	uint32_t silence_ms;
	bool recording;
	/* allocated by the first record_start: a call that only plays (or waits) does not
	 * carry ~5 KiB of jitter-buffer slots */
	media_jb *jb;

	media_session_stats st;
};

struct media_clock {
	uv_loop_t *loop;
	uv_poll_t poll; /* watches tfd */
	int tfd;        /* timerfd on CLOCK_MONOTONIC, the clock of uv_hrtime */
	uint64_t start_ns;
	uint64_t tick;     /* index of the next slot tick: due at start + tick * SLOT_NS */
	uint64_t armed_ns; /* when the timerfd fires next */
	uint16_t port_min, port_max, next_port;
	media_session *slot_head[SLOTS]; /* the sessions sending in each slot */
	unsigned slot_n[SLOTS];
	media_session *iter; /* next session of the running slot tick (close moves it) */
	media_clock_stats st;
	uint8_t rxbuf[MEDIA_RTP_MAX]; /* shared: libuv hands one datagram at a time */
	bool rx_busy;
};

static uint32_t random32(void)
{
	uint32_t v;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)uv_hrtime() * 2654435761u;
	return v;
}

static int make_addr(const char *ip, uint16_t port, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (uv_ip4_addr(ip, port, (struct sockaddr_in *)out) == 0)
		return 0;
	if (uv_ip6_addr(ip, port, (struct sockaddr_in6 *)out) == 0)
		return 0;
	return OPENUM_EINVAL;
}

static void set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

static uint16_t get_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
}

static bool is_any(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr == 0;
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &any6, sizeof(any6));
}

static socklen_t addr_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

/* ---- the clock -------------------------------------------------------------------- */

static void session_tick(media_session *s);

/* Arms the timerfd at the absolute uv_hrtime instant due_ns. */
static void clock_arm(media_clock *c, uint64_t due_ns)
{
	struct itimerspec it = {.it_value = {.tv_sec = (time_t)(due_ns / 1000000000u),
	                                     .tv_nsec = (long)(due_ns % 1000000000u)}};
	if (it.it_value.tv_sec == 0 && it.it_value.tv_nsec == 0)
		it.it_value.tv_nsec = 1; /* all zero would disarm it */
	(void)timerfd_settime(c->tfd, TFD_TIMER_ABSTIME, &it, NULL);
	c->armed_ns = due_ns;
}

/* Gives up k slot ticks from c->tick on (the loop stalled). The RTP timestamps still
 * follow the clock (RFC 3550 5.1): every session moves on by the frames its own slot
 * missed, so a receiver sees them as lost audio, not a playout falling behind. */
static void clock_skip(media_clock *c, uint64_t k)
{
	unsigned first = (unsigned)(c->tick % SLOTS);
	for (unsigned i = 0; i < SLOTS; i++) {
		/* slot ticks of slot i among the k given up */
		uint64_t n = k / SLOTS + ((i + SLOTS - first) % SLOTS < k % SLOTS ? 1 : 0);
		if (i == 0)
			c->st.skipped += n; /* periods, counted where they begin */
		for (media_session *s = c->slot_head[i]; s; s = s->next)
			s->ts += (uint32_t)(n * MEDIA_FRAME);
	}
	c->tick += k;
}

/* The next slot tick that has sessions to send (at most one period ahead), or the next
 * period's start when the clock has none: an idle clock wakes 50 times a second. */
static uint64_t clock_next(const media_clock *c)
{
	for (uint64_t t = c->tick; t < c->tick + SLOTS; t++)
		if (c->slot_head[t % SLOTS])
			return t;
	return c->tick + (SLOTS - c->tick % SLOTS) % SLOTS;
}

static void clock_cb(uv_poll_t *h, int status, int events)
{
	media_clock *c = h->data;
	(void)status; /* a timerfd has no error to report; the clock carries on */
	(void)events;
	uint64_t expirations;
	/* non-blocking: EAGAIN when woken for nothing; the timer is re-armed below anyway */
	(void)!read(c->tfd, &expirations, sizeof(expirations));
	uint64_t now = uv_hrtime();
	int runs = 0;
	for (;;) {
		uint64_t due = c->start_ns + c->tick * SLOT_NS;
		if (now + SLACK_NS < due)
			break;
		uint64_t late = now > due ? now - due : 0;
		if (late >= MEDIA_CLOCK_MAX_BEHIND * PERIOD_NS) {
			/* the loop stalled: give the lost ticks up rather than send a burst */
			clock_skip(c, late / SLOT_NS);
			continue;
		}
		unsigned slot = (unsigned)(c->tick % SLOTS);
		if (c->slot_head[slot]) {
			if (runs == CATCHUP_PER_CB)
				break;
			runs++;
			c->st.late_sum_ns += late;
			if (late > c->st.late_max_ns)
				c->st.late_max_ns = late;
		}
		if (slot == 0)
			c->st.ticks++;
		c->tick++;
		for (media_session *s = c->slot_head[slot]; s; s = c->iter) {
			c->iter = s->next;
			session_tick(s);
		}
		c->iter = NULL;
		now = uv_hrtime();
	}
	/* a due time already past fires at the loop's next poll phase, together with every
	 * socket that is ready then: a clock that cannot keep up starves nothing */
	clock_arm(c, c->start_ns + clock_next(c) * SLOT_NS);
}

int media_clock_open(uv_loop_t *loop, uint16_t port_min, uint16_t port_max, media_clock **out)
{
	if (port_min < 2 || port_max <= port_min)
		return OPENUM_EINVAL;
	media_clock *c = calloc(1, sizeof(*c));
	if (!c)
		return OPENUM_ENOMEM;
	c->loop = loop;
	c->port_min = (uint16_t)((port_min + 1) & ~1u);
	c->port_max = port_max;
	if (c->port_min >= c->port_max) {
		free(c);
		return OPENUM_EINVAL;
	}
	/* start somewhere random in the range so restarts do not fight over old ports */
	unsigned pairs = (unsigned)(c->port_max - c->port_min + 1) / 2;
	c->next_port = (uint16_t)(c->port_min + 2 * (random32() % pairs));
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->tfd < 0) {
		free(c);
		return OPENUM_EIO;
	}
	if (uv_poll_init(loop, &c->poll, c->tfd) != 0) {
		close(c->tfd);
		free(c);
		return OPENUM_EIO;
	}
	c->poll.data = c;
	c->start_ns = uv_hrtime();
	c->tick = SLOTS; /* the first period starts 20 ms from now */
	uv_poll_start(&c->poll, UV_READABLE, clock_cb);
	clock_arm(c, c->start_ns + c->tick * SLOT_NS);
	*out = c;
	return 0;
}

static void clock_closed(uv_handle_t *h)
{
	media_clock *c = h->data;
	close(c->tfd);
	free(c);
}

void media_clock_close(media_clock *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < SLOTS; i++)
		while (c->slot_head[i])
			media_session_close(c->slot_head[i]);
	uv_poll_stop(&c->poll);
	uv_close((uv_handle_t *)&c->poll, clock_closed);
}

void media_clock_get_stats(const media_clock *c, media_clock_stats *out)
{
	*out = c->st;
}

/* ---- sending ---------------------------------------------------------------------- */

static void send_rtp(media_session *s, uint8_t pt, bool marker, uint32_t ts, const uint8_t *pl,
                     size_t n)
{
	uint8_t pkt[RTP_HDR_LEN + MEDIA_JB_MAX_PAYLOAD];
	rtp_packet p = {.pt = pt,
	                .marker = marker,
	                .seq = s->seq++,
	                .ts = ts,
	                .ssrc = s->ssrc,
	                .payload = pl,
	                .payload_len = n};
	size_t len;
	if (rtp_build(&p, pkt, sizeof(pkt), &len) != 0)
		return;
	uv_buf_t b = uv_buf_init((char *)pkt, (unsigned)len);
	int rc = uv_udp_try_send(&s->rtp, &b, 1, (const struct sockaddr *)&s->remote);
	if (rc < 0) {
		s->st.send_errors++;
		return;
	}
	s->st.sent++;
	metrics_inc(MET_RTP_SENT);
	s->st.sent_bytes += len;
	s->sent_packets++;
	s->sent_octets += (uint32_t)n;
}

static uint64_t ntp_now(void)
{
	struct timespec tv;
	clock_gettime(CLOCK_REALTIME, &tv);
	uint64_t sec = (uint64_t)tv.tv_sec + NTP_UNIX_OFFSET;
	uint64_t frac = ((uint64_t)tv.tv_nsec << 32) / 1000000000u;
	return sec << 32 | frac;
}

static void send_rtcp(media_session *s, bool bye)
{
	rtcp_report r = {.sr = s->sent_packets > 0, .ssrc = s->ssrc, .bye = bye};
	if (r.sr) {
		r.ntp = ntp_now();
		r.rtp_ts = s->ts;
		r.packets = s->sent_packets;
		r.octets = s->sent_octets;
	}
	if (s->have_rx_ssrc) {
		rtcp_block *b = &r.block[0];
		rtp_stats_block(&s->rx, s->rx_ssrc, b);
		if (s->lsr_at) {
			b->lsr = s->lsr;
			b->dlsr = (uint32_t)(((uv_hrtime() - s->lsr_at) << 16) / 1000000000u);
		}
		r.nblocks = 1;
	}
	uint8_t pkt[256];
	size_t len;
	if (rtcp_build(&r, s->cname, pkt, sizeof(pkt), &len) != 0)
		return;
	uv_buf_t buf = uv_buf_init((char *)pkt, (unsigned)len);
	if (uv_udp_try_send(&s->rtcp, &buf, 1, (const struct sockaddr *)&s->rtcp_remote) >= 0)
		s->st.rtcp_sent++;
}

/* One 20 ms frame of the playing buffer in the session codec; false at its end. */
static bool play_frame(media_session *s, uint8_t out[MEDIA_FRAME])
{
	if (!s->play)
		return false;
	size_t left = s->play_n - s->play_pos;
	size_t n = left < MEDIA_FRAME ? left : MEDIA_FRAME;
	const uint8_t *src = s->play + s->play_pos;
	if (s->play_enc == s->cfg.codec) {
		memcpy(out, src, n);
	} else {
		int16_t pcm[MEDIA_FRAME];
		g711_decode(s->play_enc, src, n, pcm);
		g711_encode(s->cfg.codec, pcm, n, out);
	}
	memset(out + n, g711_silence(s->cfg.codec), MEDIA_FRAME - n);
	s->play_pos += n;
	return true;
}

static void session_tick(media_session *s)
{
	uint32_t ts = s->ts;
	s->ts += MEDIA_FRAME; /* the media timeline follows the clock whatever is sent */
	if ((s->clock->tick / SLOTS + s->rtcp_phase) % RTCP_TICKS == 0 && s->have_remote)
		send_rtcp(s, false);
	if (!s->have_remote)
		return;

	if (!s->dtmf.active && s->dq_len && s->dtmf_gap == 0) {
		dtmf_sender_start(&s->dtmf, s->dq[s->dq_head], s->dtmf_ms, ts);
		s->dq_head = (s->dq_head + 1) % MEDIA_DTMF_QUEUE;
		s->dq_len--;
	}
	if (s->dtmf.active) {
		uint8_t pl[4];
		bool marker;
		uint32_t ets;
		if (dtmf_sender_next(&s->dtmf, pl, &marker, &ets))
			send_rtp(s, s->cfg.dtmf_pt, marker, ets, pl, sizeof(pl));
		if (!s->dtmf.active)
			s->dtmf_gap = MEDIA_DTMF_GAP_TICKS;
		s->talking = false;
		return;
	}
	if (s->dtmf_gap)
		s->dtmf_gap--;

	uint8_t frame[MEDIA_FRAME];
	bool done = false;
	if (play_frame(s, frame)) {
		done = s->play_pos >= s->play_n;
	} else if (s->cfg.idle_silence) {
		memset(frame, g711_silence(s->cfg.codec), sizeof(frame));
	} else {
		s->talking = false;
		return;
	}
	/* the marker opens each talkspurt */
	send_rtp(s, s->cfg.pt, !s->talking, ts, frame, sizeof(frame));
	s->talking = true;
	if (done) {
		s->play = NULL;
		if (s->cfg.on_play_done)
			s->cfg.on_play_done(s, s->cfg.arg); /* may close s: touch nothing after */
	}
}

/* ---- receiving -------------------------------------------------------------------- */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	media_session *s = h->data;
	media_clock *c = s->clock;
	if (c->rx_busy) {
		*buf = uv_buf_init(NULL, 0); /* libuv reports ENOBUFS; cannot happen single-shot */
		return;
	}
	c->rx_busy = true;
	*buf = uv_buf_init((char *)c->rxbuf, sizeof(c->rxbuf));
}

static void rec_append(media_session *s, const int16_t *pcm, size_t n, bool silent)
{
	if (s->rec_max && s->rec_n + n > s->rec_max)
		n = s->rec_max - s->rec_n;
	if (!n)
		return;
	if (s->rec_n + n > s->rec_cap) {
		size_t cap = s->rec_cap ? s->rec_cap * 2 : REC_INITIAL;
		while (cap < s->rec_n + n)
			cap *= 2;
		if (s->rec_max && cap > s->rec_max)
			cap = s->rec_max;
		int16_t *p = realloc(s->rec, cap * sizeof(*p));
		if (!p)
			return;
		s->rec = p;
		s->rec_cap = cap;
	}
	if (pcm)
		memcpy(s->rec + s->rec_n, pcm, n * sizeof(*pcm));
	else
		memset(s->rec + s->rec_n, 0, n * sizeof(*pcm));
	s->rec_n += n;
	if (!silent && pcm) {
		int peak = 0;
		for (size_t i = 0; i < n; i++) {
			int v = pcm[i] < 0 ? -pcm[i] : pcm[i];
			if (v > peak)
				peak = v;
		}
		silent = peak < SILENCE_LEVEL;
	}
	s->silence_ms = silent ? s->silence_ms + (uint32_t)(n / (MEDIA_RATE / 1000)) : 0;
}

static void rec_drain(media_session *s, bool flush)
{
	media_jb_frame f;
	while (media_jb_pop(s->jb, flush, &f) == 0) {
		if (!f.data) {
			rec_append(s, NULL, f.n, true);
			continue;
		}
		int16_t pcm[MEDIA_JB_MAX_PAYLOAD];
		g711_decode(s->cfg.codec, f.data, f.n, pcm);
		rec_append(s, pcm, f.n, false);
	}
}

static void rec_put(media_session *s, const rtp_packet *p, bool audio)
{
	const uint8_t *pl = audio ? p->payload : NULL;
	size_t n = audio ? p->payload_len : 0;
	if (media_jb_put(s->jb, p->seq, p->ts, pl, n) == MEDIA_JB_JUMP) {
		rec_drain(s, true);
		media_jb_restart(s->jb);
		media_jb_put(s->jb, p->seq, p->ts, pl, n);
	}
	rec_drain(s, false);
}

/* The packets the current source never delivered, into the process-wide counter
 * (once per source: when it changes and when the session closes). */
static void count_lost(const media_session *s)
{
	if (!s->rx.started)
		return;
	uint32_t expected = s->rx.cycles + s->rx.max_seq - s->rx.base_seq + 1;
	if (expected > s->rx.received)
		metrics_add(MET_RTP_LOST, (int64_t)(expected - s->rx.received));
}

static void rtp_recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                        const struct sockaddr *addr, unsigned flags)
{
	media_session *s = h->data;
	s->clock->rx_busy = false;
	if (nread <= 0 || !addr || s->closing)
		return;
	if (flags & UV_UDP_PARTIAL) {
		s->st.rx_bad++;
		return;
	}
	rtp_packet p;
	if (rtp_parse((const uint8_t *)buf->base, (size_t)nread, &p, NULL) != 0) {
		s->st.rx_bad++;
		return;
	}
	bool audio = p.pt == s->cfg.pt;
	bool dtmf = s->cfg.dtmf_pt && p.pt == s->cfg.dtmf_pt;
	if (!audio && !dtmf) {
		s->st.rx_other++;
		return;
	}
	if (!s->latched) {
		/* symmetric RTP: answer where the media comes from (NAT), not the SDP */
		memcpy(&s->remote, addr,
		       addr->sa_family == AF_INET ? sizeof(struct sockaddr_in)
		                                  : sizeof(struct sockaddr_in6));
		s->remote.ss_family = addr->sa_family;
		s->latched = true;
		s->have_remote = true;
		if (!s->rtcp_latched) {
			s->rtcp_remote = s->remote;
			set_port(&s->rtcp_remote, (uint16_t)(get_port(&s->remote) + 1));
		}
	}
	if (!s->have_rx_ssrc || p.ssrc != s->rx_ssrc) {
		/* a new source (transfer, re-INVITE): new statistics, and the recording
		 * continues in time through a jitter-buffer restart */
		if (s->have_rx_ssrc && s->recording) {
			rec_drain(s, true);
			media_jb_restart(s->jb);
		}
		count_lost(s);
		s->have_rx_ssrc = true;
		s->rx_ssrc = p.ssrc;
		memset(&s->rx, 0, sizeof(s->rx));
	}
	uint32_t arrival = (uint32_t)(uv_hrtime() / (1000000000u / MEDIA_RATE));
	if (rtp_stats_update(&s->rx, p.seq, p.ts, arrival) != 0) {
		s->st.rx_bad++;
		return;
	}
	s->st.received++;
	if (audio)
		media_level_feed_g711(&s->st.heard, s->cfg.codec, p.payload, p.payload_len,
		                      uv_now(s->clock->loop));
	metrics_inc(MET_RTP_RECEIVED);
	if (s->recording)
		rec_put(s, &p, audio);
	if (dtmf) {
		dtmf_event ev;
		char digit;
		if (dtmf_event_parse(p.payload, p.payload_len, &ev, NULL) != 0) {
			s->st.rx_bad++;
			return;
		}
		if (dtmf_receiver_feed(&s->dtmf_rx, p.ts, p.marker, &ev, &digit) && s->cfg.on_dtmf)
			s->cfg.on_dtmf(s, digit, s->cfg.arg); /* may close s */
	}
}

static void rtcp_recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                         const struct sockaddr *addr, unsigned flags)
{
	media_session *s = h->data;
	s->clock->rx_busy = false;
	if (nread <= 0 || !addr || s->closing || (flags & UV_UDP_PARTIAL))
		return;
	rtcp_report r;
	if (rtcp_parse((const uint8_t *)buf->base, (size_t)nread, &r, NULL) != 0)
		return;
	s->st.rtcp_received++;
	if (!s->rtcp_latched) {
		memcpy(&s->rtcp_remote, addr,
		       addr->sa_family == AF_INET ? sizeof(struct sockaddr_in)
		                                  : sizeof(struct sockaddr_in6));
		s->rtcp_latched = true;
	}
	if (r.sr) {
		s->lsr = (uint32_t)(r.ntp >> 16);
		s->lsr_at = uv_hrtime();
	}
}

/* ---- session lifetime ------------------------------------------------------------- */

static int bind_fd(const struct sockaddr_storage *a)
{
	int fd = socket(a->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (const struct sockaddr *)a, addr_len(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* An even RTP port and the odd RTCP port above it, both free, from the clock's range. */
static int bind_pair(media_clock *c, const struct sockaddr_storage *local, int *rtp_fd,
                     int *rtcp_fd, uint16_t *port)
{
	unsigned pairs = (unsigned)(c->port_max - c->port_min + 1) / 2;
	for (unsigned i = 0; i < pairs; i++) {
		uint16_t p = c->next_port;
		c->next_port = (uint16_t)(p + 2);
		if (c->next_port + 1 > c->port_max || c->next_port < c->port_min)
			c->next_port = c->port_min;
		struct sockaddr_storage a = *local;
		set_port(&a, p);
		int f1 = bind_fd(&a);
		if (f1 < 0)
			continue;
		set_port(&a, (uint16_t)(p + 1));
		int f2 = bind_fd(&a);
		if (f2 < 0) {
			close(f1);
			continue;
		}
		*rtp_fd = f1;
		*rtcp_fd = f2;
		*port = p;
		return 0;
	}
	return OPENUM_EIO;
}

int media_session_open(media_clock *c, const media_session_config *cfg, media_session **out,
                       const char **why)
{
	if (cfg->codec != MEDIA_PCMU && cfg->codec != MEDIA_PCMA)
		return media_fail(why, "media: codec must be PCMU or PCMA", OPENUM_EINVAL);
	if (cfg->pt > 127 || cfg->dtmf_pt > 127 || (cfg->dtmf_pt && cfg->dtmf_pt == cfg->pt))
		return media_fail(why, "media: bad payload type", OPENUM_EINVAL);
	struct sockaddr_storage local;
	if (make_addr(cfg->bind_ip ? cfg->bind_ip : "0.0.0.0", 0, &local) != 0)
		return media_fail(why, "media: bad bind address", OPENUM_EINVAL);
	media_session *s = calloc(1, sizeof(*s));
	if (!s)
		return media_fail(why, "media: out of memory", OPENUM_ENOMEM);
	s->clock = c;
	s->cfg = *cfg;
	snprintf(s->cname, sizeof(s->cname), "%s", cfg->cname ? cfg->cname : "openum");
	s->cfg.cname = s->cname;
	s->cfg.bind_ip = NULL;
	s->cfg.remote_ip = NULL;
	if (cfg->remote_ip && media_session_set_remote(s, cfg->remote_ip, cfg->remote_port) != 0) {
		free(s);
		return media_fail(why, "media: bad remote address", OPENUM_EINVAL);
	}
	int f1, f2;
	if (bind_pair(c, &local, &f1, &f2, &s->port) != 0) {
		free(s);
		return media_fail(why, "media: no free port pair in the range", OPENUM_EIO);
	}
	uv_udp_init(c->loop, &s->rtp);
	uv_udp_init(c->loop, &s->rtcp);
	s->rtp.data = s;
	s->rtcp.data = s;
	s->open_handles = 2;
	int rc1 = uv_udp_open(&s->rtp, f1);
	int rc2 = uv_udp_open(&s->rtcp, f2);
	if (rc1 || rc2) {
		/* a socket libuv did not take is ours to close; the handles go through uv_close */
		if (rc1)
			close(f1);
		if (rc2)
			close(f2);
		media_session_close(s);
		return media_fail(why, "media: cannot open the UDP sockets", OPENUM_EIO);
	}
	uv_udp_recv_start(&s->rtp, alloc_cb, rtp_recv_cb);
	uv_udp_recv_start(&s->rtcp, alloc_cb, rtcp_recv_cb);
	s->ssrc = random32();
	s->seq = (uint16_t)random32();
	s->ts = random32();
	s->rtcp_phase = random32() % RTCP_TICKS;

	/* the slot with the fewest sessions: every slot tick has the same work */
	s->slot = media_clock_slot_pick(c->slot_n, SLOTS);
	s->next = c->slot_head[s->slot];
	if (s->next)
		s->next->prev = s;
	c->slot_head[s->slot] = s;
	c->slot_n[s->slot]++;
	c->st.sessions++;
	/* an idle clock sleeps to the next period: wake it for this slot's next tick */
	uint64_t t = c->tick + (s->slot + SLOTS - c->tick % SLOTS) % SLOTS;
	if (c->start_ns + t * SLOT_NS < c->armed_ns)
		clock_arm(c, c->start_ns + t * SLOT_NS);
	*out = s;
	return 0;
}

static void session_closed(uv_handle_t *h)
{
	media_session *s = h->data;
	if (--s->open_handles == 0) {
		free(s->rec);
		free(s->jb);
		free(s);
	}
}

void media_session_close(media_session *s)
{
	if (!s)
		return;
	media_clock *c = s->clock;
	bool listed = c->slot_head[s->slot] == s || s->prev;
	if (listed) {
		if (s->have_remote && !s->closing)
			send_rtcp(s, true);
		if (c->iter == s)
			c->iter = s->next;
		if (s->prev)
			s->prev->next = s->next;
		else
			c->slot_head[s->slot] = s->next;
		if (s->next)
			s->next->prev = s->prev;
		s->prev = s->next = NULL;
		c->slot_n[s->slot]--;
		c->st.sessions--;
	}
	if (!s->closing)
		count_lost(s);
	s->closing = true;
	uv_close((uv_handle_t *)&s->rtp, session_closed);
	uv_close((uv_handle_t *)&s->rtcp, session_closed);
}

uint16_t media_session_port(const media_session *s)
{
	return s->port;
}

unsigned media_session_slot(const media_session *s)
{
	return s->slot;
}

unsigned media_clock_slot_pick(const unsigned *counts, unsigned nslots)
{
	unsigned best = 0;
	for (unsigned i = 1; i < nslots; i++)
		if (counts[i] < counts[best])
			best = i;
	return best;
}

int media_session_set_format(media_session *s, media_codec codec, uint8_t pt, uint8_t dtmf_pt)
{
	if ((codec != MEDIA_PCMU && codec != MEDIA_PCMA) || pt > 127 || dtmf_pt > 127 ||
	    (dtmf_pt && dtmf_pt == pt))
		return OPENUM_EINVAL;
	s->cfg.codec = codec;
	s->cfg.pt = pt;
	s->cfg.dtmf_pt = dtmf_pt;
	return 0;
}

int media_session_set_remote(media_session *s, const char *ip, uint16_t port)
{
	struct sockaddr_storage a;
	if (!ip || make_addr(ip, port, &a) != 0)
		return OPENUM_EINVAL;
	s->latched = false;
	s->rtcp_latched = false;
	/* c=0.0.0.0 (hold, or an answerer that waits): send nowhere until media arrives */
	s->have_remote = !is_any(&a) && port != 0;
	s->remote = a;
	s->rtcp_remote = a;
	set_port(&s->rtcp_remote, (uint16_t)(port + 1));
	return 0;
}

int media_session_play(media_session *s, const uint8_t *audio, size_t n, media_codec enc)
{
	if ((enc != MEDIA_PCMU && enc != MEDIA_PCMA) || (!audio && n))
		return OPENUM_EINVAL;
	s->play = n ? audio : NULL;
	s->play_n = n;
	s->play_pos = 0;
	s->play_enc = enc;
	return 0;
}

void media_session_play_stop(media_session *s)
{
	s->play = NULL;
}

bool media_session_playing(const media_session *s)
{
	return s->play != NULL;
}

int media_session_send_dtmf(media_session *s, const char *digits, unsigned ms)
{
	if (!s->cfg.dtmf_pt)
		return OPENUM_ENOTFOUND;
	size_t n = strlen(digits);
	for (size_t i = 0; i < n; i++)
		if (dtmf_char_event(digits[i]) < 0)
			return OPENUM_EINVAL;
	if (s->dq_len + n > MEDIA_DTMF_QUEUE)
		return OPENUM_ETOOBIG;
	for (size_t i = 0; i < n; i++)
		s->dq[(s->dq_head + s->dq_len++) % MEDIA_DTMF_QUEUE] = digits[i];
	s->dtmf_ms = ms;
	return 0;
}

int media_session_record_start(media_session *s, size_t max_samples)
{
	free(s->rec);
	s->rec = NULL;
	s->rec_n = s->rec_cap = 0;
	s->rec_max = max_samples;
	s->silence_ms = 0;
	if (!s->jb && !(s->jb = malloc(sizeof(*s->jb))))
		return OPENUM_ENOMEM;
	media_jb_init(s->jb, 0);
	s->recording = true;
	return 0;
}

int media_session_record_take(media_session *s, int16_t **pcm, size_t *n)
{
	if (s->recording)
		rec_drain(s, true);
	s->recording = false;
	*pcm = s->rec;
	*n = s->rec_n;
	s->rec = NULL;
	s->rec_n = s->rec_cap = 0;
	return 0;
}

void media_session_get_stats(const media_session *s, media_session_stats *out)
{
	*out = s->st;
	out->latched = s->latched;
	out->jitter = s->rx.jitter_q4 >> 4;
	if (s->rx.started) {
		uint32_t expected = s->rx.cycles + s->rx.max_seq - s->rx.base_seq + 1;
		out->lost = expected > s->rx.received ? expected - s->rx.received : 0;
	}
	out->recorded = s->rec_n;
	out->silence_ms = s->silence_ms;
}
