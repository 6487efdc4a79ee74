/* Tests for src/sip/sdp.c: parsing real offers (baresip, Asterisk, Linphone, Lync /
 * Skype for Business style), offer/answer choices (codec, telephone-event, rejected
 * streams, hold directions), our own offers, and bad bodies with their reasons.
 * Bodies sit in buffers of exactly their length so that ASan catches over-reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip.h"

static char *held;
static size_t held_n;
static sdp_session sess; /* ~15 KiB: kept off the stack */
static sdp_session back;

static ou_slice hold(const char *text)
{
	size_t n = strlen(text);
	free(held);
	held = malloc(n ? n : 1);
	memcpy(held, text, n);
	held_n = n;
	return ou_slice_make(held, n);
}

static int teardown(void **state)
{
	(void)state;
	free(held);
	held = NULL;
	return 0;
}

static void assert_slice(ou_slice s, const char *want)
{
	assert_non_null(s.p);
	if (s.n != strlen(want) || memcmp(s.p, want, s.n) != 0)
		fail_msg("slice '%.*s' != '%s'", (int)s.n, s.p, want);
}

static void assert_inside(ou_slice s)
{
	if (s.n)
		assert_true(s.p >= held && s.p + s.n <= held + held_n);
}

static int parse(const char *text, sdp_session *s, const char **why)
{
	*why = NULL;
	return sdp_parse(hold(text), s, why);
}

static void parse_ok(const char *text)
{
	const char *why;
	int err = parse(text, &sess, &why);
	if (err)
		fail_msg("sdp_parse: %d %s", err, why ? why : "(null)");
}

static void local_init(sdp_local *l)
{
	memset(l, 0, sizeof(*l));
	l->addr = OU_SLICE_LIT("192.0.2.10");
	l->port = 40000;
	l->sess_id = 4242;
	l->sess_version = 1;
	l->dir = SDP_SENDRECV;
	l->te_pt = SDP_PT_TE_DEFAULT;
}

/* Answers the offer in `sess`, re-parses the answer into `back` and returns it. */
static void answer_ok(const sdp_local *l, sdp_nego *n, ou_buf *b)
{
	const char *why = NULL;
	ou_buf_init(b);
	int err = sdp_answer(&sess, l, b, n, &why);
	if (err)
		fail_msg("sdp_answer: %d %s", err, why ? why : "(null)");
	err = sdp_parse(ou_slice_make(b->data, b->len), &back, &why);
	if (err)
		fail_msg("our answer does not parse: %s\n%s", why, b->data);
	/* RFC 3264 6: one answer m= line per offer m= line, same media type */
	assert_int_equal(back.nmedia, sess.nmedia);
	for (unsigned i = 0; i < sess.nmedia; i++)
		assert_true(ou_slice_eq(back.media[i].media, sess.media[i].media));
}

/* ---- real offers ---- */

static const char baresip_offer[] = "v=0\r\n"
                                    "o=- 1160016574 3293893296 IN IP4 10.0.0.2\r\n"
                                    "s=-\r\n"
                                    "c=IN IP4 10.0.0.2\r\n"
                                    "t=0 0\r\n"
                                    "m=audio 12370 RTP/AVP 96 9 0 8 101\r\n"
                                    "b=AS:128\r\n"
                                    "a=rtpmap:96 opus/48000/2\r\n"
                                    "a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
                                    "a=rtpmap:9 G722/8000\r\n"
                                    "a=rtpmap:0 PCMU/8000\r\n"
                                    "a=rtpmap:8 PCMA/8000\r\n"
                                    "a=rtpmap:101 telephone-event/8000\r\n"
                                    "a=fmtp:101 0-15\r\n"
                                    "a=rtcp-mux\r\n"
                                    "a=label:1\r\n"
                                    "a=ssrc:1437813457 cname:7a9b6f3c-6d3f-4f0b-9c1e-0a3e\r\n"
                                    "a=sendrecv\r\n";

