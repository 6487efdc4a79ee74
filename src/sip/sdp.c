/* SDP (RFC 8866) parsing into slices of the body, and RFC 3264 offer/answer for
 * openum's single audio stream: G.711 mu-law/A-law plus RFC 4733 telephone-event.
 * The parser allocates nothing; offers and answers are printed into an ou_buf. */
#include <string.h>

#include "sip.h"
#include "lex.h"

#define BAD(msg) SIP_FAIL(OPENUM_EBADMSG, "Bad SDP: " msg)

#define TOOBIG(msg) SIP_FAIL(OPENUM_ETOOBIG, "Bad SDP: " msg)

const char *sdp_dir_name(sdp_dir d)
{
	switch (d) {
	case SDP_INACTIVE: return "inactive";
	case SDP_SENDONLY: return "sendonly";
	case SDP_RECVONLY: return "recvonly";
	case SDP_SENDRECV: return "sendrecv";
	default: return NULL;
	}
}

/* ---- small scanners ---------------------------------------------------------- */

/* Fields are separated by one SP in RFC 8866; runs of SP or HTAB are tolerated
 * because some endpoints pad their o= and m= lines. */
static bool next_field(ou_slice line, size_t *pos, ou_slice *f)
{
	size_t i = *pos;
	while (i < line.n && (line.p[i] == ' ' || line.p[i] == '\t'))
		i++;
	if (i >= line.n) {
		*pos = i;
		return false;
	}
	size_t start = i;
	while (i < line.n && line.p[i] != ' ' && line.p[i] != '\t')
		i++;
	*f = ou_slice_make(line.p + start, i - start);
	*pos = i;
	return true;
}

/* What follows the last field, trimmed (the fmtp parameters, a=rtcp's address). */
static ou_slice rest_of(ou_slice line, size_t pos)
{
	return ou_slice_trim(ou_slice_make(line.p + pos, line.n - pos));
}

static bool all_class(ou_slice s, uint16_t cls)
{
	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!ou_is((unsigned char)s.p[i], cls))
			return false;
	return true;
}

/* proto = token *("/" token) */
static bool is_proto(ou_slice s)
{
	if (s.n == 0 || s.p[0] == '/' || s.p[s.n - 1] == '/')
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c == '/') {
			if (s.p[i - 1] == '/')
				return false;
		} else if (!ou_is(c, OU_C_TOKEN)) {
			return false;
		}
	}
	return true;
}

static int u64_parse(ou_slice s, uint64_t *out)
{
	uint64_t v = 0;
	if (s.n == 0 || s.n > 20)
		return OPENUM_EBADMSG;
	for (size_t i = 0; i < s.n; i++) {
		unsigned c = (unsigned char)s.p[i];
		if (!ou_is((unsigned char)c, OU_C_DIGIT))
			return OPENUM_EBADMSG;
		if (v > (UINT64_MAX - (c - '0')) / 10)
			return OPENUM_EBADMSG;
		v = v * 10 + (c - '0');
	}
	*out = v;
	return 0;
}

static int port_parse(ou_slice s, uint16_t *out)
{
	uint32_t v;
	if (ou_slice_u32(s, &v) != 0 || v > 65535)
		return OPENUM_EBADMSG;
	*out = (uint16_t)v;
	return 0;
}

/* Splits "a/b" at the first '/'; *after has p == NULL when there is none. */
static ou_slice split_slash(ou_slice s, ou_slice *after)
{
	const char *slash = s.n ? memchr(s.p, '/', s.n) : NULL;
	if (!slash) {
		*after = OU_SLICE_NULL;
		return s;
	}
	*after = ou_slice_make(slash + 1, s.n - (size_t)(slash + 1 - s.p));
	return ou_slice_make(s.p, (size_t)(slash - s.p));
}

/* Host names, IPv4 and IPv6 literals (':' and '.' for an embedded IPv4 tail). */
static bool is_addr(ou_slice s, bool ipv6)
{
	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (!ou_is(c, OU_C_HOST) && !(ipv6 && c == ':'))
			return false;
	}
	return true;
}

