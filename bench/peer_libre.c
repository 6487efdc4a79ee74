/* bench/peer_libre.c: the libre (baresip/re) driver of the parse benchmark.
 *
 * What it measures, per message: sip_msg_decode() on an mbuf. That call allocates a
 * sip_msg and one object per header (and per element of comma-separated headers),
 * hashes every header name, and parses the Request-URI, the FIRST Via, From, To, CSeq
 * and Content-Type; it keeps Call-ID, Max-Forwards and Content-Length as raw slices.
 * To match openum's decode we then parse every other Via (sip_via_decode) and every
 * Contact (sip_addr_decode), convert Max-Forwards and Content-Length to numbers, look
 * up Ms-Exchange-Command and Ms-Sensitivity by name, and free the message. */
#include "peers.h"

#ifdef HAVE_LIBRE

#include <re.h>
#include <stdio.h>

struct walk {
	unsigned n;
	int err;
};

static bool via_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct walk *w = arg;
	struct sip_via via;

	(void)msg;
	/* sip_msg_decode already parsed the first one into msg->via. */
	if (w->n++ == 0)
		return false;
	if (sip_via_decode(&via, &hdr->val)) {
		w->err = EBADMSG;
		return true;
	}
	bench_sink += via.sentby.l;
	return false;
}

static bool contact_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct walk *w = arg;
	struct sip_addr addr;

	(void)msg;
	w->n++;
	/* "Contact: *" is legal in REGISTER and is not a name-addr. */
	if (hdr->val.l == 1 && hdr->val.p[0] == '*')
		return false;
	if (sip_addr_decode(&addr, &hdr->val)) {
		w->err = EBADMSG;
		return true;
	}
	bench_sink += addr.uri.host.l;
	return false;
}

static int libre_init_(void)
{
	int err = libre_init();

	if (err) {
		fprintf(stderr, "libre: libre_init failed (%d)\n", err);
		return -1;
	}
	return 0;
}

static void libre_fini(void)
{
	libre_close();
}

static void *libre_prep(const char *buf, size_t len)
{
	struct mbuf *mb = mbuf_alloc(len);

	if (!mb)
		return NULL;
	if (mbuf_write_mem(mb, (const uint8_t *)buf, len)) {
		mem_deref(mb);
		return NULL;
	}
	return mb;
}

static void libre_unprep(void *state)
{
	mem_deref(state);
}

static int libre_decode(void *state, const char *buf, size_t len, const char **why)
{
	struct mbuf *mb = state;
	struct sip_msg *msg = NULL;
	struct walk w;
	const struct sip_hdr *h;
	int err;

	(void)buf;
	(void)len;
	if (!mb) {
		*why = "mbuf_alloc failed";
		return -1;
	}
	mb->pos = 0; /* sip_msg_decode advances it past the headers */
	err = sip_msg_decode(&msg, mb);
	if (err) {
		*why = "sip_msg_decode failed";
		return -1;
	}
	if (!pl_isset(&msg->via.sentby) || !pl_isset(&msg->from.auri) || !pl_isset(&msg->to.auri) ||
	    !pl_isset(&msg->callid) || !pl_isset(&msg->cseq.met)) {
		*why = "a mandatory header is missing";
		err = -1;
		goto out;
	}
	if (msg->req && pl_cmp(&msg->met, &msg->cseq.met)) {
		*why = "CSeq method differs from the request method";
		err = -1;
		goto out;
	}

	w.n = 0;
	w.err = 0;
	sip_msg_hdr_apply(msg, true, SIP_HDR_VIA, via_h, &w);
	if (w.err) {
		*why = "sip_via_decode failed";
		err = -1;
		goto out;
	}
	w.n = 0;
	sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_h, &w);
	if (w.err) {
		*why = "sip_addr_decode (Contact) failed";
		err = -1;
		goto out;
	}

	bench_sink += pl_u32(&msg->maxfwd) + pl_u32(&msg->clen) + msg->cseq.num + msg->from.tag.l +
	              msg->to.uri.host.l + msg->uri.user.l;
	h = sip_msg_xhdr(msg, "Ms-Exchange-Command");
	if (h)
		bench_sink += pl_strcasecmp(&h->val, "skip-pin") == 0;
	h = sip_msg_xhdr(msg, "Ms-Sensitivity");
	if (h)
		bench_sink += h->val.l;
out:
	mem_deref(msg);
	return err;
}

const bench_impl bench_libre = {
    .name = "libre",
    .pkg = "libre",
    .available = 1,
    .init = libre_init_,
    .fini = libre_fini,
    .prep = libre_prep,
    .unprep = libre_unprep,
    .decode = libre_decode,
};

#else

const bench_impl bench_libre = {.name = "libre", .pkg = "libre", .available = 0};

#endif
