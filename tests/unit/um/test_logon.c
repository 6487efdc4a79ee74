/* Tests src/um/logon.c: the whole skip_pin matrix (DESIGN.md rule 1) with the header
 * read by real sip_msg parsing of INVITE text, the call-log results, and the PIN
 * entry state machine (tries, '*', '#', timeouts, lockout from the store). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "um/um.h"

/* ---- the skip_pin matrix ------------------------------------------------------- */

typedef enum hdr_variant {
	HDR_ABSENT,
	HDR_PRESENT,
	HDR_MIXED_CASE,
	HDR_EXTRA_TOKENS,
	HDR_UNKNOWN_ONLY,
	HDR__COUNT
} hdr_variant;

static const struct {
	const char *line; /* header line(s) added to the INVITE */
	bool requests;    /* does it ask for skip-pin? */
	const char *name;
} variants[HDR__COUNT] = {
    [HDR_ABSENT] = {"", false, "absent"},
    [HDR_PRESENT] = {"Ms-Exchange-Command: skip-pin\r\n", true, "present"},
    [HDR_MIXED_CASE] = {"ms-EXCHANGE-command: SKIP-Pin\r\n", true, "mixed case"},
    [HDR_EXTRA_TOKENS] = {"Ms-Exchange-Command: foo;skip-pin\r\n", true, "extra tokens"},
    [HDR_UNKNOWN_ONLY] = {"Ms-Exchange-Command: frobnicate\r\n", false, "unknown value"},
};

typedef enum mbox_state { MBOX_OK, MBOX_LOCKED, MBOX_NOT_FOUND, MBOX__COUNT } mbox_state;

static char buf[4096];
static sip_msg msg;

/* The MS-OCEXUM 4.1 INVITE with the header under test. */
static void parse_invite(const char *hdr)
{
	int n = snprintf(buf, sizeof(buf),
	                 "INVITE sip:alice@contoso.com;opaque=app:voicemail SIP/2.0\r\n"
	                 "Via: SIP/2.0/TLS 10.56.65.37:33876;branch=z9hG4bK1\r\n"
	                 "Max-Forwards: 70\r\n"
	                 "From: <sip:alice@contoso.com>;tag=01742a55e6;epid=6b5d10e663\r\n"
	                 "To: <sip:alice@contoso.com;opaque=app:voicemail>\r\n"
	                 "Call-ID: f7c2efff9240413cb6e5125fdca4b63a\r\n"
	                 "CSeq: 1 INVITE\r\n"
	                 "Contact: <sip:alice@contoso.com;opaque=user:epid:ihclvAI6;gruu>\r\n"
	                 "%s"
	                 "Content-Length: 0\r\n\r\n",
	                 hdr);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal(sip_msg_parse(buf, (size_t)n, &msg, NULL), 0);
}

static bool requested_by(hdr_variant v)
{
	bool req = !variants[v].requests; /* poison: must be overwritten */
	parse_invite(variants[v].line);
	assert_int_equal(um_logon_skip_pin_requested(&msg, &req, NULL), 0);
	return req;
}

/* The expected action, written as the rule reads, apart from the code's order. */
static um_logon_action expected(bool req, bool trusted, um_call_kind kind, mbox_state mb)
{
	if (kind == UM_CALL_ANSWERING)
		return mb == MBOX_NOT_FOUND ? UM_LOGON_NOT_FOUND : UM_LOGON_NOT_APPLICABLE;
	if (mb == MBOX_NOT_FOUND)
		return UM_LOGON_ASK_EXTENSION_THEN_PIN;
	if (mb == MBOX_LOCKED)
		return UM_LOGON_LOCKED;
	return req && trusted ? UM_LOGON_SKIP_PIN : UM_LOGON_ASK_PIN;
}

static unsigned skip_pin_count;

