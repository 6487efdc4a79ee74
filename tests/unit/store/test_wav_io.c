/* Tests for src/store/wav_io.c: WAV images built by hand byte by byte, round trips of
 * the three codecs, and every refusal naming what it found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "store/store.h"

/* A little-endian WAV writer for the tests, independent of the one under test. */
typedef struct img {
	uint8_t b[4096];
	size_t n;
} img;

static void put(img *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}
static void put16(img *m, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(m, b, 2);
}
static void put32(img *m, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(m, b, 4);
}
static void riff(img *m)
{
	m->n = 0;
	put(m, "RIFF", 4);
	put32(m, 0); /* fixed by fin() */
	put(m, "WAVE", 4);
}
static void fmt(img *m, uint16_t format, uint16_t ch, uint32_t rate, uint16_t bits)
{
	put(m, "fmt ", 4);
	put32(m, 16);
	put16(m, format);
	put16(m, ch);
	put32(m, rate);
	put32(m, rate * ch * (bits / 8));
	put16(m, (uint16_t)(ch * (bits / 8)));
	put16(m, bits);
}
static void data(img *m, const void *p, uint32_t n)
{
	put(m, "data", 4);
	put32(m, n);
	put(m, p, n);
	if (n & 1)
		put(m, "", 1);
}
static void fin(img *m)
{
	uint32_t v = (uint32_t)(m->n - 8);
	m->b[4] = (uint8_t)v;
	m->b[5] = (uint8_t)(v >> 8);
	m->b[6] = (uint8_t)(v >> 16);
	m->b[7] = (uint8_t)(v >> 24);
}

static const uint8_t samples[] = {0x00, 0x7f, 0x80, 0xff, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc};

static void test_parse_handmade(void **state)
{
	(void)state;
	static const struct {
		uint16_t format, bits;
		store_codec codec;
	} ok[] = {{1, 16, STORE_CODEC_L16}, {7, 8, STORE_CODEC_PCMU}, {6, 8, STORE_CODEC_PCMA}};
	for (size_t i = 0; i < 3; i++) {
		img m;
		riff(&m);
		fmt(&m, ok[i].format, 1, 8000, ok[i].bits);
		put(&m, "LIST", 4); /* unknown chunks are skipped, odd ones padded */
		put32(&m, 3);
		put(&m, "abc\0", 4);
		data(&m, samples, sizeof(samples));
		fin(&m);
		store_audio a;
		store_wav_fmt f;
		const char *why = NULL;
		assert_int_equal(store_wav_parse(m.b, m.n, &a, &f, &why), 0);
		assert_int_equal(a.codec, ok[i].codec);
		assert_int_equal(a.len, sizeof(samples));
		assert_memory_equal(a.data, samples, sizeof(samples));
		assert_int_equal(f.rate, 8000);
		assert_int_equal(f.channels, 1);
		store_audio_free(&a);
	}
}

