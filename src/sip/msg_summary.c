/* application/simple-message-summary (RFC 3842 5.2), the body of message-waiting
 * NOTIFYs: a Messages-Waiting line, an optional Message-Account, then one line per
 * message class ("Voice-Message: 2/8 (0/2)": new/old, then urgent new/old). Lines
 * after an empty line are extension headers and are skipped. */
#include "sip.h"
#include "lex.h"

/* "N" with at most SIP_MSUM_MAX_COUNT. */
static bool count_ok(ou_slice s, uint32_t *out)
{
	s = ou_slice_trim(s);
	return s.n > 0 && s.n <= 6 && ou_slice_u32(s, out) == 0 && *out <= SIP_MSUM_MAX_COUNT;
}

/* "new/old" */
static bool pair_ok(ou_slice s, uint32_t *a, uint32_t *b)
{
	size_t i = 0;
	while (i < s.n && s.p[i] != '/')
		i++;
	if (i == s.n)
		return false;
	return count_ok(ou_slice_make(s.p, i), a) &&
	       count_ok(ou_slice_make(s.p + i + 1, s.n - i - 1), b);
}

static int class_line(ou_slice name, ou_slice v, sip_msum *out, const char **why)
{
	sip_msum_class c = {.name = name};
	size_t lp = 0;
	while (lp < v.n && v.p[lp] != '(')
		lp++;
	if (!pair_ok(ou_slice_make(v.p, lp), &c.nnew, &c.nold))
		SIP_FAIL(OPENUM_EBADMSG, "Bad message-summary: a class line is not new/old");
	if (lp < v.n) {
		ou_slice u = ou_slice_trim(ou_slice_make(v.p + lp + 1, v.n - lp - 1));
		if (u.n == 0 || u.p[u.n - 1] != ')' ||
		    !pair_ok(ou_slice_make(u.p, u.n - 1), &c.new_urgent, &c.old_urgent))
			SIP_FAIL(OPENUM_EBADMSG, "Bad message-summary: bad (urgent) counts");
		c.has_urgent = true;
	}
	for (unsigned i = 0; i < out->nclass; i++)
		if (ou_slice_caseeq(out->cls[i].name, name))
			SIP_FAIL(OPENUM_EDUP, "Bad message-summary: a class appears twice");
	if (out->nclass == SIP_MSUM_MAX_CLASSES)
		SIP_FAIL(OPENUM_ETOOBIG, "Bad message-summary: too many classes");
	out->cls[out->nclass++] = c;
	return 0;
}

int sip_msum_parse(ou_slice body, sip_msum *out, const char **why)
{
	*out = (sip_msum){0};
	const char *p = body.p, *e = body.p + body.n;
	bool have_status = false;
	while (p < e) {
		const char *eol = p;
		while (eol < e && *eol != '\n')
			eol++;
		const char *next = eol < e ? eol + 1 : e;
		if (eol > p && eol[-1] == '\r')
			eol--;
		ou_slice line = ou_slice_make(p, (size_t)(eol - p));
		p = next;
		if (line.n == 0) {
			if (have_status)
				break; /* opt-msg-headers follow: not ours to read */
			continue;
		}
		size_t c = 0;
		while (c < line.n && line.p[c] != ':')
			c++;
		if (c == line.n)
			SIP_FAIL(OPENUM_EBADMSG, "Bad message-summary: a line without ':'");
		ou_slice name = ou_slice_trim(ou_slice_make(line.p, c));
		ou_slice v = ou_slice_trim(ou_slice_make(line.p + c + 1, line.n - c - 1));
		if (!sip_is_token(name))
			SIP_FAIL(OPENUM_EBADMSG, "Bad message-summary: a name is not a token");
		if (!have_status) {
			if (!ou_slice_caseeq_cstr(name, "Messages-Waiting"))
				SIP_FAIL(OPENUM_EBADMSG,
				         "Bad message-summary: Messages-Waiting must come first");
			if (ou_slice_caseeq_cstr(v, "yes"))
				out->waiting = true;
			else if (!ou_slice_caseeq_cstr(v, "no"))
				SIP_FAIL(OPENUM_EBADMSG,
				         "Bad message-summary: Messages-Waiting is not yes or no");
			have_status = true;
			continue;
		}
		if (ou_slice_caseeq_cstr(name, "Messages-Waiting"))
			SIP_FAIL(OPENUM_EDUP, "Bad message-summary: Messages-Waiting twice");
		if (ou_slice_caseeq_cstr(name, "Message-Account")) {
			if (out->account.p || out->nclass)
				SIP_FAIL(OPENUM_EBADMSG,
				         "Bad message-summary: misplaced Message-Account");
			if (v.n == 0)
				SIP_FAIL(OPENUM_EBADMSG,
				         "Bad message-summary: empty Message-Account");
			out->account = v;
			continue;
		}
		int err = class_line(name, v, out, why);
		if (err)
			return err;
	}
	if (!have_status)
		SIP_FAIL(OPENUM_EBADMSG, "Bad message-summary: no Messages-Waiting line");
	return 0;
}

const sip_msum_class *sip_msum_find(const sip_msum *m, const char *name)
{
	for (unsigned i = 0; i < m->nclass; i++)
		if (ou_slice_caseeq_cstr(m->cls[i].name, name))
			return &m->cls[i];
	return NULL;
}

int sip_msum_print(const sip_msum *m, ou_buf *b)
{
	if (m->nclass > SIP_MSUM_MAX_CLASSES)
		return OPENUM_EINVAL;
	for (size_t i = 0; i < m->account.n; i++)
		if (m->account.p[i] == '\r' || m->account.p[i] == '\n' || m->account.p[i] == '\0')
			return OPENUM_EINVAL;
	for (unsigned i = 0; i < m->nclass; i++) {
		const sip_msum_class *c = &m->cls[i];
		if (!sip_is_token(c->name) || c->nnew > SIP_MSUM_MAX_COUNT ||
		    c->nold > SIP_MSUM_MAX_COUNT || c->new_urgent > SIP_MSUM_MAX_COUNT ||
		    c->old_urgent > SIP_MSUM_MAX_COUNT)
			return OPENUM_EINVAL;
	}
	size_t len = b->len;
	ou_buf_printf(b, "Messages-Waiting: %s\r\n", m->waiting ? "yes" : "no");
	if (m->account.n) {
		ou_buf_append_cstr(b, "Message-Account: ");
		ou_buf_append_slice(b, m->account);
		ou_buf_append_cstr(b, "\r\n");
	}
	for (unsigned i = 0; i < m->nclass; i++) {
		const sip_msum_class *c = &m->cls[i];
		ou_buf_append_slice(b, c->name);
		ou_buf_printf(b, ": %u/%u", (unsigned)c->nnew, (unsigned)c->nold);
		if (c->has_urgent)
			ou_buf_printf(b, " (%u/%u)", (unsigned)c->new_urgent,
			              (unsigned)c->old_urgent);
		ou_buf_append_cstr(b, "\r\n");
	}
	if (b->failed) {
		b->len = len;
		return OPENUM_ENOMEM;
	}
	return 0;
}
