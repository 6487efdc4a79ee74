/* openum check-trace: checks SIP traces (text logs, or pcap/pcapng through tshark)
 * against the MS-OCEXUM rules and prints one line per finding. The rules live in
 * src/trace/; this file reads the files, prints and picks the exit status. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "trace/trace.h"

static void usage(FILE *out)
{
	fputs("usage: openum check-trace [--strict] [--quiet] [--format text|json]\n"
	      "                          [--tshark PROGRAM] TRACE...\n"
	      "\n"
	      "Checks each TRACE against the MS-OCEXUM rules. A TRACE is a text log of SIP\n"
	      "messages (SIPp -trace_msg, Kamailio sipdump, baresip trace, or messages one\n"
	      "after another; \"-\" reads standard input) or a pcap/pcapng capture, read\n"
	      "through tshark (TCP reassembled, TLS connections counted but opaque).\n"
	      "\n"
	      "Rules (docs/check-trace.md):\n"
	      "  R1  signalling only over TCP or TLS (MS-OCEXUM 2.1)\n"
	      "  R2  Ms-Exchange-Command and Ms-Sensitivity syntax (2.2.1, 2.2.2, MS-SIPRE)\n"
	      "  R3  an INVITE with skip-pin only over TLS (3.1)\n"
	      "  R4  Play-On-Phone INVITEs (private-no-diversion): From URI == To URI (3.2)\n"
	      "  R5  no forwarding, redirection or voicemail for a no-diversion INVITE (3.2)\n"
	      "\n"
	      "Output: one line per finding, \"line N: LEVEL RULE: MESSAGE: EXPLANATION\"\n"
	      "(\"frame N\" for captures; prefixed by the file name when several are given),\n"
	      "LEVEL being violation, warning or note; then one summary line with the counts.\n"
	      "\n"
	      "Options:\n"
	      "  --strict          warnings fail too (exit 1)\n"
	      "  --quiet, -q       print only the findings that fail the check, no summary\n"
	      "  --format text     the lines above (default)\n"
	      "  --format json     one JSON object per finding and one {\"summary\":...} last\n"
	      "  --tshark PROGRAM  the tshark to run for captures (default: tshark in PATH)\n"
	      "\n"
	      "Exit status: 0 no violation, 1 violations (or warnings with --strict),\n"
	      "2 usage error, unreadable TRACE, or tshark missing for a capture.\n",
	      out);
}

typedef struct out_ctx {
	const char *file; /* NULL when only one file is checked */
	bool json, quiet, strict;
} out_ctx;

static void json_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(o, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(o, "\\u%04x", ch);
		else
			fputc(ch, o);
	}
	fputc('"', o);
}

static void emit(void *arg, const trace_finding *f)
{
	const out_ctx *o = arg;
	bool fails = f->level == TRACE_VIOLATION || (o->strict && f->level == TRACE_WARNING);
	if (o->quiet && !fails)
		return;
	const char *where = f->pos.frame ? "frame" : "line";
	if (o->json) {
		fputs("{", stdout);
		if (o->file) {
			fputs("\"file\":", stdout);
			json_str(stdout, o->file);
			fputs(",", stdout);
		}
		printf("\"%s\":%lu,\"level\":\"%s\",\"rule\":\"%s\",\"summary\":", where, f->pos.n,
		       trace_level_name(f->level), trace_rule_name(f->rule));
		json_str(stdout, f->summary);
		fputs(",\"text\":", stdout);
		json_str(stdout, f->text);
		fputs("}\n", stdout);
		return;
	}
	if (o->file)
		printf("%s: ", o->file);
	printf("%s %lu: %s %s: %s: %s\n", where, f->pos.n, trace_level_name(f->level),
	       trace_rule_name(f->rule), f->summary, f->text);
}

