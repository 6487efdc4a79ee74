/* The signals of the server subcommands (um, proxy): SIGINT and SIGTERM stop the
 * loop; SIGHUP reads the --config file again, lets the subcommand parse the whole
 * merged command line and apply what may change at run time, and logs every other
 * option whose value changed as needing a restart. A file or value that does not
 * parse changes nothing: the old settings stay. */
#include <signal.h>
#include <string.h>

#include "cli.h"

/* What cli_reload_apply_live applies, for um and proxy alike (the log options, the
 * TLS files and the trusted peers); every other key needs a restart. */
static const char *const live_keys[] = {"quiet",         "log-level", "log", "syslog-facility",
                                        "syslog-socket", "cert",      "key", "ca",
                                        "trusted-peer",  NULL};

static bool is_live(const char *name)
{
	for (const char *const *l = live_keys; *l; l++)
		if (strcmp(*l, name) == 0)
			return true;
	return false;
}

/* Only one server runs in a process: the reload being parsed, for its error path. */
static cli_reload *active;

cli_reload *cli_reload_active(void)
{
	return active;
}

int cli_usage_error(const char *cmd, const char *where, const char *msg, const char *arg)
{
	if (active)
		snprintf(active->err, active->errlen, "%s%s%s%s", where, msg, arg ? " " : "",
		         arg ? arg : "");
	else
		fprintf(stderr, "openum %s: %s%s%s%s (see openum %s --help)\n", cmd, where, msg,
		        arg ? " " : "", arg ? arg : "", cmd);
	return CLI_EXIT_USAGE;
}

int cli_reload_apply_live(cli_reload *r, const cli_ops *ops, const net_config *nc)
{
	const char *why = "error";
	if (!cli_tls_files_ok(nc, r->err, r->errlen)) /* names the file at fault */
		return CLI_EXIT_FAIL;
	if (cli_ops_apply_log(ops, r->cmd, &why) != 0) {
		snprintf(r->err, r->errlen, "--log syslog: %s", why);
		return CLI_EXIT_FAIL;
	}
	if (net_reload(r->net, nc, &why) != 0) {
		snprintf(r->err, r->errlen, "%s", why);
		(void)cli_ops_apply_log(&r->ops, r->cmd, &why);
		return CLI_EXIT_FAIL;
	}
	r->ops = *ops;
	return CLI_EXIT_OK;
}

/* The subcommand's run on the merged argv, with errors into err. */
static int apply(cli_reload *r, const cli_conf *cf, char *err, size_t errlen)
{
	r->err = err;
	r->errlen = errlen;
	active = r;
	int rc = r->run(cf->argc, cf->argv, cf->nfile, cf);
	active = NULL;
	r->err = NULL;
	r->errlen = 0;
	return rc;
}

void cli_reload_now(cli_reload *r)
{
	if (!r->cur->path) {
		ou_log(OU_LOG_WARN, r->cmd, "SIGHUP: no --config file, nothing to reload");
		return;
	}
	char err[512] = "";
	cli_conf next;
	if (cli_conf_reread(r->cmd, r->cur, r->keys, r->nkeys, &next, err, sizeof(err)) !=
	    CLI_EXIT_OK) {
		ou_log(OU_LOG_ERROR, r->cmd, "reload of %s failed, old settings kept: %s",
		       r->cur->path, err);
		return;
	}
	if (apply(r, &next, err, sizeof(err)) != 0) {
		ou_log(OU_LOG_ERROR, r->cmd, "reload of %s failed, old settings kept: %s",
		       r->cur->path, err);
		cli_conf_free(&next);
		return;
	}
	char restart[512] = "";
	size_t used = 0;
	for (size_t i = 0; i < r->nkeys; i++) {
		const conf_key *k = &r->keys[i];
		if (is_live(k->name) || !cli_conf_changed(r->cur, &next, k))
			continue;
		int w = snprintf(restart + used, sizeof(restart) - used, "%s%s", used ? ", " : "",
		                 k->name);
		if (w > 0 && (size_t)w < sizeof(restart) - used)
			used += (size_t)w;
	}
	if (used)
		ou_log(OU_LOG_WARN, r->cmd,
		       "reload: %s changed: needs a restart, the running value is kept", restart);
	ou_log(OU_LOG_INFO, r->cmd, "reloaded %s", r->cur->path);
	if (r->owned)
		cli_conf_free(&r->own);
	r->own = next;
	r->owned = true;
	r->cur = &r->own;
}

/* SIGINT/SIGTERM: the loop stops and the server shuts down; the log says why it went
 * away (a stop that is not a crash). */
static void on_stop(uv_signal_t *h, int signum)
{
	cli_reload *r = h->data;
	ou_log(OU_LOG_INFO, r->cmd, "%s: stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
	uv_stop(h->loop);
}

static void on_hup(uv_signal_t *h, int signum)
{
	(void)signum;
	cli_reload_now(h->data);
}

void cli_reload_start(cli_reload *r, uv_loop_t *loop, const cli_conf *cf)
{
	r->cur = cf;
	r->owned = false;
	uv_signal_init(loop, &r->hup);
	r->hup.data = r;
	uv_signal_start(&r->hup, on_hup, SIGHUP);
	uv_signal_init(loop, &r->sint);
	uv_signal_init(loop, &r->sterm);
	r->sint.data = r->sterm.data = r;
	uv_signal_start(&r->sint, on_stop, SIGINT);
	uv_signal_start(&r->sterm, on_stop, SIGTERM);
}

void cli_reload_stop(cli_reload *r)
{
	uv_close((uv_handle_t *)&r->hup, NULL);
	uv_close((uv_handle_t *)&r->sint, NULL);
	uv_close((uv_handle_t *)&r->sterm, NULL);
	if (r->owned)
		cli_conf_free(&r->own);
	r->owned = false;
}
