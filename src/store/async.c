/* store/async.c: the event-loop face of the store. Each store_async_* call copies its
 * inputs into a request, runs the blocking synchronous call on libuv's thread pool
 * (uv_queue_work) and reports on the loop thread, so the loop never waits on a disk,
 * a database lock or PBKDF2. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/base.h"
#include "metrics/metrics.h"
#include "store_int.h"

typedef struct areq areq;
typedef int (*areq_fn)(areq *r);

struct areq {
	uv_work_t work;
	store *s;
	areq_fn fn;
	store_done_cb done;
	void *arg;
	int err;
	const char *why;
	/* inputs, copied */
	int64_t id;
	unsigned mask;
	store_msg_state state;
	char text[STORE_ADDR_MAX];
	char pin[STORE_PIN_MAX_LEN + 1];
	store_msg msg; /* audio.data is a private copy */
	store_call call;
	store_job_fn job;
	void *job_arg;
	/* outputs, the caller's */
	void *out1, *out2;
};

static void areq_drop(areq *r)
{
	free(r->msg.audio.data);
	OPENSSL_cleanse(r->pin, sizeof(r->pin));
	free(r);
}

static void on_work(uv_work_t *w)
{
	areq *r = w->data;
	r->why = NULL;
	uint64_t t0 = uv_hrtime();
	r->err = r->fn(r);
	metrics_observe_store((uv_hrtime() - t0) / 1000);
}

static void on_after(uv_work_t *w, int status)
{
	areq *r = w->data;
	if (status == UV_ECANCELED) {
		r->err = OPENUM_EIO;
		r->why = "store request cancelled";
	}
	r->done(r->err, r->why, r->arg);
	areq_drop(r);
}

static areq *areq_new(store *s, areq_fn fn, store_done_cb done, void *arg)
{
	if (!s || !done)
		return NULL;
	areq *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->s = s;
	r->fn = fn;
	r->done = done;
	r->arg = arg;
	r->work.data = r;
	return r;
}

static int areq_text(areq *r, const char *src, char *dst, size_t cap)
{
	if (!src || strlen(src) >= cap)
		return src ? OPENUM_ETOOBIG : OPENUM_EINVAL;
	strcpy(dst, src);
	return 0;
}

static int areq_queue(uv_loop_t *loop, areq *r)
{
	if (!loop || uv_queue_work(loop, &r->work, on_work, on_after) != 0) {
		areq_drop(r);
		return OPENUM_EIO;
	}
	return 0;
}

/* ---- the jobs, run on a pool thread ------------------------------------------ */

static int job_custom(areq *r)
{
	return r->job(r->s, r->job_arg, &r->why);
}
static int job_get_by_address(areq *r)
{
	return store_mailbox_get_by_address(r->s, r->text, r->out1, &r->why);
}
static int job_get_by_ext(areq *r)
{
	return store_mailbox_get_by_ext(r->s, r->text, r->out1, &r->why);
}
static int job_pin_logon(areq *r)
{
	return store_mailbox_pin_logon(r->s, r->id, r->pin, r->out1, r->out2, &r->why);
}
static int job_failed_logon(areq *r)
{
	return store_mailbox_record_failed_logon(r->s, r->id, r->out1, r->out2, &r->why);
}
static int job_greeting_get(areq *r)
{
	return store_greeting_get(r->s, r->id, r->out1, &r->why);
}
static int job_msg_add(areq *r)
{
	return store_msg_add(r->s, &r->msg, r->out1, &r->why);
}
static int job_msg_get(areq *r)
{
	return store_msg_get(r->s, r->id, r->out1, &r->why);
}
static int job_msg_list(areq *r)
{
	return store_msg_list(r->s, r->id, r->mask, r->out1, r->out2, &r->why);
}
static int job_msg_count(areq *r)
{
	return store_msg_count(r->s, r->id, r->out1, r->out2, &r->why);
}
static int job_msg_set_state(areq *r)
{
	return store_msg_set_state(r->s, r->id, r->state, &r->why);
}
static int job_call_append(areq *r)
{
	return store_call_append(r->s, &r->call, r->out1, &r->why);
}

/* ---- the public wrappers -------------------------------------------------------- */

int store_async_run(uv_loop_t *loop, store *s, store_job_fn fn, void *fn_arg, store_done_cb done,
                    void *arg)
{
	if (!fn)
		return OPENUM_EINVAL;
	areq *r = areq_new(s, job_custom, done, arg);
	if (!r)
		return s && done ? OPENUM_ENOMEM : OPENUM_EINVAL;
	r->job = fn;
	r->job_arg = fn_arg;
	return areq_queue(loop, r);
}

static int text_req(uv_loop_t *loop, store *s, areq_fn fn, const char *text, void *out,
                    store_done_cb done, void *arg)
{
	if (!out)
		return OPENUM_EINVAL;
	areq *r = areq_new(s, fn, done, arg);
	if (!r)
		return s && done ? OPENUM_ENOMEM : OPENUM_EINVAL;
	int err = areq_text(r, text, r->text, sizeof(r->text));
	if (err) {
		areq_drop(r);
		return err;
	}
	r->out1 = out;
	return areq_queue(loop, r);
}

