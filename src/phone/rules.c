/* The two MS-OCEXUM rules a phone applies (spec 3.1 and 3.2) as pure functions, so each
 * is decided in exactly one place and unit-tested as a matrix. */
#include <stdio.h>
#include <string.h>

#include "phone.h"

bool phone_voicemail_skip_pin(net_transport tp)
{
	/* skip-pin asks the UM server to trust the caller's identity; that identity is only
	 * worth something when the signalling is protected */
	return tp == NET_TLS;
}

int phone_voicemail_uri(const char *aor, char *out, size_t cap)
{
	sip_uri u;
	if (!aor || !out || sip_uri_parse(ou_slice_cstr(aor), &u, NULL) ||
	    (u.scheme != SIP_URI_SIP && u.scheme != SIP_URI_SIPS) || !u.user.n || !u.host.n)
		return OPENUM_EINVAL;
	int n = snprintf(out, cap, "%.*s:%.*s@%.*s;opaque=app:voicemail", (int)u.scheme_s.n,
	                 u.scheme_s.p, (int)u.user.n, u.user.p, (int)u.host.n, u.host.p);
	if (n < 0 || (size_t)n >= cap)
		return OPENUM_ETOOBIG;
	if (u.port) {
		/* keep the port: user@host:port is another address than user@host */
		n = snprintf(out, cap, "%.*s:%.*s@%.*s:%u;opaque=app:voicemail", (int)u.scheme_s.n,
		             u.scheme_s.p, (int)u.user.n, u.user.p, (int)u.host.n, u.host.p,
		             u.port);
		if (n < 0 || (size_t)n >= cap)
			return OPENUM_ETOOBIG;
	}
	return 0;
}

int phone_is_pop_call(sip_msg *invite, const char *own_aor, bool *pop)
{
	bool eq = false;
	const sip_addr *to;
	sip_uri own;
	if (!invite || !own_aor || !pop)
		return OPENUM_EINVAL;
	*pop = false;
	if (sip_msg_from_equals_to(invite, &eq, NULL) || sip_msg_to(invite, &to, NULL))
		return OPENUM_EBADMSG;
	if (sip_uri_parse(ou_slice_cstr(own_aor), &own, NULL))
		return OPENUM_EINVAL;
	*pop = eq && sip_uri_equal(&to->uri, &own);
	return 0;
}

phone_in_action phone_incoming_decide(phone_presence pres, bool pop, bool auto_answer)
{
	if (pres == PHONE_OFFLINE && !pop)
		return PHONE_IN_DECLINE_480;
	return auto_answer ? PHONE_IN_ANSWER : PHONE_IN_RING;
}

const char *phone_presence_name(phone_presence p)
{
	return p == PHONE_OFFLINE ? "offline" : "available";
}

int phone_presence_from(const char *s, phone_presence *out)
{
	if (!s || !out)
		return OPENUM_EINVAL;
	if (strcmp(s, "available") == 0)
		*out = PHONE_AVAILABLE;
	else if (strcmp(s, "offline") == 0)
		*out = PHONE_OFFLINE;
	else
		return OPENUM_EINVAL;
	return 0;
}
