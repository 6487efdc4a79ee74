/* The MS-OCEXUM headers. Ms-Exchange-Command (spec 2.2.1) asks the UM server to skip
 * the PIN prompt; Ms-Sensitivity (spec 2.2.2, MS-SIPRE) forbids diversion. Parsing
 * here only says what the header says: whether skip-pin may be honoured is decided
 * by the UM server from the transport (DESIGN.md rule 1), never here. */
#include "sip.h"
#include "lex.h"

static bool is_b64(unsigned char c)
{
	return ou_is(c, OU_C_ALPHA | OU_C_DIGIT) || c == '+' || c == '/';
}

/* Standard base64 (RFC 4648 section 4): groups of four, '=' padding only at the end. */
static bool base64_ok(ou_slice s)
{
	if (s.n == 0 || s.n % 4 != 0)
		return false;
	size_t pad = 0;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || !is_b64(c))
			return false;
	}
	return pad <= 2;
}

/* One token of the header: "skip-pin", "itemId=...", or something we ignore. */
static int cmd_token(ou_slice t, sip_ms_cmd *out, const char **why)
{
	t = ou_slice_trim(t);
	if (t.n == 0)
		return 0;
	if (ou_slice_caseeq_cstr(t, "skip-pin")) {
		out->skip_pin = true;
		return 0;
	}
	if (t.n >= 6 && ou_memcasecmp(t.p, "itemId", 6) == 0) {
		ou_slice rest = ou_slice_trim(ou_slice_make(t.p + 6, t.n - 6));
		if (rest.n == 0 || rest.p[0] != '=')
			return 0; /* "itemIdX..." is another, unknown token */
		ou_slice v = ou_slice_trim(ou_slice_make(rest.p + 1, rest.n - 1));
		if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
			v = ou_slice_make(v.p + 1, v.n - 2);
		if (!base64_ok(v))
			SIP_FAIL(OPENUM_EBADMSG, "Bad Ms-Exchange-Command: itemId is not base64");
		if (out->item_id.p)
			SIP_FAIL(OPENUM_EDUP, "Bad Ms-Exchange-Command: more than one itemId");
		out->item_id = v;
	}
	return 0; /* unknown tokens are ignored, never an error (DESIGN.md rule 5) */
}

int sip_ms_cmd_parse(ou_slice s, sip_ms_cmd *out, const char **why)
{
	out->skip_pin = false;
	out->item_id = OU_SLICE_NULL;
	size_t start = 0;
	bool quoted = false;
	for (size_t i = 0; i <= s.n; i++) {
		if (i < s.n) {
			if (s.p[i] == '"')
				quoted = !quoted;
			if (quoted || s.p[i] != ';')
				continue;
		}
		int err = cmd_token(ou_slice_make(s.p + start, i - start), out, why);
		if (err)
			return err;
		start = i + 1;
	}
	if (quoted)
		SIP_FAIL(OPENUM_EBADMSG, "Bad Ms-Exchange-Command: unterminated quote");
	return 0;
}

static const char *const sens_names[] = {
    [SIP_SENS_NORMAL] = "normal",
    [SIP_SENS_PRIVATE] = "private",
    [SIP_SENS_NORMAL_NO_DIVERSION] = "normal-no-diversion",
    [SIP_SENS_PRIVATE_NO_DIVERSION] = "private-no-diversion",
};

int sip_sens_parse(ou_slice s, sip_sens *out, const char **why)
{
	s = ou_slice_trim(s);
	/* ABNF quoted strings are case-insensitive (RFC 5234 2.3). */
	for (unsigned i = 0; i < sizeof(sens_names) / sizeof(sens_names[0]); i++) {
		if (ou_slice_caseeq_cstr(s, sens_names[i])) {
			*out = (sip_sens)i;
			return 0;
		}
	}
	SIP_FAIL(OPENUM_EBADMSG,
	         s.n ? "Bad Ms-Sensitivity: unknown value" : "Bad Ms-Sensitivity: empty");
}

const char *sip_sens_name(sip_sens s)
{
	return (unsigned)s < sizeof(sens_names) / sizeof(sens_names[0]) ? sens_names[s] : "?";
}
