/* Tests for src/txn/client.c and the client half of table.c: sending, matching
 * responses by branch and CSeq method, the ACK of a non-2xx, 2xx passed up and
 * Accepted, Timers B, F, M and C, and transport failures reported as 503. */
#include "txn_fake.h"

#define BR "z9hG4bKc1"

static const char INVITE[] = "INVITE sip:bob@example.com;transport=tcp SIP/2.0\r\n"
                             "Via: SIP/2.0/TCP uac.example.com:5060;branch=" BR "\r\n"
                             "Max-Forwards: 70\r\n"
                             "Route: <sip:p1.example.com;lr>\r\n"
                             "Route: <sip:p2.example.com;lr>\r\n"
                             "From: Alice <sip:alice@example.com>;tag=a1\r\n"
                             "To: Bob <sip:bob@example.com>\r\n"
                             "Call-ID: c1@uac\r\n"
                             "CSeq: 5 INVITE\r\n"
                             "Contact: <sip:alice@uac.example.com;transport=tcp>\r\n"
                             "Content-Type: application/sdp\r\n"
                             "Content-Length: 4\r\n\r\n"
                             "v=0\n";

static const char *response(unsigned status, const char *branch, const char *method,
                            const char *to_tag)
{
	static char bufs[4][1024];
	static int k;
	char *b = bufs[k++ % 4];
	snprintf(b, 1024,
	         "SIP/2.0 %u %s\r\n"
	         "Via: SIP/2.0/TCP uac.example.com:5060;branch=%s;received=192.0.2.1\r\n"
	         "From: Alice <sip:alice@example.com>;tag=a1\r\n"
	         "To: Bob <sip:bob@example.com>%s%s\r\n"
	         "Call-ID: c1@uac\r\n"
	         "CSeq: 5 %s\r\n"
	         "Content-Length: 0\r\n\r\n",
	         status, sip_reason_phrase(status), branch, to_tag ? ";tag=" : "",
	         to_tag ? to_tag : "", method);
	return b;
}

static txn *start(const char *req)
{
	txn *t = NULL;
	assert_int_equal(txn_client_start(L, CA, req, strlen(req), ev_cb, NULL, &t), 0);
	assert_non_null(t);
	return t;
}

static void txn_client_non_invite(void **state)
{
	(void)state;
	char opt[1024];
	snprintf(opt, sizeof(opt), "%s", request("OPTIONS", "z9hG4bKo1", 5, NULL));
	txn *t = start(opt);
	assert_false(txn_is_server(t));
	assert_int_equal(txn_get_state(t), TXN_TRYING);
	assert_int_equal(nout, 1);
	assert_string_equal(out[0].buf, opt); /* sent as given */
	assert_int_equal(refs, 1);
	/* the copy is the transaction's: the caller's buffer may go */
	memset(opt, 0, sizeof(opt));
	assert_true(ou_slice_eq_cstr(txn_branch(t), "z9hG4bKo1"));

	char resp[1024];
	snprintf(resp, sizeof(resp), "%s", response(100, "z9hG4bKo1", "OPTIONS", NULL));
	/* the responses carry the request's Call-ID etc.; only branch + method match */
	feed(resp);
	assert_int_equal(nev, 1);
	assert_int_equal(ev[0].status, 100);
	assert_true(ev[0].has_msg);
	assert_int_equal(txn_get_state(t), TXN_PROCEEDING);
	feed(response(200, "z9hG4bKo1", "OPTIONS", "b1"));
	assert_int_equal(nev, 2);
	assert_int_equal(ev[1].type, TXN_EV_RESPONSE);
	assert_int_equal(ev[1].status, 200);
	assert_int_equal(ev[1].state, TXN_COMPLETED);
	assert_int_equal(nout, 1); /* no ACK for non-INVITE */
	feed(response(200, "z9hG4bKo1", "OPTIONS", "b1"));
	assert_int_equal(nstray, 1); /* Timer K = 0: a retransmission is stray */
	turn();
	assert_int_equal(nev, 3);
	assert_int_equal(ev[2].type, TXN_EV_TERMINATED);
	assert_int_equal(refs, 0);
}

