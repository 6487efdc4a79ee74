/* `openum demo --script`: the whole MS-OCEXUM story of issue 7 in six steps, played by
 * real `openum phone` processes against real `openum proxy` and `openum um` processes
 * over loopback sockets, and by this process as a client of the web service. Each
 * verdict is read from evidence the servers leave (the UM server's call log and
 * messages in the store, the proxy's log), from what the phones' scripts checked on
 * the INVITEs they received, and from the web service's answers; never assumed. */
#define _XOPEN_SOURCE 700 /* nftw */
#define _DEFAULT_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "demo_int.h"
#include "store/store.h"

#define ALICE "sip:alice@" DEMO_DOMAIN
#define BOB "sip:bob@" DEMO_DOMAIN
#define NO_ANSWER_S "5"       /* alice's no-answer timer: step 1 goes to voicemail after it */
#define BOB_TALKS_MS 20000    /* bob's call, from the answer to his hang-up */
#define PHONE_WAIT_MS 90000   /* the longest a phone of the story may run */
#define CALL_LOG_WAIT_MS 8000 /* the UM server writes a call's row once it has ended */
#define POP_WAIT_MS 90000     /* Play-On-Phone: the UM server gives up ringing after 45 s */
#define REASON_CAP 512

/* What each step shows, as its PASS / FAIL line says it. */
static const char *const step_what[6] = {
    "bob calls alice, she does not answer: voicemail with a Diversion (no-answer), bob's "
    "message recorded",
    "alice calls voicemail over TLS through the proxy with skip-pin: no PIN asked, she "
    "hears bob's message",
    "alice calls voicemail over TCP: no skip-pin on TCP, she is asked for her PIN",
    "bob sends skip-pin for alice's mailbox: the proxy strips it, PIN asked",
    "alice appears offline and asks for Play on phone on the web: her phone rings (From == "
    "To == alice, Ms-Sensitivity: private-no-diversion)",
    "she does not answer: no voicemail diversion, GetCallInfo says NoAnswer",
};

typedef struct story {
	demo *d;
	demo_child kids[2];  /* openum um, openum proxy */
	demo_child phone[2]; /* the phones running now (alice, bob) */
	store *st;
	CURL *curl;
	char csrf[128];
	int64_t msg_id;   /* bob's message (step 1), 0 when there is none */
	uint32_t msg_ms;  /* its length */
	bool interrupted; /* SIGINT/SIGTERM, or a server died */
	int passed;       /* steps that passed */
	int judged;       /* the last step that got its line */
	char reason[REASON_CAP];
} story;

