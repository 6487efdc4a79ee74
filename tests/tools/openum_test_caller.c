/* openum_test_caller: one outgoing call on src/ua for the UM server tests: TCP or TLS
 * (with or without a client certificate), extra headers, DTMF after the answer (one
 * group or a timed sequence), a tone to be recorded, what the call hears written to a
 * WAV file, then BYE. Prints "answered" and "ended REASON STATUS TEXT".
 *
 * The cues (--dtmf, --tone-at, --seq) keep time by the audio the call receives, not by
 * the wall clock: the UM server sends RTP without a break (silence when nothing
 * plays), so "20000 ms after the answer" means after 20 s of its audio. A loaded
 * machine that starves the server's media thread delays its prompts, and the keys
 * follow them instead of cutting them. Until the first packet arrives (and for a
 * peer that sends none), and when the audio stops for CUE_STALL_MS, the wall clock
 * moves the timeline on, so a silent peer still gets its cues. --hangup-ms and the
 * guard stay on the wall clock. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua/ua.h"

static const char usage[] =
    "usage: openum_test_caller --to URI --port PORT [options]\n"
    "  --host IP          (default 127.0.0.1)   --tls          use TLS\n"
    "  --cert F --key F   client certificate     --ca F         CA bundle\n"
    "  --from URI         (default sip:bob@localhost)\n"
    "  --header 'N: v'    extra header (repeatable)\n"
    "  --dtmf DIGITS      send after --dtmf-ms (RFC 4733; --info: SIP INFO)\n"
    "  --dtmf-ms MS       (default 1000)\n"
    "  --tone-ms MS       play a 440 Hz tone after --tone-at MS\n"
    "  --tone-at MS       (default 0)\n"
    "  --tone-hz HZ       tone frequency (default 440)\n"
    "  --play FILE.wav    play this file (8 kHz mono) at --tone-at MS instead of a tone\n"
    "  --seq MS:DIGITS,.. send each DIGITS group MS after the answer (RFC 4733;\n"
    "                     in order of MS)\n"
    "  (the MS of --dtmf-ms, --tone-at and --seq count received audio, see the source)\n"
    "  --record FILE.wav  write what the call hears (mu-law WAV) at the end\n"
    "  --hangup-ms MS     BYE this long after the answer (default 2000; 0: never,\n"
    "                     wait for the other side's BYE)\n";

#define SEQ_MAX 32
#define CUE_POLL_MS 10
#define CUE_STALL_MS 2000 /* audio stopped this long: the wall clock takes over */

static struct {
	uv_loop_t *loop;
	ua *u;
	ua_call *c;
	uv_timer_t t_cue, t_bye, t_guard;
	const char *dtmf;
	bool info;
	unsigned dtmf_ms, tone_ms, tone_at, hangup_ms, tone_hz;
	const char *record;
	const char *play; /* WAV file to play at tone_at (instead of the tone) */
	char seq_digits[SEQ_MAX][32];
	unsigned seq_ms[SEQ_MAX], nseq;
	/* the cue timeline, in samples (8 per ms) since the answer */
	uint64_t timeline, last_poll, last_audio;
	size_t last_recorded;
	bool got_audio, dtmf_done, tone_done;
	unsigned seq_next; /* seq_ms ascending: cues before it are sent */
	int rc;
} g = {.dtmf_ms = 1000, .hangup_ms = 2000, .tone_hz = 440, .rc = 1};

