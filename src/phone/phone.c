/* The phone: one ua with one registration at the proxy and at most one call. Applies
 * the presence rule to incoming calls, plays a WAV file as the microphone, records what
 * the call hears into a WAV file, and keeps the status the CLI and scripts read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../media/media.h"
#include "../ua/ua.h"
#include "phone.h"

#define PHONE_POLL_MS 20
#define PHONE_MAX_RECORD_S 3600
#define STR 256

struct phone {
	uv_loop_t *loop;
	ua *u;
	ua_registration *reg;
	ua_subscription *sub; /* message-summary, after the first registration */
	bool want_mwi;
	char mwi_account[STR];
	uint32_t mwi_expires;
	phone_changed_cb cb;
	void *arg;
	char aor[STR], user[128], pass[128], host[STR], tls_name[STR], play[STR], rec[STR];
	char ca[STR], cert[STR], key[STR];
	net_transport tp;
	uint16_t port;
	bool auto_answer, have_pass, have_tls_name, skip_pin_anyway;
	phone_status st;
	ua_call *call;
	sip_msg *last_invite;
	/* recording: what the call heard, taken once at the deadline or the end */
	bool rec_on;
	uint64_t rec_until; /* uv_now deadline; 0: until the call ends */
	char rec_path[STR];
	int16_t *rec_pcm;
	size_t rec_n, rec_cap;
	uv_timer_t poll;
};

static void changed(phone *p)
{
	if (p->cb)
		p->cb(p->arg, p);
}

static void set_why(const char **why, const char *s)
{
	if (why)
		*why = s;
}

/* ---- recording ------------------------------------------------------------------- */

static void rec_gather(phone *p)
{
	int16_t *pcm = NULL;
	size_t n = 0;
	if (!p->call || ua_call_record_take(p->call, &pcm, &n))
		return;
	if (p->rec_n + n > p->rec_cap) {
		size_t cap = (p->rec_n + n) * 2;
		int16_t *q = realloc(p->rec_pcm, cap * sizeof(*q));
		if (!q) {
			free(pcm);
			return;
		}
		p->rec_pcm = q;
		p->rec_cap = cap;
	}
	if (n)
		memcpy(p->rec_pcm + p->rec_n, pcm, n * sizeof(*pcm));
	p->rec_n += n;
	free(pcm);
}

static void rec_finish(phone *p)
{
	if (!p->rec_on)
		return;
	p->rec_on = false;
	if (media_wav_write(p->rec_path, MEDIA_WAV_PCM16, p->rec_pcm, p->rec_n))
		fprintf(stderr, "openum phone: cannot write %s\n", p->rec_path);
	free(p->rec_pcm);
	p->rec_pcm = NULL;
	p->rec_n = p->rec_cap = 0;
	changed(p);
}

static void rec_begin(phone *p, const char *path, uint64_t until)
{
	if (p->rec_on)
		rec_finish(p);
	snprintf(p->rec_path, sizeof(p->rec_path), "%s", path);
	p->rec_until = until;
	p->rec_on = true;
	if (p->call)
		(void)ua_call_record_start(p->call, (size_t)PHONE_MAX_RECORD_S * 8000);
}

static void poll_cb(uv_timer_t *t)
{
	phone *p = t->data;
	/* one take at the end: restarting a recording restarts its jitter buffer */
	if (p->rec_on && p->rec_until && uv_now(p->loop) >= p->rec_until) {
		rec_gather(p);
		rec_finish(p);
	}
}

/* ---- ua events ---------------------------------------------------------------------- */

static void uri_of(sip_msg *m, bool from, char *out, size_t cap)
{
	const sip_addr *a;
	out[0] = '\0';
	if ((from ? sip_msg_from(m, &a, NULL) : sip_msg_to(m, &a, NULL)) == 0)
		ou_slice_copy(a->uri.raw, out, cap);
}

