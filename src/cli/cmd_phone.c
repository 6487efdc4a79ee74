/* openum phone: the MS-OCEXUM protocol client role. Parses the command line into a
 * phone_config and runs phone/phone.h on a libuv loop: a script (--script), a keyboard
 * session with a status line (a terminal), or one call / listening (otherwise). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <uv.h>

#include "cli.h"
#include "phone/phone.h"

#define UNREGISTER_WAIT_MS 2000

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: openum phone --user URI --proxy HOST[:PORT] [OPTIONS] [MODE]\n"
	    "\n"
	    "A command-line SIP phone (the Lync / Skype for Business client's role in\n"
	    "MS-OCEXUM): it registers to the proxy with digest authentication over TLS\n"
	    "(default) or TCP, calls, answers, sends DTMF (RFC 4733, or SIP INFO), plays a\n"
	    "WAV file as its microphone and records what it hears to a WAV file.\n"
	    "\n"
	    "Modes:\n"
	    "  listen              register and wait for calls (the default)\n"
	    "  call URI            register, then call URI\n"
	    "  voicemail [AOR]     register, then call our own mailbox (or AOR's)\n"
	    "                      (URI;opaque=app:voicemail), adding\n"
	    "                      \"Ms-Exchange-Command: skip-pin\" when, and only when,\n"
	    "                      the transport is TLS (MS-OCEXUM 3.1); the proxy\n"
	    "                      passes it only for the mailbox's owner\n"
	    "\n"
	    "Options:\n"
	    "  --user URI          our address, e.g. sip:alice@openum.test (required)\n"
	    "  --password PW       digest password (default: $OPENUM_PASSWORD)\n"
	    "  --proxy HOST[:PORT] registrar and outbound proxy (required; port default\n"
	    "                      %d for TLS, %d for TCP; [IPv6]:PORT)\n"
	    "  --tls | --tcp       signalling transport (default --tls)\n"
	    "  --tls-name NAME     name expected in the proxy's certificate (default HOST)\n"
	    "  --ca FILE           CA bundle that verifies the proxy's certificate\n"
	    "  --cert FILE --key FILE\n"
	    "                      our client certificate (mutual TLS)\n"
	    "  --presence available|offline\n"
	    "                      offline (\"Appear Offline\") declines calls with 480,\n"
	    "                      except a Play-On-Phone call (From URI == To URI == our\n"
	    "                      address, MS-OCEXUM 3.2), which rings (default available)\n"
	    "  --auto-answer       answer every call that rings\n"
	    "  --skip-pin-anyway   send skip-pin on voicemail calls over TCP too (to test\n"
	    "                      that the proxy and UM server refuse it; never needed)\n"
	    "  --dtmf-info         keys send DTMF as SIP INFO (application/dtmf-relay)\n"
	    "                      instead of RFC 4733 events (scripts: dtmf DIGITS info)\n"
	    "  --play FILE.wav     played into each call once it is answered (8 kHz mono\n"
	    "                      PCM16, A-law or mu-law)\n"
	    "  --record FILE.wav   what each call hears (PCM16), written when it ends\n"
	    "  --expires SECONDS   registration lifetime asked for (default 300)\n"
	    "  --no-mwi            do not subscribe to message waiting (RFC 3842); by default\n"
	    "                      the phone subscribes to message-summary once registered\n"
	    "                      and shows the lamp as mwi=yes(NEW/OLD) or mwi=no(NEW/OLD)\n"
	    "  --mwi-account URI   whose mailbox to watch (default: --user)\n"
	    "  --script FILE       run a script instead of the keyboard (see below)\n"
	    "\n"
	    "Keyboard (when standard input is a terminal and there is no --script): a\n"
	    "status line shows registration, call state and presence; 0-9 * # send DTMF,\n"
	    "a answers, h hangs up, o toggles offline, q quits, ? shows the keys.\n"
	    "Without a terminal: status lines on standard output; `call`/`voicemail`\n"
	    "exit when the call ends, `listen` on SIGINT/SIGTERM.\n"
	    "\n"
	    "Script lines (one per line; # comments; each logs \"line N: ...: ok\" or FAIL;\n"
	    "the script starts once registered; wait steps default to %d seconds):\n"
	    "  wait-registered [S]   wait-call [S]        wait-declined [S]\n"
	    "  answer                call URI             voicemail [AOR]\n"
	    "  wait-answered [S]     sleep MS             dtmf DIGITS [info]\n"
	    "  wait-dtmf DIGITS [S]  record SECONDS FILE.wav\n"
	    "  expect-header NAME REGEX  (on the last INVITE received; POSIX extended,\n"
	    "                            no {} intervals or stacked * + ?)\n"
	    "  expect-no-header NAME     expect-status CODE (how the last call ended; 0: BYE)\n"
	    "  presence available|offline  hangup  wait-ended [S]  print-state\n"
	    "  wait-mwi yes|no|yes:NEW/OLD|no:NEW/OLD|failed:CODE [S]\n"
	    "                        the message-waiting lamp and Voice-Message counts, or\n"
	    "                        the subscription refused with CODE\n"
	    "  wait-prompt [S]       the call heard a prompt: sound, then 600 ms of silence\n"
	    "  wait-audio [S]        200 ms of sound      wait-silence [S]  600 ms without\n"
	    "\n"
	    "Exit status: 0 done (script passed, call answered), 1 a step failed, the\n"
	    "call was not answered or registration failed, 2 usage error.\n"
	    "\n"
	    "Examples:\n"
	    "  openum phone --user sip:alice@openum.test --proxy 127.0.0.1 --ca ca.pem voicemail\n"
	    "  openum phone --user sip:bob@openum.test --proxy 127.0.0.1:5060 --tcp \\\n"
	    "      call sip:alice@openum.test\n",
	    NET_DEFAULT_TLS_PORT, NET_DEFAULT_TCP_PORT, PHONE_DEFAULT_WAIT_S);
}

static int bad(const char *msg, const char *arg)
{
	fprintf(stderr, "openum phone: %s%s%s (see openum phone --help)\n", msg, arg ? " " : "",
	        arg ? arg : "");
	return CLI_EXIT_USAGE;
}

typedef enum mode { MODE_LISTEN = 0, MODE_CALL, MODE_VOICEMAIL } mode;

typedef struct app {
	uv_loop_t loop;
	phone *p;
	mode mode;
	const char *target;
	bool interactive, script, started, call_seen, answered, quitting;
	bool dtmf_info; /* --dtmf-info: keys go as SIP INFO, not RFC 4733 */
	int result;
	char last_line[512];
	phone_step *steps;
	size_t nsteps;
	phone_run *run;
	uv_timer_t start_timer, quit_timer;
	uv_signal_t sigint, sigterm;
	uv_poll_t keys;
	bool keys_on;
	struct termios saved;
	bool tty_raw;
} app;

