/* Dialog state (RFC 3261 12): creation on the UAC and UAS sides, the dialog id of
 * received messages, the CSeq rule for in-dialog requests, target refresh, and what
 * responses to our own in-dialog requests do to the dialog. */
#include <stdlib.h>
#include <string.h>

#include "dialog.h"

#define FAIL(code, msg)                                                                            \
	do {                                                                                       \
		if (why)                                                                           \
			*why = msg;                                                                \
		return code;                                                                       \
	} while (0)

/* Everything a dialog keeps as text, gathered before it is copied into one block. */
typedef struct dstrings {
	ou_slice call_id, local_tag, remote_tag, local, remote, local_contact, remote_target;
	bool local_add_tag; /* UAS: local is the request's To, our tag is appended */
	unsigned nroute;
	ou_slice route[DIALOG_MAX_ROUTES];
} dstrings;

/* A folded header value keeps its line breaks in the message; a dialog re-sends it
 * on one line, so each CR, LF or HTAB becomes a space (still LWS). */
static char *put_unfolded(char *dst, ou_slice s, ou_slice *out)
{
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		dst[i] = (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
	}
	*out = ou_slice_make(dst, s.n);
	return dst + s.n;
}

/* Copies all strings into one new block, then frees the old one: the sources may
 * point into the old block (updates pass the dialog's own slices back). */