static void test_parse_baresip(void **state)
{
	(void)state;
	parse_ok(baresip_offer);
	assert_int_equal(sess.sess_id, 1160016574u);
	assert_int_equal(sess.sess_version, 3293893296u);
	assert_slice(sess.origin_user, "-");
	assert_slice(sess.origin.addr, "10.0.0.2");
	assert_true(sess.conn.present);
	assert_false(sess.conn.ipv6);
	assert_slice(sess.conn.addr, "10.0.0.2");
	assert_int_equal(sess.nmedia, 1);
	const sdp_media *m = &sess.media[0];
	assert_slice(m->media, "audio");
	assert_slice(m->proto, "RTP/AVP");
	assert_int_equal(m->port, 12370);
	assert_int_equal(m->nfmt, 5);
	assert_int_equal(m->fmt[0].pt, 96);
	assert_slice(m->fmt[0].enc, "opus");
	assert_int_equal(m->fmt[0].clock, 48000);
	assert_int_equal(m->fmt[0].channels, 2);
	assert_slice(m->fmt[0].fmtp, "stereo=1;sprop-stereo=1");
	assert_slice(m->fmt[4].enc, "telephone-event");
	assert_slice(m->fmt[4].fmtp, "0-15");
	assert_int_equal(m->dir, SDP_SENDRECV);
	assert_int_equal(sess.dir, SDP_DIR_UNSET);
	assert_int_equal(m->rtcp_port, -1);
	for (unsigned i = 0; i < m->nfmt; i++) {
		assert_inside(m->fmt[i].fmt);
		assert_inside(m->fmt[i].enc);
		assert_inside(m->fmt[i].fmtp);
	}

	sdp_local l;
	sdp_nego n;
	ou_buf b;
	local_init(&l);
	answer_ok(&l, &n, &b);
	/* opus and G722 come first but are not ours: PCMU is the first we support */
	assert_int_equal(n.pt, 0);
	assert_int_equal(n.codec, SDP_PT_PCMU);
	assert_int_equal(n.te_pt, 101);
	assert_int_equal(n.dir, SDP_SENDRECV);
	assert_slice(n.remote.addr, "10.0.0.2");
	assert_int_equal(n.remote_port, 12370);
	assert_int_equal(n.remote_rtcp_port, 12371);
	const sdp_media *a = &back.media[0];
	assert_int_equal(a->port, 40000);
	assert_int_equal(a->nfmt, 2);
	assert_slice(a->fmt[0].fmt, "0");
	assert_slice(a->fmt[0].enc, "PCMU");
	assert_slice(a->fmt[1].fmt, "101");
	/* they offered 0-15; we know 0-16: the answer carries what both know */
	assert_slice(a->fmt[1].fmtp, "0-15");
	assert_int_equal(sdp_media_dir(&back, 0), SDP_SENDRECV);
	ou_buf_free(&b);
}

static const char asterisk_offer[] = "v=0\r\n"
                                     "o=- 1234567890 1234567891 IN IP4 203.0.113.5\r\n"
                                     "s=Asterisk\r\n"
                                     "c=IN IP4 203.0.113.5\r\n"
                                     "t=0 0\r\n"
                                     "m=audio 17562 RTP/AVP 8 0 3 101\r\n"
                                     "a=rtpmap:8 PCMA/8000\r\n"
                                     "a=rtpmap:0 PCMU/8000\r\n"
                                     "a=rtpmap:3 GSM/8000\r\n"
                                     "a=rtpmap:101 telephone-event/8000\r\n"
                                     "a=fmtp:101 0-16\r\n"
                                     "a=ptime:20\r\n"
                                     "a=maxptime:150\r\n"
                                     "a=sendrecv\r\n";

static void test_answer_asterisk_bytes(void **state)
{
	(void)state;
	parse_ok(asterisk_offer);
	assert_int_equal(sess.media[0].ptime, 20);
	assert_int_equal(sess.media[0].maxptime, 150);

	sdp_local l;
	sdp_nego n;
	ou_buf b;
	local_init(&l);
	answer_ok(&l, &n, &b);
	assert_int_equal(n.codec, SDP_PT_PCMA);
	assert_int_equal(n.remote_ptime, 20);
	assert_string_equal(b.data, "v=0\r\n"
	                            "o=- 4242 1 IN IP4 192.0.2.10\r\n"
	                            "s=openum\r\n"
	                            "c=IN IP4 192.0.2.10\r\n"
	                            "t=0 0\r\n"
	                            "m=audio 40000 RTP/AVP 8 101\r\n"
	                            "a=rtpmap:8 PCMA/8000\r\n"
	                            "a=rtpmap:101 telephone-event/8000\r\n"
	                            "a=fmtp:101 0-16\r\n"
	                            "a=ptime:20\r\n"
	                            "a=sendrecv\r\n");
	ou_buf_free(&b);

	/* A PCMU-only UA: the offerer's first choice (PCMA) is not ours any more */
	l.codecs[0] = SDP_PT_PCMU;
	l.ncodecs = 1;
	answer_ok(&l, &n, &b);
	assert_int_equal(n.codec, SDP_PT_PCMU);
	assert_int_equal(back.media[0].fmt[0].pt, 0);
	ou_buf_free(&b);

	/* No events wanted: telephone-event stays out of the answer */
	l.ncodecs = 0;
	l.te_pt = -1;
	answer_ok(&l, &n, &b);
	assert_int_equal(n.te_pt, -1);
	assert_int_equal(back.media[0].nfmt, 1);
	ou_buf_free(&b);
}

