/* transcribe/decoder.c: one PocketSphinx decoder (0.8+5prealpha API: cmd_ln config,
 * ps_start_utt / ps_process_raw / ps_end_utt / ps_get_hyp). Loaded once per worker
 * and reused for every message. PocketSphinx's own log goes to ou_log (warnings and
 * errors only). */
#include <sphinxbase/err.h>
#include <pocketsphinx.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/base.h"
#include "transcribe.h"

struct transcribe_decoder {
	ps_decoder_t *ps;
	transcribe_mode mode;
};

/* sphinxbase's log callback: its warnings and errors become our log lines */
static void ps_log(void *user, err_lvl_t lvl, const char *fmt, ...)
{
	(void)user;
	if (lvl != ERR_WARN && lvl != ERR_ERROR && lvl != ERR_FATAL)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	line[strcspn(line, "\n")] = '\0';
	if (line[0])
		ou_log(lvl == ERR_WARN ? OU_LOG_DEBUG : OU_LOG_WARN, "transcribe",
		       "pocketsphinx: %s", line);
}

static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static void log_setup(void)
{
	err_set_logfp(NULL); /* no configuration dump on standard error */
	err_set_callback(ps_log, NULL);
}

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

/* PocketSphinx exits the process on some unreadable model files: look first. */
static bool readable(const char *dir, const char *name)
{
	char p[1024];
	if ((size_t)snprintf(p, sizeof(p), "%s%s%s", dir, name ? "/" : "", name ? name : "") >=
	    sizeof(p))
		return false;
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && access(p, R_OK) == 0;
}

int transcribe_decoder_new(const transcribe_model *m, transcribe_decoder **out, const char **why)
{
	transcribe_model dm = {0};
	if (!m)
		m = &dm;
	const char *hmm = m->hmm ? m->hmm : TRANSCRIBE_DEFAULT_HMM;
	const char *lm = m->lm ? m->lm : TRANSCRIBE_DEFAULT_LM;
	const char *dict = m->dict ? m->dict : TRANSCRIBE_DEFAULT_DICT;
	static const char *const hmm_files[] = {"mdef", "means", "variances",
	                                        "transition_matrices"};
	for (size_t i = 0; i < sizeof(hmm_files) / sizeof(hmm_files[0]); i++)
		if (!readable(hmm, hmm_files[i]))
			return fail(why, "acoustic model (hmm) directory missing or incomplete",
			            OPENUM_ENOTFOUND);
	if (!readable(lm, NULL))
		return fail(why, "language model file missing", OPENUM_ENOTFOUND);
	if (!readable(dict, NULL))
		return fail(why, "dictionary file missing", OPENUM_ENOTFOUND);
	pthread_once(&log_once, log_setup);

	transcribe_decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	d->mode = m->mode;
	cmd_ln_t *cfg;
	if (m->mode == TRANSCRIBE_NARROWBAND)
		/* telephone band: a 256-point FFT at 8 kHz, the mel filters below 3.5 kHz */
		cfg = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-lm", lm, "-dict", dict,
		                  "-samprate", "8000", "-nfft", "256", "-upperf", "3500", NULL);
	else
		cfg =
		    cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-lm", lm, "-dict", dict, NULL);
	if (!cfg) {
		free(d);
		return fail(why, "pocketsphinx refused the configuration", OPENUM_EIO);
	}
	d->ps = ps_init(cfg);
	cmd_ln_free_r(cfg); /* the decoder holds its own reference */
	if (!d->ps) {
		free(d);
		return fail(why, "pocketsphinx could not load the model", OPENUM_EIO);
	}
	*out = d;
	return 0;
}

void transcribe_decoder_free(transcribe_decoder *d)
{
	if (!d)
		return;
	if (d->ps)
		ps_free(d->ps);
	free(d);
}

/* Ends the utterance and appends its words. */
static int end_utt(transcribe_decoder *d, char *text, size_t cap, const char **why)
{
	if (ps_end_utt(d->ps) < 0)
		return fail(why, "pocketsphinx failed to end an utterance", OPENUM_EIO);
	int32 score;
	const char *hyp = ps_get_hyp(d->ps, &score);
	(void)transcribe_text_append(text, cap, hyp); /* a full text drops the rest */
	return 0;
}

int transcribe_decoder_run(transcribe_decoder *d, const int16_t *pcm, size_t n, char *text,
                           size_t cap, const char **why)
{
	if (!cap)
		return fail(why, "no room for the text", OPENUM_EINVAL);
	text[0] = '\0';
	/* the whole message at the model's rate at once: the interpolator then sees
	 * its neighbours across every block edge (2 bytes x 16000 per second: 9.6 MB for
	 * the default 5-minute maximum) */
	int16_t *up = NULL;
	if (d->mode == TRANSCRIBE_UPSAMPLE && n) {
		up = malloc(2 * n * sizeof(*up));
		if (!up)
			return fail(why, "out of memory", OPENUM_ENOMEM);
		transcribe_upsample(pcm, n, up);
		pcm = up;
		n *= 2;
	}
	/* One utterance with full_utt: cepstral mean normalisation then runs over the
	 * whole message (batch CMN), which recognised clearly better than live CMN on
	 * short messages; the voice activity detector still skips the silences. */
	if (ps_start_utt(d->ps) < 0) {
		free(up);
		return fail(why, "pocketsphinx failed to start an utterance", OPENUM_EIO);
	}
	if (n && ps_process_raw(d->ps, pcm, n, FALSE, TRUE) < 0) {
		(void)ps_end_utt(d->ps);
		free(up);
		return fail(why, "pocketsphinx failed on the audio", OPENUM_EIO);
	}
	free(up);
	return end_utt(d, text, cap, why);
}
