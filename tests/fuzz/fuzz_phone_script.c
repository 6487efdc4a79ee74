/* libFuzzer harness for `openum phone --script` parsing (phone_script_parse): any input
 * parses or fails with a reason and a line number inside the input; every parsed step has
 * a known op, a line in order, and NUL-terminated arguments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "phone/phone.h"

#define MAX_STEPS 16

static phone_step steps[MAX_STEPS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	unsigned lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += buf[i] == '\n';
	size_t n = 99;
	unsigned bad = 0;
	const char *why = NULL;
	int err = phone_script_parse(buf, size, steps, MAX_STEPS, &n, &bad, &why);
	if (err) {
		if ((err != OPENUM_EBADMSG && err != OPENUM_ETOOBIG) || !why || bad == 0 ||
		    bad > lines)
			abort();
	} else {
		if (n > MAX_STEPS)
			abort();
		unsigned prev = 0;
		for (size_t i = 0; i < n; i++) {
			const phone_step *s = &steps[i];
			if (s->op < PHONE_OP_WAIT_REGISTERED || s->op > PHONE_OP_LAST ||
			    s->line <= prev || s->line > lines ||
			    !memchr(s->arg, '\0', sizeof(s->arg)) ||
			    !memchr(s->arg2, '\0', sizeof(s->arg2)) ||
			    strcmp(phone_op_name(s->op), "?") == 0)
				abort();
			prev = s->line;
		}
	}
	free(buf);
	return 0;
}
