/* conf: configuration files of the server subcommands (`openum proxy --config FILE`,
 * `openum um --config FILE`). The format is INI, read by libinih: a section per
 * subcommand ([proxy], [um]; one file may hold both) whose keys are the subcommand's
 * long options without the leading "--" and whose values are written as on the
 * command line. `#` and `;` start comments. A flag option (--quiet) takes true/false
 * (yes/no, on/off, 1/0). A repeatable option (--um-server) is one line per value.
 *
 *     [proxy]
 *     domain = example.com
 *     um-server = um1.example.com:5071
 *     um-server = um2.example.com:5071
 *
 * Contract:
 * - conf_parse turns the section into argv-style pairs ("--domain", "example.com")
 *   with the line each came from; the subcommand parses them with the same code as its
 *   command line (so a value is checked once, in one place) and puts the command line
 *   after them: the command line overrides.
 * - Refused, with "line N: reason" in err: a key outside a section, an unknown section,
 *   an unknown key of our section, a non-repeatable key given twice, an empty value, a
 *   flag that is not a boolean, a line that is neither a section, a key = value pair
 *   nor a comment, a line longer than CONF_MAX_LINE (libinih would cut it), more than
 *   CONF_MAX_ARGS entries. Keys are case-sensitive.
 * - Ownership: conf_args owns its strings; conf_args_free releases them. Nothing is
 *   kept on failure.
 * - Errors: 0 or a negative OPENUM_E* code (EINVAL bad content, ENOTFOUND/EIO the file
 *   cannot be read, ENOMEM).
 */
#ifndef OPENUM_CONF_H
#define OPENUM_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define CONF_MAX_ARGS 256 /* argv entries from one file (a pair counts two) */
#define CONF_ERR_MAX 256
#define CONF_MAX_LINE 196 /* characters per line: what libinih's line buffer holds */

/* One option the section may hold. */
typedef struct conf_key {
	const char *name; /* "domain" stands for --domain */
	bool flag;        /* no value on the command line (--quiet) */
	bool repeat;      /* may appear several times (--um-server) */
} conf_key;

typedef struct conf_args {
	int argc;
	char **argv;    /* "--name", "value", ...; flags have no value entry */
	unsigned *line; /* the file line of each argv entry */
} conf_args;

/* Parses text (NUL-terminated) and keeps the keys of [section]; the other known
 * sections (CONF_SECTIONS) are skipped. *out is filled only on success. */
int conf_parse(const char *text, const char *section, const conf_key *keys, size_t nkeys,
               conf_args *out, char err[CONF_ERR_MAX]);
/* Reads the file at path (at most CONF_MAX_FILE bytes) and runs conf_parse. */
#define CONF_MAX_FILE (1024 * 1024)
int conf_load(const char *path, const char *section, const conf_key *keys, size_t nkeys,
              conf_args *out, char err[CONF_ERR_MAX]);
void conf_args_free(conf_args *a); /* NULL ok; leaves it empty */

/* The section names a file may hold. */
extern const char *const conf_sections[];

#endif
