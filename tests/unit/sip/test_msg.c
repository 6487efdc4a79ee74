/* Tests for src/sip/msg.c, msg_get.c, hdr_name.c, method.c and list.c: start lines,
 * the header index (compact forms, case, folding, lists), bodies, limits, and the
 * reasons given for bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip.h"

static sip_msg m; /* large: keep it off the stack */

static int parse(const char *s, const char **why)
{
	return sip_msg_parse(s, strlen(s), &m, why);
}

static const char INVITE[] =
    "INVITE sip:alice@contoso.com;opaque=app:voicemail SIP/2.0\r\n"
    "v: SIP/2.0/TLS 10.56.65.37:33876;branch=z9hG4bK776asdhds, SIP/2.0/TCP "
    "proxy.contoso.com;branch=z9hG4bKnashds8;received=192.0.2.1\r\n"
    "VIA: SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bK3;rport=5070\r\n"
    "Max-Forwards: 70\r\n"
    "f: \"Alice A.\" <sip:alice@contoso.com>;tag=01742a55e6;epid=6b5d10e663\r\n"
    "t: <sip:alice@contoso.com;opaque=app:voicemail>\r\n"
    "i: f7c2efff9240413cb6e5125fdca4b63a@10.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "m: <sip:alice@10.0.0.1:5061;transport=tls>;expires=60, \"B, C\" <sip:b@h>\r\n"
    "Subject: first line\r\n"
    "  continued\r\n"
    "\tand more\r\n"
    "Ms-Exchange-Command: skip-pin\r\n"
    "X-Custom:value:with:colons\r\n"
    "c: application/sdp\r\n"
    "l: 4\r\n"
    "\r\n"
    "v=0\n";

static void test_request_index(void **state)
{
	(void)state;
	const char *why = NULL;
	assert_int_equal(parse(INVITE, &why), 0);
	assert_true(m.is_request);
	assert_int_equal(m.method, SIP_METHOD_INVITE);
	assert_true(ou_slice_eq_cstr(m.ruri_s, "sip:alice@contoso.com;opaque=app:voicemail"));
	assert_true(ou_slice_eq_cstr(m.version, "SIP/2.0"));
	assert_int_equal(m.nhdr, 13);
	assert_int_equal(sip_msg_hdr_count(&m, SIP_H_VIA), 2);
	assert_int_equal(sip_msg_hdr_count(&m, SIP_H_FROM), 1);
	assert_true(ou_slice_eq_cstr(sip_msg_hdr(&m, SIP_H_FROM)->name, "f"));
	assert_true(ou_slice_eq_cstr(m.body, "v=0\n"));

	/* Folded value keeps its line breaks inside; the end is trimmed. */
	const sip_hdr *subj = sip_msg_hdr(&m, SIP_H_SUBJECT);
	assert_non_null(subj);
	assert_true(ou_slice_eq_cstr(subj->value, "first line\r\n  continued\r\n\tand more"));

	const sip_hdr *x = sip_msg_hdr_named(&m, "x-custom");
	assert_non_null(x);
	assert_true(ou_slice_eq_cstr(x->value, "value:with:colons"));
	assert_null(sip_msg_hdr_named(&m, "X-Missing"));
	assert_non_null(sip_msg_hdr_named(&m, "content-type"));

	assert_int_equal(sip_msg_check(&m, &why), 0);
	const sip_via *v;
	unsigned n;
	assert_int_equal(sip_msg_vias(&m, &v, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].transport, SIP_TP_TLS);
	assert_true(ou_slice_eq_cstr(v[0].host, "10.56.65.37"));
	assert_int_equal(v[0].port, 33876);
	assert_true(ou_slice_eq_cstr(v[1].received, "192.0.2.1"));
	assert_true(ou_slice_eq_cstr(v[2].host, "[2001:db8::9]"));
	assert_int_equal(v[2].rport, 5070);

	const sip_addr *a;
	assert_int_equal(sip_msg_contacts(&m, &a, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].uri.port, 5061);
	assert_true(ou_slice_eq_cstr(a[1].display, "B, C"));

	assert_int_equal(sip_msg_from(&m, &a, NULL), 0);
	assert_true(ou_slice_eq_cstr(a->tag, "01742a55e6"));
	assert_true(ou_slice_eq_cstr(a->display, "Alice A."));
	const sip_cseq *cs;
	assert_int_equal(sip_msg_cseq(&m, &cs, NULL), 0);
	assert_int_equal(cs->num, 1);
	assert_int_equal(cs->method, SIP_METHOD_INVITE);
	uint32_t u;
	assert_int_equal(sip_msg_max_forwards(&m, &u, NULL), 0);
	assert_int_equal(u, 70);
	assert_int_equal(sip_msg_content_length(&m, &u, NULL), 0);
	assert_int_equal(u, 4);
	ou_slice cid;
	assert_int_equal(sip_msg_callid(&m, &cid, NULL), 0);
	assert_true(ou_slice_eq_cstr(cid, "f7c2efff9240413cb6e5125fdca4b63a@10.0.0.1"));
	const sip_ms_cmd *cmd;
	assert_int_equal(sip_msg_ms_cmd(&m, &cmd, NULL), 0);
	assert_true(cmd->skip_pin);
	const sip_uri *ru;
	assert_int_equal(sip_msg_ruri(&m, &ru, NULL), 0);
	assert_true(ou_slice_eq_cstr(ru->user, "alice"));
	ou_slice op;
	assert_int_equal(sip_param_get(ru->params, "opaque", &op), 0);
	assert_true(ou_slice_eq_cstr(op, "app:voicemail"));
}

static void test_response(void **state)
{
	(void)state;
	const char *why = NULL;
	assert_int_equal(parse("SIP/2.0 486 Busy Here\r\n"
	                       "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
	                       "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n"
	                       "Call-ID: x\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n",
	                       &why),
	                 0);
	assert_false(m.is_request);
	assert_int_equal(m.status, 486);
	assert_true(ou_slice_eq_cstr(m.reason, "Busy Here"));
	assert_int_equal(sip_msg_check(&m, &why), 0);

	/* Empty reason phrase, with and without the SP. */
	assert_int_equal(parse("SIP/2.0 100 \r\nContent-Length: 0\r\n\r\n", NULL), 0);
	assert_int_equal(m.reason.n, 0);
	assert_int_equal(parse("SIP/2.0 180\r\n\r\n", NULL), 0);
	assert_int_equal(m.status, 180);
	/* UTF-8 reason phrase. */
	assert_int_equal(parse("SIP/2.0 200 \xc3\xa9t\xc3\xa9\r\n\r\n", NULL), 0);
}

struct bad {
	const char *msg;
	int err;
	const char *why;
};

