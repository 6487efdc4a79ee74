/* web/api.c: the JSON API under /api/v1 that the web page uses: logon and log-off,
 * the message list, WAV audio, save and delete, and Play-On-Phone with its call state.
 * Every request but logon needs a session; every state-changing one also needs the
 * session's CSRF token in X-CSRF-Token. Others' messages and calls answer 404. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "../media/media.h"
#include "web_int.h"

#define P_SESSION "/api/v1/session"
#define P_MESSAGES "/api/v1/messages"
#define P_POP "/api/v1/play-on-phone"
#define P_CALLS "/api/v1/calls/"

static void reply_json(web_resp *r, unsigned status, json_t *j)
{
	r->status = status;
	r->ctype = "application/json; charset=utf-8";
	ou_buf_reset(&r->body);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (s) {
		ou_buf_append_cstr(&r->body, s);
		free(s);
	} else {
		ou_buf_append_cstr(&r->body, "{}");
	}
	json_decref(j);
}

static void reply_error(web_resp *r, unsigned status, const char *msg)
{
	reply_json(r, status, json_pack("{s:s}", "error", msg));
}

static void reply_empty(web_resp *r)
{
	r->status = 204;
	r->ctype = NULL;
	ou_buf_reset(&r->body);
}

static bool method_is(const web_rq *rq, const char *m)
{
	return strcmp(rq->method, m) == 0;
}

static void not_allowed(web_resp *r, const char *allow)
{
	r->allow = allow;
	reply_error(r, 405, "method not allowed");
}

/* true when the body is declared JSON; else false (and the answer written). */
static bool json_ctype_ok(const web_rq *rq, web_resp *r)
{
	const char *ct = web_header(rq, "Content-Type");
	/* application/json also keeps plain HTML forms of other sites out: they cannot
	 * send it without a CORS preflight, which this server never grants */
	if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
		reply_error(r, 415, "Content-Type must be application/json");
		return false;
	}
	return true;
}

static json_t *msg_json(const store_msg *m)
{
	char when[32] = "";
	char entry[40];
	time_t t = (time_t)(m->received_ms / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	web_entry_id_encode(m->id, entry, sizeof entry);
	/* transcript_state: none, pending, done or failed (docs/transcription.md) */
	return json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s}", "id", (json_int_t)m->id,
	                 "entry_id", entry, "caller", m->caller, "received", when, "received_ms",
	                 (json_int_t)m->received_ms, "duration_ms", (json_int_t)m->duration_ms,
	                 "state", store_msg_state_name(m->state), "transcript_state",
	                 store_transcript_state_name(m->transcript_state), "transcript",
	                 m->transcript);
}

static void session_reply(web_server *ws, web_resp *r, const web_session *s)
{
	store_mailbox mb;
	unsigned nnew = 0, nsaved = 0;
	if (store_mailbox_get(ws->st, s->who.mailbox_id, &mb, NULL) != 0) {
		reply_error(r, 404, "no such mailbox");
		return;
	}
	store_msg_count(ws->st, mb.id, &nnew, &nsaved, NULL);
	reply_json(r, 200,
	           json_pack("{s:s,s:s,s:s,s:s,s:i,s:i}", "address", mb.address, "name", mb.name,
	                     "ext", mb.ext, "csrf_token", s->csrf, "new", (int)nnew, "saved",
	                     (int)nsaved));
}

static void do_logon(const web_rq *rq, web_resp *r)
{
	web_server *ws = rq->ws;
	web_api_req q;
	const char *why = NULL;
	if (!json_ctype_ok(rq, r))
		return;
	if (web_api_parse_logon(rq->body, rq->body_len, &q, &why) != 0) {
		reply_error(r, 400, why);
		return;
	}
	web_logon_result res;
	web_who who;
	int err = web_logon(ws, q.address, q.pin, &res, &who, NULL);
	web_api_req_free(&q);
	if (err) {
		reply_error(r, 500, "the mailbox store failed");
		return;
	}
	if (res == WEB_LOGON_LOCKED) {
		reply_error(r, 403, "mailbox locked: too many failed logons");
		return;
	}
	if (res != WEB_LOGON_OK) {
		reply_error(r, 401, "wrong mailbox address or PIN");
		return;
	}
	web_session old, s;
	if (web_session_from_rq(ws, rq, &old) == 0)
		web_session_destroy(ws, old.id);
	if (web_session_create(ws, &who, &s) != 0) {
		reply_error(r, 500, "cannot create a session");
		return;
	}
	web_session_cookie(ws, s.id, r->cookie, sizeof r->cookie);
	session_reply(ws, r, &s);
}