/* nettype addrtype address: only IN with IP4 or IP6 carries RTP for us. */
static int conn_fields(ou_slice line, size_t *pos, sdp_conn *c, bool strip_ttl, const char **why)
{
	ou_slice net, type, addr, more;
	if (!next_field(line, pos, &net) || !next_field(line, pos, &type) ||
	    !next_field(line, pos, &addr))
		BAD("bad address fields");
	if (!ou_slice_eq_cstr(net, "IN"))
		BAD("network type is not IN");
	if (ou_slice_eq_cstr(type, "IP4"))
		c->ipv6 = false;
	else if (ou_slice_eq_cstr(type, "IP6"))
		c->ipv6 = true;
	else
		BAD("address type is not IP4 or IP6");
	if (strip_ttl)
		addr = split_slash(addr, &more);
	if (!is_addr(addr, c->ipv6))
		BAD("bad address");
	c->addr = addr;
	c->present = true;
	return 0;
}

/* ---- line handlers -------------------------------------------------------------- */

static int parse_origin(ou_slice v, sdp_session *s, const char **why)
{
	size_t pos = 0;
	ou_slice user, id, ver;
	if (!next_field(v, &pos, &user) || !next_field(v, &pos, &id) || !next_field(v, &pos, &ver))
		BAD("bad o= line");
	if (u64_parse(id, &s->sess_id) || u64_parse(ver, &s->sess_version))
		BAD("bad o= session id or version");
	s->origin_user = user;
	if (conn_fields(v, &pos, &s->origin, false, why))
		BAD("bad o= address");
	ou_slice extra;
	if (next_field(v, &pos, &extra))
		BAD("bad o= line");
	return 0;
}

static int parse_conn(ou_slice v, sdp_conn *c, const char **why)
{
	size_t pos = 0;
	if (c->present)
		BAD("repeated c= line");
	if (conn_fields(v, &pos, c, true, why))
		BAD("bad c= line");
	ou_slice extra;
	if (next_field(v, &pos, &extra))
		BAD("bad c= line");
	return 0;
}

static int parse_time(ou_slice v, sdp_session *s, const char **why)
{
	size_t pos = 0;
	ou_slice a, b, extra;
	if (!next_field(v, &pos, &a) || !next_field(v, &pos, &b) || next_field(v, &pos, &extra))
		BAD("bad t= line");
	uint64_t start, stop;
	if (u64_parse(a, &start) || u64_parse(b, &stop))
		BAD("bad t= line");
	s->t_start = start;
	s->t_stop = stop;
	return 0;
}

/* Payload types are 7 bits; a format that is not 0..127 is not RTP (pt -1). */
static int16_t fmt_pt(ou_slice f)
{
	uint32_t v;
	if (f.n > 3 || ou_slice_u32(f, &v) != 0 || v > 127)
		return -1;
	return (int16_t)v;
}

static int parse_media(ou_slice v, sdp_media *m, const char **why)
{
	size_t pos = 0;
	ou_slice media, port, proto, count, f;
	if (!next_field(v, &pos, &media) || !next_field(v, &pos, &port) ||
	    !next_field(v, &pos, &proto))
		BAD("bad m= line");
	if (!all_class(media, OU_C_TOKEN))
		BAD("bad m= media type");
	port = split_slash(port, &count);
	if (port_parse(port, &m->port))
		BAD("bad m= port");
	if (count.p) {
		uint32_t n;
		if (ou_slice_u32(count, &n) || n == 0 || n > 65535)
			BAD("bad m= port count");
		m->nports = (uint16_t)n;
	}
	if (!is_proto(proto))
		BAD("bad m= protocol");
	m->media = media;
	m->proto = proto;
	while (next_field(v, &pos, &f)) {
		if (!all_class(f, OU_C_TOKEN))
			BAD("bad m= format");
		if (m->nfmt == SDP_MAX_FMTS)
			TOOBIG("too many formats on one m= line");
		/* One format, one meaning: a repeat would let rtpmap name two codecs. */
		for (unsigned k = 0; k < m->nfmt; k++)
			if (ou_slice_eq(m->fmt[k].fmt, f))
				BAD("repeated format on m= line");
		sdp_fmt *x = &m->fmt[m->nfmt++];
		memset(x, 0, sizeof(*x));
		x->fmt = f;
		x->pt = fmt_pt(f);
	}
	if (m->nfmt == 0)
		BAD("m= line without formats");
	return 0;
}

