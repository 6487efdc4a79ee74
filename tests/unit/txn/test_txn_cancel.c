/* Tests for src/txn/cancel.c: a CANCEL before and after the final response, with no
 * match (481), repeated, in proxy mode (no 487), with RFC 2543 matching; and the
 * client side: CANCEL held until a provisional response, built per RFC 3261 9.1,
 * racing a 2xx, and given up 64*T1 after it went. */
#include "txn_fake.h"

#define BR "z9hG4bKinv9"

static const char INVITE[] =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TLS uac.example.com;branch=" BR "\r\n"
    "Max-Forwards: 70\r\n"
    "Route: <sip:p1.example.com;lr>\r\n"
    "From: <sip:alice@example.com>;tag=a9\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: c9@uac\r\n"
    "CSeq: 12 INVITE\r\n"
    "Authorization: Digest username=\"alice\", realm=\"x\", nonce=\"n\", uri=\"sip:x\", "
    "response=\"0123456789abcdef0123456789abcdef\"\r\n"
    "Content-Length: 0\r\n\r\n";

static const char *response(unsigned status, const char *method, const char *to_tag)
{
	static char bufs[4][1024];
	static int k;
	char *b = bufs[k++ % 4];
	snprintf(b, 1024,
	         "SIP/2.0 %u %s\r\n"
	         "Via: SIP/2.0/TLS uac.example.com;branch=" BR "\r\n"
	         "From: <sip:alice@example.com>;tag=a9\r\n"
	         "To: <sip:bob@example.com>%s%s\r\n"
	         "Call-ID: c9@uac\r\n"
	         "CSeq: 12 %s\r\n"
	         "Content-Length: 0\r\n\r\n",
	         status, sip_reason_phrase(status), to_tag ? ";tag=" : "", to_tag ? to_tag : "",
	         method);
	return b;
}

/* ---- server side ---------------------------------------------------------- */

static void txn_cancel_before_final(void **state)
{
	(void)state;
	feed(request("INVITE", "z9hG4bKs1", 1, NULL));
	txn *st = reqs[0];
	assert_int_equal(txn_respond(st, 180, NULL), 0);
	assert_int_equal(feed(request("CANCEL", "z9hG4bKs1", 1, NULL)), 0);
	assert_int_equal(nreq, 1); /* the TU is not handed the CANCEL itself */
	assert_int_equal(nout, 4);
	/* 200 to the CANCEL, with the tag the INVITE's responses carry (9.2) */
	sip_msg *ok = sent(2);
	assert_int_equal(ok->status, 200);
	assert_true(sent_has(2, "CSeq: 1 CANCEL"));
	char to[80];
	snprintf(to, sizeof(to), "To: Bob <sip:bob@example.com>;tag=%.*s", (int)txn_to_tag(st).n,
	         txn_to_tag(st).p);
	assert_true(sent_has(2, to));
	/* 487 to the INVITE */
	assert_int_equal(sent_status(3), 487);
	assert_true(sent_has(3, "CSeq: 1 INVITE"));
	assert_true(sent_has(3, to));
	/* the TU is told, after the 487 went */
	assert_int_equal(nev, 1);
	assert_int_equal(ev[0].type, TXN_EV_CANCELLED);
	assert_int_equal(ev[0].status, 487);
	assert_int_equal(ev[0].state, TXN_COMPLETED);
	/* too late for the TU's answer */
	assert_int_equal(txn_respond(st, 200, NULL), OPENUM_EINVAL);
	/* the ACK of the 487 is absorbed */
	feed(request("ACK", "z9hG4bKs1", 1, txn_to_tag(st).p));
	assert_int_equal(nack, 0);
	turn();
	assert_int_equal(ev[nev - 1].type, TXN_EV_TERMINATED);
	assert_int_equal(refs, 0);
}

static void txn_cancel_after_final(void **state)
{
	(void)state;
	feed(request("INVITE", "z9hG4bKs2", 1, NULL));
	txn *st = reqs[0];
	assert_int_equal(txn_respond(st, 200, NULL), 0);
	/* the CANCEL crossed the 200 on the wire */
	feed(request("CANCEL", "z9hG4bKs2", 1, NULL));
	assert_int_equal(nout, 3);
	assert_int_equal(sent_status(2), 200);
	assert_true(sent_has(2, "CSeq: 1 CANCEL"));
	assert_int_equal(nev, 0); /* no 487, nothing to stop */
	assert_int_equal(txn_get_state(st), TXN_ACCEPTED);
}

