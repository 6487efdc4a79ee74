/* Tests for src/ua: two ua instances on loopback call each other over TCP and TLS
 * (answer, DTMF both ways by RFC 4733 and INFO, a tone played and recorded, hang-up
 * from either side), CANCEL before the answer, 486, the dial timeout, a closed port,
 * and raw-socket peers for 488 and hold/unhold re-INVITEs. `ended` must come exactly
 * once per call, and ua_free must leave nothing behind (ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ua/ua.h"

typedef enum policy { ANSWER = 0, RING_ONLY, REJECT_486, NOTHING } policy;

typedef struct side {
	ua *u;
	uint16_t tcp, tls;
	policy pol;
	unsigned incoming, answered, progress, ended, play_done;
	unsigned last_progress;
	ua_call *call; /* the current call, NULL once ended */
	ua_end end;    /* of the last ended call */
	char end_text[96];
	char dtmf[32];
	ua_dtmf_source dtmf_src[32];
	int answer_err;
} side;

static uv_loop_t loop;
static uv_timer_t tick;
static side A, B;
static char pki[256];
static char cert[300], key[300], ca[300];

static void on_incoming(void *arg, ua_call *c, sip_msg *invite, const net_peer *peer)
{
	side *s = arg;
	(void)invite;
	(void)peer;
	s->incoming++;
	s->call = c;
	switch (s->pol) {
	case ANSWER: s->answer_err = ua_call_answer(c, NULL, 0); break;
	case RING_ONLY: ua_call_ring(c); break;
	case REJECT_486: ua_call_reject(c, 486, NULL); break;
	case NOTHING: break;
	}
}

static void on_progress(void *arg, ua_call *c, unsigned status)
{
	side *s = arg;
	(void)c;
	s->progress++;
	s->last_progress = status;
}

static void on_answered(void *arg, ua_call *c)
{
	side *s = arg;
	assert_ptr_equal(c, s->call);
	s->answered++;
}

static void on_dtmf(void *arg, ua_call *c, char digit, ua_dtmf_source src)
{
	side *s = arg;
	(void)c;
	size_t n = strlen(s->dtmf);
	if (n + 1 < sizeof(s->dtmf)) {
		s->dtmf_src[n] = src;
		s->dtmf[n] = digit;
	}
}

static void on_play_done(void *arg, ua_call *c)
{
	side *s = arg;
	(void)c;
	s->play_done++;
}

static void on_ended(void *arg, ua_call *c, const ua_end *end)
{
	side *s = arg;
	assert_ptr_equal(c, s->call); /* one call at a time per side in these tests */
	s->ended++;
	s->end = *end;
	snprintf(s->end_text, sizeof(s->end_text), "%s", end->text ? end->text : "");
	s->end.text = s->end_text;
	s->call = NULL;
}

static const ua_events events = {
    .incoming = on_incoming,
    .progress = on_progress,
    .answered = on_answered,
    .dtmf = on_dtmf,
    .play_done = on_play_done,
    .ended = on_ended,
};

static void noop(uv_timer_t *t)
{
	(void)t;
}

typedef bool (*cond_fn)(void);

/* Runs the loop until cond holds or ms pass. */
static bool pump(unsigned ms, cond_fn cond)
{
	uv_update_time(&loop);
	uint64_t end = uv_now(&loop) + ms;
	for (;;) {
		if (cond && cond())
			return true;
		uv_update_time(&loop);
		if (uv_now(&loop) >= end)
			return cond == NULL;
		uv_run(&loop, UV_RUN_ONCE);
	}
}

