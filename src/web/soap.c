/* web/soap.c: the MS-OXWUMS-style SOAP 1.1 service (PlayOnPhone, GetCallInfo,
 * Disconnect) at /UnifiedMessaging/Service.asmx. HTTP Basic (mailbox address and PIN)
 * names the owner. Requests are parsed by soap_parse.c (libxml2, no network, no DTD, no
 * entity expansion); anything wrong becomes a SOAP Fault, never a crash. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web_int.h"

#define NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_MSG "http://schemas.microsoft.com/exchange/services/2006/messages"

static const char HEAD[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                           "<soap:Envelope xmlns:soap=\"" NS_SOAP "\">"
                           "<soap:Body>";
static const char TAIL[] = "</soap:Body></soap:Envelope>\n";

static void xml_escape(ou_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': ou_buf_append_cstr(b, "&lt;"); break;
		case '>': ou_buf_append_cstr(b, "&gt;"); break;
		case '&': ou_buf_append_cstr(b, "&amp;"); break;
		case '"': ou_buf_append_cstr(b, "&quot;"); break;
		default:
			/* control characters are not XML 1.0 characters */
			if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
				ou_buf_append_cstr(b, "?");
			else
				ou_buf_append(b, s, 1);
		}
	}
}

/* code: "Client", "Server", "VersionMismatch", "MustUnderstand". */
static void fault(web_resp *r, unsigned status, const char *code, const char *msg)
{
	r->status = status;
	r->ctype = "text/xml; charset=utf-8";
	ou_buf_reset(&r->body);
	ou_buf_append_cstr(&r->body, HEAD);
	ou_buf_printf(&r->body, "<soap:Fault><faultcode>soap:%s</faultcode><faultstring>", code);
	xml_escape(&r->body, msg);
	ou_buf_append_cstr(&r->body, "</faultstring></soap:Fault>");
	ou_buf_append_cstr(&r->body, TAIL);
}

static void ok_begin(web_resp *r)
{
	r->status = 200;
	r->ctype = "text/xml; charset=utf-8";
	ou_buf_reset(&r->body);
	ou_buf_append_cstr(&r->body, HEAD);
}

/* ---- entryId: base64 of the decimal message id ------------------------------ */
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void web_entry_id_encode(int64_t id, char *out, size_t cap)
{
	char dec[24];
	int n = snprintf(dec, sizeof dec, "%lld", (long long)id);
	size_t o = 0;
	for (int i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)dec[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)dec[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)dec[i + 2];
		const char q[4] = {B64[v >> 18 & 63], B64[v >> 12 & 63],
		                   i + 1 < n ? B64[v >> 6 & 63] : '=',
		                   i + 2 < n ? B64[v & 63] : '='};
		for (int k = 0; k < 4; k++)
			if (o + 1 < cap)
				out[o++] = q[k];
	}
	if (cap)
		out[o] = '\0';
}

static int b64val(char c)
{
	const char *p = c ? strchr(B64, c) : NULL;
	return p ? (int)(p - B64) : -1;
}

int web_entry_id_decode(const char *b64, int64_t *id)
{
	char dec[24];
	size_t n = strlen(b64), o = 0;
	if (n == 0 || n % 4 != 0 || n > 32)
		return OPENUM_EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		for (int k = 0; k < 4; k++) {
			char c = b64[i + k];
			bool pad_ok =
			    i + 4 == n && k >= 2 && c == '=' && (k == 3 || b64[i + 3] == '=');
			v[k] = pad_ok ? 0 : b64val(c);
			if (v[k] < 0)
				return OPENUM_EINVAL;
			if (pad_ok)
				v[k] = -2;
		}
		unsigned x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 |
		             (unsigned)(v[2] < 0 ? 0 : v[2]) << 6 | (unsigned)(v[3] < 0 ? 0 : v[3]);
		int bytes = v[2] == -2 ? 1 : v[3] == -2 ? 2 : 3;
		for (int k = 0; k < bytes; k++) {
			if (o + 1 >= sizeof dec)
				return OPENUM_EINVAL;
			dec[o++] = (char)(x >> (16 - 8 * k) & 0xff);
		}
	}
	if (o == 0 || o > 18)
		return OPENUM_EINVAL;
	int64_t v = 0;
	for (size_t i = 0; i < o; i++) {
		if (dec[i] < '0' || dec[i] > '9')
			return OPENUM_EINVAL;
		v = v * 10 + (dec[i] - '0');
	}
	if (v <= 0)
		return OPENUM_EINVAL;
	*id = v;
	return 0;
}

