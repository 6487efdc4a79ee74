/* Client transactions (RFC 3261 17.1): INVITE (Calling under Timer B, Proceeding,
 * the ACK of a non-2xx sent here, 2xx leading to RFC 6026 Accepted under Timer M)
 * and non-INVITE (Timer F). Timeouts and transport failures reach the TU as local
 * 408 and 503 responses. */
#include "txn_int.h"

int txn_client_start(txn_layer *l, net_conn *c, const char *buf, size_t len, txn_cb cb, void *arg,
                     txn **out)
{
	sip_msg *m = &l->scratch;
	txn_key k;
	int err;

	if (!l || !buf || !len)
		return OPENUM_EINVAL;
	err = sip_msg_parse(buf, len, m, NULL);
	if (!err)
		err = sip_msg_check(m, NULL);
	if (err)
		return err;
	if (!m->is_request || m->method == SIP_METHOD_ACK)
		return OPENUM_EINVAL;
	err = txn_key_from_msg(m, &k);
	if (err)
		return err;
	if (!k.rfc3261)
		return OPENUM_EINVAL;
	if (txn_match_client(l, &k))
		return OPENUM_EDUP;
	txn *t = txn_alloc(l, false, c, m, &k);
	if (!t)
		return OPENUM_ENOMEM;
	t->cb = cb;
	t->arg = arg;
	bool invite = k.method == SIP_METHOD_INVITE;
	t->state = invite ? TXN_CALLING : TXN_TRYING;
	if (txn_send(t, buf, len))
		txn_defer(t, TXN_EV_RESPONSE, 503);
	else
		txn_timer_start(t, invite ? TXN_T_B : TXN_T_F, txn_timeout_ms(l));
	if (out)
		*out = t;
	return 0;
}

static void send_ack(txn *ct, sip_msg *resp)
{
	txn_layer *l = ct->l;
	sip_msg *inv;

	if (txn_reparse(ct, &inv))
		return;
	ou_buf_reset(&l->out);
	if (txn_build_ack_or_cancel(inv, SIP_METHOD_ACK, resp, &l->out) == 0)
		(void)txn_send(ct, l->out.data, l->out.len); /* the final is passed up anyway */
}

static void invite_response(txn *ct, sip_msg *m)
{
	txn_layer *l = ct->l;
	unsigned st = m->status;

	if (ct->state == TXN_ACCEPTED) {
		/* 2xx retransmissions and 2xx from other forks go up; the rest is late. */
		if (st >= 200 && st < 300)
			txn_emit(ct, TXN_EV_RESPONSE, st, m);
		return;
	}
	if (ct->state != TXN_CALLING && ct->state != TXN_PROCEEDING)
		return;
	if (st < 200) {
		ct->state = TXN_PROCEEDING;
		ct->provisional = true;
		if (ct->cancel_pending && !ct->cancel_sent) {
			if (txn_cancel_send(ct)) {
				/* Could not even build it: still give the INVITE up in time. */
				ct->cancel_sent = true;
				txn_timer_start(ct, TXN_T_CANCEL, txn_timeout_ms(l));
			}
		} else if (!ct->cancel_sent) {
			/* Timer B stops; Timer C (16.7 step 2) restarts on every 1xx but 100. */
			if (l->cfg.timer_c_ms && (ct->tk != TXN_T_C || st > 100))
				txn_timer_start(ct, TXN_T_C, l->cfg.timer_c_ms);
			else if (!l->cfg.timer_c_ms)
				txn_timer_stop(ct);
		}
		txn_emit(ct, TXN_EV_RESPONSE, st, m);
		return;
	}
	txn_timer_stop(ct);
	if (st < 300) {
		ct->state = TXN_ACCEPTED;
		txn_timer_start(ct, TXN_T_M, txn_timeout_ms(l));
		txn_emit(ct, TXN_EV_RESPONSE, st, m);
		return;
	}
	send_ack(ct, m);
	ct->state = TXN_COMPLETED;
	txn_emit(ct, TXN_EV_RESPONSE, st, m);
	txn_terminate(ct); /* Timer D = 0 */
}

void txn_client_response(txn *ct, sip_msg *m)
{
	if (txn_dead(ct))
		return;
	if (ct->key.method == SIP_METHOD_INVITE) {
		invite_response(ct, m);
		return;
	}
	if (ct->state != TXN_TRYING && ct->state != TXN_PROCEEDING)
		return;
	if (m->status < 200) {
		ct->state = TXN_PROCEEDING;
		txn_emit(ct, TXN_EV_RESPONSE, m->status, m);
		return;
	}
	txn_timer_stop(ct);
	ct->state = TXN_COMPLETED;
	txn_emit(ct, TXN_EV_RESPONSE, m->status, m);
	txn_terminate(ct); /* Timer K = 0 */
}

void txn_client_timer(txn *ct, txn_timer tk)
{
	switch (tk) {
	case TXN_T_C:
		/* 16.8: with a provisional response, CANCEL; without, behave as on 408. */
		if (ct->provisional && !ct->cancel_sent && txn_cancel_send(ct) == 0)
			return;
		break;
	case TXN_T_M: txn_terminate(ct); return;
	default: /* B, F, the CANCEL wait */ break;
	}
	txn_emit(ct, TXN_EV_RESPONSE, 408, NULL);
	txn_terminate(ct);
}
