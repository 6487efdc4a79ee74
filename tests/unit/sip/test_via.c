/* Tests for src/sip/via.c: one Via element, from RFC 3261 examples to malformed input.
 * Every input is copied into a buffer of exactly its length, so a parser that reads
 * one byte too far trips ASan. */
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

static int parse(const char *text, sip_via *v, const char **why)
{
	*why = NULL;
	return sip_via_parse(hold(text), v, why);
}

static void expect_bad(const char *text, const char *reason)
{
	sip_via v;
	const char *why;
	int err = parse(text, &v, &why);
	if (err != OPENUM_EBADMSG)
		fail_msg("accepted or wrong error %d: %s", err, text);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_rfc3261_basic(void **state)
{
	(void)state;
	sip_via v;
	const char *why;
	assert_int_equal(parse("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds", &v, &why),
	                 0);
	assert_slice(v.raw, "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds");
	assert_slice(v.protocol, "SIP/2.0");
	assert_slice(v.transport_s, "UDP");
	assert_int_equal(v.transport, SIP_TP_UDP);
	assert_slice(v.host, "pc33.atlanta.com");
	assert_int_equal(v.port, 0);
	assert_slice(v.params, ";branch=z9hG4bK776asdhds");
	assert_slice(v.branch, "z9hG4bK776asdhds");
	assert_null(v.received.p);
	assert_null(v.maddr.p);
	assert_int_equal(v.rport, -1);
	assert_int_equal(v.ttl, -1);
}

static void test_rfc3261_received_and_lws(void **state)
{
	(void)state;
	sip_via v;
	const char *why;
	/* RFC 3261 20.42, with LWS around every separator the grammar allows. */
	assert_int_equal(parse("  SIP / 2.0 / UDP first.example.com: 4000;ttl=16\r\n"
	                       " ;maddr=224.2.0.1 ;branch=z9hG4bKa7c6a8dlze.1  ",
	                       &v, &why),
	                 0);
	assert_slice(v.protocol, "SIP / 2.0");
	assert_slice(v.transport_s, "UDP");
	assert_slice(v.host, "first.example.com");
	assert_int_equal(v.port, 4000);
	assert_int_equal(v.ttl, 16);
	assert_slice(v.maddr, "224.2.0.1");
	assert_slice(v.branch, "z9hG4bKa7c6a8dlze.1");
	assert_slice(v.params, ";ttl=16\r\n ;maddr=224.2.0.1 ;branch=z9hG4bKa7c6a8dlze.1");

	assert_int_equal(parse("SIP/2.0/UDP 192.0.2.1:5060 ;received=192.0.2.207 ;branch = "
	                       "z9hG4bK77asjd",
	                       &v, &why),
	                 0);
	assert_slice(v.host, "192.0.2.1");
	assert_int_equal(v.port, 5060);
	assert_slice(v.received, "192.0.2.207");
	assert_slice(v.branch, "z9hG4bK77asjd");
}

static void test_transports(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		sip_transport tp;
	} cases[] = {
	    {"SIP/2.0/UDP h", SIP_TP_UDP},        {"SIP/2.0/tcp h", SIP_TP_TCP},
	    {"SIP/2.0/Tls h", SIP_TP_TLS},        {"SIP/2.0/SCTP h", SIP_TP_SCTP},
	    {"SIP/2.0/ws h", SIP_TP_WS},          {"SIP/2.0/WSS h", SIP_TP_WSS},
	    {"SIP/2.0/TLS-SCTP h", SIP_TP_OTHER}, {"SIP/2.0/UD h", SIP_TP_OTHER},
	    {"SIP/2.0/UDPX h", SIP_TP_OTHER},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sip_via v;
		const char *why;
		assert_int_equal(parse(cases[i].text, &v, &why), 0);
		assert_int_equal(v.transport, cases[i].tp);
		assert_slice(v.host, "h");
	}
}

