/* Tells the two kinds of incoming UM call apart (RELATED.md, MS-EUMR): subscriber
 * access (the owner wants their mailbox) or call answering (someone leaves a message),
 * and names the mailbox as a normalised user@host. Pure: reads a parsed INVITE only.
 * The order of the rules is written down in docs/um-logon.md. */
#include <string.h>

#include "um.h"

#define FAIL(code, reason)                                                                         \
	do {                                                                                       \
		if (why)                                                                           \
			*why = (reason);                                                           \
		return (code);                                                                     \
	} while (0)

/* History-Info entries kept while scanning: the last ones are the ones that matter
 * (the final hop and its parent); older ones fall off the ring. */
#define HI_RING 32

const char *um_call_kind_name(um_call_kind k)
{
	switch (k) {
	case UM_CALL_SUBSCRIBER_ACCESS: return "subscriber-access";
	case UM_CALL_ANSWERING: return "call-answering";
	}
	return "?";
}

static int hexval(unsigned char c)
{
	if (ou_is(c, OU_C_DIGIT))
		return c - '0';
	if (ou_is(c, OU_C_HEX))
		return (ou_lower((char)c) - 'a') + 10;
	return -1;
}

/* %-unescapes s into dst (NUL-terminated). RFC 3261 19.1.4 compares user parts after
 * unescaping, so "%61lice" is alice. */
static int unescape(ou_slice s, char *dst, size_t cap, size_t *outlen, const char **why)
{
	size_t o = 0;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= s.n)
				FAIL(OPENUM_EBADMSG, "Bad URI: truncated escape");
			hi = hexval((unsigned char)s.p[i + 1]);
			lo = hexval((unsigned char)s.p[i + 2]);
			if (hi < 0 || lo < 0)
				FAIL(OPENUM_EBADMSG, "Bad URI: bad escape");
			c = (unsigned char)(hi << 4 | lo);
			if (c == 0)
				FAIL(OPENUM_EBADMSG, "Bad URI: escaped NUL");
			i += 2;
		}
		if (o + 1 >= cap)
			FAIL(OPENUM_ETOOBIG, "URI user part too long");
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	if (outlen)
		*outlen = o;
	return 0;
}

/* RFC 3966 visual separators carry no meaning: +1-425-555-0100 is +14255550100. */
static void strip_visual(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++)
		if (*r != '-' && *r != '.' && *r != '(' && *r != ')')
			*w++ = *r;
	*w = '\0';
}

int um_addr_from_uri(const sip_uri *uri, um_addr *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (uri->scheme != SIP_URI_SIP && uri->scheme != SIP_URI_SIPS && uri->scheme != SIP_URI_TEL)
		FAIL(OPENUM_EINVAL, "Not a SIP or tel URI");
	int err = unescape(uri->user, out->user, sizeof(out->user), NULL, why);
	if (err)
		return err;
	if (uri->scheme == SIP_URI_TEL) {
		out->phone = true;
	} else {
		ou_slice v;
		out->phone =
		    sip_param_get(uri->params, "user", &v) == 0 && ou_slice_caseeq_cstr(v, "phone");
		if (uri->host.n >= sizeof(out->host))
			FAIL(OPENUM_ETOOBIG, "URI host too long");
		for (size_t i = 0; i < uri->host.n; i++)
			out->host[i] = ou_lower(uri->host.p[i]);
		out->host[uri->host.n] = '\0';
	}
	if (out->phone)
		strip_visual(out->user);
	size_t ul = strlen(out->user), hl = strlen(out->host);
	memcpy(out->aor, out->user, ul);
	if (ul && hl)
		out->aor[ul++] = '@';
	memcpy(out->aor + ul, out->host, hl);
	out->aor[ul + hl] = '\0';
	return 0;
}

bool um_addr_same(const um_addr *a, const um_addr *b, bool ignore_host)
{
	if (!a->user[0] || !b->user[0])
		return false; /* a bare host names a server, never a mailbox */
	if (a->phone || b->phone || ignore_host)
		return strcmp(a->user, b->user) == 0;
	return strcmp(a->aor, b->aor) == 0;
}

