/* Tests for src/sip/uri.c: SIP/SIPS/tel/other URI parsing (RFC 3261 19.1.3 examples,
 * IPv6, escapes, limits, bad input) and equality (RFC 3261 19.1.4, RFC 3966 5). */
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

static sip_uri parse_ok(const char *s)
{
	sip_uri u;
	const char *why = NULL;
	int rc = sip_uri_parse(S(s), &u, &why);
	if (rc)
		fail_msg("'%s' did not parse: %d %s", s, rc, why ? why : "");
	assert_ptr_equal(u.raw.p, s);
	assert_int_equal(u.raw.n, strlen(s));
	return u;
}

static void parse_bad(const char *s, int want, const char *want_why)
{
	sip_uri u;
	const char *why = NULL;
	int rc = sip_uri_parse(S(s), &u, &why);
	if (rc != want)
		fail_msg("'%s': got %d, want %d", s, rc, want);
	assert_non_null(why);
	if (want_why && strcmp(why, want_why) != 0)
		fail_msg("'%s': got why '%s', want '%s'", s, why, want_why);
}

static bool eq(const char *a, const char *b)
{
	sip_uri x = parse_ok(a), y = parse_ok(b);
	bool r = sip_uri_equal(&x, &y);
	/* equality is symmetric and reflexive */
	assert_int_equal(r, sip_uri_equal(&y, &x));
	assert_true(sip_uri_equal(&x, &x));
	assert_true(sip_uri_equal(&y, &y));
	return r;
}

/* RFC 3261 19.1.3, each example split into its parts. */
static void test_rfc3261_examples(void **state)
{
	sip_uri u = parse_ok("sip:alice@atlanta.com");
	assert_int_equal(u.scheme, SIP_URI_SIP);
	assert_slice(u.scheme_s, "sip");
	assert_slice(u.user, "alice");
	assert_slice(u.password, NULL);
	assert_slice(u.host, "atlanta.com");
	assert_int_equal(u.port, 0);
	assert_false(u.host_ipv6);
	assert_int_equal(u.params.n, 0);
	assert_int_equal(u.headers.n, 0);

	u = parse_ok("sip:alice:secretword@atlanta.com;transport=tcp");
	assert_slice(u.user, "alice");
	assert_slice(u.password, "secretword");
	assert_slice(u.host, "atlanta.com");
	assert_slice(u.params, ";transport=tcp");

	u = parse_ok("sips:alice@atlanta.com?subject=project%20x&priority=urgent");
	assert_int_equal(u.scheme, SIP_URI_SIPS);
	assert_slice(u.host, "atlanta.com");
	assert_slice(u.headers, "subject=project%20x&priority=urgent");

	u = parse_ok("sip:+1-212-555-1212:1234@gateway.com;user=phone");
	assert_slice(u.user, "+1-212-555-1212");
	assert_slice(u.password, "1234");
	assert_slice(u.host, "gateway.com");
	assert_slice(u.params, ";user=phone");

	u = parse_ok("sips:1212@gateway.com");
	assert_slice(u.user, "1212");

	u = parse_ok("sip:alice@192.0.2.4");
	assert_slice(u.host, "192.0.2.4");

	u = parse_ok("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com");
	assert_slice(u.user, NULL);
	assert_slice(u.host, "atlanta.com");
	assert_slice(u.params, ";method=REGISTER");
	assert_slice(u.headers, "to=alice%40atlanta.com");

	/* user-unreserved ';' and '=' belong to the user part when an '@' follows */
	u = parse_ok("sip:alice;day=tuesday@atlanta.com");
	assert_slice(u.user, "alice;day=tuesday");
	assert_slice(u.host, "atlanta.com");
	assert_int_equal(u.params.n, 0);
}