static const char linphone_offer[] =
    "v=0\r\n"
    "o=alice 3023 1523 IN IP4 192.168.0.20\r\n"
    "s=Talk\r\n"
    "c=IN IP4 192.168.0.20\r\n"
    "t=0 0\r\n"
    "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n"
    "m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=fmtp:96 useinbandfec=1\r\n"
    "a=rtpmap:97 SILK/16000\r\n"
    "a=rtpmap:98 speex/16000\r\n"
    "a=fmtp:98 vbr=on\r\n"
    "a=rtpmap:18 G729/8000\r\n"
    "a=fmtp:18 annexb=yes\r\n"
    "a=rtpmap:101 telephone-event/48000\r\n"
    "a=rtpmap:99 telephone-event/16000\r\n"
    "a=rtpmap:100 telephone-event/8000\r\n"
    "a=rtcp-fb:* trr-int 1000\r\n"
    "m=video 9078 RTP/AVP 96 97\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:97 H264/90000\r\n"
    "a=fmtp:97 profile-level-id=42801F\r\n"
    "a=rtcp-fb:* trr-int 1000\r\n";

static void test_answer_linphone_video_rejected(void **state)
{
	(void)state;
	parse_ok(linphone_offer);
	assert_int_equal(sess.nmedia, 2);
	assert_slice(sess.media[1].media, "video");
	assert_slice(sess.media[1].fmt[0].enc, "VP8");
	/* each m= section has its own payload type space */
	assert_slice(sess.media[0].fmt[0].enc, "opus");

	sdp_local l;
	sdp_nego n;
	ou_buf b;
	local_init(&l);
	answer_ok(&l, &n, &b);
	assert_int_equal(n.codec, SDP_PT_PCMU);
	/* only the 8 kHz telephone-event goes with G.711 */
	assert_int_equal(n.te_pt, 100);
	assert_int_equal(back.media[0].port, 40000);
	assert_slice(back.media[0].fmt[1].fmt, "100");
	/* no fmtp offered means 0-15 (RFC 4733) */
	assert_slice(back.media[0].fmt[1].fmtp, "0-15");
	assert_int_equal(back.media[1].port, 0);
	assert_non_null(strstr(b.data, "m=video 0 RTP/AVP 96\r\n"));
	ou_buf_free(&b);
}

