/* The MS-OCEXUM rules applied to the messages of a trace, one message at a time, with
 * a small table of the no-diversion calls seen so far (R5 needs the original target).
 * Pure: readers feed it messages, findings leave through the emit callback. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

/* What R5 remembers of a call whose INVITE carried a -no-diversion Ms-Sensitivity. */
typedef struct call_state {
	char *call_id;
	size_t call_id_n;
	char *target; /* user part of the first Request-URI seen, still %-escaped */
	size_t target_n;
	trace_pos first;
} call_state;

struct trace_checker {
	trace_emit_fn emit;
	void *ctx;
	trace_stats st;
	call_state *calls;
	size_t ncalls, cap;
	ou_buf norm;   /* text-log bytes with CRLF line ends */
	sip_msg *msg;  /* scratch for trace_check_bytes (the struct is large) */
	trace_pos pos; /* of the message being checked */
	char summary[224];
	char text[512];
};

const char *trace_level_name(trace_level l)
{
	switch (l) {
	case TRACE_NOTE: return "note";
	case TRACE_WARNING: return "warning";
	case TRACE_VIOLATION: return "violation";
	}
	return "?";
}

const char *trace_rule_name(trace_rule r)
{
	switch (r) {
	case TRACE_RULE_PARSE: return "PARSE";
	case TRACE_RULE_R1: return "R1";
	case TRACE_RULE_R2: return "R2";
	case TRACE_RULE_R3: return "R3";
	case TRACE_RULE_R4: return "R4";
	case TRACE_RULE_R5: return "R5";
	case TRACE_RULE_TLS: return "TLS";
	}
	return "?";
}

int trace_checker_new(trace_emit_fn emit, void *ctx, trace_checker **out)
{
	trace_checker *c = calloc(1, sizeof(*c));
	if (!c)
		return OPENUM_ENOMEM;
	c->msg = malloc(sizeof(*c->msg));
	if (!c->msg) {
		free(c);
		return OPENUM_ENOMEM;
	}
	c->emit = emit;
	c->ctx = ctx;
	ou_buf_init(&c->norm);
	*out = c;
	return 0;
}

void trace_checker_free(trace_checker *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ncalls; i++) {
		free(c->calls[i].call_id);
		free(c->calls[i].target);
	}
	free(c->calls);
	ou_buf_free(&c->norm);
	free(c->msg);
	free(c);
}

const trace_stats *trace_checker_stats(const trace_checker *c)
{
	return &c->st;
}

void trace_report(trace_checker *c, trace_pos pos, trace_level level, trace_rule rule,
                  const char *summary, const char *text)
{
	switch (level) {
	case TRACE_NOTE: c->st.notes++; break;
	case TRACE_WARNING: c->st.warnings++; break;
	case TRACE_VIOLATION: c->st.violations++; break;
	}
	if (rule == TRACE_RULE_TLS)
		c->st.tls_conns++;
	trace_finding f = {pos, level, rule, summary ? summary : "", text ? text : ""};
	if (c->emit)
		c->emit(c->ctx, &f);
}

/* A finding about the message being checked; text is printf-formatted. */
static void report(trace_checker *c, trace_level level, trace_rule rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(trace_checker *c, trace_level level, trace_rule rule, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->text, sizeof(c->text), fmt, ap);
	va_end(ap);
	trace_report(c, c->pos, level, rule, c->summary, c->text);
}

/* Appends s to the summary with control bytes escaped, so a hostile trace cannot drive
 * the terminal, and cuts long values with "...". */
static void sum_add(char *dst, size_t cap, size_t *len, ou_slice s, size_t max)
{
	size_t used = 0;
	for (size_t i = 0; i < s.n && *len + 5 < cap; i++) {
		if (used >= max) {
			*len += (size_t)snprintf(dst + *len, cap - *len, "...");
			break;
		}
		unsigned char ch = (unsigned char)s.p[i];
		if (ch < 0x20 || ch == 0x7f)
			*len += (size_t)snprintf(dst + *len, cap - *len, "\\x%02x", ch);
		else
			dst[(*len)++] = (char)ch;
		used++;
	}
	dst[*len] = '\0';
}

