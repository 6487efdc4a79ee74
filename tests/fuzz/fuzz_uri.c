/* libFuzzer harness for URIs, name-addrs and parameter lists: every slice a parser
 * returns lies inside the input, a parsed URI equals itself, and re-parsing a URI's
 * own raw text gives the same parts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip.h"
#include "fuzz_util.h"

static const char *g_lo, *g_hi;

/* A slice is either absent (p == NULL, n == 0) or lies inside the input. */
static void inside(ou_slice s)
{
	if (!s.p) {
		CHECK(s.n == 0);
		return;
	}
	CHECK(s.p >= g_lo && s.p <= g_hi);
	CHECK(s.n <= (size_t)(g_hi - s.p));
}

static void check_uri(const sip_uri *u)
{
	inside(u->raw);
	inside(u->scheme_s);
	inside(u->user);
	inside(u->password);
	inside(u->host);
	inside(u->params);
	inside(u->headers);
	CHECK(u->raw.n <= SIP_MAX_URI);
	CHECK(u->scheme_s.p == u->raw.p && u->scheme_s.n < u->raw.n);
	CHECK(u->raw.p[u->scheme_s.n] == ':');
	if (u->scheme == SIP_URI_SIP || u->scheme == SIP_URI_SIPS) {
		CHECK(u->host.n > 0);
		CHECK(u->host_ipv6 == (u->host.p[0] == '['));
	}
	if (u->scheme == SIP_URI_TEL)
		CHECK(u->user.n > 0 && u->host.n == 0 && u->port == 0);
	if (u->params.n)
		CHECK(u->params.p[0] == ';');
	CHECK(sip_uri_equal(u, u));

	sip_uri again;
	CHECK(sip_uri_parse(u->raw, &again, NULL) == 0);
	CHECK(again.scheme == u->scheme && again.port == u->port);
	CHECK(again.host.p == u->host.p && again.host.n == u->host.n);
	CHECK(again.user.p == u->user.p && again.user.n == u->user.n);
	CHECK(sip_uri_equal(u, &again) && sip_uri_equal(&again, u));

	/* every parameter the iterator finds lies inside the parameter slice */
	size_t pos = 0, last = 0;
	ou_slice n, v;
	int rc;
	while ((rc = sip_param_next(u->params, &pos, &n, &v)) == 0) {
		CHECK(pos > last && pos <= u->params.n);
		last = pos;
		CHECK(n.n > 0 && n.p >= u->params.p && n.p + n.n <= u->params.p + u->params.n);
	}
	/* the URI grammar is a subset of the generic parameter grammar */
	CHECK(rc == OPENUM_ENOTFOUND);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	g_lo = buf;
	g_hi = buf + size;
	ou_slice s = ou_slice_make(buf, size);
	const char *why = NULL;

	sip_uri u;
	int rc = sip_uri_parse(s, &u, &why);
	if (rc == 0)
		check_uri(&u);
	else
		CHECK((rc == OPENUM_EBADMSG || rc == OPENUM_ETOOBIG) && why);

	sip_addr a;
	why = NULL;
	rc = sip_addr_parse(s, &a, &why);
	if (rc == 0) {
		inside(a.raw);
		inside(a.display);
		inside(a.params);
		inside(a.tag);
		if (!a.star) {
			check_uri(&a.uri);
			if (a.tag.p)
				CHECK(a.tag.n > 0);
		}
	} else {
		CHECK(rc < 0 && why);
	}

	/* the raw input as a parameter list: progress on every step, slices inside */
	size_t pos = 0, last = 0;
	ou_slice n, v;
	while ((rc = sip_param_next(s, &pos, &n, &v)) == 0) {
		CHECK(pos > last);
		CHECK(pos <= size);
		last = pos;
		inside(n);
		inside(v);
		CHECK(n.n > 0 && v.p != NULL);
		CHECK(v.p >= n.p + n.n);
	}
	CHECK(rc == OPENUM_ENOTFOUND || rc == OPENUM_EBADMSG);
	ou_slice got = OU_SLICE_NULL;
	rc = sip_param_get(s, "tag", &got);
	CHECK(rc != 0 || (got.p != NULL && ou_slice_present(got)));
	CHECK(sip_param_has(s, "tag") == (rc == 0));

	free(buf);
	return 0;
}
