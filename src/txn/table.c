/* Transaction matching (RFC 3261 17.1.3 and 17.2.3): the key a message carries, and
 * the hash tables that find the transaction it belongs to, by branch for RFC 3261
 * peers and by the RFC 2543 field list for older ones. */
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

static uint32_t hash_ci(uint32_t h, ou_slice s)
{
	for (size_t i = 0; i < s.n; i++) {
		h ^= (unsigned char)ou_lower(s.p[i]);
		h *= 16777619u;
	}
	return h;
}

static uint32_t hash_cs(uint32_t h, ou_slice s)
{
	for (size_t i = 0; i < s.n; i++) {
		h ^= (unsigned char)s.p[i];
		h *= 16777619u;
	}
	return h;
}

int txn_key_from_msg(sip_msg *m, txn_key *k)
{
	const sip_via *via;
	const sip_cseq *cseq;
	unsigned nvia;
	int err;

	*k = (txn_key){0};
	err = sip_msg_vias(m, &via, &nvia, NULL);
	if (err)
		return err;
	if (nvia == 0)
		return OPENUM_EBADMSG;
	err = sip_msg_cseq(m, &cseq, NULL);
	if (err)
		return err;
	k->branch = via[0].branch;
	k->rfc3261 = via[0].branch.n > sizeof(TXN_MAGIC_COOKIE) - 1 &&
	             memcmp(via[0].branch.p, TXN_MAGIC_COOKIE, sizeof(TXN_MAGIC_COOKIE) - 1) == 0;
	k->sent_host = via[0].host;
	k->sent_port = via[0].port;
	k->top_via = via[0].raw;
	k->method = cseq->method;
	k->method_s = cseq->method_s;
	k->cseq = cseq->num;

	if (m->is_request) {
		const sip_addr *a;
		k->ruri = m->ruri_s;
		if (sip_msg_from(m, &a, NULL) == 0)
			k->from_tag = a->tag;
		if (sip_msg_to(m, &a, NULL) == 0)
			k->to_tag = a->tag;
		(void)sip_msg_callid(m, &k->call_id, NULL);
	}
	/* A branch with the cookie is unique per transaction (8.1.1.7); without it the
	 * Call-ID and CSeq number are what an RFC 2543 INVITE, its ACK and CANCEL share. */
	if (k->rfc3261)
		k->hash = hash_ci(2166136261u, k->branch);
	else
		k->hash = hash_cs(2166136261u, k->call_id) ^ (k->cseq * 2654435761u);
	return 0;
}

static ou_slice rebase1(ou_slice s, const sip_msg *m, const char *copy)
{
	if (!s.p)
		return s;
	return ou_slice_make(copy + (s.p - m->raw.p), s.n);
}

void txn_key_rebase(txn_key *k, const sip_msg *m, const char *copy)
{
	k->branch = rebase1(k->branch, m, copy);
	k->sent_host = rebase1(k->sent_host, m, copy);
	k->method_s = rebase1(k->method_s, m, copy);
	k->ruri = rebase1(k->ruri, m, copy);
	k->from_tag = rebase1(k->from_tag, m, copy);
	k->to_tag = rebase1(k->to_tag, m, copy);
	k->call_id = rebase1(k->call_id, m, copy);
	k->top_via = rebase1(k->top_via, m, copy);
}

int txn_table_init(txn_table *t)
{
	t->nb = 64;
	t->n = 0;
	t->b = calloc(t->nb, sizeof(txn *));
	return t->b ? 0 : OPENUM_ENOMEM;
}

void txn_table_free(txn_table *t)
{
	free(t->b);
	t->b = NULL;
	t->nb = t->n = 0;
}

static void grow(txn_table *t)
{
	size_t nb = t->nb * 2;
	txn **b = calloc(nb, sizeof(txn *));
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < t->nb; i++) {
		txn *x = t->b[i];
		while (x) {
			txn *nx = x->hnext;
			size_t j = x->key.hash & (nb - 1);
			x->hnext = b[j];
			b[j] = x;
			x = nx;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

int txn_table_add(txn_table *t, txn *x)
{
	if (t->n >= t->nb)
		grow(t);
	size_t i = x->key.hash & (t->nb - 1);
	x->hnext = t->b[i];
	t->b[i] = x;
	t->n++;
	x->in_table = true;
	return 0;
}

void txn_table_del(txn_table *t, txn *x)
{
	if (!x->in_table)
		return;
	txn **pp = &t->b[x->key.hash & (t->nb - 1)];
	while (*pp && *pp != x)
		pp = &(*pp)->hnext;
	if (*pp) {
		*pp = x->hnext;
		t->n--;
	}
	x->hnext = NULL;
	x->in_table = false;
}

static bool same_method(const txn_key *a, const txn_key *b)
{
	if (a->method != b->method)
		return false;
	return a->method != SIP_METHOD_OTHER || ou_slice_eq(a->method_s, b->method_s);
}

static bool ruri_equal(ou_slice a, ou_slice b)
{
	sip_uri ua, ub;
	if (ou_slice_eq(a, b))
		return true;
	if (sip_uri_parse(a, &ua, NULL) || sip_uri_parse(b, &ub, NULL))
		return false;
	return sip_uri_equal(&ua, &ub);
}

static bool server_match(const txn *t, const txn_key *k, txn_match_kind kind)
{
	const txn_key *tk = &t->key;

	switch (kind) {
	case TXN_MATCH_SAME:
		if (!same_method(tk, k))
			return false;
		break;
	case TXN_MATCH_ACK:
		if (tk->method != SIP_METHOD_INVITE)
			return false;
		break;
	case TXN_MATCH_CANCEL:
		if (tk->method == SIP_METHOD_CANCEL)
			return false;
		break;
	}
	if (tk->rfc3261 != k->rfc3261)
		return false;
	if (k->rfc3261)
		return ou_slice_caseeq(tk->branch, k->branch) &&
		       ou_slice_caseeq(tk->sent_host, k->sent_host) &&
		       tk->sent_port == k->sent_port;

	/* RFC 2543 (17.2.3, last paragraphs): the ACK's To tag is the one our response
	 * carried; every other request repeats the original request's To. */
	ou_slice want_to = kind == TXN_MATCH_ACK ? t->resp_tag : tk->to_tag;
	return tk->cseq == k->cseq && ou_slice_eq(tk->call_id, k->call_id) &&
	       ou_slice_eq(tk->from_tag, k->from_tag) && ou_slice_eq(want_to, k->to_tag) &&
	       ou_slice_caseeq(tk->top_via, k->top_via) && ruri_equal(tk->ruri, k->ruri);
}

txn *txn_match_server(txn_layer *l, const txn_key *k, txn_match_kind kind)
{
	txn_table *t = &l->server;
	for (txn *x = t->b[k->hash & (t->nb - 1)]; x; x = x->hnext)
		if (x->key.hash == k->hash && server_match(x, k, kind))
			return x;
	return NULL;
}

txn *txn_match_client(txn_layer *l, const txn_key *k)
{
	txn_table *t = &l->client;
	if (!k->rfc3261)
		return NULL; /* we only ever send cookie branches */
	for (txn *x = t->b[k->hash & (t->nb - 1)]; x; x = x->hnext)
		if (x->key.hash == k->hash && same_method(&x->key, k) &&
		    ou_slice_caseeq(x->key.branch, k->branch))
			return x;
	return NULL;
}
