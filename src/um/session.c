/* One call's state machine up to the logon: the skip-pin decision, the extension and
 * PIN prompts, the store's verdict on each PIN, then the menu (menu.c) or call
 * answering (answering.c). Events are routed here from the ua callbacks in server.c. */
#include <stdio.h>
#include <string.h>

#include "server_int.h"

static void ask_pin(um_sess *s, const char *first_id)
{
	s->state = SESS_PIN;
	if (first_id)
		um_sess_play_id(s, first_id);
	um_sess_play_id(s, "enter_pin");
}

static void answer_delay_timer(uv_timer_t *t)
{
	um_sess *s = t->data;
	s->timer_on = false;
	if (s->c && !s->ended)
		um_sess_start(s);
}

/* The mailbox lookup is back (or there was none to make): decide, then answer. */
void um_sess_start(um_sess *s)
{
	um_logon_input in = {
	    .skip_pin_requested = s->skip_pin_requested,
	    .peer_trusted = s->trusted,
	    .kind = s->cls.kind,
	    .mailbox_found = s->mb_found,
	    .mailbox_locked = s->mb_found && s->mb.locked,
	    .by_extension = s->by_extension,
	};
	um_logon_action a = um_logon_decide(&in);
	if (s->mb_found)
		snprintf(s->log.mailbox, sizeof(s->log.mailbox), "%s", s->mb.address);
	if (a == UM_LOGON_NOT_FOUND && s->cls.kind == UM_CALL_ANSWERING) {
		um_sess_log_result(s, STORE_LOGON_NOT_FOUND, "no such mailbox");
		s->state = SESS_DONE;
		ua_call_reject(s->c, 404, "No such mailbox");
		return;
	}
	if (s->srv->cfg.answer_delay_ms && !s->rang) {
		/* ring first; the timer comes back here (a CANCEL meanwhile ends the call) */
		s->rang = true;
		(void)ua_call_ring(s->c);
		um_sess_timer(s, s->srv->cfg.answer_delay_ms, answer_delay_timer);
		return;
	}
	if (ua_call_answer(s->c, NULL, 0) != 0) {
		s->state = SESS_DONE; /* `ended` follows (488 or transport) */
		return;
	}
	s->state = SESS_ANSWERING;
	const char *res = um_logon_log_result(a);
	if (res)
		(void)store_logon_result_parse(res, &s->log.logon);
	/* What to do once the ACK is in: kept in the state by the action. */
	switch (a) {
	case UM_LOGON_SKIP_PIN: s->state = SESS_MENU; break;
	case UM_LOGON_ASK_PIN: s->state = SESS_PIN; break;
	case UM_LOGON_ASK_EXTENSION_THEN_PIN: s->state = SESS_EXTENSION; break;
	case UM_LOGON_LOCKED:
	case UM_LOGON_NOT_FOUND: s->state = SESS_GOODBYE; break;
	case UM_LOGON_NOT_APPLICABLE: s->state = SESS_GREETING; break;
	}
	s->log.detail[0] = 0;
	um_pin_init(&s->pin, &s->srv->cfg.pin);
	if (a == UM_LOGON_LOCKED)
		snprintf(s->log.detail, sizeof(s->log.detail), "mailbox locked%s",
		         s->skip_pin_requested && s->trusted ? " (skip-pin refused)" : "");
	/* Until the ACK, the session waits in its target state with answered unset. */
	s->log.duration_ms = 0;
}

void um_sess_answered(um_sess *s)
{
	switch (s->state) {
	case SESS_MENU: um_menu_start(s); break;
	case SESS_PIN:
		um_sess_play_id(s, "welcome");
		ask_pin(s, NULL);
		break;
	case SESS_EXTENSION:
		um_sess_play_id(s, "welcome");
		um_sess_play_id(s, "enter_extension");
		break;
	case SESS_GREETING: um_answer_start(s); break;
	case SESS_GOODBYE:
		um_sess_goodbye(s, s->log.logon == STORE_LOGON_LOCKED ? "locked" : "not_found");
		break;
	default: break;
	}
}

static void pin_timer(uv_timer_t *t);

static void arm_pin_timer(um_sess *s)
{
	um_sess_timer(s, um_pin_timeout_ms(&s->pin), pin_timer);
}

static void pin_step(um_sess *s, um_pin_step st);

/* The keys typed while the store answered (a PIN check, an extension lookup), as if
 * they came now; a PIN among them starts another check, and the rest waits for that. */
static void replay_typeahead(um_sess *s)
{
	while (s->ntypeahead && s->state != SESS_PIN_CHECK && s->state != SESS_EXT_LOOKUP &&
	       !s->ended) {
		char key = s->typeahead[0];
		memmove(s->typeahead, s->typeahead + 1, --s->ntypeahead);
		um_sess_dtmf(s, key);
	}
}

