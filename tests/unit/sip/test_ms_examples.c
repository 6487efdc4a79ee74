/* The two example INVITEs of MS-OCEXUM section 4 (tests/data/ms-ocexum/), parsed field by
 * field through the message core: 4.1 carries Ms-Exchange-Command: skip-pin, 4.2 is the
 * UM server's Play-On-Phone dial-out with Ms-Sensitivity: private-no-diversion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip.h"

typedef struct msgfile {
	char *buf; /* exactly len bytes, so that ASan sees any read past the end */
	size_t len;
	sip_msg m;
} msgfile;

static void assert_slice(ou_slice got, const char *want)
{
	if (!want) {
		if (got.p || got.n)
			fail_msg("got '%.*s', want absent", (int)got.n, got.p ? got.p : "");
		return;
	}
	if (!got.p && strlen(want) > 0)
		fail_msg("got absent, want '%s'", want);
	if (got.n != strlen(want) || memcmp(got.p, want, got.n) != 0)
		fail_msg("got '%.*s', want '%s'", (int)got.n, got.p ? got.p : "", want);
}

static ou_slice param(ou_slice params, const char *name)
{
	ou_slice v = OU_SLICE_NULL;
	if (sip_param_get(params, name, &v))
		fail_msg("parameter '%s' absent in '%.*s'", name, (int)params.n, params.p);
	return v;
}

static msgfile *load(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/ms-ocexum/%s", OPENUM_TEST_DATA, name);
	FILE *fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	long sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	assert_true(sz > 0);
	msgfile *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->len = (size_t)sz;
	f->buf = malloc(f->len);
	assert_non_null(f->buf);
	assert_int_equal(fread(f->buf, 1, f->len, fp), f->len);
	fclose(fp);
	const char *why = NULL;
	int rc = sip_msg_parse(f->buf, f->len, &f->m, &why);
	if (rc)
		fail_msg("%s: sip_msg_parse failed: %d '%s'", name, rc, why ? why : "");
	return f;
}

static void unload(msgfile *f)
{
	free(f->buf);
	free(f);
}

/* Fields both examples have the same way: a SIP INVITE whose body is the SDP its
 * Content-Length counts, every line ending in CRLF. */
static void check_common(msgfile *f)
{
	sip_msg *m = &f->m;
	const char *why = NULL;
	assert_true(m->is_request);
	assert_int_equal(m->method, SIP_METHOD_INVITE);
	assert_slice(m->version, "SIP/2.0");
	uint32_t cl = 0;
	assert_int_equal(sip_msg_content_length(m, &cl, &why), 0);
	assert_true(m->has_clen);
	assert_int_equal(m->body.n, cl);
	assert_ptr_equal(m->body.p + m->body.n, f->buf + f->len);
	assert_memory_equal(m->body.p, "v=0\r\n", 5);
	sip_ctype ct;
	assert_int_equal(sip_ctype_parse(sip_msg_hdr(m, SIP_H_CONTENT_TYPE)->value, &ct, &why), 0);
	assert_slice(ct.type, "application");
	assert_slice(ct.subtype, "sdp");
	for (size_t i = 0; i < f->len; i++)
		if (f->buf[i] == '\n')
			assert_true(i > 0 && f->buf[i - 1] == '\r');
}

