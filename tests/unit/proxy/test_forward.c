/* Tests for src/proxy/forward.c: the forwarding decision as a matrix. Every
 * Ms-Sensitivity value against every forwarding situation (immediate forwarding,
 * no answer, busy, not registered): only the two -no-diversion values never divert,
 * and they still ring the user's own contacts (DESIGN.md rule 2, MS-SIPRE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "proxy/proxy.h"

static const sip_sens sens_all[] = {SIP_SENS_NORMAL, SIP_SENS_PRIVATE, SIP_SENS_NORMAL_NO_DIVERSION,
                                    SIP_SENS_PRIVATE_NO_DIVERSION};
/* "no header" parses as SIP_SENS_NORMAL; it is listed apart to make the row explicit. */
#define NSENS 4

static proxy_fwd_settings all_on(void)
{
	return (proxy_fwd_settings){.fwd_immediate = false,
	                            .vm_no_answer_s = 20,
	                            .vm_busy = true,
	                            .vm_unregistered = true,
	                            .have_voicemail = true};
}

static void test_matrix(void **state)
{
	(void)state;
	for (int absent = 0; absent < 2; absent++) {
		for (unsigned i = 0; i < NSENS; i++) {
			sip_sens s = absent ? SIP_SENS_NORMAL : sens_all[i];
			bool nodiv = sip_sens_no_diversion(s);
			proxy_fwd_decision d;

			/* immediate forwarding */
			proxy_fwd_settings st = all_on();
			st.fwd_immediate = true;
			proxy_fwd_decide(&st, s, true, PROXY_FWD_NEW, &d);
			assert_int_equal(d.action, nodiv ? PROXY_ACT_FORK : PROXY_ACT_FORWARD);
			if (!nodiv)
				assert_string_equal(d.reason, "unconditional");
			proxy_fwd_decide(&st, s, false, PROXY_FWD_NEW, &d);
			assert_int_equal(d.action, nodiv ? PROXY_ACT_REJECT : PROXY_ACT_FORWARD);
			if (nodiv)
				assert_int_equal(d.status, 480);

			/* ringing: the no-answer timer is armed only when diversion is allowed */
			st = all_on();
			proxy_fwd_decide(&st, s, true, PROXY_FWD_NEW, &d);
			assert_int_equal(d.action, PROXY_ACT_FORK);
			assert_int_equal(d.no_answer_ms, nodiv ? 0 : 20000);

			/* no answer */
			proxy_fwd_decide(&st, s, true, PROXY_FWD_NO_ANSWER, &d);
			assert_int_equal(d.action, nodiv ? PROXY_ACT_REJECT : PROXY_ACT_VOICEMAIL);
			if (nodiv)
				assert_int_equal(d.status, 480);
			else
				assert_string_equal(d.reason, "no-answer");

			/* busy */
			proxy_fwd_decide(&st, s, true, PROXY_FWD_BUSY, &d);
			assert_int_equal(d.action, nodiv ? PROXY_ACT_REJECT : PROXY_ACT_VOICEMAIL);
			if (nodiv)
				assert_int_equal(d.status, 486);
			else
				assert_string_equal(d.reason, "user-busy");

			/* not registered */
			proxy_fwd_decide(&st, s, false, PROXY_FWD_NEW, &d);
			assert_int_equal(d.action, nodiv ? PROXY_ACT_REJECT : PROXY_ACT_VOICEMAIL);
			if (nodiv)
				assert_int_equal(d.status, 480);
			else
				assert_string_equal(d.reason, "unavailable");

			/* the ring timeout never diverts */
			proxy_fwd_decide(&st, s, true, PROXY_FWD_RING_TIMEOUT, &d);
			assert_int_equal(d.action, PROXY_ACT_REJECT);
			assert_int_equal(d.status, 408);
		}
	}
}

/* Settings off, or no UM server: nothing is diverted either. */
static void test_settings_off(void **state)
{
	(void)state;
	proxy_fwd_settings off = {.have_voicemail = true};
	proxy_fwd_decision d;
	proxy_fwd_decide(&off, SIP_SENS_NORMAL, true, PROXY_FWD_NEW, &d);
	assert_int_equal(d.action, PROXY_ACT_FORK);
	assert_int_equal(d.no_answer_ms, 0);
	proxy_fwd_decide(&off, SIP_SENS_NORMAL, true, PROXY_FWD_NO_ANSWER, &d);
	assert_int_equal(d.action, PROXY_ACT_REJECT);
	proxy_fwd_decide(&off, SIP_SENS_NORMAL, true, PROXY_FWD_BUSY, &d);
	assert_int_equal(d.action, PROXY_ACT_REJECT);
	assert_int_equal(d.status, 486);
	proxy_fwd_decide(&off, SIP_SENS_NORMAL, false, PROXY_FWD_NEW, &d);
	assert_int_equal(d.action, PROXY_ACT_REJECT);
	assert_int_equal(d.status, 480);

	proxy_fwd_settings novm = all_on();
	novm.have_voicemail = false;
	proxy_fwd_decide(&novm, SIP_SENS_NORMAL, false, PROXY_FWD_NEW, &d);
	assert_int_equal(d.action, PROXY_ACT_REJECT);
	proxy_fwd_decide(&novm, SIP_SENS_NORMAL, true, PROXY_FWD_NEW, &d);
	assert_int_equal(d.no_answer_ms, 0);
	/* Immediate forwarding does not need a UM server. */
	novm.fwd_immediate = true;
	proxy_fwd_decide(&novm, SIP_SENS_NORMAL, true, PROXY_FWD_NEW, &d);
	assert_int_equal(d.action, PROXY_ACT_FORWARD);
	assert_string_equal(proxy_fwd_action_name(PROXY_ACT_VOICEMAIL), "voicemail");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matrix),
	    cmocka_unit_test(test_settings_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