static void run_row(hdr_variant v)
{
	bool req = requested_by(v);
	assert_int_equal(req, variants[v].requests);
	for (int t = 0; t < 2; t++) {
		for (int k = UM_CALL_SUBSCRIBER_ACCESS; k <= UM_CALL_ANSWERING; k++) {
			for (int mb = 0; mb < MBOX__COUNT; mb++) {
				um_logon_input in = {
				    .skip_pin_requested = req,
				    .peer_trusted = t == 1,
				    .kind = (um_call_kind)k,
				    .mailbox_found = mb != MBOX_NOT_FOUND,
				    .mailbox_locked = mb == MBOX_LOCKED,
				};
				um_logon_action a = um_logon_decide(&in);
				um_logon_action want =
				    expected(req, t == 1, (um_call_kind)k, (mbox_state)mb);
				if (a != want)
					fail_msg("skip_pin matrix: header %s, %s, %s, mailbox %d: "
					         "got %s, "
					         "want %s",
					         variants[v].name, t ? "trusted" : "not trusted",
					         um_call_kind_name((um_call_kind)k), mb,
					         um_logon_action_name(a),
					         um_logon_action_name(want));
				/* The only cell that skips the PIN. */
				bool the_cell = (v == HDR_PRESENT || v == HDR_MIXED_CASE ||
				                 v == HDR_EXTRA_TOKENS) &&
				                t == 1 && k == UM_CALL_SUBSCRIBER_ACCESS &&
				                mb == MBOX_OK;
				assert_int_equal(a == UM_LOGON_SKIP_PIN, the_cell);
				if (a == UM_LOGON_SKIP_PIN) {
					skip_pin_count++;
					assert_string_equal(um_logon_log_result(a), "skip-pin");
				}
				if (mb == MBOX_LOCKED && k == UM_CALL_SUBSCRIBER_ACCESS) {
					assert_int_equal(a, UM_LOGON_LOCKED);
					assert_string_equal(um_logon_log_result(a), "locked");
				}
			}
		}
	}
}

static void test_skip_pin_header_absent(void **state)
{
	run_row(HDR_ABSENT);
}
static void test_skip_pin_header_present(void **state)
{
	run_row(HDR_PRESENT);
}
static void test_skip_pin_header_mixed_case(void **state)
{
	run_row(HDR_MIXED_CASE);
}
static void test_skip_pin_header_extra_tokens(void **state)
{
	run_row(HDR_EXTRA_TOKENS);
}
static void test_skip_pin_header_unknown_value(void **state)
{
	run_row(HDR_UNKNOWN_ONLY);
}

static void test_skip_pin_matrix_has_three_skips(void **state)
{
	/* 5 header forms x 2 trust x 2 kinds x 3 mailbox states = 60 cells; exactly the
	 * three "asks for skip-pin" forms, trusted, subscriber access, mailbox ok skip. */
	skip_pin_count = 0;
	for (int v = 0; v < HDR__COUNT; v++)
		run_row((hdr_variant)v);
	assert_int_equal(skip_pin_count, 3);
}

