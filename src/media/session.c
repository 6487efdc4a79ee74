/* RTP sessions on UDP, loop side: the sockets (libuv handles on the loop), receiving
 * (latching for symmetric RTP, receiver statistics, DTMF digits, recording through the
 * jitter buffer), RTCP reports, and the verbs (play, DTMF, remote, format) that reach
 * the session's media thread as commands. What is sent, and when, is worker.c's: each
 * session belongs to one media thread of its clock (clock.c); clock_int.h says who
 * owns which field. Nothing is allocated per packet: one receive buffer per clock. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../metrics/metrics.h"
#include "clock_int.h"
#include "media_int.h"

#define SILENCE_LEVEL 500             /* peak below this (about -36 dBFS) counts as silence */
#define REC_INITIAL (MEDIA_RATE * 10) /* first record buffer: 10 s */
#define NTP_UNIX_OFFSET 2208988800u   /* seconds from 1900 to 1970 */

uint32_t media_random32(void)
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

static mcmd *cmd_new(media_session *s, mcmd_type type)
{
	mcmd *m = calloc(1, sizeof(*m));
	if (m) {
		m->type = type;
		m->s = s;
	}
	return m;
}

static void cmd_push(media_session *s, mcmd *m)
{
	media_clock_push(s->worker, m);
}

/* Where to send, as the loop sees it now, to the media thread. */
static int push_remote(media_session *s)
{
	if (!s->added)
		return 0; /* the ADD carries it */
	mcmd *m = cmd_new(s, MCMD_REMOTE);
	if (!m)
		return OPENUM_ENOMEM;
	m->u.remote.addr = s->remote;
	m->u.remote.have = s->have_remote;
	cmd_push(s, m);
	return 0;
}

/* ---- RTCP (loop) ------------------------------------------------------------------ */

static uint64_t ntp_now(void)
{
	struct timespec tv;
	clock_gettime(CLOCK_REALTIME, &tv);
	uint64_t sec = (uint64_t)tv.tv_sec + NTP_UNIX_OFFSET;
	uint64_t frac = ((uint64_t)tv.tv_nsec << 32) / 1000000000u;
	return sec << 32 | frac;
}

/* The RTP timestamp due at now_ns: the media thread advances it one frame per period of
 * its schedule, so it is a line through the anchor it set when the session joined, on
 * the schedule less the time stalls moved it back (nothing is skipped: see worker.c). */
static uint32_t rtp_ts_at(const media_session *s, uint64_t now_ns)
{
	if (!atomic_load_explicit(&s->a_anchor_set, memory_order_acquire))
		return s->ts0; /* the media thread has not taken the session yet */
	uint64_t shift = atomic_load_explicit(&s->worker->a_shift_ns, memory_order_relaxed);
	int64_t d = (int64_t)(now_ns - shift - s->anchor_ns);
	return s->anchor_ts + (uint32_t)(d / (1000000000 / MEDIA_RATE));
}

