/* openum mailbox: mailbox administration. Not built yet; this file keeps its usage text honest
 * (what it does today, what is planned) until the code lands. */
#include "cli.h"

static void usage(FILE *out)
{
	fputs("usage: openum mailbox ACTION [ARGS]\n"
	      "\n"
	      "Not built yet in this version: it prints a notice and exits 2.\n"
	      "Planned actions: create, list, delete mailboxes; set a PIN; import and export\n"
	      "voice messages as WAV files. The store is SQLite by default, PostgreSQL to share\n"
	      "it between several UM servers.\n",
	      out);
}

const cli_cmd cli_cmd_mailbox = {
    .name = "mailbox",
    .summary = "administer UM mailboxes",
    .run = NULL,
    .usage = usage,
};
