/* Runs a parsed phone script on the loop: actions happen at once, wait-* steps are
 * checked every RUN_TICK_MS against the phone's status until they pass or time out.
 * Every step logs one line; the first failure stops the run. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

#define RUN_TICK_MS 20

struct phone_run {
	phone *p;
	const phone_step *steps;
	size_t n, i;
	FILE *out;
	phone_run_done_cb done;
	void *arg;
	uint64_t step_start;
	bool started; /* the current step has begun (step_start is set) */
	bool acted;   /* a step that waits after acting (record) has acted */
	bool finished;
	unsigned declined_seen;
	uint64_t voiced_base; /* heard.voiced_ms when the current step began */
	uv_timer_t tick;
};

static void finish(phone_run *r, int result)
{
	r->finished = true;
	uv_timer_stop(&r->tick);
	fflush(r->out);
	if (r->done)
		r->done(r->arg, result);
}

static void pass(phone_run *r, const phone_step *s, const char *detail)
{
	fprintf(r->out, "line %u: %s%s%s: ok%s%s\n", s->line, phone_op_name(s->op),
	        s->arg[0] ? " " : "", s->arg, detail ? ": " : "", detail ? detail : "");
	fflush(r->out);
	r->i++;
	r->started = r->acted = false;
}

static void fail(phone_run *r, const phone_step *s, const char *fmt, const char *a)
{
	char msg[512];
	/* long values are cut on purpose: the return value is looked at so gcc knows */
	if (snprintf(msg, sizeof(msg), fmt, a ? a : "") < 0)
		msg[0] = '\0';
	fprintf(r->out, "line %u: %s%s%s: FAIL: %s\n", s->line, phone_op_name(s->op),
	        s->arg[0] ? " " : "", s->arg, msg);
	finish(r, OPENUM_EINVAL);
}

static const sip_hdr *find_hdr(sip_msg *m, const char *name, const sip_hdr *after)
{
	sip_hdr_id id = sip_hdr_id_from(name, strlen(name));
	if (id != SIP_H_OTHER)
		return after ? sip_msg_hdr_next(m, after) : sip_msg_hdr(m, id);
	/* unknown headers: scan by name (they share no chain) */
	size_t start = after ? (size_t)(after - m->hdr) + 1 : 0;
	for (size_t i = start; i < m->nhdr; i++)
		if (m->hdr[i].id == SIP_H_OTHER && ou_slice_caseeq_cstr(m->hdr[i].name, name))
			return &m->hdr[i];
	return NULL;
}

static void expect_header(phone_run *r, const phone_step *s, bool absent)
{
	sip_msg *m = phone_last_invite(r->p);
	if (!m) {
		fail(r, s, "no INVITE received yet%s", NULL);
		return;
	}
	const sip_hdr *h = find_hdr(m, s->arg, NULL);
	if (absent) {
		if (h) {
			char v[256];
			ou_slice_copy(h->value, v, sizeof(v));
			fail(r, s, "present: %s", v);
		} else {
			pass(r, s, NULL);
		}
		return;
	}
	regex_t re;
	if (regcomp(&re, s->arg2, REG_EXTENDED | REG_NOSUB)) {
		fail(r, s, "bad regular expression%s", NULL);
		return;
	}
	char v[1024], seen[512] = "";
	for (; h; h = find_hdr(m, s->arg, h)) {
		ou_slice_copy(h->value, v, sizeof(v));
		if (regexec(&re, v, 0, NULL, 0) == 0) {
			regfree(&re);
			pass(r, s, v);
			return;
		}
		size_t used = strlen(seen);
		if (snprintf(seen + used, sizeof(seen) - used, "%s'%s'", seen[0] ? ", " : "", v) <
		    0)
			seen[used] = '\0';
	}
	regfree(&re);
	char msg[1024];
	if (snprintf(msg, sizeof(msg), "/%s/ not matched (values: %s)", s->arg2,
	             seen[0] ? seen : "header absent") < 0)
		msg[0] = '\0';
	fail(r, s, "%s", msg);
}

/* Does the phone's message-waiting state match a wait-mwi argument? */
static bool mwi_matches(const phone_status *st, const char *want)
{
	unsigned a, b;
	if (strncmp(want, "failed:", 7) == 0)
		return st->mwi == PHONE_MWI_FAILED && sscanf(want + 7, "%u", &a) == 1 &&
		       st->mwi_status == a;
	if (!st->lamp_known || st->mwi == PHONE_MWI_FAILED)
		return false;
	bool yes = strncmp(want, "yes", 3) == 0;
	if (st->lamp != yes)
		return false;
	const char *colon = strchr(want, ':');
	if (!colon)
		return true;
	return sscanf(colon + 1, "%u/%u", &a, &b) == 2 && st->vm_new == a && st->vm_old == b;
}

