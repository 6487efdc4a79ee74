/* Tests for src/mail (template.c, mime.c, audio.c, worker.c's back-off): templates
 * expand their placeholders and nothing else; the MIME message parses back (headers,
 * boundary, parts) and its base64 attachment decodes to exactly the input; header
 * injection through a subject, a display name or an address is refused; the WAV and
 * Opus attachments carry the right magic and length. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"
#include "media/media.h"

static char *expand(const char *tpl, const mail_vars *v)
{
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(mail_template_expand(tpl, v, &b, NULL), 0);
	ou_buf_append(&b, "", 1);
	return b.data;
}

static void test_template(void **state)
{
	(void)state;
	mail_vars v = {"sip:bob@example.com", "sip:alice@example.com", "2026-11-26 12:00:00 UTC",
	               "0:42", NULL};
	char *s = expand("From {caller} to {mailbox} at {time} ({duration}){transcript}.", &v);
	assert_string_equal(s, "From sip:bob@example.com to sip:alice@example.com at 2026-11-26 "
	                       "12:00:00 UTC (0:42).");
	free(s);
	/* unknown names stay; {{ and }} are braces; an unclosed brace is text */
	s = expand("{nope} {{caller}} {caller", &v);
	assert_string_equal(s, "{nope} {caller} {caller");
	free(s);
	v.transcript = "hello there";
	s = expand("T: {transcript}", &v);
	assert_string_equal(s, "T: hello there");
	free(s);
	/* values are not expanded again */
	v.caller = "{mailbox}";
	s = expand("{caller}", &v);
	assert_string_equal(s, "{mailbox}");
	free(s);
	/* too long a result */
	char *big = malloc(MAIL_TEXT_MAX + 2);
	memset(big, 'x', MAIL_TEXT_MAX + 1);
	big[MAIL_TEXT_MAX + 1] = 0;
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(mail_template_expand(big, &v, &b, NULL), OPENUM_ETOOBIG);
	ou_buf_free(&b);
	free(big);

	char d[16];
	mail_fmt_duration(42400, d, sizeof(d));
	assert_string_equal(d, "0:42");
	mail_fmt_duration(3723000, d, sizeof(d));
	assert_string_equal(d, "1:02:03");
	char h[32];
	mail_header_clean("Bob\r\nBcc: eve@x", h, sizeof(h));
	assert_string_equal(h, "Bob  Bcc: eve@x");
}

/* ---- a small MIME reader for the tests --------------------------------------- */

/* The value of header name in the header block hdr (unfolded), or NULL. */
static char *header(const char *hdr, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = hdr; p && *p;) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			char *out = malloc(strlen(v) + 1);
			size_t n = 0;
			while (*v) {
				if (v[0] == '\r' && v[1] == '\n' && (v[2] == ' ' || v[2] == '\t')) {
					v += 2;
					continue;
				}
				if (v[0] == '\r' && v[1] == '\n')
					break;
				out[n++] = *v++;
			}
			out[n] = 0;
			return out;
		}
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	return NULL;
}

static uint8_t *b64_decode(const char *s, size_t len, size_t *out_len)
{
	char *clean = malloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\r' && s[i] != '\n')
			clean[n++] = s[i];
	uint8_t *out = malloc(n / 4 * 3 + 3);
	int k = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)n);
	assert_true(k >= 0);
	size_t pad = (n >= 1 && clean[n - 1] == '=') + (n >= 2 && clean[n - 2] == '=');
	*out_len = (size_t)k - pad;
	free(clean);
	return out;
}

typedef struct parsed {
	char *hdr;         /* top header block, CRLF separated, NUL-terminated */
	char *part_hdr[4]; /* each part's headers */
	const char *part_body[4];
	size_t part_len[4];
	int nparts;
	char *raw;
} parsed;

static void parse(const ou_buf *m, parsed *p)
{
	memset(p, 0, sizeof(*p));
	p->raw = malloc(m->len + 1);
	memcpy(p->raw, m->data, m->len);
	p->raw[m->len] = 0;
	/* every line ends with CRLF, no bare LF, no line over 998 */
	const char *line = p->raw;
	for (const char *c = p->raw; *c; c++) {
		if (*c == '\n') {
			assert_true(c > p->raw && c[-1] == '\r');
			assert_true(c - line <= 999);
			line = c + 1;
		}
	}
	char *end = strstr(p->raw, "\r\n\r\n");
	assert_non_null(end);
	p->hdr = strndup(p->raw, (size_t)(end - p->raw) + 2);
	char *ct = header(p->hdr, "Content-Type");
	assert_non_null(ct);
	assert_non_null(strstr(ct, "multipart/mixed"));
	char *bq = strstr(ct, "boundary=\"");
	assert_non_null(bq);
	char boundary[80] = "--";
	char *bend = strchr(bq + 10, '"');
	snprintf(boundary + 2, sizeof(boundary) - 2, "%.*s", (int)(bend - bq - 10), bq + 10);
	free(ct);
	char *body = end + 4;
	char *at = strstr(body, boundary);
	assert_non_null(at);
	for (;;) { /* ends at the close delimiter */
		at += strlen(boundary);
		if (strncmp(at, "--", 2) == 0)
			break; /* the close delimiter */
		assert_true(strncmp(at, "\r\n", 2) == 0);
		at += 2;
		char *pe = strstr(at, "\r\n\r\n");
		assert_non_null(pe);
		char *next = strstr(pe, boundary);
		assert_non_null(next);
		assert_true(p->nparts < 4);
		p->part_hdr[p->nparts] = strndup(at, (size_t)(pe - at) + 2);
		p->part_body[p->nparts] = pe + 4;
		p->part_len[p->nparts] = (size_t)(next - 2 - (pe + 4)); /* CRLF before delimiter */
		p->nparts++;
		at = next;
	}
}

