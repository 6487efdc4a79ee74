/* openum parse: runs the SIP message core over messages in files and prints what it
 * sees, including the MS-OCEXUM facts the servers will act on. A tool for operators
 * and the first thing that works end to end; `openum demo` uses it too. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli.h"
#include "sip/sip.h"

static void usage(FILE *out)
{
	fputs("usage: openum parse [--body] [FILE...]\n"
	      "\n"
	      "Reads one SIP message per FILE (standard input when no FILE is given or FILE\n"
	      "is \"-\"), parses it with the openum SIP message core and prints:\n"
	      "  the start line; each header under its canonical name (compact forms\n"
	      "  expanded, folded lines joined; unknown headers keep the name as received);\n"
	      "  the body length (the body itself with --body);\n"
	      "  the MS-OCEXUM facts: skip-pin requested (Ms-Exchange-Command), the\n"
	      "  Ms-Sensitivity value, and whether the From URI equals the To URI;\n"
	      "  the verdict of the checks every proxy makes (mandatory headers present\n"
	      "  once and well-formed, CSeq method = request method, Request-URI valid).\n"
	      "Lines must end in CRLF, as on the wire. Messages over 65536 bytes are refused.\n"
	      "\n"
	      "On a bad message it prints \"FILE: 400 <reason>\" on standard error (the reason\n"
	      "a server would send) and goes on with the next FILE.\n"
	      "Exit status: 0 all messages good, 1 any bad or unreadable, 2 usage error.\n",
	      out);
}

/* Prints a header value or start-line part on one line: folded line breaks become one
 * space and control bytes are escaped, so a hostile trace cannot drive the terminal. */
static void put_slice(ou_slice v)
{
	for (size_t i = 0; i < v.n; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c == '\r' || c == '\n') {
			while (i + 1 < v.n && ou_is((unsigned char)v.p[i + 1], OU_C_LWS))
				i++;
			putchar(' ');
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			printf("\\x%02x", c);
		} else {
			putchar(c);
		}
	}
}

/* Prints a body line by line (CRLF shown as a line break), escaping other control
 * bytes for the same reason as put_slice. */
static void put_body(ou_slice b)
{
	for (size_t i = 0; i < b.n; i++) {
		unsigned char c = (unsigned char)b.p[i];
		if (c == '\r' && i + 1 < b.n && b.p[i + 1] == '\n')
			continue;
		if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	if (b.p[b.n - 1] != '\n')
		putchar('\n');
}

/* Reads at most SIP_MAX_MSG bytes into a buffer of exactly the message's size, so a
 * parser over-read shows up under AddressSanitizer. */
static int read_input(const char *path, char **out, size_t *len, const char **why)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (!f) {
		*why = strerror(errno);
		return OPENUM_EIO;
	}
	char *tmp = malloc(SIP_MAX_MSG + 1);
	if (!tmp) {
		if (!is_stdin)
			fclose(f);
		*why = "out of memory";
		return OPENUM_ENOMEM;
	}
	size_t n = fread(tmp, 1, SIP_MAX_MSG + 1, f);
	bool failed = ferror(f) != 0;
	if (!is_stdin)
		fclose(f);
	int rc = 0;
	if (failed) {
		*why = "read error";
		rc = OPENUM_EIO;
	} else if (n > SIP_MAX_MSG) {
		*why = "Message Too Large";
		rc = OPENUM_ETOOBIG;
	} else {
		*out = malloc(n ? n : 1);
		if (*out) {
			memcpy(*out, tmp, n);
			*len = n;
		} else {
			*why = "out of memory";
			rc = OPENUM_ENOMEM;
		}
	}
	free(tmp);
	return rc;
}

/* Prints the MS-OCEXUM facts; returns false (with *why) if one of them is malformed. */
static bool print_ms_facts(sip_msg *m, const char **first_why)
{
	bool ok = true;
	const char *why = NULL;
	const sip_ms_cmd *cmd = NULL;
	sip_sens sens = SIP_SENS_NORMAL;
	bool eq = false;

	printf("MS-OCEXUM:\n");
	int rc = sip_msg_ms_cmd(m, &cmd, &why);
	if (rc == 0) {
		printf("  skip-pin: %s\n", cmd->skip_pin ? "yes" : "no");
		printf("  item-id: ");
		if (ou_slice_present(cmd->item_id))
			put_slice(cmd->item_id);
		else
			printf("none");
		putchar('\n');
	} else {
		printf("  skip-pin: error: %s\n", why ? why : ou_strerror(rc));
		if (!*first_why)
			*first_why = why ? why : "Bad Ms-Exchange-Command";
		ok = false;
	}

	why = NULL;
	rc = sip_msg_sensitivity(m, &sens, &why);
	if (rc == 0) {
		printf("  sensitivity: %s\n", sip_sens_name(sens));
		printf("  no-diversion: %s\n", sip_sens_no_diversion(sens) ? "yes" : "no");
	} else {
		printf("  sensitivity: error: %s\n", why ? why : ou_strerror(rc));
		if (!*first_why)
			*first_why = why ? why : "Bad Ms-Sensitivity";
		ok = false;
	}

	why = NULL;
	rc = sip_msg_from_equals_to(m, &eq, &why);
	if (rc == 0) {
		printf("  from==to: %s\n", eq ? "yes" : "no");
	} else if (rc == OPENUM_ENOTFOUND) {
		/* sip_msg_check reports the missing header itself. */
		printf("  from==to: n/a (no From or no To)\n");
	} else {
		printf("  from==to: error: %s\n", why ? why : ou_strerror(rc));
		if (!*first_why)
			*first_why = why ? why : "Bad From or To";
		ok = false;
	}
	return ok;
}

