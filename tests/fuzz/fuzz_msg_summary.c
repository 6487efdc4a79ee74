/* libFuzzer harness for message-summary bodies (src/sip/msg_summary.c) and the
 * Subscription-State value: parse or fail with a reason, slices stay inside the
 * input, and what parses prints and parses back to the same summary. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip.h"
#include "fuzz_util.h"

static bool inside(ou_slice s, const char *buf, size_t size)
{
	return s.n == 0 || (s.p >= buf && s.p + s.n <= buf + size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	sip_msum m;
	const char *why = NULL;
	int err = sip_msum_parse(ou_slice_make(buf, size), &m, &why);
	CHECK(!err || why);
	if (!err) {
		CHECK(m.nclass <= SIP_MSUM_MAX_CLASSES);
		CHECK(inside(m.account, buf, size));
		for (unsigned i = 0; i < m.nclass; i++) {
			CHECK(inside(m.cls[i].name, buf, size));
			CHECK(m.cls[i].nnew <= SIP_MSUM_MAX_COUNT &&
			      m.cls[i].nold <= SIP_MSUM_MAX_COUNT);
		}
		ou_buf b;
		ou_buf_init(&b);
		if (sip_msum_print(&m, &b) == 0) {
			sip_msum back;
			CHECK(sip_msum_parse(ou_slice_make(b.data, b.len), &back, NULL) == 0);
			CHECK(back.waiting == m.waiting && back.nclass == m.nclass);
			CHECK(back.account.n == m.account.n);
			for (unsigned i = 0; i < m.nclass; i++) {
				CHECK(back.cls[i].nnew == m.cls[i].nnew);
				CHECK(back.cls[i].nold == m.cls[i].nold);
				CHECK(back.cls[i].has_urgent == m.cls[i].has_urgent);
			}
		}
		ou_buf_free(&b);
	}
	sip_substate s;
	why = NULL;
	err = sip_substate_parse(ou_slice_make(buf, size), &s, &why);
	CHECK(!err || why);
	CHECK(err || inside(s.reason, buf, size));
	(void)sip_event_is(ou_slice_make(buf, size), "message-summary");
	free(buf);
	return 0;
}
