/* openum um: the MS-OCEXUM UM server role. Parses the config file and the command line
 * into an
 * um_server_cfg, opens the store and the prompts, and runs um/server.c (plus the
 * Play-On-Phone engine and the web service when asked) until SIGINT or SIGTERM. */
#define _GNU_SOURCE /* CPU_SETSIZE */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "cli.h"
#include "metrics/metrics.h"
#include "transcribe/transcribe.h"
#include "um/um.h"
#include "web/web.h"

#define DEFAULT_DB "openum-data/openum.db"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: openum um [OPTIONS]\n"
	    "\n"
	    "Runs the unified messaging server (docs/um-server.md). Subscriber access (a call\n"
	    "to one's own mailbox, e.g. sip:alice@example.com;opaque=app:voicemail) asks for\n"
	    "the PIN, and skips it only when the INVITE carries \"Ms-Exchange-Command:\n"
	    "skip-pin\" AND arrives over mutual TLS from a peer on the allow-list\n"
	    "(--trusted-peer). Call answering (a diverted call) plays the greeting and the\n"
	    "tone and records a message. Every call is written to the call log (`openum\n"
	    "mailbox log`). Mailboxes come from `openum mailbox add`.\n"
	    "\n"
	    "Options:\n"
	    "  --config FILE         read options from the [um] section of FILE (INI: the\n"
	    "                        options below without \"--\", \"key = value\", one line per\n"
	    "                        value of a repeatable option, quiet = true); options on\n"
	    "                        the command line override the file's\n"
	    "  --db PATH             mailbox store (default: $OPENUM_DB, else ./" DEFAULT_DB ");\n"
	    "                        postgresql://USER@HOST/DB or pg:KEY=VALUE... for a\n"
	    "                        PostgreSQL store shared with other UM servers\n"
	    "  --listen-tcp IP:PORT  TCP listener (default 127.0.0.1:%d; \"off\" for none)\n"
	    "  --listen-tls IP:PORT  TLS listener (default 127.0.0.1:%d when --cert and --key\n"
	    "                        are given; \"off\" for none). The defaults are not 5060/5061\n"
	    "                        so that `openum proxy` can run on the same host.\n"
	    "  --cert FILE --key FILE our TLS certificate and key (PEM)\n"
	    "  --ca FILE             CA bundle that verifies client certificates\n"
	    "  --trusted-peer NAME   a client-certificate identity (dns:, uri:, cn: or a bare\n"
	    "                        name) whose skip-pin is honoured; repeatable (max %d)\n"
	    "  --domain DOMAIN       host of mailboxes named by a number (default localhost)\n"
	    "  --pilot USER          a voicemail pilot number or name; repeatable\n"
	    "  --prompts DIR         the G.711 prompt clips (default: built-in location)\n"
	    "  --max-message-seconds N  longest message recorded (default %d)\n"
	    "  --silence-seconds N   this much silence ends a message (default %d)\n"
	    "  --rtp-timeout N       hang up a call that sent no RTP for N seconds (default\n"
	    "                        %d; 0: never)\n"
	    "  --answer-delay-ms N   ring (180) this long before answering (default 0)\n"
	    "  --spool-dir DIR       recordings in progress, synced every second and stored\n"
	    "                        as messages at the next start after a crash (default:\n"
	    "                        \"recordings\" next to a SQLite store; none with\n"
	    "                        PostgreSQL: give each UM server its own directory)\n"
	    "  --max-failed-logons N lock a mailbox after N failed PIN logons (default %d)\n"
	    "  --pin-iterations N    PBKDF2 rounds for PINs set from now on (tests only)\n"
	    "  --rtp-ip IP           address RTP binds to and announces (default 127.0.0.1)\n"
	    "  --rtp-ports MIN-MAX   RTP port range (default %d-%d)\n"
	    "  --media-threads N     threads that pace and send RTP, apart from the SIP loop\n"
	    "                        (default 1, at most %d); calls are spread over them\n"
	    "  --media-cpu LIST      pin media thread i to CPU LIST[i %% n] (e.g. 1 or 2,3)\n"
	    "  --media-fifo PRIO     run the media threads SCHED_FIFO at PRIO (1-99; needs\n"
	    "                        root or CAP_SYS_NICE, else the server does not start)\n"
	    "  --media-spin US       media threads wake US microseconds (1-1000) before a send\n"
	    "                        is due and busy-wait the rest: less jitter, for threads\n"
	    "                        with a CPU of their own (--media-cpu); default 0: sleep\n"
	    "  --web IP:PORT         also serve the web service (HTTPS with --cert/--key; plain\n"
	    "                        HTTP only on a loopback address without --cert)\n"
	    "  --outbound HOST[:PORT] where Play-On-Phone calls go (the proxy; TLS, default\n"
	    "                        port 5061); without it Play-On-Phone is refused\n"
	    "  --outbound-tcp        send Play-On-Phone calls over TCP (default port 5060)\n"
	    "  --outbound-name NAME  the name to verify in the proxy's certificate (default HOST)\n"
	    "  --port-file FILE      write \"tcp PORT\", \"tls PORT\", \"web PORT\" and\n"
	    "                        \"metrics PORT\" there once listening\n"
	    "                        (useful with port 0)\n"
	    "  --mwi-poll-ms N       re-count mailboxes with message-waiting subscribers every N\n"
	    "                        ms, for changes made elsewhere (default %d; changes by\n"
	    "                        this server's calls notify at once)\n"
	    "  --mwi-min-expires N   shortest subscription accepted, else 423 (default %d)\n"
	    "  --no-mwi              refuse SUBSCRIBE message-summary (489)\n"
	    "  --mwi-unsolicited     also send out-of-dialog NOTIFYs (to the mailbox's address,\n"
	    "                        through --outbound) when this server's calls change a\n"
	    "                        mailbox nobody subscribed to (phones that do not subscribe)\n"
	    "  --transcribe          transcribe every message call answering stores, offline\n"
	    "                        with PocketSphinx, on worker threads after the message\n"
	    "                        is stored (docs/transcription.md); messages a stop or a\n"
	    "                        crash left pending are transcribed at the next start\n"
	    "  --transcribe-workers N  messages transcribed at once (default %d, at most %d)\n"
	    "  --transcribe-hmm DIR  acoustic model (default %s)\n"
	    "  --transcribe-lm FILE  language model (default %s)\n"
	    "  --transcribe-dict FILE  dictionary (default %s)\n"
	    "  --transcribe-mode MODE  upsample (default; 8 kHz to the model's 16 kHz) or\n"
	    "                        narrowband (for 8 kHz models)\n"
	    "  --metrics IP:PORT     serve Prometheus metrics over plain HTTP at\n"
	    "                        http://IP:PORT/metrics (also on the --web listener)\n"
	    "  --log-level LEVEL     error, warn, info (default: one line per call) or debug;\n"
	    "                        lines go to standard error\n"
	    "  --quiet               same as --log-level error\n"
	    "  --log TARGET          stderr (default) or syslog: log lines go to the syslog\n"
	    "                        socket instead, levels as priorities (error: err, warn:\n"
	    "                        warning, info, debug)\n"
	    "  --syslog-facility F   daemon (default), user or local0..local7\n"
	    "  --syslog-socket PATH  the syslog daemon's socket (default " OU_SYSLOG_DEFAULT_SOCKET
	    ")\n"
	    "%s"
	    "\n"
	    "SIGHUP reads the --config file again and applies the log options, --cert, --key,\n"
	    "--ca (for SIP; the web listener keeps its certificate) and --trusted-peer\n"
	    "without dropping a call; other changed options are logged as needing a restart.\n"
	    "A file that does not parse changes nothing.\n"
	    "\n"
	    "Message waiting (RFC 3842): the mailbox owner, as asserted by a trusted peer\n"
	    "(P-Asserted-Identity, else From), may SUBSCRIBE to Event: message-summary at\n"
	    "its mailbox's address; NOTIFYs say Messages-Waiting and Voice-Message new/old.\n"
	    "\n"
	    "SIGINT/SIGTERM: calls end, what was recorded so far is stored, every call is\n"
	    "logged, then the server exits 0. Exit status 1 when it cannot start, 2 usage.\n"
	    "\n"
	    "Example:\n"
	    "  openum certs pki --client-name proxy.example.com\n"
	    "  openum um --cert pki/server.pem --key pki/server.key --ca pki/ca.pem \\\n"
	    "      --trusted-peer proxy.example.com --domain example.com\n",
	    UM_DEFAULT_TCP_PORT, UM_DEFAULT_TLS_PORT, UM_MAX_TRUSTED, UM_DEFAULT_MAX_MESSAGE_S,
	    UM_DEFAULT_SILENCE_S, UM_DEFAULT_RTP_TIMEOUT_S, UM_DEFAULT_MAX_FAILED_LOGONS,
	    UA_DEFAULT_RTP_PORT_MIN, UA_DEFAULT_RTP_PORT_MAX, MEDIA_THREADS_MAX, UM_MWI_POLL_MS,
	    UM_MWI_MIN_EXPIRES, TRANSCRIBE_DEFAULT_WORKERS, TRANSCRIBE_WORKERS_MAX,
	    TRANSCRIBE_DEFAULT_HMM, TRANSCRIBE_DEFAULT_LM, TRANSCRIBE_DEFAULT_DICT,
	    cli_um_mail_help);
}