static void test_bad_start_lines(void **state)
{
	(void)state;
	const struct bad bad[] = {
	    {"", OPENUM_EBADMSG, "Missing end of start line"},
	    {"INVITE sip:a@b SIP/2.0", OPENUM_EBADMSG, "Missing end of start line"},
	    {"\r\n\r\n", OPENUM_EBADMSG, "Empty start line"},
	    {"INVITE  sip:a@b SIP/2.0\r\n\r\n", OPENUM_EBADMSG, "Missing Request-URI"},
	    {"INVITE sip:a@b  SIP/2.0\r\n\r\n", OPENUM_EBADMSG, "Bad SIP version in request line"},
	    {"INVITE sip:a@b\r\n\r\n", OPENUM_EBADMSG,
	     "Bad request line: Request-URI must be followed by one space"},
	    {"INVITE sip:a@b SIP/2.0 \r\n\r\n", OPENUM_EBADMSG, "Bad SIP version in request line"},
	    {"INV(TE sip:a@b SIP/2.0\r\n\r\n", OPENUM_EBADMSG, "Bad method in request line"},
	    {" INVITE sip:a@b SIP/2.0\r\n\r\n", OPENUM_EBADMSG, "Bad method in request line"},
	    {"INVITE sip:a@b HTTP/1.1\r\n\r\n", OPENUM_EBADMSG, "Bad SIP version in request line"},
	    {"SIP/2.0 99 Low\r\n\r\n", OPENUM_EBADMSG, "Bad status code"},
	    {"SIP/2.0 700 High\r\n\r\n", OPENUM_EBADMSG, "Status code out of range"},
	    {"SIP/2.0 2000 OK\r\n\r\n", OPENUM_EBADMSG, "Bad status code"},
	    {"SIP/2.0 20x OK\r\n\r\n", OPENUM_EBADMSG, "Bad status code"},
	    {"SIP/2.0x 200 OK\r\n\r\n", OPENUM_EBADMSG, "Bad SIP version in status line"},
	    {"SIP/2.0 200 O\x01K\r\n\r\n", OPENUM_EBADMSG, "Control character in reason phrase"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		int err = parse(bad[i].msg, &why);
		if (err != bad[i].err || !why || strcmp(why, bad[i].why) != 0)
			fail_msg("case %zu: got %d '%s', want %d '%s'", i, err,
			         why ? why : "(null)", bad[i].err, bad[i].why);
	}
}

static void test_bad_headers(void **state)
{
	(void)state;
	const struct bad bad[] = {
	    {"OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n", OPENUM_EBADMSG,
	     "Missing empty line after headers"},
	    {"OPTIONS sip:a@b SIP/2.0\r\n  folded\r\n\r\n", OPENUM_EBADMSG,
	     "Folded line before the first header"},
	    {"OPTIONS sip:a@b SIP/2.0\r\nNo colon here\r\n\r\n", OPENUM_EBADMSG,
	     "Bad header line: expected name and ':'"},
	    {"OPTIONS sip:a@b SIP/2.0\r\n: empty name\r\n\r\n", OPENUM_EBADMSG,
	     "Bad header line: expected name and ':'"},
	    {"OPTIONS sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n", OPENUM_EBADMSG,
	     "Bad header line: expected name and ':'"},
	    {"OPTIONS sip:a@b SIP/2.0\r\nSubject: a\rInjected: b\r\n\r\n", OPENUM_EBADMSG,
	     "Control character in header line"},
	    {"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 5\r\n\r\nabc", OPENUM_EBADMSG,
	     "Content-Length larger than the body"},
	    {"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n", OPENUM_EBADMSG,
	     "Bad Content-Length"},
	    {"OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab", OPENUM_EBADMSG,
	     "Conflicting Content-Length headers"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		int err = parse(bad[i].msg, &why);
		if (err != bad[i].err || !why || strcmp(why, bad[i].why) != 0)
			fail_msg("case %zu: got %d '%s', want %d '%s'", i, err,
			         why ? why : "(null)", bad[i].err, bad[i].why);
	}
	/* NUL bytes inside a header line. */
	const char nul[] = "OPTIONS sip:a@b SIP/2.0\r\nSubject: a\0b\r\n\r\n";
	const char *why = NULL;
	assert_int_equal(sip_msg_parse(nul, sizeof(nul) - 1, &m, &why), OPENUM_EBADMSG);
	/* Same Content-Length twice is fine; body shorter than the buffer is cut. */
	assert_int_equal(
	    parse("OPTIONS sip:a@b SIP/2.0\r\nl: 2\r\nContent-Length: 2\r\n\r\nabc", NULL), 0);
	assert_true(ou_slice_eq_cstr(m.body, "ab"));
}

/* Parses exactly len bytes from a heap copy of that size: a read past the end trips
 * ASan. Returns the result of sip_msg_parse; the copy lives until the next call. */
static char *exact_copy;

static int parse_exact(const char *s, size_t len, const char **why)
{
	free(exact_copy);
	exact_copy = malloc(len ? len : 1);
	assert_non_null(exact_copy);
	memcpy(exact_copy, s, len);
	return sip_msg_parse(exact_copy, len, &m, why);
}

/* The line-end search at every offset: values of 0 to 99 bytes (with an HTAB, which
 * the vector compare flags too, at a varying place) put the CR before, at and past
 * every 16- and 32-byte block edge, and the message ends right after the empty
 * line, so a load that crossed the end would trip ASan. A NUL or a bare CR at the
 * same offsets is refused with the reason the scalar loop gives. */
static void test_line_end_every_offset(void **state)
{
	(void)state;
	char buf[256], val[128];
	const char *why = NULL;
	for (size_t len = 0; len < 100; len++) {
		const sip_hdr *h;
		for (size_t k = 0; k < len; k++)
			val[k] = (char)('a' + k % 26);
		if (len > 2)
			val[len / 2] = '\t';
		val[len] = '\0';
		int n = snprintf(buf, sizeof(buf), "OPTIONS sip:a@b SIP/2.0\r\nSubject: %s\r\n\r\n",
		                 val);
		assert_true(n > 0 && (size_t)n < sizeof(buf));
		if (parse_exact(buf, (size_t)n, &why) != 0)
			fail_msg("value of %zu bytes: %s", len, why);
		assert_non_null(h = sip_msg_hdr(&m, SIP_H_SUBJECT));
		if (h->value.n != len || memcmp(h->value.p, val, len) != 0)
			fail_msg("value of %zu bytes read as %zu", len, h->value.n);
		/* the same line with a NUL, then a bare CR, in the middle of the value */
		if (len > 2) {
			for (int c = 0; c < 2; c++) {
				buf[25 + 9 + len / 2] = c ? '\r' : '\0';
				why = NULL;
				assert_int_equal(parse_exact(buf, (size_t)n, &why), OPENUM_EBADMSG);
				assert_string_equal(why, "Control character in header line");
			}
			buf[25 + 9 + len / 2] = '\t';
		}
		/* cut right after the value's CR: no LF, no empty line */
		why = NULL;
		assert_int_equal(parse_exact(buf, (size_t)n - 3, &why), OPENUM_EBADMSG);
		assert_string_equal(why, "Missing empty line after headers");
	}
}

/* The line loop's fast path (CRLF, a header line starting with a name) and every
 * way out of it: bare LF, folding, odd whitespace, compact and mixed-case names,
 * names past the first 16 bytes, lines that end where the buffer ends. */
static void test_line_edges(void **state)
{
	(void)state;
	const char *why = NULL;
	const sip_hdr *h;
	/* bare LF line ends, mixed with CRLF; an LF-only empty line */
	static const char lf[] =
	    "OPTIONS sip:a@b SIP/2.0\nvIA: SIP/2.0/UDP h\r\nT : <sip:c@d>\n\nbody";
	assert_int_equal(parse_exact(lf, sizeof(lf) - 1, &why), 0);
	assert_int_equal(m.nhdr, 2);
	assert_non_null(h = sip_msg_hdr(&m, SIP_H_VIA));
	assert_true(ou_slice_eq_cstr(h->value, "SIP/2.0/UDP h"));
	assert_non_null(h = sip_msg_hdr(&m, SIP_H_TO));
	assert_true(ou_slice_eq_cstr(h->name, "T"));
	assert_true(ou_slice_eq_cstr(h->value, "<sip:c@d>"));
	assert_true(ou_slice_eq_cstr(m.body, "body"));

	/* odd whitespace: SP and HTAB before the colon, none or several after it,
	 * trailing LWS trimmed; folding with HTAB and SP; a whitespace-only fold */
	static const char ws[] = "OPTIONS sip:a@b SIP/2.0\r\n"
	                         "cOnTaCt \t:<sip:x@y>  \r\n"
	                         "Subject:\t \t a \r\n"
	                         "\tb\r\n"
	                         "   \r\n"
	                         "X-A-Rather-Long-Extension-Header-Name\t:  v\r\n"
	                         "m:<sip:z@w>\r\n"
	                         "\r\n";
	assert_int_equal(parse_exact(ws, sizeof(ws) - 1, &why), 0);
	assert_int_equal(m.nhdr, 4);
	assert_int_equal(sip_msg_hdr_count(&m, SIP_H_CONTACT), 2);
	assert_non_null(h = sip_msg_hdr(&m, SIP_H_CONTACT));
	assert_true(ou_slice_eq_cstr(h->name, "cOnTaCt"));
	assert_true(ou_slice_eq_cstr(h->value, "<sip:x@y>"));
	assert_non_null(h = sip_msg_hdr(&m, SIP_H_SUBJECT));
	assert_true(ou_slice_eq_cstr(h->value, "a \r\n\tb"));
	assert_non_null(h = sip_msg_hdr_named(&m, "x-a-rather-long-extension-header-name"));
	assert_true(ou_slice_eq_cstr(h->value, "v"));
	assert_int_equal(m.body.n, 0);

	/* a value that begins on a folded line: the fold's LWS is not part of it
	 * (found by fuzz_roundtrip: the printer unfolded it to a different value) */
	static const char lead[] = "REGISTER sip:a SIP/2.0\r\nCall-ID:\n 0\r\n"
	                           "Subject:  \r\n\t \r\n  x y\r\n\r\n";
	assert_int_equal(parse_exact(lead, sizeof(lead) - 1, &why), 0);
	assert_non_null(h = sip_msg_hdr(&m, SIP_H_CALL_ID));
	assert_true(ou_slice_eq_cstr(h->value, "0"));
	assert_non_null(h = sip_msg_hdr(&m, SIP_H_SUBJECT));
	assert_true(ou_slice_eq_cstr(h->value, "x y"));

	/* the empty line is the last thing in the buffer, exactly */
	static const char tight[] = "SIP/2.0 200 OK\r\nl:0\r\n\r\n";
	assert_int_equal(parse_exact(tight, sizeof(tight) - 1, &why), 0);
	assert_int_equal(m.content_length, 0);

	/* lines that the buffer cuts short; a short line whose next line has a ':' */
	const struct bad cut[] = {
	    {"OPTIONS sip:a@b SIP/2.0\r\nTo: x", OPENUM_EBADMSG,
	     "Missing empty line after headers"},
	    {"OPTIONS sip:a@b SIP/2.0\r\nTo: x\r", OPENUM_EBADMSG,
	     "Missing empty line after headers"},
	    {"OPTIONS sip:a@b SIP/2.0\r\nTo: x\r\n", OPENUM_EBADMSG,
	     "Missing empty line after headers"},
	    {"OPTIONS sip:a@b SIP/2.0\r\nTo: x\r\n\r", OPENUM_EBADMSG,
	     "Missing empty line after headers"},
	    {"OPTIONS sip:a@b SIP/2.0\r\nAb\r\nTo: x\r\n\r\n", OPENUM_EBADMSG,
	     "Bad header line: expected name and ':'"},
	    {"OPTIONS sip:a@b SIP/2.0\r\nTo: x\r\r\n\r\n", OPENUM_EBADMSG,
	     "Control character in header line"},
	    {"OPTIONS sip:a@b SIP/2.0\r\n\tTo: x\r\n\r\n", OPENUM_EBADMSG,
	     "Folded line before the first header"},
	};
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		why = NULL;
		int err = parse_exact(cut[i].msg, strlen(cut[i].msg), &why);
		if (err != cut[i].err || !why || strcmp(why, cut[i].why) != 0)
			fail_msg("case %zu: got %d '%s', want %d '%s'", i, err,
			         why ? why : "(null)", cut[i].err, cut[i].why);
	}

	/* a NUL inside a line only as a quoted-pair (RFC 4475 3.1.1.2) */
	static const char qp[] = "OPTIONS sip:a@b SIP/2.0\r\nSubject: \"a\\\0b\"\r\n\r\n";
	assert_int_equal(parse_exact(qp, sizeof(qp) - 1, &why), 0);
	assert_non_null(h = sip_msg_hdr(&m, SIP_H_SUBJECT));
	assert_int_equal(h->value.n, 6);
	free(exact_copy);
	exact_copy = NULL;
}

/* The reference for one header line, written apart from the parser: a name of token
 * bytes, SP/HTAB, ':', SP/HTAB, a value whose trailing SP/HTAB are not part of it. */
static bool ref_token(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("-.!%*_+`'~", c)))
			return false;
	}
	return true;
}

