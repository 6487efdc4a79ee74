/* store/wav_io.c: WAV files for `openum mailbox import|export`: RIFF/WAVE at 8 kHz mono,
 * 16-bit PCM, A-law or mu-law, exactly what the store keeps, so nothing is resampled or
 * transcoded here. Everything else is refused with a reason that says what was found.
 * (src/media/wav.c is the media layer's own reader/writer; this one has a store_ prefix
 * and no media dependency so that the store and the CLI stand alone.) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "store.h"

enum {
	WAV_PCM = 1,
	WAV_FLOAT = 3,
	WAV_ALAW = 6,
	WAV_MULAW = 7,
	WAV_EXTENSIBLE = 0xfffe,
};

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int store_wav_parse(const uint8_t *buf, size_t len, store_audio *out, store_wav_fmt *found,
                    const char **why)
{
	memset(out, 0, sizeof(*out));
	if (found)
		memset(found, 0, sizeof(*found));
	if (!buf || len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
		return fail(why, "not a RIFF/WAVE file", OPENUM_EBADMSG);
	store_wav_fmt f = {0};
	bool have_fmt = false;
	const uint8_t *data = NULL;
	size_t dlen = 0;
	size_t off = 12;
	/* Chunks are id, size, body, padded to an even length. */
	while (len - off >= 8) {
		const uint8_t *ck = buf + off;
		uint32_t csize = rd32(ck + 4);
		size_t room = len - off - 8;
		if (memcmp(ck, "fmt ", 4) == 0) {
			if (csize < 16 || csize > room)
				return fail(why, "WAV fmt chunk is damaged", OPENUM_EBADMSG);
			f.format = rd16(ck + 8);
			f.channels = rd16(ck + 10);
			f.rate = rd32(ck + 12);
			f.bits = rd16(ck + 22);
			/* WAVE_FORMAT_EXTENSIBLE: the real tag opens the SubFormat GUID. */
			if (f.format == WAV_EXTENSIBLE && csize >= 40)
				f.format = rd16(ck + 8 + 24);
			have_fmt = true;
		} else if (memcmp(ck, "data", 4) == 0) {
			/* A writer that could not seek back leaves the size at its maximum:
			 * the data then runs to the end of the file. */
			if (csize == 0xffffffffu)
				csize = (uint32_t)(room > 0xfffffffeu ? 0xfffffffeu : room);
			if (csize > room)
				return fail(why, "WAV data chunk is truncated", OPENUM_EBADMSG);
			data = ck + 8;
			dlen = csize;
			if (have_fmt)
				break;
		}
		if (csize > room)
			return fail(why, "WAV chunk runs past the end of the file", OPENUM_EBADMSG);
		off += 8 + (size_t)csize + (csize & 1);
		if (off > len)
			break;
	}
	if (found)
		*found = f;
	if (!have_fmt)
		return fail(why, "WAV has no fmt chunk", OPENUM_EBADMSG);
	if (!data)
		return fail(why, "WAV has no data chunk", OPENUM_EBADMSG);
	store_codec codec;
	if (f.format == WAV_PCM) {
		if (f.bits != 16)
			return fail(why, "WAV PCM must be 16-bit", OPENUM_EINVAL);
		codec = STORE_CODEC_L16;
	} else if (f.format == WAV_MULAW || f.format == WAV_ALAW) {
		if (f.bits != 8)
			return fail(why, "G.711 WAV must be 8 bits per sample", OPENUM_EINVAL);
		codec = f.format == WAV_MULAW ? STORE_CODEC_PCMU : STORE_CODEC_PCMA;
	} else {
		return fail(why, "WAV encoding must be 16-bit PCM, A-law or mu-law", OPENUM_EINVAL);
	}
	if (f.channels != 1)
		return fail(why, "WAV must be mono", OPENUM_EINVAL);
	if (f.rate != 8000)
		return fail(why, "WAV sample rate must be 8000 Hz", OPENUM_EINVAL);
	if (codec == STORE_CODEC_L16)
		dlen &= ~(size_t)1; /* a stray odd byte is half a sample */
	if (dlen > STORE_AUDIO_MAX)
		return fail(why, "WAV audio too long", OPENUM_ETOOBIG);
	out->codec = codec;
	if (dlen) {
		out->data = malloc(dlen);
		if (!out->data)
			return fail(why, "out of memory", OPENUM_ENOMEM);
		memcpy(out->data, data, dlen);
		out->len = dlen;
	}
	return 0;
}

