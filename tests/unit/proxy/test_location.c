/* Tests for src/proxy/location.c: REGISTER applied to the location service. Several
 * contacts per AOR with q-values and expiry, refresh, per-contact and wildcard removal,
 * 423 with Min-Expires, malformed contacts and Call-ID/CSeq ordering refused with
 * nothing changed, the binding limit, flows dropped on close, and change callbacks
 * for persistence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "proxy/proxy.h"

#define AOR "sip:alice@example.com"
#define T0 1700000000000ll

typedef struct rec {
	unsigned puts, dels;
	char last[STORE_CONTACT_MAX];
} rec;

static void on_change(void *arg, const store_binding *b, bool removed)
{
	rec *r = arg;
	if (removed)
		r->dels++;
	else
		r->puts++;
	snprintf(r->last, sizeof(r->last), "%s", b->contact);
}

static char text[4096];
static sip_msg msg;

/* Parses a REGISTER with the given extra header lines. */
static sip_msg *reg(const char *callid, unsigned cseq, const char *hdrs)
{
	snprintf(text, sizeof(text),
	         "REGISTER sip:example.com SIP/2.0\r\n"
	         "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
	         "From: <sip:alice@example.com>;tag=1\r\n"
	         "To: <sip:alice@example.com>\r\n"
	         "Call-ID: %s\r\nCSeq: %u REGISTER\r\nMax-Forwards: 70\r\n%s"
	         "Content-Length: 0\r\n\r\n",
	         callid, cseq, hdrs);
	assert_int_equal(sip_msg_parse(text, strlen(text), &msg, NULL), 0);
	return &msg;
}

static proxy_loc *mk(rec *r)
{
	proxy_loc_ops ops = {.change = on_change, .arg = r};
	proxy_loc *l = NULL;
	assert_int_equal(proxy_loc_new(&ops, &l), 0);
	return l;
}

static const proxy_flow flow = {NULL, "TLS", "192.0.2.1:40000"};

static void test_register_and_lookup(void **state)
{
	(void)state;
	rec r = {0};
	proxy_loc *l = mk(&r);
	const char *why = NULL;
	assert_int_equal(proxy_loc_register(l, AOR,
	                                    reg("c1", 1,
	                                        "Contact: <sip:alice@192.0.2.1:40000;transport=tls>"
	                                        ";q=0.5, <sip:alice@192.0.2.2>;expires=120\r\n"
	                                        "Expires: 600\r\n"),
	                                    &flow, NULL, T0, NULL, &why),
	                 200);
	assert_int_equal(r.puts, 2);
	const proxy_binding *b[8];
	unsigned n = proxy_loc_lookup(l, AOR, T0, b, 8);
	assert_int_equal(n, 2);
	assert_string_equal(b[0]->rec.contact, "sip:alice@192.0.2.2"); /* q 1.0 first */
	assert_int_equal(b[0]->rec.expires_ms, T0 + 120000);
	assert_int_equal(b[1]->rec.q, 500);
	assert_int_equal(b[1]->rec.expires_ms, T0 + 600000);
	assert_string_equal(b[1]->rec.transport, "TLS");
	assert_string_equal(b[1]->rec.peer, "192.0.2.1:40000");
	assert_string_equal(b[1]->rec.call_id, "c1");
	/* Expiry. */
	assert_int_equal(proxy_loc_lookup(l, AOR, T0 + 121000, b, 8), 1);
	assert_int_equal(proxy_loc_lookup(l, "sip:bob@example.com", T0, b, 8), 0);
	assert_non_null(proxy_loc_by_contact(l, ou_slice_cstr("sip:alice@192.0.2.2"), T0));
	assert_null(proxy_loc_by_contact(l, ou_slice_cstr("sip:alice@192.0.2.2"), T0 + 121000));
	proxy_loc_expire(l, T0 + 121000);
	assert_int_equal(r.dels, 1);
	assert_string_equal(r.last, "sip:alice@192.0.2.2");

	/* Refresh with a higher CSeq; default expiry (3600) is capped by max_expires. */
	proxy_reg_limits lim = {.max_expires = 1800};
	assert_int_equal(proxy_loc_register(
	                     l, AOR,
	                     reg("c1", 2, "Contact: <sip:alice@192.0.2.1:40000;transport=tls>\r\n"),
	                     &flow, &lim, T0 + 1000, NULL, NULL),
	                 200);
	n = proxy_loc_lookup(l, AOR, T0 + 1000, b, 8);
	assert_int_equal(n, 1);
	assert_int_equal(b[0]->rec.expires_ms, T0 + 1000 + 1800000);
	assert_int_equal(b[0]->rec.q, 1000);
	assert_int_equal(b[0]->rec.cseq, 2);

	/* A REGISTER without Contact only queries. */
	unsigned puts = r.puts;
	assert_int_equal(proxy_loc_register(l, AOR, reg("c1", 3, ""), &flow, NULL, T0, NULL, NULL),
	                 200);
	assert_int_equal(r.puts, puts);

	/* Remove one contact with expires=0. */
	assert_int_equal(proxy_loc_register(l, AOR,
	                                    reg("c1", 4,
	                                        "Contact: <sip:alice@192.0.2.1:40000;transport=tls>"
	                                        ";expires=0\r\n"),
	                                    &flow, NULL, T0 + 2000, NULL, NULL),
	                 200);
	assert_int_equal(proxy_loc_lookup(l, AOR, T0 + 2000, b, 8), 0);
	proxy_loc_free(l);
}