static void sum_cstr(char *dst, size_t cap, size_t *len, const char *s)
{
	sum_add(dst, cap, len, ou_slice_cstr(s), cap);
}

static const char *tp_name(sip_transport tp)
{
	switch (tp) {
	case SIP_TP_UDP: return "UDP";
	case SIP_TP_TCP: return "TCP";
	case SIP_TP_TLS: return "TLS";
	case SIP_TP_SCTP: return "SCTP";
	case SIP_TP_WS: return "WS";
	case SIP_TP_WSS: return "WSS";
	case SIP_TP_OTHER: break;
	}
	return "transport unknown";
}

static void make_summary(trace_checker *c, sip_msg *m, sip_transport tp, trace_tp_src src)
{
	size_t len = 0;
	const size_t cap = sizeof(c->summary);
	c->summary[0] = '\0';
	if (m->is_request) {
		sum_add(c->summary, cap, &len, m->method_s, 32);
		sum_cstr(c->summary, cap, &len, " ");
		sum_add(c->summary, cap, &len, m->ruri_s, 96);
	} else {
		char code[16];
		snprintf(code, sizeof(code), "%u ", (unsigned)m->status);
		sum_add(c->summary, cap, &len, m->version, 16);
		sum_cstr(c->summary, cap, &len, " ");
		sum_cstr(c->summary, cap, &len, code);
		sum_add(c->summary, cap, &len, m->reason, 40);
		const sip_cseq *cs = NULL;
		if (sip_msg_cseq(m, &cs, NULL) == 0) {
			sum_cstr(c->summary, cap, &len, " (");
			sum_add(c->summary, cap, &len, cs->method_s, 32);
			sum_cstr(c->summary, cap, &len, ")");
		}
	}
	sum_cstr(c->summary, cap, &len, " [");
	sum_cstr(c->summary, cap, &len, tp_name(tp));
	if (src == TRACE_TPS_VIA)
		sum_cstr(c->summary, cap, &len, " per Via");
	sum_cstr(c->summary, cap, &len, "]");
}

/* ---- R1 ------------------------------------------------------------------------ */

static void rule_transport(trace_checker *c, sip_transport tp, trace_tp_src src)
{
	const char *from = src == TRACE_TPS_VIA ? " (read from the top Via)" : "";
	switch (tp) {
	case SIP_TP_TCP:
	case SIP_TP_TLS:
	case SIP_TP_OTHER: return;
	case SIP_TP_UDP:
	case SIP_TP_SCTP:
		report(c, TRACE_VIOLATION, TRACE_RULE_R1,
		       "SIP over %s%s: signalling must travel over TCP or TLS (MS-OCEXUM 2.1)",
		       tp_name(tp), from);
		return;
	case SIP_TP_WS:
	case SIP_TP_WSS:
		report(c, TRACE_WARNING, TRACE_RULE_R1,
		       "SIP over WebSocket (%s)%s: MS-OCEXUM 2.1 names only TCP and TLS",
		       tp_name(tp), from);
		return;
	}
}

/* ---- R2 ------------------------------------------------------------------------ */

/* Reports the tokens of one Ms-Exchange-Command value the UM server will ignore. */
static void cmd_notes(trace_checker *c, ou_slice v)
{
	size_t start = 0;
	bool quoted = false, any = false;
	for (size_t i = 0; i <= v.n; i++) {
		if (i < v.n) {
			if (v.p[i] == '"')
				quoted = !quoted;
			if (quoted || v.p[i] != ';')
				continue;
		}
		ou_slice t = ou_slice_trim(ou_slice_make(v.p + start, i - start));
		start = i + 1;
		if (t.n == 0)
			continue;
		any = true;
		if (ou_slice_caseeq_cstr(t, "skip-pin"))
			continue;
		if (t.n >= 6 && ou_memcasecmp(t.p, "itemId", 6) == 0) {
			ou_slice rest = ou_slice_trim(ou_slice_make(t.p + 6, t.n - 6));
			if (rest.n && rest.p[0] == '=')
				continue;
		}
		char tok[80];
		size_t len = 0;
		tok[0] = '\0';
		sum_add(tok, sizeof(tok), &len, t, 48);
		report(c, TRACE_NOTE, TRACE_RULE_R2,
		       "Ms-Exchange-Command token '%s' is unknown: the UM server ignores it "
		       "(MS-OCEXUM 2.2.1 defines only skip-pin)",
		       tok);
	}
	if (!any)
		report(c, TRACE_NOTE, TRACE_RULE_R2,
		       "empty Ms-Exchange-Command: MS-OCEXUM 2.2.1 expects skip-pin");
}

