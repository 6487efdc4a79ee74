/* media: audio for the UM server. G.711 mu-law/A-law, RTP and RTCP (RFC 3550) packets,
 * RFC 4733 telephone-events and SIP INFO dtmf-relay bodies, a small jitter buffer for
 * recording, WAV files, and RTP sessions on UDP paced by one shared 20 ms clock.
 *
 * Contract:
 * - The codec, packet, DTMF, jitter-buffer and WAV functions do no I/O; parsers allocate
 *   nothing and every pointer they return lies inside the buffer they were given.
 * - The media_clock and media_session functions are called on the loop thread only; the
 *   packets are sent by the clock's media threads (see "clock and sessions" below).
 * - Ownership: media_clock_open and media_session_open allocate; media_session_close and
 *   media_clock_close release (asynchronously, through uv_close: run the loop afterwards).
 *   media_sound_* objects are shared: each holder owns one reference (media_sound_unref).
 *   Closing the clock closes the sessions left. media_session_play copies the audio;
 *   media_session_play_sound takes a reference to the sound. media_session_record_take hands its
 * PCM buffer to the caller, who free()s it. media_wav_read allocates media_audio.pcm;
 * media_audio_free releases it. (Of the WAV functions, media_wav_read, media_wav_load and
 * media_wav_write* do file I/O.)
 * - Errors: 0 or a negative OPENUM_E* code; `why` (may be NULL) gets a short static reason.
 */
#ifndef OPENUM_MEDIA_H
#define OPENUM_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "../base/base.h"

/* ---- limits and defaults ------------------------------------------------------------ */
#define MEDIA_RATE 8000                  /* G.711 and telephone-event clock rate, Hz */
#define MEDIA_PTIME_MS 20                /* one packet, one clock tick */
#define MEDIA_FRAME 160                  /* samples (and G.711 bytes) in 20 ms */
#define MEDIA_RTP_MAX 1500               /* largest RTP/RTCP datagram we build or accept */
#define MEDIA_RTCP_INTERVAL_MS 5000      /* RFC 3550 minimum report interval */
#define MEDIA_DTMF_PT_DEFAULT 101        /* usual dynamic payload type for telephone-event */
#define MEDIA_DTMF_QUEUE 32              /* digits waiting to be sent per session */
#define MEDIA_DTMF_GAP_TICKS 3           /* audio ticks between two sent digits (60 ms) */
#define MEDIA_JB_SLOTS 16                /* jitter buffer window, packets (power of two) */
#define MEDIA_JB_DEPTH_DEFAULT 5         /* packets ahead before a missing one counts as lost */
#define MEDIA_JB_MAX_PAYLOAD 320         /* bytes per buffered packet (40 ms of G.711) */
#define MEDIA_JB_MAX_GAP 16000           /* samples (2 s): a larger timestamp jump is a resync */
#define MEDIA_CLOCK_MAX_BEHIND 3         /* periods late after which the schedule moves back */
#define MEDIA_CLOCK_SLOTS 10             /* phases of the 20 ms period: a slot tick every 2 ms */
#define MEDIA_WAV_MAX_BYTES (256u << 20) /* largest WAV file media_wav_read accepts */

/* ==== G.711 (ITU-T G.711) ============================================================ */
/* RTP static payload types (RFC 3551) double as codec ids. */
typedef enum media_codec {
	MEDIA_PCMU = 0, /* mu-law */
	MEDIA_PCMA = 8, /* A-law */
} media_codec;

uint8_t g711_ulaw_encode(int16_t pcm);
uint8_t g711_alaw_encode(int16_t pcm);
extern const int16_t g711_ulaw_table[256]; /* decode tables */
extern const int16_t g711_alaw_table[256];
static inline int16_t g711_ulaw_decode(uint8_t u)
{
	return g711_ulaw_table[u];
}
static inline int16_t g711_alaw_decode(uint8_t a)
{
	return g711_alaw_table[a];
}
/* The code for digital silence: 0xFF (mu-law) or 0xD5 (A-law). */
uint8_t g711_silence(media_codec c);
void g711_encode(media_codec c, const int16_t *pcm, size_t n, uint8_t *out);
void g711_decode(media_codec c, const uint8_t *in, size_t n, int16_t *pcm);
/* "PCMU"/"PCMA", or NULL for something else. */
const char *media_codec_name(media_codec c);