/* wait-prompt, wait-audio, wait-silence: the level of what the call hears against the
 * step's start. Fails at once when no call is up (nothing to listen to); a call still
 * ringing is waited for. */
static bool wait_sound(phone_run *r, const phone_step *s, const phone_status *st, uint64_t now,
                       bool timed_out)
{
	const media_level *l = &st->heard;
	uint64_t sound = l->voiced_ms - r->voiced_base;
	bool ok = false;
	if (s->op == PHONE_OP_WAIT_PROMPT)
		ok = media_level_prompt_over(l, r->step_start, r->voiced_base, now,
		                             PHONE_PROMPT_SOUND_MS, PHONE_PROMPT_SILENCE_MS);
	else if (s->op == PHONE_OP_WAIT_AUDIO)
		ok = media_level_heard(l, r->voiced_base, PHONE_PROMPT_SOUND_MS);
	else
		ok = media_level_quiet(l, r->step_start, now, PHONE_PROMPT_SILENCE_MS);
	char buf[160];
	if (ok && st->call == PHONE_ACTIVE) {
		snprintf(buf, sizeof(buf), "%llu ms of sound in %llu ms", (unsigned long long)sound,
		         (unsigned long long)(now - r->step_start));
		pass(r, s, buf);
		return true;
	}
	if (st->call == PHONE_IDLE) {
		snprintf(buf, sizeof(buf), "no call is up (the last ended: %u %s)", st->end_status,
		         st->end_text);
		fail(r, s, "%s", buf);
	} else if (timed_out && st->call != PHONE_ACTIVE) {
		fail(r, s, "the call was not answered%s", NULL);
	} else if (timed_out) {
		if (s->op == PHONE_OP_WAIT_SILENCE)
			snprintf(buf, sizeof(buf),
			         "never %u ms of silence (sound until %llu ms ago)",
			         (unsigned)PHONE_PROMPT_SILENCE_MS,
			         (unsigned long long)(now - l->last_voiced_at));
		else if (sound < PHONE_PROMPT_SOUND_MS)
			snprintf(buf, sizeof(buf), "no prompt heard: %llu ms of sound in %u s",
			         (unsigned long long)sound, s->num);
		else
			snprintf(buf, sizeof(buf),
			         "the prompt did not end: %llu ms of sound, still sounding %llu ms "
			         "ago",
			         (unsigned long long)sound,
			         (unsigned long long)(now - l->last_voiced_at));
		fail(r, s, "%s", buf);
	}
	return false;
}

