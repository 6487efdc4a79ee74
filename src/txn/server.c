/* Server transactions (RFC 3261 17.2): INVITE (100 Trying at once, non-2xx waits for
 * its ACK under Timer H, 2xx leads to RFC 6026 Accepted under Timer L) and non-INVITE
 * (ends with its final response: Timer J is 0 on reliable transports). Retransmitted
 * requests are absorbed here, answered with the last response sent. */
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

unsigned txn_status_of(const char *buf, size_t len)
{
	static const char ver[] = "SIP/2.0 ";
	const size_t n = sizeof(ver) - 1;
	unsigned st = 0;

	if (len < n + 3 || memcmp(buf, ver, n) != 0)
		return 0;
	for (size_t j = n; j < n + 3; j++) {
		if (!ou_is((unsigned char)buf[j], OU_C_DIGIT))
			return 0;
		st = st * 10 + (unsigned)(buf[j] - '0');
	}
	if (len > n + 3 && buf[n + 3] != ' ' && buf[n + 3] != '\r')
		return 0;
	return st >= 100 && st <= 699 ? st : 0;
}

static void keep_last(txn *st, unsigned status, const char *buf, size_t len)
{
	/* 100 then 180 then the final: the buffer of the one before is reused when big
	 * enough. */
	if (!st->last || len > st->last_cap) {
		char *copy = realloc(st->last, len ? len : 1);
		if (!copy) {
			free(st->last); /* no copy: nothing to resend, as before */
			st->last = NULL;
			st->last_len = st->last_cap = 0;
			st->last_status = 0;
			return;
		}
		st->last = copy;
		st->last_cap = len ? len : 1;
	}
	memcpy(st->last, buf, len);
	st->last_len = len;
	st->last_status = status;
}

static void drop_last(txn *st)
{
	free(st->last);
	st->last = NULL;
	st->last_len = 0;
	st->last_cap = 0;
}

/* The tag every response of st carries: the request's, else a fresh one. */
static int set_resp_tag(txn *st)
{
	if (st->key.to_tag.p) {
		st->resp_tag = st->key.to_tag;
		return 0;
	}
	int err = txn_new_tag(st->to_tag);
	if (!err)
		st->resp_tag = ou_slice_make(st->to_tag, TXN_TAG_LEN);
	return err;
}

static void resend_last(txn *st)
{
	if (st->last && txn_send(st, st->last, st->last_len))
		txn_defer(st, TXN_EV_TRANSPORT_ERROR, 503);
}

int txn_server_send(txn *st, unsigned status, const char *buf, size_t len)
{
	bool invite = st->key.method == SIP_METHOD_INVITE;

	if (!st->server || txn_dead(st) || status < 100 || status > 699)
		return OPENUM_EINVAL;
	if (st->state != TXN_TRYING && st->state != TXN_PROCEEDING)
		return OPENUM_EINVAL; /* a final response already went */
	if (txn_send(st, buf, len)) {
		txn_defer(st, TXN_EV_TRANSPORT_ERROR, 503);
		return OPENUM_EIO;
	}
	if (status < 200) {
		keep_last(st, status, buf, len);
		st->state = TXN_PROCEEDING;
	} else if (!invite) {
		st->state = TXN_COMPLETED;
		txn_terminate(st); /* Timer J = 0 */
	} else if (status < 300) {
		/* The TU retransmits its 2xx itself (13.3.1.4); we only absorb the INVITE. */
		drop_last(st);
		st->state = TXN_ACCEPTED;
		txn_timer_start(st, TXN_T_L, txn_timeout_ms(st->l));
	} else {
		keep_last(st, status, buf, len);
		st->state = TXN_COMPLETED;
		txn_timer_start(st, TXN_T_H, txn_timeout_ms(st->l));
	}
	return 0;
}

int txn_response_begin(txn *st, unsigned status, const char *reason, ou_buf *b)
{
	sip_msg *req;
	if (!st || !st->server || txn_dead(st))
		return OPENUM_EINVAL;
	int err = txn_reparse(st, &req);
	if (err)
		return err;
	/* 8.2.6.2: a 100 may go without the tag; we leave it out, as before a dialog. */
	return txn_build_response_begin(req, status, reason,
	                                status == 100 ? OU_SLICE_NULL : st->resp_tag, b);
}

int txn_respond(txn *st, unsigned status, const char *reason)
{
	if (!st)
		return OPENUM_EINVAL;
	ou_buf *b = &st->l->out;
	ou_buf_reset(b);
	int err = txn_response_begin(st, status, reason, b);
	if (!err)
		err = sip_print_body(b, OU_SLICE_NULL, OU_SLICE_NULL);
	if (err)
		return err;
	return txn_server_send(st, status, b->data, b->len);
}

int txn_send_response(txn *st, const char *buf, size_t len)
{
	if (!st || !buf)
		return OPENUM_EINVAL;
	unsigned status = txn_status_of(buf, len);
	if (!status)
		return OPENUM_EINVAL;
	return txn_server_send(st, status, buf, len);
}

void txn_server_request(txn_layer *l, net_conn *c, const net_peer *peer, sip_msg *m,
                        const txn_key *k)
{
	txn *st = txn_match_server(l, k, TXN_MATCH_SAME);
	if (st) {
		/* A retransmission: in Trying nothing was sent yet, in Accepted the TU
		 * resends its 2xx, in Confirmed all is done (17.2.1, 17.2.2, RFC 6026). */
		if (st->state == TXN_PROCEEDING || st->state == TXN_COMPLETED)
			resend_last(st);
		return;
	}
	st = txn_alloc(l, true, c, m, k);
	if (!st || set_resp_tag(st)) {
		if (st)
			txn_terminate(st);
		(void)txn_send_stateless(l, c, m, 500, "Server Internal Error");
		return;
	}
	if (k->method == SIP_METHOD_INVITE) {
		/* 17.2.1: 100 at once rather than after 200 ms. No retransmission timer
		 * runs on TCP/TLS, so waiting would gain nothing but a later signal. */
		st->state = TXN_PROCEEDING;
		ou_buf *b = &l->out;
		ou_buf_reset(b);
		if (txn_build_response(m, 100, NULL, OU_SLICE_NULL, b) ||
		    txn_send(st, b->data, b->len)) {
			txn_terminate(st);
			return;
		}
		keep_last(st, 100, b->data, b->len);
	} else {
		st->state = TXN_TRYING;
	}
	l->tu.on_request(l->tu.arg, st, m, c, peer);
}

void txn_server_ack(txn_layer *l, net_conn *c, const net_peer *peer, sip_msg *m, const txn_key *k)
{
	txn *st = txn_match_server(l, k, TXN_MATCH_ACK);
	if (!st || st->state == TXN_ACCEPTED) {
		/* The ACK of a 2xx: a transaction of its own, for the dialog. */
		l->tu.on_ack(l->tu.arg, m, c, peer);
		return;
	}
	if (st->state == TXN_COMPLETED) {
		/* Absorbed; Timer I = 0 on reliable transports. */
		txn_timer_stop(st);
		st->state = TXN_CONFIRMED;
		drop_last(st);
		txn_terminate(st);
	}
	/* Proceeding (no final yet: a confused peer) or Confirmed: dropped. */
}

void txn_server_timer(txn *st, txn_timer tk)
{
	if (tk == TXN_T_H)
		txn_emit(st, TXN_EV_TIMEOUT, 408, NULL);
	txn_terminate(st); /* H or L */
}