static void test_host_port(void **state)
{
	sip_uri u = parse_ok("SIP:Bob@Biloxi.Example.COM:5061;lr");
	assert_int_equal(u.scheme, SIP_URI_SIP);
	assert_slice(u.scheme_s, "SIP");
	assert_slice(u.host, "Biloxi.Example.COM");
	assert_int_equal(u.port, 5061);
	assert_slice(u.params, ";lr");

	u = parse_ok("sip:host:65535");
	assert_slice(u.user, NULL);
	assert_slice(u.host, "host");
	assert_int_equal(u.port, 65535);

	u = parse_ok("sip:example.com.");
	assert_slice(u.host, "example.com.");
	u = parse_ok("sip:a-b.c1");
	assert_slice(u.host, "a-b.c1");

	/* empty password is written, so it is present */
	u = parse_ok("sip:bob:@h");
	assert_slice(u.user, "bob");
	assert_non_null(u.password.p);
	assert_int_equal(u.password.n, 0);

	parse_bad("sip:host:0", OPENUM_EBADMSG, "Bad URI: bad port");
	parse_bad("sip:host:65536", OPENUM_EBADMSG, "Bad URI: bad port");
	parse_bad("sip:host:123456", OPENUM_EBADMSG, "Bad URI: bad port");
	parse_bad("sip:host:", OPENUM_EBADMSG, "Bad URI: bad port");
	parse_bad("sip:host:50a", OPENUM_EBADMSG, "Bad URI: bad character");
	parse_bad("sip:alice@", OPENUM_EBADMSG, "Bad URI: empty host");
	parse_bad("sip:", OPENUM_EBADMSG, "Bad URI: empty host");
	parse_bad("sip:alice@:5060", OPENUM_EBADMSG, "Bad URI: empty host");
	parse_bad("sip:@host", OPENUM_EBADMSG, "Bad URI: empty user");
	parse_bad("sip:a..b", OPENUM_EBADMSG, "Bad URI: bad host name");
	parse_bad("sip:-a.com", OPENUM_EBADMSG, "Bad URI: bad host name");
	parse_bad("sip:a-.com", OPENUM_EBADMSG, "Bad URI: bad host name");
	parse_bad("sip:a.com-", OPENUM_EBADMSG, "Bad URI: bad host name");
	parse_bad("sip:host.9com", OPENUM_EBADMSG, "Bad URI: bad host name");
	parse_bad("sip:1.2.3", OPENUM_EBADMSG, "Bad URI: bad IPv4 address");
	parse_bad("sip:1.2.3.256", OPENUM_EBADMSG, "Bad URI: bad IPv4 address");
	parse_bad("sip:1.2.3.4.5", OPENUM_EBADMSG, "Bad URI: bad IPv4 address");
	parse_bad("sip:a@b@c", OPENUM_EBADMSG, "Bad URI: bad character");
	parse_bad("sip:.a", OPENUM_EBADMSG, "Bad URI: bad host name");
	parse_bad("sip:.", OPENUM_EBADMSG, "Bad URI: bad host name");
	parse_bad("sip:a.b..", OPENUM_EBADMSG, "Bad URI: bad host name");
	parse_bad("sip:a.-b.com", OPENUM_EBADMSG, "Bad URI: bad host name");
	parse_bad("sip:a.b-.com", OPENUM_EBADMSG, "Bad URI: bad host name");
	parse_bad("sip:a.1", OPENUM_EBADMSG, "Bad URI: bad host name");
	parse_bad("sip:1.2.3.4.", OPENUM_EBADMSG, "Bad URI: bad IPv4 address");
	parse_bad("sip:a_b.com", OPENUM_EBADMSG, "Bad URI: bad character");
	u = parse_ok("sip:1a.x-y.com");
	assert_slice(u.host, "1a.x-y.com");
	u = parse_ok("sip:x.y.z.:5");
	assert_slice(u.host, "x.y.z.");
	assert_int_equal(u.port, 5);
	u = parse_ok("sip:010.000.0.255");
	assert_slice(u.host, "010.000.0.255");
	/* 15 bytes or more from the host's start: the dotted quad's unchecked fast path
	 * must agree with the careful one above. */
	u = parse_ok("sip:alice@255.255.255.255:5061;transport=tls");
	assert_slice(u.host, "255.255.255.255");
	assert_int_equal(u.port, 5061);
	u = parse_ok("sip:010.000.0.255;transport=tcp");
	assert_slice(u.host, "010.000.0.255");
	u = parse_ok("sip:1.2.3.4a.example.com;lr");
	assert_slice(u.host, "1.2.3.4a.example.com");
	parse_bad("sip:1.2.3.256;transport=tcp", OPENUM_EBADMSG, "Bad URI: bad IPv4 address");
	parse_bad("sip:256.2.3.4;transport=tcp", OPENUM_EBADMSG, "Bad URI: bad IPv4 address");
	parse_bad("sip:1.2.3;transport=tcp;lr", OPENUM_EBADMSG, "Bad URI: bad IPv4 address");
	parse_bad("sip:1.2.3.4.5;transport=tcp", OPENUM_EBADMSG, "Bad URI: bad IPv4 address");
}

