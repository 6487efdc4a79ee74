/* base: the lowest layer of openum. String slices that point into a buffer someone
 * else owns, growable byte buffers, error codes, and the character classes every
 * parser shares, and the log line writer. No I/O except ou_log (one line to standard
 * error), no allocation except in ou_buf.
 *
 * Ownership: an ou_slice never owns its bytes; it is valid as long as the buffer it
 * points into. An ou_buf owns its bytes; ou_buf_free() releases them. */
#ifndef OPENUM_BASE_H
#define OPENUM_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPENUM_VERSION "0.1.0"

/* Error codes: functions return 0 on success or one of these (negative). */
enum {
	OPENUM_OK = 0,
	OPENUM_EAGAIN = -1,    /* incomplete input: need more bytes */
	OPENUM_EBADMSG = -2,   /* malformed input */
	OPENUM_ETOOBIG = -3,   /* a named limit was exceeded */
	OPENUM_ENOMEM = -4,    /* allocation failed */
	OPENUM_ENOTFOUND = -5, /* the thing asked for is absent */
	OPENUM_EINVAL = -6,    /* caller passed something invalid */
	OPENUM_EDUP = -7,      /* a header that must appear once appeared again */
	OPENUM_EIO = -8,       /* an operating-system call failed */
};

/* A short English name for an error code ("malformed", "too big", ...). */
const char *ou_strerror(int err);

/* A pointer and a length into a buffer owned elsewhere. p may be NULL when n == 0. */
typedef struct ou_slice {
	const char *p;
	size_t n;
} ou_slice;

#define OU_SLICE_NULL ((ou_slice){NULL, 0})
#define OU_SLICE_LIT(s) ((ou_slice){(s), sizeof(s) - 1})

static inline ou_slice ou_slice_make(const char *p, size_t n)
{
	ou_slice s = {p, n};
	return s;
}
ou_slice ou_slice_cstr(const char *s);
static inline bool ou_slice_present(ou_slice s)
{
	return s.p != NULL;
}
bool ou_slice_eq(ou_slice a, ou_slice b);
bool ou_slice_caseeq(ou_slice a, ou_slice b);
bool ou_slice_caseeq_cstr(ou_slice a, const char *s);
bool ou_slice_eq_cstr(ou_slice a, const char *s);
/* Removes leading and trailing LWS (SP, HTAB, CR, LF). */
ou_slice ou_slice_trim(ou_slice s);
/* Parses a decimal number of at most max_digits digits that fits in *out.
 * The whole slice must be digits. */
int ou_slice_u32(ou_slice s, uint32_t *out);
/* Copies into dst (size cap, always NUL-terminated); returns the slice length. */
size_t ou_slice_copy(ou_slice s, char *dst, size_t cap);

/* Character classes (one table lookup per byte, see base/ctype.c). */
extern const uint16_t ou_ctype[256];
enum {
	OU_C_DIGIT = 1 << 0,
	OU_C_ALPHA = 1 << 1,
	OU_C_HEX = 1 << 2,
	OU_C_TOKEN = 1 << 3, /* RFC 3261 token */
	OU_C_LWS = 1 << 4,   /* SP HTAB CR LF: inside a header value CR/LF only come from folding */
	OU_C_UNRESERVED = 1 << 5, /* alphanum / mark */
	OU_C_USER = 1 << 6,       /* unreserved / user-unreserved (escapes handled apart) */
	OU_C_PASSWORD = 1 << 7,   /* unreserved / "&" "=" "+" "$" "," */
	OU_C_PARAM = 1 << 8,      /* unreserved / param-unreserved (escapes handled apart) */
	OU_C_HNV = 1 << 9,        /* unreserved / hnv-unreserved (escapes handled apart) */
	OU_C_HOST = 1 << 10,      /* alphanum / "-" / "." (hostname and IPv4) */
	OU_C_WORD = 1 << 11,      /* RFC 3261 word (Call-ID) */
	OU_C_UTF8 = 1 << 12,      /* bytes >= 0x80, allowed in quoted strings and reason phrases */
	OU_C_QDTEXT = 1 << 13,    /* qdtext without UTF-8: %x21 / %x23-5B / %x5D-7E / LWS */
};
static inline bool ou_is(unsigned char c, uint16_t cls)
{
	return (ou_ctype[c] & cls) != 0;
}
extern const unsigned char ou_lower_tab[256]; /* ASCII A-Z to a-z, other bytes unchanged */
static inline char ou_lower(char c)
{
	return (char)ou_lower_tab[(unsigned char)c];
}
/* ASCII case-insensitive compare of n bytes: 0 when equal. */
static inline int ou_memcasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int d = ou_lower_tab[(unsigned char)a[i]] - ou_lower_tab[(unsigned char)b[i]];
		if (d)
			return d;
	}
	return 0;
}

