/* Small helpers shared by the subcommands that run servers on a libuv loop
 * (um, proxy, phone): option numbers, the operations options (logs, metrics),
 * stopping on a signal, closing every handle; and the no-echo prompt of the
 * subcommands that ask for a PIN or a password. */
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/base.h"
#include "cli.h"

bool cli_num(const char *s, unsigned max, unsigned *out)
{
	uint32_t v;
	if (ou_slice_u32(ou_slice_cstr(s), &v) != 0 || v > max)
		return false;
	*out = v;
	return true;
}

void cli_close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

bool cli_read_secret(const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	fputs(prompt, stderr);
	fflush(stderr);
	bool ok = fgets(buf, (int)cap, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (ok)
		buf[strcspn(buf, "\r\n")] = '\0';
	return ok;
}

/* "IP:PORT" or "[IPv6]:PORT" into ip (brackets dropped) and port. */
bool cli_hostport(const char *v, char *ip, size_t cap, uint16_t *port)
{
	const char *colon = strrchr(v, ':');
	unsigned p;
	if (!colon || colon == v || !cli_num(colon + 1, 65535, &p))
		return false;
	const char *b = v, *e = colon;
	if (*b == '[' && e[-1] == ']') {
		b++;
		e--;
	}
	if ((size_t)(e - b) >= cap || e == b)
		return false;
	memcpy(ip, b, (size_t)(e - b));
	ip[e - b] = 0;
	*port = (uint16_t)p;
	return true;
}

void cli_ops_init(cli_ops *o)
{
	memset(o, 0, sizeof(*o));
	o->level = OU_LOG_INFO;
	(void)ou_syslog_facility_parse(OU_SYSLOG_DEFAULT_FACILITY, &o->facility);
}

int cli_ops_takes(const char *opt)
{
	if (strcmp(opt, "--quiet") == 0)
		return 1;
	static const char *const with_value[] = {"--log-level", "--log", "--syslog-facility",
	                                         "--syslog-socket", "--metrics"};
	for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
		if (strcmp(opt, with_value[k]) == 0)
			return 2;
	return 0;
}

bool cli_ops_set(cli_ops *o, const char *opt, const char *v, const char **msg)
{
	if (strcmp(opt, "--quiet") == 0) {
		o->quiet = true;
		o->level = OU_LOG_ERROR;
		return true;
	}
	if (!v) { /* every other one takes a value */
		*msg = "option needs a value:";
		return false;
	}
	if (strcmp(opt, "--log-level") == 0) {
		if (ou_log_level_parse(v, &o->level) || o->level == OU_LOG_OFF) {
			*msg = "--log-level needs error, warn, info or debug:";
			return false;
		}
	} else if (strcmp(opt, "--log") == 0) {
		if (strcmp(v, "syslog") != 0 && strcmp(v, "stderr") != 0) {
			*msg = "--log needs stderr or syslog:";
			return false;
		}
		o->syslog = v[1] == 'y';
	} else if (strcmp(opt, "--syslog-facility") == 0) {
		if (ou_syslog_facility_parse(v, &o->facility)) {
			*msg = "--syslog-facility needs daemon, user or local0..local7:";
			return false;
		}
	} else if (strcmp(opt, "--syslog-socket") == 0) {
		if (!*v) {
			*msg = "--syslog-socket needs a path:";
			return false;
		}
		o->syslog_socket = v;
	} else if (strcmp(opt, "--metrics") == 0) {
		if (!cli_hostport(v, o->metrics_ip, sizeof(o->metrics_ip), &o->metrics_port)) {
			*msg = "--metrics needs IP:PORT:";
			return false;
		}
		o->metrics_on = true;
	} else {
		*msg = "unknown option";
		return false;
	}
	return true;
}

int cli_ops_apply_log(const cli_ops *o, const char *role, const char **why)
{
	if (o->syslog) {
		char ident[32];
		snprintf(ident, sizeof(ident), "openum-%s", role);
		int err = ou_log_to_syslog(ident, o->facility, o->syslog_socket, why);
		if (err)
			return err;
	} else {
		ou_log_to_stderr();
	}
	ou_log_set_level(o->level);
	return 0;
}

int cli_ops_take(cli_ops *o, int argc, char **argv, int *i, const char **msg, const char **arg)
{
	const char *opt = argv[*i], *v = NULL;
	int takes = cli_ops_takes(opt);
	if (!takes)
		return 0;
	if (takes == 2 && *i + 1 >= argc) {
		*msg = "option needs a value:";
		*arg = opt;
		return -1;
	}
	if (takes == 2)
		v = argv[++*i];
	if (!cli_ops_set(o, opt, v, msg)) {
		*arg = v ? v : opt;
		return -1;
	}
	return 1;
}

bool cli_tls_files_ok(const net_config *nc, char *err, size_t errlen)
{
	const char *which = NULL, *why = "error";
	if (net_tls_check(nc, &which, &why) == 0)
		return true;
	const char *file = !which                       ? NULL
	                   : strcmp(which, "cert") == 0 ? nc->cert_file
	                   : strcmp(which, "key") == 0  ? nc->key_file
	                                                : nc->ca_file;
	if (file)
		snprintf(err, errlen, "--%s %s: %s", which, file, why);
	else
		snprintf(err, errlen, "--cert and --key: %s", why);
	return false;
}
