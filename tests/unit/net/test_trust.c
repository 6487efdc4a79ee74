/* Tests for src/net/peer.c and src/net/tls.c: THE TRUST MATRIX. A server with an
 * allow-list (trusted_peers = proxy.openum.test) receives one request over each kind
 * of connection; only TLS with a verified, allow-listed client certificate is
 * trusted. Real OpenSSL, real sockets, a PKI made by net_certs_make in a temp dir.
 *
 * A client certificate from a CA we do not trust: the handshake SUCCEEDS and the
 * message is delivered with tls_verified false and trusted false (the server asks for
 * a certificate but does not insist, so such a peer is treated like one without a
 * certificate: served, never trusted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "net_harness.h"

static const char OPT[] = "OPTIONS sip:um@example.com SIP/2.0\r\n"
                          "Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bKtrust\r\n"
                          "From: <sip:proxy@example.com>;tag=p1\r\n"
                          "To: <sip:um@example.com>\r\n"
                          "Call-ID: trust@192.0.2.1\r\n"
                          "CSeq: 1 OPTIONS\r\n"
                          "Ms-Exchange-Command: skip-pin\r\n"
                          "Content-Length: 0\r\n"
                          "\r\n";

/* The PKI, made once for the whole file:
 *   good/   CA1 (trusted), server (localhost, 127.0.0.1, ::1), client proxy.openum.test
 *   other/  client other.openum.test signed by CA1
 *   rogue/  CA2 (not trusted) and a client proxy.openum.test signed by it */
static char pki[256];
static char path_buf[16][512];
static int npath;

static const char *P(const char *sub, const char *file)
{
	char *b = path_buf[npath++ % 16];
	snprintf(b, sizeof(path_buf[0]), "%s/%s/%s", pki, sub, file);
	return b;
}

static int make_pki(void **state)
{
	snprintf(pki, sizeof(pki), "%s/openum-trust.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(pki))
		return -1;
	char dir[512], err[256] = "";
	snprintf(dir, sizeof(dir), "%s/good", pki);
	if (net_certs_make(dir, NULL, err, sizeof(err)))
		goto fail;
	static const char *const other[] = {"other.openum.test"};
	net_certs_opts o = {.client_names = other, .nclient_names = 1, .ca_dir = dir};
	char odir[512];
	snprintf(odir, sizeof(odir), "%s/other", pki);
	if (net_certs_make(odir, &o, err, sizeof(err)))
		goto fail;
	snprintf(dir, sizeof(dir), "%s/rogue", pki);
	if (net_certs_make(dir, NULL, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "make_pki: %s\n", err);
	return -1;
}

static int remove_pki(void **state)
{
	static const char *const subs[] = {"good", "other", "rogue"};
	static const char *const files[] = {"ca.pem",     "ca.key",     "server.pem",
	                                    "server.key", "client.pem", "client.key"};
	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < 6; j++)
			unlink(P(subs[i], files[j]));
		char d[512];
		snprintf(d, sizeof(d), "%s/%s", pki, subs[i]);
		rmdir(d);
	}
	rmdir(pki);
	return 0;
}

static const char *const allow[] = {"proxy.openum.test"};

/* The UM-server side: TLS with CA1, allow-list; TCP too. */
static void serve(h_world *w, const char *ip, uint16_t *tcp, uint16_t *tls,
                  const char *const *trusted, size_t ntrusted)
{
	net_config cfg = {
	    .cert_file = P("good", "server.pem"),
	    .key_file = P("good", "server.key"),
	    .ca_file = P("good", "ca.pem"),
	    .trusted_peers = trusted,
	    .ntrusted = ntrusted,
	};
	assert_int_equal(h_server(w, &cfg), 0);
	if (tcp)
		assert_int_equal(net_listen(w->n, NET_TCP, ip, 0, tcp), 0);
	if (tls)
		assert_int_equal(net_listen(w->n, NET_TLS, ip, 0, tls), 0);
	w->auto_reply = true;
}

