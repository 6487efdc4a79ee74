/* libFuzzer harness for SIP INFO application/dtmf-relay bodies: a parsed body yields a
 * valid digit and duration, and the body we build from them parses to the same.
 * The media source is compiled in: the fuzz targets link only openum_core. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	char digit = 0;
	unsigned ms = 0;
	const char *why = NULL;
	int rc = dtmf_info_parse(ou_slice_make(buf, size), &digit, &ms, &why);
	if (rc == 0) {
		int ev = dtmf_char_event(digit);
		CHECK(ev >= 0 && ev <= 15);
		CHECK(dtmf_event_char((uint8_t)ev) == digit);
		CHECK(ms >= 1 && ms <= 60000);
		char out[64];
		size_t len;
		CHECK(dtmf_info_build(digit, ms, out, sizeof(out), &len) == 0);
		CHECK(len == strlen(out));
		char d2;
		unsigned ms2;
		CHECK(dtmf_info_parse(ou_slice_make(out, len), &d2, &ms2, NULL) == 0);
		CHECK(d2 == digit && ms2 == ms);
	} else {
		CHECK(rc == OPENUM_EBADMSG && why && !strncmp(why, "dtmf-relay: ", 12));
	}
	free(buf);
	return 0;
}
