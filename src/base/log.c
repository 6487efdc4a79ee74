/* base/log.c: the log line writer. The level is one process-wide atomic; a line is
 * formatted into a stack buffer and written with a single write(2) so that lines
 * from the loop thread and the thread pool never interleave (or sent to syslog as
 * one datagram: syslog.c). */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base.h"

static _Atomic int level = OU_LOG_INFO;

static const char *const names[] = {"off", "error", "warn", "info", "debug"};

void ou_log_set_level(ou_log_level l)
{
	atomic_store(&level, (int)l);
}

bool ou_log_enabled(ou_log_level l)
{
	return l != OU_LOG_OFF && (int)l <= atomic_load_explicit(&level, memory_order_relaxed);
}

int ou_log_level_parse(const char *name, ou_log_level *out)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (ou_log_level)i;
			return 0;
		}
	}
	return OPENUM_EINVAL;
}

void ou_log(ou_log_level l, const char *who, const char *fmt, ...)
{
	if (!ou_log_enabled(l))
		return;
	char line[OU_LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int t = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ ",
	                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	                 tm.tm_sec, ts.tv_nsec / 1000000);
	if (t < 0 || (size_t)t >= sizeof(line))
		return;
	int n = snprintf(line + t, sizeof(line) - (size_t)t, "%s %s: ", names[l], who);
	if (n < 0 || (size_t)t + (size_t)n >= sizeof(line))
		return;
	n += t;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2; /* cut: keep room for the newline */
	/* syslog stamps the line itself: it gets it without our time */
	if (ou_syslog_line(l, line + t, len - (size_t)t))
		return;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
