/* WAV files (RIFF/WAVE): 8 kHz mono 16-bit PCM, A-law (format 6) or mu-law (format 7),
 * the formats of telephone audio. The parser works on a buffer, skips chunks it does
 * not know, and clips sizes that claim more than the file holds (streaming writers
 * leave 0xFFFFFFFF there). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media.h"
#include "media_int.h"

#define WAVE_EXTENSIBLE 0xFFFE

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The formats media cannot take, each said tersely (a parse error) and plainly (for a
 * person choosing a file), in the order media_wav_parse checks them. */
static const struct {
	const char *why, *plain;
} wav_refusals[] = {
    {"WAV: only PCM, A-law and mu-law are supported",
     "WAV encoding must be 16-bit PCM, A-law or mu-law"},
    {"WAV: PCM must be 16-bit, G.711 8-bit", "WAV PCM must be 16-bit, A-law and mu-law 8-bit"},
    {"WAV: only mono is supported", "WAV must be mono"},
    {"WAV: only 8000 Hz is supported", "WAV sample rate must be 8000 Hz"},
};

/* Index into wav_refusals of the first rule the format breaks, or -1. */
static int wav_unsupported(const media_wav_info *w)
{
	unsigned f = (unsigned)w->format;
	if (f != MEDIA_WAV_PCM16 && f != MEDIA_WAV_ALAW && f != MEDIA_WAV_ULAW)
		return 0;
	if (w->bits != (f == MEDIA_WAV_PCM16 ? 16 : 8))
		return 1;
	if (w->channels != 1)
		return 2;
	if (w->rate != MEDIA_RATE)
		return 3;
	return -1;
}

int media_wav_parse(const uint8_t *buf, size_t len, media_wav_info *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
		return media_fail(why, "WAV: not a RIFF/WAVE file", OPENUM_EBADMSG);
	/* the RIFF size is only a claim: trust the smaller of it and the buffer */
	size_t end = len;
	uint32_t riff = le32(buf + 4);
	if (riff >= 4 && (size_t)riff - 4 < len - 12)
		end = 12 + (size_t)riff - 4;

	bool have_fmt = false;
	uint16_t format = 0, channels = 0, bits = 0, align = 0;
	uint32_t rate = 0;
	size_t off = 12;
	while (end - off >= 8) {
		const uint8_t *h = buf + off;
		size_t csize = le32(h + 4);
		size_t avail = end - off - 8;
		off += 8;
		if (memcmp(h, "fmt ", 4) == 0) {
			if (csize < 16 || avail < 16)
				return media_fail(why, "WAV: fmt chunk truncated", OPENUM_EBADMSG);
			const uint8_t *f = h + 8;
			format = le16(f);
			channels = le16(f + 2);
			rate = le32(f + 4);
			align = le16(f + 12);
			bits = le16(f + 14);
			if (format == WAVE_EXTENSIBLE) {
				/* the real format code opens the SubFormat GUID */
				if (csize < 40 || avail < 40 || le16(f + 16) < 22)
					return media_fail(why, "WAV: extensible fmt truncated",
					                  OPENUM_EBADMSG);
				format = le16(f + 24);
			}
			have_fmt = true;
		} else if (memcmp(h, "data", 4) == 0) {
			if (!have_fmt)
				return media_fail(why, "WAV: data before fmt", OPENUM_EBADMSG);
			if (csize > avail)
				csize = avail;
			out->data = h + 8;
			out->data_len = csize;
			break;
		}
		if (csize > avail)
			return media_fail(why, "WAV: chunk runs past the end", OPENUM_EBADMSG);
		/* chunks are padded to an even size */
		off += csize + (csize & 1);
		if (off > end)
			off = end;
	}
	if (!have_fmt)
		return media_fail(why, "WAV: no fmt chunk", OPENUM_EBADMSG);
	if (!out->data)
		return media_fail(why, "WAV: no data chunk", OPENUM_EBADMSG);

	out->format = (media_wav_format)format; /* what was found, also when refused */
	out->channels = channels;
	out->rate = rate;
	out->bits = bits;
	int bad = wav_unsupported(out);
	if (bad >= 0)
		return media_fail(why, wav_refusals[bad].why, OPENUM_EINVAL);
	if (align != (format == MEDIA_WAV_PCM16 ? 2 : 1))
		return media_fail(why, "WAV: block align does not match the format",
		                  OPENUM_EBADMSG);
	out->data_len -= out->data_len % align; /* no half samples */
	out->samples = out->data_len / align;
	return 0;
}