static const char lync_offer[] =
    "v=0\r\n"
    "o=- 0 0 IN IP4 10.1.2.3\r\n"
    "s=session\r\n"
    "c=IN IP4 10.1.2.3\r\n"
    "b=CT:99980\r\n"
    "t=0 0\r\n"
    "m=audio 50004 RTP/AVP 117 104 114 9 112 111 0 103 8 116 115 97 13 118 101\r\n"
    "a=x-ssrc-range:2463219968-2463219968\r\n"
    "a=rtcp-fb:* x-message app send:dsh recv:dsh\r\n"
    "a=rtcp-rsize\r\n"
    "a=label:main-audio\r\n"
    "a=x-source:main-audio\r\n"
    "a=ice-ufrag:Xq7f\r\n"
    "a=ice-pwd:ZmFrZXBhc3N3b3JkZm9ydGVzdGluZw\r\n"
    "a=candidate:1 1 UDP 2130706431 10.1.2.3 50004 typ host \r\n"
    "a=candidate:1 2 UDP 2130705918 10.1.2.3 50005 typ host \r\n"
    "a=x-candidate-ipv6:2 1 UDP 33553407 2001:db8::5 50006 typ host \r\n"
    "a=cryptoscale:1 client AES_CM_128_HMAC_SHA1_80 inline:c2VjcmV0a2V5|2^31|1:1\r\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:c2VjcmV0a2V5|2^31|1:1\r\n"
    "a=maxptime:200\r\n"
    "a=rtcp:50005\r\n"
    "a=rtpmap:117 G722/8000/2\r\n"
    "a=rtpmap:104 SILK/16000\r\n"
    "a=fmtp:104 useinbandfec=1; usedtx=0\r\n"
    "a=rtpmap:114 x-msrta/16000\r\n"
    "a=fmtp:114 bitrate=29000\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:112 G7221/16000\r\n"
    "a=fmtp:112 bitrate=24000\r\n"
    "a=rtpmap:111 SIREN/16000\r\n"
    "a=fmtp:111 bitrate=16000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:103 SILK/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:116 AAL2-G726-32/8000\r\n"
    "a=rtpmap:115 x-msrta/8000\r\n"
    "a=fmtp:115 bitrate=11800\r\n"
    "a=rtpmap:97 RED/8000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:118 CN/16000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "m=video 50010 RTP/AVP 122 121 123\r\n"
    "a=x-ssrc-range:2463219969-2463220068\r\n"
    "a=rtpmap:122 X-H264UC/90000\r\n"
    "a=fmtp:122 packetization-mode=1;mst-mode=NI-TC\r\n"
    "a=rtpmap:121 x-rtvc1/90000\r\n"
    "a=rtpmap:123 x-ulpfecuc/90000\r\n"
    "a=x-caps:121 263:1920:1080:30.0:2000000:1;4359:1280:720:30.0:1500000:1\r\n"
    "m=applicationsharing 50020 TCP/RTP/AVP 127\r\n"
    "a=x-applicationsharing-session-id:1\r\n"
    "a=x-applicationsharing-role:viewer\r\n"
    "a=rtpmap:127 x-data/90000\r\n";

static void test_answer_lync(void **state)
{
	(void)state;
	parse_ok(lync_offer);
	assert_int_equal(sess.nmedia, 3);
	const sdp_media *m = &sess.media[0];
	assert_int_equal(m->nfmt, 15);
	assert_int_equal(m->rtcp_port, 50005);
	assert_null(m->rtcp_addr.p);
	assert_int_equal(m->maxptime, 200);
	assert_slice(m->fmt[0].enc, "G722");
	assert_int_equal(m->fmt[0].channels, 2);
	assert_slice(m->fmt[1].fmtp, "useinbandfec=1; usedtx=0");
	assert_slice(sess.media[2].proto, "TCP/RTP/AVP");

	sdp_local l;
	sdp_nego n;
	ou_buf b;
	local_init(&l);
	answer_ok(&l, &n, &b);
	assert_int_equal(n.media, 0);
	assert_int_equal(n.codec, SDP_PT_PCMU);
	assert_int_equal(n.te_pt, 101);
	assert_int_equal(n.remote_rtcp_port, 50005);
	/* video and application sharing: kept in order, refused with port 0 */
	assert_int_equal(back.media[1].port, 0);
	assert_slice(back.media[1].fmt[0].fmt, "122");
	assert_int_equal(back.media[2].port, 0);
	assert_slice(back.media[2].media, "applicationsharing");
	assert_slice(back.media[2].proto, "TCP/RTP/AVP");
	ou_buf_free(&b);
}

/* Two audio streams, the first with nothing we take: the second is used, the first
 * is refused; an audio stream only offered over SRTP is not ours either. */
static void test_answer_second_audio_stream(void **state)
{
	(void)state;
	parse_ok("v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nt=0 0\r\n"
	         "m=audio 5004 RTP/SAVP 0\r\nc=IN IP6 2001:db8::1\r\n"
	         "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\r\n"
	         "m=audio 5006 RTP/AVP 18\r\nc=IN IP6 2001:db8::1\r\n"
	         "m=audio 5008 RTP/AVP 97 8\r\nc=IN IP6 2001:db8::2\r\n"
	         "a=rtpmap:97 PCMU/8000\r\n");
	assert_true(sess.media[0].conn.ipv6);
	assert_false(sess.conn.present);
	sdp_local l;
	sdp_nego n;
	ou_buf b;
	local_init(&l);
	l.addr = OU_SLICE_LIT("2001:db8::10");
	answer_ok(&l, &n, &b);
	assert_int_equal(n.media, 2);
	/* a dynamic payload type mapped to PCMU counts as PCMU */
	assert_int_equal(n.pt, 97);
	assert_int_equal(n.codec, SDP_PT_PCMU);
	assert_true(n.remote.ipv6);
	assert_slice(n.remote.addr, "2001:db8::2");
	assert_int_equal(back.media[0].port, 0);
	assert_int_equal(back.media[1].port, 0);
	assert_int_equal(back.media[2].port, 40000);
	assert_true(back.conn.ipv6);
	assert_non_null(strstr(b.data, "c=IN IP6 2001:db8::10\r\n"));
	ou_buf_free(&b);
}

