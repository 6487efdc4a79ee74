/* openum version: the same line as `openum --version`, for scripts that prefer a
 * subcommand. */
#include "base/base.h"
#include "cli.h"

static void usage(FILE *out)
{
	fputs("usage: openum version\n"
	      "\n"
	      "Prints \"openum VERSION\" on one line (the same as openum --version).\n",
	      out);
}

static int run(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == '-')
		return cli_bad_option("version", argv[1]);
	if (argc > 1) {
		fprintf(stderr, "openum version: takes no arguments\n");
		return CLI_EXIT_USAGE;
	}
	printf("openum %s\n", OPENUM_VERSION);
	return CLI_EXIT_OK;
}

const cli_cmd cli_cmd_version = {
    .name = "version",
    .summary = "print the version",
    .run = run,
    .usage = usage,
};
