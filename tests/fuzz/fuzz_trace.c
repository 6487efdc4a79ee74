/* libFuzzer harness for the trace checker (src/trace): the input is a text log split by
 * the text reader and checked message by message, then the whole input is checked once
 * more as captured bytes. Messages must lie inside the input in order with growing line
 * numbers, every finding must have a rule, a level and NUL-terminated strings, and the
 * counts must add up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

static unsigned long nfind;

static void emit(void *ctx, const trace_finding *f)
{
	(void)ctx;
	if (f->level > TRACE_VIOLATION || f->rule > TRACE_RULE_TLS)
		abort();
	if (strlen(f->summary) > 4096 || strlen(f->text) > 4096)
		abort();
	for (const char *s = f->summary; *s; s++)
		if ((unsigned char)*s < 0x20) /* control bytes are escaped */
			abort();
	nfind++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	trace_checker *c = NULL;
	if (trace_checker_new(emit, NULL, &c) < 0) {
		free(buf);
		return 0;
	}
	nfind = 0;
	trace_text t;
	trace_item it;
	trace_text_init(&t, buf, size);
	const char *prev_end = buf;
	unsigned long prev_line = 0, items = 0;
	while (trace_text_next(&t, &it) == 0) {
		if (it.p < prev_end || it.p + it.n > buf + size || it.n == 0)
			abort();
		if (it.line < prev_line || it.line == 0)
			abort();
		prev_end = it.p + it.n;
		prev_line = it.line;
		items++;
		trace_msg_info info = {{it.line, false}, it.tp, TRACE_TPS_LOG, true};
		if (trace_check_bytes(c, &info, it.p, it.n) < 0)
			abort();
	}
	trace_msg_info raw = {{1, true}, SIP_TP_TCP, TRACE_TPS_CAPTURE, false};
	if (trace_check_bytes(c, &raw, buf, size) < 0)
		abort();
	const trace_stats *st = trace_checker_stats(c);
	if (st->messages != items + 1 || st->unparsed > st->messages)
		abort();
	if (st->notes + st->warnings + st->violations != nfind)
		abort();
	trace_checker_free(c);
	free(buf);
	return 0;
}
