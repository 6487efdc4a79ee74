/* openum: main() and the subcommand table. main() answers --help, --version and
 * `help SUBCOMMAND` itself, so every subcommand's help works the same way and a
 * subcommand that is not built yet still documents itself truthfully. */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "cli.h"

/* In the order `openum --help` lists them: the three MS-OCEXUM roles first. */
static const cli_cmd *const cmds[] = {
    &cli_cmd_um,          &cli_cmd_proxy,      &cli_cmd_phone,   &cli_cmd_mailbox,
    &cli_cmd_user,        &cli_cmd_certs,      &cli_cmd_demo,    &cli_cmd_parse,
    &cli_cmd_check_trace, &cli_cmd_transcribe, &cli_cmd_version,
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const cli_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i]->name, name) == 0)
			return cmds[i];
	return NULL;
}

static void main_usage(FILE *out)
{
	fprintf(out,
	        "usage: openum SUBCOMMAND [OPTIONS] [ARGS]\n"
	        "       openum help SUBCOMMAND | openum SUBCOMMAND --help\n"
	        "       openum --help | -h | --version\n"
	        "\n"
	        "openum %s: an open Unified Messaging system (SIP voicemail) implementing\n"
	        "Microsoft's MS-OCEXUM extensions (Ms-Exchange-Command: skip-pin,\n"
	        "Ms-Sensitivity: private-no-diversion).\n"
	        "\n"
	        "Subcommands:\n",
	        OPENUM_VERSION);
	bool unbuilt = false;
	for (size_t i = 0; i < NCMDS; i++) {
		fprintf(out, "  %-12s %s%s\n", cmds[i]->name, cmds[i]->summary,
		        cmds[i]->run ? "" : " [not built yet]");
		unbuilt |= !cmds[i]->run;
	}
	fprintf(out, "\n");
	if (unbuilt) /* only when one is: a line about nothing confuses */
		fprintf(out, "A subcommand marked [not built yet] prints a notice and exits 2.\n");
	fprintf(out, "Exit codes: 0 success, 1 bad input or failed check, 2 usage error%s.\n",
	        unbuilt ? " or not built" : "");
}

int cli_not_built(const char *name)
{
	fprintf(stderr, "openum %s: not built yet in this version (see README)\n", name);
	return CLI_EXIT_USAGE;
}

int cli_bad_option(const char *name, const char *opt)
{
	fprintf(stderr, "openum %s: unknown option '%s' (see openum %s --help)\n", name, opt, name);
	return CLI_EXIT_USAGE;
}

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static int help_cmd(int argc, char **argv)
{
	if (argc < 3) {
		main_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 3) {
		fprintf(stderr, "openum help: one subcommand at a time (see openum --help)\n");
		return CLI_EXIT_USAGE;
	}
	const cli_cmd *c = find_cmd(argv[2]);
	if (!c) {
		fprintf(stderr, "openum help: unknown subcommand '%s' (see openum --help)\n",
		        argv[2]);
		return CLI_EXIT_USAGE;
	}
	c->usage(stdout);
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (is_help(sub)) {
		main_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "--version") == 0) {
		printf("openum %s\n", OPENUM_VERSION);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "help") == 0)
		return help_cmd(argc, argv);
	if (sub[0] == '-') {
		fprintf(stderr, "openum: unknown option '%s' (see openum --help)\n", sub);
		return CLI_EXIT_USAGE;
	}
	const cli_cmd *c = find_cmd(sub);
	if (!c) {
		fprintf(stderr, "openum: unknown subcommand '%s' (see openum --help)\n", sub);
		return CLI_EXIT_USAGE;
	}
	/* --help anywhere before "--" wins, so it works even for unbuilt subcommands. */
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (is_help(argv[i])) {
			c->usage(stdout);
			return CLI_EXIT_OK;
		}
	}
	if (!c->run)
		return cli_not_built(c->name);
	return c->run(argc - 1, argv + 1);
}
