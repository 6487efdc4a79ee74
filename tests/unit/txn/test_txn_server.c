/* Tests for src/txn/server.c and the server half of table.c and layer.c: 100 Trying,
 * retransmitted requests absorbed, ACK of non-2xx absorbed and of 2xx passed up,
 * Timer H and L, RFC 3261 and RFC 2543 matching, bad requests, transport failures. */
#include "txn_fake.h"

#define BR "z9hG4bKinv1"

static void txn_invite_gets_100_at_once(void **state)
{
	(void)state;
	assert_int_equal(feed(request("INVITE", BR, 1, NULL)), 0);
	assert_int_equal(nreq, 1);
	assert_int_equal(req_method[0], SIP_METHOD_INVITE);
	assert_int_equal(nout, 1);
	assert_ptr_equal(out[0].c, CA);
	assert_int_equal(sent_status(0), 100);
	/* 8.2.6: both Vias in order, no To tag on the 100, Content-Length 0 */
	assert_true(sent_has(0, "Via: SIP/2.0/TCP client.example.com:5060;branch=" BR));
	assert_true(sent_has(0, "Via: SIP/2.0/TLS proxy.example.com;branch=z9hG4bKproxy1"));
	assert_true(sent_has(0, "To: Bob <sip:bob@example.com>"));
	assert_true(sent_has(0, "CSeq: 1 INVITE"));
	assert_true(sent_has(0, "Content-Length: 0"));
	assert_true(txn_is_server(reqs[0]));
	assert_int_equal(txn_get_state(reqs[0]), TXN_PROCEEDING);
	assert_int_equal(txn_method(reqs[0]), SIP_METHOD_INVITE);
	assert_true(ou_slice_eq_cstr(txn_branch(reqs[0]), BR));
	assert_int_equal(txn_to_tag(reqs[0]).n, TXN_TAG_LEN);
	assert_int_equal(refs, 1);
}

static void txn_invite_retransmissions_absorbed(void **state)
{
	(void)state;
	const char *inv = request("INVITE", BR, 1, NULL);
	feed(inv);
	feed(inv);
	assert_int_equal(nreq, 1); /* the TU saw it once */
	assert_int_equal(nout, 2);
	assert_int_equal(sent_status(1), 100); /* answered with the last response */

	txn *st = reqs[0];
	assert_int_equal(txn_respond(st, 180, NULL), 0);
	feed(inv);
	assert_int_equal(nout, 4);
	assert_int_equal(sent_status(3), 180);
	assert_string_equal(out[3].buf, out[2].buf);

	assert_int_equal(txn_respond(st, 486, NULL), 0);
	assert_int_equal(txn_get_state(st), TXN_COMPLETED);
	feed(inv);
	assert_int_equal(nreq, 1);
	assert_int_equal(nout, 6);
	assert_int_equal(sent_status(5), 486);
	assert_string_equal(out[5].buf, out[4].buf);
	/* the 180 and 486 carry the same generated tag */
	char want[64];
	snprintf(want, sizeof(want), "To: Bob <sip:bob@example.com>;tag=%.*s",
	         (int)txn_to_tag(st).n, txn_to_tag(st).p);
	assert_true(sent_has(2, want));
	assert_true(sent_has(4, want));
}

static void txn_non2xx_ack_absorbed(void **state)
{
	(void)state;
	feed(request("INVITE", BR, 1, NULL));
	txn *st = reqs[0];
	assert_int_equal(txn_respond(st, 404, NULL), 0);
	char tag[32];
	snprintf(tag, sizeof(tag), "%.*s", (int)txn_to_tag(st).n, txn_to_tag(st).p);
	/* 17.1.1.3: the ACK of a non-2xx has the INVITE's branch */
	assert_int_equal(feed(request("ACK", BR, 1, tag)), 0);
	assert_int_equal(nack, 0);
	assert_int_equal(nout, 2);                           /* nothing answers an ACK */
	assert_int_equal(txn_get_state(st), TXN_TERMINATED); /* Timer I = 0 */
	turn();
	assert_int_equal(nev, 1);
	assert_int_equal(ev[0].type, TXN_EV_TERMINATED);
	assert_int_equal(refs, 0);
	/* a second ACK has nothing to match: it goes up, never answered */
	feed(request("ACK", BR, 1, tag));
	assert_int_equal(nack, 1);
	assert_int_equal(nout, 2);
}

