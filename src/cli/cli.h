/* cli: the command-line shell of openum. main.c holds the subcommand table; each
 * cmd_*.c file holds one subcommand's usage text and entry point (`openum demo`
 * also has demo_story.c, its --script story, sharing demo_int.h with cmd_demo.c). Exit codes: 0
 * done, 1 the input was bad or a check failed, 2 usage error or subcommand not built yet. */
#ifndef OPENUM_CLI_H
#define OPENUM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <uv.h>

#include "base/base.h"
#include "conf/conf.h"
#include "mail/mail.h"
#include "net/net.h"

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
    cli_cmd_check_trace, cli_cmd_certs, cli_cmd_user, cli_cmd_parse, cli_cmd_version,
    cli_cmd_transcribe;

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

/* The option parser of the store subcommands (cli/args.c). */
typedef struct cli_opt {
	const char *name; /* "--db" */
	bool value;       /* takes a value: "--db FILE" or "--db=FILE"; else a flag */
} cli_opt;
enum { CLI_ARGS_MAXOPT = 32, CLI_ARGS_MAXPOS = 5 };
typedef struct cli_args {
	const char *val[CLI_ARGS_MAXOPT]; /* option k's value (last one given); NULL: none */
	unsigned seen;                    /* bit k: option k was given */
	int npos;
	const char *pos[CLI_ARGS_MAXPOS]; /* the other words, in order ("--" ends options) */
} cli_args;
/* Parses argv[1..argc) with opts (at most CLI_ARGS_MAXOPT) into *out (zeroed by the
 * caller). Returns CLI_EXIT_OK, or CLI_EXIT_USAGE after printing "openum CMD: ..."
 * (unknown option, a value missing or not wanted, more than maxpos words; maxpos is
 * at most CLI_ARGS_MAXPOS). The strings point into argv. */
int cli_args_parse(int argc, char **argv, const char *cmd, const cli_opt *opts, size_t nopts,
                   int maxpos, cli_args *out);

/* Helpers the server subcommands share (cli/util.c). */
/* A decimal number in 0..max (the whole string): true and *out, or false. */
bool cli_num(const char *s, unsigned max, unsigned *out);
/* "IP:PORT" or "[IPv6]:PORT" into ip (brackets dropped) and port. */
bool cli_hostport(const char *v, char *ip, size_t cap, uint16_t *port);
/* A uv_walk callback that closes every handle not yet closing (shutdown). */
void cli_close_walk(uv_handle_t *h, void *arg);
/* --cert, --key and --ca loaded as the server will (net_tls_check): true, or false
 * with "--cert FILE: why" in err. */
bool cli_tls_files_ok(const net_config *nc, char *err, size_t errlen);
/* Reads one line from standard input, without echo when it is a terminal (the
 * prompt goes to standard error); the line end is removed. False at end of input. */
bool cli_read_secret(const char *prompt, char *buf, size_t cap);

/* The operations options um and proxy share (cli/util.c): --quiet, --log-level,
 * --log, --syslog-facility, --syslog-socket and --metrics, parsed with one state
 * and one set of messages. Strings point into the argv parsed (not copied). */
typedef struct cli_ops {
	ou_log_level level; /* --log-level (default info); --quiet is error */
	bool quiet;
	bool syslog;               /* --log syslog (default stderr) */
	int facility;              /* --syslog-facility, as LOG_DAEMON */
	const char *syslog_socket; /* --syslog-socket; NULL: /dev/log */
	bool metrics_on;           /* --metrics IP:PORT given */
	char metrics_ip[64];
	uint16_t metrics_port;
} cli_ops;
void cli_ops_init(cli_ops *o);
/* 0: opt is not one of these options; 1: a flag (no value); 2: it takes a value. */
int cli_ops_takes(const char *opt);
/* Applies opt (v: its value, NULL for a flag): true, or false with *msg, the error
 * to print followed by v ("--log-level needs error, warn, info or debug:"). */
bool cli_ops_set(cli_ops *o, const char *opt, const char *v, const char **msg);
/* argv[*i] as one of these options, with its value (then *i moves past it): 1 taken;
 * 0 not one of these; -1 a missing or bad value: print *msg followed by *arg. */
int cli_ops_take(cli_ops *o, int argc, char **argv, int *i, const char **msg, const char **arg);
/* Sets the log level and sink (ident "openum-ROLE" for syslog): 0, or an error with
 * *why (the syslog socket cannot be reached; the sink is then unchanged). */
int cli_ops_apply_log(const cli_ops *o, const char *role, const char **why);

/* `--config FILE` (cli/config.c). The [cmd] section of FILE (conf/conf.h; keys are
 * the options of `keys`) becomes option/value pairs in argv[1..nfile), followed by the
 * command line without "--config FILE": parse argv[1..argc) with one loop and the
 * command line overrides the file (a repeatable option given on the command line
 * should replace the file's list: see i >= nfile). Returns CLI_EXIT_OK, or the exit
 * code after printing the error (with the file's line number). */