static void do_messages(const web_rq *rq, web_resp *r, const web_who *who)
{
	store_msg *list = NULL;
	size_t n = 0;
	if (store_msg_list(rq->ws->st, who->mailbox_id,
	                   STORE_MSG_MASK(STORE_MSG_NEW) | STORE_MSG_MASK(STORE_MSG_SAVED), &list,
	                   &n, NULL) != 0) {
		reply_error(r, 500, "the mailbox store failed");
		return;
	}
	json_t *arr = json_array();
	/* newest first, as a mailbox is read */
	for (size_t i = n; i-- > 0;)
		json_array_append_new(arr, msg_json(&list[i]));
	free(list);
	reply_json(r, 200, json_pack("{s:o}", "messages", arr));
}

static void do_audio(const web_rq *rq, web_resp *r, const web_who *who, int64_t id)
{
	store_msg m;
	memset(&m, 0, sizeof m);
	if (web_msg_of(rq->ws, who, id, NULL) != 0 ||
	    store_msg_get(rq->ws->st, id, &m, NULL) != 0 || m.mailbox_id != who->mailbox_id) {
		store_msg_clear(&m);
		reply_error(r, 404, "no such message");
		return;
	}
	/* 16-bit PCM: every browser plays it, not every one plays G.711 WAV */
	size_t n = m.audio.codec == STORE_CODEC_L16 ? m.audio.len / 2 : m.audio.len;
	int16_t *pcm = malloc((n ? n : 1) * sizeof *pcm);
	if (!pcm) {
		store_msg_clear(&m);
		reply_error(r, 500, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = m.audio.data;
		if (m.audio.codec == STORE_CODEC_PCMU)
			pcm[i] = g711_ulaw_decode(d[i]);
		else if (m.audio.codec == STORE_CODEC_PCMA)
			pcm[i] = g711_alaw_decode(d[i]);
		else
			pcm[i] = (int16_t)(uint16_t)(d[2 * i] | d[2 * i + 1] << 8);
	}
	store_msg_clear(&m);
	ou_buf_reset(&r->body);
	int err = media_wav_build(MEDIA_WAV_PCM16, pcm, n, &r->body);
	free(pcm);
	if (err) {
		reply_error(r, 500, "cannot build the WAV file");
		return;
	}
	r->status = 200;
	r->ctype = "audio/wav";
}

static void do_message(const web_rq *rq, web_resp *r, const web_who *who, const char *rest)
{
	const char *slash = strchr(rest, '/');
	size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
	int64_t id = web_api_parse_id(rest, idlen);
	const char *sub = slash ? slash : "";
	store_msg m;
	if (id < 0 || web_msg_of(rq->ws, who, id, &m) != 0) {
		reply_error(r, 404, "no such message");
		return;
	}
	if (strcmp(sub, "") == 0) {
		if (method_is(rq, "GET") || method_is(rq, "HEAD")) {
			reply_json(r, 200, msg_json(&m));
		} else if (method_is(rq, "DELETE")) {
			/* DELETED like a phone's "delete": gone from every list, purged later */
			if (store_msg_set_state(rq->ws->st, id, STORE_MSG_DELETED, NULL) != 0)
				reply_error(r, 500, "the mailbox store failed");
			else
				reply_empty(r);
		} else {
			not_allowed(r, "GET, HEAD, DELETE");
		}
	} else if (strcmp(sub, "/audio") == 0) {
		if (method_is(rq, "GET") || method_is(rq, "HEAD"))
			do_audio(rq, r, who, id);
		else
			not_allowed(r, "GET, HEAD");
	} else if (strcmp(sub, "/save") == 0) {
		if (!method_is(rq, "POST")) {
			not_allowed(r, "POST");
			return;
		}
		if (store_msg_set_state(rq->ws->st, id, STORE_MSG_SAVED, NULL) != 0) {
			reply_error(r, 500, "the mailbox store failed");
			return;
		}
		m.state = STORE_MSG_SAVED;
		reply_json(r, 200, msg_json(&m));
	} else {
		reply_error(r, 404, "not found");
	}
}

static void do_pop(const web_rq *rq, web_resp *r, const web_who *who)
{
	if (!method_is(rq, "POST")) {
		not_allowed(r, "POST");
		return;
	}
	web_api_req q;
	const char *why = NULL;
	if (!json_ctype_ok(rq, r))
		return;
	if (web_api_parse_pop(rq->body, rq->body_len, &q, &why) != 0) {
		reply_error(r, 400, why);
		return;
	}
	char call_id[WEB_CALL_ID_MAX];
	int err = web_call_start(rq->ws, who, q.message_id, q.dial, call_id, &why);
	web_api_req_free(&q);
	switch (err) {
	case 0: reply_json(r, 201, json_pack("{s:s}", "call_id", call_id)); break;
	case OPENUM_ENOTFOUND: reply_error(r, 404, "no such message"); break;
	case OPENUM_EINVAL:
	case OPENUM_ETOOBIG: reply_error(r, 400, why ? why : "bad dial string"); break;
	case OPENUM_EDUP:
		reply_error(r, 409, why ? why : "a Play-On-Phone call is already running");
		break;
	default: reply_error(r, 502, why ? why : "Play-On-Phone failed"); break;
	}
}

static void do_call(const web_rq *rq, web_resp *r, const web_who *who, const char *id)
{
	web_call_info ci;
	int err;
	if (method_is(rq, "GET") || method_is(rq, "HEAD")) {
		err = web_call_info_get(rq->ws, who, id, &ci);
		if (err == 0) {
			reply_json(r, 200,
			           json_pack("{s:s,s:s,s:s,s:i,s:s}", "call_id", id, "state",
			                     web_call_state_name(ci.state), "cause",
			                     web_event_cause_name(ci.cause), "sip_code",
			                     (int)ci.sip_code, "sip_reason", ci.sip_reason));
			return;
		}
	} else if (method_is(rq, "DELETE")) {
		err = web_call_disconnect(rq->ws, who, id);
		if (err == 0) {
			reply_empty(r);
			return;
		}
	} else {
		not_allowed(r, "GET, HEAD, DELETE");
		return;
	}
	if (err == OPENUM_ENOTFOUND)
		reply_error(r, 404, "no such call");
	else
		reply_error(r, 502, "the Play-On-Phone engine failed");
}

void web_api_handle(const web_rq *rq, web_resp *r)
{
	web_server *ws = rq->ws;
	bool is_session = strcmp(rq->url, P_SESSION) == 0;
	if (is_session && method_is(rq, "POST")) {
		do_logon(rq, r);
		return;
	}
	web_session s;
	if (web_session_from_rq(ws, rq, &s) != 0) {
		reply_error(r, 401, "not logged on");
		return;
	}
	bool safe = method_is(rq, "GET") || method_is(rq, "HEAD");
	if (!safe) {
		const char *tok = web_header(rq, "X-CSRF-Token");
		if (!tok || !web_token_equal(tok, s.csrf)) {
			reply_error(r, 403, "missing or wrong X-CSRF-Token");
			return;
		}
	}
	if (is_session) {
		if (safe) {
			session_reply(ws, r, &s);
		} else if (method_is(rq, "DELETE")) {
			web_session_destroy(ws, s.id);
			web_session_cookie(ws, NULL, r->cookie, sizeof r->cookie);
			reply_empty(r);
		} else {
			not_allowed(r, "GET, HEAD, POST, DELETE");
		}
	} else if (strcmp(rq->url, P_MESSAGES) == 0) {
		if (safe)
			do_messages(rq, r, &s.who);
		else
			not_allowed(r, "GET, HEAD");
	} else if (strncmp(rq->url, P_MESSAGES "/", sizeof P_MESSAGES) == 0) {
		do_message(rq, r, &s.who, rq->url + sizeof P_MESSAGES);
	} else if (strcmp(rq->url, P_POP) == 0) {
		do_pop(rq, r, &s.who);
	} else if (strncmp(rq->url, P_CALLS, sizeof P_CALLS - 1) == 0 &&
	           rq->url[sizeof P_CALLS - 1] != '\0') {
		do_call(rq, r, &s.who, rq->url + sizeof P_CALLS - 1);
	} else {
		reply_error(r, 404, "not found");
	}
}
