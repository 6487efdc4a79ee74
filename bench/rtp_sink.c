/* rtp_sink: the receiving side of bench/um-playback. One UDP port (and the next one,
 * for RTCP) on loopback receives the RTP of every call that bench's SIPp callers set up;
 * streams are told apart by SSRC. Once --expect streams are up (and --settle ms more),
 * it measures for --seconds: packets/s received, packets lost (sequence gaps), CPU of
 * the sending process (--pid, utime+stime from /proc/PID/stat), and the send jitter:
 *
 * - schedule deviation: for every packet, its arrival time (the kernel's receive time
 *   stamp, SO_TIMESTAMPNS) minus the time its RTP timestamp says it is due (8 kHz clock),
 *   relative to the earliest packet of the same stream in the window. A perfectly paced
 *   stream gives 0 for every packet whatever its constant delay; p50/p99/max over all.
 *   A timestamp jump (frames skipped) or a packet 60 ms or more late (a stalled sender
 *   that moved its schedule back: openum sends late and skips nothing) starts a new
 *   segment measured from its own earliest packet; skipped frames and stalls (with the
 *   worst one's delay) are counted apart.
 * - inter-arrival: |arrival gap - timestamp gap| between consecutive packets of a stream
 *   (RFC 3550's D(i-1,i)), p50/p99.
 *
 * Prints one line of key=value pairs on stdout for the bench script; exit 1 when the
 * streams never come up. Not part of openum: plain sockets, no openum code, so it
 * measures openum from outside as a phone would.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define HASH_CAP 16384   /* power of two, more than twice the streams we expect */
#define NS_PER_TS 125000 /* one 8 kHz sample */
/* a packet this much later than the earliest of its segment: the sender stalled (openum
 * moves its schedule back after 3 periods, src/media/worker.c) */
#define STALL_NS 60000000

typedef struct stream {
	uint32_t ssrc;
	int used;
	int seen;
	int in_window;     /* has a first packet in the window */
	uint16_t last_seq; /* of the last packet seen (window or not) */
	uint64_t ext_ts;   /* unwrapped timestamp of the last packet */
	uint32_t win_packets;
	uint64_t win_first_seq, win_max_seq, seq_ext; /* extended sequence numbers */
	uint32_t seg;     /* schedule segment: a timestamp jump or a stall starts the next one */
	uint64_t skipped; /* frames the sender skipped (timestamp jumps, no seq gap) */
	int have_min;     /* seg_min is set */
	int64_t seg_min;  /* the earliest arrival against the schedule in this segment */
	uint64_t stalls;  /* the sender fell STALL_NS behind and moved its schedule back */
	int64_t stall_max;
} stream;

typedef struct sample {
	uint32_t stream;
	uint32_t seg;
	uint64_t order; /* arrival order */
	int64_t off;    /* arrival - timestamp schedule, ns */
} sample;

static stream streams[HASH_CAP];
static unsigned nstreams;
static sample *samples;
static size_t nsamples, cap_samples;
static uint32_t *ia; /* inter-arrival deviations, us*10 */
static size_t nia, cap_ia;

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static long cpu_ticks(const char *pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* after ") ": state(3) ... utime(14) stime(15) */
	unsigned long ut = 0, st = 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/* The process's resident set (VmRSS of /proc/PID/status), KiB; -1 when unknown. */
static long rss_kib(const char *pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long kib = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Nanoseconds the process's threads spent runnable but waiting for a CPU, summed
 * (/proc/PID/task/TID/schedstat, second field): what a loaded machine takes from it. */
static long long run_wait_ns(const char *pid)
{
	char path[300];
	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	long long sum = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/schedstat", pid, e->d_name);
		FILE *f = fopen(path, "r");
		long long run, wait;
		if (f && fscanf(f, "%lld %lld", &run, &wait) == 2)
			sum += wait;
		if (f)
			fclose(f);
	}
	closedir(d);
	return sum;
}

/* The time on a CPU and waiting for one (schedstat, ns) of the process's media threads
 * (comm "openum-media*"): the sending alone, apart from the SIP loop. */
static void media_ns(const char *pid, long long *run_out, long long *wait_out)
{
	char path[300], comm[64];
	*run_out = *wait_out = -1;
	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	long long run_sum = 0, wait_sum = 0;
	int found = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/comm", pid, e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		int is_media = fgets(comm, sizeof(comm), f) && !strncmp(comm, "openum-media", 12);
		fclose(f);
		if (!is_media)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/schedstat", pid, e->d_name);
		f = fopen(path, "r");
		long long run, wait;
		if (f && fscanf(f, "%lld %lld", &run, &wait) == 2) {
			run_sum += run;
			wait_sum += wait;
			found = 1;
		}
		if (f)
			fclose(f);
	}
	closedir(d);
	if (found) {
		*run_out = run_sum;
		*wait_out = wait_sum;
	}
}