/* ==== RTP (RFC 3550 section 5) ======================================================= */
#define RTP_HDR_LEN 12
#define RTP_MAX_CSRC 15

typedef struct rtp_packet {
	bool padding; /* parse: P bit; build: pad_len > 0 sets it */
	bool extension;
	bool marker;
	uint8_t pt; /* payload type, 0-127 */
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t cc; /* CSRC count, 0-15 */
	uint32_t csrc[RTP_MAX_CSRC];
	uint16_t ext_profile; /* header extension: "defined by profile" field */
	const uint8_t *ext;   /* extension data (ext_len bytes, a multiple of 4) */
	size_t ext_len;
	const uint8_t *payload; /* inside the packet; padding excluded */
	size_t payload_len;
	uint8_t pad_len; /* padding bytes including the count byte */
} rtp_packet;

/* Parses one RTP datagram. EBADMSG with why for: too short, version != 2, truncated
 * CSRC list or extension, padding count 0 or larger than what follows the header. */
int rtp_parse(const uint8_t *buf, size_t len, rtp_packet *out, const char **why);
/* Builds p (its payload, ext and pad_len) into out; ETOOBIG when cap is too small,
 * EINVAL for cc > 15, pt > 127 or ext_len not a multiple of 4. */
int rtp_build(const rtp_packet *p, uint8_t *out, size_t cap, size_t *len);

/* ==== RTCP (RFC 3550 section 6) ====================================================== */
#define RTCP_SR 200
#define RTCP_RR 201
#define RTCP_SDES 202
#define RTCP_BYE 203
#define RTCP_MAX_BLOCKS 31

typedef struct rtcp_block {
	uint32_t ssrc;         /* the source this block reports on */
	uint8_t fraction_lost; /* lost since the last report, as a fraction of 256 */
	int32_t cum_lost;      /* 24-bit signed on the wire */
	uint32_t ext_max_seq;  /* cycles << 16 | highest sequence number */
	uint32_t jitter;       /* interarrival jitter, timestamp units */
	uint32_t lsr;          /* middle 32 bits of the last SR's NTP time, 0 if none */
	uint32_t dlsr;         /* delay since that SR, 1/65536 s */
} rtcp_block;

typedef struct rtcp_report {
	bool sr; /* sender report (else receiver report) */
	uint32_t ssrc;
	uint64_t ntp;     /* SR: NTP timestamp (32.32) */
	uint32_t rtp_ts;  /* SR: RTP time matching ntp */
	uint32_t packets; /* SR: sender's packet count */
	uint32_t octets;  /* SR: sender's payload octet count */
	uint8_t nblocks;
	rtcp_block block[RTCP_MAX_BLOCKS];
	/* parse only: from the rest of a compound packet */
	const uint8_t *cname; /* first SDES CNAME item, inside the packet */
	size_t cname_len;
	bool bye;
} rtcp_report;

/* Builds a compound packet: SR or RR, then SDES with CNAME (cname may be NULL: no SDES),
 * then BYE when r->bye. */
int rtcp_build(const rtcp_report *r, const char *cname, uint8_t *out, size_t cap, size_t *len);
/* Validates a compound packet (RFC 3550 A.2: version 2, first packet SR or RR, padding
 * only on the last, lengths add up) and reads its first SR/RR, CNAME and BYE. */
int rtcp_parse(const uint8_t *buf, size_t len, rtcp_report *out, const char **why);

/* Receiver statistics for one source (RFC 3550 A.1, A.3, A.8). */
typedef struct rtp_rx_stats {
	bool started;
	uint16_t max_seq;
	uint32_t cycles; /* sequence wraps, shifted left by 16 */
	uint32_t base_seq;
	uint32_t bad_seq; /* seq after a large jump: the next must follow it to resync */
	uint32_t received;
	uint32_t expected_prior, received_prior;
	uint32_t transit;   /* last arrival - timestamp */
	uint32_t jitter_q4; /* jitter scaled by 16 */
} rtp_rx_stats;

