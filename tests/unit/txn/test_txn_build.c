/* Tests for src/txn/build.c: responses built from a request (RFC 3261 8.2.6) and the
 * random branches and tags. The ACK and CANCEL builders are checked through the
 * client tests, where the transaction sends them. */
#include "txn_fake.h"

static sip_msg msg;

static sip_msg *parse(const char *s)
{
	assert_int_equal(sip_msg_parse(s, strlen(s), &msg, NULL), 0);
	return &msg;
}

static bool has_line(const ou_buf *b, const char *line)
{
	char want[512];
	snprintf(want, sizeof(want), "\r\n%s\r\n", line);
	return b->data && strstr(b->data, want) != NULL;
}

static const char REQ[] = "INVITE sip:bob@example.com SIP/2.0\r\n"
                          "v: SIP/2.0/TCP a.example.com;branch=z9hG4bK1,\r\n"
                          "   SIP/2.0/TLS b.example.com;branch=z9hG4bK2\r\n"
                          "Via: SIP/2.0/TLS c.example.com;branch=z9hG4bK3;received=192.0.2.3\r\n"
                          "Max-Forwards: 69\r\n"
                          "f: \"Alice\" <sip:alice@example.com>;tag=af\r\n"
                          "t: <sip:bob@example.com>\r\n"
                          "i: cid-1\r\n"
                          "CSeq: 4 INVITE\r\n"
                          "Timestamp: 54.2\r\n"
                          "Contact: <sip:alice@a.example.com>\r\n"
                          "Content-Type: application/sdp\r\n"
                          "Content-Length: 4\r\n\r\n"
                          "v=0\n";

static void txn_build_copies_8_2_6_headers(void **state)
{
	(void)state;
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(txn_build_response(parse(REQ), 486, NULL, OU_SLICE_LIT("tt1"), &b), 0);
	assert_true(strncmp(b.data, "SIP/2.0 486 Busy Here\r\n", 23) == 0);
	/* the folded Via comes out on one line, the Vias in their order */
	const char *v1 = strstr(b.data, "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bK1, "
	                                "SIP/2.0/TLS b.example.com;branch=z9hG4bK2\r\n");
	const char *v2 = strstr(b.data, "Via: SIP/2.0/TLS c.example.com;branch=z9hG4bK3;"
	                                "received=192.0.2.3\r\n");
	assert_non_null(v1);
	assert_non_null(v2);
	assert_true(v1 < v2);
	assert_true(has_line(&b, "From: \"Alice\" <sip:alice@example.com>;tag=af"));
	assert_true(has_line(&b, "To: <sip:bob@example.com>;tag=tt1"));
	assert_true(has_line(&b, "Call-ID: cid-1"));
	assert_true(has_line(&b, "CSeq: 4 INVITE"));
	assert_true(has_line(&b, "Content-Length: 0"));
	assert_null(strstr(b.data, "Timestamp")); /* only in 100 */
	assert_null(strstr(b.data, "Contact"));
	assert_null(strstr(b.data, "Max-Forwards"));
	assert_null(strstr(b.data, "v=0"));
	/* it parses and passes the checks a peer would run */
	sip_msg r;
	assert_int_equal(sip_msg_parse(b.data, b.len, &r, NULL), 0);
	assert_int_equal(r.status, 486);
	assert_int_equal(r.body.n, 0);
	const sip_via *via;
	unsigned n;
	assert_int_equal(sip_msg_vias(&r, &via, &n, NULL), 0);
	assert_int_equal(n, 3);
	ou_buf_free(&b);
}

static void txn_build_tag_rules(void **state)
{
	(void)state;
	ou_buf b;
	ou_buf_init(&b);
	/* 100: no tag asked, Timestamp echoed */
	assert_int_equal(txn_build_response(parse(REQ), 100, NULL, OU_SLICE_NULL, &b), 0);
	assert_true(has_line(&b, "To: <sip:bob@example.com>"));
	assert_true(has_line(&b, "Timestamp: 54.2"));
	/* a To that has a tag keeps it alone */
	ou_buf_reset(&b);
	const char *in_dialog = request("BYE", "z9hG4bKx", 9, "mine");
	assert_int_equal(
	    txn_build_response(parse(in_dialog), 200, "Bye now", OU_SLICE_LIT("other"), &b), 0);
	assert_true(strncmp(b.data, "SIP/2.0 200 Bye now\r\n", 21) == 0);
	assert_true(has_line(&b, "To: Bob <sip:bob@example.com>;tag=mine"));
	assert_null(strstr(b.data, "other"));
	ou_buf_free(&b);
}