/* One line from its parts, parsed alone, as the first of two header lines (so that the
 * next line's ':' may fall inside the first line's 32-byte window) or as the last line
 * before the empty one (so that the message ends within 32 bytes of its ':'), with CRLF
 * or LF line ends. The outcome must be the reference's: the name and the value, or
 * the parser's one reason for a bad line. Then every cut of the message must fail
 * (no empty line) without reading past its end. */
static void line_case(const char *name, const char *before, const char *after, const char *value,
                      const char *trail, bool cuts)
{
	char line[160], buf[320], v[64];
	const char *why;
	bool has_colon = strcmp(before, "-") != 0;
	if (!has_colon) { /* before "-": no ':' in the whole line */
		assert_true(strlen(value) < sizeof(v));
		strcpy(v, value);
		for (char *c = v; *c; c++)
			if (*c == ':')
				*c = ';';
		value = v;
	}
	int ln = snprintf(line, sizeof(line), "%s%s%s%s%s", name, has_colon ? before : "",
	                  has_colon ? ":" : "", has_colon ? after : "", value);
	assert_true(ln > 0 && (size_t)ln < sizeof(line) - 8);
	strcat(line, trail);
	bool ok = has_colon && ref_token(name, strlen(name));
	/* an empty name leaves the line starting with its SP/HTAB: a fold */
	const char *bad = line[0] == ' ' || line[0] == '\t'
	                      ? "Folded line before the first header"
	                      : "Bad header line: expected name and ':'";
	for (int shape = 0; shape < 4; shape++) {
		const char *eol = shape & 1 ? "\n" : "\r\n";
		int n = shape & 2 ? snprintf(buf, sizeof(buf), "OPTIONS sip:a@b SIP/2.0%s%s%s%s",
		                             eol, line, eol, eol)
		                  : snprintf(buf, sizeof(buf),
		                             "OPTIONS sip:a@b SIP/2.0%s%s%sMax-Forwards: 70%s%s",
		                             eol, line, eol, eol, eol);
		assert_true(n > 0 && (size_t)n < sizeof(buf));
		why = NULL;
		int err = parse_exact(buf, (size_t)n, &why);
		if (!ok) {
			if (err != OPENUM_EBADMSG || !why || strcmp(why, bad) != 0)
				fail_msg("'%s' (shape %d) gave %d '%s'", line, shape, err,
				         why ? why : "(null)");
		} else {
			if (err)
				fail_msg("'%s' (shape %d) refused: %s", line, shape, why);
			assert_int_equal(m.nhdr, shape & 2 ? 1 : 2);
			const sip_hdr *h = &m.hdr[0];
			if (!ou_slice_eq_cstr(h->name, name))
				fail_msg("'%s': name '%.*s'", line, (int)h->name.n, h->name.p);
			if (!ou_slice_eq_cstr(h->value, value))
				fail_msg("'%s': value '%.*s', want '%s'", line, (int)h->value.n,
				         h->value.p, value);
			assert_int_equal(h->id, sip_hdr_id_from(name, strlen(name)));
		}
		if (cuts)
			for (int k = 0; k < n; k++)
				if (parse_exact(buf, (size_t)k, &why) == 0)
					fail_msg("'%s' cut at %d accepted", line, k);
	}
}

