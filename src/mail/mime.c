/* mail/mime.c: the RFC 5322 / MIME message of a voice-message e-mail, built by hand
 * because it is small and fixed: headers, a multipart/mixed body with one text part
 * and, optionally, the audio attachment in base64. Nothing from the network reaches a
 * header unchecked: control bytes are refused, non-ASCII text is RFC 2047 encoded. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mail.h"

static int fail(const char **why, const char *w, int err)
{
	if (why)
		*why = w;
	return err;
}

int mail_base64(const uint8_t *data, size_t len, unsigned wrap, ou_buf *out)
{
	/* 57 input bytes make one 76-character line */
	size_t chunk = wrap ? (size_t)wrap / 4 * 3 : 48;
	if (chunk == 0)
		chunk = 3;
	unsigned char line[4 * 64 + 4];
	if (chunk > 3 * 64)
		chunk = 3 * 64;
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		int k = EVP_EncodeBlock(line, data + off, (int)n);
		ou_buf_append(out, line, (size_t)k);
		if (wrap)
			ou_buf_append(out, "\r\n", 2);
	}
	return out->failed ? OPENUM_ENOMEM : 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool has_ctl(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool plain_ascii(const char *s, const char *specials)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x7f || (specials && strchr(specials, *s)))
			return false;
	return true;
}

/* An unstructured header value (Subject, a display name) as RFC 2047 encoded words,
 * base64 of UTF-8, each at most 75 characters, folded onto continuation lines; whole
 * UTF-8 characters stay in one word. */
static void put_encoded_words(ou_buf *out, const char *s)
{
	size_t len = strlen(s), i = 0;
	bool first = true;
	while (i < len) {
		size_t n = len - i < 45 ? len - i : 45; /* 45 bytes: 60 base64 characters */
		while (n > 1 && i + n < len && ((unsigned char)s[i + n] & 0xc0) == 0x80)
			n--;
		if (!first)
			ou_buf_append_cstr(out, "\r\n ");
		first = false;
		ou_buf_append_cstr(out, "=?UTF-8?B?");
		mail_base64((const uint8_t *)s + i, n, 0, out);
		ou_buf_append_cstr(out, "?=");
		i += n;
	}
}

static void put_rfc5322_date(ou_buf *out, int64_t ms)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	ou_buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday % 7],
	              tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	              tm.tm_sec);
}

static void put_hex_random(ou_buf *out, size_t nbytes)
{
	uint8_t r[32];
	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	if (RAND_bytes(r, (int)nbytes) != 1) {
		/* never fails in practice; a clock value keeps the id unique enough */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		memset(r, 0, sizeof(r));
		memcpy(r, &ts, sizeof(ts) < nbytes ? sizeof(ts) : nbytes);
	}
	for (size_t i = 0; i < nbytes; i++)
		ou_buf_printf(out, "%02x", r[i]);
}

/* The text part: CRLF line ends; 7bit when it is ASCII in short lines, else base64. */
static void put_text_part(ou_buf *out, const char *body)
{
	ou_buf text;
	ou_buf_init(&text);
	bool seven = true;
	size_t col = 0;
	for (const char *p = body ? body : ""; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n') {
			ou_buf_append(&text, "\r\n", 2);
			col = 0;
			continue;
		}
		unsigned char c = (unsigned char)*p;
		if (c >= 0x80 || c == '\r' || c == 0 || ++col > 76)
			seven = false;
		ou_buf_append(&text, p, 1);
	}
	if (text.len < 2 || memcmp(text.data + text.len - 2, "\r\n", 2) != 0)
		ou_buf_append(&text, "\r\n", 2);
	ou_buf_printf(out,
	              "Content-Type: text/plain; charset=utf-8\r\n"
	              "Content-Transfer-Encoding: %s\r\n\r\n",
	              seven ? "7bit" : "base64");
	if (seven)
		ou_buf_append(out, text.data, text.len);
	else
		mail_base64((const uint8_t *)text.data, text.len, 76, out);
	if (text.failed)
		out->failed = true;
	ou_buf_free(&text);
}

