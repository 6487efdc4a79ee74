/* The calling side: ua_call_dial sends an INVITE with our SDP offer over a TCP or TLS
 * connection to the next hop, reports progress, acknowledges the 2xx and starts the
 * media; CANCEL on hang-up or when the dial timer runs out; BYE to end. */
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

int call_send_bye(ua_call *c)
{
	char via[160];
	ou_buf b;
	if (!c->dlg)
		return OPENUM_EINVAL;
	int err = ua_via(c->u, call_tp(c), call_np(c), via, sizeof(via));
	if (err)
		return err;
	ou_buf_init(&b);
	err = dialog_bye(c->dlg, ou_slice_cstr(via), &b);
	if (!err)
		err = ua_send_in_dialog(c, &b, NULL, NULL); /* nobody waits for its 200 */
	ou_buf_free(&b);
	return err;
}

int call_out_hangup(ua_call *c)
{
	if (c->state == CALL_DIALING) {
		if (c->cancelling || c->timing_out)
			return 0;
		c->cancelling = true;
		/* the outcome (normally 487) ends the call from the loop */
		if (c->inv && txn_cancel(c->inv) == 0)
			return 0;
		call_end(c, UA_END_LOCAL_HANGUP, 0, "Cancelled", false);
		return 0;
	}
	int err = call_send_bye(c);
	call_end(c, UA_END_LOCAL_HANGUP, 0, "BYE sent", false);
	return err;
}

static void dial_timeout(uv_timer_t *t)
{
	ua_call *c = t->data;
	if (c->state != CALL_DIALING || c->cancelling || c->timing_out)
		return;
	c->timing_out = true;
	if (!c->inv || txn_cancel(c->inv) != 0)
		call_end(c, UA_END_TIMEOUT, 408, "No answer", true);
}

static int send_ack(ua_call *c)
{
	char via[160];
	ou_buf b;
	int err = ua_via(c->u, call_tp(c), call_np(c), via, sizeof(via));
	if (err)
		return err;
	ou_buf_init(&b);
	err = dialog_ack(c->dlg, ou_slice_cstr(via), OU_SLICE_NULL, OU_SLICE_NULL, &b);
	if (!err)
		err = b.failed ? OPENUM_ENOMEM : net_send(c->conn, b.data, b.len);
	ou_buf_free(&b);
	return err;
}

static void got_2xx(ua_call *c, txn *t, sip_msg *resp)
{
	ua *u = c->u;
	const char *why = NULL;
	ou_slice req = txn_request(t);
	dialog *d;
	sdp_nego nego;

	if (c->dlg) { /* a retransmitted 2xx: it needs the ACK again */
		(void)send_ack(c);
		return;
	}
	call_timer_stop(c);
	if (sip_msg_parse(req.p, req.n, u->scratch_msg, &why) ||
	    dialog_uac_create(u->scratch_msg, resp, call_tp(c) == NET_TLS, &d, &why)) {
		call_end(c, UA_END_REJECTED, resp->status, why ? why : "Bad 2xx", true);
		return;
	}
	if (dialog_table_add(&u->dialogs, d)) {
		dialog_free(d);
		call_end(c, UA_END_REJECTED, resp->status, "Dialog exists", true);
		return;
	}
	d->user = c;
	c->dlg = d;
	(void)send_ack(c);
	if (c->cancelling || c->timing_out) { /* the 2xx crossed our CANCEL */
		(void)call_send_bye(c);
		call_end(c, c->cancelling ? UA_END_LOCAL_HANGUP : UA_END_TIMEOUT, 0,
		         "Answered after CANCEL", true);
		return;
	}
	int err = call_sdp_parse(c, resp, &why);
	if (!err)
		err = sdp_answer_read(&u->sdp, &c->local, &nego, &why);
	if (!err)
		err = call_media_apply(c, &nego);
	if (err) {
		(void)call_send_bye(c);
		call_end(c, UA_END_REJECTED, 488, why ? why : "Bad SDP answer", true);
		return;
	}
	/* the connection is up now: the peer record has its addresses and certificate */
	ua_peer *p = ua_peer_get(u, c->conn, net_conn_peer(c->conn));
	if (p) {
		ua_peer_put(u, c->peer);
		c->peer = p;
	}
	c->state = CALL_CONFIRMED;
	c->answered_at = uv_now(u->loop);
	call_play_start(c);
	call_rtp_watch_start(c);
	if (u->ev.answered)
		u->ev.answered(u->arg, c);
}

static void inv_client_cb(void *arg, txn *t, const txn_event *ev);

/* A 401/407 to our INVITE: the same request again with credentials, the next CSeq and a
 * new branch (RFC 3261 22.2), same Call-ID and From tag. True when it went out. */