static bool why_set(story *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the reason of a failed check (the first one wins) and returns false. */
static bool why_set(story *s, const char *fmt, ...)
{
	if (s->reason[0])
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	return false;
}

static void verdict(story *s, int step, bool ok, const char *what)
{
	s->passed += ok;
	s->judged = step;
	if (ok)
		printf("PASS step %d: %s\n", step, what);
	else
		printf("FAIL step %d: %s (%s)\n", step, what,
		       s->reason[0] ? s->reason : "no reason recorded");
	fflush(stdout);
	s->reason[0] = '\0';
}

/* ---- the servers and the phones ------------------------------------------------- */

/* False (and interrupted set) when we were signalled or a server died. */
static bool servers_alive(story *s)
{
	int st, i;
	if (demo_stop_sig) {
		s->interrupted = true;
		return why_set(s, "interrupted by signal %d", (int)demo_stop_sig);
	}
	if ((i = demo_reap(s->kids, 2, &st)) >= 0) {
		demo_describe_exit(&s->kids[i], st);
		s->interrupted = true;
		return why_set(s, "%s died", s->kids[i].what);
	}
	return true;
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* Starts `openum phone` as user u with the script text (NAME.script, output in
 * NAME.out); over TCP when tcp, else TLS verified with the demo CA. */
static bool phone_start(story *s, demo_child *c, const demo_user *u, const char *name, bool tcp,
                        const char *play, const char *script)
{
	demo *d = s->d;
	char path[DEMO_PATH_CAP], user[96], proxy[32];
	if (!demo_path_fmt(path, "%s/%s.script", d->dir, name) ||
	    !demo_path_fmt(c->log, "%s/%s.out", d->dir, name))
		return why_set(s, "path too long");
	if (!write_file(path, script))
		return why_set(s, "cannot write %s", path);
	unlink(c->log); /* the output of this step only */
	snprintf(user, sizeof(user), "sip:%s@" DEMO_DOMAIN, u->name);
	snprintf(proxy, sizeof(proxy), "127.0.0.1:%u", d->port[tcp ? DEMO_P_PTCP : DEMO_P_PTLS]);
	char *argv[16];
	int n = 0;
	argv[n++] = "openum";
	argv[n++] = "phone";
	argv[n++] = "--user";
	argv[n++] = user;
	argv[n++] = "--password";
	argv[n++] = (char *)u->password;
	argv[n++] = "--proxy";
	argv[n++] = proxy;
	if (tcp) {
		argv[n++] = "--tcp";
		argv[n++] = "--skip-pin-anyway"; /* step 3: the servers must refuse it */
	} else {
		argv[n++] = "--ca";
		argv[n++] = d->ca;
	}
	if (play) {
		argv[n++] = "--play";
		argv[n++] = (char *)play;
	}
	argv[n++] = "--script";
	argv[n++] = path;
	argv[n] = NULL;
	c->what = name;
	if (demo_start_child(c, argv) < 0)
		return why_set(s, "cannot start %s's phone: %s", u->name, strerror(errno));
	return true;
}

/* The phone's output so far (malloc'd, "" when none). */
static char *phone_output(const demo_child *c)
{
	FILE *f = fopen(c->log, "r");
	char *buf = NULL;
	size_t len = 0;
	if (f) {
		FILE *m = open_memstream(&buf, &len);
		char chunk[4096];
		size_t k;
		while (m && (k = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, k, m);
		if (m)
			fclose(m);
		fclose(f);
	}
	return buf ? buf : strdup("");
}

static bool phone_said(const demo_child *c, const char *needle)
{
	char *out = phone_output(c);
	bool yes = out && strstr(out, needle) != NULL;
	free(out);
	return yes;
}

/* The phone's first "FAIL: ..." line, or its last line, as a reason. */
static void phone_reason(story *s, const demo_child *c, const char *who)
{
	char *out = phone_output(c);
	if (!out)
		return;
	char *line = strstr(out, ": FAIL: ");
	if (!line) {
		size_t n = strlen(out);
		while (n && out[n - 1] == '\n')
			out[--n] = '\0';
		line = strrchr(out, '\n');
		line = line ? line + 1 : out;
	} else {
		while (line > out && line[-1] != '\n')
			line--;
	}
	line[strcspn(line, "\n")] = '\0';
	why_set(s, "%s's phone: %s", who, *line ? line : "no output");
	free(out);
}

/* Waits until the phone says needle; false when it ended first or timeout passed. */
static bool phone_wait_for(story *s, demo_child *c, const char *needle, int timeout_ms)
{
	for (int t = 0; t <= timeout_ms; t += 100) {
		if (phone_said(c, needle))
			return true;
		int st;
		if (demo_reap(c, 1, &st) >= 0) {
			phone_reason(s, c, c->what);
			return why_set(s, "%s's phone ended before '%s'", c->what, needle);
		}
		if (!servers_alive(s))
			return false;
		demo_sleep_ms(100);
	}
	return why_set(s, "%s's phone did not say '%s' within %d s", c->what, needle,
	               timeout_ms / 1000);
}

/* Waits for the phone to end: its exit status, or -1 (timeout: killed; interrupted). */
static int phone_end(story *s, demo_child *c, int timeout_ms)
{
	for (int t = 0; c->pid > 0; t += 100) {
		int st;
		if (demo_reap(c, 1, &st) >= 0)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (!servers_alive(s) || t > timeout_ms) {
			if (t > timeout_ms)
				why_set(s, "%s's phone still ran after %d s", c->what,
				        timeout_ms / 1000);
			demo_stop_children(c, 1);
			return -1;
		}
		demo_sleep_ms(100);
	}
	return -1;
}

/* A phone that must have passed its script (exit 0). */
static bool phone_passed(story *s, demo_child *c, int timeout_ms)
{
	int rc = phone_end(s, c, timeout_ms);
	if (rc == 0)
		return true;
	phone_reason(s, c, c->what);
	return why_set(s, "%s's phone exited %d", c->what, rc);
}

/* ---- evidence in the store -------------------------------------------------------- */

/* The id of the newest call-log row of alice's mailbox (0 when none). */
static int64_t last_call_id(story *s)
{
	store_call *rows = NULL;
	size_t n = 0;
	const char *why = NULL;
	int64_t id = 0;
	if (store_call_list(s->st, ALICE, 1, &rows, &n, &why) == 0 && n)
		id = rows[0].id;
	free(rows);
	return id;
}

/* The first call-log row of alice's mailbox after `after`, once the UM server wrote it.
 * *out is cleared first: the callers read it only on true, but the analyzer cannot see
 * that why_set (varargs, not inlined) always returns false. */
static bool call_after(story *s, int64_t after, store_call *out)
{
	*out = (store_call){0};
	for (int t = 0; t <= CALL_LOG_WAIT_MS; t += 100) {
		store_call *rows = NULL;
		size_t n = 0;
		const char *why = NULL;
		if (store_call_list(s->st, ALICE, 0, &rows, &n, &why))
			return why_set(s, "call log: %s", why ? why : "?");
		bool found = false;
		for (size_t i = n; i-- > 0;) /* newest first: the oldest new row is last */
			if (rows[i].id > after) {
				*out = rows[i];
				found = true;
				break;
			}
		free(rows);
		if (found)
			return true;
		if (!servers_alive(s))
			return false;
		demo_sleep_ms(100);
	}
	return why_set(s, "the UM server logged no call for alice's mailbox");
}

static int count_kind(story *s, store_call_kind kind)
{
	store_call *rows = NULL;
	size_t n = 0;
	const char *why = NULL;
	int k = 0;
	if (store_call_list(s->st, ALICE, 0, &rows, &n, &why))
		return -1;
	for (size_t i = 0; i < n; i++)
		k += rows[i].kind == kind;
	free(rows);
	return k;
}

/* Alice's messages (new and saved). */
static bool alice_messages(story *s, store_msg **out, size_t *n)
{
	*out = NULL; /* never a stale pointer for the caller to free again */
	*n = 0;
	store_mailbox mb;
	const char *why = NULL;
	if (store_mailbox_get_by_address(s->st, ALICE, &mb, &why) ||
	    store_msg_list(s->st, mb.id,
	                   STORE_MSG_MASK(STORE_MSG_NEW) | STORE_MSG_MASK(STORE_MSG_SAVED), out, n,
	                   &why))
		return why_set(s, "alice's mailbox: %s", why ? why : "?");
	return true;
}

/* ---- the web service (JSON API) ------------------------------------------------ */

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	FILE *m = arg;
	return fwrite(p, size, n, m) == n ? n * size : 0;
}

/* One request; *out the JSON answer (NULL when none or not JSON). The HTTP status, or
 * -1 when no answer came. */
static long http(story *s, const char *method, const char *path, const char *body, json_t **out)
{
	char url[256];
	snprintf(url, sizeof(url), "https://127.0.0.1:%u%s", s->d->port[DEMO_P_WEB], path);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return -1;
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	if (s->csrf[0]) {
		char csrf[192];
		snprintf(csrf, sizeof(csrf), "X-CSRF-Token: %s", s->csrf);
		h = curl_slist_append(h, csrf);
	}
	CURL *c = s->curl;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (!body)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, m);
	long code = -1;
	CURLcode rc = curl_easy_perform(c);
	fclose(m);
	curl_slist_free_all(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	else
		why_set(s, "%s %s: %s", method, path, curl_easy_strerror(rc));
	if (out)
		*out = buf && len ? json_loadb(buf, len, 0, NULL) : NULL;
	free(buf);
	return code;
}

static const char *jstr(json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));
	return v ? v : "";
}