int store_async_mailbox_get_by_address(uv_loop_t *loop, store *s, const char *address,
                                       store_mailbox *out, store_done_cb done, void *arg)
{
	return text_req(loop, s, job_get_by_address, address, out, done, arg);
}

int store_async_mailbox_get_by_ext(uv_loop_t *loop, store *s, const char *ext, store_mailbox *out,
                                   store_done_cb done, void *arg)
{
	return text_req(loop, s, job_get_by_ext, ext, out, done, arg);
}

int store_async_mailbox_pin_logon(uv_loop_t *loop, store *s, int64_t id, const char *pin,
                                  store_logon_result *result, uint32_t *count, store_done_cb done,
                                  void *arg)
{
	if (!result)
		return OPENUM_EINVAL;
	areq *r = areq_new(s, job_pin_logon, done, arg);
	if (!r)
		return s && done ? OPENUM_ENOMEM : OPENUM_EINVAL;
	/* A PIN longer than any valid one is still tried (and fails, and counts). */
	if (pin && strlen(pin) < sizeof(r->pin))
		strcpy(r->pin, pin);
	else
		memset(r->pin, 'x', sizeof(r->pin) - 1);
	r->id = id;
	r->out1 = result;
	r->out2 = count;
	return areq_queue(loop, r);
}

int store_async_mailbox_record_failed_logon(uv_loop_t *loop, store *s, int64_t id, uint32_t *count,
                                            bool *locked, store_done_cb done, void *arg)
{
	areq *r = areq_new(s, job_failed_logon, done, arg);
	if (!r)
		return s && done ? OPENUM_ENOMEM : OPENUM_EINVAL;
	r->id = id;
	r->out1 = count;
	r->out2 = locked;
	return areq_queue(loop, r);
}

static int id_req(uv_loop_t *loop, store *s, areq_fn fn, int64_t id, void *out1, void *out2,
                  store_done_cb done, void *arg)
{
	areq *r = areq_new(s, fn, done, arg);
	if (!r)
		return s && done ? OPENUM_ENOMEM : OPENUM_EINVAL;
	r->id = id;
	r->out1 = out1;
	r->out2 = out2;
	return areq_queue(loop, r);
}

int store_async_greeting_get(uv_loop_t *loop, store *s, int64_t mailbox_id, store_audio *out,
                             store_done_cb done, void *arg)
{
	if (!out)
		return OPENUM_EINVAL;
	return id_req(loop, s, job_greeting_get, mailbox_id, out, NULL, done, arg);
}

int store_async_msg_add(uv_loop_t *loop, store *s, const store_msg *m, int64_t *id,
                        store_done_cb done, void *arg)
{
	if (!m)
		return OPENUM_EINVAL;
	if (m->audio.len > STORE_AUDIO_MAX)
		return OPENUM_ETOOBIG;
	areq *r = areq_new(s, job_msg_add, done, arg);
	if (!r)
		return s && done ? OPENUM_ENOMEM : OPENUM_EINVAL;
	r->msg = *m;
	r->msg.audio.data = NULL;
	if (m->audio.len && m->audio.data) {
		r->msg.audio.data = malloc(m->audio.len);
		if (!r->msg.audio.data) {
			areq_drop(r);
			return OPENUM_ENOMEM;
		}
		memcpy(r->msg.audio.data, m->audio.data, m->audio.len);
	}
	r->out1 = id;
	return areq_queue(loop, r);
}

int store_async_msg_get(uv_loop_t *loop, store *s, int64_t id, store_msg *out, store_done_cb done,
                        void *arg)
{
	if (!out)
		return OPENUM_EINVAL;
	return id_req(loop, s, job_msg_get, id, out, NULL, done, arg);
}

int store_async_msg_list(uv_loop_t *loop, store *s, int64_t mailbox_id, unsigned mask,
                         store_msg **out, size_t *n, store_done_cb done, void *arg)
{
	if (!out || !n)
		return OPENUM_EINVAL;
	areq *r = areq_new(s, job_msg_list, done, arg);
	if (!r)
		return s && done ? OPENUM_ENOMEM : OPENUM_EINVAL;
	r->id = mailbox_id;
	r->mask = mask;
	r->out1 = out;
	r->out2 = n;
	return areq_queue(loop, r);
}

int store_async_msg_count(uv_loop_t *loop, store *s, int64_t mailbox_id, unsigned *nnew,
                          unsigned *nsaved, store_done_cb done, void *arg)
{
	return id_req(loop, s, job_msg_count, mailbox_id, nnew, nsaved, done, arg);
}

int store_async_msg_set_state(uv_loop_t *loop, store *s, int64_t id, store_msg_state st,
                              store_done_cb done, void *arg)
{
	areq *r = areq_new(s, job_msg_set_state, done, arg);
	if (!r)
		return s && done ? OPENUM_ENOMEM : OPENUM_EINVAL;
	r->id = id;
	r->state = st;
	return areq_queue(loop, r);
}

int store_async_call_append(uv_loop_t *loop, store *s, const store_call *c, int64_t *id,
                            store_done_cb done, void *arg)
{
	if (!c)
		return OPENUM_EINVAL;
	areq *r = areq_new(s, job_call_append, done, arg);
	if (!r)
		return s && done ? OPENUM_ENOMEM : OPENUM_EINVAL;
	r->call = *c;
	r->out1 = id;
	return areq_queue(loop, r);
}