static void test_ipv6(void **state)
{
	sip_uri u = parse_ok("sip:alice@[2001:db8::10]:5070;transport=tcp");
	assert_slice(u.host, "[2001:db8::10]");
	assert_true(u.host_ipv6);
	assert_int_equal(u.port, 5070);
	assert_slice(u.params, ";transport=tcp");

	u = parse_ok("sips:[::1]");
	assert_slice(u.host, "[::1]");
	assert_slice(u.user, NULL);
	u = parse_ok("sip:[::]");
	u = parse_ok("sip:[1::]");
	u = parse_ok("sip:[::ffff:192.0.2.128]");
	u = parse_ok("sip:[1:2:3:4:5:6:7:8]:1");
	assert_int_equal(u.port, 1);
	u = parse_ok("sip:[1:2:3:4:5:6:192.0.2.1]");

	parse_bad("sip:[::1", OPENUM_EBADMSG, "Bad URI: unbalanced [");
	parse_bad("sip:alice@[2001:db8::1", OPENUM_EBADMSG, "Bad URI: unbalanced [");
	parse_bad("sip:::1]", OPENUM_EBADMSG, NULL);
	parse_bad("sip:[]", OPENUM_EBADMSG, "Bad URI: bad IPv6 address");
	parse_bad("sip:[1:2:3:4:5:6:7:8:9]", OPENUM_EBADMSG, "Bad URI: bad IPv6 address");
	parse_bad("sip:[1::2::3]", OPENUM_EBADMSG, "Bad URI: bad IPv6 address");
	parse_bad("sip:[12345::]", OPENUM_EBADMSG, "Bad URI: bad IPv6 address");
	parse_bad("sip:[1:2:3:4:5:6:7]", OPENUM_EBADMSG, "Bad URI: bad IPv6 address");
	parse_bad("sip:[1::2:3:4:5:6:7:8]", OPENUM_EBADMSG, "Bad URI: bad IPv6 address");
	parse_bad("sip:[:1::2]", OPENUM_EBADMSG, "Bad URI: bad IPv6 address");
	parse_bad("sip:[1:]", OPENUM_EBADMSG, "Bad URI: bad IPv6 address");
	parse_bad("sip:[g::1]", OPENUM_EBADMSG, "Bad URI: bad IPv6 address");
	parse_bad("sip:[::1.2.3.999]", OPENUM_EBADMSG, "Bad URI: bad IPv6 address");
	parse_bad("sip:[::1]x", OPENUM_EBADMSG, "Bad URI: bad character");

	/* equality compares addresses, not spellings */
	assert_true(eq("sip:a@[2001:DB8::1]", "sip:a@[2001:db8:0:0:0:0:0:1]"));
	assert_true(eq("sip:[::ffff:192.0.2.1]", "sip:[::ffff:c000:201]"));
	assert_false(eq("sip:a@[2001:db8::1]", "sip:a@[2001:db8::2]"));
	assert_false(eq("sip:a@[::1]", "sip:a@[::1]:5060"));
}

