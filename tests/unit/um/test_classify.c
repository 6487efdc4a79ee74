/* Tests src/um/classify.c: subscriber access vs call answering from real INVITE text
 * (Lync/Skype for Business per MS-OCEXUM 4.1 and MS-EUMR, Asterisk and Kamailio
 * Diversion, RFC 7044 History-Info, RFC 4458 target, tel: URIs), and the mailbox. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "um/um.h"

static char buf[8192];
static sip_msg msg;

/* Builds an INVITE with the given Request-URI, From value and extra header lines
 * (each ending in \r\n), parses it and classifies it. */
static int classify_cfg(const char *ruri, const char *from, const char *extra,
                        const um_classify_cfg *cfg, um_class *out, const char **why)
{
	int n = snprintf(buf, sizeof(buf),
	                 "INVITE %s SIP/2.0\r\n"
	                 "Via: SIP/2.0/TLS 10.0.0.7:5061;branch=z9hG4bK77ab\r\n"
	                 "Max-Forwards: 69\r\n"
	                 "From: %s\r\n"
	                 "To: <sip:someone@example.com>\r\n"
	                 "Call-ID: c1@10.0.0.7\r\n"
	                 "CSeq: 1 INVITE\r\n"
	                 "Contact: <sip:10.0.0.7:5061;transport=tls>\r\n"
	                 "%s"
	                 "Content-Length: 0\r\n\r\n",
	                 ruri, from, extra ? extra : "");
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	const char *pwhy = NULL;
	assert_int_equal(sip_msg_parse(buf, (size_t)n, &msg, &pwhy), 0);
	return um_classify(&msg, cfg, out, why);
}

static int classify(const char *ruri, const char *from, const char *extra, um_class *out)
{
	return classify_cfg(ruri, from, extra, NULL, out, NULL);
}

static void expect(const um_class *c, um_call_kind kind, um_class_basis basis, const char *aor)
{
	assert_int_equal(c->kind, kind);
	assert_int_equal(c->basis, basis);
	assert_string_equal(c->mailbox.aor, aor);
}

/* ---- Lync / Skype for Business ----------------------------------------------- */

static void test_lync_subscriber_access_opaque(void **state)
{
	um_class c;
	/* MS-OCEXUM 4.1, verbatim addresses. */
	assert_int_equal(classify("sip:alice@contoso.com;opaque=app:voicemail",
	                          "<sip:alice@contoso.com>;tag=01742a55e6;epid=6b5d10e663",
	                          "Ms-Exchange-Command: skip-pin\r\n", &c),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_OWNER_CALLING, "alice@contoso.com");
	assert_string_equal(c.caller.aor, "alice@contoso.com");
	assert_false(c.anonymous);
	assert_null(c.reason.p);
}

static void test_lync_subscriber_access_gruu_mixed_case(void **state)
{
	um_class c;
	assert_int_equal(classify("sip:alice@Contoso.COM;opaque=app:voicemail;gruu",
	                          "\"Alice\" <sip:alice@CONTOSO.com>;tag=1;epid=2", NULL, &c),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_OWNER_CALLING, "alice@contoso.com");
	assert_string_equal(c.mailbox.host, "contoso.com");
}

static void test_lync_direct_to_voicemail_from_other(void **state)
{
	um_class c;
	/* Bob uses "call voicemail directly" on Alice: no diversion, not the owner. */
	assert_int_equal(classify("sip:alice@contoso.com;opaque=app:voicemail",
	                          "<sip:bob@contoso.com>;tag=9;epid=1", NULL, &c),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_OTHER_CALLING, "alice@contoso.com");
	assert_string_equal(c.caller.aor, "bob@contoso.com");
}

static void test_lync_no_answer_diversion(void **state)
{
	um_class c;
	/* MS-EUMR: the proxy removed old Diversions and added the original R-URI. */
	assert_int_equal(classify("sip:alice@contoso.com;opaque=app:voicemail",
	                          "<sip:bob@contoso.com>;tag=9",
	                          "Diversion: <sip:alice@contoso.com>;reason=no-answer\r\n", &c),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_DIVERSION, "alice@contoso.com");
	assert_true(ou_slice_eq_cstr(c.reason, "no-answer"));
}

