/* openum proxy: the MS-OCEXUM protocol server role. Parses the config file and the
 * command line into a proxy_config and runs proxy/proxy.h on a libuv loop until
 * SIGINT or SIGTERM. */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "cli.h"
#include "metrics/metrics.h"
#include "proxy/proxy.h"

#define DEFAULT_DB "openum-data/openum.db"
#define DEFAULT_LISTEN "127.0.0.1"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: openum proxy --domain DOMAIN [OPTIONS]\n"
	    "\n"
	    "Runs the protocol server: a registrar with digest authentication (SHA-256 and\n"
	    "MD5, qop=auth) and a stateful proxy (RFC 3261 16) with call forwarding and\n"
	    "voicemail routing to the UM servers over mutual TLS. It applies no forwarding\n"
	    "and no voicemail diversion to an INVITE carrying \"Ms-Sensitivity:\n"
	    "normal-no-diversion\" or \"private-no-diversion\", and passes\n"
	    "\"Ms-Exchange-Command\" to a UM server only from a caller authenticated by digest\n"
	    "as the owner of the mailbox it calls (stripped otherwise). Signalling over TCP\n"
	    "and TLS only (MS-OCEXUM 2.1). Users come from `openum user`.\n"
	    "\n"
	    "Options:\n"
	    "  --config FILE         read options from the [proxy] section of FILE (INI: the\n"
	    "                        options below without \"--\", \"key = value\", one line per\n"
	    "                        value of a repeatable option, quiet = true); options on\n"
	    "                        the command line override the file's\n"
	    "  --domain DOMAIN       our SIP domain: users are user@DOMAIN (required)\n"
	    "  --realm REALM         digest realm (default: DOMAIN); users' passwords must\n"
	    "                        have been set for this realm\n"
	    "  --db PATH             users and registrations (default: $OPENUM_DB, else\n"
	    "                        ./" DEFAULT_DB "); postgresql://... for PostgreSQL\n"
	    "  --listen IP           address of both listeners (default " DEFAULT_LISTEN
	    ": local only,\n"
	    "                        for safety; 0.0.0.0 or :: to serve the network)\n"
	    "  --tcp-port PORT       TCP port (default %d; 0 = off)\n"
	    "  --tls-port PORT       TLS port (default %d; 0 = off; needs --cert and --key)\n"
	    "  --advertise HOST      host written in Via and Record-Route (default: --listen)\n"
	    "  --cert FILE --key FILE\n"
	    "                        our certificate: served on TLS and presented as the client\n"
	    "                        certificate to the UM servers (mutual TLS)\n"
	    "  --ca FILE             CA bundle that verifies UM servers and TLS clients\n"
	    "  --trusted-peer NAME   a certificate identity whose requests skip digest\n"
	    "                        authentication (the UM server's Play-On-Phone); repeatable\n"
	    "  --um-server HOST:PORT a UM server, over TLS; repeatable: the first that answers,\n"
	    "                        then the next on 503, timeout or transport failure\n"
	    "  --um-tls-name NAME    name expected in the UM servers' certificates (default:\n"
	    "                        HOST)\n"
	    "  --ring-timeout SECONDS\n"
	    "                        give up on an unanswered call with 408 (default %d)\n"
	    "  --min-expires SECONDS registrations shorter than this get 423 (default %d)\n"
	    "  --max-expires SECONDS registrations are cut to this (default %d)\n"
	    "  --nonce-ttl SECONDS   digest nonces go stale after this (default %d)\n"
	    "  --auth-refill SECONDS after a burst of %d failed authentications from one\n"
	    "                        address, one more is allowed every SECONDS (default %d);\n"
	    "                        the others get 403 without a challenge\n"
	    "  --digest LIST         digest algorithms challenged with, in this order; the\n"
	    "                        others are refused (default sha-256,md5; md5,sha-256\n"
	    "                        for clients that answer only the first challenge)\n"
	    "  --metrics IP:PORT     serve Prometheus metrics over plain HTTP at\n"
	    "                        http://IP:PORT/metrics (keep it on loopback or a\n"
	    "                        management network: it has no authentication)\n"
	    "  --log-level LEVEL     error, warn, info (default: one line per call and\n"
	    "                        registration) or debug; lines go to standard error\n"
	    "  --quiet               same as --log-level error\n"
	    "  --log TARGET          stderr (default) or syslog: log lines go to the syslog\n"
	    "                        socket instead, levels as priorities (error: err, warn:\n"
	    "                        warning, info, debug)\n"
	    "  --syslog-facility F   daemon (default), user or local0..local7\n"
	    "  --syslog-socket PATH  the syslog daemon's socket (default " OU_SYSLOG_DEFAULT_SOCKET
	    ")\n"
	    "\n"
	    "SIGHUP reads the --config file again and applies the log options, --cert, --key,\n"
	    "--ca and --trusted-peer without dropping a call; other changed options are\n"
	    "logged as needing a restart. A file that does not parse changes nothing.\n"
	    "\n"
	    "Per-user forwarding (voicemail after N seconds unanswered, on busy, when not\n"
	    "registered, immediate forwarding) is set with `openum user forward`.\n"
	    "\n"
	    "Exit status: 0 after SIGINT/SIGTERM, 1 when it cannot start, 2 usage error.\n"
	    "\n"
	    "Examples:\n"
	    "  openum proxy --domain example.com --cert server.pem --key server.key \\\n"
	    "      --ca ca.pem --um-server um1.example.com:5071\n"
	    "  openum proxy --config /etc/openum/openum.conf --quiet\n",
	    NET_DEFAULT_TCP_PORT, NET_DEFAULT_TLS_PORT, PROXY_DEFAULT_RING_TIMEOUT_S,
	    PROXY_DEFAULT_MIN_EXPIRES, PROXY_DEFAULT_MAX_EXPIRES, AUTH_DEFAULT_NONCE_TTL_S,
	    AUTH_DEFAULT_RATE_BURST, AUTH_DEFAULT_RATE_REFILL_MS / 1000);
}

