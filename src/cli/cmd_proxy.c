/* openum proxy: the MS-OCEXUM protocol server role. Not built yet; this file keeps its usage text
 * honest (what it does today, what is planned) until the code lands. */
#include "cli.h"

static void usage(FILE *out)
{
	fputs("usage: openum proxy [OPTIONS]\n"
	      "\n"
	      "Not built yet in this version: it prints a notice and exits 2.\n"
	      "Planned: registrar with digest authentication and a stateful proxy with call\n"
	      "forwarding and voicemail routing. It applies no forwarding and no voicemail\n"
	      "diversion to an INVITE carrying \"Ms-Sensitivity: private-no-diversion\", and\n"
	      "forwards \"Ms-Exchange-Command\" only from a caller authenticated as the owner of\n"
	      "the mailbox it calls (stripped otherwise), over mutual TLS to the UM server.\n"
	      "Signalling over TCP and TLS only (MS-OCEXUM 2.1).\n",
	      out);
}

const cli_cmd cli_cmd_proxy = {
    .name = "proxy",
    .summary = "protocol server: SIP registrar and proxy",
    .run = NULL,
    .usage = usage,
};