/* 4.1: subscriber access with skip-pin. */
static void test_skip_pin_invite(void **state)
{
	(void)state;
	msgfile *f = load("skip-pin-invite.sip");
	sip_msg *m = &f->m;
	const char *why = NULL;
	check_common(f);
	assert_int_equal(sip_msg_check(m, &why), 0);

	const sip_uri *ru;
	assert_int_equal(sip_msg_ruri(m, &ru, &why), 0);
	assert_int_equal(ru->scheme, SIP_URI_SIP);
	assert_slice(ru->user, "alice");
	assert_slice(ru->host, "contoso.com");
	assert_int_equal(ru->port, 0);
	assert_slice(param(ru->params, "opaque"), "app:voicemail");

	/* The spec's Via has no branch: accepted (RFC 2543 style), branch absent. */
	const sip_via *v;
	unsigned nv = 0;
	assert_int_equal(sip_msg_vias(m, &v, &nv, &why), 0);
	assert_int_equal(nv, 1);
	assert_int_equal(v[0].transport, SIP_TP_TLS);
	assert_slice(v[0].transport_s, "TLS");
	assert_slice(v[0].host, "10.56.65.37");
	assert_int_equal(v[0].port, 33876);
	assert_null(v[0].branch.p);

	uint32_t mf = 0;
	assert_int_equal(sip_msg_max_forwards(m, &mf, &why), 0);
	assert_int_equal(mf, 70);

	const sip_addr *from, *to;
	assert_int_equal(sip_msg_from(m, &from, &why), 0);
	assert_true(from->angle);
	assert_slice(from->uri.raw, "sip:alice@contoso.com");
	assert_slice(from->tag, "01742a55e6");
	assert_slice(param(from->params, "epid"), "6b5d10e663");
	assert_int_equal(sip_msg_to(m, &to, &why), 0);
	assert_slice(to->uri.raw, "sip:alice@contoso.com;opaque=app:voicemail");
	assert_slice(param(to->uri.params, "opaque"), "app:voicemail");
	assert_null(to->tag.p);

	ou_slice cid;
	assert_int_equal(sip_msg_callid(m, &cid, &why), 0);
	assert_slice(cid, "f7c2efff9240413cb6e5125fdca4b63a");
	const sip_cseq *cs;
	assert_int_equal(sip_msg_cseq(m, &cs, &why), 0);
	assert_int_equal(cs->num, 1);
	assert_int_equal(cs->method, SIP_METHOD_INVITE);

	const sip_addr *c;
	unsigned nc = 0;
	assert_int_equal(sip_msg_contacts(m, &c, &nc, &why), 0);
	assert_int_equal(nc, 1);
	assert_slice(c[0].uri.user, "alice");
	assert_slice(c[0].uri.host, "contoso.com");
	assert_slice(param(c[0].uri.params, "opaque"), "user:epid:ihclvAI6-FmKSLKr_2rtAAA");
	assert_true(sip_param_has(c[0].uri.params, "gruu"));

	const sip_ms_cmd *cmd;
	assert_int_equal(sip_msg_ms_cmd(m, &cmd, &why), 0);
	assert_true(cmd->skip_pin);
	assert_null(cmd->item_id.p);
	sip_sens sens = SIP_SENS_PRIVATE;
	assert_int_equal(sip_msg_sensitivity(m, &sens, &why), 0);
	assert_int_equal(sens, SIP_SENS_NORMAL); /* absent */

	/* To carries ;opaque=app:voicemail and From does not. RFC 3261 19.1.4 ignores a
	 * uri-parameter present in only one URI (unless user, ttl, method or maddr), so
	 * the two URIs are equal: alice calls her own voicemail. */
	bool eq = false;
	assert_int_equal(sip_msg_from_equals_to(m, &eq, &why), 0);
	assert_true(eq);
	assert_true(sip_uri_equal(&from->uri, &to->uri));
	assert_false(sip_param_has(from->uri.params, "opaque"));
	/* A parameter in both URIs must match: the Contact's opaque differs from To's. */
	assert_false(sip_uri_equal(&to->uri, &c[0].uri));
	unload(f);
}

