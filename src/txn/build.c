/* Messages the transaction layer writes itself: responses built from a request
 * (RFC 3261 8.2.6), the ACK of a non-2xx (17.1.1.3) and CANCEL (9.1), and the random
 * branches and tags that make transactions and dialogs unique. */
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

/* Random bytes for branches and tags, drawn from OpenSSL 256 at a time: each
 * RAND_bytes call costs a getpid system call (its fork check), three per proxied call
 * otherwise. The pool is per thread; a forked child empties it (pthread_atfork) so
 * parent and child never hand out the same bytes. Used bytes are wiped. */
#define RND_POOL 256
static _Thread_local struct {
	unsigned char b[RND_POOL];
	size_t pos, n;
} rnd_pool;
static pthread_once_t rnd_once = PTHREAD_ONCE_INIT;

static void rnd_forget(void)
{
	memset(&rnd_pool, 0, sizeof(rnd_pool));
}

static void rnd_register(void)
{
	pthread_atfork(NULL, NULL, rnd_forget);
}

static int rnd_bytes(unsigned char *out, size_t k)
{
	pthread_once(&rnd_once, rnd_register);
	if (k > RND_POOL)
		return RAND_bytes(out, (int)k) == 1 ? 0 : OPENUM_EIO;
	if (rnd_pool.n - rnd_pool.pos < k) {
		if (RAND_bytes(rnd_pool.b, RND_POOL) != 1)
			return OPENUM_EIO;
		rnd_pool.pos = 0;
		rnd_pool.n = RND_POOL;
	}
	memcpy(out, rnd_pool.b + rnd_pool.pos, k);
	memset(rnd_pool.b + rnd_pool.pos, 0, k);
	rnd_pool.pos += k;
	return 0;
}

int txn_new_branch(char out[TXN_BRANCH_LEN + 1])
{
	static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	const size_t cookie = sizeof(TXN_MAGIC_COOKIE) - 1;
	unsigned char rnd[TXN_BRANCH_LEN];

	if (rnd_bytes(rnd, TXN_BRANCH_LEN - cookie))
		return OPENUM_EIO;
	memcpy(out, TXN_MAGIC_COOKIE, cookie);
	for (size_t i = cookie; i < TXN_BRANCH_LEN; i++)
		out[i] = alnum[rnd[i - cookie] % 36];
	out[TXN_BRANCH_LEN] = '\0';
	return 0;
}

int txn_new_tag(char out[TXN_TAG_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[TXN_TAG_LEN / 2];

	if (rnd_bytes(rnd, sizeof(rnd)))
		return OPENUM_EIO;
	for (size_t i = 0; i < sizeof(rnd); i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 15];
	}
	out[TXN_TAG_LEN] = '\0';
	return 0;
}

static int rollback(ou_buf *b, size_t len, int err)
{
	if (b->len > len) {
		b->len = len;
		b->data[len] = '\0';
	}
	return err;
}

/* Values copied from a received message may be folded; the printer refuses line
 * breaks, so each LWS run holding one becomes a single SP (RFC 3261 7.3.1). */
static int put_hdr(ou_buf *b, const char *name, ou_slice v)
{
	bool folded = false;
	for (size_t i = 0; i < v.n && !folded; i++)
		folded = v.p[i] == '\r' || v.p[i] == '\n';
	if (!folded)
		return sip_print_header(b, ou_slice_cstr(name), v);

	ou_buf tmp;
	ou_buf_init(&tmp);
	size_t i = 0;
	while (i < v.n) {
		if (!ou_is((unsigned char)v.p[i], OU_C_LWS)) {
			ou_buf_append(&tmp, &v.p[i++], 1);
			continue;
		}
		size_t start = i;
		bool brk = false;
		for (; i < v.n && ou_is((unsigned char)v.p[i], OU_C_LWS); i++)
			if (v.p[i] == '\r' || v.p[i] == '\n')
				brk = true;
		if (brk)
			ou_buf_append(&tmp, " ", 1);
		else
			ou_buf_append(&tmp, v.p + start, i - start);
	}
	int err = tmp.failed
	              ? OPENUM_ENOMEM
	              : sip_print_header(b, ou_slice_cstr(name), ou_slice_make(tmp.data, tmp.len));
	ou_buf_free(&tmp);
	return err;
}