void media_audio_free(media_audio *a)
{
	free(a->pcm);
	a->pcm = NULL;
	a->n = 0;
}

void media_wav_describe(const media_wav_info *found, char *buf, size_t cap)
{
	char enc[32];
	unsigned bits = found->bits;
	switch ((unsigned)found->format) {
	case MEDIA_WAV_PCM16: snprintf(enc, sizeof(enc), "%u-bit PCM", bits); break;
	case 3: snprintf(enc, sizeof(enc), "%u-bit float", bits); break; /* IEEE float */
	case MEDIA_WAV_ALAW: snprintf(enc, sizeof(enc), "%u-bit A-law", bits); break;
	case MEDIA_WAV_ULAW: snprintf(enc, sizeof(enc), "%u-bit mu-law", bits); break;
	default: snprintf(enc, sizeof(enc), "format 0x%04x", (unsigned)found->format); break;
	}
	int bad = wav_unsupported(found);
	snprintf(buf, cap, "%s%s%u Hz, %u channel%s, %s", bad >= 0 ? wav_refusals[bad].plain : "",
	         bad >= 0 ? "; found " : "", (unsigned)found->rate, (unsigned)found->channels,
	         found->channels == 1 ? "" : "s", enc);
}

int media_wav_load(const char *path, ou_buf *file, media_wav_info *info, const char **why)
{
	memset(info, 0, sizeof(*info));
	FILE *f = fopen(path, "rb");
	if (!f)
		return media_fail(why, "WAV: cannot open the file", OPENUM_EIO);
	int rc = 0;
	for (;;) {
		if (file->len >= MEDIA_WAV_MAX_BYTES) {
			rc = media_fail(why, "WAV: file too large", OPENUM_ETOOBIG);
			break;
		}
		if (ou_buf_reserve(file, 65536) != 0) {
			rc = media_fail(why, "WAV: out of memory", OPENUM_ENOMEM);
			break;
		}
		size_t got = fread(file->data + file->len, 1, 65536, f);
		file->len += got;
		file->data[file->len] = '\0'; /* ou_buf keeps its text terminator */
		if (got == 0) {
			if (ferror(f))
				rc = media_fail(why, "WAV: read error", OPENUM_EIO);
			break;
		}
	}
	fclose(f);
	if (rc)
		return rc;
	return media_wav_parse((const uint8_t *)file->data, file->len, info, why);
}