static void txn_2xx_ack_passed_up(void **state)
{
	(void)state;
	const char *inv = request("INVITE", BR, 1, NULL);
	feed(inv);
	txn *st = reqs[0];
	assert_int_equal(txn_respond(st, 200, NULL), 0);
	assert_int_equal(txn_get_state(st), TXN_ACCEPTED);
	/* RFC 6026 Accepted: the INVITE retransmission is absorbed without answer */
	feed(inv);
	assert_int_equal(nreq, 1);
	assert_int_equal(nout, 2);
	/* the 2xx ACK is a new transaction with its own branch: to the TU */
	feed(request("ACK", "z9hG4bKack2", 1, "x"));
	assert_int_equal(nack, 1);
	/* even an ACK reusing the INVITE's branch goes up while Accepted */
	feed(request("ACK", BR, 1, "x"));
	assert_int_equal(nack, 2);
	assert_int_equal(txn_respond(st, 200, NULL), OPENUM_EINVAL);
	/* Timer L ends it */
	run_all();
	assert_int_equal(nev, 1);
	assert_int_equal(ev[0].type, TXN_EV_TERMINATED);
}

static void txn_timer_h_reports_timeout(void **state)
{
	(void)state;
	feed(request("INVITE", BR, 1, NULL));
	txn *st = reqs[0];
	uint64_t t0 = uv_now(&loop);
	assert_int_equal(txn_respond(st, 486, "Busy Here"), 0);
	run_all(); /* no ACK comes */
	assert_true(uv_now(&loop) - t0 >= 64 * cfg.t1_ms);
	assert_int_equal(nev, 2);
	assert_int_equal(ev[0].type, TXN_EV_TIMEOUT);
	assert_int_equal(ev[0].status, 408);
	assert_int_equal(ev[1].type, TXN_EV_TERMINATED);
	/* a late ACK matches nothing */
	feed(request("ACK", BR, 1, "t"));
	assert_int_equal(nack, 1);
}

static void txn_non_invite_server(void **state)
{
	(void)state;
	const char *opt = request("OPTIONS", "z9hG4bKopt1", 7, NULL);
	feed(opt);
	assert_int_equal(nreq, 1);
	assert_int_equal(nout, 0); /* no 100 for non-INVITE */
	feed(opt);                 /* Trying: discarded */
	assert_int_equal(nreq, 1);
	assert_int_equal(nout, 0);
	txn *st = reqs[0];
	assert_int_equal(txn_respond(st, 100, NULL), 0);
	assert_int_equal(txn_get_state(st), TXN_PROCEEDING);
	feed(opt); /* Proceeding: the provisional again */
	assert_int_equal(nout, 2);
	assert_int_equal(sent_status(1), 100);
	assert_int_equal(txn_respond(st, 200, NULL), 0);
	assert_int_equal(sent_status(2), 200);
	assert_true(sent_has(2, "CSeq: 7 OPTIONS"));
	assert_int_equal(txn_get_state(st), TXN_TERMINATED); /* Timer J = 0 */
	turn();
	assert_int_equal(ev[nev - 1].type, TXN_EV_TERMINATED);
	/* a retransmission after J is a new request for the TU */
	feed(opt);
	assert_int_equal(nreq, 2);
	assert_int_equal(req_method[1], SIP_METHOD_OPTIONS);
}

static void txn_respond_rules(void **state)
{
	(void)state;
	feed(request("BYE", "z9hG4bKbye1", 2, "tt"));
	txn *st = reqs[0];
	assert_int_equal(txn_respond(st, 99, NULL), OPENUM_EINVAL);
	assert_int_equal(txn_respond(st, 700, NULL), OPENUM_EINVAL);
	assert_int_equal(txn_send_response(st, "BYE sip:x SIP/2.0\r\n\r\n", 21), OPENUM_EINVAL);
	/* a TU-built response with a body */
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(txn_response_begin(st, 200, NULL, &b), 0);
	assert_int_equal(sip_print_header_cstr(&b, "Server", "openum"), 0);
	assert_int_equal(sip_print_body(&b, OU_SLICE_LIT("text/plain"), OU_SLICE_LIT("hi")), 0);
	assert_int_equal(txn_send_response(st, b.data, b.len), 0);
	ou_buf_free(&b);
	assert_int_equal(nout, 1);
	/* the request's To tag is kept, not doubled */
	assert_true(sent_has(0, "To: Bob <sip:bob@example.com>;tag=tt"));
	assert_true(sent_has(0, "Server: openum"));
	assert_true(ou_slice_eq_cstr(sent(0)->body, "hi"));
	assert_int_equal(txn_respond(st, 200, NULL), OPENUM_EINVAL); /* ended */
}