static sdp_fmt *find_fmt(sdp_media *m, ou_slice f)
{
	for (unsigned i = 0; i < m->nfmt; i++)
		if (ou_slice_eq(m->fmt[i].fmt, f))
			return &m->fmt[i];
	return NULL;
}

/* a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>] */
static int attr_rtpmap(ou_slice v, sdp_media *m, const char **why)
{
	size_t pos = 0;
	ou_slice pt, enc, extra;
	if (!next_field(v, &pos, &pt) || !next_field(v, &pos, &enc) ||
	    next_field(v, &pos, &extra) || fmt_pt(pt) < 0)
		BAD("bad a=rtpmap");
	ou_slice rate, chan;
	ou_slice name = split_slash(enc, &rate);
	if (!rate.p)
		BAD("bad a=rtpmap: no clock rate");
	rate = split_slash(rate, &chan);
	uint32_t clock, channels = 0;
	if (!all_class(name, OU_C_TOKEN) || ou_slice_u32(rate, &clock) || clock == 0)
		BAD("bad a=rtpmap");
	if (chan.p && (ou_slice_u32(chan, &channels) || channels == 0 || channels > 255))
		BAD("bad a=rtpmap channels");
	if (!m)
		return 0; /* meaningless at session level: ignore */
	sdp_fmt *f = find_fmt(m, pt);
	/* A map for a format not on the m= line, or a second map, changes nothing. */
	if (f && !f->enc.p) {
		f->enc = name;
		f->clock = clock;
		f->channels = (uint8_t)channels;
	}
	return 0;
}

/* a=fmtp:<format> <format specific parameters> */
static int attr_fmtp(ou_slice v, sdp_media *m, const char **why)
{
	size_t pos = 0;
	ou_slice f;
	if (!next_field(v, &pos, &f) || !all_class(f, OU_C_TOKEN))
		BAD("bad a=fmtp");
	if (!m)
		return 0;
	sdp_fmt *x = find_fmt(m, f);
	if (x && !x->fmtp.p) {
		ou_slice params = rest_of(v, pos);
		x->fmtp = params.p ? params : ou_slice_make(v.p + v.n, 0);
	}
	return 0;
}

/* a=ptime:20 (some endpoints write 20.0: the fraction is dropped) */
static int attr_time(ou_slice v, uint32_t *out, const char **why)
{
	ou_slice whole = v;
	const char *dot = v.n ? memchr(v.p, '.', v.n) : NULL;
	if (dot) {
		whole = ou_slice_make(v.p, (size_t)(dot - v.p));
		ou_slice frac = ou_slice_make(dot + 1, v.n - whole.n - 1);
		if (frac.n && !all_class(frac, OU_C_DIGIT))
			BAD("bad a=ptime");
	}
	if (ou_slice_u32(whole, out))
		BAD("bad a=ptime");
	return 0;
}

/* a=rtcp:<port> [nettype addrtype address] (RFC 3605) */
static int attr_rtcp(ou_slice v, sdp_media *m, const char **why)
{
	size_t pos = 0;
	ou_slice port;
	uint16_t p;
	if (!next_field(v, &pos, &port) || port_parse(port, &p))
		BAD("bad a=rtcp");
	sdp_conn c = {0};
	if (pos < v.n && rest_of(v, pos).n) {
		if (conn_fields(v, &pos, &c, false, why))
			BAD("bad a=rtcp address");
	}
	if (m) {
		m->rtcp_port = p;
		m->rtcp_addr = c.present ? c.addr : OU_SLICE_NULL;
	}
	return 0;
}

