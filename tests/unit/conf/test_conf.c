/* Tests for src/conf: a [proxy]/[um] INI file into option/value pairs with their line
 * numbers; every refusal names the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "conf/conf.h"

static const conf_key keys[] = {
    {"domain", false, false},
    {"um-server", false, true},
    {"tcp-port", false, false},
    {"quiet", true, false},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int parse(const char *text, const char *section, conf_args *a, char *err)
{
	memset(a, 0, sizeof(*a));
	return conf_parse(text, section, keys, NKEYS, a, err);
}

static void test_pairs_and_lines(void **state)
{
	(void)state;
	conf_args a;
	char err[CONF_ERR_MAX];
	const char *text = "# openum\n"
	                   "[um]\n"
	                   "pilot = 8000\n" /* another subcommand's key: not ours to check */
	                   "[proxy]\n"
	                   "domain = example.com   ; inline comment\n"
	                   "\n"
	                   "um-server = um1.example.com:5071\n"
	                   "um-server=um2.example.com:5071\r\n"
	                   "quiet = yes\n"
	                   "tcp-port = 5070\n";
	assert_int_equal(parse(text, "proxy", &a, err), 0);
	assert_int_equal(a.argc, 9);
	const char *want[] = {
	    "--domain",    "example.com",          "--um-server", "um1.example.com:5071",
	    "--um-server", "um2.example.com:5071", "--quiet",     "--tcp-port",
	    "5070"};
	const unsigned lines[] = {5, 5, 7, 7, 8, 8, 9, 10, 10};
	for (int i = 0; i < a.argc; i++) {
		assert_string_equal(a.argv[i], want[i]);
		assert_int_equal(a.line[i], lines[i]);
	}
	conf_args_free(&a);
	assert_int_equal(a.argc, 0);

	/* The same file for `openum um`: only its keys; pilot is unknown to this table. */
	assert_int_equal(parse(text, "um", &a, err), OPENUM_EINVAL);
	assert_string_equal(err, "line 3: unknown key 'pilot' (see the --help options)");
	/* A false flag adds nothing. */
	assert_int_equal(parse("[proxy]\nquiet = off\n", "proxy", &a, err), 0);
	assert_int_equal(a.argc, 0);
	conf_args_free(&a);
	/* An empty file is no options. */
	assert_int_equal(parse("", "proxy", &a, err), 0);
	assert_int_equal(a.argc, 0);
	conf_args_free(&a);
}

static void expect_error(const char *text, const char *want)
{
	conf_args a;
	char err[CONF_ERR_MAX];
	int rc = parse(text, "proxy", &a, err);
	assert_true(rc < 0);
	assert_int_equal(a.argc, 0);
	assert_null(a.argv);
	assert_string_equal(err, want);
}

static void test_errors_name_the_line(void **state)
{
	(void)state;
	expect_error("domain = x\n", "line 1: 'domain' is outside a section ([proxy] or [um])");
	expect_error("[proxy]\ndomain = a\n\ndomain = b\n", "line 4: 'domain' is given twice");
	expect_error("[proxy]\nsomething = 1\n",
	             "line 2: unknown key 'something' (see the --help options)");
	expect_error("[proxy]\ndomain =\n", "line 2: 'domain' needs a value");
	expect_error("[proxy]\nquiet = maybe\n", "line 2: 'quiet' takes true or false");
	expect_error("[proxie]\ndomain = a\n",
	             "line 2: unknown section [proxie] (expected [proxy] or [um])");
	expect_error("[proxy]\ndomain = a\nnot a pair\ntcp-port = 1\n",
	             "line 3: expected [SECTION], KEY = VALUE or a comment");
	/* libinih's complaint comes first even when ours follows on a later line */
	expect_error("[proxy]\nnot a pair\nbogus = 1\n",
	             "line 2: expected [SECTION], KEY = VALUE or a comment");
	expect_error("[proxy\ndomain = a\n",
	             "line 1: expected [SECTION], KEY = VALUE or a comment");
	/* A line libinih would cut short is refused, never truncated. */
	char longl[400];
	snprintf(longl, sizeof(longl), "[proxy]\ndomain = %0*d\n", 250, 7);
	expect_error(longl, "line 2: longer than 196 characters");
	/* Too many entries. */
	size_t cap = 64 + (CONF_MAX_ARGS + 2) * 24;
	char *many = malloc(cap);
	assert_non_null(many);
	size_t n = (size_t)snprintf(many, cap, "[proxy]\n");
	for (int i = 0; i < CONF_MAX_ARGS / 2 + 1; i++)
		n += (size_t)snprintf(many + n, cap - n, "um-server = h:%d\n", i + 1);
	conf_args a;
	char err[CONF_ERR_MAX];
	assert_int_equal(parse(many, "proxy", &a, err), OPENUM_ETOOBIG);
	assert_non_null(strstr(err, "too many entries"));
	free(many);
}

static void test_load(void **state)
{
	(void)state;
	char path[] = "/tmp/openum-conf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "[proxy]\ndomain = example.org\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	conf_args a = {0};
	char err[CONF_ERR_MAX];
	assert_int_equal(conf_load(path, "proxy", keys, NKEYS, &a, err), 0);
	assert_int_equal(a.argc, 2);
	assert_string_equal(a.argv[1], "example.org");
	conf_args_free(&a);
	/* A NUL byte: not a text file. */
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fwrite("[proxy]\n\0", 1, 9, f);
	fclose(f);
	assert_int_equal(conf_load(path, "proxy", keys, NKEYS, &a, err), OPENUM_EINVAL);
	unlink(path);
	assert_int_equal(conf_load(path, "proxy", keys, NKEYS, &a, err), OPENUM_ENOTFOUND);
	assert_non_null(strstr(err, "cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pairs_and_lines),
	    cmocka_unit_test(test_errors_name_the_line),
	    cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