/* The line loop's usual-shape test ("Name: value", the ':' in find_line's window)
 * against the reference: names of 1 to 41 bytes put the ':' before, at and past the
 * 16- and 32-byte edges; SP/HTAB before the ':', none, one or more after it, trailing
 * LWS, empty values, a ':' in the value, bad names and no ':' all leave that shape. */
static void test_line_shapes(void **state)
{
	(void)state;
	static const char *const before[] = {"", " ", "\t", " \t ", "-"};
	static const char *const after[] = {"", " ", "  ", "\t", " \t"};
	static const char *const trail[] = {"", " ", "\t", " \t"};
	static const char *const odd[] = {
	    "",
	    "To",
	    "t",
	    "Call-ID",
	    "x@y",
	    "Bad Name",
	    "Mixed.Case_Name!~+`'%*",
	    "MAX-FORWARDS",
	    "\"q\"",
	};
	static const size_t vlen[] = {0, 1, 2, 3, 14, 15, 16, 17, 30, 31, 32, 33};
	char name[64], value[64];
	for (size_t nl = 1; nl <= 41; nl++) {
		for (size_t i = 0; i < nl; i++)
			name[i] = i ? (char)('a' + i % 26) : 'X';
		name[nl] = '\0';
		for (size_t v = 0; v < sizeof(vlen) / sizeof(vlen[0]); v++) {
			for (size_t i = 0; i < vlen[v]; i++)
				value[i] =
				    i % 7 == 3 ? ':' : (i % 5 == 2 && i + 1 < vlen[v] ? ' ' : 'v');
			value[vlen[v]] = '\0';
			/* the usual shape, cut at every length */
			line_case(name, "", " ", value, "", true);
			for (size_t b = 0; b < sizeof(before) / sizeof(before[0]); b++)
				for (size_t a = 0; a < sizeof(after) / sizeof(after[0]); a++)
					for (size_t t = 0; t < sizeof(trail) / sizeof(trail[0]);
					     t++)
						if (v % 4 == 0 || nl % 8 == 0 || (a == 1 && b == 0))
							line_case(name, before[b], after[a], value,
							          trail[t], false);
		}
	}
	for (size_t o = 0; o < sizeof(odd) / sizeof(odd[0]); o++)
		for (size_t b = 0; b < sizeof(before) / sizeof(before[0]); b++)
			for (size_t a = 0; a < sizeof(after) / sizeof(after[0]); a++)
				line_case(odd[o], before[b], after[a], "v w", "", a == 1);
	free(exact_copy);
	exact_copy = NULL;
}

static const char BASE[] = "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
                           "From: <sip:a@b>;tag=1\r\n"
                           "To: <sip:c@d>\r\n"
                           "Call-ID: x@y\r\n";

static void check_fails(const char *start, const char *extra, const char *want)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s\r\n%s%s\r\n", start, BASE, extra);
	const char *why = NULL;
	assert_int_equal(parse(buf, &why), 0);
	why = NULL;
	int err = sip_msg_check(&m, &why);
	if (err >= 0 || !why || strcmp(why, want) != 0)
		fail_msg("'%s' + '%s': got %d '%s', want '%s'", start, extra, err,
		         why ? why : "(null)", want);
}

