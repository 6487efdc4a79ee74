/* Parsing of `openum phone --script` files: one step per line, checked completely
 * before anything runs so that a typo on line 12 fails at once with its line number. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

#define MAX_WORDS 4

static const struct {
	const char *name;
	phone_op op;
} ops[] = {
    {"wait-registered", PHONE_OP_WAIT_REGISTERED},
    {"wait-call", PHONE_OP_WAIT_CALL},
    {"wait-declined", PHONE_OP_WAIT_DECLINED},
    {"answer", PHONE_OP_ANSWER},
    {"call", PHONE_OP_CALL},
    {"voicemail", PHONE_OP_VOICEMAIL},
    {"wait-answered", PHONE_OP_WAIT_ANSWERED},
    {"sleep", PHONE_OP_SLEEP},
    {"dtmf", PHONE_OP_DTMF},
    {"wait-dtmf", PHONE_OP_WAIT_DTMF},
    {"record", PHONE_OP_RECORD},
    {"expect-header", PHONE_OP_EXPECT_HEADER},
    {"expect-no-header", PHONE_OP_EXPECT_NO_HEADER},
    {"expect-status", PHONE_OP_EXPECT_STATUS},
    {"presence", PHONE_OP_PRESENCE},
    {"hangup", PHONE_OP_HANGUP},
    {"wait-ended", PHONE_OP_WAIT_ENDED},
    {"print-state", PHONE_OP_PRINT_STATE},
    {"wait-mwi", PHONE_OP_WAIT_MWI},
    {"wait-prompt", PHONE_OP_WAIT_PROMPT},
    {"wait-audio", PHONE_OP_WAIT_AUDIO},
    {"wait-silence", PHONE_OP_WAIT_SILENCE},
};

const char *phone_op_name(phone_op op)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op)
			return ops[i].name;
	return "?";
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	if (!*s)
		return false;
	unsigned long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return false;
	}
	*out = (unsigned)v;
	return true;
}

static bool dtmf_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789*#ABCDabcd", *s))
			return false;
	return true;
}

static bool fits(const char *s)
{
	return strlen(s) < PHONE_SCRIPT_ARG_MAX;
}

/* Regular expressions compile in memory that grows fast with stacked repetitions
 * ("a+++++", "(a{99}){99}"): a script may not use intervals or stack repetition
 * operators, and stays short. */
#define REGEX_MAX 200

static bool regex_tame(const char *re)
{
	if (strlen(re) > REGEX_MAX || strchr(re, '{'))
		return false;
	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (strchr("*+?", *p) && p[1] && strchr("*+?", p[1]))
			return false;
	}
	return true;
}

/* Fills st from the words of one line; returns a reason or NULL when good. The REGEX of
 * expect-header is the rest of the line after NAME (it may hold spaces). */
