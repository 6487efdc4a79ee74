/* Tests for src/sip/addr.c: name-addr and addr-spec values of From/To/Contact/Route,
 * display names (quoted and token), header parameters and tag, Contact '*', errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip.h"
#include "sip/lex.h"
#include "sip_test_util.h"

static sip_addr parse_ok(const char *s)
{
	sip_addr a;
	const char *why = NULL;
	int rc = sip_addr_parse(S(s), &a, &why);
	if (rc)
		fail_msg("'%s' did not parse: %d %s", s, rc, why ? why : "");
	return a;
}

static void parse_bad(const char *s, const char *want_why)
{
	sip_addr a;
	const char *why = NULL;
	int rc = sip_addr_parse(S(s), &a, &why);
	if (rc != OPENUM_EBADMSG)
		fail_msg("'%s': got %d, want EBADMSG", s, rc);
	assert_non_null(why);
	if (want_why && strcmp(why, want_why) != 0)
		fail_msg("'%s': got why '%s', want '%s'", s, why, want_why);
	assert_null(a.raw.p);
	assert_null(a.tag.p);
}

static void test_name_addr(void **state)
{
	sip_addr a = parse_ok("Bob <sip:bob@biloxi.com>;tag=a6c85cf");
	assert_true(a.angle);
	assert_false(a.star);
	assert_slice(a.display, "Bob");
	assert_int_equal(a.uri.scheme, SIP_URI_SIP);
	assert_slice(a.uri.raw, "sip:bob@biloxi.com");
	assert_slice(a.uri.user, "bob");
	assert_slice(a.params, ";tag=a6c85cf");
	assert_slice(a.tag, "a6c85cf");
	assert_slice(a.raw, "Bob <sip:bob@biloxi.com>;tag=a6c85cf");

	a = parse_ok("<sip:alice@atlanta.com;transport=tcp>");
	assert_slice(a.display, NULL);
	assert_slice(a.uri.params, ";transport=tcp");
	assert_int_equal(a.params.n, 0);
	assert_slice(a.tag, NULL);

	/* several tokens with LWS between them form one display name */
	a = parse_ok(
	    "  Mr.  Watson \t<sip:watson@worcester.bell-telephone.com> ;q=0.7; expires=3600 ");
	assert_slice(a.display, "Mr.  Watson");
	assert_slice(a.uri.host, "worcester.bell-telephone.com");
	assert_slice(a.params, ";q=0.7; expires=3600");
	assert_slice(
	    a.raw, "Mr.  Watson \t<sip:watson@worcester.bell-telephone.com> ;q=0.7; expires=3600");

	/* a URI with its own headers and parameters inside <> */
	a = parse_ok("<sip:a@h;lr?subject=x>;tag=1");
	assert_slice(a.uri.params, ";lr");
	assert_slice(a.uri.headers, "subject=x");
	assert_slice(a.tag, "1");

	a = parse_ok("<tel:+1-201-555-0123>;tag=t");
	assert_int_equal(a.uri.scheme, SIP_URI_TEL);
	assert_slice(a.uri.user, "+1-201-555-0123");
}

static void test_quoted_display(void **state)
{
	sip_addr a = parse_ok("\"A. G. Bell\" <sip:agb@bell-telephone.com> ;tag=a48s");
	assert_slice(a.display, "A. G. Bell");
	assert_slice(a.tag, "a48s");

	/* escapes are kept; an escaped quote does not close the string */
	a = parse_ok("\"Tom \\\"T\\\" <x>\"<sip:t@h>");
	assert_slice(a.display, "Tom \\\"T\\\" <x>");
	assert_slice(a.uri.raw, "sip:t@h");

	a = parse_ok("\"\" <sip:t@h>");
	assert_non_null(a.display.p);
	assert_int_equal(a.display.n, 0);

	/* UTF-8 is allowed inside quotes */
	a = parse_ok("\"J\xc3\xbcrgen\" <sip:j@h>");
	assert_slice(a.display, "J\xc3\xbcrgen");
}

