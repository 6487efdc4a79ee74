/* mail/worker.c: drains the store's e-mail delivery queue. A libuv timer (and a kick
 * after each stored message) starts one job on the thread pool at a time; the job
 * claims due deliveries one by one (store_mailq_claim: a lease, so several UM servers
 * sharing a PostgreSQL store never send one twice), builds each e-mail from the store
 * at that moment (mail_compose) and sends it with libcurl. A failure is retried with
 * exponential back-off until max_attempts; the voice message itself is only read. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../metrics/metrics.h"
#include "mail.h"

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

unsigned mail_backoff_s(unsigned attempts, unsigned base_s, unsigned max_s)
{
	if (attempts < 1)
		attempts = 1;
	uint64_t s = base_s;
	for (unsigned i = 1; i < attempts && s < max_s; i++)
		s *= 2;
	return s > max_s ? max_s : (unsigned)s;
}

/* The name of the attachment: letters, digits, '.', '-' only (mime.c checks). */
static void attachment_name(const store_mailq *q, store_email_format f, char *out, size_t cap)
{
	snprintf(out, cap, "voicemail-%lld.%s", (long long)q->message_id,
	         f == STORE_EMAIL_OPUS ? "opus" : "wav");
}

int mail_compose(store *st, const mail_cfg *cfg, const store_mailq *q, const char *transcript,
                 ou_buf *out, char to[STORE_EMAIL_MAX], const char **why)
{
	if (!q->message_id)
		return fail(why, "the message was deleted before delivery", OPENUM_ENOTFOUND);
	store_mailbox mb;
	int err = store_mailbox_get(st, q->mailbox_id, &mb, why);
	if (err)
		return err;
	if (mb.email_mode == STORE_EMAIL_OFF || !mb.email[0])
		return fail(why, "e-mail delivery was turned off for the mailbox",
		            OPENUM_ENOTFOUND);
	store_msg m;
	err = store_msg_get(st, q->message_id, &m, why);
	if (err)
		return err;
	snprintf(to, STORE_EMAIL_MAX, "%s", mb.email);
	/* the claim waited for a pending transcript (STORE_MAILQ_TRANSCRIPT_WAIT_MS) */
	if (!transcript && m.transcript_state == STORE_TRANSCRIPT_DONE && m.transcript[0])
		transcript = m.transcript;

	/* values from the network (the caller) lose their control bytes before they get
	 * anywhere near a header */
	char caller[STORE_URI_MAX], when[48], dur[24];
	mail_header_clean(m.caller, caller, sizeof(caller));
	mail_fmt_time(m.received_ms, when, sizeof(when));
	mail_fmt_duration(m.duration_ms, dur, sizeof(dur));
	char tr[MAIL_TEXT_MAX / 2];
	mail_header_clean(transcript, tr, sizeof(tr));
	mail_vars v = {caller, mb.address, when, dur, transcript ? tr : NULL};
	mail_vars vb = v;
	vb.transcript = transcript; /* the body may keep the transcript's line breaks */
	ou_buf subj, body, audio;
	ou_buf_init(&subj);
	ou_buf_init(&body);
	ou_buf_init(&audio);
	err = mail_template_expand(cfg->subject ? cfg->subject : MAIL_DEFAULT_SUBJECT, &v, &subj,
	                           why);
	if (!err)
		err = mail_template_expand(cfg->body ? cfg->body : MAIL_DEFAULT_BODY, &vb, &body,
		                           why);
	if (!err)
		ou_buf_append(&subj, "", 1), ou_buf_append(&body, "", 1);
	/* the subject template itself may hold anything: clean the result again */
	if (!err && subj.data)
		for (size_t i = 0; i < subj.len - 1; i++)
			if ((unsigned char)subj.data[i] < 0x20 || subj.data[i] == 0x7f)
				subj.data[i] = ' ';
	mail_attachment att = {0};
	char fname[64];
	if (!err && mb.email_mode == STORE_EMAIL_ATTACH) {
		store_email_format f = (store_email_format)mb.email_format;
		err = f == STORE_EMAIL_OPUS ? mail_audio_opus(&m.audio, &audio, why)
		                            : mail_audio_wav(&m.audio, &audio, why);
		attachment_name(q, f, fname, sizeof(fname));
		att.data = (const uint8_t *)audio.data;
		att.len = audio.len;
		att.content_type = f == STORE_EMAIL_OPUS ? "audio/ogg" : "audio/wav";
		att.filename = fname;
	}
	if (!err && (subj.failed || body.failed))
		err = fail(why, "out of memory", OPENUM_ENOMEM);
	if (!err) {
		mail_message mm = {
		    .from = cfg->smtp.from,
		    .from_name = cfg->smtp.from_name,
		    .to = to,
		    .subject = subj.data,
		    .body = body.data,
		    .date_ms = 0,
		    .attachment = mb.email_mode == STORE_EMAIL_ATTACH ? &att : NULL,
		};
		err = mail_build(&mm, out, why);
	}
	ou_buf_free(&subj);
	ou_buf_free(&body);
	ou_buf_free(&audio);
	store_msg_clear(&m);
	return err;
}