static void test_parse_refuses(void **state)
{
	(void)state;
	static const struct {
		uint16_t format, ch;
		uint32_t rate;
		uint16_t bits;
		int err;
		const char *why, *desc;
	} bad[] = {
	    {1, 1, 44100, 16, OPENUM_EINVAL, "WAV sample rate must be 8000 Hz",
	     "44100 Hz, 1 channel, 16-bit PCM"},
	    {1, 2, 8000, 16, OPENUM_EINVAL, "WAV must be mono", "8000 Hz, 2 channels, 16-bit PCM"},
	    {1, 1, 8000, 8, OPENUM_EINVAL, "WAV PCM must be 16-bit",
	     "8000 Hz, 1 channel, 8-bit PCM"},
	    {1, 1, 8000, 24, OPENUM_EINVAL, "WAV PCM must be 16-bit",
	     "8000 Hz, 1 channel, 24-bit PCM"},
	    {3, 1, 8000, 32, OPENUM_EINVAL, "WAV encoding must be 16-bit PCM, A-law or mu-law",
	     "8000 Hz, 1 channel, 32-bit float"},
	    {0x11, 1, 8000, 4, OPENUM_EINVAL, "WAV encoding must be 16-bit PCM, A-law or mu-law",
	     "8000 Hz, 1 channel, format 0x0011"},
	    {7, 1, 8000, 16, OPENUM_EINVAL, "G.711 WAV must be 8 bits per sample",
	     "8000 Hz, 1 channel, 16-bit mu-law"},
	    {6, 1, 16000, 8, OPENUM_EINVAL, "WAV sample rate must be 8000 Hz",
	     "16000 Hz, 1 channel, 8-bit A-law"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		img m;
		riff(&m);
		fmt(&m, bad[i].format, bad[i].ch, bad[i].rate, bad[i].bits);
		data(&m, samples, 8);
		fin(&m);
		store_audio a;
		store_wav_fmt f;
		const char *why = NULL;
		assert_int_equal(store_wav_parse(m.b, m.n, &a, &f, &why), bad[i].err);
		assert_string_equal(why, bad[i].why);
		assert_null(a.data);
		char desc[64];
		store_wav_describe(&f, desc, sizeof(desc));
		assert_string_equal(desc, bad[i].desc);
	}
}

static void test_parse_malformed(void **state)
{
	(void)state;
	store_audio a;
	const char *why = NULL;
	img m;
	assert_int_equal(store_wav_parse((const uint8_t *)"RIFF", 4, &a, NULL, &why),
	                 OPENUM_EBADMSG);
	assert_string_equal(why, "not a RIFF/WAVE file");
	assert_int_equal(store_wav_parse(NULL, 0, &a, NULL, &why), OPENUM_EBADMSG);
	const char *txt = "RIFF....AVI LIST";
	assert_int_equal(store_wav_parse((const uint8_t *)txt, strlen(txt), &a, NULL, &why),
	                 OPENUM_EBADMSG);

	riff(&m);
	data(&m, samples, 4);
	fin(&m);
	assert_int_equal(store_wav_parse(m.b, m.n, &a, NULL, &why), OPENUM_EBADMSG);
	assert_string_equal(why, "WAV has no fmt chunk");

	riff(&m);
	fmt(&m, 1, 1, 8000, 16);
	fin(&m);
	assert_int_equal(store_wav_parse(m.b, m.n, &a, NULL, &why), OPENUM_EBADMSG);
	assert_string_equal(why, "WAV has no data chunk");

	/* Data chunk claims more than the file holds. */
	riff(&m);
	fmt(&m, 1, 1, 8000, 16);
	put(&m, "data", 4);
	put32(&m, 1000);
	put(&m, samples, 10);
	fin(&m);
	assert_int_equal(store_wav_parse(m.b, m.n, &a, NULL, &why), OPENUM_EBADMSG);
	assert_string_equal(why, "WAV data chunk is truncated");

	/* fmt chunk too short, or longer than the file. */
	riff(&m);
	put(&m, "fmt ", 4);
	put32(&m, 8);
	put(&m, "12345678", 8);
	fin(&m);
	assert_int_equal(store_wav_parse(m.b, m.n, &a, NULL, &why), OPENUM_EBADMSG);
	assert_string_equal(why, "WAV fmt chunk is damaged");
	riff(&m);
	put(&m, "fmt ", 4);
	put32(&m, 0xfffffff0u);
	put(&m, "12345678901234567890", 20);
	assert_int_equal(store_wav_parse(m.b, m.n, &a, NULL, &why), OPENUM_EBADMSG);
	/* An unknown chunk whose size runs past the end. */
	riff(&m);
	fmt(&m, 1, 1, 8000, 16);
	put(&m, "junk", 4);
	put32(&m, 0x7fffffffu);
	assert_int_equal(store_wav_parse(m.b, m.n, &a, NULL, &why), OPENUM_EBADMSG);

	/* Every prefix of a good file fails cleanly (ASan watches the reads). */
	riff(&m);
	fmt(&m, 7, 1, 8000, 8);
	data(&m, samples, sizeof(samples));
	fin(&m);
	for (size_t n = 0; n < m.n; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, m.b, n);
		int err = store_wav_parse(copy, n, &a, NULL, &why);
		assert_int_not_equal(err, 0);
		free(copy);
	}
}

