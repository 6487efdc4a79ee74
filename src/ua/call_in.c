/* The answering side: a new INVITE becomes a call the application rings, answers
 * (200 with the SDP answer, then the ACK) or rejects; and every request inside an
 * established dialog, whichever side made it: BYE, INFO DTMF, re-INVITE (hold and
 * unhold answered with the mirrored direction), OPTIONS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

static net_transport call_tp(const ua_call *c)
{
	return c->peer ? c->peer->peer.transport : NET_TCP;
}

static const net_peer *call_np(const ua_call *c)
{
	return c->peer ? &c->peer->peer : NULL;
}

static void inv_server_cb(void *arg, txn *t, const txn_event *ev)
{
	ua_call *c = arg;
	switch (ev->type) {
	case TXN_EV_CANCELLED: /* the layer sent 200 to the CANCEL and 487 to the INVITE */
		if (c->state == CALL_OFFERED)
			call_end(c, UA_END_REMOTE_HANGUP, 487, "Request Terminated", true);
		break;
	case TXN_EV_TRANSPORT_ERROR:
		if (c->state == CALL_OFFERED || c->state == CALL_WAIT_ACK)
			call_end(c, UA_END_TRANSPORT, 503, "Connection lost", true);
		break;
	case TXN_EV_TERMINATED:
		c->inv = NULL;
		/* the Accepted state ran out (64*T1) and our 2xx was never acknowledged */
		if (c->state == CALL_WAIT_ACK) {
			(void)call_send_bye(c);
			call_end(c, UA_END_TIMEOUT, 408, "No ACK", true);
		}
		break;
	default: break;
	}
	(void)t;
}

void call_in_invite(ua *u, txn *st, sip_msg *req, net_conn *conn, const net_peer *peer)
{
	ou_slice cid;
	if (!u->ev.incoming) {
		(void)txn_respond(st, 480, NULL);
		return;
	}
	if (sip_msg_callid(req, &cid, NULL) || cid.n >= sizeof(((ua_call *)0)->call_id)) {
		(void)txn_respond(st, 400, "Call-ID too long");
		return;
	}
	ua_call *c = call_new(u, true);
	if (!c) {
		(void)txn_respond(st, 500, NULL);
		return;
	}
	ou_slice_copy(cid, c->call_id, sizeof(c->call_id));
	c->peer = ua_peer_get(u, conn, peer);
	c->conn = net_conn_ref(conn);
	if (!c->peer || sip_msg_clone(req, &c->invite)) {
		(void)txn_respond(st, 500, NULL);
		call_release(c);
		return;
	}
	c->inv = st;
	c->state = CALL_OFFERED;
	txn_set_cb(st, inv_server_cb, c);
	call_media_local(c);
	u->ev.incoming(u->arg, c, req, peer);
}

/* The start of a response to st with our Contact (2xx and 18x to an INVITE) and,
 * for the initial INVITE, its Record-Route copied in order (RFC 3261 12.1.1): without
 * them a caller behind a record-routing proxy (Kamailio) sends its ACK and BYE past
 * the proxy, which drops them. */
static int begin_with_contact(ua_call *c, txn *st, unsigned status, ou_buf *b)
{
	char contact[256];
	ua_contact(c->u, call_tp(c), call_np(c), contact, sizeof(contact));
	int err = txn_response_begin(st, status, NULL, b);
	if (!err && st == c->inv && c->invite) {
		for (const sip_hdr *h = sip_msg_hdr(c->invite, SIP_H_RECORD_ROUTE); h && !err;
		     h = sip_msg_hdr_next(c->invite, h))
			err = sip_print_header(b, ou_slice_cstr("Record-Route"), h->value);
	}
	if (!err)
		err = sip_print_header_cstr(b, "Contact", contact);
	if (!err)
		err = sip_print_header_cstr(b, "Server", c->u->user_agent);
	return err;
}

int ua_call_ring(ua_call *c)
{
	if (!c || !c->incoming || c->state != CALL_OFFERED || !c->inv)
		return OPENUM_EINVAL;
	ou_buf b;
	ou_buf_init(&b);
	int err = begin_with_contact(c, c->inv, 180, &b);
	if (!err)
		err = sip_print_body(&b, OU_SLICE_NULL, OU_SLICE_NULL);
	if (!err)
		err = txn_send_response(c->inv, b.data, b.len);
	ou_buf_free(&b);
	return err;
}

static int print_extra(ou_buf *b, const char *line)
{
	const char *colon = strchr(line, ':');
	if (!colon || colon == line)
		return OPENUM_EINVAL;
	return sip_print_header(b, ou_slice_trim(ou_slice_make(line, (size_t)(colon - line))),
	                        ou_slice_trim(ou_slice_cstr(colon + 1)));
}