/* The options a config file may hold: every option but --config. */
static const conf_key keys[] = {
    {"db", false, false},
    {"listen-tcp", false, false},
    {"listen-tls", false, false},
    {"cert", false, false},
    {"key", false, false},
    {"ca", false, false},
    {"trusted-peer", false, true},
    {"domain", false, false},
    {"pilot", false, true},
    {"prompts", false, false},
    {"max-message-seconds", false, false},
    {"silence-seconds", false, false},
    {"rtp-timeout", false, false},
    {"answer-delay-ms", false, false},
    {"spool-dir", false, false},
    {"max-failed-logons", false, false},
    {"mwi-poll-ms", false, false},
    {"mwi-min-expires", false, false},
    {"no-mwi", true, false},
    {"mwi-unsolicited", true, false},
    {"transcribe", true, false},
    {"transcribe-workers", false, false},
    {"transcribe-hmm", false, false},
    {"transcribe-lm", false, false},
    {"transcribe-dict", false, false},
    {"transcribe-mode", false, false},
    {"metrics", false, false},
    {"log-level", false, false},
    {"pin-iterations", false, false},
    {"rtp-ip", false, false},
    {"rtp-ports", false, false},
    {"media-threads", false, false},
    {"media-cpu", false, false},
    {"media-fifo", false, false},
    {"media-spin", false, false},
    {"web", false, false},
    {"port-file", false, false},
    {"outbound", false, false},
    {"outbound-name", false, false},
    {"outbound-tcp", true, false},
    {"quiet", true, false},
    /* voice messages to e-mail (um_mail.c, docs/email.md) */
    {"smtp-url", false, false},
    {"smtp-from", false, false},
    {"smtp-from-name", false, false},
    {"smtp-user", false, false},
    {"smtp-password", false, false},
    {"smtp-password-file", false, false},
    {"smtp-starttls", false, false},
    {"smtp-ca", false, false},
    {"smtp-insecure", true, false},
    {"email-subject", false, false},
    {"email-body", false, false},
    {"email-retry-seconds", false, false},
    {"email-retry-max-seconds", false, false},
    {"email-max-attempts", false, false},
    {"email-poll-ms", false, false},
    {"log", false, false},
    {"syslog-facility", false, false},
    {"syslog-socket", false, false},
};

