/* bench/peers.h: the interface between the parse benchmark (parse_bench.c) and the
 * drivers of the peer parsers. Each peer lives in its own file because libre and
 * openum both declare a `struct sip_msg` and functions of the same names. */
#ifndef OPENUM_BENCH_PEERS_H
#define OPENUM_BENCH_PEERS_H

#include <stddef.h>
#include <stdint.h>

/* Everything a decoder reads goes into this sink, so the compiler cannot drop it. */
extern volatile uint64_t bench_sink;

typedef struct bench_impl {
	const char *name;
	const char *pkg; /* pkg-config module, NULL for in-tree implementations */
	int available;   /* 0: not compiled in (pkg-config did not find it) */
	/* Every hook but decode may be NULL. init is called once before anything else
	 * and returns 0 or prints why the implementation cannot run. */
	int (*init)(void);
	void (*fini)(void);
	/* Per-message state built once outside the timed loop (libre wants an mbuf);
	 * may return NULL when the decoder reads buf directly. */
	void *(*prep)(const char *buf, size_t len);
	void (*unprep)(void *state);
	/* Decodes one message; returns 0 on success or non-zero with *why set. */
	int (*decode)(void *state, const char *buf, size_t len, const char **why);
} bench_impl;

extern const bench_impl bench_libre;
extern const bench_impl bench_sofia;
extern const bench_impl bench_osip;

#endif
