/* mail/template.c: the subject and body templates of voice-message e-mails. A template
 * is plain text with {caller} {mailbox} {time} {duration} {transcript} placeholders;
 * nothing else is interpreted, so an operator's text cannot run anything. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mail.h"

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

int mail_template_expand(const char *tpl, const mail_vars *v, ou_buf *out, const char **why)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
	    {"caller", offsetof(mail_vars, caller)},
	    {"mailbox", offsetof(mail_vars, mailbox)},
	    {"time", offsetof(mail_vars, time)},
	    {"duration", offsetof(mail_vars, duration)},
	    {"transcript", offsetof(mail_vars, transcript)},
	};
	size_t start = out->len;
	for (const char *p = tpl ? tpl : ""; *p;) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			ou_buf_append(out, p, 1);
			p += 2;
			continue;
		}
		if (*p == '{') {
			const char *end = strchr(p + 1, '}');
			size_t k = 0, n = end ? (size_t)(end - p - 1) : 0;
			while (
			    end && k < sizeof(names) / sizeof(names[0]) &&
			    !(strlen(names[k].name) == n && memcmp(names[k].name, p + 1, n) == 0))
				k++;
			if (end && k < sizeof(names) / sizeof(names[0])) {
				const char *val =
				    *(const char *const *)((const char *)v + names[k].off);
				ou_buf_append_cstr(out, val ? val : "");
				p = end + 1;
				continue;
			}
		}
		ou_buf_append(out, p, 1);
		p++;
		if (out->len - start > MAIL_TEXT_MAX)
			break;
	}
	if (out->failed)
		return fail(why, "out of memory", OPENUM_ENOMEM);
	if (out->len - start > MAIL_TEXT_MAX)
		return fail(why, "expanded template too long", OPENUM_ETOOBIG);
	return 0;
}

void mail_header_clean(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	if (!cap)
		return;
	for (; s && *s && n + 1 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[n] = '\0';
}

void mail_fmt_duration(uint32_t ms, char *out, size_t cap)
{
	unsigned s = (ms + 500) / 1000;
	if (s >= 3600)
		snprintf(out, cap, "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, cap, "%u:%02u", s / 60, s % 60);
}

void mail_fmt_time(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, cap, "%lld", (long long)ms);
}