static void side_start(side *s, uint16_t rtp_min)
{
	memset(s, 0, sizeof(*s));
	ua_config cfg = {.rtp_ip = "127.0.0.1",
	                 .rtp_port_min = rtp_min,
	                 .rtp_port_max = (uint16_t)(rtp_min + 999),
	                 .t1_ms = 20};
	cfg.net.cert_file = cert;
	cfg.net.key_file = key;
	cfg.net.ca_file = ca;
	assert_int_equal(ua_new(&loop, &cfg, &events, s, &s->u), 0);
	assert_int_equal(ua_listen(s->u, NET_TCP, "127.0.0.1", 0, &s->tcp), 0);
	assert_int_equal(ua_listen(s->u, NET_TLS, "127.0.0.1", 0, &s->tls), 0);
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	uv_timer_init(&loop, &tick);
	uv_timer_start(&tick, noop, 5, 5);
	side_start(&A, 40000);
	side_start(&B, 42000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ua_free(A.u);
	ua_free(B.u);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	return 0;
}

static int dial(net_transport tp, unsigned timeout_ms, ua_call **out)
{
	static const char *const extra[] = {"Ms-Sensitivity: private-no-diversion"};
	ua_dial d = {.request_uri = "sip:bob@127.0.0.1",
	             .from_uri = "sip:alice@example.com",
	             .from_name = "Alice \"A\"",
	             .transport = tp,
	             .host = "127.0.0.1",
	             .port = tp == NET_TLS ? B.tls : B.tcp,
	             .extra_headers = extra,
	             .nextra = 1,
	             .timeout_ms = timeout_ms};
	return ua_call_dial(A.u, &d, &A, out);
}

static bool both_answered(void)
{
	return A.answered == 1 && B.answered == 1;
}
static bool both_ended(void)
{
	return A.ended >= 1 && B.ended >= 1;
}
static bool a_ended(void)
{
	return A.ended >= 1;
}
static bool b_dtmf3(void)
{
	return strlen(B.dtmf) >= 3;
}
static bool a_dtmf2(void)
{
	return strlen(A.dtmf) >= 2;
}
static bool a_play_done(void)
{
	return A.play_done >= 1;
}
static bool a_progress(void)
{
	return A.progress >= 1 && B.incoming == 1;
}

/* A call up, DTMF both ways in both forms, a tone from A recorded at B. */
static void talk(void)
{
	assert_true(pump(3000, both_answered));
	assert_non_null(ua_call_media(A.call));
	assert_non_null(ua_call_media(B.call));
	assert_true(ou_slice_eq(ua_call_id(A.call), ua_call_id(B.call)));
	assert_false(ua_call_is_incoming(A.call));
	assert_true(ua_call_is_incoming(B.call));

	assert_int_equal(ua_call_send_dtmf(A.call, "12", false), 0);
	assert_int_equal(ua_call_send_dtmf(A.call, "x", false), OPENUM_EINVAL);
	pump(600, NULL); /* RFC 4733 digits take a few ticks each */
	assert_int_equal(ua_call_send_dtmf(A.call, "#", true), 0);
	assert_true(pump(3000, b_dtmf3));
	assert_string_equal(B.dtmf, "12#");
	assert_int_equal(B.dtmf_src[0], UA_DTMF_RFC4733);
	assert_int_equal(B.dtmf_src[2], UA_DTMF_INFO);
	assert_int_equal(ua_call_send_dtmf(B.call, "5", true), 0);
	pump(200, NULL);
	assert_int_equal(ua_call_send_dtmf(B.call, "9", false), 0);
	assert_true(pump(3000, a_dtmf2));
	assert_string_equal(A.dtmf, "59");
	assert_int_equal(A.dtmf_src[0], UA_DTMF_INFO);
	assert_int_equal(A.dtmf_src[1], UA_DTMF_RFC4733);

	/* 400 ms of a loud 1 kHz tone, in two pieces queued back to back */
	uint8_t tone[3200];
	for (size_t i = 0; i < sizeof(tone); i++)
		tone[i] = g711_ulaw_encode(
		    (int16_t)(12000.0 * sin(2 * M_PI * 1000.0 * (double)i / 8000)));
	assert_int_equal(ua_call_record_start(B.call, 0), 0);
	assert_int_equal(ua_call_play(A.call, tone, 1600), 0);
	assert_int_equal(ua_call_play(A.call, tone + 1600, 1600), 0);
	assert_true(pump(3000, a_play_done));
	assert_int_equal(A.play_done, 1); /* once, when the whole queue went */
	pump(200, NULL);
	int16_t *pcm = NULL;
	size_t n = 0;
	assert_int_equal(ua_call_record_take(B.call, &pcm, &n), 0);
	size_t loud = 0;
	for (size_t i = 0; i < n; i++)
		if (pcm[i] > 8000 || pcm[i] < -8000)
			loud++;
	free(pcm);
	assert_true(loud > 800); /* most of 3200 samples swing past 8000 */

	media_session_stats st;
	ua_call_media_stats(B.call, &st);
	assert_true(st.received > 10);
}

static void ua_call_tcp_caller_hangs_up(void **state)
{
	(void)state;
	assert_int_equal(dial(NET_TCP, 0, &A.call), 0);
	talk();
	assert_int_equal(ua_call_peer(B.call)->transport, NET_TCP);
	assert_false(ua_call_peer(B.call)->trusted);
	assert_int_equal(ua_call_hangup(A.call), 0);
	assert_int_equal(A.ended, 0); /* never inside the ua_* call */
	assert_true(pump(3000, both_ended));
	assert_int_equal(A.end.reason, UA_END_LOCAL_HANGUP);
	assert_int_equal(B.end.reason, UA_END_REMOTE_HANGUP);
	assert_int_equal(B.end.status, 0);
	pump(100, NULL);
	assert_int_equal(A.ended, 1);
	assert_int_equal(B.ended, 1);
}

static void ua_call_tls_callee_hangs_up(void **state)
{
	(void)state;
	assert_int_equal(dial(NET_TLS, 0, &A.call), 0);
	talk();
	const net_peer *p = ua_call_peer(B.call);
	assert_int_equal(p->transport, NET_TLS);
	assert_true(p->tls_verified);
	assert_int_equal(ua_call_peer(A.call)->transport, NET_TLS);
	assert_true(ua_call_peer(A.call)->tls_verified);
	assert_int_equal(ua_call_hangup(B.call), 0);
	assert_int_equal(ua_call_hangup(B.call), OPENUM_EINVAL); /* already ending */
	assert_true(pump(3000, both_ended));
	assert_int_equal(B.end.reason, UA_END_LOCAL_HANGUP);
	assert_int_equal(A.end.reason, UA_END_REMOTE_HANGUP);
	assert_true(A.end.duration_ms > 0);
	pump(100, NULL);
	assert_int_equal(A.ended, 1);
	assert_int_equal(B.ended, 1);
}

static void ua_cancel_before_answer(void **state)
{
	(void)state;
	B.pol = RING_ONLY;
	assert_int_equal(dial(NET_TCP, 0, &A.call), 0);
	assert_true(pump(3000, a_progress));
	assert_int_equal(A.last_progress, 180);
	assert_null(ua_call_media(B.call));
	assert_int_equal(ua_call_hangup(A.call), 0);
	assert_true(pump(3000, both_ended));
	assert_int_equal(A.end.reason, UA_END_LOCAL_HANGUP);
	assert_int_equal(A.end.status, 487);
	assert_int_equal(B.end.reason, UA_END_REMOTE_HANGUP);
	assert_int_equal(B.end.status, 487);
	assert_int_equal(A.answered + B.answered, 0);
	pump(100, NULL);
	assert_int_equal(A.ended, 1);
	assert_int_equal(B.ended, 1);
}

static void ua_reject_486(void **state)
{
	(void)state;
	B.pol = REJECT_486;
	assert_int_equal(dial(NET_TLS, 0, &A.call), 0);
	assert_true(pump(3000, both_ended));
	assert_int_equal(A.end.reason, UA_END_REJECTED);
	assert_int_equal(A.end.status, 486);
	assert_string_equal(A.end.text, "Busy Here");
	assert_int_equal(B.end.reason, UA_END_REJECTED);
	assert_int_equal(B.end.status, 486);
	pump(100, NULL);
	assert_int_equal(A.ended + B.ended, 2);
}

static void ua_dial_timeout_cancels(void **state)
{
	(void)state;
	B.pol = RING_ONLY;
	assert_int_equal(dial(NET_TCP, 300, &A.call), 0);
	assert_true(pump(3000, both_ended));
	assert_int_equal(A.end.reason, UA_END_TIMEOUT);
	assert_int_equal(B.end.reason, UA_END_REMOTE_HANGUP);
	pump(100, NULL);
	assert_int_equal(A.ended + B.ended, 2);
}

static void ua_dial_closed_port_is_transport(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd); /* nobody listens there now */
	ua_dial d = {.request_uri = "sip:nobody@127.0.0.1",
	             .from_uri = "sip:alice@example.com",
	             .transport = NET_TCP,
	             .host = "127.0.0.1",
	             .port = ntohs(sa.sin_port)};
	assert_int_equal(ua_call_dial(A.u, &d, NULL, &A.call), 0);
	assert_true(pump(3000, a_ended));
	assert_int_equal(A.end.reason, UA_END_TRANSPORT);
	assert_int_equal(A.end.status, 503);
	pump(100, NULL);
	assert_int_equal(A.ended, 1);
	/* bad arguments: no call, no `ended` */
	d.host = NULL;
	assert_int_equal(ua_call_dial(A.u, &d, NULL, &A.call), OPENUM_EINVAL);
}

