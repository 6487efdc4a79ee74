/* web/calls.c: the Play-On-Phone rules that the SOAP service and the JSON API share.
 * A user acts only on their own messages and calls (others' look absent, so ids do not
 * leak), the dial string is checked before the engine sees it, and a mailbox has at
 * most one call running: a second request is refused, the first call goes on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

int web_msg_of(web_server *ws, const web_who *who, int64_t msg_id, store_msg *out)
{
	store_msg *list = NULL;
	size_t n = 0;
	if (msg_id <= 0)
		return OPENUM_ENOTFOUND;
	int err = store_msg_list(ws->st, who->mailbox_id,
	                         STORE_MSG_MASK(STORE_MSG_NEW) | STORE_MSG_MASK(STORE_MSG_SAVED),
	                         &list, &n, NULL);
	if (err)
		return err;
	err = OPENUM_ENOTFOUND;
	for (size_t i = 0; i < n; i++) {
		if (list[i].id == msg_id) {
			if (out)
				*out = list[i];
			err = 0;
			break;
		}
	}
	free(list);
	return err;
}

/* The index of the mailbox's recorded call, or -1. Called with ws->lk held. */
static long active_find(web_server *ws, int64_t mailbox_id)
{
	for (size_t i = 0; i < ws->nact; i++)
		if (ws->act[i].mailbox_id == mailbox_id)
			return (long)i;
	return -1;
}

static int active_set(web_server *ws, int64_t mailbox_id, const char *call_id)
{
	int err = 0;
	pthread_mutex_lock(&ws->lk);
	long i = active_find(ws, mailbox_id);
	if (i < 0) {
		if (ws->nact == ws->capact) {
			size_t cap = ws->capact ? ws->capact * 2 : 8;
			web_active *n = realloc(ws->act, cap * sizeof *n);
			if (!n) {
				err = OPENUM_ENOMEM;
				goto out;
			}
			ws->act = n;
			ws->capact = cap;
		}
		i = (long)ws->nact++;
		ws->act[i].mailbox_id = mailbox_id;
	}
	snprintf(ws->act[i].call_id, sizeof ws->act[i].call_id, "%s", call_id);
out:
	pthread_mutex_unlock(&ws->lk);
	return err;
}

/* Is the mailbox's last call still running? Forgets it once it has ended. */
static bool active_running(web_server *ws, int64_t mailbox_id)
{
	char id[WEB_CALL_ID_MAX];
	pthread_mutex_lock(&ws->lk);
	long i = active_find(ws, mailbox_id);
	if (i >= 0)
		memcpy(id, ws->act[i].call_id, sizeof id);
	pthread_mutex_unlock(&ws->lk);
	if (i < 0)
		return false;
	web_call_info ci;
	int err = web_pop_info(ws, id, &ci);
	if (err == 0 && ci.state != WEB_CALL_DISCONNECTED && ci.state != WEB_CALL_IDLE)
		return true;
	if (err != 0 && err != OPENUM_ENOTFOUND)
		return true; /* cannot tell: do not risk two calls to one phone */
	pthread_mutex_lock(&ws->lk);
	i = active_find(ws, mailbox_id);
	if (i >= 0 && strcmp(ws->act[i].call_id, id) == 0)
		ws->act[i] = ws->act[--ws->nact];
	pthread_mutex_unlock(&ws->lk);
	return false;
}

int web_call_start(web_server *ws, const web_who *who, int64_t msg_id, const char *dial,
                   char call_id[WEB_CALL_ID_MAX], const char **why)
{
	char canon[WEB_DIAL_MAX];
	int err = web_msg_of(ws, who, msg_id, NULL);
	if (err) {
		if (why)
			*why = err == OPENUM_ENOTFOUND ? "no such message" : "store failed";
		return err;
	}
	/* no dial string: the owner's own address, the usual Play-On-Phone target */
	err = web_dial_check(dial && *dial ? dial : who->address, canon, sizeof canon, why);
	if (err)
		return OPENUM_EINVAL;

	pthread_mutex_lock(&ws->start_lk);
	if (active_running(ws, who->mailbox_id)) {
		err = OPENUM_EDUP;
		if (why)
			*why = "a Play-On-Phone call is already running for this mailbox";
		goto out;
	}
	err = web_pop_start(ws, who->address, msg_id, canon, call_id, why);
	if (err == OPENUM_EDUP && why)
		*why = "a Play-On-Phone call is already running for this mailbox";
	if (err == 0)
		err = active_set(ws, who->mailbox_id, call_id);
out:
	pthread_mutex_unlock(&ws->start_lk);
	return err;
}

int web_call_info_get(web_server *ws, const web_who *who, const char *call_id, web_call_info *out)
{
	if (!call_id || !*call_id || strlen(call_id) >= WEB_CALL_ID_MAX)
		return OPENUM_ENOTFOUND;
	int err = web_pop_info(ws, call_id, out);
	if (err)
		return err;
	if (strcmp(out->mailbox, who->address) != 0) {
		memset(out, 0, sizeof *out);
		return OPENUM_ENOTFOUND;
	}
	return 0;
}

int web_call_disconnect(web_server *ws, const web_who *who, const char *call_id)
{
	web_call_info ci;
	int err = web_call_info_get(ws, who, call_id, &ci);
	if (err)
		return err;
	return web_pop_disconnect(ws, call_id);
}
