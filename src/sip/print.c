/* The SIP message printer: start lines, headers and bodies into an ou_buf, and the
 * re-serialisation of a parsed sip_msg. It is the only place that writes CR LF, so it
 * refuses any name or value that could smuggle a line break (header injection). */
#include "sip.h"

/* A header value or reason phrase may not end the line it sits on. */
static bool has_line_break(ou_slice s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] == '\r' || s.p[i] == '\n')
			return true;
	return false;
}

/* Text a caller hands us (often from outside: a web form, a config file) must be
 * RFC 3261 TEXT-UTF8 or LWS without line breaks: besides CR/LF, NUL and other control
 * bytes are refused because peers that use C strings would cut the line there. */
static bool is_safe_text(ou_slice s)
{
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c == '\\' && i + 1 < s.n && s.p[i + 1] != '\r' && s.p[i + 1] != '\n') {
			i++; /* quoted-pair (RFC 3261 25.1) may escape any other control byte */
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/* On failure the buffer goes back to what it held, so no half line is ever sent. */
static int rollback(ou_buf *b, size_t len, int err)
{
	if (b->len > len) {
		b->len = len;
		b->data[len] = '\0';
	}
	return err;
}

bool sip_is_token(ou_slice s)
{
	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!ou_is((unsigned char)s.p[i], OU_C_TOKEN))
			return false;
	return true;
}