static bool is_anonymous(const um_addr *a)
{
	return strcmp(a->host, "anonymous.invalid") == 0 ||
	       ou_slice_caseeq_cstr(ou_slice_cstr(a->user), "anonymous");
}

/* A pilot names the voicemail system, not a mailbox. */
static bool is_pilot(const um_addr *a, const um_classify_cfg *cfg)
{
	if (!a->user[0])
		return true;
	for (size_t i = 0; cfg && i < cfg->npilots; i++) {
		const char *p = cfg->pilots[i];
		if (!p)
			continue;
		if (strchr(p, '@') ? strcmp(p, a->aor) == 0 : strcmp(p, a->user) == 0)
			return true;
	}
	return false;
}

/* Diversion (RFC 5806): entries are written newest first; each diverting proxy adds
 * its entry on top. We take the top-most one by default: the user whose busy or
 * no-answer handed the call to voicemail, whose mailbox should take the message. An
 * earlier diverting party (bottom-most) forwarded on purpose. MS-EUMR proxies
 * leave one entry only, so both choices agree there. */
static int find_diversion(sip_msg *m, const um_classify_cfg *cfg, bool *found, sip_addr *pick,
                          const char **why)
{
	*found = false;
	for (const sip_hdr *h = sip_msg_hdr(m, SIP_H_DIVERSION); h; h = sip_msg_hdr_next(m, h)) {
		size_t pos = 0;
		ou_slice el;
		int err;
		while ((err = sip_list_next(h->value, &pos, &el, why)) == 0) {
			sip_addr a;
			if (sip_addr_parse(el, &a, why))
				FAIL(OPENUM_EBADMSG, "Bad Diversion");
			if (!*found || (cfg && cfg->diversion_original))
				*pick = a;
			*found = true;
			if (!(cfg && cfg->diversion_original))
				return 0;
		}
		if (err != OPENUM_ENOTFOUND)
			FAIL(OPENUM_EBADMSG, "Bad Diversion");
	}
	return 0;
}

/* RFC 4458: sip:voicemail@host;target=<escaped mailbox URI>;cause=486. */
static int find_target_param(const sip_uri *ruri, bool *found, um_addr *out, ou_slice *cause,
                             const char **why)
{
	ou_slice v;
	*found = false;
	if (sip_param_get(ruri->params, "target", &v) != 0 || v.n == 0)
		return 0;
	char buf[SIP_MAX_URI];
	size_t n;
	if (unescape(v, buf, sizeof(buf), &n, why))
		FAIL(OPENUM_EBADMSG, "Bad Request-URI: bad target parameter");
	sip_uri t;
	if (sip_uri_parse(ou_slice_make(buf, n), &t, why) || um_addr_from_uri(&t, out, why))
		FAIL(OPENUM_EBADMSG, "Bad Request-URI: bad target parameter");
	if (sip_param_get(ruri->params, "cause", &v) == 0)
		*cause = v;
	*found = true;
	return 0;
}

/* Lync/Skype for Business mark a user's voicemail as opaque=app:voicemail. */
static bool is_voicemail_uri(const sip_uri *u)
{
	ou_slice v;
	return sip_param_get(u->params, "opaque", &v) == 0 &&
	       ou_slice_caseeq_cstr(v, "app:voicemail");
}

/* History-Info (RFC 7044): entries in chronological order, the last one being the
 * hop that reached us. The diverting party is that hop's parent, named by its rc or
 * mp parameter (an index), else the entry written before it. When the last entry is
 * not a hop to voicemail (the proxy logged no entry for it), it is itself the party
 * the call was diverted from. */