/* Logs alice on with her PIN: the session cookie stays in the curl handle. */
static bool web_logon(story *s)
{
	char body[160];
	snprintf(body, sizeof(body), "{\"address\":\"alice@" DEMO_DOMAIN "\",\"pin\":\"%s\"}",
	         demo_users[0].pin);
	json_t *j = NULL;
	long code = http(s, "POST", "/api/v1/session", body, &j);
	bool ok = code == 200 && *jstr(j, "csrf_token") &&
	          strlen(jstr(j, "csrf_token")) < sizeof(s->csrf);
	if (ok)
		snprintf(s->csrf, sizeof(s->csrf), "%s", jstr(j, "csrf_token"));
	json_decref(j);
	return ok ? true : why_set(s, "web logon answered %ld", code);
}

/* ---- the six steps ------------------------------------------------------------------ */

/* 1. bob calls alice, who does not answer: the proxy diverts to voicemail with a
 * Diversion (reason no-answer) and the UM server records bob's message. */
static bool step1(story *s, const char *bob_wav)
{
	demo_child *alice = &s->phone[0], *bob = &s->phone[1];
	if (!phone_start(s, alice, &demo_users[0], "alice", false, NULL,
	                 "wait-registered\nwait-call 30\nwait-ended 60\n") ||
	    !phone_wait_for(s, alice, "wait-registered: ok", 15000))
		return false;
	int64_t before = last_call_id(s);
	char script[256];
	snprintf(script, sizeof(script),
	         "call " ALICE "\nwait-answered 40\nsleep %d\nhangup\nwait-ended 10\n",
	         BOB_TALKS_MS);
	if (!phone_start(s, bob, &demo_users[1], "bob", false, bob_wav, script))
		return false;
	bool bob_ok = phone_passed(s, bob, PHONE_WAIT_MS);
	bool alice_ok = phone_passed(s, alice, PHONE_WAIT_MS);
	if (!bob_ok || !alice_ok)
		return false;
	if (!phone_said(alice, "wait-call: ok"))
		return why_set(s, "alice's phone never rang");
	store_call c; /* written once the message is stored */
	if (!call_after(s, before, &c))
		return false;
	if (c.kind != STORE_CALL_ANSWERING)
		return why_set(s, "the UM server logged a %s call", store_call_kind_name(c.kind));
	store_msg *msgs = NULL;
	size_t n = 0;
	if (!alice_messages(s, &msgs, &n))
		return false;
	bool ok = false;
	if (n != 1)
		why_set(s, "alice has %zu messages, expected bob's one", n);
	else if (!strstr(msgs[0].caller, "bob@" DEMO_DOMAIN))
		why_set(s, "the message is from '%s', not bob", msgs[0].caller);
	else if (strcmp(msgs[0].diversion, "no-answer") != 0)
		why_set(s, "the message's diversion reason is '%s', not no-answer",
		        msgs[0].diversion);
	else if (msgs[0].duration_ms < 1000)
		why_set(s, "the message lasts %u ms only", (unsigned)msgs[0].duration_ms);
	else {
		s->msg_id = msgs[0].id;
		s->msg_ms = msgs[0].duration_ms;
		ok = true;
	}
	free(msgs);
	return ok;
}

