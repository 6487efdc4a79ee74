/* A small jitter buffer for recording: packets are put by sequence number into a ring
 * of MEDIA_JB_SLOTS and taken out in order. Output time follows RTP timestamps, so a
 * gap in timestamps (loss, silence suppression, DTMF in place of audio) comes out as
 * silence and a wild jump resynchronises instead of producing minutes of silence. */
#include <string.h>

#include "media.h"

#define JB_MASK (MEDIA_JB_SLOTS - 1)
#define JB_MAX_MISORDER 100 /* further behind than this is a restarted stream, not a late one */

_Static_assert((MEDIA_JB_SLOTS & JB_MASK) == 0, "MEDIA_JB_SLOTS must be a power of two");

void media_jb_init(media_jb *jb, unsigned depth)
{
	memset(jb, 0, sizeof(*jb));
	if (depth == 0)
		depth = MEDIA_JB_DEPTH_DEFAULT;
	if (depth > MEDIA_JB_SLOTS - 1)
		depth = MEDIA_JB_SLOTS - 1;
	jb->depth = depth;
}

void media_jb_restart(media_jb *jb)
{
	for (unsigned i = 0; i < MEDIA_JB_SLOTS; i++)
		jb->slot[i].full = false;
	jb->count = 0;
	jb->started = false;
}

media_jb_verdict media_jb_put(media_jb *jb, uint16_t seq, uint32_t ts, const uint8_t *p, size_t n)
{
	if (!jb->started) {
		jb->started = true;
		jb->next_seq = seq;
	}
	int16_t d = (int16_t)(uint16_t)(seq - jb->next_seq);
	if (d < 0) {
		if (d >= -JB_MAX_MISORDER) {
			jb->late++;
			return MEDIA_JB_LATE;
		}
		jb->jumps++;
		return MEDIA_JB_JUMP;
	}
	if (d >= MEDIA_JB_SLOTS) {
		jb->jumps++;
		return MEDIA_JB_JUMP;
	}
	/* slots from next_seq on map one to one, so a full slot holds this very seq */
	unsigned i = seq & JB_MASK;
	if (jb->slot[i].full) {
		jb->dups++;
		return MEDIA_JB_DUP;
	}
	if (n > MEDIA_JB_MAX_PAYLOAD)
		n = MEDIA_JB_MAX_PAYLOAD;
	jb->slot[i].full = true;
	jb->slot[i].seq = seq;
	jb->slot[i].ts = ts;
	jb->slot[i].n = (uint16_t)n;
	if (n)
		memcpy(jb->slot[i].data, p, n);
	if (jb->count++ == 0 || (int16_t)(uint16_t)(seq - jb->top) > 0)
		jb->top = seq;
	return MEDIA_JB_OK;
}

static void silence(media_jb *jb, media_jb_frame *f)
{
	size_t n = jb->pending_silence < MEDIA_FRAME ? jb->pending_silence : MEDIA_FRAME;
	jb->pending_silence -= (uint32_t)n;
	jb->out_ts += (uint32_t)n;
	jb->silence_samples += n;
	f->data = NULL;
	f->n = n;
}

int media_jb_pop(media_jb *jb, bool flush, media_jb_frame *f)
{
	if (jb->pending_silence) {
		silence(jb, f);
		return 0;
	}
	while (jb->count) {
		unsigned i = jb->next_seq & JB_MASK;
		if (!jb->slot[i].full) {
			/* wait for it until depth packets have overtaken it */
			if (!flush && (uint16_t)(jb->top - jb->next_seq) < jb->depth)
				return OPENUM_EAGAIN;
			/* the silence it leaves comes from the next packet's timestamp */
			jb->lost++;
			jb->next_seq++;
			continue;
		}
		if (jb->slot[i].n == 0) {
			jb->slot[i].full = false;
			jb->count--;
			jb->next_seq++;
			continue;
		}
		uint32_t ts = jb->slot[i].ts;
		if (!jb->have_out) {
			jb->have_out = true;
			jb->out_ts = ts;
		}
		int32_t gap = (int32_t)(ts - jb->out_ts);
		if (gap > MEDIA_JB_MAX_GAP || gap < -MEDIA_JB_MAX_GAP) {
			jb->resyncs++; /* out_ts restarts from this packet, below */
		} else if (gap > 0) {
			/* the packet stays in its slot until the silence before it is out */
			jb->pending_silence = (uint32_t)gap;
			silence(jb, f);
			return 0;
		}
		/* a small overlap (gap < 0) is played as is: dropping audio is worse */
		jb->slot[i].full = false;
		jb->count--;
		jb->next_seq++;
		jb->out_ts = ts + jb->slot[i].n;
		f->data = jb->slot[i].data;
		f->n = jb->slot[i].n;
		return 0;
	}
	return OPENUM_EAGAIN;
}