static void test_skip_pin_header_forms(void **state)
{
	bool req;
	const char *why;
	/* More tokens, spaces, an itemId, two headers, compact spelling mistakes. */
	static const struct {
		const char *line;
		bool req;
	} cases[] = {
	    {"Ms-Exchange-Command:   skip-pin  \r\n", true},
	    {"Ms-Exchange-Command: itemId=\"AAAA\" ; Skip-Pin\r\n", true},
	    {"Ms-Exchange-Command: foo\r\nMs-Exchange-Command: skip-pin\r\n", true},
	    {"Ms-Exchange-Command: skip-pins\r\n", false},
	    {"Ms-Exchange-Command: noskip-pin\r\n", false},
	    {"Ms-Exchange-Command: \"skip-pin\"\r\n", false},
	    {"Ms-Exchange-Command: skip_pin\r\n", false},
	    {"X-Ms-Exchange-Command: skip-pin\r\n", false},
	    {"Ms-Exchange-Commands: skip-pin\r\n", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_invite(cases[i].line);
		req = !cases[i].req;
		assert_int_equal(um_logon_skip_pin_requested(&msg, &req, NULL), 0);
		if (req != cases[i].req)
			fail_msg("skip_pin header %s: got %d", cases[i].line, req);
	}
	/* A bad itemId fails the header: never a skip, the error is reported. */
	parse_invite("Ms-Exchange-Command: skip-pin;itemId=not*base64\r\n");
	req = true;
	why = NULL;
	assert_int_equal(um_logon_skip_pin_requested(&msg, &req, &why), OPENUM_EBADMSG);
	assert_false(req);
	assert_non_null(why);
}

static void test_skip_pin_spec_example_file(void **state)
{
	/* The checked-in MS-OCEXUM 4.1 INVITE. */
	static char file[4096];
	FILE *f = fopen(OPENUM_TEST_DATA "/ms-ocexum/skip-pin-invite.sip", "rb");
	assert_non_null(f);
	size_t n = fread(file, 1, sizeof(file), f);
	fclose(f);
	/* the file may use LF line ends; the parser accepts both */
	assert_int_equal(sip_msg_parse(file, n, &msg, NULL), 0);
	bool req = false;
	assert_int_equal(um_logon_skip_pin_requested(&msg, &req, NULL), 0);
	assert_true(req);
	um_class c;
	assert_int_equal(um_classify(&msg, NULL, &c, NULL), 0);
	assert_int_equal(c.kind, UM_CALL_SUBSCRIBER_ACCESS);
	um_logon_input in = {
	    .skip_pin_requested = req, .peer_trusted = true, .kind = c.kind, .mailbox_found = true};
	assert_int_equal(um_logon_decide(&in), UM_LOGON_SKIP_PIN);
	in.peer_trusted = false; /* plain TCP, or TLS not on the allow-list */
	assert_int_equal(um_logon_decide(&in), UM_LOGON_ASK_PIN);
}

static void test_skip_pin_not_for_typed_extension(void **state)
{
	/* A caller matched to no mailbox typed an extension: skip-pin vouches for the
	 * signalled mailbox only. */
	um_logon_input in = {.skip_pin_requested = true,
	                     .peer_trusted = true,
	                     .kind = UM_CALL_SUBSCRIBER_ACCESS,
	                     .mailbox_found = true,
	                     .by_extension = true};
	assert_int_equal(um_logon_decide(&in), UM_LOGON_ASK_PIN);
	in.mailbox_locked = true;
	assert_int_equal(um_logon_decide(&in), UM_LOGON_LOCKED);
	in.mailbox_found = false;
	in.mailbox_locked = false;
	assert_int_equal(um_logon_decide(&in), UM_LOGON_NOT_FOUND);
	assert_string_equal(um_logon_log_result(UM_LOGON_NOT_FOUND), "not-found");
	assert_null(um_logon_log_result(UM_LOGON_ASK_PIN));
	assert_null(um_logon_log_result(UM_LOGON_ASK_EXTENSION_THEN_PIN));
	assert_null(um_logon_log_result(UM_LOGON_NOT_APPLICABLE));
}

/* ---- PIN entry -------------------------------------------------------------------- */

static um_pin_step keys(um_pin *p, const char *s)
{
	um_pin_step last = UM_PIN_IGNORED;
	for (; *s; s++)
		last = um_pin_key(p, *s);
	return last;
}

static void test_pin_ok_first_try(void **state)
{
	um_pin p;
	um_pin_init(&p, NULL);
	assert_int_equal(p.cfg.max_tries, 3);
	assert_int_equal(um_pin_timeout_ms(&p), UM_PIN_DEFAULT_FIRST_TIMEOUT_MS);
	assert_int_equal(keys(&p, "12345"), UM_PIN_COLLECTING);
	assert_int_equal(um_pin_timeout_ms(&p), UM_PIN_DEFAULT_DIGIT_TIMEOUT_MS);
	assert_int_equal(keys(&p, "6#"), UM_PIN_CHECK);
	assert_string_equal(p.digits, "123456");
	assert_int_equal(p.len, 6);
	/* Keys while the store checks are ignored. */
	assert_int_equal(um_pin_key(&p, '9'), UM_PIN_IGNORED);
	assert_int_equal(um_pin_result(&p, true, false), UM_PIN_OK);
	assert_int_equal(p.len, 0);
	assert_string_equal(p.digits, ""); /* wiped */
	assert_int_equal(p.failures, 0);
	/* Done: nothing more happens. */
	assert_int_equal(um_pin_key(&p, '1'), UM_PIN_IGNORED);
	assert_int_equal(um_pin_timeout(&p), UM_PIN_IGNORED);
}

static void test_pin_three_tries_then_give_up(void **state)
{
	um_pin p;
	um_pin_init(&p, NULL);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(keys(&p, "1111#"), UM_PIN_CHECK);
		assert_int_equal(um_pin_result(&p, false, false), UM_PIN_WRONG);
		assert_int_equal(p.failures, (unsigned)i + 1);
	}
	assert_int_equal(keys(&p, "2222#"), UM_PIN_CHECK);
	assert_int_equal(um_pin_result(&p, false, false), UM_PIN_GIVE_UP);
	assert_int_equal(p.failures, 3);
	assert_int_equal(um_pin_key(&p, '#'), UM_PIN_IGNORED);
}

