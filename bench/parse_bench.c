/* bench/parse_bench.c: how fast openum decodes SIP messages, next to libre, sofia-sip,
 * oSIP2 and a memchr line-scan floor, all measured in one run on the same messages
 * (every *.sip file of a directory, one message per file). bench/parse builds and runs
 * it; the output has the shape every openum benchmark shares (see DESIGN.md). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "peers.h"
#include "sip/sip.h"

volatile uint64_t bench_sink;

/* ---- openum ------------------------------------------------------------------ */

/* "Decode" is what a proxy touches on every message: index all headers, check the
 * mandatory ones (Request-URI, every Via, From, To, Call-ID, CSeq), then the typed
 * values it routes on. Absent optional headers are not errors. */
static sip_msg openum_msg;

static int openum_decode(void *state, const char *buf, size_t len, const char **why)
{
	sip_msg *m = &openum_msg;
	const sip_via *vias;
	const sip_addr *contacts;
	const sip_cseq *cseq;
	const sip_ms_cmd *cmd;
	unsigned n;
	uint32_t v;
	sip_sens sens;
	int err;

	(void)state;
	if ((err = sip_msg_parse(buf, len, m, why)) || (err = sip_msg_check(m, why)) ||
	    (err = sip_msg_vias(m, &vias, &n, why)) || (err = sip_msg_cseq(m, &cseq, why)))
		return err;
	bench_sink += n + cseq->num + (uintptr_t)vias[0].host.p;

	err = sip_msg_contacts(m, &contacts, &n, why);
	if (err == 0)
		bench_sink += n;
	else if (err != OPENUM_ENOTFOUND)
		return err;
	err = sip_msg_max_forwards(m, &v, why);
	if (err == 0)
		bench_sink += v;
	else if (err != OPENUM_ENOTFOUND)
		return err;
	err = sip_msg_content_length(m, &v, why);
	if (err == 0)
		bench_sink += v;
	else if (err != OPENUM_ENOTFOUND)
		return err;
	if ((err = sip_msg_ms_cmd(m, &cmd, why)) || (err = sip_msg_sensitivity(m, &sens, why)))
		return err;
	bench_sink += cmd->skip_pin + sens;
	return 0;
}

static const bench_impl bench_openum = {
    .name = "openum",
    .available = 1,
    .decode = openum_decode,
};

/* ---- openum's index alone ---------------------------------------------------------
 * sip_msg_parse without the typed values: how much of openum's line is the one-pass
 * header index and how much the accessors. Not a peer and not in the ratio. */
static int index_decode(void *state, const char *buf, size_t len, const char **why)
{
	(void)state;
	int err = sip_msg_parse(buf, len, &openum_msg, why);
	bench_sink += openum_msg.nhdr;
	return err;
}

static const bench_impl bench_index = {
    .name = "index",
    .available = 1,
    .decode = index_decode,
};

/* ---- the floor: find every line end, nothing else ------------------------------ */

static int memchr_decode(void *state, const char *buf, size_t len, const char **why)
{
	const char *p = buf, *end = buf + len;
	unsigned lines = 0;

	(void)state;
	(void)why;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p++;
	}
	bench_sink += lines;
	return 0;
}

static const bench_impl bench_memchr = {
    .name = "memchr",
    .available = 1,
    .decode = memchr_decode,
};

/* ---- the corpus ------------------------------------------------------------------ */

enum { IMPL_OPENUM, IMPL_LIBRE, IMPL_SOFIA, IMPL_OSIP, IMPL_MEMCHR, IMPL_INDEX, NIMPL };
static const bench_impl *impls[NIMPL] = {
    &bench_openum, &bench_libre, &bench_sofia, &bench_osip, &bench_memchr, &bench_index,
};

typedef struct bench_file {
	char *name;
	char *buf; /* exactly len bytes, no NUL after them */
	size_t len;
	void *state[NIMPL];
} bench_file;

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		/* Exact size: a reader that runs past the end touches unowned memory. */
		buf = malloc(n ? (size_t)n : 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static bench_file *load_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	bench_file *files;

	if (!d) {
		fprintf(stderr, "parse: cannot open %s: %s\n", dir, strerror(errno));
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".sip") != 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "parse: no *.sip file in %s\n", dir);
		free(names);
		return NULL;
	}
	qsort(names, n, sizeof(*names), name_cmp);

	files = calloc(n, sizeof(*files));
	if (!files)
		abort();
	for (size_t i = 0; i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		files[i].name = names[i];
		files[i].buf = read_file(path, &files[i].len);
		if (!files[i].buf) {
			fprintf(stderr, "parse: cannot read %s: %s\n", path, strerror(errno));
			return NULL;
		}
	}
	free(names);
	*count = n;
	return files;
}

