/* web/pop.c: calls into the Play-On-Phone engine. The engine lives on the libuv loop
 * and is not thread-safe, while requests run on libmicrohttpd's threads: each op is
 * queued, the loop is woken with uv_async_send, runs it, and the HTTP thread waits on a
 * condition variable for the result. Without a loop the ops are called directly. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "web_int.h"

enum op_kind { OP_START, OP_INFO, OP_DISCONNECT };
enum op_phase { PH_QUEUED, PH_RUNNING, PH_DONE };

struct web_op {
	enum op_kind kind;
	enum op_phase phase;
	const char *mailbox;
	int64_t msg_id;
	const char *dial;
	const char *call_id;
	char *call_id_out;
	web_call_info *info;
	int rc;
	const char *why;
	web_op *next;
};

const char *web_call_state_name(web_call_state s)
{
	static const char *const n[] = {"Idle", "Connecting", "Alerted", "Connected",
	                                "Disconnected"};
	return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

const char *web_event_cause_name(web_event_cause c)
{
	static const char *const n[] = {"None", "UserBusy", "NoAnswer", "Unavailable", "Other"};
	return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : "?";
}

static void run_op(web_server *ws, web_op *op)
{
	op->why = NULL;
	switch (op->kind) {
	case OP_START:
		op->call_id_out[0] = '\0';
		op->rc = ws->pop.start(ws->pop_arg, op->mailbox, op->msg_id, op->dial,
		                       op->call_id_out, &op->why);
		/* an id the engine did not terminate or left empty is an engine bug */
		if (op->rc == 0 && (memchr(op->call_id_out, 0, WEB_CALL_ID_MAX) == NULL ||
		                    op->call_id_out[0] == '\0')) {
			op->call_id_out[0] = '\0';
			op->rc = OPENUM_EIO;
			op->why = "engine returned no call id";
		}
		break;
	case OP_INFO:
		memset(op->info, 0, sizeof *op->info);
		op->rc = ws->pop.info(ws->pop_arg, op->call_id, op->info);
		op->info->sip_reason[WEB_REASON_MAX - 1] = '\0';
		op->info->mailbox[STORE_ADDR_MAX - 1] = '\0';
		break;
	case OP_DISCONNECT: op->rc = ws->pop.disconnect(ws->pop_arg, op->call_id); break;
	}
}

static void on_async(uv_async_t *h)
{
	web_server *ws = h->data;
	pthread_mutex_lock(&ws->qlk);
	web_op *list = ws->qhead;
	ws->qhead = ws->qtail = NULL;
	for (web_op *op = list; op; op = op->next)
		op->phase = PH_RUNNING;
	pthread_mutex_unlock(&ws->qlk);

	while (list) {
		web_op *op = list;
		list = op->next; /* read before DONE: the waiter may return at once */
		run_op(ws, op);
		pthread_mutex_lock(&ws->qlk);
		op->phase = PH_DONE;
		pthread_cond_broadcast(&ws->qcv);
		pthread_mutex_unlock(&ws->qlk);
	}
}

int web_pop_init(web_server *ws)
{
	if (pthread_mutex_init(&ws->qlk, NULL) != 0)
		return OPENUM_EIO;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int e = pthread_cond_init(&ws->qcv, &ca);
	pthread_condattr_destroy(&ca);
	if (e != 0) {
		pthread_mutex_destroy(&ws->qlk);
		return OPENUM_EIO;
	}
	if (ws->loop) {
		if (uv_async_init(ws->loop, &ws->async, on_async) != 0) {
			pthread_cond_destroy(&ws->qcv);
			pthread_mutex_destroy(&ws->qlk);
			return OPENUM_EIO;
		}
		ws->async.data = ws;
	}
	return 0;
}

void web_pop_shutdown(web_server *ws)
{
	pthread_mutex_lock(&ws->qlk);
	ws->stopping = true;
	for (web_op *op = ws->qhead; op; op = op->next) {
		op->rc = OPENUM_EIO;
		op->why = "shutting down";
		op->phase = PH_DONE;
	}
	ws->qhead = ws->qtail = NULL;
	pthread_cond_broadcast(&ws->qcv);
	pthread_mutex_unlock(&ws->qlk);
}

static int submit(web_server *ws, web_op *op)
{
	if (!ws->loop) {
		run_op(ws, op);
		return op->rc;
	}
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += WEB_OP_TIMEOUT_MS / 1000;
	dl.tv_nsec += (long)(WEB_OP_TIMEOUT_MS % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&ws->qlk);
	if (ws->stopping) {
		pthread_mutex_unlock(&ws->qlk);
		op->why = "shutting down";
		return op->rc = OPENUM_EIO;
	}
	op->phase = PH_QUEUED;
	op->next = NULL;
	if (ws->qtail)
		ws->qtail->next = op;
	else
		ws->qhead = op;
	ws->qtail = op;
	uv_async_send(&ws->async);
	while (op->phase != PH_DONE) {
		if (op->phase == PH_RUNNING) {
			/* the loop holds the op: wait for it whatever the clock says */
			pthread_cond_wait(&ws->qcv, &ws->qlk);
			continue;
		}
		int e = pthread_cond_timedwait(&ws->qcv, &ws->qlk, &dl);
		if (e == ETIMEDOUT && op->phase == PH_QUEUED) {
			/* the loop is stuck: take the op back so nobody touches it later */
			web_op **pp = &ws->qhead, *prev = NULL;
			while (*pp && *pp != op) {
				prev = *pp;
				pp = &(*pp)->next;
			}
			if (*pp) {
				*pp = op->next;
				if (ws->qtail == op)
					ws->qtail = prev;
			}
			op->rc = OPENUM_EIO;
			op->why = "engine did not answer";
			break;
		}
	}
	pthread_mutex_unlock(&ws->qlk);
	return op->rc;
}

int web_pop_start(web_server *ws, const char *mailbox, int64_t msg_id, const char *dial,
                  char call_id[WEB_CALL_ID_MAX], const char **why)
{
	web_op op = {.kind = OP_START,
	             .mailbox = mailbox,
	             .msg_id = msg_id,
	             .dial = dial,
	             .call_id_out = call_id};
	int rc = submit(ws, &op);
	if (rc && why)
		*why = op.why ? op.why : "Play-On-Phone failed";
	return rc;
}

int web_pop_info(web_server *ws, const char *call_id, web_call_info *out)
{
	web_op op = {.kind = OP_INFO, .call_id = call_id, .info = out};
	return submit(ws, &op);
}

int web_pop_disconnect(web_server *ws, const char *call_id)
{
	web_op op = {.kind = OP_DISCONNECT, .call_id = call_id};
	return submit(ws, &op);
}
