/* proxy/location.c: the location service. Bindings of addresses of record to Contact
 * URIs with expiry, q-value and the flow (connection) they registered on, and the
 * REGISTER rules of RFC 3261 10.3 (wildcard removal, per-contact expires, 423 with
 * Min-Expires, Call-ID/CSeq ordering) applied all-or-nothing. A flat array: a proxy
 * for a few thousand users scans it in microseconds; the owner persists changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

struct proxy_loc {
	proxy_loc_ops ops;
	proxy_binding *b;
	size_t n, cap;
};

int proxy_loc_new(const proxy_loc_ops *ops, proxy_loc **out)
{
	proxy_loc *l = calloc(1, sizeof(*l));
	if (!l)
		return OPENUM_ENOMEM;
	if (ops)
		l->ops = *ops;
	*out = l;
	return 0;
}

static void drop_flow(proxy_loc *l, proxy_binding *b)
{
	if (b->flow && l->ops.unref)
		l->ops.unref(b->flow);
	b->flow = NULL;
}

void proxy_loc_free(proxy_loc *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		drop_flow(l, &l->b[i]);
	free(l->b);
	free(l);
}

static proxy_binding *append(proxy_loc *l)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		proxy_binding *nb = realloc(l->b, nc * sizeof(*nb));
		if (!nb)
			return NULL;
		l->b = nb;
		l->cap = nc;
	}
	proxy_binding *b = &l->b[l->n++];
	memset(b, 0, sizeof(*b));
	return b;
}

static void remove_at(proxy_loc *l, size_t i, bool notify)
{
	proxy_binding *b = &l->b[i];
	if (notify && l->ops.change)
		l->ops.change(l->ops.arg, &b->rec, true);
	drop_flow(l, b);
	l->b[i] = l->b[--l->n];
}

int proxy_loc_load(proxy_loc *l, const store_binding *rec)
{
	proxy_binding *b = append(l);
	if (!b)
		return OPENUM_ENOMEM;
	b->rec = *rec;
	return 0;
}

unsigned proxy_loc_lookup(proxy_loc *l, const char *aor, int64_t now_ms, const proxy_binding **out,
                          unsigned max)
{
	unsigned k = 0;
	for (size_t i = 0; i < l->n && k < max; i++) {
		const proxy_binding *b = &l->b[i];
		if (b->rec.expires_ms <= now_ms || strcmp(b->rec.aor, aor) != 0)
			continue;
		/* insertion by q descending, stable */
		unsigned j = k++;
		while (j > 0 && out[j - 1]->rec.q < b->rec.q) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = b;
	}
	return k;
}

const proxy_binding *proxy_loc_by_contact(proxy_loc *l, ou_slice uri, int64_t now_ms)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->b[i].rec.expires_ms > now_ms && ou_slice_eq_cstr(uri, l->b[i].rec.contact))
			return &l->b[i];
	return NULL;
}

void proxy_loc_flow_closed(proxy_loc *l, const net_conn *c)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->b[i].flow == c)
			drop_flow(l, &l->b[i]);
}

void proxy_loc_expire(proxy_loc *l, int64_t now_ms)
{
	for (size_t i = 0; i < l->n;) {
		if (l->b[i].rec.expires_ms <= now_ms)
			remove_at(l, i, true);
		else
			i++;
	}
}

static proxy_binding *find(proxy_loc *l, const char *aor, ou_slice contact)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->b[i].rec.aor, aor) == 0 &&
		    ou_slice_eq_cstr(contact, l->b[i].rec.contact))
			return &l->b[i];
	return NULL;
}

/* q-value "0", "0.5", "1.000" to thousandths; false when malformed. */
static bool parse_q(ou_slice v, uint16_t *out)
{
	if (v.n == 0 || v.n > 5 || (v.p[0] != '0' && v.p[0] != '1'))
		return false;
	unsigned q = (unsigned)(v.p[0] - '0') * 1000;
	if (v.n > 1) {
		if (v.p[1] != '.')
			return false;
		unsigned scale = 100;
		for (size_t i = 2; i < v.n; i++, scale /= 10) {
			if (!ou_is((unsigned char)v.p[i], OU_C_DIGIT))
				return false;
			q += (unsigned)(v.p[i] - '0') * scale;
		}
	}
	if (q > 1000)
		return false;
	*out = (uint16_t)q;
	return true;
}

static ou_slice unquote(ou_slice v)
{
	if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
		return ou_slice_make(v.p + 1, v.n - 2);
	return v;
}

typedef struct reg_item {
	const sip_addr *c;
	uint32_t expires;
	uint16_t q;
} reg_item;

static unsigned bad(const char **why, const char *w)
{
	if (why)
		*why = w;
	return 400;
}

