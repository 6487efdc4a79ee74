/* bench/wake_probe: how late this machine wakes a thread that sleeps on a timerfd to
 * absolute due times every 2 ms (a media thread's slot tick with no work), pinned to
 * --cpu and SCHED_FIFO at --fifo when given. Its p99 is the floor under any send
 * jitter a media thread can reach here: on a shared VM the hypervisor and the other
 * tenants set it, not the program. Prints one line of key=value pairs (microseconds).
 *
 *   wake_probe [--cpu N] [--fifo PRIO] [--seconds S] */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define STEP_NS 2000000ull

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int cpu = -1, prio = 0;
	unsigned seconds = 5;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--cpu"))
			cpu = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--fifo"))
			prio = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = (unsigned)atoi(argv[i + 1]);
		else {
			fprintf(stderr, "wake_probe: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			fprintf(stderr, "wake_probe: cannot pin to CPU %d: %s\n", cpu,
			        strerror(errno));
			return 1;
		}
	}
	if (prio > 0) {
		struct sched_param sp = {.sched_priority = prio};
		if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
			fprintf(stderr, "wake_probe: SCHED_FIFO %d: %s\n", prio, strerror(errno));
			return 1;
		}
	}
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	size_t n = (size_t)seconds * (1000000000ull / STEP_NS);
	uint64_t *late = malloc((n ? n : 1) * sizeof(*late));
	if (fd < 0 || !late || n == 0) {
		fprintf(stderr, "wake_probe: no timerfd or memory\n");
		free(late);
		return 1;
	}
	uint64_t t0 = mono_ns() + STEP_NS;
	for (size_t i = 0; i < n; i++) {
		uint64_t due = t0 + i * STEP_NS;
		struct itimerspec it = {.it_value = {.tv_sec = (time_t)(due / 1000000000u),
		                                     .tv_nsec = (long)(due % 1000000000u)}};
		timerfd_settime(fd, TFD_TIMER_ABSTIME, &it, NULL);
		uint64_t x;
		if (read(fd, &x, sizeof(x)) < 0 && errno != EINTR) {
			free(late);
			return 1;
		}
		uint64_t t = mono_ns();
		late[i] = t > due ? t - due : 0;
	}
	qsort(late, n, sizeof(*late), cmp_u64);
	printf("wakes=%zu wake_p50_us=%.1f wake_p99_us=%.1f wake_p999_us=%.1f wake_max_us=%.1f\n",
	       n, (double)late[(size_t)((double)(n - 1) * 0.5)] / 1e3,
	       (double)late[(size_t)((double)(n - 1) * 0.99)] / 1e3,
	       (double)late[(size_t)((double)(n - 1) * 0.999)] / 1e3, (double)late[n - 1] / 1e3);
	free(late);
	close(fd);
	return 0;
}