static void test_lync_history_info_mapped(void **state)
{
	um_class c;
	/* Phone number mapped to the user, then retargeted to the user's voicemail. */
	assert_int_equal(
	    classify("sip:alice@contoso.com;opaque=app:voicemail", "<sip:bob@contoso.com>;tag=9",
	             "History-Info: <sip:+14255550100@contoso.com;user=phone>;index=1,"
	             " <sip:alice@contoso.com>;index=1.1;mp=1\r\n"
	             "History-Info: "
	             "<sip:alice@contoso.com;opaque=app:voicemail?Reason=SIP%3Bcause%3D480>;"
	             "index=1.1.1;rc=1.1\r\n",
	             &c),
	    0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_HISTORY_INFO, "alice@contoso.com");
}

static void test_lync_own_history_info_is_subscriber(void **state)
{
	um_class c;
	/* One entry naming the R-URI itself: no diversion at all. */
	assert_int_equal(
	    classify("sip:alice@contoso.com;opaque=app:voicemail", "<sip:alice@contoso.com>;tag=1",
	             "History-Info: <sip:alice@contoso.com;opaque=app:voicemail>;index=1\r\n", &c),
	    0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_OWNER_CALLING, "alice@contoso.com");
}

static void test_owner_forwarded_own_call(void **state)
{
	um_class c;
	/* Alice's own forwarding sent her call to voicemail: she is calling in. */
	assert_int_equal(
	    classify("sip:alice@contoso.com;opaque=app:voicemail", "<sip:alice@contoso.com>;tag=1",
	             "Diversion: <sip:alice@contoso.com>;reason=unconditional\r\n", &c),
	    0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_OWNER_CALLING, "alice@contoso.com");
}

/* ---- local-resource-path ----------------------------------------------------- */

static void test_resource_path(void **state)
{
	um_class c;
	assert_int_equal(classify("sip:alice@contoso.com;local-resource-path=voicemail",
	                          "<sip:alice@contoso.com>;tag=1", NULL, &c),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_RESOURCE_PATH, "alice@contoso.com");

	/* greeting: the owner records a greeting, even if someone diverted it. */
	assert_int_equal(classify("sip:alice@contoso.com;local-resource-path=Greeting",
	                          "<sip:alice@contoso.com>;tag=1",
	                          "Diversion: <sip:carol@contoso.com>;reason=no-answer\r\n", &c),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_RESOURCE_PATH, "alice@contoso.com");

	/* voicememo from the owner: leave a message in one's own mailbox. */
	assert_int_equal(classify("sip:alice@contoso.com;local-resource-path=voicememo",
	                          "<sip:alice@contoso.com>;tag=1", NULL, &c),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_RESOURCE_PATH, "alice@contoso.com");

	assert_int_equal(classify("sip:alice@contoso.com;local-resource-path=PLAYGREETING",
	                          "<sip:bob@contoso.com>;tag=1", NULL, &c),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_RESOURCE_PATH, "alice@contoso.com");

	/* playgreeting to a pilot with a diversion: the diverting user's mailbox. */
	assert_int_equal(classify("sip:um.contoso.com;local-resource-path=playgreeting",
	                          "<sip:bob@contoso.com>;tag=1",
	                          "Diversion: <sip:alice@contoso.com>;reason=user-busy\r\n", &c),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_DIVERSION, "alice@contoso.com");

	/* voicemail to the pilot: the caller's own mailbox. */
	assert_int_equal(classify("sip:um.contoso.com;local-resource-path=voicemail",
	                          "<sip:bob@contoso.com>;tag=1", NULL, &c),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_RESOURCE_PATH, "bob@contoso.com");

	/* An unknown feature name falls back to the other rules. */
	assert_int_equal(classify("sip:alice@contoso.com;local-resource-path=fax",
	                          "<sip:bob@contoso.com>;tag=1", NULL, &c),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_OTHER_CALLING, "alice@contoso.com");
}

static void test_resource_path_answering_without_mailbox(void **state)
{
	um_class c;
	const char *why = NULL;
	assert_int_equal(classify_cfg("sip:um.contoso.com;local-resource-path=voicememo",
	                              "<sip:bob@contoso.com>;tag=1", NULL, NULL, &c, &why),
	                 OPENUM_ENOTFOUND);
	assert_non_null(why);
}

/* ---- Asterisk / Kamailio / FreeSWITCH Diversion ------------------------------ */

static const char *const pilots[] = {"vm", "8000", "voicemail@pbx.example.com"};
static const um_classify_cfg pbx = {.pilots = pilots, .npilots = 3};

