/* RTP packets (RFC 3550 section 5): parse a datagram into header fields and payload
 * slices without copying, build one from fields, and keep per-source receiver
 * statistics (sequence tracking of A.1, loss of A.3, jitter of A.8). */
#include <string.h>

#include "media.h"
#include "media_int.h"

/* RFC 3550 A.1: a jump larger than this starts a resync; so much backwards is a restart. */
#define RTP_MAX_DROPOUT 3000
#define RTP_MAX_MISORDER 100
#define RTP_SEQ_MOD (1u << 16)

int rtp_parse(const uint8_t *buf, size_t len, rtp_packet *out, const char **why)
{
	if (len < RTP_HDR_LEN)
		return media_fail(why, "RTP: shorter than the fixed header", OPENUM_EBADMSG);
	if (buf[0] >> 6 != 2)
		return media_fail(why, "RTP: version is not 2", OPENUM_EBADMSG);
	memset(out, 0, sizeof(*out));
	out->padding = buf[0] & 0x20;
	out->extension = buf[0] & 0x10;
	out->cc = buf[0] & 0x0F;
	out->marker = buf[1] & 0x80;
	out->pt = buf[1] & 0x7F;
	out->seq = media_rd16(buf + 2);
	out->ts = media_rd32(buf + 4);
	out->ssrc = media_rd32(buf + 8);

	size_t off = RTP_HDR_LEN;
	if (len - off < (size_t)out->cc * 4)
		return media_fail(why, "RTP: CSRC list truncated", OPENUM_EBADMSG);
	for (unsigned i = 0; i < out->cc; i++, off += 4)
		out->csrc[i] = media_rd32(buf + off);
	if (out->extension) {
		if (len - off < 4)
			return media_fail(why, "RTP: extension header truncated", OPENUM_EBADMSG);
		out->ext_profile = media_rd16(buf + off);
		size_t words = media_rd16(buf + off + 2);
		off += 4;
		if (len - off < words * 4)
			return media_fail(why, "RTP: extension truncated", OPENUM_EBADMSG);
		out->ext = buf + off;
		out->ext_len = words * 4;
		off += words * 4;
	}
	size_t end = len;
	if (out->padding) {
		uint8_t pad = buf[len - 1];
		/* the count includes itself, so 0 is impossible; it may not eat the header */
		if (pad == 0)
			return media_fail(why, "RTP: padding count is zero", OPENUM_EBADMSG);
		if (pad > len - off)
			return media_fail(why, "RTP: padding longer than the payload",
			                  OPENUM_EBADMSG);
		out->pad_len = pad;
		end -= pad;
	}
	out->payload = buf + off;
	out->payload_len = end - off;
	return 0;
}

int rtp_build(const rtp_packet *p, uint8_t *out, size_t cap, size_t *len)
{
	if (p->cc > RTP_MAX_CSRC || p->pt > 127 || p->ext_len % 4 || p->ext_len / 4 > 0xFFFF)
		return OPENUM_EINVAL;
	if (p->payload_len && !p->payload)
		return OPENUM_EINVAL;
	bool ext = p->extension || p->ext_len;
	size_t need = RTP_HDR_LEN + (size_t)p->cc * 4 + (ext ? 4 + p->ext_len : 0) +
	              p->payload_len + p->pad_len;
	if (need > cap)
		return OPENUM_ETOOBIG;
	out[0] = (uint8_t)(2 << 6 | (p->pad_len ? 0x20 : 0) | (ext ? 0x10 : 0) | p->cc);
	out[1] = (uint8_t)((p->marker ? 0x80 : 0) | p->pt);
	media_wr16(out + 2, p->seq);
	media_wr32(out + 4, p->ts);
	media_wr32(out + 8, p->ssrc);
	size_t off = RTP_HDR_LEN;
	for (unsigned i = 0; i < p->cc; i++, off += 4)
		media_wr32(out + off, p->csrc[i]);
	if (ext) {
		media_wr16(out + off, p->ext_profile);
		media_wr16(out + off + 2, (uint16_t)(p->ext_len / 4));
		off += 4;
		if (p->ext_len)
			memcpy(out + off, p->ext, p->ext_len);
		off += p->ext_len;
	}
	if (p->payload_len)
		memcpy(out + off, p->payload, p->payload_len);
	off += p->payload_len;
	if (p->pad_len) {
		memset(out + off, 0, p->pad_len - 1u);
		off += p->pad_len;
		out[off - 1] = p->pad_len;
	}
	*len = off;
	return 0;
}

static void stats_start(rtp_rx_stats *st, uint16_t seq)
{
	st->started = true;
	st->base_seq = seq;
	st->max_seq = seq;
	st->bad_seq = RTP_SEQ_MOD + 1; /* no resync candidate */
	st->cycles = 0;
	st->received = 0;
	st->expected_prior = 0;
	st->received_prior = 0;
}

int rtp_stats_update(rtp_rx_stats *st, uint16_t seq, uint32_t ts, uint32_t arrival)
{
	bool first = !st->started;
	if (first) {
		stats_start(st, seq);
	} else {
		uint16_t delta = (uint16_t)(seq - st->max_seq);
		if (delta < RTP_MAX_DROPOUT) {
			/* in order, possibly with a gap; a smaller seq means we wrapped */
			if (seq < st->max_seq)
				st->cycles += RTP_SEQ_MOD;
			st->max_seq = seq;
		} else if (delta <= RTP_SEQ_MOD - RTP_MAX_MISORDER) {
			/* a big jump: accept it only when the next packet follows it, which
			 * tells a restarted sender from a stray packet */
			if (seq == st->bad_seq) {
				stats_start(st, seq);
				first = true;
			} else {
				st->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
				return OPENUM_EBADMSG;
			}
		}
		/* else: a duplicate or reordered packet, counted but not moving max_seq */
	}
	st->received++;

	/* A.8: jitter is the smoothed mean deviation of the transit-time difference */
	uint32_t transit = arrival - ts;
	if (!first) {
		int32_t d = (int32_t)(transit - st->transit);
		uint32_t ad = d < 0 ? (uint32_t) - (int64_t)d : (uint32_t)d;
		st->jitter_q4 += ad - ((st->jitter_q4 + 8) >> 4);
	}
	st->transit = transit;
	return 0;
}

void rtp_stats_block(rtp_rx_stats *st, uint32_t ssrc, rtcp_block *out)
{
	memset(out, 0, sizeof(*out));
	out->ssrc = ssrc;
	if (!st->started)
		return;
	uint32_t ext_max = st->cycles + st->max_seq;
	uint32_t expected = ext_max - st->base_seq + 1;
	int64_t lost = (int64_t)expected - st->received;
	/* 24-bit signed on the wire: clamp rather than wrap */
	if (lost > 0x7FFFFF)
		lost = 0x7FFFFF;
	if (lost < -0x800000)
		lost = -0x800000;
	out->cum_lost = (int32_t)lost;
	out->ext_max_seq = ext_max;
	uint32_t exp_int = expected - st->expected_prior;
	uint32_t rcv_int = st->received - st->received_prior;
	st->expected_prior = expected;
	st->received_prior = st->received;
	int64_t lost_int = (int64_t)exp_int - rcv_int;
	if (exp_int && lost_int > 0)
		out->fraction_lost = (uint8_t)((lost_int << 8) / exp_int);
	out->jitter = st->jitter_q4 >> 4;
}
