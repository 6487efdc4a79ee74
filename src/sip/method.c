/* SIP method names and their enum. Methods are case-sensitive (RFC 3261 7.1), so
 * "invite" is an extension method, not INVITE. */
#include <string.h>

#include "sip.h"

static const char *const method_names[] = {
	[SIP_METHOD_OTHER] = NULL,         [SIP_METHOD_INVITE] = "INVITE",
	[SIP_METHOD_ACK] = "ACK",          [SIP_METHOD_BYE] = "BYE",
	[SIP_METHOD_CANCEL] = "CANCEL",    [SIP_METHOD_OPTIONS] = "OPTIONS",
	[SIP_METHOD_REGISTER] = "REGISTER", [SIP_METHOD_INFO] = "INFO",
	[SIP_METHOD_PRACK] = "PRACK",      [SIP_METHOD_UPDATE] = "UPDATE",
	[SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE", [SIP_METHOD_NOTIFY] = "NOTIFY",
	[SIP_METHOD_REFER] = "REFER",      [SIP_METHOD_MESSAGE] = "MESSAGE",
	[SIP_METHOD_PUBLISH] = "PUBLISH",
};

sip_method sip_method_from(ou_slice s)
{
	if (s.n < 3 || s.n > 9)
		return SIP_METHOD_OTHER;
	/* Dispatch on the first byte; at most three candidates share one. */
	switch (s.p[0]) {
	case 'I':
		if (ou_slice_eq_cstr(s, "INVITE")) return SIP_METHOD_INVITE;
		if (ou_slice_eq_cstr(s, "INFO")) return SIP_METHOD_INFO;
		break;
	case 'A': if (ou_slice_eq_cstr(s, "ACK")) return SIP_METHOD_ACK; break;
	case 'B': if (ou_slice_eq_cstr(s, "BYE")) return SIP_METHOD_BYE; break;
	case 'C': if (ou_slice_eq_cstr(s, "CANCEL")) return SIP_METHOD_CANCEL; break;
	case 'O': if (ou_slice_eq_cstr(s, "OPTIONS")) return SIP_METHOD_OPTIONS; break;
	case 'R':
		if (ou_slice_eq_cstr(s, "REGISTER")) return SIP_METHOD_REGISTER;
		if (ou_slice_eq_cstr(s, "REFER")) return SIP_METHOD_REFER;
		break;
	case 'P':
		if (ou_slice_eq_cstr(s, "PRACK")) return SIP_METHOD_PRACK;
		if (ou_slice_eq_cstr(s, "PUBLISH")) return SIP_METHOD_PUBLISH;
		break;
	case 'U': if (ou_slice_eq_cstr(s, "UPDATE")) return SIP_METHOD_UPDATE; break;
	case 'S': if (ou_slice_eq_cstr(s, "SUBSCRIBE")) return SIP_METHOD_SUBSCRIBE; break;
	case 'N': if (ou_slice_eq_cstr(s, "NOTIFY")) return SIP_METHOD_NOTIFY; break;
	case 'M': if (ou_slice_eq_cstr(s, "MESSAGE")) return SIP_METHOD_MESSAGE; break;
	default: break;
	}
	return SIP_METHOD_OTHER;
}

const char *sip_method_name(sip_method m)
{
	return ((unsigned)m < sizeof(method_names) / sizeof(method_names[0])) ? method_names[m]
									       : NULL;
}