static void test_addr_spec(void **state)
{
	/* without <>, ';' ends the URI: the parameters belong to the header */
	sip_addr a = parse_ok("sip:+12125551212@server.phone2net.com;tag=887s");
	assert_false(a.angle);
	assert_slice(a.display, NULL);
	assert_slice(a.uri.raw, "sip:+12125551212@server.phone2net.com");
	assert_int_equal(a.uri.params.n, 0);
	assert_slice(a.params, ";tag=887s");
	assert_slice(a.tag, "887s");

	a = parse_ok("sip:caller@u1.example.com");
	assert_slice(a.uri.host, "u1.example.com");
	assert_int_equal(a.params.n, 0);

	a = parse_ok("sip:a@h ;expires=0");
	assert_slice(a.uri.raw, "sip:a@h");
	assert_slice(a.params, ";expires=0");

	/* a quoted header parameter may hold '<' */
	a = parse_ok("sip:a@h;+sip.instance=\"<urn:uuid:1>\"");
	assert_slice(a.params, ";+sip.instance=\"<urn:uuid:1>\"");

	a = parse_ok("tel:+1234;tag=x");
	assert_int_equal(a.uri.scheme, SIP_URI_TEL);
	assert_int_equal(a.uri.params.n, 0);
	assert_slice(a.tag, "x");
}

static void test_star(void **state)
{
	sip_addr a = parse_ok("*");
	assert_true(a.star);
	assert_slice(a.raw, "*");
	a = parse_ok(" * ");
	assert_true(a.star);
	parse_bad("**", NULL);
	parse_bad("*;expires=0", NULL);
}

static void test_tag(void **state)
{
	sip_addr a = parse_ok("<sip:a@h>;TAG=xyz;tag=second");
	assert_slice(a.tag, "xyz");
	a = parse_ok("<sip:a@h;tag=inuri>");
	assert_slice(a.tag, NULL); /* a URI parameter is not the header's tag */
	parse_bad("<sip:a@h>;tag", "Bad address: bad tag");
	parse_bad("<sip:a@h>;tag=\"q\"", "Bad address: bad tag");
	parse_bad("<sip:a@h>;tag=", "Bad address: bad parameter");
	/* ";tag=value" alone takes a shortcut; these check it agrees with the loop. */
	a = parse_ok("<sip:a@h>;TaG=a-b.c_d!e%f*g+h~i'j`k");
	assert_slice(a.tag, "a-b.c_d!e%f*g+h~i'j`k");
	assert_slice(a.params, ";TaG=a-b.c_d!e%f*g+h~i'j`k");
	a = parse_ok("<sip:a@h>;tag=x;lr");
	assert_slice(a.tag, "x");
	a = parse_ok("<sip:a@h>;tag= x");
	assert_slice(a.tag, "x");
	a = parse_ok("<sip:a@h>;tags=x");
	assert_slice(a.tag, NULL);
	parse_bad("<sip:a@h>;tag\x1d=1", "Bad address: bad tag"); /* 0x1d | 0x20 is '=' */
	parse_bad("<sip:a@h>;tag=x\"y\"", "Bad address: bad parameter");
	parse_bad("<sip:a@h>;tag=x,y", "Bad address: bad parameter");
}

static void test_bad(void **state)
{
	parse_bad("", "Bad address: empty");
	parse_bad("   ", "Bad address: empty");
	parse_bad("\"Bob <sip:bob@h>", "Bad address: unbalanced quotes");
	parse_bad("\"Bob\\", "Bad address: unbalanced quotes");
	parse_bad("Bob <sip:bob@h", "Bad address: unbalanced <>");
	parse_bad("<sip:bob@h", "Bad address: unbalanced <>");
	parse_bad("sip:bob@h>", "Bad address: unbalanced <>");
	parse_bad("\"Bob\" sip:bob@h", "Bad address: missing <");
	parse_bad("\"B\x01\" <sip:bob@h>", "Bad address: bad display name");
	parse_bad("<sip:bob@h> x", "Bad address: junk after >");
	parse_bad("<sip:bob@h>>", "Bad address: junk after >");
	parse_bad("sip:bob@h x", "Bad address: junk after URI");
	parse_bad("<sip:bob@h>;a=\"x", "Bad address: bad parameter");
	parse_bad("<sip:bob@h>;a b", "Bad address: bad parameter");
	/* the URI's own reason is passed through */
	parse_bad("<sip:bob@h:0>", "Bad URI: bad port");
	parse_bad("<>", "Bad URI: empty");
	parse_bad("<sip:bob @h>", NULL);
	parse_bad("Bob@home <sip:bob@h>", NULL);
	parse_bad("bob", "Bad URI: missing scheme");
}

