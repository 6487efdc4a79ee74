/* Tests src/trace/trace.c: the MS-OCEXUM rules R1-R5 over parsed messages, one
 * message or a sequence of hops of one call, with the transport the reader saw or the
 * one the top Via names; parse failures, cut bodies and the counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "trace/trace.h"

#define MAXF 16

typedef struct got {
	trace_finding f;
	char summary[256];
	char text[512];
} got;

static got found[MAXF];
static unsigned nfound;

static void collect(void *ctx, const trace_finding *f)
{
	(void)ctx;
	assert_true(nfound < MAXF);
	got *g = &found[nfound++];
	g->f = *f;
	snprintf(g->summary, sizeof(g->summary), "%s", f->summary);
	snprintf(g->text, sizeof(g->text), "%s", f->text);
	g->f.summary = g->summary;
	g->f.text = g->text;
}

static trace_checker *chk;
static unsigned long next_pos;

static int setup(void **state)
{
	(void)state;
	nfound = 0;
	next_pos = 1;
	return trace_checker_new(collect, NULL, &chk);
}

static int teardown(void **state)
{
	(void)state;
	trace_checker_free(chk);
	chk = NULL;
	return 0;
}

/* Feeds one message as a capture frame over tp (SIP_TP_OTHER: let the Via say). */
static void feed(sip_transport tp, const char *text)
{
	trace_msg_info info = {
	    {next_pos++, true}, tp, tp == SIP_TP_OTHER ? TRACE_TPS_NONE : TRACE_TPS_CAPTURE, false};
	assert_int_equal(trace_check_bytes(chk, &info, text, strlen(text)), 0);
}

/* Same, as a text-log message whose line ends may be bare LF. */
static void feed_text(sip_transport tp, const char *text)
{
	trace_msg_info info = {
	    {next_pos++, false}, tp, tp == SIP_TP_OTHER ? TRACE_TPS_NONE : TRACE_TPS_LOG, true};
	assert_int_equal(trace_check_bytes(chk, &info, text, strlen(text)), 0);
}

/* An INVITE with the given Request-URI, From and To URIs, top Via transport and extra
 * header lines (each ending in \r\n). */
static const char *invite(const char *ruri, const char *from, const char *to, const char *via_tp,
                          const char *callid, const char *extra)
{
	static char buf[4][2048];
	static unsigned k;
	char *b = buf[k++ % 4];
	snprintf(b, sizeof(buf[0]),
	         "INVITE %s SIP/2.0\r\n"
	         "Via: SIP/2.0/%s 192.0.2.10:5061;branch=z9hG4bK%s\r\n"
	         "Max-Forwards: 70\r\n"
	         "From: <%s>;tag=f1\r\n"
	         "To: <%s>\r\n"
	         "Call-ID: %s\r\n"
	         "CSeq: 1 INVITE\r\n"
	         "%s"
	         "Content-Length: 0\r\n\r\n",
	         ruri, via_tp, callid, from, to, callid, extra ? extra : "");
	return b;
}

static const char *response(unsigned code, const char *reason, const char *callid,
                            const char *method)
{
	static char b[1024];
	snprintf(b, sizeof(b),
	         "SIP/2.0 %u %s\r\n"
	         "Via: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bKr\r\n"
	         "From: <sip:alice@example.com>;tag=f1\r\n"
	         "To: <sip:alice@example.com>;tag=t1\r\n"
	         "Call-ID: %s\r\n"
	         "CSeq: 1 %s\r\n"
	         "Content-Length: 0\r\n\r\n",
	         code, reason, callid, method);
	return b;
}

#define A "sip:alice@example.com"
#define VM "sip:alice@example.com;opaque=app:voicemail"
#define PND "Ms-Sensitivity: private-no-diversion\r\n"

/* Counts findings of a rule and level. */
static unsigned count(trace_rule r, trace_level l)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nfound; i++)
		n += found[i].f.rule == r && found[i].f.level == l;
	return n;
}

static const got *first(trace_rule r, trace_level l)
{
	for (unsigned i = 0; i < nfound; i++)
		if (found[i].f.rule == r && found[i].f.level == l)
			return &found[i];
	fail_msg("no %s %s finding", trace_level_name(l), trace_rule_name(r));
	return NULL;
}