/* ---- operations (parsed by soap_parse.c) ------------------------------------ */
static void op_play(web_server *ws, const web_who *who, const web_soap_call *c, web_resp *r)
{
	char call_id[WEB_CALL_ID_MAX];
	const char *why = NULL;
	int err = web_call_start(ws, who, c->msg_id, c->dial, call_id, &why);
	switch (err) {
	case 0:
		ok_begin(r);
		ou_buf_append_cstr(&r->body, "<PlayOnPhoneResponse xmlns=\"" NS_MSG "\">"
		                             "<PlayOnPhoneResponse>");
		xml_escape(&r->body, call_id);
		ou_buf_append_cstr(&r->body, "</PlayOnPhoneResponse></PlayOnPhoneResponse>");
		ou_buf_append_cstr(&r->body, TAIL);
		break;
	case OPENUM_ENOTFOUND: fault(r, 500, "Client", "PlayOnPhone: no such message"); break;
	case OPENUM_EINVAL:
	case OPENUM_ETOOBIG:
	case OPENUM_EDUP: fault(r, 500, "Client", why ? why : "PlayOnPhone refused"); break;
	default: fault(r, 500, "Server", why ? why : "PlayOnPhone failed");
	}
}

static void op_info(web_server *ws, const web_who *who, const web_soap_call *c, web_resp *r)
{
	web_call_info ci;
	int err = web_call_info_get(ws, who, c->call_id, &ci);
	if (err == OPENUM_ENOTFOUND) {
		fault(r, 500, "Client", "GetCallInfo: no such call");
		return;
	}
	if (err) {
		fault(r, 500, "Server", "GetCallInfo: the Play-On-Phone engine failed");
		return;
	}
	ok_begin(r);
	ou_buf_printf(&r->body,
	              "<GetCallInfoResponse xmlns=\"" NS_MSG "\"><GetCallInfoResponse>"
	              "<CallState>%s</CallState><EventCause>%s</EventCause>",
	              web_call_state_name(ci.state), web_event_cause_name(ci.cause));
	if (ci.sip_code) {
		/* the newer EWS form's SIP details; old clients skip unknown trailing elements */
		ou_buf_printf(&r->body, "<SIPResponseCode>%u</SIPResponseCode><SIPResponseText>",
		              (unsigned)ci.sip_code);
		xml_escape(&r->body, ci.sip_reason);
		ou_buf_append_cstr(&r->body, "</SIPResponseText>");
	}
	ou_buf_append_cstr(&r->body, "</GetCallInfoResponse></GetCallInfoResponse>");
	ou_buf_append_cstr(&r->body, TAIL);
}

static void op_disconnect(web_server *ws, const web_who *who, const web_soap_call *c, web_resp *r)
{
	int err = web_call_disconnect(ws, who, c->call_id);
	if (err == OPENUM_ENOTFOUND) {
		fault(r, 500, "Client", "Disconnect: no such call");
		return;
	}
	if (err) {
		fault(r, 500, "Server", "Disconnect: the Play-On-Phone engine failed");
		return;
	}
	ok_begin(r);
	ou_buf_append_cstr(&r->body, "<DisconnectResponse xmlns=\"" NS_MSG "\"/>");
	ou_buf_append_cstr(&r->body, TAIL);
}

void web_soap_handle(const web_rq *rq, web_resp *r)
{
	if (strcmp(rq->method, "POST") != 0) {
		r->allow = "POST";
		fault(r, 405, "Client", "SOAP requests are POSTed");
		return;
	}
	/* text/xml (SOAP 1.1) or application/soap+xml: HTML forms of other sites cannot
	 * send either without a CORS preflight, so the browser's cached Basic credentials
	 * cannot be abused cross-site */
	const char *ct = web_header(rq, "Content-Type");
	if (!ct || (strncasecmp(ct, "text/xml", 8) != 0 &&
	            strncasecmp(ct, "application/soap+xml", 20) != 0)) {
		fault(r, 415, "Client", "Content-Type must be text/xml");
		return;
	}
	web_who who;
	web_logon_result res;
	if (web_basic_logon(rq->ws, rq, &res, &who) != 0) {
		if (res == WEB_LOGON_LOCKED) {
			fault(r, 403, "Client", "mailbox locked: too many failed logons");
		} else {
			r->basic_challenge = true;
			fault(r, 401, "Client", "wrong mailbox address or PIN");
		}
		return;
	}
	web_soap_call c;
	const char *code = NULL, *msg = NULL;
	if (web_soap_parse(rq->body, rq->body_len, &c, &code, &msg) != 0) {
		fault(r, 500, code, msg);
		return;
	}
	switch (c.op) {
	case WEB_SOAP_PLAY: op_play(rq->ws, &who, &c, r); break;
	case WEB_SOAP_INFO: op_info(rq->ws, &who, &c, r); break;
	case WEB_SOAP_DISCONNECT: op_disconnect(rq->ws, &who, &c, r); break;
	}
}