static stream *find(uint32_t ssrc)
{
	unsigned h = (ssrc * 2654435761u) & (HASH_CAP - 1);
	for (;;) {
		stream *s = &streams[h];
		if (!s->used) {
			if (nstreams >= HASH_CAP / 2)
				return NULL;
			s->used = 1;
			s->ssrc = ssrc;
			nstreams++;
			return s;
		}
		if (s->ssrc == ssrc)
			return s;
		h = (h + 1) & (HASH_CAP - 1);
	}
}

static void push_sample(uint32_t idx, uint32_t seg, int64_t off)
{
	if (nsamples == cap_samples) {
		cap_samples = cap_samples ? cap_samples * 2 : 1 << 20;
		samples = realloc(samples, cap_samples * sizeof(*samples));
		if (!samples) {
			fprintf(stderr, "rtp_sink: out of memory\n");
			exit(1);
		}
	}
	samples[nsamples] = (sample){idx, seg, nsamples, off};
	nsamples++;
}

static void push_ia(uint32_t v)
{
	if (nia == cap_ia) {
		cap_ia = cap_ia ? cap_ia * 2 : 1 << 20;
		ia = realloc(ia, cap_ia * sizeof(*ia));
		if (!ia) {
			fprintf(stderr, "rtp_sink: out of memory\n");
			exit(1);
		}
	}
	ia[nia++] = v;
}

static void packet(const uint8_t *b, size_t len, uint64_t arrival, int window)
{
	if (len < 12 || (b[0] >> 6) != 2)
		return;
	uint16_t seq = (uint16_t)(b[2] << 8 | b[3]);
	uint32_t ts = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	uint32_t ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
	if ((b[1] & 0x7f) != 0 && (b[1] & 0x7f) != 8)
		return; /* audio only: telephone-events keep the timestamp of their digit */
	stream *s = find(ssrc);
	if (!s)
		return;
	uint32_t idx = (uint32_t)(s - streams);
	int32_t dts = 0, dseq = 0;
	if (!s->seen) {
		s->seen = 1;
		s->ext_ts = (uint64_t)ts + (1ull << 32); /* room to go back a little */
		s->seq_ext = seq + (1ull << 16);
	} else {
		dts = (int32_t)(ts - (uint32_t)s->ext_ts);
		dseq = (int16_t)(uint16_t)(seq - s->last_seq);
		s->ext_ts += (uint64_t)(int64_t)dts;
		s->seq_ext += (uint64_t)(int64_t)dseq;
	}
	if (window) {
		if (!s->in_window) {
			s->in_window = 1;
			s->win_first_seq = s->seq_ext;
			s->win_max_seq = s->seq_ext;
		} else if (dseq > 0 && dts != 160 * dseq) {
			/* the sender's timeline jumped (its clock gave ticks up, or a new
			 * talkspurt): count the frames it skipped, and measure the packets
			 * after it against their own schedule */
			if (dts > 160 * dseq)
				s->skipped += (uint64_t)(dts / 160 - dseq);
			s->seg++;
			s->have_min = 0;
		}
		if (s->seq_ext > s->win_max_seq)
			s->win_max_seq = s->seq_ext;
		s->win_packets++;
		int64_t off = (int64_t)arrival - (int64_t)(s->ext_ts * NS_PER_TS);
		if (s->have_min && off - s->seg_min >= STALL_NS) {
			/* the sender stalled and moved its schedule back (openum sends late
			 * and skips nothing): count the stall, measure from here on against
			 * the new schedule */
			if (off - s->seg_min > s->stall_max)
				s->stall_max = off - s->seg_min;
			s->stalls++;
			s->seg++;
			s->have_min = 0;
		}
		if (!s->have_min || off < s->seg_min) {
			s->seg_min = off;
			s->have_min = 1;
		}
		push_sample(idx, s->seg, off);
	}
	s->last_seq = seq;
}