/* A growable byte buffer. Owns data; free with ou_buf_free. */
typedef struct ou_buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed; /* an allocation failed; later appends are ignored */
} ou_buf;

void ou_buf_init(ou_buf *b);
void ou_buf_free(ou_buf *b);
void ou_buf_reset(ou_buf *b);
int ou_buf_reserve(ou_buf *b, size_t extra);
int ou_buf_append(ou_buf *b, const void *p, size_t n);
int ou_buf_append_slice(ou_buf *b, ou_slice s);
int ou_buf_append_cstr(ou_buf *b, const char *s);
int ou_buf_printf(ou_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Removes the first n bytes (for stream buffers that consumed a message). */
void ou_buf_consume(ou_buf *b, size_t n);

/* Log lines (log.c): one line per event on standard error, written with one write so
 * that lines of several threads never interleave:
 *   2026-01-31T12:00:00.123Z info um: call call-id=... peer=... result=...
 * Operators pick the level with --log-level; the default is info. Thread-safe. */
typedef enum ou_log_level {
	OU_LOG_OFF = 0, /* nothing at all */
	OU_LOG_ERROR,   /* the process cannot do what it was asked */
	OU_LOG_WARN,    /* something an operator should look at: refused peers, store trouble */
	OU_LOG_INFO,    /* one line per call, registration and decision */
	OU_LOG_DEBUG,   /* challenges, retries and other routine steps */
} ou_log_level;

void ou_log_set_level(ou_log_level l);
bool ou_log_enabled(ou_log_level l);
/* "off" "error" "warn" "info" "debug" into *out: 0, or OPENUM_EINVAL. */
int ou_log_level_parse(const char *name, ou_log_level *out);
/* who: "um", "proxy", ... Lines longer than OU_LOG_LINE_MAX are cut. */
#define OU_LOG_LINE_MAX 1024
void ou_log(ou_log_level l, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Where ou_log lines go (syslog.c). Standard error by default; or a syslog datagram
 * socket (RFC 3164 framing as the C library's syslog(3) writes it: "<PRI>Mmm dd
 * hh:mm:ss IDENT[PID]: LEVEL WHO: TEXT"), the level mapped to the priority: error
 * LOG_ERR, warn LOG_WARNING, info LOG_INFO, debug LOG_DEBUG. The socket is connected
 * when chosen (so a wrong path shows at once) and again after a failed send (the
 * daemon restarted); a line that cannot be sent goes to standard error instead.
 * Thread-safe; the ident is copied. */
#define OU_SYSLOG_DEFAULT_SOCKET "/dev/log"
#define OU_SYSLOG_DEFAULT_FACILITY "daemon"
/* socket_path NULL: OU_SYSLOG_DEFAULT_SOCKET. facility: a value of ou_syslog_facility_parse.
 * 0, or OPENUM_EIO (nothing listens there: *why says so) and the sink is unchanged. */
int ou_log_to_syslog(const char *ident, int facility, const char *socket_path, const char **why);
void ou_log_to_stderr(void);
/* "daemon", "user", "local0".."local7" into the facility code (already shifted, as
 * LOG_DAEMON): 0, or OPENUM_EINVAL. */
int ou_syslog_facility_parse(const char *name, int *out);
/* Sends one formatted line (without time) to syslog: true, or false when the sink is
 * stderr or the send failed (internal to log.c). */
bool ou_syslog_line(ou_log_level l, const char *text, size_t len);

#endif