static void on_incoming(void *arg, ua_call *c, sip_msg *invite, const net_peer *peer)
{
	phone *p = arg;
	(void)peer;
	p->st.calls_in++;
	free(p->last_invite);
	p->last_invite = NULL;
	(void)sip_msg_clone(invite, &p->last_invite);
	if (p->call) {
		(void)ua_call_reject(c, 486, NULL);
		changed(p);
		return;
	}
	bool pop = false;
	(void)phone_is_pop_call(invite, p->aor, &pop);
	phone_in_action a = phone_incoming_decide(p->st.presence, pop, p->auto_answer);
	if (a == PHONE_IN_DECLINE_480) {
		p->st.calls_declined++;
		(void)ua_call_reject(c, 480, "Temporarily Unavailable");
		changed(p);
		return;
	}
	p->call = c;
	p->st.call = PHONE_RINGING;
	p->st.incoming = true;
	p->st.dtmf[0] = '\0';
	p->st.end_status = 0;
	p->st.end_text[0] = '\0';
	uri_of(invite, true, p->st.peer, sizeof(p->st.peer));
	(void)ua_call_ring(c);
	if (a == PHONE_IN_ANSWER)
		(void)ua_call_answer(c, NULL, 0);
	changed(p);
}

static void on_progress(void *arg, ua_call *c, unsigned status)
{
	(void)c, (void)status;
	changed(arg);
}

static int play_file(phone *p)
{
	media_audio a = {0};
	const char *why = NULL;
	if (!p->play[0] || !p->call)
		return 0;
	int err = media_wav_read(p->play, &a, &why);
	if (err) {
		fprintf(stderr, "openum phone: %s: %s\n", p->play, why ? why : ou_strerror(err));
		return err;
	}
	uint8_t *ulaw = malloc(a.n ? a.n : 1);
	if (!ulaw) {
		media_audio_free(&a);
		return OPENUM_ENOMEM;
	}
	for (size_t i = 0; i < a.n; i++)
		ulaw[i] = g711_ulaw_encode(a.pcm[i]);
	err = ua_call_play(p->call, ulaw, a.n);
	free(ulaw);
	media_audio_free(&a);
	return err;
}

static void on_answered(void *arg, ua_call *c)
{
	phone *p = arg;
	if (c != p->call)
		return;
	p->st.call = PHONE_ACTIVE;
	p->st.calls_answered++;
	(void)play_file(p);
	if (p->rec[0] && !p->rec_on)
		rec_begin(p, p->rec, 0);
	else if (p->rec_on)
		(void)ua_call_record_start(c, (size_t)PHONE_MAX_RECORD_S * 8000);
	changed(p);
}

/* cppcheck-suppress constParameter ; the signature is ua_events.dtmf's */
static void on_dtmf(void *arg, ua_call *c, char digit, ua_dtmf_source src)
{
	phone *p = arg;
	(void)src;
	if (c != p->call)
		return;
	size_t n = strlen(p->st.dtmf);
	if (n < PHONE_DTMF_MAX) {
		p->st.dtmf[n] = digit;
		p->st.dtmf[n + 1] = '\0';
	}
	changed(p);
}

/* cppcheck-suppress constParameter ; the signature is ua_events.ended's */
static void on_ended(void *arg, ua_call *c, const ua_end *end)
{
	phone *p = arg;
	if (c != p->call)
		return;
	if (p->rec_on) {
		rec_gather(p); /* what the ua kept from the media that just closed */
		rec_finish(p);
	}
	p->call = NULL;
	p->st.call = PHONE_IDLE;
	p->st.calls_ended++;
	p->st.end_status = end->status;
	snprintf(p->st.end_text, sizeof(p->st.end_text), "%s", end->text ? end->text : "");
	changed(p);
}

/* ---- message waiting ---------------------------------------------------------------- */