static const char *where = ""; /* "FILE line N: " while parsing the file's options */

#define TRANSCRIBE_WORKERS_MAX_S "16"
#define MEDIA_THREADS_MAX_S "16"
_Static_assert(MEDIA_THREADS_MAX == 16, "MEDIA_THREADS_MAX_S");
#define MEDIA_SPIN_MAX_US_S "1000"
_Static_assert(MEDIA_SPIN_MAX_US == 1000, "MEDIA_SPIN_MAX_US_S");
_Static_assert(TRANSCRIBE_WORKERS_MAX == 16, "TRANSCRIBE_WORKERS_MAX_S");

/* um_server_cfg.transcribe: a stored message goes to the transcription workers */
static void queue_transcript(void *arg, int64_t msg_id)
{
	(void)transcribe_queue_add(arg, msg_id); /* a full queue leaves it pending */
}

static int bad(const char *msg, const char *arg)
{
	return cli_usage_error("um", where, msg, arg);
}

static int no_pop_start(void *arg, const char *mailbox, int64_t msg_id, const char *dial,
                        char call_id_out[WEB_CALL_ID_MAX], const char **why)
{
	(void)arg, (void)mailbox, (void)msg_id, (void)dial, (void)call_id_out;
	*why = "Play-On-Phone is not available on this server";
	return OPENUM_EINVAL;
}
static int no_pop_info(void *arg, const char *call_id, web_call_info *out)
{
	(void)arg, (void)call_id, (void)out;
	return OPENUM_ENOTFOUND;
}
static int no_pop_disconnect(void *arg, const char *call_id)
{
	(void)arg, (void)call_id;
	return OPENUM_ENOTFOUND;
}
static const web_pop_ops no_pop = {no_pop_start, no_pop_info, no_pop_disconnect};

