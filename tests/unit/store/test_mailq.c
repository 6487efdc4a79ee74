/* Tests for src/store/mailq.c and the e-mail parts of sqlite.c, pg.c and migration 3:
 * per-mailbox e-mail settings, the delivery queue the database fills by trigger when a
 * message is stored, claims with a lease (what makes a delivery survive a crash and
 * never go out twice), results, the delivery log, and that none of it touches the
 * voice message. Runs against SQLite, and against PostgreSQL when OPENUM_TEST_PG names
 * a database (ctest store/test_mailq_pg, under tests/pg/with-postgres.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "store/store.h"
#include "store_fx.h"

typedef store_fx fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	store_options o = {.pin_iterations = 1000};
	const char *why = NULL;
	if (!f || store_fx_open(f, "mailq", &o) != 0) {
		free(f);
		return -1;
	}
	if (store_mailbox_add(f->s, "sip:alice@contoso.com", "Alice", "1001", NULL, &f->alice,
	                      &why) != 0 ||
	    store_mailbox_add(f->s, "sip:bob@contoso.com", "Bob", "1002", NULL, &f->bob, &why) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	store_fx_close(f);
	free(f);
	return 0;
}

static uint8_t audio[800];

static int64_t add_msg(fx *f, int64_t mailbox, store_msg_state st)
{
	store_msg m = {0};
	m.mailbox_id = mailbox;
	m.state = st;
	snprintf(m.caller, sizeof(m.caller), "sip:carol@example.org");
	m.audio = (store_audio){STORE_CODEC_PCMU, audio, sizeof(audio)};
	int64_t id = 0;
	assert_int_equal(store_msg_add(f->s, &m, &id, NULL), 0);
	return id;
}

static size_t queue_len(fx *f, const char *mailbox)
{
	store_mailq *l = NULL;
	size_t n = 99;
	assert_int_equal(store_mailq_list(f->s, mailbox, 0, &l, &n, NULL), 0);
	free(l);
	return n;
}

static void test_settings(void **state)
{
	fx *f = *state;
	const char *why = NULL;
	store_mailbox mb;
	assert_int_equal(store_mailbox_get(f->s, f->alice, &mb, NULL), 0);
	assert_int_equal(mb.email_mode, STORE_EMAIL_OFF); /* the defaults of migration 3 */
	assert_int_equal(mb.email_format, STORE_EMAIL_WAV);
	/* a mode other than off needs an address */
	assert_int_equal(store_mailbox_set_email_delivery(f->s, f->alice, NULL, STORE_EMAIL_ATTACH,
	                                                  STORE_EMAIL_WAV, &why),
	                 OPENUM_EINVAL);
	assert_int_equal(store_mailbox_set_email_delivery(f->s, f->alice, "a@b\r\nBcc: x@y",
	                                                  STORE_EMAIL_ATTACH, STORE_EMAIL_WAV,
	                                                  &why),
	                 OPENUM_EINVAL);
	assert_int_equal(store_mailbox_set_email_delivery(f->s, f->alice, "alice@mail.contoso.com",
	                                                  STORE_EMAIL_ATTACH, STORE_EMAIL_OPUS,
	                                                  &why),
	                 0);
	assert_int_equal(store_mailbox_get(f->s, f->alice, &mb, NULL), 0);
	assert_string_equal(mb.email, "alice@mail.contoso.com");
	assert_int_equal(mb.email_mode, STORE_EMAIL_ATTACH);
	assert_int_equal(mb.email_format, STORE_EMAIL_OPUS);
	/* NULL keeps the address */
	assert_int_equal(store_mailbox_set_email_delivery(f->s, f->alice, NULL, STORE_EMAIL_NOTIFY,
	                                                  STORE_EMAIL_WAV, &why),
	                 0);
	assert_int_equal(store_mailbox_get(f->s, f->alice, &mb, NULL), 0);
	assert_string_equal(mb.email, "alice@mail.contoso.com");
	assert_int_equal(mb.email_mode, STORE_EMAIL_NOTIFY);
	/* clearing the address needs mode off */
	assert_int_equal(store_mailbox_set_email_delivery(f->s, f->alice, "", STORE_EMAIL_NOTIFY,
	                                                  STORE_EMAIL_WAV, &why),
	                 OPENUM_EINVAL);
	assert_int_equal(store_mailbox_set_email_delivery(f->s, f->alice, "", STORE_EMAIL_OFF,
	                                                  STORE_EMAIL_WAV, &why),
	                 0);
	assert_int_equal(store_mailbox_set_email_delivery(f->s, 9999, "x@y.z", STORE_EMAIL_OFF,
	                                                  STORE_EMAIL_WAV, &why),
	                 OPENUM_ENOTFOUND);
	assert_true(store_email_valid("a.b+c@example.com"));
	assert_false(store_email_valid("a@b@c"));
	assert_false(store_email_valid("<a@b>"));
	assert_false(store_email_valid("a b@c"));
	assert_false(store_email_valid("@c"));
	assert_false(store_email_valid("a@"));
}