static void test_answer_no_common_codec(void **state)
{
	(void)state;
	sdp_local l;
	sdp_nego n;
	ou_buf b;
	const char *why = NULL;
	local_init(&l);
	ou_buf_init(&b);

	parse_ok("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
	         "m=audio 4000 RTP/AVP 18 9 101\r\na=rtpmap:101 telephone-event/8000\r\n");
	assert_int_equal(sdp_answer(&sess, &l, &b, &n, &why), OPENUM_ENOTFOUND);
	assert_string_equal(why, "No common codec");
	assert_int_equal(b.len, 0);

	/* PCMU on a 16 kHz clock is not G.711 */
	parse_ok("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
	         "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/16000\r\n");
	assert_int_equal(sdp_answer(&sess, &l, &b, &n, &why), OPENUM_ENOTFOUND);

	why = NULL;
	parse_ok("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
	         "m=video 4000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n");
	assert_int_equal(sdp_answer(&sess, &l, &b, &n, &why), OPENUM_ENOTFOUND);
	assert_string_equal(why, "No acceptable audio stream");

	/* SRTP only */
	parse_ok("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
	         "m=audio 4000 RTP/SAVP 0 8\r\n");
	assert_int_equal(sdp_answer(&sess, &l, &b, &n, &why), OPENUM_ENOTFOUND);
	assert_string_equal(why, "No acceptable audio stream");
	assert_int_equal(b.len, 0);

	/* a bad local description is the caller's fault, not the peer's */
	parse_ok(asterisk_offer);
	l.port = 0;
	assert_int_equal(sdp_answer(&sess, &l, &b, &n, &why), OPENUM_EINVAL);
	ou_buf_free(&b);
}

/* ---- hold and unhold ---- */

static sdp_dir answer_dir(const char *dir_lines, sdp_dir local_dir, sdp_nego *n)
{
	char text[512];
	sdp_local l;
	ou_buf b;
	snprintf(text, sizeof(text),
	         "v=0\r\no=- 7 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n%s",
	         dir_lines);
	parse_ok(text);
	local_init(&l);
	l.dir = local_dir;
	answer_ok(&l, n, &b);
	ou_buf_free(&b);
	assert_int_equal(back.media[0].dir, n->dir); /* the text says what nego says */
	return back.media[0].dir;
}

static void test_hold_directions(void **state)
{
	(void)state;
	sdp_nego n;
	/* the peer holds us: it only sends, we only receive */
	assert_int_equal(answer_dir("m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n", SDP_SENDRECV, &n),
	                 SDP_RECVONLY);
	assert_int_equal(n.remote_dir, SDP_SENDONLY);
	assert_int_equal(answer_dir("m=audio 4000 RTP/AVP 0\r\na=recvonly\r\n", SDP_SENDRECV, &n),
	                 SDP_SENDONLY);
	assert_int_equal(answer_dir("m=audio 4000 RTP/AVP 0\r\na=inactive\r\n", SDP_SENDRECV, &n),
	                 SDP_INACTIVE);
	/* unhold */
	assert_int_equal(answer_dir("m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n", SDP_SENDRECV, &n),
	                 SDP_SENDRECV);
	/* no attribute at all means sendrecv */
	assert_int_equal(answer_dir("m=audio 4000 RTP/AVP 0\r\n", SDP_SENDRECV, &n), SDP_SENDRECV);
	/* session-level attribute, media without one */
	assert_int_equal(answer_dir("a=sendonly\r\nm=audio 4000 RTP/AVP 0\r\n", SDP_SENDRECV, &n),
	                 SDP_RECVONLY);
	/* media level wins over session level */
	assert_int_equal(
	    answer_dir("a=sendonly\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n", SDP_SENDRECV, &n),
	    SDP_SENDRECV);
	/* we hold them while they offer sendrecv; both on hold: inactive */
	assert_int_equal(answer_dir("m=audio 4000 RTP/AVP 0\r\n", SDP_SENDONLY, &n), SDP_SENDONLY);
	assert_int_equal(answer_dir("m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n", SDP_SENDONLY, &n),
	                 SDP_INACTIVE);
}