static void on_sub_state(void *arg, ua_subscription *s, ua_sub_state st, unsigned status,
                         uint32_t expires)
{
	phone *p = arg;
	(void)s, (void)expires;
	if (status)
		p->st.mwi_status = status;
	p->st.mwi = st == UA_SUB_ACTIVE   ? PHONE_MWI_ACTIVE
	            : st == UA_SUB_FAILED ? PHONE_MWI_FAILED
	                                  : PHONE_MWI_TERMINATED;
	changed(p);
}

static void on_sub_notify(void *arg, ua_subscription *s, ou_slice ctype, ou_slice body)
{
	phone *p = arg;
	(void)s;
	sip_ctype ct;
	sip_msum m;
	if (sip_ctype_parse(ctype, &ct, NULL) || !ou_slice_caseeq_cstr(ct.type, "application") ||
	    !ou_slice_caseeq_cstr(ct.subtype, "simple-message-summary") ||
	    sip_msum_parse(body, &m, NULL))
		return;
	const sip_msum_class *v = sip_msum_find(&m, "Voice-Message");
	p->st.mwi_notifies++;
	p->st.lamp_known = true;
	p->st.lamp = m.waiting;
	p->st.vm_new = v ? v->nnew : 0;
	p->st.vm_old = v ? v->nold : 0;
	if (p->st.mwi != PHONE_MWI_FAILED)
		p->st.mwi = PHONE_MWI_ACTIVE;
	changed(p);
}

/* An unsolicited NOTIFY (a UM server's --mwi-unsolicited): the lamp all the same. */
static void on_request(void *arg, ua *u, void *st, sip_msg *req, const net_peer *peer)
{
	phone *p = arg;
	const sip_addr *to;
	(void)peer;
	if (sip_msg_to(req, &to, NULL) == 0 && to->tag.p) {
		(void)ua_respond(u, st, 481, NULL);
		return;
	}
	const sip_hdr *ev = sip_msg_hdr(req, SIP_H_EVENT);
	if (req->method != SIP_METHOD_NOTIFY) {
		(void)ua_respond(u, st, 405, NULL);
		return;
	}
	if (!ev || !sip_event_is(ev->value, "message-summary")) {
		(void)ua_respond(u, st, 489, NULL);
		return;
	}
	(void)ua_respond(u, st, 200, NULL);
	const sip_hdr *ct = sip_msg_hdr(req, SIP_H_CONTENT_TYPE);
	on_sub_notify(p, NULL, ct ? ou_slice_trim(ct->value) : OU_SLICE_NULL, req->body);
}

static void mwi_start(phone *p)
{
	ua_sub c = {.resource = p->mwi_account,
	            .from = p->aor,
	            .event = "message-summary",
	            .accept = SIP_MSUM_CTYPE,
	            .transport = p->tp,
	            .host = p->host,
	            .port = p->port,
	            .tls_name = p->have_tls_name ? p->tls_name : NULL,
	            .username = p->user,
	            .password = p->have_pass ? p->pass : NULL,
	            .expires_s = p->mwi_expires,
	            .state = on_sub_state,
	            .notify = on_sub_notify,
	            .arg = p};
	if (ua_subscribe(p->u, &c, &p->sub) == 0) {
		p->st.mwi = PHONE_MWI_SUBSCRIBING;
	} else {
		p->sub = NULL;
		p->st.mwi = PHONE_MWI_FAILED;
	}
}

const char *phone_mwi_name(phone_mwi m)
{
	switch (m) {
	case PHONE_MWI_SUBSCRIBING: return "subscribing";
	case PHONE_MWI_ACTIVE: return "active";
	case PHONE_MWI_FAILED: return "failed";
	case PHONE_MWI_TERMINATED: return "terminated";
	default: return "off";
	}
}

static void on_reg(void *arg, ua_registration *g, ua_reg_state s, unsigned status, const char *text,
                   uint32_t expires)
{
	phone *p = arg;
	(void)g, (void)text, (void)expires;
	p->st.reg_status = status;
	p->st.reg = s == UA_REG_REGISTERED ? PHONE_REG_OK
	            : s == UA_REG_FAILED   ? PHONE_REG_FAILED
	                                   : PHONE_REG_OFF;
	/* subscribe once the registrar knows our Contact: NOTIFYs come back on the flow */
	if (s == UA_REG_REGISTERED && p->want_mwi && !p->sub)
		mwi_start(p);
	changed(p);
}

