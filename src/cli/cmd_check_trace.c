/* openum check-trace: trace checking. Not built yet; this file keeps its usage text honest
 * (what it does today, what is planned) until the code lands. */
#include "cli.h"

static void usage(FILE *out)
{
	fputs("usage: openum check-trace [OPTIONS] TRACE\n"
	      "\n"
	      "Not built yet in this version: it prints a notice and exits 2.\n"
	      "Planned: read a SIP trace (text, or pcap through tshark) and report every breach\n"
	      "of the MS-OCEXUM rules: skip-pin honoured on an untrusted connection, a\n"
	      "private-no-diversion call forwarded or sent to voicemail, a Play-On-Phone INVITE\n"
	      "whose From URI differs from its To URI, signalling over UDP.\n"
	      "Today, `openum parse FILE` checks single messages.\n",
	      out);
}

const cli_cmd cli_cmd_check_trace = {
    .name = "check-trace",
    .summary = "check a SIP trace against the MS-OCEXUM rules",
    .run = NULL,
    .usage = usage,
};
