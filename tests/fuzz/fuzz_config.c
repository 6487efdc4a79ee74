/* libFuzzer harness for the config file parser (conf/conf.h, conf_parse): any input
 * parses or fails with "line N: ..." where N is a line of the input; a parsed result
 * holds only known options (each followed by a value unless it is a flag), lines in
 * order, every non-repeatable key at most once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "conf/conf.h"
#include "fuzz_util.h"

static const conf_key keys[] = {
    {"domain", false, false}, {"um-server", false, true}, {"tcp-port", false, false},
    {"quiet", true, false},   {"pilot", false, true},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	unsigned lines = 1;
	for (size_t i = 0; i < size && text[i]; i++)
		lines += text[i] == '\n';
	/* one section for the first input byte's parity: both sides of the skip logic */
	const char *section = size && (data[0] & 1) ? "um" : "proxy";
	conf_args a = {0};
	char err[CONF_ERR_MAX];
	int rc = conf_parse(text, section, keys, NKEYS, &a, err);
	if (rc) {
		CHECK(a.argc == 0 && a.argv == NULL);
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		if (rc != OPENUM_ENOMEM) {
			unsigned at = 0;
			CHECK(sscanf(err, "line %u:", &at) == 1);
			CHECK(at >= 1 && at <= lines);
		}
	} else {
		CHECK(a.argc <= CONF_MAX_ARGS);
		unsigned seen[NKEYS] = {0}, prev = 0;
		for (int i = 0; i < a.argc; i++) {
			const char *o = a.argv[i];
			CHECK(o[0] == '-' && o[1] == '-');
			size_t k = 0;
			while (k < NKEYS && strcmp(keys[k].name, o + 2) != 0)
				k++;
			CHECK(k < NKEYS);
			CHECK(keys[k].repeat || seen[k] == 0);
			seen[k]++;
			CHECK(a.line[i] >= prev && a.line[i] <= lines);
			prev = a.line[i];
			if (!keys[k].flag) {
				CHECK(i + 1 < a.argc && a.argv[i + 1][0] != '\0');
				CHECK(a.line[i + 1] == a.line[i]);
				i++;
			}
		}
	}
	conf_args_free(&a);
	free(text);
	return 0;
}