static app *the_app; /* for the atexit terminal restore */

/* ---- terminal ---------------------------------------------------------------------- */

static void tty_restore(void)
{
	if (the_app && the_app->tty_raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &the_app->saved);
		the_app->tty_raw = false;
		fputs("\n", stdout);
	}
}

static int tty_raw(app *a)
{
	struct termios t;
	if (tcgetattr(STDIN_FILENO, &a->saved))
		return -1;
	t = a->saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return -1;
	a->tty_raw = true;
	atexit(tty_restore);
	return 0;
}

/* ---- stopping ------------------------------------------------------------------------ */

static void quit_now(uv_timer_t *t)
{
	uv_stop(t->loop);
}

/* Unregisters and gives the answer a moment before the loop stops. */
static void quit(app *a, int result)
{
	if (a->quitting)
		return;
	a->quitting = true;
	a->result = result;
	phone_status st;
	phone_get_status(a->p, &st);
	if (st.call != PHONE_IDLE)
		(void)phone_hangup(a->p, NULL);
	if (st.reg == PHONE_REG_OK && phone_unregister(a->p) == 0) {
		uv_timer_start(&a->quit_timer, quit_now, UNREGISTER_WAIT_MS, 0);
		return;
	}
	uv_timer_start(&a->quit_timer, quit_now, st.call != PHONE_IDLE ? 300 : 0, 0);
}

static void on_signal(uv_signal_t *h, int signum)
{
	app *a = h->data;
	(void)signum;
	tty_restore();
	if (a->quitting)
		uv_stop(h->loop);
	else
		quit(a, !a->script && (a->mode == MODE_LISTEN || a->answered) ? CLI_EXIT_OK
		                                                              : CLI_EXIT_FAIL);
}

/* ---- what happens ------------------------------------------------------------------ */

static void show(app *a)
{
	char line[512];
	phone_status_line(a->p, line, sizeof(line));
	if (a->interactive) {
		printf("\r\033[K%s", line);
		fflush(stdout);
	} else if (!a->script && strcmp(line, a->last_line) != 0) {
		printf("%s\n", line);
		fflush(stdout);
	}
	snprintf(a->last_line, sizeof(a->last_line), "%s", line);
}