struct mail_worker {
	uv_loop_t *loop;
	store *st;
	mail_cfg cfg;
	uv_timer_t timer;
	bool running; /* a job is on the pool */
	bool again;   /* kicked while running: look once more when it returns */
	bool freeing;
	volatile bool stop; /* read by the job's libcurl progress callback */
	unsigned sent, failed;
};

/* One delivery: claimed row q. Runs on a pool thread. */
static void deliver(mail_worker *w, const store_mailq *q)
{
	ou_buf msg;
	ou_buf_init(&msg);
	char to[STORE_EMAIL_MAX] = "";
	const char *why = NULL;
	int err = mail_compose(w->st, &w->cfg, q, NULL /* the message's own, when done */, &msg, to,
	                       &why);
	char result[STORE_DETAIL_MAX];
	store_mailq_state state;
	int64_t next = 0;
	if (err == OPENUM_ENOTFOUND) {
		/* nothing left to send: not an error to retry */
		snprintf(result, sizeof(result), "%s", why ? why : "message or mailbox gone");
		state = STORE_MAILQ_GAVE_UP;
	} else if (err) {
		snprintf(result, sizeof(result), "cannot build the e-mail: %s",
		         why ? why : "error");
		state =
		    q->attempts >= w->cfg.max_attempts ? STORE_MAILQ_GAVE_UP : STORE_MAILQ_PENDING;
	} else {
		char e[STORE_DETAIL_MAX - 64];
		err = mail_smtp_send(&w->cfg.smtp, to, msg.data, msg.len, &w->stop, e, sizeof(e));
		if (!err) {
			snprintf(result, sizeof(result), "sent to %.100s (SMTP %.100s)", to, e);
			state = STORE_MAILQ_SENT;
		} else {
			snprintf(result, sizeof(result), "%s", e);
			state = q->attempts >= w->cfg.max_attempts ? STORE_MAILQ_GAVE_UP
			                                           : STORE_MAILQ_PENDING;
		}
	}
	if (state == STORE_MAILQ_PENDING) {
		int64_t now = now_ms();
		next = now + (int64_t)mail_backoff_s(q->attempts, w->cfg.retry_base_s,
		                                     w->cfg.retry_max_s) *
		                 1000;
	}
	ou_buf_free(&msg);
	/* counted before the store records the outcome: whoever reads that result
	 * (mail-log) then finds the counters already up to date */
	if (state == STORE_MAILQ_SENT)
		metrics_inc(MET_MAIL_SENT);
	else if (err != OPENUM_ENOTFOUND)
		metrics_inc(MET_MAIL_ATTEMPT_FAILED);
	if (state == STORE_MAILQ_GAVE_UP)
		metrics_inc(MET_MAIL_GAVE_UP);
	if (store_mailq_finish(w->st, q->id, state, next, result, &why) != 0)
		ou_log(OU_LOG_WARN, "mail", "delivery %lld: cannot record the result: %s",
		       (long long)q->id, why ? why : "error");
	if (state == STORE_MAILQ_SENT)
		ou_log(OU_LOG_INFO, "mail", "delivery %lld message %lld: %s", (long long)q->id,
		       (long long)q->message_id, result);
	else
		ou_log(OU_LOG_WARN, "mail", "delivery %lld message %lld attempt %u: %s%s",
		       (long long)q->id, (long long)q->message_id, q->attempts, result,
		       state == STORE_MAILQ_GAVE_UP ? " (gave up)" : " (will retry)");
}

