/* openum demo: the one command a newcomer runs (`make run`). The servers it will start
 * are not built yet, so today it says so and shows the part that works: the SIP
 * message core reading the two example INVITEs of MS-OCEXUM section 4. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef OPENUM_SOURCE_DIR
#define OPENUM_SOURCE_DIR "."
#endif
#define DEMO_DATA_DIR OPENUM_SOURCE_DIR "/tests/data/ms-ocexum"

static void usage(FILE *out)
{
	fputs("usage: openum demo [--data-dir DIR]\n"
	      "\n"
	      "Today: says that the servers are not built yet, then runs `openum parse` over\n"
	      "the two example INVITEs of MS-OCEXUM section 4 (skip-pin-invite.sip and\n"
	      "play-on-phone-invite.sip, read from DIR; default: " DEMO_DATA_DIR ").\n"
	      "Exit status: 0 when both messages were read and parsed (a failed check is\n"
	      "shown, not fatal: the spec's examples are trace excerpts), else 1.\n"
	      "Planned: start the proxy and the UM server on loopback with generated\n"
	      "certificates and a demo mailbox, then place a skip-pin call and a\n"
	      "Play-On-Phone call through them.\n",
	      out);
}

static int run(int argc, char **argv)
{
	const char *dir = DEMO_DATA_DIR;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(argv[i], "--data-dir") == 0) {
			fprintf(stderr, "openum demo: --data-dir needs a directory\n");
			return CLI_EXIT_USAGE;
		} else {
			return cli_bad_option("demo", argv[i]);
		}
	}

	char skip_pin[4096], play_on_phone[4096];
	if ((size_t)snprintf(skip_pin, sizeof(skip_pin), "%s/skip-pin-invite.sip", dir) >=
	        sizeof(skip_pin) ||
	    (size_t)snprintf(play_on_phone, sizeof(play_on_phone), "%s/play-on-phone-invite.sip",
	                     dir) >= sizeof(play_on_phone)) {
		fprintf(stderr, "openum demo: --data-dir path too long\n");
		return CLI_EXIT_USAGE;
	}

	printf("openum demo: the servers (proxy, UM server, phone) are not built yet in this\n"
	       "version (see README), so there is no call to show. Planned: proxy + UM server\n"
	       "on loopback with generated certificates and a demo mailbox.\n"
	       "\n"
	       "What works today is the SIP message core. Here it reads the two example\n"
	       "INVITEs of MS-OCEXUM section 4:\n"
	       "  4.1 a phone calls its voicemail and asks to skip the PIN;\n"
	       "  4.2 the UM server calls a phone for Play-On-Phone, marked\n"
	       "      private-no-diversion, with From == To.\n"
	       "\n");
	fflush(stdout);
	const char *const files[] = {skip_pin, play_on_phone};
	cli_parse_stats st;
	cli_parse_files(2, files, false, &st);
	printf("\n");
	if (st.unreadable || st.unparsed) {
		fprintf(stderr, "openum demo: %u of 2 examples could not be read or parsed\n",
		        st.unreadable + st.unparsed);
		return CLI_EXIT_FAIL;
	}
	if (st.rejected)
		printf(
		    "Note: %u example(s) failed the checks every proxy makes. The spec's\n"
		    "examples are excerpts of traces (4.2 carries no Via header, which RFC 3261\n"
		    "requires in every request), so openum would answer them 400; the\n"
		    "MS-OCEXUM facts are read all the same.\n\n",
		    st.rejected);
	printf("What the servers will do with these facts, once built: the UM server skips\n"
	       "the PIN only when skip-pin arrives over mutual TLS from an allow-listed peer;\n"
	       "the proxy never forwards or diverts to voicemail a private-no-diversion call.\n");
	return CLI_EXIT_OK;
}

const cli_cmd cli_cmd_demo = {
    .name = "demo",
    .summary = "show what works today on the MS-OCEXUM spec examples",
    .run = run,
    .usage = usage,
};