static void txn_cancel_after_non2xx(void **state)
{
	(void)state;
	feed(request("INVITE", "z9hG4bKs3", 1, NULL));
	assert_int_equal(txn_respond(reqs[0], 480, NULL), 0);
	feed(request("CANCEL", "z9hG4bKs3", 1, NULL));
	assert_int_equal(nout, 3);
	assert_int_equal(sent_status(2), 200);
	assert_int_equal(nev, 0);
	assert_int_equal(txn_get_state(reqs[0]), TXN_COMPLETED);
}

static void txn_cancel_without_match_481(void **state)
{
	(void)state;
	feed(request("INVITE", "z9hG4bKs4", 1, NULL));
	feed(request("CANCEL", "z9hG4bKnomatch", 1, NULL));
	assert_int_equal(nout, 2);
	sip_msg *r = sent(1);
	assert_int_equal(r->status, 481);
	assert_true(sent_has(1, "CSeq: 1 CANCEL"));
	const sip_addr *to;
	assert_int_equal(sip_msg_to(r, &to, NULL), 0);
	assert_int_equal(to->tag.n, TXN_TAG_LEN);
	assert_int_equal(txn_get_state(reqs[0]), TXN_PROCEEDING);
	/* a CANCEL from another sent-by does not match either */
	char other[2048];
	snprintf(other, sizeof(other), "%s", request("CANCEL", "z9hG4bKs4", 1, NULL));
	memcpy(strstr(other, "client.example.com"), "elsewhere.example.", 18);
	feed(other);
	assert_int_equal(sent_status(2), 481);
	assert_int_equal(nev, 0);
	turn();
	assert_int_equal(refs, 1);
}

static void txn_cancel_repeated(void **state)
{
	(void)state;
	feed(request("INVITE", "z9hG4bKs5", 1, NULL));
	const char *cancel = request("CANCEL", "z9hG4bKs5", 1, NULL);
	feed(cancel);
	feed(cancel);
	assert_int_equal(nout, 4); /* 100, 200, 487, 200 */
	assert_int_equal(sent_status(3), 200);
	assert_int_equal(count_events(TXN_EV_CANCELLED), 1); /* one 487, one event */
}

static void txn_cancel_non_invite(void **state)
{
	(void)state;
	feed(request("OPTIONS", "z9hG4bKs6", 1, NULL));
	feed(request("CANCEL", "z9hG4bKs6", 1, NULL));
	assert_int_equal(nout, 1);
	assert_int_equal(sent_status(0), 200);
	assert_int_equal(nev, 0);
	assert_int_equal(txn_respond(reqs[0], 200, NULL), 0); /* the OPTIONS goes on */
}

static void txn_cancel_rfc2543(void **state)
{
	(void)state;
	feed(request("INVITE", NULL, 3, NULL));
	feed(request("CANCEL", NULL, 4, NULL)); /* another CSeq number: no match */
	assert_int_equal(sent_status(1), 481);
	feed(request("CANCEL", NULL, 3, NULL));
	assert_int_equal(sent_status(2), 200);
	assert_int_equal(sent_status(3), 487);
	assert_int_equal(count_events(TXN_EV_CANCELLED), 1);
}

static void txn_cancel_proxy_mode(void **state)
{
	(void)state;
	txn_layer_free(L);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	cfg.cancel_no_487 = true;
	assert_int_equal(start_layer(), 0);

	feed(request("INVITE", "z9hG4bKs7", 1, NULL));
	feed(request("CANCEL", "z9hG4bKs7", 1, NULL));
	assert_int_equal(nout, 2);
	assert_int_equal(sent_status(1), 200);
	assert_int_equal(nev, 1);
	assert_int_equal(ev[0].type, TXN_EV_CANCELLED);
	assert_int_equal(ev[0].status, 0);
	/* the proxy answers once downstream did */
	assert_int_equal(txn_respond(reqs[0], 487, NULL), 0);
	assert_int_equal(sent_status(2), 487);
	cfg.cancel_no_487 = false;
}

/* ---- client side ---------------------------------------------------------- */

static txn *start_invite(void)
{
	txn *t = NULL;
	assert_int_equal(txn_client_start(L, CA, INVITE, strlen(INVITE), ev_cb, NULL, &t), 0);
	return t;
}