/* "MS:DIGITS,MS:DIGITS" */
static int parse_seq(const char *s)
{
	while (*s) {
		char *end;
		unsigned long ms = strtoul(s, &end, 10);
		if (end == s || *end != ':' || g.nseq == SEQ_MAX)
			return -1;
		s = end + 1;
		size_t n = strcspn(s, ",");
		if (!n || n >= sizeof(g.seq_digits[0]))
			return -1;
		memcpy(g.seq_digits[g.nseq], s, n);
		g.seq_digits[g.nseq][n] = 0;
		if (g.nseq && ms < g.seq_ms[g.nseq - 1])
			return -1; /* in order of time */
		g.seq_ms[g.nseq++] = (unsigned)ms;
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

static void do_tone(void)
{
	if (g.play) {
		media_audio a = {0};
		const char *why = NULL;
		if (media_wav_read(g.play, &a, &why) != 0) {
			fprintf(stderr, "openum_test_caller: %s: %s\n", g.play, why);
			return;
		}
		uint8_t *pu = malloc(a.n ? a.n : 1);
		if (pu) {
			g711_encode(MEDIA_PCMU, a.pcm, a.n, pu);
			ua_call_play(g.c, pu, a.n);
			free(pu);
		}
		media_audio_free(&a);
		return;
	}
	size_t n = (size_t)g.tone_ms * 8;
	uint8_t *u = malloc(n);
	for (size_t i = 0; i < n; i++)
		u[i] = g711_ulaw_encode(
		    (int16_t)(8000 * sin(2 * M_PI * g.tone_hz * (double)i / 8000)));
	ua_call_play(g.c, u, n);
	free(u);
}

static void do_bye(uv_timer_t *t)
{
	(void)t;
	if (g.c)
		ua_call_hangup(g.c);
}

/* Moves the timeline on (received audio, else the wall clock: see the top) and sends
 * the cues that are due. */
static void cue_poll(uv_timer_t *t)
{
	if (!g.c) {
		uv_timer_stop(t);
		return;
	}
	uint64_t now = uv_now(g.loop);
	media_session_stats st;
	ua_call_media_stats(g.c, &st);
	if (st.recorded > g.last_recorded) {
		g.timeline += st.recorded - g.last_recorded;
		g.got_audio = true;
		g.last_audio = now;
	} else if (!g.got_audio || now - g.last_audio >= CUE_STALL_MS) {
		g.timeline += (now - g.last_poll) * 8;
	}
	g.last_recorded = st.recorded;
	g.last_poll = now;

	uint64_t ms = g.timeline / 8;
	if (g.dtmf && !g.dtmf_done && ms >= g.dtmf_ms) {
		g.dtmf_done = true;
		ua_call_send_dtmf(g.c, g.dtmf, g.info);
	}
	if ((g.tone_ms || g.play) && !g.tone_done && ms >= g.tone_at) {
		g.tone_done = true;
		do_tone();
	}
	while (g.seq_next < g.nseq && ms >= g.seq_ms[g.seq_next])
		ua_call_send_dtmf(g.c, g.seq_digits[g.seq_next++], false);
	if ((!g.dtmf || g.dtmf_done) && (!(g.tone_ms || g.play) || g.tone_done) &&
	    g.seq_next == g.nseq)
		uv_timer_stop(t);
}

static void on_answered(void *arg, ua_call *c)
{
	(void)arg;
	printf("answered\n");
	fflush(stdout);
	if (g.hangup_ms)
		uv_timer_start(&g.t_bye, do_bye, g.hangup_ms, 0);
	/* the recorder counts the audio received: the cues' clock, --record or not */
	ua_call_record_start(c, 0);
	g.last_poll = uv_now(g.loop);
	g.last_recorded = 0;
	uv_timer_start(&g.t_cue, cue_poll, 0, CUE_POLL_MS);
}

static void close_all(void)
{
	uv_close((uv_handle_t *)&g.t_cue, NULL);
	uv_close((uv_handle_t *)&g.t_bye, NULL);
	uv_close((uv_handle_t *)&g.t_guard, NULL);
}

static void finish(uv_timer_t *t)
{
	(void)t;
	close_all();
	ua_free(g.u);
}

static void on_ended(void *arg, ua_call *c, const ua_end *end)
{
	(void)arg;
	printf("ended %d %u %s\n", end->reason, end->status, end->text ? end->text : "");
	fflush(stdout);
	if (g.record && end->duration_ms) {
		int16_t *pcm = NULL;
		size_t n = 0;
		if (ua_call_record_take(c, &pcm, &n) != 0 ||
		    media_wav_write(g.record, MEDIA_WAV_ULAW, pcm, n) != 0)
			fprintf(stderr, "openum_test_caller: cannot write %s\n", g.record);
		free(pcm);
	}
	g.rc = end->duration_ms ? 0 : 3;
	g.c = NULL;
	uv_timer_start(&g.t_guard, finish, 0, 0); /* no ua_free inside a ua callback */
}

static void guard(uv_timer_t *t)
{
	(void)t;
	fprintf(stderr, "openum_test_caller: timeout\n");
	if (g.c)
		ua_call_hangup(g.c);
}

int main(int argc, char **argv)
{
	ua_config cfg = {.rtp_ip = "127.0.0.1"};
	ua_dial d = {.host = "127.0.0.1", .transport = NET_TCP, .from_uri = "sip:bob@localhost"};
	const char *hdrs[UA_MAX_EXTRA_HEADERS];
	size_t nh = 0;
	static const struct option opts[] = {{"to", 1, 0, 't'},        {"port", 1, 0, 'p'},
	                                     {"host", 1, 0, 'H'},      {"tls", 0, 0, 'T'},
	                                     {"cert", 1, 0, 'c'},      {"key", 1, 0, 'k'},
	                                     {"ca", 1, 0, 'a'},        {"from", 1, 0, 'f'},
	                                     {"header", 1, 0, 'h'},    {"dtmf", 1, 0, 'd'},
	                                     {"dtmf-ms", 1, 0, 'D'},   {"info", 0, 0, 'i'},
	                                     {"tone-ms", 1, 0, 'o'},   {"tone-at", 1, 0, 'A'},
	                                     {"hangup-ms", 1, 0, 'b'}, {"tone-hz", 1, 0, 'z'},
	                                     {"seq", 1, 0, 's'},       {"record", 1, 0, 'r'},
	                                     {"play", 1, 0, 'P'},      {0, 0, 0, 0}};
	int ch;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': d.request_uri = optarg; break;
		case 'p': d.port = (uint16_t)atoi(optarg); break;
		case 'H': d.host = optarg; break;
		case 'T': d.transport = NET_TLS; break;
		case 'c': cfg.net.cert_file = optarg; break;
		case 'k': cfg.net.key_file = optarg; break;
		case 'a': cfg.net.ca_file = optarg; break;
		case 'f': d.from_uri = optarg; break;
		case 'h':
			if (nh < UA_MAX_EXTRA_HEADERS)
				hdrs[nh++] = optarg;
			break;
		case 'd': g.dtmf = optarg; break;
		case 'D': g.dtmf_ms = (unsigned)atoi(optarg); break;
		case 'i': g.info = true; break;
		case 'o': g.tone_ms = (unsigned)atoi(optarg); break;
		case 'A': g.tone_at = (unsigned)atoi(optarg); break;
		case 'b': g.hangup_ms = (unsigned)atoi(optarg); break;
		case 'z': g.tone_hz = (unsigned)atoi(optarg); break;
		case 'r': g.record = optarg; break;
		case 'P': g.play = optarg; break;
		case 's':
			if (parse_seq(optarg) != 0) {
				fprintf(stderr, "openum_test_caller: bad --seq %s\n", optarg);
				return 2;
			}
			break;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (!d.request_uri || !d.port) {
		fputs(usage, stderr);
		return 2;
	}
	d.extra_headers = hdrs;
	d.nextra = nh;
	d.tls_name = "localhost";
	g.loop = uv_default_loop();
	ua_events ev = {.answered = on_answered, .ended = on_ended};
	if (ua_new(g.loop, &cfg, &ev, NULL, &g.u) != 0) {
		fprintf(stderr, "openum_test_caller: ua_new failed\n");
		return 1;
	}
	uv_timer_init(g.loop, &g.t_cue);
	uv_timer_init(g.loop, &g.t_bye);
	uv_timer_init(g.loop, &g.t_guard);
	uv_timer_start(&g.t_guard, guard, 120000, 0);
	if (ua_call_dial(g.u, &d, NULL, &g.c) != 0) {
		fprintf(stderr, "openum_test_caller: dial failed\n");
		close_all();
		ua_free(g.u);
		uv_run(g.loop, UV_RUN_DEFAULT);
		return 1;
	}
	uv_run(g.loop, UV_RUN_DEFAULT);
	uv_loop_close(g.loop);
	return g.rc;
}