/* *cmd_ok: Ms-Exchange-Command is absent or well-formed (then *cmd holds it); *sens_ok
 * likewise for Ms-Sensitivity. Reports what is wrong. */
static void rule_syntax(trace_checker *c, sip_msg *m, const sip_ms_cmd **cmd, bool *cmd_ok,
                        sip_sens *sens, bool *sens_ok)
{
	const char *why = NULL;
	const sip_hdr *h = sip_msg_hdr(m, SIP_H_MS_EXCHANGE_COMMAND);
	for (const sip_hdr *x = h; x; x = sip_msg_hdr_next(m, x))
		cmd_notes(c, x->value);
	if (h && m->is_request && m->method != SIP_METHOD_INVITE)
		report(c, TRACE_NOTE, TRACE_RULE_R2,
		       "Ms-Exchange-Command outside an INVITE: MS-OCEXUM 2.2.1 adds it to INVITEs "
		       "only");
	*cmd_ok = sip_msg_ms_cmd(m, cmd, &why) == 0;
	if (!*cmd_ok)
		report(c, TRACE_VIOLATION, TRACE_RULE_R2, "%s (MS-OCEXUM 2.2.1)",
		       why ? why : "Bad Ms-Exchange-Command");

	why = NULL;
	unsigned nsens = sip_msg_hdr_count(m, SIP_H_MS_SENSITIVITY);
	*sens_ok = sip_msg_sensitivity(m, sens, &why) == 0;
	if (nsens > 1) {
		*sens_ok = false;
		report(c, TRACE_VIOLATION, TRACE_RULE_R2,
		       "Ms-Sensitivity appears %u times: it must appear once (MS-SIPRE, "
		       "MS-OCEXUM 2.2.2)",
		       nsens);
	} else if (!*sens_ok) {
		report(c, TRACE_VIOLATION, TRACE_RULE_R2, "%s (MS-OCEXUM 2.2.2, MS-SIPRE)",
		       why ? why : "Bad Ms-Sensitivity");
	}
}

/* ---- R3 ------------------------------------------------------------------------ */

static void rule_skip_pin(trace_checker *c, sip_transport tp, trace_tp_src src)
{
	if (tp == SIP_TP_TLS)
		return;
	if (tp == SIP_TP_OTHER) {
		report(c, TRACE_WARNING, TRACE_RULE_R3,
		       "INVITE with skip-pin over an unknown transport: it may be honoured only "
		       "over TLS (MS-OCEXUM 3.1), and this trace does not say which was used");
		return;
	}
	report(c, TRACE_VIOLATION, TRACE_RULE_R3,
	       "INVITE with skip-pin over %s%s: a client SHOULD send it only over a trusted "
	       "transport (TLS) and the UM server must not honour it here (MS-OCEXUM 3.1)",
	       tp_name(tp), src == TRACE_TPS_VIA ? " (read from the top Via)" : "");
}

/* ---- R4 / R5 helpers ------------------------------------------------------------ */

static int hexval(unsigned char ch)
{
	if (ou_is(ch, OU_C_DIGIT))
		return ch - '0';
	if (ou_is(ch, OU_C_HEX))
		return ou_lower((char)ch) - 'a' + 10;
	return -1;
}

/* The next byte of a user part with %XX decoded (RFC 3261 19.1.4 compares users
 * after unescaping, case-sensitively). */