/* ---- names ------------------------------------------------------------------------ */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(trace_rule_name(TRACE_RULE_R1), "R1");
	assert_string_equal(trace_rule_name(TRACE_RULE_R5), "R5");
	assert_string_equal(trace_rule_name(TRACE_RULE_PARSE), "PARSE");
	assert_string_equal(trace_rule_name(TRACE_RULE_TLS), "TLS");
	assert_string_equal(trace_level_name(TRACE_VIOLATION), "violation");
	assert_string_equal(trace_level_name(TRACE_WARNING), "warning");
	assert_string_equal(trace_level_name(TRACE_NOTE), "note");
}

/* ---- R1 --------------------------------------------------------------------------- */

static void test_r1_udp_capture(void **state)
{
	(void)state;
	/* the Via says TLS, the packet was UDP: the packet wins */
	feed(SIP_TP_UDP, invite(A, "sip:bob@example.com", A, "TLS", "c1", NULL));
	assert_int_equal(nfound, 1);
	const got *g = first(TRACE_RULE_R1, TRACE_VIOLATION);
	assert_int_equal(g->f.pos.n, 1);
	assert_true(g->f.pos.frame);
	assert_non_null(strstr(g->text, "MS-OCEXUM 2.1"));
	assert_non_null(strstr(g->summary, "INVITE sip:alice@example.com [UDP]"));
}

static void test_r1_tcp_tls_ok(void **state)
{
	(void)state;
	feed(SIP_TP_TCP, invite(A, "sip:bob@example.com", A, "UDP", "c1", NULL));
	feed(SIP_TP_TLS, invite(A, "sip:bob@example.com", A, "TLS", "c2", NULL));
	feed(SIP_TP_OTHER, invite(A, "sip:bob@example.com", A, "TCP", "c3", NULL));
	assert_int_equal(nfound, 0);
	assert_int_equal(trace_checker_stats(chk)->messages, 3);
}

static void test_r1_via(void **state)
{
	(void)state;
	feed(SIP_TP_OTHER, invite(A, "sip:bob@example.com", A, "UDP", "c1", NULL));
	feed(SIP_TP_OTHER, invite(A, "sip:bob@example.com", A, "SCTP", "c2", NULL));
	feed(SIP_TP_OTHER, invite(A, "sip:bob@example.com", A, "WSS", "c3", NULL));
	assert_int_equal(count(TRACE_RULE_R1, TRACE_VIOLATION), 2);
	assert_int_equal(count(TRACE_RULE_R1, TRACE_WARNING), 1);
	assert_non_null(strstr(found[0].text, "top Via"));
	assert_non_null(strstr(found[0].summary, "[UDP per Via]"));
}

static void test_r1_unknown_transport_is_silent(void **state)
{
	(void)state;
	/* MS-OCEXUM 4.2 shows no Via: nothing to say about the transport */
	feed(SIP_TP_OTHER, "OPTIONS sip:a@example.com SIP/2.0\r\nCall-ID: x\r\n"
	                   "Content-Length: 0\r\n\r\n");
	assert_int_equal(nfound, 0);
}

/* ---- R2 --------------------------------------------------------------------------- */

static void test_r2_unknown_token_is_note(void **state)
{
	(void)state;
	feed(SIP_TP_TLS,
	     invite(VM, A, VM, "TLS", "c1",
	            "Ms-Exchange-Command: skip-pin; play-message ;itemId=\"AAAA\"\r\n"));
	assert_int_equal(nfound, 1);
	const got *g = first(TRACE_RULE_R2, TRACE_NOTE);
	assert_non_null(strstr(g->text, "'play-message'"));
}

static void test_r2_bad_item_id(void **state)
{
	(void)state;
	feed(SIP_TP_TLS,
	     invite(VM, A, VM, "TLS", "c1", "Ms-Exchange-Command: skip-pin;itemId=abc*\r\n"));
	assert_int_equal(nfound, 1);
	const got *g = first(TRACE_RULE_R2, TRACE_VIOLATION);
	assert_non_null(strstr(g->text, "base64"));
}

