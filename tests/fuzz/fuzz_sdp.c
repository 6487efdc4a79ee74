/* libFuzzer harness for src/sip/sdp.c: sdp_parse on arbitrary bytes, then offer/answer
 * on what parses. Asserts that every slice lies inside the input, that errors carry a
 * reason, and that each answer we print parses again with one m= line per offer line
 * and exactly one accepted stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip.h"
#include "fuzz_util.h"

static const char *lo, *hi;
static sdp_session offer, back;

static void inside(ou_slice s)
{
	if (s.n && (s.p < lo || s.p + s.n > hi))
		abort();
}

static void conn_inside(const sdp_conn *c)
{
	if (c->present && c->addr.n == 0)
		abort();
	inside(c->addr);
}

static void check_session(const sdp_session *s)
{
	if (s->nmedia > SDP_MAX_MEDIA)
		abort();
	inside(s->origin_user);
	inside(s->name);
	conn_inside(&s->origin);
	conn_inside(&s->conn);
	for (unsigned i = 0; i < s->nmedia; i++) {
		const sdp_media *m = &s->media[i];
		if (m->nfmt == 0 || m->nfmt > SDP_MAX_FMTS)
			abort();
		inside(m->media);
		inside(m->proto);
		inside(m->rtcp_addr);
		conn_inside(&m->conn);
		if (m->port && !sdp_media_conn(s, i)->present)
			abort(); /* the parser promised a c= for every live stream */
		if (sdp_media_dir(s, i) > SDP_SENDRECV)
			abort();
		for (unsigned k = 0; k < m->nfmt; k++) {
			const sdp_fmt *f = &m->fmt[k];
			if (f->fmt.n == 0 || f->pt > 127)
				abort();
			inside(f->fmt);
			inside(f->enc);
			inside(f->fmtp);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	if (!buf)
		return 0;
	lo = buf;
	hi = buf + size;
	const char *why = NULL;
	int err = sdp_parse(ou_slice_make(buf, size), &offer, &why);
	if (err) {
		if (!why || (err != OPENUM_EBADMSG && err != OPENUM_ETOOBIG))
			abort();
		free(buf);
		return 0;
	}
	check_session(&offer);

	/* Answer as openum would, with a local direction taken from the input. */
	sdp_local l = {.addr = OU_SLICE_LIT("192.0.2.1"),
	               .port = 4000,
	               .sess_id = 1,
	               .sess_version = 1,
	               .dir = (sdp_dir)(size & 3),
	               .te_pt = 101};
	sdp_nego n;
	ou_buf b;
	ou_buf_init(&b);
	why = NULL;
	err = sdp_answer(&offer, &l, &b, &n, &why);
	if (err) {
		if (err != OPENUM_ENOTFOUND || !why || b.len)
			abort();
	} else {
		if (n.media >= offer.nmedia || (n.dir & ~l.dir))
			abort();
		inside(n.remote.addr);
		if (sdp_parse(ou_slice_make(b.data, b.len), &back, &why) != 0)
			abort(); /* we must be able to read our own answer */
		if (back.nmedia != offer.nmedia)
			abort();
		unsigned live = 0;
		for (unsigned i = 0; i < back.nmedia; i++)
			if (back.media[i].port)
				live++;
		if (live != 1 || back.media[n.media].port != l.port)
			abort();
		/* and the offerer reading our answer finds the same codec */
		sdp_nego r;
		if (sdp_answer_read(&back, &l, &r, NULL) != 0 || r.codec != n.codec)
			abort();
	}
	sdp_answer_read(&offer, &l, &n, NULL);
	ou_buf_free(&b);
	free(buf);
	return 0;
}