/* Counts a packet; arrival is the arrival time in timestamp units (8 kHz). Returns 0,
 * or OPENUM_EBADMSG for a packet outside the valid sequence window (not counted). */
int rtp_stats_update(rtp_rx_stats *st, uint16_t seq, uint32_t ts, uint32_t arrival);
/* Fills a report block (lsr/dlsr left 0) and starts a new fraction-lost interval. */
void rtp_stats_block(rtp_rx_stats *st, uint32_t ssrc, rtcp_block *out);

/* ==== DTMF: RFC 4733 telephone-events and SIP INFO application/dtmf-relay ============ */
typedef struct dtmf_event {
	uint8_t event; /* 0-9, 10 '*', 11 '#', 12-15 A-D, 16 flash */
	bool end;
	uint8_t volume;    /* 0-63, -dBm0 */
	uint16_t duration; /* timestamp units since the event's timestamp */
} dtmf_event;

/* Payload of 4 bytes or more (only the first event is read); EBADMSG when shorter. */
int dtmf_event_parse(const uint8_t *p, size_t n, dtmf_event *ev, const char **why);
void dtmf_event_build(const dtmf_event *ev, uint8_t out[4]);
/* '0'-'9' '*' '#' 'A'-'D' for events 0-15, '!' for flash (16), 0 otherwise. */
char dtmf_event_char(uint8_t event);
/* The event for a digit (letters case-insensitive, '!' flash), or -1. */
int dtmf_char_event(char c);

/* Sender side: one digit as a series of packets, one per 20 ms tick, all carrying the
 * timestamp of the event start and a growing duration; the last is sent three times
 * (E bit, same timestamp and duration, new sequence numbers). */
typedef struct dtmf_sender {
	bool active;
	uint8_t event, volume;
	uint32_t ts;    /* event timestamp */
	uint32_t total; /* wanted duration, samples */
	uint32_t sent;  /* duration announced so far */
	uint8_t ends_left;
	bool first;
} dtmf_sender;

/* Starts a digit lasting ms (40 ms minimum); ts is the RTP timestamp of its start. */
int dtmf_sender_start(dtmf_sender *s, char digit, unsigned ms, uint32_t ts);
/* Next packet: returns true and fills the 4-byte payload, marker and timestamp, or false
 * once the digit is finished. */
bool dtmf_sender_next(dtmf_sender *s, uint8_t payload[4], bool *marker, uint32_t *ts);

/* Receiver side: reports each digit once per event timestamp; retransmitted end packets,
 * updates and long-event continuation segments are ignored. */
#define DTMF_RX_HISTORY 4
typedef struct dtmf_receiver {
	unsigned n; /* timestamps remembered (ring) */
	uint32_t seen[DTMF_RX_HISTORY];
	bool have_last;
	uint32_t last_ts;
	uint8_t last_event;
	bool last_ended;
	uint32_t last_dur;
} dtmf_receiver;

/* Returns true and sets *digit when this packet starts a new digit. */
bool dtmf_receiver_feed(dtmf_receiver *r, uint32_t ts, bool marker, const dtmf_event *ev,
                        char *digit);

/* application/dtmf-relay body: "Signal=5\r\nDuration=160\r\n". Signal is one digit
 * character or 10/11 for '*'/'#' (some phones); Duration (ms) defaults to 250 when
 * absent. EBADMSG with why for a missing or bad Signal or Duration. */
#define DTMF_INFO_DEFAULT_MS 250
int dtmf_info_parse(ou_slice body, char *digit, unsigned *duration_ms, const char **why);
/* Writes the body (NUL-terminated); ETOOBIG if cap is short, EINVAL for a bad digit. */
int dtmf_info_build(char digit, unsigned duration_ms, char *out, size_t cap, size_t *len);

/* ==== level of received audio (level.c) ============================================= */
/* A frame whose RMS reaches this counts as sound (about -40 dBFS): a spoken prompt is far
 * above it, G.711 digital silence and line hiss far below. */