static void test_r2_empty_command(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(VM, A, VM, "TLS", "c1", "Ms-Exchange-Command: ;\r\n"));
	assert_int_equal(nfound, 1);
	assert_non_null(strstr(first(TRACE_RULE_R2, TRACE_NOTE)->text, "empty"));
}

static void test_r2_command_outside_invite(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, "OPTIONS sip:um@example.com SIP/2.0\r\n"
	                 "Via: SIP/2.0/TLS 192.0.2.1;branch=z9hG4bK1\r\n"
	                 "From: <sip:a@example.com>;tag=1\r\nTo: <sip:um@example.com>\r\n"
	                 "Call-ID: o1\r\nCSeq: 1 OPTIONS\r\nMs-Exchange-Command: skip-pin\r\n"
	                 "Content-Length: 0\r\n\r\n");
	assert_int_equal(nfound, 1);
	assert_non_null(strstr(first(TRACE_RULE_R2, TRACE_NOTE)->text, "outside an INVITE"));
	assert_int_equal(count(TRACE_RULE_R3, TRACE_VIOLATION), 0);
}

static void test_r2_sensitivity(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(A, A, A, "TLS", "c1", "Ms-Sensitivity: secret\r\n"));
	assert_int_equal(nfound, 1);
	assert_non_null(strstr(first(TRACE_RULE_R2, TRACE_VIOLATION)->text, "unknown value"));
	nfound = 0;
	feed(SIP_TP_TLS,
	     invite(A, A, A, "TLS", "c2", PND "Ms-Sensitivity: private-no-diversion\r\n"));
	/* one finding for the repetition, and R4 is not judged on a broken header */
	assert_int_equal(nfound, 1);
	assert_non_null(strstr(first(TRACE_RULE_R2, TRACE_VIOLATION)->text, "2 times"));
	nfound = 0;
	/* every MS-SIPRE value is well-formed */
	feed(SIP_TP_TLS,
	     invite(A, "sip:b@example.com", A, "TLS", "c3", "Ms-Sensitivity: Normal\r\n"));
	feed(SIP_TP_TLS,
	     invite(A, "sip:b@example.com", A, "TLS", "c4", "Ms-Sensitivity: private\r\n"));
	assert_int_equal(nfound, 0);
}

static void test_r2_response_checked_too(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 192.0.2.1;branch=z9hG4bK1\r\n"
	                 "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\n"
	                 "Call-ID: r1\r\nCSeq: 1 INVITE\r\nMs-Sensitivity: hush\r\n"
	                 "Content-Length: 0\r\n\r\n");
	assert_int_equal(count(TRACE_RULE_R2, TRACE_VIOLATION), 1);
}

/* ---- R3 --------------------------------------------------------------------------- */

static void test_r3_matrix(void **state)
{
	(void)state;
	const char *sp = "Ms-Exchange-Command: skip-pin\r\n";
	feed(SIP_TP_TLS, invite(VM, A, VM, "TLS", "c1", sp));
	assert_int_equal(nfound, 0);
	feed(SIP_TP_TCP, invite(VM, A, VM, "TLS", "c2", sp));
	assert_int_equal(count(TRACE_RULE_R3, TRACE_VIOLATION), 1);
	assert_non_null(strstr(found[0].text, "over TCP"));
	assert_non_null(strstr(found[0].text, "MS-OCEXUM 3.1"));
	assert_int_equal(found[0].f.pos.n, 2);
	nfound = 0;
	/* UDP: R1 and R3 */
	feed(SIP_TP_UDP, invite(VM, A, VM, "UDP", "c3", sp));
	assert_int_equal(count(TRACE_RULE_R1, TRACE_VIOLATION), 1);
	assert_int_equal(count(TRACE_RULE_R3, TRACE_VIOLATION), 1);
	nfound = 0;
	/* transport from the Via */
	feed(SIP_TP_OTHER, invite(VM, A, VM, "TCP", "c4", sp));
	assert_int_equal(count(TRACE_RULE_R3, TRACE_VIOLATION), 1);
	assert_non_null(strstr(found[0].text, "top Via"));
	feed(SIP_TP_OTHER, invite(VM, A, VM, "TLS", "c5", sp));
	assert_int_equal(nfound, 1);
	/* no Via and no transport: cannot tell */
	nfound = 0;
	feed(SIP_TP_OTHER, "INVITE sip:alice@example.com SIP/2.0\r\n"
	                   "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com;"
	                   "opaque=app:voicemail>\r\nCall-ID: c6\r\nCSeq: 1 INVITE\r\n"
	                   "Ms-Exchange-Command: SKIP-PIN\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(nfound, 1);
	assert_int_equal(count(TRACE_RULE_R3, TRACE_WARNING), 1);
}

static void test_r3_without_skip_pin(void **state)
{
	(void)state;
	feed(SIP_TP_TCP, invite(VM, A, VM, "TCP", "c1", "Ms-Exchange-Command: itemId=AAAA\r\n"));
	assert_int_equal(nfound, 0);
}

/* ---- R4 --------------------------------------------------------------------------- */

static void test_r4_from_differs(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(A, "sip:um@example.com", A, "TLS", "c1", PND));
	assert_int_equal(nfound, 1);
	const got *g = first(TRACE_RULE_R4, TRACE_VIOLATION);
	assert_non_null(strstr(g->text, "From URI != To URI"));
	assert_non_null(strstr(g->text, "MS-OCEXUM 3.2"));
}