static void test_asterisk_diversion_to_pilot(void **state)
{
	um_class c;
	assert_int_equal(classify_cfg("sip:vm@10.1.1.5:5060", "\"Bob\" <sip:1002@10.1.1.1>;tag=as5",
	                              "Diversion: <sip:1001@10.1.1.1>;reason=no-answer;counter=1;"
	                              "privacy=off\r\n",
	                              &pbx, &c, NULL),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_DIVERSION, "1001@10.1.1.1");
	assert_true(ou_slice_eq_cstr(c.reason, "no-answer"));
}

static void test_diversion_chain_top_most(void **state)
{
	um_class c;
	/* 1001 forwarded to 1003 (unconditional), 1003 did not answer: 1003's mailbox.
	 * Entries newest first, in one header and in two. */
	const char *one = "Diversion: <sip:1003@pbx.example.com>;reason=no-answer;counter=1,"
	                  " <sip:1001@pbx.example.com>;reason=unconditional;counter=1\r\n";
	const char *two = "Diversion: <sip:1003@pbx.example.com>;reason=no-answer\r\n"
	                  "Diversion: <sip:1001@pbx.example.com>;reason=unconditional\r\n";
	assert_int_equal(classify_cfg("sip:8000@pbx.example.com",
	                              "<sip:1002@pbx.example.com>;tag=1", one, &pbx, &c, NULL),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_DIVERSION, "1003@pbx.example.com");
	assert_true(ou_slice_eq_cstr(c.reason, "no-answer"));
	assert_int_equal(classify_cfg("sip:8000@pbx.example.com",
	                              "<sip:1002@pbx.example.com>;tag=1", two, &pbx, &c, NULL),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_DIVERSION, "1003@pbx.example.com");

	/* Configured for the original diverting party: the bottom-most entry. */
	um_classify_cfg orig = pbx;
	orig.diversion_original = true;
	assert_int_equal(classify_cfg("sip:8000@pbx.example.com",
	                              "<sip:1002@pbx.example.com>;tag=1", two, &orig, &c, NULL),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_DIVERSION, "1001@pbx.example.com");
	assert_true(ou_slice_eq_cstr(c.reason, "unconditional"));
}

static void test_kamailio_diversion_keeps_user_rewrites_host(void **state)
{
	um_class c;
	/* Kamailio's add_diversion() on a call whose R-URI was rewritten to the UM. */
	assert_int_equal(classify("sip:alice@um.example.com:5061;transport=tls",
	                          "<sip:bob@example.com>;tag=k1",
	                          "Diversion: <sip:alice@Example.com>;reason=user-busy\r\n", &c),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_DIVERSION, "alice@example.com");
	assert_true(ou_slice_eq_cstr(c.reason, "user-busy"));
}

static void test_diversion_tel_and_user_phone(void **state)
{
	um_class c;
	assert_int_equal(
	    classify_cfg("sip:8000@pbx.example.com", "<tel:+1-425-555-0199>;tag=t",
	                 "Diversion: \"Alice\" <tel:+1-425-555-0100>;reason=unknown\r\n", &pbx, &c,
	                 NULL),
	    0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_DIVERSION, "+14255550100");
	assert_true(c.mailbox.phone);
	assert_string_equal(c.caller.aor, "+14255550199");

	/* A phone number in sip form diverts the same as its tel form: user compared. */
	assert_int_equal(classify_cfg("sip:8000@pbx.example.com",
	                              "<sip:+1.425.555.0100@gw.example.com;user=phone>;tag=t",
	                              "Diversion: <tel:+14255550100>\r\n", &pbx, &c, NULL),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_PILOT, "+14255550100@gw.example.com");
}

static void test_diversion_escaped_user(void **state)
{
	um_class c;
	assert_int_equal(classify("sip:%61lice@contoso.com;opaque=app:voicemail",
	                          "<sip:alice@contoso.com>;tag=1", NULL, &c),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_OWNER_CALLING, "alice@contoso.com");
	/* User parts are case-sensitive (RFC 3261 19.1.4): Alice is not alice. */
	assert_int_equal(classify("sip:Alice@contoso.com;opaque=app:voicemail",
	                          "<sip:alice@contoso.com>;tag=1", NULL, &c),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_OTHER_CALLING, "Alice@contoso.com");
}

