/* Tests for src/phone: skip-pin only over TLS (spec 3.1) as a rule and on the wire (a
 * phone calls its voicemail at a test UAS over TCP and over TLS), the voicemail URI,
 * the offline ringing matrix with Play-On-Phone recognition (spec 3.2), and script
 * parsing with bad lines reported by number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phone/phone.h"
#include "ua/ua.h"

static void skip_pin_only_over_tls(void **state)
{
	(void)state;
	assert_true(phone_voicemail_skip_pin(NET_TLS));
	assert_false(phone_voicemail_skip_pin(NET_TCP));
	assert_false(phone_voicemail_skip_pin((net_transport)0));
}

static void voicemail_uri(void **state)
{
	(void)state;
	char out[PHONE_URI_MAX];
	assert_int_equal(phone_voicemail_uri("sip:alice@openum.test", out, sizeof(out)), 0);
	assert_string_equal(out, "sip:alice@openum.test;opaque=app:voicemail");
	assert_int_equal(
	    phone_voicemail_uri("sip:alice@openum.test;transport=tls", out, sizeof(out)), 0);
	assert_string_equal(out, "sip:alice@openum.test;opaque=app:voicemail");
	assert_int_equal(phone_voicemail_uri("sips:bob@example.com:5071", out, sizeof(out)), 0);
	assert_string_equal(out, "sips:bob@example.com:5071;opaque=app:voicemail");
	assert_int_equal(phone_voicemail_uri("sip:openum.test", out, sizeof(out)), OPENUM_EINVAL);
	assert_int_equal(phone_voicemail_uri("tel:+1234", out, sizeof(out)), OPENUM_EINVAL);
	assert_int_equal(phone_voicemail_uri("not a uri", out, sizeof(out)), OPENUM_EINVAL);
	assert_int_equal(phone_voicemail_uri("sip:alice@openum.test", out, 20), OPENUM_ETOOBIG);
}

/* The whole matrix: presence x kind of call x auto-answer. */
static void incoming_matrix(void **state)
{
	(void)state;
	/* pop: From == To == own (spec 3.2); the other two kinds (From == To but not us,
	 * From != To) reach phone_incoming_decide as pop == false */
	for (int aa = 0; aa < 2; aa++) {
		phone_in_action ring = aa ? PHONE_IN_ANSWER : PHONE_IN_RING;
		assert_int_equal(phone_incoming_decide(PHONE_AVAILABLE, true, aa), ring);
		assert_int_equal(phone_incoming_decide(PHONE_AVAILABLE, false, aa), ring);
		assert_int_equal(phone_incoming_decide(PHONE_OFFLINE, true, aa), ring);
		assert_int_equal(phone_incoming_decide(PHONE_OFFLINE, false, aa),
		                 PHONE_IN_DECLINE_480);
	}
}

static sip_msg M;
static char buf[2048];

static sip_msg *invite(const char *from, const char *to)
{
	snprintf(buf, sizeof(buf),
	         "INVITE sip:alice@127.0.0.1:5060;transport=tcp SIP/2.0\r\n"
	         "Via: SIP/2.0/TLS 10.0.0.1:5061;branch=z9hG4bKabc\r\n"
	         "From: %s;tag=1\r\nTo: %s\r\nCall-ID: x@y\r\nCSeq: 1 INVITE\r\n"
	         "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
	         from, to);
	assert_int_equal(sip_msg_parse(buf, strlen(buf), &M, NULL), 0);
	return &M;
}

static phone_in_action decide_for(phone_presence pres, const char *from, const char *to)
{
	bool pop = true;
	assert_int_equal(phone_is_pop_call(invite(from, to), "sip:alice@openum.test", &pop), 0);
	return phone_incoming_decide(pres, pop, false);
}

