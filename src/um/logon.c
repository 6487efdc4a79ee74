/* Logon to a mailbox: the skip-pin decision (DESIGN.md rule 1, MS-OCEXUM 3.1) and the
 * per-call PIN entry state machine. Pure: the transport's verdict, the store's facts
 * and the DTMF keys come in as values; timers, hashing and failure counting stay
 * with the caller and the store. */
#include <string.h>

#include "um.h"

um_logon_action um_logon_decide(const um_logon_input *in)
{
	/* Call answering: the caller leaves a message; nobody logs on, and a skip-pin on
	 * such a call means nothing (RELATED.md). A locked mailbox still takes messages:
	 * the lock is about logons. */
	if (in->kind != UM_CALL_SUBSCRIBER_ACCESS)
		return in->mailbox_found ? UM_LOGON_NOT_APPLICABLE : UM_LOGON_NOT_FOUND;
	if (!in->mailbox_found)
		return in->by_extension ? UM_LOGON_NOT_FOUND : UM_LOGON_ASK_EXTENSION_THEN_PIN;
	/* Locked beats everything, even a trusted skip-pin: the lock exists because
	 * someone guessed PINs, and the owner must be unlocked by an administrator. */
	if (in->mailbox_locked)
		return UM_LOGON_LOCKED;
	/* skip-pin vouches for the mailbox the signalling named (the proxy authenticated
	 * its owner), never for one the caller typed in. */
	if (in->skip_pin_requested && in->peer_trusted && !in->by_extension)
		return UM_LOGON_SKIP_PIN;
	return UM_LOGON_ASK_PIN;
}

const char *um_logon_action_name(um_logon_action a)
{
	switch (a) {
	case UM_LOGON_SKIP_PIN: return "skip-pin";
	case UM_LOGON_ASK_PIN: return "ask-pin";
	case UM_LOGON_ASK_EXTENSION_THEN_PIN: return "ask-extension-then-pin";
	case UM_LOGON_LOCKED: return "locked";
	case UM_LOGON_NOT_FOUND: return "not-found";
	case UM_LOGON_NOT_APPLICABLE: return "not-applicable";
	}
	return "?";
}

const char *um_logon_log_result(um_logon_action a)
{
	switch (a) {
	case UM_LOGON_SKIP_PIN: return UM_LOG_SKIP_PIN;
	case UM_LOGON_LOCKED: return UM_LOG_LOCKED;
	case UM_LOGON_NOT_FOUND: return UM_LOG_NOT_FOUND;
	case UM_LOGON_ASK_PIN:
	case UM_LOGON_ASK_EXTENSION_THEN_PIN:
	case UM_LOGON_NOT_APPLICABLE: return NULL;
	}
	return NULL;
}

int um_logon_skip_pin_requested(sip_msg *invite, bool *requested, const char **why)
{
	const sip_ms_cmd *cmd;
	*requested = false;
	int err = sip_msg_ms_cmd(invite, &cmd, why);
	if (err == OPENUM_ENOTFOUND)
		return 0;
	if (err)
		return err;
	*requested = cmd->skip_pin;
	return 0;
}

/* ---- PIN entry ------------------------------------------------------------------ */

void um_pin_init(um_pin *p, const um_pin_cfg *cfg)
{
	memset(p, 0, sizeof(*p));
	if (cfg)
		p->cfg = *cfg;
	if (!p->cfg.max_tries)
		p->cfg.max_tries = UM_PIN_DEFAULT_TRIES;
	if (!p->cfg.first_timeout_ms)
		p->cfg.first_timeout_ms = UM_PIN_DEFAULT_FIRST_TIMEOUT_MS;
	if (!p->cfg.digit_timeout_ms)
		p->cfg.digit_timeout_ms = UM_PIN_DEFAULT_DIGIT_TIMEOUT_MS;
	if (!p->cfg.max_len || p->cfg.max_len > UM_PIN_MAX_LEN)
		p->cfg.max_len = UM_PIN_MAX_LEN;
}

/* The digits of a finished entry must not linger in memory longer than needed. */
static void wipe(um_pin *p)
{
	volatile char *d = p->digits;
	for (size_t i = 0; i < sizeof(p->digits); i++)
		d[i] = 0;
	p->len = 0;
	p->overflow = false;
}

/* An entry ended ('#' or a timeout with digits). */
static um_pin_step submit(um_pin *p)
{
	if (p->len == 0 && !p->overflow) {
		/* Nothing typed: uses a try (so silence cannot hold the line forever) but
		 * guessed nothing, so the store records nothing. */
		if (++p->tries < p->cfg.max_tries)
			return UM_PIN_REPROMPT;
		p->done = true;
		return UM_PIN_GIVE_UP;
	}
	p->checking = true;
	if (p->overflow) {
		/* Never compare a truncated entry: 25 digits beginning with a 24-digit PIN
		 * must not log on. */
		wipe(p);
		return UM_PIN_CHECK_FAILED;
	}
	return UM_PIN_CHECK;
}

um_pin_step um_pin_key(um_pin *p, char key)
{
	if (p->done || p->checking)
		return UM_PIN_IGNORED;
	if (key >= '0' && key <= '9') {
		if (p->len < p->cfg.max_len)
			p->digits[p->len++] = key;
		else
			p->overflow = true;
		return UM_PIN_COLLECTING;
	}
	if (key == '*') {
		wipe(p);
		return UM_PIN_CLEARED;
	}
	if (key == '#')
		return submit(p);
	return UM_PIN_IGNORED;
}

um_pin_step um_pin_timeout(um_pin *p)
{
	if (p->done || p->checking)
		return UM_PIN_IGNORED;
	return submit(p);
}

unsigned um_pin_timeout_ms(const um_pin *p)
{
	return p->len == 0 && !p->overflow ? p->cfg.first_timeout_ms : p->cfg.digit_timeout_ms;
}

um_pin_step um_pin_result(um_pin *p, bool ok, bool locked_now)
{
	if (p->done || !p->checking)
		return UM_PIN_IGNORED;
	p->checking = false;
	wipe(p);
	p->tries++;
	if (locked_now) {
		if (!ok)
			p->failures++;
		p->done = true;
		return UM_PIN_LOCKED;
	}
	if (ok) {
		p->done = true;
		return UM_PIN_OK;
	}
	p->failures++;
	if (p->tries >= p->cfg.max_tries) {
		p->done = true;
		return UM_PIN_GIVE_UP;
	}
	return UM_PIN_WRONG;
}

const char *um_pin_step_name(um_pin_step s)
{
	switch (s) {
	case UM_PIN_COLLECTING: return "collecting";
	case UM_PIN_CLEARED: return "cleared";
	case UM_PIN_IGNORED: return "ignored";
	case UM_PIN_CHECK: return "check";
	case UM_PIN_CHECK_FAILED: return "check-failed";
	case UM_PIN_REPROMPT: return "reprompt";
	case UM_PIN_OK: return "ok";
	case UM_PIN_WRONG: return "wrong";
	case UM_PIN_GIVE_UP: return "give-up";
	case UM_PIN_LOCKED: return "locked";
	}
	return "?";
}
