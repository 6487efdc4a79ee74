/* SIP method names and their enum. Methods are case-sensitive (RFC 3261 7.1), so
 * "invite" is an extension method, not INVITE. */
#include <string.h>

#include "sip.h"

static const char *const method_names[] = {
    [SIP_METHOD_OTHER] = NULL,
    [SIP_METHOD_INVITE] = "INVITE",
    [SIP_METHOD_ACK] = "ACK",
    [SIP_METHOD_BYE] = "BYE",
    [SIP_METHOD_CANCEL] = "CANCEL",
    [SIP_METHOD_OPTIONS] = "OPTIONS",
    [SIP_METHOD_REGISTER] = "REGISTER",
    [SIP_METHOD_INFO] = "INFO",
    [SIP_METHOD_PRACK] = "PRACK",
    [SIP_METHOD_UPDATE] = "UPDATE",
    [SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
    [SIP_METHOD_NOTIFY] = "NOTIFY",
    [SIP_METHOD_REFER] = "REFER",
    [SIP_METHOD_MESSAGE] = "MESSAGE",
    [SIP_METHOD_PUBLISH] = "PUBLISH",
};

/* memcmp with a constant length compiles to a load or two and a compare. */
#define IS(lit) (memcmp(s.p, lit, sizeof(lit) - 1) == 0)

sip_method sip_method_from(ou_slice s)
{
	/* Dispatch on the length; at most four candidates share one. */
	switch (s.n) {
	case 3:
		if (IS("ACK"))
			return SIP_METHOD_ACK;
		if (IS("BYE"))
			return SIP_METHOD_BYE;
		break;
	case 4:
		if (IS("INFO"))
			return SIP_METHOD_INFO;
		break;
	case 5:
		if (IS("PRACK"))
			return SIP_METHOD_PRACK;
		if (IS("REFER"))
			return SIP_METHOD_REFER;
		break;
	case 6:
		if (IS("INVITE"))
			return SIP_METHOD_INVITE;
		if (IS("CANCEL"))
			return SIP_METHOD_CANCEL;
		if (IS("UPDATE"))
			return SIP_METHOD_UPDATE;
		if (IS("NOTIFY"))
			return SIP_METHOD_NOTIFY;
		break;
	case 7:
		if (IS("OPTIONS"))
			return SIP_METHOD_OPTIONS;
		if (IS("MESSAGE"))
			return SIP_METHOD_MESSAGE;
		if (IS("PUBLISH"))
			return SIP_METHOD_PUBLISH;
		break;
	case 8:
		if (IS("REGISTER"))
			return SIP_METHOD_REGISTER;
		break;
	case 9:
		if (IS("SUBSCRIBE"))
			return SIP_METHOD_SUBSCRIBE;
		break;
	default: break;
	}
	return SIP_METHOD_OTHER;
}

#undef IS

const char *sip_method_name(sip_method m)
{
	return ((unsigned)m < sizeof(method_names) / sizeof(method_names[0])) ? method_names[m]
	                                                                      : NULL;
}
