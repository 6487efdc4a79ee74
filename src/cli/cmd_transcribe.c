/* `openum transcribe`: speech-to-text of WAV files with the recogniser and model that
 * `openum um --transcribe` uses (src/transcribe), so that operators can try a model
 * (and its settings) on their own recordings before turning transcription on. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "cli.h"
#include "media/media.h"
#include "transcribe/transcribe.h"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: openum transcribe [OPTIONS] FILE.wav...\n"
	    "\n"
	    "Transcribes each WAV file (8 kHz mono PCM16, A-law or mu-law: what voice\n"
	    "messages are; convert others with e.g. `sox in.wav -r 8000 -c 1 out.wav`)\n"
	    "with PocketSphinx and prints its text, one line per file. The model is loaded\n"
	    "once. These are the settings of `openum um --transcribe` (docs/transcription.md).\n"
	    "\n"
	    "Options:\n"
	    "  --hmm DIR      acoustic model directory (default %s)\n"
	    "  --lm FILE      language model (default %s)\n"
	    "  --dict FILE    pronunciation dictionary (default %s)\n"
	    "  --mode MODE    upsample (default: 8 kHz interpolated to the model's 16 kHz)\n"
	    "                 or narrowband (fed at 8 kHz: -samprate 8000 -nfft 256)\n"
	    "  --stats        on standard error, per file: seconds of audio, CPU seconds\n"
	    "                 of recognition and their ratio (the real-time factor)\n"
	    "\n"
	    "Exit status: 0 every file transcribed, 1 a file or the model failed, 2 usage.\n"
	    "\n"
	    "Example:\n"
	    "  openum mailbox export alice@example.com 3 m.wav && openum transcribe m.wav\n",
	    TRANSCRIBE_DEFAULT_HMM, TRANSCRIBE_DEFAULT_LM, TRANSCRIBE_DEFAULT_DICT);
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run(int argc, char **argv)
{
	transcribe_model m = {0};
	bool stats = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *o = argv[i];
		if (strcmp(o, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(o, "--stats") == 0) {
			stats = true;
			continue;
		}
		if (i + 1 >= argc)
			return cli_bad_option("transcribe", o);
		const char *v = argv[++i];
		if (strcmp(o, "--hmm") == 0)
			m.hmm = v;
		else if (strcmp(o, "--lm") == 0)
			m.lm = v;
		else if (strcmp(o, "--dict") == 0)
			m.dict = v;
		else if (strcmp(o, "--mode") == 0) {
			if (transcribe_mode_parse(v, &m.mode) != 0) {
				fprintf(stderr,
				        "openum transcribe: --mode is upsample or narrowband\n");
				return CLI_EXIT_USAGE;
			}
		} else
			return cli_bad_option("transcribe", o);
	}
	if (i >= argc) {
		fprintf(stderr,
		        "openum transcribe: no WAV file given (see openum transcribe --help)\n");
		return CLI_EXIT_USAGE;
	}
	transcribe_decoder *d = NULL;
	const char *why = NULL;
	if (transcribe_decoder_new(&m, &d, &why) != 0) {
		fprintf(stderr, "openum transcribe: cannot load the model: %s\n", why);
		return CLI_EXIT_FAIL;
	}
	int rc = CLI_EXIT_OK;
	static char text[STORE_TRANSCRIPT_MAX];
	for (; i < argc; i++) {
		media_audio a = {0};
		if (media_wav_read(argv[i], &a, &why) != 0) {
			fprintf(stderr, "openum transcribe: %s: %s\n", argv[i], why);
			rc = CLI_EXIT_FAIL;
			continue;
		}
		double t0 = cpu_s();
		int err = transcribe_decoder_run(d, a.pcm, a.n, text, sizeof(text), &why);
		double cpu = cpu_s() - t0;
		double secs = a.n / (double)TRANSCRIBE_IN_RATE;
		media_audio_free(&a);
		if (err) {
			fprintf(stderr, "openum transcribe: %s: %s\n", argv[i], why);
			rc = CLI_EXIT_FAIL;
			continue;
		}
		printf("%s\n", text);
		fflush(stdout);
		if (stats)
			fprintf(stderr, "%s: %.2f s audio, %.2f s CPU, rtf %.3f\n", argv[i], secs,
			        cpu, secs > 0 ? cpu / secs : 0.0);
	}
	transcribe_decoder_free(d);
	return rc;
}

const cli_cmd cli_cmd_transcribe = {"transcribe", "speech-to-text of WAV files (PocketSphinx)", run,
                                    usage};