static void txn_client_non2xx_ack(void **state)
{
	(void)state;
	txn *t = start(INVITE);
	assert_int_equal(txn_get_state(t), TXN_CALLING);
	feed(response(180, BR, "INVITE", "b1"));
	assert_int_equal(txn_get_state(t), TXN_PROCEEDING);
	feed(response(486, BR, "INVITE", "b1"));
	assert_int_equal(nev, 2);
	assert_int_equal(ev[1].status, 486);
	assert_true(ev[1].has_msg);
	/* 17.1.1.3: the transaction ACKs a non-2xx itself */
	assert_int_equal(nout, 2);
	sip_msg *ack = sent(1);
	assert_true(ack->is_request);
	assert_int_equal(ack->method, SIP_METHOD_ACK);
	assert_true(ou_slice_eq_cstr(ack->ruri_s, "sip:bob@example.com;transport=tcp"));
	assert_int_equal(sip_msg_hdr_count(ack, SIP_H_VIA), 1);
	assert_true(sent_has(1, "Via: SIP/2.0/TCP uac.example.com:5060;branch=" BR));
	assert_true(sent_has(1, "To: Bob <sip:bob@example.com>;tag=b1"));
	assert_true(sent_has(1, "From: Alice <sip:alice@example.com>;tag=a1"));
	assert_true(sent_has(1, "Call-ID: c1@uac"));
	assert_true(sent_has(1, "CSeq: 5 ACK"));
	assert_true(sent_has(1, "Max-Forwards: 70"));
	assert_int_equal(sip_msg_hdr_count(ack, SIP_H_ROUTE), 2);
	assert_true(sent_has(1, "Route: <sip:p1.example.com;lr>"));
	assert_null(sip_msg_hdr(ack, SIP_H_CONTACT));
	assert_int_equal(ack->body.n, 0);
	assert_int_equal(sip_msg_check(ack, NULL), 0);
	turn();
	assert_int_equal(ev[nev - 1].type, TXN_EV_TERMINATED);
}

static void txn_client_2xx_passed_up(void **state)
{
	(void)state;
	txn *t = start(INVITE);
	feed(response(200, BR, "INVITE", "b1"));
	assert_int_equal(nev, 1);
	assert_int_equal(ev[0].status, 200);
	assert_int_equal(nout, 1); /* the TU ACKs a 2xx, not us */
	assert_int_equal(txn_get_state(t), TXN_ACCEPTED);
	/* Accepted: 2xx retransmissions and other forks' 2xx go up too */
	feed(response(200, BR, "INVITE", "b2"));
	assert_int_equal(nev, 2);
	assert_int_equal(ev[1].status, 200);
	feed(response(486, BR, "INVITE", "b3")); /* late non-2xx: dropped */
	assert_int_equal(nev, 2);
	assert_int_equal(nout, 1);
	run_all(); /* Timer M */
	assert_int_equal(nev, 3);
	assert_int_equal(ev[2].type, TXN_EV_TERMINATED);
	feed(response(200, BR, "INVITE", "b1"));
	assert_int_equal(nstray, 1);
}

static void txn_client_timer_b(void **state)
{
	(void)state;
	uint64_t t0 = uv_now(&loop);
	start(INVITE);
	run_all();
	assert_true(uv_now(&loop) - t0 >= 64 * cfg.t1_ms);
	assert_int_equal(nev, 2);
	assert_int_equal(ev[0].type, TXN_EV_RESPONSE);
	assert_int_equal(ev[0].status, 408);
	assert_false(ev[0].has_msg);
	assert_int_equal(ev[1].type, TXN_EV_TERMINATED);
}

static void txn_client_timer_f(void **state)
{
	(void)state;
	start(request("REGISTER", "z9hG4bKr1", 1, NULL));
	feed(response(100, "z9hG4bKr1", "REGISTER", NULL)); /* F keeps running */
	run_all();
	assert_int_equal(nev, 3);
	assert_int_equal(ev[1].status, 408);
	assert_false(ev[1].has_msg);
	assert_int_equal(ev[2].type, TXN_EV_TERMINATED);
}

static void txn_client_proceeding_has_no_timer(void **state)
{
	(void)state;
	/* without Timer C an INVITE may ring for as long as it likes */
	txn *t = start(INVITE);
	feed(response(180, BR, "INVITE", "b1"));
	run_all(); /* returns at once: nothing is pending */
	assert_int_equal(nev, 1);
	assert_int_equal(txn_get_state(t), TXN_PROCEEDING);
}

