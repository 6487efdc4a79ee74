/* transcribe: offline speech-to-text of voice messages with PocketSphinx (issue 9,
 * docs/transcription.md). Three parts: pure audio helpers (audio.c: G.711/L16 to PCM,
 * 8 kHz to 16 kHz), one decoder (decoder.c: a PocketSphinx instance, loaded once and
 * reused for many messages), and the queue of `openum um` (queue.c: worker threads
 * that read stored messages, decode them and write the transcript back).
 *
 * Contract:
 * - audio.c does no I/O and allocates only where it says so.
 * - A transcribe_decoder is used by one thread at a time (each worker owns one);
 *   loading it reads the model files (about a second and tens of MB): pay it once.
 * - The queue owns its threads and decoders; the store is the caller's and must
 *   outlive the queue. transcribe_queue_add is safe from any thread (the loop thread
 *   included: it only takes a mutex and signals), never blocks on decoding, and never
 *   touches the store. Workers use the synchronous store API (store.h allows it).
 *   A message's transcript goes PENDING -> DONE (text, possibly "") or FAILED (decoder
 *   missing or failing: logged as an error); the message itself is never changed.
 *   transcribe_queue_free stops the workers after the message each is on; queued
 *   messages stay PENDING in the store and the next start requeues them.
 * - Errors: 0 or a negative OPENUM_E* code; `why` (may be NULL) gets a static reason.
 */
#ifndef OPENUM_TRANSCRIBE_H
#define OPENUM_TRANSCRIBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"

/* Debian's pocketsphinx-en-us model (US English, 16 kHz acoustic model). */
#define TRANSCRIBE_DEFAULT_HMM "/usr/share/pocketsphinx/model/en-us/en-us"
#define TRANSCRIBE_DEFAULT_LM "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin"
#define TRANSCRIBE_DEFAULT_DICT "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
#define TRANSCRIBE_IN_RATE 8000 /* stored messages */
#define TRANSCRIBE_DEFAULT_WORKERS 1
#define TRANSCRIBE_WORKERS_MAX 16
#define TRANSCRIBE_QUEUE_MAX 100000 /* queued ids; beyond: left PENDING for the next start */
#define TRANSCRIBE_UPSAMPLE_TAPS 16 /* half-band interpolator: taps per side */

/* How 8 kHz audio meets the model. UPSAMPLE (default): interpolated to 16 kHz, the
 * rate the en-us model was trained at. NARROWBAND: fed at 8 kHz with -samprate 8000
 * -nfft 256 and the filter bank cut at 3.5 kHz (for 8 kHz models; with the 16 kHz
 * en-us model it recognises worse: docs/transcription.md has the measurement). */
typedef enum transcribe_mode {
	TRANSCRIBE_UPSAMPLE = 0,
	TRANSCRIBE_NARROWBAND = 1,
} transcribe_mode;
/* "upsample" / "narrowband" */
const char *transcribe_mode_name(transcribe_mode m);
int transcribe_mode_parse(const char *name, transcribe_mode *out);

typedef struct transcribe_model {
	const char *hmm;  /* acoustic model directory; NULL: TRANSCRIBE_DEFAULT_HMM */
	const char *lm;   /* language model; NULL: TRANSCRIBE_DEFAULT_LM */
	const char *dict; /* pronunciation dictionary; NULL: TRANSCRIBE_DEFAULT_DICT */
	transcribe_mode mode;
} transcribe_model;

/* ---- audio helpers (audio.c) ------------------------------------------------ */
/* Stored audio (8 kHz mu-law, A-law or L16) to 16-bit PCM: *pcm malloc'd (free()),
 * *n samples. OPENUM_ENOMEM; an empty message gives *pcm NULL, *n 0. */
int transcribe_pcm_from_audio(const store_audio *a, int16_t **pcm, size_t *n);
/* 8 kHz -> 16 kHz: out (2 * n samples) gets the input samples at even positions and
 * a windowed-sinc half-band interpolation between them (pass band flat to about
 * 3.4 kHz, nothing mirrored above 4 kHz), so the model hears no imaging. */
void transcribe_upsample(const int16_t *in, size_t n, int16_t *out);
/* Appends the words of hyp to text (cap bytes, always NUL-terminated) separated by one
 * space; a word that does not fit is dropped with all after it (text is never cut in
 * a word). Filler tokens of the recogniser ("<s>", "</s>", "<sil>", "[NOISE]", "++x++")
 * are skipped. Returns true when everything fitted. */
bool transcribe_text_append(char *text, size_t cap, const char *hyp);

/* ---- decoder (decoder.c) ------------------------------------------------------ */
typedef struct transcribe_decoder transcribe_decoder;

/* Loads the model (m NULL: defaults). OPENUM_ENOTFOUND (with why) when a model file
 * is missing, OPENUM_EIO when PocketSphinx refuses it. */
int transcribe_decoder_new(const transcribe_model *m, transcribe_decoder **out, const char **why);
/* Recognises n samples of 8 kHz PCM into text (cap bytes; "" for silence). Long audio
 * is cut into utterances at pauses the recogniser's voice activity detector finds. */
int transcribe_decoder_run(transcribe_decoder *d, const int16_t *pcm, size_t n, char *text,
                           size_t cap, const char **why);
void transcribe_decoder_free(transcribe_decoder *d); /* NULL ok */

/* ---- queue (queue.c) ---------------------------------------------------------- */
typedef struct transcribe_queue transcribe_queue;

typedef struct transcribe_queue_cfg {
	transcribe_model model;
	unsigned workers; /* decoders at once; 0: TRANSCRIBE_DEFAULT_WORKERS, at most _MAX */
	bool requeue;     /* at start, queue every message the store holds as PENDING */
} transcribe_queue_cfg;

typedef struct transcribe_queue_stats {
	uint64_t done, failed; /* transcripts written */
	unsigned queued;       /* waiting now */
	unsigned running;      /* being decoded now */
} transcribe_queue_stats;

/* Starts the workers; each loads its decoder in its own thread (a missing model is
 * logged and every message then goes FAILED). cfg is copied (its strings too). */
int transcribe_queue_new(store *st, const transcribe_queue_cfg *cfg, transcribe_queue **out,
                         const char **why);
/* Queues a stored message (its transcript should be PENDING already). A message
 * already queued is not queued twice. OPENUM_ETOOBIG when TRANSCRIBE_QUEUE_MAX are
 * waiting (the message stays PENDING), OPENUM_ENOMEM. */
int transcribe_queue_add(transcribe_queue *q, int64_t msg_id);
void transcribe_queue_stats_get(transcribe_queue *q, transcribe_queue_stats *out);
/* Stops and joins the workers (each finishes the message it is on). NULL ok. */
void transcribe_queue_free(transcribe_queue *q);

/* Decodes one stored message and writes its transcript (what a worker does; also
 * `openum mailbox transcribe`). d NULL: writes FAILED with why "no decoder". */
int transcribe_message(store *st, transcribe_decoder *d, int64_t msg_id, const char **why);

#endif
