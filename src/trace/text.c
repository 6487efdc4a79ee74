/* Splits a text log into SIP messages: SIPp -trace_msg files, Kamailio sipdump text
 * files, baresip SIP traces, or bare messages one after another. Log header lines name
 * the transport of the next message; everything that is not a message is skipped.
 * Pure: the messages are slices of the caller's buffer. */
#include <string.h>

#include "trace.h"

void trace_text_init(trace_text *t, const char *buf, size_t len)
{
	t->buf = buf;
	t->len = len;
	t->pos = 0;
	t->line = 1;
	t->pending = SIP_TP_OTHER;
}

/* One line without its LF (and without a CR before it). */
typedef struct line {
	const char *p;
	size_t n;
	size_t next; /* offset of the byte after the LF (or len) */
} line;

static line line_at(const trace_text *t, size_t pos)
{
	line l = {t->buf + pos, 0, pos};
	const char *nl = memchr(t->buf + pos, '\n', t->len - pos);
	size_t end = nl ? (size_t)(nl - t->buf) : t->len;
	l.n = end - pos;
	l.next = nl ? end + 1 : end;
	if (l.n && l.p[l.n - 1] == '\r')
		l.n--;
	return l;
}

/* Drops terminal colour sequences (ESC [ ... letter) at the start: baresip colours
 * its trace. */
static ou_slice strip_ansi(ou_slice s)
{
	while (s.n >= 2 && s.p[0] == 0x1b && s.p[1] == '[') {
		size_t i = 2;
		while (i < s.n && !ou_is((unsigned char)s.p[i], OU_C_ALPHA))
			i++;
		if (i == s.n)
			break;
		s = ou_slice_make(s.p + i + 1, s.n - i - 1);
	}
	return s;
}

static bool starts_with(ou_slice s, const char *w)
{
	size_t n = strlen(w);
	return s.n >= n && ou_memcasecmp(s.p, w, n) == 0;
}

/* SIPp, Kamailio and baresip separate records with runs of one character. */
static bool is_separator(ou_slice s)
{
	if (s.n < 10)
		return false;
	char ch = s.p[0];
	if (ch != '-' && ch != '=' && ch != '~' && ch != '|' && ch != '#')
		return false;
	for (size_t i = 1; i < 10; i++)
		if (s.p[i] != ch)
			return false;
	return true;
}

static sip_transport tp_word(ou_slice w)
{
	static const struct {
		const char *name;
		sip_transport tp;
	} words[] = {{"udp", SIP_TP_UDP},   {"tcp", SIP_TP_TCP}, {"tls", SIP_TP_TLS},
	             {"sctp", SIP_TP_SCTP}, {"ws", SIP_TP_WS},   {"wss", SIP_TP_WSS}};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (ou_slice_caseeq_cstr(w, words[i].name))
			return words[i].tp;
	return SIP_TP_OTHER;
}

/* The first word of s and what follows it (after one space). */
static ou_slice first_word(ou_slice s, ou_slice *rest)
{
	size_t i = 0;
	while (i < s.n && s.p[i] != ' ' && s.p[i] != '\t')
		i++;
	size_t j = i;
	while (j < s.n && (s.p[j] == ' ' || s.p[j] == '\t'))
		j++;
	*rest = ou_slice_make(s.p + j, s.n - j);
	return ou_slice_make(s.p, i);
}

/* A log line announcing the transport of the next message, or SIP_TP_OTHER:
 *   SIPp:     "TCP message sent (509 bytes):", "UDP message received [309] bytes :"
 *   Kamailio: "proto: tcp ipv4"
 *   baresip:  "TLS 10.0.0.1:5061 -> 10.0.0.2:5061" */
static sip_transport header_tp(ou_slice s)
{
	ou_slice rest;
	ou_slice w = first_word(s, &rest);
	if (ou_slice_caseeq_cstr(w, "proto:"))
		return tp_word(first_word(rest, &rest));
	sip_transport tp = tp_word(w);
	if (tp == SIP_TP_OTHER)
		return tp;
	if (starts_with(rest, "message sent") || starts_with(rest, "message received"))
		return tp;
	/* baresip: ADDR -> ADDR */
	ou_slice rest2;
	first_word(rest, &rest2);
	if (starts_with(rest2, "-> "))
		return tp;
	return SIP_TP_OTHER;
}

static bool is_version(ou_slice s)
{
	return ou_slice_caseeq_cstr(s, "SIP/2.0");
}