static void test_ignore_host(void **state)
{
	um_class c;
	um_classify_cfg cfg = {.ignore_host = true};
	/* The gateway writes its IP in From, the PBX its name in the R-URI. */
	assert_int_equal(classify_cfg("sip:1001@pbx.example.com", "<sip:1001@10.1.1.1>;tag=1", NULL,
	                              &cfg, &c, NULL),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_OWNER_CALLING, "1001@pbx.example.com");
	assert_int_equal(classify_cfg("sip:1001@pbx.example.com", "<sip:1001@10.1.1.1>;tag=1", NULL,
	                              NULL, &c, NULL),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_OTHER_CALLING, "1001@pbx.example.com");
}

/* ---- pilot ------------------------------------------------------------------- */

static void test_pilot_without_diversion(void **state)
{
	um_class c;
	assert_int_equal(classify_cfg("sip:8000@pbx.example.com",
	                              "\"Bob\" <sip:1002@pbx.example.com>;tag=1", NULL, &pbx, &c,
	                              NULL),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_PILOT, "1002@pbx.example.com");
	/* Full user@host pilot form, and a bare host. */
	assert_int_equal(classify_cfg("sip:voicemail@PBX.example.com",
	                              "<sip:1002@pbx.example.com>;tag=1", NULL, &pbx, &c, NULL),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_PILOT, "1002@pbx.example.com");
	assert_int_equal(classify("sip:um.example.com:5061;transport=tls",
	                          "<sip:carol@example.com>;tag=1", NULL, &c),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_PILOT, "carol@example.com");
	/* voicemail@other host is not the configured pilot. */
	assert_int_equal(classify_cfg("sip:voicemail@other.example.com",
	                              "<sip:1002@pbx.example.com>;tag=1", NULL, &pbx, &c, NULL),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_OTHER_CALLING, "voicemail@other.example.com");
}

static void test_pilot_anonymous(void **state)
{
	um_class c;
	assert_int_equal(classify_cfg("sip:8000@pbx.example.com",
	                              "\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=1", NULL,
	                              &pbx, &c, NULL),
	                 0);
	assert_int_equal(c.kind, UM_CALL_SUBSCRIBER_ACCESS);
	assert_true(c.anonymous);
	assert_string_equal(c.mailbox.aor, ""); /* ask for the extension */

	/* Anonymous to a mailbox: leaving a message, never the owner. */
	assert_int_equal(
	    classify("sip:anonymous@example.com", "<sip:anonymous@example.com>;tag=1", NULL, &c),
	    0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_OTHER_CALLING, "anonymous@example.com");
}

static void test_diversion_to_pilot_ignored(void **state)
{
	um_class c;
	/* A Diversion naming the pilot itself names no mailbox. */
	assert_int_equal(classify_cfg("sip:8000@pbx.example.com",
	                              "<sip:1002@pbx.example.com>;tag=1",
	                              "Diversion: <sip:8000@pbx.example.com>;reason=deflection\r\n",
	                              &pbx, &c, NULL),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_PILOT, "1002@pbx.example.com");
}

/* ---- History-Info (RFC 7044) -------------------------------------------------- */

static void test_history_info_cause_to_pilot(void **state)
{
	um_class c;
	assert_int_equal(classify_cfg("sip:vm@pbx.example.com;cause=486",
	                              "<sip:1002@pbx.example.com>;tag=1",
	                              "History-Info: <sip:1001@pbx.example.com>;index=1,"
	                              " <sip:vm@pbx.example.com;cause=486>;index=1.1;rc=1\r\n",
	                              &pbx, &c, NULL),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_HISTORY_INFO, "1001@pbx.example.com");
	assert_true(ou_slice_eq_cstr(c.reason, "486"));
}

static void test_history_info_chain_uses_rc_parent(void **state)
{
	um_class c;
	/* 1001 -> 1003 (302), then a parallel branch 1004 was tried, then 1003 timed out to
	 * voicemail: rc names 1.1 (1003), not the entry written just before (1004). */
	assert_int_equal(
	    classify_cfg("sip:vm@pbx.example.com", "<sip:1002@pbx.example.com>;tag=1",
	                 "History-Info: <sip:1001@pbx.example.com>;index=1,"
	                 " <sip:1003@pbx.example.com;cause=302>;index=1.1;rc=1,"
	                 " <sip:1004@pbx.example.com>;index=1.2;rc=1\r\n"
	                 "History-Info: <sip:vm@pbx.example.com;cause=408>;index=1.1.1;rc=1.1\r\n",
	                 &pbx, &c, NULL),
	    0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_HISTORY_INFO, "1003@pbx.example.com");
	assert_true(ou_slice_eq_cstr(c.reason, "408"));
}

