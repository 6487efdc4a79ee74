/* fuzz_util.h: what every libFuzzer harness in tests/fuzz needs: an invariant check that
 * holds in every build type (unlike assert) and an exact-size copy of the input, so that
 * ASan catches a parser that reads one byte past the end. */
#ifndef OPENUM_TESTS_FUZZ_UTIL_H
#define OPENUM_TESTS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x);                    \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A malloc'd copy of exactly size bytes (one byte for empty input: malloc(0) may be
 * NULL); NULL when out of memory. free() it. */
static inline void *fuzz_copy(const uint8_t *data, size_t size)
{
	void *buf = malloc(size ? size : 1);
	if (buf && size)
		memcpy(buf, data, size);
	return buf;
}

#endif