static void pop_recognition_matrix(void **state)
{
	(void)state;
	const char *own = "<sip:alice@openum.test>", *other = "<sip:bob@openum.test>";
	/* offline */
	assert_int_equal(decide_for(PHONE_OFFLINE, own, own), PHONE_IN_RING);
	/* host case does not matter (RFC 3261 19.1.4) */
	assert_int_equal(decide_for(PHONE_OFFLINE, "<sip:alice@OPENUM.test>", own), PHONE_IN_RING);
	assert_int_equal(decide_for(PHONE_OFFLINE, other, other), PHONE_IN_DECLINE_480);
	assert_int_equal(decide_for(PHONE_OFFLINE, other, own), PHONE_IN_DECLINE_480);
	assert_int_equal(decide_for(PHONE_OFFLINE, own, other), PHONE_IN_DECLINE_480);
	/* the user part is case-sensitive: not us */
	assert_int_equal(
	    decide_for(PHONE_OFFLINE, "<sip:Alice@openum.test>", "<sip:Alice@openum.test>"),
	    PHONE_IN_DECLINE_480);
	/* available: everything rings */
	assert_int_equal(decide_for(PHONE_AVAILABLE, own, own), PHONE_IN_RING);
	assert_int_equal(decide_for(PHONE_AVAILABLE, other, other), PHONE_IN_RING);
	assert_int_equal(decide_for(PHONE_AVAILABLE, other, own), PHONE_IN_RING);

	bool pop = true;
	assert_int_equal(
	    phone_is_pop_call(invite("<sip:alice@openum.test", own), "sip:alice@openum.test", &pop),
	    OPENUM_EBADMSG);
	assert_false(pop);
	assert_int_equal(phone_is_pop_call(invite(own, own), "garbage", &pop), OPENUM_EINVAL);
	assert_int_equal(phone_is_pop_call(NULL, "sip:a@b", &pop), OPENUM_EINVAL);
}

static void presence_names(void **state)
{
	(void)state;
	phone_presence p = PHONE_OFFLINE;
	assert_int_equal(phone_presence_from("available", &p), 0);
	assert_int_equal(p, PHONE_AVAILABLE);
	assert_int_equal(phone_presence_from("offline", &p), 0);
	assert_int_equal(p, PHONE_OFFLINE);
	assert_int_equal(phone_presence_from("away", &p), OPENUM_EINVAL);
	assert_string_equal(phone_presence_name(PHONE_OFFLINE), "offline");
	assert_string_equal(phone_presence_name(PHONE_AVAILABLE), "available");
}

static phone_step S[PHONE_SCRIPT_MAX_STEPS];

static int parse(const char *text, size_t *n, unsigned *line, const char **why)
{
	*line = 0;
	*why = NULL;
	return phone_script_parse(text, strlen(text), S, PHONE_SCRIPT_MAX_STEPS, n, line, why);
}

