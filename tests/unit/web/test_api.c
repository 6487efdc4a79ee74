/* Tests of web/api.c (with calls.c and auth.c behind it): the JSON API over real HTTP
 * on loopback against a real SQLite store and a fake Play-On-Phone engine: logon and
 * lockout, sessions, CSRF, ownership (404 for others' ids), audio as WAV, save/delete,
 * dial-string checks, one call per mailbox (409) and the call state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <jansson.h>

#include "media/media.h"
#include "web_test.h"

static int setup(void **state)
{
	wt *t = calloc(1, sizeof *t);
	if (!t || wt_setup(t, false, true) != 0)
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	wt *t = *state;
	assert_false(t->fe.wrong_thread); /* every engine op ran on the loop thread */
	wt_teardown(t);
	free(t);
	return 0;
}

static json_t *body_json(wc *w)
{
	json_error_t e;
	json_t *j = json_loadb(w->body.data, w->body.len, 0, &e);
	assert_non_null(j);
	return j;
}

static store_mailbox mailbox(wt *t, int64_t id)
{
	store_mailbox mb;
	assert_int_equal(store_mailbox_get(t->st, id, &mb, NULL), 0);
	return mb;
}

static store_msg_state msg_state(wt *t, int64_t id)
{
	store_msg m;
	assert_int_equal(store_msg_get(t->st, id, &m, NULL), 0);
	store_msg_state s = m.state;
	store_msg_clear(&m);
	return s;
}

static void test_logon_ok(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	assert_int_equal(wc_logon(&w, "alice@Example.COM", WT_PIN_ALICE), 200);
	assert_non_null(strstr(w.setcookie, "openum_sid="));
	assert_non_null(strstr(w.setcookie, "HttpOnly"));
	assert_non_null(strstr(w.setcookie, "SameSite=Strict"));
	assert_null(strstr(w.setcookie, "Secure")); /* plain HTTP on loopback */
	assert_int_equal(strlen(w.csrf), 64);
	assert_non_null(strstr(w.ctype, "application/json"));
	json_t *j = body_json(&w);
	assert_string_equal(json_string_value(json_object_get(j, "address")), WT_ALICE);
	assert_int_equal(json_integer_value(json_object_get(j, "new")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "saved")), 1);
	json_decref(j);
	/* the session cookie works; GET /session hands the same CSRF token back */
	assert_int_equal(wc_json(&w, "GET", "/api/v1/session", NULL), 200);
	assert_non_null(strstr(w.body.data, w.csrf));
	wc_free(&w);
}

static void test_logon_wrong(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	assert_int_equal(wc_logon(&w, WT_ALICE, "111222"), 401);
	assert_string_equal(w.setcookie, "");
	assert_int_equal(mailbox(t, t->alice).failed_logons, 1);
	/* an unknown mailbox gets the very same answer */
	assert_int_equal(wc_logon(&w, "sip:nobody@example.com", "111222"), 401);
	assert_non_null(strstr(w.body.data, "wrong mailbox address or PIN"));
	/* malformed requests are not logons and count nothing */
	assert_int_equal(wc_json(&w, "POST", "/api/v1/session", "{\"address\":"), 400);
	assert_int_equal(wc_json(&w, "POST", "/api/v1/session", "[1,2]"), 400);
	assert_int_equal(wc_json(&w, "POST", "/api/v1/session", "{\"address\":\"a\"}"), 400);
	assert_int_equal(wc_req(&w, "POST", "/api/v1/session", "text/plain",
	                        "{\"address\":\"sip:alice@example.com\",\"pin\":\"246813\"}", 50,
	                        false, NULL),
	                 415);
	assert_int_equal(mailbox(t, t->alice).failed_logons, 1);
	/* a good logon resets the count */
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	assert_int_equal(mailbox(t, t->alice).failed_logons, 0);
	wc_free(&w);
}

