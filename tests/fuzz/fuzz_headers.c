/* libFuzzer harness for the small header parsers: Via (each comma element and the
 * whole input), CSeq, plain numbers, Call-ID, Content-Type and the auth headers.
 * Checks that every slice they return lies inside the input and that numbers keep
 * to their ranges; a violation aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip.h"
#include "fuzz_util.h"

static const char *lo, *hi;

/* Absent slices are NULL with n == 0; present ones lie within [lo, hi]. */
static void inside(ou_slice s)
{
	if (!s.p) {
		CHECK(s.n == 0);
		return;
	}
	CHECK(s.p >= lo && s.p <= hi && s.n <= (size_t)(hi - s.p));
}

static void check_why(int err, const char *why)
{
	if (err)
		CHECK(why != NULL && why[0] != '\0');
}

static void via(ou_slice s)
{
	sip_via v;
	const char *why = NULL;
	int err = sip_via_parse(s, &v, &why);
	check_why(err, why);
	if (err) {
		CHECK(err == OPENUM_EBADMSG);
		return;
	}
	inside(v.raw);
	inside(v.protocol);
	inside(v.transport_s);
	inside(v.host);
	inside(v.params);
	inside(v.branch);
	inside(v.received);
	inside(v.maddr);
	CHECK(v.raw.n > 0 && v.host.n > 0 && v.transport_s.n > 0);
	CHECK(v.rport >= -1 && v.rport <= 65535);
	CHECK(v.ttl >= -1 && v.ttl <= 255);
	CHECK(v.branch.p == NULL || v.branch.n > 0);
	/* Every part lies within the element it was parsed from. */
	CHECK(v.host.p >= v.raw.p && v.host.p + v.host.n <= v.raw.p + v.raw.n);
	if (v.params.p)
		CHECK(v.params.p[0] == ';' && v.params.p + v.params.n == v.raw.p + v.raw.n);
	/* A successful parse is deterministic and does not depend on bytes around it. */
	sip_via again;
	CHECK(sip_via_parse(v.raw, &again, NULL) == 0);
	CHECK(again.host.p == v.host.p && again.port == v.port && again.rport == v.rport);
}

static void cseq(ou_slice s)
{
	sip_cseq c;
	const char *why = NULL;
	int err = sip_cseq_parse(s, &c, &why);
	check_why(err, why);
	if (err)
		return;
	inside(c.method_s);
	CHECK(c.num <= 0x7fffffffu);
	CHECK(c.method_s.n > 0);
	CHECK(c.method == sip_method_from(c.method_s));
}

static void numbers(ou_slice s)
{
	uint32_t v;
	const char *why = NULL;
	int err = sip_uint_parse(s, &v, &why);
	check_why(err, why);
	CHECK(err == 0 || err == OPENUM_EBADMSG || err == OPENUM_ETOOBIG);
	why = NULL;
	err = sip_callid_check(s, &why);
	check_why(err, why);
}

static void ctype(ou_slice s)
{
	sip_ctype ct;
	const char *why = NULL;
	int err = sip_ctype_parse(s, &ct, &why);
	check_why(err, why);
	if (err)
		return;
	inside(ct.type);
	inside(ct.subtype);
	inside(ct.params);
	CHECK(ct.type.n > 0 && ct.subtype.n > 0);
	CHECK(ct.params.p == NULL || ct.params.p[0] == ';');
}

static void auth(ou_slice s)
{
	sip_auth a;
	const char *why = NULL;
	int err = sip_auth_parse(s, &a, &why);
	check_why(err, why);
	if (err)
		return;
	const ou_slice fields[] = {a.username,  a.realm,  a.nonce,   a.uri, a.response,
	                           a.algorithm, a.cnonce, a.opaque,  a.qop, a.nc,
	                           a.domain,    a.stale,  a.userhash};
	inside(a.scheme);
	inside(a.params);
	CHECK(a.scheme.n > 0 && a.params.n > 0);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		inside(fields[i]);
		/* Parameter values come from the auth-params, never the scheme. */
		if (fields[i].p)
			CHECK(fields[i].p >= a.params.p &&
			      fields[i].p + fields[i].n <= a.params.p + a.params.n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy so ASan sees any read past the end. */
	char *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	lo = buf;
	hi = buf + size;
	ou_slice s = ou_slice_make(buf, size);

	via(s);
	size_t pos = 0;
	ou_slice elem;
	for (int i = 0; i < SIP_MAX_LIST && sip_list_next(s, &pos, &elem, NULL) == 0; i++)
		via(elem);
	cseq(s);
	numbers(s);
	ctype(s);
	auth(s);

	free(buf);
	return 0;
}
