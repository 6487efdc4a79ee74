/* transcribe/audio.c: what happens to a stored message before the recogniser hears
 * it (G.711 or L16 to PCM, 8 kHz to the model's 16 kHz) and to the words after it
 * (filler tokens dropped, text cut only between words). Pure functions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../media/media.h"
#include "transcribe.h"

const char *transcribe_mode_name(transcribe_mode m)
{
	return m == TRANSCRIBE_NARROWBAND ? "narrowband"
	       : m == TRANSCRIBE_UPSAMPLE ? "upsample"
	                                  : "?";
}

int transcribe_mode_parse(const char *name, transcribe_mode *out)
{
	if (name && strcmp(name, "upsample") == 0)
		*out = TRANSCRIBE_UPSAMPLE;
	else if (name && strcmp(name, "narrowband") == 0)
		*out = TRANSCRIBE_NARROWBAND;
	else
		return OPENUM_EINVAL;
	return 0;
}

int transcribe_pcm_from_audio(const store_audio *a, int16_t **pcm, size_t *n)
{
	size_t k = a->codec == STORE_CODEC_L16 ? a->len / 2 : a->len;
	*pcm = NULL;
	*n = 0;
	if (!k || !a->data)
		return 0;
	int16_t *p = malloc(k * sizeof(*p));
	if (!p)
		return OPENUM_ENOMEM;
	if (a->codec == STORE_CODEC_L16)
		for (size_t i = 0; i < k; i++)
			p[i] = (int16_t)(a->data[2 * i] | (a->data[2 * i + 1] << 8));
	else
		g711_decode(a->codec == STORE_CODEC_PCMA ? MEDIA_PCMA : MEDIA_PCMU, a->data, k, p);
	*pcm = p;
	*n = k;
	return 0;
}

/* The odd-phase coefficients of a half-band low-pass (cut-off at a quarter of the
 * output rate): the ideal one is sin(pi t) / (pi t) at t = k + 1/2, shaped by a
 * Blackman window over 2 * TAPS points and scaled so that a constant passes
 * unchanged. */
static void halfband(double c[TRANSCRIBE_UPSAMPLE_TAPS])
{
	const int taps = TRANSCRIBE_UPSAMPLE_TAPS;
	double sum = 0;
	for (int k = 0; k < taps; k++) {
		double t = k + 0.5;
		double ideal = sin(M_PI * t) / (M_PI * t);
		/* window position: 0 at the centre, 1 at the outermost tap pair */
		double x = t / (taps + 0.5);
		double w = 0.42 + 0.5 * cos(M_PI * x) + 0.08 * cos(2 * M_PI * x);
		c[k] = ideal * w;
		sum += 2 * c[k];
	}
	for (int k = 0; k < taps; k++)
		c[k] /= sum;
}

void transcribe_upsample(const int16_t *in, size_t n, int16_t *out)
{
	double c[TRANSCRIBE_UPSAMPLE_TAPS];
	halfband(c);
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = in[i];
		/* the sample half-way between in[i] and in[i + 1]; zeros beyond the ends */
		double acc = 0;
		for (size_t k = 0; k < TRANSCRIBE_UPSAMPLE_TAPS; k++) {
			double l = k <= i ? in[i - k] : 0;
			double r = i + 1 + k < n ? in[i + 1 + k] : 0;
			acc += c[k] * (l + r);
		}
		long v = lround(acc);
		out[2 * i + 1] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
}

static bool filler(const char *w, size_t n)
{
	if (n >= 2 && w[0] == '<' && w[n - 1] == '>')
		return true; /* <s> </s> <sil> */
	if (n >= 2 && w[0] == '[' && w[n - 1] == ']')
		return true; /* [NOISE] [BREATH] */
	if (n >= 4 && w[0] == '+' && w[1] == '+')
		return true; /* ++UH++ */
	return false;
}

bool transcribe_text_append(char *text, size_t cap, const char *hyp)
{
	if (!cap)
		return false;
	size_t len = strnlen(text, cap);
	if (len == cap) { /* not terminated: make it so */
		text[0] = '\0';
		len = 0;
	}
	const char *p = hyp ? hyp : "";
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		size_t n = strcspn(p, " \t\r\n");
		if (!n)
			break;
		/* "word(2)": the dictionary's alternative pronunciation; the word is the same */
		size_t w = n;
		if (w > 3 && p[w - 1] == ')') {
			size_t o = w - 2;
			while (o > 0 && p[o] >= '0' && p[o] <= '9')
				o--;
			if (o > 0 && o < w - 2 && p[o] == '(')
				w = o;
		}
		if (!filler(p, w)) {
			size_t need = (len ? 1 : 0) + w;
			if (len + need >= cap)
				return false;
			if (len)
				text[len++] = ' ';
			memcpy(text + len, p, w);
			len += w;
			text[len] = '\0';
		}
		p += n;
	}
	return true;
}
