/* Tests for src/um/spool.c recovery: spool files as a crash leaves them (a header and
 * some audio, a header cut short, a header without audio, a message already stored
 * before the unlink, a stray file) and what um_spool_recover makes of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "um/um.h"

static char dir[64], spool[96];
static store *st;
static int64_t alice;

static void write_file(const char *name, const char *header, size_t audio)
{
	char path[160];
	snprintf(path, sizeof path, "%s/%s", spool, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(header, f);
	for (size_t i = 0; i < audio; i++)
		fputc((int)(0x80 + i % 64), f);
	fclose(f);
}

static bool exists(const char *name)
{
	char path[160];
	snprintf(path, sizeof path, "%s/%s", spool, name);
	return access(path, F_OK) == 0;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/openum_spool_XXXXXX");
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/store.db", dir);
	store_options so = {.pin_iterations = 1000};
	assert_int_equal(store_open(path, &so, &st, NULL), 0);
	assert_int_equal(
	    store_mailbox_add(st, "sip:alice@example.com", "Alice", "201", NULL, &alice, NULL), 0);
	snprintf(spool, sizeof spool, "%s/recordings", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void test_recover(void **state)
{
	(void)state;
	unsigned n = 99;
	const char *why = NULL;
	/* no directory yet: created, nothing recovered */
	assert_int_equal(um_spool_recover(st, spool, NULL, &n, &why), 0);
	assert_int_equal(n, 0);
	char h[256];
	snprintf(h, sizeof h,
	         "openum-recording 1\nmailbox %lld\nreceived 1700000000123\ncaller "
	         "sip:bob@example.com\ndiversion no-answer\n\n",
	         (long long)alice);
	write_file("a.rec", h, 8000 + 37); /* a crash 1.005 s in */
	write_file("b.rec", h, 0);         /* the header reached the disk, no audio */
	write_file("c.rec", "openum-recording 1\nmailbox 1\nrece", 0); /* cut short */
	write_file("notes.txt", "not a recording", 0);
	assert_int_equal(um_spool_recover(st, spool, NULL, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_false(exists("a.rec"));
	assert_false(exists("b.rec"));
	assert_false(exists("c.rec"));
	assert_true(exists("notes.txt"));

	store_msg *l = NULL;
	size_t nl = 0;
	assert_int_equal(store_msg_list(st, alice, ~0u, &l, &nl, NULL), 0);
	assert_int_equal(nl, 1);
	assert_int_equal(l[0].state, STORE_MSG_NEW);
	assert_int_equal(l[0].received_ms, 1700000000123LL);
	assert_string_equal(l[0].caller, "sip:bob@example.com");
	assert_string_equal(l[0].diversion, "no-answer");
	assert_int_equal(l[0].audio.codec, STORE_CODEC_PCMU);
	assert_int_equal(l[0].audio.len, 8037);
	assert_int_equal(l[0].transcript_state, STORE_TRANSCRIPT_NONE); /* transcription off */
	store_msg m;
	assert_int_equal(store_msg_get(st, l[0].id, &m, NULL), 0);
	for (size_t i = 0; i < m.audio.len; i++)
		assert_int_equal(m.audio.data[i], 0x80 + i % 64);
	store_msg_clear(&m);
	free(l);

	/* the crash came after the store's commit, before the unlink: not stored twice */
	write_file("a2.rec", h, 4000);
	assert_int_equal(um_spool_recover(st, spool, NULL, &n, &why), 0);
	assert_int_equal(n, 0);
	assert_false(exists("a2.rec"));
	assert_int_equal(store_msg_list(st, alice, ~0u, &l, &nl, NULL), 0);
	assert_int_equal(nl, 1);
	free(l);

	/* a mailbox deleted meanwhile: the store refuses, the file stays for a person */
	snprintf(h, sizeof h,
	         "openum-recording 1\nmailbox 424242\nreceived 1\ncaller \ndiversion \n\n");
	write_file("gone.rec", h, 800);
	assert_int_not_equal(um_spool_recover(st, spool, NULL, &n, &why), 0);
	assert_int_equal(n, 0);
	assert_true(exists("gone.rec"));
}

static int64_t queued[4];
static size_t nqueued;

static void on_transcribe(void *arg, int64_t msg_id)
{
	assert_ptr_equal(arg, &nqueued);
	assert_true(nqueued < 4);
	queued[nqueued++] = msg_id;
}

/* transcription on: a rescued message is stored PENDING and queued like any other */
static void test_recover_transcribe(void **state)
{
	(void)state;
	unsigned n = 99;
	const char *why = NULL;
	assert_int_equal(um_spool_recover(st, spool, NULL, &n, &why), 0); /* creates the dir */
	char h[256];
	snprintf(h, sizeof h,
	         "openum-recording 1\nmailbox %lld\nreceived 1700000000456\ncaller "
	         "sip:carol@example.com\ndiversion \n\n",
	         (long long)alice);
	write_file("t.rec", h, 1600);
	nqueued = 0;
	um_spool_transcribe tr = {.fn = on_transcribe, .arg = &nqueued};
	assert_int_equal(um_spool_recover(st, spool, &tr, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_int_equal(nqueued, 1);
	store_msg *l = NULL;
	size_t nl = 0;
	assert_int_equal(store_msg_list(st, alice, ~0u, &l, &nl, NULL), 0);
	assert_int_equal(nl, 1);
	assert_int_equal(l[0].id, queued[0]);
	assert_int_equal(l[0].transcript_state, STORE_TRANSCRIPT_PENDING);
	free(l);
	/* already stored (crash before the unlink): not queued twice */
	write_file("t2.rec", h, 800);
	assert_int_equal(um_spool_recover(st, spool, &tr, &n, &why), 0);
	assert_int_equal(n, 0);
	assert_int_equal(nqueued, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recover_transcribe, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
