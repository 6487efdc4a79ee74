/* Tests for src/proxy/gatekeep.c: the skip-pin gatekeeping matrix (DESIGN.md rule 4)
 * and the URI helpers it relies on. Ms-Exchange-Command goes on only when the sender
 * authenticated by digest as the owner of the mailbox it calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "proxy/proxy.h"

#define ALICE "alice@example.com"
#define BOB "bob@example.com"

static proxy_gk_verdict gk_tp(bool authed, const char *auth, const char *from, const char *mbox,
                              bool trusted, bool tls)
{
	proxy_gk_input in = {authed, auth, from, mbox, trusted, tls};
	const char *why = NULL;
	proxy_gk_verdict v = proxy_gatekeep_decide(&in, &why);
	if (v == PROXY_GK_STRIP)
		assert_non_null(why);
	else
		assert_null(why);
	return v;
}

static proxy_gk_verdict gk(bool authed, const char *auth, const char *from, const char *mbox,
                           bool trusted)
{
	return gk_tp(authed, auth, from, mbox, trusted, true);
}

static void test_matrix(void **state)
{
	(void)state;
	for (int trusted = 0; trusted < 2; trusted++) {
		/* authenticated owner calling her own voicemail */
		assert_int_equal(gk(true, ALICE, ALICE, ALICE, trusted), PROXY_GK_FORWARD);
		/* authenticated other user calling alice's voicemail */
		assert_int_equal(gk(true, BOB, BOB, ALICE, trusted), PROXY_GK_STRIP);
		/* authenticated bob with From forged to alice */
		assert_int_equal(gk(true, BOB, ALICE, ALICE, trusted), PROXY_GK_STRIP);
		/* authenticated alice with From set to bob, calling alice's mailbox */
		assert_int_equal(gk(true, ALICE, BOB, ALICE, trusted), PROXY_GK_STRIP);
		/* unauthenticated, From claims the owner */
		assert_int_equal(gk(false, NULL, ALICE, ALICE, trusted), PROXY_GK_STRIP);
		/* authenticated flag without an identity */
		assert_int_equal(gk(true, NULL, ALICE, ALICE, trusted), PROXY_GK_STRIP);
		/* not a voicemail call at all */
		assert_int_equal(gk(true, ALICE, ALICE, NULL, trusted), PROXY_GK_STRIP);
		/* no From */
		assert_int_equal(gk(true, ALICE, NULL, ALICE, trusted), PROXY_GK_STRIP);
	}
}

/* Over plain TCP even the authenticated owner's skip-pin is stripped (spec 3.1). */
static void test_tcp_strips(void **state)
{
	(void)state;
	for (int trusted = 0; trusted < 2; trusted++) {
		assert_int_equal(gk_tp(true, ALICE, ALICE, ALICE, trusted, false), PROXY_GK_STRIP);
		assert_int_equal(gk_tp(true, ALICE, ALICE, ALICE, trusted, true), PROXY_GK_FORWARD);
	}
	proxy_gk_input in = {true, ALICE, ALICE, ALICE, false, false};
	const char *why = NULL;
	assert_int_equal(proxy_gatekeep_decide(&in, &why), PROXY_GK_STRIP);
	assert_non_null(strstr(why, "TLS"));
}

static void test_aor_and_voicemail_uri(void **state)
{
	(void)state;
	sip_uri u;
	char aor[PROXY_AOR_MAX];
	assert_int_equal(
	    sip_uri_parse(ou_slice_cstr("sip:alice@EXAMPLE.com:5061;opaque=app:voicemail"), &u,
	                  NULL),
	    0);
	assert_int_equal(proxy_aor_from_uri(&u, aor), 0);
	assert_string_equal(aor, ALICE);
	assert_true(proxy_uri_is_voicemail(&u));
	assert_int_equal(
	    sip_uri_parse(ou_slice_cstr("sips:bob@example.com;OPAQUE=APP:VoiceMail"), &u, NULL), 0);
	assert_true(proxy_uri_is_voicemail(&u));
	assert_int_equal(
	    sip_uri_parse(ou_slice_cstr("sip:alice@example.com;opaque=app:other"), &u, NULL), 0);
	assert_false(proxy_uri_is_voicemail(&u));
	assert_int_equal(sip_uri_parse(ou_slice_cstr("sip:example.com"), &u, NULL), 0);
	assert_int_equal(proxy_aor_from_uri(&u, aor), OPENUM_EINVAL);
	assert_int_equal(sip_uri_parse(ou_slice_cstr("tel:+15551234"), &u, NULL), 0);
	assert_int_equal(proxy_aor_from_uri(&u, aor), OPENUM_EINVAL);
	assert_false(proxy_uri_is_voicemail(&u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matrix),
	    cmocka_unit_test(test_tcp_strips),
	    cmocka_unit_test(test_aor_and_voicemail_uri),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
