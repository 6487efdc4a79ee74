/* mail/audio.c: the attachment of a voice-message e-mail, made from the stored audio:
 * a 16-bit PCM WAV file (G.711 decoded; what every mail client plays), or Opus in Ogg
 * through libopusenc (about a tenth of the size, for mailboxes that ask for it). */
#include <stdlib.h>
#include <string.h>

#include <opus/opusenc.h>

#include "mail.h"
#include "media/media.h"

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

/* The audio as 16-bit samples (malloc'd into *pcm). */
static int to_pcm(const store_audio *a, int16_t **pcm, size_t *n, const char **why)
{
	size_t cnt = a->codec == STORE_CODEC_L16 ? a->len / 2 : a->len;
	int16_t *p = malloc(cnt ? cnt * sizeof(*p) : 1);
	if (!p)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	if (a->codec == STORE_CODEC_L16) {
		for (size_t i = 0; i < cnt; i++)
			p[i] =
			    (int16_t)(uint16_t)(a->data[2 * i] | (unsigned)a->data[2 * i + 1] << 8);
	} else if (a->codec == STORE_CODEC_PCMU || a->codec == STORE_CODEC_PCMA) {
		g711_decode(a->codec == STORE_CODEC_PCMU ? MEDIA_PCMU : MEDIA_PCMA, a->data, cnt,
		            p);
	} else {
		free(p);
		return fail(why, "unknown audio codec", OPENUM_EINVAL);
	}
	*pcm = p;
	*n = cnt;
	return 0;
}

int mail_audio_wav(const store_audio *a, ou_buf *out, const char **why)
{
	int16_t *pcm;
	size_t n;
	int err = to_pcm(a, &pcm, &n, why);
	if (err)
		return err;
	err = media_wav_build(MEDIA_WAV_PCM16, pcm, n, out);
	free(pcm);
	return err ? fail(why, "cannot build the WAV file", err) : 0;
}

static int ogg_write(void *user, const unsigned char *p, opus_int32 len)
{
	ou_buf *out = user;
	return ou_buf_append(out, p, (size_t)len) == 0 ? 0 : 1;
}

static int ogg_close(void *user)
{
	(void)user;
	return 0;
}

int mail_audio_opus(const store_audio *a, ou_buf *out, const char **why)
{
	int16_t *pcm;
	size_t n;
	int err = to_pcm(a, &pcm, &n, why);
	if (err)
		return err;
	OggOpusComments *com = ope_comments_create();
	if (!com) {
		free(pcm);
		return fail(why, "out of memory", OPENUM_ENOMEM);
	}
	ope_comments_add(com, "TITLE", "voice message");
	OpusEncCallbacks cb = {ogg_write, ogg_close};
	int oe = 0;
	OggOpusEnc *enc = ope_encoder_create_callbacks(&cb, out, com, 8000, 1, 0, &oe);
	if (!enc) {
		ope_comments_destroy(com);
		free(pcm);
		return fail(why, "cannot start the Opus encoder", OPENUM_EIO);
	}
	ope_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
	ope_encoder_ctl(enc, OPUS_SET_BITRATE(16000));
	/* whole seconds at a time: the encoder buffers and resamples internally */
	for (size_t off = 0; oe == OPE_OK && off < n; off += 8000) {
		size_t k = n - off < 8000 ? n - off : 8000;
		oe = ope_encoder_write(enc, pcm + off, (int)k);
	}
	if (oe == OPE_OK)
		oe = ope_encoder_drain(enc);
	ope_encoder_destroy(enc);
	ope_comments_destroy(com);
	free(pcm);
	if (oe != OPE_OK || out->failed)
		return fail(why, "Opus encoding failed", OPENUM_EIO);
	return 0;
}
