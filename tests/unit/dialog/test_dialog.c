/* Tests for src/dialog: UAC and UAS dialog creation (RFC 3261 12.1), route set order,
 * in-dialog requests checked by parsing them back (and byte for byte for BYE), strict
 * routing, the CSeq rules of 12.2.2, the dialog table, hold/unhold re-INVITEs, INFO
 * DTMF, ACK to 2xx, and the OPTIONS answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dialog/dialog.h"

/* Messages and their buffers (exact size, for ASan); sip_msg is large: static. */
enum { NMSG = 4 };
static sip_msg msgs[NMSG];
static char *bufs[NMSG];
static sdp_session sdp;

static sip_msg *msg(unsigned slot, const char *text)
{
	const char *why = NULL;
	size_t n = strlen(text);
	free(bufs[slot]);
	bufs[slot] = malloc(n);
	memcpy(bufs[slot], text, n);
	int err = sip_msg_parse(bufs[slot], n, &msgs[slot], &why);
	if (err)
		fail_msg("test message does not parse: %s\n%s", why, text);
	return &msgs[slot];
}

static sip_msg *msg_buf(unsigned slot, const ou_buf *b)
{
	char text[8192];
	assert_true(b->len < sizeof(text));
	memcpy(text, b->data, b->len);
	text[b->len] = '\0';
	return msg(slot, text);
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NMSG; i++) {
		free(bufs[i]);
		bufs[i] = NULL;
	}
	return 0;
}

static void assert_slice(ou_slice s, const char *want)
{
	if (!s.p || s.n != strlen(want) || memcmp(s.p, want, s.n) != 0)
		fail_msg("slice '%.*s' != '%s'", (int)s.n, s.p ? s.p : "", want);
}

static void assert_hdr(sip_msg *m, sip_hdr_id id, const char *want)
{
	const sip_hdr *h = sip_msg_hdr(m, id);
	if (!h) {
		fail_msg("header %s missing", sip_hdr_name(id));
		return; /* fail_msg does not return; said for cppcheck */
	}
	assert_slice(h->value, want);
}

/* The Route values of a message, in order, joined with " | ". */
static void assert_routes(sip_msg *m, const char *want)
{
	char got[1024] = "";
	for (const sip_hdr *h = sip_msg_hdr(m, SIP_H_ROUTE); h; h = sip_msg_hdr_next(m, h)) {
		if (got[0])
			strcat(got, " | ");
		strncat(got, h->value.p, h->value.n);
	}
	assert_string_equal(got, want);
}

static const ou_slice VIA = OU_SLICE_LIT("SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bKdlg1");

/* ---- a UAC dialog: our INVITE, the proxies' Record-Route, Bob's 200 ---- */

static const char uac_invite[] = "INVITE sip:bob@example.com SIP/2.0\r\n"
                                 "Via: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bKinv1\r\n"
                                 "Max-Forwards: 70\r\n"
                                 "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
                                 "To: <sip:bob@example.com>\r\n"
                                 "Call-ID: c1@192.0.2.10\r\n"
                                 "CSeq: 7 INVITE\r\n"
                                 "Contact: <sip:alice@192.0.2.10:5061;transport=tls>\r\n"
                                 "Content-Length: 0\r\n\r\n";