static void test_r4_equal_by_19_1_4(void **state)
{
	(void)state;
	/* case-insensitive host, a parameter present in one URI only: equal */
	feed(SIP_TP_TLS,
	     invite(A, "sip:alice@EXAMPLE.com;epid=1", "sip:alice@example.com", "TLS", "c1", PND));
	assert_int_equal(nfound, 0);
	/* user parts are case-sensitive */
	feed(SIP_TP_TLS, invite(A, "sip:Alice@example.com", A, "TLS", "c2", PND));
	assert_int_equal(count(TRACE_RULE_R4, TRACE_VIOLATION), 1);
}

static void test_r4_no_from(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, "INVITE sip:alice@example.com SIP/2.0\r\n"
	                 "Via: SIP/2.0/TLS 192.0.2.1;branch=z9hG4bK1\r\n"
	                 "To: <sip:alice@example.com>\r\nCall-ID: nf\r\nCSeq: 1 INVITE\r\n" PND
	                 "Content-Length: 0\r\n\r\n");
	assert_int_equal(count(TRACE_RULE_R4, TRACE_VIOLATION), 1);
	assert_non_null(strstr(found[0].text, "without a From or To"));
}

static void test_r4_warning_without_sensitivity(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(A, A, A, "TLS", "c1", NULL));
	assert_int_equal(nfound, 1);
	assert_non_null(strstr(first(TRACE_RULE_R4, TRACE_WARNING)->text, "SHOULD"));
	nfound = 0;
	/* normal-no-diversion is not what MS-OCEXUM 3.2 names */
	feed(SIP_TP_TLS, invite(A, A, A, "TLS", "c2", "Ms-Sensitivity: normal-no-diversion\r\n"));
	assert_int_equal(count(TRACE_RULE_R4, TRACE_WARNING), 1);
}

static void test_r4_no_warning_for_subscriber_access(void **state)
{
	(void)state;
	/* MS-OCEXUM 4.1: the owner calls their voicemail, From == To by 19.1.4 */
	feed(SIP_TP_TLS, invite(VM, A, VM, "TLS", "c1", NULL));
	feed(SIP_TP_TLS, invite(VM, A, A, "TLS", "c2", NULL));
	feed(SIP_TP_TLS, invite(A, A, A, "TLS", "c3", "Ms-Exchange-Command: skip-pin\r\n"));
	/* a re-INVITE (To tag) and a call to someone else */
	feed(SIP_TP_TLS,
	     "INVITE sip:alice@192.0.2.20 SIP/2.0\r\n"
	     "Via: SIP/2.0/TLS 192.0.2.1;branch=z9hG4bK1\r\n"
	     "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>;tag=2\r\n"
	     "Call-ID: re\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n");
	feed(SIP_TP_TLS, invite(A, "sip:bob@example.com", A, "TLS", "c4", NULL));
	assert_int_equal(nfound, 0);
}

/* ---- R5 --------------------------------------------------------------------------- */