/* ---- measuring ------------------------------------------------------------------- */

/* CPU time of this thread, not wall time: on a shared machine a preemption must not be
 * charged to whichever implementation happened to be running. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs `passes` passes over all files; returns the number of failed decodes. */
static unsigned long run(int k, bench_file *files, size_t nfiles, unsigned long passes)
{
	int (*decode)(void *, const char *, size_t, const char **) = impls[k]->decode;
	unsigned long fails = 0;
	const char *why;

	for (unsigned long p = 0; p < passes; p++)
		for (size_t i = 0; i < nfiles; i++)
			fails += decode(files[i].state[k], files[i].buf, files[i].len, &why) != 0;
	return fails;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: parse_bench [--rounds=N] [--time=SECONDS] [--passes=N] [--only=a,b]\n"
	        "                   [DIR]\n"
	        "Decodes every *.sip file of DIR (one message per file) with openum and the\n"
	        "installed peers; prints ns/msg per implementation (median of the rounds).\n"
	        "  --rounds=N     rounds per implementation (default 5)\n"
	        "  --time=S       measured seconds per implementation, all rounds (default 1)\n"
	        "  --passes=N     fixed passes over the corpus per round (no calibration)\n"
	        "  --only=LIST    measure only these (openum,libre,sofia,osip,memchr,index)\n");
}