void media_session_rtcp(media_session *s, bool bye)
{
	uint32_t packets = (uint32_t)atomic_load_explicit(&s->a_sent, memory_order_relaxed);
	rtcp_report r = {.sr = packets > 0, .ssrc = s->ssrc, .bye = bye};
	if (r.sr) {
		r.ntp = ntp_now();
		r.rtp_ts = rtp_ts_at(s, uv_hrtime());
		r.packets = packets;
		r.octets = (uint32_t)atomic_load_explicit(&s->a_octets, memory_order_relaxed);
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
		if (push_remote(s) != 0) {
			s->latched = false; /* no memory for the command: latch on a later packet */
			s->have_remote = false;
		}
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

/* The media thread with the fewest sessions, and its least loaded slot. */
static void place(media_session *s)
{
	media_clock *c = s->clock;
	media_worker *w = &c->workers[0];
	for (unsigned i = 1; i < c->nworkers; i++)
		if (c->workers[i].sessions < w->sessions)
			w = &c->workers[i];
	s->worker = w;
	s->slot = media_clock_slot_pick(w->slot_n, MEDIA_CLOCK_SLOTS);
	w->slot_n[s->slot]++;
	w->sessions++;
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
	/* on the clock's list from here: media_session_finish takes it off */
	s->lnext = c->sessions;
	if (s->lnext)
		s->lnext->lprev = s;
	c->sessions = s;
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
	s->ssrc = media_random32();
	s->rtcp_phase = media_random32() % MEDIA_RTCP_PHASES;

	/* what the media thread starts from; it owns tx once the ADD is queued */
	media_tx *t = &s->tx;
	t->fd = f1;
	t->remote = s->remote;
	t->remote_len = addr_len(&s->remote);
	t->have_remote = s->have_remote;
	t->codec = cfg->codec;
	t->pt = cfg->pt;
	t->dtmf_pt = cfg->dtmf_pt;
	t->idle_silence = cfg->idle_silence;
	t->hdr[0] = 0x80; /* version 2, no padding, no extension, no CSRC */
	media_wr32(t->hdr + 8, s->ssrc);
	t->seq = (uint16_t)media_random32();
	t->ts = s->ts0 = media_random32();

	place(s);
	c->nsessions++;
	s->added = true;
	s->add_cmd = (mcmd){.type = MCMD_ADD, .embedded = true, .s = s};
	media_clock_push(s->worker, &s->add_cmd);
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

void media_session_finish(media_session *s)
{
	s->removed = true;
	media_clock_unlink(s);
	uv_close((uv_handle_t *)&s->rtp, session_closed);
	uv_close((uv_handle_t *)&s->rtcp, session_closed);
}

void media_session_close(media_session *s)
{
	if (!s || s->closing)
		return;
	if (s->have_remote && s->added)
		media_session_rtcp(s, true);
	count_lost(s);
	s->closing = true;
	s->playing = false;
	uv_udp_recv_stop(&s->rtp);
	uv_udp_recv_stop(&s->rtcp);
	if (!s->added) {
		media_session_finish(s); /* never reached a media thread */
		return;
	}
	media_worker *w = s->worker;
	w->slot_n[s->slot]--;
	w->sessions--;
	s->clock->nsessions--;
	/* the sockets close when the thread says it has let the session go */
	s->rm_cmd = (mcmd){.type = MCMD_REMOVE, .embedded = true, .s = s};
	media_clock_push(w, &s->rm_cmd);
}

uint16_t media_session_port(const media_session *s)
{
	return s->port;
}

unsigned media_session_slot(const media_session *s)
{
	return s->slot;
}

unsigned media_session_thread(const media_session *s)
{
	return s->worker ? s->worker->index : 0;
}

int media_session_set_format(media_session *s, media_codec codec, uint8_t pt, uint8_t dtmf_pt)
{
	if ((codec != MEDIA_PCMU && codec != MEDIA_PCMA) || pt > 127 || dtmf_pt > 127 ||
	    (dtmf_pt && dtmf_pt == pt))
		return OPENUM_EINVAL;
	mcmd *m = cmd_new(s, MCMD_FORMAT);
	if (!m)
		return OPENUM_ENOMEM;
	s->cfg.codec = codec;
	s->cfg.pt = pt;
	s->cfg.dtmf_pt = dtmf_pt;
	m->u.format.codec = codec;
	m->u.format.pt = pt;
	m->u.format.dtmf_pt = dtmf_pt;
	cmd_push(s, m);
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
	return push_remote(s);
}

/* Hands audio to the media thread: data lies inside ref or owned, which it now owns. */
static int play_cmd(media_session *s, const uint8_t *data, size_t n, media_codec enc,
                    media_sound *ref, uint8_t *owned)
{
	mcmd *m = cmd_new(s, MCMD_PLAY);
	if (!m) {
		media_sound_unref(ref);
		free(owned);
		return OPENUM_ENOMEM;
	}
	m->u.play.data = data;
	m->u.play.n = n;
	m->u.play.enc = enc;
	m->u.play.ref = ref;
	m->u.play.owned = owned;
	m->u.play.gen = ++s->play_gen; /* a done event of an earlier play is now stale */
	s->playing = data != NULL;
	cmd_push(s, m);
	return 0;
}

int media_session_play(media_session *s, const uint8_t *audio, size_t n, media_codec enc)
{
	if ((enc != MEDIA_PCMU && enc != MEDIA_PCMA) || (!audio && n))
		return OPENUM_EINVAL;
	uint8_t *copy = NULL;
	if (n) {
		if (!(copy = malloc(n)))
			return OPENUM_ENOMEM;
		memcpy(copy, audio, n);
	}
	return play_cmd(s, copy, n, enc, NULL, copy);
}

int media_session_play_sound(media_session *s, media_sound *snd)
{
	if (!snd)
		return OPENUM_EINVAL;
	size_t n = media_sound_len(snd);
	if (!n)
		return play_cmd(s, NULL, 0, MEDIA_PCMU, NULL, NULL);
	return play_cmd(s, media_sound_data(snd), n, MEDIA_PCMU, media_sound_ref(snd), NULL);
}

void media_session_play_stop(media_session *s)
{
	if (s->playing)
		(void)play_cmd(s, NULL, 0, MEDIA_PCMU, NULL, NULL);
	s->playing = false;
}

bool media_session_playing(const media_session *s)
{
	return s->playing;
}

int media_session_send_dtmf(media_session *s, const char *digits, unsigned ms)
{
	if (!s->cfg.dtmf_pt)
		return OPENUM_ENOTFOUND;
	size_t n = strlen(digits);
	for (size_t i = 0; i < n; i++)
		if (dtmf_char_event(digits[i]) < 0)
			return OPENUM_EINVAL;
	uint32_t waiting =
	    s->dtmf_queued - atomic_load_explicit(&s->a_dtmf_started, memory_order_relaxed);
	if (waiting + n > MEDIA_DTMF_QUEUE)
		return OPENUM_ETOOBIG;
	if (!n)
		return 0;
	mcmd *m = cmd_new(s, MCMD_DTMF);
	if (!m)
		return OPENUM_ENOMEM;
	memcpy(m->u.dtmf.digits, digits, n);
	m->u.dtmf.ms = ms;
	s->dtmf_queued += (uint32_t)n;
	cmd_push(s, m);
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
	out->sent = atomic_load_explicit(&s->a_sent, memory_order_relaxed);
	out->sent_bytes = atomic_load_explicit(&s->a_sent_bytes, memory_order_relaxed);
	out->send_errors = atomic_load_explicit(&s->a_send_errors, memory_order_relaxed);
	out->latched = s->latched;
	out->jitter = s->rx.jitter_q4 >> 4;
	if (s->rx.started) {
		uint32_t expected = s->rx.cycles + s->rx.max_seq - s->rx.base_seq + 1;
		out->lost = expected > s->rx.received ? expected - s->rx.received : 0;
	}
	out->recorded = s->rec_n;
	out->silence_ms = s->silence_ms;
}
