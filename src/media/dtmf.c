/* DTMF: RFC 4733 telephone-event payloads, the sender that turns a digit into a series
 * of event packets, the receiver that turns packets back into one digit per event, and
 * SIP INFO application/dtmf-relay bodies. */
#include <stdio.h>
#include <string.h>

#include "media.h"
#include "media_int.h"

#define DTMF_MIN_MS 40
#define DTMF_MAX_MS 8000 /* longer than anyone presses a key; keeps duration in 16 bits */
#define DTMF_END_REPEATS 3

static const char event_chars[17] = "0123456789*#ABCD!";

int dtmf_event_parse(const uint8_t *p, size_t n, dtmf_event *ev, const char **why)
{
	if (n < 4)
		return media_fail(why, "telephone-event: payload shorter than 4 bytes",
		                  OPENUM_EBADMSG);
	ev->event = p[0];
	ev->end = p[1] & 0x80;
	/* bit 6 is reserved: ignored on receipt */
	ev->volume = p[1] & 0x3F;
	ev->duration = (uint16_t)(p[2] << 8 | p[3]);
	return 0;
}

void dtmf_event_build(const dtmf_event *ev, uint8_t out[4])
{
	out[0] = ev->event;
	out[1] = (uint8_t)((ev->end ? 0x80 : 0) | (ev->volume & 0x3F));
	out[2] = (uint8_t)(ev->duration >> 8);
	out[3] = (uint8_t)ev->duration;
}

char dtmf_event_char(uint8_t event)
{
	return event < sizeof(event_chars) ? event_chars[event] : 0;
}

int dtmf_char_event(char c)
{
	if (c >= 'a' && c <= 'd')
		c = (char)(c - 'a' + 'A');
	if (!c)
		return -1;
	const char *hit = memchr(event_chars, c, sizeof(event_chars));
	return hit ? (int)(hit - event_chars) : -1;
}

int dtmf_sender_start(dtmf_sender *s, char digit, unsigned ms, uint32_t ts)
{
	int ev = dtmf_char_event(digit);
	if (ev < 0)
		return OPENUM_EINVAL;
	if (ms < DTMF_MIN_MS)
		ms = DTMF_MIN_MS;
	if (ms > DTMF_MAX_MS)
		ms = DTMF_MAX_MS;
	memset(s, 0, sizeof(*s));
	s->active = true;
	s->event = (uint8_t)ev;
	s->volume = 10; /* -10 dBm0, a usual key press level */
	s->ts = ts;
	s->total = ms * (MEDIA_RATE / 1000);
	s->ends_left = DTMF_END_REPEATS;
	s->first = true;
	return 0;
}

bool dtmf_sender_next(dtmf_sender *s, uint8_t payload[4], bool *marker, uint32_t *ts)
{
	if (!s->active)
		return false;
	dtmf_event ev = {.event = s->event, .volume = s->volume};
	if (s->sent < s->total) {
		s->sent += MEDIA_FRAME;
		if (s->sent > s->total)
			s->sent = s->total;
	}
	ev.duration = (uint16_t)s->sent;
	if (s->sent == s->total) {
		/* the final duration goes out with E set, three times: losing one is common */
		ev.end = true;
		if (--s->ends_left == 0)
			s->active = false;
	}
	*marker = s->first;
	s->first = false;
	*ts = s->ts;
	dtmf_event_build(&ev, payload);
	return true;
}

static bool seen(const dtmf_receiver *r, uint32_t ts)
{
	unsigned n = r->n < DTMF_RX_HISTORY ? r->n : DTMF_RX_HISTORY;
	/* cppcheck-suppress knownConditionTrueFalse ; false positive: r->n counts up from 0 */
	for (unsigned i = 0; i < n; i++)
		if (r->seen[i] == ts)
			return true;
	return false;
}

bool dtmf_receiver_feed(dtmf_receiver *r, uint32_t ts, bool marker, const dtmf_event *ev,
                        char *digit)
{
	char c = dtmf_event_char(ev->event);
	if (seen(r, ts)) {
		if (r->have_last && ts == r->last_ts) {
			r->last_ended |= ev->end;
			if (ev->duration > r->last_dur)
				r->last_dur = ev->duration;
		}
		return false; /* an update or a retransmitted end of a digit already reported */
	}
	/* RFC 4733 2.5.1.3: an event longer than the 16-bit duration goes on in a new
	 * segment with a new timestamp and no marker; it is the same key press */
	bool continuation = r->have_last && !marker && !r->last_ended &&
	                    ev->event == r->last_event &&
	                    ts - r->last_ts <= r->last_dur + 2 * MEDIA_FRAME;
	r->seen[r->n % DTMF_RX_HISTORY] = ts;
	r->n++;
	r->have_last = true;
	r->last_ts = ts;
	r->last_event = ev->event;
	r->last_ended = ev->end;
	r->last_dur = ev->duration;
	if (continuation || !c)
		return false;
	*digit = c;
	return true;
}

int dtmf_info_parse(ou_slice body, char *digit, unsigned *duration_ms, const char **why)
{
	bool have_sig = false;
	unsigned dur = DTMF_INFO_DEFAULT_MS;
	size_t i = 0;
	while (i < body.n) {
		size_t start = i;
		while (i < body.n && body.p[i] != '\n')
			i++;
		ou_slice line = ou_slice_trim(ou_slice_make(body.p + start, i - start));
		if (i < body.n)
			i++; /* the LF */
		if (!line.n)
			continue;
		const char *eq = memchr(line.p, '=', line.n);
		if (!eq)
			return media_fail(why, "dtmf-relay: line without '='", OPENUM_EBADMSG);
		ou_slice name = ou_slice_trim(ou_slice_make(line.p, (size_t)(eq - line.p)));
		ou_slice val =
		    ou_slice_trim(ou_slice_make(eq + 1, line.n - (size_t)(eq + 1 - line.p)));
		if (ou_slice_caseeq_cstr(name, "Signal")) {
			if (have_sig)
				return media_fail(why, "dtmf-relay: Signal given twice",
				                  OPENUM_EBADMSG);
			int ev = -1;
			if (val.n == 1)
				ev = dtmf_char_event(val.p[0]);
			else if (ou_slice_eq_cstr(val, "10"))
				ev = 10;
			else if (ou_slice_eq_cstr(val, "11"))
				ev = 11;
			if (ev < 0 || ev > 15)
				return media_fail(why, "dtmf-relay: bad Signal", OPENUM_EBADMSG);
			*digit = dtmf_event_char((uint8_t)ev);
			have_sig = true;
		} else if (ou_slice_caseeq_cstr(name, "Duration")) {
			uint32_t d;
			if (val.n > 9 || ou_slice_u32(val, &d) != 0 || d == 0 || d > 60000)
				return media_fail(why, "dtmf-relay: bad Duration", OPENUM_EBADMSG);
			dur = d;
		}
		/* other names (e.g. Volume) are allowed and ignored */
	}
	if (!have_sig)
		return media_fail(why, "dtmf-relay: no Signal", OPENUM_EBADMSG);
	*duration_ms = dur;
	return 0;
}

int dtmf_info_build(char digit, unsigned duration_ms, char *out, size_t cap, size_t *len)
{
	int ev = dtmf_char_event(digit);
	if (ev < 0 || ev > 15)
		return OPENUM_EINVAL;
	int n = snprintf(out, cap, "Signal=%c\r\nDuration=%u\r\n", dtmf_event_char((uint8_t)ev),
	                 duration_ms);
	if (n < 0 || (size_t)n >= cap)
		return OPENUM_ETOOBIG;
	*len = (size_t)n;
	return 0;
}
