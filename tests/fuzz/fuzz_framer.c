/* libFuzzer harness for the stream framer. The first byte picks a chunk size; the rest
 * is fed in chunks of that size. Frames must tile the input exactly, whatever the split,
 * and every message or ping frame must be the same as with one big read (runs of stray
 * line breaks may be skipped in pieces of any size). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip.h"

struct result {
	size_t frames, consumed;
	int err;
};

static struct result run(const char *in, size_t size, size_t step, size_t *lens, size_t cap)
{
	struct result r = {0, 0, 0};
	sip_framer f;
	sip_framer_init(&f);
	f.max_msg = 4096; /* small, so the fuzzer reaches the limit */
	size_t have = 0;
	while (r.consumed + have < size || have) {
		size_t add = size - r.consumed - have;
		if (add > step)
			add = step;
		have += add;
		int k;
		size_t len = 0;
		const char *why = NULL;
		while (have && (k = sip_frame(&f, in + r.consumed, have, &len, &why)) > 0) {
			if (len == 0 || len > have)
				abort();
			if (k != SIP_FRAME_SKIP) {
				if (r.frames < cap)
					lens[r.frames] = (size_t)k << 24 | len;
				r.frames++;
			}
			r.consumed += len;
			have -= len;
		}
		if (have && k < 0 && k != OPENUM_EAGAIN) {
			if (!why)
				abort();
			r.err = k;
			return r;
		}
		if (add == 0)
			break;
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)(data[0] % 64) + 1;
	size--;
	char *in = malloc(size ? size : 1);
	memcpy(in, data + 1, size);
	size_t a[64], b[64];
	struct result r1 = run(in, size, size ? size : 1, a, 64);
	struct result r2 = run(in, size, step, b, 64);
	if (r1.frames != r2.frames || r1.consumed != r2.consumed || r1.err != r2.err)
		abort();
	for (size_t i = 0; i < r1.frames && i < 64; i++)
		if (a[i] != b[i])
			abort();
	free(in);
	return 0;
}
