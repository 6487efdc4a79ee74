/* Tests for src/um/audio_cache.c and the shared sounds under it: calls playing the same
 * greeting share one copy; a greeting whose bytes changed in the store replaces the
 * entry for new calls while the old sound lives on for the calls still playing it; the
 * entry and its memory go with the last call; a greeting is read again after
 * UM_GREETING_RECHECK_MS, a message never. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "um/server_int.h"

static void test_sound_refs(void **state)
{
	(void)state;
	uint8_t a[4] = {1, 2, 3, 4};
	media_sound *s;
	assert_int_equal(media_sound_new(a, sizeof(a), &s), 0);
	a[0] = 9; /* a copy: the caller's buffer can go */
	assert_int_equal(media_sound_len(s), 4);
	assert_int_equal(media_sound_data(s)[0], 1);
	assert_int_equal(media_sound_refs(s), 1);
	assert_ptr_equal(media_sound_ref(s), s);
	assert_int_equal(media_sound_refs(s), 2);
	media_sound_unref(s);
	assert_int_equal(media_sound_refs(s), 1);
	media_sound_unref(s); /* freed: ASan reports a leak or a double free otherwise */
	media_sound_unref(NULL);
	assert_int_equal(media_sound_new(NULL, 1, &s), OPENUM_EINVAL);

	/* A-law and PCM become mu-law */
	int16_t pcm[2] = {1000, -1000};
	uint8_t al[2] = {g711_alaw_encode(1000), g711_alaw_encode(-1000)};
	media_sound *p, *q;
	assert_int_equal(media_sound_from_pcm(pcm, 2, &p), 0);
	assert_int_equal(media_sound_from(MEDIA_PCMA, al, 2, &q), 0);
	assert_int_equal(media_sound_data(p)[0], g711_ulaw_encode(1000));
	assert_int_equal(media_sound_data(q)[1], g711_ulaw_encode(g711_alaw_decode(al[1])));
	media_sound_unref(p);
	media_sound_unref(q);
}

static store_audio audio(uint8_t *buf, size_t n, uint8_t v)
{
	memset(buf, v, n);
	return (store_audio){.codec = STORE_CODEC_PCMU, .data = buf, .len = n};
}

static void test_shared_greeting(void **state)
{
	(void)state;
	static um_audio_cache c; /* zeroed: empty */
	uint8_t b1[800], b2[800];
	store_audio g1 = audio(b1, sizeof(b1), 0x11);

	/* nothing cached: the first call reads the store and puts */
	assert_null(um_audio_cache_get(&c, UM_AUDIO_GREETING, 7, 1000));
	media_sound *call1 = um_audio_cache_put(&c, UM_AUDIO_GREETING, 7, &g1, 1000);
	assert_non_null(call1);
	assert_int_equal(c.n, 1);
	/* the second call within the recheck time shares it without the store */
	media_sound *call2 = um_audio_cache_get(&c, UM_AUDIO_GREETING, 7, 1500);
	assert_ptr_equal(call2, call1);
	/* a third call past the recheck time reads the store: same bytes, same sound */
	assert_null(um_audio_cache_get(&c, UM_AUDIO_GREETING, 7, 1000 + UM_GREETING_RECHECK_MS));
	store_audio g1b = audio(b2, sizeof(b2), 0x11);
	media_sound *call3 =
	    um_audio_cache_put(&c, UM_AUDIO_GREETING, 7, &g1b, 1000 + UM_GREETING_RECHECK_MS);
	assert_ptr_equal(call3, call1);
	assert_int_equal(media_sound_refs(call1), 4); /* the cache and three calls */

	/* the owner records a new greeting: the next call gets it, the others keep theirs */
	store_audio g2 = audio(b2, sizeof(b2), 0x22);
	media_sound *call4 = um_audio_cache_put(&c, UM_AUDIO_GREETING, 7, &g2, 9000);
	assert_ptr_not_equal(call4, call1);
	assert_int_equal(media_sound_data(call4)[0], 0x22);
	assert_int_equal(media_sound_data(call1)[0], 0x11);
	assert_int_equal(c.replaced, 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(media_sound_refs(call1), 3); /* no longer the cache's */
	um_audio_cache_release(&c, UM_AUDIO_GREETING, 7, call1);
	um_audio_cache_release(&c, UM_AUDIO_GREETING, 7, call2);
	um_audio_cache_release(&c, UM_AUDIO_GREETING, 7, call3); /* the old sound is freed */
	assert_int_equal(c.n, 1);
	/* the last call of the new one lets go: the entry and the sound go */
	um_audio_cache_release(&c, UM_AUDIO_GREETING, 7, call4);
	assert_int_equal(c.n, 0);
	assert_null(um_audio_cache_get(&c, UM_AUDIO_GREETING, 7, 9001));
	um_audio_cache_clear(&c);
}

static void test_messages_and_kinds(void **state)
{
	(void)state;
	static um_audio_cache c;
	uint8_t b[320];
	/* an L16 message becomes mu-law */
	int16_t pcm[160];
	for (int i = 0; i < 160; i++)
		pcm[i] = (int16_t)(i * 100);
	for (int i = 0; i < 160; i++) {
		b[2 * i] = (uint8_t)pcm[i];
		b[2 * i + 1] = (uint8_t)((uint16_t)pcm[i] >> 8);
	}
	store_audio m = {.codec = STORE_CODEC_L16, .data = b, .len = sizeof(b)};
	media_sound *a = um_audio_cache_put(&c, UM_AUDIO_MESSAGE, 7, &m, 0);
	assert_non_null(a);
	assert_int_equal(media_sound_len(a), 160);
	assert_int_equal(media_sound_data(a)[99], g711_ulaw_encode(9900));
	/* message 7 and mailbox 7's greeting are different entries */
	assert_null(um_audio_cache_get(&c, UM_AUDIO_GREETING, 7, 0));
	/* a message never needs reading again */
	media_sound *a2 = um_audio_cache_get(&c, UM_AUDIO_MESSAGE, 7, 1u << 30);
	assert_ptr_equal(a2, a);
	/* many entries in one bucket chain and out again */
	media_sound *many[3000];
	uint8_t one[1] = {0};
	store_audio o = {.codec = STORE_CODEC_PCMU, .data = one, .len = 1};
	for (int i = 0; i < 3000; i++)
		assert_non_null(many[i] = um_audio_cache_put(&c, UM_AUDIO_GREETING, i, &o, 0));
	assert_int_equal(c.n, 3001);
	for (int i = 0; i < 3000; i++)
		um_audio_cache_release(&c, UM_AUDIO_GREETING, i, many[i]);
	assert_int_equal(c.n, 1);
	/* forget: the next call reads the store; the holders keep their sound */
	um_audio_cache_forget(&c, UM_AUDIO_MESSAGE, 7);
	assert_int_equal(c.n, 0);
	assert_int_equal(media_sound_refs(a), 2);
	um_audio_cache_release(&c, UM_AUDIO_MESSAGE, 7, a);
	um_audio_cache_release(&c, UM_AUDIO_MESSAGE, 7, a2);
	um_audio_cache_clear(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sound_refs),
	    cmocka_unit_test(test_shared_greeting),
	    cmocka_unit_test(test_messages_and_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
