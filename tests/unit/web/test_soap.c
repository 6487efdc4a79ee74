/* Tests of web/soap.c: the MS-OXWUMS-style SOAP service over real HTTP on loopback:
 * PlayOnPhone / GetCallInfo / Disconnect with HTTP Basic, the responses' shape and
 * namespaces, and Faults for everything wrong, including XXE attempts (an external
 * entity must be neither fetched nor expanded). */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "web/web_int.h"
#include "web_test.h"

#define NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_MSG "http://schemas.microsoft.com/exchange/services/2006/messages"
#define ENV_OPEN                                                                                   \
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"                                               \
	"<soap:Envelope xmlns:soap=\"" NS_SOAP "\"><soap:Body>"
#define ENV_OPEN_NOPI "<soap:Envelope xmlns:soap=\"" NS_SOAP "\"><soap:Body>"
#define ENV_CLOSE "</soap:Body></soap:Envelope>"
#define SVC "/UnifiedMessaging/Service.asmx"
#define ALICE_AUTH "alice@example.com:" WT_PIN_ALICE

static int setup(void **state)
{
	wt *t = calloc(1, sizeof *t);
	if (!t || wt_setup(t, false, true) != 0)
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	wt *t = *state;
	assert_false(t->fe.wrong_thread);
	wt_teardown(t);
	free(t);
	return 0;
}

static long soap(wc *w, const char *auth, const char *xml)
{
	return wc_req(w, "POST", SVC, "text/xml; charset=utf-8", xml, strlen(xml), true, auth);
}

/* The text of the first element named `name` anywhere in the reply ("" if none). */
static void find_text(xmlNode *n, const char *name, const char *ns, char *out, size_t cap)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0 &&
		    (!ns || (n->ns && strcmp((const char *)n->ns->href, ns) == 0)) &&
		    (!n->children || n->children->type == XML_TEXT_NODE)) {
			xmlChar *c = xmlNodeGetContent(n);
			snprintf(out, cap, "%s", c ? (const char *)c : "");
			xmlFree(c);
			return;
		}
		find_text(n->children, name, ns, out, cap);
		if (*out)
			return;
	}
}

static void reply_text(wc *w, const char *name, const char *ns, char *out, size_t cap)
{
	out[0] = '\0';
	xmlDoc *d = xmlReadMemory(w->body.data, (int)w->body.len, "r.xml", NULL, XML_PARSE_NONET);
	assert_non_null(d); /* every reply is well-formed XML */
	find_text(xmlDocGetRootElement(d), name, ns, out, cap);
	xmlFreeDoc(d);
}

static void assert_fault(wc *w, long status, const char *code, const char *substr)
{
	char got[256];
	assert_int_equal(w->status, status);
	assert_non_null(strstr(w->ctype, "text/xml"));
	reply_text(w, "faultcode", NULL, got, sizeof got);
	assert_string_equal(got, code);
	reply_text(w, "faultstring", NULL, got, sizeof got);
	if (!strstr(got, substr))
		fail_msg("faultstring \"%s\" lacks \"%s\"", got, substr);
}

static void play_xml(char *buf, size_t cap, int64_t msg, const char *dial)
{
	char entry[40];
	web_entry_id_encode(msg, entry, sizeof entry);
	snprintf(buf, cap,
	         ENV_OPEN "<PlayOnPhone xmlns=\"" NS_MSG "\"><entryId>%s</entryId>"
	                  "<DialString>%s</DialString></PlayOnPhone>" ENV_CLOSE,
	         entry, dial);
}

static void call_xml(char *buf, size_t cap, const char *op, const char *id)
{
	snprintf(buf, cap,
	         ENV_OPEN "<m:%s xmlns:m=\"" NS_MSG "\"><m:CallId>%s</m:CallId></m:%s>" ENV_CLOSE,
	         op, id, op);
}

static void test_entry_id(void **state)
{
	char b[40];
	int64_t id;
	web_entry_id_encode(42, b, sizeof b);
	assert_string_equal(b, "NDI="); /* base64("42") */
	web_entry_id_encode(123, b, sizeof b);
	assert_string_equal(b, "MTIz");
	web_entry_id_encode(1234567, b, sizeof b);
	assert_int_equal(web_entry_id_decode(b, &id), 0);
	assert_int_equal(id, 1234567);
	assert_int_equal(web_entry_id_decode("NDI=", &id), 0);
	assert_int_equal(id, 42);
	const char *bad[] = {"",
	                     "NDI",
	                     "N=I=",
	                     "****",
	                     "YWJj" /* "abc" */,
	                     "MA==" /* "0" */,
	                     "NDI=NDI=",
	                     "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=" /* 20 digits */};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(web_entry_id_decode(bad[i], &id), OPENUM_EINVAL);
}