/* 2. alice calls her voicemail over TLS through the proxy; her phone adds skip-pin,
 * the proxy passes it to the UM server over mutual TLS: no PIN, she presses 1 and
 * hears bob's message to the end, which makes it saved. */
static bool step2(story *s)
{
	if (!s->msg_id)
		return why_set(s, "no message from step 1");
	int64_t before = last_call_id(s);
	char script[256];
	/* the first prompt heard, 1 plays the message (the date, time and caller come
	 * before the audio); its end is the end of the sound, and a second more covers a
	 * quiet tail of the recording before the UM server marks it heard */
	snprintf(script, sizeof(script),
	         "voicemail\nwait-answered 15\nwait-prompt 20\ndtmf 1\nwait-prompt %u\n"
	         "sleep 1000\nhangup\nwait-ended 10\n",
	         (unsigned)s->msg_ms / 1000 + 20);
	if (!phone_start(s, &s->phone[0], &demo_users[0], "alice", false, NULL, script) ||
	    !phone_passed(s, &s->phone[0], PHONE_WAIT_MS))
		return false;
	store_call c;
	if (!call_after(s, before, &c))
		return false;
	if (c.kind != STORE_CALL_SUBSCRIBER_ACCESS)
		return why_set(s, "the UM server logged a %s call", store_call_kind_name(c.kind));
	if (!c.skip_pin_requested || !c.trusted)
		return why_set(s, "skip-pin %s, transport %s (trusted %s)",
		               c.skip_pin_requested ? "received" : "not received", c.transport,
		               c.trusted ? "yes" : "no");
	if (c.logon != STORE_LOGON_SKIP_PIN)
		return why_set(s, "logon %s, not skip-pin", store_logon_result_name(c.logon));
	store_msg *msgs = NULL;
	size_t n = 0;
	if (!alice_messages(s, &msgs, &n))
		return false;
	store_msg_state state = STORE_MSG_DELETED;
	for (size_t i = 0; i < n; i++)
		if (msgs[i].id == s->msg_id)
			state = msgs[i].state;
	free(msgs);
	if (state != STORE_MSG_SAVED)
		return why_set(s, "bob's message is %s: not heard to the end",
		               store_msg_state_name(state));
	return true;
}

