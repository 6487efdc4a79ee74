/* The two header values of RFC 6665 SIP events that subscribers and notifiers read:
 * Event (which package) and Subscription-State (active, pending or terminated, with
 * expires and reason). Slices into the header value; nothing is allocated. */
#include "sip.h"
#include "lex.h"

bool sip_event_is(ou_slice v, const char *pkg)
{
	size_t n = 0;
	while (n < v.n && v.p[n] != ';')
		n++;
	return ou_slice_caseeq_cstr(ou_slice_trim(ou_slice_make(v.p, n)), pkg);
}

int sip_substate_parse(ou_slice s, sip_substate *out, const char **why)
{
	*out = (sip_substate){0};
	size_t n = 0;
	while (n < s.n && s.p[n] != ';')
		n++;
	ou_slice st = ou_slice_trim(ou_slice_make(s.p, n));
	if (!sip_is_token(st))
		SIP_FAIL(OPENUM_EBADMSG, "Bad Subscription-State: no state");
	if (ou_slice_caseeq_cstr(st, "active"))
		out->state = SIP_SUBSTATE_ACTIVE;
	else if (ou_slice_caseeq_cstr(st, "pending"))
		out->state = SIP_SUBSTATE_PENDING;
	else if (ou_slice_caseeq_cstr(st, "terminated"))
		out->state = SIP_SUBSTATE_TERMINATED;
	else
		out->state = SIP_SUBSTATE_OTHER;
	ou_slice params = ou_slice_make(s.p + n, s.n - n);
	ou_slice v;
	if (sip_param_get(params, "expires", &v) == 0) {
		if (ou_slice_u32(ou_slice_trim(v), &out->expires))
			SIP_FAIL(OPENUM_EBADMSG, "Bad Subscription-State: bad expires");
		out->has_expires = true;
	}
	if (sip_param_get(params, "reason", &v) == 0) {
		v = ou_slice_trim(v);
		if (!sip_is_token(v))
			SIP_FAIL(OPENUM_EBADMSG, "Bad Subscription-State: bad reason");
		out->reason = v;
	}
	return 0;
}
