/* RFC 4475 torture messages (tests/data/rfc4475/<name>.sip) run through the message
 * core: valid ones must parse and check with the values the RFC says they carry,
 * invalid ones must be refused with a reason, and the few the RFC lets a receiver
 * either refuse or read liberally must do one of the two correctly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "sip/sip.h"

/*
 * The expectation for every message, decided from the RFC's text.
 *
 * VALID:  sip_msg_parse and sip_msg_check succeed.
 * REJECT: sip_msg_parse or sip_msg_check fails with a `why`.
 * EITHER: the RFC allows refusing the message or reading it liberally; the message's
 *         own test checks that a refusal has a `why` and a liberal reading is right.
 *
 * Sections 3.2-3.4 describe transaction- and application-layer semantics. Where the
 * message is well formed and only a higher layer reacts (416, 420, 483, 505, ...),
 * the message layer must accept it and expose what that layer needs: it is VALID here.
 */
enum expect { VALID, REJECT, EITHER };

static const struct torture {
	const char *name;
	const char *section;
	enum expect expect;
	const char *why; /* the RFC's reason, in short */
} torture[] = {
    {"wsinv", "3.1.1.1", VALID, "folding, odd LWS and case everywhere: well formed"},
    {"intmeth", "3.1.1.2", VALID, "all token/word characters, NUL in a quoted-pair: well formed"},
    {"esc01", "3.1.1.3", VALID, "%HEX escapes in URIs: well formed"},
    {"escnull", "3.1.1.4", VALID, "escaped NULs in userinfo: well formed, two distinct contacts"},
    {"esc02", "3.1.1.5", VALID, "% is no escape in method, display name, header name"},
    {"lwsdisp", "3.1.1.6", VALID, "no LWS between display name and <: accept (3261 erratum)"},
    {"longreq", "3.1.1.7", VALID, "very long values and 34 Via headers: well formed"},
    {"dblreq", "3.1.1.8", VALID, "REGISTER with CL 0; the INVITE after it is noise"},
    {"semiuri", "3.1.1.9", VALID, "';' inside the Request-URI user part: well formed"},
    {"transports", "3.1.1.10", VALID, "UDP/SCTP/TLS/UNKNOWN/TCP Via transports: well formed"},
    {"mpart01", "3.1.1.11", VALID, "multipart body with NUL bytes: framed by Content-Length"},
    {"unreason", "3.1.1.12", VALID, "UTF-8 reason phrase: well formed"},
    {"noreason", "3.1.1.13", VALID, "empty reason phrase: well formed"},
    {"badinv01", "3.1.2.1", REJECT, "empty Via and Contact params ';;,;,,': 400"},
    {"clerr", "3.1.2.2", REJECT, "Content-Length larger than the body: 400 over UDP"},
    {"ncl", "3.1.2.3", REJECT, "negative Content-Length: error"},
    {"scalar02", "3.1.2.4", REJECT, "CSeq > 2**32-1: 400"},
    {"scalarlg", "3.1.2.5", REJECT, "response CSeq > 2**32-1: discard"},
    {"quotbal", "3.1.2.6", REJECT, "unterminated quote in To: 400"},
    {"ltgtruri", "3.1.2.7", REJECT, "Request-URI in <>: reasonable always to reject"},
    {"lwsruri", "3.1.2.8", REJECT, "LWS inside the Request-URI: 400"},
    {"lwsstart", "3.1.2.9", EITHER, "two SPs in the request line: reject, or ignore them"},
    {"trws", "3.1.2.10", EITHER, "SPs after SIP/2.0: reject, or ignore them"},
    {"escruri", "3.1.2.11", EITHER, "headers in the Request-URI: reject, or ignore them"},
    {"baddate", "3.1.2.12", VALID,
     "non-GMT Date: only the Date's user may reject; no Date parser here"},
    {"regbadct", "3.1.2.13", EITHER, "Contact URI with '?' outside <>: 400, or infer the <>"},
    {"badaspec", "3.1.2.14", EITHER, "spaces inside <> of To: 400, or ignore them"},
    {"baddn", "3.1.2.15", REJECT, "unquoted display names with ',': reasonable always to reject"},
    {"badvers", "3.1.2.16", EITHER, "SIP/7.0: 505; refuse here, or pass the version up"},
    {"mismatch01", "3.1.2.17", REJECT, "CSeq method differs from the request method: 400"},
    {"mismatch02", "3.1.2.18", REJECT, "unknown method, CSeq method differs: 501 or 400"},
    {"bigcode", "3.1.2.19", REJECT, "status code 4294967301: drop"},
    {"badbranch", "3.2.1", VALID,
     "branch 'z9hG4bK' alone: must not break; transaction layer decides"},
    {"insuf", "3.3.1", REJECT, "no Call-ID, From, To: 400"},
    {"unkscm", "3.3.2", VALID, "unknown Request-URI scheme: well formed, 416 is above"},
    {"novelsc", "3.3.3", VALID, "soap.beep Request-URI: well formed, 416 is above"},
    {"unksm2", "3.3.4", VALID, "unknown schemes in To/From/Contact: well formed"},
    {"bext01", "3.3.5", VALID, "unsupported Require/Proxy-Require: 420 is above"},
    {"invut", "3.3.6", VALID, "unknown Content-Type: 415 is above"},
    {"regaut01", "3.3.7", VALID, "unknown Authorization scheme: 401 is above"},
    {"multi01", "3.3.8", REJECT, "two CSeq, Call-ID, To, From, Max-Forwards: 400"},
    {"mcl01", "3.3.9", REJECT, "two different Content-Length values: error"},
    {"bcast", "3.3.10", VALID, "Via sent-by 255.255.255.255 in a 200: well formed"},
    {"zeromf", "3.3.11", VALID, "Max-Forwards 0: well formed, 483 is above"},
    {"cparam01", "3.3.12", VALID, "unknownparam is a contact-param (no <>)"},
    {"cparam02", "3.3.13", VALID, "unknownparam is a url-param (inside <>)"},
    {"regescrt", "3.3.14", VALID, "escaped header inside a <> Contact URI: well formed"},
    {"sdp01", "3.3.15", VALID, "Accept nobody supports: 406 is above"},
    {"inv2543", "3.4.1", VALID, "RFC 2543 INVITE: no branch, no tag, no CL, no Max-Forwards"},
};

#define NTORTURE (sizeof(torture) / sizeof(torture[0]))

/* ---- helpers --------------------------------------------------------------- */

typedef struct msgfile {
	char *buf; /* exactly len bytes, so that ASan sees any read past the end */
	size_t len;
	int parse_rc, check_rc;
	const char *why;
	sip_msg m;
} msgfile;

static ou_slice S(const char *s)
{
	return ou_slice_cstr(s);
}