static void pin_checked(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	if (err) {
		/* the store failed: count it as a wrong entry without locking */
		s->pin_res = STORE_LOGON_PIN_FAILED;
		snprintf(s->log.detail, sizeof(s->log.detail), "store: %s", why ? why : "error");
	}
	bool ok = s->pin_res == STORE_LOGON_PIN_OK;
	bool locked = s->pin_res == STORE_LOGON_LOCKED || s->pin_locked;
	um_pin_step st = um_pin_result(&s->pin, ok, locked);
	if (s->ended) {
		/* Hung up while the store checked: the verdict goes in the call log and the
		 * metrics, which are written when this last request is back, so it must be in
		 * s->log before um_sess_async_done. */
		s->log.logon = st == UM_PIN_OK       ? STORE_LOGON_PIN_OK
		               : st == UM_PIN_LOCKED ? STORE_LOGON_LOCKED
		                                     : STORE_LOGON_PIN_FAILED;
		if (!s->log.detail[0])
			snprintf(s->log.detail, sizeof(s->log.detail),
			         "hung up during the PIN check (%u wrong)", s->pin.failures);
		(void)um_sess_async_done(s);
		return;
	}
	if (!ok)
		s->log.logon = STORE_LOGON_PIN_FAILED; /* so far: a hang-up now stays failed */
	if (!um_sess_async_done(s))
		return;
	pin_step(s, st);
	replay_typeahead(s);
}

static void failed_recorded(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	s->pin_res = err ? STORE_LOGON_PIN_FAILED
	                 : (s->pin_locked ? STORE_LOGON_LOCKED : STORE_LOGON_PIN_FAILED);
	pin_checked(0, why, arg);
}

static void pin_step(um_sess *s, um_pin_step st)
{
	um_server *srv = s->srv;
	switch (st) {
	case UM_PIN_COLLECTING:
	case UM_PIN_CLEARED:
		if (s->c)
			ua_call_play_stop(s->c); /* the caller talks over the prompt */
		arm_pin_timer(s);
		break;
	case UM_PIN_IGNORED: break;
	case UM_PIN_CHECK:
		um_sess_timer_stop(s);
		s->state = SESS_PIN_CHECK;
		s->pin_locked = false;
		if (store_async_mailbox_pin_logon(srv->loop, srv->st, s->mb.id, s->pin.digits,
		                                  &s->pin_res, &s->pin_count, pin_checked, s) == 0)
			s->pending++;
		else
			pin_step(s, um_pin_result(&s->pin, false, false));
		break;
	case UM_PIN_CHECK_FAILED:
		um_sess_timer_stop(s);
		s->state = SESS_PIN_CHECK;
		s->pin_locked = false;
		if (store_async_mailbox_record_failed_logon(srv->loop, srv->st, s->mb.id,
		                                            &s->pin_count, &s->pin_locked,
		                                            failed_recorded, s) == 0)
			s->pending++;
		else
			pin_step(s, um_pin_result(&s->pin, false, false));
		break;
	case UM_PIN_REPROMPT:
		um_sess_timer_stop(s);
		if (s->c)
			ua_call_play_stop(s->c);
		ask_pin(s, NULL);
		break;
	case UM_PIN_WRONG:
		s->log.logon = STORE_LOGON_PIN_FAILED;
		ask_pin(s, "wrong_pin");
		break;
	case UM_PIN_OK:
		um_sess_log_result(s, STORE_LOGON_PIN_OK, "");
		s->state = SESS_MENU;
		um_menu_start(s);
		break;
	case UM_PIN_GIVE_UP:
		snprintf(s->log.detail, sizeof(s->log.detail), "%u PIN tries, %u wrong",
		         s->pin.tries, s->pin.failures);
		s->log.logon = s->pin.failures ? STORE_LOGON_PIN_FAILED : STORE_LOGON_NONE;
		if (!s->pin.failures)
			snprintf(s->log.detail, sizeof(s->log.detail), "no PIN entered");
		um_sess_goodbye(s, s->pin.failures ? "wrong_pin" : NULL);
		break;
	case UM_PIN_LOCKED:
		um_sess_log_result(s, STORE_LOGON_LOCKED, "locked after wrong PINs");
		um_sess_goodbye(s, "locked");
		break;
	}
}

static void pin_timer(uv_timer_t *t)
{
	um_sess *s = t->data;
	s->timer_on = false;
	if (s->state == SESS_PIN)
		pin_step(s, um_pin_timeout(&s->pin));
	else if (s->state == SESS_EXTENSION)
		um_sess_goodbye(s, NULL);
}

