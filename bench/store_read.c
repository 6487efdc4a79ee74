/* bench/store_read: how long the store takes to hand back one voice message with its
 * audio (store_msg_get), the read every playback does. For each store named on the
 * command line (a SQLite path, postgresql://...) it adds one message of SECONDS of
 * G.711 audio shaped like a recording (speech-like bytes with runs of silence), reads
 * it back N times and prints the median and the mean wall time per read, and the CPU
 * time per read of this process (libpq or SQLite) and of every process named
 * "postgres" (the server's backend; read from /proc), which a busy host does not
 * inflate the way it inflates wall time:
 *   openum_store_read SECONDS N STORE...
 * bench/store-read runs it against a temporary SQLite file and a temporary PostgreSQL. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU milliseconds of this process. */
static double self_cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* CPU milliseconds of every process whose name is "postgres" (the server). */
static double postgres_cpu_ms(void)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	double ticks = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char path[300], buf[1024];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		char *lp = strchr(buf, '('), *rp = strrchr(buf, ')');
		if (!lp || !rp || strncmp(lp + 1, "postgres", 8) != 0)
			continue;
		unsigned long ut = 0, st = 0;
		/* after ") ": state, then fields 4..13, then utime (14) and stime (15) */
		if (sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
		           &st) == 2)
			ticks += (double)(ut + st);
	}
	closedir(d);
	return ticks * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int bench_one(const char *conninfo, unsigned seconds, unsigned n)
{
	const char *why = "error";
	store *s = NULL;
	store_options so = {.pin_iterations = 1};
	if (store_open(conninfo, &so, &s, &why) != 0) {
		fprintf(stderr, "store_read: %s: %s\n", conninfo, why);
		return 1;
	}
	char addr[64], ext[16];
	long tag = (long)time(NULL) % 100000 + 100000;
	snprintf(addr, sizeof(addr), "sip:bench%ld@localhost", tag);
	snprintf(ext, sizeof(ext), "%ld", tag);
	int64_t mb = 0, id = 0;
	store_msg m = {0};
	size_t len = (size_t)seconds * 8000;
	uint8_t *audio = malloc(len);
	double *t = calloc(n, sizeof(double));
	int rc = 1;
	if (!audio || !t)
		goto out;
	srand(1);
	for (size_t i = 0; i < len; i++) /* 0.5 s of silence in every 1.5 s */
		audio[i] = (i / 4000) % 3 == 0 ? 0xFF : (uint8_t)(rand() & 0xFF);
	if (store_mailbox_add(s, addr, "Bench", ext, NULL, &mb, &why) != 0)
		goto fail;
	m.mailbox_id = mb;
	m.state = STORE_MSG_NEW;
	snprintf(m.caller, sizeof(m.caller), "sip:caller@localhost");
	m.audio.codec = STORE_CODEC_PCMU;
	m.audio.data = audio;
	m.audio.len = len;
	if (store_msg_add(s, &m, &id, &why) != 0)
		goto fail;
	double c0 = 0, s0 = 0;
	for (unsigned i = 0; i < n + 1; i++) {
		if (i == 1) {
			c0 = self_cpu_ms();
			s0 = postgres_cpu_ms();
		}
		store_msg g = {0};
		double t0 = now_ms();
		if (store_msg_get(s, id, &g, &why) != 0)
			goto fail;
		double dt = now_ms() - t0;
		if (g.audio.len != len || memcmp(g.audio.data, audio, len) != 0) {
			why = "the audio read back differs";
			store_msg_clear(&g);
			goto fail;
		}
		store_msg_clear(&g);
		if (i) /* the first read warms the caches */
			t[i - 1] = dt;
	}
	double cpu = (self_cpu_ms() - c0) / n, srv = (postgres_cpu_ms() - s0) / n;
	double sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += t[i];
	qsort(t, n, sizeof(double), cmp);
	printf("%-10s %8.3f ms/read median %8.3f ms mean, CPU %6.3f ms client %6.3f ms "
	       "server  (%u s message, %zu bytes, %u reads)\n",
	       strncmp(conninfo, "postgres", 8) == 0 || strncmp(conninfo, "pg:", 3) == 0
	           ? "postgresql"
	           : "sqlite",
	       t[n / 2], sum / n, cpu, srv, seconds, len, n);
	rc = 0;
	(void)store_mailbox_del(s, mb, &why);
	goto out;
fail:
	fprintf(stderr, "store_read: %s: %s\n", conninfo, why);
out:
	free(audio);
	free(t);
	store_close(s);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s SECONDS N STORE...\n", argv[0]);
		return 2;
	}
	unsigned seconds = (unsigned)atoi(argv[1]), n = (unsigned)atoi(argv[2]);
	if (seconds == 0 || n == 0)
		return 2;
	int rc = 0;
	for (int i = 3; i < argc; i++)
		rc |= bench_one(argv[i], seconds, n);
	return rc;
}
