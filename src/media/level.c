/* How loud the received audio is, frame by frame: enough to tell a prompt (sound, then
 * silence) from the quiet after it, so a scripted phone can wait for the UM server to
 * finish speaking instead of sleeping for a guessed time. Pure: the caller gives times. */
#include "media.h"

void media_level_feed(media_level *l, const int16_t *pcm, size_t n, uint64_t now_ms)
{
	if (!l || !pcm || !n)
		return;
	/* mean square against the threshold squared: no square root per frame */
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (uint64_t)((int32_t)pcm[i] * (int32_t)pcm[i]);
	uint64_t thr = (uint64_t)MEDIA_LEVEL_VOICED_RMS * MEDIA_LEVEL_VOICED_RMS;
	if (sum / n < thr)
		return;
	l->voiced_ms += n / (MEDIA_RATE / 1000);
	l->last_voiced_at = now_ms;
	l->voiced = true;
}

void media_level_feed_g711(media_level *l, media_codec c, const uint8_t *in, size_t n,
                           uint64_t now_ms)
{
	int16_t pcm[MEDIA_FRAME];
	while (n) {
		size_t k = n < MEDIA_FRAME ? n : MEDIA_FRAME;
		g711_decode(c, in, k, pcm);
		media_level_feed(l, pcm, k, now_ms);
		in += k;
		n -= k;
	}
}

bool media_level_heard(const media_level *l, uint64_t base_voiced_ms, unsigned speech_ms)
{
	return l && l->voiced_ms >= base_voiced_ms + speech_ms;
}

bool media_level_quiet(const media_level *l, uint64_t since_ms, uint64_t now_ms,
                       unsigned silence_ms)
{
	uint64_t from = since_ms;
	if (l && l->voiced && l->last_voiced_at > from)
		from = l->last_voiced_at;
	return now_ms >= from + silence_ms;
}

bool media_level_prompt_over(const media_level *l, uint64_t since_ms, uint64_t base_voiced_ms,
                             uint64_t now_ms, unsigned speech_ms, unsigned silence_ms)
{
	return l && media_level_heard(l, base_voiced_ms, speech_ms) && l->voiced &&
	       l->last_voiced_at >= since_ms && media_level_quiet(l, since_ms, now_ms, silence_ms);
}