static int user_byte(ou_slice s, size_t *i)
{
	unsigned char ch = (unsigned char)s.p[*i];
	if (ch == '%' && *i + 2 < s.n) {
		int hi = hexval((unsigned char)s.p[*i + 1]),
		    lo = hexval((unsigned char)s.p[*i + 2]);
		if (hi >= 0 && lo >= 0) {
			*i += 3;
			return hi << 4 | lo;
		}
	}
	(*i)++;
	return ch;
}

static bool user_eq(ou_slice a, ou_slice b)
{
	size_t i = 0, j = 0;
	while (i < a.n && j < b.n)
		if (user_byte(a, &i) != user_byte(b, &j))
			return false;
	return i == a.n && j == b.n;
}

/* MS-EUMR's voicemail address: a URI with opaque=app:voicemail. */
static bool is_voicemail_uri(const sip_uri *u)
{
	ou_slice v;
	if (u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS)
		return false;
	if (sip_param_get(u->params, "opaque", &v) != 0)
		return false;
	if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
		v = ou_slice_make(v.p + 1, v.n - 2);
	return ou_slice_caseeq_cstr(v, "app:voicemail");
}

static call_state *call_find(trace_checker *c, ou_slice id)
{
	for (size_t i = 0; i < c->ncalls; i++)
		if (c->calls[i].call_id_n == id.n && memcmp(c->calls[i].call_id, id.p, id.n) == 0)
			return &c->calls[i];
	return NULL;
}

static char *dup_slice(ou_slice s)
{
	char *p = malloc(s.n + 1);
	if (p) {
		if (s.n)
			memcpy(p, s.p, s.n);
		p[s.n] = '\0';
	}
	return p;
}

static int call_add(trace_checker *c, ou_slice id, ou_slice target, call_state **out)
{
	if (c->ncalls == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		call_state *n = realloc(c->calls, ncap * sizeof(*n));
		if (!n)
			return OPENUM_ENOMEM;
		c->calls = n;
		c->cap = ncap;
	}
	call_state *s = &c->calls[c->ncalls];
	s->call_id = dup_slice(id);
	s->target = dup_slice(target);
	if (!s->call_id || !s->target) {
		free(s->call_id);
		free(s->target);
		return OPENUM_ENOMEM;
	}
	s->call_id_n = id.n;
	s->target_n = target.n;
	s->first = c->pos;
	c->ncalls++;
	*out = s;
	return 0;
}

/* ---- R4 ------------------------------------------------------------------------- */

static void rule_from_to(trace_checker *c, sip_msg *m, sip_sens sens, bool sens_ok, bool has_cmd,
                         bool tracked)
{
	bool eq = false;
	const char *why = NULL;
	int rc = sip_msg_from_equals_to(m, &eq, &why);
	if (sens_ok && sens == SIP_SENS_PRIVATE_NO_DIVERSION) {
		if (rc == OPENUM_ENOTFOUND)
			report(c, TRACE_VIOLATION, TRACE_RULE_R4,
			       "Play-On-Phone INVITE (private-no-diversion) without a From or To: "
			       "both must name the mailbox owner (MS-OCEXUM 3.2)");
		else if (rc < 0)
			report(
			    c, TRACE_VIOLATION, TRACE_RULE_R4,
			    "Play-On-Phone INVITE (private-no-diversion) whose From or To does not "
			    "parse (%s): From URI must equal To URI (MS-OCEXUM 3.2)",
			    why ? why : ou_strerror(rc));
		else if (!eq)
			report(
			    c, TRACE_VIOLATION, TRACE_RULE_R4,
			    "Play-On-Phone INVITE (private-no-diversion) with From URI != To URI "
			    "(RFC 3261 19.1.4): both MUST point to the same address "
			    "(MS-OCEXUM 3.2)");
		return;
	}
	if (rc != 0 || !eq || has_cmd || tracked || !sens_ok)
		return;
	/* From == To on an initial INVITE that is not addressed to voicemail: the shape of
	 * a Play-On-Phone call from a UM server. A caller reaching its own voicemail
	 * (MS-OCEXUM 4.1) targets the voicemail URI and is left alone. */
	const sip_addr *to = NULL;
	const sip_uri *ruri = NULL;
	if (sip_msg_to(m, &to, NULL) != 0 || ou_slice_present(to->tag))
		return;
	if (is_voicemail_uri(&to->uri))
		return;
	if (sip_msg_ruri(m, &ruri, NULL) == 0 && is_voicemail_uri(ruri))
		return;
	report(c, TRACE_WARNING, TRACE_RULE_R4,
	       "INVITE with From URI == To URI, not addressed to voicemail (a Play-On-Phone "
	       "call) but without Ms-Sensitivity: private-no-diversion: a UM server SHOULD "
	       "send it (MS-OCEXUM 3.2)");
}