static void script_good(void **state)
{
	(void)state;
	size_t n;
	unsigned line;
	const char *why;
	const char *text = "# a comment\n"
	                   "\n"
	                   "wait-call\r\n"
	                   "  answer  \n"
	                   "wait-registered 3\n"
	                   "call sip:bob@openum.test\n"
	                   "voicemail\n"
	                   "dtmf 12*# info\n"
	                   "dtmf 0\n"
	                   "sleep 250\n"
	                   "record 5 out.wav\n"
	                   "expect-header Ms-Sensitivity ^private-no-diversion$\n"
	                   "expect-header Subject a b  c  \n"
	                   "expect-status 480\n"
	                   "presence offline\n"
	                   "wait-dtmf 159# 4\n"
	                   "hangup\n"
	                   "wait-ended 2\n"
	                   "print-state"; /* no final newline */
	assert_int_equal(parse(text, &n, &line, &why), 0);
	assert_int_equal(n, 17);
	assert_int_equal(S[0].op, PHONE_OP_WAIT_CALL);
	assert_int_equal(S[0].line, 3);
	assert_int_equal(S[0].num, PHONE_DEFAULT_WAIT_S);
	assert_int_equal(S[1].op, PHONE_OP_ANSWER);
	assert_int_equal(S[2].num, 3);
	assert_int_equal(S[3].op, PHONE_OP_CALL);
	assert_string_equal(S[3].arg, "sip:bob@openum.test");
	assert_int_equal(S[4].op, PHONE_OP_VOICEMAIL);
	assert_string_equal(S[5].arg, "12*#");
	assert_true(S[5].info);
	assert_false(S[6].info);
	assert_int_equal(S[7].num, 250);
	assert_int_equal(S[8].num, 5);
	assert_string_equal(S[8].arg, "out.wav");
	assert_string_equal(S[9].arg, "Ms-Sensitivity");
	assert_string_equal(S[9].arg2, "^private-no-diversion$");
	assert_string_equal(S[10].arg2, "a b  c"); /* inner blanks kept, trailing dropped */
	assert_int_equal(S[11].num, 480);
	assert_string_equal(S[12].arg, "offline");
	assert_string_equal(S[13].arg, "159#");
	assert_int_equal(S[13].num, 4);
	assert_int_equal(S[16].op, PHONE_OP_PRINT_STATE);
	assert_int_equal(S[16].line, 19);
	assert_string_equal(phone_op_name(PHONE_OP_WAIT_DECLINED), "wait-declined");
}

static void expect_bad(const char *text, unsigned want_line, const char *want_why)
{
	size_t n;
	unsigned line;
	const char *why;
	assert_int_equal(parse(text, &n, &line, &why), OPENUM_EBADMSG);
	assert_int_equal(line, want_line);
	assert_non_null(why);
	assert_non_null(strstr(why, want_why));
}

static void script_bad_lines(void **state)
{
	(void)state;
	expect_bad("answer\n\nfrobnicate 3\n", 3, "unknown command");
	expect_bad("sleep\n", 1, "sleep MS");
	expect_bad("sleep soon\n", 1, "sleep MS");
	expect_bad("answer\nwait-call 0\n", 2, "SECONDS");
	expect_bad("wait-call 5 6\n", 1, "too many");
	expect_bad("answer now\n", 1, "no arguments");
	expect_bad("call\n", 1, "call URI");
	expect_bad("call http://example.com/\n", 1, "sip:");
	expect_bad("dtmf 12x\n", 1, "DIGITS");
	expect_bad("dtmf 12 rfc\n", 1, "dtmf DIGITS");
	expect_bad("record 5\n", 1, "record SECONDS");
	expect_bad("record 0 a.wav\n", 1, "record SECONDS");
	expect_bad("expect-header From\n", 1, "NAME REGEX");
	expect_bad("expect-header From (unclosed\n", 1, "regular expression");
	expect_bad("expect-header Fr:om x\n", 1, "header name");
	expect_bad("expect-header From a+++++++++\n", 1, "stacked");
	expect_bad("expect-header From (a{99}){99}\n", 1, "{}");
	expect_bad("expect-status 42\n", 1, "CODE");
	expect_bad("expect-status 700\n", 1, "CODE");
	expect_bad("presence away\n", 1, "available|offline");
	expect_bad("wait-dtmf\n", 1, "wait-dtmf DIGITS");
	char longline[1100];
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	expect_bad(longline, 1, "too long");
}

/* `voicemail AOR` calls someone else's mailbox (the demo's step 4: bob asks to skip
 * alice's PIN, and the proxy must strip it); plain `voicemail` is our own. */
static void script_voicemail_of(void **state)
{
	(void)state;
	size_t n;
	unsigned line;
	const char *why;
	assert_int_equal(parse("voicemail\nvoicemail sip:alice@openum.test\n", &n, &line, &why), 0);
	assert_int_equal(n, 2);
	assert_int_equal(S[0].op, PHONE_OP_VOICEMAIL);
	assert_string_equal(S[0].arg, "");
	assert_int_equal(S[1].op, PHONE_OP_VOICEMAIL);
	assert_string_equal(S[1].arg, "sip:alice@openum.test");
	expect_bad("voicemail sip:a@b sip:c@d\n", 1, "voicemail [AOR]");
	expect_bad("voicemail mailto:alice@openum.test\n", 1, "sip:");
}