static int store(dialog *d, const dstrings *s)
{
	const ou_slice *plain[] = {&s->call_id, &s->local_tag,     &s->remote_tag,
	                           &s->remote,  &s->local_contact, &s->remote_target};
	ou_slice *dst[] = {&d->id.call_id, &d->id.local_tag,  &d->id.remote_tag,
	                   &d->remote,     &d->local_contact, &d->remote_target};
	size_t total = s->local.n + 1;
	ou_slice tmp;

	if (s->local_add_tag)
		total += 5 + s->local_tag.n;
	for (unsigned i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		total += plain[i]->n;
	for (unsigned i = 0; i < s->nroute; i++)
		total += s->route[i].n;
	char *mem = malloc(total);
	if (!mem)
		return OPENUM_ENOMEM;
	char *p = mem;
	for (unsigned i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		p = put_unfolded(p, *plain[i], dst[i]);
	char *local = p;
	p = put_unfolded(p, s->local, &tmp);
	if (s->local_add_tag) {
		memcpy(p, ";tag=", 5);
		p = put_unfolded(p + 5, s->local_tag, &tmp);
	}
	d->local = ou_slice_make(local, (size_t)(p - local));
	for (unsigned i = 0; i < s->nroute; i++)
		p = put_unfolded(p, s->route[i], &d->route[i]);
	d->nroute = s->nroute;
	free(d->mem);
	d->mem = mem;
	return 0;
}

static void current(const dialog *d, dstrings *s)
{
	memset(s, 0, sizeof(*s));
	s->call_id = d->id.call_id;
	s->local_tag = d->id.local_tag;
	s->remote_tag = d->id.remote_tag;
	s->local = d->local;
	s->remote = d->remote;
	s->local_contact = d->local_contact;
	s->remote_target = d->remote_target;
	s->nroute = d->nroute;
	memcpy(s->route, d->route, sizeof(d->route[0]) * d->nroute);
}

/* Record-Route values, top to bottom, reversed for a UAC (RFC 3261 12.1.2). */
static int route_set(sip_msg *m, bool reverse, dstrings *s, const char **why)
{
	unsigned n = 0;
	for (const sip_hdr *h = sip_msg_hdr(m, SIP_H_RECORD_ROUTE); h; h = sip_msg_hdr_next(m, h)) {
		size_t pos = 0;
		ou_slice elem;
		int rc;
		while ((rc = sip_list_next(h->value, &pos, &elem, why)) == 0) {
			sip_addr a;
			if (sip_addr_parse(elem, &a, why) || a.star)
				FAIL(OPENUM_EBADMSG, "Bad Record-Route");
			/* rec-route is a name-addr: without <> its ;lr would be misread */
			if (!a.angle)
				FAIL(OPENUM_EBADMSG, "Bad Record-Route: missing <>");
			if (n == DIALOG_MAX_ROUTES)
				FAIL(OPENUM_ETOOBIG, "Too many Record-Route entries");
			s->route[n++] = a.raw;
		}
		if (rc != OPENUM_ENOTFOUND)
			FAIL(OPENUM_EBADMSG, "Bad Record-Route");
	}
	if (reverse)
		for (unsigned i = 0; i < n / 2; i++) {
			ou_slice t = s->route[i];
			s->route[i] = s->route[n - 1 - i];
			s->route[n - 1 - i] = t;
		}
	s->nroute = n;
	return 0;
}

/* A URI as a Request-URI: its ?headers do not belong there (RFC 3261 19.1.5). */
static ou_slice uri_without_headers(const sip_uri *u)
{
	ou_slice r = u->raw;
	if (u->headers.n && u->headers.p > r.p && u->headers.p <= r.p + r.n)
		r.n = (size_t)(u->headers.p - 1 - r.p);
	return r;
}

static int first_contact(sip_msg *m, const sip_addr **out, const char **why)
{
	const sip_addr *c;
	unsigned n;
	int err = sip_msg_contacts(m, &c, &n, why);
	if (err == OPENUM_ENOTFOUND || (!err && n == 0))
		FAIL(OPENUM_ENOTFOUND, "Missing Contact");
	if (err)
		return err;
	if (c[0].star || c[0].uri.scheme == SIP_URI_OTHER || c[0].uri.scheme == SIP_URI_TEL)
		FAIL(OPENUM_EBADMSG, "Bad Contact: not a SIP URI");
	*out = &c[0];
	return 0;
}

static int contact_target(sip_msg *m, ou_slice *target, const char **why)
{
	const sip_addr *c;
	int err = first_contact(m, &c, why);
	if (err)
		return err;
	*target = uri_without_headers(&c->uri);
	return 0;
}

int dialog_id_of_request(sip_msg *req, dialog_id *id, const char **why)
{
	const sip_addr *from, *to;
	int err;
	if (!req->is_request)
		FAIL(OPENUM_EINVAL, "Not a request");
	if ((err = sip_msg_callid(req, &id->call_id, why)) ||
	    (err = sip_msg_from(req, &from, why)) || (err = sip_msg_to(req, &to, why)))
		return err;
	id->local_tag = to->tag;
	id->remote_tag = from->tag;
	return 0;
}

int dialog_id_of_response(sip_msg *resp, dialog_id *id, const char **why)
{
	const sip_addr *from, *to;
	int err;
	if (resp->is_request)
		FAIL(OPENUM_EINVAL, "Not a response");
	if ((err = sip_msg_callid(resp, &id->call_id, why)) ||
	    (err = sip_msg_from(resp, &from, why)) || (err = sip_msg_to(resp, &to, why)))
		return err;
	id->local_tag = from->tag;
	id->remote_tag = to->tag;
	return 0;
}

bool dialog_id_equal(const dialog_id *a, const dialog_id *b)
{
	/* Call-IDs and tags are compared byte for byte (RFC 3261 20.8, 19.3). */
	return ou_slice_eq(a->call_id, b->call_id) && ou_slice_eq(a->local_tag, b->local_tag) &&
	       ou_slice_eq(a->remote_tag, b->remote_tag);
}

static bool is_secure(sip_msg *req, bool tls)
{
	const sip_uri *u;
	return tls && sip_msg_ruri(req, &u, NULL) == 0 && u->scheme == SIP_URI_SIPS;
}

int dialog_uac_create(sip_msg *req, sip_msg *resp, bool tls, dialog **out, const char **why)
{
	const sip_addr *from, *rfrom, *rto, *contact;
	const sip_cseq *cseq;
	dialog_id rid;
	dstrings s;
	int err;

	memset(&s, 0, sizeof(s));
	if (!req->is_request || resp->is_request || resp->status < 101 || resp->status > 299)
		FAIL(OPENUM_EINVAL, "Not a dialog-creating response");
	if ((err = sip_msg_callid(req, &s.call_id, why)) || (err = sip_msg_from(req, &from, why)) ||
	    (err = sip_msg_cseq(req, &cseq, why)))
		return err;
	if ((err = dialog_id_of_response(resp, &rid, why)) ||
	    (err = sip_msg_from(resp, &rfrom, why)) || (err = sip_msg_to(resp, &rto, why)))
		return err;
	if (!from->tag.n)
		FAIL(OPENUM_EINVAL, "Request without From tag");
	if (!ou_slice_eq(rid.call_id, s.call_id) || !ou_slice_eq(rfrom->tag, from->tag))
		FAIL(OPENUM_EINVAL, "Response does not match the request");
	if (resp->status < 200 && !rto->tag.n)
		FAIL(OPENUM_EINVAL, "Provisional response without To tag");
	if ((err = first_contact(req, &contact, why)))
		return err;
	s.local_contact = contact->raw;
	if ((err = contact_target(resp, &s.remote_target, why)) ||
	    (err = route_set(resp, true, &s, why)))
		return err;
	s.local_tag = from->tag;
	s.remote_tag = rto->tag;
	s.local = from->raw;
	s.remote = rto->raw;

	dialog *d = calloc(1, sizeof(*d));
	if (!d)
		return OPENUM_ENOMEM;
	if ((err = store(d, &s))) {
		free(d);
		return err;
	}
	d->role = DIALOG_UAC;
	d->state = resp->status >= 200 ? DIALOG_CONFIRMED : DIALOG_EARLY;
	d->secure = is_secure(req, tls);
	d->local_cseq = cseq->num;
	d->local_cseq_set = true;
	if (cseq->method == SIP_METHOD_INVITE)
		d->invite_cseq = cseq->num;
	*out = d;
	return 0;
}

/* What we put in our own headers must not break the line it sits on. */
static bool safe_value(ou_slice s)
{
	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

int dialog_uas_create(sip_msg *req, ou_slice local_tag, ou_slice local_contact, bool tls,
                      dialog **out, const char **why)
{
	const sip_addr *from, *to;
	const sip_cseq *cseq;
	dstrings s;
	int err;

	memset(&s, 0, sizeof(s));
	if (!req->is_request || req->method == SIP_METHOD_ACK || req->method == SIP_METHOD_CANCEL)
		FAIL(OPENUM_EINVAL, "Not a dialog-creating request");
	if (!sip_is_token(local_tag) || !safe_value(local_contact))
		FAIL(OPENUM_EINVAL, "Bad local tag or Contact");
	if ((err = sip_msg_callid(req, &s.call_id, why)) || (err = sip_msg_from(req, &from, why)) ||
	    (err = sip_msg_to(req, &to, why)) || (err = sip_msg_cseq(req, &cseq, why)))
		return err;
	if (to->tag.p)
		FAIL(OPENUM_EINVAL, "To tag in a dialog-creating request");
	if ((err = contact_target(req, &s.remote_target, why)) ||
	    (err = route_set(req, false, &s, why)))
		return err;
	s.local_tag = local_tag;
	s.remote_tag = from->tag; /* may be empty: RFC 2543 peers send none */
	s.local = to->raw;
	s.local_add_tag = true;
	s.remote = from->raw;
	s.local_contact = local_contact;

	dialog *d = calloc(1, sizeof(*d));
	if (!d)
		return OPENUM_ENOMEM;
	if ((err = store(d, &s))) {
		free(d);
		return err;
	}
	d->role = DIALOG_UAS;
	d->state = DIALOG_EARLY;
	d->secure = is_secure(req, tls);
	d->remote_cseq = cseq->num;
	d->remote_cseq_set = true;
	*out = d;
	return 0;
}

void dialog_confirm(dialog *d)
{
	if (d->state == DIALOG_EARLY)
		d->state = DIALOG_CONFIRMED;
}

void dialog_terminate(dialog *d)
{
	d->state = DIALOG_TERMINATED;
}

void dialog_free(dialog *d)
{
	if (!d)
		return;
	free(d->mem);
	free(d);
}

int dialog_check_request(dialog *d, sip_msg *req, unsigned *status, const char **why)
{
	const sip_cseq *cseq;
	int err;

	*status = 0;
	if ((err = sip_msg_cseq(req, &cseq, why))) {
		*status = 400;
		return err;
	}
	if (req->method == SIP_METHOD_ACK)
		return 0; /* carries its INVITE's number: neither old nor new */
	if (d->state == DIALOG_TERMINATED) {
		*status = 481;
		FAIL(OPENUM_ENOTFOUND, "Dialog terminated");
	}
	/* RFC 3261 12.2.2: lower is out of order; equal or higher moves the sequence */
	if (d->remote_cseq_set && cseq->num < d->remote_cseq) {
		*status = 500;
		FAIL(OPENUM_EINVAL, "CSeq out of order");
	}
	d->remote_cseq = cseq->num;
	d->remote_cseq_set = true;
	return 0;
}

int dialog_target_refresh(dialog *d, sip_msg *m, const char **why)
{
	dstrings s;
	ou_slice target;
	int err = contact_target(m, &target, why);
	if (err)
		return err;
	current(d, &s);
	s.remote_target = target;
	return store(d, &s);
}

int dialog_handle_response(dialog *d, sip_msg *resp, const char **why)
{
	const sip_cseq *cseq;
	int err;

	if (resp->is_request)
		FAIL(OPENUM_EINVAL, "Not a response");
	if ((err = sip_msg_cseq(resp, &cseq, why)))
		return err;
	if (resp->status == 481 || resp->status == 408) {
		d->state = DIALOG_TERMINATED;
		return 0;
	}
	if (cseq->method != SIP_METHOD_INVITE || resp->status < 200 || resp->status > 299)
		return 0;
	if (d->role == DIALOG_UAC && d->state == DIALOG_EARLY) {
		/* The 2xx fixes the route set and target of the early dialog (13.2.2.4). */
		dstrings s;
		current(d, &s);
		if ((err = contact_target(resp, &s.remote_target, why)) ||
		    (err = route_set(resp, true, &s, why)) || (err = store(d, &s)))
			return err;
		d->state = DIALOG_CONFIRMED;
		return 0;
	}
	err = dialog_target_refresh(d, resp, why);
	return err == OPENUM_ENOTFOUND ? 0 : err;
}
