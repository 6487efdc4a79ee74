/* A small local PKI for tests, the demo and operators who have none: a CA and a
 * server and a client certificate signed by it, made with the OpenSSL 3 API (EC P-256
 * keys, X509 v3 extensions). Operators with their own PKI never need this file. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "net_int.h"

#define MAX_SAN_TEXT 8192

typedef struct errbuf {
	char *p;
	size_t n;
} errbuf;

static int fail(errbuf *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(errbuf *e, int code, const char *fmt, ...)
{
	if (e->p && e->n) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->p, e->n, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A DNS name for a SAN: letters, digits, '-', '.', and a leading "*." for a wildcard.
 * Anything else could smuggle syntax into the extension text. */
static bool dns_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	size_t i = (n > 2 && s[0] == '*' && s[1] == '.') ? 2 : 0;
	for (; i < n; i++)
		if (!ou_is((unsigned char)s[i], OU_C_HOST))
			return false;
	return s[0] != '.' && s[0] != '-';
}

static bool is_ip(const char *s)
{
	unsigned char tmp[16];
	return uv_inet_pton(AF_INET, s, tmp) == 0 || uv_inet_pton(AF_INET6, s, tmp) == 0;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return OPENUM_EINVAL;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : OPENUM_ENOMEM;
}

/* A certificate for key, named cn, valid for days, not yet signed. */
static X509 *cert_new(EVP_PKEY *key, const char *cn, unsigned days)
{
	X509 *x = X509_new();
	BIGNUM *bn = BN_new();
	ASN1_INTEGER *serial = NULL;
	if (!x || !bn)
		goto fail;
	/* A random 127-bit serial: unique without keeping a serial file. */
	if (!BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
	    !(serial = BN_to_ASN1_INTEGER(bn, NULL)) || !X509_set_serialNumber(x, serial))
		goto fail;
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) || /* tolerate clock skew */
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) ||
	    !X509_set_pubkey(x, key))
		goto fail;
	X509_NAME *name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"openum",
	                                -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
	                                -1, 0))
		goto fail;
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return x;
fail:
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	X509_free(x);
	return NULL;
}