/* "METHOD SP Request-URI SP SIP/2.0" or "SIP/2.0 SP 3DIGIT ...". */
static bool is_start_line(ou_slice s)
{
	if (s.n >= 11 && is_version(ou_slice_make(s.p, 7)) && s.p[7] == ' ') {
		for (size_t i = 8; i < 11; i++)
			if (!ou_is((unsigned char)s.p[i], OU_C_DIGIT))
				return false;
		return s.n == 11 || s.p[11] == ' ';
	}
	size_t i = 0;
	while (i < s.n && ou_is((unsigned char)s.p[i], OU_C_TOKEN))
		i++;
	if (i == 0 || i == s.n || s.p[i] != ' ')
		return false;
	while (s.n && s.p[s.n - 1] == ' ')
		s.n--;
	if (s.n < i + 10 || s.p[s.n - 8] != ' ')
		return false;
	if (!is_version(ou_slice_make(s.p + s.n - 7, 7)))
		return false;
	for (size_t k = i + 1; k < s.n - 8; k++)
		if (s.p[k] == ' ' || s.p[k] == '\t')
			return false;
	return true;
}

bool trace_is_start_line(const char *s, size_t n)
{
	return is_start_line(ou_slice_make(s, n));
}

/* A line that cannot belong to the message before it. */
static bool ends_message(ou_slice s)
{
	s = strip_ansi(s);
	return is_start_line(s) || is_separator(s) || header_tp(s) != SIP_TP_OTHER;
}

/* Content-Length (or compact "l") of a header line; false if the line is another. */
static bool clen_of(ou_slice s, unsigned long *out)
{
	size_t nl;
	if (starts_with(s, "Content-Length"))
		nl = 14;
	else if (s.n && ou_lower(s.p[0]) == 'l')
		nl = 1;
	else
		return false;
	size_t k = nl;
	while (k < s.n && (s.p[k] == ' ' || s.p[k] == '\t'))
		k++;
	if (k == s.n || s.p[k] != ':')
		return false;
	k++;
	while (k < s.n && (s.p[k] == ' ' || s.p[k] == '\t'))
		k++;
	size_t ds = k;
	unsigned long v = 0;
	while (k < s.n && ou_is((unsigned char)s.p[k], OU_C_DIGIT) && v < 100000000)
		v = v * 10 + (unsigned long)(s.p[k++] - '0');
	if (k == ds)
		return false;
	*out = v;
	return true;
}

static unsigned long count_lines(const char *p, size_t n)
{
	unsigned long k = 0;
	for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))); p++)
		k++;
	return k;
}

/* Reads the message whose start line begins at `start`; returns its end offset. */
static size_t message_end(const trace_text *t, size_t start)
{
	unsigned long clen = 0;
	bool has_clen = false;
	line l = line_at(t, start);
	size_t pos = l.next;
	/* headers, up to the empty line */
	for (;;) {
		if (pos >= t->len)
			return t->len;
		l = line_at(t, pos);
		ou_slice s = ou_slice_make(l.p, l.n);
		if (l.n == 0) {
			pos = l.next;
			break;
		}
		if (ends_message(s))
			return pos; /* a header block cut short by the log */
		unsigned long v;
		if (clen_of(s, &v)) {
			clen = v;
			has_clen = true;
		}
		pos = l.next;
	}
	/* the body: Content-Length bytes as sent, where a lost CR still counts */
	unsigned long got = 0;
	bool line_start = true;
	while (pos < t->len) {
		if (has_clen && got >= clen)
			return pos;
		/* A log that cut the body goes on with its next record: stop there,
		 * unless Content-Length ends the body inside this very line (the next
		 * message glued to the end of the body). */
		if (line_start) {
			l = line_at(t, pos);
			unsigned long wire = (unsigned long)(l.next - pos);
			if (l.next > pos && t->buf[l.next - 1] == '\n' && l.p[l.n] != '\r')
				wire++;
			if ((!has_clen || got + wire < clen) &&
			    ends_message(ou_slice_make(l.p, l.n)))
				return pos;
		}
		char ch = t->buf[pos];
		got += (ch == '\n' && (pos == 0 || t->buf[pos - 1] != '\r')) ? 2 : 1;
		line_start = ch == '\n';
		pos++;
	}
	return pos;
}

int trace_text_next(trace_text *t, trace_item *out)
{
	while (t->pos < t->len) {
		line l = line_at(t, t->pos);
		ou_slice s = strip_ansi(ou_slice_make(l.p, l.n));
		if (is_start_line(s)) {
			size_t start = (size_t)(s.p - t->buf);
			size_t end = message_end(t, start);
			out->p = t->buf + start;
			out->n = end - start;
			out->line = t->line;
			out->tp = t->pending;
			t->pending = SIP_TP_OTHER;
			t->line += count_lines(t->buf + t->pos, end - t->pos);
			t->pos = end;
			return 0;
		}
		/* A header line names the transport of the next message only: the
		 * pending value is dropped once a message takes it. */
		sip_transport tp = header_tp(s);
		if (tp != SIP_TP_OTHER)
			t->pending = tp;
		if (l.next > t->pos && t->buf[l.next - 1] == '\n')
			t->line++;
		t->pos = l.next;
	}
	return OPENUM_ENOTFOUND;
}