static void script_done(void *arg, int result)
{
	app *a = arg;
	quit(a, result == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

static void start_mode(app *a)
{
	const char *why = NULL;
	int err = 0;
	a->started = true;
	if (a->script) {
		err = phone_run_start(a->p, a->steps, a->nsteps, stdout, script_done, a, &a->run);
	} else if (a->mode == MODE_CALL) {
		err = phone_call(a->p, a->target, &why);
	} else if (a->mode == MODE_VOICEMAIL) {
		err = phone_voicemail(a->p, a->target, &why);
	}
	if (err) {
		fprintf(stderr, "openum phone: %s\n", why ? why : ou_strerror(err));
		quit(a, CLI_EXIT_FAIL);
	}
}

static void on_changed(void *arg, phone *p)
{
	app *a = arg;
	phone_status st;
	phone_get_status(p, &st);
	show(a);
	if (a->quitting)
		return;
	if (!a->started && st.reg == PHONE_REG_OK) {
		start_mode(a); /* it reports its own changes (a nested call of this one) */
		return;
	}
	if (!a->started && st.reg == PHONE_REG_FAILED) {
		/* the status alone leaves an operator guessing: say what it usually means */
		unsigned rs = st.reg_status;
		const char *hint = rs == 401 || rs == 403 || rs == 407
		                       ? ": wrong user or password (or another realm)?"
		                   : rs == 408 ? ": the proxy did not answer"
		                   : rs == 503 ? ": the proxy cannot be reached (address, port, "
		                                 "--tcp/--tls, or TLS: --ca, --tls-name) or is "
		                                 "unavailable"
		                               : "";
		fprintf(stderr, "%sopenum phone: registration failed (%u)%s\n",
		        a->interactive ? "\n" : "", rs, hint);
		if (!a->interactive)
			quit(a, CLI_EXIT_FAIL);
	}
	if (!a->script && !a->interactive && a->mode != MODE_LISTEN && a->started) {
		if (st.call != PHONE_IDLE)
			a->call_seen = true;
		if (st.call == PHONE_ACTIVE)
			a->answered = true;
		if (a->call_seen && st.call == PHONE_IDLE)
			quit(a, a->answered ? CLI_EXIT_OK : CLI_EXIT_FAIL);
	}
}

static void start_timeout(uv_timer_t *t)
{
	app *a = t->data;
	if (a->started || a->quitting)
		return;
	fprintf(stderr, "openum phone: not registered after %d ms\n", PHONE_REG_WAIT_MS);
	quit(a, CLI_EXIT_FAIL);
}

static void on_key(uv_poll_t *h, int status, int events)
{
	app *a = h->data;
	char buf[16];
	(void)events;
	if (status < 0)
		return;
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n <= 0) {
		uv_poll_stop(h);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		char k = buf[i];
		const char *why = NULL;
		int err = 0;
		phone_status st;
		phone_get_status(a->p, &st);
		if ((k >= '0' && k <= '9') || k == '*' || k == '#') {
			const char d[2] = {k, 0};
			err = phone_send_dtmf(a->p, d, a->dtmf_info, &why);
		} else if (k == 'a')
			err = phone_answer(a->p, &why);
		else if (k == 'h')
			err = phone_hangup(a->p, &why);
		else if (k == 'o')
			phone_set_presence(a->p, st.presence == PHONE_OFFLINE ? PHONE_AVAILABLE
			                                                      : PHONE_OFFLINE);
		else if (k == 'q' || k == 4 /* ^D */)
			quit(a, CLI_EXIT_OK);
		else if (k == '?')
			printf(
			    "\r\033[Kkeys: 0-9 * # DTMF, a answer, h hang up, o offline on/off, q "
			    "quit\n");
		if (err)
			printf("\r\033[K%s\n", why ? why : ou_strerror(err));
		show(a);
	}
}

/* ---- command line ------------------------------------------------------------------ */

static int split_hostport(char *v, const char **host, unsigned *port)
{
	char *colon = NULL;
	if (v[0] == '[') {
		char *end = strchr(v, ']');
		if (!end)
			return -1;
		*end = '\0';
		*host = v + 1;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (!colon && end[1])
			return -1;
	} else {
		*host = v;
		colon = strchr(v, ':');
		if (colon && strchr(colon + 1, ':'))
			return -1; /* a bare IPv6 address needs brackets */
	}
	*port = 0;
	if (colon) {
		*colon = '\0';
		uint32_t n;
		if (ou_slice_u32(ou_slice_cstr(colon + 1), &n) || n == 0 || n > 65535)
			return -1;
		*port = n;
	}
	return **host ? 0 : -1;
}

static int load_script(app *a, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "openum phone: cannot open %s\n", path);
		return CLI_EXIT_FAIL;
	}
	ou_buf b;
	ou_buf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ou_buf_append(&b, chunk, n);
	fclose(f);
	a->steps = calloc(PHONE_SCRIPT_MAX_STEPS, sizeof(*a->steps));
	unsigned line = 0;
	const char *why = NULL;
	int err = !a->steps || b.failed
	              ? OPENUM_ENOMEM
	              : phone_script_parse(b.data ? b.data : "", b.len, a->steps,
	                                   PHONE_SCRIPT_MAX_STEPS, &a->nsteps, &line, &why);
	ou_buf_free(&b);
	if (err) {
		fprintf(stderr, "openum phone: %s:%u: %s\n", path, line,
		        why ? why : ou_strerror(err));
		return CLI_EXIT_USAGE;
	}
	return 0;
}