static void test_hold_rfc2543(void **state)
{
	(void)state;
	sdp_local l;
	sdp_nego n;
	ou_buf b;
	/* c=0.0.0.0: the old way to say "do not send to me" (RFC 3264 8.4) */
	parse_ok("v=0\r\no=- 7 3 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
	         "m=audio 4000 RTP/AVP 8\r\n");
	local_init(&l);
	answer_ok(&l, &n, &b);
	assert_int_equal(n.remote_dir, SDP_SENDONLY);
	assert_int_equal(n.dir, SDP_RECVONLY);
	assert_int_equal(back.media[0].dir, SDP_RECVONLY);
	ou_buf_free(&b);
}

/* ---- our offers, and reading the answer to them ---- */

static void test_offer(void **state)
{
	(void)state;
	sdp_local l;
	ou_buf b;
	const char *why;
	local_init(&l);
	ou_buf_init(&b);
	assert_int_equal(sdp_offer(&l, &b), 0);
	assert_string_equal(b.data, "v=0\r\n"
	                            "o=- 4242 1 IN IP4 192.0.2.10\r\n"
	                            "s=openum\r\n"
	                            "c=IN IP4 192.0.2.10\r\n"
	                            "t=0 0\r\n"
	                            "m=audio 40000 RTP/AVP 0 8 101\r\n"
	                            "a=rtpmap:0 PCMU/8000\r\n"
	                            "a=rtpmap:8 PCMA/8000\r\n"
	                            "a=rtpmap:101 telephone-event/8000\r\n"
	                            "a=fmtp:101 0-16\r\n"
	                            "a=ptime:20\r\n"
	                            "a=sendrecv\r\n");
	ou_buf_reset(&b);

	/* hold offer, PCMA preferred, our own event list */
	l.dir = SDP_SENDONLY;
	l.codecs[0] = SDP_PT_PCMA;
	l.codecs[1] = SDP_PT_PCMU;
	l.ncodecs = 2;
	l.te_events = "0-15";
	l.te_pt = 96;
	l.sess_version = 2;
	assert_int_equal(sdp_offer(&l, &b), 0);
	assert_int_equal(sdp_parse(ou_slice_make(b.data, b.len), &back, &why), 0);
	assert_int_equal(back.sess_version, 2);
	assert_int_equal(back.media[0].fmt[0].pt, 8);
	assert_int_equal(back.media[0].fmt[2].pt, 96);
	assert_slice(back.media[0].fmt[2].fmtp, "0-15");
	assert_int_equal(sdp_media_dir(&back, 0), SDP_SENDONLY);
	ou_buf_reset(&b);

	/* a codec we cannot do is refused, and nothing is printed */
	l.codecs[0] = 18;
	assert_int_equal(sdp_offer(&l, &b), OPENUM_EINVAL);
	assert_int_equal(b.len, 0);
	ou_buf_free(&b);
}

static void test_answer_read(void **state)
{
	(void)state;
	sdp_local l;
	sdp_nego n;
	const char *why = NULL;
	local_init(&l);
	l.dir = SDP_SENDONLY; /* we offered hold */
	parse_ok("v=0\r\no=- 9 9 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n"
	         "t=0 0\r\nm=audio 30000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
	         "a=rtcp:30011 IN IP4 198.51.100.8\r\na=recvonly\r\n");
	assert_int_equal(sdp_answer_read(&sess, &l, &n, &why), 0);
	assert_int_equal(n.codec, SDP_PT_PCMA);
	assert_int_equal(n.te_pt, 101);
	assert_int_equal(n.remote_port, 30000);
	assert_int_equal(n.remote_rtcp_port, 30011);
	assert_slice(sess.media[0].rtcp_addr, "198.51.100.8");
	assert_int_equal(n.remote_dir, SDP_RECVONLY);
	assert_int_equal(n.dir, SDP_SENDONLY);

	parse_ok("v=0\r\no=- 9 10 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n"
	         "t=0 0\r\nm=audio 0 RTP/AVP 0\r\n");
	assert_int_equal(sdp_answer_read(&sess, &l, &n, &why), OPENUM_ENOTFOUND);
	assert_string_equal(why, "Audio stream rejected");
}