static X509 *make_ca(EVP_PKEY *key, unsigned days)
{
	unsigned char r[4] = {0};
	(void)RAND_bytes(r, sizeof(r));
	char cn[64];
	/* A distinct name per CA, so two local CAs are never confused with each other. */
	snprintf(cn, sizeof(cn), "openum local CA %02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
	X509 *x = cert_new(key, cn, days);
	if (!x)
		return NULL;
	if (!X509_set_issuer_name(x, X509_get_subject_name(x)) ||
	    add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    add_ext(x, x, NID_subject_key_identifier, "hash") ||
	    add_ext(x, x, NID_authority_key_identifier, "keyid:always") ||
	    !X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509 *make_leaf(EVP_PKEY *key, const char *cn, const char *san, const char *eku, X509 *ca,
                       EVP_PKEY *ca_key, unsigned days)
{
	X509 *x = cert_new(key, cn, days);
	if (!x)
		return NULL;
	if (!X509_set_issuer_name(x, X509_get_subject_name(ca)) ||
	    add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(x, ca, NID_key_usage, "critical,digitalSignature,keyAgreement") ||
	    add_ext(x, ca, NID_ext_key_usage, eku) || add_ext(x, ca, NID_subject_alt_name, san) ||
	    add_ext(x, ca, NID_subject_key_identifier, "hash") ||
	    add_ext(x, ca, NID_authority_key_identifier, "keyid:always") ||
	    !X509_sign(x, ca_key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* "DNS:a,DNS:b,IP:..." from the names given; names are checked by the caller. */
static int san_text(char *out, size_t cap, const char *first, const char *const *names, size_t n,
                    bool loopback_ips)
{
	size_t len = 0;
	int w;
	out[0] = '\0';
	if (first) {
		w = snprintf(out, cap, "DNS:%s", first);
		if (w < 0 || (size_t)w >= cap)
			return OPENUM_ETOOBIG;
		len = (size_t)w;
	}
	for (size_t i = 0; i < n; i++) {
		w = snprintf(out + len, cap - len, "%s%s:%s", len ? "," : "",
		             is_ip(names[i]) ? "IP" : "DNS", names[i]);
		if (w < 0 || (size_t)w >= cap - len)
			return OPENUM_ETOOBIG;
		len += (size_t)w;
	}
	if (loopback_ips) {
		w = snprintf(out + len, cap - len, "%sIP:127.0.0.1,IP:::1", len ? "," : "");
		if (w < 0 || (size_t)w >= cap - len)
			return OPENUM_ETOOBIG;
	}
	return 0;
}

static int write_pem(errbuf *e, const char *path, bool force, bool secret, X509 *cert,
                     EVP_PKEY *key)
{
	mode_t mode = secret ? 0600 : 0644;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | (force ? 0 : O_EXCL), mode);
	if (fd < 0)
		return fail(e, OPENUM_EIO, "cannot create %s: %s", path, strerror(errno));
	/* An existing file keeps its mode on O_TRUNC: a key must not stay readable. */
	if (fchmod(fd, mode) != 0) {
		close(fd);
		return fail(e, OPENUM_EIO, "cannot chmod %s: %s", path, strerror(errno));
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return fail(e, OPENUM_EIO, "cannot write %s: %s", path, strerror(errno));
	}
	int ok = cert ? PEM_write_X509(f, cert)
	              : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	if (fclose(f) != 0 || !ok)
		return fail(e, OPENUM_EIO, "cannot write %s", path);
	return 0;
}

static int load_ca(errbuf *e, const char *dir, X509 **ca, EVP_PKEY **key)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return fail(e, OPENUM_EIO, "cannot read %s: %s", path, strerror(errno));
	*ca = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!*ca)
		return fail(e, OPENUM_EINVAL, "%s: not a PEM certificate", path);
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	f = fopen(path, "r");
	if (!f)
		return fail(e, OPENUM_EIO, "cannot read %s: %s", path, strerror(errno));
	*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!*key)
		return fail(e, OPENUM_EINVAL, "%s: not a PEM private key", path);
	if (X509_check_private_key(*ca, *key) != 1)
		return fail(e, OPENUM_EINVAL, "%s/ca.key does not belong to %s/ca.pem", dir, dir);
	return 0;
}

enum { F_CA_PEM, F_CA_KEY, F_SRV_PEM, F_SRV_KEY, F_CLI_PEM, F_CLI_KEY, F_COUNT };
static const char *const file_names[F_COUNT] = {"ca.pem",     "ca.key",     "server.pem",
                                                "server.key", "client.pem", "client.key"};

int net_certs_make(const char *dir, const net_certs_opts *o, char *err, size_t errlen)
{
	errbuf e = {err, errlen};
	net_certs_opts none = {0};
	if (!o)
		o = &none;
	if (!dir || !*dir)
		return fail(&e, OPENUM_EINVAL, "no directory given");
	unsigned days = o->days ? o->days : NET_CERTS_DEFAULT_DAYS;
	if (days > 36500)
		return fail(&e, OPENUM_EINVAL, "--days %u is more than 100 years", days);
	for (size_t i = 0; i < o->nserver_names; i++)
		if (!is_ip(o->server_names[i]) && !dns_name_ok(o->server_names[i]))
			return fail(&e, OPENUM_EINVAL, "'%s' is not a DNS name or IP address",
			            o->server_names[i]);
	if (o->server_cn && !is_ip(o->server_cn) && !dns_name_ok(o->server_cn))
		return fail(&e, OPENUM_EINVAL, "CN '%s' is not a DNS name or IP address",
		            o->server_cn);
	static const char *const default_client[] = {NET_CERTS_DEFAULT_CLIENT};
	const char *const *cnames = o->nclient_names ? o->client_names : default_client;
	size_t ncnames = o->nclient_names ? o->nclient_names : 1;
	for (size_t i = 0; i < ncnames; i++)
		if (!dns_name_ok(cnames[i]))
			return fail(&e, OPENUM_EINVAL, "'%s' is not a DNS name", cnames[i]);

	char srv_san[MAX_SAN_TEXT], cli_san[MAX_SAN_TEXT];
	if (san_text(srv_san, sizeof(srv_san), "localhost", o->server_names, o->nserver_names,
	             true) ||
	    san_text(cli_san, sizeof(cli_san), NULL, cnames, ncnames, false))
		return fail(&e, OPENUM_ETOOBIG, "too many names");

	struct stat st;
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT || mkdir(dir, 0700) != 0)
			return fail(&e, OPENUM_EIO, "cannot create directory %s: %s", dir,
			            strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		return fail(&e, OPENUM_EINVAL, "%s is not a directory", dir);
	}

	char paths[F_COUNT][4096];
	int first = o->ca_dir ? F_SRV_PEM : F_CA_PEM;
	for (int i = first; i < F_COUNT; i++) {
		int w = snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, file_names[i]);
		if (w < 0 || (size_t)w >= sizeof(paths[i]))
			return fail(&e, OPENUM_EINVAL, "directory name too long");
		/* Check every file first, so a refusal leaves nothing half written. */
		if (!o->force && lstat(paths[i], &st) == 0)
			return fail(&e, OPENUM_EDUP, "%s exists (use --force to overwrite)",
			            paths[i]);
	}

	int rc = OPENUM_ENOMEM;
	X509 *ca = NULL, *srv = NULL, *cli = NULL;
	EVP_PKEY *ca_key = NULL, *srv_key = NULL, *cli_key = NULL;
	ERR_clear_error();
	if (o->ca_dir) {
		if ((rc = load_ca(&e, o->ca_dir, &ca, &ca_key)) != 0)
			goto out;
	} else {
		ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		ca = ca_key ? make_ca(ca_key, days) : NULL;
		if (!ca) {
			rc = fail(&e, OPENUM_ENOMEM, "cannot make the CA certificate");
			goto out;
		}
	}
	srv_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	cli_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	const char *srv_cn = o->server_cn       ? o->server_cn
	                     : o->nserver_names ? o->server_names[0]
	                                        : "localhost";
	if (srv_key)
		srv =
		    make_leaf(srv_key, srv_cn, srv_san, "serverAuth,clientAuth", ca, ca_key, days);
	if (cli_key)
		cli = make_leaf(cli_key, cnames[0], cli_san, "clientAuth", ca, ca_key, days);
	if (!srv || !cli) {
		rc = fail(&e, OPENUM_ENOMEM, "cannot make the certificates");
		goto out;
	}
	if ((!o->ca_dir && ((rc = write_pem(&e, paths[F_CA_PEM], o->force, false, ca, NULL)) ||
	                    (rc = write_pem(&e, paths[F_CA_KEY], o->force, true, NULL, ca_key)))) ||
	    (rc = write_pem(&e, paths[F_SRV_PEM], o->force, false, srv, NULL)) ||
	    (rc = write_pem(&e, paths[F_SRV_KEY], o->force, true, NULL, srv_key)) ||
	    (rc = write_pem(&e, paths[F_CLI_PEM], o->force, false, cli, NULL)) ||
	    (rc = write_pem(&e, paths[F_CLI_KEY], o->force, true, NULL, cli_key)))
		goto out;
	rc = 0;
out:
	X509_free(ca);
	X509_free(srv);
	X509_free(cli);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);
	EVP_PKEY_free(cli_key);
	return rc;
}