/* Reads a whole file ("-" = standard input). */
static int read_all(const char *path, char **out, size_t *len)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (!f)
		return -errno;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	int err = 0;
	while (buf) {
		if (n == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		/* buf is not NULL here (loop condition); cppcheck reads the later check. */
		// cppcheck-suppress nullPointerArithmeticRedundantCheck
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				err = errno ? -errno : -EIO;
			break;
		}
	}
	if (!is_stdin)
		fclose(f);
	if (!buf)
		return -ENOMEM;
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* Checks one file into c. Returns 0, or CLI_EXIT_USAGE after printing why. */
static int check_file(const char *path, const char *tshark, trace_checker *c)
{
	char *buf = NULL;
	size_t len = 0;
	int err = read_all(path, &buf, &len);
	if (err) {
		fprintf(stderr, "openum check-trace: %s: %s\n", path, strerror(-err));
		return CLI_EXIT_USAGE;
	}
	if (trace_is_capture(buf, len)) {
		free(buf);
		if (strcmp(path, "-") == 0) {
			fprintf(stderr, "openum check-trace: a capture must be given as a file, "
			                "not on standard input\n");
			return CLI_EXIT_USAGE;
		}
		const char *why = NULL;
		int rc = trace_capture_check(path, tshark, c, &why);
		if (rc < 0) {
			fprintf(stderr, "openum check-trace: %s: %s\n", path,
			        why ? why : ou_strerror(rc));
			return CLI_EXIT_USAGE;
		}
		return 0;
	}
	trace_text t;
	trace_item it;
	trace_text_init(&t, buf, len);
	int rc = 0;
	while (rc == 0 && trace_text_next(&t, &it) == 0) {
		trace_msg_info info = {{it.line, false},
		                       it.tp,
		                       it.tp == SIP_TP_OTHER ? TRACE_TPS_NONE : TRACE_TPS_LOG,
		                       true};
		rc = trace_check_bytes(c, &info, it.p, it.n);
	}
	free(buf);
	if (rc < 0) {
		fprintf(stderr, "openum check-trace: %s: out of memory\n", path);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

static const char *plural(unsigned long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int run(int argc, char **argv)
{
	out_ctx o = {0};
	const char *tshark = NULL;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || strcmp(a, "-") == 0)
			break;
		if (strcmp(a, "--strict") == 0) {
			o.strict = true;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			o.quiet = true;
		} else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
			const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
			if (v && strcmp(v, "json") == 0) {
				o.json = true;
			} else if (v && strcmp(v, "text") == 0) {
				o.json = false;
			} else {
				fprintf(stderr, "openum check-trace: --format takes text or json "
				                "(see openum check-trace --help)\n");
				return CLI_EXIT_USAGE;
			}
		} else if (strcmp(a, "--tshark") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "openum check-trace: --tshark needs a program\n");
				return CLI_EXIT_USAGE;
			}
			tshark = argv[++i];
		} else {
			return cli_bad_option("check-trace", a);
		}
	}
	int nfiles = argc - i;
	if (nfiles <= 0) {
		fprintf(stderr, "usage: openum check-trace [OPTIONS] TRACE... (see --help)\n");
		return CLI_EXIT_USAGE;
	}

	trace_stats tot = {0};
	int status = CLI_EXIT_OK;
	for (int k = 0; k < nfiles; k++) {
		const char *path = argv[i + k];
		o.file = nfiles > 1 ? path : NULL;
		trace_checker *c = NULL;
		if (trace_checker_new(emit, &o, &c) < 0) {
			fprintf(stderr, "openum check-trace: out of memory\n");
			return CLI_EXIT_USAGE;
		}
		if (check_file(path, tshark, c) != 0)
			status = CLI_EXIT_USAGE;
		const trace_stats *st = trace_checker_stats(c);
		tot.messages += st->messages;
		tot.unparsed += st->unparsed;
		tot.notes += st->notes;
		tot.warnings += st->warnings;
		tot.violations += st->violations;
		tot.tls_conns += st->tls_conns;
		trace_checker_free(c);
	}
	fflush(stdout);
	if (!o.quiet) {
		if (o.json)
			printf("{\"summary\":{\"messages\":%lu,\"unparsed\":%lu,\"violations\":%lu,"
			       "\"warnings\":%lu,\"notes\":%lu,\"tls_connections\":%lu}}\n",
			       tot.messages, tot.unparsed, tot.violations, tot.warnings, tot.notes,
			       tot.tls_conns);
		else
			printf(
			    "check-trace: %lu %s (%lu unparsed), %lu %s, %lu %s, %lu %s, %lu TLS "
			    "%s not checked\n",
			    tot.messages, plural(tot.messages, "message", "messages"), tot.unparsed,
			    tot.violations, plural(tot.violations, "violation", "violations"),
			    tot.warnings, plural(tot.warnings, "warning", "warnings"), tot.notes,
			    plural(tot.notes, "note", "notes"), tot.tls_conns,
			    plural(tot.tls_conns, "connection", "connections"));
	}
	fflush(stdout);
	if (status != CLI_EXIT_OK)
		return status;
	if (tot.violations || (o.strict && tot.warnings))
		return CLI_EXIT_FAIL;
	return CLI_EXIT_OK;
}

const cli_cmd cli_cmd_check_trace = {
    .name = "check-trace",
    .summary = "check a SIP trace (text log or pcap) against the MS-OCEXUM rules",
    .run = run,
    .usage = usage,
};
