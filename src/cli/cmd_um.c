/* openum um: the MS-OCEXUM UM server role. Not built yet; this file keeps its usage text honest
 * (what it does today, what is planned) until the code lands. */
#include "cli.h"

static void usage(FILE *out)
{
	fputs(
	    "usage: openum um [OPTIONS]\n"
	    "\n"
	    "Not built yet in this version: it prints a notice and exits 2.\n"
	    "Planned: the unified messaging server. Subscriber access asks for the PIN, and\n"
	    "skips it only when the INVITE carries \"Ms-Exchange-Command: skip-pin\" AND arrives\n"
	    "over mutual TLS from a peer on the allow-list; call answering records messages;\n"
	    "Play-On-Phone dials out with \"Ms-Sensitivity: private-no-diversion\" and\n"
	    "From URI == To URI; a web service (SOAP and JSON) triggers Play-On-Phone.\n",
	    out);
}

const cli_cmd cli_cmd_um = {
    .name = "um",
    .summary = "UM server: voicemail with PIN or skip-pin, Play-On-Phone",
    .run = NULL,
    .usage = usage,
};