static void txn_client_send_failure_503(void **state)
{
	(void)state;
	send_fail = true;
	txn *t = start(INVITE);
	assert_int_equal(nev, 0); /* not from inside the TU's call */
	turn();
	assert_int_equal(nev, 2);
	assert_ptr_equal(ev[0].t, t);
	assert_int_equal(ev[0].type, TXN_EV_RESPONSE);
	assert_int_equal(ev[0].status, 503);
	assert_false(ev[0].has_msg);
	assert_int_equal(ev[1].type, TXN_EV_TERMINATED);
	assert_int_equal(refs, 0);
}

static void txn_client_peer_closes_503(void **state)
{
	(void)state;
	txn *t = start(INVITE);
	txn *o = start(request("OPTIONS", "z9hG4bKo2", 1, NULL));
	feed(response(183, BR, "INVITE", "b1"));
	txn_conn_closed(L, CA);
	assert_int_equal(nev, 3);
	assert_ptr_equal(ev[1].t, o);
	assert_int_equal(ev[1].status, 503);
	assert_ptr_equal(ev[2].t, t);
	assert_int_equal(ev[2].status, 503);
	assert_false(ev[2].has_msg);
	/* a response racing the close finds nothing */
	feed(response(200, BR, "INVITE", "b1"));
	assert_int_equal(nstray, 1);
	turn();
	assert_int_equal(count_events(TXN_EV_TERMINATED), 2);
	assert_int_equal(refs, 0);
}

static void txn_client_matching(void **state)
{
	(void)state;
	start(INVITE);
	feed(response(180, "z9hG4bKother", "INVITE", "b1")); /* branch */
	feed(response(180, BR, "OPTIONS", "b1"));            /* CSeq method */
	assert_int_equal(nstray, 2);
	assert_int_equal(nev, 0);
	feed(response(180, "z9hG4bKC1", "INVITE", "b1")); /* case-insensitive */
	assert_int_equal(nev, 1);
}

static void txn_client_refuses(void **state)
{
	(void)state;
	const char *ack = request("ACK", "z9hG4bKa", 1, "x");
	const char *old = request("OPTIONS", "nocookie", 1, NULL);
	const char *garbage = "hello\r\n\r\n";
	txn *t;
	assert_int_equal(txn_client_start(L, CA, ack, strlen(ack), NULL, NULL, &t), OPENUM_EINVAL);
	assert_int_equal(txn_client_start(L, CA, old, strlen(old), NULL, NULL, &t), OPENUM_EINVAL);
	assert_int_equal(txn_client_start(L, CA, garbage, strlen(garbage), NULL, NULL, &t),
	                 OPENUM_EBADMSG);
	assert_int_equal(txn_client_start(L, CA, INVITE, strlen(INVITE), NULL, NULL, &t), 0);
	assert_int_equal(txn_client_start(L, CB, INVITE, strlen(INVITE), NULL, NULL, &t),
	                 OPENUM_EDUP);
	assert_int_equal(nout, 1);
	assert_int_equal(refs, 1);
	/* a callback-less transaction still ends cleanly */
	feed(response(404, BR, "INVITE", "z"));
	assert_int_equal(nout, 2); /* its ACK */
	turn();
	assert_int_equal(refs, 0);
}

static void txn_client_timer_c_cancels(void **state)
{
	(void)state;
	/* a proxy's Timer C (16.8): with a provisional response, CANCEL */
	txn_layer_free(L);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	cfg.timer_c_ms = 20;
	assert_int_equal(start_layer(), 0);

	txn *t = start(INVITE);
	feed(response(180, BR, "INVITE", "b1"));
	uint64_t t0 = uv_now(&loop);
	for (int i = 0; i < 100 && nout < 2; i++)
		uv_run(&loop, UV_RUN_ONCE); /* until Timer C fires */
	assert_true(uv_now(&loop) - t0 >= 20);
	sip_msg *c = sent(1);
	assert_int_equal(c->method, SIP_METHOD_CANCEL);
	assert_true(sent_has(1, "CSeq: 5 CANCEL"));
	assert_int_equal(txn_get_state(t), TXN_PROCEEDING);
	feed(response(200, BR, "CANCEL", "b1"));
	assert_int_equal(nstray, 0); /* the CANCEL transaction took it */
	feed(response(487, BR, "INVITE", "b1"));
	assert_int_equal(ev[nev - 1].status, 487);
	assert_true(sent_has(2, "CSeq: 5 ACK"));
	turn();
	cfg.timer_c_ms = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(txn_client_non_invite, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_non2xx_ack, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_2xx_passed_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_timer_b, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_timer_f, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_proceeding_has_no_timer, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_send_failure_503, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_peer_closes_503, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_matching, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_timer_c_cancels, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