static void ext_looked_up(int err, const char *why, void *arg)
{
	um_sess *s = arg;
	(void)why;
	s->mb_found = err == 0;
	if (!um_sess_async_done(s))
		return;
	s->by_extension = true;
	um_logon_input in = {
	    .skip_pin_requested = s->skip_pin_requested,
	    .peer_trusted = s->trusted,
	    .kind = s->cls.kind,
	    .mailbox_found = s->mb_found,
	    .mailbox_locked = s->mb_found && s->mb.locked,
	    .by_extension = true,
	};
	um_logon_action a = um_logon_decide(&in);
	if (s->mb_found)
		snprintf(s->log.mailbox, sizeof(s->log.mailbox), "%s", s->mb.address);
	switch (a) {
	case UM_LOGON_ASK_PIN:
		ask_pin(s, NULL);
		replay_typeahead(s); /* "1001#204862#" typed in one go */
		break;
	case UM_LOGON_LOCKED:
		um_sess_log_result(s, STORE_LOGON_LOCKED, "mailbox locked");
		um_sess_goodbye(s, "locked");
		break;
	default:
		um_sess_log_result(s, STORE_LOGON_NOT_FOUND, "no mailbox at that extension");
		um_sess_goodbye(s, "not_found");
		break;
	}
}

static void ext_key(um_sess *s, char key)
{
	if (s->c)
		ua_call_play_stop(s->c);
	if (key >= '0' && key <= '9' && s->ndigits + 1 < sizeof(s->digits)) {
		s->digits[s->ndigits++] = key;
		s->digits[s->ndigits] = 0;
		um_sess_timer(s, UM_PIN_DEFAULT_DIGIT_TIMEOUT_MS, pin_timer);
		return;
	}
	if (key != '#')
		return;
	um_sess_timer_stop(s);
	s->state = SESS_EXT_LOOKUP;
	if (!store_ext_valid(s->digits) ||
	    store_async_mailbox_get_by_ext(s->srv->loop, s->srv->st, s->digits, &s->mb,
	                                   ext_looked_up, s) != 0) {
		um_sess_log_result(s, STORE_LOGON_NOT_FOUND, "no mailbox at that extension");
		um_sess_goodbye(s, "not_found");
		return;
	}
	s->pending++;
}

void um_sess_dtmf(um_sess *s, char key)
{
	switch (s->state) {
	case SESS_PIN: pin_step(s, um_pin_key(&s->pin, key)); break;
	case SESS_EXTENSION: ext_key(s, key); break;
	case SESS_MENU: um_menu_key(s, key); break;
	case SESS_GREET_PROMPT:
	case SESS_GREET_REC: um_greet_key(s, key); break;
	case SESS_GREETING:
	case SESS_RECORDING: um_answer_key(s, key); break;
	case SESS_PIN_CHECK:
	case SESS_EXT_LOOKUP:
		if (s->ntypeahead < UM_TYPEAHEAD_MAX)
			s->typeahead[s->ntypeahead++] = key;
		break;
	default: break; /* keys before the answer or while saying goodbye */
	}
}

void um_sess_play_done(um_sess *s)
{
	switch (s->state) {
	case SESS_PIN:
		if (!s->pin.len && !s->timer_on)
			arm_pin_timer(s);
		break;
	case SESS_EXTENSION:
		if (!s->ndigits && !s->timer_on)
			um_sess_timer(s, UM_PIN_DEFAULT_FIRST_TIMEOUT_MS, pin_timer);
		break;
	case SESS_MENU: um_menu_play_done(s); break;
	case SESS_GREET_PROMPT: um_greet_play_done(s); break;
	case SESS_GREETING:
	case SESS_RECORDING: um_answer_play_done(s); break;
	case SESS_GOODBYE:
		s->state = SESS_DONE;
		if (s->c)
			ua_call_hangup(s->c);
		break;
	default: break;
	}
}

void um_sess_ended(um_sess *s, const ua_end *end)
{
	um_sess_timer_stop(s);
	s->log.duration_ms = (uint32_t)end->duration_ms;
	if (s->state == SESS_GREETING || s->state == SESS_RECORDING)
		um_answer_finish(s);
	if (end->reason == UA_END_TIMEOUT) {
		/* "RTP timeout", "No ACK": said whatever else the call got to */
		size_t l = strlen(s->log.detail);
		snprintf(s->log.detail + l, sizeof(s->log.detail) - l, "%s%s", l ? "; " : "",
		         end->text && *end->text ? end->text : "timeout");
	}
	if (end->reason == UA_END_REMOTE_HANGUP && end->status == 487 && !s->log.detail[0])
		snprintf(s->log.detail, sizeof(s->log.detail), "cancelled before the answer");
	if (end->reason == UA_END_REJECTED && !s->log.detail[0])
		snprintf(s->log.detail, sizeof(s->log.detail), "rejected %u %s", end->status,
		         end->text ? end->text : "");
	/* during a check, pin_checked writes the detail with the store's verdict */
	if (s->state == SESS_PIN && !s->log.detail[0])
		snprintf(s->log.detail, sizeof(s->log.detail),
		         "hung up at the PIN prompt (%u wrong)", s->pin.failures);
	if (end->reason == UA_END_SHUTDOWN && !s->log.detail[0])
		snprintf(s->log.detail, sizeof(s->log.detail), "server shut down");
}
