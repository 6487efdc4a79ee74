/* Tests for src/sip/msg_summary.c (RFC 3842 bodies) and src/sip/event.c (Event and
 * Subscription-State values). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip.h"

static int parse(const char *s, sip_msum *m, const char **why)
{
	return sip_msum_parse(ou_slice_cstr(s), m, why);
}

static void test_rfc3842_example(void **state)
{
	(void)state;
	/* The example of RFC 3842 section 5.2, with an extension header block after it. */
	sip_msum m;
	const char *why = NULL;
	assert_int_equal(parse("Messages-Waiting: yes\r\n"
	                       "Message-Account: sip:alice@vmail.example.com\r\n"
	                       "Voice-Message: 4/8 (1/2)\r\n"
	                       "\r\n"
	                       "Message-ID: <1234@vmail.example.com>\r\n",
	                       &m, &why),
	                 0);
	assert_true(m.waiting);
	assert_true(ou_slice_eq_cstr(m.account, "sip:alice@vmail.example.com"));
	assert_int_equal(m.nclass, 1);
	const sip_msum_class *v = sip_msum_find(&m, "voice-message");
	assert_non_null(v);
	assert_int_equal(v->nnew, 4);
	assert_int_equal(v->nold, 8);
	assert_true(v->has_urgent);
	assert_int_equal(v->new_urgent, 1);
	assert_int_equal(v->old_urgent, 2);
	assert_null(sip_msum_find(&m, "Fax-Message"));
}

static void test_forms(void **state)
{
	(void)state;
	sip_msum m;
	/* Bare LF, lower case, spaces, no account. */
	assert_int_equal(
	    parse("messages-waiting:no\nvoice-message: 0 / 3\nfax-message:1/0\n", &m, NULL), 0);
	assert_false(m.waiting);
	assert_null(m.account.p);
	assert_int_equal(m.nclass, 2);
	assert_int_equal(sip_msum_find(&m, "Voice-Message")->nold, 3);
	assert_false(sip_msum_find(&m, "Voice-Message")->has_urgent);
	assert_int_equal(sip_msum_find(&m, "Fax-Message")->nnew, 1);
	/* The status line alone, no final line end. */
	assert_int_equal(parse("Messages-Waiting: YES", &m, NULL), 0);
	assert_true(m.waiting);
	assert_int_equal(m.nclass, 0);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int err;
	} bad[] = {
	    {"", OPENUM_EBADMSG},
	    {"Voice-Message: 1/0\r\nMessages-Waiting: yes\r\n", OPENUM_EBADMSG},
	    {"Messages-Waiting: maybe\r\n", OPENUM_EBADMSG},
	    {"Messages-Waiting: yes\r\nMessages-Waiting: no\r\n", OPENUM_EDUP},
	    {"Messages-Waiting: yes\r\nVoice-Message: 1\r\n", OPENUM_EBADMSG},
	    {"Messages-Waiting: yes\r\nVoice-Message: 1/x\r\n", OPENUM_EBADMSG},
	    {"Messages-Waiting: yes\r\nVoice-Message: 1/2 (1/2\r\n", OPENUM_EBADMSG},
	    {"Messages-Waiting: yes\r\nVoice-Message: 1/2 ()\r\n", OPENUM_EBADMSG},
	    {"Messages-Waiting: yes\r\nVoice-Message: 1000000/0\r\n", OPENUM_EBADMSG},
	    {"Messages-Waiting: yes\r\nVoice-Message: 1/0\r\nvoice-message: 2/0\r\n", OPENUM_EDUP},
	    {"Messages-Waiting: yes\r\nno colon here\r\n", OPENUM_EBADMSG},
	    {"Messages-Waiting: yes\r\nVoice Message: 1/0\r\n", OPENUM_EBADMSG},
	    {"Messages-Waiting: yes\r\nMessage-Account:\r\n", OPENUM_EBADMSG},
	    {"Messages-Waiting: yes\r\nA:1/0\r\nB:1/0\r\nC:1/0\r\nD:1/0\r\nE:1/0\r\nF:1/0\r\n"
	     "G:1/0\r\nH:1/0\r\nI:1/0\r\n",
	     OPENUM_ETOOBIG},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sip_msum m;
		const char *why = NULL;
		int err = parse(bad[i].in, &m, &why);
		if (err != bad[i].err)
			fail_msg("case %zu: got %d, want %d", i, err, bad[i].err);
		assert_non_null(why);
	}
}