/* ---- life ------------------------------------------------------------------------- */

static bool copy(char *dst, size_t cap, const char *src)
{
	if (!src)
		return false;
	snprintf(dst, cap, "%s", src);
	return true;
}

int phone_new(uv_loop_t *loop, const phone_config *cfg, phone_changed_cb cb, void *arg, phone **out,
              const char **why)
{
	sip_uri aor;
	if (!loop || !cfg || !out || !cfg->aor || !cfg->proxy_host) {
		set_why(why, "missing address or proxy");
		return OPENUM_EINVAL;
	}
	if (sip_uri_parse(ou_slice_cstr(cfg->aor), &aor, NULL) ||
	    (aor.scheme != SIP_URI_SIP && aor.scheme != SIP_URI_SIPS) || !aor.user.n ||
	    aor.user.n >= 128 || strlen(cfg->aor) >= STR) {
		set_why(why, "bad address: expected sip:user@domain");
		return OPENUM_EINVAL;
	}
	phone *p = calloc(1, sizeof(*p));
	if (!p)
		return OPENUM_ENOMEM;
	p->loop = loop;
	p->cb = cb;
	p->arg = arg;
	copy(p->aor, sizeof(p->aor), cfg->aor);
	ou_slice_copy(aor.user, p->user, sizeof(p->user));
	p->have_pass = copy(p->pass, sizeof(p->pass), cfg->password);
	copy(p->host, sizeof(p->host), cfg->proxy_host);
	p->have_tls_name = copy(p->tls_name, sizeof(p->tls_name), cfg->tls_name);
	copy(p->play, sizeof(p->play), cfg->play_file);
	copy(p->rec, sizeof(p->rec), cfg->record_file);
	p->tp = cfg->transport == NET_TCP ? NET_TCP : NET_TLS;
	p->port = cfg->proxy_port    ? cfg->proxy_port
	          : p->tp == NET_TLS ? NET_DEFAULT_TLS_PORT
	                             : NET_DEFAULT_TCP_PORT;
	p->auto_answer = cfg->auto_answer;
	p->skip_pin_anyway = cfg->skip_pin_anyway;
	p->st.presence = cfg->presence;
	p->want_mwi = !cfg->no_mwi;
	copy(p->mwi_account, sizeof(p->mwi_account),
	     cfg->mwi_account ? cfg->mwi_account : cfg->aor);
	p->mwi_expires = cfg->mwi_expires_s;

	ua_config uc = {.t1_ms = cfg->t1_ms};
	uc.net.ca_file = copy(p->ca, sizeof(p->ca), cfg->ca_file) ? p->ca : NULL;
	uc.net.cert_file = copy(p->cert, sizeof(p->cert), cfg->cert_file) ? p->cert : NULL;
	uc.net.key_file = copy(p->key, sizeof(p->key), cfg->key_file) ? p->key : NULL;
	ua_events ev = {.incoming = on_incoming,
	                .progress = on_progress,
	                .answered = on_answered,
	                .dtmf = on_dtmf,
	                .ended = on_ended,
	                .request = on_request};
	int err = ua_new(loop, &uc, &ev, p, &p->u);
	if (err) {
		set_why(why, "cannot start the SIP stack (TLS files?)");
		free(p);
		return err;
	}
	uv_timer_init(loop, &p->poll);
	p->poll.data = p;
	uv_timer_start(&p->poll, poll_cb, PHONE_POLL_MS, PHONE_POLL_MS);
	if (!cfg->no_register) {
		ua_reg r = {.aor = p->aor,
		            .transport = p->tp,
		            .host = p->host,
		            .port = p->port,
		            .tls_name = p->have_tls_name ? p->tls_name : NULL,
		            .username = p->user,
		            .password = p->have_pass ? p->pass : NULL,
		            .expires_s = cfg->expires_s,
		            .cb = on_reg,
		            .arg = p};
		p->st.reg = PHONE_REG_TRYING;
		if ((err = ua_register(p->u, &r, &p->reg))) {
			set_why(why, "cannot reach the proxy");
			phone_free(p);
			return err;
		}
	}
	*out = p;
	return 0;
}