/* One file: counts it in *st. */
static void parse_one(const char *path, sip_msg *m, bool show_body, cli_parse_stats *st)
{
	const char *label = strcmp(path, "-") == 0 ? "(stdin)" : path;
	const char *why = NULL;
	char *buf = NULL;
	size_t len = 0;

	printf("== %s\n", label);
	int rc = read_input(path, &buf, &len, &why);
	if (rc == OPENUM_ETOOBIG) {
		printf("parse: 513 %s\n", why);
		fflush(stdout);
		fprintf(stderr, "%s: 513 %s (over %d bytes)\n", label, why, SIP_MAX_MSG);
		st->unparsed++;
		return;
	}
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "openum parse: %s: %s\n", label, why);
		st->unreadable++;
		return;
	}

	rc = sip_msg_parse(buf, len, m, &why);
	if (rc < 0) {
		printf("parse: 400 %s\n", why ? why : ou_strerror(rc));
		fflush(stdout);
		fprintf(stderr, "%s: 400 %s\n", label, why ? why : ou_strerror(rc));
		free(buf);
		st->unparsed++;
		return;
	}

	if (m->is_request) {
		put_slice(m->method_s);
		putchar(' ');
		put_slice(m->ruri_s);
		putchar(' ');
		put_slice(m->version);
	} else {
		put_slice(m->version);
		printf(" %u ", (unsigned)m->status);
		put_slice(m->reason);
	}
	putchar('\n');
	for (unsigned i = 0; i < m->nhdr; i++) {
		const sip_hdr *h = &m->hdr[i];
		const char *canon = sip_hdr_name((sip_hdr_id)h->id);
		printf("  ");
		if (canon)
			fputs(canon, stdout);
		else
			put_slice(h->name);
		printf(": ");
		put_slice(h->value);
		putchar('\n');
	}
	printf("body: %zu bytes%s\n", m->body.n,
	       m->has_clen ? "" : " (no Content-Length: the rest of the input)");
	if (show_body && m->body.n)
		put_body(m->body);

	const char *first_why = NULL;
	bool ok = print_ms_facts(m, &first_why);

	why = NULL;
	rc = sip_msg_check(m, &why);
	if (rc == 0) {
		printf("check: ok\n");
	} else {
		printf("check: 400 %s\n", why ? why : ou_strerror(rc));
		if (!first_why)
			first_why = why ? why : ou_strerror(rc);
		ok = false;
	}
	if (ok) {
		st->good++;
	} else {
		fflush(stdout);
		fprintf(stderr, "%s: 400 %s\n", label, first_why);
		st->rejected++;
	}
	free(buf);
}

int cli_parse_files(int nfiles, const char *const *files, bool show_body, cli_parse_stats *stats)
{
	cli_parse_stats st = {0};
	static const char *const stdin_only[] = {"-"};
	sip_msg *m = malloc(sizeof(*m));
	if (!m) {
		fprintf(stderr, "openum parse: out of memory\n");
		return CLI_EXIT_FAIL;
	}
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	for (int i = 0; i < nfiles; i++)
		parse_one(files[i], m, show_body, &st);
	free(m);
	fflush(stdout);
	if (stats)
		*stats = st;
	return st.good == (unsigned)nfiles ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int run(int argc, char **argv)
{
	bool show_body = false;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || strcmp(a, "-") == 0)
			break;
		if (strcmp(a, "--body") == 0)
			show_body = true;
		else
			return cli_bad_option("parse", a);
	}
	return cli_parse_files(argc - i, (const char *const *)(argv + i), show_body, NULL);
}

const cli_cmd cli_cmd_parse = {
    .name = "parse",
    .summary = "parse SIP messages and show the MS-OCEXUM facts",
    .run = run,
    .usage = usage,
};