static void test_bounds(void **state)
{
	const char buf[] = "<sip:a@h>;tag=12345";
	sip_addr a;
	assert_int_equal(sip_addr_parse(ou_slice_make(buf, 16), &a, NULL), 0);
	assert_slice(a.tag, "12");
	assert_int_equal(sip_addr_parse(ou_slice_make(buf, 8), &a, NULL), OPENUM_EBADMSG);
	const char q[] = "\"ab\" <sip:a@h>";
	assert_int_equal(sip_addr_parse(ou_slice_make(q, 3), &a, NULL), OPENUM_EBADMSG);
}

static void test_from_equals_to(void **state)
{
	/* the MS-OCEXUM Play-On-Phone rule compares the URIs of two addresses */
	sip_addr f = parse_ok("\"Alice\" <sip:alice@contoso.com>;tag=1");
	sip_addr t = parse_ok("sip:Alice@CONTOSO.com");
	assert_false(sip_uri_equal(&f.uri, &t.uri));
	t = parse_ok("<sip:%61lice@CONTOSO.com>");
	assert_true(sip_uri_equal(&f.uri, &t.uri));
}

/* One input through sip_addr_parse (fast path first) and sip_addr_parse_general: same
 * code, same reason, same fields. The input sits in a buffer of its exact length, so
 * ASan sees any read past it. */
static void same_both_ways(const char *text, size_t len)
{
	char *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memcpy(buf, text, len);
	ou_slice s = ou_slice_make(buf, len);
	sip_addr f, g;
	const char *wf = NULL, *wg = NULL;
	memset(&f, 0xa5, sizeof(f)); /* stale bytes must not show through */
	memset(&g, 0x5a, sizeof(g));
	int ef = sip_addr_parse(s, &f, &wf), eg = sip_addr_parse_general(s, &g, &wg);
	if (ef != eg)
		fail_msg("fast %d, general %d: %.*s", ef, eg, (int)len, text);
	if (ef) {
		assert_string_equal(wf, wg);
	} else {
		assert_same_slice(f.raw, g.raw, "raw", text, len);
		assert_same_slice(f.display, g.display, "display", text, len);
		assert_same_slice(f.params, g.params, "params", text, len);
		assert_same_slice(f.tag, g.tag, "tag", text, len);
		if (f.star != g.star || f.angle != g.angle)
			fail_msg("star/angle differ: %.*s", (int)len, text);
		assert_same_uri(&f.uri, &g.uri, "uri.", text, len);
	}
	free(buf);
}

/* The name-addr fast path (addr.c) against the general parser on inputs at and around
 * the usual shapes: each cut at every length from either end (15, 16, 17, 31, 32, 33
 * bytes and the rest), and each with one byte replaced, at every position, by one of
 * the bytes that end or change a shape. */