static int only_has(const char *only, const char *name)
{
	size_t l = strlen(name);

	for (const char *p = only; p && *p;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		if (n == l && strncmp(p, name, l) == 0)
			return 1;
		p = c ? c + 1 : NULL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = "bench/corpus", *only = NULL;
	unsigned rounds = 5;
	double total_time = 1.0;
	unsigned long fixed_passes = 0, passes[NIMPL] = {0}, bad_msgs[NIMPL] = {0};
	int run_k[NIMPL] = {0};
	double ns[NIMPL] = {0}, *samples[NIMPL] = {0};
	bench_file *files;
	size_t nfiles = 0, bytes = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--rounds=", 9) == 0)
			rounds = (unsigned)strtoul(a + 9, NULL, 10);
		else if (strncmp(a, "--time=", 7) == 0)
			total_time = strtod(a + 7, NULL);
		else if (strncmp(a, "--passes=", 9) == 0)
			fixed_passes = strtoul(a + 9, NULL, 10);
		else if (strncmp(a, "--only=", 7) == 0)
			only = a + 7;
		else if (a[0] == '-') {
			usage();
			return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ? 0 : 2;
		} else
			dir = a;
	}
	if (rounds == 0 || total_time <= 0) {
		usage();
		return 2;
	}

	/* Stay on one CPU: a migration mid-round costs more than a message. */
	{
		cpu_set_t set;
		int cpu = sched_getcpu();

		CPU_ZERO(&set);
		if (cpu >= 0) {
			CPU_SET(cpu, &set);
			(void)sched_setaffinity(0, sizeof(set), &set);
		}
	}

	files = load_dir(dir, &nfiles);
	if (!files)
		return 1;
	for (size_t i = 0; i < nfiles; i++)
		bytes += files[i].len;
	printf("# %zu messages (%zu bytes) from %s; median of %u rounds\n", nfiles, bytes, dir,
	       rounds);

	/* Set up, then check every implementation on every message before timing: a
	 * decoder that fails early would look fast. */
	for (int k = 0; k < NIMPL; k++) {
		const bench_impl *im = impls[k];

		if (only && !only_has(only, im->name))
			continue;
		if (!im->available)
			continue;
		if (im->init && im->init() != 0) {
			fprintf(stderr, "parse: %s: initialisation failed\n", im->name);
			continue;
		}
		run_k[k] = 1;
		for (size_t i = 0; i < nfiles; i++) {
			const char *why = NULL;
			int err;

			files[i].state[k] = im->prep ? im->prep(files[i].buf, files[i].len) : NULL;
			err = im->decode(files[i].state[k], files[i].buf, files[i].len, &why);
			if (err == 0)
				continue;
			bad_msgs[k]++;
			if (k == IMPL_OPENUM)
				fprintf(stderr, "parse: openum: %s/%s: %s (%s)\n", dir,
				        files[i].name, why ? why : "?", ou_strerror(err));
			else
				fprintf(stderr, "parse: %s: %s/%s: %s\n", im->name, dir,
				        files[i].name, why ? why : "?");
		}
	}
	if (bad_msgs[IMPL_OPENUM]) {
		fprintf(stderr, "parse: openum failed on %lu of %zu messages: not measuring\n",
		        bad_msgs[IMPL_OPENUM], nfiles);
		return 1;
	}

	/* Warm up (caches, branch predictors, allocator pools) and calibrate so that
	 * every round of every implementation lasts about total_time / rounds. */
	for (int k = 0; k < NIMPL; k++) {
		double t0, dt;
		unsigned long p = 1;

		if (!run_k[k])
			continue;
		samples[k] = calloc(rounds, sizeof(double));
		if (!samples[k])
			abort();
		if (fixed_passes) {
			passes[k] = fixed_passes;
			continue;
		}
		for (;;) {
			t0 = now();
			run(k, files, nfiles, p);
			dt = now() - t0;
			if (dt >= 0.05)
				break;
			p *= 2;
		}
		passes[k] = (unsigned long)((double)p * (total_time / rounds) / dt) + 1;
	}

	/* Rounds interleave the implementations so that a change of clock speed or a
	 * noisy neighbour hits all of them alike. */
	for (unsigned r = 0; r < rounds; r++) {
		for (int k = 0; k < NIMPL; k++) {
			double t0, dt;
			unsigned long fails;

			if (!run_k[k])
				continue;
			t0 = now();
			fails = run(k, files, nfiles, passes[k]);
			dt = now() - t0;
			if (fails != bad_msgs[k] * passes[k]) {
				fprintf(stderr,
				        "parse: %s: %lu failures in a round, expected %lu\n",
				        impls[k]->name, fails, bad_msgs[k] * passes[k]);
				if (k == IMPL_OPENUM)
					return 1;
			}
			samples[k][r] = dt * 1e9 / ((double)passes[k] * (double)nfiles);
		}
	}

	for (int k = 0; k < NIMPL; k++) {
		const bench_impl *im = impls[k];

		if (only && !only_has(only, im->name))
			continue;
		if (!im->available) {
			printf("%-8s skipped: not installed (pkg-config %s)\n", im->name, im->pkg);
			continue;
		}
		if (!run_k[k]) {
			printf("%-8s skipped: initialisation failed\n", im->name);
			continue;
		}
		qsort(samples[k], rounds, sizeof(double), dbl_cmp);
		ns[k] = samples[k][rounds / 2];
		/* Two decimals below 1 M msg/s, so that slow peers do not all read 0.1. */
		printf("%-8s %7.0f ns/msg %7.*f M msg/s", im->name, ns[k], 1e3 / ns[k] < 1 ? 2 : 1,
		       1e3 / ns[k]);
		if (bad_msgs[k]) {
			printf("   (failed on %lu of %zu messages: not comparable)", bad_msgs[k],
			       nfiles);
		}
		printf("\n");
	}

	{
		int best = -1;

		for (int k = IMPL_LIBRE; k <= IMPL_OSIP; k++)
			if (run_k[k] && !bad_msgs[k] && (best < 0 || ns[k] < ns[best]))
				best = k;
		if (!run_k[IMPL_OPENUM] || best < 0)
			printf("ratio: n/a (no peer measured successfully alongside openum)\n");
		else if (ns[best] >= ns[IMPL_OPENUM])
			printf("ratio: openum is %.1fx faster than the fastest peer (%s)\n",
			       ns[best] / ns[IMPL_OPENUM], impls[best]->name);
		else
			printf("ratio: openum is %.1fx slower than the fastest peer (%s)\n",
			       ns[IMPL_OPENUM] / ns[best], impls[best]->name);
	}

	for (int k = 0; k < NIMPL; k++) {
		if (!run_k[k])
			continue;
		for (size_t i = 0; i < nfiles; i++)
			if (impls[k]->unprep)
				impls[k]->unprep(files[i].state[k]);
		if (impls[k]->fini)
			impls[k]->fini();
		free(samples[k]);
	}
	for (size_t i = 0; i < nfiles; i++) {
		free(files[i].buf);
		free(files[i].name);
	}
	free(files);
	/* A peer that failed on some message is reported, not fatal: its figure is marked
	 * and it is left out of the ratio. */
	return 0;
}