static void test_ipv6(void **state)
{
	(void)state;
	sip_via v;
	const char *why;
	assert_int_equal(parse("SIP/2.0/TCP [2001:db8::9:1]:5061;branch=z9hG4bKas3;"
	                       "received=2001:db8::9:255",
	                       &v, &why),
	                 0);
	assert_slice(v.host, "[2001:db8::9:1]");
	assert_int_equal(v.port, 5061);
	assert_slice(v.received, "2001:db8::9:255");
	assert_slice(v.branch, "z9hG4bKas3");

	assert_int_equal(parse("SIP/2.0/TLS [::1];received=[::ffff:192.0.2.1]", &v, &why), 0);
	assert_slice(v.host, "[::1]");
	assert_slice(v.received, "[::ffff:192.0.2.1]");

	assert_int_equal(parse("SIP/2.0/TLS [1:2:3:4:5:6:7:8]", &v, &why), 0);
	assert_int_equal(parse("SIP/2.0/TLS [1:2:3:4:5:6:1.2.3.4]", &v, &why), 0);
	assert_int_equal(parse("SIP/2.0/TLS [fe80::]", &v, &why), 0);

	expect_bad("SIP/2.0/TLS [1:2:3:4:5:6:7]", "Bad Via: bad host");
	expect_bad("SIP/2.0/TLS [1:2:3:4:5:6:7:8:9]", "Bad Via: bad host");
	expect_bad("SIP/2.0/TLS [1::2::3]", "Bad Via: bad host");
	expect_bad("SIP/2.0/TLS [12345::1]", "Bad Via: bad host");
	expect_bad("SIP/2.0/TLS [:1::2]", "Bad Via: bad host");
	expect_bad("SIP/2.0/TLS [1::2:]", "Bad Via: bad host");
	expect_bad("SIP/2.0/TLS []", "Bad Via: bad host");
	expect_bad("SIP/2.0/TLS [::1", "Bad Via: bad host");
	expect_bad("SIP/2.0/TLS [::g]", "Bad Via: bad host");
	expect_bad("SIP/2.0/TLS [::1.2.3]", "Bad Via: bad host");
	expect_bad("SIP/2.0/TLS h;received=[::1", "Bad Via: bad received");
}

static void test_rport(void **state)
{
	(void)state;
	sip_via v;
	const char *why;
	/* RFC 3581 examples: the client asks with an empty rport, the server fills it. */
	assert_int_equal(parse("SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff", &v, &why),
	                 0);
	assert_int_equal(v.rport, 0);
	assert_int_equal(parse("SIP/2.0/UDP 10.1.1.1:4540;received=192.0.2.1;rport=9988"
	                       ";branch=z9hG4bKkjshdyff",
	                       &v, &why),
	                 0);
	assert_int_equal(v.rport, 9988);
	assert_slice(v.received, "192.0.2.1");
	assert_int_equal(parse("SIP/2.0/TCP h;RPORT=65535", &v, &why), 0);
	assert_int_equal(v.rport, 65535);
	assert_int_equal(parse("SIP/2.0/TCP h;rport ", &v, &why), 0);
	assert_int_equal(v.rport, 0);

	expect_bad("SIP/2.0/TCP h;rport=0", "Bad Via: bad rport");
	expect_bad("SIP/2.0/TCP h;rport=65536", "Bad Via: bad rport");
	expect_bad("SIP/2.0/TCP h;rport=123456", "Bad Via: bad rport");
	expect_bad("SIP/2.0/TCP h;rport=12a", "Bad Via: bad rport");
	expect_bad("SIP/2.0/TCP h;rport=\"5\"", "Bad Via: bad rport");
	expect_bad("SIP/2.0/TCP h;rport=", "Bad Via: empty parameter value");
	expect_bad("SIP/2.0/TCP h;rport;rport=5", "Bad Via: repeated rport");
}