/* 4.2: the UM server dials the user for Play-On-Phone. */
static void test_play_on_phone_invite(void **state)
{
	(void)state;
	msgfile *f = load("play-on-phone-invite.sip");
	sip_msg *m = &f->m;
	const char *why = NULL;
	check_common(f);

	const sip_uri *ru;
	assert_int_equal(sip_msg_ruri(m, &ru, &why), 0);
	assert_slice(m->ruri_s, "sip:172.19.58.98:2280;transport=tls;ms-opaque=ce5f21cc9d;"
	                        "ms-received-cid=D0A300");
	assert_int_equal(ru->user.n, 0);
	assert_slice(ru->host, "172.19.58.98");
	assert_int_equal(ru->port, 2280);
	assert_slice(param(ru->params, "transport"), "tls");
	assert_slice(param(ru->params, "ms-opaque"), "ce5f21cc9d");
	assert_slice(param(ru->params, "ms-received-cid"), "D0A300");

	/* The spec's example shows no Via at all: an excerpt, not a full request. The
	 * message layer still reads every field, and refuses it as a request to route. */
	const sip_via *v;
	unsigned nv = 0;
	assert_int_equal(sip_msg_vias(m, &v, &nv, &why), OPENUM_ENOTFOUND);
	why = NULL;
	assert_true(sip_msg_check(m, &why) < 0);
	assert_non_null(why);
	assert_true(strlen(why) > 0);

	uint32_t mf = 0;
	assert_int_equal(sip_msg_max_forwards(m, &mf, &why), 0);
	assert_int_equal(mf, 68);

	const sip_addr *from, *to;
	assert_int_equal(sip_msg_from(m, &from, &why), 0);
	assert_slice(from->uri.raw, "sip:alice@contoso.com");
	assert_slice(from->tag, "7534fa434");
	assert_slice(param(from->params, "epid"), "1944B98832");
	assert_int_equal(sip_msg_to(m, &to, &why), 0);
	assert_slice(to->uri.raw, "sip:alice@contoso.com");
	assert_null(to->tag.p);
	assert_slice(param(to->params, "epid"), "d793aff63a");

	const sip_cseq *cs;
	assert_int_equal(sip_msg_cseq(m, &cs, &why), 0);
	assert_int_equal(cs->num, 5);
	assert_int_equal(cs->method, SIP_METHOD_INVITE);
	ou_slice cid;
	assert_int_equal(sip_msg_callid(m, &cid, &why), 0);
	assert_slice(cid, "7a7378c9-7b3c-4cec-b6da-ec27d752e904");

	const sip_addr *c;
	unsigned nc = 0;
	assert_int_equal(sip_msg_contacts(m, &c, &nc, &why), 0);
	assert_int_equal(nc, 1);
	assert_int_equal(c[0].uri.user.n, 0);
	assert_slice(c[0].uri.host, "exchange.contoso.com");
	assert_int_equal(c[0].uri.port, 5066);
	assert_slice(param(c[0].uri.params, "transport"), "Tls");
	assert_slice(param(c[0].uri.params, "ms-opaque"), "a752506cbee22182");
	assert_true(sip_param_has(c[0].params, "automata"));
	assert_false(sip_param_has(c[0].uri.params, "automata"));

	assert_slice(sip_msg_hdr(m, SIP_H_USER_AGENT)->value, "RTCC/3.0.0.0");

	/* Two Allow headers, in order, with Ms-Sensitivity between them. */
	assert_int_equal(sip_msg_hdr_count(m, SIP_H_ALLOW), 2);
	const sip_hdr *a1 = sip_msg_hdr(m, SIP_H_ALLOW);
	const sip_hdr *a2 = sip_msg_hdr_next(m, a1);
	assert_non_null(a2);
	assert_null(sip_msg_hdr_next(m, a2));
	assert_slice(a1->value, "UPDATE");
	static const char *const methods[] = {"Ack",  "Cancel",  "Bye",     "Invite",  "Message",
	                                      "Info", "Service", "Options", "BeNotify"};
	size_t pos = 0, k = 0;
	ou_slice e;
	while (sip_list_next(a2->value, &pos, &e, &why) == 0) {
		assert_true(k < 9);
		assert_slice(e, methods[k]);
		k++;
	}
	assert_int_equal(k, 9);
	assert_true(a1 < sip_msg_hdr(m, SIP_H_MS_SENSITIVITY));
	assert_true(sip_msg_hdr(m, SIP_H_MS_SENSITIVITY) < a2);

	sip_sens sens = SIP_SENS_NORMAL;
	assert_int_equal(sip_msg_sensitivity(m, &sens, &why), 0);
	assert_int_equal(sens, SIP_SENS_PRIVATE_NO_DIVERSION);
	assert_true(sip_sens_no_diversion(sens));
	const sip_ms_cmd *cmd;
	assert_int_equal(sip_msg_ms_cmd(m, &cmd, &why), 0);
	assert_false(cmd->skip_pin);

	/* MS-OCEXUM 3.2: From URI == To URI on a Play-On-Phone INVITE. */
	bool eq = false;
	assert_int_equal(sip_msg_from_equals_to(m, &eq, &why), 0);
	assert_true(eq);
	unload(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_skip_pin_invite),
	    cmocka_unit_test(test_play_on_phone_invite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
