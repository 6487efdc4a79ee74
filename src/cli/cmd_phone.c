/* openum phone: the MS-OCEXUM protocol client role. Not built yet; this file keeps its usage text
 * honest (what it does today, what is planned) until the code lands. */
#include "cli.h"

static void usage(FILE *out)
{
	fputs("usage: openum phone [OPTIONS]\n"
	      "\n"
	      "Not built yet in this version: it prints a notice and exits 2.\n"
	      "Planned: a command-line SIP phone that registers, calls its voicemail with\n"
	      "\"Ms-Exchange-Command: skip-pin\", sends DTMF (RFC 4733), plays and records audio,\n"
	      "and rings for Play-On-Phone calls without diverting them.\n",
	      out);
}

const cli_cmd cli_cmd_phone = {
    .name = "phone",
    .summary = "protocol client: command-line SIP phone",
    .run = NULL,
    .usage = usage,
};