static int run(int argc, char **argv)
{
	static app A;
	app *a = &A;
	memset(a, 0, sizeof(*a));
	phone_config c = {.transport = NET_TLS};
	char proxy_buf[300];
	const char *script = NULL, *proxy_arg = NULL;
	unsigned port = 0;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (strcmp(o, "--tls") == 0 || strcmp(o, "--tcp") == 0) {
			c.transport = o[3] == 'l' ? NET_TLS : NET_TCP;
			continue;
		}
		if (strcmp(o, "--dtmf-info") == 0) {
			a->dtmf_info = true;
			continue;
		}
		if (strcmp(o, "--auto-answer") == 0) {
			c.auto_answer = true;
			continue;
		}
		if (strcmp(o, "--skip-pin-anyway") == 0) {
			c.skip_pin_anyway = true;
			continue;
		}
		if (strcmp(o, "--no-mwi") == 0) {
			c.no_mwi = true;
			continue;
		}
		if (o[0] != '-') {
			if (strcmp(o, "listen") == 0)
				a->mode = MODE_LISTEN;
			else if (strcmp(o, "voicemail") == 0) {
				a->mode = MODE_VOICEMAIL;
				/* an optional AOR: someone else's mailbox */
				if (i + 1 < argc && (strncmp(argv[i + 1], "sip:", 4) == 0 ||
				                     strncmp(argv[i + 1], "sips:", 5) == 0))
					a->target = argv[++i];
			} else if (strcmp(o, "call") == 0) {
				if (i + 1 >= argc)
					return bad("call needs a URI", NULL);
				a->mode = MODE_CALL;
				a->target = argv[++i];
			} else
				return bad("unexpected argument", o);
			continue;
		}
		static const char *const with_value[] = {
		    "--user",   "--password", "--proxy",      "--tls-name", "--ca",
		    "--cert",   "--key",      "--presence",   "--play",     "--record",
		    "--script", "--expires",  "--mwi-account"};
		bool known = false;
		for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
			known |= strcmp(o, with_value[k]) == 0;
		if (!known)
			return cli_bad_option("phone", o);
		if (i + 1 >= argc)
			return bad("option needs a value:", o);
		const char *v = argv[++i];
		if (strcmp(o, "--user") == 0)
			c.aor = v;
		else if (strcmp(o, "--password") == 0)
			c.password = v;
		else if (strcmp(o, "--proxy") == 0)
			proxy_arg = v;
		else if (strcmp(o, "--tls-name") == 0)
			c.tls_name = v;
		else if (strcmp(o, "--ca") == 0)
			c.ca_file = v;
		else if (strcmp(o, "--cert") == 0)
			c.cert_file = v;
		else if (strcmp(o, "--key") == 0)
			c.key_file = v;
		else if (strcmp(o, "--play") == 0)
			c.play_file = v;
		else if (strcmp(o, "--record") == 0)
			c.record_file = v;
		else if (strcmp(o, "--script") == 0)
			script = v;
		else if (strcmp(o, "--mwi-account") == 0) {
			sip_uri mu;
			if (sip_uri_parse(ou_slice_cstr(v), &mu, NULL) ||
			    (mu.scheme != SIP_URI_SIP && mu.scheme != SIP_URI_SIPS) || !mu.user.n)
				return bad("--mwi-account needs a sip: URI with a user:", v);
			c.mwi_account = v;
		} else if (strcmp(o, "--presence") == 0) {
			if (phone_presence_from(v, &c.presence))
				return bad("--presence is available or offline, not", v);
		} else {
			uint32_t n;
			if (ou_slice_u32(ou_slice_cstr(v), &n) || n == 0 || n > 86400)
				return bad("expected a number of seconds:", v);
			c.expires_s = n;
		}
	}
	if (!c.aor)
		return bad("--user is required", NULL);
	if (!proxy_arg)
		return bad("--proxy is required", NULL);
	snprintf(proxy_buf, sizeof(proxy_buf), "%s", proxy_arg);
	if (split_hostport(proxy_buf, &c.proxy_host, &port))
		return bad("--proxy needs HOST[:PORT]:", proxy_arg);
	c.proxy_port = (uint16_t)port;
	if (!c.password) {
		c.password = getenv("OPENUM_PASSWORD");
		if (c.password && !*c.password)
			c.password = NULL;
	}
	if ((c.cert_file != NULL) != (c.key_file != NULL))
		return bad("--cert and --key go together", NULL);
	if (a->target) {
		sip_uri u;
		if (sip_uri_parse(ou_slice_cstr(a->target), &u, NULL) ||
		    (u.scheme != SIP_URI_SIP && u.scheme != SIP_URI_SIPS) ||
		    (a->mode == MODE_VOICEMAIL && !u.user.n))
			return bad(a->mode == MODE_CALL
			               ? "call needs a sip: URI, not"
			               : "voicemail needs a sip:user@host address, not",
			           a->target);
	}
	if (script) {
		int err = load_script(a, script);
		if (err) {
			free(a->steps);
			return err;
		}
		a->script = true;
	}
	a->interactive = !script && isatty(STDIN_FILENO);

	char tls_err[1200];
	net_config tls = {.ca_file = c.ca_file, .cert_file = c.cert_file, .key_file = c.key_file};
	if (!cli_tls_files_ok(&tls, tls_err, sizeof(tls_err))) {
		fprintf(stderr, "openum phone: %s\n", tls_err);
		free(a->steps);
		return CLI_EXIT_FAIL;
	}
	uv_loop_init(&a->loop);
	const char *why = NULL;
	int err = phone_new(&a->loop, &c, on_changed, a, &a->p, &why);
	if (err) {
		fprintf(stderr, "openum phone: %s\n", why ? why : ou_strerror(err));
		free(a->steps);
		uv_walk(&a->loop, cli_close_walk, NULL);
		uv_run(&a->loop, UV_RUN_DEFAULT);
		uv_loop_close(&a->loop);
		return CLI_EXIT_FAIL;
	}
	the_app = a;
	uv_timer_init(&a->loop, &a->start_timer);
	a->start_timer.data = a;
	uv_timer_start(&a->start_timer, start_timeout, PHONE_REG_WAIT_MS, 0);
	uv_timer_init(&a->loop, &a->quit_timer);
	a->quit_timer.data = a;
	uv_signal_init(&a->loop, &a->sigint);
	uv_signal_init(&a->loop, &a->sigterm);
	a->sigint.data = a->sigterm.data = a;
	uv_signal_start(&a->sigint, on_signal, SIGINT);
	uv_signal_start(&a->sigterm, on_signal, SIGTERM);
	if (a->interactive && tty_raw(a) == 0 &&
	    uv_poll_init(&a->loop, &a->keys, STDIN_FILENO) == 0) {
		a->keys.data = a;
		a->keys_on = true;
		uv_poll_start(&a->keys, UV_READABLE, on_key);
		printf(
		    "keys: 0-9 * # DTMF, a answer, h hang up, o offline on/off, q quit, ? help\n");
	}
	show(a);
	uv_run(&a->loop, UV_RUN_DEFAULT);

	tty_restore();
	phone_run_free(a->run);
	phone_free(a->p);
	uv_walk(&a->loop, cli_close_walk, NULL);
	uv_run(&a->loop, UV_RUN_DEFAULT);
	uv_loop_close(&a->loop);
	free(a->steps);
	the_app = NULL;
	return a->result;
}

const cli_cmd cli_cmd_phone = {
    .name = "phone",
    .summary = "protocol client: command-line SIP phone",
    .run = run,
    .usage = usage,
};