static bool resend_with_auth(ua_call *c, txn *t, sip_msg *resp)
{
	ua *u = c->u;
	char chal[1024], via[160], cseq[32];
	bool proxy = false;
	const sip_cseq *cs;
	ou_slice req = txn_request(t);
	if (!c->has_auth || c->auth_tries >= 2 || c->cancelling || c->timing_out ||
	    ua_auth_pick(resp, NULL, chal, sizeof(chal), &proxy) ||
	    sip_msg_parse(req.p, req.n, u->scratch_msg, NULL) ||
	    sip_msg_cseq(u->scratch_msg, &cs, NULL) ||
	    ua_via(u, call_tp(c), call_np(c), via, sizeof(via)))
		return false;
	sip_msg *m = u->scratch_msg;
	/* a second challenge that is not stale: the password was refused */
	if (c->auth_tries && !ua_auth_stale(chal))
		return false;
	snprintf(cseq, sizeof(cseq), "%u INVITE", cs->num + 1);
	ou_buf b;
	ou_buf_init(&b);
	int err = sip_print_request_line(&b, m->method_s, m->ruri_s);
	bool via_done = false;
	for (unsigned i = 0; !err && i < m->nhdr; i++) {
		const sip_hdr *h = &m->hdr[i];
		switch (h->id) {
		case SIP_H_VIA:
			if (!via_done)
				err = sip_print_header_cstr(&b, "Via", via);
			via_done = true;
			break;
		case SIP_H_CSEQ: err = sip_print_header_cstr(&b, "CSeq", cseq); break;
		case SIP_H_CONTENT_LENGTH:
		case SIP_H_CONTENT_TYPE:
		case SIP_H_AUTHORIZATION:
		case SIP_H_PROXY_AUTHORIZATION: break;
		default: err = sip_print_header(&b, h->name, h->value);
		}
	}
	if (!err)
		err = ua_auth_line(chal, proxy, c->auth_user, c->auth_pass, NULL, m->method_s,
		                   m->ruri_s, 1, &b, NULL);
	if (!err)
		err = sip_print_body(&b, OU_SLICE_LIT("application/sdp"), m->body);
	txn *nt = NULL;
	if (!err && !b.failed)
		err = txn_client_start(u->txl, c->conn, b.data, b.len, inv_client_cb, c, &nt);
	ou_buf_free(&b);
	if (err || !nt)
		return false;
	c->auth_tries++;
	txn_set_cb(t, NULL, NULL); /* the old one ends on its own */
	c->inv = nt;
	return true;
}

static void inv_client_cb(void *arg, txn *t, const txn_event *ev)
{
	ua_call *c = arg;
	if (ev->type == TXN_EV_TERMINATED) {
		if (c->inv == t)
			c->inv = NULL;
		return;
	}
	if (ev->type != TXN_EV_RESPONSE)
		return;
	unsigned st = ev->status;
	if (st < 200) {
		if (st > 100 && c->state == CALL_DIALING && !c->cancelling && c->u->ev.progress)
			c->u->ev.progress(c->u->arg, c, st);
		return;
	}
	if (st < 300) {
		if (ev->msg && c->state != CALL_ENDED)
			got_2xx(c, t, ev->msg);
		return;
	}
	if (c->state != CALL_DIALING)
		return;
	if ((st == 401 || st == 407) && ev->msg && resend_with_auth(c, t, ev->msg))
		return;
	char text[UA_END_TEXT];
	if (ev->msg)
		ou_slice_copy(ev->msg->reason, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "%s", sip_reason_phrase(st));
	if (c->cancelling)
		call_end(c, UA_END_LOCAL_HANGUP, st, text, true);
	else if (c->timing_out || (!ev->msg && st == 408) || st == 408)
		call_end(c, UA_END_TIMEOUT, st, c->timing_out ? "No answer" : text, true);
	else if (!ev->msg)
		call_end(c, UA_END_TRANSPORT, st, text, true);
	else
		call_end(c, UA_END_REJECTED, st, text, true);
}

/* Writes `"name" <uri>` with the display name quoted (RFC 3261 25.1 quoted-pair). */
static void put_name_addr(ou_buf *b, const char *name, const char *uri)
{
	if (name && *name) {
		ou_buf_append(b, "\"", 1);
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				ou_buf_append(b, "\\", 1);
			if ((unsigned char)*p >= 0x20)
				ou_buf_append(b, p, 1);
		}
		ou_buf_append(b, "\" ", 2);
	}
	ou_buf_printf(b, "<%s>", uri);
}