#define MEDIA_LEVEL_VOICED_RMS 330

/* What has been heard: times are the caller's milliseconds (uv_now of the loop). */
typedef struct media_level {
	uint64_t voiced_ms;      /* total length of the frames that counted as sound */
	uint64_t last_voiced_at; /* when the last such frame arrived (valid if voiced) */
	bool voiced;             /* any sound at all */
} media_level;

/* Counts one frame of n samples received at now_ms. */
void media_level_feed(media_level *l, const int16_t *pcm, size_t n, uint64_t now_ms);
/* The same for G.711 bytes (decoded 160 samples at a time, each block one frame). */
void media_level_feed_g711(media_level *l, media_codec c, const uint8_t *in, size_t n,
                           uint64_t now_ms);
/* At least speech_ms of sound since the count was base_voiced_ms. */
bool media_level_heard(const media_level *l, uint64_t base_voiced_ms, unsigned speech_ms);
/* No sound for silence_ms up to now_ms, counting from since_ms or the last sound after it. */
bool media_level_quiet(const media_level *l, uint64_t since_ms, uint64_t now_ms,
                       unsigned silence_ms);
/* A prompt came and ended: since (since_ms, base_voiced_ms) at least speech_ms of sound,
 * then silence_ms without any. */
bool media_level_prompt_over(const media_level *l, uint64_t since_ms, uint64_t base_voiced_ms,
                             uint64_t now_ms, unsigned speech_ms, unsigned silence_ms);

/* ==== jitter buffer for recording =================================================== */
/* Packets go in by sequence number; frames come out in order with losses and timestamp
 * gaps (silence suppression, DTMF) filled with silence. A packet with no audio (a
 * telephone-event sharing the sequence space) is put with n == 0 so that it is not
 * counted as lost. */
typedef enum media_jb_verdict {
	MEDIA_JB_OK = 0,
	MEDIA_JB_DUP,  /* already buffered: dropped */
	MEDIA_JB_LATE, /* its turn has passed: dropped */
	MEDIA_JB_JUMP, /* outside the window: drain with flush, media_jb_restart, put again */
} media_jb_verdict;

typedef struct media_jb {
	unsigned depth;
	bool started;
	uint16_t next_seq; /* the packet to emit next */
	uint16_t top;      /* highest sequence number buffered, valid if count */
	unsigned count;
	bool have_out;
	uint32_t out_ts;          /* timestamp of the next sample to emit */
	uint32_t pending_silence; /* samples still to emit before the next packet */
	struct {
		bool full;
		uint16_t seq;
		uint32_t ts;
		uint16_t n;
		uint8_t data[MEDIA_JB_MAX_PAYLOAD];
	} slot[MEDIA_JB_SLOTS];
	/* statistics */
	uint32_t dups, late, lost, jumps, resyncs;
	uint64_t silence_samples;
} media_jb;

typedef struct media_jb_frame {
	const uint8_t *data; /* NULL: n samples of silence */
	size_t n;            /* samples (G.711: also bytes) */
} media_jb_frame;

void media_jb_init(media_jb *jb, unsigned depth); /* depth 0: default, capped to SLOTS-1 */
/* n == 0: no audio in this packet. Payloads over MEDIA_JB_MAX_PAYLOAD are truncated. */
media_jb_verdict media_jb_put(media_jb *jb, uint16_t seq, uint32_t ts, const uint8_t *p, size_t n);
/* Next frame in order: 0 and *f, or OPENUM_EAGAIN while waiting for a missing packet
 * (flush: stop waiting, declare it lost) or when the buffer is empty. Silence frames
 * are at most MEDIA_FRAME samples; f->data stays valid until the next put. */
int media_jb_pop(media_jb *jb, bool flush, media_jb_frame *f);
/* Forgets buffered packets and the sequence position; keeps the output timestamp so a
 * restarted stream continues in time. */
void media_jb_restart(media_jb *jb);