static void txn_rfc3261_match_needs_sent_by(void **state)
{
	(void)state;
	const char *inv = request("INVITE", BR, 1, NULL);
	feed(inv);
	/* same branch from another sent-by: another transaction (17.2.3 rule 2) */
	char other[2048];
	snprintf(other, sizeof(other), "%s", inv);
	char *p = strstr(other, "client.example.com:5060");
	memcpy(p, "client.example.com:5070", 23);
	feed(other);
	assert_int_equal(nreq, 2);
	/* same branch, other method: another transaction (rule 3) */
	feed(request("OPTIONS", BR, 1, NULL));
	assert_int_equal(nreq, 3);
	/* branch compared without case */
	feed(request("INVITE", "z9hG4bKINV1", 1, NULL));
	assert_int_equal(nreq, 3);
}

static void txn_rfc2543_matching(void **state)
{
	(void)state;
	/* no magic cookie: Request-URI, tags, Call-ID, CSeq, top Via decide */
	const char *inv = request("INVITE", "old1", 1, NULL);
	feed(inv);
	assert_int_equal(nreq, 1);
	txn *st = reqs[0];
	feed(inv);
	assert_int_equal(nreq, 1); /* retransmission absorbed */
	assert_int_equal(sent_status(1), 100);
	feed(request("INVITE", NULL, 1, NULL)); /* top Via differs */
	assert_int_equal(nreq, 2);
	feed(request("INVITE", "old1", 2, NULL)); /* CSeq differs */
	assert_int_equal(nreq, 3);
	feed(request("INVITE", "old1", 1, "sometag")); /* To tag differs */
	assert_int_equal(nreq, 4);

	assert_int_equal(txn_respond(st, 603, NULL), 0);
	/* the ACK matches only with the To tag of our response */
	feed(request("ACK", "old1", 1, "wrongtag"));
	assert_int_equal(nack, 1);
	assert_int_equal(txn_get_state(st), TXN_COMPLETED);
	char tag[32];
	snprintf(tag, sizeof(tag), "%.*s", (int)txn_to_tag(st).n, txn_to_tag(st).p);
	feed(request("ACK", "old1", 1, tag));
	assert_int_equal(nack, 1);
	assert_int_equal(txn_get_state(st), TXN_TERMINATED);
}

static void txn_bad_request_gets_400(void **state)
{
	(void)state;
	const char *bad = "OPTIONS sip:bob@example.com SIP/2.0\r\n"
	                  "Via: SIP/2.0/TCP client.example.com;branch=z9hG4bKb1\r\n"
	                  "From: <sip:a@example.com>;tag=1\r\n"
	                  "To: <sip:bob@example.com>\r\n"
	                  "CSeq: 1 OPTIONS\r\n"
	                  "Content-Length: 0\r\n\r\n";
	assert_int_not_equal(feed(bad), 0);
	assert_int_equal(nreq, 0);
	assert_int_equal(nout, 1);
	sip_msg *r = sent(0);
	assert_int_equal(r->status, 400);
	assert_true(ou_slice_eq_cstr(r->reason, "Missing Call-ID header"));
	assert_true(sent_has(0, "CSeq: 1 OPTIONS"));
	/* a bad ACK is never answered */
	const char *bad_ack = "ACK sip:bob@example.com SIP/2.0\r\n"
	                      "Via: SIP/2.0/TCP client.example.com;branch=z9hG4bKb1\r\n"
	                      "CSeq: 1 ACK\r\n"
	                      "Content-Length: 0\r\n\r\n";
	assert_int_not_equal(feed(bad_ack), 0);
	assert_int_equal(nout, 1);
	assert_int_equal(nack, 0);
	assert_int_equal(refs, 0);
}