static void test_escapes(void **state)
{
	sip_uri u = parse_ok("sip:%61lice%20b:p%41ss@h;x=%2F?h=%3D");
	assert_slice(u.user, "%61lice%20b");
	assert_slice(u.password, "p%41ss");
	assert_slice(u.params, ";x=%2F");
	assert_slice(u.headers, "h=%3D");

	parse_bad("sip:al%6@h", OPENUM_EBADMSG, "Bad URI: bad escape");
	parse_bad("sip:al%zzice@h", OPENUM_EBADMSG, "Bad URI: bad escape");
	parse_bad("sip:alice@h;x=%", OPENUM_EBADMSG, "Bad URI: bad escape");
	parse_bad("sip:alice@h;x%4=1", OPENUM_EBADMSG, "Bad URI: bad escape");
	parse_bad("sip:alice@h?x=%g1", OPENUM_EBADMSG, "Bad URI: bad escape");
	parse_bad("mailto:a%2", OPENUM_EBADMSG, "Bad URI: bad escape");

	/* escapes compare equal to the byte they stand for, in every component */
	assert_true(eq("sip:%61lice@h", "sip:alice@h"));
	assert_true(eq("sip:a:%70w@h", "sip:a:pw@h"));
	assert_true(eq("sip:a@h;%74ransport=tcp", "sip:a@h;transport=%54CP"));
	assert_true(eq("sip:a@h?subject=a%20b", "sip:a@h?SUBJECT=a%20%62"));
	/* user stays case-sensitive after unescaping */
	assert_false(eq("sip:%41lice@h", "sip:alice@h"));
	/* an escaped '@' in the user is not the delimiter */
	assert_false(eq("sip:a%40b@h", "sip:a@h"));
}

static void test_params_headers_syntax(void **state)
{
	sip_uri u = parse_ok("sip:h;a;b=c;lr;maddr=[::1]?x=&y=z");
	assert_slice(u.params, ";a;b=c;lr;maddr=[::1]");
	assert_slice(u.headers, "x=&y=z");

	parse_bad("sip:h;", OPENUM_EBADMSG, "Bad URI: bad parameter");
	parse_bad("sip:h;;a", OPENUM_EBADMSG, "Bad URI: bad parameter");
	parse_bad("sip:h;a=", OPENUM_EBADMSG, "Bad URI: bad parameter");
	parse_bad("sip:h;=a", OPENUM_EBADMSG, "Bad URI: bad parameter");
	parse_bad("sip:h;a=b=c", OPENUM_EBADMSG, "Bad URI: bad character");
	parse_bad("sip:h?", OPENUM_EBADMSG, "Bad URI: bad header");
	parse_bad("sip:h?a", OPENUM_EBADMSG, "Bad URI: bad header");
	parse_bad("sip:h?a=b&", OPENUM_EBADMSG, "Bad URI: bad header");
	parse_bad("sip:h?=b", OPENUM_EBADMSG, "Bad URI: bad header");
	parse_bad("sip:h?a=b;c", OPENUM_EBADMSG, "Bad URI: bad character");
}

static void test_reject(void **state)
{
	parse_bad("", OPENUM_EBADMSG, "Bad URI: empty");
	parse_bad("alice", OPENUM_EBADMSG, "Bad URI: missing scheme");
	parse_bad(":alice", OPENUM_EBADMSG, "Bad URI: bad scheme");
	parse_bad("1sip:alice@h", OPENUM_EBADMSG, "Bad URI: bad scheme");
	parse_bad("s_p:alice@h", OPENUM_EBADMSG, "Bad URI: bad scheme");
	parse_bad("sip:alice @h", OPENUM_EBADMSG, NULL);
	parse_bad("sip:alice@h ", OPENUM_EBADMSG, "Bad URI: bad character");
	parse_bad(" sip:alice@h", OPENUM_EBADMSG, "Bad URI: bad scheme");
	parse_bad("sip:alice@h>", OPENUM_EBADMSG, "Bad URI: bad character");
	parse_bad("sip:alice@h\r\n", OPENUM_EBADMSG, "Bad URI: bad character");
	parse_bad("http://a b", OPENUM_EBADMSG, "Bad URI: bad character");
	parse_bad("http:", OPENUM_EBADMSG, "Bad URI: empty");

	/* length limit: exactly SIP_MAX_URI is fine, one more is too long */
	char *big = malloc(SIP_MAX_URI + 2);
	assert_non_null(big);
	memcpy(big, "sip:", 4);
	memset(big + 4, 'a', SIP_MAX_URI - 4);
	big[SIP_MAX_URI] = '\0';
	sip_uri u;
	assert_int_equal(sip_uri_parse(ou_slice_make(big, SIP_MAX_URI), &u, NULL), 0);
	big[SIP_MAX_URI] = 'a';
	big[SIP_MAX_URI + 1] = '\0';
	parse_bad(big, OPENUM_ETOOBIG, "Bad URI: too long");
	free(big);

	/* why may be NULL; a failed parse leaves no stale slices */
	assert_int_equal(sip_uri_parse(S("sip:a@b:99999"), &u, NULL), OPENUM_EBADMSG);
	assert_null(u.host.p);
	assert_null(u.user.p);
}