static void test_lockout(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	for (int i = 0; i < WT_MAX_FAILED - 1; i++)
		assert_int_equal(wc_logon(&w, WT_BOB, "000111"), 401);
	assert_false(mailbox(t, t->bob).locked);
	/* the count is the store's, shared with the phone: one PIN try there... */
	store_logon_result r;
	assert_int_equal(store_mailbox_pin_logon(t->st, t->bob, "000111", &r, NULL, NULL), 0);
	assert_int_equal(r, STORE_LOGON_LOCKED);
	/* ...and the web refuses even the right PIN */
	assert_int_equal(wc_logon(&w, WT_BOB, WT_PIN_BOB), 403);
	assert_non_null(strstr(w.body.data, "locked"));
	assert_string_equal(w.cookie, "");
	assert_true(mailbox(t, t->bob).locked);
	/* other mailboxes are untouched */
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	wc_free(&w);
}

static void test_session_required(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	char p[64];
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages", NULL), 401);
	snprintf(p, sizeof p, "/api/v1/messages/%lld/audio", (long long)t->amsg[0]);
	assert_int_equal(wc_json(&w, "GET", p, NULL), 401);
	assert_int_equal(wc_json(&w, "POST", "/api/v1/play-on-phone", "{\"message_id\":1}"), 401);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/calls/call-1", NULL), 401);
	/* a made-up session id is no session */
	snprintf(w.cookie, sizeof w.cookie, "openum_sid=%064d", 7);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages", NULL), 401);
	snprintf(w.cookie, sizeof w.cookie, "openum_sid=short");
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages", NULL), 401);
	assert_int_equal(t->fe.starts + t->fe.infos, 0);
	wc_free(&w);
}

static void test_csrf_required(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	char p[64];
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	snprintf(p, sizeof p, "/api/v1/messages/%lld/save", (long long)t->amsg[0]);
	assert_int_equal(wc_req(&w, "POST", p, NULL, NULL, 0, true, NULL), 403);
	assert_int_equal(msg_state(t, t->amsg[0]), STORE_MSG_NEW);
	char good[65];
	memcpy(good, w.csrf, sizeof good);
	w.csrf[0] = good[0] == 'a' ? 'b' : 'a';
	assert_int_equal(wc_req(&w, "POST", p, NULL, NULL, 0, false, NULL), 403);
	snprintf(p, sizeof p, "/api/v1/messages/%lld", (long long)t->amsg[1]);
	assert_int_equal(wc_req(&w, "DELETE", p, NULL, NULL, 0, false, NULL), 403);
	assert_int_equal(wc_req(&w, "POST", "/api/v1/play-on-phone", "application/json",
	                        "{\"message_id\":1}", 16, false, NULL),
	                 403);
	assert_int_equal(wc_req(&w, "DELETE", "/api/v1/session", NULL, NULL, 0, false, NULL), 403);
	assert_int_equal(msg_state(t, t->amsg[1]), STORE_MSG_NEW);
	assert_int_equal(t->fe.starts, 0);
	/* another session's token is no good either */
	wc other;
	wc_init(&other, t);
	assert_int_equal(wc_logon(&other, WT_ALICE, WT_PIN_ALICE), 200);
	memcpy(w.csrf, other.csrf, sizeof w.csrf);
	assert_int_equal(wc_req(&w, "DELETE", p, NULL, NULL, 0, false, NULL), 403);
	memcpy(w.csrf, good, sizeof good);
	assert_int_equal(wc_req(&w, "DELETE", p, NULL, NULL, 0, false, NULL), 204);
	assert_int_equal(msg_state(t, t->amsg[1]), STORE_MSG_DELETED);
	wc_free(&other);
	wc_free(&w);
}