/* ==== WAV (RIFF/WAVE) =============================================================== */
typedef enum media_wav_format {
	MEDIA_WAV_PCM16 = 1,
	MEDIA_WAV_ALAW = 6,
	MEDIA_WAV_ULAW = 7,
} media_wav_format;

typedef struct media_wav_info {
	media_wav_format format;
	uint16_t channels;
	uint32_t rate;
	uint16_t bits;
	const uint8_t *data; /* the sample bytes, inside the buffer */
	size_t data_len;     /* clipped to the buffer and to whole samples */
	size_t samples;
} media_wav_info;

/* Parses a WAV file held in memory. Unknown chunks are skipped; a data or RIFF size that
 * runs past the end is clipped to what is there. EBADMSG for a broken file, EINVAL
 * (with why) for a valid file in a format other than 8 kHz mono PCM16/A-law/mu-law; out
 * then holds the format, channels, rate and bits that were found (media_wav_describe). */
int media_wav_parse(const uint8_t *buf, size_t len, media_wav_info *out, const char **why);
/* For a file media_wav_parse refused with EINVAL, what it must be and what it is, in
 * plain words for a person: "WAV must be mono; found 8000 Hz, 2 channels, 16-bit PCM".
 * For a supported format, just what it is. Always NUL-terminates buf (cap > 0). */
void media_wav_describe(const media_wav_info *found, char *buf, size_t cap);

typedef struct media_audio {
	int16_t *pcm; /* owned: media_audio_free */
	size_t n;
} media_audio;

/* Reads a WAV file and decodes it to 16-bit PCM. EIO when the file cannot be read. */
int media_wav_read(const char *path, media_audio *out, const char **why);
void media_audio_free(media_audio *a);
/* Reads a whole WAV file (at most MEDIA_WAV_MAX_BYTES) into file (initialised by the
 * caller, who ou_buf_free()s it, also on failure) and parses it into info, whose data
 * points into file: the samples as stored, not decoded. Errors as media_wav_read and
 * media_wav_parse; after EIO from opening the file, errno says why. */
int media_wav_load(const char *path, ou_buf *file, media_wav_info *info, const char **why);
/* Encodes PCM into a WAV file image in out (appended). */
int media_wav_build(media_wav_format fmt, const int16_t *pcm, size_t n, ou_buf *out);
int media_wav_write(const char *path, media_wav_format fmt, const int16_t *pcm, size_t n);
/* The same image around samples already in fmt (len bytes: little-endian PCM16, or
 * A-law/mu-law bytes), copied as they are; a stray odd byte of PCM16 is dropped. */
int media_wav_build_encoded(media_wav_format fmt, const uint8_t *data, size_t len, ou_buf *out);
int media_wav_write_encoded(const char *path, media_wav_format fmt, const uint8_t *data, size_t len,
                            const char **why);

/* ==== shared audio ================================================================== */
/* An immutable block of G.711 mu-law audio with a reference count: one copy of a
 * greeting or prompt however many calls play it at once. new/from/from_pcm make a
 * sound holding one reference (a copy of the input, transcoded to mu-law); ref adds
 * one; unref drops one and frees the sound with the last. The count is atomic, the
 * bytes are never written after creation: any thread may read or release. */
typedef struct media_sound media_sound;
int media_sound_new(const uint8_t *ulaw, size_t n, media_sound **out);
/* enc: the input's codec (A-law is transcoded to mu-law). */
int media_sound_from(media_codec enc, const uint8_t *g711, size_t n, media_sound **out);
int media_sound_from_pcm(const int16_t *pcm, size_t n, media_sound **out);
media_sound *media_sound_ref(media_sound *s); /* NULL ok: returns s */
void media_sound_unref(media_sound *s);       /* NULL ok */
const uint8_t *media_sound_data(const media_sound *s);
size_t media_sound_len(const media_sound *s);
unsigned media_sound_refs(const media_sound *s); /* for tests and statistics */

/* ==== clock and sessions (libuv) ==================================================== */
typedef struct media_clock media_clock;
typedef struct media_session media_session;

