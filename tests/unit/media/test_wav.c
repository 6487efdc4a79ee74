/* Tests for src/media/wav.c: build and parse round trips in the three formats, file
 * read/write, unknown and odd-sized chunks, lying RIFF and data sizes, truncation at
 * every length, unsupported formats with their reasons and plain descriptions, samples
 * written as they are (the mailbox's import/export), and interchange with sox. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "media/media.h"

static uint8_t *held;

static int parse(const void *b, size_t n, media_wav_info *w, const char **why)
{
	free(held);
	held = malloc(n ? n : 1);
	memcpy(held, b, n);
	*why = NULL;
	return media_wav_parse(held, n, w, why);
}

static void tone(int16_t *pcm, size_t n)
{
	/* a 500 Hz square-ish ramp: deterministic without libm */
	for (size_t i = 0; i < n; i++)
		pcm[i] = (int16_t)((int)(i % 16) * 2000 - 15000);
}

static void test_round_trip_formats(void **state)
{
	(void)state;
	int16_t pcm[801];
	tone(pcm, 801);
	media_wav_format fmts[] = {MEDIA_WAV_PCM16, MEDIA_WAV_ALAW, MEDIA_WAV_ULAW};
	for (int k = 0; k < 3; k++) {
		ou_buf b;
		ou_buf_init(&b);
		assert_int_equal(media_wav_build(fmts[k], pcm, 801, &b), 0);
		media_wav_info w;
		const char *why;
		assert_int_equal(parse(b.data, b.len, &w, &why), 0);
		assert_int_equal(w.format, fmts[k]);
		assert_int_equal(w.channels, 1);
		assert_int_equal(w.rate, 8000);
		assert_int_equal(w.samples, 801);
		assert_int_equal(w.bits, fmts[k] == MEDIA_WAV_PCM16 ? 16 : 8);
		assert_true(w.data >= held && w.data + w.data_len <= held + b.len);
		assert_int_equal(b.len % 2, 0); /* odd G.711 data is padded */
		if (fmts[k] == MEDIA_WAV_PCM16) {
			assert_int_equal(b.len, 44 + 1602);
			assert_int_equal(w.data[0] | w.data[1] << 8, (uint16_t)pcm[0]);
		} else {
			media_codec c = fmts[k] == MEDIA_WAV_ALAW ? MEDIA_PCMA : MEDIA_PCMU;
			uint8_t enc[801];
			g711_encode(c, pcm, 801, enc);
			assert_memory_equal(w.data, enc, 801);
		}
		/* every truncation: an error, or clipped data inside the prefix */
		for (size_t n = 0; n < b.len; n++) {
			int rc = parse(b.data, n, &w, &why);
			if (rc == 0) {
				assert_true(w.data >= held && w.data + w.data_len <= held + n);
				/* only the pad byte after odd G.711 data can go unmissed */
				assert_true(w.samples < 801 || n == b.len - 1);
			} else {
				assert_int_equal(rc, OPENUM_EBADMSG);
				assert_non_null(why);
			}
		}
		ou_buf_free(&b);
	}
}

static void test_file_read_write(void **state)
{
	(void)state;
	char path[] = "/tmp/openum_wav_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	int16_t pcm[1000];
	tone(pcm, 1000);
	assert_int_equal(media_wav_write(path, MEDIA_WAV_PCM16, pcm, 1000), 0);
	media_audio a;
	const char *why = NULL;
	assert_int_equal(media_wav_read(path, &a, &why), 0);
	assert_int_equal(a.n, 1000);
	assert_memory_equal(a.pcm, pcm, sizeof(pcm));
	media_audio_free(&a);
	assert_null(a.pcm);

	assert_int_equal(media_wav_write(path, MEDIA_WAV_ULAW, pcm, 1000), 0);
	assert_int_equal(media_wav_read(path, &a, &why), 0);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(a.pcm[i], g711_ulaw_decode(g711_ulaw_encode(pcm[i])));
	media_audio_free(&a);
	unlink(path);

	assert_int_equal(media_wav_read("/nonexistent/x.wav", &a, &why), OPENUM_EIO);
	assert_string_equal(why, "WAV: cannot open the file");
	assert_int_equal(media_wav_write("/nonexistent/x.wav", MEDIA_WAV_PCM16, pcm, 10),
	                 OPENUM_EIO);
	assert_int_equal(media_wav_write(path, (media_wav_format)3, pcm, 10), OPENUM_EINVAL);
}

