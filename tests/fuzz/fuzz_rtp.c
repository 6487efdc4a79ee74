/* libFuzzer harness for the media packet parsers: RTP, compound RTCP and RFC 4733
 * telephone-event payloads. Every pointer a parser returns lies inside the input,
 * lengths add up, what parses rebuilds into bytes that parse the same, and the jitter
 * buffer and DTMF receiver keep their invariants fed with the parsed packets.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"
#include "media/media_int.h"
#include "fuzz_util.h"

static const uint8_t *g_lo, *g_hi;

static void inside(const uint8_t *p, size_t n)
{
	if (!p) {
		CHECK(n == 0);
		return;
	}
	CHECK(p >= g_lo && p <= g_hi && n <= (size_t)(g_hi - p));
}

static void check_rtp(const uint8_t *buf, size_t size)
{
	rtp_packet p;
	const char *why = NULL;
	int rc = rtp_parse(buf, size, &p, &why);
	if (rc) {
		CHECK(rc == OPENUM_EBADMSG && why);
		return;
	}
	inside(p.payload, p.payload_len);
	inside(p.ext, p.ext_len);
	CHECK(p.cc <= RTP_MAX_CSRC && p.pt < 128);
	CHECK(p.ext_len % 4 == 0);
	CHECK(RTP_HDR_LEN + 4u * p.cc + (p.extension ? 4 + p.ext_len : 0) + p.payload_len +
	          p.pad_len ==
	      size);
	CHECK(p.padding == (p.pad_len > 0));

	/* rebuild: the same bytes (padding content aside) */
	uint8_t out[65536 + 64];
	size_t len;
	CHECK(rtp_build(&p, out, sizeof(out), &len) == 0);
	CHECK(len == size);
	CHECK(memcmp(out, buf, size - p.pad_len) == 0);
	rtp_packet q;
	CHECK(rtp_parse(out, len, &q, NULL) == 0);
	CHECK(q.seq == p.seq && q.ts == p.ts && q.ssrc == p.ssrc && q.marker == p.marker);
	CHECK(q.payload_len == p.payload_len && q.pad_len == p.pad_len);

	/* as a telephone-event */
	dtmf_event ev;
	rc = dtmf_event_parse(p.payload, p.payload_len, &ev, &why);
	if (rc == 0) {
		CHECK(p.payload_len >= 4 && ev.volume < 64);
		uint8_t b[4];
		dtmf_event_build(&ev, b);
		CHECK(b[0] == p.payload[0] && b[2] == p.payload[2] && b[3] == p.payload[3]);
		CHECK((b[1] | 0x40) == (p.payload[1] | 0x40));
	} else {
		CHECK(p.payload_len < 4);
	}
}

static void check_rtcp(const uint8_t *buf, size_t size)
{
	rtcp_report r;
	const char *why = NULL;
	int rc = rtcp_parse(buf, size, &r, &why);
	if (rc) {
		CHECK(rc == OPENUM_EBADMSG && why);
		return;
	}
	CHECK(size >= 8 && size % 4 == 0);
	CHECK(r.nblocks <= RTCP_MAX_BLOCKS);
	inside(r.cname, r.cname_len);
	for (unsigned i = 0; i < r.nblocks; i++)
		CHECK(r.block[i].cum_lost >= -0x800000 && r.block[i].cum_lost <= 0x7FFFFF);
	uint8_t out[2048];
	size_t len;
	CHECK(rtcp_build(&r, "c", out, sizeof(out), &len) == 0);
	rtcp_report q;
	CHECK(rtcp_parse(out, len, &q, NULL) == 0);
	CHECK(q.sr == r.sr && q.ssrc == r.ssrc && q.nblocks == r.nblocks && q.bye == r.bye);
	CHECK(q.ntp == r.ntp && q.packets == r.packets);
	CHECK(memcmp(q.block, r.block, sizeof(rtcp_block) * r.nblocks) == 0);
	CHECK(q.cname_len == 1 && q.cname[0] == 'c');
}

/* The input as a packet stream: 8-byte records (seq, ts, len, dtmf flag) feed the jitter
 * buffer, the receiver statistics and the DTMF receiver. */
static void check_stream(const uint8_t *buf, size_t size)
{
	static media_jb jb;
	media_jb_init(&jb, buf[0] & 15);
	rtp_rx_stats st = {0};
	dtmf_receiver dr = {0};
	uint8_t payload[400];
	memset(payload, 0x55, sizeof(payload));
	uint64_t out = 0;
	for (size_t off = 1; size - off >= 8; off += 8) {
		const uint8_t *r = buf + off;
		uint16_t seq = media_rd16(r);
		uint32_t ts = media_rd32(r + 2);
		size_t n = (size_t)media_rd16(r + 6) % sizeof(payload);
		rtp_stats_update(&st, seq, ts, ts + r[7]);
		if (r[6] & 0x80) {
			dtmf_event ev;
			char d = 0;
			dtmf_event_parse(r + 4, 4, &ev, NULL);
			if (dtmf_receiver_feed(&dr, ts, r[6] & 1, &ev, &d))
				CHECK(dtmf_char_event(d) >= 0);
			n = 0;
		}
		media_jb_verdict v = media_jb_put(&jb, seq, ts, payload, n);
		if (v == MEDIA_JB_JUMP) {
			media_jb_frame f;
			while (media_jb_pop(&jb, true, &f) == 0)
				out += f.n;
			CHECK(jb.count == 0);
			media_jb_restart(&jb);
			CHECK(media_jb_put(&jb, seq, ts, payload, n) == MEDIA_JB_OK);
		}
		CHECK(jb.count <= MEDIA_JB_SLOTS);
		media_jb_frame f;
		int guard = 0;
		while (media_jb_pop(&jb, r[6] & 0x40, &f) == 0) {
			CHECK(f.n > 0);
			if (f.data) {
				CHECK(f.n <= MEDIA_JB_MAX_PAYLOAD);
				CHECK((const uint8_t *)f.data >= (const uint8_t *)&jb &&
				      (const uint8_t *)f.data + f.n <= (const uint8_t *)(&jb + 1));
			} else {
				CHECK(f.n <= MEDIA_FRAME);
			}
			out += f.n;
			CHECK(++guard < 200000);
		}
	}
	rtcp_block b;
	rtp_stats_block(&st, 1, &b);
	(void)out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	g_lo = buf;
	g_hi = buf + size;
	check_rtp(buf, size);
	check_rtcp(buf, size);
	if (size)
		check_stream(buf, size);
	free(buf);
	return 0;
}