#define MAX_LIST 16

/* The options a config file may hold: every option but --config. */
static const conf_key keys[] = {
    {"domain", false, false},
    {"realm", false, false},
    {"db", false, false},
    {"listen", false, false},
    {"tcp-port", false, false},
    {"tls-port", false, false},
    {"advertise", false, false},
    {"cert", false, false},
    {"key", false, false},
    {"ca", false, false},
    {"trusted-peer", false, true},
    {"um-server", false, true},
    {"um-tls-name", false, false},
    {"ring-timeout", false, false},
    {"min-expires", false, false},
    {"max-expires", false, false},
    {"nonce-ttl", false, false},
    {"auth-refill", false, false},
    {"quiet", true, false},
    {"digest", false, false},
    {"metrics", false, false},
    {"log-level", false, false},
    {"log", false, false},
    {"syslog-facility", false, false},
    {"syslog-socket", false, false},
};

static const char *where = ""; /* "FILE line N: " while parsing the file's options */

static int bad(const char *msg, const char *arg)
{
	return cli_usage_error("proxy", where, msg, arg);
}

/* "sha-256,md5" into c->digest (each at most once). */
static bool digest_list(const char *v, proxy_config *c)
{
	c->ndigest = 0;
	const char *s = v;
	for (;;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		auth_algo a;
		if (n == 0 || auth_algo_from((ou_slice){s, n}, &a) != 0 ||
		    c->ndigest == AUTH_NALGOS)
			return false;
		for (unsigned i = 0; i < c->ndigest; i++)
			if (c->digest[i] == a)
				return false;
		c->digest[c->ndigest++] = a;
		if (!e)
			return true;
		s = e + 1;
	}
}