static int set_dir(sdp_dir *slot, sdp_dir d, const char **why)
{
	if (*slot != SDP_DIR_UNSET && *slot != d)
		BAD("conflicting direction attributes");
	*slot = d;
	return 0;
}

static int parse_attr(ou_slice v, sdp_session *s, sdp_media *m, const char **why)
{
	const char *colon = v.n ? memchr(v.p, ':', v.n) : NULL;
	ou_slice name = colon ? ou_slice_make(v.p, (size_t)(colon - v.p)) : v;
	ou_slice value = colon ? ou_slice_make(colon + 1, v.n - name.n - 1) : OU_SLICE_NULL;
	sdp_dir *dir = m ? &m->dir : &s->dir;

	if (!all_class(name, OU_C_TOKEN))
		BAD("bad attribute name");
	/* Attribute names are case-sensitive (RFC 8866 5.13) */
	switch (name.n) {
	case 4:
		if (ou_slice_eq_cstr(name, "fmtp"))
			return colon ? attr_fmtp(value, m, why) : 0;
		if (ou_slice_eq_cstr(name, "rtcp"))
			return colon ? attr_rtcp(value, m, why) : 0;
		break;
	case 5:
		if (ou_slice_eq_cstr(name, "ptime")) {
			uint32_t t;
			if (attr_time(value, &t, why))
				return OPENUM_EBADMSG;
			if (m)
				m->ptime = t;
			return 0;
		}
		break;
	case 6:
		if (ou_slice_eq_cstr(name, "rtpmap"))
			return attr_rtpmap(value, m, why);
		break;
	case 8:
		if (ou_slice_eq_cstr(name, "sendrecv"))
			return set_dir(dir, SDP_SENDRECV, why);
		if (ou_slice_eq_cstr(name, "sendonly"))
			return set_dir(dir, SDP_SENDONLY, why);
		if (ou_slice_eq_cstr(name, "recvonly"))
			return set_dir(dir, SDP_RECVONLY, why);
		if (ou_slice_eq_cstr(name, "inactive"))
			return set_dir(dir, SDP_INACTIVE, why);
		if (ou_slice_eq_cstr(name, "maxptime")) {
			uint32_t t;
			if (attr_time(value, &t, why))
				return OPENUM_EBADMSG;
			if (m)
				m->maxptime = t;
			return 0;
		}
		break;
	}
	return 0; /* unknown attributes are ignored (RFC 8866 5.13) */
}

static void media_init(sdp_media *m)
{
	memset(m, 0, offsetof(sdp_media, fmt));
	m->dir = SDP_DIR_UNSET;
	m->rtcp_port = -1;
}