static void assert_slice(ou_slice got, const char *want)
{
	if (!want) {
		if (got.p || got.n)
			fail_msg("got '%.*s', want absent", (int)got.n, got.p ? got.p : "");
		return;
	}
	if (!got.p && strlen(want) > 0)
		fail_msg("got absent, want '%s'", want);
	if (got.n != strlen(want) || memcmp(got.p, want, got.n) != 0)
		fail_msg("got '%.*s' (%zu bytes), want '%s'", (int)got.n, got.p ? got.p : "", got.n,
		         want);
}

static void assert_bytes(ou_slice got, const void *want, size_t n)
{
	if (got.n != n || (n && memcmp(got.p, want, n) != 0))
		fail_msg("got %zu bytes, want %zu (or contents differ)", got.n, n);
}

static void assert_empty(ou_slice got)
{
	if (got.n != 0)
		fail_msg("got '%.*s', want empty", (int)got.n, got.p);
}

static void assert_why(const char *why)
{
	assert_non_null(why);
	assert_true(strlen(why) > 0);
}

static char *repeat(const char *s, int n, char *out)
{
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		strcat(out, s);
	return out;
}

/* Reads, parses, and (if the parse succeeded) checks one message. */
static msgfile *load(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/rfc4475/%s.sip", OPENUM_TEST_DATA, name);
	FILE *fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	long sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	assert_true(sz > 0);
	msgfile *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->len = (size_t)sz;
	f->buf = malloc(f->len);
	assert_non_null(f->buf);
	assert_int_equal(fread(f->buf, 1, f->len, fp), f->len);
	fclose(fp);
	f->parse_rc = sip_msg_parse(f->buf, f->len, &f->m, &f->why);
	f->check_rc = f->parse_rc ? f->parse_rc : sip_msg_check(&f->m, &f->why);
	return f;
}

static void unload(msgfile *f)
{
	free(f->buf);
	free(f);
}

static msgfile *load_valid(const char *name)
{
	msgfile *f = load(name);
	if (f->parse_rc)
		fail_msg("%s: sip_msg_parse failed: %d '%s'", name, f->parse_rc,
		         f->why ? f->why : "");
	if (f->check_rc)
		fail_msg("%s: sip_msg_check failed: %d '%s'", name, f->check_rc,
		         f->why ? f->why : "");
	return f;
}

/* The message is refused by parse or check, with a reason. */
static msgfile *load_rejected(const char *name)
{
	msgfile *f = load(name);
	if (f->check_rc == 0)
		fail_msg("%s: accepted, want an error", name);
	assert_true(f->check_rc < 0);
	assert_why(f->why);
	return f;
}

/* Like load_rejected, but the start line and header framing are fine: sip_msg_parse
 * must succeed and sip_msg_check must be the one to refuse. */
static msgfile *load_check_fails(const char *name)
{
	msgfile *f = load(name);
	if (f->parse_rc)
		fail_msg("%s: sip_msg_parse failed: %d '%s', want only check to fail", name,
		         f->parse_rc, f->why ? f->why : "");
	if (f->check_rc == 0)
		fail_msg("%s: sip_msg_check accepted, want an error", name);
	assert_why(f->why);
	return f;
}

static const sip_addr *get_from(sip_msg *m)
{
	const sip_addr *a = NULL;
	const char *why = NULL;
	if (sip_msg_from(m, &a, &why))
		fail_msg("From: %s", why ? why : "");
	return a;
}

static const sip_addr *get_to(sip_msg *m)
{
	const sip_addr *a = NULL;
	const char *why = NULL;
	if (sip_msg_to(m, &a, &why))
		fail_msg("To: %s", why ? why : "");
	return a;
}

static const sip_uri *get_ruri(sip_msg *m)
{
	const sip_uri *u = NULL;
	const char *why = NULL;
	if (sip_msg_ruri(m, &u, &why))
		fail_msg("Request-URI: %s", why ? why : "");
	return u;
}

static const sip_cseq *get_cseq(sip_msg *m)
{
	const sip_cseq *c = NULL;
	const char *why = NULL;
	if (sip_msg_cseq(m, &c, &why))
		fail_msg("CSeq: %s", why ? why : "");
	return c;
}

static const sip_via *get_vias(sip_msg *m, unsigned *n)
{
	const sip_via *v = NULL;
	const char *why = NULL;
	if (sip_msg_vias(m, &v, n, &why))
		fail_msg("Via: %s", why ? why : "");
	return v;
}

static const sip_addr *get_contacts(sip_msg *m, unsigned *n)
{
	const sip_addr *a = NULL;
	const char *why = NULL;
	if (sip_msg_contacts(m, &a, n, &why))
		fail_msg("Contact: %s", why ? why : "");
	return a;
}

static uint32_t get_maxfwd(sip_msg *m)
{
	uint32_t v = 0;
	const char *why = NULL;
	if (sip_msg_max_forwards(m, &v, &why))
		fail_msg("Max-Forwards: %s", why ? why : "");
	return v;
}

static uint32_t get_clen(sip_msg *m)
{
	uint32_t v = 0;
	const char *why = NULL;
	if (sip_msg_content_length(m, &v, &why))
		fail_msg("Content-Length: %s", why ? why : "");
	return v;
}

static ou_slice get_callid(sip_msg *m)
{
	ou_slice v = OU_SLICE_NULL;
	const char *why = NULL;
	if (sip_msg_callid(m, &v, &why))
		fail_msg("Call-ID: %s", why ? why : "");
	return v;
}

static ou_slice param(ou_slice params, const char *name)
{
	ou_slice v = OU_SLICE_NULL;
	if (sip_param_get(params, name, &v))
		fail_msg("parameter '%s' absent in '%.*s'", name, (int)params.n, params.p);
	return v;
}

static ou_slice hdr_value(const sip_msg *m, const char *name)
{
	const sip_hdr *h = sip_msg_hdr_named(m, name);
	if (!h)
		fail_msg("header '%s' absent", name);
	return h->value;
}

static sip_uri uri_ok(const char *s)
{
	sip_uri u;
	const char *why = NULL;
	if (sip_uri_parse(S(s), &u, &why))
		fail_msg("'%s' did not parse: %s", s, why ? why : "");
	return u;
}

/* Collects the elements of a comma-separated value. */
static unsigned list_elems(ou_slice v, ou_slice *out, unsigned max)
{
	size_t pos = 0;
	unsigned n = 0;
	ou_slice e;
	const char *why = NULL;
	int rc;
	while ((rc = sip_list_next(v, &pos, &e, &why)) == 0) {
		assert_true(n < max);
		out[n++] = e;
	}
	assert_int_equal(rc, OPENUM_ENOTFOUND);
	return n;
}

/* ---- the whole table -------------------------------------------------------- */

/* Every message meets its table expectation (EITHER ones are judged in their own
 * tests), and every file in the directory is in the table. */
