/* Header names to ids: the canonical names, and the compact forms (RFC 3261 7.3.3) as a
 * 26-entry table. The full-name lookup is a switch on the length in lex.h
 * (sip_hdr_id_lookup), inline in the message parser's line loop. */
#include <string.h>

#include "sip.h"
#include "lex.h"

static const char *const hdr_names[SIP_H__COUNT] = {
    [SIP_H_VIA] = "Via",
    [SIP_H_FROM] = "From",
    [SIP_H_TO] = "To",
    [SIP_H_CALL_ID] = "Call-ID",
    [SIP_H_CSEQ] = "CSeq",
    [SIP_H_CONTACT] = "Contact",
    [SIP_H_MAX_FORWARDS] = "Max-Forwards",
    [SIP_H_CONTENT_LENGTH] = "Content-Length",
    [SIP_H_CONTENT_TYPE] = "Content-Type",
    [SIP_H_CONTENT_ENCODING] = "Content-Encoding",
    [SIP_H_ROUTE] = "Route",
    [SIP_H_RECORD_ROUTE] = "Record-Route",
    [SIP_H_EXPIRES] = "Expires",
    [SIP_H_MIN_EXPIRES] = "Min-Expires",
    [SIP_H_AUTHORIZATION] = "Authorization",
    [SIP_H_PROXY_AUTHORIZATION] = "Proxy-Authorization",
    [SIP_H_WWW_AUTHENTICATE] = "WWW-Authenticate",
    [SIP_H_PROXY_AUTHENTICATE] = "Proxy-Authenticate",
    [SIP_H_ALLOW] = "Allow",
    [SIP_H_SUPPORTED] = "Supported",
    [SIP_H_REQUIRE] = "Require",
    [SIP_H_PROXY_REQUIRE] = "Proxy-Require",
    [SIP_H_UNSUPPORTED] = "Unsupported",
    [SIP_H_ACCEPT] = "Accept",
    [SIP_H_USER_AGENT] = "User-Agent",
    [SIP_H_SERVER] = "Server",
    [SIP_H_SUBJECT] = "Subject",
    [SIP_H_EVENT] = "Event",
    [SIP_H_ALLOW_EVENTS] = "Allow-Events",
    [SIP_H_SUBSCRIPTION_STATE] = "Subscription-State",
    [SIP_H_REFER_TO] = "Refer-To",
    [SIP_H_REFERRED_BY] = "Referred-By",
    [SIP_H_SESSION_EXPIRES] = "Session-Expires",
    [SIP_H_HISTORY_INFO] = "History-Info",
    [SIP_H_DIVERSION] = "Diversion",
    [SIP_H_P_ASSERTED_IDENTITY] = "P-Asserted-Identity",
    [SIP_H_P_PREFERRED_IDENTITY] = "P-Preferred-Identity",
    [SIP_H_PRIVACY] = "Privacy",
    [SIP_H_ORGANIZATION] = "Organization",
    [SIP_H_DATE] = "Date",
    [SIP_H_TIMESTAMP] = "Timestamp",
    [SIP_H_REASON] = "Reason",
    [SIP_H_MS_EXCHANGE_COMMAND] = "Ms-Exchange-Command",
    [SIP_H_MS_SENSITIVITY] = "Ms-Sensitivity",
};

const uint8_t sip_hdr_compact_[26] = {
    ['b' - 'a'] = SIP_H_REFERRED_BY,
    ['c' - 'a'] = SIP_H_CONTENT_TYPE,
    ['e' - 'a'] = SIP_H_CONTENT_ENCODING,
    ['f' - 'a'] = SIP_H_FROM,
    ['i' - 'a'] = SIP_H_CALL_ID,
    ['k' - 'a'] = SIP_H_SUPPORTED,
    ['l' - 'a'] = SIP_H_CONTENT_LENGTH,
    ['m' - 'a'] = SIP_H_CONTACT,
    ['o' - 'a'] = SIP_H_EVENT,
    ['r' - 'a'] = SIP_H_REFER_TO,
    ['s' - 'a'] = SIP_H_SUBJECT,
    ['t' - 'a'] = SIP_H_TO,
    ['u' - 'a'] = SIP_H_ALLOW_EVENTS,
    ['v' - 'a'] = SIP_H_VIA,
    ['x' - 'a'] = SIP_H_SESSION_EXPIRES,
};

sip_hdr_id sip_hdr_id_from(const char *name, size_t len)
{
	return sip_hdr_id_lookup(name, len);
}

const char *sip_hdr_name(sip_hdr_id id)
{
	return (id > SIP_H_OTHER && id < SIP_H__COUNT) ? hdr_names[id] : NULL;
}
