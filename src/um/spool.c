/* Crash safety of call answering: a message being recorded is appended to a spool
 * file in the data directory, synced to disk every second (on the thread pool, never
 * on the loop thread), and removed once the store holds the message. After a crash
 * (kill -9, power loss) um_spool_recover, run at start before any call, turns every
 * spool file left over into a new message: what was lost is the last second at most.
 *
 * File: a text header ("openum-recording 1", then "mailbox ID", "received MS",
 * "caller URI", "diversion TEXT", each on its own line, then an empty line), then raw
 * G.711 mu-law, 8 kHz. The header is synced with the directory entry before any audio. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server_int.h"

#define SPOOL_MAGIC "openum-recording 1\n"
#define SPOOL_SUFFIX ".rec"
#define SPOOL_HEADER_MAX 1024

typedef struct spool_work {
	uv_work_t w;
	um_sess *s;
	uint8_t *data; /* bytes to append (malloc'd), may be NULL */
	size_t len;
	bool first;  /* create the file and sync its directory entry */
	bool finish; /* then close; unlink unless keep */
	bool keep;
	int err; /* errno of the first failure */
} spool_work;

static void spool_kick(um_sess *s);

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int err = fsync(fd) ? errno : 0;
	close(fd);
	return err;
}

/* thread pool: only this work touches the session's spool fd while it runs */
static void spool_work_run(uv_work_t *w)
{
	spool_work *sw = w->data;
	um_sess *s = sw->s;
	if (sw->first) {
		s->spool_fd = open(s->spool_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (s->spool_fd < 0) {
			sw->err = errno;
			return;
		}
	}
	if (s->spool_fd < 0)
		return;
	if (sw->len && !sw->err)
		sw->err = write_all(s->spool_fd, sw->data, sw->len);
	if (!sw->err && (sw->len || sw->first) && fdatasync(s->spool_fd))
		sw->err = errno;
	if (sw->first && !sw->err)
		sw->err = sync_dir(s->srv->cfg.spool_dir);
	if (sw->finish) {
		close(s->spool_fd);
		s->spool_fd = -1;
		if (!sw->keep)
			(void)unlink(s->spool_path);
	}
}

static void spool_work_done(uv_work_t *w, int status)
{
	spool_work *sw = w->data;
	um_sess *s = sw->s;
	(void)status;
	if (sw->err && !s->spool_failed) {
		s->spool_failed = true;
		/* the log (syslog too), with the call: the message is stored at the end all
		 * the same, but is lost if the process dies before */
		ou_log(OU_LOG_WARN, "um", "recording spool %s for call-id=%s: %s", s->spool_path,
		       s->log.call_id, strerror(sw->err));
	}
	free(sw->data);
	free(sw);
	s->spool_busy = false;
	s->pending--;
	spool_kick(s);
	if (s->ended)
		um_sess_maybe_free(s);
}

/* One work at a time per session, so writes land in order. */
static void spool_kick(um_sess *s)
{
	if (s->spool_busy || s->spool_closed || !s->spool_path[0])
		return;
	bool finish = s->spool_finish && !s->spool_n;
	if (s->spool_opened && !s->spool_n && !finish)
		return;
	spool_work *sw = calloc(1, sizeof(*sw));
	if (!sw)
		return;
	sw->w.data = sw;
	sw->s = s;
	sw->first = !s->spool_opened;
	sw->finish = finish;
	sw->keep = s->spool_keep;
	sw->data = s->spool_buf;
	sw->len = s->spool_n;
	s->spool_buf = NULL;
	s->spool_n = s->spool_cap = 0;
	if (uv_queue_work(s->srv->loop, &sw->w, spool_work_run, spool_work_done) != 0) {
		free(sw->data);
		free(sw);
		return;
	}
	s->spool_opened = true;
	s->spool_closed = finish;
	s->spool_busy = true;
	s->pending++;
}

static int spool_buf_add(um_sess *s, const void *p, size_t n)
{
	if (s->spool_n + n > s->spool_cap) {
		size_t cap = s->spool_cap ? s->spool_cap : 8192;
		while (cap < s->spool_n + n)
			cap *= 2;
		uint8_t *b = realloc(s->spool_buf, cap);
		if (!b)
			return OPENUM_ENOMEM;
		s->spool_buf = b;
		s->spool_cap = cap;
	}
	memcpy(s->spool_buf + s->spool_n, p, n);
	s->spool_n += n;
	return 0;
}

/* A header value on one line. */
static void one_line(char *dst, size_t cap, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < cap; i++)
		dst[i] = src[i] == '\r' || src[i] == '\n' ? ' ' : src[i];
	dst[i] = 0;
}

