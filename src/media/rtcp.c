/* RTCP (RFC 3550 section 6): compound packets of a sender or receiver report, an SDES
 * CNAME and optionally a BYE. The parser validates the whole compound packet as A.2
 * asks and reads its first report; other packet types are skipped. */
#include <string.h>

#include "media.h"
#include "media_int.h"

#define SDES_CNAME 1
#define BLOCK_LEN 24

int rtcp_build(const rtcp_report *r, const char *cname, uint8_t *out, size_t cap, size_t *len)
{
	if (r->nblocks > RTCP_MAX_BLOCKS)
		return OPENUM_EINVAL;
	size_t cn = cname ? strlen(cname) : 0;
	if (cn > 255)
		return OPENUM_EINVAL;
	size_t rep = 8 + (r->sr ? 20 : 0) + (size_t)r->nblocks * BLOCK_LEN;
	/* SDES: header, SSRC, item type+len+text, then a zero end byte, padded to 32 bits */
	size_t sdes = cname ? (8 + 2 + cn + 1 + 3) / 4 * 4 : 0;
	size_t bye = r->bye ? 8 : 0;
	if (rep + sdes + bye > cap)
		return OPENUM_ETOOBIG;

	uint8_t *p = out;
	p[0] = (uint8_t)(2 << 6 | r->nblocks);
	p[1] = r->sr ? RTCP_SR : RTCP_RR;
	media_wr16(p + 2, (uint16_t)(rep / 4 - 1));
	media_wr32(p + 4, r->ssrc);
	size_t off = 8;
	if (r->sr) {
		media_wr32(p + 8, (uint32_t)(r->ntp >> 32));
		media_wr32(p + 12, (uint32_t)r->ntp);
		media_wr32(p + 16, r->rtp_ts);
		media_wr32(p + 20, r->packets);
		media_wr32(p + 24, r->octets);
		off = 28;
	}
	for (unsigned i = 0; i < r->nblocks; i++, off += BLOCK_LEN) {
		const rtcp_block *b = &r->block[i];
		media_wr32(p + off, b->ssrc);
		uint32_t lost = (uint32_t)b->cum_lost & 0xFFFFFF;
		media_wr32(p + off + 4, (uint32_t)b->fraction_lost << 24 | lost);
		media_wr32(p + off + 8, b->ext_max_seq);
		media_wr32(p + off + 12, b->jitter);
		media_wr32(p + off + 16, b->lsr);
		media_wr32(p + off + 20, b->dlsr);
	}
	if (cname) {
		p = out + off;
		memset(p, 0, sdes);
		p[0] = 2 << 6 | 1;
		p[1] = RTCP_SDES;
		media_wr16(p + 2, (uint16_t)(sdes / 4 - 1));
		media_wr32(p + 4, r->ssrc);
		p[8] = SDES_CNAME;
		p[9] = (uint8_t)cn;
		memcpy(p + 10, cname, cn);
		off += sdes;
	}
	if (r->bye) {
		p = out + off;
		p[0] = 2 << 6 | 1;
		p[1] = RTCP_BYE;
		media_wr16(p + 2, 1);
		media_wr32(p + 4, r->ssrc);
		off += 8;
	}
	*len = off;
	return 0;
}

/* The first CNAME in an SDES packet body (after the 4-byte header). */
static void sdes_cname(const uint8_t *p, size_t n, unsigned chunks, rtcp_report *out)
{
	size_t off = 0;
	for (unsigned c = 0; c < chunks && n - off >= 4; c++) {
		off += 4; /* SSRC/CSRC */
		while (off < n && p[off] != 0) {
			if (n - off < 2)
				return;
			uint8_t type = p[off], ilen = p[off + 1];
			if (n - off - 2 < ilen)
				return;
			if (type == SDES_CNAME && !out->cname) {
				out->cname = p + off + 2;
				out->cname_len = ilen;
				return;
			}
			off += 2u + ilen;
		}
		/* the item list ends with a zero byte, then pads to a 32-bit boundary */
		off = (off + 4) & ~(size_t)3;
		if (off > n)
			return;
	}
}

int rtcp_parse(const uint8_t *buf, size_t len, rtcp_report *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (len < 8)
		return media_fail(why, "RTCP: too short", OPENUM_EBADMSG);
	if ((buf[1] != RTCP_SR && buf[1] != RTCP_RR))
		return media_fail(why, "RTCP: first packet is not SR or RR", OPENUM_EBADMSG);
	bool got = false;
	size_t off = 0;
	while (off < len) {
		const uint8_t *p = buf + off;
		if (len - off < 4)
			return media_fail(why, "RTCP: truncated header", OPENUM_EBADMSG);
		if (p[0] >> 6 != 2)
			return media_fail(why, "RTCP: version is not 2", OPENUM_EBADMSG);
		size_t plen = ((size_t)media_rd16(p + 2) + 1) * 4;
		if (plen > len - off)
			return media_fail(why, "RTCP: length past the end", OPENUM_EBADMSG);
		bool last = off + plen == len;
		size_t body = plen;
		if (p[0] & 0x20) {
			/* only the last packet of a compound may be padded */
			if (!last)
				return media_fail(why, "RTCP: padding before the last packet",
				                  OPENUM_EBADMSG);
			uint8_t pad = p[plen - 1];
			if (pad == 0 || pad > plen - 4)
				return media_fail(why, "RTCP: bad padding", OPENUM_EBADMSG);
			body = plen - pad;
		}
		unsigned count = p[0] & 0x1F;
		uint8_t type = p[1];
		if ((type == RTCP_SR || type == RTCP_RR) && !got) {
			size_t fixed = type == RTCP_SR ? 28 : 8;
			if (body < fixed + (size_t)count * BLOCK_LEN)
				return media_fail(why, "RTCP: report blocks truncated",
				                  OPENUM_EBADMSG);
			out->sr = type == RTCP_SR;
			out->ssrc = media_rd32(p + 4);
			if (out->sr) {
				out->ntp = (uint64_t)media_rd32(p + 8) << 32 | media_rd32(p + 12);
				out->rtp_ts = media_rd32(p + 16);
				out->packets = media_rd32(p + 20);
				out->octets = media_rd32(p + 24);
			}
			out->nblocks = (uint8_t)count;
			for (unsigned i = 0; i < count; i++) {
				const uint8_t *b = p + fixed + (size_t)i * BLOCK_LEN;
				rtcp_block *o = &out->block[i];
				o->ssrc = media_rd32(b);
				o->fraction_lost = b[4];
				uint32_t l = media_rd32(b + 4) & 0xFFFFFF;
				/* sign-extend the 24-bit count */
				o->cum_lost = (int32_t)(l ^ 0x800000) - 0x800000;
				o->ext_max_seq = media_rd32(b + 8);
				o->jitter = media_rd32(b + 12);
				o->lsr = media_rd32(b + 16);
				o->dlsr = media_rd32(b + 20);
			}
			got = true;
		} else if (type == RTCP_SDES) {
			sdes_cname(p + 4, body - 4, count, out);
		} else if (type == RTCP_BYE) {
			out->bye = true;
		}
		off += plen;
	}
	return 0;
}