static void ua_shutdown_ends_calls(void **state)
{
	(void)state;
	assert_int_equal(dial(NET_TCP, 0, &A.call), 0);
	assert_true(pump(3000, both_answered));
	ua_free(A.u);
	A.u = NULL;
	assert_int_equal(A.ended, 1);
	assert_int_equal(A.end.reason, UA_END_SHUTDOWN);
	ua_free(B.u);
	B.u = NULL;
	assert_int_equal(B.ended, 1);
	assert_int_equal(B.end.reason, UA_END_SHUTDOWN);
}

/* ---- a raw TCP peer for what a ua never sends itself --------------------------- */

static int raw_fd = -1;
static char raw_buf[16384];
static size_t raw_len;

static void raw_connect(uint16_t port)
{
	raw_fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(raw_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fcntl(raw_fd, F_SETFL, O_NONBLOCK);
	raw_len = 0;
}

/* Appends text to out with every LF turned into CRLF. */
static size_t crlf(char *out, size_t cap, const char *text)
{
	size_t w = 0;
	for (const char *p = text; *p && w + 2 < cap; p++) {
		if (*p == '\n')
			out[w++] = '\r';
		out[w++] = *p;
	}
	out[w] = '\0';
	return w;
}

/* Sends a request written with LF line ends; a line "--" starts the body, and the
 * Content-Length is computed. */
static void raw_send(const char *fmt, ...)
{
	char msg[4096], head[4096], body[2048] = "", wire[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char *sep = strstr(msg, "--\n");
	size_t blen = 0;
	if (sep) {
		blen = crlf(body, sizeof(body), sep + 3);
		*sep = '\0';
	}
	crlf(head, sizeof(head), msg);
	int k = snprintf(wire, sizeof(wire), "%sContent-Length: %zu\r\n\r\n%s", head, blen, body);
	assert_int_equal(write(raw_fd, wire, (size_t)k), k);
}

static const char *raw_want;
static bool raw_has(void)
{
	ssize_t n = read(raw_fd, raw_buf + raw_len, sizeof(raw_buf) - 1 - raw_len);
	if (n > 0)
		raw_len += (size_t)n;
	raw_buf[raw_len] = '\0';
	return strstr(raw_buf, raw_want) != NULL;
}

/* Waits for `want` in what the peer received, returns the text from there on. */
static const char *raw_expect(const char *want)
{
	raw_want = want;
	assert_true(pump(3000, raw_has));
	return strstr(raw_buf, want);
}

#define RAW_INVITE                                                                                 \
	"INVITE sip:bob@127.0.0.1 SIP/2.0\n"                                                       \
	"Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK%s\n"                                       \
	"From: <sip:raw@127.0.0.1>;tag=raw1\nTo: <sip:bob@127.0.0.1>%s\n"                          \
	"Call-ID: %s\nCSeq: %u INVITE\nContact: <sip:raw@127.0.0.1:5999;transport=tcp>\n"          \
	"Max-Forwards: 70\nContent-Type: application/sdp\n--\n"                                    \
	"v=0\no=- 1 %u IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n"                         \
	"m=audio 45000 RTP/AVP %s\n%s"

static void ua_no_common_codec_488(void **state)
{
	(void)state;
	raw_connect(B.tcp);
	raw_send(RAW_INVITE, "g729", "", "c488", 1u, 1u, "18", "a=rtpmap:18 G729/8000\n");
	assert_true(raw_expect("SIP/2.0 488") != NULL);
	assert_int_equal(B.incoming, 1);
	assert_true(pump(1000, both_ended) || B.ended == 1);
	assert_int_equal(B.ended, 1);
	assert_int_equal(B.end.reason, UA_END_REJECTED);
	assert_int_equal(B.end.status, 488);
	assert_int_equal(B.answer_err, OPENUM_ENOTFOUND);
	close(raw_fd);
}

/* RFC 3261 12.1.1: the 2xx copies the INVITE's Record-Route, in order; without it a
 * caller behind a record-routing proxy (Kamailio) sends its ACK past the proxy. */
static void ua_uas_copies_record_route(void **state)
{
	(void)state;
	raw_connect(B.tcp);
	raw_send(RAW_INVITE, "rr1",
	         "\nRecord-Route: <sip:p1.example.com;lr;r2=on>\n"
	         "Record-Route: <sip:p2.example.com;lr>,<sip:p3.example.com;lr>",
	         "rr1", 1u, 1u, "0", "a=sendrecv\n");
	const char *ok = raw_expect("SIP/2.0 200");
	const char *end = strstr(ok, "\r\n\r\n");
	assert_non_null(end);
	const char *r1 = strstr(ok, "Record-Route: <sip:p1.example.com;lr;r2=on>\r\n");
	const char *r2 =
	    strstr(ok, "Record-Route: <sip:p2.example.com;lr>,<sip:p3.example.com;lr>");
	assert_non_null(r1);
	assert_non_null(r2);
	assert_true(r1 < r2 && r2 < end);
	close(raw_fd);
}

static void ua_hold_unhold_mirrored(void **state)
{
	(void)state;
	raw_connect(B.tcp);
	raw_send(RAW_INVITE, "h1", "", "hold1", 1u, 1u, "0", "a=sendrecv\n");
	const char *ok = raw_expect("SIP/2.0 200");
	const char *tag = strstr(ok, "To: <sip:bob@127.0.0.1>;tag=");
	assert_non_null(tag);
	char totag[64];
	assert_int_equal(sscanf(tag, "To: <sip:bob@127.0.0.1>;tag=%63[^\r]", totag), 1);
	assert_non_null(strstr(ok, "a=sendrecv"));
	char to[96];
	snprintf(to, sizeof(to), ";tag=%s", totag);
	raw_len = 0;
	raw_send("ACK sip:bob@127.0.0.1 SIP/2.0\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKa1\n"
	         "From: <sip:raw@127.0.0.1>;tag=raw1\nTo: <sip:bob@127.0.0.1>%s\nCall-ID: hold1\n"
	         "CSeq: 1 ACK\nMax-Forwards: 70\n",
	         to);
	assert_true(pump(1000, NULL) || true);
	assert_int_equal(B.answered, 1);
	/* hold: sendonly gets recvonly */
	raw_send(RAW_INVITE, "h2", to, "hold1", 2u, 2u, "0", "a=sendonly\n");
	ok = raw_expect("SIP/2.0 200");
	assert_non_null(strstr(ok, "a=recvonly"));
	assert_non_null(strstr(ok, "CSeq: 2 INVITE"));
	raw_len = 0;
	/* unhold */
	raw_send(RAW_INVITE, "h3", to, "hold1", 3u, 3u, "0", "a=sendrecv\n");
	ok = raw_expect("CSeq: 3 INVITE");
	assert_non_null(strstr(raw_buf, "SIP/2.0 200"));
	assert_non_null(strstr(ok, "a=sendrecv"));
	raw_len = 0;
	/* INFO DTMF, then an unknown dialog's BYE, then BYE */
	raw_send(
	    "INFO sip:bob@127.0.0.1 SIP/2.0\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKi1\n"
	    "From: <sip:raw@127.0.0.1>;tag=raw1\nTo: <sip:bob@127.0.0.1>%s\nCall-ID: hold1\n"
	    "CSeq: 4 INFO\nMax-Forwards: 70\nContent-Type: application/dtmf-relay\n--\n"
	    "Signal=7\nDuration=160\n",
	    to);
	raw_expect("CSeq: 4 INFO");
	assert_string_equal(B.dtmf, "7");
	raw_len = 0;
	raw_send("BYE sip:bob@127.0.0.1 SIP/2.0\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKb0\n"
	         "From: <sip:raw@127.0.0.1>;tag=raw1\nTo: <sip:bob@127.0.0.1>;tag=nosuch\n"
	         "Call-ID: hold1\nCSeq: 5 BYE\nMax-Forwards: 70\n");
	assert_true(raw_expect("SIP/2.0 481") != NULL);
	raw_len = 0;
	raw_send("BYE sip:bob@127.0.0.1 SIP/2.0\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKb1\n"
	         "From: <sip:raw@127.0.0.1>;tag=raw1\nTo: <sip:bob@127.0.0.1>%s\nCall-ID: hold1\n"
	         "CSeq: 6 BYE\nMax-Forwards: 70\n",
	         to);
	raw_expect("CSeq: 6 BYE");
	assert_non_null(strstr(raw_buf, "SIP/2.0 200"));
	assert_true(pump(1000, both_ended) || B.ended == 1);
	assert_int_equal(B.ended, 1);
	assert_int_equal(B.end.reason, UA_END_REMOTE_HANGUP);
	close(raw_fd);
}

static void ua_options_answered(void **state)
{
	(void)state;
	raw_connect(B.tcp);
	raw_send(
	    "OPTIONS sip:bob@127.0.0.1 SIP/2.0\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKo1\n"
	    "From: <sip:raw@127.0.0.1>;tag=o1\nTo: <sip:bob@127.0.0.1>\nCall-ID: opt1\n"
	    "CSeq: 1 OPTIONS\nMax-Forwards: 70\n");
	const char *ok = raw_expect("SIP/2.0 200");
	raw_expect("m=audio");
	assert_non_null(strstr(ok, "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO"));
	raw_len = 0;
	raw_send(
	    "MESSAGE sip:bob@127.0.0.1 SIP/2.0\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKm1\n"
	    "From: <sip:raw@127.0.0.1>;tag=m1\nTo: <sip:bob@127.0.0.1>\nCall-ID: msg1\n"
	    "CSeq: 1 MESSAGE\nMax-Forwards: 70\n");
	assert_true(raw_expect("SIP/2.0 405") != NULL);
	close(raw_fd);
}

int main(void)
{
	char tmpl[] = "/tmp/openum-ua-XXXXXX", err[256];
	if (!mkdtemp(tmpl))
		return 1;
	snprintf(pki, sizeof(pki), "%s/pki", tmpl);
	if (net_certs_make(pki, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "certs: %s\n", err);
		return 1;
	}
	snprintf(cert, sizeof(cert), "%s/server.pem", pki);
	snprintf(key, sizeof(key), "%s/server.key", pki);
	snprintf(ca, sizeof(ca), "%s/ca.pem", pki);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(ua_call_tcp_caller_hangs_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(ua_call_tls_callee_hangs_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(ua_cancel_before_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(ua_reject_486, setup, teardown),
	    cmocka_unit_test_setup_teardown(ua_dial_timeout_cancels, setup, teardown),
	    cmocka_unit_test_setup_teardown(ua_dial_closed_port_is_transport, setup, teardown),
	    cmocka_unit_test_setup_teardown(ua_shutdown_ends_calls, setup, teardown),
	    cmocka_unit_test_setup_teardown(ua_no_common_codec_488, setup, teardown),
	    cmocka_unit_test_setup_teardown(ua_uas_copies_record_route, setup, teardown),
	    cmocka_unit_test_setup_teardown(ua_hold_unhold_mirrored, setup, teardown),
	    cmocka_unit_test_setup_teardown(ua_options_answered, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