static void script_wait_mwi(void **state)
{
	(void)state;
	size_t n;
	unsigned line;
	const char *why;
	assert_int_equal(parse("wait-mwi yes\nwait-mwi no:0/1 30\nwait-mwi failed:403\n"
	                       "wait-mwi yes:12/345\n",
	                       &n, &line, &why),
	                 0);
	assert_int_equal(n, 4);
	assert_int_equal(S[0].op, PHONE_OP_WAIT_MWI);
	assert_string_equal(S[0].arg, "yes");
	assert_int_equal(S[0].num, PHONE_DEFAULT_WAIT_S);
	assert_string_equal(S[1].arg, "no:0/1");
	assert_int_equal(S[1].num, 30);
	assert_string_equal(S[2].arg, "failed:403");
	assert_string_equal(phone_op_name(PHONE_OP_WAIT_MWI), "wait-mwi");
	expect_bad("wait-mwi\n", 1, "wait-mwi yes|no");
	expect_bad("wait-mwi maybe\n", 1, "expected yes, no");
	expect_bad("wait-mwi yes:1\n", 1, "expected yes, no");
	expect_bad("wait-mwi yes:1/2x\n", 1, "expected yes, no");
	expect_bad("wait-mwi failed:200\n", 1, "failed:CODE");
	expect_bad("wait-mwi no 0\n", 1, "SECONDS");
	expect_bad("wait-mwi no 5 6\n", 1, "wait-mwi yes|no");
}

static void script_wait_prompt(void **state)
{
	(void)state;
	size_t n;
	unsigned line;
	const char *why;
	assert_int_equal(
	    parse("wait-prompt\nwait-prompt 20\nwait-audio 3\nwait-silence\n", &n, &line, &why), 0);
	assert_int_equal(n, 4);
	assert_int_equal(S[0].op, PHONE_OP_WAIT_PROMPT);
	assert_int_equal(S[0].num, PHONE_DEFAULT_WAIT_S);
	assert_int_equal(S[1].num, 20);
	assert_int_equal(S[2].op, PHONE_OP_WAIT_AUDIO);
	assert_int_equal(S[3].op, PHONE_OP_WAIT_SILENCE);
	assert_string_equal(phone_op_name(PHONE_OP_WAIT_PROMPT), "wait-prompt");
	assert_string_equal(phone_op_name(PHONE_OP_WAIT_SILENCE), "wait-silence");
	expect_bad("wait-prompt 0\n", 1, "SECONDS");
	expect_bad("wait-prompt x\n", 1, "SECONDS");
	expect_bad("wait-audio 1 2\n", 1, "too many arguments");
}

static void script_too_many_steps(void **state)
{
	(void)state;
	size_t n;
	unsigned line = 0;
	const char *why = NULL;
	const char *text = "answer\nanswer\nanswer\n";
	assert_int_equal(phone_script_parse(text, strlen(text), S, 2, &n, &line, &why),
	                 OPENUM_ETOOBIG);
	assert_int_equal(line, 3);
	assert_int_equal(phone_script_parse("", 0, S, 2, &n, &line, &why), 0);
	assert_int_equal(n, 0);
	assert_int_equal(phone_script_parse(NULL, 0, S, 2, &n, &line, &why), OPENUM_EINVAL);
}

/* ---- voicemail on the wire: a test UAS records the INVITE ---------------------------- */

typedef struct uas {
	sip_msg *invite;
	unsigned n;
} uas;