int sdp_parse(ou_slice body, sdp_session *s, const char **why)
{
	size_t i = 0;
	bool seen_v = false, seen_o = false, seen_s = false, seen_t = false;
	sdp_media *m = NULL;

	memset(s, 0, offsetof(sdp_session, media));
	s->dir = SDP_DIR_UNSET;
	if (body.n == 0)
		BAD("empty body");

	while (i < body.n) {
		const char *nl = memchr(body.p + i, '\n', body.n - i);
		size_t end = nl ? (size_t)(nl - body.p) : body.n;
		ou_slice line = ou_slice_make(body.p + i, end - i);
		i = nl ? end + 1 : body.n;
		if (line.n && line.p[line.n - 1] == '\r')
			line.n--;
		if (line.n == 0)
			continue; /* stray blank lines (often a trailing CRLF) carry nothing */
		for (size_t k = 0; k < line.n; k++)
			if (line.p[k] == '\0' || line.p[k] == '\r')
				BAD("NUL or CR inside a line");
		if (line.n < 2 || line.p[1] != '=' || line.p[0] < 'a' || line.p[0] > 'z')
			BAD("line is not <letter>=<value>");
		char type = line.p[0];
		ou_slice v = ou_slice_make(line.p + 2, line.n - 2);
		if (!seen_v) {
			if (type != 'v' || !ou_slice_eq_cstr(ou_slice_trim(v), "0"))
				BAD("does not start with v=0");
			seen_v = true;
			continue;
		}
		int err = 0;
		switch (type) {
		case 'v': BAD("repeated v= line");
		case 'o':
			if (seen_o || m)
				BAD("misplaced o= line");
			seen_o = true;
			err = parse_origin(v, s, why);
			break;
		case 's':
			if (seen_s || m)
				BAD("misplaced s= line");
			seen_s = true;
			s->name = v;
			break;
		case 'c': err = parse_conn(v, m ? &m->conn : &s->conn, why); break;
		case 't':
			if (m)
				BAD("t= line inside a media section");
			/* Several t= lines are legal; the first one is kept. */
			if (!seen_t)
				err = parse_time(v, s, why);
			seen_t = true;
			break;
		case 'm':
			if (!seen_o || !seen_s)
				BAD("m= line before o= and s=");
			if (s->nmedia == SDP_MAX_MEDIA)
				TOOBIG("too many m= lines");
			m = &s->media[s->nmedia++];
			media_init(m);
			err = parse_media(v, m, why);
			break;
		case 'a': err = parse_attr(v, s, m, why); break;
		default: break; /* i= u= e= p= b= r= z= k= and unknown types carry nothing we use */
		}
		if (err)
			return err;
	}
	if (!seen_o)
		BAD("missing o= line");
	if (!seen_s)
		BAD("missing s= line");
	for (unsigned k = 0; k < s->nmedia; k++)
		if (s->media[k].port && !s->media[k].conn.present && !s->conn.present)
			BAD("missing c= line");
	return 0;
}

sdp_dir sdp_media_dir(const sdp_session *s, unsigned i)
{
	if (i < s->nmedia && s->media[i].dir != SDP_DIR_UNSET)
		return s->media[i].dir;
	return s->dir != SDP_DIR_UNSET ? s->dir : SDP_SENDRECV;
}

const sdp_conn *sdp_media_conn(const sdp_session *s, unsigned i)
{
	if (i < s->nmedia && s->media[i].conn.present)
		return &s->media[i].conn;
	return &s->conn;
}

/* ---- offer/answer ---------------------------------------------------------------- */

static const uint8_t default_codecs[] = {SDP_PT_PCMU, SDP_PT_PCMA};

static void local_codecs(const sdp_local *l, const uint8_t **list, unsigned *n)
{
	if (l->ncodecs == 0 || l->ncodecs > SDP_MAX_LOCAL_CODECS) {
		*list = default_codecs;
		*n = sizeof(default_codecs);
	} else {
		*list = l->codecs;
		*n = l->ncodecs;
	}
}

static bool local_has(const sdp_local *l, uint8_t codec)
{
	const uint8_t *list;
	unsigned n;
	local_codecs(l, &list, &n);
	for (unsigned i = 0; i < n; i++)
		if (list[i] == codec)
			return true;
	return false;
}

/* Which G.711 law a format is: by its rtpmap when it has one (a static type may be
 * remapped, a dynamic one must be named), else by the static table (RFC 3551). */
static int fmt_codec(const sdp_fmt *f)
{
	if (f->pt < 0)
		return -1;
	if (f->enc.p) {
		if (f->clock != 8000 || f->channels > 1)
			return -1;
		if (ou_slice_caseeq_cstr(f->enc, "PCMU"))
			return SDP_PT_PCMU;
		if (ou_slice_caseeq_cstr(f->enc, "PCMA"))
			return SDP_PT_PCMA;
		return -1;
	}
	if (f->pt == SDP_PT_PCMU || f->pt == SDP_PT_PCMA)
		return f->pt;
	return -1;
}

static bool fmt_is_te(const sdp_fmt *f)
{
	return f->pt >= 0 && f->enc.p && f->clock == 8000 &&
	       ou_slice_caseeq_cstr(f->enc, "telephone-event");
}