static void test_pin_wrong_then_right(void **state)
{
	um_pin p;
	um_pin_init(&p, NULL);
	assert_int_equal(keys(&p, "999999#"), UM_PIN_CHECK);
	assert_int_equal(um_pin_result(&p, false, false), UM_PIN_WRONG);
	assert_int_equal(keys(&p, "123456#"), UM_PIN_CHECK);
	assert_string_equal(p.digits, "123456"); /* no leftovers of the first entry */
	assert_int_equal(um_pin_result(&p, true, false), UM_PIN_OK);
	assert_int_equal(p.failures, 1);
}

static void test_pin_star_clears(void **state)
{
	um_pin p;
	um_pin_init(&p, NULL);
	assert_int_equal(keys(&p, "98"), UM_PIN_COLLECTING);
	assert_int_equal(um_pin_key(&p, '*'), UM_PIN_CLEARED);
	assert_int_equal(p.len, 0);
	assert_int_equal(um_pin_timeout_ms(&p), UM_PIN_DEFAULT_FIRST_TIMEOUT_MS);
	assert_int_equal(keys(&p, "123456#"), UM_PIN_CHECK);
	assert_string_equal(p.digits, "123456");
	assert_int_equal(p.tries, 0); /* clearing costs no try */
}

static void test_pin_ignores_other_keys(void **state)
{
	um_pin p;
	um_pin_init(&p, NULL);
	assert_int_equal(um_pin_key(&p, 'A'), UM_PIN_IGNORED);
	assert_int_equal(um_pin_key(&p, 'D'), UM_PIN_IGNORED);
	assert_int_equal(um_pin_key(&p, '!'), UM_PIN_IGNORED);
	assert_int_equal(keys(&p, "1A2#"), UM_PIN_CHECK);
	assert_string_equal(p.digits, "12");
}

static void test_pin_empty_entry_and_timeouts(void **state)
{
	um_pin p;
	um_pin_init(&p, NULL);
	/* '#' alone and silence each use a try but record nothing in the store. */
	assert_int_equal(um_pin_key(&p, '#'), UM_PIN_REPROMPT);
	assert_int_equal(um_pin_timeout(&p), UM_PIN_REPROMPT);
	assert_int_equal(p.failures, 0);
	assert_int_equal(um_pin_timeout(&p), UM_PIN_GIVE_UP);
	assert_int_equal(p.tries, 3);
	assert_int_equal(p.failures, 0);
}

static void test_pin_timeout_submits_digits(void **state)
{
	um_pin p;
	um_pin_init(&p, NULL);
	keys(&p, "123456");
	assert_int_equal(um_pin_timeout(&p), UM_PIN_CHECK);
	assert_string_equal(p.digits, "123456");
	assert_int_equal(um_pin_result(&p, true, false), UM_PIN_OK);
}

