/* media: private helpers shared by the packet code (big-endian field access and the
 * error-with-reason return). Not part of the contract. */
#ifndef OPENUM_MEDIA_INT_H
#define OPENUM_MEDIA_INT_H

#include <stdint.h>

#include "../base/base.h"

static inline uint16_t media_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t media_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void media_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void media_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Sets *why (when asked for) and returns err. */
/* 32 random bits (getrandom, else a hash of the monotonic clock): SSRCs, first sequence
 * numbers and timestamps, the first RTP port tried. Not for secrets. session.c. */
uint32_t media_random32(void);

static inline int media_fail(const char **why, const char *reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

#endif