typedef struct media_clock_stats {
	uint64_t ticks;        /* 20 ms periods run */
	uint64_t shifts;       /* times a thread fell MEDIA_CLOCK_MAX_BEHIND behind: its
	                        * schedule moved back (frames sent late, none skipped) */
	uint64_t shift_max_ns; /* how far back in all */
	uint64_t late_max_ns;  /* worst lateness of a slot tick against its due time */
	uint64_t late_sum_ns;
	unsigned sessions;
	unsigned threads; /* media threads */
} media_clock_stats;
/* ticks: the first thread's periods; shifts, late_sum: all threads; shift_max,
 * late_max: the worst thread. */

/* One clock per loop serving every session, run by its own media thread(s), never by
 * the loop: SIP work, store calls and logging on the loop cannot delay a send. Each
 * media thread has a timerfd (CLOCK_MONOTONIC, the clock of uv_hrtime) armed at
 * absolute due times, so the clock neither drifts nor rounds to milliseconds; a late
 * tick runs at once and the next is armed at its own due time. A thread that fell
 * MEDIA_CLOCK_MAX_BEHIND periods behind (starved, stopped) skips nothing: its schedule
 * moves back by the delay and every session goes on with its next frame and contiguous
 * sequence numbers and timestamps, so no audio is lost or cut by silence. The period
 * is cut into MEDIA_CLOCK_SLOTS slots: each session is put on the media thread with the
 * fewest sessions, in its slot with the fewest, when it opens, and sends once per period
 * at its slot's tick (start + (k * SLOTS + slot) * 2 ms), so one wake-up sends a tenth
 * of the packets and no call waits behind all the others. A thread sleeps through slots
 * without sessions. Ports for sessions come from [port_min, port_max] (RTP on even
 * ports, RTCP on the next odd one).
 *
 * Threads: the loop thread owns the clock and every session (all functions below are
 * called on it). A session's sending state belongs to its media thread; the verbs
 * (play, stop, DTMF, remote, format, close) reach it as commands through a
 * mutex-protected queue and an eventfd wake-up, run between slot ticks (so a session is
 * never closed in the middle of its send). The thread reports back (a play finished, a
 * session let go) through a uv_async: on_play_done and on_dtmf always run on the loop
 * thread, and recording and received DTMF never leave it (receiving is the loop's).
 * media_session_close returns at once; the sockets are closed and the session freed
 * on the loop once its thread has let it go. media_clock_close joins the threads. */
#define MEDIA_THREADS_MAX 16
#define MEDIA_SPIN_MAX_US 1000 /* half a slot: more would keep the thread spinning */

typedef struct media_clock_options {
	unsigned threads; /* media threads, 1 to MEDIA_THREADS_MAX; 0: 1 */
	unsigned ncpus;   /* thread i is pinned to cpus[i % ncpus]; 0: not pinned */
	int cpus[MEDIA_THREADS_MAX];
	int fifo_prio; /* 1-99: the threads run SCHED_FIFO at this priority; 0: normal */
	/* 1 to MEDIA_SPIN_MAX_US: a thread sleeps until spin_us before a slot tick with
	 * sessions is due and busy-waits on CLOCK_MONOTONIC from there (for a media thread
	 * with a CPU of its own: it beats the kernel's wake-up latency at the price of that
	 * CPU's idle time); 0: sleep until the due time */
	unsigned spin_us;
} media_clock_options;

/* EIO (why says which) when a thread cannot start: no file descriptor left, SCHED_FIFO
 * not permitted; EINVAL for a bad range, option or CPU. */
int media_clock_open_opts(uv_loop_t *loop, uint16_t port_min, uint16_t port_max,
                          const media_clock_options *o, media_clock **out, const char **why);
/* The same with one unpinned media thread at normal priority. */
int media_clock_open(uv_loop_t *loop, uint16_t port_min, uint16_t port_max, media_clock **out);
/* Closes the sessions still open, lets the threads run what was queued and joins them;
 * the clock is freed through uv_close (run the loop afterwards). */
void media_clock_close(media_clock *c);
/* Blocks until every media thread has run the commands queued before (at most a slot
 * tick's work), then runs the events they posted. For tests and tools; not from an
 * on_play_done or on_dtmf callback. */