unsigned proxy_loc_register(proxy_loc *l, const char *aor, sip_msg *req, const proxy_flow *flow,
                            const proxy_reg_limits *lim, int64_t now_ms, uint32_t *min_expires,
                            const char **why)
{
	uint32_t min_e = lim && lim->min_expires ? lim->min_expires : PROXY_DEFAULT_MIN_EXPIRES;
	uint32_t max_e = lim && lim->max_expires ? lim->max_expires : PROXY_DEFAULT_MAX_EXPIRES;
	uint32_t def_e = lim && lim->default_expires ? lim->default_expires : PROXY_DEFAULT_EXPIRES;
	unsigned max_b = lim && lim->max_bindings ? lim->max_bindings : PROXY_MAX_BINDINGS_PER_AOR;
	if (def_e > max_e)
		def_e = max_e;

	ou_slice callid;
	const sip_cseq *cseq;
	if (sip_msg_callid(req, &callid, why) || sip_msg_cseq(req, &cseq, why))
		return bad(why, "Bad Call-ID or CSeq");
	if (callid.n >= STORE_CALLID_MAX)
		return bad(why, "Call-ID too long");
	uint32_t hdr_exp = def_e;
	bool has_hdr_exp = false;
	int err = sip_msg_expires(req, &hdr_exp, why);
	if (err == 0)
		has_hdr_exp = true;
	else if (err != OPENUM_ENOTFOUND)
		return bad(why, "Bad Expires");
	const sip_addr *cs = NULL;
	unsigned nc = 0;
	err = sip_msg_contacts(req, &cs, &nc, why);
	if (err == OPENUM_ENOTFOUND)
		nc = 0;
	else if (err)
		return 400;
	if (nc == SIP_MAX_CONTACT_CACHE)
		return bad(why, "Too many Contacts");

	char cid[STORE_CALLID_MAX];
	ou_slice_copy(callid, cid, sizeof(cid));

	/* Wildcard: alone, with Expires: 0 (10.3 step 6). */
	for (unsigned i = 0; i < nc; i++) {
		if (!cs[i].star)
			continue;
		if (nc != 1 || !has_hdr_exp || hdr_exp != 0)
			return bad(why, "Contact * needs Expires: 0 and no other Contact");
		for (size_t k = 0; k < l->n; k++) {
			proxy_binding *b = &l->b[k];
			if (strcmp(b->rec.aor, aor) == 0 && strcmp(b->rec.call_id, cid) == 0 &&
			    b->rec.cseq >= cseq->num) {
				if (why)
					*why = "Out of order";
				return 500;
			}
		}
		for (size_t k = 0; k < l->n;) {
			if (strcmp(l->b[k].rec.aor, aor) == 0)
				remove_at(l, k, true);
			else
				k++;
		}
		return 200;
	}

	/* Validate everything before changing anything. */
	reg_item items[SIP_MAX_CONTACT_CACHE];
	unsigned nadd = 0;
	for (unsigned i = 0; i < nc; i++) {
		const sip_addr *c = &cs[i];
		if (c->uri.scheme != SIP_URI_SIP && c->uri.scheme != SIP_URI_SIPS)
			return bad(why, "Contact must be a sip: or sips: URI");
		if (c->uri.raw.n >= STORE_CONTACT_MAX)
			return bad(why, "Contact URI too long");
		reg_item it = {.c = c, .expires = hdr_exp, .q = 1000};
		ou_slice v;
		if (sip_param_get(c->params, "expires", &v) == 0 &&
		    sip_uint_parse(v, &it.expires, NULL) != 0)
			return bad(why, "Bad Contact expires");
		if (sip_param_get(c->params, "q", &v) == 0 && !parse_q(v, &it.q))
			return bad(why, "Bad Contact q-value");
		if (it.expires != 0 && it.expires < min_e) {
			if (min_expires)
				*min_expires = min_e;
			if (why)
				*why = "Interval Too Brief";
			return 423;
		}
		if (it.expires > max_e)
			it.expires = max_e;
		proxy_binding *old = find(l, aor, c->uri.raw);
		if (old && strcmp(old->rec.call_id, cid) == 0 && old->rec.cseq >= cseq->num) {
			if (why)
				*why = "Out of order";
			return 500;
		}
		items[i] = it;
		if (it.expires && !old)
			nadd++;
	}
	unsigned have = 0;
	for (size_t k = 0; k < l->n; k++)
		if (strcmp(l->b[k].rec.aor, aor) == 0 && l->b[k].rec.expires_ms > now_ms)
			have++;
	if (have + nadd > max_b) {
		if (why)
			*why = "Too many registered contacts";
		return 403;
	}

	for (unsigned i = 0; i < nc; i++) {
		const reg_item *it = &items[i];
		proxy_binding *b = find(l, aor, it->c->uri.raw);
		if (it->expires == 0) {
			if (b)
				remove_at(l, (size_t)(b - l->b), true);
			continue;
		}
		if (!b) {
			b = append(l);
			if (!b) {
				if (why)
					*why = "Out of memory";
				return 500;
			}
			snprintf(b->rec.aor, sizeof(b->rec.aor), "%s", aor);
			ou_slice_copy(it->c->uri.raw, b->rec.contact, sizeof(b->rec.contact));
		}
		b->rec.expires_ms = now_ms + (int64_t)it->expires * 1000;
		b->rec.q = it->q;
		b->rec.cseq = cseq->num;
		b->rec.updated_ms = now_ms;
		snprintf(b->rec.call_id, sizeof(b->rec.call_id), "%s", cid);
		ou_slice v;
		b->rec.instance[0] = '\0';
		if (sip_param_get(it->c->params, "+sip.instance", &v) == 0)
			ou_slice_copy(unquote(v), b->rec.instance, sizeof(b->rec.instance));
		uint32_t rid = 0;
		b->rec.reg_id = sip_param_get(it->c->params, "reg-id", &v) == 0 &&
		                        sip_uint_parse(v, &rid, NULL) == 0
		                    ? rid
		                    : 0;
		if (flow) {
			snprintf(b->rec.transport, sizeof(b->rec.transport), "%s",
			         flow->transport ? flow->transport : "");
			snprintf(b->rec.peer, sizeof(b->rec.peer), "%s",
			         flow->peer ? flow->peer : "");
			if (b->flow != flow->conn) {
				drop_flow(l, b);
				b->flow =
				    flow->conn && l->ops.ref ? l->ops.ref(flow->conn) : flow->conn;
			}
		}
		if (l->ops.change)
			l->ops.change(l->ops.arg, &b->rec, false);
	}
	return 200;
}
