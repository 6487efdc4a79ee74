/* The media side of a call: our SDP description, the RTP session on the ua's clock,
 * and applying what an offer/answer exchange settled (codec, payload types, where to
 * send). DTMF received as RFC 4733 events comes up through here. */
#include <stdio.h>
#include <string.h>

#include "ua_int.h"

void call_media_local(ua_call *c)
{
	ua *u = c->u;
	snprintf(c->local_addr, sizeof(c->local_addr), "%s", u->rtp_ip);
	memset(&c->local, 0, sizeof(c->local));
	c->local.addr = ou_slice_cstr(c->local_addr);
	c->local.port = u->rtp_port_min; /* replaced by the session's port once open */
	/* 3264 5: any number unique to us; time plus a counter needs no randomness */
	c->local.sess_id = (uv_hrtime() / 1000000u) * 1000u + (++u->sess_counter % 1000u);
	c->local.sess_version = 1;
	c->local.dir = SDP_SENDRECV;
	c->local.te_pt = SDP_PT_TE_DEFAULT;
}

static void on_dtmf(media_session *s, char digit, void *arg)
{
	ua_call *c = arg;
	(void)s;
	if (c->state != CALL_ENDED && c->u->ev.dtmf)
		c->u->ev.dtmf(c->u->arg, c, digit, UA_DTMF_RFC4733);
}

int call_media_open(ua_call *c, const char **why)
{
	if (c->ms)
		return 0;
	media_session_config mc = {
	    .bind_ip = c->u->rtp_ip,
	    .codec = MEDIA_PCMU,
	    .pt = SDP_PT_PCMU,
	    .dtmf_pt = SDP_PT_TE_DEFAULT,
	    .idle_silence = true,
	    .on_dtmf = on_dtmf,
	    .on_play_done = call_play_done,
	    .arg = c,
	};
	int err = media_session_open(c->u->clock, &mc, &c->ms, why);
	if (err)
		return err;
	c->local.port = media_session_port(c->ms);
	return 0;
}

int call_media_apply(ua_call *c, const sdp_nego *n)
{
	char ip[48];
	if (!c->ms)
		return OPENUM_EINVAL;
	c->nego = *n;
	c->have_nego = true;
	uint8_t te = n->te_pt >= 0 && n->te_pt != n->pt ? (uint8_t)n->te_pt : 0;
	int err = media_session_set_format(c->ms, n->codec == SDP_PT_PCMA ? MEDIA_PCMA : MEDIA_PCMU,
	                                   n->pt, te);
	if (err)
		return err;
	/* the peer's address points into its message: copy it now. Not allowed to send
	 * (held, inactive): no address, so nothing goes out until media arrives. */
	if (!(n->dir & SDP_SENDONLY) || !n->remote.present || n->remote.addr.n >= sizeof(ip))
		snprintf(ip, sizeof(ip), "%s", n->remote.ipv6 ? "::" : "0.0.0.0");
	else
		ou_slice_copy(n->remote.addr, ip, sizeof(ip));
	return media_session_set_remote(c->ms, ip, n->remote_port);
}

void call_media_close(ua_call *c)
{
	if (c->ms) {
		media_session_close(c->ms);
		c->ms = NULL;
	}
}

int call_sdp_parse(ua_call *c, sip_msg *m, const char **why)
{
	const sip_hdr *ct = sip_msg_hdr(m, SIP_H_CONTENT_TYPE);
	sip_ctype t;
	if (m->body.n == 0) {
		if (why)
			*why = "No SDP offer";
		return OPENUM_ENOTFOUND;
	}
	if (ct && (sip_ctype_parse(ct->value, &t, NULL) != 0 ||
	           !ou_slice_caseeq_cstr(t.type, "application") ||
	           !ou_slice_caseeq_cstr(t.subtype, "sdp"))) {
		if (why)
			*why = "Body is not application/sdp";
		return OPENUM_ENOTFOUND;
	}
	return sdp_parse(m->body, &c->u->sdp, why);
}