void um_spool_open(um_sess *s)
{
	static unsigned counter;
	const char *dir = s->srv->cfg.spool_dir;
	s->spool_fd = -1;
	if (!dir || !*dir)
		return;
	int n = snprintf(s->spool_path, sizeof(s->spool_path), "%s/%" PRId64 "-%" PRId64 "-%u%s",
	                 dir, s->mb.id, s->rec_started_ms, ++counter, SPOOL_SUFFIX);
	if (n < 0 || (size_t)n >= sizeof(s->spool_path)) {
		s->spool_path[0] = 0;
		return;
	}
	char caller[STORE_URI_MAX], reason[STORE_REASON_MAX], h[SPOOL_HEADER_MAX];
	one_line(caller, sizeof(caller), s->caller);
	one_line(reason, sizeof(reason), s->reason);
	n = snprintf(h, sizeof(h),
	             SPOOL_MAGIC "mailbox %" PRId64 "\nreceived %" PRId64
	                         "\ncaller %s\ndiversion %s\n\n",
	             s->mb.id, s->rec_started_ms, caller, reason);
	if (n < 0 || (size_t)n >= sizeof(h) || spool_buf_add(s, h, (size_t)n) != 0) {
		s->spool_path[0] = 0;
		return;
	}
	spool_kick(s);
}

void um_spool_append(um_sess *s, const uint8_t *ulaw, size_t n)
{
	if (!s->spool_path[0] || s->spool_finish || !n)
		return;
	if (spool_buf_add(s, ulaw, n) == 0)
		spool_kick(s);
}

void um_spool_close(um_sess *s, bool keep)
{
	if (!s->spool_path[0] || s->spool_finish)
		return;
	s->spool_finish = true;
	s->spool_keep = keep;
	spool_kick(s);
}

/* ---- recovery (at start, before the server takes calls) ---------------------- */

/* A header value into a store field, cut to fit (we wrote it from one that fit). */
static void copy_value(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Parses the header; *audio_off is where the mu-law starts. */
static int parse_header(const uint8_t *d, size_t n, store_msg *m, size_t *audio_off)
{
	size_t ml = strlen(SPOOL_MAGIC);
	if (n < ml || memcmp(d, SPOOL_MAGIC, ml) != 0)
		return OPENUM_EBADMSG;
	size_t i = ml;
	bool have_mb = false;
	while (i < n) {
		const uint8_t *nl = memchr(d + i, '\n', n - i);
		if (!nl)
			return OPENUM_EBADMSG;
		size_t len = (size_t)(nl - (d + i));
		char line[SPOOL_HEADER_MAX];
		if (len >= sizeof(line))
			return OPENUM_EBADMSG;
		memcpy(line, d + i, len);
		line[len] = 0;
		i += len + 1;
		if (!len) {
			*audio_off = i;
			return have_mb ? 0 : OPENUM_EBADMSG;
		}
		if (strncmp(line, "mailbox ", 8) == 0)
			have_mb = sscanf(line + 8, "%" SCNd64, &m->mailbox_id) == 1;
		else if (strncmp(line, "received ", 9) == 0)
			(void)sscanf(line + 9, "%" SCNd64, &m->received_ms);
		else if (strncmp(line, "caller ", 7) == 0)
			copy_value(m->caller, sizeof(m->caller), line + 7);
		else if (strncmp(line, "diversion ", 10) == 0)
			copy_value(m->diversion, sizeof(m->diversion), line + 10);
	}
	return OPENUM_EBADMSG; /* the header was cut short: nothing was recorded yet */
}

static int read_file(const char *path, uint8_t **out, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return OPENUM_EIO;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > STORE_AUDIO_MAX + SPOOL_HEADER_MAX) {
				free(buf);
				fclose(f);
				return OPENUM_ETOOBIG;
			}
			uint8_t *b = realloc(buf, cap);
			if (!b) {
				free(buf);
				fclose(f);
				return OPENUM_ENOMEM;
			}
			buf = b;
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	fclose(f);
	*out = buf;
	*n = len;
	return 0;
}