static const char uac_200[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bKinv1\r\n"
    "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr;transport=tls>\r\n"
    "Record-Route: <sip:p0.example.com;lr>\r\n"
    "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
    "To: <sip:bob@example.com>;tag=b2\r\n"
    "Call-ID: c1@192.0.2.10\r\n"
    "CSeq: 7 INVITE\r\n"
    "Contact: <sip:bob@198.51.100.4:5061;transport=tls?Subject=x>;expires=60\r\n"
    "Content-Length: 0\r\n\r\n";

static dialog *make_uac(void)
{
	dialog *d = NULL;
	const char *why = NULL;
	int err = dialog_uac_create(msg(0, uac_invite), msg(1, uac_200), true, &d, &why);
	if (err)
		fail_msg("dialog_uac_create: %d %s", err, why);
	return d;
}

static void test_uac_create(void **state)
{
	(void)state;
	dialog *d = make_uac();
	assert_int_equal(d->role, DIALOG_UAC);
	assert_int_equal(d->state, DIALOG_CONFIRMED);
	assert_false(d->secure); /* sip:, not sips: */
	assert_slice(d->id.call_id, "c1@192.0.2.10");
	assert_slice(d->id.local_tag, "a1");
	assert_slice(d->id.remote_tag, "b2");
	assert_slice(d->local, "\"Alice\" <sip:alice@example.com>;tag=a1");
	assert_slice(d->remote, "<sip:bob@example.com>;tag=b2");
	assert_slice(d->local_contact, "<sip:alice@192.0.2.10:5061;transport=tls>");
	/* the Contact's ?headers do not belong to a Request-URI */
	assert_slice(d->remote_target, "sip:bob@198.51.100.4:5061;transport=tls");
	/* Record-Route top to bottom is p2, p1, p0; a UAC reverses it */
	assert_int_equal(d->nroute, 3);
	assert_slice(d->route[0], "<sip:p0.example.com;lr>");
	assert_slice(d->route[1], "<sip:p1.example.com;lr;transport=tls>");
	assert_slice(d->route[2], "<sip:p2.example.com;lr>");
	assert_true(d->local_cseq_set);
	assert_int_equal(d->local_cseq, 7);
	assert_int_equal(d->invite_cseq, 7);
	assert_false(d->remote_cseq_set);
	/* the dialog keeps its own copies: the messages may go */
	teardown(NULL);
	assert_slice(d->route[0], "<sip:p0.example.com;lr>");
	dialog_free(d);
}

static void test_uac_bye_bytes(void **state)
{
	(void)state;
	dialog *d = make_uac();
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(dialog_bye(d, VIA, &b), 0);
	assert_string_equal(b.data, "BYE sip:bob@198.51.100.4:5061;transport=tls SIP/2.0\r\n"
	                            "Via: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bKdlg1\r\n"
	                            "Max-Forwards: 70\r\n"
	                            "Route: <sip:p0.example.com;lr>\r\n"
	                            "Route: <sip:p1.example.com;lr;transport=tls>\r\n"
	                            "Route: <sip:p2.example.com;lr>\r\n"
	                            "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
	                            "To: <sip:bob@example.com>;tag=b2\r\n"
	                            "Call-ID: c1@192.0.2.10\r\n"
	                            "CSeq: 8 BYE\r\n"
	                            "Content-Length: 0\r\n\r\n");
	assert_int_equal(d->local_cseq, 8);

	/* parsed back, it is a well-formed request of this dialog */
	sip_msg *m = msg_buf(2, &b);
	const char *why = NULL;
	assert_int_equal(sip_msg_check(m, &why), 0);
	const sip_cseq *cs;
	assert_int_equal(sip_msg_cseq(m, &cs, NULL), 0);
	assert_int_equal(cs->method, SIP_METHOD_BYE);
	assert_null(sip_msg_hdr(m, SIP_H_CONTACT)); /* BYE refreshes nothing */
	dialog_id id;
	assert_int_equal(dialog_id_of_request(m, &id, NULL), 0);
	/* seen from Bob, whose local tag is ours remote */
	assert_slice(id.local_tag, "b2");
	assert_slice(id.remote_tag, "a1");
	ou_buf_free(&b);
	dialog_free(d);
}

static void test_uac_create_errors(void **state)
{
	(void)state;
	dialog *d = NULL;
	const char *why = NULL;
	sip_msg *inv = msg(0, uac_invite);

	/* 100 Trying never creates a dialog */
	sip_msg *r =
	    msg(1, "SIP/2.0 100 Trying\r\nVia: SIP/2.0/TLS h;branch=z9hG4bKinv1\r\n"
	           "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n"
	           "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(dialog_uac_create(inv, r, false, &d, &why), OPENUM_EINVAL);
	/* 180 without To tag */
	r = msg(1, "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/TLS h;branch=z9hG4bKinv1\r\n"
	           "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n"
	           "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\nContact: <sip:b@h>\r\n"
	           "Content-Length: 0\r\n\r\n");
	assert_int_equal(dialog_uac_create(inv, r, false, &d, &why), OPENUM_EINVAL);
	assert_string_equal(why, "Provisional response without To tag");
	/* 200 without Contact */
	r = msg(1, "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS h;branch=z9hG4bKinv1\r\n"
	           "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b2\r\n"
	           "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(dialog_uac_create(inv, r, false, &d, &why), OPENUM_ENOTFOUND);
	assert_string_equal(why, "Missing Contact");
	/* a response to another call */
	r = msg(1, "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS h;branch=z9hG4bKinv1\r\n"
	           "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b2\r\n"
	           "Call-ID: other\r\nCSeq: 7 INVITE\r\nContact: <sip:b@h>\r\n"
	           "Content-Length: 0\r\n\r\n");
	assert_int_equal(dialog_uac_create(inv, r, false, &d, &why), OPENUM_EINVAL);
	assert_string_equal(why, "Response does not match the request");
	/* Record-Route that is not a name-addr */
	r = msg(1, "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS h;branch=z9hG4bKinv1\r\n"
	           "Record-Route: sip:p1.example.com;lr\r\n"
	           "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b2\r\n"
	           "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\nContact: <sip:b@h>\r\n"
	           "Content-Length: 0\r\n\r\n");
	assert_int_equal(dialog_uac_create(inv, r, false, &d, &why), OPENUM_EBADMSG);
	assert_string_equal(why, "Bad Record-Route: missing <>");

	/* more Record-Route entries than DIALOG_MAX_ROUTES */
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof(text),
	                            "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS h;branch=z9hG4bKinv1\r\n");
	for (unsigned i = 0; i <= DIALOG_MAX_ROUTES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		                      "Record-Route: <sip:p%u.example.com;lr>\r\n", i);
	snprintf(text + n, sizeof(text) - n,
	         "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b2\r\n"
	         "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\nContact: <sip:b@h>\r\n"
	         "Content-Length: 0\r\n\r\n");
	r = msg(1, text);
	assert_int_equal(dialog_uac_create(inv, r, false, &d, &why), OPENUM_ETOOBIG);
	assert_null(d);
}

/* ---- a UAS dialog ---- */

static const char uas_invite[] = "INVITE sips:um@um.example.com SIP/2.0\r\n"
                                 "Via: SIP/2.0/TLS p1.example.com;branch=z9hG4bKp1\r\n"
                                 "Via: SIP/2.0/TLS 198.51.100.4:5061;branch=z9hG4bKua;rport\r\n"
                                 "Record-Route: <sips:p1.example.com;lr>\r\n"
                                 "Record-Route: <sips:p2.example.com;lr>\r\n"
                                 "Max-Forwards: 69\r\n"
                                 "From: \"Bob\"\r\n <sips:bob@example.com>;tag=bt\r\n"
                                 "To: <sips:um@um.example.com>\r\n"
                                 "Call-ID: uas-call-1\r\n"
                                 "CSeq: 101 INVITE\r\n"
                                 "Contact: <sips:bob@198.51.100.4:5061>\r\n"
                                 "Content-Length: 0\r\n\r\n";

static const ou_slice UAS_CONTACT = OU_SLICE_LIT("<sips:um@192.0.2.20:5061>");

static dialog *make_uas(bool tls)
{
	dialog *d = NULL;
	const char *why = NULL;
	int err =
	    dialog_uas_create(msg(0, uas_invite), OU_SLICE_LIT("ut"), UAS_CONTACT, tls, &d, &why);
	if (err)
		fail_msg("dialog_uas_create: %d %s", err, why);
	return d;
}

static void test_uas_create(void **state)
{
	(void)state;
	dialog *d = make_uas(true);
	assert_int_equal(d->role, DIALOG_UAS);
	assert_int_equal(d->state, DIALOG_EARLY);
	assert_true(d->secure); /* sips Request-URI over TLS */
	assert_slice(d->id.call_id, "uas-call-1");
	assert_slice(d->id.local_tag, "ut");
	assert_slice(d->id.remote_tag, "bt");
	assert_slice(d->local, "<sips:um@um.example.com>;tag=ut");
	/* the folded From is stored on one line */
	assert_slice(d->remote, "\"Bob\"   <sips:bob@example.com>;tag=bt");
	assert_slice(d->remote_target, "sips:bob@198.51.100.4:5061");
	/* a UAS keeps the Record-Route order */
	assert_int_equal(d->nroute, 2);
	assert_slice(d->route[0], "<sips:p1.example.com;lr>");
	assert_slice(d->route[1], "<sips:p2.example.com;lr>");
	assert_true(d->remote_cseq_set);
	assert_int_equal(d->remote_cseq, 101);
	assert_false(d->local_cseq_set);
	dialog_confirm(d);
	assert_int_equal(d->state, DIALOG_CONFIRMED);

	/* the UAS's first request: CSeq 1, From is us with our tag, To is the caller */
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(dialog_bye(d, VIA, &b), 0);
	sip_msg *m = msg_buf(1, &b);
	assert_int_equal(m->method, SIP_METHOD_BYE);
	assert_slice(m->ruri_s, "sips:bob@198.51.100.4:5061");
	assert_routes(m, "<sips:p1.example.com;lr> | <sips:p2.example.com;lr>");
	assert_hdr(m, SIP_H_FROM, "<sips:um@um.example.com>;tag=ut");
	assert_hdr(m, SIP_H_TO, "\"Bob\"   <sips:bob@example.com>;tag=bt");
	assert_hdr(m, SIP_H_CSEQ, "1 BYE");
	assert_hdr(m, SIP_H_CALL_ID, "uas-call-1");
	ou_buf_free(&b);
	dialog_free(d);

	d = make_uas(false);
	assert_false(d->secure); /* sips but not over TLS */
	dialog_free(d);
}

static void test_uas_create_errors(void **state)
{
	(void)state;
	dialog *d = NULL;
	const char *why = NULL;
	sip_msg *inv = msg(0, uas_invite);
	assert_int_equal(dialog_uas_create(inv, OU_SLICE_LIT("a b"), UAS_CONTACT, false, &d, &why),
	                 OPENUM_EINVAL);
	assert_int_equal(dialog_uas_create(inv, OU_SLICE_LIT("t"), OU_SLICE_LIT("<sip:x>\r\nX: y"),
	                                   false, &d, &why),
	                 OPENUM_EINVAL);
	sip_msg *r = msg(1, "INVITE sip:um@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKx\r\n"
	                    "From: <sip:b@h>;tag=1\r\nTo: <sip:um@h>;tag=already\r\nCall-ID: x\r\n"
	                    "CSeq: 1 INVITE\r\nContact: <sip:b@h>\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(dialog_uas_create(r, OU_SLICE_LIT("t"), UAS_CONTACT, false, &d, &why),
	                 OPENUM_EINVAL);
	assert_string_equal(why, "To tag in a dialog-creating request");
	r = msg(1, "INVITE sip:um@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKx\r\n"
	           "From: <sip:b@h>;tag=1\r\nTo: <sip:um@h>\r\nCall-ID: x\r\n"
	           "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(dialog_uas_create(r, OU_SLICE_LIT("t"), UAS_CONTACT, false, &d, &why),
	                 OPENUM_ENOTFOUND);
	assert_string_equal(why, "Missing Contact");
	assert_null(d);
}

/* ---- RFC 3261 12.2.2: CSeq of requests received in a dialog ---- */

static sip_msg *in_dialog(unsigned slot, const char *method, unsigned cseq, const char *to_tag)
{
	char text[1024];
	snprintf(text, sizeof(text),
	         "%s sips:um@192.0.2.20:5061 SIP/2.0\r\n"
	         "Via: SIP/2.0/TLS 198.51.100.4:5061;branch=z9hG4bK%s%u\r\n"
	         "From: <sips:bob@example.com>;tag=bt\r\nTo: <sips:um@um.example.com>;tag=%s\r\n"
	         "Call-ID: uas-call-1\r\nCSeq: %u %s\r\n"
	         "Contact: <sips:bob@198.51.100.9:5061>\r\nContent-Length: 0\r\n\r\n",
	         method, method, cseq, to_tag, cseq, method);
	return msg(slot, text);
}

static void test_cseq_rules(void **state)
{
	(void)state;
	dialog *d = make_uas(true);
	unsigned status;
	const char *why = NULL;

	/* lower than the INVITE's 101: out of order, 500 */
	assert_int_equal(dialog_check_request(d, in_dialog(1, "INFO", 100, "ut"), &status, &why),
	                 OPENUM_EINVAL);
	assert_int_equal(status, 500);
	assert_string_equal(why, "CSeq out of order");
	assert_int_equal(d->remote_cseq, 101);
	/* the ACK carries the INVITE's number and passes, changing nothing */
	assert_int_equal(dialog_check_request(d, in_dialog(1, "ACK", 101, "ut"), &status, &why), 0);
	assert_int_equal(status, 0);
	/* higher: accepted, and the sequence moves */
	assert_int_equal(dialog_check_request(d, in_dialog(1, "INFO", 105, "ut"), &status, &why),
	                 0);
	assert_int_equal(d->remote_cseq, 105);
	assert_int_equal(dialog_check_request(d, in_dialog(1, "INFO", 104, "ut"), &status, &why),
	                 OPENUM_EINVAL);
	assert_int_equal(status, 500);
	/* equal is not lower: only the transaction layer knows a retransmission */
	assert_int_equal(dialog_check_request(d, in_dialog(1, "INFO", 105, "ut"), &status, &why),
	                 0);
	assert_int_equal(status, 0);
	/* an ACK with an old number is never answered */
	assert_int_equal(dialog_check_request(d, in_dialog(1, "ACK", 3, "ut"), &status, &why), 0);
	/* gaps are fine (12.2.2 asks for more, not for one more) */
	assert_int_equal(dialog_check_request(d, in_dialog(1, "BYE", 200, "ut"), &status, &why), 0);
	assert_int_equal(d->remote_cseq, 200);
	/* after BYE the dialog is gone: 481 */
	dialog_terminate(d);
	assert_int_equal(dialog_check_request(d, in_dialog(1, "INFO", 300, "ut"), &status, &why),
	                 OPENUM_ENOTFOUND);
	assert_int_equal(status, 481);

	/* a UAC dialog has no remote sequence yet: any first number is accepted */
	dialog *u = make_uac();
	sip_msg *m = msg(2, "INFO sip:alice@192.0.2.10:5061 SIP/2.0\r\n"
	                    "Via: SIP/2.0/TLS 198.51.100.4;branch=z9hG4bKi1\r\n"
	                    "From: <sip:bob@example.com>;tag=b2\r\n"
	                    "To: <sip:alice@example.com>;tag=a1\r\nCall-ID: c1@192.0.2.10\r\n"
	                    "CSeq: 1 INFO\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(dialog_check_request(u, m, &status, &why), 0);
	assert_true(u->remote_cseq_set);
	assert_int_equal(u->remote_cseq, 1);
	dialog_free(u);
	dialog_free(d);
}

/* ---- the table ---- */

static void test_table(void **state)
{
	(void)state;
	dialog_table t;
	dialog *d;
	unsigned status;
	const char *why;
	assert_int_equal(dialog_table_init(&t), 0);

	dialog *uas = make_uas(true);
	dialog *uac = make_uac();
	assert_int_equal(dialog_table_add(&t, uas), 0);
	assert_int_equal(dialog_table_add(&t, uac), 0);
	assert_int_equal(t.count, 2);

	/* a second dialog with the same id is refused */
	dialog *dup = make_uas(true);
	assert_int_equal(dialog_table_add(&t, dup), OPENUM_EDUP);
	dialog_free(dup);

	/* an in-dialog request finds its dialog and passes the CSeq check */
	assert_int_equal(
	    dialog_table_match_request(&t, in_dialog(1, "BYE", 102, "ut"), &d, &status, &why), 0);
	assert_ptr_equal(d, uas);
	assert_int_equal(uas->remote_cseq, 102);
	/* ... or gets the 500 of its dialog */
	assert_int_equal(
	    dialog_table_match_request(&t, in_dialog(1, "INFO", 50, "ut"), &d, &status, &why),
	    OPENUM_EINVAL);
	assert_int_equal(status, 500);
	/* unknown To tag: 481 */
	assert_int_equal(
	    dialog_table_match_request(&t, in_dialog(1, "BYE", 103, "zz"), &d, &status, &why),
	    OPENUM_ENOTFOUND);
	assert_int_equal(status, 481);
	assert_null(d);
	/* an ACK nobody knows gets no answer */
	assert_int_equal(
	    dialog_table_match_request(&t, in_dialog(1, "ACK", 103, "zz"), &d, &status, &why),
	    OPENUM_ENOTFOUND);
	assert_int_equal(status, 0);
	/* no To tag: not in a dialog at all */
	assert_int_equal(dialog_table_match_request(&t, msg(1, uas_invite), &d, &status, &why),
	                 OPENUM_ENOTFOUND);
	assert_int_equal(status, 0);
	/* a response finds its UAC dialog by From tag (local) and To tag (remote) */
	assert_ptr_equal(dialog_table_match_response(&t, msg(1, uac_200)), uac);

	dialog_table_remove(&t, uac);
	assert_int_equal(t.count, 1);
	assert_null(dialog_table_match_response(&t, msg(1, uac_200)));
	dialog_free(uac);

	/* many dialogs: the table grows and still finds every one */
	enum { MANY = 1000 };
	dialog *all[MANY];
	for (unsigned i = 0; i < MANY; i++) {
		char tag[16];
		snprintf(tag, sizeof(tag), "t%u", i);
		const char *w = NULL;
		assert_int_equal(dialog_uas_create(msg(0, uas_invite), ou_slice_cstr(tag),
		                                   UAS_CONTACT, false, &all[i], &w),
		                 0);
		assert_int_equal(dialog_table_add(&t, all[i]), 0);
	}
	assert_true(t.nbucket >= MANY);
	for (unsigned i = 0; i < MANY; i++) {
		char tag[16];
		snprintf(tag, sizeof(tag), "t%u", i);
		dialog_id id = {OU_SLICE_LIT("uas-call-1"), ou_slice_cstr(tag), OU_SLICE_LIT("bt")};
		assert_ptr_equal(dialog_table_find(&t, &id), all[i]);
	}
	dialog_id none = {OU_SLICE_LIT("uas-call-1"), OU_SLICE_LIT("t1"), OU_SLICE_LIT("b")};
	assert_null(dialog_table_find(&t, &none));
	dialog_table_free(&t); /* frees the rest (ASan checks for leaks) */
}

/* ---- hold / unhold, ACK, INFO ---- */

static void local_sdp(sdp_local *l)
{
	memset(l, 0, sizeof(*l));
	l->addr = OU_SLICE_LIT("192.0.2.10");
	l->port = 30000;
	l->sess_id = 99;
	l->sess_version = 1;
	l->dir = SDP_SENDRECV;
	l->te_pt = SDP_PT_TE_DEFAULT;
}

static sdp_dir reinvite_dir(sip_msg *m, uint64_t *version)
{
	const char *why = NULL;
	assert_int_equal(m->method, SIP_METHOD_INVITE);
	assert_hdr(m, SIP_H_CONTENT_TYPE, "application/sdp");
	int err = sdp_parse(m->body, &sdp, &why);
	if (err)
		fail_msg("re-INVITE SDP: %s", why);
	*version = sdp.sess_version;
	return sdp_media_dir(&sdp, 0);
}

static void test_hold_unhold_ack(void **state)
{
	(void)state;
	dialog *d = make_uac();
	sdp_local l;
	ou_buf b;
	uint64_t ver;
	local_sdp(&l);
	ou_buf_init(&b);

	assert_int_equal(dialog_hold(d, VIA, &l, true, &b), 0);
	sip_msg *m = msg_buf(2, &b);
	assert_int_equal(reinvite_dir(m, &ver), SDP_SENDONLY);
	assert_int_equal(ver, 2); /* a changed description, a new version */
	assert_hdr(m, SIP_H_CSEQ, "8 INVITE");
	assert_hdr(m, SIP_H_CONTACT, "<sip:alice@192.0.2.10:5061;transport=tls>");
	assert_slice(m->ruri_s, "sip:bob@198.51.100.4:5061;transport=tls");
	assert_routes(m, "<sip:p0.example.com;lr> | <sip:p1.example.com;lr;transport=tls> | "
	                 "<sip:p2.example.com;lr>");
	assert_int_equal(d->invite_cseq, 8);

	/* the ACK to its 2xx reuses the INVITE's number and moves nothing */
	ou_buf_reset(&b);
	assert_int_equal(dialog_ack(d, VIA, OU_SLICE_NULL, OU_SLICE_NULL, &b), 0);
	m = msg_buf(2, &b);
	assert_int_equal(m->method, SIP_METHOD_ACK);
	assert_hdr(m, SIP_H_CSEQ, "8 ACK");
	assert_null(sip_msg_hdr(m, SIP_H_CONTACT));
	assert_int_equal(d->local_cseq, 8);

	ou_buf_reset(&b);
	assert_int_equal(dialog_hold(d, VIA, &l, false, &b), 0);
	m = msg_buf(2, &b);
	assert_int_equal(reinvite_dir(m, &ver), SDP_SENDRECV);
	assert_int_equal(ver, 3);
	assert_hdr(m, SIP_H_CSEQ, "9 INVITE");

	/* INFO with a DTMF digit */
	ou_buf_reset(&b);
	assert_int_equal(dialog_info_dtmf(d, VIA, '#', 0, &b), 0);
	m = msg_buf(2, &b);
	assert_int_equal(m->method, SIP_METHOD_INFO);
	assert_hdr(m, SIP_H_CSEQ, "10 INFO");
	assert_hdr(m, SIP_H_CONTENT_TYPE, "application/dtmf-relay");
	assert_slice(m->body, "Signal=#\r\nDuration=160\r\n");
	ou_buf_reset(&b);
	assert_int_equal(dialog_info_dtmf(d, VIA, 'b', 250, &b), 0);
	m = msg_buf(2, &b);
	assert_slice(m->body, "Signal=B\r\nDuration=250\r\n");

	/* refused requests print nothing and use no CSeq */
	ou_buf_reset(&b);
	assert_int_equal(dialog_info_dtmf(d, VIA, 'x', 0, &b), OPENUM_EINVAL);
	assert_int_equal(dialog_request(d, SIP_METHOD_CANCEL, &(dialog_req){.via = VIA}, &b),
	                 OPENUM_EINVAL);
	assert_int_equal(dialog_bye(d, OU_SLICE_NULL, &b), OPENUM_EINVAL);
	dialog_req bad = {.via = VIA, .nextra = 1};
	bad.extra_name[0] = OU_SLICE_LIT("X-Evil");
	bad.extra_value[0] = OU_SLICE_LIT("a\r\nInjected: yes");
	assert_int_equal(dialog_request(d, SIP_METHOD_INFO, &bad, &b), OPENUM_EINVAL);
	assert_int_equal(b.len, 0);
	assert_int_equal(d->local_cseq, 11);
	l.port = 0; /* a bad SDP description keeps the old version */
	assert_int_equal(dialog_hold(d, VIA, &l, true, &b), OPENUM_EINVAL);
	assert_int_equal(l.sess_version, 3);
	assert_int_equal(l.dir, SDP_SENDRECV);

	/* extra headers go after Contact */
	dialog_req r = {.via = VIA, .nextra = 1};
	r.extra_name[0] = OU_SLICE_LIT("User-Agent");
	r.extra_value[0] = OU_SLICE_LIT("openum");
	assert_int_equal(dialog_request(d, SIP_METHOD_OPTIONS, &r, &b), 0);
	m = msg_buf(2, &b);
	assert_hdr(m, SIP_H_USER_AGENT, "openum");
	assert_hdr(m, SIP_H_CSEQ, "12 OPTIONS");

	/* 481 to an in-dialog request ends the dialog; nothing more may be sent */
	assert_int_equal(
	    dialog_handle_response(d,
	                           msg(3, "SIP/2.0 481 Call/Transaction Does Not Exist\r\n"
	                                  "Via: SIP/2.0/TLS h;branch=z9hG4bKdlg1\r\n"
	                                  "From: <sip:alice@example.com>;tag=a1\r\n"
	                                  "To: <sip:bob@example.com>;tag=b2\r\n"
	                                  "Call-ID: c1@192.0.2.10\r\nCSeq: 12 OPTIONS\r\n"
	                                  "Content-Length: 0\r\n\r\n"),
	                           NULL),
	    0);
	assert_int_equal(d->state, DIALOG_TERMINATED);
	ou_buf_reset(&b);
	assert_int_equal(dialog_bye(d, VIA, &b), OPENUM_EINVAL);
	ou_buf_free(&b);
	dialog_free(d);
}

/* ---- strict routing, early dialogs, target refresh ---- */

static void test_strict_route(void **state)
{
	(void)state;
	dialog *d = NULL;
	const char *why = NULL;
	sip_msg *r =
	    msg(1, "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS h;branch=z9hG4bKinv1\r\n"
	           "Record-Route: <sip:p2.example.com;lr>\r\n"
	           "Record-Route: <sip:strict.example.com;maddr=192.0.2.99>\r\n"
	           "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b2\r\n"
	           "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\n"
	           "Contact: <sip:bob@198.51.100.4>\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(dialog_uac_create(msg(0, uac_invite), r, false, &d, &why), 0);
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(dialog_bye(d, VIA, &b), 0);
	sip_msg *m = msg_buf(2, &b);
	/* RFC 3261 12.2.1.1: the strict router becomes the Request-URI and the
	 * remote target goes to the end of the Route set */
	assert_slice(m->ruri_s, "sip:strict.example.com;maddr=192.0.2.99");
	assert_routes(m, "<sip:p2.example.com;lr> | <sip:bob@198.51.100.4>");
	ou_buf_free(&b);
	dialog_free(d);
}

static void test_early_then_confirmed(void **state)
{
	(void)state;
	dialog *d = NULL;
	const char *why = NULL;
	sip_msg *r =
	    msg(1, "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/TLS h;branch=z9hG4bKinv1\r\n"
	           "Record-Route: <sip:early.example.com;lr>\r\n"
	           "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b2\r\n"
	           "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\n"
	           "Contact: <sip:bob@10.9.9.9>\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(dialog_uac_create(msg(0, uac_invite), r, false, &d, &why), 0);
	assert_int_equal(d->state, DIALOG_EARLY);
	assert_int_equal(d->nroute, 1);
	/* the 2xx fixes route set and target */
	assert_int_equal(dialog_handle_response(d, msg(1, uac_200), &why), 0);
	assert_int_equal(d->state, DIALOG_CONFIRMED);
	assert_int_equal(d->nroute, 3);
	assert_slice(d->route[0], "<sip:p0.example.com;lr>");
	assert_slice(d->remote_target, "sip:bob@198.51.100.4:5061;transport=tls");
	/* the id did not move */
	assert_slice(d->id.remote_tag, "b2");
	assert_slice(d->local, "\"Alice\" <sip:alice@example.com>;tag=a1");

	/* a 2xx to a later re-INVITE only refreshes the target, never the routes */
	assert_int_equal(
	    dialog_handle_response(d,
	                           msg(1, "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS h;branch=z9hG4bKr\r\n"
	                                  "Record-Route: <sip:other.example.com;lr>\r\n"
	                                  "From: <sip:alice@example.com>;tag=a1\r\n"
	                                  "To: <sip:bob@example.com>;tag=b2\r\n"
	                                  "Call-ID: c1@192.0.2.10\r\nCSeq: 8 INVITE\r\n"
	                                  "Contact: <sip:bob@203.0.113.77>\r\n"
	                                  "Content-Length: 0\r\n\r\n"),
	                           &why),
	    0);
	assert_slice(d->remote_target, "sip:bob@203.0.113.77");
	assert_int_equal(d->nroute, 3);
	assert_slice(d->route[2], "<sip:p2.example.com;lr>");
	dialog_free(d);
}

static void test_target_refresh(void **state)
{
	(void)state;
	dialog *d = make_uas(true);
	const char *why = NULL;
	/* a re-INVITE from Bob, accepted: his new Contact is the target */
	assert_int_equal(dialog_target_refresh(d, in_dialog(1, "INVITE", 102, "ut"), &why), 0);
	assert_slice(d->remote_target, "sips:bob@198.51.100.9:5061");
	assert_slice(d->route[1], "<sips:p2.example.com;lr>");
	assert_slice(d->local, "<sips:um@um.example.com>;tag=ut");
	/* without Contact the target stays */
	sip_msg *m = msg(1, "UPDATE sips:um@192.0.2.20 SIP/2.0\r\n"
	                    "Via: SIP/2.0/TLS 198.51.100.4;branch=z9hG4bKu\r\n"
	                    "From: <sips:bob@example.com>;tag=bt\r\nTo: <sips:um@h>;tag=ut\r\n"
	                    "Call-ID: uas-call-1\r\nCSeq: 103 UPDATE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(dialog_target_refresh(d, m, &why), OPENUM_ENOTFOUND);
	assert_slice(d->remote_target, "sips:bob@198.51.100.9:5061");
	dialog_free(d);
}

/* ---- OPTIONS outside dialogs ---- */

static void test_options_reply(void **state)
{
	(void)state;
	ou_buf b;
	const char *why = NULL;
	sdp_local l;
	ou_buf_init(&b);
	sip_msg *req = msg(0, "OPTIONS sip:um@192.0.2.20 SIP/2.0\r\n"
	                      "Via: SIP/2.0/TCP p1.example.com;branch=z9hG4bKo1\r\n"
	                      "Via: SIP/2.0/TCP 198.51.100.4:5060;branch=z9hG4bKo0;rport=5060\r\n"
	                      "From: <sip:monitor@example.com>\r\n ;tag=m1\r\n"
	                      "To: <sip:um@192.0.2.20>\r\n"
	                      "Call-ID: opt-1\r\nCSeq: 42 OPTIONS\r\nMax-Forwards: 70\r\n"
	                      "Accept: application/sdp\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(dialog_options_reply(req, OU_SLICE_LIT("o1"), NULL, &b, &why), 0);
	assert_string_equal(b.data,
	                    "SIP/2.0 200 OK\r\n"
	                    "Via: SIP/2.0/TCP p1.example.com;branch=z9hG4bKo1\r\n"
	                    "Via: SIP/2.0/TCP 198.51.100.4:5060;branch=z9hG4bKo0;rport=5060\r\n"
	                    "From: <sip:monitor@example.com> ;tag=m1\r\n"
	                    "To: <sip:um@192.0.2.20>;tag=o1\r\n"
	                    "Call-ID: opt-1\r\n"
	                    "CSeq: 42 OPTIONS\r\n"
	                    "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO\r\n"
	                    "Accept: application/sdp, application/dtmf-relay\r\n"
	                    "Supported:\r\n"
	                    "Content-Length: 0\r\n\r\n");
	sip_msg *m = msg_buf(1, &b);
	assert_int_equal(m->status, 200);
	const sip_via *v;
	unsigned n;
	assert_int_equal(sip_msg_vias(m, &v, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_slice(v[1].branch, "z9hG4bKo0");

	/* with our SDP, and a To that already has a tag keeps it */
	local_sdp(&l);
	ou_buf_reset(&b);
	req = msg(0, "OPTIONS sip:um@192.0.2.20 SIP/2.0\r\n"
	             "Via: SIP/2.0/TCP 198.51.100.4;branch=z9hG4bKo2\r\n"
	             "From: <sip:b@example.com>;tag=x\r\nTo: <sip:um@192.0.2.20>;tag=keep\r\n"
	             "Call-ID: opt-2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(dialog_options_reply(req, OU_SLICE_LIT("o1"), &l, &b, &why), 0);
	m = msg_buf(1, &b);
	assert_hdr(m, SIP_H_TO, "<sip:um@192.0.2.20>;tag=keep");
	assert_hdr(m, SIP_H_CONTENT_TYPE, "application/sdp");
	assert_int_equal(sdp_parse(m->body, &sdp, &why), 0);
	assert_int_equal(sdp.media[0].port, 30000);

	/* only OPTIONS */
	ou_buf_reset(&b);
	assert_int_equal(
	    dialog_options_reply(msg(0, uas_invite), OU_SLICE_LIT("o1"), NULL, &b, &why),
	    OPENUM_EINVAL);
	assert_int_equal(b.len, 0);
	ou_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_uac_create, teardown),
	    cmocka_unit_test_teardown(test_uac_bye_bytes, teardown),
	    cmocka_unit_test_teardown(test_uac_create_errors, teardown),
	    cmocka_unit_test_teardown(test_uas_create, teardown),
	    cmocka_unit_test_teardown(test_uas_create_errors, teardown),
	    cmocka_unit_test_teardown(test_cseq_rules, teardown),
	    cmocka_unit_test_teardown(test_table, teardown),
	    cmocka_unit_test_teardown(test_hold_unhold_ack, teardown),
	    cmocka_unit_test_teardown(test_strict_route, teardown),
	    cmocka_unit_test_teardown(test_early_then_confirmed, teardown),
	    cmocka_unit_test_teardown(test_target_refresh, teardown),
	    cmocka_unit_test_teardown(test_options_reply, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
