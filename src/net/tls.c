/* TLS for SIP connections: OpenSSL 3 over libuv streams through memory BIOs (the
 * socket stays libuv's; OpenSSL only turns ciphertext into plaintext and back).
 * TLS 1.2 and 1.3 only. The server asks for a client certificate but does not insist:
 * a client without one, or with one that does not verify, still connects and is simply
 * not verified (so it is never trusted). The client verifies the server strictly,
 * chain and name. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "net_int.h"

/* Server side: note a failed verification and go on; trust is decided later. */
static int server_verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	net_conn *c = ssl ? SSL_get_app_data(ssl) : NULL;
	if (!ok && c)
		c->verify_failed = true;
	return 1;
}

static int ctx_common(SSL_CTX *ctx)
{
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION))
		return OPENUM_EINVAL;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	return 0;
}

static int ctx_cert(SSL_CTX *ctx, const net_config *cfg)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return OPENUM_EINVAL;
	return 0;
}

int tls_client_ctx(struct net *n)
{
	const net_config *cfg = &n->cfg;
	if (n->tls_client)
		return 0;
	ERR_clear_error();
	SSL_CTX *cli = SSL_CTX_new(TLS_client_method());
	if (!cli)
		return OPENUM_ENOMEM;
	if (ctx_common(cli) ||
	    (cfg->ca_file ? SSL_CTX_load_verify_locations(cli, cfg->ca_file, NULL) != 1
	                  : SSL_CTX_set_default_verify_paths(cli) != 1) ||
	    (cfg->cert_file && ctx_cert(cli, cfg))) {
		SSL_CTX_free(cli);
		return OPENUM_EINVAL;
	}
	SSL_CTX_set_verify(cli, SSL_VERIFY_PEER, NULL);
	n->tls_client = cli;
	return 0;
}

int tls_ctx_new(struct net *n)
{
	const net_config *cfg = &n->cfg;
	if (!cfg->cert_file != !cfg->key_file)
		return OPENUM_EINVAL; /* a certificate without its key, or the reverse */
	/* Without a CA file the client context loads the system's whole CA store: that
	 * costs a lot and waits for the first TLS connect. Configured files are read now
	 * so that a mistake shows at start-up. */
	if (cfg->ca_file || cfg->cert_file) {
		int err = tls_client_ctx(n);
		if (err)
			return err;
	}
	if (!cfg->cert_file)
		return 0; /* no TLS listener without a certificate */
	SSL_CTX *srv = SSL_CTX_new(TLS_server_method());
	if (!srv)
		return OPENUM_ENOMEM;
	n->tls_server = srv;
	if (ctx_common(srv) || ctx_cert(srv, cfg))
		return OPENUM_EINVAL;
	static const unsigned char sid[] = "openum";
	SSL_CTX_set_session_id_context(srv, sid, sizeof(sid) - 1);
	if (cfg->ca_file) {
		if (SSL_CTX_load_verify_locations(srv, cfg->ca_file, NULL) != 1)
			return OPENUM_EINVAL;
		/* Tells clients which CAs we accept, so they pick the right certificate. */
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->ca_file);
		if (names)
			SSL_CTX_set_client_CA_list(srv, names);
		SSL_CTX_set_verify(srv, SSL_VERIFY_PEER, server_verify_cb);
	}
	return 0;
}

/* Why file did not load as what (a PEM certificate chain, a PEM private key, a PEM
 * CA bundle): the C library's reason when it cannot be opened (OpenSSL 3 says only
 * "system lib"), else what it should be with OpenSSL's reason ("PEM lib" alone tells
 * an operator little). A thread's buffer: valid until its next call. */