static void test_parse_variants(void **state)
{
	(void)state;
	store_audio a;
	store_wav_fmt f;
	const char *why = NULL;
	img m;

	/* WAVE_FORMAT_EXTENSIBLE with a mu-law SubFormat. */
	riff(&m);
	put(&m, "fmt ", 4);
	put32(&m, 40);
	put16(&m, 0xfffe);
	put16(&m, 1);
	put32(&m, 8000);
	put32(&m, 8000);
	put16(&m, 1);
	put16(&m, 8);
	put16(&m, 22); /* cbSize */
	put16(&m, 8);  /* valid bits */
	put32(&m, 4);  /* channel mask */
	put16(&m, 7);  /* SubFormat GUID starts with the format tag */
	put(&m, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71", 14);
	data(&m, samples, 6);
	fin(&m);
	assert_int_equal(store_wav_parse(m.b, m.n, &a, &f, &why), 0);
	assert_int_equal(a.codec, STORE_CODEC_PCMU);
	assert_int_equal(a.len, 6);
	assert_int_equal(f.format, 7);
	store_audio_free(&a);

	/* A streaming writer's 0xFFFFFFFF data size: the data runs to the end. */
	riff(&m);
	fmt(&m, 6, 1, 8000, 8);
	put(&m, "data", 4);
	put32(&m, 0xffffffffu);
	put(&m, samples, 7);
	fin(&m);
	assert_int_equal(store_wav_parse(m.b, m.n, &a, NULL, &why), 0);
	assert_int_equal(a.codec, STORE_CODEC_PCMA);
	assert_int_equal(a.len, 7);
	store_audio_free(&a);

	/* 16-bit data with an odd byte count loses the stray half sample; data before fmt. */
	riff(&m);
	put(&m, "data", 4);
	put32(&m, 5);
	put(&m, samples, 5);
	put(&m, "", 1);
	fmt(&m, 1, 1, 8000, 16);
	fin(&m);
	assert_int_equal(store_wav_parse(m.b, m.n, &a, NULL, &why), 0);
	assert_int_equal(a.len, 4);
	assert_memory_equal(a.data, samples, 4);
	store_audio_free(&a);

	/* An empty data chunk is an empty recording. */
	riff(&m);
	fmt(&m, 1, 1, 8000, 16);
	data(&m, samples, 0);
	fin(&m);
	assert_int_equal(store_wav_parse(m.b, m.n, &a, NULL, &why), 0);
	assert_int_equal(a.len, 0);
	assert_null(a.data);
}

static void test_build(void **state)
{
	(void)state;
	/* 16-bit PCM: the canonical 44-byte header, byte for byte. */
	store_audio in = {STORE_CODEC_L16, (uint8_t *)samples, 10};
	uint8_t *out;
	size_t n;
	assert_int_equal(store_wav_build(&in, &out, &n), 0);
	img m;
	riff(&m);
	fmt(&m, 1, 1, 8000, 16);
	data(&m, samples, 10);
	fin(&m);
	assert_int_equal(n, m.n);
	assert_memory_equal(out, m.b, n);
	free(out);

	/* G.711: fmt with cbSize, a fact chunk, odd data padded; it parses back. */
	for (int c = STORE_CODEC_PCMU; c <= STORE_CODEC_PCMA; c++) {
		store_audio g = {(store_codec)c, (uint8_t *)samples, 9};
		assert_int_equal(store_wav_build(&g, &out, &n), 0);
		assert_int_equal(n, 12 + 8 + 18 + 12 + 8 + 10);
		assert_int_equal(n % 2, 0);
		assert_memory_equal(out + 12, "fmt \x12\x00\x00\x00", 8);
		assert_int_equal(out[20], c == STORE_CODEC_PCMU ? 7 : 6);
		assert_memory_equal(out + 38, "fact\x04\x00\x00\x00\x09\x00\x00\x00", 12);
		store_audio back;
		assert_int_equal(store_wav_parse(out, n, &back, NULL, NULL), 0);
		assert_int_equal(back.codec, c);
		assert_int_equal(back.len, 9);
		assert_memory_equal(back.data, samples, 9);
		store_audio_free(&back);
		free(out);
	}
	store_audio badc = {(store_codec)5, (uint8_t *)samples, 2};
	assert_int_equal(store_wav_build(&badc, &out, &n), OPENUM_EINVAL);
	store_audio nodata = {STORE_CODEC_PCMU, NULL, 2};
	assert_int_equal(store_wav_build(&nodata, &out, &n), OPENUM_EINVAL);
}

static void test_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/openum-wav.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/x.wav", dir);
	uint8_t pcm[2000];
	for (size_t i = 0; i < sizeof(pcm); i++)
		pcm[i] = (uint8_t)(i * 31);
	store_audio in = {STORE_CODEC_L16, pcm, sizeof(pcm)};
	const char *why = NULL;
	assert_int_equal(store_wav_write_file(path, &in, &why), 0);
	store_audio back;
	store_wav_fmt f;
	assert_int_equal(store_wav_read_file(path, &back, &f, &why), 0);
	assert_int_equal(back.codec, STORE_CODEC_L16);
	assert_int_equal(back.len, sizeof(pcm));
	assert_memory_equal(back.data, pcm, sizeof(pcm));
	assert_int_equal(f.bits, 16);
	store_audio_free(&back);
	unlink(path);
	assert_int_equal(store_wav_read_file(path, &back, NULL, &why), OPENUM_EIO);
	assert_string_equal(why, "file not found");
	char nodir[96];
	snprintf(nodir, sizeof(nodir), "%s/missing/x.wav", dir);
	assert_int_equal(store_wav_write_file(nodir, &in, &why), OPENUM_EIO);
	assert_string_equal(why, "cannot create file");
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_handmade),  cmocka_unit_test(test_parse_refuses),
	    cmocka_unit_test(test_parse_malformed), cmocka_unit_test(test_parse_variants),
	    cmocka_unit_test(test_build),           cmocka_unit_test(test_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