static int find_history_info(sip_msg *m, const um_addr *target, const um_classify_cfg *cfg,
                             bool *found, um_addr *out, ou_slice *cause, const char **why)
{
	sip_addr ring[HI_RING];
	size_t n = 0;
	*found = false;
	for (const sip_hdr *h = sip_msg_hdr(m, SIP_H_HISTORY_INFO); h; h = sip_msg_hdr_next(m, h)) {
		size_t pos = 0;
		ou_slice el;
		int err;
		while ((err = sip_list_next(h->value, &pos, &el, why)) == 0) {
			if (sip_addr_parse(el, &ring[n % HI_RING], why))
				FAIL(OPENUM_EBADMSG, "Bad History-Info");
			n++;
		}
		if (err != OPENUM_ENOTFOUND)
			FAIL(OPENUM_EBADMSG, "Bad History-Info");
	}
	if (n == 0)
		return 0;
	size_t kept = n < HI_RING ? n : HI_RING;
	const sip_addr *last = &ring[(n - 1) % HI_RING];
	um_addr la;
	if (um_addr_from_uri(&last->uri, &la, why))
		FAIL(OPENUM_EBADMSG, "Bad History-Info");
	ou_slice v;
	bool has_cause = sip_param_get(last->uri.params, "cause", &v) == 0;
	bool hop = has_cause || is_voicemail_uri(&last->uri) || is_pilot(&la, cfg) ||
	           um_addr_same(&la, target, cfg && cfg->ignore_host);
	const sip_addr *div = NULL;
	if (!hop) {
		div = last;
	} else {
		ou_slice parent = OU_SLICE_NULL;
		if (sip_param_get(last->params, "rc", &parent) != 0)
			(void)sip_param_get(last->params, "mp", &parent);
		for (size_t k = 1; parent.n && k < kept; k++) {
			const sip_addr *e = &ring[(n - 1 - k) % HI_RING];
			ou_slice idx;
			if (sip_param_get(e->params, "index", &idx) == 0 &&
			    ou_slice_eq(idx, parent)) {
				div = e;
				break;
			}
		}
		if (!div && kept >= 2)
			div = &ring[(n - 2) % HI_RING];
		if (has_cause)
			*cause = v;
	}
	if (!div)
		return 0;
	if (um_addr_from_uri(&div->uri, out, why))
		FAIL(OPENUM_EBADMSG, "Bad History-Info");
	*found = true;
	return 0;
}

/* Applies a diverting party: call answering for it, unless it is the caller (a call
 * the owner's own forwarding sent to voicemail is the owner calling in) or a pilot. */
static bool take_diversion(um_class *out, const um_addr *div, const um_classify_cfg *cfg,
                           um_class_basis basis)
{
	if (is_pilot(div, cfg) || um_addr_same(div, &out->caller, cfg && cfg->ignore_host))
		return false;
	out->kind = UM_CALL_ANSWERING;
	out->basis = basis;
	out->mailbox = *div;
	return true;
}

typedef enum lrp_kind { LRP_NONE, LRP_SUBSCRIBER, LRP_ANSWERING } lrp_kind;

static lrp_kind resource_path(const sip_uri *ruri)
{
	ou_slice v;
	if (sip_param_get(ruri->params, "local-resource-path", &v) != 0)
		return LRP_NONE;
	if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
		v = ou_slice_make(v.p + 1, v.n - 2);
	if (ou_slice_caseeq_cstr(v, "voicemail") || ou_slice_caseeq_cstr(v, "greeting"))
		return LRP_SUBSCRIBER;
	if (ou_slice_caseeq_cstr(v, "voicememo") || ou_slice_caseeq_cstr(v, "playgreeting"))
		return LRP_ANSWERING;
	return LRP_NONE; /* an unknown feature name: fall back to the other rules */
}