static bool proto_ok(ou_slice proto)
{
	return ou_slice_caseeq_cstr(proto, "RTP/AVP");
}

static bool addr_is_ipv6(ou_slice a)
{
	return a.n && memchr(a.p, ':', a.n) != NULL;
}

static bool local_ok(const sdp_local *l)
{
	return l->port != 0 && is_addr(l->addr, addr_is_ipv6(l->addr)) &&
	       (unsigned)l->dir <= SDP_SENDRECV && l->te_pt <= 127;
}

/* ---- RFC 4733 event lists: "0-15,66,70" as a 256-bit set -------------------- */

typedef struct evset {
	uint8_t bits[32];
} evset;

static int evset_parse(ou_slice s, evset *e)
{
	size_t i = 0;
	memset(e, 0, sizeof(*e));
	s = ou_slice_trim(s);
	if (s.n == 0)
		return OPENUM_EBADMSG;
	for (;;) {
		const char *comma = memchr(s.p + i, ',', s.n - i);
		size_t end = comma ? (size_t)(comma - s.p) : s.n;
		ou_slice item = ou_slice_trim(ou_slice_make(s.p + i, end - i));
		const char *dash = item.n ? memchr(item.p, '-', item.n) : NULL;
		uint32_t a, b;
		if (dash) {
			size_t left = (size_t)(dash - item.p);
			if (ou_slice_u32(ou_slice_make(item.p, left), &a) ||
			    ou_slice_u32(ou_slice_make(dash + 1, item.n - left - 1), &b))
				return OPENUM_EBADMSG;
		} else {
			if (ou_slice_u32(item, &a))
				return OPENUM_EBADMSG;
			b = a;
		}
		if (a > b || b > 255)
			return OPENUM_EBADMSG;
		for (uint32_t k = a; k <= b; k++)
			e->bits[k >> 3] |= (uint8_t)(1u << (k & 7));
		if (!comma)
			return 0;
		i = end + 1;
	}
}

static bool evset_has(const evset *e, unsigned k)
{
	return (e->bits[k >> 3] >> (k & 7)) & 1;
}

/* Prints the set as ranges; returns false when it is empty. */
static bool evset_print(const evset *e, ou_buf *b)
{
	bool first = true;
	for (unsigned k = 0; k < 256; k++) {
		if (!evset_has(e, k))
			continue;
		unsigned j = k;
		while (j + 1 < 256 && evset_has(e, j + 1))
			j++;
		if (j == k)
			ou_buf_printf(b, "%s%u", first ? "" : ",", k);
		else
			ou_buf_printf(b, "%s%u-%u", first ? "" : ",", k, j);
		first = false;
		k = j;
	}
	return !first;
}

static const char *local_events(const sdp_local *l)
{
	return l->te_events ? l->te_events : SDP_TE_EVENTS_DEFAULT;
}

/* The events we answer with: what both sides know. A peer that sends no fmtp means
 * 0-15 (RFC 4733 7.1.1); a list we cannot read, or no overlap, falls back to ours. */
static void print_te_fmtp(const sdp_local *l, const sdp_fmt *offered, ou_buf *b)
{
	evset ours, theirs;
	if (evset_parse(ou_slice_cstr(local_events(l)), &ours) == 0) {
		ou_slice t = offered->fmtp.p ? offered->fmtp : OU_SLICE_LIT("0-15");
		if (evset_parse(t, &theirs) == 0) {
			for (unsigned k = 0; k < sizeof(ours.bits); k++)
				ours.bits[k] &= theirs.bits[k];
			size_t len0 = b->len;
			if (evset_print(&ours, b))
				return;
			b->len = len0;
		}
	}
	ou_buf_append_cstr(b, local_events(l));
}

/* An allocation failed half way: no half description stays in the buffer. */
static int undo(ou_buf *b, size_t len0)
{
	if (b->data && b->len > len0) {
		b->len = len0;
		b->data[len0] = '\0';
	}
	return OPENUM_ENOMEM;
}

