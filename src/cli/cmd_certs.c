/* openum certs: makes a local certificate authority and the server and client
 * certificates that mutual TLS between the proxy and the UM server needs (the trust
 * that skip-pin depends on). The work is net_certs_make in src/net/certs.c. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "net/net.h"

#define MAX_NAMES 32

static void usage(FILE *out)
{
	fputs("usage: openum certs DIR [--name NAME]... [--san LIST]... [--cn NAME]\n"
	      "                        [--client-name NAME]... [--days N] [--ca CADIR] [--force]\n"
	      "\n"
	      "Makes a local certificate authority and two certificates signed by it, with\n"
	      "EC P-256 keys, and writes them as PEM files into DIR (created if missing):\n"
	      "  ca.pem, ca.key          the CA (give ca.pem to every peer as its CA bundle)\n"
	      "  server.pem, server.key  a TLS server certificate for DNS localhost, each\n"
	      "                          --name (a DNS name or IP address), IP 127.0.0.1, ::1\n"
	      "  client.pem, client.key  a TLS client certificate for each --client-name\n"
	      "                          (default: proxy.openum.test)\n"
	      "Key files are written with mode 0600.\n"
	      "\n"
	      "Options:\n"
	      "  --name NAME         add NAME to the server certificate (repeatable)\n"
	      "  --san LIST          the same for a list DNS:NAME,IP:ADDRESS,... (repeatable)\n"
	      "  --cn NAME           the server certificate's subject CN (default: the first\n"
	      "                      --name or --san, else localhost); peers that know the\n"
	      "                      UM server by CN, such as contrib/kamailio/openum.cfg's\n"
	      "                      UM_CN, need it\n"
	      "  --client-name NAME  name the client certificate NAME (repeatable); list it\n"
	      "                      in the UM server's trusted_peers to make it trusted\n"
	      "  --days N            validity in days (default 365)\n"
	      "  --ca CADIR          sign with CADIR/ca.pem and CADIR/ca.key instead of making\n"
	      "                      a new CA (DIR then gets no ca.pem/ca.key)\n"
	      "  --force             overwrite existing files (default: refuse, write nothing)\n"
	      "\n"
	      "These certificates are for tests, the demo and small sites; operators with\n"
	      "their own PKI configure its files instead (see docs/transport.md).\n"
	      "Exit status: 0 written, 1 failed (the reason is on standard error), 2 usage.\n",
	      out);
}

static int need_arg(int argc, char **argv, int i)
{
	if (i + 1 >= argc) {
		fprintf(stderr, "openum certs: %s needs a value (see openum certs --help)\n",
		        argv[i]);
		return 0;
	}
	return 1;
}

/* --san DNS:a.example,IP:192.0.2.1: each entry's name joins the --name list (the type
 * must match what the name is; net_certs_make checks the names themselves). */
static int add_san_list(const char *list, char *pool, size_t cap, size_t *used, const char **names,
                        size_t *n)
{
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ",");
		bool dns = len > 4 && strncasecmp(p, "DNS:", 4) == 0;
		bool ip = len > 3 && strncasecmp(p, "IP:", 3) == 0;
		size_t skip = dns ? 4 : ip ? 3 : 0;
		if (!skip) {
			fprintf(stderr,
			        "openum certs: --san entries are DNS:NAME or IP:ADDRESS, not "
			        "'%.*s'\n",
			        (int)len, p);
			return -1;
		}
		size_t vlen = len - skip;
		if (*used + vlen + 1 > cap || *n >= MAX_NAMES) {
			fprintf(stderr, "openum certs: too many names\n");
			return -1;
		}
		char *v = pool + *used;
		memcpy(v, p + skip, vlen);
		v[vlen] = '\0';
		unsigned char tmp[16];
		bool is_ip = inet_pton(AF_INET, v, tmp) == 1 || inet_pton(AF_INET6, v, tmp) == 1;
		if (is_ip != ip) {
			fprintf(stderr, "openum certs: --san %.*s: '%s' is %s\n", (int)len, p, v,
			        is_ip ? "an IP address (IP:)" : "not an IP address");
			return -1;
		}
		*used += vlen + 1;
		names[(*n)++] = v;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int run(int argc, char **argv)
{
	const char *dir = NULL;
	const char *names[MAX_NAMES], *cnames[MAX_NAMES];
	net_certs_opts o = {.server_names = names, .client_names = cnames};
	char sans[4096]; /* the names of every --san, NUL-separated */
	size_t sans_used = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--name") == 0 || strcmp(a, "--client-name") == 0) {
			if (!need_arg(argc, argv, i))
				return CLI_EXIT_USAGE;
			bool srv = a[2] == 'n';
			size_t *n = srv ? &o.nserver_names : &o.nclient_names;
			if (*n >= MAX_NAMES) {
				fprintf(stderr, "openum certs: at most %d %s options\n", MAX_NAMES,
				        a);
				return CLI_EXIT_USAGE;
			}
			(srv ? names : cnames)[(*n)++] = argv[++i];
		} else if (strcmp(a, "--san") == 0) {
			if (!need_arg(argc, argv, i))
				return CLI_EXIT_USAGE;
			if (add_san_list(argv[++i], sans, sizeof(sans), &sans_used, names,
			                 &o.nserver_names) != 0)
				return CLI_EXIT_USAGE;
		} else if (strcmp(a, "--cn") == 0) {
			if (!need_arg(argc, argv, i))
				return CLI_EXIT_USAGE;
			o.server_cn = argv[++i];
		} else if (strcmp(a, "--days") == 0) {
			if (!need_arg(argc, argv, i))
				return CLI_EXIT_USAGE;
			char *end;
			unsigned long d = strtoul(argv[++i], &end, 10);
			if (*end || end == argv[i] || d == 0 || d > 36500) {
				fprintf(stderr,
				        "openum certs: --days wants a number from 1 to 36500, not "
				        "'%s'\n",
				        argv[i]);
				return CLI_EXIT_USAGE;
			}
			o.days = (unsigned)d;
		} else if (strcmp(a, "--ca") == 0) {
			if (!need_arg(argc, argv, i))
				return CLI_EXIT_USAGE;
			o.ca_dir = argv[++i];
		} else if (strcmp(a, "--force") == 0) {
			o.force = true;
		} else if (strcmp(a, "--") == 0 && i + 1 < argc && !dir) {
			dir = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			return cli_bad_option("certs", a);
		} else if (!dir) {
			dir = a;
		} else {
			fprintf(stderr, "openum certs: one DIR only (see openum certs --help)\n");
			return CLI_EXIT_USAGE;
		}
	}
	if (!dir) {
		fprintf(stderr, "openum certs: which DIR? (see openum certs --help)\n");
		return CLI_EXIT_USAGE;
	}
	char err[512] = "";
	if (net_certs_make(dir, &o, err, sizeof(err))) {
		fprintf(stderr, "openum certs: %s\n", err[0] ? err : "failed");
		return CLI_EXIT_FAIL;
	}
	if (!o.ca_dir)
		printf("%s/ca.pem\n%s/ca.key\n", dir, dir);
	printf("%s/server.pem\n%s/server.key\n%s/client.pem\n%s/client.key\n", dir, dir, dir, dir);
	return CLI_EXIT_OK;
}

const cli_cmd cli_cmd_certs = {
    .name = "certs",
    .summary = "create the TLS certificates for mutual TLS",
    .run = run,
    .usage = usage,
};