static void test_ttl(void **state)
{
	(void)state;
	sip_via v;
	const char *why;
	assert_int_equal(parse("SIP/2.0/UDP h;ttl=0", &v, &why), 0);
	assert_int_equal(v.ttl, 0);
	assert_int_equal(parse("SIP/2.0/UDP h;TTL=255", &v, &why), 0);
	assert_int_equal(v.ttl, 255);
	expect_bad("SIP/2.0/UDP h;ttl=256", "Bad Via: bad ttl");
	expect_bad("SIP/2.0/UDP h;ttl=0001", "Bad Via: bad ttl");
	expect_bad("SIP/2.0/UDP h;ttl", "Bad Via: bad ttl");
	expect_bad("SIP/2.0/UDP h;ttl=x", "Bad Via: bad ttl");
	expect_bad("SIP/2.0/UDP h;ttl=1;ttl=2", "Bad Via: repeated ttl");
}

static void test_generic_params(void **state)
{
	(void)state;
	sip_via v;
	const char *why;
	assert_int_equal(parse("SIP/2.0/TCP h:5060;alias;comp=sigcomp;"
	                       "sigcomp-id=\"<urn:uuid:0C67446E-F1A1-11D9-94D3-000A95A0E128>\";"
	                       "x=\"a;b,\\\"c\";branch=z9hG4bK1",
	                       &v, &why),
	                 0);
	assert_slice(v.branch, "z9hG4bK1");
	assert_int_equal(v.port, 5060);
	assert_true(v.params.p > v.host.p);
	assert_int_equal(v.params.p[0], ';');
	assert_ptr_equal(v.params.p + v.params.n, v.raw.p + v.raw.n);

	/* Names compare case-insensitively; values keep their case. */
	assert_int_equal(
	    parse("SIP/2.0/TCP h;BRANCH=z9hG4bKAbC;Received=1.2.3.4;MADDR=Foo.Example", &v, &why),
	    0);
	assert_slice(v.branch, "z9hG4bKAbC");
	assert_slice(v.received, "1.2.3.4");
	assert_slice(v.maddr, "Foo.Example");

	/* Names that only share a prefix with known ones are extensions. */
	assert_int_equal(parse("SIP/2.0/TCP h;branches=1;ttlx=9;rports", &v, &why), 0);
	assert_null(v.branch.p);
	assert_int_equal(v.ttl, -1);
	assert_int_equal(v.rport, -1);
}