int phone_unregister(phone *p)
{
	return p->reg ? ua_unregister(p->reg) : 0;
}

static void poll_closed(uv_handle_t *h)
{
	free(h->data);
}

void phone_free(phone *p)
{
	if (!p)
		return;
	p->cb = NULL;
	if (p->call && p->rec_on)
		rec_gather(p);
	rec_finish(p);
	ua_subscription_free(p->sub);
	ua_registration_free(p->reg);
	ua_free(p->u);
	free(p->last_invite);
	free(p->rec_pcm);
	uv_timer_stop(&p->poll);
	uv_close((uv_handle_t *)&p->poll, poll_closed);
}

/* ---- status ------------------------------------------------------------------------ */

void phone_get_status(const phone *p, phone_status *out)
{
	*out = p->st;
	memset(&out->heard, 0, sizeof(out->heard));
	if (p->call) {
		media_session_stats ms;
		ua_call_media_stats(p->call, &ms);
		out->heard = ms.heard;
	}
}

uv_loop_t *phone_loop(phone *p)
{
	return p->loop;
}

const char *phone_reg_name(phone_reg r)
{
	switch (r) {
	case PHONE_REG_TRYING: return "registering";
	case PHONE_REG_OK: return "registered";
	case PHONE_REG_FAILED: return "failed";
	case PHONE_REG_OFF: return "unregistered";
	default: return "none";
	}
}

const char *phone_call_state_name(phone_call_state s)
{
	switch (s) {
	case PHONE_DIALING: return "dialing";
	case PHONE_RINGING: return "ringing";
	case PHONE_ACTIVE: return "active";
	default: return "idle";
	}
}

void phone_status_line(const phone *p, char *out, size_t cap)
{
	const phone_status *s = &p->st;
	char reg[40];
	if (s->reg == PHONE_REG_FAILED)
		snprintf(reg, sizeof(reg), "failed(%u)", s->reg_status);
	else
		snprintf(reg, sizeof(reg), "%s", phone_reg_name(s->reg));
	char mwi[48];
	if (s->mwi == PHONE_MWI_FAILED)
		snprintf(mwi, sizeof(mwi), "failed(%u)", s->mwi_status);
	else if (s->lamp_known)
		snprintf(mwi, sizeof(mwi), "%s(%u/%u)", s->lamp ? "yes" : "no", s->vm_new,
		         s->vm_old);
	else
		snprintf(mwi, sizeof(mwi), "%s", s->mwi == PHONE_MWI_OFF ? "off" : "-");
	snprintf(out, cap, "reg=%s call=%s%s%s presence=%s dtmf=%s last-end=%u mwi=%s", reg,
	         phone_call_state_name(s->call), s->peer[0] ? " peer=" : "", s->peer,
	         phone_presence_name(s->presence), s->dtmf[0] ? s->dtmf : "-", s->end_status, mwi);
}

sip_msg *phone_last_invite(phone *p)
{
	return p->last_invite;
}

/* ---- actions --------------------------------------------------------------------- */