static void print_head(const sdp_local *l, ou_buf *b)
{
	const char *at = addr_is_ipv6(l->addr) ? "IP6" : "IP4";
	int an = (int)l->addr.n;
	ou_buf_printf(b, "v=0\r\no=- %llu %llu IN %s %.*s\r\ns=openum\r\nc=IN %s %.*s\r\nt=0 0\r\n",
	              (unsigned long long)l->sess_id, (unsigned long long)l->sess_version, at, an,
	              l->addr.p, at, an, l->addr.p);
}

static const char *codec_name(uint8_t codec)
{
	return codec == SDP_PT_PCMA ? "PCMA" : "PCMU";
}

static uint32_t local_ptime(const sdp_local *l)
{
	return l->ptime ? l->ptime : SDP_PTIME_DEFAULT;
}

int sdp_offer(const sdp_local *l, ou_buf *b)
{
	const uint8_t *list;
	unsigned n;
	size_t len0 = b->len;

	if (!local_ok(l))
		return OPENUM_EINVAL;
	local_codecs(l, &list, &n);
	for (unsigned i = 0; i < n; i++)
		if (list[i] != SDP_PT_PCMU && list[i] != SDP_PT_PCMA)
			return OPENUM_EINVAL;
	print_head(l, b);
	ou_buf_printf(b, "m=audio %u RTP/AVP", l->port);
	for (unsigned i = 0; i < n; i++)
		ou_buf_printf(b, " %u", list[i]);
	if (l->te_pt >= 0)
		ou_buf_printf(b, " %d", l->te_pt);
	ou_buf_append_cstr(b, "\r\n");
	for (unsigned i = 0; i < n; i++)
		ou_buf_printf(b, "a=rtpmap:%u %s/8000\r\n", list[i], codec_name(list[i]));
	if (l->te_pt >= 0)
		ou_buf_printf(b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d %s\r\n", l->te_pt,
		              l->te_pt, local_events(l));
	ou_buf_printf(b, "a=ptime:%u\r\na=%s\r\n", local_ptime(l), sdp_dir_name(l->dir));
	if (b->failed)
		return undo(b, len0);
	return 0;
}

/* The direction an SDP's author declares for stream i; RFC 2543 hold (c=0.0.0.0)
 * means the author will not receive (RFC 3264 8.4). */
static sdp_dir remote_dir(const sdp_session *s, unsigned i)
{
	sdp_dir d = sdp_media_dir(s, i);
	const sdp_conn *c = sdp_media_conn(s, i);
	if (!c->ipv6 && ou_slice_eq_cstr(c->addr, "0.0.0.0"))
		d = (sdp_dir)(d & ~SDP_RECVONLY);
	return d;
}

static void fill_nego(const sdp_session *s, unsigned i, const sdp_fmt *codec, int16_t te,
                      const sdp_local *l, sdp_nego *n)
{
	const sdp_media *m = &s->media[i];
	const sdp_conn *c = sdp_media_conn(s, i);

	memset(n, 0, sizeof(*n));
	n->media = i;
	n->pt = (uint8_t)codec->pt;
	n->codec = (uint8_t)fmt_codec(codec);
	n->te_pt = te;
	n->remote_dir = remote_dir(s, i);
	/* Answering, our direction mirrors theirs within what we want; reading an
	 * answer, theirs already mirrored ours, so the same intersection holds. */
	n->dir = (sdp_dir)(sdp_dir_mirror(n->remote_dir) & l->dir);
	n->remote = *c;
	n->remote_port = m->port;
	n->remote_rtcp_port = m->rtcp_port >= 0 ? (uint16_t)m->rtcp_port
	                      : m->port < 65535 ? (uint16_t)(m->port + 1)
	                                        : 0;
	n->remote_ptime = m->ptime;
}

