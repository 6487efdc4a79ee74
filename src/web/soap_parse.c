/* web/soap_parse.c: the SOAP request parser of web/soap.c, apart from the handler so
 * that tests/fuzz/fuzz_soap.c can call it: libxml2 with no network, no DTD and no
 * entity expansion; the envelope, headers and one operation with its values. Anything
 * wrong is a Fault's code and text, never a crash. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "web_int.h"

#define NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define NS_MSG "http://schemas.microsoft.com/exchange/services/2006/messages"
#define NS_TYPES "http://schemas.microsoft.com/exchange/services/2006/types"

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

#define FAIL(code, msg)                                                                            \
	do {                                                                                       \
		*fault_code = (code);                                                              \
		*fault_msg = (msg);                                                                \
		return OPENUM_EINVAL;                                                              \
	} while (0)

/* The operation op's values into out. */
static int parse_op(xmlNode *op, web_soap_call *out, const char **fault_code,
                    const char **fault_msg)
{
	if (named(op, NS_MSG, "PlayOnPhone")) {
		char entry[WEB_SOAP_VALUE_MAX];
		out->op = WEB_SOAP_PLAY;
		if (!child_text(op, "entryId", entry, sizeof entry))
			FAIL("Client", "PlayOnPhone: entryId is required");
		if (!child_text(op, "DialString", out->dial, sizeof out->dial))
			out->dial[0] = '\0'; /* the owner's own address */
		if (web_entry_id_decode(entry, &out->msg_id) != 0)
			FAIL("Client", "PlayOnPhone: no such message");
		return 0;
	}
	if (named(op, NS_MSG, "GetCallInfo")) {
		out->op = WEB_SOAP_INFO;
		if (!child_text(op, "CallId", out->call_id, sizeof out->call_id))
			FAIL("Client", "GetCallInfo: CallId is required");
		return 0;
	}
	if (named(op, NS_MSG, "Disconnect")) {
		out->op = WEB_SOAP_DISCONNECT;
		if (!child_text(op, "CallId", out->call_id, sizeof out->call_id))
			FAIL("Client", "Disconnect: CallId is required");
		return 0;
	}
	FAIL("Client", "unknown operation");
}

static int parse_doc(xmlDoc *doc, web_soap_call *out, const char **fault_code,
                     const char **fault_msg)
{
	xmlNode *env = xmlDocGetRootElement(doc);
	if (!env || strcmp((const char *)env->name, "Envelope") != 0)
		FAIL("Client", "not a SOAP envelope");
	if (ns_is(env, NS_SOAP12))
		FAIL("VersionMismatch", "only SOAP 1.1 is served here");
	if (!ns_is(env, NS_SOAP))
		FAIL("VersionMismatch", "not a SOAP 1.1 envelope");
	xmlNode *body = NULL;
	for (xmlNode *c = first_elem(env->children); c; c = first_elem(c->next)) {
		if (named(c, NS_SOAP, "Header")) {
			for (xmlNode *h = first_elem(c->children); h; h = first_elem(h->next)) {
				xmlChar *mu = xmlGetNsProp(h, (const xmlChar *)"mustUnderstand",
				                           (const xmlChar *)NS_SOAP);
				bool must = mu && strcmp((const char *)mu, "1") == 0;
				xmlFree(mu);
				if (must)
					FAIL("MustUnderstand",
					     "a header marked mustUnderstand is not understood");
			}
		} else if (named(c, NS_SOAP, "Body")) {
			body = c;
			break;
		}
	}
	xmlNode *op = body ? first_elem(body->children) : NULL;
	if (!op)
		FAIL("Client", "SOAP Body without an operation");
	return parse_op(op, out, fault_code, fault_msg);
}

int web_soap_parse(const char *body, size_t len, web_soap_call *out, const char **fault_code,
                   const char **fault_msg)
{
	memset(out, 0, sizeof *out);
	/* UTF-8 only, and no DTD at all: with UTF-8 forced, a DOCTYPE cannot hide from
	 * this scan, so no entity is ever declared, fetched or expanded */
	if (len == 0)
		FAIL("Client", "malformed XML"); /* what libxml2 says of no bytes */
	if (len > (size_t)INT32_MAX)
		FAIL("Client", "the request is too large");
	if (memchr(body, 0, len))
		FAIL("Client", "the request must be UTF-8");
	if (memmem(body, len, "<!DOCTYPE", 9) || memmem(body, len, "<!ENTITY", 8))
		FAIL("Client", "DTDs are not allowed in SOAP messages");
	xmlDoc *doc = xmlReadMemory(body, (int)len, "request.xml", "UTF-8",
	                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		FAIL("Client", "malformed XML");
	int rc;
	if (doc->intSubset || doc->extSubset) {
		*fault_code = "Client";
		*fault_msg = "DTDs are not allowed in SOAP messages";
		rc = OPENUM_EINVAL;
	} else {
		rc = parse_doc(doc, out, fault_code, fault_msg);
	}
	xmlFreeDoc(doc);
	return rc;
}
