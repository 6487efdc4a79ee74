/* Shared audio: immutable G.711 mu-law bytes with a reference count, so a greeting or
 * a prompt played to many calls at once is one copy in memory. The count is atomic (a
 * sound may be released on another thread than the one that made it); the bytes are
 * never written after creation, so readers need no lock. The last unref frees it. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "media.h"

struct media_sound {
	atomic_uint refs;
	size_t n;
	uint8_t data[];
};

static media_sound *sound_alloc(size_t n)
{
	if (n > SIZE_MAX - sizeof(media_sound))
		return NULL;
	media_sound *s = malloc(sizeof(*s) + n);
	if (!s)
		return NULL;
	atomic_init(&s->refs, 1);
	s->n = n;
	return s;
}

int media_sound_new(const uint8_t *ulaw, size_t n, media_sound **out)
{
	if (!out || (!ulaw && n))
		return OPENUM_EINVAL;
	media_sound *s = sound_alloc(n);
	if (!s)
		return OPENUM_ENOMEM;
	if (n)
		memcpy(s->data, ulaw, n);
	*out = s;
	return 0;
}

int media_sound_from(media_codec enc, const uint8_t *g711, size_t n, media_sound **out)
{
	if (enc == MEDIA_PCMU)
		return media_sound_new(g711, n, out);
	if (enc != MEDIA_PCMA || !out || (!g711 && n))
		return OPENUM_EINVAL;
	media_sound *s = sound_alloc(n);
	if (!s)
		return OPENUM_ENOMEM;
	for (size_t i = 0; i < n; i++)
		s->data[i] = g711_ulaw_encode(g711_alaw_decode(g711[i]));
	*out = s;
	return 0;
}

int media_sound_from_pcm(const int16_t *pcm, size_t n, media_sound **out)
{
	if (!out || (!pcm && n))
		return OPENUM_EINVAL;
	media_sound *s = sound_alloc(n);
	if (!s)
		return OPENUM_ENOMEM;
	g711_encode(MEDIA_PCMU, pcm, n, s->data);
	*out = s;
	return 0;
}

media_sound *media_sound_ref(media_sound *s)
{
	if (s)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void media_sound_unref(media_sound *s)
{
	/* release/acquire: every reader's last access happens before the free */
	if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
		free(s);
}

const uint8_t *media_sound_data(const media_sound *s)
{
	return s->data;
}

size_t media_sound_len(const media_sound *s)
{
	return s->n;
}

unsigned media_sound_refs(const media_sound *s)
{
	return atomic_load_explicit(&s->refs, memory_order_relaxed);
}