static int build_invite(ua_call *c, const ua_dial *d, ou_buf *b)
{
	ua *u = c->u;
	char via[160], contact[256], tag[TXN_TAG_LEN + 1], rnd[TXN_TAG_LEN + 1], host[80];
	ou_buf v, sdp;
	int err;
	if ((err = ua_via(u, d->transport, call_np(c), via, sizeof(via))) ||
	    (err = txn_new_tag(tag)) || (err = txn_new_tag(rnd)))
		return err;
	ua_contact(u, d->transport, call_np(c), contact, sizeof(contact));
	ua_local_hostport(u, d->transport, call_np(c), host, sizeof(host));
	snprintf(c->call_id, sizeof(c->call_id), "%.16s@%.60s", rnd, host);
	ou_buf_init(&v);
	ou_buf_init(&sdp);
	err = sdp_offer(&c->local, &sdp);
	if (!err)
		err = sip_print_request_line(b, OU_SLICE_LIT("INVITE"),
		                             ou_slice_cstr(d->request_uri));
	if (!err)
		err = sip_print_header_cstr(b, "Via", via);
	if (!err)
		err = sip_print_header_cstr(b, "Max-Forwards", "70");
	if (!err) {
		put_name_addr(&v, d->from_name, d->from_uri);
		ou_buf_printf(&v, ";tag=%s", tag);
		err = v.failed
		          ? OPENUM_ENOMEM
		          : sip_print_header(b, OU_SLICE_LIT("From"), ou_slice_make(v.data, v.len));
	}
	if (!err) {
		ou_buf_reset(&v);
		put_name_addr(&v, NULL, d->to_uri ? d->to_uri : d->request_uri);
		err = v.failed
		          ? OPENUM_ENOMEM
		          : sip_print_header(b, OU_SLICE_LIT("To"), ou_slice_make(v.data, v.len));
	}
	if (!err)
		err = sip_print_header_cstr(b, "Call-ID", c->call_id);
	if (!err)
		err = sip_print_header_cstr(b, "CSeq", "1 INVITE");
	if (!err)
		err = sip_print_header_cstr(b, "Contact", contact);
	if (!err)
		err = sip_print_header_cstr(b, "User-Agent", u->user_agent);
	if (!err)
		err = sip_print_header_cstr(b, "Allow", DIALOG_ALLOW);
	for (size_t i = 0; !err && i < d->nextra; i++) {
		const char *line = d->extra_headers[i], *colon = line ? strchr(line, ':') : NULL;
		err = colon && colon != line
		          ? sip_print_header(
		                b, ou_slice_trim(ou_slice_make(line, (size_t)(colon - line))),
		                ou_slice_trim(ou_slice_cstr(colon + 1)))
		          : OPENUM_EINVAL;
	}
	if (!err)
		err = sip_print_body(b, OU_SLICE_LIT("application/sdp"),
		                     ou_slice_make(sdp.data, sdp.len));
	ou_buf_free(&v);
	ou_buf_free(&sdp);
	return err;
}

int ua_call_dial(ua *u, const ua_dial *d, void *call_arg, ua_call **out)
{
	if (!u || !d || !out || !d->request_uri || !d->from_uri || !d->host || !d->port ||
	    (d->transport != NET_TCP && d->transport != NET_TLS) ||
	    d->nextra > UA_MAX_EXTRA_HEADERS || (d->nextra && !d->extra_headers) || u->freeing)
		return OPENUM_EINVAL;
	ua_call *c = call_new(u, false);
	if (!c)
		return OPENUM_ENOMEM;
	c->arg = call_arg;
	if (d->auth_password) {
		c->has_auth = true;
		snprintf(c->auth_user, sizeof(c->auth_user), "%s",
		         d->auth_user ? d->auth_user : "");
		snprintf(c->auth_pass, sizeof(c->auth_pass), "%s", d->auth_password);
	}
	ou_buf b;
	ou_buf_init(&b);
	int err = net_connect(u->net, d->transport, d->host, d->port, d->tls_name, &c->conn);
	if (err)
		goto fail;
	if (!(c->peer = ua_peer_get(u, c->conn, net_conn_peer(c->conn)))) {
		err = OPENUM_ENOMEM;
		goto fail;
	}
	call_media_local(c);
	if ((err = call_media_open(c, NULL)) || (err = build_invite(c, d, &b)))
		goto fail;
	if ((err = txn_client_start(u->txl, c->conn, b.data, b.len, inv_client_cb, c, &c->inv)))
		goto fail;
	ou_buf_free(&b);
	c->state = CALL_DIALING;
	call_timer_start(c, d->timeout_ms ? d->timeout_ms : UA_DEFAULT_DIAL_TIMEOUT_MS,
	                 dial_timeout);
	*out = c;
	return 0;
fail:
	ou_buf_free(&b);
	call_media_close(c);
	call_release(c);
	return err;
}
