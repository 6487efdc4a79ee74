/* web/soap.c: the MS-OXWUMS-style SOAP 1.1 service (PlayOnPhone, GetCallInfo,
 * Disconnect) at /UnifiedMessaging/Service.asmx. HTTP Basic (mailbox address and PIN)
 * names the owner. Requests are parsed with libxml2 with no network, no DTD and no
 * entity expansion; anything wrong becomes a SOAP Fault, never a crash. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "web_int.h"

#define NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define NS_MSG "http://schemas.microsoft.com/exchange/services/2006/messages"
#define NS_TYPES "http://schemas.microsoft.com/exchange/services/2006/types"
#define SOAP_VALUE_MAX 1024 /* longest text we read from an element */

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

/* ---- parsing -------------------------------------------------------------------- */
static bool ns_is(const xmlNode *n, const char *ns)
{
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

static bool named(const xmlNode *n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0 &&
	       ns_is(n, ns);
}

static xmlNode *first_elem(xmlNode *n)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

/* The trimmed text of the operation's child `name` (messages or types namespace,
 * or none) into out; false when absent, not plain text, or too long. */
static bool child_text(xmlNode *op, const char *name, char *out, size_t cap)
{
	for (xmlNode *c = op->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, name) != 0)
			continue;
		if (c->ns && !ns_is(c, NS_MSG) && !ns_is(c, NS_TYPES))
			continue;
		size_t o = 0;
		for (xmlNode *t = c->children; t; t = t->next) {
			if (t->type != XML_TEXT_NODE && t->type != XML_CDATA_SECTION_NODE)
				return false; /* elements or entity references: not a value */
			const char *s = (const char *)t->content;
			if (!s)
				continue; /* an empty text node adds nothing */
			size_t n = strlen(s);
			if (o + n >= cap)
				return false;
			memcpy(out + o, s, n);
			o += n;
		}
		out[o] = '\0';
		ou_slice sl = ou_slice_trim(ou_slice_make(out, o));
		memmove(out, sl.p, sl.n);
		out[sl.n] = '\0';
		return true;
	}
	return false;
}

static void op_play(web_server *ws, const web_who *who, xmlNode *op, web_resp *r)
{
	char entry[SOAP_VALUE_MAX], dial[SOAP_VALUE_MAX], call_id[WEB_CALL_ID_MAX];
	int64_t id;
	if (!child_text(op, "entryId", entry, sizeof entry)) {
		fault(r, 500, "Client", "PlayOnPhone: entryId is required");
		return;
	}
	if (!child_text(op, "DialString", dial, sizeof dial))
		dial[0] = '\0'; /* the owner's own address */
	if (web_entry_id_decode(entry, &id) != 0) {
		fault(r, 500, "Client", "PlayOnPhone: no such message");
		return;
	}
	const char *why = NULL;
	int err = web_call_start(ws, who, id, dial, call_id, &why);
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

static void op_info(web_server *ws, const web_who *who, xmlNode *op, web_resp *r)
{
	char id[SOAP_VALUE_MAX];
	web_call_info ci;
	if (!child_text(op, "CallId", id, sizeof id)) {
		fault(r, 500, "Client", "GetCallInfo: CallId is required");
		return;
	}
	int err = web_call_info_get(ws, who, id, &ci);
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

static void op_disconnect(web_server *ws, const web_who *who, xmlNode *op, web_resp *r)
{
	char id[SOAP_VALUE_MAX];
	if (!child_text(op, "CallId", id, sizeof id)) {
		fault(r, 500, "Client", "Disconnect: CallId is required");
		return;
	}
	int err = web_call_disconnect(ws, who, id);
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

static void dispatch(web_server *ws, const web_who *who, xmlDoc *doc, web_resp *r)
{
	xmlNode *env = xmlDocGetRootElement(doc);
	if (!env || strcmp((const char *)env->name, "Envelope") != 0) {
		fault(r, 500, "Client", "not a SOAP envelope");
		return;
	}
	if (ns_is(env, NS_SOAP12)) {
		fault(r, 500, "VersionMismatch", "only SOAP 1.1 is served here");
		return;
	}
	if (!ns_is(env, NS_SOAP)) {
		fault(r, 500, "VersionMismatch", "not a SOAP 1.1 envelope");
		return;
	}
	xmlNode *body = NULL;
	for (xmlNode *c = first_elem(env->children); c; c = first_elem(c->next)) {
		if (named(c, NS_SOAP, "Header")) {
			for (xmlNode *h = first_elem(c->children); h; h = first_elem(h->next)) {
				xmlChar *mu = xmlGetNsProp(h, (const xmlChar *)"mustUnderstand",
				                           (const xmlChar *)NS_SOAP);
				bool must = mu && strcmp((const char *)mu, "1") == 0;
				xmlFree(mu);
				if (must) {
					fault(r, 500, "MustUnderstand",
					      "a header marked mustUnderstand is not understood");
					return;
				}
			}
		} else if (named(c, NS_SOAP, "Body")) {
			body = c;
			break;
		}
	}
	xmlNode *op = body ? first_elem(body->children) : NULL;
	if (!op) {
		fault(r, 500, "Client", "SOAP Body without an operation");
		return;
	}
	if (named(op, NS_MSG, "PlayOnPhone"))
		op_play(ws, who, op, r);
	else if (named(op, NS_MSG, "GetCallInfo"))
		op_info(ws, who, op, r);
	else if (named(op, NS_MSG, "Disconnect"))
		op_disconnect(ws, who, op, r);
	else
		fault(r, 500, "Client", "unknown operation");
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
	/* UTF-8 only, and no DTD at all: with UTF-8 forced, a DOCTYPE cannot hide from
	 * this scan, so no entity is ever declared, fetched or expanded */
	if (memchr(rq->body, 0, rq->body_len)) {
		fault(r, 500, "Client", "the request must be UTF-8");
		return;
	}
	if (memmem(rq->body, rq->body_len, "<!DOCTYPE", 9) ||
	    memmem(rq->body, rq->body_len, "<!ENTITY", 8)) {
		fault(r, 500, "Client", "DTDs are not allowed in SOAP messages");
		return;
	}
	xmlDoc *doc = xmlReadMemory(rq->body, (int)rq->body_len, "request.xml", "UTF-8",
	                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		fault(r, 500, "Client", "malformed XML");
		return;
	}
	if (doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		fault(r, 500, "Client", "DTDs are not allowed in SOAP messages");
		return;
	}
	dispatch(rq->ws, &who, doc, r);
	xmlFreeDoc(doc);
}