typedef struct cli_conf {
	conf_args file;
	const char *path; /* NULL: no --config */
	char **argv;      /* argv[0], the file's pairs, the command line */
	int argc;
	int nfile;     /* argv[1..nfile) come from the file */
	int orig_argc; /* the command line merged (for cli_conf_reread) */
	char **orig_argv;
} cli_conf;
int cli_conf_merge(const char *cmd, int argc, char **argv, const conf_key *keys, size_t nkeys,
                   cli_conf *out);
/* SIGHUP: merges old's command line with its --config file read again. Like
 * cli_conf_merge, but the error goes into err instead of standard error. */
int cli_conf_reread(const char *cmd, const cli_conf *old, const conf_key *keys, size_t nkeys,
                    cli_conf *out, char *err, size_t errlen);
/* Whether key k has another value (or values) in b than in a. A value written "--x"
 * by mistake as another option's value is compared as text too: it only matters that
 * the two agree. */
bool cli_conf_changed(const cli_conf *a, const cli_conf *b, const conf_key *k);
/* "FILE line N: " when argv[i] came from the file, else "" (a static buffer). */
const char *cli_conf_where(const cli_conf *c, int i);
void cli_conf_free(cli_conf *c);
/* cli_conf_merge, then fn on the merged argv, then cli_conf_free: a subcommand's run. */
typedef int (*cli_conf_run_fn)(int argc, char **argv, int nfile, const cli_conf *cf);
int cli_conf_run(const char *cmd, int argc, char **argv, const conf_key *keys, size_t nkeys,
                 cli_conf_run_fn fn);

/* um_mail.c: openum um's e-mail options (--smtp-*, --email-*; docs/email.md). */
typedef struct cli_um_mail {
	mail_cfg cfg;
	bool on; /* --smtp-url given and complete (cli_um_mail_finish) */
	const char *password_file;
	char password[256];
	char subject[1024], body[MAIL_TEXT_MAX]; /* templates; "\n" made a line break */
} cli_um_mail;
extern const char cli_um_mail_help[];
bool cli_um_mail_takes_value(const char *opt);
/* 1: the option was one of these (v used when it takes a value); 0: not one of these;
 * -1: a bad value, *err says which (a usage error). */
int cli_um_mail_opt(cli_um_mail *m, const char *opt, const char *v, const char **err);
/* After every option: checks they fit together and reads the password file. */
int cli_um_mail_finish(cli_um_mail *m, const char **err);
void cli_um_mail_free(cli_um_mail *m);
/* The signals of the server subcommands, um and proxy (cli/reload.c): SIGINT and
 * SIGTERM stop the loop; SIGHUP reads the --config file again and calls run (the
 * subcommand's own parse-and-start) on the merged argv while cli_reload_active()
 * returns this reload: run then parses as at start-up, applies the options that may
 * change at run time (log options, TLS files, trusted peers) with
 * cli_reload_apply_live and returns 0, or
 * non-zero with the reason in err and nothing changed. Other keys whose value changed
 * are logged as needing a restart. The start-up cli_conf must outlive the reload
 * (cli_reload_stop before it is freed); the re-read ones are owned here. */
typedef struct cli_reload {
	const char *cmd; /* "um", "proxy": the config section and the log role */
	const conf_key *keys;
	size_t nkeys;
	cli_conf_run_fn run;
	net *net;    /* the running server's transport (its TLS files, trusted peers) */
	cli_ops ops; /* the operations options in force */
	char *err;   /* while run parses a reload: where its error goes */
	size_t errlen;
	/* private */
	const cli_conf *cur; /* the settings in force */
	cli_conf own;
	bool owned;
	uv_signal_t hup, sint, sterm;
} cli_reload;
/* Fill cmd..ops, then start the three signals (from before the server says it is
 * ready, so that a stop is always clean). */
void cli_reload_start(cli_reload *r, uv_loop_t *loop, const cli_conf *cf);
void cli_reload_now(cli_reload *r);
/* The reload whose run is parsing now, or NULL (at start-up). */
cli_reload *cli_reload_active(void);
/* The live part of a reload: the log options, then the net settings (the old log
 * options put back when those fail). 0, or CLI_EXIT_FAIL with the reason in r->err. */
int cli_reload_apply_live(cli_reload *r, const cli_ops *ops, const net_config *nc);
/* Closes the signal handles (the loop must run once more) and frees what it owns. */
void cli_reload_stop(cli_reload *r);
/* A bad option value of subcommand cmd: "WHEREMSG ARG" into the active reload's err,
 * else "openum CMD: WHEREMSG ARG (see openum CMD --help)" on standard error. arg may be
 * NULL. Returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *where, const char *msg, const char *arg);

#endif