int um_classify(sip_msg *m, const um_classify_cfg *cfg, um_class *out, const char **why)
{
	const sip_uri *ruri;
	const sip_addr *from;
	int err;

	memset(out, 0, sizeof(*out));
	if (!m->is_request || m->method != SIP_METHOD_INVITE)
		FAIL(OPENUM_EINVAL, "Not an INVITE");
	if ((err = sip_msg_ruri(m, &ruri, why)) != 0)
		return err == OPENUM_ENOTFOUND ? OPENUM_EBADMSG : err;
	if ((err = sip_msg_from(m, &from, why)) != 0) {
		if (err == OPENUM_ENOTFOUND)
			FAIL(OPENUM_EBADMSG, "Missing From");
		return err;
	}

	um_addr target;
	if ((err = um_addr_from_uri(ruri, &target, why)) != 0) {
		if (err == OPENUM_EINVAL)
			FAIL(OPENUM_EBADMSG, "Bad Request-URI: not a sip or tel URI");
		return err;
	}
	if ((err = um_addr_from_uri(&from->uri, &out->caller, why)) != 0) {
		if (err != OPENUM_EINVAL)
			return err;
		memset(&out->caller, 0, sizeof(out->caller)); /* e.g. a urn: From: unknown caller */
		out->anonymous = true;
	}
	if (is_anonymous(&out->caller))
		out->anonymous = true;
	bool target_is_pilot = is_pilot(&target, cfg);
	bool ih = cfg && cfg->ignore_host;

	/* Every diversion source is parsed, so that a malformed one is reported even
	 * when an earlier source decides. */
	bool have_div, have_tp, have_hi;
	sip_addr div_addr;
	um_addr div, tp, hi;
	ou_slice tp_cause = OU_SLICE_NULL, hi_cause = OU_SLICE_NULL;
	if ((err = find_diversion(m, cfg, &have_div, &div_addr, why)) != 0)
		return err;
	if (have_div && um_addr_from_uri(&div_addr.uri, &div, why))
		FAIL(OPENUM_EBADMSG, "Bad Diversion: not a sip or tel URI");
	if ((err = find_target_param(ruri, &have_tp, &tp, &tp_cause, why)) != 0)
		return err;
	if ((err = find_history_info(m, &target, cfg, &have_hi, &hi, &hi_cause, why)) != 0)
		return err;

	lrp_kind lrp = resource_path(ruri);
	if (lrp == LRP_SUBSCRIBER) {
		out->kind = UM_CALL_SUBSCRIBER_ACCESS;
		out->basis = UM_BASIS_RESOURCE_PATH;
		out->mailbox = target_is_pilot ? out->caller : target;
		if (target_is_pilot && out->anonymous)
			memset(&out->mailbox, 0, sizeof(out->mailbox));
		return 0;
	}

	/* A diversion naming someone other than the caller: call answering for them.
	 * Sources in order of authority: Diversion (what MS-EUMR proxies write), the
	 * RFC 4458 target parameter, History-Info. */
	ou_slice dreason = OU_SLICE_NULL;
	if (have_div)
		(void)sip_param_get(div_addr.params, "reason", &dreason);
	if (have_div && take_diversion(out, &div, cfg, UM_BASIS_DIVERSION)) {
		out->reason = dreason;
		return 0;
	}
	if (have_tp && take_diversion(out, &tp, cfg, UM_BASIS_TARGET_PARAM)) {
		out->reason = tp_cause;
		return 0;
	}
	if (have_hi && take_diversion(out, &hi, cfg, UM_BASIS_HISTORY_INFO)) {
		out->reason = hi_cause;
		return 0;
	}

	if (lrp == LRP_ANSWERING) {
		if (target_is_pilot)
			FAIL(OPENUM_ENOTFOUND, "No mailbox to leave a message in");
		out->kind = UM_CALL_ANSWERING;
		out->basis = UM_BASIS_RESOURCE_PATH;
		out->mailbox = target;
		return 0;
	}
	if (target_is_pilot) {
		/* The pilot: the caller's own mailbox, if the caller is known at all. */
		out->kind = UM_CALL_SUBSCRIBER_ACCESS;
		out->basis = UM_BASIS_PILOT;
		if (!out->anonymous)
			out->mailbox = out->caller;
		return 0;
	}
	out->mailbox = target;
	if (!out->anonymous && um_addr_same(&target, &out->caller, ih)) {
		out->kind = UM_CALL_SUBSCRIBER_ACCESS;
		out->basis = UM_BASIS_OWNER_CALLING;
	} else {
		out->kind = UM_CALL_ANSWERING;
		out->basis = UM_BASIS_OTHER_CALLING;
	}
	return 0;
}
