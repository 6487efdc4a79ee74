/* The option parser of the store subcommands (mailbox, user): "--opt VALUE",
 * "--opt=VALUE" and flags from a table, "--" ends the options, every other word is
 * a positional argument. The server subcommands parse with --config (config.c). */
#include <string.h>

#include "cli.h"

static int usage(const char *cmd, const char *msg, const char *arg)
{
	fprintf(stderr, "openum %s: %s %s (see openum %s --help)\n", cmd, msg, arg, cmd);
	return CLI_EXIT_USAGE;
}

int cli_args_parse(int argc, char **argv, const char *cmd, const cli_opt *opts, size_t nopts,
                   int maxpos, cli_args *out)
{
	bool dashdash = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!dashdash && strcmp(arg, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (!dashdash && arg[0] == '-' && arg[1] != '\0') {
			const char *eq = strchr(arg, '=');
			size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
			size_t k = 0;
			while (k < nopts && !(strlen(opts[k].name) == len &&
			                      strncmp(opts[k].name, arg, len) == 0))
				k++;
			if (k == nopts)
				return cli_bad_option(cmd, arg);
			if (!opts[k].value) {
				if (eq)
					return usage(cmd, "option takes no value:", opts[k].name);
			} else if (eq) {
				out->val[k] = eq + 1;
			} else if (i + 1 < argc) {
				out->val[k] = argv[++i];
			} else {
				return usage(cmd, "option needs a value:", opts[k].name);
			}
			out->seen |= 1u << k;
			continue;
		}
		if (out->npos == maxpos || out->npos == CLI_ARGS_MAXPOS)
			return usage(cmd, "too many arguments:", arg);
		out->pos[out->npos++] = arg;
	}
	return CLI_EXIT_OK;
}