/* The server forwards the ua events of Play-On-Phone calls to the engine. */
static bool pop_owns(void *p, ua_call *c)
{
	return um_pop_owns(p, c);
}
static void pop_progress(void *p, ua_call *c, unsigned status)
{
	um_pop_on_progress(p, c, status);
}
static void pop_answered(void *p, ua_call *c)
{
	um_pop_on_answered(p, c);
}
static void pop_dtmf(void *p, ua_call *c, char digit, ua_dtmf_source src)
{
	um_pop_on_dtmf(p, c, digit, src);
}
static void pop_play_done(void *p, ua_call *c)
{
	um_pop_on_play_done(p, c);
}
static void pop_ended(void *p, ua_call *c, const ua_end *end)
{
	um_pop_on_ended(p, c, end);
}
static const um_pop_hooks pop_hooks = {pop_owns, pop_progress,  pop_answered,
                                       pop_dtmf, pop_play_done, pop_ended};

static int run_args(int argc, char **argv, int nfile, const cli_conf *cf)
{
	um_server_cfg c = {0};
	c.ua.rtp_timeout_ms = UM_DEFAULT_RTP_TIMEOUT_S * 1000;
	const char *db = NULL, *prompts_dir = NULL, *port_file = NULL, *web = NULL;
	const char *spool_dir = NULL;
	char spool_buf[512];
	const char *trusted[UM_MAX_TRUSTED], *pilots[16];
	size_t ntrusted = 0, npilots = 0;
	char tcp_ip[64] = "127.0.0.1", tls_ip[64] = "127.0.0.1", web_ip[64] = "";
	uint16_t tcp_port = UM_DEFAULT_TCP_PORT, tls_port = UM_DEFAULT_TLS_PORT, wport = 0;
	bool tcp_on = true, tls_on = true, tls_given = false;
	store_options so = {0};
	um_pop_cfg pc = {0};
	char out_host[256] = "";
	bool cl_trusted = false, cl_pilots = false; /* on the command line: replace the file's */
	cli_ops ops;
	cli_ops_init(&ops);
	bool transcribe_on = false;
	transcribe_queue_cfg tq = {.requeue = true};
	transcribe_queue *tqueue = NULL;
	/* static: the body template is MAIL_TEXT_MAX bytes. A SIGHUP parses into its own
	 * copy: the running e-mail worker borrows the strings of the first. */
	static cli_um_mail mail_run, mail_reload;
	cli_um_mail *const mail = cli_reload_active() ? &mail_reload : &mail_run;
	memset(mail, 0, sizeof(*mail));
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
		if (strcmp(o, "--no-mwi") == 0) {
			c.mwi_off = true;
			continue;
		}
		if (strcmp(o, "--mwi-unsolicited") == 0) {
			c.mwi_unsolicited = true;
			continue;
		}
		if (strcmp(o, "--transcribe") == 0) {
			transcribe_on = true;
			continue;
		}
		if (strcmp(o, "--outbound-tcp") == 0) {
			pc.transport = NET_TCP;
			continue;
		}
		if (strcmp(o, "--smtp-insecure") == 0 || cli_um_mail_takes_value(o)) {
			const char *v = NULL, *e = "bad value:";
			if (cli_um_mail_takes_value(o)) {
				if (i + 1 >= argc)
					return bad("option needs a value:", o);
				v = argv[++i];
			}
			if (cli_um_mail_opt(mail, o, v, &e) < 0)
				return bad(e, v);
			continue;
		}
		static const char *const with_value[] = {"--db",
		                                         "--listen-tcp",
		                                         "--listen-tls",
		                                         "--cert",
		                                         "--key",
		                                         "--ca",
		                                         "--trusted-peer",
		                                         "--domain",
		                                         "--pilot",
		                                         "--prompts",
		                                         "--max-message-seconds",
		                                         "--silence-seconds",
		                                         "--rtp-timeout",
		                                         "--answer-delay-ms",
		                                         "--spool-dir",
		                                         "--max-failed-logons",
		                                         "--mwi-poll-ms",
		                                         "--mwi-min-expires",
		                                         "--pin-iterations",
		                                         "--rtp-ip",
		                                         "--rtp-ports",
		                                         "--media-threads",
		                                         "--media-cpu",
		                                         "--media-fifo",
		                                         "--media-spin",
		                                         "--web",
		                                         "--port-file",
		                                         "--outbound",
		                                         "--outbound-name",
		                                         "--transcribe-workers",
		                                         "--transcribe-hmm",
		                                         "--transcribe-lm",
		                                         "--transcribe-dict",
		                                         "--transcribe-mode"};
		bool known = false;
		for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
			known |= strcmp(o, with_value[k]) == 0;
		if (!known)
			return o[0] == '-' ? cli_bad_option("um", o)
			                   : bad("unexpected argument", o);
		if (i + 1 >= argc)
			return bad("option needs a value:", o);
		const char *v = argv[++i];
		unsigned n;
		if (strcmp(o, "--db") == 0)
			db = v;
		else if (strcmp(o, "--listen-tcp") == 0) {
			if (strcmp(v, "off") == 0)
				tcp_on = false;
			else if (!cli_hostport(v, tcp_ip, sizeof(tcp_ip), &tcp_port))
				return bad("--listen-tcp needs IP:PORT:", v);
		} else if (strcmp(o, "--listen-tls") == 0) {
			tls_given = true;
			if (strcmp(v, "off") == 0)
				tls_on = false;
			else if (!cli_hostport(v, tls_ip, sizeof(tls_ip), &tls_port))
				return bad("--listen-tls needs IP:PORT:", v);
		} else if (strcmp(o, "--cert") == 0)
			c.ua.net.cert_file = v;
		else if (strcmp(o, "--key") == 0)
			c.ua.net.key_file = v;
		else if (strcmp(o, "--ca") == 0)
			c.ua.net.ca_file = v;
		else if (strcmp(o, "--trusted-peer") == 0) {
			if (i >= nfile && !cl_trusted) {
				cl_trusted = true;
				ntrusted = 0;
			}
			if (ntrusted == UM_MAX_TRUSTED)
				return bad("too many --trusted-peer", NULL);
			trusted[ntrusted++] = v;
		} else if (strcmp(o, "--pilot") == 0) {
			if (i >= nfile && !cl_pilots) {
				cl_pilots = true;
				npilots = 0;
			}
			if (npilots == 16)
				return bad("too many --pilot", NULL);
			pilots[npilots++] = v;
		} else if (strcmp(o, "--domain") == 0)
			c.domain = v;
		else if (strcmp(o, "--prompts") == 0)
			prompts_dir = v;
		else if (strcmp(o, "--port-file") == 0)
			port_file = v;
		else if (strcmp(o, "--outbound-name") == 0)
			pc.tls_name = v;
		else if (strcmp(o, "--outbound") == 0) {
			const char *colon = strrchr(v, ':');
			if (colon && !strchr(colon, ']')) {
				unsigned op;
				if (!cli_num(colon + 1, 65535, &op) || op == 0 ||
				    (size_t)(colon - v) >= sizeof(out_host))
					return bad("--outbound needs HOST[:PORT]:", v);
				memcpy(out_host, v, (size_t)(colon - v));
				out_host[colon - v] = 0;
				pc.port = (uint16_t)op;
			} else if (snprintf(out_host, sizeof(out_host), "%s", v) >=
			           (int)sizeof(out_host)) {
				return bad("--outbound needs HOST[:PORT]:", v);
			}
			if (!out_host[0])
				return bad("--outbound needs HOST[:PORT]:", v);
		} else if (strcmp(o, "--rtp-ip") == 0) {
			unsigned char a6[16]; /* it goes into SDP and bind(): an address, no name */
			if (uv_inet_pton(AF_INET, v, a6) != 0 && uv_inet_pton(AF_INET6, v, a6) != 0)
				return bad("--rtp-ip needs an IP address:", v);
			c.ua.rtp_ip = v;
		} else if (strcmp(o, "--web") == 0) {
			if (!cli_hostport(v, web_ip, sizeof(web_ip), &wport))
				return bad("--web needs IP:PORT:", v);
			web = v;
		} else if (strcmp(o, "--rtp-ports") == 0) {
			unsigned a, b;
			const char *dash = strchr(v, '-');
			char lo[8];
			if (!dash || (size_t)(dash - v) >= sizeof(lo))
				return bad("--rtp-ports needs MIN-MAX:", v);
			memcpy(lo, v, (size_t)(dash - v));
			lo[dash - v] = 0;
			if (!cli_num(lo, 65535, &a) || !cli_num(dash + 1, 65535, &b) || a == 0 ||
			    a > b)
				return bad("--rtp-ports needs MIN-MAX:", v);
			c.ua.rtp_port_min = (uint16_t)a;
			c.ua.rtp_port_max = (uint16_t)b;
		} else if (strcmp(o, "--media-threads") == 0) {
			if (!cli_num(v, MEDIA_THREADS_MAX, &n) || n == 0)
				return bad("--media-threads needs 1 to " MEDIA_THREADS_MAX_S ":",
				           v);
			c.ua.media.threads = n;
		} else if (strcmp(o, "--media-cpu") == 0) {
			/* CPU numbers separated by commas */
			media_clock_options *mo = &c.ua.media;
			mo->ncpus = 0;
			for (const char *p = v; *p;) {
				char one[8];
				size_t len = strcspn(p, ",");
				unsigned cpu;
				if (len == 0 || len >= sizeof(one) ||
				    mo->ncpus == MEDIA_THREADS_MAX)
					return bad("--media-cpu needs CPU numbers like 1 or 2,3:",
					           v);
				memcpy(one, p, len);
				one[len] = 0;
				if (!cli_num(one, CPU_SETSIZE - 1, &cpu))
					return bad("--media-cpu needs CPU numbers like 1 or 2,3:",
					           v);
				mo->cpus[mo->ncpus++] = (int)cpu;
				p += len;
				if (*p == ',' && *++p == 0)
					return bad("--media-cpu needs CPU numbers like 1 or 2,3:",
					           v);
			}
		} else if (strcmp(o, "--media-fifo") == 0) {
			if (!cli_num(v, 99, &n) || n == 0)
				return bad("--media-fifo needs a priority from 1 to 99:", v);
			c.ua.media.fifo_prio = (int)n;
		} else if (strcmp(o, "--media-spin") == 0) {
			if (!cli_num(v, MEDIA_SPIN_MAX_US, &n))
				return bad(
				    "--media-spin needs microseconds from 0 to " MEDIA_SPIN_MAX_US_S
				    ":",
				    v);
			c.ua.media.spin_us = n;
		} else if (strcmp(o, "--max-message-seconds") == 0) {
			if (!cli_num(v, 86400, &n) || n == 0)
				return bad("expected a number of seconds:", v);
			c.max_message_s = n;
		} else if (strcmp(o, "--silence-seconds") == 0) {
			if (!cli_num(v, 3600, &n) || n == 0)
				return bad("expected a number of seconds:", v);
			c.silence_s = n;
		} else if (strcmp(o, "--rtp-timeout") == 0) {
			if (!cli_num(v, 86400, &n))
				return bad("expected a number of seconds:", v);
			c.ua.rtp_timeout_ms = n * 1000;
		} else if (strcmp(o, "--answer-delay-ms") == 0) {
			if (!cli_num(v, 60000, &n))
				return bad("expected a number of milliseconds:", v);
			c.answer_delay_ms = n;
		} else if (strcmp(o, "--spool-dir") == 0) {
			spool_dir = v;
		} else if (strcmp(o, "--transcribe-workers") == 0) {
			if (!cli_num(v, TRANSCRIBE_WORKERS_MAX, &n) || n == 0)
				return bad(
				    "--transcribe-workers needs 1 to " TRANSCRIBE_WORKERS_MAX_S ":",
				    v);
			tq.workers = n;
		} else if (strcmp(o, "--transcribe-hmm") == 0) {
			tq.model.hmm = v;
		} else if (strcmp(o, "--transcribe-lm") == 0) {
			tq.model.lm = v;
		} else if (strcmp(o, "--transcribe-dict") == 0) {
			tq.model.dict = v;
		} else if (strcmp(o, "--transcribe-mode") == 0) {
			if (transcribe_mode_parse(v, &tq.model.mode) != 0)
				return bad("--transcribe-mode is upsample or narrowband:", v);
		} else if (strcmp(o, "--mwi-poll-ms") == 0) {
			if (!cli_num(v, 3600000, &n) || n < 100)
				return bad("--mwi-poll-ms needs 100 or more:", v);
			c.mwi_poll_ms = n;
		} else if (strcmp(o, "--mwi-min-expires") == 0) {
			if (!cli_num(v, UM_MWI_MAX_EXPIRES, &n) || n == 0)
				return bad("--mwi-min-expires needs 1 or more seconds:", v);
			c.mwi_min_expires = n;
		} else if (strcmp(o, "--max-failed-logons") == 0) {
			if (!cli_num(v, 1000000, &n) || n == 0)
				return bad("expected a positive number:", v);
			so.max_failed_logons = n;
		} else {
			if (!cli_num(v, 10000000, &n) || n == 0)
				return bad("expected a positive number:", v);
			so.pin_iterations = n;
		}
	}
	where = "";
	bool have_cert = c.ua.net.cert_file && c.ua.net.key_file;
	if (tls_on && !have_cert) {
		if (tls_given)
			return bad("--listen-tls needs --cert and --key", NULL);
		tls_on = false;
	}
	if (!tcp_on && !tls_on)
		return bad("no listener (TCP off and no TLS)", NULL);
	if (c.mwi_unsolicited && !out_host[0])
		return bad("--mwi-unsolicited needs --outbound", NULL);
	{
		const char *e = NULL;
		if (cli_um_mail_finish(mail, &e) != 0)
			return bad(e, NULL);
	}
	c.mwi_out_transport = pc.transport ? pc.transport : NET_TLS;
	c.mwi_out_host = out_host[0] ? out_host : NULL;
	c.mwi_out_port = pc.port;
	c.mwi_out_tls_name = pc.tls_name;
	if (!db) {
		db = getenv("OPENUM_DB");
		if (!db || !*db)
			db = DEFAULT_DB;
	}
	bool pg = false;
	const char *target = db;
	if (!store_pick_backend(db, &pg, &target))
		return bad("--db is empty", NULL);
	if (!spool_dir && !pg) {
		/* "recordings" next to the SQLite file */
		const char *slash = strrchr(target, '/');
		int len = slash ? (int)(slash - target) : 0;
		if (snprintf(spool_buf, sizeof(spool_buf), "%.*s%srecordings", len, target,
		             slash ? "/" : "") >= (int)sizeof(spool_buf))
			return bad("--db path too long for the spool directory", NULL);
		spool_dir = spool_buf;
	}
	/* A PostgreSQL store is shared by several UM servers, so no directory next to it
	 * is this server's own: without --spool-dir recordings stay in memory until stored
	 * (lost if the process dies), and the start-up line says so. */
	bool no_spool = !spool_dir;
	c.spool_dir = spool_dir;
	c.ua.net.trusted_peers = trusted;
	c.ua.net.ntrusted = ntrusted;
	c.classify.pilots = pilots;
	c.classify.npilots = npilots;
	c.tcp_ip = tcp_on ? tcp_ip : NULL;
	c.tcp_port = tcp_port;
	c.tls_ip = tls_on ? tls_ip : NULL;
	c.tls_port = tls_port;
	if (cli_reload_active()) {
		cli_um_mail_free(mail); /* e-mail settings need a restart */
		return cli_reload_apply_live(cli_reload_active(), &ops, &c.ua.net);
	}

	char tls_err[1200];
	if (!cli_tls_files_ok(&c.ua.net, tls_err, sizeof(tls_err))) {
		fprintf(stderr, "openum um: cannot start: %s\n", tls_err);
		return CLI_EXIT_FAIL;
	}
	const char *why = "error";
	if (cli_ops_apply_log(&ops, "um", &why) != 0) {
		fprintf(stderr, "openum um: cannot start: --log syslog: %s: %s\n",
		        ops.syslog_socket ? ops.syslog_socket : OU_SYSLOG_DEFAULT_SOCKET, why);
		return CLI_EXIT_FAIL;
	}
	store *st = NULL;
	char db_shown[512]; /* without a password */
	store_conninfo_display(db, db_shown, sizeof(db_shown));
	if (store_open(db, &so, &st, &why) != 0) {
		fprintf(stderr, "openum um: cannot open the store %s: %s\n", db_shown, why);
		return CLI_EXIT_FAIL;
	}
	um_prompts *pr = NULL;
	if (um_prompts_load(prompts_dir, &pr, &why) != 0) {
		fprintf(stderr, "openum um: cannot load the prompts from %s: %s\n",
		        prompts_dir ? prompts_dir : um_prompts_default_dir(), why);
		store_close(st);
		return CLI_EXIT_FAIL;
	}
	/* the workers load the model in their own threads: a missing model is logged
	 * there, and messages are then marked failed, never lost */
	if (transcribe_on) {
		if (transcribe_queue_new(st, &tq, &tqueue, &why) != 0) {
			fprintf(stderr, "openum um: cannot start transcription: %s\n", why);
			um_prompts_free(pr);
			store_close(st);
			return CLI_EXIT_FAIL;
		}
		c.transcribe = queue_transcript;
		c.transcribe_arg = tqueue;
	}
	uv_loop_t loop;
	uv_loop_init(&loop);
	um_server *srv = NULL;
	int rc = CLI_EXIT_OK;
	web_server *ws = NULL;
	um_pop *pop = NULL;
	metrics_http *mh = NULL;
	mail_worker *mw = NULL;
	if (um_server_new(&loop, &c, st, pr, &srv, &why) != 0) {
		fprintf(stderr, "openum um: cannot start: %s\n", why);
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	if (mail->on) {
		if (mail_worker_new(&loop, st, &mail->cfg, &mw, &why) != 0) {
			fprintf(stderr, "openum um: cannot start e-mail delivery: %s\n", why);
			rc = CLI_EXIT_FAIL;
			um_server_free(srv);
			goto out;
		}
		um_server_set_mail(srv, mw);
	}
	if (out_host[0]) {
		pc.host = out_host;
		pc.from_name = "Unified Messaging";
		if (um_pop_new(&loop, um_server_ua(srv), st, pr, &pc, &pop) != 0) {
			fprintf(stderr, "openum um: cannot start the Play-On-Phone engine\n");
			rc = CLI_EXIT_FAIL;
			um_server_free(srv);
			mail_worker_free(mw);
			goto out;
		}
		um_server_set_pop(srv, &pop_hooks, pop);
	}
	if (web) {
		web_opts wo = {
		    .bind_addr = web_ip,
		    .port = wport,
		    .cert_pem = have_cert ? c.ua.net.cert_file : NULL,
		    .key_pem = have_cert ? c.ua.net.key_file : NULL,
		    .plain_http = !have_cert,
		    .st = st,
		    .pop = pop ? um_pop_ops() : &no_pop,
		    .pop_arg = pop,
		    .loop = &loop,
		};
		if (web_start(&wo, &ws, &why) != 0) {
			fprintf(stderr, "openum um: cannot start the web service on --web %s: %s\n",
			        web, why);
			rc = CLI_EXIT_FAIL;
			um_server_free(srv);
			mail_worker_free(mw);
			um_pop_free(pop);
			goto out;
		}
	}
	if (ops.metrics_on &&
	    metrics_http_start(ops.metrics_ip, ops.metrics_port, &mh, &why) != 0) {
		fprintf(stderr, "openum um: cannot start: --metrics %s:%u: %s\n", ops.metrics_ip,
		        ops.metrics_port, why);
		rc = CLI_EXIT_FAIL;
		web_stop(ws);
		um_server_free(srv);
		mail_worker_free(mw);
		um_pop_free(pop);
		goto out;
	}
	/* SIGINT/SIGTERM stop us cleanly from before we say we are ready; SIGHUP reloads */
	cli_reload rl = {.cmd = "um",
	                 .keys = keys,
	                 .nkeys = sizeof(keys) / sizeof(keys[0]),
	                 .run = run_args,
	                 .net = ua_net(um_server_ua(srv)),
	                 .ops = ops};
	cli_reload_start(&rl, &loop, cf);
	if (!c.quiet) {
		fprintf(stderr, "openum um: store %s, listening", db_shown);
		if (c.tcp_ip)
			fprintf(stderr, " TCP %s:%u", tcp_ip, um_server_port(srv, NET_TCP));
		if (c.tls_ip)
			fprintf(stderr, " TLS %s:%u", tls_ip, um_server_port(srv, NET_TLS));
		if (ws)
			fprintf(stderr, ", web %s:%u", web_ip, web_port(ws));
		if (mh)
			fprintf(stderr, ", metrics %s:%u", ops.metrics_ip, metrics_http_port(mh));
		if (mw)
			fprintf(stderr, ", e-mail via %s", mail->cfg.smtp.url);
		fprintf(stderr, ", %zu trusted peer(s)\n", ntrusted);
	}
	if (no_spool)
		fprintf(stderr, "openum um: warning: no --spool-dir: a recording in progress is "
		                "lost if this process dies\n");
	if (ntrusted && (!c.ua.net.ca_file || !c.tls_ip))
		fprintf(stderr,
		        "openum um: warning: --trusted-peer without %s: no peer can be "
		        "verified, so skip-pin is never honoured\n",
		        c.tls_ip ? "--ca" : "a TLS listener");
	if (port_file) {
		FILE *f = fopen(port_file, "w");
		if (!f) { /* a script waits for this file: say why it will not come */
			fprintf(stderr, "openum um: cannot start: --port-file %s: %s\n", port_file,
			        strerror(errno));
			rc = CLI_EXIT_FAIL;
			uv_stop(&loop);
		} else {
			if (c.tcp_ip)
				fprintf(f, "tcp %u\n", um_server_port(srv, NET_TCP));
			if (c.tls_ip)
				fprintf(f, "tls %u\n", um_server_port(srv, NET_TLS));
			if (ws)
				fprintf(f, "web %u\n", web_port(ws));
			if (mh)
				fprintf(f, "metrics %u\n", metrics_http_port(mh));
			fclose(f);
		}
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	cli_reload_stop(&rl);
	metrics_http_stop(mh);
	web_stop(ws);
	um_server_free(srv);  /* recordings stored, calls logged: in the loop run below */
	mail_worker_free(mw); /* queued e-mails wait for the next start */
	um_pop_free(pop);     /* after the ua is gone (its ended callbacks reach the engine) */
out:
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_walk(&loop, cli_close_walk, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	transcribe_queue_free(tqueue); /* what is still queued stays pending in the store */
	um_prompts_free(pr);
	store_close(st);
	cli_um_mail_free(mail);
	return rc;
}

static int run(int argc, char **argv)
{
	return cli_conf_run("um", argc, argv, keys, sizeof(keys) / sizeof(keys[0]), run_args);
}

const cli_cmd cli_cmd_um = {
    .name = "um",
    .summary = "UM server: voicemail with PIN or skip-pin, call answering",
    .run = run,
    .usage = usage,
};
