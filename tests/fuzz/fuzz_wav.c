/* libFuzzer harness for the WAV reader: the data slice lies inside the input and holds
 * whole samples of a supported format, and decoding then re-encoding the samples gives
 * a file that parses to the same audio.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"
#include "fuzz_util.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void decode(const media_wav_info *w, int16_t *pcm)
{
	if (w->format == MEDIA_WAV_PCM16)
		for (size_t i = 0; i < w->samples; i++)
			pcm[i] = (int16_t)le16(w->data + 2 * i);
	else
		g711_decode(w->format == MEDIA_WAV_ALAW ? MEDIA_PCMA : MEDIA_PCMU, w->data,
		            w->samples, pcm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	media_wav_info w;
	const char *why = NULL;
	int rc = media_wav_parse(buf, size, &w, &why);
	if (rc == 0) {
		CHECK(w.data >= buf && w.data_len <= size && w.data <= buf + size - w.data_len);
		CHECK(w.format == MEDIA_WAV_PCM16 || w.format == MEDIA_WAV_ALAW ||
		      w.format == MEDIA_WAV_ULAW);
		CHECK(w.rate == MEDIA_RATE && w.channels == 1);
		size_t bps = w.format == MEDIA_WAV_PCM16 ? 2 : 1;
		CHECK(w.data_len == w.samples * bps);
		int16_t *pcm = malloc(w.samples * 2 + 2);
		int16_t *pcm2 = malloc(w.samples * 2 + 2);
		CHECK(pcm && pcm2);
		decode(&w, pcm);
		ou_buf b;
		ou_buf_init(&b);
		CHECK(media_wav_build(w.format, pcm, w.samples, &b) == 0);
		media_wav_info w2;
		CHECK(media_wav_parse((const uint8_t *)b.data, b.len, &w2, NULL) == 0);
		CHECK(w2.format == w.format && w2.samples == w.samples);
		decode(&w2, pcm2);
		CHECK(memcmp(pcm, pcm2, w.samples * 2) == 0);
		ou_buf_free(&b);
		free(pcm);
		free(pcm2);
	} else {
		CHECK((rc == OPENUM_EBADMSG || rc == OPENUM_EINVAL) && why);
	}
	free(buf);
	return 0;
}