static void test_wildcard(void **state)
{
	(void)state;
	rec r = {0};
	proxy_loc *l = mk(&r);
	assert_int_equal(
	    proxy_loc_register(l, AOR,
	                       reg("c1", 1, "Contact: <sip:a@192.0.2.1>, <sip:b@192.0.2.2>\r\n"),
	                       &flow, NULL, T0, NULL, NULL),
	    200);
	const char *why = NULL;
	/* * without Expires: 0, or with another contact: 400, nothing removed. */
	assert_int_equal(
	    proxy_loc_register(l, AOR, reg("c2", 1, "Contact: *\r\n"), &flow, NULL, T0, NULL, &why),
	    400);
	assert_non_null(why);
	assert_int_equal(
	    proxy_loc_register(l, AOR,
	                       reg("c2", 1, "Contact: *, <sip:c@192.0.2.3>\r\nExpires: 0\r\n"),
	                       &flow, NULL, T0, NULL, NULL),
	    400);
	assert_int_equal(proxy_loc_register(l, AOR, reg("c2", 1, "Contact: *\r\nExpires: 5\r\n"),
	                                    &flow, NULL, T0, NULL, NULL),
	                 400);
	const proxy_binding *b[8];
	assert_int_equal(proxy_loc_lookup(l, AOR, T0, b, 8), 2);
	/* Same Call-ID with a CSeq not higher: out of order. */
	assert_int_equal(proxy_loc_register(l, AOR, reg("c1", 1, "Contact: *\r\nExpires: 0\r\n"),
	                                    &flow, NULL, T0, NULL, NULL),
	                 500);
	assert_int_equal(proxy_loc_register(l, AOR, reg("c2", 1, "Contact: *\r\nExpires: 0\r\n"),
	                                    &flow, NULL, T0, NULL, NULL),
	                 200);
	assert_int_equal(proxy_loc_lookup(l, AOR, T0, b, 8), 0);
	assert_int_equal(r.dels, 2);
	proxy_loc_free(l);
}

static void test_refusals_change_nothing(void **state)
{
	(void)state;
	rec r = {0};
	proxy_loc *l = mk(&r);
	uint32_t min = 0;
	const char *why = NULL;
	/* 423: one contact too brief, the valid one is not stored either. */
	assert_int_equal(proxy_loc_register(l, AOR,
	                                    reg("c1", 1,
	                                        "Contact: <sip:a@192.0.2.1>, <sip:b@192.0.2.2>"
	                                        ";expires=30\r\n"),
	                                    &flow, NULL, T0, &min, &why),
	                 423);
	assert_int_equal(min, PROXY_DEFAULT_MIN_EXPIRES);
	proxy_reg_limits lim = {.min_expires = 10};
	assert_int_equal(
	    proxy_loc_register(l, AOR, reg("c1", 1, "Contact: <sip:a@192.0.2.1>\r\nExpires: 5\r\n"),
	                       &flow, &lim, T0, &min, NULL),
	    423);
	assert_int_equal(min, 10);
	/* Malformed. */
	const char *badh[] = {
	    "Contact: <sip:a@192.0.2.1>;q=2\r\n",
	    "Contact: <sip:a@192.0.2.1>;q=0.5x\r\n",
	    "Contact: <sip:a@192.0.2.1>;expires=soon\r\n",
	    "Contact: <tel:+15551234>\r\n",
	    "Contact: <sip:a@192.0.2.1\r\n",
	    "Contact: <sip:a@192.0.2.1>\r\nExpires: never\r\n",
	};
	for (size_t i = 0; i < sizeof(badh) / sizeof(badh[0]); i++)
		assert_int_equal(
		    proxy_loc_register(l, AOR, reg("c1", 1, badh[i]), &flow, NULL, T0, NULL, NULL),
		    400);
	const proxy_binding *b[16];
	assert_int_equal(proxy_loc_lookup(l, AOR, T0, b, 16), 0);
	assert_int_equal(r.puts + r.dels, 0);
	/* Out of order: the same contact with an older CSeq. */
	assert_int_equal(proxy_loc_register(l, AOR, reg("c1", 5, "Contact: <sip:a@192.0.2.1>\r\n"),
	                                    &flow, NULL, T0, NULL, NULL),
	                 200);
	assert_int_equal(
	    proxy_loc_register(l, AOR, reg("c1", 4, "Contact: <sip:a@192.0.2.1>;expires=0\r\n"),
	                       &flow, NULL, T0, NULL, NULL),
	    500);
	assert_int_equal(proxy_loc_lookup(l, AOR, T0, b, 16), 1);
	/* A new Call-ID (a rebooted phone) may replace it whatever its CSeq. */
	assert_int_equal(
	    proxy_loc_register(l, AOR, reg("c9", 1, "Contact: <sip:a@192.0.2.1>;expires=0\r\n"),
	                       &flow, NULL, T0, NULL, NULL),
	    200);
	/* Too many bindings. */
	proxy_reg_limits two = {.max_bindings = 2};
	assert_int_equal(proxy_loc_register(l, AOR,
	                                    reg("c1", 10,
	                                        "Contact: <sip:a@192.0.2.1>, <sip:b@192.0.2.1>, "
	                                        "<sip:c@192.0.2.1>\r\n"),
	                                    &flow, &two, T0, NULL, &why),
	                 403);
	assert_int_equal(proxy_loc_lookup(l, AOR, T0, b, 16), 0);
	proxy_loc_free(l);
}