static void parsed_free(parsed *p)
{
	free(p->hdr);
	for (int i = 0; i < p->nparts; i++)
		free(p->part_hdr[i]);
	free(p->raw);
}

static void test_mime_roundtrip(void **state)
{
	(void)state;
	uint8_t data[5000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 + (i >> 8));
	mail_attachment att = {data, sizeof(data), "audio/wav", "voicemail-7.wav"};
	mail_message m = {
	    .from = "voicemail@example.com",
	    .from_name = "Voice Mail",
	    .to = "alice@example.com",
	    .subject = "Voice message from sip:bob@example.com (0:42)",
	    .body = "Line one\nLine two: sip:bob@example.com\n",
	    .date_ms = 1795694400000LL, /* 2026-11-26 12:00:00 UTC */
	    .attachment = &att,
	};
	ou_buf out;
	ou_buf_init(&out);
	assert_int_equal(mail_build(&m, &out, NULL), 0);
	parsed p;
	parse(&out, &p);
	char *v;
	v = header(p.hdr, "Date");
	assert_string_equal(v, "Thu, 26 Nov 2026 12:00:00 +0000");
	free(v);
	v = header(p.hdr, "From");
	assert_string_equal(v, "\"Voice Mail\" <voicemail@example.com>");
	free(v);
	v = header(p.hdr, "To");
	assert_string_equal(v, "<alice@example.com>");
	free(v);
	v = header(p.hdr, "Subject");
	assert_string_equal(v, "Voice message from sip:bob@example.com (0:42)");
	free(v);
	v = header(p.hdr, "Message-ID");
	assert_non_null(v);
	assert_true(v[0] == '<' && v[strlen(v) - 1] == '>');
	assert_non_null(strstr(v, "@example.com>"));
	free(v);
	v = header(p.hdr, "MIME-Version");
	assert_string_equal(v, "1.0");
	free(v);
	assert_int_equal(p.nparts, 2);
	v = header(p.part_hdr[0], "Content-Type");
	assert_string_equal(v, "text/plain; charset=utf-8");
	free(v);
	assert_true(p.part_len[0] >= 40);
	assert_memory_equal(p.part_body[0], "Line one\r\nLine two: sip:bob@example.com\r\n", 40);
	v = header(p.part_hdr[1], "Content-Type");
	assert_string_equal(v, "audio/wav; name=\"voicemail-7.wav\"");
	free(v);
	v = header(p.part_hdr[1], "Content-Transfer-Encoding");
	assert_string_equal(v, "base64");
	free(v);
	v = header(p.part_hdr[1], "Content-Disposition");
	assert_string_equal(v, "attachment; filename=\"voicemail-7.wav\"");
	free(v);
	size_t n = 0;
	uint8_t *dec = b64_decode(p.part_body[1], p.part_len[1], &n);
	assert_int_equal(n, sizeof(data));
	assert_memory_equal(dec, data, sizeof(data));
	free(dec);
	parsed_free(&p);
	ou_buf_free(&out);

	/* notify: one text part; non-ASCII body goes base64, non-ASCII subject RFC 2047 */
	m.attachment = NULL;
	m.subject = "Nachricht von J\xc3\xbcrgen";
	m.body = "Gr\xc3\xbc\xc3\x9f"
	         "e\n";
	m.from_name = NULL;
	ou_buf_init(&out);
	assert_int_equal(mail_build(&m, &out, NULL), 0);
	parse(&out, &p);
	assert_int_equal(p.nparts, 1);
	v = header(p.hdr, "Subject");
	assert_string_equal(v, "=?UTF-8?B?TmFjaHJpY2h0IHZvbiBKw7xyZ2Vu?=");
	free(v);
	v = header(p.hdr, "From");
	assert_string_equal(v, "<voicemail@example.com>");
	free(v);
	v = header(p.part_hdr[0], "Content-Transfer-Encoding");
	assert_string_equal(v, "base64");
	free(v);
	dec = b64_decode(p.part_body[0], p.part_len[0], &n);
	assert_int_equal(n, 9);
	assert_memory_equal(dec,
	                    "Gr\xc3\xbc\xc3\x9f"
	                    "e\r\n",
	                    9);
	free(dec);
	parsed_free(&p);
	ou_buf_free(&out);
}