static void test_trigger_queues(void **state)
{
	fx *f = *state;
	/* mode off: nothing queued */
	add_msg(f, f->alice, STORE_MSG_NEW);
	assert_int_equal(queue_len(f, NULL), 0);
	assert_int_equal(store_mailbox_set_email_delivery(f->s, f->alice, "alice@mail.contoso.com",
	                                                  STORE_EMAIL_ATTACH, STORE_EMAIL_WAV,
	                                                  NULL),
	                 0);
	int64_t m1 = add_msg(f, f->alice, STORE_MSG_NEW);
	add_msg(f, f->alice, STORE_MSG_SAVED); /* not a new message: no e-mail */
	add_msg(f, f->bob, STORE_MSG_NEW);     /* bob's mode is off */
	store_mailq *l = NULL;
	size_t n = 0;
	assert_int_equal(store_mailq_list(f->s, NULL, 0, &l, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].message_id, m1);
	assert_int_equal(l[0].mailbox_id, f->alice);
	assert_string_equal(l[0].mailbox, "sip:alice@contoso.com");
	assert_int_equal(l[0].state, STORE_MAILQ_PENDING);
	assert_int_equal(l[0].attempts, 0);
	assert_true(l[0].created_ms > 1700000000000LL);
	free(l);
	assert_int_equal(queue_len(f, "alice@contoso.com"), 1);
	assert_int_equal(queue_len(f, "sip:bob@contoso.com"), 0);
}