/* Refuses the INVITE with status and ends the call (from the loop). */
static int refuse(ua_call *c, unsigned status, const char *why, int err)
{
	(void)txn_respond(c->inv, status, why);
	call_end(c, UA_END_REJECTED, status, why ? why : sip_reason_phrase(status), false);
	return err;
}

int ua_call_answer(ua_call *c, const char *const *extra_headers, size_t nextra)
{
	if (!c || !c->incoming || c->state != CALL_OFFERED || !c->inv || !c->invite ||
	    (nextra && !extra_headers))
		return OPENUM_EINVAL;
	ua *u = c->u;
	const char *why = NULL;
	sdp_nego nego;
	ou_buf sdp, b;
	/* RFC 3261 13.2.1: an INVITE without a body leaves the offer to us, in the 2xx;
	 * the answer comes in the ACK (call_in_ack). */
	bool late = c->invite->body.n == 0;
	int err = late ? 0 : call_sdp_parse(c, c->invite, &why);
	if (err == OPENUM_ENOTFOUND)
		return refuse(c, 488, why, err);
	if (err)
		return refuse(c, 400, why, err);
	if ((err = call_media_open(c, &why)))
		return refuse(c, 500, "No media port", err);
	ou_buf_init(&sdp);
	ou_buf_init(&b);
	err = late ? sdp_offer(&c->local, &sdp) : sdp_answer(&u->sdp, &c->local, &sdp, &nego, &why);
	if (err) {
		ou_buf_free(&sdp);
		return refuse(c, err == OPENUM_ENOTFOUND ? 488 : 400, why, err);
	}
	c->offer_in_2xx = late;
	char contact[256];
	ua_contact(u, call_tp(c), call_np(c), contact, sizeof(contact));
	if ((!late && (err = call_media_apply(c, &nego))) ||
	    (err = begin_with_contact(c, c->inv, 200, &b)) ||
	    (err = sip_print_header_cstr(&b, "Allow", DIALOG_ALLOW)))
		goto fail;
	for (size_t i = 0; i < nextra; i++) {
		if (print_extra(&b, extra_headers[i])) {
			/* the application's mistake: the call stays offered */
			ou_buf_free(&sdp);
			ou_buf_free(&b);
			return OPENUM_EINVAL;
		}
	}
	if ((err = sip_print_body(&b, OU_SLICE_LIT("application/sdp"),
	                          ou_slice_make(sdp.data, sdp.len))))
		goto fail;
	dialog *d;
	if ((err = dialog_uas_create(c->invite, txn_to_tag(c->inv), ou_slice_cstr(contact),
	                             call_tp(c) == NET_TLS, &d, &why)))
		goto fail;
	if ((err = dialog_table_add(&u->dialogs, d))) {
		dialog_free(d);
		goto fail;
	}
	d->user = c;
	c->dlg = d;
	if ((err = txn_send_response(c->inv, b.data, b.len)))
		goto fail;
	dialog_confirm(d);
	c->state = CALL_WAIT_ACK;
	c->answered_at = uv_now(u->loop);
	free(c->invite); /* the dialog holds what is still needed */
	c->invite = NULL;
	call_play_start(c);
	ou_buf_free(&sdp);
	ou_buf_free(&b);
	return 0;
fail:
	ou_buf_free(&sdp);
	ou_buf_free(&b);
	return refuse(c, 500, NULL, err);
}

int ua_call_reject(ua_call *c, unsigned status, const char *reason)
{
	if (!c || !c->incoming || c->state != CALL_OFFERED || !c->inv || status < 300 ||
	    status > 699)
		return OPENUM_EINVAL;
	int err = txn_respond(c->inv, status, reason);
	call_end(c, UA_END_REJECTED, status, reason ? reason : sip_reason_phrase(status), false);
	return err;
}

int call_in_hangup(ua_call *c)
{
	int err = txn_respond(c->inv, 480, NULL);
	call_end(c, UA_END_LOCAL_HANGUP, 480, "Hung up before answer", false);
	return err;
}

/* ---- requests inside a dialog --------------------------------------------------- */

