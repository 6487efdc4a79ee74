/* libFuzzer harness for the SOAP request parser (web/web_int.h, web_soap_parse): any
 * body parses into one known operation or fails with a Fault code of SOAP 1.1 and a
 * text; a parsed call's values are NUL-terminated within their buffers, trimmed, and a
 * PlayOnPhone's message id is positive. Parsing twice gives the same answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "fuzz_util.h"
#include "web/web_int.h"

static void check_value(const char *v, size_t cap)
{
	size_t n = strnlen(v, cap);
	CHECK(n < cap);
	if (n) {
		CHECK(!ou_is((unsigned char)v[0], OU_C_LWS));
		CHECK(!ou_is((unsigned char)v[n - 1], OU_C_LWS));
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_copy(data, size);
	if (!body)
		return 0;
	static web_soap_call c, again;
	const char *code = NULL, *msg = NULL, *code2 = NULL, *msg2 = NULL;
	int rc = web_soap_parse(body, size, &c, &code, &msg);
	if (rc) {
		CHECK(rc == OPENUM_EINVAL);
		CHECK(code && msg && msg[0]);
		CHECK(strcmp(code, "Client") == 0 || strcmp(code, "VersionMismatch") == 0 ||
		      strcmp(code, "MustUnderstand") == 0);
	} else {
		CHECK(c.op == WEB_SOAP_PLAY || c.op == WEB_SOAP_INFO ||
		      c.op == WEB_SOAP_DISCONNECT);
		check_value(c.dial, sizeof c.dial);
		check_value(c.call_id, sizeof c.call_id);
		if (c.op == WEB_SOAP_PLAY)
			CHECK(c.msg_id > 0);
		else
			CHECK(c.dial[0] == '\0');
	}
	int rc2 = web_soap_parse(body, size, &again, &code2, &msg2);
	CHECK(rc2 == rc);
	if (rc)
		CHECK(strcmp(msg, msg2) == 0 && strcmp(code, code2) == 0);
	else
		CHECK(c.op == again.op && c.msg_id == again.msg_id && /* not memcmp: padding */
		      memcmp(c.dial, again.dial, sizeof c.dial) == 0 &&
		      memcmp(c.call_id, again.call_id, sizeof c.call_id) == 0);
	free(body);
	return 0;
}
