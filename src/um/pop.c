/* um/pop.c: the Play-On-Phone dial-out engine (MS-OCEXUM 3.2, 4.2). It calls a phone
 * on the mailbox owner's behalf (From == To == the owner, Ms-Sensitivity keeps the call
 * from being diverted back into voice mail), plays one message with a replay / delete /
 * save menu, and reports the call in MS-OXWUMS terms to the web service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../media/media.h"
#include "um.h"

#define POP_TICK_MS 200
#define POP_ID_PREFIX "pop-"

typedef enum pop_phase {
	PH_DIALLING = 0,
	PH_PLAYING, /* intro, message, menu queued */
	PH_MENU,    /* waiting for a key */
	PH_GOODBYE, /* last words queued: hang up when they are out */
	PH_OVER,
} pop_phase;

typedef struct pop_call {
	struct pop_call *next;
	um_pop *pop;
	char id[WEB_CALL_ID_MAX];
	web_call_info info;
	ua_call *call; /* NULL once ended */
	pop_phase phase;
	int64_t msg_id;
	uint8_t *ulaw; /* the message, mu-law */
	size_t nulaw;
	char dial[WEB_DIAL_MAX];
	char sip_call_id[STORE_CALLID_MAX];
	int64_t started_ms;
	uint64_t menu_deadline; /* loop time; 0: none */
	uint64_t purge_at;      /* loop time; 0: still running */
	bool user_disconnect;
	const char *outcome; /* "saved", "deleted", "menu timeout", ... for the call log */
} pop_call;

struct um_pop {
	uv_loop_t *loop;
	ua *u;
	store *st;
	const um_prompts *prompts;
	um_pop_cfg cfg;
	char host[256], tls_name[256], from_name[STORE_NAME_MAX];
	uv_timer_t tick;
	pop_call *calls;
	unsigned ncalls;
	unsigned long seq;
	unsigned pending; /* store requests in flight */
	bool freeing, tick_closed;
};