/* ---- details of the grammar ---- */

static void test_parse_lenient_forms(void **state)
{
	(void)state;
	/* LF-only line ends, no final newline, a trailing blank line, c= with a TTL,
	 * a port count, ptime with a fraction, unknown line types */
	parse_ok("v=0\no=user 2 3 IN IP4 host.example.com\ns=\ni=info\nu=http://x\n"
	         "e=a@b\np=+1 555\nc=IN IP4 224.2.1.1/127\nb=AS:64\nt=2873397496 2873404696\n"
	         "r=7d 1h 0 25h\nz=2882844526 -1h\nk=prompt\n"
	         "m=audio 49170/2 RTP/AVP 0\na=ptime:20.0\na=orient:portrait\n\n");
	assert_slice(sess.conn.addr, "224.2.1.1");
	assert_slice(sess.origin.addr, "host.example.com");
	assert_int_equal(sess.name.n, 0);
	assert_int_equal(sess.t_start, 2873397496u);
	assert_int_equal(sess.t_stop, 2873404696u);
	assert_int_equal(sess.media[0].nports, 2);
	assert_int_equal(sess.media[0].ptime, 20);

	/* rtpmap for a format that is not on the m= line, and a second rtpmap: ignored */
	parse_ok("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
	         "m=audio 1 RTP/AVP 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
	         "a=rtpmap:0 G729/8000\r\n");
	assert_slice(sess.media[0].fmt[0].enc, "PCMU");

	/* a non-RTP format is kept as text with pt -1 */
	parse_ok("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
	         "m=application 9 UDP/BFCP *\r\nm=audio 5 RTP/AVP 200 8\r\n");
	assert_int_equal(sess.media[0].fmt[0].pt, -1);
	assert_int_equal(sess.media[1].fmt[0].pt, -1);
	assert_int_equal(sess.media[1].fmt[1].pt, 8);

	/* a rejected stream needs no c= */
	parse_ok("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP 31\r\n");
	assert_int_equal(sess.media[0].port, 0);
}

