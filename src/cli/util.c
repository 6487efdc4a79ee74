/* Small helpers shared by the subcommands that run servers on a libuv loop
 * (um, proxy, phone): option numbers, stopping on a signal, closing every handle. */
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