static void test_r5_forward_to_contact_ok(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(A, A, A, "TLS", "p1", PND));
	/* the proxy sends it to the registered contact: same user, or none */
	feed(SIP_TP_TLS, invite("sip:alice@192.0.2.20:5061;transport=tls", A, A, "TLS", "p1", PND));
	feed(SIP_TP_TLS, invite("sip:%61lice@192.0.2.20", A, A, "TLS", "p1", PND));
	feed(SIP_TP_TLS, invite("sip:192.0.2.21:5061", A, A, "TLS", "p1", NULL));
	/* History-Info naming the same target without a cause */
	feed(SIP_TP_TLS, invite("sip:alice@192.0.2.20", A, A, "TLS", "p1",
	                        "History-Info: <sip:alice@example.com>;index=1,"
	                        "<sip:alice@192.0.2.20>;index=1.1;rc=1\r\n"));
	feed(SIP_TP_TLS, response(180, "Ringing", "p1", "INVITE"));
	feed(SIP_TP_TLS, response(486, "Busy Here", "p1", "INVITE"));
	assert_int_equal(nfound, 0);
}

static void test_r5_diversion(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(A, A, A, "TLS", "p1", PND));
	feed(SIP_TP_TLS, invite("sip:alice@192.0.2.20", A, A, "TLS", "p1",
	                        PND "Diversion: <sip:alice@example.com>;reason=no-answer\r\n"));
	assert_int_equal(nfound, 1);
	const got *g = first(TRACE_RULE_R5, TRACE_VIOLATION);
	assert_int_equal(g->f.pos.n, 2);
	assert_non_null(strstr(g->text, "Diversion"));
	assert_non_null(strstr(g->text, "frame 1"));
}

static void test_r5_voicemail(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(A, A, A, "TLS", "p1", PND));
	/* the proxy dropped Ms-Sensitivity on the way: the call is still tracked */
	feed(SIP_TP_TLS, invite(VM, A, A, "TLS", "p1", NULL));
	assert_int_equal(nfound, 1);
	assert_non_null(strstr(first(TRACE_RULE_R5, TRACE_VIOLATION)->text, "voicemail"));
}

static void test_r5_first_invite_already_diverted(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(VM, A, A, "TLS", "p1",
	                        PND "Diversion: <sip:alice@example.com>;reason=no-answer\r\n"));
	assert_int_equal(count(TRACE_RULE_R5, TRACE_VIOLATION), 2);
	assert_non_null(strstr(found[0].text, "this INVITE"));
}

static void test_r5_other_user(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(A, A, A, "TLS", "p1", PND));
	feed(SIP_TP_TLS, invite("sip:bob@example.com", A, A, "TLS", "p1", PND));
	assert_int_equal(nfound, 1);
	const got *g = first(TRACE_RULE_R5, TRACE_VIOLATION);
	assert_non_null(strstr(g->text, "'bob'"));
	assert_non_null(strstr(g->text, "'alice'"));
}

static void test_r5_history_info(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(A, A, A, "TLS", "p1", "Ms-Sensitivity: normal-no-diversion\r\n"));
	feed(SIP_TP_TLS, invite("sip:alice@192.0.2.20", A, A, "TLS", "p1",
	                        "History-Info: <sip:alice@example.com>;index=1\r\n"
	                        "History-Info: <sip:alice@192.0.2.20;cause=408>;index=1.1\r\n"));
	assert_int_equal(count(TRACE_RULE_R5, TRACE_VIOLATION), 1);
	nfound = 0;
	feed(SIP_TP_TLS,
	     invite("sip:alice@192.0.2.20", A, A, "TLS", "p1",
	            "History-Info: <sip:alice@example.com?Reason=SIP%3Bcause%3D302>;index=1\r\n"));
	assert_int_equal(count(TRACE_RULE_R5, TRACE_VIOLATION), 1);
	nfound = 0;
	feed(SIP_TP_TLS, invite("sip:alice@192.0.2.20", A, A, "TLS", "p1",
	                        "History-Info: <sip:alice@example.com>;index=1,"
	                        "<sip:carol@example.com>;index=1.1;mp=1\r\n"));
	assert_int_equal(count(TRACE_RULE_R5, TRACE_VIOLATION), 1);
}

