/* Header names to ids: one hash of length, first, middle and last character into a
 * collision-free table (generated from the list of known headers), then one
 * case-insensitive compare. Compact forms (RFC 3261 7.3.3) are a 26-entry table. */
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

static const uint8_t hdr_len[SIP_H__COUNT] = {
    [SIP_H_VIA] = 3,
    [SIP_H_FROM] = 4,
    [SIP_H_TO] = 2,
    [SIP_H_CALL_ID] = 7,
    [SIP_H_CSEQ] = 4,
    [SIP_H_CONTACT] = 7,
    [SIP_H_MAX_FORWARDS] = 12,
    [SIP_H_CONTENT_LENGTH] = 14,
    [SIP_H_CONTENT_TYPE] = 12,
    [SIP_H_CONTENT_ENCODING] = 16,
    [SIP_H_ROUTE] = 5,
    [SIP_H_RECORD_ROUTE] = 12,
    [SIP_H_EXPIRES] = 7,
    [SIP_H_MIN_EXPIRES] = 11,
    [SIP_H_AUTHORIZATION] = 13,
    [SIP_H_PROXY_AUTHORIZATION] = 19,
    [SIP_H_WWW_AUTHENTICATE] = 16,
    [SIP_H_PROXY_AUTHENTICATE] = 18,
    [SIP_H_ALLOW] = 5,
    [SIP_H_SUPPORTED] = 9,
    [SIP_H_REQUIRE] = 7,
    [SIP_H_PROXY_REQUIRE] = 13,
    [SIP_H_UNSUPPORTED] = 11,
    [SIP_H_ACCEPT] = 6,
    [SIP_H_USER_AGENT] = 10,
    [SIP_H_SERVER] = 6,
    [SIP_H_SUBJECT] = 7,
    [SIP_H_EVENT] = 5,
    [SIP_H_ALLOW_EVENTS] = 12,
    [SIP_H_SUBSCRIPTION_STATE] = 18,
    [SIP_H_REFER_TO] = 8,
    [SIP_H_REFERRED_BY] = 11,
    [SIP_H_SESSION_EXPIRES] = 15,
    [SIP_H_HISTORY_INFO] = 12,
    [SIP_H_DIVERSION] = 9,
    [SIP_H_P_ASSERTED_IDENTITY] = 19,
    [SIP_H_P_PREFERRED_IDENTITY] = 20,
    [SIP_H_PRIVACY] = 7,
    [SIP_H_ORGANIZATION] = 12,
    [SIP_H_DATE] = 4,
    [SIP_H_TIMESTAMP] = 9,
    [SIP_H_REASON] = 6,
    [SIP_H_MS_EXCHANGE_COMMAND] = 19,
    [SIP_H_MS_SENSITIVITY] = 14,
};

static const char hdr_lc[SIP_H__COUNT][32] = {
    [SIP_H_VIA] = "via",
    [SIP_H_FROM] = "from",
    [SIP_H_TO] = "to",
    [SIP_H_CALL_ID] = "call-id",
    [SIP_H_CSEQ] = "cseq",
    [SIP_H_CONTACT] = "contact",
    [SIP_H_MAX_FORWARDS] = "max-forwards",
    [SIP_H_CONTENT_LENGTH] = "content-length",
    [SIP_H_CONTENT_TYPE] = "content-type",
    [SIP_H_CONTENT_ENCODING] = "content-encoding",
    [SIP_H_ROUTE] = "route",
    [SIP_H_RECORD_ROUTE] = "record-route",
    [SIP_H_EXPIRES] = "expires",
    [SIP_H_MIN_EXPIRES] = "min-expires",
    [SIP_H_AUTHORIZATION] = "authorization",
    [SIP_H_PROXY_AUTHORIZATION] = "proxy-authorization",
    [SIP_H_WWW_AUTHENTICATE] = "www-authenticate",
    [SIP_H_PROXY_AUTHENTICATE] = "proxy-authenticate",
    [SIP_H_ALLOW] = "allow",
    [SIP_H_SUPPORTED] = "supported",
    [SIP_H_REQUIRE] = "require",
    [SIP_H_PROXY_REQUIRE] = "proxy-require",
    [SIP_H_UNSUPPORTED] = "unsupported",
    [SIP_H_ACCEPT] = "accept",
    [SIP_H_USER_AGENT] = "user-agent",
    [SIP_H_SERVER] = "server",
    [SIP_H_SUBJECT] = "subject",
    [SIP_H_EVENT] = "event",
    [SIP_H_ALLOW_EVENTS] = "allow-events",
    [SIP_H_SUBSCRIPTION_STATE] = "subscription-state",
    [SIP_H_REFER_TO] = "refer-to",
    [SIP_H_REFERRED_BY] = "referred-by",
    [SIP_H_SESSION_EXPIRES] = "session-expires",
    [SIP_H_HISTORY_INFO] = "history-info",
    [SIP_H_DIVERSION] = "diversion",
    [SIP_H_P_ASSERTED_IDENTITY] = "p-asserted-identity",
    [SIP_H_P_PREFERRED_IDENTITY] = "p-preferred-identity",
    [SIP_H_PRIVACY] = "privacy",
    [SIP_H_ORGANIZATION] = "organization",
    [SIP_H_DATE] = "date",
    [SIP_H_TIMESTAMP] = "timestamp",
    [SIP_H_REASON] = "reason",
    [SIP_H_MS_EXCHANGE_COMMAND] = "ms-exchange-command",
    [SIP_H_MS_SENSITIVITY] = "ms-sensitivity",
};

