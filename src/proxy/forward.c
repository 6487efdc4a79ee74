/* proxy/forward.c: the one decision about where a call to a local user goes (MS-EUMR
 * forwarding settings under the Ms-Sensitivity rule of MS-OCEXUM 3.2 / MS-SIPRE): ring
 * the user's contacts, forward at once, divert to voicemail, or give up. Pure: the
 * core asks it on arrival, when the no-answer timer fires, and when every contact
 * has answered without a 2xx. */
#include "proxy.h"

static const char *const act_names[] = {"?", "fork", "forward", "voicemail", "reject"};

const char *proxy_fwd_action_name(proxy_fwd_action a)
{
	return (unsigned)a < sizeof(act_names) / sizeof(act_names[0]) ? act_names[a] : "?";
}

static void reject(proxy_fwd_decision *out, unsigned status)
{
	*out = (proxy_fwd_decision){.action = PROXY_ACT_REJECT, .status = status};
}

static void divert(proxy_fwd_decision *out, proxy_fwd_action a, const char *reason)
{
	*out = (proxy_fwd_decision){.action = a, .reason = reason};
}

void proxy_fwd_decide(const proxy_fwd_settings *s, sip_sens sens, bool registered,
                      proxy_fwd_event ev, proxy_fwd_decision *out)
{
	/* MS-SIPRE: no forward-to target, no voicemail, no team call; simultaneous ring
	 * (the user's own endpoints) still happens. */
	bool may_divert = !sip_sens_no_diversion(sens);
	bool vm = may_divert && s->have_voicemail;

	switch (ev) {
	case PROXY_FWD_NEW:
		if (may_divert && s->fwd_immediate)
			return divert(out, PROXY_ACT_FORWARD, "unconditional");
		if (registered) {
			*out = (proxy_fwd_decision){.action = PROXY_ACT_FORK};
			if (vm && s->vm_no_answer_s)
				out->no_answer_ms = s->vm_no_answer_s * 1000u;
			return;
		}
		if (vm && s->vm_unregistered)
			return divert(out, PROXY_ACT_VOICEMAIL, "unavailable");
		return reject(out, 480);
	case PROXY_FWD_NO_ANSWER:
		if (vm && s->vm_no_answer_s)
			return divert(out, PROXY_ACT_VOICEMAIL, "no-answer");
		return reject(out, 480);
	case PROXY_FWD_BUSY:
		if (vm && s->vm_busy)
			return divert(out, PROXY_ACT_VOICEMAIL, "user-busy");
		return reject(out, 486);
	case PROXY_FWD_RING_TIMEOUT:
	default: return reject(out, 408);
	}
}