static void test_r5_responses(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(A, A, A, "TLS", "p1", PND));
	feed(SIP_TP_TLS, response(302, "Moved Temporarily", "p1", "INVITE"));
	feed(SIP_TP_TLS, response(181, "Call Is Being Forwarded", "p1", "INVITE"));
	assert_int_equal(count(TRACE_RULE_R5, TRACE_VIOLATION), 2);
	assert_non_null(strstr(found[0].text, "302 redirects"));
	assert_non_null(strstr(found[0].summary, "SIP/2.0 302 Moved Temporarily (INVITE)"));
	assert_non_null(strstr(found[1].text, "181"));
	nfound = 0;
	/* a 3xx to another method, or another call, is not R5's business */
	feed(SIP_TP_TLS, response(302, "Moved Temporarily", "p1", "OPTIONS"));
	feed(SIP_TP_TLS, response(302, "Moved Temporarily", "other", "INVITE"));
	assert_int_equal(nfound, 0);
}

static void test_r5_reinvite_and_other_calls(void **state)
{
	(void)state;
	feed(SIP_TP_TLS, invite(A, A, A, "TLS", "p1", PND));
	/* a re-INVITE targets the remote contact: not a forwarding */
	feed(SIP_TP_TLS,
	     "INVITE sip:bob-device@192.0.2.20 SIP/2.0\r\n"
	     "Via: SIP/2.0/TLS 192.0.2.1;branch=z9hG4bK9\r\n"
	     "From: <sip:alice@example.com>;tag=f1\r\nTo: <sip:alice@example.com>;tag=t\r\n"
	     "Call-ID: p1\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n");
	/* an ordinary call may be forwarded at will */
	feed(SIP_TP_TLS,
	     invite("sip:bob@example.com", "sip:carol@example.com", A, "TLS", "n1", NULL));
	feed(SIP_TP_TLS, invite(VM, "sip:carol@example.com", A, "TLS", "n1",
	                        "Diversion: <sip:bob@example.com>;reason=no-answer\r\n"));
	feed(SIP_TP_TLS, response(302, "Moved Temporarily", "n1", "INVITE"));
	assert_int_equal(nfound, 0);
}

/* ---- parsing ------------------------------------------------------------------------ */

static void test_parse_failure(void **state)
{
	(void)state;
	feed_text(SIP_TP_TCP, "INVITE sip:a@example.com SIP/2.0\nno colon here\n\n");
	assert_int_equal(nfound, 1);
	const got *g = first(TRACE_RULE_PARSE, TRACE_WARNING);
	assert_false(g->f.pos.frame);
	assert_non_null(strstr(g->summary, "INVITE sip:a@example.com SIP/2.0"));
	const trace_stats *st = trace_checker_stats(chk);
	assert_int_equal(st->messages, 1);
	assert_int_equal(st->unparsed, 1);
	assert_int_equal(st->warnings, 1);
}

static void test_text_lf_line_ends(void **state)
{
	(void)state;
	/* 10 bytes of body as sent (with CRLF), 8 in the LF log */
	feed_text(SIP_TP_UDP, "INVITE sip:alice@example.com SIP/2.0\n"
	                      "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\n"
	                      "From: <sip:um@example.com>;tag=1\nTo: <sip:alice@example.com>\n"
	                      "Call-ID: lf\nCSeq: 1 INVITE\n"
	                      "Ms-Sensitivity: private-no-diversion\n"
	                      "Content-Length: 10\n\nabc\ndefg\n");
	assert_int_equal(nfound, 2);
	assert_int_equal(count(TRACE_RULE_R1, TRACE_VIOLATION), 1);
	assert_int_equal(count(TRACE_RULE_R4, TRACE_VIOLATION), 1);
	assert_int_equal(trace_checker_stats(chk)->unparsed, 0);
}