static int dial(phone *p, const char *ruri, const char *const *extra, size_t nextra,
                const char **why)
{
	if (p->call) {
		set_why(why, "a call is already up");
		return OPENUM_EINVAL;
	}
	ua_dial d = {.request_uri = ruri,
	             .from_uri = p->aor,
	             .transport = p->tp,
	             .host = p->host,
	             .port = p->port,
	             .tls_name = p->have_tls_name ? p->tls_name : NULL,
	             .extra_headers = extra,
	             .nextra = nextra,
	             .auth_user = p->user,
	             .auth_password = p->have_pass ? p->pass : NULL};
	int err = ua_call_dial(p->u, &d, p, &p->call);
	if (err) {
		set_why(why, "cannot place the call");
		return err;
	}
	p->st.call = PHONE_DIALING;
	p->st.incoming = false;
	p->st.dtmf[0] = '\0';
	p->st.end_status = 0;
	p->st.end_text[0] = '\0';
	snprintf(p->st.peer, sizeof(p->st.peer), "%s", ruri);
	changed(p);
	return 0;
}

int phone_call(phone *p, const char *uri, const char **why)
{
	sip_uri u;
	if (!uri || sip_uri_parse(ou_slice_cstr(uri), &u, NULL) ||
	    (u.scheme != SIP_URI_SIP && u.scheme != SIP_URI_SIPS)) {
		set_why(why, "expected a sip: URI");
		return OPENUM_EINVAL;
	}
	return dial(p, uri, NULL, 0, why);
}

int phone_voicemail(phone *p, const char *mailbox, const char **why)
{
	char uri[PHONE_URI_MAX];
	static const char *const skip[] = {"Ms-Exchange-Command: skip-pin"};
	if (phone_voicemail_uri(mailbox ? mailbox : p->aor, uri, sizeof(uri))) {
		set_why(why, "bad address");
		return OPENUM_EINVAL;
	}
	/* Someone else's mailbox named in the Request-URI is call answering (leave a
	 * message) unless MS-EUMR's local-resource-path says we want the mailbox itself. */
	char own[PHONE_URI_MAX];
	if (mailbox && (phone_voicemail_uri(p->aor, own, sizeof(own)) || strcmp(own, uri) != 0)) {
		size_t n = strlen(uri);
		if ((size_t)snprintf(uri + n, sizeof(uri) - n, ";local-resource-path=voicemail") >=
		    sizeof(uri) - n) {
			set_why(why, "address too long");
			return OPENUM_ETOOBIG;
		}
	}
	bool sp = p->skip_pin_anyway || phone_voicemail_skip_pin(p->tp);
	return dial(p, uri, sp ? skip : NULL, sp ? 1 : 0, why);
}

int phone_answer(phone *p, const char **why)
{
	if (!p->call || p->st.call != PHONE_RINGING) {
		set_why(why, "no call is ringing");
		return OPENUM_EINVAL;
	}
	int err = ua_call_answer(p->call, NULL, 0);
	if (err)
		set_why(why, "cannot answer");
	return err;
}

int phone_hangup(phone *p, const char **why)
{
	if (!p->call) {
		set_why(why, "no call");
		return OPENUM_EINVAL;
	}
	if (p->st.call == PHONE_RINGING)
		return ua_call_reject(p->call, 603, "Decline");
	return ua_call_hangup(p->call);
}

int phone_send_dtmf(phone *p, const char *digits, bool info, const char **why)
{
	if (!p->call || p->st.call != PHONE_ACTIVE) {
		set_why(why, "no active call");
		return OPENUM_EINVAL;
	}
	int err = ua_call_send_dtmf(p->call, digits, info);
	if (err)
		set_why(why, "cannot send DTMF");
	return err;
}

void phone_set_presence(phone *p, phone_presence pres)
{
	p->st.presence = pres;
	changed(p);
}

int phone_record(phone *p, unsigned seconds, const char *path, const char **why)
{
	if (!p->call || p->st.call != PHONE_ACTIVE) {
		set_why(why, "no active call");
		return OPENUM_EINVAL;
	}
	if (!seconds || seconds > PHONE_MAX_RECORD_S || !path || strlen(path) >= STR) {
		set_why(why, "bad recording length or file");
		return OPENUM_EINVAL;
	}
	rec_begin(p, path, uv_now(p->loop) + (uint64_t)seconds * 1000);
	return 0;
}

bool phone_recording(const phone *p)
{
	return p->rec_on;
}