static int cmp_sample(const void *a, const void *b)
{
	const sample *x = a, *y = b;
	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int bind_pair(int *rtp, int *rtcp, uint16_t *port)
{
	for (int tries = 0; tries < 200; tries++) {
		int a = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in sa = {.sin_family = AF_INET};
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		/* an even port from the ephemeral range, the next one for RTCP */
		sa.sin_port = htons((uint16_t)(32768 + 2 * (rand() % 14000)));
		if (a < 0)
			return -1;
		if (bind(a, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(a);
			continue;
		}
		int b = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in sb = sa;
		sb.sin_port = htons((uint16_t)(ntohs(sa.sin_port) + 1));
		if (b < 0 || bind(b, (struct sockaddr *)&sb, sizeof(sb)) != 0) {
			close(a);
			if (b >= 0)
				close(b);
			continue;
		}
		*rtp = a;
		*rtcp = b;
		*port = ntohs(sa.sin_port);
		return 0;
	}
	return -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: rtp_sink --port-file FILE --expect N --seconds S [--settle MS]\n"
	                "                [--pid PID] [--timeout S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *port_file = NULL, *pid = NULL;
	unsigned expect = 0, seconds = 0, settle_ms = 1000, timeout_s = 120;
	for (int i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage();
		if (!strcmp(argv[i], "--port-file"))
			port_file = v;
		else if (!strcmp(argv[i], "--expect"))
			expect = (unsigned)atoi(v);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = (unsigned)atoi(v);
		else if (!strcmp(argv[i], "--settle"))
			settle_ms = (unsigned)atoi(v);
		else if (!strcmp(argv[i], "--pid"))
			pid = v;
		else if (!strcmp(argv[i], "--timeout"))
			timeout_s = (unsigned)atoi(v);
		else
			usage();
	}
	if (!port_file || expect == 0 || seconds == 0 || expect > HASH_CAP / 2)
		usage();
	srand((unsigned)getpid() ^ (unsigned)mono_ns());
	int rtp, rtcp;
	uint16_t port;
	if (bind_pair(&rtp, &rtcp, &port) != 0) {
		fprintf(stderr, "rtp_sink: cannot bind a UDP port pair on 127.0.0.1: %s\n",
		        strerror(errno));
		return 1;
	}
	int big = 32 << 20, on = 1;
	if (setsockopt(rtp, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) != 0)
		(void)setsockopt(rtp, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (setsockopt(rtp, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) != 0) {
		fprintf(stderr, "rtp_sink: SO_TIMESTAMPNS: %s\n", strerror(errno));
		return 1;
	}
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
	FILE *pf = fopen(tmp, "w");
	if (!pf || fprintf(pf, "%u\n", port) < 0 || fclose(pf) != 0 || rename(tmp, port_file)) {
		fprintf(stderr, "rtp_sink: cannot write %s\n", port_file);
		return 1;
	}

	static uint8_t bufs[BATCH][1500];
	static char ctrl[BATCH][CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov[BATCH];
	struct mmsghdr mm[BATCH];
	uint64_t t_begin = mono_ns(), t_up = 0, t_win = 0, t_end = 0;
	long cpu0 = -1, cpu1 = -1;
	long long wait0 = -1, wait1 = -1;
	long long mrun0 = -1, mrun1 = -1, mwait0 = -1, mwait1 = -1;
	long rss1 = -1;
	int window = 0;
	uint64_t rtcp_n = 0;
	for (;;) {
		uint64_t now = mono_ns();
		if (!window && !t_up && nstreams >= expect)
			t_up = now;
		if (!window && t_up && now >= t_up + (uint64_t)settle_ms * 1000000u) {
			window = 1;
			t_win = now;
			cpu0 = pid ? cpu_ticks(pid) : -1;
			wait0 = pid ? run_wait_ns(pid) : -1;
			if (pid)
				media_ns(pid, &mrun0, &mwait0);
		}
		if (window && now >= t_win + (uint64_t)seconds * 1000000000u) {
			t_end = now;
			cpu1 = pid ? cpu_ticks(pid) : -1;
			wait1 = pid ? run_wait_ns(pid) : -1;
			if (pid)
				media_ns(pid, &mrun1, &mwait1);
			rss1 = pid ? rss_kib(pid) : -1;
			break;
		}
		if (!window && now > t_begin + (uint64_t)timeout_s * 1000000000u) {
			fprintf(stderr, "rtp_sink: only %u of %u streams came up in %u s\n",
			        nstreams, expect, timeout_s);
			printf("streams=%u error=timeout\n", nstreams);
			return 1;
		}
		struct pollfd p[2] = {{rtp, POLLIN, 0}, {rtcp, POLLIN, 0}};
		if (poll(p, 2, 10) < 0 && errno != EINTR)
			return 1;
		if (p[1].revents & POLLIN) {
			while (recv(rtcp, bufs[0], sizeof(bufs[0]), MSG_DONTWAIT) > 0)
				rtcp_n++;
		}
		if (!(p[0].revents & POLLIN))
			continue;
		for (;;) {
			for (int i = 0; i < BATCH; i++) {
				iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
				mm[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i],
				                                .msg_iovlen = 1,
				                                .msg_control = ctrl[i],
				                                .msg_controllen = sizeof(ctrl[i])};
			}
			int n = recvmmsg(rtp, mm, BATCH, MSG_DONTWAIT, NULL);
			if (n <= 0)
				break;
			for (int i = 0; i < n; i++) {
				uint64_t at = 0;
				for (struct cmsghdr *c = CMSG_FIRSTHDR(&mm[i].msg_hdr); c;
				     c = CMSG_NXTHDR(&mm[i].msg_hdr, c)) {
					if (c->cmsg_level == SOL_SOCKET &&
					    c->cmsg_type == SCM_TIMESTAMPNS) {
						struct timespec ts;
						memcpy(&ts, CMSG_DATA(c), sizeof(ts));
						at = (uint64_t)ts.tv_sec * 1000000000u +
						     (uint64_t)ts.tv_nsec;
					}
				}
				if (at)
					packet(bufs[i], mm[i].msg_len, at, window);
			}
			if (n < BATCH)
				break;
		}
	}

	/* window figures */
	uint64_t received = 0, expected = 0;
	unsigned active = 0;
	for (unsigned i = 0; i < HASH_CAP; i++) {
		stream *s = &streams[i];
		if (!s->in_window)
			continue;
		active++;
		received += s->win_packets;
		expected += s->win_max_seq - s->win_first_seq + 1;
	}
	uint64_t skipped = 0, stalls = 0;
	int64_t stall_max = 0;
	for (unsigned i = 0; i < HASH_CAP; i++) {
		skipped += streams[i].skipped;
		stalls += streams[i].stalls;
		if (streams[i].stall_max > stall_max)
			stall_max = streams[i].stall_max;
	}
	int64_t *dev = malloc((nsamples ? nsamples : 1) * sizeof(*dev));
	if (!dev)
		return 1;
	/* per stream and schedule segment, in arrival order: the deviation from the
	 * segment's earliest packet, and D(i-1,i) between neighbours */
	qsort(samples, nsamples, sizeof(*samples), cmp_sample);
	for (size_t a = 0, b; a < nsamples; a = b) {
		int64_t min = samples[a].off;
		for (b = a + 1; b < nsamples && samples[b].stream == samples[a].stream &&
		                samples[b].seg == samples[a].seg;
		     b++)
			if (samples[b].off < min)
				min = samples[b].off;
		for (size_t i = a; i < b; i++) {
			dev[i] = samples[i].off - min;
			if (i > a) {
				int64_t d = samples[i].off - samples[i - 1].off;
				d = d < 0 ? -d : d;
				push_ia((uint32_t)(d / 100 > UINT32_MAX ? UINT32_MAX : d / 100));
			}
		}
	}
	qsort(dev, nsamples, sizeof(*dev), cmp_i64);
	qsort(ia, nia, sizeof(*ia), cmp_u32);
	double secs = (double)(t_end - t_win) / 1e9;
#define PCT(arr, n, p) ((n) ? (arr)[(size_t)((double)((n)-1) * (p))] : 0)
	long hz = sysconf(_SC_CLK_TCK);
	double cpu = (cpu0 >= 0 && cpu1 >= 0) ? (double)(cpu1 - cpu0) / (double)hz : -1;
	printf("streams=%u seconds=%.3f packets=%llu pps=%.0f lost=%lld "
	       "dev_p50_us=%.1f dev_p99_us=%.1f dev_p999_us=%.1f dev_max_us=%.1f "
	       "ia_p50_us=%.1f ia_p99_us=%.1f cpu_s=%.2f wait_s=%.2f rtcp=%llu skipped=%llu "
	       "stalls=%llu stall_max_us=%.1f rss_kib=%ld media_cpu_s=%.3f media_wait_s=%.3f\n",
	       active, secs, (unsigned long long)received, (double)received / secs,
	       (long long)expected - (long long)received, (double)PCT(dev, nsamples, 0.5) / 1e3,
	       (double)PCT(dev, nsamples, 0.99) / 1e3, (double)PCT(dev, nsamples, 0.999) / 1e3,
	       nsamples ? (double)dev[nsamples - 1] / 1e3 : 0.0, (double)PCT(ia, nia, 0.5) / 10,
	       (double)PCT(ia, nia, 0.99) / 10, cpu,
	       wait0 >= 0 && wait1 >= 0 ? (double)(wait1 - wait0) / 1e9 : -1.0,
	       (unsigned long long)rtcp_n, (unsigned long long)skipped, (unsigned long long)stalls,
	       (double)stall_max / 1e3, rss1,
	       mrun0 >= 0 && mrun1 >= 0 ? (double)(mrun1 - mrun0) / 1e9 : -1.0,
	       mwait0 >= 0 && mwait1 >= 0 ? (double)(mwait1 - mwait0) / 1e9 : -1.0);
	free(dev);
	free(samples);
	free(ia);
	close(rtp);
	close(rtcp);
	return 0;
}
