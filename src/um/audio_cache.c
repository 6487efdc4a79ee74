/* The server's shared audio: one media_sound per mailbox greeting and per message that
 * calls are playing, so 2,000 callers hearing the same greeting hold one copy, not
 * 2,000. An entry lives while a call holds it: the cache keeps one reference and drops
 * it (freeing the sound) when the last call releases its own. Greetings can change
 * under the server (`openum mailbox greeting` is another process), so a greeting entry
 * older than UM_GREETING_RECHECK_MS is not handed out: the call reads the store again
 * and um_audio_cache_put keeps the entry if the bytes are the same, or replaces it (the
 * old sound stays alive for the calls still playing it). Messages never change once
 * recorded. Loop thread only. */
#include <stdlib.h>
#include <string.h>

#include "server_int.h"

static unsigned bucket(um_audio_kind k, int64_t id)
{
	uint64_t h = ((uint64_t)id * 2 + (uint64_t)k) * 0x9E3779B97F4A7C15u;
	return (unsigned)(h >> 54) % UM_AUDIO_BUCKETS;
}

static um_audio_entry **find(um_audio_cache *c, um_audio_kind k, int64_t id)
{
	um_audio_entry **p = &c->b[bucket(k, id)];
	while (*p && ((*p)->kind != k || (*p)->id != id))
		p = &(*p)->next;
	return p;
}

static void drop(um_audio_cache *c, um_audio_entry **p)
{
	um_audio_entry *e = *p;
	*p = e->next;
	media_sound_unref(e->snd);
	free(e);
	c->n--;
}

media_sound *um_audio_cache_get(um_audio_cache *c, um_audio_kind k, int64_t id, uint64_t now_ms)
{
	um_audio_entry *e = *find(c, k, id);
	if (!e)
		return NULL;
	if (k == UM_AUDIO_GREETING && now_ms - e->checked_ms >= UM_GREETING_RECHECK_MS)
		return NULL;
	c->hits++;
	return media_sound_ref(e->snd);
}

/* The store's audio as mu-law bytes in a new sound. */
static int to_sound(const store_audio *a, media_sound **out)
{
	if (a->codec == STORE_CODEC_PCMU)
		return media_sound_new(a->data, a->len, out);
	if (a->codec == STORE_CODEC_PCMA)
		return media_sound_from(MEDIA_PCMA, a->data, a->len, out);
	size_t n = a->len / 2;
	int16_t *pcm = malloc((n ? n : 1) * sizeof(*pcm));
	if (!pcm)
		return OPENUM_ENOMEM;
	for (size_t i = 0; i < n; i++) /* L16 in the store is little-endian */
		pcm[i] = (int16_t)(a->data[2 * i] | (a->data[2 * i + 1] << 8));
	int err = media_sound_from_pcm(pcm, n, out);
	free(pcm);
	return err;
}

media_sound *um_audio_cache_put(um_audio_cache *c, um_audio_kind k, int64_t id,
                                const store_audio *a, uint64_t now_ms)
{
	media_sound *fresh;
	if (to_sound(a, &fresh) != 0)
		return NULL;
	um_audio_entry **p = find(c, k, id);
	um_audio_entry *e = *p;
	if (e && media_sound_len(e->snd) == media_sound_len(fresh) &&
	    !memcmp(media_sound_data(e->snd), media_sound_data(fresh), media_sound_len(fresh))) {
		/* unchanged: every call keeps sharing the one copy */
		media_sound_unref(fresh);
		e->checked_ms = now_ms;
		c->hits++;
		return media_sound_ref(e->snd);
	}
	if (e) { /* changed: new calls get the new audio, the old goes with its last call */
		media_sound_unref(e->snd);
		e->snd = fresh;
		e->checked_ms = now_ms;
		c->replaced++;
		return media_sound_ref(fresh);
	}
	e = malloc(sizeof(*e));
	if (!e)
		return fresh; /* not shared, still playable: the caller's reference */
	e->kind = k;
	e->id = id;
	e->snd = fresh;
	e->checked_ms = now_ms;
	e->next = NULL;
	*p = e;
	c->n++;
	return media_sound_ref(fresh);
}

void um_audio_cache_release(um_audio_cache *c, um_audio_kind k, int64_t id, media_sound *snd)
{
	if (!snd)
		return;
	um_audio_entry **p = find(c, k, id);
	bool current = *p && (*p)->snd == snd;
	media_sound_unref(snd);
	/* nobody but the cache holds it any more */
	if (current && media_sound_refs(snd) == 1)
		drop(c, p);
}

void um_audio_cache_forget(um_audio_cache *c, um_audio_kind k, int64_t id)
{
	um_audio_entry **p = find(c, k, id);
	if (*p)
		drop(c, p);
}

void um_audio_cache_clear(um_audio_cache *c)
{
	for (unsigned i = 0; i < UM_AUDIO_BUCKETS; i++)
		while (c->b[i])
			drop(c, &c->b[i]);
}