static void test_happy_path(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	char xml[1024], id[64], got[128];
	play_xml(xml, sizeof xml, t->amsg[0], "sip:alice@example.com");
	assert_int_equal(soap(&w, ALICE_AUTH, xml), 200);
	assert_non_null(strstr(w.ctype, "text/xml"));
	/* <PlayOnPhoneResponse><PlayOnPhoneResponse>id</...></...> in the messages ns */
	reply_text(&w, "PlayOnPhoneResponse", NS_MSG, id, sizeof id);
	assert_string_equal(id, "call-1");
	assert_string_equal(t->fe.calls[0].mailbox, WT_ALICE);
	assert_string_equal(t->fe.calls[0].dial, "sip:alice@example.com");
	assert_int_equal(t->fe.calls[0].msg_id, t->amsg[0]);

	call_xml(xml, sizeof xml, "GetCallInfo", id);
	assert_int_equal(soap(&w, ALICE_AUTH, xml), 200);
	reply_text(&w, "CallState", NS_MSG, got, sizeof got);
	assert_string_equal(got, "Connecting");
	reply_text(&w, "EventCause", NS_MSG, got, sizeof got);
	assert_string_equal(got, "None");
	assert_null(strstr(w.body.data, "SIPResponseCode"));

	fake_set(&t->fe, id, WEB_CALL_ALERTED, WEB_CAUSE_NONE, 180, "Ringing & <more>");
	assert_int_equal(soap(&w, ALICE_AUTH, xml), 200);
	reply_text(&w, "CallState", NS_MSG, got, sizeof got);
	assert_string_equal(got, "Alerted");
	reply_text(&w, "SIPResponseCode", NS_MSG, got, sizeof got);
	assert_string_equal(got, "180");
	reply_text(&w, "SIPResponseText", NS_MSG, got, sizeof got);
	assert_string_equal(got, "Ringing & <more>");

	fake_set(&t->fe, id, WEB_CALL_CONNECTED, WEB_CAUSE_NONE, 200, "OK");
	assert_int_equal(soap(&w, ALICE_AUTH, xml), 200);
	reply_text(&w, "CallState", NS_MSG, got, sizeof got);
	assert_string_equal(got, "Connected");

	/* a second PlayOnPhone while this one runs: a Client fault saying so */
	play_xml(xml, sizeof xml, t->amsg[1], "");
	soap(&w, ALICE_AUTH, xml);
	assert_fault(&w, 500, "soap:Client", "already running");
	assert_int_equal(t->fe.starts, 1);

	call_xml(xml, sizeof xml, "Disconnect", id);
	assert_int_equal(soap(&w, ALICE_AUTH, xml), 200);
	assert_non_null(strstr(w.body.data, "<DisconnectResponse xmlns=\"" NS_MSG "\"/>"));
	assert_int_equal(t->fe.disconnects, 1);
	call_xml(xml, sizeof xml, "GetCallInfo", id);
	assert_int_equal(soap(&w, ALICE_AUTH, xml), 200);
	reply_text(&w, "CallState", NS_MSG, got, sizeof got);
	assert_string_equal(got, "Disconnected");

	/* the empty DialString means the owner's address; the old endpoint path works too */
	play_xml(xml, sizeof xml, t->amsg[1], "");
	assert_int_equal(wc_req(&w, "POST", "/EWS/UM2007Legacy.asmx", "text/xml", xml, strlen(xml),
	                        true, ALICE_AUTH),
	                 200);
	assert_string_equal(t->fe.calls[1].dial, WT_ALICE);
	wc_free(&w);
}

static void test_auth(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	char xml[1024];
	play_xml(xml, sizeof xml, t->amsg[0], "");
	soap(&w, NULL, xml);
	assert_fault(&w, 401, "soap:Client", "wrong mailbox address or PIN");
	assert_non_null(strstr(w.wwwauth, "Basic"));
	soap(&w, "alice@example.com:999111", xml);
	assert_int_equal(w.status, 401);
	store_mailbox mb;
	assert_int_equal(store_mailbox_get(t->st, t->alice, &mb, NULL), 0);
	assert_int_equal(mb.failed_logons, 1); /* the same count as PIN logons */
	/* another user's credentials do not reach Alice's messages */
	soap(&w, "bob@example.com:" WT_PIN_BOB, xml);
	assert_fault(&w, 500, "soap:Client", "no such message");
	/* lock Alice out: then even her right PIN is refused */
	for (int i = 1; i < WT_MAX_FAILED; i++)
		soap(&w, "alice@example.com:999111", xml);
	soap(&w, ALICE_AUTH, xml);
	assert_fault(&w, 403, "soap:Client", "locked");
	assert_int_equal(t->fe.starts, 0);
	wc_free(&w);
}