static void uas_incoming(void *arg, ua_call *c, sip_msg *inv, const net_peer *peer)
{
	uas *s = arg;
	(void)peer;
	free(s->invite);
	s->invite = NULL;
	assert_int_equal(sip_msg_clone(inv, &s->invite), 0);
	s->n++;
	assert_int_equal(ua_call_reject(c, 486, NULL), 0);
}

static void noop_ended(void *arg, ua_call *c, const ua_end *e)
{
	(void)arg, (void)c, (void)e;
}

static void walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void voicemail_call(net_transport tp, const char *certdir, sip_msg **out)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	char cert[128], key[128], ca[128];
	snprintf(cert, sizeof(cert), "%s/server.pem", certdir);
	snprintf(key, sizeof(key), "%s/server.key", certdir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", certdir);
	uas s = {0};
	ua *u = NULL;
	ua_events ev = {.incoming = uas_incoming, .ended = noop_ended};
	ua_config uc = {.t1_ms = 20, .net = {.cert_file = cert, .key_file = key, .ca_file = ca}};
	assert_int_equal(ua_new(&loop, &uc, &ev, &s, &u), 0);
	uint16_t port = 0;
	assert_int_equal(ua_listen(u, tp, "127.0.0.1", 0, &port), 0);

	phone *p = NULL;
	phone_config pc = {.aor = "sip:alice@openum.test",
	                   .password = "alice-password",
	                   .transport = tp,
	                   .proxy_host = "127.0.0.1",
	                   .proxy_port = port,
	                   .ca_file = ca,
	                   .no_register = true,
	                   .t1_ms = 20};
	const char *why = NULL;
	assert_int_equal(phone_new(&loop, &pc, NULL, NULL, &p, &why), 0);
	assert_int_equal(phone_voicemail(p, NULL, &why), 0);
	phone_status st;
	for (int i = 0; i < 5000; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		phone_get_status(p, &st);
		if (s.n && st.call == PHONE_IDLE)
			break;
		usleep(1000);
	}
	assert_int_equal(s.n, 1);
	assert_int_equal(st.call, PHONE_IDLE);
	assert_int_equal(st.end_status, 486);
	phone_free(p);
	ua_free(u);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_walk(&loop, walk_close, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	*out = s.invite;
}

static void voicemail_skip_pin_on_the_wire(void **state)
{
	(void)state;
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/openum-phone-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(net_certs_make(dir, NULL, NULL, 0), 0);

	sip_msg *m = NULL;
	voicemail_call(NET_TLS, dir, &m);
	assert_true(ou_slice_eq_cstr(m->ruri_s, "sip:alice@openum.test;opaque=app:voicemail"));
	const sip_hdr *h = sip_msg_hdr(m, SIP_H_MS_EXCHANGE_COMMAND);
	assert_non_null(h);
	assert_true(ou_slice_eq_cstr(h->value, "skip-pin"));
	const sip_addr *from;
	assert_int_equal(sip_msg_from(m, &from, NULL), 0);
	assert_true(ou_slice_eq_cstr(from->uri.raw, "sip:alice@openum.test"));
	free(m);

	voicemail_call(NET_TCP, dir, &m);
	assert_true(ou_slice_eq_cstr(m->ruri_s, "sip:alice@openum.test;opaque=app:voicemail"));
	assert_null(sip_msg_hdr(m, SIP_H_MS_EXCHANGE_COMMAND));
	free(m);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(skip_pin_only_over_tls),
	    cmocka_unit_test(voicemail_uri),
	    cmocka_unit_test(incoming_matrix),
	    cmocka_unit_test(pop_recognition_matrix),
	    cmocka_unit_test(presence_names),
	    cmocka_unit_test(script_good),
	    cmocka_unit_test(script_bad_lines),
	    cmocka_unit_test(script_voicemail_of),
	    cmocka_unit_test(script_wait_mwi),
	    cmocka_unit_test(script_wait_prompt),
	    cmocka_unit_test(script_too_many_steps),
	    cmocka_unit_test(voicemail_skip_pin_on_the_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