static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTORTURE; i++) {
		const struct torture *t = &torture[i];
		msgfile *f = load(t->name);
		if (t->expect == VALID && f->check_rc)
			fail_msg("%s (%s, %s): refused: %d '%s'", t->name, t->section, t->why,
			         f->check_rc, f->why ? f->why : "");
		if (t->expect == REJECT) {
			if (f->check_rc == 0)
				fail_msg("%s (%s, %s): accepted", t->name, t->section, t->why);
			if (!f->why || !*f->why)
				fail_msg("%s: refused without a reason", t->name);
		}
		unload(f);
	}
	/* RFC 4475 has 49 messages; the table and the data directory must agree. */
	assert_int_equal(NTORTURE, 49);
	DIR *d = opendir(OPENUM_TEST_DATA "/rfc4475");
	assert_non_null(d);
	unsigned files = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".sip") != 0)
			continue;
		files++;
		bool found = false;
		for (size_t i = 0; i < NTORTURE && !found; i++)
			found = strlen(torture[i].name) == n - 4 &&
			        memcmp(torture[i].name, de->d_name, n - 4) == 0;
		if (!found)
			fail_msg("%s is not in the expectation table", de->d_name);
	}
	closedir(d);
	assert_int_equal(files, NTORTURE);
}

/* ---- 3.1.1 valid messages ----------------------------------------------------- */

static void test_wsinv(void **state)
{
	(void)state;
	msgfile *f = load_valid("wsinv");
	sip_msg *m = &f->m;
	assert_true(m->is_request);
	assert_int_equal(m->method, SIP_METHOD_INVITE);
	assert_slice(m->ruri_s, "sip:vivekg@chair-dnrc.example.com;unknownparam");
	assert_slice(m->version, "SIP/2.0");
	const sip_uri *ru = get_ruri(m);
	assert_slice(ru->user, "vivekg");
	assert_slice(ru->host, "chair-dnrc.example.com");
	assert_true(sip_param_has(ru->params, "unknownparam"));

	const sip_addr *to = get_to(m);
	assert_empty(to->display);
	assert_slice(to->uri.raw, "sip:vivekg@chair-dnrc.example.com");
	assert_slice(to->tag, "1918181833n");
	const sip_addr *from = get_from(m);
	assert_slice(from->display, "J Rosenberg \\\\\\\""); /* escapes kept */
	assert_slice(from->uri.raw, "sip:jdrosen@example.com");
	assert_slice(from->tag, "98asjd8");

	assert_int_equal(get_maxfwd(m), 68);
	assert_slice(get_callid(m), "wsinv.ndaksdj@192.0.2.1");
	const sip_cseq *cs = get_cseq(m);
	assert_int_equal(cs->num, 9);
	assert_int_equal(cs->method, SIP_METHOD_INVITE);
	assert_int_equal(get_clen(m), 150);
	assert_int_equal(m->body.n, 150);
	assert_memory_equal(m->body.p, "v=0\r\n", 5);

	/* Two Via header lines ("Via", "v"), three values. */
	assert_int_equal(sip_msg_hdr_count(m, SIP_H_VIA), 2);
	unsigned nv = 0;
	const sip_via *v = get_vias(m, &nv);
	assert_int_equal(nv, 3);
	assert_int_equal(v[0].transport, SIP_TP_UDP);
	assert_slice(v[0].host, "192.0.2.2");
	assert_int_equal(v[0].port, 0);
	assert_slice(v[0].branch, "390skdjuw");
	assert_int_equal(v[1].transport, SIP_TP_TCP);
	assert_slice(v[1].host, "spindle.example.com");
	assert_slice(v[1].branch, "z9hG4bK9ikj8");
	assert_int_equal(v[2].transport, SIP_TP_UDP);
	assert_slice(v[2].host, "192.168.255.111");
	assert_slice(v[2].branch, "z9hG4bK30239");

	/* "s :" is an empty Subject. */
	const sip_hdr *subj = sip_msg_hdr(m, SIP_H_SUBJECT);
	assert_non_null(subj);
	assert_empty(subj->value);
	assert_slice(hdr_value(m, "NewFangledHeader"),
	             "newfangled value\r\n continued newfangled value");
	assert_slice(hdr_value(m, "unknownheaderwithunusualvalue"), ";;,,;;,;");

	sip_addr route;
	const char *why = NULL;
	assert_int_equal(sip_addr_parse(hdr_value(m, "Route"), &route, &why), 0);
	assert_slice(route.uri.host, "services.example.com");
	assert_true(sip_param_has(route.uri.params, "lr"));
	assert_true(sip_param_has(route.uri.params, "unknown-no-value"));
	assert_slice(param(route.uri.params, "unknownwith"), "value");

	/* "m:" is Contact. */
	unsigned nc = 0;
	const sip_addr *c = get_contacts(m, &nc);
	assert_int_equal(nc, 1);
	assert_slice(c[0].display, "Quoted string \\\"\\\"");
	assert_slice(c[0].uri.raw, "sip:jdrosen@example.com");
	assert_slice(param(c[0].params, "newparam"), "newvalue");
	assert_true(sip_param_has(c[0].params, "secondparam"));
	assert_slice(param(c[0].params, "q"), "0.33");

	sip_ctype ct;
	assert_int_equal(sip_ctype_parse(sip_msg_hdr(m, SIP_H_CONTENT_TYPE)->value, &ct, &why), 0);
	assert_slice(ct.type, "application");
	assert_slice(ct.subtype, "sdp");
	unload(f);
}

#define INTMETH "!interesting-Method0123456789_*+`.%indeed'~"
#define CRAZY_USER "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"

