/* The answers net gives by itself to bytes it will not deliver (400 with the parser's
 * reason, 513 Message Too Large). The request did not parse, so the headers a response
 * must echo (Via, From, To, Call-ID, CSeq: RFC 3261 8.2.6.2) are found line by line in
 * the raw bytes, best effort, and the printer (which refuses anything unsafe) writes
 * them. */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "net_int.h"

bool reply_looks_like_response(const char *buf, size_t len)
{
	return len >= 4 && memcmp(buf, "SIP/", 4) == 0;
}

/* "METHOD SP Request-URI SP SIP/2.0" on a complete first line. */
bool reply_has_request_line(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len < SIP_MAX_STARTLINE ? len : SIP_MAX_STARTLINE);
	if (!nl)
		return false;
	size_t end = (size_t)(nl - buf);
	if (end > 0 && buf[end - 1] == '\r')
		end--;
	size_t i = 0;
	while (i < end && ou_is((unsigned char)buf[i], OU_C_TOKEN))
		i++;
	if (i == 0 || i >= end || buf[i] != ' ')
		return false;
	return end - i > 9 && memcmp(buf + end - 8, " SIP/2.0", 8) == 0;
}

static bool echoed(sip_hdr_id id)
{
	return id == SIP_H_VIA || id == SIP_H_FROM || id == SIP_H_TO || id == SIP_H_CALL_ID ||
	       id == SIP_H_CSEQ;
}

/* One header line (with its continuation lines) into name/value, folds made spaces. */
static void echo_header(ou_buf *out, ou_buf *tmp, sip_hdr_id id, const char *v, size_t vlen,
                        unsigned *seen)
{
	if (id != SIP_H_VIA && (*seen & (1u << id)))
		return; /* the first of each, all Vias */
	ou_buf_reset(tmp);
	for (size_t i = 0; i < vlen; i++)
		ou_buf_append(tmp, (v[i] == '\r' || v[i] == '\n') ? " " : &v[i], 1);
	if (tmp->failed)
		return;
	ou_slice val = ou_slice_trim(ou_slice_make(tmp->data, tmp->len));
	memmove(tmp->data, val.p, val.n);
	tmp->len = val.n;
	val.p = tmp->data;
	if (id == SIP_H_TO) {
		/* The answer ends any would-be dialog: it needs a To tag (RFC 3261 8.2.6.2). */
		sip_addr a;
		if (sip_addr_parse(val, &a, NULL) == 0 && !ou_slice_present(a.tag)) {
			unsigned char r[6] = {0};
			(void)RAND_bytes(r, sizeof(r));
			char tag[24];
			snprintf(tag, sizeof(tag), ";tag=%02x%02x%02x%02x%02x%02x", r[0], r[1],
			         r[2], r[3], r[4], r[5]);
			ou_buf_append_cstr(tmp, tag);
			val = ou_slice_make(tmp->data, tmp->len);
		}
	}
	if (sip_print_header(out, ou_slice_cstr(sip_hdr_name(id)), val) == 0)
		*seen |= 1u << id;
}

static void echo_headers(ou_buf *out, const char *buf, size_t len)
{
	ou_buf tmp;
	ou_buf_init(&tmp);
	unsigned seen = 0;
	const char *nl = memchr(buf, '\n', len);
	size_t i = nl ? (size_t)(nl - buf) + 1 : len; /* past the start line */
	while (i < len) {
		nl = memchr(buf + i, '\n', len - i);
		if (!nl)
			break; /* an unfinished line is not worth guessing at */
		size_t le = (size_t)(nl - buf);
		size_t content_end = (le > i && buf[le - 1] == '\r') ? le - 1 : le;
		if (content_end == i)
			break; /* the empty line: end of headers */
		/* The value runs on over continuation lines (starting with SP or HTAB). */
		size_t vend = le + 1;
		while (vend < len && (buf[vend] == ' ' || buf[vend] == '\t')) {
			const char *n2 = memchr(buf + vend, '\n', len - vend);
			if (!n2)
				break;
			vend = (size_t)(n2 - buf) + 1;
		}
		size_t j = i;
		while (j < content_end && ou_is((unsigned char)buf[j], OU_C_TOKEN))
			j++;
		size_t nlen = j - i;
		while (j < content_end && (buf[j] == ' ' || buf[j] == '\t'))
			j++;
		if (nlen > 0 && j < content_end && buf[j] == ':') {
			sip_hdr_id id = sip_hdr_id_from(buf + i, nlen);
			if (echoed(id))
				echo_header(out, &tmp, id, buf + j + 1, vend - (j + 1), &seen);
		}
		i = vend;
	}
	ou_buf_free(&tmp);
}

void reply_error(net_conn *c, unsigned status, const char *reason, const char *buf, size_t len)
{
	if (reply_looks_like_response(buf, len))
		return; /* a response is never answered */
	if (len >= 4 && memcmp(buf, "ACK ", 4) == 0)
		return; /* nor is an ACK (RFC 3261 17.2.1), even a malformed one */
	ou_buf out;
	ou_buf_init(&out);
	if (sip_print_status_line(&out, status, ou_slice_cstr(reason)) &&
	    sip_print_status_line(&out, status, OU_SLICE_NULL))
		goto done;
	echo_headers(&out, buf, len);
	sip_print_header_cstr(&out, "Server", "openum/" OPENUM_VERSION);
	if (sip_print_body(&out, OU_SLICE_NULL, OU_SLICE_NULL) == 0 && !out.failed &&
	    net_conn_is_open(c))
		(void)net_send(c, out.data, out.len);
done:
	ou_buf_free(&out);
}