static void test_history_info_without_final_hop(void **state)
{
	um_class c;
	/* The proxy logged only the user it gave up on. */
	assert_int_equal(
	    classify_cfg("sip:8000@pbx.example.com", "<sip:1002@pbx.example.com>;tag=1",
	                 "History-Info: <sip:1001@pbx.example.com>;index=1\r\n", &pbx, &c, NULL),
	    0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_HISTORY_INFO, "1001@pbx.example.com");
}

static void test_diversion_beats_history_info(void **state)
{
	um_class c;
	assert_int_equal(classify_cfg("sip:8000@pbx.example.com",
	                              "<sip:1002@pbx.example.com>;tag=1",
	                              "History-Info: <sip:1005@pbx.example.com>;index=1\r\n"
	                              "Diversion: <sip:1001@pbx.example.com>;reason=no-answer\r\n",
	                              &pbx, &c, NULL),
	                 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_DIVERSION, "1001@pbx.example.com");
}

/* ---- RFC 4458 target ----------------------------------------------------------- */

static void test_rfc4458_target(void **state)
{
	um_class c;
	assert_int_equal(
	    classify_cfg("sip:voicemail@pbx.example.com;target=sip:bob%40Example.com;cause=486",
	                 "<sip:carol@example.com>;tag=1", NULL, &pbx, &c, NULL),
	    0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_TARGET_PARAM, "bob@example.com");
	assert_true(ou_slice_eq_cstr(c.reason, "486"));

	/* The target is the caller: subscriber access via the pilot. */
	assert_int_equal(
	    classify_cfg("sip:voicemail@pbx.example.com;target=sip:bob%40example.com;cause=302",
	                 "<sip:bob@example.com>;tag=1", NULL, &pbx, &c, NULL),
	    0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_PILOT, "bob@example.com");
}

/* ---- tel: Request-URI ---------------------------------------------------------- */

static void test_tel_request_uri(void **state)
{
	um_class c;
	assert_int_equal(classify("tel:+1-425-555-0100", "<tel:+14255550100>;tag=1", NULL, &c), 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_OWNER_CALLING, "+14255550100");
	assert_int_equal(classify("tel:+1-425-555-0100",
	                          "<sip:+14255550100@gw.example.com;user=phone>;tag=1", NULL, &c),
	                 0);
	expect(&c, UM_CALL_SUBSCRIBER_ACCESS, UM_BASIS_OWNER_CALLING, "+14255550100");
	assert_int_equal(classify("tel:+14255550100", "<sip:bob@example.com>;tag=1", NULL, &c), 0);
	expect(&c, UM_CALL_ANSWERING, UM_BASIS_OTHER_CALLING, "+14255550100");
}

/* ---- bad input -------------------------------------------------------------------- */

static void test_bad_input(void **state)
{
	um_class c;
	const char *why;

	why = NULL;
	assert_int_equal(
	    classify_cfg("sip:8000@pbx.example.com", "<sip:1002@pbx.example.com>;tag=1",
	                 "Diversion: <sip:1001@pbx.example.com;reason=x\r\n", &pbx, &c, &why),
	    OPENUM_EBADMSG);
	assert_non_null(why);

	why = NULL;
	assert_int_equal(classify_cfg("sip:8000@pbx.example.com",
	                              "<sip:1002@pbx.example.com>;tag=1",
	                              "History-Info: garbage here\r\n", &pbx, &c, &why),
	                 OPENUM_EBADMSG);
	assert_non_null(why);

	/* A malformed History-Info is reported even when a Diversion decides. */
	why = NULL;
	assert_int_equal(classify_cfg("sip:8000@pbx.example.com",
	                              "<sip:1002@pbx.example.com>;tag=1",
	                              "Diversion: <sip:1001@pbx.example.com>\r\n"
	                              "History-Info: <sip:x@y\r\n",
	                              &pbx, &c, &why),
	                 OPENUM_EBADMSG);

	why = NULL;
	assert_int_equal(classify_cfg("sip:vm@pbx.example.com;target=sip:bob%4", "<sip:1@x>;tag=1",
	                              NULL, &pbx, &c, &why),
	                 OPENUM_EBADMSG);
	assert_non_null(why);

	why = NULL;
	assert_int_equal(
	    classify_cfg("sip:b%zzob@example.com", "<sip:1@x>;tag=1", NULL, NULL, &c, &why),
	    OPENUM_EBADMSG);

	why = NULL;
	assert_int_equal(
	    classify_cfg("mailto:bob@example.com", "<sip:1@x>;tag=1", NULL, NULL, &c, &why),
	    OPENUM_EBADMSG);
	assert_non_null(why);

	why = NULL;
	assert_int_equal(
	    classify_cfg("sip:bob@example.com", "not a uri at all <", NULL, NULL, &c, &why),
	    OPENUM_EBADMSG);
	assert_non_null(why);

	/* Not an INVITE. */
	const char *bye =
	    "BYE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: x\r\n"
	    "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(sip_msg_parse(bye, strlen(bye), &msg, NULL), 0);
	assert_int_equal(um_classify(&msg, NULL, &c, NULL), OPENUM_EINVAL);
}