/* ---- R5 ------------------------------------------------------------------------- */

/* True when one History-Info entry records a retargeting away from the original
 * target: RFC 4458 cause=, a Reason in the URI headers (RFC 7044 9.3), mp= (mapped to
 * another user, RFC 7044), or a different user. */
static bool hi_entry_diverts(const sip_addr *a, ou_slice target)
{
	if (sip_param_has(a->uri.params, "cause"))
		return true;
	if (sip_param_has(a->params, "mp"))
		return true;
	for (size_t i = 0; i + 7 <= a->uri.headers.n; i++)
		if ((i == 0 || a->uri.headers.p[i - 1] == '&') &&
		    ou_memcasecmp(a->uri.headers.p + i, "Reason=", 7) == 0)
			return true;
	if (target.n && a->uri.user.n && !user_eq(a->uri.user, target))
		return true;
	return false;
}

static void rule_no_diversion_invite(trace_checker *c, sip_msg *m, const call_state *s)
{
	ou_slice target = ou_slice_make(s->target, s->target_n);
	char first[48];
	if (s->first.n == c->pos.n && s->first.frame == c->pos.frame)
		snprintf(first, sizeof(first), "this INVITE");
	else
		snprintf(first, sizeof(first), "the INVITE at %s %lu",
		         s->first.frame ? "frame" : "line", s->first.n);

	if (sip_msg_hdr(m, SIP_H_DIVERSION))
		report(c, TRACE_VIOLATION, TRACE_RULE_R5,
		       "Diversion header on a no-diversion call (%s carried Ms-Sensitivity): "
		       "forwarding MUST NOT be applied (MS-OCEXUM 3.2, MS-SIPRE)",
		       first);

	for (const sip_hdr *h = sip_msg_hdr(m, SIP_H_HISTORY_INFO); h; h = sip_msg_hdr_next(m, h)) {
		size_t pos = 0;
		ou_slice e;
		bool diverted = false;
		while (!diverted && sip_list_next(h->value, &pos, &e, NULL) == 0) {
			sip_addr a;
			if (sip_addr_parse(e, &a, NULL) == 0 && hi_entry_diverts(&a, target))
				diverted = true;
		}
		if (diverted) {
			report(c, TRACE_VIOLATION, TRACE_RULE_R5,
			       "History-Info records a retargeting of a no-diversion call (%s "
			       "carried Ms-Sensitivity): forwarding MUST NOT be applied "
			       "(MS-OCEXUM 3.2, MS-SIPRE)",
			       first);
			break;
		}
	}

	const sip_uri *ruri = NULL;
	if (sip_msg_ruri(m, &ruri, NULL) != 0)
		return;
	if (is_voicemail_uri(ruri)) {
		report(c, TRACE_VIOLATION, TRACE_RULE_R5,
		       "no-diversion call sent to voicemail (Request-URI ;opaque=app:voicemail; "
		       "%s carried Ms-Sensitivity): MS-OCEXUM 3.2 forbids routing it back to "
		       "voicemail",
		       first);
		return;
	}
	if (target.n && ruri->user.n && !user_eq(ruri->user, target)) {
		char tu[64], nu[64];
		size_t l1 = 0, l2 = 0;
		tu[0] = nu[0] = '\0';
		sum_add(tu, sizeof(tu), &l1, target, 40);
		sum_add(nu, sizeof(nu), &l2, ruri->user, 40);
		report(c, TRACE_VIOLATION, TRACE_RULE_R5,
		       "no-diversion call forwarded: Request-URI user '%s' differs from the "
		       "original target '%s' of %s (MS-OCEXUM 3.2: no immediate or no-answer "
		       "forwarding)",
		       nu, tu, first);
	}
}