static void test_fast_path_matches_general(void **state)
{
	(void)state;
	static const char *const inputs[] = {
	    /* the shapes the fast path takes */
	    "\"Bob Jones\" <sip:bob@contoso.com>;tag=8d2f1e7a",
	    "\"Alice Smith\" <sip:alice@contoso.com>",
	    "<sip:bob@contoso.com>;tag=Ut8RDOsGz",
	    "sip:bob@contoso.com;tag=3e7a9c1d5b2f",
	    "sip:bob@contoso.com",
	    "<sip:alice@contoso.com;opaque=app:voicemail>",
	    "\"Carol White\" <sip:+14255550123@contoso.com;user=phone>;tag=a1b2c3d4",
	    ("<sip:bob@192.0.2.101:5060;transport=tcp>;+sip.instance=\"<urn:uuid:00000000-0000-"
	     "1000-8000-0004f2a1b2c3>\""),
	    ("<sip:bob@192.0.2.101:52341;transport=tls>;+sip.instance=\"<urn:uuid:4e8b2c1a-9f3d-"
	     "4b7e-a6c5-1d2e3f4a5b6c>\";reg-id=1;expires=3600"),
	    "<sip:alice@192.0.2.130:49321;transport=tls;ob>",
	    "Bob <sip:bob@biloxi.com>;tag=a6c85cf",
	    "Mr. Watson <sip:watson@worcester.bell-telephone.com>;q=0.7;expires=3600",
	    "\"\" <sip:t@h>",
	    "\"J\xc3\xbcrgen\"<sip:j@h>;tag=1;tag=2;lr;lr",
	    "SIPS:bob@contoso.com:5061;TAG=x",
	    "<sips:bob@contoso.com>;expires=0;q=1",
	    "sip:1.2.3.4:5;tag=a-b.c_d!e%f*g+h~i'j`k",
	    ("\"A very long display name past sixteen\" <sip:abcdefghijklmnopqrstuvwxyz@abcdefghi"
	     "jklmnop.example.com:65535;transport=tcp;maddr=192.0.2.1>;tag=0123456789abcdef012"),
	    /* near misses: the general path decides (accepts or rejects) */
	    "\"Bob \\\"J\\\"\" <sip:bob@contoso.com>;tag=1",
	    "\"Bob\"\t<sip:bob@h>",
	    "\"Bob\"<sip:bob@h> ;tag=1",
	    "<sip:bob@h>; tag=1",
	    "<sip:bob@h>;tag =1",
	    "<sip:bob@h>;tag= 1",
	    "<sip:bob@h>;tag=\"1\"",
	    "<sip:bob@h>;tag",
	    "<sip:bob@h>;tag=",
	    "<sip:bob@h>;tag=1;",
	    "<sip:bob@h>;;tag=1",
	    "<sip:bob@h>;a=\"x\\\"y\";tag=1",
	    "<sip:bob@h>;a=\"x\"y",
	    "<sip:bob@h>;a=\"x",
	    "<sip:bob@h>;a=\"x\x01\"",
	    "<sip:bob@h>;a==b",
	    "<sip:bob@h>x",
	    "<sip:bob@h>>",
	    "<sip:bob@h",
	    "<sip:bob@[2001:db8::1]:5060>;tag=1",
	    "<sip:bob:pw@h>;tag=1",
	    "<sip:bob@h?subject=x>;tag=1",
	    "<sip:b%6fb@h>;tag=1",
	    "<tel:+1-201-555-0123>;tag=t",
	    "<urn:service:sos>",
	    "tel:+1234;tag=x",
	    "sip:bob@h ;tag=1",
	    "sip:bob@h;tag=1>",
	    "sip:bob@h?x=y;tag=1",
	    "sip:bob@h:0;tag=1",
	    "sip:bob@h,sip:carol@h",
	    "<sip:bob@h>,<sip:carol@h>",
	    "Bob@home <sip:bob@h>",
	    "Bob \"Jones\" <sip:bob@h>",
	    "sip <sip:bob@h>",
	    "sips <sip:bob@h>",
	    "sip:<sip:bob@h>",
	    "<>",
	    "<sip:>",
	    "<sip:bob@>",
	    "<sip:@h>",
	    "*",
	    "  <sip:bob@h>  ",
	};
	static const char subst[] = " \t\"\\<>;=,@:%?[]*\x80\x01Ax5";
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		size_t n = strlen(inputs[i]);
		for (size_t len = 0; len <= n; len++) {
			same_both_ways(inputs[i], len);
			same_both_ways(inputs[i] + n - len, len);
		}
		char *v = malloc(n + 1);
		assert_non_null(v);
		for (size_t at = 0; at < n; at++)
			for (size_t k = 0; k < sizeof(subst) - 1; k++) {
				memcpy(v, inputs[i], n + 1);
				v[at] = subst[k];
				same_both_ways(v, n);
			}
		free(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_addr),
	    cmocka_unit_test(test_quoted_display),
	    cmocka_unit_test(test_addr_spec),
	    cmocka_unit_test(test_star),
	    cmocka_unit_test(test_tag),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_from_equals_to),
	    cmocka_unit_test(test_fast_path_matches_general),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
