/* Small helpers shared by the subcommands that run servers on a libuv loop
 * (um, proxy, phone): option numbers, stopping on a signal, closing every handle;
 * and the no-echo prompt of the subcommands that ask for a PIN or a password. */
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

void cli_stop_loop_on_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	uv_stop(h->loop);
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
