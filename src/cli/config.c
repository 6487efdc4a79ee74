/* `--config FILE` of the server subcommands (um, proxy): the file's [section] becomes
 * option/value pairs (conf/conf.h) placed before the command line, so that the
 * subcommand parses both with one loop and the command line wins. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli.h"

/* The merge; err (NULL: print to stderr) gets the message instead when given. */
static int merge(const char *cmd, int argc, char **argv, const conf_key *keys, size_t nkeys,
                 cli_conf *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->orig_argc = argc;
	out->orig_argv = argv;
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
		char cerr[CONF_ERR_MAX];
		if (conf_load(out->path, cmd, keys, nkeys, &out->file, cerr) != 0) {
			if (err)
				snprintf(err, errlen, "%s: %s", out->path, cerr);
			else
				fprintf(stderr, "openum %s: %s: %s\n", cmd, out->path, cerr);
			return CLI_EXIT_FAIL;
		}
	}
	out->argv = calloc((size_t)argc + (size_t)out->file.argc + 1, sizeof(char *));
	if (!out->argv) {
		conf_args_free(&out->file);
		if (err)
			snprintf(err, errlen, "out of memory");
		else
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

int cli_conf_merge(const char *cmd, int argc, char **argv, const conf_key *keys, size_t nkeys,
                   cli_conf *out)
{
	return merge(cmd, argc, argv, keys, nkeys, out, NULL, 0);
}

int cli_conf_reread(const char *cmd, const cli_conf *old, const conf_key *keys, size_t nkeys,
                    cli_conf *out, char *err, size_t errlen)
{
	return merge(cmd, old->orig_argc, old->orig_argv, keys, nkeys, out, err, errlen);
}

/* The value a key has in c, as one string: the last value of a single option ("1"
 * for a flag that is there), every value of a repeatable one, those of the command
 * line replacing the file's (as the subcommands parse them). */
static void key_value(const cli_conf *c, const conf_key *k, ou_buf *out)
{
	char opt[64];
	snprintf(opt, sizeof(opt), "--%s", k->name);
	bool cl = false; /* a repeatable option seen on the command line */
	for (int i = 1; i < c->argc; i++) {
		if (strcmp(c->argv[i], opt) != 0)
			continue;
		if (k->repeat && i >= c->nfile && !cl) {
			cl = true;
			ou_buf_reset(out);
		}
		if (!k->repeat)
			ou_buf_reset(out);
		const char *v = k->flag ? "1" : (i + 1 < c->argc ? c->argv[i + 1] : "");
		ou_buf_append_cstr(out, v);
		ou_buf_append(out, "", 1);
	}
}

bool cli_conf_changed(const cli_conf *a, const cli_conf *b, const conf_key *k)
{
	ou_buf va, vb;
	ou_buf_init(&va);
	ou_buf_init(&vb);
	key_value(a, k, &va);
	key_value(b, k, &vb);
	bool changed = va.len != vb.len || (va.len && memcmp(va.data, vb.data, va.len) != 0);
	ou_buf_free(&va);
	ou_buf_free(&vb);
	return changed;
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