static void test_faults(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	char xml[1024];
	soap(&w, ALICE_AUTH, "<soap:Envelope xmlns:soap=\"" NS_SOAP "\"><soap:Body><unclosed>");
	assert_fault(&w, 500, "soap:Client", "malformed XML");
	soap(&w, ALICE_AUTH, "");
	assert_fault(&w, 500, "soap:Client", "malformed XML");
	soap(&w, ALICE_AUTH, ENV_OPEN "<Frobnicate xmlns=\"" NS_MSG "\"/>" ENV_CLOSE);
	assert_fault(&w, 500, "soap:Client", "unknown operation");
	/* the right name in the wrong namespace is unknown too */
	soap(&w, ALICE_AUTH,
	     ENV_OPEN
	     "<GetCallInfo xmlns=\"urn:other\"><CallId>x</CallId></GetCallInfo>" ENV_CLOSE);
	assert_fault(&w, 500, "soap:Client", "unknown operation");
	soap(&w, ALICE_AUTH, ENV_OPEN ENV_CLOSE);
	assert_fault(&w, 500, "soap:Client", "without an operation");
	soap(&w, ALICE_AUTH, "<Envelope><Body/></Envelope>");
	assert_fault(&w, 500, "soap:VersionMismatch", "SOAP 1.1");
	soap(&w, ALICE_AUTH, "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"/>");
	assert_fault(&w, 500, "soap:VersionMismatch", "SOAP 1.1");
	soap(&w, ALICE_AUTH, "<html/>");
	assert_fault(&w, 500, "soap:Client", "not a SOAP envelope");
	soap(&w, ALICE_AUTH,
	     "<soap:Envelope xmlns:soap=\"" NS_SOAP "\"><soap:Header><x:T xmlns:x=\"urn:x\" "
	     "soap:mustUnderstand=\"1\"/></soap:Header><soap:Body/></soap:Envelope>");
	assert_fault(&w, 500, "soap:MustUnderstand", "mustUnderstand");
	soap(&w, ALICE_AUTH, ENV_OPEN "<PlayOnPhone xmlns=\"" NS_MSG "\"/>" ENV_CLOSE);
	assert_fault(&w, 500, "soap:Client", "entryId is required");
	soap(&w, ALICE_AUTH,
	     ENV_OPEN "<PlayOnPhone xmlns=\"" NS_MSG
	              "\"><entryId>!!</entryId></PlayOnPhone>" ENV_CLOSE);
	assert_fault(&w, 500, "soap:Client", "no such message");
	play_xml(xml, sizeof xml, 999999, "");
	soap(&w, ALICE_AUTH, xml);
	assert_fault(&w, 500, "soap:Client", "no such message");
	play_xml(xml, sizeof xml, t->amsg[0], "sip:");
	soap(&w, ALICE_AUTH, xml);
	assert_fault(&w, 500, "soap:Client", "Bad dial string");
	play_xml(xml, sizeof xml, t->bmsg, "");
	soap(&w, ALICE_AUTH, xml);
	assert_fault(&w, 500, "soap:Client", "no such message");
	call_xml(xml, sizeof xml, "GetCallInfo", "call-77");
	soap(&w, ALICE_AUTH, xml);
	assert_fault(&w, 500, "soap:Client", "no such call");
	call_xml(xml, sizeof xml, "Disconnect", "call-77");
	soap(&w, ALICE_AUTH, xml);
	assert_fault(&w, 500, "soap:Client", "no such call");
	soap(&w, ALICE_AUTH, ENV_OPEN "<GetCallInfo xmlns=\"" NS_MSG "\"/>" ENV_CLOSE);
	assert_fault(&w, 500, "soap:Client", "CallId is required");
	/* the engine failing is the server's fault */
	t->fe.start_rc = OPENUM_EIO;
	play_xml(xml, sizeof xml, t->amsg[0], "");
	soap(&w, ALICE_AUTH, xml);
	assert_fault(&w, 500, "soap:Server", "fake engine refused");
	t->fe.start_rc = 0;
	/* wrong method and content type */
	assert_int_equal(wc_req(&w, "GET", SVC, NULL, NULL, 0, true, ALICE_AUTH), 405);
	assert_int_equal(wc_req(&w, "POST", SVC, "application/x-www-form-urlencoded", "a=b", 3,
	                        true, ALICE_AUTH),
	                 415);
	assert_int_equal(t->fe.starts, 1);
	/* Bob cannot look at or end Alice's calls */
	play_xml(xml, sizeof xml, t->bmsg, "");
	assert_int_equal(soap(&w, "bob@example.com:" WT_PIN_BOB, xml), 200);
	call_xml(xml, sizeof xml, "Disconnect", "call-1");
	soap(&w, ALICE_AUTH, xml);
	assert_fault(&w, 500, "soap:Client", "no such call");
	assert_int_equal(t->fe.disconnects, 0);
	wc_free(&w);
}

/* A listener that counts connections: the XXE target that must never be reached. */
static int canary_open(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&a, &l);
	*port = ntohs(a.sin_port);
	return fd;
}