static void test_header_injection_refused(void **state)
{
	(void)state;
	mail_message m = {
	    .from = "voicemail@example.com",
	    .to = "alice@example.com",
	    .subject = "Voice message from Bob\r\nBcc: eve@evil.example",
	    .body = "x",
	};
	ou_buf out;
	ou_buf_init(&out);
	assert_int_equal(mail_build(&m, &out, NULL), OPENUM_EINVAL);
	m.subject = "ok";
	m.from_name = "Voice\nMail";
	assert_int_equal(mail_build(&m, &out, NULL), OPENUM_EINVAL);
	m.from_name = NULL;
	m.to = "alice@example.com>\r\nBcc: <eve@evil.example";
	assert_int_equal(mail_build(&m, &out, NULL), OPENUM_EINVAL);
	m.to = "alice@example.com";
	m.from = "a@b>, <eve@evil.example";
	assert_int_equal(mail_build(&m, &out, NULL), OPENUM_EINVAL);
	m.from = "voicemail@example.com";
	mail_attachment att = {(const uint8_t *)"x", 1, "audio/wav", "a\"b.wav"};
	m.attachment = &att;
	assert_int_equal(mail_build(&m, &out, NULL), OPENUM_EINVAL);
	att.filename = "a.wav";
	att.content_type = "text/html";
	assert_int_equal(mail_build(&m, &out, NULL), OPENUM_EINVAL);
	assert_int_equal(out.len, 0); /* nothing written on refusal */
	/* a display name with quotes is encoded, not quoted around the quote */
	m.attachment = NULL;
	m.from_name = "Bob \"the\" caller";
	assert_int_equal(mail_build(&m, &out, NULL), 0);
	ou_buf_append(&out, "", 1);
	assert_non_null(strstr(out.data, "From: =?UTF-8?B?"));
	ou_buf_free(&out);
}

static void test_base64(void **state)
{
	(void)state;
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(mail_base64((const uint8_t *)"foobar", 6, 0, &b), 0);
	ou_buf_append(&b, "", 1);
	assert_string_equal(b.data, "Zm9vYmFy");
	ou_buf_reset(&b);
	uint8_t z[100] = {0};
	assert_int_equal(mail_base64(z, sizeof(z), 76, &b), 0);
	/* 100 bytes: one full line of 76 characters (57 bytes) and one of 60 */
	assert_int_equal(b.len, 76 + 2 + 60 + 2);
	assert_memory_equal(b.data + 76, "\r\n", 2);
	ou_buf_free(&b);
}

static void test_audio(void **state)
{
	(void)state;
	uint8_t ulaw[8000];
	int16_t pcm[8000];
	for (size_t i = 0; i < 8000; i++)
		pcm[i] = (int16_t)((i % 40) * 800 - 16000);
	g711_encode(MEDIA_PCMU, pcm, 8000, ulaw);
	store_audio a = {STORE_CODEC_PCMU, ulaw, sizeof(ulaw)};
	ou_buf w;
	ou_buf_init(&w);
	assert_int_equal(mail_audio_wav(&a, &w, NULL), 0);
	media_wav_info info;
	assert_int_equal(media_wav_parse((const uint8_t *)w.data, w.len, &info, NULL), 0);
	assert_int_equal(info.format, MEDIA_WAV_PCM16);
	assert_int_equal(info.samples, 8000);
	int16_t dec[8000];
	g711_decode(MEDIA_PCMU, ulaw, 8000, dec);
	assert_memory_equal(info.data, dec, sizeof(dec)); /* decoded G.711, little-endian */
	ou_buf_free(&w);

	ou_buf o;
	ou_buf_init(&o);
	assert_int_equal(mail_audio_opus(&a, &o, NULL), 0);
	assert_true(o.len > 100);
	assert_true(o.len < sizeof(ulaw)); /* compressed below G.711 */
	assert_memory_equal(o.data, "OggS", 4);
	assert_non_null(memmem(o.data, o.len, "OpusHead", 8));
	assert_non_null(memmem(o.data, o.len, "OpusTags", 8));
	ou_buf_free(&o);

	store_audio bad = {(store_codec)9, ulaw, 10};
	ou_buf_init(&o);
	assert_int_equal(mail_audio_wav(&bad, &o, NULL), OPENUM_EINVAL);
	ou_buf_free(&o);
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(mail_backoff_s(1, 60, 3600), 60);
	assert_int_equal(mail_backoff_s(2, 60, 3600), 120);
	assert_int_equal(mail_backoff_s(3, 60, 3600), 240);
	assert_int_equal(mail_backoff_s(7, 60, 3600), 3600); /* 3840 capped */
	assert_int_equal(mail_backoff_s(1000, 60, 3600), 3600);
	assert_int_equal(mail_backoff_s(0, 1, 8), 1);
	mail_starttls t;
	assert_int_equal(mail_starttls_parse("optional", &t), 0);
	assert_int_equal(t, MAIL_STARTTLS_OPTIONAL);
	assert_int_equal(mail_starttls_parse("yes", &t), OPENUM_EINVAL);
	assert_string_equal(mail_starttls_name(MAIL_STARTTLS_REQUIRED), "required");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_template),
	    cmocka_unit_test(test_mime_roundtrip),
	    cmocka_unit_test(test_header_injection_refused),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_audio),
	    cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