static void test_print_roundtrip(void **state)
{
	(void)state;
	sip_msum m = {
	    .waiting = true, .account = OU_SLICE_LIT("sip:alice@openum.test"), .nclass = 1};
	m.cls[0] = (sip_msum_class){.name = OU_SLICE_LIT("Voice-Message"), .nnew = 1, .nold = 0};
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(sip_msum_print(&m, &b), 0);
	assert_int_equal(b.len, strlen("Messages-Waiting: yes\r\nMessage-Account: "
	                               "sip:alice@openum.test\r\nVoice-Message: 1/0\r\n"));
	assert_memory_equal(b.data,
	                    "Messages-Waiting: yes\r\nMessage-Account: sip:alice@openum.test\r\n"
	                    "Voice-Message: 1/0\r\n",
	                    b.len);
	sip_msum back;
	assert_int_equal(sip_msum_parse(ou_slice_make(b.data, b.len), &back, NULL), 0);
	assert_true(back.waiting);
	assert_int_equal(back.cls[0].nnew, 1);
	/* Urgent counts print in parentheses. */
	ou_buf_reset(&b);
	m.waiting = false;
	m.cls[0].has_urgent = true;
	m.cls[0].old_urgent = 2;
	assert_int_equal(sip_msum_print(&m, &b), 0);
	assert_non_null(strstr(b.data, "Voice-Message: 1/0 (0/2)\r\n"));
	/* Injection: an account with CRLF and a class name that is no token are refused. */
	ou_buf_reset(&b);
	m.account = OU_SLICE_LIT("sip:a@b\r\nVoice-Message: 9/9");
	assert_int_equal(sip_msum_print(&m, &b), OPENUM_EINVAL);
	assert_int_equal(b.len, 0);
	m.account = OU_SLICE_NULL;
	m.cls[0].name = OU_SLICE_LIT("Voice Message");
	assert_int_equal(sip_msum_print(&m, &b), OPENUM_EINVAL);
	ou_buf_free(&b);
}

static void test_event_and_substate(void **state)
{
	(void)state;
	assert_true(sip_event_is(OU_SLICE_LIT("message-summary"), "message-summary"));
	assert_true(sip_event_is(OU_SLICE_LIT(" Message-Summary ;id=7"), "message-summary"));
	assert_false(sip_event_is(OU_SLICE_LIT("presence"), "message-summary"));
	assert_false(sip_event_is(OU_SLICE_LIT("message-summary-x"), "message-summary"));

	sip_substate s;
	assert_int_equal(sip_substate_parse(OU_SLICE_LIT("active;expires=3600"), &s, NULL), 0);
	assert_int_equal(s.state, SIP_SUBSTATE_ACTIVE);
	assert_true(s.has_expires);
	assert_int_equal(s.expires, 3600);
	assert_int_equal(sip_substate_parse(OU_SLICE_LIT("terminated ; reason=timeout"), &s, NULL),
	                 0);
	assert_int_equal(s.state, SIP_SUBSTATE_TERMINATED);
	assert_false(s.has_expires);
	assert_true(ou_slice_eq_cstr(s.reason, "timeout"));
	assert_int_equal(sip_substate_parse(OU_SLICE_LIT("Pending"), &s, NULL), 0);
	assert_int_equal(s.state, SIP_SUBSTATE_PENDING);
	assert_int_equal(sip_substate_parse(OU_SLICE_LIT("waiting"), &s, NULL), 0);
	assert_int_equal(s.state, SIP_SUBSTATE_OTHER);
	const char *why = NULL;
	assert_int_equal(sip_substate_parse(OU_SLICE_LIT(""), &s, &why), OPENUM_EBADMSG);
	assert_non_null(why);
	assert_int_equal(sip_substate_parse(OU_SLICE_LIT("active;expires=soon"), &s, NULL),
	                 OPENUM_EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc3842_example),
	    cmocka_unit_test(test_forms),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_print_roundtrip),
	    cmocka_unit_test(test_event_and_substate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