/* The first format of stream i that we can use, in the author's order. */
static const sdp_fmt *pick_codec(const sdp_media *m, const sdp_local *l)
{
	for (unsigned k = 0; k < m->nfmt; k++) {
		int c = fmt_codec(&m->fmt[k]);
		if (c >= 0 && local_has(l, (uint8_t)c))
			return &m->fmt[k];
	}
	return NULL;
}

static const sdp_fmt *pick_te(const sdp_media *m, const sdp_local *l)
{
	if (l->te_pt < 0)
		return NULL;
	for (unsigned k = 0; k < m->nfmt; k++)
		if (fmt_is_te(&m->fmt[k]))
			return &m->fmt[k];
	return NULL;
}

static bool usable_audio(const sdp_media *m)
{
	return m->port != 0 && ou_slice_caseeq_cstr(m->media, "audio") && proto_ok(m->proto);
}

int sdp_answer(const sdp_session *offer, const sdp_local *l, ou_buf *b, sdp_nego *nego,
               const char **why)
{
	int accepted = -1;
	const sdp_fmt *codec = NULL, *te = NULL;
	bool saw_audio = false;

	if (!local_ok(l))
		return OPENUM_EINVAL;
	for (unsigned i = 0; i < offer->nmedia && accepted < 0; i++) {
		const sdp_media *m = &offer->media[i];
		if (!usable_audio(m))
			continue;
		saw_audio = true;
		codec = pick_codec(m, l);
		if (codec) {
			accepted = (int)i;
			te = pick_te(m, l);
		}
	}
	if (accepted < 0) {
		if (why)
			*why = saw_audio ? "No common codec" : "No acceptable audio stream";
		return OPENUM_ENOTFOUND;
	}

	size_t len0 = b->len;
	print_head(l, b);
	for (unsigned i = 0; i < offer->nmedia; i++) {
		const sdp_media *m = &offer->media[i];
		if ((int)i != accepted) {
			/* RFC 3264 6: a rejected stream keeps its line, with port zero. */
			ou_buf_printf(b, "m=%.*s 0 %.*s %.*s\r\n", (int)m->media.n, m->media.p,
			              (int)m->proto.n, m->proto.p, (int)m->fmt[0].fmt.n,
			              m->fmt[0].fmt.p);
			continue;
		}
		ou_buf_printf(b, "m=audio %u %.*s %d", l->port, (int)m->proto.n, m->proto.p,
		              codec->pt);
		if (te)
			ou_buf_printf(b, " %d", te->pt);
		ou_buf_printf(b, "\r\na=rtpmap:%d %s/8000\r\n", codec->pt,
		              codec_name((uint8_t)fmt_codec(codec)));
		if (te) {
			ou_buf_printf(b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d ", te->pt,
			              te->pt);
			print_te_fmtp(l, te, b);
			ou_buf_append_cstr(b, "\r\n");
		}
		sdp_dir d = (sdp_dir)(sdp_dir_mirror(remote_dir(offer, i)) & l->dir);
		ou_buf_printf(b, "a=ptime:%u\r\na=%s\r\n", local_ptime(l), sdp_dir_name(d));
	}
	if (b->failed)
		return undo(b, len0);
	if (nego)
		fill_nego(offer, (unsigned)accepted, codec, te ? te->pt : -1, l, nego);
	return 0;
}

int sdp_answer_read(const sdp_session *answer, const sdp_local *l, sdp_nego *nego, const char **why)
{
	bool saw_audio = false;
	for (unsigned i = 0; i < answer->nmedia; i++) {
		const sdp_media *m = &answer->media[i];
		if (!usable_audio(m))
			continue;
		saw_audio = true;
		const sdp_fmt *codec = pick_codec(m, l);
		if (!codec)
			continue;
		const sdp_fmt *te = pick_te(m, l);
		fill_nego(answer, i, codec, te ? te->pt : -1, l, nego);
		return 0;
	}
	if (why)
		*why = saw_audio ? "No common codec" : "Audio stream rejected";
	return OPENUM_ENOTFOUND;
}