static void rule_no_diversion_response(trace_checker *c, sip_msg *m, const call_state *s)
{
	const sip_cseq *cs = NULL;
	if (sip_msg_cseq(m, &cs, NULL) != 0 || cs->method != SIP_METHOD_INVITE)
		return;
	const char *at = s->first.frame ? "frame" : "line";
	if (m->status >= 300 && m->status < 400)
		report(c, TRACE_VIOLATION, TRACE_RULE_R5,
		       "%u redirects the no-diversion INVITE at %s %lu: forwarding MUST NOT be "
		       "applied (MS-OCEXUM 3.2)",
		       (unsigned)m->status, at, s->first.n);
	else if (m->status == 181)
		report(c, TRACE_VIOLATION, TRACE_RULE_R5,
		       "181 Call Is Being Forwarded for the no-diversion INVITE at %s %lu: "
		       "forwarding MUST NOT be applied (MS-OCEXUM 3.2)",
		       at, s->first.n);
}

/* ---- the message ----------------------------------------------------------------- */

/* The transport the reader saw, else the one the top Via names. */
static void resolve_tp(sip_msg *m, const trace_msg_info *info, sip_transport *tp, trace_tp_src *src)
{
	*tp = info->tp;
	*src = info->tp_src;
	if (*tp != SIP_TP_OTHER)
		return;
	const sip_via *v = NULL;
	unsigned nv = 0;
	*src = TRACE_TPS_NONE;
	if (sip_msg_vias(m, &v, &nv, NULL) == 0 && nv > 0) {
		*tp = v[0].transport;
		*src = TRACE_TPS_VIA;
	}
}

int trace_check_msg(trace_checker *c, const trace_msg_info *info, sip_msg *m)
{
	sip_transport tp;
	trace_tp_src src;
	c->st.messages++;
	c->pos = info->pos;
	resolve_tp(m, info, &tp, &src);
	make_summary(c, m, tp, src);

	rule_transport(c, tp, src);

	const sip_ms_cmd *cmd = NULL;
	bool cmd_ok = false, sens_ok = false;
	sip_sens sens = SIP_SENS_NORMAL;
	rule_syntax(c, m, &cmd, &cmd_ok, &sens, &sens_ok);

	ou_slice call_id = OU_SLICE_NULL;
	call_state *s = NULL;
	if (sip_msg_callid(m, &call_id, NULL) == 0)
		s = call_find(c, call_id);

	if (!m->is_request) {
		if (s)
			rule_no_diversion_response(c, m, s);
		return 0;
	}
	if (m->method != SIP_METHOD_INVITE)
		return 0;

	if (cmd_ok && cmd->skip_pin)
		rule_skip_pin(c, tp, src);

	bool tracked = s != NULL;
	rule_from_to(c, m, sens, sens_ok, sip_msg_hdr(m, SIP_H_MS_EXCHANGE_COMMAND) != NULL,
	             tracked);

	if (!s && sens_ok && sip_sens_no_diversion(sens) && ou_slice_present(call_id)) {
		const sip_uri *ruri = NULL;
		ou_slice target = OU_SLICE_NULL;
		if (sip_msg_ruri(m, &ruri, NULL) == 0 && !is_voicemail_uri(ruri))
			target = ruri->user;
		int rc = call_add(c, call_id, target, &s);
		if (rc < 0)
			return rc;
	}
	/* Only the INVITE that sets the call up and its forwarded copies (no To tag): a
	 * re-INVITE inside the dialog targets the remote Contact by design. */
	const sip_addr *to = NULL;
	if (s && sip_msg_to(m, &to, NULL) == 0 && !ou_slice_present(to->tag))
		rule_no_diversion_invite(c, m, s);
	return 0;
}

/* ---- bytes ----------------------------------------------------------------------- */