/* The message is already in the store: the crash came between the store's commit
 * and the unlink. Same mailbox, time (ms) and caller (the stored message may be shorter:
 * trailing silence is trimmed). */
static bool already_stored(store *st, const store_msg *m)
{
	store_msg *list = NULL;
	size_t n = 0;
	bool found = false;
	if (store_msg_list(st, m->mailbox_id, ~0u, &list, &n, NULL) != 0)
		return false;
	for (size_t i = 0; i < n && !found; i++)
		found =
		    list[i].received_ms == m->received_ms && strcmp(list[i].caller, m->caller) == 0;
	free(list);
	return found;
}

static int recover_one(store *st, const char *path, const um_spool_transcribe *tr, bool *added,
                       const char **why)
{
	uint8_t *d = NULL;
	size_t n = 0, off = 0;
	*added = false;
	int err = read_file(path, &d, &n);
	if (err) {
		*why = "cannot read a spool file";
		return err;
	}
	store_msg m = {
	    .state = STORE_MSG_NEW,
	    .transcript_state = tr && tr->fn ? STORE_TRANSCRIPT_PENDING : STORE_TRANSCRIPT_NONE,
	};
	if (parse_header(d, n, &m, &off) != 0 || off >= n) {
		/* no audio reached the disk: nothing to keep */
		free(d);
		return unlink(path) == 0 ? 0 : OPENUM_EIO;
	}
	m.audio.codec = STORE_CODEC_PCMU;
	m.audio.data = d + off;
	m.audio.len = n - off;
	if (!already_stored(st, &m)) {
		int64_t id = 0;
		err = store_msg_add(st, &m, &id, why);
		*added = err == 0;
		/* like any other message: queued for its transcript once the store holds it */
		if (*added && tr && tr->fn)
			tr->fn(tr->arg, id);
	}
	free(d);
	if (err)
		return err; /* the file stays for the next start */
	return unlink(path) == 0 ? 0 : OPENUM_EIO;
}

int um_spool_recover(store *st, const char *dir, const um_spool_transcribe *tr, unsigned *recovered,
                     const char **why)
{
	const char *ignored;
	if (!why)
		why = &ignored;
	*recovered = 0;
	/* start-up, on the loop thread, once: one buffer for the reason with its path */
	static char msg[600];
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(msg, sizeof(msg), "cannot create the spool directory %s: %s", dir,
		         strerror(errno));
		*why = msg;
		return OPENUM_EIO;
	}
	DIR *dh = opendir(dir);
	if (!dh) {
		snprintf(msg, sizeof(msg), "cannot open the spool directory %s: %s", dir,
		         strerror(errno));
		*why = msg;
		return OPENUM_EIO;
	}
	int ret = 0;
	struct dirent *e;
	size_t sl = strlen(SPOOL_SUFFIX);
	while ((e = readdir(dh)) != NULL) {
		size_t nl = strlen(e->d_name);
		if (nl <= sl || strcmp(e->d_name + nl - sl, SPOOL_SUFFIX) != 0)
			continue;
		char path[UM_SPOOL_PATH_MAX];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		bool added = false;
		int err = recover_one(st, path, tr, &added, why);
		if (err && !ret)
			ret = err;
		if (added)
			(*recovered)++;
	}
	closedir(dh);
	return ret;
}