/* 3. alice calls her voicemail over TCP asking skip-pin (a conforming phone never
 * does, MS-OCEXUM 3.1, so hers is told to with --skip-pin-anyway): the proxy strips
 * it since TCP cannot vouch for it, and the UM server asks her PIN; she enters it. */
static bool step3(story *s)
{
	int64_t before = last_call_id(s);
	char script[256];
	snprintf(script, sizeof(script),
	         "voicemail\nwait-answered 15\nwait-prompt 20\ndtmf %s#\nwait-prompt 20\n"
	         "hangup\nwait-ended 10\n",
	         demo_users[0].pin);
	if (!phone_start(s, &s->phone[0], &demo_users[0], "alice", true, NULL, script) ||
	    !phone_passed(s, &s->phone[0], PHONE_WAIT_MS))
		return false;
	store_call c;
	if (!call_after(s, before, &c))
		return false;
	if (c.skip_pin_requested)
		return why_set(s, "skip-pin reached the UM server from a TCP phone");
	if (c.logon != STORE_LOGON_PIN_OK)
		return why_set(s, "logon %s (%s), not pin-ok", store_logon_result_name(c.logon),
		               c.detail);
	if (!phone_said(&s->kids[1], "not received over TLS"))
		return why_set(s, "the proxy's log does not say it stripped alice's skip-pin");
	return true;
}

/* 4. bob calls alice's voicemail over TLS asking skip-pin: he is not the owner, the
 * proxy strips the header, the UM server asks for the PIN (he hangs up). */