/* Bare LF becomes CRLF: logs and hand-written traces often lose the CR. */
static int normalise(ou_buf *b, const char *p, size_t n)
{
	ou_buf_reset(b);
	if (ou_buf_reserve(b, n + n / 16 + 16) < 0)
		return OPENUM_ENOMEM;
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')) {
			ou_buf_append(b, p + start, i - start);
			ou_buf_append(b, "\r\n", 2);
			start = i + 1;
		}
	}
	ou_buf_append(b, p + start, n - start);
	return b->failed ? OPENUM_ENOMEM : 0;
}

/* When a log cut the body, rewrites the Content-Length value in place (padded with
 * spaces, which the parser trims) to the bytes present, so the headers can be
 * checked. Returns true when it changed something; *declared and *present say what. */
static bool fix_short_body(char *p, size_t n, unsigned long *declared, size_t *present)
{
	size_t hend = 0;
	for (size_t i = 0; i + 3 < n; i++) {
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
			hend = i + 4;
			break;
		}
	}
	if (!hend)
		return false;
	size_t avail = n - hend;
	size_t ls = 0;
	while (ls < hend) {
		size_t le = ls;
		while (le < hend && p[le] != '\r')
			le++;
		size_t nl = 0;
		if (le - ls >= 14 && ou_memcasecmp(p + ls, "Content-Length", 14) == 0)
			nl = 14;
		else if (le - ls >= 1 && ou_lower(p[ls]) == 'l')
			nl = 1;
		if (nl) {
			size_t k = ls + nl;
			while (k < le && (p[k] == ' ' || p[k] == '\t'))
				k++;
			if (k < le && p[k] == ':') {
				k++;
				while (k < le && (p[k] == ' ' || p[k] == '\t'))
					k++;
				size_t ds = k;
				unsigned long v = 0;
				while (k < le && ou_is((unsigned char)p[k], OU_C_DIGIT) &&
				       v < 100000000)
					v = v * 10 + (unsigned long)(p[k++] - '0');
				if (k == ds || v <= avail)
					return false;
				char num[24];
				int w = snprintf(num, sizeof(num), "%zu", avail);
				if (w < 0 || (size_t)w > k - ds)
					return false;
				memset(p + ds, ' ', k - ds);
				memcpy(p + ds, num, (size_t)w);
				*declared = v;
				*present = avail;
				return true;
			}
		}
		ls = le + 2;
	}
	return false;
}

int trace_check_bytes(trace_checker *c, const trace_msg_info *info, const char *p, size_t n)
{
	int rc = normalise(&c->norm, p, info->from_text ? n : 0);
	if (rc < 0)
		return rc;
	if (!info->from_text && ou_buf_append(&c->norm, p, n) < 0)
		return OPENUM_ENOMEM;
	char *buf = c->norm.data;
	size_t len = c->norm.len;
	const char *why = NULL;

	rc = sip_msg_parse(buf, len, c->msg, &why);
	unsigned long declared = 0;
	size_t present = 0;
	bool cut = false;
	if (rc == OPENUM_EBADMSG && info->from_text &&
	    fix_short_body(buf, len, &declared, &present)) {
		why = NULL;
		rc = sip_msg_parse(buf, len, c->msg, &why);
		cut = rc == 0;
	}
	if (rc < 0) {
		size_t sl = 0, l = 0;
		while (sl < len && buf[sl] != '\r' && buf[sl] != '\n')
			sl++;
		c->summary[0] = '\0';
		sum_add(c->summary, sizeof(c->summary), &l, ou_slice_make(buf, sl), 120);
		c->st.messages++;
		c->st.unparsed++;
		c->pos = info->pos;
		report(c, TRACE_WARNING, TRACE_RULE_PARSE,
		       "not a SIP message openum can parse (%s): its rules were not checked",
		       why ? why : ou_strerror(rc));
		return 0;
	}
	if (cut) {
		sip_transport tp;
		trace_tp_src src;
		c->pos = info->pos;
		resolve_tp(c->msg, info, &tp, &src);
		make_summary(c, c->msg, tp, src);
		report(c, TRACE_NOTE, TRACE_RULE_PARSE,
		       "body cut in the log (Content-Length %lu, %zu bytes present): headers "
		       "checked",
		       declared, present);
	}
	return trace_check_msg(c, info, c->msg);
}
