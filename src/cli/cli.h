/* cli: the command-line shell of openum. main.c holds the subcommand table; each
 * cmd_*.c file holds one subcommand's usage text and entry point. Exit codes: 0 done,
 * 1 the input was bad or a check failed, 2 usage error or subcommand not built yet. */
#ifndef OPENUM_CLI_H
#define OPENUM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <uv.h>

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,  /* bad input, failed check, I/O error */
	CLI_EXIT_USAGE = 2, /* bad command line, or a subcommand that is not built yet */
};

/* One subcommand. run() receives argv with argv[0] = the subcommand name; main() has
 * already answered --help/-h, so run() never sees them. A subcommand that is not built
 * yet has run == NULL and its usage says what is planned. */
typedef struct cli_cmd {
	const char *name;
	const char *summary; /* one line for `openum --help` */
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *out);
} cli_cmd;

extern const cli_cmd cli_cmd_um, cli_cmd_proxy, cli_cmd_phone, cli_cmd_mailbox, cli_cmd_demo,
    cli_cmd_check_trace, cli_cmd_certs, cli_cmd_user, cli_cmd_parse, cli_cmd_version;

/* The stderr line and exit code of a subcommand that does not exist yet. */
int cli_not_built(const char *name);
/* "openum NAME: unknown option 'OPT' (see openum NAME --help)" on stderr; returns 2. */
int cli_bad_option(const char *name, const char *opt);

/* What happened to the files given to cli_parse_files. */
typedef struct cli_parse_stats {
	unsigned good;       /* parsed, MS-OCEXUM headers well-formed, sip_msg_check passed */
	unsigned rejected;   /* parsed, but a check failed (a server would answer 400) */
	unsigned unparsed;   /* sip_msg_parse failed (or over SIP_MAX_MSG) */
	unsigned unreadable; /* could not be opened or read */
} cli_parse_stats;

/* Parses each file ("-" is stdin) as one SIP message and prints what openum sees in
 * it: start line, headers by canonical name, the MS-OCEXUM facts, the check verdict.
 * Returns 0 when every message was good, else 1; stats (may be NULL) gets the counts. */
int cli_parse_files(int nfiles, const char *const *files, bool show_body, cli_parse_stats *stats);

/* Helpers the server subcommands share (cli/util.c). */
/* A decimal number in 0..max (the whole string): true and *out, or false. */
bool cli_num(const char *s, unsigned max, unsigned *out);
/* "IP:PORT" or "[IPv6]:PORT" into ip (brackets dropped) and port. */
bool cli_hostport(const char *v, char *ip, size_t cap, uint16_t *port);
/* A uv_signal callback that stops the loop (SIGINT/SIGTERM of a server). */
void cli_stop_loop_on_signal(uv_signal_t *h, int signum);
/* A uv_walk callback that closes every handle not yet closing (shutdown). */
void cli_close_walk(uv_handle_t *h, void *arg);
/* Reads one line from standard input, without echo when it is a terminal (the
 * prompt goes to standard error); the line end is removed. False at end of input. */
bool cli_read_secret(const char *prompt, char *buf, size_t cap);

#endif
