/* bench/peer_sofia.c: the sofia-sip driver of the parse benchmark.
 *
 * What it measures, per message: msg_make() with the default SIP message class, which
 * copies the bytes into a message-owned buffer (one preloaded su_home block) and runs
 * msg_extract(). Sofia's extraction is eager, not lazy: every header whose class is in
 * the parser table is parsed into its struct as it is split (Request-URI, every Via,
 * From, To, Call-ID, CSeq, every Contact, Max-Forwards, Content-Length, and also
 * Content-Type, Allow, Supported, Route, Record-Route, WWW-Authenticate, Authorization,
 * Expires, ... which openum's decode leaves for later). Headers outside the table
 * (Diversion, History-Info, Ms-*) are kept as name/value strings (sip_unknown). There
 * is no flag to parse fewer headers, so sofia does somewhat more work per message than
 * openum's decode; the body (SDP) is not parsed by either. We then read the same
 * fields openum's decode yields, check that nothing failed, and destroy the message. */
#include "peers.h"

#ifdef HAVE_SOFIA

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_string.h>

static msg_mclass_t const *mclass;

static int sofia_init(void)
{
	mclass = sip_default_mclass();
	return mclass ? 0 : -1;
}

static int sofia_decode(void *state, const char *buf, size_t len, const char **why)
{
	msg_t *msg;
	sip_t *sip;
	sip_via_t *v;
	sip_contact_t *m;
	sip_unknown_t *u;
	int err = 0;

	(void)state;
	msg = msg_make(mclass, 0, buf, (ssize_t)len);
	if (!msg) {
		*why = "msg_make failed";
		return -1;
	}
	sip = sip_object(msg);
	if (!sip || (sip->sip_flags & MSG_FLG_ERROR) || sip->sip_error) {
		*why = "msg_extract reported an error";
		err = -1;
		goto out;
	}
	if (!(sip->sip_request || sip->sip_status) || !sip->sip_via || !sip->sip_from ||
	    !sip->sip_to || !sip->sip_call_id || !sip->sip_cseq) {
		*why = "a mandatory header is missing";
		err = -1;
		goto out;
	}
	if (sip->sip_request && sip->sip_request->rq_method != sip->sip_cseq->cs_method) {
		*why = "CSeq method differs from the request method";
		err = -1;
		goto out;
	}

	for (v = sip->sip_via; v; v = v->v_next)
		bench_sink += (uintptr_t)v->v_host + (uintptr_t)v->v_branch;
	for (m = sip->sip_contact; m; m = m->m_next)
		bench_sink += (uintptr_t)m->m_url->url_host;
	if (sip->sip_max_forwards)
		bench_sink += sip->sip_max_forwards->mf_count;
	if (sip->sip_content_length)
		bench_sink += sip->sip_content_length->l_length;
	if (sip->sip_request)
		bench_sink += (uintptr_t)sip->sip_request->rq_url->url_user;
	bench_sink += sip->sip_cseq->cs_seq + (uintptr_t)sip->sip_from->a_tag +
	              (uintptr_t)sip->sip_to->a_url->url_host + (uintptr_t)sip->sip_call_id->i_id;
	for (u = sip->sip_unknown; u; u = u->un_next) {
		if (su_casematch(u->un_name, "Ms-Exchange-Command"))
			bench_sink += su_casematch(u->un_value, "skip-pin");
		else if (su_casematch(u->un_name, "Ms-Sensitivity"))
			bench_sink += (uintptr_t)u->un_value;
	}
out:
	msg_destroy(msg);
	return err;
}

const bench_impl bench_sofia = {
    .name = "sofia",
    .pkg = "sofia-sip-ua",
    .available = 1,
    .init = sofia_init,
    .decode = sofia_decode,
};

#else

const bench_impl bench_sofia = {.name = "sofia", .pkg = "sofia-sip-ua", .available = 0};

#endif