static unsigned refs;
static net_conn *fake_ref(net_conn *c)
{
	refs++;
	return c;
}
static void fake_unref(net_conn *c)
{
	(void)c;
	refs--;
}

static void test_flows_and_load(void **state)
{
	(void)state;
	proxy_loc_ops ops = {.ref = fake_ref, .unref = fake_unref};
	proxy_loc *l = NULL;
	assert_int_equal(proxy_loc_new(&ops, &l), 0);
	net_conn *c1 = (net_conn *)(uintptr_t)0x1000, *c2 = (net_conn *)(uintptr_t)0x2000;
	proxy_flow f1 = {c1, "TCP", "192.0.2.1:1"}, f2 = {c2, "TLS", "192.0.2.1:2"};
	assert_int_equal(proxy_loc_register(l, AOR, reg("c1", 1, "Contact: <sip:a@192.0.2.1>\r\n"),
	                                    &f1, NULL, T0, NULL, NULL),
	                 200);
	assert_int_equal(refs, 1);
	/* Re-registering over another connection moves the flow. */
	assert_int_equal(proxy_loc_register(l, AOR, reg("c1", 2, "Contact: <sip:a@192.0.2.1>\r\n"),
	                                    &f2, NULL, T0, NULL, NULL),
	                 200);
	assert_int_equal(refs, 1);
	const proxy_binding *b[2];
	assert_int_equal(proxy_loc_lookup(l, AOR, T0, b, 2), 1);
	assert_ptr_equal(b[0]->flow, c2);
	assert_string_equal(b[0]->rec.transport, "TLS");
	proxy_loc_flow_closed(l, c2);
	assert_int_equal(refs, 0);
	assert_int_equal(proxy_loc_lookup(l, AOR, T0, b, 2), 1);
	assert_null(b[0]->flow); /* the binding stays: a new connection reaches the Contact */
	/* Loaded bindings (after a restart) have no flow. */
	store_binding sb = {0};
	snprintf(sb.aor, sizeof(sb.aor), "sip:bob@example.com");
	snprintf(sb.contact, sizeof(sb.contact), "sip:bob@192.0.2.9");
	sb.expires_ms = T0 + 5000;
	sb.q = 1000;
	assert_int_equal(proxy_loc_load(l, &sb), 0);
	assert_int_equal(proxy_loc_lookup(l, "sip:bob@example.com", T0, b, 2), 1);
	assert_null(b[0]->flow);
	assert_int_equal(proxy_loc_register(l, AOR, reg("c1", 3, "Contact: <sip:a@192.0.2.1>\r\n"),
	                                    &f1, NULL, T0, NULL, NULL),
	                 200);
	assert_int_equal(refs, 1);
	proxy_loc_free(l);
	assert_int_equal(refs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_and_lookup),
	    cmocka_unit_test(test_wildcard),
	    cmocka_unit_test(test_refusals_change_nothing),
	    cmocka_unit_test(test_flows_and_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