int media_wav_read(const char *path, media_audio *out, const char **why)
{
	out->pcm = NULL;
	out->n = 0;
	ou_buf file;
	ou_buf_init(&file);
	media_wav_info info;
	int rc = media_wav_load(path, &file, &info, why);
	if (rc)
		goto out;
	out->pcm = malloc(info.samples ? info.samples * sizeof(int16_t) : 1);
	if (!out->pcm) {
		rc = media_fail(why, "WAV: out of memory", OPENUM_ENOMEM);
		goto out;
	}
	out->n = info.samples;
	if (info.format == MEDIA_WAV_PCM16)
		for (size_t i = 0; i < info.samples; i++)
			out->pcm[i] = (int16_t)le16(info.data + 2 * i);
	else
		g711_decode(info.format == MEDIA_WAV_ALAW ? MEDIA_PCMA : MEDIA_PCMU, info.data,
		            info.samples, out->pcm);
out:
	ou_buf_free(&file);
	return rc;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* Appends to out a WAV image of n samples of fmt whose sample bytes are left for the
 * caller to fill at *samples (the header, and the pad byte an odd size needs, are
 * written). */
static int wav_image(media_wav_format fmt, size_t n, ou_buf *out, uint8_t **samples)
{
	if (fmt != MEDIA_WAV_PCM16 && fmt != MEDIA_WAV_ALAW && fmt != MEDIA_WAV_ULAW)
		return OPENUM_EINVAL;
	unsigned bps = fmt == MEDIA_WAV_PCM16 ? 2 : 1;
	/* G.711 files carry the 18-byte fmt (cbSize 0) and a fact chunk, as non-PCM
	 * formats must */
	bool g711 = fmt != MEDIA_WAV_PCM16;
	size_t fmt_len = g711 ? 18 : 16;
	size_t fact_len = g711 ? 12 : 0;
	if (n > (UINT32_MAX - 64) / bps)
		return OPENUM_ETOOBIG;
	size_t data = n * bps;
	size_t total = 12 + 8 + fmt_len + fact_len + 8 + data + (data & 1);
	int rc = ou_buf_reserve(out, total);
	if (rc)
		return rc;
	uint8_t *p = (uint8_t *)out->data + out->len;
	memcpy(p, "RIFF", 4);
	put32(p + 4, (uint32_t)(total - 8));
	memcpy(p + 8, "WAVEfmt ", 8);
	put32(p + 16, (uint32_t)fmt_len);
	put16(p + 20, (uint16_t)fmt);
	put16(p + 22, 1);
	put32(p + 24, MEDIA_RATE);
	put32(p + 28, MEDIA_RATE * bps);
	put16(p + 32, (uint16_t)bps);
	put16(p + 34, (uint16_t)(bps * 8));
	size_t off = 36;
	if (g711) {
		put16(p + 36, 0);
		memcpy(p + 38, "fact", 4);
		put32(p + 42, 4);
		put32(p + 46, (uint32_t)n);
		off = 50;
	}
	memcpy(p + off, "data", 4);
	put32(p + off + 4, (uint32_t)data);
	off += 8;
	*samples = p + off;
	off += data;
	if (data & 1)
		p[off++] = 0;
	out->len += off;
	out->data[out->len] = '\0'; /* ou_buf keeps its text terminator */
	return 0;
}

int media_wav_build(media_wav_format fmt, const int16_t *pcm, size_t n, ou_buf *out)
{
	uint8_t *p;
	int rc = wav_image(fmt, n, out, &p);
	if (rc)
		return rc;
	if (fmt == MEDIA_WAV_PCM16) {
		for (size_t i = 0; i < n; i++)
			put16(p + 2 * i, (uint16_t)pcm[i]);
	} else {
		g711_encode(fmt == MEDIA_WAV_ALAW ? MEDIA_PCMA : MEDIA_PCMU, pcm, n, p);
	}
	return 0;
}

int media_wav_build_encoded(media_wav_format fmt, const uint8_t *data, size_t len, ou_buf *out)
{
	size_t n = fmt == MEDIA_WAV_PCM16 ? len / 2 : len;
	uint8_t *p;
	int rc = wav_image(fmt, n, out, &p);
	if (rc)
		return rc;
	if (n)
		memcpy(p, data, fmt == MEDIA_WAV_PCM16 ? 2 * n : n);
	return 0;
}

static int write_image(const char *path, ou_buf *b, const char **why)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		ou_buf_free(b);
		return media_fail(why, "WAV: cannot create file", OPENUM_EIO);
	}
	int rc = 0;
	if (fwrite(b->data, 1, b->len, f) != b->len)
		rc = OPENUM_EIO;
	if (fclose(f) != 0)
		rc = OPENUM_EIO;
	ou_buf_free(b);
	return rc ? media_fail(why, "WAV: cannot write file", rc) : 0;
}

int media_wav_write(const char *path, media_wav_format fmt, const int16_t *pcm, size_t n)
{
	ou_buf b;
	ou_buf_init(&b);
	int rc = media_wav_build(fmt, pcm, n, &b);
	if (rc) {
		ou_buf_free(&b);
		return rc;
	}
	return write_image(path, &b, NULL);
}

int media_wav_write_encoded(const char *path, media_wav_format fmt, const uint8_t *data, size_t len,
                            const char **why)
{
	ou_buf b;
	ou_buf_init(&b);
	int rc = media_wav_build_encoded(fmt, data, len, &b);
	if (rc) {
		ou_buf_free(&b);
		return media_fail(why, "WAV: cannot encode the audio", rc);
	}
	return write_image(path, &b, why);
}