static void test_text_cut_body(void **state)
{
	(void)state;
	feed_text(SIP_TP_TLS, "INVITE sip:alice@example.com SIP/2.0\r\n"
	                      "Via: SIP/2.0/TLS 192.0.2.1;branch=z9hG4bK1\r\n"
	                      "From: <sip:um@example.com>;tag=1\r\nTo: <sip:alice@example.com>\r\n"
	                      "Call-ID: cut\r\nCSeq: 1 INVITE\r\nContent-Length: 317\r\n" PND
	                      "\r\n...SDP SNIPPED...\r\n");
	assert_int_equal(count(TRACE_RULE_PARSE, TRACE_NOTE), 1);
	assert_non_null(strstr(found[0].text, "Content-Length 317, 19 bytes present"));
	/* and the headers were checked */
	assert_int_equal(count(TRACE_RULE_R4, TRACE_VIOLATION), 1);
	assert_int_equal(trace_checker_stats(chk)->unparsed, 0);
}

static void test_capture_bytes_not_rewritten(void **state)
{
	(void)state;
	/* a capture's short body is a real error, never patched */
	feed(SIP_TP_TCP, "OPTIONS sip:a@example.com SIP/2.0\r\nCall-ID: x\r\n"
	                 "Content-Length: 50\r\n\r\nabc");
	assert_int_equal(count(TRACE_RULE_PARSE, TRACE_WARNING), 1);
}

static void test_summary_escapes_control_bytes(void **state)
{
	(void)state;
	feed(SIP_TP_UDP, "OPTIONS sip:a@example.com SIP/2.0\r\nCall-ID: x\r\n"
	                 "Content-Length: 0\r\n\r\n");
	feed(SIP_TP_UDP, "SIP/2.0 200 O\x1b[2JK\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
	                 "Content-Length: 0\r\n\r\n");
	assert_int_equal(nfound, 2);
	assert_null(strchr(found[1].summary, 0x1b));
	assert_non_null(strstr(found[1].summary, "\\x1b"));
}

static void test_report_counts(void **state)
{
	(void)state;
	trace_pos p = {7, true};
	trace_report(chk, p, TRACE_NOTE, TRACE_RULE_TLS, "TLS a -> b", "opaque");
	trace_report(chk, p, TRACE_VIOLATION, TRACE_RULE_R1, "x", "y");
	const trace_stats *st = trace_checker_stats(chk);
	assert_int_equal(st->tls_conns, 1);
	assert_int_equal(st->notes, 1);
	assert_int_equal(st->violations, 1);
	assert_int_equal(nfound, 2);
	assert_int_equal(found[0].f.pos.n, 7);
}

static void test_many_calls(void **state)
{
	(void)state;
	/* the call table grows past its first allocation and still finds every call */
	char id[32];
	for (int i = 0; i < 40; i++) {
		snprintf(id, sizeof(id), "many-%d", i);
		feed(SIP_TP_TLS, invite(A, A, A, "TLS", id, PND));
	}
	for (int i = 0; i < 40; i += 13) {
		snprintf(id, sizeof(id), "many-%d", i);
		feed(SIP_TP_TLS, invite("sip:bob@example.com", A, A, "TLS", id, NULL));
	}
	assert_int_equal(count(TRACE_RULE_R5, TRACE_VIOLATION), 4);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_names),
	    T(test_r1_udp_capture),
	    T(test_r1_tcp_tls_ok),
	    T(test_r1_via),
	    T(test_r1_unknown_transport_is_silent),
	    T(test_r2_unknown_token_is_note),
	    T(test_r2_bad_item_id),
	    T(test_r2_empty_command),
	    T(test_r2_command_outside_invite),
	    T(test_r2_sensitivity),
	    T(test_r2_response_checked_too),
	    T(test_r3_matrix),
	    T(test_r3_without_skip_pin),
	    T(test_r4_from_differs),
	    T(test_r4_equal_by_19_1_4),
	    T(test_r4_no_from),
	    T(test_r4_warning_without_sensitivity),
	    T(test_r4_no_warning_for_subscriber_access),
	    T(test_r5_forward_to_contact_ok),
	    T(test_r5_diversion),
	    T(test_r5_voicemail),
	    T(test_r5_first_invite_already_diverted),
	    T(test_r5_other_user),
	    T(test_r5_history_info),
	    T(test_r5_responses),
	    T(test_r5_reinvite_and_other_calls),
	    T(test_parse_failure),
	    T(test_text_lf_line_ends),
	    T(test_text_cut_body),
	    T(test_capture_bytes_not_rewritten),
	    T(test_summary_escapes_control_bytes),
	    T(test_report_counts),
	    T(test_many_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
