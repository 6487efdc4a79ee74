/* openum demo: the one command a newcomer runs (`make run`). It prepares a data
 * directory (certificates, users alice and bob, their mailboxes, one message waiting),
 * runs `openum proxy` and `openum um` as its children on loopback with mutual TLS
 * between them, prints what to try next, and stops both on SIGINT/SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "demo_int.h"
#include "net/net.h"
#include "store/store.h"

#ifndef OPENUM_SOURCE_DIR
#define OPENUM_SOURCE_DIR "."
#endif
#define EXAMPLES_DIR OPENUM_SOURCE_DIR "/tests/data/ms-ocexum"

#define DEMO_DIR "openum-demo"
#define PROXY_NAME "proxy.openum.test" /* the identity the UM server trusts */
#define UM_NAME "um.openum.test"       /* the identity the proxy trusts */
#define WEB_DEFAULT_PORT 8080
#define READY_WAIT_MS 15000
#define STOP_WAIT_MS 10000

extern char **environ;

/* Fixed on purpose: a reused demo directory keeps working with what we print. */
const demo_user demo_users[2] = {
    {"alice", "Alice Demo", "1001", "alice-demo-pw", "246813"},
    {"bob", "Bob Demo", "1002", "bob-demo-pw", "135792"},
};

static void usage(FILE *out)
{
	fputs("usage: openum demo [--dir DIR] [--port-base N] [--proxy-tcp-port N]\n"
	      "                   [--proxy-tls-port N] [--um-tcp-port N] [--um-tls-port N]\n"
	      "                   [--web-port N]\n"
	      "       openum demo --script [--keep] [PORT OPTIONS]\n"
	      "       openum demo --examples [--data-dir DIR]\n"
	      "\n"
	      "Prepares DIR (default ./" DEMO_DIR "; reused when present): a local CA and\n"
	      "certificates (certs/), users alice and bob of domain " DEMO_DOMAIN " with their\n"
	      "passwords, their mailboxes with demo PINs and one message waiting for alice,\n"
	      "all in DIR/openum.db. Then runs `openum proxy` and `openum um` on 127.0.0.1\n"
	      "with mutual TLS between them (logs in DIR/proxy.log and DIR/um.log), prints\n"
	      "what to try next, and runs until SIGINT (Ctrl-C) or SIGTERM.\n"
	      "\n"
	      "Ports (all TCP on 127.0.0.1; a busy one is reported before anything starts):\n"
	      "  --proxy-tcp-port N  proxy SIP over TCP (default 5060)\n"
	      "  --proxy-tls-port N  proxy SIP over TLS (default 5061)\n"
	      "  --um-tcp-port N     UM server SIP over TCP (default 5062)\n"
	      "  --um-tls-port N     UM server SIP over TLS (default 5063)\n"
	      "  --web-port N        UM web service, HTTPS (default 8080)\n"
	      "  --port-base N       the five above are N, N+1, N+2, N+3, N+4\n"
	      "\n"
	      "--script: instead, plays the whole MS-OCEXUM story with `openum phone`\n"
	      "processes for alice and bob (over TLS unless said) against the proxy and\n"
	      "the UM server, in a fresh temporary directory ($TMPDIR or /tmp) that is\n"
	      "removed at the end, also on failure or Ctrl-C (--keep leaves it, with the\n"
	      "logs, for a look at a failure); the ports are free ones the system picks\n"
	      "unless given. It prints one line per step, \"PASS step N: ...\"\n"
	      "or \"FAIL step N: ... (reason)\", each judged from what the servers logged\n"
	      "(the UM server's call log and messages, the proxy's log), what the phones'\n"
	      "scripts checked on the INVITEs they received, and the web service's answers:\n"
	      "  1 bob calls alice, who does not answer: the proxy diverts to voicemail\n"
	      "    (Diversion reason=no-answer, after "
	      "5 s"
	      "), bob's message is recorded\n"
	      "  2 alice calls voicemail over TLS with skip-pin: no PIN asked (trusted proxy),\n"
	      "    she presses 1 and hears bob's message to the end (it becomes saved)\n"
	      "  3 alice calls voicemail over TCP: no skip-pin, she enters her PIN\n"
	      "  4 bob asks skip-pin for alice's mailbox: the proxy strips it, PIN asked\n"
	      "  5 alice appears offline and asks Play on phone on the web: her phone rings\n"
	      "    (From == To == alice, Ms-Sensitivity: private-no-diversion)\n"
	      "  6 she does not answer: no voicemail diversion, the call ends NoAnswer\n"
	      "    (after the UM server's 45 s); the whole story takes about 2.5 minutes\n"
	      "\n"
	      "--examples: instead, runs `openum parse` over the two example INVITEs of\n"
	      "MS-OCEXUM section 4 (read from --data-dir DIR; default " EXAMPLES_DIR ").\n"
	      "\n"
	      "Exit status: 0 stopped by SIGINT/SIGTERM (--script: every step passed), 1 it\n"
	      "could not start or a server died (--script: a step failed or it was\n"
	      "interrupted), 2 usage error.\n",
	      out);
}