static void test_check(void **state)
{
	(void)state;
	check_fails("OPTIONS sip:a@b SIP/2.0", "", "Missing CSeq header");
	check_fails("OPTIONS sip:a@b SIP/2.0", "CSeq: 1 INVITE\r\n",
	            "CSeq method does not match the request method");
	check_fails("OPTIONS sip:a@b SIP/2.0", "CSeq: 1 OPTIONS\r\nCSeq: 2 OPTIONS\r\n",
	            "Repeated CSeq header");
	check_fails("OPTIONS sip:a@b SIP/2.0", "CSeq: 1 OPTIONS\r\nCall-ID: z\r\n",
	            "Repeated Call-ID header");
	check_fails("OPTIONS sip:a@b SIP/2.0", "CSeq: 1 OPTIONS\r\nMax-Forwards: 256\r\n",
	            "Bad Max-Forwards: over 255");
	check_fails("OPTIONS sip:a@b SIP/3.0", "CSeq: 1 OPTIONS\r\n", "SIP Version Not Supported");
	check_fails("REGISTER sip:b SIP/2.0", "CSeq: 1 REGISTER\r\nContact: *, <sip:a@b>\r\n",
	            "Bad Contact: '*' must stand alone");
	check_fails("REGISTER sip:b SIP/2.0", "CSeq: 1 REGISTER\r\nContact: *\r\nContact: *\r\n",
	            "Bad Contact: '*' must stand alone");
	check_fails("INVITE sip:a@b SIP/2.0",
	            "CSeq: 1 INVITE\r\nMs-Exchange-Command: itemId=%%%\r\n",
	            "Bad Ms-Exchange-Command: itemId is not base64");

	/* A missing mandatory header is named. */
	const char *why = NULL;
	assert_int_equal(parse("OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n", NULL), 0);
	assert_int_equal(sip_msg_check(&m, &why), OPENUM_EBADMSG);
	assert_string_equal(why, "Missing Via header");

	/* Contact: * alone is fine. */
	char buf[512];
	snprintf(buf, sizeof(buf),
	         "REGISTER sip:b SIP/2.0\r\n%sCSeq: 1 REGISTER\r\nContact: *\r\n"
	         "Expires: 0\r\n\r\n",
	         BASE);
	assert_int_equal(parse(buf, NULL), 0);
	assert_int_equal(sip_msg_check(&m, &why), 0);
	const sip_addr *a;
	unsigned n;
	assert_int_equal(sip_msg_contacts(&m, &a, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_true(a[0].star);
	uint32_t e;
	assert_int_equal(sip_msg_expires(&m, &e, NULL), 0);
	assert_int_equal(e, 0);
}

static void test_limits(void **state)
{
	(void)state;
	/* SIP_MAX_HEADERS header lines fit; one more does not. */
	size_t cap = 64 + (SIP_MAX_HEADERS + 1) * 8;
	char *buf = malloc(cap);
	for (int extra = 0; extra <= 1; extra++) {
		size_t n = (size_t)sprintf(buf, "OPTIONS sip:a@b SIP/2.0\r\n");
		for (int i = 0; i < SIP_MAX_HEADERS + extra; i++)
			n += (size_t)sprintf(buf + n, "X: %d\r\n", i % 10);
		n += (size_t)sprintf(buf + n, "\r\n");
		const char *why = NULL;
		int err = sip_msg_parse(buf, n, &m, &why);
		if (extra == 0) {
			assert_int_equal(err, 0);
			assert_int_equal(m.nhdr, SIP_MAX_HEADERS);
		} else {
			assert_int_equal(err, OPENUM_ETOOBIG);
			assert_string_equal(why, "Too many headers");
		}
	}
	free(buf);

	/* Messages over SIP_MAX_MSG and start lines over SIP_MAX_STARTLINE. */
	buf = malloc(SIP_MAX_MSG + 2);
	memset(buf, 'a', SIP_MAX_MSG + 1);
	const char *why = NULL;
	assert_int_equal(sip_msg_parse(buf, SIP_MAX_MSG + 1, &m, &why), OPENUM_ETOOBIG);
	assert_int_equal(sip_msg_parse(buf, SIP_MAX_MSG, &m, &why), OPENUM_ETOOBIG);
	assert_string_equal(why, "Start line too long");
	/* A Request-URI over SIP_MAX_URI. */
	memcpy(buf, "INVITE sip:", 11);
	memcpy(buf + 11 + SIP_MAX_URI, "@h SIP/2.0\r\n\r\n", 15);
	assert_int_equal(sip_msg_parse(buf, 11 + SIP_MAX_URI + 15, &m, &why), OPENUM_ETOOBIG);
	assert_string_equal(why, "Request-URI too long");
	free(buf);
}

static void test_header_names(void **state)
{
	(void)state;
	struct {
		const char *name;
		sip_hdr_id id;
	} t[] = {
	    {"Via", SIP_H_VIA},
	    {"v", SIP_H_VIA},
	    {"V", SIP_H_VIA},
	    {"call-id", SIP_H_CALL_ID},
	    {"i", SIP_H_CALL_ID},
	    {"CONTENT-LENGTH", SIP_H_CONTENT_LENGTH},
	    {"l", SIP_H_CONTENT_LENGTH},
	    {"c", SIP_H_CONTENT_TYPE},
	    {"e", SIP_H_CONTENT_ENCODING},
	    {"f", SIP_H_FROM},
	    {"t", SIP_H_TO},
	    {"m", SIP_H_CONTACT},
	    {"k", SIP_H_SUPPORTED},
	    {"s", SIP_H_SUBJECT},
	    {"o", SIP_H_EVENT},
	    {"u", SIP_H_ALLOW_EVENTS},
	    {"r", SIP_H_REFER_TO},
	    {"b", SIP_H_REFERRED_BY},
	    {"x", SIP_H_SESSION_EXPIRES},
	    {"Ms-Exchange-Command", SIP_H_MS_EXCHANGE_COMMAND},
	    {"ms-sensitivity", SIP_H_MS_SENSITIVITY},
	    {"P-Asserted-Identity", SIP_H_P_ASSERTED_IDENTITY},
	    {"History-Info", SIP_H_HISTORY_INFO},
	    {"Diversion", SIP_H_DIVERSION},
	    {"www-authenticate", SIP_H_WWW_AUTHENTICATE},
	    {"Proxy-Authorization", SIP_H_PROXY_AUTHORIZATION},
	    {"Record-Route", SIP_H_RECORD_ROUTE},
	    {"z", SIP_H_OTHER},
	    {"Vias", SIP_H_OTHER},
	    {"Tox", SIP_H_OTHER},
	    {"X-Ms-Sensitivity", SIP_H_OTHER},
	    {"Ms-Sensitivit", SIP_H_OTHER},
	    {"1", SIP_H_OTHER},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sip_hdr_id id = sip_hdr_id_from(t[i].name, strlen(t[i].name));
		if (id != t[i].id)
			fail_msg("%s: got %d want %d", t[i].name, id, t[i].id);
	}
	/* Every known id round-trips through its canonical name. */
	for (int id = 1; id < SIP_H__COUNT; id++) {
		const char *name = sip_hdr_name((sip_hdr_id)id);
		assert_non_null(name);
		assert_int_equal(sip_hdr_id_from(name, strlen(name)), id);
	}
	assert_null(sip_hdr_name(SIP_H_OTHER));
	/* The lookup compares whole words (case folded by OR-ing 0x20): every byte of
	 * every name counts, in any case, and nothing next to a name matches it. */
	for (int id = 1; id < SIP_H__COUNT; id++) {
		const char *name = sip_hdr_name((sip_hdr_id)id);
		size_t n = strlen(name);
		char buf[40];
		assert_true(n + 1 < sizeof(buf));
		for (size_t k = 0; k < n; k++)
			buf[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
		assert_int_equal(sip_hdr_id_from(buf, n), id);
		for (size_t k = 0; k < n; k++)
			buf[k] = ou_lower(name[k]);
		assert_int_equal(sip_hdr_id_from(buf, n), id);
		for (size_t k = 0; k < n; k++) {
			static const char subst[] = {'x', 'Q', '_', '1', '@', '\x7f', '\xe1'};
			for (size_t j = 0; j < sizeof(subst); j++) {
				memcpy(buf, name, n);
				if (ou_lower(buf[k]) == ou_lower(subst[j]))
					continue;
				buf[k] = subst[j];
				if ((int)sip_hdr_id_from(buf, n) == id)
					fail_msg("%s with byte %zu changed to 0x%02x still matches",
					         name, k, (unsigned char)subst[j]);
			}
		}
		memcpy(buf, name, n);
		buf[n] = 'a';
		assert_int_not_equal(sip_hdr_id_from(buf, n + 1), id);
		if (n > 2)
			assert_int_not_equal(sip_hdr_id_from(buf, n - 1), id);
		assert_int_not_equal(sip_hdr_id_from(buf + 1, n - 1), id);
	}
}

static void test_methods(void **state)
{
	(void)state;
	for (int i = 1; i <= SIP_METHOD_PUBLISH; i++) {
		const char *n = sip_method_name((sip_method)i);
		assert_non_null(n);
		assert_int_equal(sip_method_from(ou_slice_cstr(n)), i);
	}
	assert_int_equal(sip_method_from(ou_slice_cstr("invite")), SIP_METHOD_OTHER);
	assert_int_equal(sip_method_from(ou_slice_cstr("INVITES")), SIP_METHOD_OTHER);
	assert_int_equal(sip_method_from(ou_slice_cstr("NEWMETHOD")), SIP_METHOD_OTHER);
	assert_null(sip_method_name(SIP_METHOD_OTHER));
}

static void test_list_split(void **state)
{
	(void)state;
	ou_slice v = ou_slice_cstr(" a , \"x,y\" <sip:b> ,, <sip:c?h=1,2> ;p=\"q,r\"");
	size_t pos = 0;
	ou_slice e;
	assert_int_equal(sip_list_next(v, &pos, &e, NULL), 0);
	assert_true(ou_slice_eq_cstr(e, "a"));
	assert_int_equal(sip_list_next(v, &pos, &e, NULL), 0);
	assert_true(ou_slice_eq_cstr(e, "\"x,y\" <sip:b>"));
	assert_int_equal(sip_list_next(v, &pos, &e, NULL), 0);
	assert_true(ou_slice_eq_cstr(e, "<sip:c?h=1,2> ;p=\"q,r\""));
	assert_int_equal(sip_list_next(v, &pos, &e, NULL), OPENUM_ENOTFOUND);

	const char *why = NULL;
	pos = 0;
	assert_int_equal(sip_list_next(ou_slice_cstr("\"open, <sip:a>"), &pos, &e, &why),
	                 OPENUM_EBADMSG);
	assert_string_equal(why, "Unterminated quoted string");
	pos = 0;
	assert_int_equal(sip_list_next(ou_slice_cstr("<sip:a, b"), &pos, &e, &why), OPENUM_EBADMSG);
	assert_string_equal(why, "Unbalanced <> in header");
}

static void test_clone(void **state)
{
	(void)state;
	char *copy = strdup(INVITE);
	assert_int_equal(sip_msg_parse(copy, strlen(copy), &m, NULL), 0);
	sip_msg *c = NULL;
	assert_int_equal(sip_msg_clone(&m, &c), 0);
	memset(copy, 'x', strlen(copy)); /* the clone must not point into the original */
	free(copy);
	assert_int_equal(c->nhdr, 13);
	assert_int_equal(sip_msg_check(c, NULL), 0);
	const sip_addr *from;
	assert_int_equal(sip_msg_from(c, &from, NULL), 0);
	assert_true(ou_slice_eq_cstr(from->tag, "01742a55e6"));
	assert_true(ou_slice_eq_cstr(c->body, "v=0\n"));
	free(c);
}

/* The Via parser splits a Via value itself (it stops at the ',' that ends an element):
 * each element's raw and params slices end before the LWS ahead of the comma, a comma
 * inside a quoted parameter splits nothing, empty elements are skipped, and a bad
 * element is reported with the Via reason. Headers of one id chain in message order
 * even when other headers come between them. */
static void test_via_list(void **state)
{
	(void)state;
	static const char msg[] =
	    "OPTIONS sip:a@b SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP h1:5060 ;branch=z9hG4bK1 ;x=\"a,b\" , ,SIP/2.0/TLS h2\r\n"
	    "Route: <sip:r1>\r\n"
	    "v: SIP/2.0/UDP h3;rport , SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK4\r\n"
	    "Route: <sip:r2>\r\n"
	    "VIA: SIP/2.0/WSS h5;received=192.0.2.5\r\n"
	    "To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
	    "\r\n";
	const char *why = NULL;
	const sip_via *v;
	unsigned n;
	assert_int_equal(parse(msg, &why), 0);
	assert_int_equal(sip_msg_hdr_count(&m, SIP_H_VIA), 3);
	const sip_hdr *r = sip_msg_hdr(&m, SIP_H_ROUTE);
	assert_true(ou_slice_eq_cstr(r->value, "<sip:r1>"));
	assert_true(ou_slice_eq_cstr(sip_msg_hdr_next(&m, r)->value, "<sip:r2>"));
	assert_null(sip_msg_hdr_next(&m, sip_msg_hdr_next(&m, r)));
	assert_int_equal(sip_msg_vias(&m, &v, &n, &why), 0);
	assert_int_equal(n, 5);
	assert_true(ou_slice_eq_cstr(v[0].raw, "SIP/2.0/TCP h1:5060 ;branch=z9hG4bK1 ;x=\"a,b\""));
	assert_true(ou_slice_eq_cstr(v[0].params, ";branch=z9hG4bK1 ;x=\"a,b\""));
	assert_true(ou_slice_eq_cstr(v[0].branch, "z9hG4bK1"));
	assert_int_equal(v[0].port, 5060);
	assert_true(ou_slice_eq_cstr(v[1].raw, "SIP/2.0/TLS h2"));
	assert_true(ou_slice_eq_cstr(v[1].host, "h2"));
	assert_null(v[1].params.p);
	assert_true(ou_slice_eq_cstr(v[2].raw, "SIP/2.0/UDP h3;rport"));
	assert_int_equal(v[2].rport, 0);
	assert_true(ou_slice_eq_cstr(v[3].host, "[2001:db8::1]"));
	assert_int_equal(v[3].port, 5070);
	assert_int_equal(v[4].transport, SIP_TP_WSS);
	assert_true(ou_slice_eq_cstr(v[4].received, "192.0.2.5"));

	/* One bad element fails the lot, with the Via parser's reason. */
	static const char bad[] = "OPTIONS sip:a@b SIP/2.0\r\n"
	                          "Via: SIP/2.0/TCP h1;branch=z9hG4bK1, SIP/2.0/TCP h2 junk\r\n"
	                          "\r\n";
	why = NULL;
	assert_int_equal(parse(bad, &why), 0);
	assert_int_equal(sip_msg_vias(&m, &v, &n, &why), OPENUM_EBADMSG);
	assert_string_equal(why, "Bad Via: junk after sent-by");
	/* Outside a list, a comma is junk as before. */
	sip_via one;
	why = NULL;
	assert_int_equal(
	    sip_via_parse(ou_slice_cstr("SIP/2.0/TCP h1;branch=b1, SIP/2.0/TCP h2"), &one, &why),
	    OPENUM_EBADMSG);
	assert_string_equal(why, "Bad Via: junk in parameters");

	/* Contacts: several per header, a trailing comma, more in a later header; the
	 * element that ends a value must not end the walk over the headers. */
	static const char contacts[] = "REGISTER sip:b SIP/2.0\r\n"
	                               "m: <sip:a@h1>;expires=1, \"x, y\" <sip:b@h2>,\r\n"
	                               "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
	                               "Contact: sip:c@h3\r\n"
	                               "\r\n";
	const sip_addr *c;
	why = NULL;
	assert_int_equal(parse(contacts, &why), 0);
	assert_int_equal(sip_msg_contacts(&m, &c, &n, &why), 0);
	assert_int_equal(n, 3);
	assert_true(ou_slice_eq_cstr(c[0].uri.host, "h1"));
	assert_true(ou_slice_eq_cstr(c[1].display, "x, y"));
	assert_true(ou_slice_eq_cstr(c[2].uri.host, "h3"));
	assert_int_equal(sip_msg_vias(&m, &v, &n, &why), 0);
	assert_int_equal(n, 1);

	/* A failed parse leaves no header behind from the message before. */
	assert_int_equal(parse("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n", &why),
	                 OPENUM_EBADMSG);
	assert_null(sip_msg_hdr(&m, SIP_H_VIA));
	assert_int_equal(sip_msg_hdr_count(&m, SIP_H_ROUTE), 0);
}

/* RFC 3261 word bytes, for the Call-ID reference below. */
static bool ref_word(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("#$&,;=@^|", c);
}

/* callid = word [ "@" word ], LWS around it allowed: the reason, or NULL. */
static const char *ref_callid(const char *s, size_t n)
{
	size_t i = 0, e = n;
	while (i < e && strchr(" \t\r\n", s[i]) && s[i])
		i++;
	while (e > i && strchr(" \t\r\n", s[e - 1]) && s[e - 1])
		e--;
	size_t w = i;
	while (w < e && ref_word((unsigned char)s[w]))
		w++;
	if (w == i)
		return "Bad Call-ID: empty";
	if (w == e)
		return NULL;
	if (s[w] != '@')
		return "Bad Call-ID: bad character";
	i = ++w;
	while (w < e && ref_word((unsigned char)s[w]))
		w++;
	if (w == i)
		return "Bad Call-ID: empty host part";
	return w == e ? NULL : "Bad Call-ID: bad character";
}

static void callid_case(const char *s, size_t n)
{
	char *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees a read past them */
	assert_non_null(copy);
	memcpy(copy, s, n);
	const char *want = ref_callid(copy, n), *why = NULL;
	int err = sip_callid_check(ou_slice_make(copy, n), &why);
	if (want ? err != OPENUM_EBADMSG || !why || strcmp(why, want) != 0 : err != 0)
		fail_msg("Call-ID '%.*s' (%zu bytes): %d '%s', want '%s'", (int)n, s, n, err,
		         why ? why : "(null)", want ? want : "ok");
	free(copy);
}

/* sip_callid_check (the alnum blocks of ou_skip_alnum, the word walk) against the
 * reference: word@word and word values of 1 to 48 (66) bytes with every
 * byte value put at every place, and no '@', one, two, at either end. */
static void test_callid_shapes(void **state)
{
	(void)state;
	char base[80];
	/* the second alphabet is the usual shape's (callid_usual: letters, digits, '-',
	 * '.'), so each byte value at each place is also tried in values it accepts */
	static const char *const alpha[] = {"0123456789abcdef-.!%*_+`'~()<>:\\\"/[]?{}XYZ",
	                                    "0123456789abcdef-.ABCDEFGHIJKLMNOPQRSTUVWXYZghi"};
	/* (the second up to 66 bytes: callid_usual takes 16 to 64) */
	for (size_t k = 0; k < 2; k++)
		for (size_t n = 1; n <= (k ? 66u : 48u); n++) {
			for (size_t at = 0; at <= n; at++) { /* at == n: no '@' */
				for (size_t i = 0; i < n; i++)
					base[i] = alpha[k][(i * 7 + n) % 43];
				if (at < n)
					base[at] = '@';
				callid_case(base, n);
				if (at % 5 != 0 && at != n - 1 && at != n)
					continue;
				for (size_t i = 0; i < n; i += (n > 20 ? 3 : 1))
					for (int c = 0; c < 256; c++) {
						char keep = base[i];
						base[i] = (char)c;
						callid_case(base, n);
						base[i] = keep;
					}
			}
		}
	/* two '@'s, in one block and in two */
	callid_case("0123456789@abcdef@0123456789", 28);
	callid_case("0123@5678@abcdef", 16);
	callid_case("0123456789abcdef0123@56789abcdef0@", 34);
	callid_case(" 0123456789abcdef0123456789@host ", 33);
	/* the usual shape: '@' at either end, twice, in the overlap of the last block */
	callid_case("@0123456789abcdef", 17);
	callid_case("0123456789abcdef@", 17);
	callid_case("0123456789abcdefg@1", 19);
	callid_case("0123456789abcd@fghijklmnopqrstu@w", 33);
	callid_case("0123456789abcdefghijklmnopqrs@uv@", 33);
	callid_case("7f1e2d3c4b5a69788796a5b4c3d2e1f0@192.0.2.101", 44);
	callid_case("3d6e2b1a-8c4f-4e7a-9b5d-0f1e2a3b4c5d", 36);
	callid_case("3d6e2b1a-8c4f-4e7a-9b5d-0f1e2a3b4c5d\xe9", 37);
	callid_case("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde@", 64);
	callid_case("@123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64);
	callid_case("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd@f", 64);
	callid_case("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef@", 65);
}

/* Each accessor twice: the second answer (from the cache) equals the first. Then a
 * message without Contact and Ms- headers in the same sip_msg: nothing of the first
 * is left in those answers; and a failure is not cached (the same reason again). */
static void test_accessors_cached(void **state)
{
	(void)state;
	static const char full[] = "INVITE sip:a@b SIP/2.0\r\n"
	                           "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
	                           "From: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c@h\r\n"
	                           "CSeq: 7 INVITE\r\nMax-Forwards: 9\r\nExpires: 30\r\n"
	                           "Contact: <sip:x@h>\r\nMs-Exchange-Command: skip-pin\r\n"
	                           "Ms-Sensitivity: private\r\nContent-Length: 0\r\n\r\n";
	const char *why = NULL;
	const sip_addr *a, *a2;
	const sip_via *v, *v2;
	const sip_cseq *cs, *cs2;
	const sip_uri *u, *u2;
	const sip_ms_cmd *cmd;
	ou_slice cid, cid2;
	unsigned n, n2;
	uint32_t x, x2;
	sip_sens sens;
	assert_int_equal(parse(full, &why), 0);
	assert_int_equal(sip_msg_check(&m, &why), 0);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(sip_msg_ruri(&m, &u, &why), 0);
		assert_int_equal(sip_msg_ruri(&m, &u2, &why), 0);
		assert_ptr_equal(u, u2);
		assert_int_equal(sip_msg_vias(&m, &v, &n, &why), 0);
		assert_int_equal(sip_msg_vias(&m, &v2, &n2, &why), 0);
		assert_ptr_equal(v, v2);
		assert_int_equal(n, 1);
		assert_int_equal(n2, 1);
		assert_int_equal(sip_msg_from(&m, &a, &why), 0);
		assert_int_equal(sip_msg_from(&m, &a2, &why), 0);
		assert_ptr_equal(a, a2);
		assert_true(ou_slice_eq_cstr(a->tag, "1"));
		assert_int_equal(sip_msg_to(&m, &a, &why), 0);
		assert_true(ou_slice_eq_cstr(a->uri.user, "a"));
		assert_int_equal(sip_msg_callid(&m, &cid, &why), 0);
		assert_int_equal(sip_msg_callid(&m, &cid2, &why), 0);
		assert_true(ou_slice_eq_cstr(cid, "c@h") && ou_slice_eq(cid, cid2));
		assert_int_equal(sip_msg_cseq(&m, &cs, &why), 0);
		assert_int_equal(sip_msg_cseq(&m, &cs2, &why), 0);
		assert_ptr_equal(cs, cs2);
		assert_int_equal(cs->num, 7);
		assert_int_equal(sip_msg_max_forwards(&m, &x, &why), 0);
		assert_int_equal(sip_msg_max_forwards(&m, &x2, &why), 0);
		assert_int_equal(x, 9);
		assert_int_equal(x2, 9);
		assert_int_equal(sip_msg_expires(&m, &x, &why), 0);
		assert_int_equal(x, 30);
		assert_int_equal(sip_msg_content_length(&m, &x, &why), 0);
		assert_int_equal(x, 0);
		assert_int_equal(sip_msg_contacts(&m, &a, &n, &why), 0);
		assert_int_equal(n, 1);
		assert_true(ou_slice_eq_cstr(a[0].uri.host, "h"));
		assert_int_equal(sip_msg_ms_cmd(&m, &cmd, &why), 0);
		assert_true(cmd->skip_pin);
		assert_int_equal(sip_msg_sensitivity(&m, &sens, &why), 0);
		assert_int_equal(sens, SIP_SENS_PRIVATE);
	}

	static const char bare[] = "SIP/2.0 200 OK\r\n"
	                           "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
	                           "From: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c@h\r\n"
	                           "CSeq: 7 INVITE\r\n\r\n";
	for (int round = 0; round < 2; round++) {
		assert_int_equal(parse(bare, &why), 0);
		if (round)
			assert_int_equal(sip_msg_check(&m, &why), 0);
		n = 5;
		assert_int_equal(sip_msg_contacts(&m, &a, &n, &why), OPENUM_ENOTFOUND);
		assert_int_equal(n, 0);
		assert_int_equal(sip_msg_ms_cmd(&m, &cmd, &why), 0);
		assert_false(cmd->skip_pin);
		assert_null(cmd->item_id.p);
		assert_int_equal(sip_msg_sensitivity(&m, &sens, &why), 0);
		assert_int_equal(sens, SIP_SENS_NORMAL);
		assert_int_equal(sip_msg_max_forwards(&m, &x, &why), OPENUM_ENOTFOUND);
		assert_int_equal(sip_msg_content_length(&m, &x, &why), OPENUM_ENOTFOUND);
		assert_int_equal(sip_msg_ruri(&m, &u, &why), OPENUM_ENOTFOUND);
	}

	static const char bad[] = "SIP/2.0 200 OK\r\nMs-Sensitivity: secret\r\n"
	                          "Ms-Exchange-Command: itemId=%%%\r\nMax-Forwards: x\r\n\r\n";
	assert_int_equal(parse(bad, &why), 0);
	for (int round = 0; round < 2; round++) {
		why = NULL;
		assert_int_equal(sip_msg_sensitivity(&m, &sens, &why), OPENUM_EBADMSG);
		assert_string_equal(why, "Bad Ms-Sensitivity: unknown value");
		why = NULL;
		assert_int_equal(sip_msg_ms_cmd(&m, &cmd, &why), OPENUM_EBADMSG);
		assert_string_equal(why, "Bad Ms-Exchange-Command: itemId is not base64");
		why = NULL;
		assert_int_equal(sip_msg_max_forwards(&m, &x, &why), OPENUM_EBADMSG);
		assert_string_equal(why, "Bad number: not a number");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_index),
	    cmocka_unit_test(test_response),
	    cmocka_unit_test(test_bad_start_lines),
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_line_edges),
	    cmocka_unit_test(test_line_end_every_offset),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_header_names),
	    cmocka_unit_test(test_methods),
	    cmocka_unit_test(test_list_split),
	    cmocka_unit_test(test_via_list),
	    cmocka_unit_test(test_clone),
	    cmocka_unit_test(test_line_shapes),
	    cmocka_unit_test(test_accessors_cached),
	    cmocka_unit_test(test_callid_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
