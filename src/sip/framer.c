/* Stream framing for SIP over TCP and TLS (RFC 3261 18.3): a message ends after its
 * headers plus Content-Length body bytes, and on a stream Content-Length is mandatory.
 * The framer keeps how far it searched so partial input is never rescanned, tells
 * "need more bytes" (OPENUM_EAGAIN) apart from "malformed", and recognises the RFC 5626
 * CRLFCRLF keep-alive ping (answered with a single CRLF pong by the caller). */
#include <string.h>

#include "sip.h"
#include "lex.h"

void sip_framer_init(sip_framer *f)
{
	f->max_msg = SIP_MAX_MSG;
	f->scanned = 0;
	f->total = 0;
}

static void framer_reset(sip_framer *f)
{
	f->scanned = 0;
	f->total = 0;
}

/* Finds the end of the header section: a line break followed by an empty line
 * (CRLF CRLF, or bare LF tolerated). Returns the offset after it, or 0. */
static size_t headers_end(sip_framer *f, const char *buf, size_t len)
{
	size_t i = f->scanned;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		if (!nl)
			break;
		size_t k = (size_t)(nl - buf) + 1;
		if (k < len && buf[k] == '\n')
			return k + 1;
		if (k + 1 < len && buf[k] == '\r' && buf[k + 1] == '\n')
			return k + 2;
		if (k + 1 >= len) { /* the next line has not arrived: look again from this LF */
			f->scanned = k - 1;
			return 0;
		}
		i = k;
	}
	f->scanned = len;
	return 0;
}

/* Reads Content-Length ("l" compact form too) from the header lines [0, hend). */
static int find_clen(const char *buf, size_t hend, uint32_t *out, const char **why)
{
	bool found = false;
	size_t i = 0;
	/* Skip the start line. */
	const char *nl = memchr(buf, '\n', hend);
	if (!nl)
		SIP_FAIL(OPENUM_EBADMSG, "Bad start line");
	i = (size_t)(nl - buf) + 1;
	while (i < hend) {
		nl = memchr(buf + i, '\n', hend - i);
		size_t le = nl ? (size_t)(nl - buf) : hend;
		size_t next = le + 1;
		if (le > i && buf[le - 1] == '\r')
			le--;
		size_t j = i;
		while (j < le && ou_is((unsigned char)buf[j], OU_C_TOKEN))
			j++;
		size_t nlen = j - i;
		if ((nlen == 14 && ou_memcasecmp(buf + i, "Content-Length", 14) == 0) ||
		    (nlen == 1 && ou_lower(buf[i]) == 'l')) {
			while (j < le && (buf[j] == ' ' || buf[j] == '\t'))
				j++;
			if (j < le && buf[j] == ':') {
				/* A folded Content-Length value is not worth supporting. */
				uint32_t v;
				if (ou_slice_u32(
				        ou_slice_trim(ou_slice_make(buf + j + 1, le - j - 1)), &v))
					SIP_FAIL(OPENUM_EBADMSG, "Bad Content-Length");
				if (found && v != *out)
					SIP_FAIL(OPENUM_EBADMSG,
					         "Conflicting Content-Length headers");
				*out = v;
				found = true;
			}
		}
		i = next;
	}
	if (!found)
		SIP_FAIL(OPENUM_EBADMSG, "Missing Content-Length on a stream transport");
	return 0;
}

int sip_frame(sip_framer *f, const char *buf, size_t len, size_t *len_out, const char **why)
{
	if (len == 0)
		return OPENUM_EAGAIN;
	if (f->total == 0 && f->scanned == 0 && (buf[0] == '\r' || buf[0] == '\n')) {
		/* Each decision looks at no more than the next four bytes and waits for
		 * them, so the frames do not depend on how the stream was split. */
		size_t k = len < 4 ? len : 4;
		if (memcmp(buf, "\r\n\r\n", k) == 0) {
			if (k < 4)
				return OPENUM_EAGAIN; /* could still become a ping */
			*len_out = 4;
			return SIP_FRAME_PING;
		}
		/* Stray line breaks before a message (RFC 3261 7.5): drop them. */
		*len_out = (len >= 2 && buf[0] == '\r' && buf[1] == '\n') ? 2 : 1;
		return SIP_FRAME_SKIP;
	}
	if (f->total == 0) {
		size_t hend = headers_end(f, buf, len);
		if (hend == 0) {
			if (len >= f->max_msg)
				SIP_FAIL(OPENUM_ETOOBIG, "Message Too Large");
			return OPENUM_EAGAIN;
		}
		if (hend > f->max_msg)
			SIP_FAIL(OPENUM_ETOOBIG, "Message Too Large");
		uint32_t clen = 0;
		int err = find_clen(buf, hend, &clen, why);
		if (err) {
			framer_reset(f);
			return err;
		}
		if ((size_t)clen > f->max_msg - hend) {
			framer_reset(f);
			SIP_FAIL(OPENUM_ETOOBIG, "Message Too Large");
		}
		f->total = hend + clen;
	}
	if (len < f->total)
		return OPENUM_EAGAIN;
	*len_out = f->total;
	framer_reset(f);
	return SIP_FRAME_MSG;
}