static void test_hosts(void **state)
{
	(void)state;
	sip_via v;
	const char *why;
	assert_int_equal(parse("SIP/2.0/TCP example.com.", &v, &why), 0);
	assert_slice(v.host, "example.com.");
	assert_int_equal(parse("SIP/2.0/TCP a-b.c9", &v, &why), 0);
	assert_int_equal(parse("SIP/2.0/TCP 255.255.255.255:1", &v, &why), 0);
	assert_int_equal(v.port, 1);
	assert_int_equal(parse("SIP/2.0/TCP h : 65535", &v, &why), 0);
	assert_int_equal(v.port, 65535);

	/* The same addresses with 15 bytes or more after the host's start (the dotted
	 * quad's unchecked fast path) must give the same answers. */
	assert_int_equal(parse("SIP/2.0/TCP 255.255.255.255:1;branch=z9hG4bK1", &v, &why), 0);
	assert_slice(v.host, "255.255.255.255");
	assert_int_equal(parse("SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1;received=10.0.0.10", &v, &why),
	                 0);
	assert_slice(v.host, "1.2.3.4");
	assert_slice(v.received, "10.0.0.10");
	assert_int_equal(parse("SIP/2.0/UDP 010.000.0.255 ;branch=z9hG4bK1", &v, &why), 0);
	assert_slice(v.host, "010.000.0.255");
	assert_int_equal(parse("SIP/2.0/UDP 1.2.3.4a.example.com;branch=z9hG4bK1", &v, &why), 0);
	assert_slice(v.host, "1.2.3.4a.example.com");
	expect_bad("SIP/2.0/TCP 256.1.1.1;branch=z9hG4bK1", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP 1.2.3.256;branch=z9hG4bK1", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP 1.2.3;branch=z9hG4bK1234", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP 1.2.3.4.5;branch=z9hG4bK1", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP 1.2.3.4;received=1.2.3.4444444444444", "Bad Via: bad received");

	expect_bad("SIP/2.0/TCP 256.1.1.1", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP 1.2.3", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP 1.2.3.4.5", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP 1234", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP a..b", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP -a.com", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP a-.com", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP a.com-", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP .a.com", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP a.9com", "Bad Via: bad host");
	expect_bad("SIP/2.0/TCP ;branch=z9hG4bK1", "Bad Via: missing host");
	expect_bad("SIP/2.0/TCP h_1", "Bad Via: junk after sent-by");
	expect_bad("SIP/2.0/TCP h;maddr=a..b", "Bad Via: bad maddr");
	expect_bad("SIP/2.0/TCP h;maddr", "Bad Via: bad maddr");
	expect_bad("SIP/2.0/TCP h;received=example.com", "Bad Via: bad received");
	expect_bad("SIP/2.0/TCP h;received=1.2.3.4;received=1.2.3.4", "Bad Via: repeated received");
}

static void test_ports(void **state)
{
	(void)state;
	expect_bad("SIP/2.0/TCP h:", "Bad Via: bad port");
	expect_bad("SIP/2.0/TCP h:0", "Bad Via: bad port");
	expect_bad("SIP/2.0/TCP h:65536", "Bad Via: bad port");
	expect_bad("SIP/2.0/TCP h:100000", "Bad Via: bad port");
	expect_bad("SIP/2.0/TCP h:99999999999999999999", "Bad Via: bad port");
	expect_bad("SIP/2.0/TCP h:-1", "Bad Via: bad port");
	expect_bad("SIP/2.0/TCP h:50x", "Bad Via: junk after sent-by");
	expect_bad("SIP/2.0/TCP h:5060:5060", "Bad Via: junk after sent-by");
}

static void test_protocol(void **state)
{
	(void)state;
	expect_bad("", "Bad Via: empty");
	expect_bad(" \r\n ", "Bad Via: empty");
	expect_bad("pc33.atlanta.com;branch=z9hG4bK1", "Bad Via: missing protocol");
	expect_bad("/2.0/UDP h", "Bad Via: missing protocol");
	expect_bad("SIP", "Bad Via: missing protocol");
	expect_bad("SIP/", "Bad Via: missing protocol version");
	expect_bad("SIP//UDP h", "Bad Via: missing protocol version");
	expect_bad("SIP/2.0", "Bad Via: missing transport");
	expect_bad("SIP/2.0 UDP h", "Bad Via: missing transport");
	expect_bad("SIP/2.0/", "Bad Via: missing transport");
	expect_bad("SIP/2.0/UDP", "Bad Via: missing sent-by");
	expect_bad("SIP/2.0/UDP   ", "Bad Via: missing sent-by");
	expect_bad("SIP/2.0/UDP;branch=1", "Bad Via: missing sent-by");
}

static void test_bad_params(void **state)
{
	(void)state;
	expect_bad("SIP/2.0/UDP h;", "Bad Via: empty parameter");
	expect_bad("SIP/2.0/UDP h;;branch=z9hG4bK1", "Bad Via: empty parameter");
	expect_bad("SIP/2.0/UDP h;=x", "Bad Via: empty parameter");
	expect_bad("SIP/2.0/UDP h;branch", "Bad Via: empty branch");
	expect_bad("SIP/2.0/UDP h;branch=\"z9hG4bK1\"", "Bad Via: bad branch");
	expect_bad("SIP/2.0/UDP h;branch=z9hG4bK[1]", "Bad Via: bad branch");
	expect_bad("SIP/2.0/UDP h;branch=a;branch=b", "Bad Via: repeated branch");
	expect_bad("SIP/2.0/UDP h;x=\"abc", "Bad Via: bad quoted parameter");
	expect_bad("SIP/2.0/UDP h;x=\"abc\\", "Bad Via: bad quoted parameter");
	expect_bad("SIP/2.0/UDP h;x=\"a\x01\"", "Bad Via: bad quoted parameter");
	expect_bad("SIP/2.0/UDP h;x=y z", "Bad Via: junk in parameters");
	expect_bad("SIP/2.0/UDP h;x=\"y\"z", "Bad Via: junk in parameters");
	expect_bad("SIP/2.0/UDP h;x y", "Bad Via: junk in parameters");
	expect_bad("SIP/2.0/UDP h;x=@", "Bad Via: empty parameter value");
	/* Two elements are the caller's to split: a comma here is junk. */
	expect_bad("SIP/2.0/UDP h;branch=z9hG4bK1, SIP/2.0/UDP g", "Bad Via: junk in parameters");
	expect_bad("SIP/2.0/UDP h (comment)", "Bad Via: junk after sent-by");
}

/* The fast path for the usual shape (via.c) against the general parser, on inputs at
 * and around that shape: same code, same reason, same fields. Every input is held in a
 * buffer of its exact length, so ASan sees any read past it. */
static void test_fast_path_matches_general(void **state)
{
	(void)state;
	static const char *const inputs[] = {
	    /* the shapes the fast path takes */
	    "SIP/2.0/TCP 192.0.2.101:5060;branch=z9hG4bK-524287-1---a7f3c1e2d9b04a11;rport",
	    "SIP/2.0/TLS 192.0.2.101:52341;branch=z9hG4bK.Hq4xY7b2e;rport=52341;received=192.0.2.1",
	    "SIP/2.0/UDP 10.0.0.1:5060;received=10.0.0.2;branch=z9hG4bKx;rport=5060",
	    "SIP/2.0/TLS 198.51.100.5:5061;branch=z9hG4bK3f9a.5c2e1b7d0a44e8f2.0",
	    "SIP/2.0/TCP 1.2.3.4:1;branch=a",
	    "SIP/2.0/TCP 1.2.3.4:65535;rport;branch=b",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=z9hG4bK!%*_+`'~.-x",
	    "SIP/2.0/TCP 1.2.3.4:05060;rport=00001;branch=z",
	    /* 15, 16 and 17 bytes of branch value at the very end of the buffer */
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=z9hG4bK12345678",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=z9hG4bK123456789",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=z9hG4bK1234567890",
	    "SIP/2.0/TCP 1.2.3.4:5060;rport;branch=z9hG4bK1234567890123456789012345678901234",
	    /* near misses: the general path decides (accepts or rejects) */
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=z9hG4bK1;branch=z9hG4bK2",
	    "SIP/2.0/TCP 1.2.3.4:5060;rport;rport",
	    "SIP/2.0/TCP 1.2.3.4:5060;rport=0",
	    "SIP/2.0/TCP 1.2.3.4:5060;rport=65536",
	    "SIP/2.0/TCP 1.2.3.4:5060;rport=123456",
	    "SIP/2.0/TCP 1.2.3.4:5060;rport=12a",
	    "SIP/2.0/TCP 1.2.3.4:5060;rport=",
	    "SIP/2.0/TCP 1.2.3.4:5060;rportx=1",
	    "SIP/2.0/TCP 1.2.3.4:5060;received=1.2.3.4;received=1.2.3.4",
	    "SIP/2.0/TCP 1.2.3.4:5060;received=1.2.3.256",
	    "SIP/2.0/TCP 1.2.3.4:5060;received=1.2.3.4.5",
	    "SIP/2.0/TCP 1.2.3.4:5060;received=1.2.3.4x",
	    "SIP/2.0/TCP 1.2.3.4:5060;received=::1",
	    "SIP/2.0/TCP 1.2.3.4:5060;received=",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=\"q\"",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=a:b",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=a[b]",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=a b",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=a ;rport",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=a,b",
	    "SIP/2.0/TCP 1.2.3.4:5060;BRANCH=a;RPORT",
	    "SIP/2.0/TCP 1.2.3.4:5060;Received=1.2.3.4",
	    "SIP/2.0/TCP 1.2.3.4:5060;ttl=1;branch=a",
	    "SIP/2.0/TCP 1.2.3.4:5060;maddr=1.2.3.4",
	    "SIP/2.0/TCP 1.2.3.4:5060;",
	    "SIP/2.0/TCP 1.2.3.4:5060;;branch=a",
	    "SIP/2.0/TCP 1.2.3.4:5060",
	    "SIP/2.0/TCP 1.2.3.4:5060 ;branch=a",
	    "SIP/2.0/TCP 1.2.3.4:0;branch=a",
	    "SIP/2.0/TCP 1.2.3.4:65536;branch=a",
	    "SIP/2.0/TCP 1.2.3.4:123456;branch=a",
	    "SIP/2.0/TCP 1.2.3.4:;branch=a",
	    "SIP/2.0/TCP 1.2.3.4;branch=a",
	    "SIP/2.0/TCP 1.2.3.4x:5060;branch=a",
	    "SIP/2.0/TCP 1.2.3.4.example.com:5060;branch=a",
	    "SIP/2.0/TCP 256.2.3.4:5060;branch=a",
	    "SIP/2.0/TCP  1.2.3.4:5060;branch=a",
	    "SIP/2.0/TCP\t1.2.3.4:5060;branch=a",
	    "SIP/2.0/tcp 1.2.3.4:5060;branch=a",
	    "SIP/2.0/SCTP 1.2.3.4:5060;branch=a",
	    "SIP/2.0/TCPX 1.2.3.4:5060;branch=a",
	    "SIP/2.0/TCP [::1]:5060;branch=a",
	    "SIP/2.0/TCP host.example.com:5060;branch=a",
	    "SIP/2.0/TCP 1.2.3.4: 5060;branch=a",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=a\r\n ;rport",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=a  ",
	    "SIP/2.0/TCP 1.2.3.4:5060;branch=a\x01",
	    "SIP/2.0/TCP 1.2",
	    "SIP/2.0/TCP 1.2.3.4:",
	    "SIP/2.0/TCP ",
	    "SIP/2.0/TCP",
	    "SIP/2.0/",
	};
	/* each input whole and cut at every length (ports and addresses that end the
	 * buffer, 15, 16, 17 bytes of a value and the rest) */
	char cut[160];
	for (size_t i = 0, len = 0; i < sizeof(inputs) / sizeof(inputs[0]); len++) {
		size_t n = strlen(inputs[i]);
		assert_true(n < sizeof(cut));
		memcpy(cut, inputs[i], len);
		cut[len] = '\0';
		if (len >= n) {
			i++;
			len = (size_t)-1; /* the next input from length 0 */
		}
		const char *text = cut;
		ou_slice s = hold(text);
		sip_via f, g;
		const char *wf = NULL, *wg = NULL;
		int ef = sip_via_parse(s, &f, &wf), eg = sip_via_parse_general(s, &g, &wg);
		if (ef != eg)
			fail_msg("fast %d, general %d: %s", ef, eg, text);
		if (ef) {
			assert_string_equal(wf, wg);
			continue;
		}
		assert_same_slice(f.raw, g.raw, "raw", text, strlen(text));
		assert_same_slice(f.protocol, g.protocol, "protocol", text, strlen(text));
		assert_same_slice(f.transport_s, g.transport_s, "transport_s", text, strlen(text));
		assert_same_slice(f.host, g.host, "host", text, strlen(text));
		assert_same_slice(f.params, g.params, "params", text, strlen(text));
		assert_same_slice(f.branch, g.branch, "branch", text, strlen(text));
		assert_same_slice(f.received, g.received, "received", text, strlen(text));
		assert_same_slice(f.maddr, g.maddr, "maddr", text, strlen(text));
		if (f.transport != g.transport || f.port != g.port || f.rport != g.rport ||
		    f.ttl != g.ttl)
			fail_msg("transport/port/rport/ttl differ: %s", text);
	}
}

/* The fast path inside a list: the element ends at the ',' and the next one starts
 * after it, whichever path reads either. */
static void test_fast_path_in_list(void **state)
{
	(void)state;
	ou_slice s = hold("SIP/2.0/TCP 1.2.3.4:5060;branch=z9hG4bKa;rport,"
	                  "SIP/2.0/TLS 5.6.7.8:5061;received=9.9.9.9;branch=z9hG4bKb ,"
	                  " SIP/2.0/UDP h.example.com;branch=z9hG4bKc,"
	                  "SIP/2.0/UDP 1.1.1.1:1;rport=2");
	size_t pos = 0;
	sip_via v;
	const char *why = NULL;
	assert_int_equal(sip_via_parse_next(s, &pos, &v, &why), 0);
	assert_slice(v.raw, "SIP/2.0/TCP 1.2.3.4:5060;branch=z9hG4bKa;rport");
	assert_slice(v.params, ";branch=z9hG4bKa;rport");
	assert_slice(v.branch, "z9hG4bKa");
	assert_int_equal(v.rport, 0);
	assert_int_equal(v.port, 5060);
	assert_int_equal(v.transport, SIP_TP_TCP);
	assert_int_equal(sip_via_parse_next(s, &pos, &v, &why), 0);
	assert_slice(v.raw, "SIP/2.0/TLS 5.6.7.8:5061;received=9.9.9.9;branch=z9hG4bKb");
	assert_slice(v.received, "9.9.9.9");
	assert_slice(v.branch, "z9hG4bKb");
	assert_int_equal(v.rport, -1);
	assert_int_equal(v.transport, SIP_TP_TLS);
	assert_int_equal(sip_via_parse_next(s, &pos, &v, &why), 0);
	assert_slice(v.host, "h.example.com");
	assert_slice(v.branch, "z9hG4bKc");
	assert_int_equal(sip_via_parse_next(s, &pos, &v, &why), 0);
	assert_slice(v.raw, "SIP/2.0/UDP 1.1.1.1:1;rport=2");
	assert_int_equal(v.rport, 2);
	assert_int_equal(v.port, 1);
	assert_int_equal(sip_via_parse_next(s, &pos, &v, &why), OPENUM_ENOTFOUND);
}

static void test_null_why(void **state)
{
	(void)state;
	sip_via v;
	assert_int_equal(sip_via_parse(OU_SLICE_LIT("SIP/2.0/UDP h:0"), &v, NULL), OPENUM_EBADMSG);
	assert_int_equal(sip_via_parse(OU_SLICE_NULL, &v, NULL), OPENUM_EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc3261_basic),
	    cmocka_unit_test(test_rfc3261_received_and_lws),
	    cmocka_unit_test(test_transports),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_rport),
	    cmocka_unit_test(test_ttl),
	    cmocka_unit_test(test_generic_params),
	    cmocka_unit_test(test_hosts),
	    cmocka_unit_test(test_ports),
	    cmocka_unit_test(test_protocol),
	    cmocka_unit_test(test_bad_params),
	    cmocka_unit_test(test_null_why),
	    cmocka_unit_test(test_fast_path_matches_general),
	    cmocka_unit_test(test_fast_path_in_list),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	hold_free();
	return rc;
}
