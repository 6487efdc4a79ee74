/* openum user: SIP account administration. Not built yet; this file keeps its usage text honest
 * (what it does today, what is planned) until the code lands. */
#include "cli.h"

static void usage(FILE *out)
{
	fputs(
	    "usage: openum user ACTION [ARGS]\n"
	    "\n"
	    "Not built yet in this version: it prints a notice and exits 2.\n"
	    "Planned actions: add, list, delete SIP accounts of the proxy and set their digest\n"
	    "passwords; an account may own a mailbox (the skip-pin gatekeeping needs that link).\n",
	    out);
}

const cli_cmd cli_cmd_user = {
    .name = "user",
    .summary = "administer the proxy's SIP accounts",
    .run = NULL,
    .usage = usage,
};
