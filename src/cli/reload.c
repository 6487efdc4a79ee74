/* SIGHUP for the server subcommands (um, proxy): read the --config file again, let
 * the subcommand parse the whole merged command line and apply what may change at
 * run time, and log every other option whose value changed as needing a restart. A
 * file or value that does not parse changes nothing: the old settings stay. */
#include <signal.h>
#include <string.h>

#include "cli.h"

static bool is_live(const cli_reload *r, const char *name)
{
	for (const char *const *l = r->live; *l; l++)
		if (strcmp(*l, name) == 0)
			return true;
	return false;
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
	if (r->apply(r->arg, &next, err, sizeof(err)) != 0) {
		ou_log(OU_LOG_ERROR, r->cmd, "reload of %s failed, old settings kept: %s",
		       r->cur->path, err);
		cli_conf_free(&next);
		return;
	}
	char restart[512] = "";
	size_t used = 0;
	for (size_t i = 0; i < r->nkeys; i++) {
		const conf_key *k = &r->keys[i];
		if (is_live(r, k->name) || !cli_conf_changed(r->cur, &next, k))
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

static void on_hup(uv_signal_t *h, int signum)
{
	(void)signum;
	cli_reload_now(h->data);
}

void cli_reload_start(cli_reload *r, uv_loop_t *loop, const cli_conf *cf)
{
	r->cur = cf;
	r->owned = false;
	uv_signal_init(loop, &r->sig);
	r->sig.data = r;
	uv_signal_start(&r->sig, on_hup, SIGHUP);
}

void cli_reload_stop(cli_reload *r)
{
	uv_close((uv_handle_t *)&r->sig, NULL);
	if (r->owned)
		cli_conf_free(&r->own);
	r->owned = false;
}