/* Every header of id, in order, under its canonical name. */
static int copy_all(ou_buf *b, const sip_msg *m, sip_hdr_id id)
{
	for (const sip_hdr *h = sip_msg_hdr(m, id); h; h = sip_msg_hdr_next(m, h)) {
		int err = put_hdr(b, sip_hdr_name(id), h->value);
		if (err)
			return err;
	}
	return 0;
}

int txn_build_response_begin(sip_msg *req, unsigned status, const char *reason, ou_slice to_tag,
                             ou_buf *b)
{
	size_t len0 = b->len;
	const sip_hdr *h;
	int err;

	if (!req->is_request || req->method == SIP_METHOD_ACK)
		return OPENUM_EINVAL; /* an ACK is never answered (17.1.1.3) */
	err = sip_print_status_line(b, status, reason ? ou_slice_cstr(reason) : OU_SLICE_NULL);
	if (err)
		return err;
	if ((err = copy_all(b, req, SIP_H_VIA)) || (err = copy_all(b, req, SIP_H_FROM)))
		return rollback(b, len0, err);
	if ((h = sip_msg_hdr(req, SIP_H_TO))) {
		const sip_addr *to;
		bool add_tag = to_tag.n && sip_msg_to(req, &to, NULL) == 0 && !to->tag.p;
		if (add_tag) {
			ou_buf v;
			ou_buf_init(&v);
			ou_buf_append_slice(&v, ou_slice_trim(h->value));
			ou_buf_append_cstr(&v, ";tag=");
			ou_buf_append_slice(&v, to_tag);
			err = v.failed ? OPENUM_ENOMEM
			               : put_hdr(b, "To", ou_slice_make(v.data, v.len));
			ou_buf_free(&v);
		} else {
			err = put_hdr(b, "To", h->value);
		}
		if (err)
			return rollback(b, len0, err);
	}
	if ((err = copy_all(b, req, SIP_H_CALL_ID)) || (err = copy_all(b, req, SIP_H_CSEQ)))
		return rollback(b, len0, err);
	/* 8.2.6.1: a 100 echoes Timestamp so the client can measure the round trip. */
	if (status == 100 && (err = copy_all(b, req, SIP_H_TIMESTAMP)))
		return rollback(b, len0, err);
	return 0;
}

int txn_build_response(sip_msg *req, unsigned status, const char *reason, ou_slice to_tag,
                       ou_buf *b)
{
	size_t len0 = b->len;
	int err = txn_build_response_begin(req, status, reason, to_tag, b);
	if (err)
		return err;
	err = sip_print_body(b, OU_SLICE_NULL, OU_SLICE_NULL);
	return err ? rollback(b, len0, err) : 0;
}

/* ACK (resp set, its To carries the tag) or CANCEL (resp NULL) for req: the same
 * Request-URI, Call-ID, From, CSeq number, top Via only, and Route headers. */
int txn_build_ack_or_cancel(sip_msg *req, sip_method method, sip_msg *resp, ou_buf *b)
{
	const sip_via *via;
	const sip_cseq *cseq;
	const sip_hdr *to = sip_msg_hdr(resp ? resp : req, SIP_H_TO);
	const char *name = sip_method_name(method);
	size_t len0 = b->len;
	unsigned nvia;
	char line[32];
	int err;

	if ((err = sip_msg_vias(req, &via, &nvia, NULL)) || (err = sip_msg_cseq(req, &cseq, NULL)))
		return err;
	if (nvia == 0 || !to || !sip_msg_hdr(req, SIP_H_FROM) || !sip_msg_hdr(req, SIP_H_CALL_ID))
		return OPENUM_EINVAL;
	snprintf(line, sizeof(line), "%u %s", cseq->num, name);
	if ((err = sip_print_request_line(b, ou_slice_cstr(name), req->ruri_s)) ||
	    (err = put_hdr(b, "Via", via[0].raw)) ||
	    (err = sip_print_header_cstr(b, "Max-Forwards", "70")) ||
	    (err = copy_all(b, req, SIP_H_FROM)) || (err = put_hdr(b, "To", to->value)) ||
	    (err = copy_all(b, req, SIP_H_CALL_ID)) ||
	    (err = sip_print_header_cstr(b, "CSeq", line)) ||
	    (err = copy_all(b, req, SIP_H_ROUTE)) ||
	    (err = sip_print_body(b, OU_SLICE_NULL, OU_SLICE_NULL)))
		return rollback(b, len0, err);
	return 0;
}