static const char *load_reason(const char *file, const char *what)
{
	static _Thread_local char buf[200];
	FILE *f = fopen(file, "r");
	if (!f)
		return strerror(errno);
	fclose(f);
	unsigned long e = ERR_peek_last_error();
	if (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
		return "the key does not match the certificate";
	const char *r = ERR_reason_error_string(e);
	snprintf(buf, sizeof(buf), "not %s (OpenSSL: %s)", what, r ? r : "error");
	return buf;
}

int net_tls_check(const net_config *cfg, const char **which, const char **why)
{
	*which = NULL;
	*why = "out of memory";
	if (!cfg->cert_file != !cfg->key_file) {
		*why = "a certificate needs its key and a key its certificate";
		return OPENUM_EINVAL;
	}
	if (!cfg->cert_file && !cfg->ca_file)
		return 0;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return OPENUM_ENOMEM;
	int err = OPENUM_EINVAL;
	ERR_clear_error();
	if (cfg->cert_file && SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
		*which = "cert";
		*why = load_reason(cfg->cert_file, "a PEM certificate");
	} else if (cfg->key_file &&
	           SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1) {
		*which = "key";
		*why = load_reason(cfg->key_file, "an unencrypted PEM private key");
	} else if (cfg->key_file && SSL_CTX_check_private_key(ctx) != 1) {
		*which = "key";
		*why = "the key does not match the certificate";
	} else if (cfg->ca_file && SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1) {
		*which = "ca";
		*why = load_reason(cfg->ca_file, "a PEM CA bundle");
	} else {
		err = 0;
	}
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return err;
}

static bool is_ip_literal(const char *s)
{
	unsigned char tmp[16];
	return uv_inet_pton(AF_INET, s, tmp) == 0 || uv_inet_pton(AF_INET6, s, tmp) == 0;
}

int tls_conn_new(net_conn *c, bool server, const char *verify_name)
{
	SSL_CTX *ctx = server ? c->n->tls_server : c->n->tls_client;
	if (!ctx)
		return OPENUM_EINVAL;
	SSL *s = SSL_new(ctx);
	BIO *rb = BIO_new(BIO_s_mem());
	BIO *wb = BIO_new(BIO_s_mem());
	if (!s || !rb || !wb) {
		SSL_free(s);
		BIO_free(rb);
		BIO_free(wb);
		return OPENUM_ENOMEM;
	}
	BIO_set_mem_eof_return(rb, -1); /* empty means "wait", not "end of stream" */
	SSL_set_bio(s, rb, wb);
	SSL_set_app_data(s, c);
	c->ssl = s;
	if (server) {
		SSL_set_accept_state(s);
		return 0;
	}
	SSL_set_connect_state(s);
	X509_VERIFY_PARAM *param = SSL_get0_param(s);
	if (is_ip_literal(verify_name)) {
		if (!X509_VERIFY_PARAM_set1_ip_asc(param, verify_name))
			return OPENUM_EINVAL;
	} else {
		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (!X509_VERIFY_PARAM_set1_host(param, verify_name, 0) ||
		    !SSL_set_tlsext_host_name(s, verify_name))
			return OPENUM_EINVAL;
	}
	return 0;
}

/* OpenSSL's reason strings are static, so they can serve as `why`. */
static const char *tls_reason(const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : fallback;
}

int tls_flush(net_conn *c)
{
	BIO *wb = SSL_get_wbio(c->ssl);
	char *p = NULL;
	long n = BIO_get_mem_data(wb, &p);
	if (n <= 0)
		return 0;
	int err = conn_write_wire(c, p, (size_t)n);
	(void)BIO_reset(wb);
	return err;
}

static void tls_handshake_done(net_conn *c)
{
	c->tls_done = true;
	X509 *cert = SSL_get0_peer_certificate(c->ssl);
	c->peer.tls_verified =
	    cert != NULL && !c->verify_failed && SSL_get_verify_result(c->ssl) == X509_V_OK;
	if (cert)
		peer_from_cert(&c->peer, cert);
	peer_trust(&c->peer, c->n);
	conn_ready(c);
}

static int tls_handshake(net_conn *c, const char **why)
{
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		int err = tls_flush(c);
		if (!err)
			tls_handshake_done(c);
		return err;
	}
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return tls_flush(c);
	*why = tls_reason("TLS handshake failed");
	metrics_inc(MET_NET_TLS_HANDSHAKE_FAILURES);
	(void)tls_flush(c); /* the alert, if any, tells the peer why */
	return OPENUM_EIO;
}

int tls_start(net_conn *c, const char **why)
{
	return tls_handshake(c, why);
}

int tls_feed(net_conn *c, const char *p, size_t len, const char **why)
{
	if (BIO_write(SSL_get_rbio(c->ssl), p, (int)len) != (int)len) {
		*why = "out of memory";
		return OPENUM_ENOMEM;
	}
	if (!c->tls_done) {
		int err = tls_handshake(c, why);
		if (err || !c->tls_done)
			return err;
	}
	int ret = 0;
	/* The ciphertext is in the BIO now, so the shared read buffer takes the
	 * plaintext: no per-connection buffer unless a message is cut. */
	char *out = c->n->rbuf;
	while (c->state == CONN_OPEN) {
		ERR_clear_error();
		int r = SSL_read(c->ssl, out, (int)sizeof(c->n->rbuf));
		if (r > 0) {
			conn_input(c, out, (size_t)r);
			continue;
		}
		int e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			break;
		if (e == SSL_ERROR_ZERO_RETURN) {
			ret = 1; /* close_notify */
			break;
		}
		*why = tls_reason("TLS error");
		return OPENUM_EIO;
	}
	/* Post-handshake messages (tickets, key updates) may have been produced. */
	int err = tls_flush(c);
	return err ? err : ret;
}

int tls_write(net_conn *c, const char *p, size_t len)
{
	if (len == 0)
		return 0;
	ERR_clear_error();
	/* A memory BIO never pushes back, so one call takes everything. */
	int r = SSL_write(c->ssl, p, (int)len);
	if (r != (int)len) {
		conn_close_now(c, OPENUM_EIO, tls_reason("TLS write failed"));
		return OPENUM_EIO;
	}
	return tls_flush(c);
}

void tls_shutdown(net_conn *c)
{
	if (!c->tls_done)
		return;
	ERR_clear_error();
	(void)SSL_shutdown(c->ssl);
	(void)tls_flush(c);
}