static void test_bounds(void **state)
{
	/* the slice is a prefix of a longer string: nothing past it counts */
	const char buf[] = "sip:alice@atlanta.com;transport=tcp";
	sip_uri u;
	assert_int_equal(sip_uri_parse(ou_slice_make(buf, 21), &u, NULL), 0);
	assert_slice(u.host, "atlanta.com");
	assert_int_equal(u.params.n, 0);
	assert_int_equal(sip_uri_parse(ou_slice_make(buf, 22), &u, NULL), OPENUM_EBADMSG);
	const char esc[] = "sip:a%41@h";
	assert_int_equal(sip_uri_parse(ou_slice_make(esc, 7), &u, NULL), OPENUM_EBADMSG);
}

static void test_tel(void **state)
{
	sip_uri u = parse_ok("tel:+1-201-555-0123");
	assert_int_equal(u.scheme, SIP_URI_TEL);
	assert_slice(u.user, "+1-201-555-0123");
	assert_int_equal(u.host.n, 0);
	assert_int_equal(u.port, 0);
	assert_int_equal(u.params.n, 0);

	u = parse_ok("tel:7042;phone-context=example.com");
	assert_slice(u.user, "7042");
	assert_slice(u.params, ";phone-context=example.com");

	u = parse_ok("TEL:863-1234;Phone-Context=+1-914-555");
	assert_int_equal(u.scheme, SIP_URI_TEL);
	assert_slice(u.user, "863-1234");

	u = parse_ok("tel:+1(800)555.1234;ext=22;isub=abc;foo");
	assert_slice(u.user, "+1(800)555.1234");
	assert_slice(u.params, ";ext=22;isub=abc;foo");

	u = parse_ok("tel:*31#;phone-context=example.com");
	assert_slice(u.user, "*31#");

	parse_bad("tel:7042", OPENUM_EBADMSG, "Bad URI: local tel number without phone-context");
	parse_bad("tel:7042;phone-context", OPENUM_EBADMSG, "Bad URI: empty phone-context");
	parse_bad("tel:+", OPENUM_EBADMSG, "Bad URI: bad tel number");
	parse_bad("tel:+--", OPENUM_EBADMSG, "Bad URI: bad tel number");
	parse_bad("tel:", OPENUM_EBADMSG, "Bad URI: bad tel number");
	parse_bad("tel:+1a23", OPENUM_EBADMSG, "Bad URI: bad tel number");
	parse_bad("tel:+1 234", OPENUM_EBADMSG, "Bad URI: bad tel number");
	parse_bad("tel:+1234;", OPENUM_EBADMSG, "Bad URI: bad tel parameter");
	parse_bad("tel:+1234;a=", OPENUM_EBADMSG, "Bad URI: bad tel parameter");
	parse_bad("tel:+1234;a_b=1", OPENUM_EBADMSG, "Bad URI: bad character");
	parse_bad("tel:+1234?x=y", OPENUM_EBADMSG, "Bad URI: bad tel number");

	/* RFC 3966 5: visual separators do not count, parameters are a set */
	assert_true(eq("tel:+1-201-555-0123", "tel:+1(201)555.0123"));
	assert_true(eq("tel:+12015550123;ext=1;foo=A", "tel:+1-201-555-0123;FOO=a;ext=1"));
	assert_true(
	    eq("tel:7042;phone-context=example.com", "tel:70-42;phone-context=EXAMPLE.com"));
	assert_true(
	    eq("tel:863-1234;phone-context=+1-914-555", "tel:8631234;phone-context=+1914555"));
	assert_true(eq("tel:+1234;ext=1-2", "tel:+1234;ext=12"));
	assert_false(eq("tel:+12015550123", "tel:+12015550124"));
	assert_false(eq("tel:+12015550123", "tel:12015550123;phone-context=+1"));
	assert_false(eq("tel:+1234;ext=1", "tel:+1234"));
	assert_false(eq("tel:+1234;foo", "tel:+1234;foo=1"));
	assert_false(
	    eq("tel:7042;phone-context=example.com", "tel:7042;phone-context=example.net"));
	/* the separators of a domain name are significant */
	assert_false(
	    eq("tel:7042;phone-context=ex-ample.com", "tel:7042;phone-context=example.com"));
	assert_false(eq("tel:+1234", "sip:+1234@h;user=phone"));
}