static void test_xxe(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	uint16_t port;
	int canary = canary_open(&port);
	char xml[2048];
	/* external entity over the network, in the CallId the reply would echo */
	snprintf(xml, sizeof xml,
	         "<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM "
	         "\"http://127.0.0.1:%u/x\">]>" ENV_OPEN_NOPI "<GetCallInfo xmlns=\"" NS_MSG
	         "\"><CallId>&x;</CallId></GetCallInfo>" ENV_CLOSE,
	         (unsigned)port);
	soap(&w, ALICE_AUTH, xml);
	assert_fault(&w, 500, "soap:Client", "DTDs are not allowed");
	/* a local file */
	soap(&w, ALICE_AUTH,
	     "<!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" ENV_OPEN_NOPI
	     "<GetCallInfo xmlns=\"" NS_MSG "\"><CallId>&x;</CallId></GetCallInfo>" ENV_CLOSE);
	assert_fault(&w, 500, "soap:Client", "DTDs are not allowed");
	assert_null(strstr(w.body.data, "root:"));
	/* an external DTD */
	snprintf(xml, sizeof xml,
	         "<!DOCTYPE e SYSTEM \"http://127.0.0.1:%u/e.dtd\">" ENV_OPEN_NOPI ENV_CLOSE,
	         (unsigned)port);
	soap(&w, ALICE_AUTH, xml);
	assert_fault(&w, 500, "soap:Client", "DTDs are not allowed");
	/* billion laughs */
	soap(&w, ALICE_AUTH,
	     "<!DOCTYPE e [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
	     "\"&a;&a;&a;&a;&a;&a;&a;&a;\">]>" ENV_OPEN_NOPI "<GetCallInfo xmlns=\"" NS_MSG
	     "\"><CallId>&b;</CallId></GetCallInfo>" ENV_CLOSE);
	assert_fault(&w, 500, "soap:Client", "DTDs are not allowed");
	/* the same in UTF-16, where a byte scan for "<!DOCTYPE" would see nothing */
	const char *u8 = "<!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><e>&x;</e>";
	char u16[512];
	size_t n = 0;
	u16[n++] = (char)0xff;
	u16[n++] = (char)0xfe;
	for (const char *p = u8; *p; p++) {
		u16[n++] = *p;
		u16[n++] = 0;
	}
	wc_req(&w, "POST", SVC, "text/xml", u16, n, true, ALICE_AUTH);
	assert_fault(&w, 500, "soap:Client", "UTF-8");
	/* an undeclared entity reference is malformed, not looked up */
	soap(&w, ALICE_AUTH,
	     ENV_OPEN "<GetCallInfo xmlns=\"" NS_MSG
	              "\"><CallId>&x;</CallId></GetCallInfo>" ENV_CLOSE);
	assert_fault(&w, 500, "soap:Client", "malformed XML");

	/* nobody connected to the canary */
	struct sockaddr_in a;
	socklen_t l = sizeof a;
	assert_int_equal(accept(canary, (struct sockaddr *)&a, &l), -1);
	close(canary);
	assert_int_equal(t->fe.infos, 0);
	wc_free(&w);
}

static void test_body_limit(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	size_t n = WEB_BODY_MAX + 10;
	char *big = malloc(n + 1);
	memset(big, ' ', n);
	big[n] = '\0';
	memcpy(big, "<a>", 3);
	assert_int_equal(wc_req(&w, "POST", SVC, "text/xml", big, n, true, ALICE_AUTH), 413);
	free(big);
	wc_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entry_id),
	    cmocka_unit_test_setup_teardown(test_happy_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_auth, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_xxe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