static void test_pin_overflow_never_compared(void **state)
{
	um_pin p;
	um_pin_cfg cfg = {.max_len = 8};
	um_pin_init(&p, &cfg);
	/* 9 digits whose first 8 could be a PIN: wrong without comparing. */
	assert_int_equal(keys(&p, "123456789"), UM_PIN_COLLECTING);
	assert_true(p.overflow);
	assert_int_equal(um_pin_key(&p, '#'), UM_PIN_CHECK_FAILED);
	assert_int_equal(p.len, 0);
	assert_int_equal(um_pin_result(&p, false, false), UM_PIN_WRONG);
	assert_int_equal(p.failures, 1);
	assert_false(p.overflow);
	/* max_len beyond the buffer falls back to UM_PIN_MAX_LEN. */
	cfg.max_len = 1000;
	um_pin_init(&p, &cfg);
	assert_int_equal(p.cfg.max_len, UM_PIN_MAX_LEN);
	for (int i = 0; i < UM_PIN_MAX_LEN; i++)
		um_pin_key(&p, '7');
	assert_false(p.overflow);
	assert_int_equal(um_pin_key(&p, '7'), UM_PIN_COLLECTING);
	assert_true(p.overflow);
	assert_int_equal(um_pin_timeout(&p), UM_PIN_CHECK_FAILED);
}

static void test_pin_store_locks_mailbox(void **state)
{
	um_pin p;
	um_pin_init(&p, NULL);
	/* The failure just recorded reached the store's limit (15 by default). */
	assert_int_equal(keys(&p, "000000#"), UM_PIN_CHECK);
	assert_int_equal(um_pin_result(&p, false, true), UM_PIN_LOCKED);
	assert_int_equal(um_pin_key(&p, '1'), UM_PIN_IGNORED);
	/* Locked (by another call meanwhile) refuses even the right PIN. */
	um_pin_init(&p, NULL);
	assert_int_equal(keys(&p, "123456#"), UM_PIN_CHECK);
	assert_int_equal(um_pin_result(&p, true, true), UM_PIN_LOCKED);
	/* A result without a pending check is ignored. */
	um_pin_init(&p, NULL);
	assert_int_equal(um_pin_result(&p, true, false), UM_PIN_IGNORED);
}

static void test_pin_config(void **state)
{
	um_pin p;
	um_pin_cfg cfg = {.max_tries = 1, .first_timeout_ms = 7000, .digit_timeout_ms = 2000};
	um_pin_init(&p, &cfg);
	assert_int_equal(um_pin_timeout_ms(&p), 7000);
	um_pin_key(&p, '1');
	assert_int_equal(um_pin_timeout_ms(&p), 2000);
	assert_int_equal(um_pin_key(&p, '#'), UM_PIN_CHECK);
	assert_int_equal(um_pin_result(&p, false, false), UM_PIN_GIVE_UP);
	assert_string_equal(um_pin_step_name(UM_PIN_GIVE_UP), "give-up");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_skip_pin_header_absent),
	    cmocka_unit_test(test_skip_pin_header_present),
	    cmocka_unit_test(test_skip_pin_header_mixed_case),
	    cmocka_unit_test(test_skip_pin_header_extra_tokens),
	    cmocka_unit_test(test_skip_pin_header_unknown_value),
	    cmocka_unit_test(test_skip_pin_matrix_has_three_skips),
	    cmocka_unit_test(test_skip_pin_header_forms),
	    cmocka_unit_test(test_skip_pin_spec_example_file),
	    cmocka_unit_test(test_skip_pin_not_for_typed_extension),
	    cmocka_unit_test(test_pin_ok_first_try),
	    cmocka_unit_test(test_pin_three_tries_then_give_up),
	    cmocka_unit_test(test_pin_wrong_then_right),
	    cmocka_unit_test(test_pin_star_clears),
	    cmocka_unit_test(test_pin_ignores_other_keys),
	    cmocka_unit_test(test_pin_empty_entry_and_timeouts),
	    cmocka_unit_test(test_pin_timeout_submits_digits),
	    cmocka_unit_test(test_pin_overflow_never_compared),
	    cmocka_unit_test(test_pin_store_locks_mailbox),
	    cmocka_unit_test(test_pin_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
