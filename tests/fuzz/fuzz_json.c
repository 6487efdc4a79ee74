/* libFuzzer harness for the JSON API's request bodies (web/web_int.h: the logon and
 * the Play-On-Phone parsers): any body parses or fails with a 400 answer's text; a
 * parsed logon has both strings, a parsed Play-On-Phone request a message id that is
 * positive or -1 unless
 * given as a JSON integer; web_api_req_free leaves nothing behind (LeakSanitizer) and may be
 * called twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_util.h"
#include "web/web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_copy(data, size);
	if (!body)
		return 0;
	web_api_req q;
	const char *err = NULL;
	int rc = web_api_parse_logon(body, size, &q, &err);
	if (rc) {
		CHECK(rc == OPENUM_EINVAL && err && err[0]);
		CHECK(q.doc == NULL && q.address == NULL && q.pin == NULL);
	} else {
		CHECK(q.doc && q.address && q.pin);
	}
	web_api_req_free(&q);
	web_api_req_free(&q);

	err = NULL;
	rc = web_api_parse_pop(body, size, &q, &err);
	if (rc) {
		CHECK(rc == OPENUM_EINVAL && err && err[0]);
		CHECK(q.doc == NULL);
	} else {
		CHECK(q.doc);
		json_t *mid = json_object_get(q.doc, "message_id");
		CHECK(mid != NULL);
		if (json_is_string(mid) || !json_is_integer(mid))
			CHECK(q.message_id > 0 || q.message_id == -1);
		json_t *dj = json_object_get(q.doc, "dial_string");
		CHECK(q.dial == NULL || json_is_string(dj));
		CHECK(dj == NULL || json_is_null(dj) || q.dial != NULL);
	}
	web_api_req_free(&q);
	free(body);
	return 0;
}
