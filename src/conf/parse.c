/* The INI reader of conf.h: libinih splits lines, we check sections and keys against
 * the subcommand's option table and collect "--key value" pairs with their lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "base/base.h"
#include "conf.h"

const char *const conf_sections[] = {"proxy", "um", NULL};

typedef struct parse_state {
	const char *section;
	const conf_key *keys;
	size_t nkeys;
	conf_args args;
	unsigned *seen; /* per key: times given */
	unsigned line;  /* lines handled so far (libinih counts for us only on errors) */
	unsigned err_line;
	char *err;
	int rc; /* 0, or the error that stopped the parse */
} parse_state;

static bool known_section(const char *s)
{
	for (size_t i = 0; conf_sections[i]; i++)
		if (strcmp(s, conf_sections[i]) == 0)
			return true;
	return false;
}

/* true/false and friends: 1, 0, or -1 for anything else. */
static int boolean(const char *v)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int push(parse_state *st, const char *s, size_t n)
{
	if (st->args.argc >= CONF_MAX_ARGS)
		return OPENUM_ETOOBIG;
	char *copy = malloc(n + 1);
	if (!copy)
		return OPENUM_ENOMEM;
	memcpy(copy, s, n);
	copy[n] = '\0';
	st->args.argv[st->args.argc] = copy;
	st->args.line[st->args.argc] = st->line;
	st->args.argc++;
	return 0;
}

static int fail(parse_state *st, int rc, const char *fmt, const char *a)
{
	snprintf(st->err, CONF_ERR_MAX, fmt, a);
	st->rc = rc;
	st->err_line = st->line;
	return 0; /* stops libinih at this line */
}

/* libinih's handler: 1 to go on, 0 to stop (it then returns this line's number). A
 * section header alone calls us with name == NULL (INI_CALL_HANDLER_ON_NEW_SECTION
 * is off in Debian's build, so sections are checked with their first key). */
static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	parse_state *st = user;
	if (st->rc)
		return 0; /* libinih goes on after an error; the first one is the answer */
	if (!name)
		return 1;
	if (!*section)
		return fail(st, OPENUM_EINVAL, "'%s' is outside a section ([proxy] or [um])", name);
	if (!known_section(section))
		return fail(st, OPENUM_EINVAL, "unknown section [%s] (expected [proxy] or [um])",
		            section);
	if (strcmp(section, st->section) != 0)
		return 1;
	size_t k = 0;
	while (k < st->nkeys && strcmp(st->keys[k].name, name) != 0)
		k++;
	if (k == st->nkeys)
		return fail(st, OPENUM_EINVAL, "unknown key '%s' (see the --help options)", name);
	const conf_key *key = &st->keys[k];
	if (!value || !*value)
		return fail(st, OPENUM_EINVAL, "'%s' needs a value", name);
	if (st->seen[k]++ && !key->repeat)
		return fail(st, OPENUM_EINVAL, "'%s' is given twice", name);
	char opt[128];
	int n = snprintf(opt, sizeof(opt), "--%s", name);
	if (n < 0 || (size_t)n >= sizeof(opt))
		return fail(st, OPENUM_EINVAL, "key too long: '%.40s'", name);
	if (key->flag) {
		int b = boolean(value);
		if (b < 0)
			return fail(st, OPENUM_EINVAL, "'%s' takes true or false", name);
		if (b == 0)
			return 1;
	}
	int rc = push(st, opt, (size_t)n);
	if (!rc && !key->flag)
		rc = push(st, value, strlen(value));
	if (rc)
		return fail(st, rc,
		            rc == OPENUM_ETOOBIG ? "too many entries at '%s'"
		                                 : "out of memory at '%s'",
		            name);
	return 1;
}

/* libinih reports a line number only on errors; to give each pair its line we feed it
 * one line at a time through a reader that counts. */
typedef struct line_reader {
	const char *p;
	parse_state *st;
} line_reader;

static char *read_line(char *buf, int cap, void *stream)
{
	line_reader *r = stream;
	if (!*r->p || cap < 2)
		return NULL;
	/* fgets: up to cap - 1 bytes, through the newline (conf_parse has made sure that
	 * no line is longer than libinih's buffer) */
	size_t n = 0;
	while (n < (size_t)cap - 1 && r->p[n])
		if (r->p[n++] == '\n')
			break;
	memcpy(buf, r->p, n);
	buf[n] = '\0';
	r->p += n;
	r->st->line++;
	return buf;
}