static void answer_reinvite(ua_call *c, txn *st, sip_msg *req)
{
	ua *u = c->u;
	const char *why = NULL;
	sdp_nego nego;
	ou_buf sdp, b;
	ou_buf_init(&sdp);
	ou_buf_init(&b);
	int err = call_sdp_parse(c, req, &why);
	c->local.sess_version++;
	c->local.dir = SDP_SENDRECV;
	if (err == OPENUM_ENOTFOUND) {
		/* no offer: ours goes in the 2xx, the answer comes in the ACK (kept as is) */
		err = sdp_offer(&c->local, &sdp);
	} else if (err) {
		(void)txn_respond(st, 400, why);
		goto out;
	} else if ((err = sdp_answer(&u->sdp, &c->local, &sdp, &nego, &why))) {
		/* 3264 8: a refused modification leaves the session as it was */
		c->local.sess_version--;
		(void)txn_respond(st, 488, why);
		goto out;
	} else {
		(void)call_media_apply(c, &nego);
		(void)dialog_target_refresh(c->dlg, req, NULL);
	}
	if (err || begin_with_contact(c, st, 200, &b) ||
	    sip_print_body(&b, OU_SLICE_LIT("application/sdp"), ou_slice_make(sdp.data, sdp.len)) ||
	    txn_send_response(st, b.data, b.len))
		(void)txn_respond(st, 500, NULL);
out:
	ou_buf_free(&sdp);
	ou_buf_free(&b);
}

static void answer_info(ua_call *c, txn *st, sip_msg *req)
{
	const sip_hdr *ct = sip_msg_hdr(req, SIP_H_CONTENT_TYPE);
	sip_ctype t;
	const char *why = NULL;
	char digit;
	unsigned ms;
	if (req->body.n == 0) { /* an empty INFO is a keep-alive probe */
		(void)txn_respond(st, 200, NULL);
		return;
	}
	if (!ct || sip_ctype_parse(ct->value, &t, NULL) ||
	    !ou_slice_caseeq_cstr(t.type, "application") ||
	    !ou_slice_caseeq_cstr(t.subtype, "dtmf-relay")) {
		(void)txn_respond(st, 415, NULL);
		return;
	}
	if (dtmf_info_parse(req->body, &digit, &ms, &why)) {
		(void)txn_respond(st, 400, why);
		return;
	}
	(void)txn_respond(st, 200, NULL);
	if (c->u->ev.dtmf)
		c->u->ev.dtmf(c->u->arg, c, digit, UA_DTMF_INFO);
}

void call_in_request(ua *u, txn *st, sip_msg *req, const net_peer *peer)
{
	dialog *d;
	unsigned status = 0;
	const char *why = NULL;
	if (dialog_table_match_request(&u->dialogs, req, &d, &status, &why)) {
		/* not a call's: a dialog of the application's (a subscription) may own it */
		if ((status == 481 || status == 0) && u->ev.request &&
		    req->method != SIP_METHOD_ACK) {
			u->ev.request(u->arg, u, st, req, peer);
			return;
		}
		(void)txn_respond(st, status ? status : 481, status == 481 ? NULL : why);
		return;
	}
	ua_call *c = d->user;
	switch (req->method) {
	case SIP_METHOD_BYE:
		(void)txn_respond(st, 200, NULL);
		call_end(c, UA_END_REMOTE_HANGUP, 0, "BYE", true);
		break;
	case SIP_METHOD_INFO: answer_info(c, st, req); break;
	case SIP_METHOD_INVITE: answer_reinvite(c, st, req); break;
	case SIP_METHOD_OPTIONS: {
		ou_buf b;
		ou_buf_init(&b);
		if (dialog_options_reply(req, OU_SLICE_NULL, &c->local, &b, NULL) == 0)
			(void)txn_send_response(st, b.data, b.len);
		else
			(void)txn_respond(st, 500, NULL);
		ou_buf_free(&b);
		break;
	}
	default: (void)txn_respond(st, 501, NULL);
	}
}

void call_in_ack(ua *u, sip_msg *ack)
{
	dialog *d;
	unsigned status;
	if (dialog_table_match_request(&u->dialogs, ack, &d, &status, NULL))
		return; /* an ACK nobody knows is dropped (it gets no answer) */
	ua_call *c = d->user;
	if (c->state != CALL_WAIT_ACK)
		return; /* the ACK of a re-INVITE's 2xx, or a retransmission */
	if (c->offer_in_2xx) {
		/* the answer to the offer of our 2xx (RFC 3264 4): no answer or one we cannot
		 * use leaves a dialog without a session, which BYE ends (RFC 3261 13.3.1.4) */
		const char *why = NULL;
		sdp_nego nego;
		int err = call_sdp_parse(c, ack, &why);
		if (!err)
			err = sdp_answer_read(&u->sdp, &c->local, &nego, &why);
		if (!err)
			err = call_media_apply(c, &nego);
		c->offer_in_2xx = false;
		if (err) {
			(void)call_send_bye(c);
			call_end(c, UA_END_REJECTED, 488,
			         err == OPENUM_ENOTFOUND && ack->body.n == 0
			             ? "No SDP answer in the ACK"
			         : why ? why
			               : "Bad SDP answer in the ACK",
			         true);
			return;
		}
	}
	c->state = CALL_CONFIRMED;
	call_rtp_watch_start(c);
	if (u->ev.answered)
		u->ev.answered(u->arg, c);
}