#define HDR_HASH_SIZE 128
static const uint8_t hdr_hash[HDR_HASH_SIZE] = {
    [2] = SIP_H_EVENT,
    [4] = SIP_H_MS_EXCHANGE_COMMAND,
    [6] = SIP_H_RECORD_ROUTE,
    [7] = SIP_H_PROXY_AUTHENTICATE,
    [9] = SIP_H_REFER_TO,
    [10] = SIP_H_ACCEPT,
    [11] = SIP_H_SUBSCRIPTION_STATE,
    [18] = SIP_H_REQUIRE,
    [19] = SIP_H_EXPIRES,
    [23] = SIP_H_SERVER,
    [26] = SIP_H_SUPPORTED,
    [27] = SIP_H_REFERRED_BY,
    [32] = SIP_H_AUTHORIZATION,
    [35] = SIP_H_TIMESTAMP,
    [38] = SIP_H_ALLOW,
    [39] = SIP_H_CONTACT,
    [45] = SIP_H_SUBJECT,
    [46] = SIP_H_VIA,
    [48] = SIP_H_CONTENT_LENGTH,
    [49] = SIP_H_MS_SENSITIVITY,
    [51] = SIP_H_ORGANIZATION,
    [52] = SIP_H_FROM,
    [53] = SIP_H_UNSUPPORTED,
    [54] = SIP_H_HISTORY_INFO,
    [62] = SIP_H_CONTENT_TYPE,
    [64] = SIP_H_TO,
    [69] = SIP_H_SESSION_EXPIRES,
    [71] = SIP_H_ALLOW_EVENTS,
    [74] = SIP_H_USER_AGENT,
    [83] = SIP_H_CSEQ,
    [85] = SIP_H_PROXY_REQUIRE,
    [90] = SIP_H_MIN_EXPIRES,
    [95] = SIP_H_DATE,
    [96] = SIP_H_MAX_FORWARDS,
    [103] = SIP_H_REASON,
    [107] = SIP_H_P_ASSERTED_IDENTITY,
    [109] = SIP_H_PRIVACY,
    [111] = SIP_H_CALL_ID,
    [115] = SIP_H_WWW_AUTHENTICATE,
    [117] = SIP_H_CONTENT_ENCODING,
    [118] = SIP_H_PROXY_AUTHORIZATION,
    [119] = SIP_H_P_PREFERRED_IDENTITY,
    [122] = SIP_H_ROUTE,
    [124] = SIP_H_DIVERSION,
};

static const uint8_t hdr_compact[26] = {
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

/* Known names hold only letters and '-', for which OR-ing 0x20 is the same as
 * lowering; any other byte only lands in some slot and then fails the compare. */
static inline unsigned hdr_key(const char *s, size_t n)
{
	return (unsigned)(n * 12 + ((unsigned char)s[0] | 0x20) +
	                  ((unsigned char)s[n - 1] | 0x20) * 11 +
	                  ((unsigned char)s[n / 2] | 0x20)) %
	       HDR_HASH_SIZE;
}

sip_hdr_id sip_hdr_id_from(const char *name, size_t len)
{
	if (len == 1) {
		char c = ou_lower(name[0]);
		return (c >= 'a' && c <= 'z') ? (sip_hdr_id)hdr_compact[c - 'a'] : SIP_H_OTHER;
	}
	if (len < 2 || len > 32)
		return SIP_H_OTHER;
	unsigned id = hdr_hash[hdr_key(name, len)];
	if (id == SIP_H_OTHER || hdr_len[id] != len)
		return SIP_H_OTHER;
	/* Known names hold only letters and '-': OR-ing 0x20 into each byte folds the
	 * case of letters and keeps '-', so whole words compare at once. (CR would fold
	 * onto '-': names are tokens, see sip.h.) Known names are 2 to 20 bytes; two or
	 * three loads that may overlap cover the name without reading outside it. */
	const char *lc = hdr_lc[id];
	if (len >= 8) {
		const uint64_t f = 0x2020202020202020ull;
		uint64_t d = ((ou_load8(name) | f) ^ ou_load8(lc)) |
		             ((ou_load8(name + len - 8) | f) ^ ou_load8(lc + len - 8));
		if (len > 16)
			d |= (ou_load8(name + 8) | f) ^ ou_load8(lc + 8);
		return d ? SIP_H_OTHER : (sip_hdr_id)id;
	}
	if (len >= 4) {
		const uint32_t f = 0x20202020u;
		uint32_t d = ((ou_load4(name) | f) ^ ou_load4(lc)) |
		             ((ou_load4(name + len - 4) | f) ^ ou_load4(lc + len - 4));
		return d ? SIP_H_OTHER : (sip_hdr_id)id;
	}
	uint16_t d = (uint16_t)(((ou_load2(name) | 0x2020u) ^ ou_load2(lc)) |
	                        ((ou_load2(name + len - 2) | 0x2020u) ^ ou_load2(lc + len - 2)));
	return d ? SIP_H_OTHER : (sip_hdr_id)id;
}

const char *sip_hdr_name(sip_hdr_id id)
{
	return (id > SIP_H_OTHER && id < SIP_H__COUNT) ? hdr_names[id] : NULL;
}