static void test_intmeth(void **state)
{
	(void)state;
	msgfile *f = load_valid("intmeth");
	sip_msg *m = &f->m;
	/* '%' is no escape in a method: an unknown method, not INVITE. */
	assert_int_equal(m->method, SIP_METHOD_OTHER);
	assert_slice(m->method_s, INTMETH);
	const sip_uri *ru = get_ruri(m);
	assert_slice(ru->user, CRAZY_USER);
	assert_slice(ru->password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	assert_slice(ru->host, "example.com");

	unsigned nv = 0;
	const sip_via *v = get_vias(m, &nv);
	assert_int_equal(nv, 1);
	assert_int_equal(v[0].transport, SIP_TP_TCP);
	assert_slice(v[0].host, "host1.example.com");
	assert_slice(v[0].branch, "z9hG4bK-.!%66*_+`'~");

	/* quoted-pairs of BEL, NUL and DEL, escapes kept. */
	static const char disp[] = "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f";
	const sip_addr *to = get_to(m);
	assert_bytes(to->display, disp, sizeof(disp) - 1);
	assert_slice(to->uri.user, CRAZY_USER);
	assert_slice(to->uri.host, "example.com");

	const sip_addr *from = get_from(m);
	assert_slice(from->display, "token1~` token2'+_ token3*%!.-");
	assert_slice(from->uri.raw, "sip:mundane@example.com");
	assert_slice(from->tag, "_token~1'+`*%!-.");
	assert_slice(
	    param(from->params, "fromParam''~+*_!.-%"),
	    "\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\"");

	assert_slice(get_callid(m), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
	const sip_cseq *cs = get_cseq(m);
	assert_int_equal(cs->num, 139122385);
	assert_int_equal(cs->method, SIP_METHOD_OTHER);
	assert_slice(cs->method_s, INTMETH);
	assert_int_equal(get_maxfwd(m), 255);
	assert_int_equal(get_clen(m), 0);
	assert_slice(hdr_value(m, "extensionHeader-!.%*+_`'~"),
	             "\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb");
	unload(f);
}

static void test_esc01(void **state)
{
	(void)state;
	msgfile *f = load_valid("esc01");
	sip_msg *m = &f->m;
	const sip_uri *ru = get_ruri(m);
	assert_int_equal(ru->scheme, SIP_URI_SIP);
	assert_slice(ru->user, "sips%3Auser%40example.com");
	assert_slice(ru->host, "example.net");

	/* Escaped and plain forms of a user part are the same URI (RFC 3261 19.1.4). */
	const sip_addr *to = get_to(m);
	assert_slice(to->uri.user, "%75se%72");
	sip_uri plain = uri_ok("sip:user@example.com");
	assert_true(sip_uri_equal(&to->uri, &plain));
	const sip_addr *from = get_from(m);
	assert_slice(from->uri.user, "I%20have%20spaces");
	assert_slice(from->tag, "938");

	assert_slice(get_callid(m), "esc01.239409asdfakjkn23onasd0-3234");          /* "i:" */
	assert_slice(sip_msg_hdr(m, SIP_H_CONTENT_TYPE)->value, "application/sdp"); /* "C:" */
	assert_int_equal(get_maxfwd(m), 87);
	assert_int_equal(get_cseq(m)->num, 234234);

	unsigned nc = 0;
	const sip_addr *c = get_contacts(m, &nc);
	assert_int_equal(nc, 1);
	assert_slice(c[0].uri.user, "cal%6Cer");
	assert_slice(c[0].uri.params, ";%6C%72;n%61me=v%61lue%25%34%31");
	/* Unescaped once, name=v%61lue%25%34%31 is name=value%41, never valueA. */
	sip_uri same = uri_ok("sip:caller@host5.example.net;lr;name=value%2541");
	sip_uri other = uri_ok("sip:caller@host5.example.net;lr;name=valueA");
	assert_true(sip_uri_equal(&c[0].uri, &same));
	assert_false(sip_uri_equal(&c[0].uri, &other));
	assert_int_equal(m->body.n, 150);
	unload(f);
}

static void test_escnull(void **state)
{
	(void)state;
	msgfile *f = load_valid("escnull");
	sip_msg *m = &f->m;
	assert_int_equal(m->method, SIP_METHOD_REGISTER);
	assert_slice(get_to(m)->uri.user, "null-%00-null");
	assert_slice(get_from(m)->uri.user, "null-%00-null");
	assert_slice(get_from(m)->tag, "839923423");
	assert_int_equal(get_cseq(m)->num, 14398234);
	unsigned nc = 0;
	const sip_addr *c = get_contacts(m, &nc);
	assert_int_equal(nc, 2);
	assert_slice(c[0].uri.user, "%00");
	assert_slice(c[1].uri.user, "%00%00");
	/* Two distinct bindings: unescaping must not shorten the user at the NUL. */
	assert_false(sip_uri_equal(&c[0].uri, &c[1].uri));
	assert_int_equal(get_clen(m), 0); /* "L:0" */
	assert_int_equal(m->body.n, 0);
	unload(f);
}

static void test_esc02(void **state)
{
	(void)state;
	msgfile *f = load_valid("esc02");
	sip_msg *m = &f->m;
	assert_int_equal(m->method, SIP_METHOD_OTHER); /* not REGISTER */
	assert_slice(m->method_s, "RE%47IST%45R");
	assert_slice(get_to(m)->display, "%Z%45");
	assert_slice(get_from(m)->display, "%Z%45");
	assert_slice(get_from(m)->tag, "f232jadfj23");
	const sip_cseq *cs = get_cseq(m);
	assert_int_equal(cs->num, 29344);
	assert_int_equal(cs->method, SIP_METHOD_OTHER);
	assert_slice(cs->method_s, "RE%47IST%45R");
	unsigned nv = 0;
	assert_slice(get_vias(m, &nv)[0].branch, "z9hG4bK209%fzsnel234");
	/* Two Contact values, not three: "C%6Fntact" is another header. */
	assert_int_equal(sip_msg_hdr_count(m, SIP_H_CONTACT), 2);
	unsigned nc = 0;
	const sip_addr *c = get_contacts(m, &nc);
	assert_int_equal(nc, 2);
	assert_slice(c[0].uri.raw, "sip:alias1@host1.example.com");
	assert_slice(c[1].uri.raw, "sip:alias3@host3.example.com");
	const sip_hdr *fake = sip_msg_hdr_named(m, "C%6Fntact");
	assert_non_null(fake);
	assert_int_equal(fake->id, SIP_H_OTHER);
	assert_slice(fake->value, "<sip:alias2@host2.example.com>");
	unload(f);
}

static void test_lwsdisp(void **state)
{
	(void)state;
	msgfile *f = load_valid("lwsdisp");
	sip_msg *m = &f->m;
	const sip_addr *from = get_from(m);
	assert_slice(from->display, "caller");
	assert_true(from->angle);
	assert_slice(from->uri.raw, "sip:caller@example.com");
	assert_slice(from->tag, "323");
	assert_int_equal(get_cseq(m)->method, SIP_METHOD_OPTIONS);
	unload(f);
}

static void test_longreq(void **state)
{
	(void)state;
	char want[2048], rep[512];
	msgfile *f = load_valid("longreq");
	sip_msg *m = &f->m;

	const sip_addr *to = get_to(m);
	snprintf(want, sizeof(want), "I have a user name of %s proportion",
	         repeat("extreme", 10, rep));
	assert_slice(to->display, want);
	assert_int_equal(to->display.n, 103);
	assert_slice(to->uri.user, "user");
	assert_int_equal(to->uri.port, 6000);
	snprintf(want, sizeof(want), "very%svalue", repeat("long", 20, rep));
	assert_slice(param(to->uri.params, "unknownparam1"), want);
	snprintf(want, sizeof(want), "longparam%s", repeat("name", 25, rep));
	assert_slice(param(to->uri.params, want), "shortvalue");
	snprintf(want, sizeof(want), "very%sParameterNameWithNoValue", repeat("long", 25, rep));
	assert_true(sip_param_has(to->uri.params, want));

	const sip_addr *from = get_from(m); /* "F:" */
	assert_slice(from->uri.user, repeat("amazinglylongcallername", 5, rep));
	snprintf(want, sizeof(want), "12%s424", repeat("982", 50, rep));
	assert_slice(from->tag, want);
	assert_int_equal(from->tag.n, 155);
	snprintf(want, sizeof(want), "unknownheaderparam%s", repeat("name", 20, rep));
	char val[1024];
	snprintf(val, sizeof(val), "unknowheaderparam%s", repeat("value", 15, rep));
	assert_slice(param(from->params, want), val);

	snprintf(want, sizeof(want), "longreq.one%slongcallid", repeat("really", 20, rep));
	assert_slice(get_callid(m), want);
	assert_int_equal(get_cseq(m)->num, 3882340);

	snprintf(want, sizeof(want), "Unknown-%s-Name", repeat("Long", 20, rep));
	ou_slice unk = hdr_value(m, want);
	repeat("long", 20, rep);
	snprintf(want, sizeof(want),
	         "unknown-%s-value; unknown-%s-parameter-name = unknown-%s-parameter-value", rep,
	         rep, rep);
	assert_slice(unk, want);

	/* 34 Via headers under every spelling of the name; the cache keeps the first 16. */
	assert_int_equal(sip_msg_hdr_count(m, SIP_H_VIA), 34);
	unsigned nv = 0;
	const sip_via *v = get_vias(m, &nv);
	assert_int_equal(nv, SIP_MAX_VIA_CACHE);
	assert_slice(v[0].host, "sip33.example.com");
	assert_slice(v[11].host, "sip22.example.com"); /* "V :  SIP/2.0/TCP ..." */
	assert_slice(v[15].host, "sip18.example.com");
	const sip_hdr *h = sip_msg_hdr(m, SIP_H_VIA);
	while (h->next != SIP_HDR_NONE)
		h = sip_msg_hdr_next(m, h);
	sip_via last;
	const char *why = NULL;
	assert_int_equal(sip_via_parse(h->value, &last, &why), 0);
	assert_slice(last.host, "host.example.com");
	assert_slice(last.received, "192.0.2.5");
	snprintf(want, sizeof(want), "very%sbranchvalue", repeat("long", 50, rep));
	assert_slice(last.branch, want);

	unsigned nc = 0;
	const sip_addr *c = get_contacts(m, &nc);
	assert_int_equal(nc, 1);
	assert_int_equal(c[0].uri.user.n, 5 * strlen("amazinglylongcallername"));
	assert_int_equal(get_clen(m), 150); /* "l:" */
	assert_int_equal(m->body.n, 150);
	unload(f);
}

static void test_dblreq(void **state)
{
	(void)state;
	msgfile *f = load_valid("dblreq");
	sip_msg *m = &f->m;
	assert_int_equal(m->method, SIP_METHOD_REGISTER);
	/* Only the REGISTER's eight headers: nothing of the INVITE after it. */
	assert_int_equal(m->nhdr, 8);
	assert_int_equal(sip_msg_hdr_count(m, SIP_H_CSEQ), 1);
	assert_null(sip_msg_hdr(m, SIP_H_CONTENT_TYPE));
	assert_int_equal(get_clen(m), 0);
	assert_int_equal(m->body.n, 0);
	assert_slice(get_callid(m), "dblreq.0ha0isndaksdj99sdfafnl3lk233412"); /* "I:" */
	assert_slice(get_to(m)->uri.raw, "sip:j.user@example.com");
	assert_slice(get_from(m)->tag, "43251j3j324");
	assert_int_equal(get_maxfwd(m), 8);
	const sip_cseq *cs = get_cseq(m);
	assert_int_equal(cs->num, 8);
	assert_int_equal(cs->method, SIP_METHOD_REGISTER);
	unsigned nc = 0;
	const sip_addr *c = get_contacts(m, &nc);
	assert_int_equal(nc, 1);
	assert_false(c[0].angle);
	assert_slice(c[0].uri.host, "host.example.com");
	unsigned nv = 0;
	assert_slice(get_vias(m, &nv)[0].branch, "z9hG4bKkdjuw23492");

	/* A stream framer cuts the same message: it ends at the REGISTER's empty line. */
	const char *end = strstr(f->buf, "Content-Length: 0\r\n\r\n");
	assert_non_null(end);
	size_t reg_len = (size_t)(end - f->buf) + strlen("Content-Length: 0\r\n\r\n");
	sip_framer fr;
	sip_framer_init(&fr);
	size_t n = 0;
	const char *why = NULL;
	assert_int_equal(sip_frame(&fr, f->buf, f->len, &n, &why), SIP_FRAME_MSG);
	assert_int_equal(n, reg_len);
	unload(f);
}

static void test_semiuri(void **state)
{
	(void)state;
	msgfile *f = load_valid("semiuri");
	sip_msg *m = &f->m;
	const sip_uri *ru = get_ruri(m);
	assert_slice(ru->user, "user;par=u%40example.net");
	assert_slice(ru->host, "example.com");
	assert_empty(ru->params);
	assert_slice(get_to(m)->uri.user, "j_user");
	/* Accept, folded over three lines: six media ranges. */
	ou_slice e[8];
	assert_int_equal(list_elems(sip_msg_hdr(m, SIP_H_ACCEPT)->value, e, 8), 6);
	assert_slice(e[0], "application/sdp");
	assert_slice(e[2], "multipart/mixed");
	assert_slice(e[5], "message/sipfrag");
	unload(f);
}

static void test_transports(void **state)
{
	(void)state;
	msgfile *f = load_valid("transports");
	sip_msg *m = &f->m;
	assert_slice(get_callid(m), "transports.kijh4akdnaqjkwendsasfdj");
	unsigned nv = 0;
	const sip_via *v = get_vias(m, &nv);
	assert_int_equal(nv, 5);
	assert_int_equal(v[0].transport, SIP_TP_UDP);
	assert_int_equal(v[1].transport, SIP_TP_SCTP);
	assert_int_equal(v[2].transport, SIP_TP_TLS);
	assert_int_equal(v[3].transport, SIP_TP_OTHER);
	assert_slice(v[3].transport_s, "UNKNOWN");
	assert_slice(v[3].host, "t4.example.com");
	assert_slice(v[3].branch, "z9hG4bKasd0f3en");
	assert_int_equal(v[4].transport, SIP_TP_TCP);
	assert_slice(v[4].host, "t5.example.com");
	unload(f);
}

static void test_mpart01(void **state)
{
	(void)state;
	msgfile *f = load_valid("mpart01");
	sip_msg *m = &f->m;
	assert_int_equal(m->method, SIP_METHOD_MESSAGE);
	unsigned nv = 0;
	const sip_via *v = get_vias(m, &nv);
	assert_int_equal(nv, 1);
	assert_slice(v[0].host, "127.0.0.1");
	assert_int_equal(v[0].port, 5070);
	assert_int_equal(v[0].rport, 0);
	assert_slice(v[0].branch, "z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-");
	assert_int_equal(get_clen(m), 553);
	assert_true(m->has_clen);
	/* The body holds NUL bytes; framing is by Content-Length only. */
	assert_int_equal(m->body.n, 553);
	assert_ptr_equal(m->body.p + m->body.n, f->buf + f->len);
	assert_non_null(memchr(m->body.p, '\0', m->body.n));
	static const char tail[] = "\r\n--7a9cbec02ceef655--\r\n";
	assert_memory_equal(m->body.p + m->body.n - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	sip_ctype ct;
	const char *why = NULL;
	assert_int_equal(sip_ctype_parse(sip_msg_hdr(m, SIP_H_CONTENT_TYPE)->value, &ct, &why), 0);
	assert_slice(ct.type, "multipart");
	assert_slice(ct.subtype, "mixed");
	assert_slice(param(ct.params, "boundary"), "7a9cbec02ceef655");
	assert_slice(get_callid(m), "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..");
	assert_int_equal(get_cseq(m)->method, SIP_METHOD_MESSAGE);
	assert_slice(sip_msg_hdr(m, SIP_H_DATE)->value, "Sat, 15 Oct 2005 04:44:56 GMT");
	assert_slice(sip_msg_hdr(m, SIP_H_USER_AGENT)->value, "SIPimp.org/0.2.5 (curses)");
	assert_int_equal(hdr_value(m, "Identity").n, 172);
	unsigned nc = 0;
	assert_int_equal(get_contacts(m, &nc)[0].uri.port, 5070);
	unload(f);
}

static void test_unreason(void **state)
{
	(void)state;
	msgfile *f = load_valid("unreason");
	sip_msg *m = &f->m;
	assert_false(m->is_request);
	assert_int_equal(m->status, 200);
	assert_slice(m->version, "SIP/2.0");
	assert_slice(m->reason,
	             "= 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe "
	             "\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe "
	             "\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c - "
	             "\xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xb5");
	assert_slice(get_to(m)->tag, "2229");
	assert_int_equal(get_cseq(m)->num, 35);
	assert_int_equal(m->body.n, 154);
	unload(f);
}

static void test_noreason(void **state)
{
	(void)state;
	msgfile *f = load_valid("noreason");
	sip_msg *m = &f->m;
	assert_false(m->is_request);
	assert_int_equal(m->status, 100);
	assert_int_equal(m->reason.n, 0);
	assert_slice(get_to(m)->tag, "902jndnke3");
	assert_slice(get_callid(m), "noreason.asndj203insdf99223ndf");
	unload(f);
}

/* ---- 3.1.2 invalid messages --------------------------------------------------- */

static void test_badinv01(void **state)
{
	(void)state;
	msgfile *f = load_check_fails("badinv01");
	const sip_via *v;
	const sip_addr *c;
	unsigned n;
	const char *why = NULL;
	assert_true(sip_msg_vias(&f->m, &v, &n, &why) < 0);
	assert_why(why);
	why = NULL;
	assert_true(sip_msg_contacts(&f->m, &c, &n, &why) < 0);
	assert_why(why);
	unload(f);
}

static void test_clerr(void **state)
{
	(void)state;
	msgfile *f = load("clerr");
	assert_int_equal(f->parse_rc, OPENUM_EBADMSG); /* sip.h: a shorter body is EBADMSG */
	assert_why(f->why);
	unload(f);
}

static void test_ncl(void **state)
{
	(void)state;
	unload(load_rejected("ncl"));
	uint32_t u;
	const char *why = NULL;
	assert_true(sip_uint_parse(S("-999"), &u, &why) < 0);
	assert_why(why);
}

static void test_scalar02(void **state)
{
	(void)state;
	msgfile *f = load_rejected("scalar02");
	sip_cseq cs;
	const char *why = NULL;
	assert_true(sip_cseq_parse(S("36893488147419103232 REGISTER"), &cs, &why) < 0);
	assert_why(why);
	if (f->parse_rc == 0) {
		const sip_cseq *pc;
		why = NULL;
		assert_true(sip_msg_cseq(&f->m, &pc, &why) < 0);
		assert_why(why);
		uint32_t e;
		why = NULL;
		assert_true(sip_msg_expires(&f->m, &e, &why) < 0);
		assert_why(why);
	}
	unload(f);
}

static void test_scalarlg(void **state)
{
	(void)state;
	msgfile *f = load_rejected("scalarlg");
	sip_cseq cs;
	const char *why = NULL;
	assert_true(sip_cseq_parse(S("9292394834772304023312 OPTIONS"), &cs, &why) < 0);
	assert_why(why);
	unload(f);
}

static void test_quotbal(void **state)
{
	(void)state;
	msgfile *f = load_rejected("quotbal");
	sip_addr a;
	const char *why = NULL;
	assert_true(sip_addr_parse(S("\"Mr. J. User <sip:j.user@example.com>"), &a, &why) < 0);
	assert_why(why);
	unload(f);
}

static void test_ltgtruri(void **state)
{
	(void)state;
	msgfile *f = load_rejected("ltgtruri");
	sip_uri u;
	const char *why = NULL;
	assert_true(sip_uri_parse(S("<sip:user@example.com>"), &u, &why) < 0);
	assert_why(why);
	unload(f);
}

static void test_lwsruri(void **state)
{
	(void)state;
	unload(load_rejected("lwsruri"));
}

/* EITHER: refused with a reason, or read as if the extra SPs were not there. */
static void test_lwsstart(void **state)
{
	(void)state;
	msgfile *f = load("lwsstart");
	if (f->check_rc) {
		assert_why(f->why);
	} else {
		assert_int_equal(f->m.method, SIP_METHOD_INVITE);
		assert_slice(f->m.ruri_s, "sip:user@example.com");
		assert_slice(f->m.version, "SIP/2.0");
	}
	unload(f);
}

static void test_trws(void **state)
{
	(void)state;
	msgfile *f = load("trws");
	if (f->check_rc) {
		assert_why(f->why);
	} else {
		assert_slice(f->m.ruri_s, "sip:remote-target@example.com");
		assert_slice(f->m.version, "SIP/2.0");
	}
	unload(f);
}

/* The URI itself is a valid SIP URI (headers are in its grammar); only its place in a
 * Request-URI is wrong. Accepted, the headers must be visible so the proxy drops them. */
static void test_escruri(void **state)
{
	(void)state;
	sip_uri u = uri_ok("sip:user@example.com?Route=%3Csip:example.com%3E");
	assert_slice(u.headers, "Route=%3Csip:example.com%3E");
	assert_slice(u.host, "example.com");
	msgfile *f = load("escruri");
	if (f->check_rc) {
		assert_why(f->why);
	} else {
		const sip_uri *ru = get_ruri(&f->m);
		assert_slice(ru->headers, "Route=%3Csip:example.com%3E");
		assert_slice(ru->user, "user");
	}
	unload(f);
}

/* No Date parser in the message core: the value is carried as received. */
static void test_baddate(void **state)
{
	(void)state;
	msgfile *f = load_valid("baddate");
	assert_slice(sip_msg_hdr(&f->m, SIP_H_DATE)->value, "Fri, 01 Jan 2010 16:00:00 EST");
	unload(f);
}

static void test_regbadct(void **state)
{
	(void)state;
	msgfile *f = load("regbadct");
	assert_int_equal(f->parse_rc, 0);
	if (f->check_rc) {
		assert_why(f->why);
	} else {
		unsigned nc = 0;
		const sip_addr *c = get_contacts(&f->m, &nc);
		assert_int_equal(nc, 1);
		assert_slice(c[0].uri.host, "example.com");
		assert_slice(c[0].uri.headers, "Route=%3Csip:sip.example.com%3E");
		assert_empty(c[0].params);
	}
	unload(f);
}

static void test_badaspec(void **state)
{
	(void)state;
	msgfile *f = load("badaspec");
	if (f->check_rc) {
		assert_why(f->why);
	} else {
		const sip_addr *to = get_to(&f->m);
		assert_slice(to->display, "Watson, Thomas");
		assert_slice(to->uri.user, "t.watson");
		assert_slice(to->uri.host, "example.org");
	}
	unload(f);
}

static void test_baddn(void **state)
{
	(void)state;
	msgfile *f = load_rejected("baddn");
	sip_addr a;
	const char *why = NULL;
	assert_true(
	    sip_addr_parse(S("Bell, Alexander <sip:a.g.bell@example.com>;tag=43"), &a, &why) < 0);
	assert_why(why);
	unload(f);
}

/* 505 is the answer: refused here with a reason, or passed up with the version intact
 * so that the caller can answer 505 (never read as 2.0). */
static void test_badvers(void **state)
{
	(void)state;
	msgfile *f = load("badvers");
	if (f->check_rc)
		assert_why(f->why);
	else
		assert_slice(f->m.version, "SIP/7.0");
	if (f->parse_rc == 0)
		assert_slice(f->m.version, "SIP/7.0");
	unload(f);
}

static void test_mismatch01(void **state)
{
	(void)state;
	msgfile *f = load_check_fails("mismatch01");
	assert_int_equal(f->m.method, SIP_METHOD_OPTIONS);
	assert_int_equal(get_cseq(&f->m)->method, SIP_METHOD_INVITE);
	unload(f);
}

static void test_mismatch02(void **state)
{
	(void)state;
	msgfile *f = load_check_fails("mismatch02");
	assert_int_equal(f->m.method, SIP_METHOD_OTHER);
	assert_slice(f->m.method_s, "NEWMETHOD");
	assert_int_equal(get_cseq(&f->m)->method, SIP_METHOD_INVITE);
	unload(f);
}

static void test_bigcode(void **state)
{
	(void)state;
	msgfile *f = load("bigcode");
	assert_true(f->parse_rc < 0);
	assert_why(f->why);
	unload(f);
}

/* ---- 3.2 transaction layer, 3.3 application layer, 3.4 RFC 2543 --------------------- */

static void test_badbranch(void **state)
{
	(void)state;
	msgfile *f = load_valid("badbranch");
	unsigned nv = 0;
	const sip_via *v = get_vias(&f->m, &nv);
	assert_slice(v[0].branch, "z9hG4bK"); /* the transaction layer sees the empty id */
	unload(f);
}

static void test_insuf(void **state)
{
	(void)state;
	msgfile *f = load_check_fails("insuf");
	const sip_addr *a;
	ou_slice cid;
	assert_int_equal(sip_msg_to(&f->m, &a, NULL), OPENUM_ENOTFOUND);
	assert_int_equal(sip_msg_from(&f->m, &a, NULL), OPENUM_ENOTFOUND);
	assert_int_equal(sip_msg_callid(&f->m, &cid, NULL), OPENUM_ENOTFOUND);
	unload(f);
}

static void test_unkscm(void **state)
{
	(void)state;
	msgfile *f = load_valid("unkscm");
	const sip_uri *ru = get_ruri(&f->m);
	assert_int_equal(ru->scheme, SIP_URI_OTHER);
	assert_slice(ru->scheme_s, "nobodyKnowsThisScheme");
	assert_slice(ru->raw, "nobodyKnowsThisScheme:totallyopaquecontent");
	unload(f);
}

static void test_novelsc(void **state)
{
	(void)state;
	msgfile *f = load_valid("novelsc");
	const sip_uri *ru = get_ruri(&f->m);
	assert_int_equal(ru->scheme, SIP_URI_OTHER);
	assert_slice(ru->scheme_s, "soap.beep");
	assert_slice(ru->raw, "soap.beep://192.0.2.103:3002");
	unload(f);
}

static void test_unksm2(void **state)
{
	(void)state;
	msgfile *f = load_valid("unksm2");
	sip_msg *m = &f->m;
	const sip_addr *to = get_to(m);
	assert_int_equal(to->uri.scheme, SIP_URI_OTHER);
	assert_slice(to->uri.raw, "isbn:2983792873");
	const sip_addr *from = get_from(m);
	assert_int_equal(from->uri.scheme, SIP_URI_OTHER);
	assert_slice(from->uri.raw, "http://www.example.com");
	assert_slice(from->tag, "3234233");
	unsigned nc = 0;
	const sip_addr *c = get_contacts(m, &nc);
	assert_int_equal(nc, 1);
	assert_int_equal(c[0].uri.scheme, SIP_URI_OTHER);
	assert_slice(c[0].uri.raw, "name:John_Smith");
	unload(f);
}

static void test_bext01(void **state)
{
	(void)state;
	msgfile *f = load_valid("bext01");
	ou_slice e[4];
	assert_int_equal(list_elems(sip_msg_hdr(&f->m, SIP_H_REQUIRE)->value, e, 4), 2);
	assert_slice(e[0], "nothingSupportsThis");
	assert_slice(e[1], "nothingSupportsThisEither");
	assert_int_equal(list_elems(sip_msg_hdr(&f->m, SIP_H_PROXY_REQUIRE)->value, e, 4), 2);
	assert_slice(e[1], "norDoAnyProxiesSupportThis");
	unsigned nv = 0;
	assert_int_equal(get_vias(&f->m, &nv)[0].transport, SIP_TP_TLS);
	unload(f);
}

static void test_invut(void **state)
{
	(void)state;
	msgfile *f = load_valid("invut");
	sip_ctype ct;
	const char *why = NULL;
	assert_int_equal(sip_ctype_parse(sip_msg_hdr(&f->m, SIP_H_CONTENT_TYPE)->value, &ct, &why),
	                 0);
	assert_slice(ct.type, "application");
	assert_slice(ct.subtype, "unknownformat");
	assert_slice(f->m.body, "<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n");
	unload(f);
}

static void test_regaut01(void **state)
{
	(void)state;
	msgfile *f = load_valid("regaut01");
	sip_auth a;
	const char *why = NULL;
	assert_int_equal(sip_auth_parse(sip_msg_hdr(&f->m, SIP_H_AUTHORIZATION)->value, &a, &why),
	                 0);
	assert_slice(a.scheme, "NoOneKnowsThisScheme");
	assert_null(a.username.p);
	assert_null(a.response.p);
	assert_slice(a.params, "opaque-data=here");
	assert_int_equal(get_clen(&f->m), 0); /* "Content-Length:0" */
	unload(f);
}

static void test_multi01(void **state)
{
	(void)state;
	msgfile *f = load_check_fails("multi01");
	assert_int_equal(sip_msg_hdr_count(&f->m, SIP_H_CSEQ), 2);
	assert_int_equal(sip_msg_hdr_count(&f->m, SIP_H_CALL_ID), 2);
	const sip_cseq *cs;
	const char *why = NULL;
	assert_true(sip_msg_cseq(&f->m, &cs, &why) < 0);
	assert_why(why);
	const sip_addr *a;
	why = NULL;
	assert_true(sip_msg_to(&f->m, &a, &why) < 0);
	assert_why(why);
	unload(f);
}

static void test_mcl01(void **state)
{
	(void)state;
	unload(load_rejected("mcl01"));
}

static void test_bcast(void **state)
{
	(void)state;
	msgfile *f = load_valid("bcast");
	assert_false(f->m.is_request);
	assert_int_equal(f->m.status, 200);
	unsigned nv = 0;
	const sip_via *v = get_vias(&f->m, &nv);
	assert_int_equal(nv, 2);
	assert_slice(v[0].host, "192.0.2.198");
	assert_slice(v[1].host, "255.255.255.255");
	assert_slice(v[1].branch, "z9hG4bK1saber23");
	unload(f);
}

static void test_zeromf(void **state)
{
	(void)state;
	msgfile *f = load_valid("zeromf");
	assert_int_equal(get_maxfwd(&f->m), 0);
	assert_int_equal(f->m.method, SIP_METHOD_OPTIONS);
	unload(f);
}

static void test_cparam01(void **state)
{
	(void)state;
	msgfile *f = load_valid("cparam01");
	unsigned nc = 0;
	const sip_addr *c = get_contacts(&f->m, &nc);
	assert_int_equal(nc, 1);
	/* Without <>, ";unknownparam" belongs to the Contact, not to the URI. */
	assert_false(c[0].angle);
	assert_slice(c[0].uri.raw, "sip:+19725552222@gw1.example.net");
	assert_slice(c[0].uri.user, "+19725552222");
	assert_empty(c[0].uri.params);
	assert_true(sip_param_has(c[0].params, "unknownparam"));
	unload(f);
}

static void test_cparam02(void **state)
{
	(void)state;
	msgfile *f = load_valid("cparam02");
	unsigned nc = 0;
	const sip_addr *c = get_contacts(&f->m, &nc);
	assert_int_equal(nc, 1);
	assert_true(c[0].angle);
	assert_slice(c[0].uri.raw, "sip:+19725552222@gw1.example.net;unknownparam");
	assert_true(sip_param_has(c[0].uri.params, "unknownparam"));
	assert_empty(c[0].params);
	unload(f);
}

static void test_regescrt(void **state)
{
	(void)state;
	msgfile *f = load_valid("regescrt");
	unsigned nc = 0;
	const sip_addr *c = get_contacts(&f->m, &nc); /* "M:" */
	assert_int_equal(nc, 1);
	assert_slice(c[0].uri.user, "user");
	assert_slice(c[0].uri.host, "example.com");
	assert_slice(c[0].uri.headers, "Route=%3Csip:sip.example.com%3E");
	assert_int_equal(get_clen(&f->m), 0); /* "L:0" */
	unload(f);
}

static void test_sdp01(void **state)
{
	(void)state;
	msgfile *f = load_valid("sdp01");
	assert_slice(sip_msg_hdr(&f->m, SIP_H_ACCEPT)->value, "text/nobodyKnowsThis");
	assert_int_equal(f->m.body.n, 150);
	unload(f);
}

static void test_inv2543(void **state)
{
	(void)state;
	msgfile *f = load_valid("inv2543");
	sip_msg *m = &f->m;
	/* No Content-Length: the body is the rest of the datagram. */
	assert_false(m->has_clen);
	assert_ptr_equal(m->body.p + m->body.n, f->buf + f->len);
	assert_int_equal(m->body.n, 105);
	unsigned nv = 0;
	const sip_via *v = get_vias(m, &nv);
	assert_slice(v[0].host, "iftgw.example.com");
	assert_null(v[0].branch.p);
	assert_null(get_from(m)->tag.p);
	uint32_t mf;
	assert_int_equal(sip_msg_max_forwards(m, &mf, NULL), OPENUM_ENOTFOUND);
	const sip_addr *to = get_to(m);
	assert_false(to->angle);
	assert_slice(to->uri.user, "+16505552222");
	/* Without <>, ";user=phone" is a To parameter (RFC 3261 20.10), not a URI one. */
	assert_empty(to->uri.params);
	assert_slice(param(to->params, "user"), "phone");
	assert_non_null(sip_msg_hdr(m, SIP_H_RECORD_ROUTE));
	unload(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),      cmocka_unit_test(test_wsinv),
	    cmocka_unit_test(test_intmeth),    cmocka_unit_test(test_esc01),
	    cmocka_unit_test(test_escnull),    cmocka_unit_test(test_esc02),
	    cmocka_unit_test(test_lwsdisp),    cmocka_unit_test(test_longreq),
	    cmocka_unit_test(test_dblreq),     cmocka_unit_test(test_semiuri),
	    cmocka_unit_test(test_transports), cmocka_unit_test(test_mpart01),
	    cmocka_unit_test(test_unreason),   cmocka_unit_test(test_noreason),
	    cmocka_unit_test(test_badinv01),   cmocka_unit_test(test_clerr),
	    cmocka_unit_test(test_ncl),        cmocka_unit_test(test_scalar02),
	    cmocka_unit_test(test_scalarlg),   cmocka_unit_test(test_quotbal),
	    cmocka_unit_test(test_ltgtruri),   cmocka_unit_test(test_lwsruri),
	    cmocka_unit_test(test_lwsstart),   cmocka_unit_test(test_trws),
	    cmocka_unit_test(test_escruri),    cmocka_unit_test(test_baddate),
	    cmocka_unit_test(test_regbadct),   cmocka_unit_test(test_badaspec),
	    cmocka_unit_test(test_baddn),      cmocka_unit_test(test_badvers),
	    cmocka_unit_test(test_mismatch01), cmocka_unit_test(test_mismatch02),
	    cmocka_unit_test(test_bigcode),    cmocka_unit_test(test_badbranch),
	    cmocka_unit_test(test_insuf),      cmocka_unit_test(test_unkscm),
	    cmocka_unit_test(test_novelsc),    cmocka_unit_test(test_unksm2),
	    cmocka_unit_test(test_bext01),     cmocka_unit_test(test_invut),
	    cmocka_unit_test(test_regaut01),   cmocka_unit_test(test_multi01),
	    cmocka_unit_test(test_mcl01),      cmocka_unit_test(test_bcast),
	    cmocka_unit_test(test_zeromf),     cmocka_unit_test(test_cparam01),
	    cmocka_unit_test(test_cparam02),   cmocka_unit_test(test_regescrt),
	    cmocka_unit_test(test_sdp01),      cmocka_unit_test(test_inv2543),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
