/* libFuzzer harness for the printer: whatever sip_msg_parse accepts, sip_msg_print must
 * print, the print must parse again to an equal message (msg_equal.h), no line break may
 * hide inside a printed header, and printing the re-parse must give the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/sip/msg_equal.h"
#include "sip/sip.h"
#include "fuzz_util.h"

static sip_msg m1, m2, m3;

static void die(const char *what, const ou_buf *b)
{
	fprintf(stderr, "fuzz_roundtrip: %s\n", what);
	if (b && b->data)
		fprintf(stderr, "--- printed ---\n%.*s\n---\n", (int)b->len, b->data);
	abort();
}

/* In the printed header section every CR is followed by LF and every LF preceded by
 * CR: one line per header, nothing folded, nothing smuggled. */
static void check_lines(const ou_buf *b)
{
	const char *end = NULL;
	for (size_t i = 0; i + 3 < b->len; i++)
		if (memcmp(b->data + i, "\r\n\r\n", 4) == 0) {
			end = b->data + i + 2;
			break;
		}
	if (!end)
		die("no blank line after the headers", b);
	for (const char *p = b->data; p < end; p++) {
		if (*p == '\r' && p[1] != '\n')
			die("bare CR in the header section", b);
		if (*p == '\n' && (p == b->data || p[-1] != '\r'))
			die("bare LF in the header section", b);
		if (*p == '\n' && (p[1] == ' ' || p[1] == '\t'))
			die("folded line in the printed header section", b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly size bytes: ASan catches any read past the end. */
	char *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	if (sip_msg_parse(buf, size, &m1, NULL) != 0) {
		free(buf);
		return 0;
	}

	ou_buf p1, p2;
	ou_buf_init(&p1);
	ou_buf_init(&p2);
	/* Whatever the parser accepted is printable. */
	if (sip_msg_print(&m1, &p1) != 0)
		die("sip_msg_print refused a parsed message", NULL);
	check_lines(&p1);
	/* Canonical names and a Content-Length line can make a message near the cap
	 * grow past it; the re-parse would then rightly refuse it. */
	if (p1.len > SIP_MAX_MSG)
		goto out;
	/* Likewise the Content-Length line the printer always writes: a message with the
	 * most headers the parser takes and none of them a Content-Length prints one more. */
	if (m1.nhdr == SIP_MAX_HEADERS && !sip_msg_hdr(&m1, SIP_H_CONTENT_LENGTH))
		goto out;

	const char *why = NULL;
	if (sip_msg_parse(p1.data, p1.len, &m2, &why) != 0)
		die(why ? why : "printed message does not parse", &p1);
	const char *diff = msg_equal(&m1, &m2);
	if (diff)
		die(diff, &p1);

	if (sip_msg_parse(p1.data, p1.len, &m3, NULL) != 0 || sip_msg_print(&m3, &p2) != 0)
		die("re-parse of the print cannot be printed", &p1);
	if (p1.len != p2.len || memcmp(p1.data, p2.data, p1.len) != 0)
		die("printing is not idempotent", &p1);
out:
	ou_buf_free(&p1);
	ou_buf_free(&p2);
	free(buf);
	return 0;
}