int media_clock_sync(media_clock *c);
/* For tests: every media thread sleeps ms at its next wake (a preempted thread). */
int media_clock_stall(media_clock *c, unsigned ms);
void media_clock_get_stats(const media_clock *c, media_clock_stats *out);

typedef void (*media_dtmf_cb)(media_session *s, char digit, void *arg);
typedef void (*media_done_cb)(media_session *s, void *arg);

typedef struct media_session_config {
	const char *bind_ip; /* local address, e.g. "0.0.0.0" or "127.0.0.1" */
	media_codec codec;
	uint8_t pt;            /* payload type sent and expected for codec (0/8) */
	uint8_t dtmf_pt;       /* telephone-event payload type; 0: none */
	const char *remote_ip; /* from SDP; NULL/"0.0.0.0": wait for the peer (latching) */
	uint16_t remote_port;
	bool idle_silence; /* send silence when nothing plays (keeps NAT and peer alive) */
	const char *cname; /* RTCP CNAME; NULL: "openum" */
	media_dtmf_cb on_dtmf;
	media_done_cb on_play_done;
	void *arg;
} media_session_config;

typedef struct media_session_stats {
	uint64_t sent, sent_bytes, send_errors;
	uint64_t received, rx_bad, rx_other; /* rx_other: unknown payload type or SSRC */
	uint32_t jitter;                     /* timestamp units */
	uint32_t lost;                       /* cumulative, from the receiver statistics */
	bool latched;
	uint32_t rtcp_sent, rtcp_received;
	size_t recorded;     /* samples in the record buffer */
	uint32_t silence_ms; /* trailing silence in the recording */
	media_level heard;   /* loudness of every audio packet received (uv_now times) */
} media_session_stats;

/* The slot with the fewest sessions (the lowest index among equals): where
 * media_session_open puts a new session. Pure, for tests. */
unsigned media_clock_slot_pick(const unsigned *counts, unsigned nslots);

/* Binds RTP and RTCP sockets from the clock's port range and joins the clock. */
int media_session_open(media_clock *c, const media_session_config *cfg, media_session **out,
                       const char **why);
void media_session_close(media_session *s);
uint16_t media_session_port(const media_session *s);
unsigned media_session_slot(const media_session *s);   /* 0 .. MEDIA_CLOCK_SLOTS-1 */
unsigned media_session_thread(const media_session *s); /* its media thread, from 0 */
/* The codec and payload types an SDP exchange settled after the session was opened
 * (an offer names its port before the answer picks the codec); same rules as open. */
int media_session_set_format(media_session *s, media_codec codec, uint8_t pt, uint8_t dtmf_pt);
/* New SDP address (re-INVITE): forgets the latch. */
int media_session_set_remote(media_session *s, const char *ip, uint16_t port);
/* Plays n samples of G.711 (in `enc`; transcoded if it differs from the session codec),
 * 160 per tick; replaces what was playing (without on_play_done for it). The audio is
 * copied (the media thread reads it later). */
int media_session_play(media_session *s, const uint8_t *audio, size_t n, media_codec enc);
/* The same for a shared sound (mu-law), not copied: the media thread holds a reference
 * until it has sent it, or a later play, stop or close replaced it. */
int media_session_play_sound(media_session *s, media_sound *snd);
void media_session_play_stop(media_session *s);
bool media_session_playing(const media_session *s);
/* Queues digits ("0-9*#A-D") sent as RFC 4733 events of ms each; EINVAL for a bad digit,
 * ETOOBIG when the queue is full, ENOTFOUND when no dtmf_pt was negotiated. */
int media_session_send_dtmf(media_session *s, const char *digits, unsigned ms);
/* Starts recording received audio (through the jitter buffer) as 16-bit PCM, up to
 * max_samples (0: unlimited). */
int media_session_record_start(media_session *s, size_t max_samples);
/* Stops recording, drains the jitter buffer and hands the PCM to the caller (free()). */
int media_session_record_take(media_session *s, int16_t **pcm, size_t *n);
void media_session_get_stats(const media_session *s, media_session_stats *out);

#endif