static void txn_server_send_failure(void **state)
{
	(void)state;
	feed(request("INVITE", BR, 1, NULL));
	txn *st = reqs[0];
	send_fail = true;
	assert_int_equal(txn_respond(st, 180, NULL), OPENUM_EIO);
	assert_int_equal(nev, 0); /* never from inside the TU's own call */
	assert_int_equal(txn_respond(st, 200, NULL), OPENUM_EINVAL); /* dead */
	turn();
	assert_int_equal(nev, 2);
	assert_int_equal(ev[0].type, TXN_EV_TRANSPORT_ERROR);
	assert_int_equal(ev[0].status, 503);
	assert_int_equal(ev[1].type, TXN_EV_TERMINATED);
	assert_int_equal(refs, 0);
}

static void txn_server_100_send_failure(void **state)
{
	(void)state;
	send_fail = true;
	feed(request("INVITE", BR, 1, NULL));
	assert_int_equal(nreq, 0); /* the conn is gone: the TU is spared */
	turn();
	assert_int_equal(refs, 0);
}

static void txn_server_peer_closes(void **state)
{
	(void)state;
	feed(request("INVITE", BR, 1, NULL));
	feed_on(CB, request("INVITE", "z9hG4bKother", 1, NULL));
	assert_int_equal(refs, 2);
	txn_conn_closed(L, CA);
	assert_int_equal(nev, 1);
	assert_ptr_equal(ev[0].t, reqs[0]);
	assert_int_equal(ev[0].type, TXN_EV_TRANSPORT_ERROR);
	assert_int_equal(ev[0].status, 503);
	turn();
	assert_int_equal(nev, 2);
	assert_int_equal(ev[1].type, TXN_EV_TERMINATED);
	assert_int_equal(refs, 1); /* the one on CB lives on */
	assert_int_equal(txn_get_state(reqs[1]), TXN_PROCEEDING);
}

static void txn_many_transactions(void **state)
{
	(void)state;
	/* enough to grow the table several times; each retransmission still finds its
	 * own transaction and nobody else's */
	enum { N = 600 };
	static txn *sts[N];
	char br[32];
	for (int i = 0; i < N; i++) {
		snprintf(br, sizeof(br), "z9hG4bKm%d", i);
		feed(request(i % 2 ? "INVITE" : "MESSAGE", br, (unsigned)i + 1, NULL));
		sts[i] = reqs[nreq - 1];
		if (nreq == MAXREC)
			nreq = 0;
		if (nout >= MAXREC - 2)
			reset_records();
	}
	reset_records();
	for (int i = 0; i < N; i += 2) {
		assert_int_equal(txn_respond(sts[i], 202, NULL), 0); /* MESSAGE: ends */
		assert_int_equal(txn_respond(sts[i + 1], 180, NULL), 0);
		turn();
		reset_records();
	}
	assert_int_equal(refs, N / 2); /* the MESSAGEs ended */
	for (int i = N - 1; i >= 0; i--) {
		snprintf(br, sizeof(br), "z9hG4bKm%d", i);
		feed(request(i % 2 ? "INVITE" : "MESSAGE", br, (unsigned)i + 1, NULL));
		if (i % 2) {
			assert_int_equal(nreq, 0);
			assert_int_equal(sent_status(nout - 1), 180);
			char via[96];
			snprintf(via, sizeof(via),
			         "Via: SIP/2.0/TCP client.example.com:5060;branch=%s", br);
			assert_true(sent_has(nout - 1, via));
		} else {
			assert_int_equal(nreq, 1); /* Timer J = 0: a new one */
			assert_int_equal(txn_respond(reqs[0], 200, NULL), 0);
		}
		turn();
		reset_records();
	}
	assert_int_equal(refs, N / 2);
}

static void txn_layer_free_with_live_txns(void **state)
{
	(void)state;
	feed(request("INVITE", BR, 1, NULL));
	feed(request("OPTIONS", "z9hG4bKo", 1, NULL));
	assert_int_equal(refs, 2);
	/* teardown frees the layer: no events, every reference dropped */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(txn_invite_gets_100_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_invite_retransmissions_absorbed, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_non2xx_ack_absorbed, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_2xx_ack_passed_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_timer_h_reports_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_non_invite_server, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_respond_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_rfc3261_match_needs_sent_by, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_rfc2543_matching, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_bad_request_gets_400, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_server_send_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_server_100_send_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_server_peer_closes, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_many_transactions, setup, teardown),
	    cmocka_unit_test_setup_teardown(txn_layer_free_with_live_txns, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
