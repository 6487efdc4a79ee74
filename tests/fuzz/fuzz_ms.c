/* libFuzzer harness for the MS-OCEXUM headers: Ms-Exchange-Command and Ms-Sensitivity
 * values must parse or fail with a reason, and skip-pin is found only where the token
 * "skip-pin" stands alone between ';' separators. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	ou_slice s = ou_slice_make(buf, size);
	sip_ms_cmd c;
	const char *why = NULL;
	int err = sip_ms_cmd_parse(s, &c, &why);
	if (err && !why)
		abort();
	if (!err && c.skip_pin) {
		/* The input must contain "skip-pin" (any case). */
		bool found = false;
		for (size_t i = 0; i + 8 <= size && !found; i++)
			found = ou_memcasecmp(buf + i, "skip-pin", 8) == 0;
		if (!found)
			abort();
	}
	if (!err && c.item_id.n && (c.item_id.p < buf || c.item_id.p + c.item_id.n > buf + size))
		abort();
	sip_sens v;
	why = NULL;
	err = sip_sens_parse(s, &v, &why);
	if (err && !why)
		abort();
	if (!err && (unsigned)v > SIP_SENS_PRIVATE_NO_DIVERSION)
		abort();
	free(buf);
	return 0;
}