static int run_args(int argc, char **argv, int nfile, const cli_conf *cf)
{
	proxy_config c = {0};
	const char *listen = DEFAULT_LISTEN;
	unsigned tcp_port = NET_DEFAULT_TCP_PORT, tls_port = NET_DEFAULT_TLS_PORT;
	const char *um[MAX_LIST], *trusted[MAX_LIST];
	size_t num_um = 0, ntrusted = 0;
	bool cl_um = false, cl_trusted = false; /* seen on the command line: replaces the file's */
	cli_ops ops;
	cli_ops_init(&ops);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		where = cli_conf_where(cf, i);
		const char *msg = NULL, *arg = NULL;
		int took = cli_ops_take(&ops, argc, argv, &i, &msg, &arg);
		if (took < 0)
			return bad(msg, arg);
		if (took) {
			c.quiet = ops.quiet;
			continue;
		}
		static const char *const with_value[] = {
		    "--domain",      "--realm",        "--db",           "--listen",
		    "--tcp-port",    "--tls-port",     "--advertise",    "--cert",
		    "--key",         "--ca",           "--trusted-peer", "--um-server",
		    "--um-tls-name", "--ring-timeout", "--min-expires",  "--max-expires",
		    "--nonce-ttl",   "--digest",       "--auth-refill"};
		bool known = false;
		for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
			known |= strcmp(o, with_value[k]) == 0;
		if (!known)
			return o[0] == '-' ? cli_bad_option("proxy", o)
			                   : bad("unexpected argument", o);
		if (i + 1 >= argc)
			return bad("option needs a value:", o);
		const char *v = argv[++i];
		unsigned n = 0;
		if (strcmp(o, "--domain") == 0)
			c.domain = v;
		else if (strcmp(o, "--realm") == 0)
			c.realm = v;
		else if (strcmp(o, "--db") == 0)
			c.db = v;
		else if (strcmp(o, "--listen") == 0)
			listen = v;
		else if (strcmp(o, "--advertise") == 0)
			c.advertise = v;
		else if (strcmp(o, "--cert") == 0)
			c.net.cert_file = v;
		else if (strcmp(o, "--key") == 0)
			c.net.key_file = v;
		else if (strcmp(o, "--ca") == 0)
			c.net.ca_file = v;
		else if (strcmp(o, "--um-tls-name") == 0)
			c.um_tls_name = v;
		else if (strcmp(o, "--digest") == 0) {
			if (!digest_list(v, &c))
				return bad("--digest takes sha-256, md5 or both, comma-separated:",
				           v);
		} else if (strcmp(o, "--trusted-peer") == 0) {
			if (i >= nfile && !cl_trusted) {
				cl_trusted = true;
				ntrusted = 0;
			}
			if (ntrusted == MAX_LIST)
				return bad("too many --trusted-peer", NULL);
			trusted[ntrusted++] = v;
		} else if (strcmp(o, "--um-server") == 0) {
			if (i >= nfile && !cl_um) {
				cl_um = true;
				num_um = 0;
			}
			if (num_um == PROXY_MAX_UM_SERVERS)
				return bad("too many --um-server", NULL);
			const char *colon = strrchr(v, ':');
			if (!colon || colon == v || !cli_num(colon + 1, 65535, &n) || n == 0)
				return bad("--um-server needs HOST:PORT:", v);
			um[num_um++] = v;
		} else if (strcmp(o, "--tcp-port") == 0 || strcmp(o, "--tls-port") == 0) {
			if (!cli_num(v, 65535, &n))
				return bad("bad port:", v);
			*(o[2] == 't' && o[3] == 'c' ? &tcp_port : &tls_port) = n;
		} else {
			if (!cli_num(v, 86400, &n) || n == 0)
				return bad("expected a number of seconds:", v);
			if (strcmp(o, "--ring-timeout") == 0)
				c.ring_timeout_s = n;
			else if (strcmp(o, "--min-expires") == 0)
				c.reg.min_expires = n;
			else if (strcmp(o, "--max-expires") == 0)
				c.reg.max_expires = n;
			else if (strcmp(o, "--auth-refill") == 0)
				c.auth_refill_s = n;
			else
				c.nonce_ttl_s = n;
		}
	}
	where = "";
	if (!c.domain)
		return bad("--domain is required", NULL);
	if (tls_port && (!c.net.cert_file || !c.net.key_file)) {
		if (tcp_port == 0)
			return bad("TLS needs --cert and --key", NULL);
		tls_port = 0; /* TLS off without a certificate */
		if (!cli_reload_active())
			fprintf(stderr, "openum proxy: no --cert/--key: TLS listener off\n");
	}
	if (!tcp_port && !tls_port)
		return bad("no listener (--tcp-port 0 and TLS off)", NULL);
	if (num_um && (!c.net.cert_file || !c.net.ca_file))
		return bad("--um-server needs --cert, --key and --ca (mutual TLS)", NULL);
	if (c.reg.min_expires && c.reg.max_expires && c.reg.min_expires > c.reg.max_expires)
		return bad("--min-expires is above --max-expires", NULL);
	if (!c.db) {
		c.db = getenv("OPENUM_DB");
		if (!c.db || !*c.db)
			c.db = DEFAULT_DB;
	}
	c.tcp_ip = tcp_port ? listen : NULL;
	c.tcp_port = (uint16_t)tcp_port;
	c.tls_ip = tls_port ? listen : NULL;
	c.tls_port = (uint16_t)tls_port;
	c.um_servers = um;
	c.num_servers = num_um;
	c.net.trusted_peers = trusted;
	c.net.ntrusted = ntrusted;
	if (cli_reload_active())
		return cli_reload_apply_live(cli_reload_active(), &ops, &c.net);

	char tls_err[1200];
	if (!cli_tls_files_ok(&c.net, tls_err, sizeof(tls_err))) {
		fprintf(stderr, "openum proxy: cannot start: %s\n", tls_err);
		return CLI_EXIT_FAIL;
	}
	const char *why = "error";
	if (cli_ops_apply_log(&ops, "proxy", &why) != 0) {
		fprintf(stderr, "openum proxy: cannot start: --log syslog: %s: %s\n",
		        ops.syslog_socket ? ops.syslog_socket : OU_SYSLOG_DEFAULT_SOCKET, why);
		return CLI_EXIT_FAIL;
	}
	uv_loop_t loop;
	uv_loop_init(&loop);
	proxy *p = NULL;
	int err = proxy_new(&loop, &c, &p, &why);
	if (err) {
		fprintf(stderr, "openum proxy: cannot start: %s\n", why);
		uv_run(&loop, UV_RUN_DEFAULT); /* the transport's handles close on the loop */
		uv_loop_close(&loop);
		return CLI_EXIT_FAIL;
	}
	/* SIGINT/SIGTERM stop us cleanly from before we say we are ready; SIGHUP reloads */
	cli_reload rl = {.cmd = "proxy",
	                 .keys = keys,
	                 .nkeys = sizeof(keys) / sizeof(keys[0]),
	                 .run = run_args,
	                 .net = proxy_net(p),
	                 .ops = ops};
	cli_reload_start(&rl, &loop, cf);
	if (ntrusted && (!c.net.ca_file || !c.tls_ip))
		fprintf(stderr,
		        "openum proxy: warning: --trusted-peer without %s: no peer can be "
		        "verified, so every request needs digest authentication\n",
		        c.tls_ip ? "--ca" : "a TLS listener");
	metrics_http *mh = NULL;
	if (ops.metrics_on) {
		if (metrics_http_start(ops.metrics_ip, ops.metrics_port, &mh, &why) != 0) {
			fprintf(stderr, "openum proxy: cannot start: --metrics %s:%u: %s\n",
			        ops.metrics_ip, ops.metrics_port, why);
			proxy_free(p);
			cli_reload_stop(&rl);
			uv_run(&loop, UV_RUN_DEFAULT);
			uv_loop_close(&loop);
			return CLI_EXIT_FAIL;
		}
	}
	fprintf(stderr, "openum proxy: domain %s, listening on %s", c.domain, listen);
	if (c.tcp_ip)
		fprintf(stderr, " TCP %u", proxy_tcp_port(p));
	if (c.tls_ip)
		fprintf(stderr, " TLS %u", proxy_tls_port(p));
	fprintf(stderr, ", %zu UM server(s)\n", num_um);
	if (mh)
		fprintf(stderr, "openum proxy: metrics on http://%s:%u/metrics\n", ops.metrics_ip,
		        metrics_http_port(mh));
	uv_run(&loop, UV_RUN_DEFAULT);
	cli_reload_stop(&rl);
	metrics_http_stop(mh);
	proxy_free(p);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_walk(&loop, cli_close_walk, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return CLI_EXIT_OK;
}

static int run(int argc, char **argv)
{
	return cli_conf_run("proxy", argc, argv, keys, sizeof(keys) / sizeof(keys[0]), run_args);
}

const cli_cmd cli_cmd_proxy = {
    .name = "proxy",
    .summary = "protocol server: SIP registrar and proxy",
    .run = run,
    .usage = usage,
};