static bool step4(story *s)
{
	int64_t before = last_call_id(s);
	if (!phone_start(s, &s->phone[1], &demo_users[1], "bob", false, NULL,
	                 "voicemail " ALICE "\nwait-answered 15\nwait-prompt 20\nhangup\n"
	                 "wait-ended 10\n") ||
	    !phone_passed(s, &s->phone[1], PHONE_WAIT_MS))
		return false;
	store_call c;
	if (!call_after(s, before, &c))
		return false;
	if (c.skip_pin_requested || c.logon == STORE_LOGON_SKIP_PIN)
		return why_set(s, "skip-pin reached the UM server (logon %s)",
		               store_logon_result_name(c.logon));
	if (!strstr(c.detail, "PIN prompt"))
		return why_set(s, "logon %s (%s): no PIN prompt", store_logon_result_name(c.logon),
		               c.detail);
	demo_child proxy = s->kids[1];
	if (!phone_said(&proxy, "Ms-Exchange-Command stripped"))
		return why_set(s, "the proxy's log says nothing stripped");
	return true;
}

/* 5 and 6. alice appears offline; Play on phone through the web service rings her
 * phone (From == To == her address, Ms-Sensitivity: private-no-diversion); nobody
 * answers, no voicemail takes the call, and the web service says NoAnswer. */
static void step56(story *s)
{
	demo_child *alice = &s->phone[0];
	int answering = count_kind(s, STORE_CALL_ANSWERING);
	store_msg *msgs = NULL;
	size_t nmsg = 0;
	if (!alice_messages(s, &msgs, &nmsg))
		nmsg = 0;
	free(msgs);
	msgs = NULL;
	char path[160], seen[256] = " "; /* " Alerted Connected ": states seen */
	char call_id[96] = "";
	bool ok5 = s->msg_id != 0 || why_set(s, "no message from step 1");
	ok5 = ok5 &&
	      phone_start(s, alice, &demo_users[0], "alice", false, NULL,
	                  "wait-registered\npresence offline\nwait-call 60\n"
	                  "expect-header Ms-Sensitivity ^private-no-diversion$\n"
	                  "expect-header From <sip:alice@openum\\.test>\n"
	                  "expect-header To <sip:alice@openum\\.test>\n"
	                  "wait-ended 90\n") &&
	      phone_wait_for(s, alice, "presence offline: ok", 15000) && web_logon(s);
	if (ok5) {
		char body[128];
		snprintf(body, sizeof(body), "{\"message_id\":%lld}", (long long)s->msg_id);
		json_t *j = NULL;
		long code = http(s, "POST", "/api/v1/play-on-phone", body, &j);
		if (code == 201 && *jstr(j, "call_id") && strlen(jstr(j, "call_id")) < 64)
			snprintf(call_id, sizeof(call_id), "%s", jstr(j, "call_id"));
		else
			ok5 = why_set(s, "play-on-phone answered %ld", code);
		json_decref(j);
	}
	ok5 = ok5 && phone_wait_for(s, alice, "expect-header To: ok", 30000);
	verdict(s, 5, ok5, step_what[4]);
	if (s->interrupted)
		return;

	/* 6: follow the call to its end, as the web page does */
	bool ok6 = call_id[0] || why_set(s, "no call to follow");
	json_t *j = NULL;
	snprintf(path, sizeof(path), "/api/v1/calls/%s", call_id);
	for (int t = 0; ok6; t += 500) {
		json_decref(j);
		j = NULL;
		long code = http(s, "GET", path, NULL, &j);
		if (code != 200) {
			ok6 = why_set(s, "GetCallInfo answered %ld", code);
			break;
		}
		const char *state = jstr(j, "state");
		char word[40];
		snprintf(word, sizeof(word), " %s ", state);
		if (!strstr(seen, word) && strlen(seen) + strlen(word) < sizeof(seen))
			strcat(seen, word + 1);
		if (strcmp(state, "Disconnected") == 0)
			break;
		if (t > POP_WAIT_MS)
			ok6 = why_set(s, "still %s after %d s", state, POP_WAIT_MS / 1000);
		else if (!servers_alive(s))
			ok6 = false;
		demo_sleep_ms(500);
	}
	if (ok6 && strcmp(jstr(j, "cause"), "NoAnswer") != 0)
		ok6 =
		    why_set(s, "the call ended with cause %s (states:%s)", jstr(j, "cause"), seen);
	else if (ok6 && strstr(seen, " Connected ") != NULL)
		ok6 = why_set(s, "someone answered the call (states:%s)", seen);
	json_decref(j);
	ok6 = ok6 && phone_passed(s, alice, PHONE_WAIT_MS);
	if (ok6 && count_kind(s, STORE_CALL_ANSWERING) != answering)
		ok6 = why_set(s, "the UM server answered a diverted call for alice");
	size_t nafter = 0;
	if (ok6 && alice_messages(s, &msgs, &nafter)) {
		free(msgs);
		if (nafter != nmsg)
			ok6 = why_set(s, "alice has %zu messages now, %zu before", nafter, nmsg);
	}
	verdict(s, 6, ok6, step_what[5]);
}

