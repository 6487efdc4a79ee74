/* libFuzzer harness for the message parser: sip_msg_parse, sip_msg_check and every
 * typed accessor; asserts that each slice the parser returns lies inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip.h"
#include "fuzz_util.h"

static const char *lo, *hi;

static void inside(ou_slice s)
{
	if (s.n && (s.p < lo || s.p + s.n > hi))
		abort();
}

static void uri_inside(const sip_uri *u)
{
	inside(u->raw);
	inside(u->user);
	inside(u->host);
	inside(u->params);
	inside(u->headers);
	if (!sip_uri_equal(u, u) && u->scheme != SIP_URI_OTHER)
		abort(); /* a parsed URI equals itself */
}

static sip_msg m;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	lo = buf;
	hi = buf + size;
	const char *why = NULL;
	if (sip_msg_parse(buf, size, &m, &why) != 0) {
		if (!why)
			abort(); /* every error has a reason */
		free(buf);
		return 0;
	}
	inside(m.body);
	inside(m.ruri_s);
	if (m.nhdr > SIP_MAX_HEADERS)
		abort();
	for (unsigned i = 0; i < m.nhdr; i++) {
		inside(m.hdr[i].name);
		inside(m.hdr[i].value);
	}
	why = NULL;
	int err = sip_msg_check(&m, &why);
	if (err && !why)
		abort();
	const sip_uri *u;
	const sip_addr *a;
	const sip_via *v;
	const sip_cseq *cs;
	const sip_ms_cmd *cmd;
	unsigned n;
	uint32_t x;
	ou_slice s;
	sip_sens sens;
	bool eq;
	if (sip_msg_ruri(&m, &u, NULL) == 0)
		uri_inside(u);
	if (sip_msg_from(&m, &a, NULL) == 0)
		uri_inside(&a->uri), inside(a->tag), inside(a->display);
	if (sip_msg_to(&m, &a, NULL) == 0)
		uri_inside(&a->uri);
	if (sip_msg_vias(&m, &v, &n, NULL) == 0) {
		if (n > SIP_MAX_VIA_CACHE)
			abort();
		for (unsigned i = 0; i < n; i++)
			inside(v[i].host), inside(v[i].branch), inside(v[i].params);
	}
	if (sip_msg_contacts(&m, &a, &n, NULL) == 0)
		for (unsigned i = 0; i < n; i++)
			if (!a[i].star)
				uri_inside(&a[i].uri);
	if (sip_msg_cseq(&m, &cs, NULL) == 0)
		inside(cs->method_s);
	if (sip_msg_ms_cmd(&m, &cmd, NULL) == 0)
		inside(cmd->item_id);
	sip_msg_callid(&m, &s, NULL);
	sip_msg_max_forwards(&m, &x, NULL);
	sip_msg_expires(&m, &x, NULL);
	sip_msg_sensitivity(&m, &sens, NULL);
	sip_msg_from_equals_to(&m, &eq, NULL);
	free(buf);
	return 0;
}