static void bad(const char *text, int code, const char *reason)
{
	const char *why = NULL;
	int err = parse(text, &sess, &why);
	if (err != code)
		fail_msg("want %d got %d (%s) for:\n%s", code, err, why ? why : "", text);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"

static void test_parse_bad(void **state)
{
	(void)state;
	int E = OPENUM_EBADMSG;
	bad("", E, "Bad SDP: empty body");
	bad("\r\n\r\n", E, "Bad SDP: missing o= line");
	bad("o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", E, "Bad SDP: does not start with v=0");
	bad("v=1\r\n", E, "Bad SDP: does not start with v=0");
	bad("V=0\r\n", E, "Bad SDP: line is not <letter>=<value>");
	bad("v=0\r\nhello\r\n", E, "Bad SDP: line is not <letter>=<value>");
	bad("v=0\r\ns=-\r\n", E, "Bad SDP: missing o= line");
	bad("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n", E, "Bad SDP: missing s= line");
	bad("v=0\r\nv=0\r\n", E, "Bad SDP: repeated v= line");
	bad("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\no=- 1 1 IN IP4 1.2.3.4\r\n", E,
	    "Bad SDP: misplaced o= line");
	bad("v=0\r\no=- 1 IN IP4 1.2.3.4\r\ns=-\r\n", E, "Bad SDP: bad o= session id or version");
	bad("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", E, "Bad SDP: bad o= address");
	bad("v=0\r\no=- 1 99999999999999999999999 IN IP4 1.2.3.4\r\ns=-\r\n", E,
	    "Bad SDP: bad o= session id or version");
	bad("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP5 1.2.3.4\r\n", E,
	    "Bad SDP: bad c= line");
	bad("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4 extra\r\n", E,
	    "Bad SDP: bad c= line");
	bad(HEAD "c=IN IP4 1.2.3.4\r\n", E, "Bad SDP: repeated c= line");
	bad(HEAD "m=audio 99999 RTP/AVP 0\r\n", E, "Bad SDP: bad m= port");
	bad(HEAD "m=audio 1234 RTP/AVP\r\n", E, "Bad SDP: m= line without formats");
	bad(HEAD "m=audio 1234 RTP//AVP 0\r\n", E, "Bad SDP: bad m= protocol");
	bad(HEAD "m=audio 1234/0 RTP/AVP 0\r\n", E, "Bad SDP: bad m= port count");
	bad(HEAD "m=audio 1234 RTP/AVP 0 8 0\r\n", E, "Bad SDP: repeated format on m= line");
	bad("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 1234 RTP/AVP 0\r\n", E,
	    "Bad SDP: missing c= line");
	bad(HEAD "m=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n", E,
	    "Bad SDP: bad a=rtpmap: no clock rate");
	bad(HEAD "m=audio 1 RTP/AVP 0\r\na=rtpmap:300 PCMU/8000\r\n", E, "Bad SDP: bad a=rtpmap");
	bad(HEAD "m=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000/0\r\n", E,
	    "Bad SDP: bad a=rtpmap channels");
	bad(HEAD "m=audio 1 RTP/AVP 0\r\na=ptime:abc\r\n", E, "Bad SDP: bad a=ptime");
	bad(HEAD "m=audio 1 RTP/AVP 0\r\na=rtcp:70000\r\n", E, "Bad SDP: bad a=rtcp");
	bad(HEAD "m=audio 1 RTP/AVP 0\r\na=sendonly\r\na=recvonly\r\n", E,
	    "Bad SDP: conflicting direction attributes");
	bad(HEAD "m=audio 1 RTP/AVP 0\r\nt=0 0\r\n", E, "Bad SDP: t= line inside a media section");
	bad(HEAD "a=bad name\r\n", E, "Bad SDP: bad attribute name");

	/* NUL and bare CR inside a line */
	const char nul[] = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=a\0b\r\n";
	const char *why = NULL;
	char *buf = malloc(sizeof(nul) - 1);
	memcpy(buf, nul, sizeof(nul) - 1);
	assert_int_equal(sdp_parse(ou_slice_make(buf, sizeof(nul) - 1), &sess, &why), E);
	assert_string_equal(why, "Bad SDP: NUL or CR inside a line");
	free(buf);
	bad("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=a\rb\r\n", E, "Bad SDP: NUL or CR inside a line");
}

static void test_parse_limits(void **state)
{
	(void)state;
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof(text), "%s", HEAD);
	for (unsigned i = 0; i < SDP_MAX_MEDIA; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "m=audio %u RTP/AVP 0\r\n",
		                      1000 + i);
	parse_ok(text);
	assert_int_equal(sess.nmedia, SDP_MAX_MEDIA);
	snprintf(text + n, sizeof(text) - n, "m=audio 9 RTP/AVP 0\r\n");
	bad(text, OPENUM_ETOOBIG, "Bad SDP: too many m= lines");

	n = (size_t)snprintf(text, sizeof(text), "%sm=audio 1 RTP/AVP", HEAD);
	for (unsigned i = 0; i < SDP_MAX_FMTS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " %u", 96 + i);
	snprintf(text + n, sizeof(text) - n, "\r\n");
	parse_ok(text);
	assert_int_equal(sess.media[0].nfmt, SDP_MAX_FMTS);
	snprintf(text + n, sizeof(text) - n, " 0\r\n");
	bad(text, OPENUM_ETOOBIG, "Bad SDP: too many formats on one m= line");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_parse_baresip, teardown),
	    cmocka_unit_test_teardown(test_answer_asterisk_bytes, teardown),
	    cmocka_unit_test_teardown(test_answer_linphone_video_rejected, teardown),
	    cmocka_unit_test_teardown(test_answer_lync, teardown),
	    cmocka_unit_test_teardown(test_answer_second_audio_stream, teardown),
	    cmocka_unit_test_teardown(test_answer_no_common_codec, teardown),
	    cmocka_unit_test_teardown(test_hold_directions, teardown),
	    cmocka_unit_test_teardown(test_hold_rfc2543, teardown),
	    cmocka_unit_test_teardown(test_offer, teardown),
	    cmocka_unit_test_teardown(test_answer_read, teardown),
	    cmocka_unit_test_teardown(test_parse_lenient_forms, teardown),
	    cmocka_unit_test_teardown(test_parse_bad, teardown),
	    cmocka_unit_test_teardown(test_parse_limits, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