static void test_claim_lease_finish(void **state)
{
	fx *f = *state;
	const char *why = NULL;
	assert_int_equal(store_mailbox_set_email_delivery(f->s, f->alice, "alice@mail.contoso.com",
	                                                  STORE_EMAIL_ATTACH, STORE_EMAIL_WAV,
	                                                  NULL),
	                 0);
	for (size_t i = 0; i < sizeof(audio); i++)
		audio[i] = (uint8_t)(i * 13 + 1);
	int64_t m1 = add_msg(f, f->alice, STORE_MSG_NEW);
	int64_t m2 = add_msg(f, f->alice, STORE_MSG_NEW);
	int64_t now = 2000000000000LL; /* later than created: both due */
	store_mailq q1, q2, q3;
	bool found = false;
	assert_int_equal(store_mailq_claim(f->s, now, 60000, &q1, &found, &why), 0);
	assert_true(found);
	assert_int_equal(q1.message_id, m1); /* oldest first */
	assert_int_equal(q1.attempts, 1);
	assert_int_equal(q1.next_ms, now + 60000);
	assert_int_equal(store_mailq_claim(f->s, now, 60000, &q2, &found, &why), 0);
	assert_true(found);
	assert_int_equal(q2.message_id, m2);
	/* both leased: nothing more now */
	assert_int_equal(store_mailq_claim(f->s, now + 1, 60000, &q3, &found, &why), 0);
	assert_false(found);
	/* a worker that died mid-send: once the lease ran out the delivery comes back */
	assert_int_equal(store_mailq_claim(f->s, now + 60000, 60000, &q3, &found, &why), 0);
	assert_true(found);
	assert_int_equal(q3.id, q1.id);
	assert_int_equal(q3.attempts, 2);
	/* q1: failed, retry at +5 min; q2: sent */
	assert_int_equal(store_mailq_finish(f->s, q1.id, STORE_MAILQ_PENDING, now + 300000,
	                                    "SMTP 451: try\r\nlater", &why),
	                 0);
	assert_int_equal(store_mailq_finish(f->s, q2.id, STORE_MAILQ_SENT, 0, "sent", &why), 0);
	assert_int_equal(store_mailq_claim(f->s, now + 299999, 60000, &q3, &found, &why), 0);
	assert_false(found);
	assert_int_equal(store_mailq_claim(f->s, now + 300000, 60000, &q3, &found, &why), 0);
	assert_true(found);
	assert_int_equal(q3.id, q1.id);
	assert_int_equal(q3.attempts, 3);
	assert_string_equal(q3.result, "SMTP 451: try  later"); /* control bytes gone */
	assert_int_equal(store_mailq_finish(f->s, q1.id, STORE_MAILQ_GAVE_UP, 0, "gave up", &why),
	                 0);
	assert_int_equal(store_mailq_claim(f->s, now + 9999999, 60000, &q3, &found, &why), 0);
	assert_false(found); /* sent and gave-up are never claimed again */
	assert_int_equal(store_mailq_finish(f->s, 424242, STORE_MAILQ_SENT, 0, "x", &why),
	                 OPENUM_ENOTFOUND);

	store_mailq *l = NULL;
	size_t n = 0;
	assert_int_equal(store_mailq_list(f->s, NULL, 1, &l, &n, NULL), 0);
	assert_int_equal(n, 1); /* limit 1: the newest */
	assert_int_equal(l[0].id, q2.id);
	assert_int_equal(l[0].state, STORE_MAILQ_SENT);
	assert_true(l[0].last_ms > 0);
	free(l);

	/* the voice messages are as they were stored */
	store_msg g;
	assert_int_equal(store_msg_get(f->s, m1, &g, NULL), 0);
	assert_int_equal(g.state, STORE_MSG_NEW);
	assert_int_equal(g.audio.len, sizeof(audio));
	assert_memory_equal(g.audio.data, audio, sizeof(audio));
	store_msg_clear(&g);

	/* deleting a message keeps its log row; deleting the mailbox takes them all */
	assert_int_equal(store_msg_delete(f->s, m1, NULL), 0);
	assert_int_equal(store_mailq_list(f->s, NULL, 0, &l, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[1].message_id, 0);
	assert_int_equal(l[0].message_id, m2);
	free(l);
	assert_int_equal(store_mailbox_del(f->s, f->alice, NULL), 0);
	assert_int_equal(queue_len(f, NULL), 0);
}

/* Two stores (two connection pools, as two UM servers) claiming from one queue: each
 * delivery is taken exactly once. */
typedef struct claimer {
	store *s;
	int64_t ids[64];
	size_t n;
	unsigned errors;
} claimer;

static void *claim_all(void *arg)
{
	claimer *c = arg;
	for (;;) {
		store_mailq q;
		bool found = false;
		if (store_mailq_claim(c->s, 4000000000000LL, 600000, &q, &found, NULL) != 0) {
			if (++c->errors > 100)
				break; /* the assertions below fail */
			continue;      /* busy beyond the timeout: try again */
		}
		if (!found)
			break;
		if (c->n < 64)
			c->ids[c->n++] = q.id;
	}
	return NULL;
}

static void test_concurrent_claims(void **state)
{
	fx *f = *state;
	assert_int_equal(store_mailbox_set_email_delivery(f->s, f->alice, "alice@mail.contoso.com",
	                                                  STORE_EMAIL_NOTIFY, STORE_EMAIL_WAV,
	                                                  NULL),
	                 0);
	for (int i = 0; i < 40; i++)
		add_msg(f, f->alice, STORE_MSG_NEW);
	store_options o = {.pin_iterations = 1000};
	claimer a = {0}, b = {0};
	a.s = f->s;
	assert_int_equal(store_open(f->path, &o, &b.s, NULL), 0);
	pthread_t ta, tb;
	pthread_create(&ta, NULL, claim_all, &a);
	pthread_create(&tb, NULL, claim_all, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	store_close(b.s);
	assert_int_equal(a.n + b.n, 40);
	for (size_t i = 0; i < a.n; i++)
		for (size_t j = 0; j < b.n; j++)
			assert_true(a.ids[i] != b.ids[j]);
}

static void test_names(void **state)
{
	(void)state;
	store_email_mode m;
	store_email_format fm;
	store_mailq_state s;
	assert_string_equal(store_email_mode_name(STORE_EMAIL_ATTACH), "attach");
	assert_string_equal(store_email_format_name(STORE_EMAIL_OPUS), "opus");
	assert_string_equal(store_mailq_state_name(STORE_MAILQ_GAVE_UP), "gave-up");
	assert_string_equal(store_email_mode_name((store_email_mode)7), "?");
	assert_int_equal(store_email_mode_parse("notify", &m), 0);
	assert_int_equal(m, STORE_EMAIL_NOTIFY);
	assert_int_equal(store_email_format_parse("wav", &fm), 0);
	assert_int_equal(fm, STORE_EMAIL_WAV);
	assert_int_equal(store_mailq_state_parse("sent", &s), 0);
	assert_int_equal(s, STORE_MAILQ_SENT);
	assert_int_equal(store_email_mode_parse("Attach", &m), OPENUM_EINVAL);
}

int main(void)
{
	store_fx_pg_from_env();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_trigger_queues, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_claim_lease_finish, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_claims, setup, teardown),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name(pg_conn ? "mailq-postgresql" : "mailq-sqlite", tests,
	                                   NULL, NULL);
}