/* ---- running it ----------------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void remove_dir(const char *dir)
{
	if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "openum demo: could not remove all of %s: %s\n", dir,
		        strerror(errno));
}

int demo_story_run(demo *d)
{
	story s = {.d = d};
	d->no_message = true; /* step 1 records the one message */
	d->no_answer_s = NO_ANSWER_S;
	d->quiet = true;
	demo_catch_signals();
	printf("openum demo --script: the MS-OCEXUM story in six steps (about 2.5 minutes)\n");
	fflush(stdout);

	char bob_wav[DEMO_PATH_CAP];
	const char *why = NULL;
	bool ready = demo_prepare(d) && demo_path_fmt(bob_wav, "%s/%s", d->dir, "bob.wav") &&
	             demo_write_chime(bob_wav, (BOB_TALKS_MS + 2000) / 1500) &&
	             demo_servers_start(d, s.kids) == 0 && !demo_stop_sig;
	if (ready && store_open(d->db, NULL, &s.st, &why)) {
		fprintf(stderr, "openum demo: %s: %s\n", d->db, why ? why : "?");
		ready = false;
	}
	if (ready && !(s.curl = curl_easy_init())) {
		fprintf(stderr, "openum demo: cannot start an HTTP client\n");
		ready = false;
	}
	if (ready) {
		curl_easy_setopt(s.curl, CURLOPT_CAINFO, d->ca);
		curl_easy_setopt(s.curl, CURLOPT_COOKIEFILE, ""); /* keep the session cookie */
		curl_easy_setopt(s.curl, CURLOPT_TIMEOUT, 20L);
		curl_easy_setopt(s.curl, CURLOPT_NOSIGNAL, 1L);

		bool (*const steps[])(story *) = {NULL, step2, step3, step4};
		for (int i = 0; i < 4 && !s.interrupted; i++) {
			bool ok = i == 0 ? step1(&s, bob_wav) : steps[i](&s);
			verdict(&s, i + 1, ok, step_what[i]);
			demo_stop_children(s.phone, 2);
		}
		if (!s.interrupted)
			step56(&s);
	}
	demo_stop_children(s.phone, 2);
	for (int i = s.judged; i < 6; i++) /* one line per step, also when it did not run */
		printf("FAIL step %d: %s (not run: %s)\n", i + 1, step_what[i],
		       s.interrupted ? "stopped after a server died or a signal"
		                     : "the servers did not start");
	fflush(stdout);
	curl_easy_cleanup(s.curl);
	store_close(s.st);
	demo_stop_children(s.kids, 2);
	if (demo_stop_sig)
		fprintf(stderr, "openum demo: interrupted by signal %d; stopped\n",
		        (int)demo_stop_sig);
	if (d->keep)
		printf("openum demo --script: kept %s (logs, phone scripts and outputs, store)\n",
		       d->dir);
	else
		remove_dir(d->dir);
	printf("openum demo --script: %d of 6 steps passed\n", s.passed);
	return s.passed == 6 && !demo_stop_sig ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