/* One look at the current step; true when the run may go on to the next one now. */
static bool step(phone_run *r)
{
	const phone_step *s = &r->steps[r->i];
	phone *p = r->p;
	phone_status st;
	const char *why = NULL;
	uint64_t now = uv_now(uv_handle_get_loop((uv_handle_t *)&r->tick));
	phone_get_status(p, &st);
	if (!r->started) {
		r->started = true;
		r->step_start = now;
		r->voiced_base = st.heard.voiced_ms;
	}
	bool timed_out = now - r->step_start >= (uint64_t)s->num * 1000;
	char buf[512];
	int err = 0;
	switch (s->op) {
	case PHONE_OP_WAIT_REGISTERED:
		if (st.reg == PHONE_REG_OK)
			break;
		if (timed_out) {
			snprintf(buf, sizeof(buf), "not registered (%s, status %u)",
			         phone_reg_name(st.reg), st.reg_status);
			fail(r, s, "%s", buf);
		}
		return false;
	case PHONE_OP_WAIT_CALL:
		if (st.call != PHONE_IDLE && st.incoming) {
			pass(r, s, st.peer);
			return true;
		}
		if (timed_out)
			fail(r, s, "no call came%s", NULL);
		return false;
	case PHONE_OP_WAIT_DECLINED:
		if (st.calls_declined > r->declined_seen) {
			r->declined_seen++;
			break;
		}
		if (timed_out)
			fail(r, s, "no call was declined%s", NULL);
		return false;
	case PHONE_OP_ANSWER: err = phone_answer(p, &why); break;
	case PHONE_OP_CALL: err = phone_call(p, s->arg, &why); break;
	case PHONE_OP_VOICEMAIL: err = phone_voicemail(p, s->arg[0] ? s->arg : NULL, &why); break;
	case PHONE_OP_WAIT_ANSWERED:
		if (st.call == PHONE_ACTIVE)
			break;
		if (st.call == PHONE_IDLE) {
			snprintf(buf, sizeof(buf), "the call ended: %u %s", st.end_status,
			         st.end_text);
			fail(r, s, "%s", buf);
		} else if (timed_out) {
			fail(r, s, "not answered in time%s", NULL);
		}
		return false;
	case PHONE_OP_SLEEP:
		if (now - r->step_start >= s->num)
			break;
		return false;
	case PHONE_OP_DTMF: err = phone_send_dtmf(p, s->arg, s->info, &why); break;
	case PHONE_OP_WAIT_MWI:
		if (mwi_matches(&st, s->arg)) {
			snprintf(buf, sizeof(buf), "%s %u/%u", st.lamp ? "yes" : "no", st.vm_new,
			         st.vm_old);
			pass(r, s, st.mwi == PHONE_MWI_FAILED ? NULL : buf);
			return true;
		}
		if (timed_out) {
			if (st.mwi == PHONE_MWI_FAILED)
				snprintf(buf, sizeof(buf), "subscription failed (%u)",
				         st.mwi_status);
			else if (!st.lamp_known)
				snprintf(buf, sizeof(buf), "no message-summary NOTIFY (%s)",
				         phone_mwi_name(st.mwi));
			else
				snprintf(buf, sizeof(buf), "lamp %s %u/%u", st.lamp ? "yes" : "no",
				         st.vm_new, st.vm_old);
			fail(r, s, "%s", buf);
		}
		return false;
	case PHONE_OP_WAIT_DTMF:
		if (strstr(st.dtmf, s->arg)) {
			pass(r, s, st.dtmf);
			return true;
		}
		if (timed_out) {
			snprintf(buf, sizeof(buf), "received '%s'", st.dtmf);
			fail(r, s, "%s", buf);
		}
		return false;
	case PHONE_OP_RECORD:
		if (!r->acted) {
			r->acted = true;
			err = phone_record(p, s->num, s->arg, &why);
			if (!err)
				return false; /* recording: the next ticks wait for it to end */
		} else if (phone_recording(p)) {
			return false;
		}
		break;
	case PHONE_OP_EXPECT_HEADER: expect_header(r, s, false); return true;
	case PHONE_OP_EXPECT_NO_HEADER: expect_header(r, s, true); return true;
	case PHONE_OP_EXPECT_STATUS:
		if (st.call != PHONE_IDLE) {
			fail(r, s, "the call is still up%s", NULL);
			return false;
		}
		if (st.end_status != s->num) {
			snprintf(buf, sizeof(buf), "ended with %u %s", st.end_status, st.end_text);
			fail(r, s, "%s", buf);
			return false;
		}
		break;
	case PHONE_OP_PRESENCE: {
		phone_presence pr = PHONE_AVAILABLE;
		(void)phone_presence_from(s->arg, &pr);
		phone_set_presence(p, pr);
		break;
	}
	case PHONE_OP_HANGUP: err = phone_hangup(p, &why); break;
	case PHONE_OP_WAIT_ENDED:
		if (st.call == PHONE_IDLE) {
			snprintf(buf, sizeof(buf), "%u %s", st.end_status, st.end_text);
			pass(r, s, buf);
			return true;
		}
		if (timed_out)
			fail(r, s, "the call is still up%s", NULL);
		return false;
	case PHONE_OP_WAIT_PROMPT:
	case PHONE_OP_WAIT_AUDIO:
	case PHONE_OP_WAIT_SILENCE: return wait_sound(r, s, &st, now, timed_out);
	case PHONE_OP_PRINT_STATE:
		phone_status_line(p, buf, sizeof(buf));
		pass(r, s, buf);
		return true;
	}
	if (err) {
		fail(r, s, "%s", why ? why : ou_strerror(err));
		return false;
	}
	pass(r, s, NULL);
	return true;
}

static void tick_cb(uv_timer_t *t)
{
	phone_run *r = t->data;
	while (!r->finished && r->i < r->n && step(r))
		;
	if (!r->finished && r->i >= r->n)
		finish(r, 0);
}

int phone_run_start(phone *p, const phone_step *steps, size_t n, FILE *out, phone_run_done_cb done,
                    void *arg, phone_run **outr)
{
	if (!p || (!steps && n) || !out || !outr)
		return OPENUM_EINVAL;
	phone_run *r = calloc(1, sizeof(*r));
	if (!r)
		return OPENUM_ENOMEM;
	r->p = p;
	r->steps = steps;
	r->n = n;
	r->out = out;
	r->done = done;
	r->arg = arg;
	uv_timer_init(phone_loop(p), &r->tick);
	r->tick.data = r;
	uv_timer_start(&r->tick, tick_cb, 0, RUN_TICK_MS);
	*outr = r;
	return 0;
}

static void run_closed(uv_handle_t *h)
{
	free(h->data);
}

void phone_run_free(phone_run *r)
{
	if (!r)
		return;
	uv_timer_stop(&r->tick);
	uv_close((uv_handle_t *)&r->tick, run_closed);
}