static int job(store *st, void *arg, const char **why)
{
	mail_worker *w = arg;
	for (unsigned i = 0; i < MAIL_BATCH && !w->stop; i++) {
		store_mailq q;
		bool found = false;
		int err = store_mailq_claim(st, now_ms(), MAIL_LEASE_MS, &q, &found, why);
		if (err)
			return err;
		if (!found)
			break;
		deliver(w, &q);
	}
	return 0;
}

static void start(mail_worker *w);

static void free_now(mail_worker *w)
{
	free(w);
}

static void timer_closed(uv_handle_t *h)
{
	mail_worker *w = h->data;
	if (!w->running)
		free_now(w);
	else
		w->timer.data = NULL; /* the job's end frees */
}

static void job_done(int err, const char *why, void *arg)
{
	mail_worker *w = arg;
	w->running = false;
	if (err)
		ou_log(OU_LOG_WARN, "mail", "queue: %s", why ? why : "store error");
	if (w->freeing) {
		if (!w->timer.data)
			free_now(w);
		return;
	}
	if (w->again) {
		w->again = false;
		start(w);
	}
}

static void start(mail_worker *w)
{
	if (w->freeing)
		return;
	if (w->running) {
		w->again = true;
		return;
	}
	if (store_async_run(w->loop, w->st, job, w, job_done, w) == 0)
		w->running = true;
}

static void on_timer(uv_timer_t *t)
{
	start(t->data);
}

int mail_worker_new(uv_loop_t *loop, store *st, const mail_cfg *cfg, mail_worker **out,
                    const char **why)
{
	if (!cfg->smtp.url || !cfg->smtp.from || !store_email_valid(cfg->smtp.from))
		return fail(why, "e-mail delivery needs an SMTP URL and a From address",
		            OPENUM_EINVAL);
	mail_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	w->loop = loop;
	w->st = st;
	w->cfg = *cfg;
	if (!w->cfg.retry_base_s)
		w->cfg.retry_base_s = MAIL_RETRY_BASE_S;
	if (!w->cfg.retry_max_s)
		w->cfg.retry_max_s = MAIL_RETRY_MAX_S;
	if (w->cfg.retry_max_s < w->cfg.retry_base_s)
		w->cfg.retry_max_s = w->cfg.retry_base_s;
	if (!w->cfg.max_attempts)
		w->cfg.max_attempts = MAIL_MAX_ATTEMPTS;
	if (!w->cfg.poll_ms)
		w->cfg.poll_ms = MAIL_POLL_MS;
	uv_timer_init(loop, &w->timer);
	w->timer.data = w;
	uv_timer_start(&w->timer, on_timer, 0, w->cfg.poll_ms);
	*out = w;
	return 0;
}

void mail_worker_kick(mail_worker *w)
{
	if (w)
		start(w);
}

void mail_worker_free(mail_worker *w)
{
	if (!w)
		return;
	w->freeing = true;
	w->stop = true;
	uv_timer_stop(&w->timer);
	uv_close((uv_handle_t *)&w->timer, timer_closed);
}
