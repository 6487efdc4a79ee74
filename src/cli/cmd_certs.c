/* openum certs: certificate generation. Not built yet; this file keeps its usage text honest
 * (what it does today, what is planned) until the code lands. */
#include "cli.h"

static void usage(FILE *out)
{
	fputs("usage: openum certs [OPTIONS]\n"
	      "\n"
	      "Not built yet in this version: it prints a notice and exits 2.\n"
	      "Planned: create a local certificate authority and the certificates of the proxy,\n"
	      "the UM server and phones, so that the proxy and the UM server can authenticate\n"
	      "each other by mutual TLS (the trust that skip-pin depends on).\n",
	      out);
}

const cli_cmd cli_cmd_certs = {
    .name = "certs",
    .summary = "create the TLS certificates for mutual TLS",
    .run = NULL,
    .usage = usage,
};