static void test_list(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	/* a transcribed message carries its text (docs/transcription.md) */
	assert_int_equal(store_msg_set_transcript(t->st, t->amsg[0], STORE_TRANSCRIPT_DONE,
	                                          "call me back", NULL),
	                 0);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages", NULL), 200);
	json_t *j = body_json(&w);
	json_t *a = json_object_get(j, "messages");
	assert_int_equal(json_array_size(a), 3);
	int seen = 0;
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *m = json_array_get(a, i);
		int64_t id = json_integer_value(json_object_get(m, "id"));
		assert_true(id != t->bmsg);
		const char *caller = json_string_value(json_object_get(m, "caller"));
		const char *st = json_string_value(json_object_get(m, "state"));
		assert_int_equal(json_integer_value(json_object_get(m, "duration_ms")), 1000);
		assert_string_equal(json_string_value(json_object_get(m, "received")),
		                    "2023-11-14T22:13:21Z");
		assert_non_null(json_string_value(json_object_get(m, "entry_id")));
		const char *ts = json_string_value(json_object_get(m, "transcript_state"));
		const char *tx = json_string_value(json_object_get(m, "transcript"));
		assert_non_null(ts);
		assert_non_null(tx);
		assert_string_equal(ts, id == t->amsg[0] ? "done" : "none");
		assert_string_equal(tx, id == t->amsg[0] ? "call me back" : "");
		if (id == t->amsg[0]) {
			assert_string_equal(caller, "sip:carol@example.com");
			assert_string_equal(st, "new");
			seen |= 1;
		} else if (id == t->amsg[2]) {
			assert_string_equal(caller, "tel:+15551234");
			assert_string_equal(st, "saved");
			seen |= 4;
		} else if (id == t->amsg[1]) {
			seen |= 2;
		}
	}
	assert_int_equal(seen, 7);
	json_decref(j);
	assert_int_equal(wc_json(&w, "DELETE", "/api/v1/messages", NULL), 405);
	wc_free(&w);
}

static void check_wav(wc *w, store_codec codec)
{
	assert_int_equal(w->status, 200);
	assert_string_equal(w->ctype, "audio/wav");
	media_wav_info wi;
	assert_int_equal(media_wav_parse((const uint8_t *)w->body.data, w->body.len, &wi, NULL), 0);
	assert_int_equal(wi.format, MEDIA_WAV_PCM16);
	assert_int_equal(wi.rate, 8000);
	assert_int_equal(wi.channels, 1);
	assert_int_equal(wi.samples, 8000);
	/* the samples are the stored audio, decoded (see wt_add_msg's pattern) */
	for (size_t i = 0; i < wi.samples; i += 997) {
		int16_t got = (int16_t)(wi.data[2 * i] | wi.data[2 * i + 1] << 8);
		int16_t want =
		    codec == STORE_CODEC_PCMU   ? g711_ulaw_decode((uint8_t)(0x80 + i % 16))
		    : codec == STORE_CODEC_PCMA ? g711_alaw_decode((uint8_t)(0x80 + i % 16))
		                                : (int16_t)(((2 * i + 1) / 2 % 64) << 8);
		assert_int_equal(got, want);
	}
}

static void test_audio(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	char p[64];
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	store_codec codecs[3] = {STORE_CODEC_PCMU, STORE_CODEC_L16, STORE_CODEC_PCMA};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "/api/v1/messages/%lld/audio", (long long)t->amsg[i]);
		wc_json(&w, "GET", p, NULL);
		check_wav(&w, codecs[i]);
	}
	/* fetching does not change the state */
	assert_int_equal(msg_state(t, t->amsg[0]), STORE_MSG_NEW);
	wc_free(&w);
}

static void test_others_message_404(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	char p[96], body[96];
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	const char *fmts[] = {"/api/v1/messages/%lld/audio", "/api/v1/messages/%lld"};
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof p, fmts[i], (long long)t->bmsg);
		assert_int_equal(wc_json(&w, "GET", p, NULL), 404);
		assert_non_null(strstr(w.body.data, "no such message"));
	}
	assert_int_equal(wc_json(&w, "DELETE", p, NULL), 404);
	snprintf(p, sizeof p, "/api/v1/messages/%lld/save", (long long)t->bmsg);
	assert_int_equal(wc_json(&w, "POST", p, NULL), 404);
	snprintf(body, sizeof body, "{\"message_id\":%lld}", (long long)t->bmsg);
	assert_int_equal(wc_json(&w, "POST", "/api/v1/play-on-phone", body), 404);
	/* nothing changed */
	assert_int_equal(msg_state(t, t->bmsg), STORE_MSG_NEW);
	assert_int_equal(t->fe.starts, 0);
	/* unknown and malformed ids are as absent */
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages/999999/audio", NULL), 404);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages/abc", NULL), 404);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages/0", NULL), 404);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages/-1/audio", NULL), 404);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages/1234567890123456789012", NULL), 404);
	assert_int_equal(wc_json(&w, "POST", "/api/v1/play-on-phone", "{\"message_id\":999999}"),
	                 404);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/nothing", NULL), 404);
	assert_int_equal(t->fe.starts, 0);
	wc_free(&w);
}