/* The proxy side: a client net with the given certificate (sub NULL: none). */
static void client(h_world *w, const char *sub)
{
	net_config cfg = {.ca_file = P("good", "ca.pem")};
	if (sub) {
		cfg.cert_file = P(sub, "client.pem");
		cfg.key_file = P(sub, "client.key");
	}
	assert_int_equal(h_client(w, &cfg), 0);
}

/* Sends OPT over tp and returns the peer record the server saw. */
static net_peer deliver(h_world *w, net_transport tp, const char *ip, uint16_t port)
{
	net_conn *c = NULL;
	assert_int_equal(net_connect(w->cli, tp, ip, port, NULL, &c), 0);
	assert_int_equal(net_send(c, OPT, strlen(OPT)), 0);
	unsigned one = 1;
	assert_true(h_pump(w, 3000, h_msgs_at_least, &one));
	assert_string_equal(w->msgs[0].raw, OPT);
	/* and the answer comes back on the same connection */
	assert_true(h_pump(w, 3000, h_cli_msgs_at_least, &one));
	assert_ptr_equal(w->cli_msgs[0].conn, c);
	net_conn_unref(c);
	return w->msgs[0].peer;
}

static bool has_identity(const net_peer *p, const char *id)
{
	for (unsigned i = 0; i < p->nidentity; i++)
		if (strcmp(p->identity[i], id) == 0)
			return true;
	return false;
}

static void test_trust_plain_tcp(void **state)
{
	h_world *w = h_new();
	uint16_t port;
	serve(w, "127.0.0.1", &port, NULL, allow, 1);
	client(w, "good"); /* a certificate is of no use over TCP */
	net_peer p = deliver(w, NET_TCP, "127.0.0.1", port);
	assert_int_equal(p.transport, NET_TCP);
	assert_false(p.tls_verified);
	assert_int_equal(p.nidentity, 0);
	assert_false(p.trusted);
	h_free(w);
}

static void test_trust_tls_without_client_cert(void **state)
{
	h_world *w = h_new();
	uint16_t port;
	serve(w, "127.0.0.1", NULL, &port, allow, 1);
	client(w, NULL);
	net_peer p = deliver(w, NET_TLS, "127.0.0.1", port);
	assert_int_equal(p.transport, NET_TLS);
	assert_false(p.tls_verified);
	assert_int_equal(p.nidentity, 0);
	assert_false(p.trusted);
	/* The client verified the server: its peer record says so. */
	const net_peer *sp = &w->cli_msgs[0].peer;
	assert_true(sp->outgoing);
	assert_true(sp->tls_verified);
	assert_true(has_identity(sp, "dns:localhost"));
	assert_false(sp->trusted); /* the client has no allow-list */
	h_free(w);
}

static void test_trust_tls_cert_from_untrusted_ca(void **state)
{
	h_world *w = h_new();
	uint16_t port;
	serve(w, "127.0.0.1", NULL, &port, allow, 1);
	client(w, "rogue");
	/* Documented behaviour: delivered, not verified, not trusted, although the name
	 * it claims is on the allow-list. */
	net_peer p = deliver(w, NET_TLS, "127.0.0.1", port);
	assert_int_equal(p.transport, NET_TLS);
	assert_false(p.tls_verified);
	assert_true(has_identity(&p, "dns:proxy.openum.test"));
	assert_false(p.trusted);
	h_free(w);
}

static void test_trust_tls_valid_cert_not_allow_listed(void **state)
{
	h_world *w = h_new();
	uint16_t port;
	serve(w, "127.0.0.1", NULL, &port, allow, 1);
	client(w, "other");
	net_peer p = deliver(w, NET_TLS, "127.0.0.1", port);
	assert_true(p.tls_verified);
	assert_true(has_identity(&p, "dns:other.openum.test"));
	assert_true(has_identity(&p, "cn:other.openum.test"));
	assert_false(p.trusted);
	h_free(w);
}

static void test_trust_tls_allow_listed_cert(void **state)
{
	h_world *w = h_new();
	uint16_t port;
	serve(w, "127.0.0.1", NULL, &port, allow, 1);
	client(w, "good");
	net_peer p = deliver(w, NET_TLS, "127.0.0.1", port);
	assert_int_equal(p.transport, NET_TLS);
	assert_true(p.tls_verified);
	assert_true(has_identity(&p, "dns:proxy.openum.test"));
	assert_true(has_identity(&p, "cn:proxy.openum.test"));
	assert_true(p.trusted);
	assert_string_equal(p.remote_ip, "127.0.0.1");
	assert_int_equal(p.local_port, port);
	h_free(w);
}