/* ---- --examples: the MS-OCEXUM section 4 INVITEs through the parser ---------- */

static int examples(const char *dir)
{
	char skip_pin[DEMO_PATH_CAP], pop[DEMO_PATH_CAP];
	if ((size_t)snprintf(skip_pin, sizeof(skip_pin), "%s/skip-pin-invite.sip", dir) >=
	        sizeof(skip_pin) ||
	    (size_t)snprintf(pop, sizeof(pop), "%s/play-on-phone-invite.sip", dir) >= sizeof(pop)) {
		fprintf(stderr, "openum demo: --data-dir path too long\n");
		return CLI_EXIT_USAGE;
	}
	printf("The two example INVITEs of MS-OCEXUM section 4:\n"
	       "  4.1 a phone calls its voicemail and asks to skip the PIN;\n"
	       "  4.2 the UM server calls a phone for Play-On-Phone, marked\n"
	       "      private-no-diversion, with From == To.\n\n");
	fflush(stdout);
	const char *const files[] = {skip_pin, pop};
	cli_parse_stats st;
	cli_parse_files(2, files, false, &st);
	printf("\n");
	if (st.unreadable || st.unparsed) {
		fprintf(stderr, "openum demo: %u of 2 examples could not be read or parsed\n",
		        st.unreadable + st.unparsed);
		return CLI_EXIT_FAIL;
	}
	if (st.rejected)
		printf(
		    "Note: %u example(s) failed the checks every proxy makes. The spec's\n"
		    "examples are excerpts of traces (4.2 carries no Via header, which RFC 3261\n"
		    "requires in every request), so openum would answer them 400; the\n"
		    "MS-OCEXUM facts are read all the same.\n",
		    st.rejected);
	return CLI_EXIT_OK;
}

/* ---- helpers ------------------------------------------------------------------ */

bool demo_path_fmt(char *buf, const char *fmt, const char *a, const char *b)
{
	int n = snprintf(buf, DEMO_PATH_CAP, fmt, a, b);
	if (n < 0 || n >= DEMO_PATH_CAP) {
		fprintf(stderr, "openum demo: path too long under %s\n", a);
		return false;
	}
	return true;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Runs argv (argv[0] looked up in PATH, or /proc/self/exe when self) with output
 * appended to log; returns its exit status, or -1 when it could not run. */
static int run_wait(bool self, char *const *argv, const char *log)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	pid_t pid;
	int rc = self ? posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ)
	              : posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool have_tool(const char *name)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char buf[DEMO_PATH_CAP];
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		if (n &&
		    (size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, name) < sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		p += n;
		if (*p == ':')
			p++;
	}
	return false;
}