void conf_args_free(conf_args *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
	free(a->argv);
	free(a->line);
	memset(a, 0, sizeof(*a));
}

int conf_parse(const char *text, const char *section, const conf_key *keys, size_t nkeys,
               conf_args *out, char err[CONF_ERR_MAX])
{
	err[0] = '\0';
	if (strnlen(text, CONF_MAX_FILE + 1) > CONF_MAX_FILE) {
		snprintf(err, CONF_ERR_MAX, "file too large (over %d bytes)", CONF_MAX_FILE);
		return OPENUM_ETOOBIG;
	}
	/* libinih cuts longer lines silently: a path would be cut short, so refuse them */
	unsigned lineno = 1;
	for (const char *l = text; *l; lineno++) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		if (n > CONF_MAX_LINE) {
			snprintf(err, CONF_ERR_MAX, "line %u: longer than %d characters", lineno,
			         CONF_MAX_LINE);
			return OPENUM_ETOOBIG;
		}
		l += n + (e != NULL);
	}
	parse_state st = {.section = section, .keys = keys, .nkeys = nkeys, .err = err};
	st.args.argv = calloc(CONF_MAX_ARGS, sizeof(char *));
	st.args.line = calloc(CONF_MAX_ARGS, sizeof(unsigned));
	st.seen = calloc(nkeys + 1, sizeof(unsigned));
	if (!st.args.argv || !st.args.line || !st.seen) {
		free(st.seen);
		conf_args_free(&st.args);
		snprintf(err, CONF_ERR_MAX, "out of memory");
		return OPENUM_ENOMEM;
	}
	line_reader r = {.p = text, .st = &st};
	int at = ini_parse_stream(read_line, &r, on_pair, &st);
	free(st.seen);
	if (at == 0 && st.rc == 0) {
		*out = st.args;
		return 0;
	}
	conf_args_free(&st.args);
	char why[CONF_ERR_MAX - 24]; /* room for "line N: " */
	snprintf(why, sizeof(why), "%s", err);
	if (at < 0) {
		snprintf(err, CONF_ERR_MAX, "out of memory");
		return OPENUM_ENOMEM;
	}
	if (st.rc == 0 || (unsigned)at != st.err_line) /* libinih's own complaint came first */
		snprintf(why, sizeof(why), "expected [SECTION], KEY = VALUE or a comment");
	snprintf(err, CONF_ERR_MAX, "line %d: %s", at, why);
	return st.rc && (unsigned)at == st.err_line ? st.rc : OPENUM_EINVAL;
}

int conf_load(const char *path, const char *section, const conf_key *keys, size_t nkeys,
              conf_args *out, char err[CONF_ERR_MAX])
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		snprintf(err, CONF_ERR_MAX, "cannot open: %s", strerror(e));
		return e == ENOENT ? OPENUM_ENOTFOUND : OPENUM_EIO;
	}
	char *text = malloc(CONF_MAX_FILE + 1);
	if (!text) {
		fclose(f);
		snprintf(err, CONF_ERR_MAX, "out of memory");
		return OPENUM_ENOMEM;
	}
	size_t n = fread(text, 1, CONF_MAX_FILE + 1, f);
	bool bad = ferror(f);
	int read_errno = errno; /* EISDIR: a directory opens for reading but does not read */
	fclose(f);
	int rc;
	if (bad) {
		snprintf(err, CONF_ERR_MAX, "cannot read: %s", strerror(read_errno));
		rc = OPENUM_EIO;
	} else if (n > CONF_MAX_FILE) {
		snprintf(err, CONF_ERR_MAX, "file too large (over %d bytes)", CONF_MAX_FILE);
		rc = OPENUM_ETOOBIG;
	} else if (memchr(text, '\0', n)) {
		snprintf(err, CONF_ERR_MAX, "not a text file (NUL byte)");
		rc = OPENUM_EINVAL;
	} else {
		text[n] = '\0';
		rc = conf_parse(text, section, keys, nkeys, out, err);
	}
	free(text);
	return rc;
}