void store_wav_describe(const store_wav_fmt *f, char *buf, size_t cap)
{
	char enc[32];
	switch (f->format) {
	case WAV_PCM: snprintf(enc, sizeof(enc), "%u-bit PCM", (unsigned)f->bits); break;
	case WAV_FLOAT: snprintf(enc, sizeof(enc), "%u-bit float", (unsigned)f->bits); break;
	case WAV_ALAW: snprintf(enc, sizeof(enc), "%u-bit A-law", (unsigned)f->bits); break;
	case WAV_MULAW: snprintf(enc, sizeof(enc), "%u-bit mu-law", (unsigned)f->bits); break;
	default: snprintf(enc, sizeof(enc), "format 0x%04x", (unsigned)f->format); break;
	}
	snprintf(buf, cap, "%u Hz, %u channel%s, %s", (unsigned)f->rate, (unsigned)f->channels,
	         f->channels == 1 ? "" : "s", enc);
}

int store_wav_build(const store_audio *a, uint8_t **out, size_t *outlen)
{
	uint16_t format, bits, block;
	switch (a->codec) {
	case STORE_CODEC_L16: format = WAV_PCM, bits = 16, block = 2; break;
	case STORE_CODEC_PCMU: format = WAV_MULAW, bits = 8, block = 1; break;
	case STORE_CODEC_PCMA: format = WAV_ALAW, bits = 8, block = 1; break;
	default: return OPENUM_EINVAL;
	}
	if (a->len > STORE_AUDIO_MAX || (a->len && !a->data))
		return OPENUM_EINVAL;
	size_t dlen = a->len - (a->codec == STORE_CODEC_L16 ? a->len % 2 : 0);
	bool pcm = format == WAV_PCM;
	/* Non-PCM formats carry cbSize (fmt is 18 bytes) and a fact chunk (sample count). */
	size_t fmt_len = pcm ? 16 : 18;
	size_t fact_len = pcm ? 0 : 12;
	size_t hdr = 12 + 8 + fmt_len + fact_len + 8;
	size_t total = hdr + dlen + (dlen & 1);
	uint8_t *b = calloc(1, total);
	if (!b)
		return OPENUM_ENOMEM;
	uint8_t *p = b;
	memcpy(p, "RIFF", 4);
	wr32(p + 4, (uint32_t)(total - 8));
	memcpy(p + 8, "WAVE", 4);
	p += 12;
	memcpy(p, "fmt ", 4);
	wr32(p + 4, (uint32_t)fmt_len);
	wr16(p + 8, format);
	wr16(p + 10, 1);
	wr32(p + 12, 8000);
	wr32(p + 16, 8000u * block);
	wr16(p + 20, block);
	wr16(p + 22, bits);
	p += 8 + fmt_len; /* cbSize, when present, is already 0 */
	if (!pcm) {
		memcpy(p, "fact", 4);
		wr32(p + 4, 4);
		wr32(p + 8, (uint32_t)dlen);
		p += 12;
	}
	memcpy(p, "data", 4);
	wr32(p + 4, (uint32_t)dlen);
	if (dlen)
		memcpy(p + 8, a->data, dlen);
	*out = b;
	*outlen = total;
	return 0;
}

int store_wav_read_file(const char *path, store_audio *out, store_wav_fmt *found, const char **why)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(why, errno == ENOENT ? "file not found" : "cannot open file",
		            OPENUM_EIO);
	const size_t max = (size_t)STORE_AUDIO_MAX + (1u << 20);
	ou_buf b;
	ou_buf_init(&b);
	int err = 0;
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + got > max) {
			err = fail(why, "WAV file too big", OPENUM_ETOOBIG);
			break;
		}
		if (ou_buf_append(&b, chunk, got) != 0) {
			err = fail(why, "out of memory", OPENUM_ENOMEM);
			break;
		}
	}
	if (!err && ferror(f))
		err = fail(why, "cannot read file", OPENUM_EIO);
	fclose(f);
	if (!err)
		err = store_wav_parse((const uint8_t *)b.data, b.len, out, found, why);
	ou_buf_free(&b);
	return err;
}

int store_wav_write_file(const char *path, const store_audio *a, const char **why)
{
	uint8_t *img;
	size_t n;
	int err = store_wav_build(a, &img, &n);
	if (err)
		return fail(why, "cannot encode the audio as WAV", err);
	FILE *f = fopen(path, "wb");
	if (!f) {
		free(img);
		return fail(why, "cannot create file", OPENUM_EIO);
	}
	bool ok = fwrite(img, 1, n, f) == n;
	ok = fclose(f) == 0 && ok;
	free(img);
	return ok ? 0 : fail(why, "cannot write file", OPENUM_EIO);
}
