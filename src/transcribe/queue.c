/* transcribe/queue.c: the transcription workers of `openum um`. The loop thread
 * queues the id of each message it stored; a few threads (each with its own decoder,
 * loaded once) take ids in order, read the message from the store, decode it and write
 * the transcript back. Decoding is CPU-bound and long (about a third of the message's
 * length on one core), so it never runs on the loop thread or libuv's pool, whose
 * threads the store's own requests need. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/base.h"
#include "../metrics/metrics.h"
#include "transcribe.h"

struct transcribe_queue {
	store *st;
	transcribe_queue_cfg cfg;
	char *hmm, *lm, *dict; /* copies behind cfg.model */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int64_t *ids; /* ring of queued ids */
	size_t cap, head, count;
	bool stop;
	unsigned nthreads;
	pthread_t threads[TRANSCRIBE_WORKERS_MAX];
	transcribe_queue_stats stats;
};

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int transcribe_message(store *st, transcribe_decoder *d, int64_t msg_id, const char **why)
{
	store_msg m;
	int err = store_msg_get(st, msg_id, &m, why);
	if (err)
		return err; /* deleted meanwhile (ENOTFOUND) or the store failed: stays as it is */
	char *text = calloc(1, STORE_TRANSCRIPT_MAX);
	int16_t *pcm = NULL;
	size_t n = 0;
	const char *w = NULL;
	if (!text)
		err = OPENUM_ENOMEM, w = "out of memory";
	else if (!d)
		err = OPENUM_ENOTFOUND, w = "no decoder (model not loaded)";
	else if ((err = transcribe_pcm_from_audio(&m.audio, &pcm, &n)) != 0)
		w = "out of memory";
	double t0 = cpu_s();
	if (!err)
		err = transcribe_decoder_run(d, pcm, n, text, STORE_TRANSCRIPT_MAX, &w);
	double cpu = cpu_s() - t0;
	free(pcm);
	store_msg_clear(&m);
	const char *swhy = NULL;
	int serr = store_msg_set_transcript(st, msg_id,
	                                    err ? STORE_TRANSCRIPT_FAILED : STORE_TRANSCRIPT_DONE,
	                                    err ? "" : text, &swhy);
	if (err)
		ou_log(OU_LOG_ERROR, "transcribe", "message %lld: transcription failed: %s",
		       (long long)msg_id, w ? w : "error");
	else
		ou_log(OU_LOG_INFO, "transcribe",
		       "message %lld: transcribed %.2f s of audio in %.2f s CPU (rtf %.2f): %zu "
		       "characters",
		       (long long)msg_id, n / (double)TRANSCRIBE_IN_RATE, cpu,
		       n ? cpu / (n / (double)TRANSCRIBE_IN_RATE) : 0.0, strlen(text));
	if (serr)
		ou_log(OU_LOG_WARN, "transcribe", "message %lld: transcript not stored: %s",
		       (long long)msg_id, swhy ? swhy : "error");
	free(text);
	if (err) {
		if (why)
			*why = w;
		return err;
	}
	if (serr && why)
		*why = swhy;
	return serr;
}

static int push(transcribe_queue *q, int64_t id)
{
	for (size_t i = 0; i < q->count; i++)
		if (q->ids[(q->head + i) % q->cap] == id)
			return 0; /* already waiting */
	if (q->count >= TRANSCRIBE_QUEUE_MAX)
		return OPENUM_ETOOBIG;
	if (q->count == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		int64_t *a = malloc(cap * sizeof(*a));
		if (!a)
			return OPENUM_ENOMEM;
		for (size_t i = 0; i < q->count; i++)
			a[i] = q->ids[(q->head + i) % q->cap];
		free(q->ids);
		q->ids = a;
		q->cap = cap;
		q->head = 0;
	}
	q->ids[(q->head + q->count) % q->cap] = id;
	q->count++;
	pthread_cond_signal(&q->cv);
	return 0;
}

int transcribe_queue_add(transcribe_queue *q, int64_t msg_id)
{
	pthread_mutex_lock(&q->mu);
	int err = push(q, msg_id);
	pthread_mutex_unlock(&q->mu);
	if (err)
		ou_log(OU_LOG_WARN, "transcribe",
		       "message %lld not queued (%s): it stays pending until the next start",
		       (long long)msg_id, err == OPENUM_ETOOBIG ? "queue full" : "out of memory");
	return err;
}