static void test_other(void **state)
{
	sip_uri u = parse_ok("mailto:alice@example.com");
	assert_int_equal(u.scheme, SIP_URI_OTHER);
	assert_slice(u.scheme_s, "mailto");
	assert_null(u.host.p);
	u = parse_ok("urn:service:sos");
	assert_int_equal(u.scheme, SIP_URI_OTHER);
	u = parse_ok("x-my+scheme.1:%20opaque/path?q");
	assert_slice(u.scheme_s, "x-my+scheme.1");
	u = parse_ok("sipx:a");
	assert_int_equal(u.scheme, SIP_URI_OTHER);

	assert_true(eq("HTTP://example.com/a", "http://example.com/a"));
	assert_false(eq("http://example.com/a", "http://example.com/A"));
	assert_false(eq("http://example.com/a", "https://example.com/a"));
}

/* RFC 3261 19.1.4: the pairs it lists as equivalent. */
static void test_equal_rfc(void **state)
{
	assert_true(
	    eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
	assert_true(eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
	assert_true(eq("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
	assert_true(eq("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
	assert_true(eq("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
	               "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
	assert_true(eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
	               "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
}

/* RFC 3261 19.1.4: the pairs it lists as not equivalent, and the rules behind them. */
static void test_not_equal_rfc(void **state)
{
	assert_false(
	    eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
	assert_false(eq("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
	assert_false(eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
}

static void test_equal_rules(void **state)
{
	/* sip and sips never match */
	assert_false(eq("sip:a@h", "sips:a@h"));
	assert_true(eq("SIPS:a@h", "sips:a@h"));
	/* userinfo presence and password */
	assert_false(eq("sip:h", "sip:a@h"));
	assert_false(eq("sip:a@h", "sip:a:@h"));
	assert_false(eq("sip:a:x@h", "sip:a:X@h"));
	assert_true(eq("sip:a:x@h", "sip:a:x@h"));
	/* ports */
	assert_true(eq("sip:a@h:5060", "sip:a@H:5060"));
	assert_false(eq("sip:a@h:5060", "sip:a@h:5061"));
	/* each must-match parameter, absent on one side */
	assert_false(eq("sip:a@h", "sip:a@h;user=phone"));
	assert_false(eq("sip:a@h", "sip:a@h;ttl=1"));
	assert_false(eq("sip:a@h", "sip:a@h;method=INVITE"));
	assert_false(eq("sip:a@h", "sip:a@h;maddr=239.255.255.1"));
	assert_false(eq("sip:a@h;TRANSPORT=tcp", "sip:a@h"));
	assert_true(eq("sip:a@h;ttl=1", "sip:a@h;TTL=1"));
	assert_false(eq("sip:a@h;ttl=1", "sip:a@h;ttl=2"));
	/* other parameters: compared only when both have them */
	assert_false(eq("sip:a@h;security=on", "sip:a@h;security=off"));
	assert_true(eq("sip:a@h;lr", "sip:a@h;Lr"));
	assert_false(eq("sip:a@h;lr", "sip:a@h;lr=on"));
	assert_true(eq("sip:a@h;x=1;y=2", "sip:a@h;y=2;x=1;z=3"));
	/* repeated parameters are a set: reflexivity holds */
	assert_true(eq("sip:a@h;x=1;x=2", "sip:a@h;x=2;x=1"));
	/* headers: a set, names ignore case, values do not */
	assert_false(eq("sip:a@h?subject=x", "sip:a@h?subject=X"));
	assert_false(eq("sip:a@h?a=1&b=2", "sip:a@h?a=1"));
	assert_true(eq("sip:a@h?a=1&a=2", "sip:a@h?a=2&a=1"));
	assert_false(eq("sip:a@h?a=", "sip:a@h?a=1"));
	assert_true(eq("sip:a@h?a=", "sip:a@h?A="));
	/* hosts ignore case only */
	assert_true(eq("sip:a@EXAMPLE.com", "sip:a@example.COM"));
	assert_false(eq("sip:a@example.com", "sip:a@example.co"));
}

/* One input through sip_uri_parse (fast path first) and sip_uri_parse_general: same
 * code, same reason, same fields. The input sits in a buffer of its exact length, so
 * ASan sees any read past it. */
static void same_both_ways(const char *text, size_t len)
{
	char *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memcpy(buf, text, len);
	ou_slice s = ou_slice_make(buf, len);
	sip_uri f, g;
	const char *wf = NULL, *wg = NULL;
	int ef = sip_uri_parse(s, &f, &wf), eg = sip_uri_parse_general(s, &g, &wg);
	if (ef != eg)
		fail_msg("fast %d, general %d: %.*s", ef, eg, (int)len, text);
	if (ef) {
		assert_string_equal(wf, wg);
	} else {
		assert_same_uri(&f, &g, "", text, len);
	}
	free(buf);
}

/* The URI fast path (uri.c) against the general parser on inputs at and around the
 * usual shape, each also cut at every length (a URI that ends at the buffer's end at
 * 15, 16, 17 bytes and everywhere else). */
static void test_fast_path_matches_general(void **state)
{
	(void)state;
	static const char *const inputs[] = {
	    /* the shapes the fast path takes */
	    "sip:alice@contoso.com",
	    "sip:contoso.com",
	    "sips:bob@um.contoso.com:5061;transport=tls",
	    "sip:+14255550123@contoso.com;user=phone",
	    "sip:bob@192.0.2.101:5060;transport=tcp",
	    "sip:198.51.100.5;transport=tcp;r2=on;lr",
	    "sip:198.51.100.5:5061;transport=tls;r2=on;lr;ftag=a1b2c3d4",
	    "sip:alice@contoso.com;opaque=app:voicemail",
	    "sip:a.b-c_d!~*'()@h-1.example.org:1;x;x;x=1;x=2",
	    "sip:alice@contoso.com;lr;lr",
	    "sip:abcdefghijk@a.b",
	    "sip:user@1.2.3.4",
	    "sip:1.2.3.4:65535",
	    /* users, labels and parameters past the four-byte steps of the walks */
	    ("sip:abcdefghijklmnopqrstuvwxyz0123@label-with-many-bytes-0123456789.example-"
	     "domain.com:5060;transport=tcp;longparametername=longparametervalue0123"),
	    "sip:ABCDEFGH.IJ@HOST-NAME.EXAMPLE.COM;X=Y;LR",
	    "sip:abcd@a-b-c-d-e-f-g.h-i.jk-lmnop-qrstu.vw",
	    "sip:abcd@abcdefg-.com",
	    "sip:abcd@abcdefgh.-com",
	    "sip:abcdefg@abcdefgh.ijkl.mnop.1234",
	    "sip:abcdefgh@abcd.efgh.ijkl.mnop.",
	    /* near misses: the general path decides (accepts or rejects) */
	    "SIP:alice@contoso.com",
	    "Sips:alice@contoso.com;LR",
	    "sip:al%69ce@contoso.com",
	    "sip:alice@contoso.com;a=%41",
	    "sip:alice@contoso.com;a=%4",
	    "sip:al%6@contoso.com",
	    "sip:alice:secret@contoso.com",
	    "sip:alice:@contoso.com",
	    "sip:alice@[2001:db8::1]:5060;lr",
	    "sip:[::1]",
	    "sip:[::1",
	    "sip:alice@contoso.com?subject=hi&a=b",
	    "sip:alice@contoso.com;lr?x=y",
	    "sip:alice@contoso.com?",
	    "sip:@contoso.com",
	    "sip:alice@",
	    "sip:alice@contoso.com:0",
	    "sip:alice@contoso.com:65535",
	    "sip:alice@contoso.com:65536",
	    "sip:alice@contoso.com:005060",
	    "sip:alice@contoso.com:",
	    "sip:alice@contoso.com;",
	    "sip:alice@contoso.com;=x",
	    "sip:alice@contoso.com;x=",
	    "sip:alice@contoso.com;x==y",
	    "sip:alice@contoso.com;;x",
	    "sip:alice@contoso.com.",
	    "sip:alice@contoso..com",
	    "sip:alice@-contoso.com",
	    "sip:alice@contoso-.com",
	    "sip:alice@contoso.c0m",
	    "sip:alice@contoso.1com",
	    "sip:alice@256.1.1.1",
	    "sip:alice@1.2.3",
	    "sip:alice@1.2.3.4.5",
	    "sip:alice@1.2.3.4x",
	    "sip:alice@contoso.com x",
	    "sip:alice@contoso.com>",
	    "sip:alice@bob@contoso.com",
	    "sip:host;a=b@x.com",
	    "sip:host:5060@x.com",
	    "sip:alice;x=y@contoso.com",
	    "sip:a&b=c@contoso.com",
	    "sip:alice@contoso.com;a=b c",
	    "sip:alice@contoso.com;a\x01",
	    "sip:alice@h_o.com",
	    "sip:",
	    "sips:",
	    "sip:;lr",
	    "sip::5060",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		size_t n = strlen(inputs[i]);
		for (size_t len = 0; len <= n; len++)
			same_both_ways(inputs[i], len);
	}
}

/* lex_port (lex.h), which the URI and Via fast paths share, against a byte-by-byte
 * reading: every count of digits from 0 to 9, values at and around the limits,
 * followed by each byte that could be mistaken for a digit (the neighbours of '0' and
 * '9', bytes whose +6 carries), or by nothing, in buffers of exact length with 0 to 9
 * bytes after the port (so the 8-byte load and the byte loop both run). */
static void test_port_reader(void **state)
{
	(void)state;
	static const char *const digits[] = {
	    "",       "0",       "1",        "9",         "00",    "10",     "99",
	    "100",    "999",     "5060",     "5061",      "0000",  "65535",  "65536",
	    "65534",  "99999",   "00001",    "01234",     "00000", "123456", "000001",
	    "655350", "1234567", "12345678", "123456789",
	};
	static const char stops[] = {'/', ':',  ';',    ',',    '>',   ' ',
	                             'a', '\0', '\xfa', '\xff', '\x80'};
	char text[32];
	for (size_t d = 0; d < sizeof(digits) / sizeof(digits[0]); d++) {
		size_t nd = strlen(digits[d]);
		for (size_t k = 0; k <= sizeof(stops); k++) {
			for (size_t tail = 0; tail < 10; tail++) {
				/* the digits, then a stop byte (none when k is past the list),
				 * then tail bytes of '5' (digits only if no stop came first) */
				size_t len = 0;
				memcpy(text, digits[d], nd);
				len = nd;
				if (k < sizeof(stops))
					text[len++] = stops[k];
				else if (tail)
					continue;
				for (size_t t = 0; k < sizeof(stops) && t < tail; t++)
					text[len++] = '5';
				char *buf = malloc(len ? len : 1);
				assert_non_null(buf);
				memcpy(buf, text, len);
				/* the byte-by-byte reading */
				size_t run = 0;
				uint32_t v = 0;
				while (run < len && buf[run] >= '0' && buf[run] <= '9')
					v = run < 6 ? v * 10 + (uint32_t)(buf[run] - '0') : v,
					run++;
				bool ok = run >= 1 && run <= 5 && v >= 1 && v <= 65535;
				uint32_t got = 0;
				const char *end = lex_port(buf, buf + len, &got);
				if (ok != (end != NULL) || (ok && (end != buf + run || got != v)))
					fail_msg(
					    "lex_port '%.*s' (%zu bytes): got %s %u, want %s %u",
					    (int)len, text, len, end ? "end" : "NULL", got,
					    ok ? "ok" : "NULL", v);
				free(buf);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc3261_examples),
	    cmocka_unit_test(test_host_port),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_params_headers_syntax),
	    cmocka_unit_test(test_reject),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_fast_path_matches_general),
	    cmocka_unit_test(test_port_reader),
	    cmocka_unit_test(test_tel),
	    cmocka_unit_test(test_other),
	    cmocka_unit_test(test_equal_rfc),
	    cmocka_unit_test(test_not_equal_rfc),
	    cmocka_unit_test(test_equal_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
