/* CANCEL on both sides. Server (RFC 3261 9.2): a CANCEL is a non-INVITE transaction of
 * its own, answered 481 when it matches nothing, else 200, and the INVITE it matches
 * gets 487 if it has no final response yet. Client (9.1): the CANCEL of an INVITE goes
 * only once a provisional response arrived, built from the INVITE. */
#include <stdlib.h>

#include "txn_int.h"

void txn_server_cancel(txn_layer *l, net_conn *c, sip_msg *m, const txn_key *k)
{
	txn *ct = txn_match_server(l, k, TXN_MATCH_SAME);
	if (ct)
		return; /* Timer J = 0: a CANCEL transaction lives only while it answers */

	txn *target = txn_match_server(l, k, TXN_MATCH_CANCEL);
	if (target && txn_dead(target))
		target = NULL;
	ct = txn_alloc(l, true, c, m, k);
	if (!ct) {
		(void)txn_send_stateless(l, c, m, 500, "Server Internal Error");
		return;
	}
	ct->state = TXN_TRYING;
	if (!target) {
		if (ct->key.to_tag.p)
			ct->resp_tag = ct->key.to_tag;
		else if (!txn_new_tag(ct->to_tag))
			ct->resp_tag = ou_slice_make(ct->to_tag, TXN_TAG_LEN);
		(void)txn_respond(ct, 481, NULL);
		return;
	}
	/* 9.2: the 200 to the CANCEL should carry the tag the INVITE's responses carry.
	 * ct ends inside txn_respond, so borrowing target's slice is safe. */
	ct->resp_tag = target->resp_tag;
	(void)txn_respond(ct, 200, NULL);
	ct->resp_tag = OU_SLICE_NULL;

	bool pending = target->key.method == SIP_METHOD_INVITE && target->state == TXN_PROCEEDING;
	if (!pending)
		return; /* final already sent, or a non-INVITE: CANCEL has no effect */
	unsigned status = 0;
	if (!l->cfg.cancel_no_487 && txn_respond(target, 487, NULL) == 0)
		status = 487;
	if (!txn_dead(target))
		txn_emit(target, TXN_EV_CANCELLED, status, NULL);
}

int txn_cancel_send(txn *ict)
{
	txn_layer *l = ict->l;
	sip_msg *inv;
	ou_buf b;
	int err;

	err = txn_reparse(ict, &inv);
	if (err)
		return err;
	ou_buf_init(&b);
	err = txn_build_ack_or_cancel(inv, SIP_METHOD_CANCEL, NULL, &b);
	if (!err) {
		/* The CANCEL's own outcome does not matter: the INVITE's does. */
		err = txn_client_start(l, ict->conn, b.data, b.len, NULL, NULL, NULL);
	}
	ou_buf_free(&b);
	if (err)
		return err;
	ict->cancel_sent = true;
	/* 9.1: no final response 64*T1 after the CANCEL: give the INVITE up. */
	txn_timer_start(ict, TXN_T_CANCEL, txn_timeout_ms(l));
	return 0;
}

int txn_cancel(txn *ict)
{
	if (!ict || ict->server || txn_dead(ict) || ict->key.method != SIP_METHOD_INVITE)
		return OPENUM_EINVAL;
	if (ict->cancel_sent || ict->cancel_pending)
		return 0;
	if (ict->state == TXN_CALLING) {
		ict->cancel_pending = true;
		return 0;
	}
	if (ict->state != TXN_PROCEEDING)
		return OPENUM_EINVAL; /* a final response arrived: too late */
	return txn_cancel_send(ict);
}