static bool filename_ok(const char *f)
{
	if (!f || !*f || strlen(f) > 64)
		return false;
	for (; *f; f++)
		if (!((*f >= 'a' && *f <= 'z') || (*f >= 'A' && *f <= 'Z') ||
		      (*f >= '0' && *f <= '9') || *f == '.' || *f == '_' || *f == '-'))
			return false;
	return true;
}

static bool ctype_ok(const char *t)
{
	return t && (strcmp(t, "audio/wav") == 0 || strcmp(t, "audio/ogg") == 0);
}

int mail_build(const mail_message *m, ou_buf *out, const char **why)
{
	if (!store_email_valid(m->from))
		return fail(why, "From: is not an e-mail address", OPENUM_EINVAL);
	if (!store_email_valid(m->to))
		return fail(why, "To: is not an e-mail address", OPENUM_EINVAL);
	if (has_ctl(m->subject) || has_ctl(m->from_name))
		return fail(why, "control character in a header value", OPENUM_EINVAL);
	if (m->subject && strlen(m->subject) > MAIL_TEXT_MAX)
		return fail(why, "subject too long", OPENUM_ETOOBIG);
	if (m->from_name && strlen(m->from_name) > 256)
		return fail(why, "sender name too long", OPENUM_ETOOBIG);
	const mail_attachment *a = m->attachment;
	if (a && (!filename_ok(a->filename) || !ctype_ok(a->content_type) || (!a->data && a->len)))
		return fail(why, "bad attachment name or type", OPENUM_EINVAL);

	put_rfc5322_date(out, m->date_ms ? m->date_ms : now_ms());
	ou_buf_append_cstr(out, "From: ");
	if (m->from_name && *m->from_name) {
		if (plain_ascii(m->from_name, "\"\\"))
			ou_buf_printf(out, "\"%s\" ", m->from_name);
		else {
			put_encoded_words(out, m->from_name);
			ou_buf_append_cstr(out, " ");
		}
	}
	ou_buf_printf(out, "<%s>\r\nTo: <%s>\r\nSubject: ", m->from, m->to);
	const char *subj = m->subject ? m->subject : "";
	if (plain_ascii(subj, NULL) && strlen(subj) <= 66)
		ou_buf_append_cstr(out, subj);
	else
		put_encoded_words(out, subj);
	ou_buf_append_cstr(out, "\r\nMessage-ID: <");
	put_hex_random(out, 16);
	ou_buf_printf(out, ".openum@%s>\r\n", strchr(m->from, '@') + 1);
	ou_buf_append_cstr(out, "MIME-Version: 1.0\r\n");

	char boundary[64] = "=_openum_";
	{
		ou_buf b;
		ou_buf_init(&b);
		put_hex_random(&b, 16);
		if (!b.failed)
			snprintf(boundary + 9, sizeof(boundary) - 9, "%.*s", (int)b.len, b.data);
		ou_buf_free(&b);
	}
	ou_buf_printf(out,
	              "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
	              "This is a MIME message.\r\n\r\n--%s\r\n",
	              boundary, boundary);
	put_text_part(out, m->body);
	if (a) {
		ou_buf_printf(out,
		              "\r\n--%s\r\nContent-Type: %s; name=\"%s\"\r\n"
		              "Content-Disposition: attachment; filename=\"%s\"\r\n"
		              "Content-Transfer-Encoding: base64\r\n\r\n",
		              boundary, a->content_type, a->filename, a->filename);
		mail_base64(a->data, a->len, 76, out);
	}
	ou_buf_printf(out, "\r\n--%s--\r\n", boundary);
	return out->failed ? fail(why, "out of memory", OPENUM_ENOMEM) : 0;
}