/* A Request-URI or SIP-Version sits between single spaces: no LWS, no control bytes. */
static bool is_wire_word(ou_slice s)
{
	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c <= 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static int put(ou_buf *b, const char *p, size_t n)
{
	return ou_buf_append(b, p, n);
}

/* A SIP-Version is one word; anything else (a hand-built sip_msg) gets SIP/2.0. */
static ou_slice version_or_default(ou_slice v)
{
	return is_wire_word(v) ? v : OU_SLICE_LIT("SIP/2.0");
}

static int request_line(ou_buf *b, ou_slice method, ou_slice ruri, ou_slice version)
{
	if (!sip_is_token(method) || !is_wire_word(ruri))
		return OPENUM_EINVAL;
	/* Reserved once: the appends below cannot fail. */
	int err = ou_buf_reserve(b, method.n + ruri.n + version.n + 4);
	if (err)
		return err;
	put(b, method.p, method.n);
	put(b, " ", 1);
	put(b, ruri.p, ruri.n);
	put(b, " ", 1);
	put(b, version.p, version.n);
	return put(b, "\r\n", 2);
}

int sip_print_request_line(ou_buf *b, ou_slice method, ou_slice ruri)
{
	return request_line(b, method, ruri, OU_SLICE_LIT("SIP/2.0"));
}

/* The status line with the reason exactly as given (it may be empty). */
static int status_line(ou_buf *b, ou_slice version, unsigned status, ou_slice reason)
{
	if (status < 100 || status > 699 || has_line_break(reason))
		return OPENUM_EINVAL;
	int err = ou_buf_reserve(b, version.n + reason.n + 8);
	if (err)
		return err;
	put(b, version.p, version.n);
	ou_buf_printf(b, " %u ", status);
	put(b, reason.p, reason.n);
	return put(b, "\r\n", 2);
}

int sip_print_status_line(ou_buf *b, unsigned status, ou_slice reason)
{
	/* An empty reason gets the default so callers may pass OU_SLICE_NULL. */
	if (reason.n == 0)
		reason = ou_slice_cstr(sip_reason_phrase(status));
	if (!is_safe_text(reason))
		return OPENUM_EINVAL;
	return status_line(b, OU_SLICE_LIT("SIP/2.0"), status, reason);
}

int sip_print_header(ou_buf *b, ou_slice name, ou_slice value)
{
	if (!sip_is_token(name) || !is_safe_text(value))
		return OPENUM_EINVAL;
	value = ou_slice_trim(value);
	int err = ou_buf_reserve(b, name.n + value.n + 4);
	if (err)
		return err;
	put(b, name.p, name.n);
	put(b, ":", 1);
	if (value.n) {
		put(b, " ", 1);
		put(b, value.p, value.n);
	}
	return put(b, "\r\n", 2);
}

int sip_print_header_cstr(ou_buf *b, const char *name, const char *value)
{
	if (!name || !value)
		return OPENUM_EINVAL;
	return sip_print_header(b, ou_slice_cstr(name), ou_slice_cstr(value));
}

int sip_print_body(ou_buf *b, ou_slice content_type, ou_slice body)
{
	size_t len0 = b->len;
	int err;

	if (content_type.n) {
		err = sip_print_header(b, OU_SLICE_LIT("Content-Type"), content_type);
		if (err)
			return err;
	}
	err = ou_buf_reserve(b, body.n + 40);
	if (err)
		return rollback(b, len0, err);
	ou_buf_printf(b, "Content-Length: %zu\r\n\r\n", body.n);
	return put(b, body.p, body.n);
}

/* Writes a parsed value with every LWS run that holds a line break (a fold, RFC 3261
 * 7.3.1: equivalent to one SP) replaced by one SP; other runs stay as received. */
static void print_unfolded(ou_buf *b, ou_slice v)
{
	size_t i = 0;

	while (i < v.n) {
		size_t start = i;
		while (i < v.n && !ou_is((unsigned char)v.p[i], OU_C_LWS))
			i++;
		put(b, v.p + start, i - start);
		start = i;
		bool fold = false;
		while (i < v.n && ou_is((unsigned char)v.p[i], OU_C_LWS)) {
			if (v.p[i] == '\r' || v.p[i] == '\n')
				fold = true;
			i++;
		}
		if (fold)
			put(b, " ", 1);
		else
			put(b, v.p + start, i - start);
	}
}

int sip_msg_print(const sip_msg *m, ou_buf *b)
{
	size_t len0 = b->len;
	int err;

	if (m->nhdr > SIP_MAX_HEADERS)
		return OPENUM_EINVAL;
	/* The version is kept as received so that the next hop can still refuse it. */
	ou_slice version = version_or_default(m->version);
	err = m->is_request ? request_line(b, m->method_s, m->ruri_s, version)
	                    : status_line(b, version, m->status, m->reason);
	if (err)
		return err;
	for (unsigned i = 0; i < m->nhdr; i++) {
		const sip_hdr *h = &m->hdr[i];
		/* Recomputed from the body below: a stale or repeated one must not survive. */
		if (h->id == SIP_H_CONTENT_LENGTH)
			continue;
		const char *canon = h->id != SIP_H_OTHER && h->id < SIP_H__COUNT
		                        ? sip_hdr_name((sip_hdr_id)h->id)
		                        : NULL;
		ou_slice name = canon ? ou_slice_cstr(canon) : h->name;
		ou_slice value = ou_slice_trim(h->value);
		if (!sip_is_token(name))
			return rollback(b, len0, OPENUM_EINVAL);
		/* Unfolding only shrinks a value: one reservation covers the line. */
		err = ou_buf_reserve(b, name.n + value.n + 4);
		if (err)
			return rollback(b, len0, err);
		put(b, name.p, name.n);
		put(b, ":", 1);
		if (value.n) {
			put(b, " ", 1);
			print_unfolded(b, value);
		}
		put(b, "\r\n", 2);
	}
	err = sip_print_body(b, OU_SLICE_NULL, m->body);
	return err ? rollback(b, len0, err) : 0;
}

/* RFC 3261 21 plus the codes later RFCs registered: 199 (6228), 204 (5839), 412 (3903),
 * 417 (4412), 422 (4028), 424 (6442), 425 (8876), 428/436/437/438 (8224), 429 (3892),
 * 430/439 (5626), 433 (5079), 440 (5393), 469 (6086), 470 (5360), 489 (6665),
 * 494 (3329), 555 (8599), 580 (3312), 607 (8197), 608 (8688). 202 is deprecated
 * (RFC 6665) but older peers still send it. */
const char *sip_reason_phrase(unsigned status)
{
	switch (status) {
	/* 1xx */
	case 100: return "Trying";
	case 180: return "Ringing";
	case 181: return "Call Is Being Forwarded";
	case 182: return "Queued";
	case 183: return "Session Progress";
	case 199: return "Early Dialog Terminated";
	/* 2xx */
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Notification";
	/* 3xx */
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 305: return "Use Proxy";
	case 380: return "Alternative Service";
	/* 4xx */
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 412: return "Conditional Request Failed";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Unsupported URI Scheme";
	case 417: return "Unknown Resource-Priority";
	case 420: return "Bad Extension";
	case 421: return "Extension Required";
	case 422: return "Session Interval Too Small";
	case 423: return "Interval Too Brief";
	case 424: return "Bad Location Information";
	case 425: return "Bad Alert Message";
	case 428: return "Use Identity Header";
	case 429: return "Provide Referrer Identity";
	case 430: return "Flow Failed";
	case 433: return "Anonymity Disallowed";
	case 436: return "Bad Identity Info";
	case 437: return "Unsupported Credential";
	case 438: return "Invalid Identity Header";
	case 439: return "First Hop Lacks Outbound Support";
	case 440: return "Max-Breadth Exceeded";
	case 469: return "Bad Info Package";
	case 470: return "Consent Needed";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 484: return "Address Incomplete";
	case 485: return "Ambiguous";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 489: return "Bad Event";
	case 491: return "Request Pending";
	case 493: return "Undecipherable";
	case 494: return "Security Agreement Required";
	/* 5xx */
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	case 505: return "Version Not Supported";
	case 513: return "Message Too Large";
	case 555: return "Push Notification Service Not Supported";
	case 580: return "Precondition Failure";
	/* 6xx */
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	case 604: return "Does Not Exist Anywhere";
	case 606: return "Not Acceptable";
	case 607: return "Unwanted";
	case 608: return "Rejected";
	default: return "Unknown";
	}
}