/* The allow-list forms: "dns:", "cn:", bare names match; "uri:" and other names do
 * not match a certificate without such an identity; an empty list trusts nobody. */
static void test_trust_allow_list_forms(void **state)
{
	static const struct {
		const char *entry;
		bool trusted;
	} cases[] = {
	    {"dns:proxy.openum.test", true},      {"DNS:Proxy.Openum.Test", true},
	    {"cn:proxy.openum.test", true},       {"PROXY.openum.test", true},
	    {"uri:sip:proxy.openum.test", false}, {"dns:openum.test", false},
	    {"proxy.openum.tes", false},          {"*.openum.test", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h_world *w = h_new();
		uint16_t port;
		const char *list[] = {cases[i].entry};
		serve(w, "127.0.0.1", NULL, &port, list, 1);
		client(w, "good");
		net_peer p = deliver(w, NET_TLS, "127.0.0.1", port);
		assert_true(p.tls_verified);
		if (p.trusted != cases[i].trusted)
			fail_msg("allow-list entry '%s': trusted %d", cases[i].entry, p.trusted);
		h_free(w);
	}
	h_world *w = h_new();
	uint16_t port;
	serve(w, "127.0.0.1", NULL, &port, NULL, 0);
	client(w, "good");
	net_peer p = deliver(w, NET_TLS, "127.0.0.1", port);
	assert_true(p.tls_verified);
	assert_false(p.trusted);
	h_free(w);
}

static void test_trust_ipv6_loopback(void **state)
{
	h_world *w = h_new();
	net_config cfg = {
	    .cert_file = P("good", "server.pem"),
	    .key_file = P("good", "server.key"),
	    .ca_file = P("good", "ca.pem"),
	    .trusted_peers = allow,
	    .ntrusted = 1,
	};
	assert_int_equal(h_server(w, &cfg), 0);
	uint16_t port = 0;
	if (net_listen(w->n, NET_TLS, "::1", 0, &port) != 0) {
		h_free(w);
		skip(); /* no IPv6 here */
	}
	w->auto_reply = true;
	client(w, "good");
	net_peer p = deliver(w, NET_TLS, "::1", port);
	assert_string_equal(p.remote_ip, "::1");
	assert_string_equal(p.local_ip, "::1");
	assert_true(p.tls_verified);
	assert_true(p.trusted);
	h_free(w);
}

/* The client side is strict: a server whose certificate does not chain to our CA, or
 * does not carry the name we asked for, gets no message. */
static void test_trust_client_rejects_bad_server(void **state)
{
	for (int round = 0; round < 2; round++) {
		h_world *w = h_new();
		uint16_t port;
		serve(w, "127.0.0.1", NULL, &port, allow, 1);
		net_config cfg = {.ca_file =
		                      round == 0 ? P("rogue", "ca.pem") : P("good", "ca.pem")};
		assert_int_equal(h_client(w, &cfg), 0);
		net_conn *c = NULL;
		const char *name = round == 0 ? NULL : "um.example.com";
		assert_int_equal(net_connect(w->cli, NET_TLS, "127.0.0.1", port, name, &c), 0);
		assert_int_equal(net_send(c, OPT, strlen(OPT)), 0);
		unsigned one = 1;
		assert_true(h_pump(w, 3000, h_cli_closes_at_least, &one));
		assert_int_equal(w->cli_close_err, OPENUM_EIO);
		assert_string_equal(w->cli_close_why, "certificate verify failed");
		h_pump(w, 50, NULL, NULL);
		assert_int_equal(w->nmsgs, 0);
		net_conn_unref(c);
		h_free(w);
	}
}

static void test_tls_handshake_timeout(void **state)
{
	h_world *w = h_new();
	net_config cfg = {
	    .cert_file = P("good", "server.pem"),
	    .key_file = P("good", "server.key"),
	    .handshake_timeout_ms = 200,
	};
	assert_int_equal(h_server(w, &cfg), 0);
	uint16_t port = 0;
	assert_int_equal(net_listen(w->n, NET_TLS, "127.0.0.1", 0, &port), 0);
	int fd = h_raw_connect("127.0.0.1", port);
	h_inbox *in = h_raw_read(w, fd, NULL, 2000);
	assert_true(in->eof);
	unsigned one = 1;
	assert_true(h_pump(w, 2000, h_closes_at_least, &one));
	assert_int_equal(w->close_err, OPENUM_ETOOBIG);
	assert_string_equal(w->close_why, "TLS handshake timeout");
	free(in);
	close(fd);
	h_free(w);
}

/* A phone's TLS flow: a request to exactly the address of a connection the phone
 * opened goes back over it (baresip's Contact names that address, nothing listens
 * there); a request that asks for a server name to be checked does not. */
/* TLS plaintext is framed straight from the shared read buffer; a message spread over
 * several TLS records (16 KB each) is gathered in the connection's buffer. A big
 * message, a small one and the big one again, in one write: all arrive whole. */
static void test_tls_message_spans_records(void **state)
{
	h_world *w = h_new();
	uint16_t port;
	serve(w, "127.0.0.1", NULL, &port, allow, 1);
	client(w, NULL);
	enum { BODY = 40000 };
	static char big[BODY + 512], all[2 * sizeof(big) + sizeof(OPT)];
	int n = snprintf(big, sizeof(big),
	                 "MESSAGE sip:um@example.com SIP/2.0\r\n"
	                 "Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bKbig\r\n"
	                 "From: <sip:proxy@example.com>;tag=p1\r\n"
	                 "To: <sip:um@example.com>\r\n"
	                 "Call-ID: big@192.0.2.1\r\n"
	                 "CSeq: 1 MESSAGE\r\n"
	                 "Content-Type: text/plain\r\n"
	                 "Content-Length: %d\r\n"
	                 "\r\n",
	                 BODY);
	memset(big + n, 'x', BODY);
	big[n + BODY] = '\0';
	snprintf(all, sizeof(all), "%s%s%s", big, OPT, big);
	net_conn *c = NULL;
	assert_int_equal(net_connect(w->cli, NET_TLS, "127.0.0.1", port, NULL, &c), 0);
	assert_int_equal(net_send(c, all, strlen(all)), 0);
	unsigned three = 3;
	assert_true(h_pump(w, 5000, h_msgs_at_least, &three));
	assert_int_equal(w->nmsgs, 3);
	assert_string_equal(w->msgs[0].raw, big);
	assert_string_equal(w->msgs[1].raw, OPT);
	assert_string_equal(w->msgs[2].raw, big);
	net_conn_unref(c);
	h_free(w);
}

static void test_tls_inbound_flow_reused_for_its_address(void **state)
{
	h_world *w = h_new();
	uint16_t port;
	serve(w, "127.0.0.1", NULL, &port, allow, 1);
	client(w, NULL);
	net_peer p = deliver(w, NET_TLS, "127.0.0.1", port);
	net_conn *in = w->msgs[0].conn, *c = NULL;
	assert_int_equal(net_connect(w->n, NET_TLS, "127.0.0.1", p.remote_port, NULL, &c), 0);
	assert_ptr_equal(c, in);
	assert_int_equal(net_send(c, OPT, strlen(OPT)), 0);
	unsigned two = 2;
	assert_true(h_pump(w, 3000, h_cli_msgs_at_least, &two));
	assert_string_equal(w->cli_msgs[1].raw, OPT);
	net_conn_unref(c);
	/* a name to verify: never the phone's connection (it showed no server name) */
	net_conn *d = NULL;
	assert_int_equal(
	    net_connect(w->n, NET_TLS, "127.0.0.1", p.remote_port, "proxy.openum.test", &d), 0);
	assert_ptr_not_equal(d, in);
	net_conn_close(d);
	net_conn_unref(d);
	h_free(w);
}

/* Plaintext SIP sent to a TLS port is a failed handshake, not a message. */
static void test_tls_port_refuses_plaintext(void **state)
{
	h_world *w = h_new();
	uint16_t port;
	serve(w, "127.0.0.1", NULL, &port, allow, 1);
	int fd = h_raw_connect("127.0.0.1", port);
	h_raw_send(fd, OPT, strlen(OPT));
	h_inbox *in = h_raw_read(w, fd, NULL, 2000);
	assert_true(in->eof);
	unsigned one = 1;
	assert_true(h_pump(w, 2000, h_closes_at_least, &one));
	assert_int_equal(w->close_err, OPENUM_EIO);
	assert_int_equal(w->nmsgs, 0);
	free(in);
	close(fd);
	h_free(w);
}

static void test_certs_refuse_overwrite(void **state)
{
	char dir[512], err[256] = "";
	snprintf(dir, sizeof(dir), "%s/good", pki);
	assert_int_equal(net_certs_make(dir, NULL, err, sizeof(err)), OPENUM_EDUP);
	assert_non_null(strstr(err, "ca.pem exists"));
	static const char *const bad[] = {"a,DNS:evil"};
	net_certs_opts o = {.server_names = bad, .nserver_names = 1};
	snprintf(dir, sizeof(dir), "%s/bad", pki);
	assert_int_equal(net_certs_make(dir, &o, err, sizeof(err)), OPENUM_EINVAL);
	assert_non_null(strstr(err, "not a DNS name"));
	struct stat st;
	assert_int_equal(stat(P("good", "server.key"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(P("good", "server.pem"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
}

/* net_tls_check names the file at fault and says why, as start-up and SIGHUP print it:
 * a missing file, a key for another certificate, a key where the CA should be. */
static void test_tls_check_names_the_file(void **state)
{
	const char *which = "x", *why = NULL;
	net_config ok = {.cert_file = P("good", "server.pem"),
	                 .key_file = P("good", "server.key"),
	                 .ca_file = P("good", "ca.pem")};
	assert_int_equal(net_tls_check(&ok, &which, &why), 0);
	net_config none = {0};
	assert_int_equal(net_tls_check(&none, &which, &why), 0);

	net_config missing = ok;
	missing.cert_file = P("good", "nowhere.pem");
	assert_int_equal(net_tls_check(&missing, &which, &why), OPENUM_EINVAL);
	assert_string_equal(which, "cert");
	assert_non_null(strstr(why, "No such file"));

	net_config other = ok;
	other.key_file = P("other", "client.key"); /* made for another certificate */
	assert_int_equal(net_tls_check(&other, &which, &why), OPENUM_EINVAL);
	assert_string_equal(which, "key");
	assert_string_equal(why, "the key does not match the certificate");

	net_config ca = ok;
	ca.ca_file = P("good", "server.key");
	assert_int_equal(net_tls_check(&ca, &which, &why), OPENUM_EINVAL);
	assert_string_equal(which, "ca");
	assert_non_null(strstr(why, "not a PEM CA bundle"));

	net_config half = {.cert_file = P("good", "server.pem")};
	assert_int_equal(net_tls_check(&half, &which, &why), OPENUM_EINVAL);
	assert_null(which);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trust_plain_tcp),
	    cmocka_unit_test(test_trust_tls_without_client_cert),
	    cmocka_unit_test(test_trust_tls_cert_from_untrusted_ca),
	    cmocka_unit_test(test_trust_tls_valid_cert_not_allow_listed),
	    cmocka_unit_test(test_trust_tls_allow_listed_cert),
	    cmocka_unit_test(test_trust_allow_list_forms),
	    cmocka_unit_test(test_trust_ipv6_loopback),
	    cmocka_unit_test(test_trust_client_rejects_bad_server),
	    cmocka_unit_test(test_tls_handshake_timeout),
	    cmocka_unit_test(test_tls_port_refuses_plaintext),
	    cmocka_unit_test(test_tls_inbound_flow_reused_for_its_address),
	    cmocka_unit_test(test_tls_message_spans_records),
	    cmocka_unit_test(test_certs_refuse_overwrite),
	    cmocka_unit_test(test_tls_check_names_the_file),
	};
	return cmocka_run_group_tests(tests, make_pki, remove_pki);
}