static void txn_build_begin_then_body(void **state)
{
	(void)state;
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(txn_build_response_begin(parse(REQ), 200, NULL, OU_SLICE_LIT("t"), &b), 0);
	assert_null(strstr(b.data, "Content-Length"));
	assert_int_equal(sip_print_header_cstr(&b, "Contact", "<sip:bob@b.example.com>"), 0);
	assert_int_equal(
	    sip_print_body(&b, OU_SLICE_LIT("application/sdp"), OU_SLICE_LIT("v=0\r\n")), 0);
	sip_msg r;
	assert_int_equal(sip_msg_parse(b.data, b.len, &r, NULL), 0);
	assert_true(ou_slice_eq_cstr(r.body, "v=0\r\n"));
	assert_non_null(sip_msg_hdr(&r, SIP_H_CONTACT));
	ou_buf_free(&b);
}

static void txn_build_refuses(void **state)
{
	(void)state;
	ou_buf b;
	ou_buf_init(&b);
	ou_buf_append_cstr(&b, "keep");
	/* an ACK is never answered */
	assert_int_equal(txn_build_response(parse(request("ACK", "z9hG4bKa", 1, "t")), 200, NULL,
	                                    OU_SLICE_NULL, &b),
	                 OPENUM_EINVAL);
	/* nor is a response */
	assert_int_equal(txn_build_response(parse("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
	                                    200, NULL, OU_SLICE_NULL, &b),
	                 OPENUM_EINVAL);
	/* a reason phrase may not smuggle a header in */
	assert_int_equal(txn_build_response(parse(REQ), 400, "x\r\nEvil: 1", OU_SLICE_NULL, &b),
	                 OPENUM_EINVAL);
	assert_int_equal(txn_build_response(parse(REQ), 99, NULL, OU_SLICE_NULL, &b),
	                 OPENUM_EINVAL);
	assert_int_equal(b.len, 4); /* left as it was */
	assert_string_equal(b.data, "keep");
	ou_buf_free(&b);
}

static void txn_build_broken_request(void **state)
{
	(void)state;
	/* a 400 must still be possible: missing headers are skipped, a To that does
	 * not parse is copied without a tag */
	ou_buf b;
	ou_buf_init(&b);
	const char *bad = "OPTIONS sip:x@example.com SIP/2.0\r\n"
	                  "Via: SIP/2.0/TCP h;branch=z9hG4bKq\r\n"
	                  "To: <<<\r\n"
	                  "Content-Length: 0\r\n\r\n";
	assert_int_equal(txn_build_response(parse(bad), 400, "Bad To", OU_SLICE_LIT("t"), &b), 0);
	assert_true(has_line(&b, "Via: SIP/2.0/TCP h;branch=z9hG4bKq"));
	assert_true(has_line(&b, "To: <<<"));
	assert_null(strstr(b.data, "From"));
	assert_null(strstr(b.data, "CSeq"));
	ou_buf_free(&b);
}

static void txn_build_branch_and_tag(void **state)
{
	(void)state;
	char b1[TXN_BRANCH_LEN + 1], b2[TXN_BRANCH_LEN + 1];
	char t1[TXN_TAG_LEN + 1], t2[TXN_TAG_LEN + 1];
	assert_int_equal(txn_new_branch(b1), 0);
	assert_int_equal(txn_new_branch(b2), 0);
	assert_int_equal(strlen(b1), TXN_BRANCH_LEN);
	assert_true(strncmp(b1, TXN_MAGIC_COOKIE, 7) == 0);
	assert_string_not_equal(b1, b2);
	for (size_t i = 0; i < TXN_BRANCH_LEN; i++)
		assert_true(ou_is((unsigned char)b1[i], OU_C_TOKEN));
	assert_int_equal(txn_new_tag(t1), 0);
	assert_int_equal(txn_new_tag(t2), 0);
	assert_int_equal(strlen(t1), TXN_TAG_LEN);
	assert_string_not_equal(t1, t2);
	for (size_t i = 0; i < TXN_TAG_LEN; i++)
		assert_true(ou_is((unsigned char)t1[i], OU_C_HEX));
	/* a branch we make is one the client side accepts */
	sip_via v;
	char via[128];
	snprintf(via, sizeof(via), "SIP/2.0/TCP h;branch=%s", b1);
	assert_int_equal(sip_via_parse(ou_slice_cstr(via), &v, NULL), 0);
	assert_true(ou_slice_eq_cstr(v.branch, b1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(txn_build_copies_8_2_6_headers),
	    cmocka_unit_test(txn_build_tag_rules),
	    cmocka_unit_test(txn_build_begin_then_body),
	    cmocka_unit_test(txn_build_refuses),
	    cmocka_unit_test(txn_build_broken_request),
	    cmocka_unit_test(txn_build_branch_and_tag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
