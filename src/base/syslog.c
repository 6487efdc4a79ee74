/* base/syslog.c: the syslog sink of ou_log. It speaks to the syslog daemon (rsyslog,
 * or journald's /dev/log) over a Unix datagram socket itself instead of syslog(3), so
 * that the socket path can be chosen (tests listen on their own) and a failure is
 * seen at start-up instead of lines vanishing. One datagram per line: lines of
 * several threads never interleave. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static bool on;      /* lines go to syslog */
static int fd = -1;  /* connected datagram socket, or -1 */
static int facility; /* LOG_DAEMON, ... */
static char ident[64];
static struct sockaddr_un addr;

static int connect_locked(void)
{
	if (fd >= 0)
		close(fd);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return OPENUM_EIO;
	if (connect(fd, (const struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(fd);
		fd = -1;
		return OPENUM_EIO;
	}
	return 0;
}

int ou_log_to_syslog(const char *id, int fac, const char *path, const char **why)
{
	if (!path)
		path = OU_SYSLOG_DEFAULT_SOCKET;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a.sun_path)) {
		*why = "the syslog socket path is too long";
		return OPENUM_EINVAL;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	pthread_mutex_lock(&mu);
	struct sockaddr_un old_addr = addr;
	int old_fd = fd;
	fd = -1; /* keep the old socket until the new one works */
	addr = a;
	int err = connect_locked();
	if (err) {
		addr = old_addr;
		fd = old_fd;
		pthread_mutex_unlock(&mu);
		*why = "nothing accepts syslog datagrams on that socket";
		return err;
	}
	if (old_fd >= 0)
		close(old_fd);
	snprintf(ident, sizeof(ident), "%s", id ? id : "openum");
	facility = fac;
	on = true;
	pthread_mutex_unlock(&mu);
	return 0;
}

void ou_log_to_stderr(void)
{
	pthread_mutex_lock(&mu);
	on = false;
	if (fd >= 0)
		close(fd);
	fd = -1;
	pthread_mutex_unlock(&mu);
}

int ou_syslog_facility_parse(const char *name, int *out)
{
	static const struct {
		const char *name;
		int code;
	} t[] = {{"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0},
	         {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
	         {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
	         {"local7", LOG_LOCAL7}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(name, t[i].name) == 0) {
			*out = t[i].code;
			return 0;
		}
	}
	return OPENUM_EINVAL;
}

static int priority(ou_log_level l)
{
	switch (l) {
	case OU_LOG_ERROR: return LOG_ERR;
	case OU_LOG_WARN: return LOG_WARNING;
	case OU_LOG_INFO: return LOG_INFO;
	default: return LOG_DEBUG;
	}
}

bool ou_syslog_line(ou_log_level l, const char *text, size_t len)
{
	pthread_mutex_lock(&mu);
	if (!on) {
		pthread_mutex_unlock(&mu);
		return false;
	}
	char dgram[OU_LOG_LINE_MAX + 128];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	int n = snprintf(dgram, sizeof(dgram), "<%d>%s %s[%ld]: %.*s", facility | priority(l),
	                 stamp, ident, (long)getpid(), (int)len, text);
	if (n < 0) {
		pthread_mutex_unlock(&mu);
		return false;
	}
	size_t dlen = (size_t)n < sizeof(dgram) ? (size_t)n : sizeof(dgram) - 1;
	bool sent = false;
	/* a second try after reconnecting: the daemon may have been restarted */
	for (int attempt = 0; attempt < 2 && !sent; attempt++) {
		if (fd < 0 && connect_locked() != 0)
			break;
		ssize_t w;
		do
			w = send(fd, dgram, dlen, MSG_NOSIGNAL);
		while (w < 0 && errno == EINTR);
		sent = w == (ssize_t)dlen;
		if (!sent) {
			close(fd);
			fd = -1;
		}
	}
	pthread_mutex_unlock(&mu);
	return sent;
}
