/* `--config FILE` of the server subcommands (um, proxy): the file's [section] becomes
 * option/value pairs (conf/conf.h) placed before the command line, so that the
 * subcommand parses both with one loop and the command line wins. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli.h"

int cli_conf_merge(const char *cmd, int argc, char **argv, const conf_key *keys, size_t nkeys,
                   cli_conf *out)
{
	memset(out, 0, sizeof(*out));
	int at = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") != 0)
			continue;
		if (at) {
			fprintf(stderr, "openum %s: --config given twice (see openum %s --help)\n",
			        cmd, cmd);
			return CLI_EXIT_USAGE;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "openum %s: --config needs a FILE (see openum %s --help)\n",
			        cmd, cmd);
			return CLI_EXIT_USAGE;
		}
		at = i;
		out->path = argv[++i];
	}
	if (out->path) {
		char err[CONF_ERR_MAX];
		if (conf_load(out->path, cmd, keys, nkeys, &out->file, err) != 0) {
			fprintf(stderr, "openum %s: %s: %s\n", cmd, out->path, err);
			return CLI_EXIT_FAIL;
		}
	}
	out->argv = calloc((size_t)argc + (size_t)out->file.argc + 1, sizeof(char *));
	if (!out->argv) {
		conf_args_free(&out->file);
		fprintf(stderr, "openum %s: out of memory\n", cmd);
		return CLI_EXIT_FAIL;
	}
	out->argv[out->argc++] = argv[0];
	for (int i = 0; i < out->file.argc; i++)
		out->argv[out->argc++] = out->file.argv[i];
	out->nfile = out->argc;
	for (int i = 1; i < argc; i++) {
		if (at && (i == at || i == at + 1))
			continue;
		out->argv[out->argc++] = argv[i];
	}
	return CLI_EXIT_OK;
}

const char *cli_conf_where(const cli_conf *c, int i)
{
	static char where[600];
	if (!c->path || i < 1 || i >= c->nfile)
		return "";
	snprintf(where, sizeof(where), "%s line %u: ", c->path, c->file.line[i - 1]);
	return where;
}

void cli_conf_free(cli_conf *c)
{
	free(c->argv);
	conf_args_free(&c->file);
	memset(c, 0, sizeof(*c));
}

int cli_conf_run(const char *cmd, int argc, char **argv, const conf_key *keys, size_t nkeys,
                 cli_conf_run_fn fn)
{
	cli_conf cf;
	int rc = cli_conf_merge(cmd, argc, argv, keys, nkeys, &cf);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = fn(cf.argc, cf.argv, cf.nfile, &cf);
	cli_conf_free(&cf);
	return rc;
}