static void test_save_delete(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	char p[64];
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	snprintf(p, sizeof p, "/api/v1/messages/%lld/save", (long long)t->amsg[0]);
	assert_int_equal(wc_json(&w, "POST", p, NULL), 200);
	assert_non_null(strstr(w.body.data, "\"state\":\"saved\""));
	assert_int_equal(msg_state(t, t->amsg[0]), STORE_MSG_SAVED);
	assert_int_equal(wc_json(&w, "GET", p, NULL), 405);

	snprintf(p, sizeof p, "/api/v1/messages/%lld", (long long)t->amsg[0]);
	assert_int_equal(wc_json(&w, "DELETE", p, NULL), 204);
	assert_int_equal(msg_state(t, t->amsg[0]), STORE_MSG_DELETED);
	/* gone from the list and from every operation */
	assert_int_equal(wc_json(&w, "DELETE", p, NULL), 404);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages", NULL), 200);
	json_t *j = body_json(&w);
	assert_int_equal(json_array_size(json_object_get(j, "messages")), 2);
	json_decref(j);
	wc_free(&w);
}

static void test_play_on_phone(void **state)
{
	wt *t = *state;
	wc w, bob;
	wc_init(&w, t);
	wc_init(&bob, t);
	char body[160], p[96];
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	assert_int_equal(wc_logon(&bob, WT_BOB, WT_PIN_BOB), 200);

	/* malformed dial strings: 400 with the reason, the engine never asked */
	const char *bad[] = {"sip:",  "abc",
	                     "sip:@", "+",
	                     "12a34", "http://example.com/",
	                     "tel:",  "sip:alice:secret@example.com"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(body, sizeof body, "{\"message_id\":%lld,\"dial_string\":\"%s\"}",
		         (long long)t->amsg[0], bad[i]);
		assert_int_equal(wc_json(&w, "POST", "/api/v1/play-on-phone", body), 400);
		assert_non_null(strstr(w.body.data, "Bad dial string"));
	}
	assert_int_equal(
	    wc_json(&w, "POST", "/api/v1/play-on-phone", "{\"message_id\":1,\"dial_string\":7}"),
	    400);
	assert_int_equal(t->fe.starts, 0);

	/* no dial string: the owner's own address */
	snprintf(body, sizeof body, "{\"message_id\":%lld}", (long long)t->amsg[0]);
	assert_int_equal(wc_json(&w, "POST", "/api/v1/play-on-phone", body), 201);
	json_t *j = body_json(&w);
	char id[64];
	snprintf(id, sizeof id, "%s", json_string_value(json_object_get(j, "call_id")));
	json_decref(j);
	assert_string_equal(id, "call-1");
	assert_int_equal(t->fe.starts, 1);
	assert_string_equal(t->fe.calls[0].dial, WT_ALICE);
	assert_string_equal(t->fe.calls[0].mailbox, WT_ALICE);
	assert_int_equal(t->fe.calls[0].msg_id, t->amsg[0]);

	/* a second one while the first runs: 409, the engine not asked */
	snprintf(body, sizeof body, "{\"message_id\":%lld,\"dial_string\":\"+1 (555) 123-4567\"}",
	         (long long)t->amsg[1]);
	assert_int_equal(wc_json(&w, "POST", "/api/v1/play-on-phone", body), 409);
	assert_non_null(strstr(w.body.data, "already running"));
	assert_int_equal(t->fe.starts, 1);
	/* Bob is another mailbox: his call goes ahead */
	snprintf(body, sizeof body, "{\"message_id\":\"%lld\",\"dial_string\":\"tel:+15550001\"}",
	         (long long)t->bmsg);
	assert_int_equal(wc_json(&bob, "POST", "/api/v1/play-on-phone", body), 201);
	assert_int_equal(t->fe.starts, 2);

	/* the state follows the engine */
	snprintf(p, sizeof p, "/api/v1/calls/%s", id);
	assert_int_equal(wc_json(&w, "GET", p, NULL), 200);
	assert_non_null(strstr(w.body.data, "\"state\":\"Connecting\""));
	fake_set(&t->fe, id, WEB_CALL_ALERTED, WEB_CAUSE_NONE, 180, "Ringing");
	assert_int_equal(wc_json(&w, "GET", p, NULL), 200);
	assert_non_null(strstr(w.body.data, "\"state\":\"Alerted\""));
	assert_non_null(strstr(w.body.data, "\"sip_code\":180"));
	assert_non_null(strstr(w.body.data, "\"sip_reason\":\"Ringing\""));
	fake_set(&t->fe, id, WEB_CALL_CONNECTED, WEB_CAUSE_NONE, 200, "OK");
	assert_int_equal(wc_json(&w, "GET", p, NULL), 200);
	assert_non_null(strstr(w.body.data, "\"state\":\"Connected\""));

	/* Bob can neither see nor end Alice's call */
	assert_int_equal(wc_json(&bob, "GET", p, NULL), 404);
	assert_int_equal(wc_json(&bob, "DELETE", p, NULL), 404);
	assert_int_equal(t->fe.disconnects, 0);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/calls/call-99", NULL), 404);

	/* Alice ends it; then a new call is allowed and gets its number canonical */
	assert_int_equal(wc_json(&w, "DELETE", p, NULL), 204);
	assert_int_equal(t->fe.disconnects, 1);
	assert_int_equal(wc_json(&w, "GET", p, NULL), 200);
	assert_non_null(strstr(w.body.data, "\"state\":\"Disconnected\""));
	snprintf(body, sizeof body, "{\"message_id\":%lld,\"dial_string\":\"+1 (555) 123-4567\"}",
	         (long long)t->amsg[1]);
	assert_int_equal(wc_json(&w, "POST", "/api/v1/play-on-phone", body), 201);
	assert_string_equal(t->fe.calls[2].dial, "+15551234567");

	/* a call that ends by itself (busy) frees the mailbox as well */
	fake_set(&t->fe, "call-3", WEB_CALL_DISCONNECTED, WEB_CAUSE_USER_BUSY, 486, "Busy Here");
	snprintf(p, sizeof p, "/api/v1/calls/%s", "call-3");
	assert_int_equal(wc_json(&w, "GET", p, NULL), 200);
	assert_non_null(strstr(w.body.data, "\"cause\":\"UserBusy\""));
	assert_int_equal(wc_json(&w, "POST", "/api/v1/play-on-phone", body), 201);

	/* the engine's own refusal of a second call is a 409 too */
	fake_set(&t->fe, "call-4", WEB_CALL_DISCONNECTED, WEB_CAUSE_NONE, 0, NULL);
	t->fe.start_rc = OPENUM_EDUP;
	assert_int_equal(wc_json(&w, "POST", "/api/v1/play-on-phone", body), 409);
	t->fe.start_rc = OPENUM_EIO;
	assert_int_equal(wc_json(&w, "POST", "/api/v1/play-on-phone", body), 502);
	t->fe.start_rc = 0;
	wc_free(&bob);
	wc_free(&w);
}

static void test_logoff(void **state)
{
	wt *t = *state;
	wc w;
	wc_init(&w, t);
	assert_int_equal(wc_logon(&w, WT_ALICE, WT_PIN_ALICE), 200);
	char old[256];
	snprintf(old, sizeof old, "%s", w.cookie);
	assert_int_equal(wc_json(&w, "DELETE", "/api/v1/session", NULL), 204);
	assert_non_null(strstr(w.setcookie, "Max-Age=0"));
	assert_string_equal(w.cookie, "");
	/* the old cookie is dead on the server side too */
	snprintf(w.cookie, sizeof w.cookie, "%s", old);
	assert_int_equal(wc_json(&w, "GET", "/api/v1/messages", NULL), 401);
	wc_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_logon_ok, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_logon_wrong, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_required, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csrf_required, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audio, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_others_message_404, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_save_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_play_on_phone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_logoff, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