static void put_le(uint8_t *p, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A three-note chime, 8 kHz mono PCM16: the message when espeak-ng is missing, and
 * bob's voice in the story (demo_story.c). */
bool demo_write_chime(const char *path, unsigned times)
{
	enum { RATE = 8000, NOTE = RATE / 2 };
	static const double freq[] = {523.25, 659.25, 783.99};
	const uint32_t nsamp = 3 * NOTE * times;
	uint8_t hdr[44];
	memcpy(hdr, "RIFF", 4);
	put_le(hdr + 4, 36 + 2 * nsamp, 4);
	memcpy(hdr + 8, "WAVEfmt ", 8);
	put_le(hdr + 16, 16, 4);
	put_le(hdr + 20, 1, 2); /* PCM */
	put_le(hdr + 22, 1, 2);
	put_le(hdr + 24, RATE, 4);
	put_le(hdr + 28, RATE * 2, 4);
	put_le(hdr + 32, 2, 2);
	put_le(hdr + 34, 16, 2);
	memcpy(hdr + 36, "data", 4);
	put_le(hdr + 40, 2 * nsamp, 4);
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(hdr, sizeof(hdr), 1, f) == 1;
	for (uint32_t i = 0; ok && i < nsamp; i++) {
		uint32_t k = i % NOTE;
		/* a quick fade in and out so the notes do not click */
		double env = k < 200 ? k / 200.0 : (NOTE - k < 800 ? (NOTE - k) / 800.0 : 1.0);
		double v = 8000.0 * env * sin(2 * M_PI * freq[i / NOTE % 3] * i / RATE);
		uint8_t s[2];
		put_le(s, (uint32_t)(int32_t)lrint(v), 2);
		ok = fwrite(s, 2, 1, f) == 1;
	}
	return fclose(f) == 0 && ok;
}

/* The waiting message: bob's voice by espeak-ng + sox when both exist, else a chime.
 * Returns a short description of what was made, NULL on failure. */
static const char *make_message(const char *dir, const char *wav)
{
	char raw[DEMO_PATH_CAP];
	if (have_tool("espeak-ng") && have_tool("sox") &&
	    demo_path_fmt(raw, "%s/%s", dir, "speech.wav")) {
		char *const speak[] = {
		    "espeak-ng", "-s",
		    "150",       "-w",
		    raw,         "Hi Alice, this is Bob. Call me back when you hear this. Bye!",
		    NULL};
		char *const conv[] = {"sox", raw,  "-r", "8000",      "-c",
		                      "1",   "-b", "16", (char *)wav, NULL};
		char log[DEMO_PATH_CAP];
		if (demo_path_fmt(log, "%s/%s", dir, "setup.log") &&
		    run_wait(false, speak, log) == 0 && run_wait(false, conv, log) == 0) {
			unlink(raw);
			return "a spoken message (espeak-ng)";
		}
		unlink(raw);
	}
	return demo_write_chime(wav, 1) ? "a three-note chime (espeak-ng or sox missing)" : NULL;
}

/* ---- preparing the data directory ----------------------------------------------- */

static const char *const port_what[] = {"proxy SIP/TCP", "proxy SIP/TLS", "UM server SIP/TCP",
                                        "UM server SIP/TLS", "UM web service"};
static const char *const port_opt[] = {"--proxy-tcp-port", "--proxy-tls-port", "--um-tcp-port",
                                       "--um-tls-port", "--web-port"};

static bool make_certs(demo *d)
{
	char err[512] = "", probe[DEMO_PATH_CAP];
	if (!demo_path_fmt(probe, "%s/%s", d->certs, "server.pem"))
		return false;
	if (!exists(probe)) {
		/* the UM server's certificate; its client certificate is unused */
		const char *sn[] = {UM_NAME};
		net_certs_opts o = {.server_names = sn, .nserver_names = 1};
		if (net_certs_make(d->certs, &o, err, sizeof(err))) {
			fprintf(stderr, "openum demo: certificates: %s\n", err);
			return false;
		}
	}
	if (!demo_path_fmt(probe, "%s/%s", d->pcerts, "server.pem"))
		return false;
	if (!exists(probe)) {
		/* The proxy presents one certificate as TLS server and as client of the UM
		 * server (serverAuth and clientAuth): it carries PROXY_NAME. */
		const char *sn[] = {PROXY_NAME};
		net_certs_opts o = {.server_names = sn, .nserver_names = 1, .ca_dir = d->certs};
		if (net_certs_make(d->pcerts, &o, err, sizeof(err))) {
			fprintf(stderr, "openum demo: certificates: %s\n", err);
			return false;
		}
	}
	return true;
}

static bool setup_step(demo *d, const char *what, char **argv)
{
	int rc = run_wait(true, argv, d->log);
	if (rc != 0) {
		fprintf(stderr, "openum demo: %s failed (exit %d); see %s\n", what, rc, d->log);
		return false;
	}
	return true;
}

static bool make_users(demo *d)
{
	const char *why = NULL;
	store_users *u = NULL;
	store *s = NULL;
	bool ok = false;
	char addr[128], wav[DEMO_PATH_CAP];
	if (store_users_open(d->db, NULL, &u, &why)) {
		fprintf(stderr, "openum demo: cannot open %s: %s\n", d->db, why ? why : "?");
		return false;
	}
	for (size_t i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++) {
		const demo_user *du = &demo_users[i];
		snprintf(addr, sizeof(addr), "sip:%s@" DEMO_DOMAIN, du->name);
		store_user su;
		memset(&su, 0, sizeof(su));
		bool have = store_user_get(u, addr, &su, &why) == 0;
		/* passwd on a reused directory, so the password printed is the one that works */
		char *add[] = {"openum",
		               "user",
		               "--db",
		               d->db,
		               have ? "passwd" : "add",
		               addr,
		               "--password",
		               (char *)du->password,
		               "--no-answer",
		               (char *)(d->no_answer_s ? d->no_answer_s : DEMO_NO_ANSWER_S),
		               "--busy",
		               "on",
		               "--unregistered",
		               "on",
		               NULL};
		if (have)
			add[8] = NULL;
		if (!setup_step(d, have ? "openum user passwd" : "openum user add", add))
			goto out;
	}
	if (store_open(d->db, NULL, &s, &why)) {
		fprintf(stderr, "openum demo: cannot open %s: %s\n", d->db, why ? why : "?");
		goto out;
	}
	for (size_t i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++) {
		const demo_user *du = &demo_users[i];
		snprintf(addr, sizeof(addr), "sip:%s@" DEMO_DOMAIN, du->name);
		store_mailbox mb;
		if (store_mailbox_get_by_address(s, addr, &mb, &why) == 0)
			continue; /* kept with its PIN, unless someone changed it */
		char *add[] = {
		    "openum", "mailbox",        "--db",  d->db,           "add",   addr,
		    "--name", (char *)du->full, "--ext", (char *)du->ext, "--pin", (char *)du->pin,
		    NULL};
		if (!setup_step(d, "openum mailbox add", add))
			goto out;
	}
	store_mailbox mb;
	unsigned nnew = 0, nsaved = 0;
	if (store_mailbox_get_by_address(s, "sip:alice@" DEMO_DOMAIN, &mb, &why) ||
	    store_msg_count(s, mb.id, &nnew, &nsaved, &why)) {
		fprintf(stderr, "openum demo: alice's mailbox: %s\n", why ? why : "?");
		goto out;
	}
	if (nnew + nsaved == 0 && !d->no_message) {
		if (!demo_path_fmt(wav, "%s/%s", d->dir, "message.wav"))
			goto out;
		const char *kind = make_message(d->dir, wav);
		if (!kind) {
			fprintf(stderr, "openum demo: cannot write %s\n", wav);
			goto out;
		}
		/* named arrays, not "sip:alice@" DEMO_DOMAIN in the list: a concatenated
		 * literal in an initializer list reads as a missing comma */
		char alice[] = "sip:alice@" DEMO_DOMAIN, bob[] = "sip:bob@" DEMO_DOMAIN;
		char *imp[] = {"openum", "mailbox", "--db",     d->db, "import",
		               alice,    wav,       "--caller", bob,   NULL};
		if (!setup_step(d, "openum mailbox import", imp))
			goto out;
		if (!d->quiet)
			printf("Left %s from bob in alice's mailbox.\n", kind);
	}
	ok = true;
out:
	store_close(s);
	store_users_close(u);
	return ok;
}

/* ---- ports ------------------------------------------------------------------------ */

static bool port_free(unsigned port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true; /* let the server say what is wrong */
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 || errno != EADDRINUSE;
	close(fd);
	return ok;
}

static bool port_answers(unsigned port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* Five ports the system picks (bound together, so they differ), free right now. */
static bool free_ports(unsigned port[DEMO_NPORTS])
{
	int fd[DEMO_NPORTS];
	bool ok = true;
	for (int i = 0; i < DEMO_NPORTS; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		socklen_t len = sizeof(a);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd[i] < 0 || bind(fd[i], (struct sockaddr *)&a, sizeof(a)) != 0 ||
		    getsockname(fd[i], (struct sockaddr *)&a, &len) != 0) {
			fprintf(stderr, "openum demo: cannot find free ports: %s\n",
			        strerror(errno));
			ok = false;
		} else {
			port[i] = ntohs(a.sin_port);
		}
	}
	for (int i = 0; i < DEMO_NPORTS; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return ok;
}

/* ---- the children ------------------------------------------------------------------ */

volatile sig_atomic_t demo_stop_sig;

static void on_signal(int sig)
{
	demo_stop_sig = sig;
}

void demo_catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

pid_t demo_start_child(demo_child *c, char *const *argv)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* Out of the terminal's process group: Ctrl-C reaches only the demo, which
		 * stops each server with one SIGTERM (a second signal may cut a shutdown). */
		setpgid(0, 0);
		/* the demo killed with SIGKILL must not leave servers behind */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		int in = open("/dev/null", O_RDONLY);
		int out = open(c->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	c->pid = pid;
	return pid;
}

void demo_describe_exit(const demo_child *c, int st)
{
	if (WIFEXITED(st))
		fprintf(stderr, "openum demo: %s (pid %d) exited with status %d; see %s\n", c->what,
		        (int)c->pid, WEXITSTATUS(st), c->log);
	else
		fprintf(stderr, "openum demo: %s (pid %d) was killed by signal %d; see %s\n",
		        c->what, (int)c->pid, WTERMSIG(st), c->log);
}

void demo_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Polls the children without blocking; returns the index of one that ended (its
 * status in *st, its pid cleared), or -1. */
int demo_reap(demo_child *kids, int n, int *st)
{
	for (int i = 0; i < n; i++) {
		if (kids[i].pid <= 0)
			continue;
		pid_t p = waitpid(kids[i].pid, st, WNOHANG);
		if (p == kids[i].pid || (p < 0 && errno == ECHILD)) {
			if (p < 0)
				*st = 0;
			return i;
		}
	}
	return -1;
}

/* SIGTERM to each child still running, then wait; SIGKILL after STOP_WAIT_MS.
 * Returns true when every child ended with status 0. */
bool demo_stop_children(demo_child *kids, int n)
{
	bool clean = true;
	for (int i = 0; i < n; i++)
		if (kids[i].pid > 0)
			kill(kids[i].pid, SIGTERM);
	for (int waited = 0;; waited += 50) {
		int st, i;
		while ((i = demo_reap(kids, n, &st)) >= 0) {
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				demo_describe_exit(&kids[i], st);
				clean = false;
			}
			kids[i].pid = 0;
		}
		bool left = false;
		for (i = 0; i < n; i++)
			left |= kids[i].pid > 0;
		if (!left)
			return clean;
		if (waited >= STOP_WAIT_MS) {
			for (i = 0; i < n; i++)
				if (kids[i].pid > 0) {
					fprintf(stderr,
					        "openum demo: %s (pid %d) did not stop; killed\n",
					        kids[i].what, (int)kids[i].pid);
					kill(kids[i].pid, SIGKILL);
					waitpid(kids[i].pid, NULL, 0);
					kids[i].pid = 0;
				}
			return false;
		}
		demo_sleep_ms(50);
	}
}

/* ---- preparing and starting (shared with demo_story.c) --------------------------- */

bool demo_prepare(demo *d)
{
	if (!demo_path_fmt(d->certs, "%s/%s", d->dir, "certs") ||
	    !demo_path_fmt(d->pcerts, "%s/%s", d->dir, "certs/proxy") ||
	    !demo_path_fmt(d->db, "%s/%s", d->dir, "openum.db") ||
	    !demo_path_fmt(d->log, "%s/%s", d->dir, "setup.log") ||
	    !demo_path_fmt(d->ca, "%s/%s", d->certs, "ca.pem"))
		return false;
	return make_certs(d) && make_users(d);
}

int demo_servers_start(demo *d, demo_child kids[2])
{
	char ucert[DEMO_PATH_CAP], ukey[DEMO_PATH_CAP], pcert[DEMO_PATH_CAP], pkey[DEMO_PATH_CAP];
	char ps[DEMO_NPORTS][16], utcp[32], utls[32], web[32], outb[32];
	memset(kids, 0, 2 * sizeof(*kids));
	kids[0].what = "openum um";
	kids[1].what = "openum proxy";
	if (!demo_path_fmt(ucert, "%s/%s", d->certs, "server.pem") ||
	    !demo_path_fmt(ukey, "%s/%s", d->certs, "server.key") ||
	    !demo_path_fmt(pcert, "%s/%s", d->pcerts, "server.pem") ||
	    !demo_path_fmt(pkey, "%s/%s", d->pcerts, "server.key") ||
	    !demo_path_fmt(kids[0].log, "%s/%s", d->dir, "um.log") ||
	    !demo_path_fmt(kids[1].log, "%s/%s", d->dir, "proxy.log"))
		return CLI_EXIT_FAIL;
	for (int i = 0; i < DEMO_NPORTS; i++)
		snprintf(ps[i], sizeof(ps[i]), "%u", d->port[i]);
	snprintf(utcp, sizeof(utcp), "127.0.0.1:%u", d->port[DEMO_P_UTCP]);
	snprintf(utls, sizeof(utls), "127.0.0.1:%u", d->port[DEMO_P_UTLS]);
	snprintf(web, sizeof(web), "127.0.0.1:%u", d->port[DEMO_P_WEB]);
	snprintf(outb, sizeof(outb), "127.0.0.1:%u", d->port[DEMO_P_PTLS]);

	char *proxy_argv[] = {"openum",         "proxy",         "--domain",    DEMO_DOMAIN,
	                      "--db",           d->db,           "--listen",    "127.0.0.1",
	                      "--tcp-port",     ps[DEMO_P_PTCP], "--tls-port",  ps[DEMO_P_PTLS],
	                      "--cert",         pcert,           "--key",       pkey,
	                      "--ca",           d->ca,           "--um-server", utls,
	                      "--trusted-peer", UM_NAME,         NULL};
	char *um_argv[] = {"openum",
	                   "um",
	                   "--db",
	                   d->db,
	                   "--domain",
	                   DEMO_DOMAIN,
	                   "--listen-tcp",
	                   utcp,
	                   "--listen-tls",
	                   utls,
	                   "--cert",
	                   ucert,
	                   "--key",
	                   ukey,
	                   "--ca",
	                   d->ca,
	                   "--trusted-peer",
	                   PROXY_NAME,
	                   "--web",
	                   web,
	                   "--outbound",
	                   outb,
	                   NULL};

	if (demo_start_child(&kids[0], um_argv) < 0 || demo_start_child(&kids[1], proxy_argv) < 0) {
		fprintf(stderr, "openum demo: cannot start a server: %s\n", strerror(errno));
		demo_stop_children(kids, 2);
		return CLI_EXIT_FAIL;
	}
	printf("Started openum um (pid %d) and openum proxy (pid %d).\n", (int)kids[0].pid,
	       (int)kids[1].pid);
	fflush(stdout);

	for (int waited = 0; !demo_stop_sig; waited += 100) {
		int st;
		int dead = demo_reap(kids, 2, &st);
		if (dead >= 0) {
			demo_describe_exit(&kids[dead], st);
			kids[dead].pid = 0;
			demo_stop_children(kids, 2);
			return CLI_EXIT_FAIL;
		}
		bool ready = true;
		for (int i = 0; i < DEMO_NPORTS && ready; i++)
			ready = port_answers(d->port[i]);
		if (ready)
			return 0;
		if (waited >= READY_WAIT_MS) {
			fprintf(stderr,
			        "openum demo: the servers did not open their ports within "
			        "%d s; see %s/um.log and %s/proxy.log\n",
			        READY_WAIT_MS / 1000, d->dir, d->dir);
			demo_stop_children(kids, 2);
			return CLI_EXIT_FAIL;
		}
		demo_sleep_ms(100);
	}
	return 0; /* interrupted: the caller sees demo_stop_sig */
}

static void print_next(const demo *d, const char *ca)
{
	printf("\nopenum demo is ready (server logs: %s/proxy.log, %s/um.log).\n\n", d->dir,
	       d->dir);
	printf("Users (domain " DEMO_DOMAIN ", in %s):\n", d->db);
	for (size_t i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++)
		printf("  sip:%s@" DEMO_DOMAIN "  password %s  voicemail PIN %s\n",
		       demo_users[i].name, demo_users[i].password, demo_users[i].pin);
	printf("\nWeb service (HTTPS with the demo certificate; open it in a browser and accept\n"
	       "the certificate, or trust %s):\n"
	       "  https://127.0.0.1:%u/   logon: alice@" DEMO_DOMAIN " with PIN %s\n"
	       "  curl --cacert %s -H 'Content-Type: application/json' \\\n"
	       "      -d '{\"address\":\"alice@" DEMO_DOMAIN "\",\"pin\":\"%s\"}' "
	       "https://127.0.0.1:%u/api/v1/session\n",
	       ca, d->port[DEMO_P_WEB], demo_users[0].pin, ca, demo_users[0].pin,
	       d->port[DEMO_P_WEB]);
	printf("\nPhones (in other terminals):\n"
	       "  alice hears her message, no PIN asked (skip-pin over TLS):\n"
	       "    openum phone --user sip:alice@" DEMO_DOMAIN " --password %s \\\n"
	       "        --proxy 127.0.0.1:%u --ca %s voicemail\n"
	       "  the same over TCP: the UM server asks for her PIN (%s):\n"
	       "    openum phone --user sip:alice@" DEMO_DOMAIN " --password %s \\\n"
	       "        --proxy 127.0.0.1:%u --tcp voicemail\n"
	       "  bob calls alice; with no phone of alice registered, bob reaches her voicemail:\n"
	       "    openum phone --user sip:bob@" DEMO_DOMAIN " --password %s \\\n"
	       "        --proxy 127.0.0.1:%u --ca %s call sip:alice@" DEMO_DOMAIN "\n"
	       "  Play on phone: register alice (`openum phone ... listen`), then press Play on\n"
	       "  phone in the web page: her phone rings (From == To, private-no-diversion).\n"
	       "Any SIP phone works as well (e.g. baresip): account sip:alice@" DEMO_DOMAIN
	       ", outbound\n"
	       "proxy 127.0.0.1:%u over TCP or 127.0.0.1:%u over TLS with CA %s.\n",
	       demo_users[0].password, d->port[DEMO_P_PTLS], ca, demo_users[0].pin,
	       demo_users[0].password, d->port[DEMO_P_PTCP], demo_users[1].password,
	       d->port[DEMO_P_PTLS], ca, d->port[DEMO_P_PTCP], d->port[DEMO_P_PTLS], ca);
	printf("\nStop with Ctrl-C. Run `openum demo` again to reuse %s; remove it to start "
	       "afresh.\n",
	       d->dir);
	fflush(stdout);
}

/* ---- the command ----------------------------------------------------------------- */

static bool parse_port(const char *opt, const char *v, unsigned min, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long p = strtoul(v, &end, 10);
	if (errno || *end || end == v || p < min || p > 65535) {
		fprintf(stderr, "openum demo: %s wants a port from %u to 65535, not '%s'\n", opt,
		        min, v);
		return false;
	}
	*out = (unsigned)p;
	return true;
}

static int run(int argc, char **argv)
{
	demo d = {
	    .port = {NET_DEFAULT_TCP_PORT, NET_DEFAULT_TLS_PORT, 5062, 5063, WEB_DEFAULT_PORT}};
	const char *dir = NULL, *data_dir = EXAMPLES_DIR;
	bool want_examples = false, want_script = false, ports_given = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		int k = 0;
		while (k < 5 && strcmp(a, port_opt[k]) != 0)
			k++;
		if (strcmp(a, "--examples") == 0 || strcmp(a, "--script") == 0) {
			*(a[2] == 'e' ? &want_examples : &want_script) = true;
			continue;
		}
		if (strcmp(a, "--keep") == 0) {
			d.keep = true;
			continue;
		}
		if (k == 5 && strcmp(a, "--dir") != 0 && strcmp(a, "--data-dir") != 0 &&
		    strcmp(a, "--port-base") != 0)
			return cli_bad_option("demo", a);
		if (!has_val) {
			fprintf(stderr, "openum demo: %s needs a value (see openum demo --help)\n",
			        a);
			return CLI_EXIT_USAGE;
		}
		const char *v = argv[++i];
		ports_given |= k < 5 || strcmp(a, "--port-base") == 0;
		if (k < 5) {
			if (!parse_port(a, v, 1, &d.port[k]))
				return CLI_EXIT_USAGE;
		} else if (strcmp(a, "--dir") == 0) {
			dir = v;
		} else if (strcmp(a, "--data-dir") == 0) {
			data_dir = v;
		} else {
			unsigned base = 0;
			if (!parse_port(a, v, 1, &base))
				return CLI_EXIT_USAGE;
			if (base > 65535 - 4) {
				fprintf(stderr, "openum demo: --port-base at most %d\n", 65535 - 4);
				return CLI_EXIT_USAGE;
			}
			for (int j = 0; j < 5; j++)
				d.port[j] = base + (unsigned)j;
		}
	}
	if (want_examples)
		return examples(data_dir);
	if (d.keep && !want_script) {
		fprintf(stderr, "openum demo: --keep goes with --script\n");
		return CLI_EXIT_USAGE;
	}
	if (want_script && dir) {
		fprintf(stderr, "openum demo: --script runs in a temporary directory of its own; "
		                "drop --dir\n");
		return CLI_EXIT_USAGE;
	}
	if (want_script && !ports_given && !free_ports(d.port))
		return CLI_EXIT_FAIL;

	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			if (d.port[i] == d.port[j]) {
				fprintf(stderr, "openum demo: %s and %s are both port %u\n",
				        port_what[i], port_what[j], d.port[i]);
				return CLI_EXIT_USAGE;
			}
	bool busy = false;
	for (int i = 0; i < 5; i++)
		if (!port_free(d.port[i])) {
			fprintf(stderr,
			        "openum demo: port %u (%s) is busy on 127.0.0.1: another program "
			        "(an earlier demo?) uses it\n",
			        d.port[i], port_what[i]);
			busy = true;
		}
	if (busy) {
		fprintf(stderr, "openum demo: choose free ports with --port-base N (N..N+4) or "
		                "--proxy-tcp-port, --proxy-tls-port, --um-tcp-port, "
		                "--um-tls-port, --web-port\n");
		return CLI_EXIT_FAIL;
	}

	if (want_script) {
		const char *tmp = getenv("TMPDIR");
		if (!demo_path_fmt(d.dir, "%s/%s", tmp && *tmp ? tmp : "/tmp",
		                   "openum-demo-script.XXXXXX"))
			return CLI_EXIT_FAIL;
		if (!mkdtemp(d.dir)) {
			fprintf(stderr, "openum demo: cannot create %s: %s\n", d.dir,
			        strerror(errno));
			return CLI_EXIT_FAIL;
		}
		return demo_story_run(&d);
	}
	if (!dir)
		dir = DEMO_DIR;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "openum demo: cannot create %s: %s\n", dir, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	char *abs = realpath(dir, NULL);
	if (!abs) {
		fprintf(stderr, "openum demo: %s: %s\n", dir, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	bool paths_ok = demo_path_fmt(d.dir, "%s%s", abs, "");
	free(abs);
	if (!paths_ok)
		return CLI_EXIT_FAIL;
	printf("openum demo: data in %s\n", d.dir);
	fflush(stdout);
	if (!demo_prepare(&d))
		return CLI_EXIT_FAIL;

	demo_catch_signals();
	demo_child kids[2];
	if (demo_servers_start(&d, kids))
		return CLI_EXIT_FAIL;
	if (!demo_stop_sig)
		print_next(&d, d.ca);
	while (!demo_stop_sig) {
		int st;
		int dead = demo_reap(kids, 2, &st);
		if (dead >= 0) {
			demo_describe_exit(&kids[dead], st);
			kids[dead].pid = 0;
			demo_stop_children(kids, 2);
			return CLI_EXIT_FAIL;
		}
		demo_sleep_ms(100);
	}
	printf("\nopenum demo: stopping (signal %d)...\n", (int)demo_stop_sig);
	fflush(stdout);
	if (!demo_stop_children(kids, 2))
		return CLI_EXIT_FAIL;
	printf("openum demo: stopped.\n");
	return CLI_EXIT_OK;
}

const cli_cmd cli_cmd_demo = {
    .name = "demo",
    .summary = "run the proxy and the UM server on loopback with demo users",
    .run = run,
    .usage = usage,
};