/* A file from parts, little-endian helpers. */
static size_t put(uint8_t *b, size_t off, const void *p, size_t n)
{
	memcpy(b + off, p, n);
	return off + n;
}
static size_t put32(uint8_t *b, size_t off, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	return put(b, off, x, 4);
}
static size_t put16(uint8_t *b, size_t off, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	return put(b, off, x, 2);
}
static size_t fmt_chunk(uint8_t *b, size_t off, uint16_t fmt, uint16_t ch, uint32_t rate,
                        uint16_t bits)
{
	off = put(b, off, "fmt ", 4);
	off = put32(b, off, 16);
	off = put16(b, off, fmt);
	off = put16(b, off, ch);
	off = put32(b, off, rate);
	off = put32(b, off, rate * ch * bits / 8);
	off = put16(b, off, (uint16_t)(ch * bits / 8));
	return put16(b, off, bits);
}

static size_t riff(uint8_t *b, uint32_t size)
{
	size_t off = put(b, 0, "RIFF", 4);
	off = put32(b, off, size);
	return put(b, off, "WAVE", 4);
}

static void expect(const uint8_t *b, size_t n, int err, const char *reason)
{
	media_wav_info w;
	const char *why;
	assert_int_equal(parse(b, n, &w, &why), err);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_chunks_and_lies(void **state)
{
	(void)state;
	uint8_t b[256];
	media_wav_info w;
	const char *why;

	/* LIST chunk of odd size (padded) before fmt, a fact chunk, then data */
	size_t off = riff(b, 0);
	off = put(b, off, "LIST", 4);
	off = put32(b, off, 5);
	off = put(b, off, "abcde\0", 6);
	off = fmt_chunk(b, off, 1, 1, 8000, 16);
	off = put(b, off, "data", 4);
	off = put32(b, off, 8);
	off = put(b, off, "\x01\x00\x02\x00\x03\x00\x04\x00", 8);
	put32(b, 4, (uint32_t)off - 8);
	assert_int_equal(parse(b, off, &w, &why), 0);
	assert_int_equal(w.samples, 4);
	assert_int_equal(w.data[6], 4);

	/* streaming writers: RIFF and data sizes 0xFFFFFFFF; clipped to what is there */
	put32(b, 4, 0xFFFFFFFF);
	put32(b, off - 12, 0xFFFFFFFF);
	assert_int_equal(parse(b, off, &w, &why), 0);
	assert_int_equal(w.samples, 4);
	/* a trailing half sample is dropped */
	assert_int_equal(parse(b, off - 1, &w, &why), 0);
	assert_int_equal(w.samples, 3);
	/* a RIFF size smaller than the buffer wins: bytes after it are not audio */
	put32(b, 4, (uint32_t)off - 8 - 4);
	put32(b, off - 12, 8);
	assert_int_equal(parse(b, off, &w, &why), 0);
	assert_int_equal(w.samples, 2);

	expect(b, 11, OPENUM_EBADMSG, "WAV: not a RIFF/WAVE file");
	memcpy(b, "RIFX", 4);
	expect(b, off, OPENUM_EBADMSG, "WAV: not a RIFF/WAVE file");

	off = riff(b, 100);
	expect(b, off, OPENUM_EBADMSG, "WAV: no fmt chunk");
	size_t d = put(b, off, "data", 4);
	d = put32(b, d, 0);
	expect(b, d, OPENUM_EBADMSG, "WAV: data before fmt");
	size_t f = fmt_chunk(b, off, 1, 1, 8000, 16);
	expect(b, f, OPENUM_EBADMSG, "WAV: no data chunk");
	expect(b, f - 2, OPENUM_EBADMSG, "WAV: fmt chunk truncated");
	/* an unknown chunk claiming more than the file holds */
	size_t u = put(b, f, "junk", 4);
	u = put32(b, u, 1000);
	expect(b, u + 10, OPENUM_EBADMSG, "WAV: chunk runs past the end");
}

static void test_unsupported(void **state)
{
	(void)state;
	struct {
		uint16_t fmt, ch, bits;
		uint32_t rate;
		int err;
		const char *why;
	} cases[] = {
	    {3, 1, 32, 8000, OPENUM_EINVAL, "WAV: only PCM, A-law and mu-law are supported"},
	    {0x55, 1, 0, 8000, OPENUM_EINVAL, "WAV: only PCM, A-law and mu-law are supported"},
	    {1, 2, 16, 8000, OPENUM_EINVAL, "WAV: only mono is supported"},
	    {1, 1, 16, 44100, OPENUM_EINVAL, "WAV: only 8000 Hz is supported"},
	    {1, 1, 8, 8000, OPENUM_EINVAL, "WAV: PCM must be 16-bit, G.711 8-bit"},
	    {7, 1, 16, 8000, OPENUM_EINVAL, "WAV: PCM must be 16-bit, G.711 8-bit"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[128];
		size_t off = riff(b, 0);
		off = fmt_chunk(b, off, cases[i].fmt, cases[i].ch, cases[i].rate, cases[i].bits);
		off = put(b, off, "data", 4);
		off = put32(b, off, 4);
		off = put32(b, off, 0);
		put32(b, 4, (uint32_t)off - 8);
		expect(b, off, cases[i].err, cases[i].why);
	}
	/* WAVE_FORMAT_EXTENSIBLE carrying PCM is accepted */
	uint8_t b[128];
	size_t off = riff(b, 0);
	off = put(b, off, "fmt ", 4);
	off = put32(b, off, 40);
	off = put16(b, off, 0xFFFE);
	off = put16(b, off, 1);
	off = put32(b, off, 8000);
	off = put32(b, off, 16000);
	off = put16(b, off, 2);
	off = put16(b, off, 16);
	off = put16(b, off, 22);
	off = put16(b, off, 16);
	off = put32(b, off, 4);
	static const uint8_t guid_pcm[16] = {1,    0, 0, 0,    0, 0,    0x10, 0,
	                                     0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71};
	off = put(b, off, guid_pcm, 16);
	off = put(b, off, "data", 4);
	off = put32(b, off, 2);
	off = put16(b, off, 0x1234);
	media_wav_info w;
	const char *why;
	assert_int_equal(parse(b, off, &w, &why), 0);
	assert_int_equal(w.format, MEDIA_WAV_PCM16);
	assert_int_equal(w.samples, 1);
	expect(b, 12 + 8 + 30, OPENUM_EBADMSG, "WAV: extensible fmt truncated");
}

/* What a refused file is said to be: the rule it breaks, then what was found. */
static void test_describe(void **state)
{
	(void)state;
	struct {
		uint16_t fmt, ch;
		uint32_t rate;
		uint16_t bits;
		const char *desc;
	} cases[] = {
	    {1, 1, 44100, 16,
	     "WAV sample rate must be 8000 Hz; found 44100 Hz, 1 channel, 16-bit PCM"},
	    {1, 2, 8000, 16, "WAV must be mono; found 8000 Hz, 2 channels, 16-bit PCM"},
	    {1, 1, 8000, 8,
	     "WAV PCM must be 16-bit, A-law and mu-law 8-bit; found 8000 Hz, 1 channel, 8-bit PCM"},
	    {1, 1, 8000, 24,
	     "WAV PCM must be 16-bit, A-law and mu-law 8-bit; found 8000 Hz, 1 channel, 24-bit "
	     "PCM"},
	    {3, 1, 8000, 32,
	     "WAV encoding must be 16-bit PCM, A-law or mu-law; found 8000 Hz, 1 channel, 32-bit "
	     "float"},
	    {0x11, 1, 8000, 4,
	     "WAV encoding must be 16-bit PCM, A-law or mu-law; found 8000 Hz, 1 channel, format "
	     "0x0011"},
	    {7, 1, 8000, 16,
	     "WAV PCM must be 16-bit, A-law and mu-law 8-bit; found 8000 Hz, 1 channel, 16-bit "
	     "mu-law"},
	    {6, 1, 16000, 8,
	     "WAV sample rate must be 8000 Hz; found 16000 Hz, 1 channel, 8-bit A-law"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[128];
		size_t off = riff(b, 0);
		off = fmt_chunk(b, off, cases[i].fmt, cases[i].ch, cases[i].rate, cases[i].bits);
		off = put(b, off, "data", 4);
		off = put32(b, off, 8);
		off = put32(b, off, 0);
		off = put32(b, off, 0);
		put32(b, 4, (uint32_t)off - 8);
		media_wav_info w;
		const char *why;
		assert_int_equal(parse(b, off, &w, &why), OPENUM_EINVAL);
		assert_int_equal(w.channels, cases[i].ch);
		assert_int_equal(w.rate, cases[i].rate);
		assert_int_equal(w.bits, cases[i].bits);
		char desc[160];
		media_wav_describe(&w, desc, sizeof(desc));
		assert_string_equal(desc, cases[i].desc);
	}
	/* a supported file is only described; a small buffer still ends in NUL */
	media_wav_info ok = {.format = MEDIA_WAV_ALAW, .channels = 1, .rate = 8000, .bits = 8};
	char desc[64];
	media_wav_describe(&ok, desc, sizeof(desc));
	assert_string_equal(desc, "8000 Hz, 1 channel, 8-bit A-law");
	media_wav_describe(&ok, desc, 5);
	assert_string_equal(desc, "8000");
}

/* Samples already encoded go into the file as they are, with the header media_wav_build
 * writes; every mu-law byte survives, which decoding and encoding again would not
 * promise (0x7f and 0xff are both zero). */
static void test_build_encoded(void **state)
{
	(void)state;
	int16_t pcm[5] = {0, 1, -1, 0x1234, -32768};
	uint8_t le[11];
	for (size_t i = 0; i < 5; i++) {
		le[2 * i] = (uint8_t)pcm[i];
		le[2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
	}
	le[10] = 0x55; /* a stray half sample: dropped */
	ou_buf a, b;
	ou_buf_init(&a);
	ou_buf_init(&b);
	assert_int_equal(media_wav_build(MEDIA_WAV_PCM16, pcm, 5, &a), 0);
	assert_int_equal(media_wav_build_encoded(MEDIA_WAV_PCM16, le, 11, &b), 0);
	assert_int_equal(b.len, 44 + 10);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);

	uint8_t all[256];
	for (size_t i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	media_wav_format g711[] = {MEDIA_WAV_ULAW, MEDIA_WAV_ALAW};
	for (size_t k = 0; k < 2; k++) {
		for (size_t n = 255; n <= 256; n++) {
			ou_buf_reset(&b);
			assert_int_equal(media_wav_build_encoded(g711[k], all, n, &b), 0);
			/* fmt with cbSize, a fact chunk with the sample count, even size */
			assert_int_equal(b.len, 12 + 8 + 18 + 12 + 8 + n + (n & 1));
			assert_int_equal((uint8_t)b.data[20], g711[k]);
			assert_memory_equal(b.data + 38, "fact\x04\x00\x00\x00", 8);
			assert_int_equal((uint8_t)b.data[46], n & 0xff);
			media_wav_info w;
			const char *why;
			assert_int_equal(parse(b.data, b.len, &w, &why), 0);
			assert_int_equal(w.format, g711[k]);
			assert_int_equal(w.data_len, n);
			assert_memory_equal(w.data, all, n);
		}
	}
	ou_buf_reset(&b);
	assert_int_equal(media_wav_build_encoded((media_wav_format)3, all, 4, &b), OPENUM_EINVAL);
	assert_int_equal(b.len, 0);
	ou_buf_free(&a);
	ou_buf_free(&b);
}

static void test_load_and_write_encoded(void **state)
{
	(void)state;
	char dir[] = "/tmp/openum_wavload_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[96], nodir[96];
	snprintf(path, sizeof(path), "%s/x.wav", dir);
	snprintf(nodir, sizeof(nodir), "%s/missing/x.wav", dir);
	uint8_t bytes[2000];
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i * 31);
	const char *why = NULL;
	assert_int_equal(media_wav_write_encoded(path, MEDIA_WAV_PCM16, bytes, 2000, &why), 0);

	ou_buf file;
	ou_buf_init(&file);
	media_wav_info w;
	assert_int_equal(media_wav_load(path, &file, &w, &why), 0);
	assert_int_equal(file.len, 44 + 2000);
	assert_int_equal(w.format, MEDIA_WAV_PCM16);
	assert_int_equal(w.samples, 1000);
	assert_ptr_equal(w.data, (const uint8_t *)file.data + 44);
	assert_memory_equal(w.data, bytes, 2000);
	ou_buf_free(&file);

	/* a refused format comes back with what was found */
	uint8_t b[128];
	size_t off = riff(b, 0);
	off = fmt_chunk(b, off, 1, 2, 8000, 16);
	off = put(b, off, "data", 4);
	off = put32(b, off, 4);
	off = put32(b, off, 0);
	put32(b, 4, (uint32_t)off - 8);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, off, f), off);
	fclose(f);
	assert_int_equal(media_wav_load(path, &file, &w, &why), OPENUM_EINVAL);
	assert_string_equal(why, "WAV: only mono is supported");
	assert_int_equal(w.channels, 2);
	ou_buf_free(&file);
	unlink(path);

	errno = 0;
	assert_int_equal(media_wav_load(path, &file, &w, &why), OPENUM_EIO);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(why, "WAV: cannot open the file");
	ou_buf_free(&file);
	assert_int_equal(media_wav_write_encoded(nodir, MEDIA_WAV_ULAW, bytes, 3, &why),
	                 OPENUM_EIO);
	assert_string_equal(why, "WAV: cannot create file");
	assert_int_equal(media_wav_write_encoded(path, (media_wav_format)2, bytes, 3, &why),
	                 OPENUM_EINVAL);
	assert_string_equal(why, "WAV: cannot encode the audio");
	rmdir(dir);
}

static int sh(const char *cmd)
{
	int rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* sox writes a tone, we read it and write it back; sox agrees with what we wrote. */
static void test_sox_interchange(void **state)
{
	(void)state;
	if (sh("command -v sox >/dev/null 2>&1") != 0)
		skip();
	char dir[] = "/tmp/openum_sox_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char cmd[4096], a[128], b2[128];
	const char *enc[] = {"signed-integer -b 16", "u-law", "a-law"};
	media_wav_format fmt[] = {MEDIA_WAV_PCM16, MEDIA_WAV_ULAW, MEDIA_WAV_ALAW};
	for (int k = 0; k < 3; k++) {
		snprintf(a, sizeof(a), "%s/sox%d.wav", dir, k);
		snprintf(b2, sizeof(b2), "%s/ours%d.wav", dir, k);
		snprintf(cmd, sizeof(cmd),
		         "sox -n -r 8000 -c 1 -e %s %s synth 0.5 sine 440 vol 0.5", enc[k], a);
		assert_int_equal(sh(cmd), 0);
		media_audio au;
		const char *why = NULL;
		if (media_wav_read(a, &au, &why) != 0)
			fail_msg("cannot read sox file %s: %s", a, why);
		assert_int_equal(au.n, 4000);
		/* a 440 Hz sine at half scale: peak near 16384 */
		int peak = 0;
		for (size_t i = 0; i < au.n; i++)
			peak = abs(au.pcm[i]) > peak ? abs(au.pcm[i]) : peak;
		assert_true(peak > 15500 && peak < 17000);
		assert_int_equal(media_wav_write(b2, fmt[k], au.pcm, au.n), 0);
		/* sox sees the same sample count, rate, channels and encoding */
		snprintf(cmd, sizeof(cmd),
		         "test \"$(sox --i -s %s)\" = 4000 && test \"$(sox --i -r %s)\" = 8000 && "
		         "test \"$(sox --i -c %s)\" = 1 && test \"$(sox --i -e %s)\" = \"$(sox --i "
		         "-e %s)\"",
		         b2, b2, b2, b2, a);
		assert_int_equal(sh(cmd), 0);
		/* and the same samples: both decoded to raw 16-bit by sox compare equal */
		snprintf(cmd, sizeof(cmd),
		         "sox %s -t raw -e signed -b 16 %s/a.raw && sox %s -t raw -e signed -b 16 "
		         "%s/b.raw && cmp -s %s/a.raw %s/b.raw",
		         a, dir, b2, dir, dir, dir);
		assert_int_equal(sh(cmd), 0);
		media_audio_free(&au);
	}
	/* a format we refuse, with the reason */
	snprintf(a, sizeof(a), "%s/stereo.wav", dir);
	snprintf(cmd, sizeof(cmd), "sox -n -r 16000 -c 2 -b 16 %s synth 0.1 sine 440", a);
	assert_int_equal(sh(cmd), 0);
	media_audio au;
	const char *why = NULL;
	assert_int_equal(media_wav_read(a, &au, &why), OPENUM_EINVAL);
	assert_string_equal(why, "WAV: only mono is supported");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	sh(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_formats),
	    cmocka_unit_test(test_file_read_write),
	    cmocka_unit_test(test_chunks_and_lies),
	    cmocka_unit_test(test_unsupported),
	    cmocka_unit_test(test_describe),
	    cmocka_unit_test(test_build_encoded),
	    cmocka_unit_test(test_load_and_write_encoded),
	    cmocka_unit_test(test_sox_interchange),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(held);
	return rc;
}