static void test_missing_from(void **state)
{
	um_class c;
	const char *inv =
	    "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
	    "To: <sip:bob@example.com>\r\nCall-ID: x\r\n"
	    "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	const char *why = NULL;
	assert_int_equal(sip_msg_parse(inv, strlen(inv), &msg, NULL), 0);
	assert_int_equal(um_classify(&msg, NULL, &c, &why), OPENUM_EBADMSG);
	assert_non_null(why);
}

static void test_addr_helpers(void **state)
{
	sip_uri u;
	um_addr a, b;
	assert_int_equal(sip_uri_parse(OU_SLICE_LIT("sips:Bob@Example.COM:5061"), &u, NULL), 0);
	assert_int_equal(um_addr_from_uri(&u, &a, NULL), 0);
	assert_string_equal(a.aor, "Bob@example.com");
	assert_false(a.phone);
	assert_int_equal(sip_uri_parse(OU_SLICE_LIT("sip:Bob@example.com"), &u, NULL), 0);
	assert_int_equal(um_addr_from_uri(&u, &b, NULL), 0);
	assert_true(um_addr_same(&a, &b, false));
	assert_int_equal(sip_uri_parse(OU_SLICE_LIT("sip:example.com"), &u, NULL), 0);
	assert_int_equal(um_addr_from_uri(&u, &b, NULL), 0);
	assert_string_equal(b.aor, "example.com");
	assert_false(um_addr_same(&b, &b, false)); /* a host is no mailbox */
	assert_int_equal(sip_uri_parse(OU_SLICE_LIT("urn:service:sos"), &u, NULL), 0);
	assert_int_equal(um_addr_from_uri(&u, &b, NULL), OPENUM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lync_subscriber_access_opaque),
	    cmocka_unit_test(test_lync_subscriber_access_gruu_mixed_case),
	    cmocka_unit_test(test_lync_direct_to_voicemail_from_other),
	    cmocka_unit_test(test_lync_no_answer_diversion),
	    cmocka_unit_test(test_lync_history_info_mapped),
	    cmocka_unit_test(test_lync_own_history_info_is_subscriber),
	    cmocka_unit_test(test_owner_forwarded_own_call),
	    cmocka_unit_test(test_resource_path),
	    cmocka_unit_test(test_resource_path_answering_without_mailbox),
	    cmocka_unit_test(test_asterisk_diversion_to_pilot),
	    cmocka_unit_test(test_diversion_chain_top_most),
	    cmocka_unit_test(test_kamailio_diversion_keeps_user_rewrites_host),
	    cmocka_unit_test(test_diversion_tel_and_user_phone),
	    cmocka_unit_test(test_diversion_escaped_user),
	    cmocka_unit_test(test_ignore_host),
	    cmocka_unit_test(test_pilot_without_diversion),
	    cmocka_unit_test(test_pilot_anonymous),
	    cmocka_unit_test(test_diversion_to_pilot_ignored),
	    cmocka_unit_test(test_history_info_cause_to_pilot),
	    cmocka_unit_test(test_history_info_chain_uses_rc_parent),
	    cmocka_unit_test(test_history_info_without_final_hop),
	    cmocka_unit_test(test_diversion_beats_history_info),
	    cmocka_unit_test(test_rfc4458_target),
	    cmocka_unit_test(test_tel_request_uri),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_missing_from),
	    cmocka_unit_test(test_addr_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