/* The messages a crash (or a stop) left pending. */
static void requeue(transcribe_queue *q)
{
	int64_t *ids = NULL;
	size_t n = 0;
	const char *why = NULL;
	if (store_msg_transcript_pending(q->st, &ids, &n, &why) != 0) {
		ou_log(OU_LOG_WARN, "transcribe", "cannot list pending transcripts: %s",
		       why ? why : "error");
		return;
	}
	size_t queued = 0;
	pthread_mutex_lock(&q->mu);
	for (size_t i = 0; i < n; i++)
		if (push(q, ids[i]) == 0)
			queued++;
	pthread_mutex_unlock(&q->mu);
	free(ids);
	if (n)
		ou_log(OU_LOG_INFO, "transcribe", "requeued %zu pending message(s) of %zu", queued,
		       n);
}

typedef struct worker_arg {
	transcribe_queue *q;
	unsigned index;
} worker_arg;

static void *worker(void *arg)
{
	transcribe_queue *q = ((worker_arg *)arg)->q;
	unsigned index = ((worker_arg *)arg)->index;
	free(arg);
	if (index == 0 && q->cfg.requeue)
		requeue(q);
	transcribe_decoder *d = NULL;
	const char *why = NULL;
	if (transcribe_decoder_new(&q->cfg.model, &d, &why) != 0)
		ou_log(OU_LOG_ERROR, "transcribe",
		       "worker %u: cannot load the speech model (hmm %s, lm %s, dict %s): %s; "
		       "messages will be marked failed",
		       index, q->hmm ? q->hmm : TRANSCRIBE_DEFAULT_HMM,
		       q->lm ? q->lm : TRANSCRIBE_DEFAULT_LM,
		       q->dict ? q->dict : TRANSCRIBE_DEFAULT_DICT, why ? why : "error");
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->stop && !q->count)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->stop)
			break;
		int64_t id = q->ids[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
		q->stats.running++;
		pthread_mutex_unlock(&q->mu);

		store_transcript_state ts = STORE_TRANSCRIPT_NONE;
		int err = store_msg_get_transcript(q->st, id, &ts, NULL, &why);
		/* only what is still pending: another UM server sharing the store, or an
		 * operator, may have done it meanwhile */
		if (!err && ts == STORE_TRANSCRIPT_PENDING)
			err = transcribe_message(q->st, d, id, &why);
		else if (!err)
			err = 1; /* not counted */

		pthread_mutex_lock(&q->mu);
		q->stats.running--;
		if (err == 0) {
			q->stats.done++;
			metrics_inc(MET_TRANSCRIPTS_DONE);
		} else if (err < 0) {
			q->stats.failed++;
			metrics_inc(MET_TRANSCRIPTS_FAILED);
		}
	}
	pthread_mutex_unlock(&q->mu);
	transcribe_decoder_free(d);
	return NULL;
}

static char *dup_or_null(const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *c = strdup(s);
	if (!c)
		*oom = true;
	return c;
}

int transcribe_queue_new(store *st, const transcribe_queue_cfg *cfg, transcribe_queue **out,
                         const char **why)
{
	transcribe_queue *q = calloc(1, sizeof(*q));
	if (!q)
		goto oom;
	q->st = st;
	q->cfg = *cfg;
	bool nomem = false;
	q->hmm = dup_or_null(cfg->model.hmm, &nomem);
	q->lm = dup_or_null(cfg->model.lm, &nomem);
	q->dict = dup_or_null(cfg->model.dict, &nomem);
	q->cfg.model.hmm = q->hmm;
	q->cfg.model.lm = q->lm;
	q->cfg.model.dict = q->dict;
	if (nomem)
		goto oom;
	unsigned n = cfg->workers ? cfg->workers : TRANSCRIBE_DEFAULT_WORKERS;
	if (n > TRANSCRIBE_WORKERS_MAX)
		n = TRANSCRIBE_WORKERS_MAX;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	for (unsigned i = 0; i < n; i++) {
		worker_arg *a = malloc(sizeof(*a));
		if (a)
			*a = (worker_arg){q, i};
		if (!a || pthread_create(&q->threads[i], NULL, worker, a) != 0) {
			free(a);
			transcribe_queue_free(q);
			if (why)
				*why = "cannot start a transcription thread";
			return OPENUM_EIO;
		}
		q->nthreads++;
	}
	*out = q;
	return 0;
oom:
	if (q) {
		free(q->hmm);
		free(q->lm);
		free(q->dict);
		free(q);
	}
	if (why)
		*why = "out of memory";
	return OPENUM_ENOMEM;
}

void transcribe_queue_stats_get(transcribe_queue *q, transcribe_queue_stats *out)
{
	pthread_mutex_lock(&q->mu);
	*out = q->stats;
	out->queued = (unsigned)q->count;
	pthread_mutex_unlock(&q->mu);
}

void transcribe_queue_free(transcribe_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	for (unsigned i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->ids);
	free(q->hmm);
	free(q->lm);
	free(q->dict);
	free(q);
}