static void txn_client_cancel_waits_for_provisional(void **state)
{
	(void)state;
	txn *t = start_invite();
	assert_int_equal(txn_cancel(t), 0);
	assert_int_equal(txn_cancel(t), 0); /* idempotent */
	assert_int_equal(nout, 1);          /* 9.1: not before a provisional */
	feed(response(100, "INVITE", NULL));
	assert_int_equal(nout, 2);
	sip_msg *c = sent(1);
	assert_int_equal(c->method, SIP_METHOD_CANCEL);
	assert_true(ou_slice_eq_cstr(c->ruri_s, "sip:bob@example.com"));
	assert_int_equal(sip_msg_hdr_count(c, SIP_H_VIA), 1);
	assert_true(sent_has(1, "Via: SIP/2.0/TLS uac.example.com;branch=" BR));
	assert_true(sent_has(1, "To: <sip:bob@example.com>"));
	assert_true(sent_has(1, "From: <sip:alice@example.com>;tag=a9"));
	assert_true(sent_has(1, "Call-ID: c9@uac"));
	assert_true(sent_has(1, "CSeq: 12 CANCEL"));
	assert_true(sent_has(1, "Route: <sip:p1.example.com;lr>"));
	assert_null(sip_msg_hdr(c, SIP_H_AUTHORIZATION));
	assert_int_equal(sip_msg_check(c, NULL), 0);

	feed(response(200, "CANCEL", "b9"));
	assert_int_equal(nstray, 0);
	feed(response(487, "INVITE", "b9"));
	assert_int_equal(ev[nev - 1].type, TXN_EV_RESPONSE);
	assert_int_equal(ev[nev - 1].status, 487);
	assert_true(sent_has(2, "CSeq: 12 ACK"));
	assert_true(sent_has(2, "To: <sip:bob@example.com>;tag=b9"));
	turn();
	assert_int_equal(refs, 0);
}

static void txn_client_cancel_in_proceeding(void **state)
{
	(void)state;
	txn *t = start_invite();
	feed(response(180, "INVITE", "b9"));
	assert_int_equal(txn_cancel(t), 0);
	assert_int_equal(nout, 2);
	assert_true(sent_has(1, "CSeq: 12 CANCEL"));
	assert_int_equal(txn_cancel(t), 0);
	assert_int_equal(nout, 2); /* once */
	assert_int_equal(nev, 1);  /* the 180; nothing from inside txn_cancel */
}

static void txn_client_cancel_races_2xx(void **state)
{
	(void)state;
	txn *t = start_invite();
	feed(response(180, "INVITE", "b9"));
	assert_int_equal(txn_cancel(t), 0);
	/* the 200 crossed the CANCEL: it goes up, the TU must ACK and BYE */
	feed(response(200, "INVITE", "b9"));
	assert_int_equal(ev[nev - 1].status, 200);
	assert_true(ev[nev - 1].has_msg);
	assert_int_equal(txn_get_state(t), TXN_ACCEPTED);
	feed(response(200, "CANCEL", "b9"));
	assert_int_equal(nstray, 0);
	assert_int_equal(nout, 2);          /* INVITE and CANCEL, no ACK from us */
	assert_int_equal(txn_cancel(t), 0); /* already cancelling: nothing more */
	assert_int_equal(nout, 2);
}

static void txn_client_cancel_too_late(void **state)
{
	(void)state;
	txn *t = start_invite();
	feed(response(200, "INVITE", "b9"));
	assert_int_equal(txn_cancel(t), OPENUM_EINVAL);
	txn *o = NULL;
	const char *opt = request("OPTIONS", "z9hG4bKo9", 1, NULL);
	assert_int_equal(txn_client_start(L, CA, opt, strlen(opt), NULL, NULL, &o), 0);
	assert_int_equal(txn_cancel(o), OPENUM_EINVAL); /* only INVITE is cancelled */
	assert_int_equal(nout, 2);
}

static void txn_client_cancel_unanswered(void **state)
{
	(void)state;
	txn *t = start_invite();
	feed(response(183, "INVITE", "b9"));
	assert_int_equal(txn_cancel(t), 0);
	uint64_t t0 = uv_now(&loop);
	run_all(); /* neither 487 nor any final comes */
	assert_true(uv_now(&loop) - t0 >= 64 * cfg.t1_ms);
	int i = nev - 2;
	assert_ptr_equal(ev[i].t, t);
	assert_int_equal(ev[i].type, TXN_EV_RESPONSE);
	assert_int_equal(ev[i].status, 408);
	assert_false(ev[i].has_msg);
	assert_int_equal(ev[i + 1].type, TXN_EV_TERMINATED);
	assert_int_equal(refs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(txn_cancel_before_final, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_cancel_after_final, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_cancel_after_non2xx, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_cancel_without_match_481, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_cancel_repeated, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_cancel_non_invite, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_cancel_rfc2543, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_cancel_proxy_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_cancel_waits_for_provisional, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(txn_client_cancel_in_proceeding, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_cancel_races_2xx, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_cancel_too_late, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_client_cancel_unanswered, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