static int64_t wall_ms(void)
{
	uv_timeval64_t tv;
	if (uv_gettimeofday(&tv) != 0)
		return 0;
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void maybe_release(um_pop *p)
{
	if (p->freeing && p->tick_closed && p->pending == 0)
		free(p);
}

static void call_free(pop_call *c)
{
	free(c->ulaw);
	free(c);
}

static void store_done(int err, const char *why, void *arg)
{
	um_pop *p = arg;
	if (err)
		ou_log(OU_LOG_ERROR, "um", "Play-On-Phone call log not written: %s",
		       why ? why : "failed");
	p->pending--;
	maybe_release(p);
}

/* ---- finding ------------------------------------------------------------------ */

static pop_call *by_ua(const um_pop *p, const ua_call *uc)
{
	if (!p || !uc)
		return NULL;
	for (pop_call *c = p->calls; c; c = c->next)
		if (c->call == uc)
			return c;
	return NULL;
}

static pop_call *by_id(const um_pop *p, const char *id)
{
	if (!id)
		return NULL;
	for (pop_call *c = p->calls; c; c = c->next)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

bool um_pop_owns(const um_pop *p, const ua_call *c)
{
	return by_ua(p, c) != NULL;
}

/* ---- playing ------------------------------------------------------------------ */

static void play_clip(pop_call *c, const char *id)
{
	media_sound *snd = c->call ? um_prompts_sound(c->pop->prompts, id) : NULL;
	if (snd)
		(void)ua_call_play_sound(c->call, snd);
}

static void play_message_and_menu(pop_call *c, bool intro)
{
	ua_call_play_stop(c->call);
	if (intro)
		play_clip(c, "pop_intro");
	if (c->nulaw)
		(void)ua_call_play(c->call, c->ulaw, c->nulaw);
	play_clip(c, "pop_menu");
	c->phase = PH_PLAYING;
	c->menu_deadline = 0;
}

static void say_goodbye(pop_call *c, const char *clip)
{
	ua_call_play_stop(c->call);
	if (clip)
		play_clip(c, clip);
	play_clip(c, "goodbye");
	c->phase = PH_GOODBYE;
	c->menu_deadline = 0;
}

static void set_state(pop_call *c, store_msg_state st)
{
	um_pop *p = c->pop;
	if (store_async_msg_set_state(p->loop, p->st, c->msg_id, st, store_done, p) == 0)
		p->pending++;
}

/* ---- ua events ------------------------------------------------------------------ */

void um_pop_on_progress(um_pop *p, ua_call *uc, unsigned status)
{
	pop_call *c = by_ua(p, uc);
	if (!c || (c->info.state != WEB_CALL_CONNECTING && c->info.state != WEB_CALL_ALERTED))
		return;
	if (status == 180 || status == 183) {
		c->info.state = WEB_CALL_ALERTED;
		c->info.sip_code = (uint16_t)status;
		snprintf(c->info.sip_reason, sizeof c->info.sip_reason, "%s",
		         status == 180 ? "Ringing" : "Session Progress");
	}
}

void um_pop_on_answered(um_pop *p, ua_call *uc)
{
	pop_call *c = by_ua(p, uc);
	if (!c || c->info.state == WEB_CALL_CONNECTED)
		return;
	c->info.state = WEB_CALL_CONNECTED;
	c->info.sip_code = 200;
	snprintf(c->info.sip_reason, sizeof c->info.sip_reason, "OK");
	if (!c->user_disconnect) /* else the 200 crossed our CANCEL: the ua sends BYE */
		play_message_and_menu(c, true);
}

void um_pop_on_dtmf(um_pop *p, ua_call *uc, char digit, ua_dtmf_source src)
{
	(void)src;
	pop_call *c = by_ua(p, uc);
	/* keys count while the message or the menu plays (barge-in) and after it */
	if (!c || (c->phase != PH_PLAYING && c->phase != PH_MENU))
		return;
	switch (digit) {
	case '1': play_message_and_menu(c, false); break;
	case '7':
		set_state(c, STORE_MSG_DELETED);
		c->outcome = "deleted";
		say_goodbye(c, "message_deleted");
		break;
	case '9':
		set_state(c, STORE_MSG_SAVED);
		c->outcome = "saved";
		say_goodbye(c, "message_saved");
		break;
	default: break;
	}
}

void um_pop_on_play_done(um_pop *p, ua_call *uc)
{
	pop_call *c = by_ua(p, uc);
	if (!c)
		return;
	if (c->phase == PH_PLAYING) {
		c->phase = PH_MENU;
		uv_update_time(p->loop);
		c->menu_deadline = uv_now(p->loop) + p->cfg.menu_timeout_ms;
	} else if (c->phase == PH_GOODBYE) {
		c->phase = PH_OVER;
		(void)ua_call_hangup(c->call);
	}
}

/* MS-OXWUMS EventCause from how the call ended (docs/play-on-phone.md). */
static web_event_cause cause_of(const pop_call *c, const ua_end *e)
{
	if (e->reason == UA_END_TIMEOUT)
		return WEB_CAUSE_NO_ANSWER;
	switch (e->status) {
	case 486:
	case 600: return WEB_CAUSE_USER_BUSY;
	case 408:
	case 480: return WEB_CAUSE_NO_ANSWER;
	case 404:
	case 410:
	case 503: return WEB_CAUSE_UNAVAILABLE;
	default: break;
	}
	if (e->reason == UA_END_TRANSPORT)
		return WEB_CAUSE_UNAVAILABLE;
	if (c->info.state == WEB_CALL_CONNECTED &&
	    (e->reason == UA_END_LOCAL_HANGUP || e->reason == UA_END_REMOTE_HANGUP))
		return WEB_CAUSE_NONE;
	if (c->user_disconnect && e->reason == UA_END_LOCAL_HANGUP)
		return WEB_CAUSE_NONE; /* the user hung up before the phone answered */
	return WEB_CAUSE_OTHER;
}

static void log_call(pop_call *c, const ua_end *e)
{
	um_pop *p = c->pop;
	store_call sc = {.time_ms = c->started_ms,
	                 .logon = STORE_LOGON_NONE,
	                 .kind = STORE_CALL_PLAY_ON_PHONE,
	                 .duration_ms = (uint32_t)e->duration_ms};
	snprintf(sc.call_id, sizeof sc.call_id, "%s", c->sip_call_id);
	snprintf(sc.transport, sizeof sc.transport, "%s",
	         p->cfg.transport == NET_TLS ? "TLS" : "TCP");
	snprintf(sc.peer, sizeof sc.peer, "%.50s:%u", p->host, (unsigned)p->cfg.port);
	snprintf(sc.mailbox, sizeof sc.mailbox, "%s", c->info.mailbox);
	char code[8] = "-";
	if (c->info.sip_code)
		snprintf(code, sizeof code, "%u", (unsigned)c->info.sip_code);
	snprintf(sc.detail, sizeof sc.detail, "%s %s %s %s; message %lld%s%s; dial %.80s",
	         web_call_state_name(c->info.state), web_event_cause_name(c->info.cause), code,
	         c->info.sip_reason, (long long)c->msg_id, c->outcome ? " " : "",
	         c->outcome ? c->outcome : "", c->dial);
	um_call_finished(&sc);
	if (store_async_call_append(p->loop, p->st, &sc, NULL, store_done, p) == 0)
		p->pending++;
}

void um_pop_on_ended(um_pop *p, ua_call *uc, const ua_end *e)
{
	pop_call *c = by_ua(p, uc);
	if (!c)
		return;
	c->info.cause = cause_of(c, e);
	if (e->status) {
		c->info.sip_code = (uint16_t)e->status;
		snprintf(c->info.sip_reason, sizeof c->info.sip_reason, "%s",
		         e->text ? e->text : "");
	} else if (c->info.state != WEB_CALL_CONNECTED && e->text) {
		/* no SIP status (a timeout, a broken connection): keep the why */
		snprintf(c->info.sip_reason, sizeof c->info.sip_reason, "%s", e->text);
	}
	c->info.state = WEB_CALL_DISCONNECTED;
	c->call = NULL;
	c->phase = PH_OVER;
	c->menu_deadline = 0;
	free(c->ulaw);
	c->ulaw = NULL;
	c->nulaw = 0;
	uv_update_time(p->loop);
	c->purge_at = uv_now(p->loop) + p->cfg.keep_ms;
	log_call(c, e);
}

/* ---- the timer: menu timeouts and forgetting finished calls ------------------ */

static void on_tick(uv_timer_t *t)
{
	um_pop *p = t->data;
	uint64_t now = uv_now(p->loop);
	for (pop_call **pp = &p->calls; *pp;) {
		pop_call *c = *pp;
		if (c->purge_at && now >= c->purge_at) {
			*pp = c->next;
			p->ncalls--;
			call_free(c);
			continue;
		}
		if (c->call && c->phase == PH_MENU && c->menu_deadline && now >= c->menu_deadline) {
			c->outcome = "menu timeout";
			say_goodbye(c, NULL);
		}
		pp = &c->next;
	}
}

/* ---- the operations -------------------------------------------------------------- */

int um_pop_request_uri(const char *dial, const char *owner, char *out, size_t cap, const char **why)
{
	const char *w = NULL;
	if (!dial || !*dial) {
		w = "empty dial string";
		goto bad;
	}
	if (!strncasecmp(dial, "sip:", 4) || !strncasecmp(dial, "sips:", 5)) {
		sip_uri u;
		if (sip_uri_parse(ou_slice_cstr(dial), &u, &w) != 0)
			goto bad;
		if ((size_t)snprintf(out, cap, "%s", dial) >= cap)
			goto big;
		return 0;
	}
	const char *num = dial;
	if (!strncasecmp(num, "tel:", 4))
		num += 4;
	size_t n = 0;
	char digits[WEB_DIAL_MAX];
	for (const char *s = num; *s && *s != ';'; s++) {
		if (*s == '+' && s == num)
			digits[n++] = '+';
		else if (*s >= '0' && *s <= '9')
			digits[n++] = *s;
		else if (*s == '-' || *s == '.' || *s == '(' || *s == ')' || *s == ' ')
			continue;
		else {
			w = "bad character in phone number";
			goto bad;
		}
		if (n + 1 >= sizeof digits)
			goto big;
	}
	digits[n] = '\0';
	if (n == 0 || (n == 1 && digits[0] == '+')) {
		w = "no digits in phone number";
		goto bad;
	}
	const char *at = owner ? strchr(owner, '@') : NULL;
	if (!at || !at[1]) {
		w = "mailbox address has no host";
		goto bad;
	}
	if ((size_t)snprintf(out, cap, "sip:%s@%s;user=phone", digits, at + 1) >= cap)
		goto big;
	return 0;
big:
	if (why)
		*why = "dial string too long";
	return OPENUM_ETOOBIG;
bad:
	if (why)
		*why = w ? w : "bad dial string";
	return OPENUM_EINVAL;
}

/* The message as mu-law, whatever the store keeps. */
static int to_ulaw(const store_audio *a, uint8_t **out, size_t *n)
{
	size_t ns = a->codec == STORE_CODEC_L16 ? a->len / 2 : a->len;
	uint8_t *u = malloc(ns ? ns : 1);
	if (!u)
		return OPENUM_ENOMEM;
	for (size_t i = 0; i < ns; i++) {
		switch (a->codec) {
		case STORE_CODEC_PCMU: u[i] = a->data[i]; break;
		case STORE_CODEC_PCMA: u[i] = g711_ulaw_encode(g711_alaw_decode(a->data[i])); break;
		default:
			u[i] = g711_ulaw_encode((
			    int16_t)(uint16_t)(a->data[2 * i] | (unsigned)a->data[2 * i + 1] << 8));
			break;
		}
	}
	*out = u;
	*n = ns;
	return 0;
}

static bool busy(const um_pop *p, const char *mailbox)
{
	for (const pop_call *c = p->calls; c; c = c->next)
		if (c->info.state != WEB_CALL_DISCONNECTED && strcmp(c->info.mailbox, mailbox) == 0)
			return true;
	return false;
}

int um_pop_start(um_pop *p, const char *mailbox, int64_t msg_id, const char *dial_string,
                 char call_id_out[WEB_CALL_ID_MAX], const char **why)
{
	const char *w = NULL;
	if (!p || !mailbox || !call_id_out || p->freeing) {
		w = "bad arguments";
		goto inval;
	}
	call_id_out[0] = '\0';
	store_mailbox mb;
	if (store_mailbox_get_by_address(p->st, mailbox, &mb, &w) != 0) {
		if (why)
			*why = "no such mailbox";
		return OPENUM_ENOTFOUND;
	}
	if (busy(p, mb.address)) {
		if (why)
			*why = "a Play-On-Phone call is already running for this mailbox";
		return OPENUM_EDUP;
	}
	if (p->ncalls >= UM_POP_CALLS_MAX) {
		if (why)
			*why = "too many Play-On-Phone calls";
		return OPENUM_ETOOBIG;
	}
	const char *dial = dial_string && *dial_string ? dial_string : mb.address;
	char ruri[WEB_DIAL_MAX + STORE_ADDR_MAX];
	int err = um_pop_request_uri(dial, mb.address, ruri, sizeof ruri, &w);
	if (err) {
		if (why)
			*why = w;
		return err;
	}

	store_msg m;
	memset(&m, 0, sizeof m);
	if (store_msg_get(p->st, msg_id, &m, &w) != 0 || m.mailbox_id != mb.id ||
	    m.state == STORE_MSG_DELETED) {
		store_msg_clear(&m);
		if (why)
			*why = "no such message";
		return OPENUM_ENOTFOUND;
	}
	pop_call *c = calloc(1, sizeof *c);
	if (!c) {
		store_msg_clear(&m);
		return OPENUM_ENOMEM;
	}
	err = to_ulaw(&m.audio, &c->ulaw, &c->nulaw);
	store_msg_clear(&m);
	if (err) {
		free(c);
		return err;
	}
	c->pop = p;
	c->msg_id = msg_id;
	c->started_ms = wall_ms();
	snprintf(c->dial, sizeof c->dial, "%s", dial);
	snprintf(c->info.mailbox, sizeof c->info.mailbox, "%s", mb.address);
	snprintf(c->id, sizeof c->id, POP_ID_PREFIX "%lu", ++p->seq);

	/* From and To both name the owner (MS-OCEXUM 3.2): the phone sees its own user
	 * calling, and the proxy must not divert the call to voice mail (rule 2) */
	static const char *const extra[] = {"Ms-Sensitivity: private-no-diversion",
	                                    "Ms-Target-Class: secondary"};
	ua_dial d = {.request_uri = ruri,
	             .from_uri = mb.address,
	             .from_name = p->from_name[0] ? p->from_name : NULL,
	             .to_uri = mb.address,
	             .transport = p->cfg.transport,
	             .host = p->host,
	             .port = p->cfg.port,
	             .tls_name = p->tls_name[0] ? p->tls_name : NULL,
	             .extra_headers = extra,
	             .nextra = 2,
	             .timeout_ms = p->cfg.dial_timeout_ms};
	err = ua_call_dial(p->u, &d, c, &c->call);
	if (err) {
		call_free(c);
		if (why)
			*why = "cannot place the call";
		return err;
	}
	ou_slice cid = ua_call_id(c->call);
	snprintf(c->sip_call_id, sizeof c->sip_call_id, "%.*s", (int)cid.n, cid.p);
	c->info.state = WEB_CALL_CONNECTING;
	c->next = p->calls;
	p->calls = c;
	p->ncalls++;
	snprintf(call_id_out, WEB_CALL_ID_MAX, "%s", c->id);
	return 0;
inval:
	if (why)
		*why = w;
	return OPENUM_EINVAL;
}

int um_pop_info(um_pop *p, const char *call_id, web_call_info *out)
{
	pop_call *c = p ? by_id(p, call_id) : NULL;
	if (!c || !out)
		return OPENUM_ENOTFOUND;
	*out = c->info;
	return 0;
}

int um_pop_disconnect(um_pop *p, const char *call_id)
{
	pop_call *c = p ? by_id(p, call_id) : NULL;
	if (!c)
		return OPENUM_ENOTFOUND;
	if (c->call && !c->user_disconnect) {
		c->user_disconnect = true;
		if (!c->outcome && c->info.state == WEB_CALL_CONNECTED)
			c->outcome = "disconnected by the user";
		ua_call_play_stop(c->call);
		c->phase = PH_OVER;
		return ua_call_hangup(c->call);
	}
	return 0;
}

static int op_start(void *arg, const char *mailbox, int64_t msg_id, const char *dial,
                    char call_id_out[WEB_CALL_ID_MAX], const char **why)
{
	return um_pop_start(arg, mailbox, msg_id, dial, call_id_out, why);
}
static int op_info(void *arg, const char *call_id, web_call_info *out)
{
	return um_pop_info(arg, call_id, out);
}
static int op_disconnect(void *arg, const char *call_id)
{
	return um_pop_disconnect(arg, call_id);
}

const web_pop_ops *um_pop_ops(void)
{
	static const web_pop_ops ops = {op_start, op_info, op_disconnect};
	return &ops;
}

/* ---- life -------------------------------------------------------------------- */

int um_pop_new(uv_loop_t *loop, ua *u, store *st, const um_prompts *prompts, const um_pop_cfg *cfg,
               um_pop **out)
{
	if (!loop || !u || !st || !prompts || !cfg || !cfg->host || !*cfg->host || !out)
		return OPENUM_EINVAL;
	um_pop_cfg c = *cfg;
	if (!c.transport)
		c.transport = NET_TLS;
	if (c.transport != NET_TLS && c.transport != NET_TCP)
		return OPENUM_EINVAL;
	if (!c.port)
		c.port = c.transport == NET_TLS ? 5061 : 5060;
	if (!c.dial_timeout_ms)
		c.dial_timeout_ms = UM_POP_DIAL_TIMEOUT_MS;
	if (!c.menu_timeout_ms)
		c.menu_timeout_ms = UM_POP_MENU_TIMEOUT_MS;
	if (!c.keep_ms)
		c.keep_ms = UM_POP_KEEP_MS;
	um_pop *p = calloc(1, sizeof *p);
	if (!p)
		return OPENUM_ENOMEM;
	if ((size_t)snprintf(p->host, sizeof p->host, "%s", c.host) >= sizeof p->host ||
	    (size_t)snprintf(p->tls_name, sizeof p->tls_name, "%s", c.tls_name ? c.tls_name : "") >=
	        sizeof p->tls_name ||
	    (size_t)snprintf(p->from_name, sizeof p->from_name, "%s",
	                     c.from_name ? c.from_name : "") >= sizeof p->from_name) {
		free(p);
		return OPENUM_ETOOBIG;
	}
	c.host = p->host;
	c.tls_name = NULL;
	c.from_name = NULL;
	p->cfg = c;
	p->loop = loop;
	p->u = u;
	p->st = st;
	p->prompts = prompts;
	if (uv_timer_init(loop, &p->tick) != 0) {
		free(p);
		return OPENUM_EIO;
	}
	p->tick.data = p;
	uv_timer_start(&p->tick, on_tick, POP_TICK_MS, POP_TICK_MS);
	uv_unref((uv_handle_t *)&p->tick); /* the engine alone does not keep the loop alive */
	*out = p;
	return 0;
}

static void tick_closed(uv_handle_t *h)
{
	um_pop *p = h->data;
	p->tick_closed = true;
	maybe_release(p);
}

void um_pop_free(um_pop *p)
{
	if (!p)
		return;
	p->freeing = true;
	while (p->calls) {
		pop_call *c = p->calls;
		p->calls = c->next;
		if (c->call) /* the ua still runs it: detach, and end it */
			(void)ua_call_hangup(c->call);
		call_free(c);
	}
	p->ncalls = 0;
	uv_close((uv_handle_t *)&p->tick, tick_closed);
}
