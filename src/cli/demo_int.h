/* What cmd_demo.c (the demo that runs until Ctrl-C) shares with demo_story.c (`openum
 * demo --script`, the six-step story): the demo directory, its users, certificates, and
 * the proxy and UM server run as child processes. Internal to src/cli.
 *
 * Ownership: a demo holds paths by value; a demo_child's pid is owned by whoever
 * started it, and demo_stop_children / demo_reap clear it once the child is reaped. */
#ifndef OPENUM_CLI_DEMO_INT_H
#define OPENUM_CLI_DEMO_INT_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#define DEMO_DOMAIN "openum.test"
#define DEMO_PATH_CAP 4096
#define DEMO_NO_ANSWER_S "20" /* alice's and bob's no-answer timer in `openum demo` */

typedef struct demo_user {
	const char *name, *full, *ext, *password, *pin;
} demo_user;
extern const demo_user demo_users[2]; /* alice, bob */

enum { DEMO_P_PTCP, DEMO_P_PTLS, DEMO_P_UTCP, DEMO_P_UTLS, DEMO_P_WEB, DEMO_NPORTS };

typedef struct demo {
	char dir[DEMO_PATH_CAP], certs[DEMO_PATH_CAP], pcerts[DEMO_PATH_CAP], db[DEMO_PATH_CAP],
	    log[DEMO_PATH_CAP], ca[DEMO_PATH_CAP];
	unsigned port[DEMO_NPORTS]; /* proxy tcp, proxy tls, um tcp, um tls, web */
	const char *no_answer_s;    /* the users' no-answer timer; NULL: DEMO_NO_ANSWER_S */
	bool no_message;            /* do not leave a message for alice (the story records one) */
	bool quiet;                 /* no "Left a message" line */
	bool keep;                  /* --script --keep: leave the directory for its logs */
} demo;

typedef struct demo_child {
	const char *what;
	pid_t pid;
	char log[DEMO_PATH_CAP];
} demo_child;

/* SIGINT/SIGTERM received (the handlers only set it). */
extern volatile sig_atomic_t demo_stop_sig;

/* snprintf(buf, DEMO_PATH_CAP, fmt, a, b); false (with a message) when it does not fit. */
bool demo_path_fmt(char *buf, const char *fmt, const char *a, const char *b);
/* A chime of three notes (C, E, G; 0.5 s each), `times` times: 8 kHz mono PCM16. */
bool demo_write_chime(const char *path, unsigned times);
/* d->dir exists and is absolute: fills the other paths, makes the certificates, the
 * users and mailboxes (and the message unless no_message). Messages on stderr. */
bool demo_prepare(demo *d);
/* Starts `openum um` and `openum proxy` (kids[0], kids[1]) and waits until every port
 * answers. 0, or CLI_EXIT_FAIL with the children stopped and the reason on stderr. */
int demo_servers_start(demo *d, demo_child kids[2]);
/* Runs `openum ARGV...` (argv[0] is "openum") as a child in its own process group, with
 * stdin from /dev/null and stdout/stderr appended to c->log. -1 when fork fails. */
pid_t demo_start_child(demo_child *c, char *const *argv);
/* The index of a child that ended (its status in *st, pid cleared), or -1. */
int demo_reap(demo_child *kids, int n, int *st);
/* SIGTERM to each child still running; SIGKILL after a while. True if all exited 0. */
bool demo_stop_children(demo_child *kids, int n);
void demo_describe_exit(const demo_child *c, int st);
void demo_sleep_ms(long ms);
/* Installs the SIGINT/SIGTERM handlers that set demo_stop_sig. */
void demo_catch_signals(void);

/* `openum demo --script` (demo_story.c): d->dir is a fresh directory that the story
 * owns and removes. Returns the exit status. */
int demo_story_run(demo *d);

#endif
