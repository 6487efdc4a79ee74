/* Growable byte buffers for printers and stream input. The buffer is always
 * NUL-terminated after len bytes when data != NULL, so it can be logged. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

void ou_buf_init(ou_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void ou_buf_free(ou_buf *b)
{
	free(b->data);
	ou_buf_init(b);
}

void ou_buf_reset(ou_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

int ou_buf_reserve(ou_buf *b, size_t extra)
{
	if (b->failed)
		return OPENUM_ENOMEM;
	if (extra > SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return OPENUM_ENOMEM;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return OPENUM_ENOMEM;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int ou_buf_append(ou_buf *b, const void *p, size_t n)
{
	int err = ou_buf_reserve(b, n);
	if (err)
		return err;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int ou_buf_append_slice(ou_buf *b, ou_slice s)
{
	return ou_buf_append(b, s.p, s.n);
}

int ou_buf_append_cstr(ou_buf *b, const char *s)
{
	return ou_buf_append(b, s, strlen(s));
}

int ou_buf_printf(ou_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char small[256];
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return OPENUM_EINVAL;
	if ((size_t)n < sizeof(small))
		return ou_buf_append(b, small, (size_t)n);
	int err = ou_buf_reserve(b, (size_t)n);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void ou_buf_consume(ou_buf *b, size_t n)
{
	if (n >= b->len) {
		ou_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}