static const char *parse_line(char **w, unsigned nw, const char *rest2, phone_step *st)
{
	size_t k;
	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
		if (strcmp(w[0], ops[k].name) == 0)
			break;
	if (k == sizeof(ops) / sizeof(ops[0]))
		return "unknown command";
	st->op = ops[k].op;
	switch (st->op) {
	case PHONE_OP_WAIT_REGISTERED:
	case PHONE_OP_WAIT_CALL:
	case PHONE_OP_WAIT_DECLINED:
	case PHONE_OP_WAIT_ANSWERED:
	case PHONE_OP_WAIT_ENDED:
	case PHONE_OP_WAIT_PROMPT:
	case PHONE_OP_WAIT_AUDIO:
	case PHONE_OP_WAIT_SILENCE:
		if (nw > 2)
			return "too many arguments (expected [SECONDS])";
		st->num = PHONE_DEFAULT_WAIT_S;
		if (nw == 2 && (!parse_uint(w[1], 86400, &st->num) || st->num == 0))
			return "expected SECONDS (1 to 86400)";
		return NULL;
	case PHONE_OP_ANSWER:
	case PHONE_OP_HANGUP:
	case PHONE_OP_PRINT_STATE: return nw == 1 ? NULL : "takes no arguments";
	case PHONE_OP_VOICEMAIL: /* [AOR]: someone else's mailbox */
	case PHONE_OP_CALL:
		if (st->op == PHONE_OP_VOICEMAIL && nw == 1)
			return NULL; /* our own mailbox */
		if (nw != 2)
			return st->op == PHONE_OP_CALL ? "expected: call URI"
			                               : "expected: voicemail [AOR]";
		if (!fits(w[1]))
			return "URI too long";
		sip_uri u;
		if (sip_uri_parse(ou_slice_cstr(w[1]), &u, NULL) ||
		    (u.scheme != SIP_URI_SIP && u.scheme != SIP_URI_SIPS))
			return "expected a sip: or sips: URI";
		strcpy(st->arg, w[1]);
		return NULL;
	case PHONE_OP_SLEEP:
		if (nw != 2 || !parse_uint(w[1], 3600000, &st->num))
			return "expected: sleep MS";
		return NULL;
	case PHONE_OP_DTMF:
		if (nw < 2 || nw > 3 || (nw == 3 && strcmp(w[2], "info") != 0))
			return "expected: dtmf DIGITS [info]";
		if (!dtmf_digits(w[1]) || !fits(w[1]))
			return "DIGITS must be 0-9 * # A-D";
		strcpy(st->arg, w[1]);
		st->info = nw == 3;
		return NULL;
	case PHONE_OP_WAIT_MWI: {
		if (nw < 2 || nw > 3)
			return "expected: wait-mwi yes|no|yes:NEW/OLD|no:NEW/OLD|failed:CODE "
			       "[SECONDS]";
		unsigned a, b;
		char extra;
		const char *v = w[1];
		bool ok = strcmp(v, "yes") == 0 || strcmp(v, "no") == 0 ||
		          sscanf(v, "yes:%u/%u%c", &a, &b, &extra) == 2 ||
		          sscanf(v, "no:%u/%u%c", &a, &b, &extra) == 2 ||
		          (sscanf(v, "failed:%u%c", &a, &extra) == 1 && a >= 300 && a <= 699);
		if (!ok || !fits(v))
			return "expected yes, no, yes:NEW/OLD, no:NEW/OLD or failed:CODE";
		strcpy(st->arg, v);
		st->num = PHONE_DEFAULT_WAIT_S;
		if (nw == 3 && (!parse_uint(w[2], 86400, &st->num) || st->num == 0))
			return "expected SECONDS (1 to 86400)";
		return NULL;
	}
	case PHONE_OP_WAIT_DTMF:
		if (nw < 2 || nw > 3)
			return "expected: wait-dtmf DIGITS [SECONDS]";
		if (!dtmf_digits(w[1]) || strlen(w[1]) > PHONE_DTMF_MAX)
			return "DIGITS must be 0-9 * # A-D";
		strcpy(st->arg, w[1]);
		st->num = PHONE_DEFAULT_WAIT_S;
		if (nw == 3 && (!parse_uint(w[2], 86400, &st->num) || st->num == 0))
			return "expected SECONDS (1 to 86400)";
		return NULL;
	case PHONE_OP_RECORD:
		if (nw != 3 || !parse_uint(w[1], 3600, &st->num) || st->num == 0)
			return "expected: record SECONDS FILE.wav";
		if (!fits(w[2]))
			return "file name too long";
		strcpy(st->arg, w[2]);
		return NULL;
	case PHONE_OP_EXPECT_HEADER: {
		if (nw < 3)
			return "expected: expect-header NAME REGEX";
		if (!fits(w[1]) || !fits(rest2))
			return "argument too long";
		if (!sip_is_token(ou_slice_cstr(w[1])))
			return "NAME is not a header name";
		if (!regex_tame(rest2))
			return "REGEX too long, or with {} or stacked * + ?";
		regex_t re;
		if (regcomp(&re, rest2, REG_EXTENDED | REG_NOSUB))
			return "bad regular expression";
		regfree(&re);
		strcpy(st->arg, w[1]);
		strcpy(st->arg2, rest2);
		return NULL;
	}
	case PHONE_OP_EXPECT_NO_HEADER:
		if (nw != 2 || !fits(w[1]) || !sip_is_token(ou_slice_cstr(w[1])))
			return "expected: expect-no-header NAME";
		strcpy(st->arg, w[1]);
		return NULL;
	case PHONE_OP_EXPECT_STATUS:
		if (nw != 2 || !parse_uint(w[1], 699, &st->num) || (st->num != 0 && st->num < 100))
			return "expected: expect-status CODE (0 for BYE, or 100-699)";
		return NULL;
	case PHONE_OP_PRESENCE: {
		phone_presence p;
		if (nw != 2 || phone_presence_from(w[1], &p))
			return "expected: presence available|offline";
		strcpy(st->arg, w[1]);
		return NULL;
	}
	}
	return "unknown command";
}

int phone_script_parse(const char *text, size_t len, phone_step *steps, size_t max, size_t *n,
                       unsigned *bad_line, const char **why)
{
	if (!text || !steps || !n)
		return OPENUM_EINVAL;
	*n = 0;
	unsigned lineno = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - start) : len - pos;
		pos += ll + (nl ? 1 : 0);
		lineno++;
		char line[1024];
		if (ll >= sizeof(line)) {
			if (bad_line)
				*bad_line = lineno;
			if (why)
				*why = "line too long";
			return OPENUM_EBADMSG;
		}
		const char *eol = start + ll;
		if (eol > start && eol[-1] == '\r')
			eol--; /* a CRLF line end */
		ll = (size_t)(eol - start);
		memcpy(line, start, ll);
		line[ll] = '\0';
		/* words; the text after the second word is also kept whole, for a REGEX */
		char *words[MAX_WORDS + 1];
		unsigned total = 0;
		char *p = line;
		const char *rest2 = "";
		while (total < 2) {
			p += strspn(p, " \t");
			if (!*p)
				break;
			words[total++] = p;
			p += strcspn(p, " \t");
			if (*p)
				*p++ = '\0';
		}
		if (total == 0 || words[0][0] == '#')
			continue;
		p += strspn(p, " \t");
		rest2 = p;
		char tail[1024];
		snprintf(tail, sizeof(tail), "%s", rest2);
		char *save = NULL;
		for (char *t = strtok_r(tail, " \t", &save); t && total <= MAX_WORDS;
		     t = strtok_r(NULL, " \t", &save))
			words[total++] = t;
		/* trailing blanks are no part of a REGEX */
		char *end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		const char *bad = NULL;
		if (*n >= max)
			bad = "too many steps";
		else {
			phone_step *st = &steps[*n];
			memset(st, 0, sizeof(*st));
			st->line = lineno;
			bad = parse_line(words, total, rest2, st);
		}
		if (bad) {
			if (bad_line)
				*bad_line = lineno;
			if (why)
				*why = bad;
			return *n >= max ? OPENUM_ETOOBIG : OPENUM_EBADMSG;
		}
		(*n)++;
	}
	return 0;
}
