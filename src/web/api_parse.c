/* web/api_parse.c: the JSON API's request bodies (web/api.c) parsed apart from the
 * handlers, so that tests/fuzz/fuzz_json.c can call them: jansson, duplicate keys
 * refused, an object at the top, then the fields each request needs. */
#include <string.h>

#include <jansson.h>

#include "web_int.h"

int64_t web_api_parse_id(const char *s, size_t n)
{
	if (n == 0 || n > 18)
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!ou_is((unsigned char)s[i], OU_C_DIGIT))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > 0 ? v : -1;
}

void web_api_req_free(web_api_req *r)
{
	json_decref(r->doc);
	memset(r, 0, sizeof *r);
}

static int fail(web_api_req *r, const char **err, const char *msg)
{
	web_api_req_free(r);
	*err = msg;
	return OPENUM_EINVAL;
}

/* The body as a JSON object into r->doc. */
static int load_object(const char *body, size_t len, web_api_req *r, const char **err)
{
	memset(r, 0, sizeof *r);
	r->message_id = -1;
	json_error_t e;
	json_t *j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &e);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return fail(r, err, "malformed JSON: an object was expected");
	}
	r->doc = j;
	return 0;
}

int web_api_parse_logon(const char *body, size_t len, web_api_req *out, const char **err)
{
	if (load_object(body, len, out, err) != 0)
		return OPENUM_EINVAL;
	out->address = json_string_value(json_object_get(out->doc, "address"));
	out->pin = json_string_value(json_object_get(out->doc, "pin"));
	if (!out->address || !out->pin)
		return fail(out, err, "address and pin (strings) are required");
	return 0;
}

int web_api_parse_pop(const char *body, size_t len, web_api_req *out, const char **err)
{
	if (load_object(body, len, out, err) != 0)
		return OPENUM_EINVAL;
	json_t *mid = json_object_get(out->doc, "message_id");
	if (json_is_integer(mid))
		out->message_id = json_integer_value(mid);
	else if (json_is_string(mid))
		out->message_id = web_api_parse_id(json_string_value(mid), json_string_length(mid));
	json_t *dj = json_object_get(out->doc, "dial_string");
	if (dj && !json_is_string(dj) && !json_is_null(dj))
		return fail(out, err, "dial_string must be a string");
	if (!mid)
		return fail(out, err, "message_id is required");
	out->dial = json_string_value(dj);
	return 0;
}
