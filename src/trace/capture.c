/* Reads a pcap/pcapng capture through tshark and feeds its SIP messages to a checker.
 * tshark only lists the raw payload of every TCP segment and UDP datagram; openum
 * reassembles TCP itself and frames messages with its own framer, so SIP on any port is
 * found and no dissector heuristics decide what a message is. TLS streams are opaque. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace.h"

/* The fields asked of tshark, in this order (tab-separated, first occurrence). */
enum {
	F_FRAME,
	F_IP_SRC,
	F_IP6_SRC,
	F_IP_DST,
	F_IP6_DST,
	F_STREAM,
	F_TCP_SPORT,
	F_TCP_DPORT,
	F_TCP_SEQ,
	F_TCP_PAYLOAD,
	F_UDP_SPORT,
	F_UDP_DPORT,
	F_UDP_PAYLOAD,
	F__COUNT
};
static const char *const field_names[F__COUNT] = {
    "frame.number", "ip.src",      "ipv6.src",    "ip.dst",      "ipv6.dst",
    "tcp.stream",   "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.payload",
    "udp.srcport",  "udp.dstport", "udp.payload",
};

bool trace_is_capture(const char *h, size_t n)
{
	static const unsigned char magic[][4] = {
	    {0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, /* pcap, microseconds */
	    {0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, /* pcap, nanoseconds */
	    {0x0a, 0x0d, 0x0d, 0x0a},                           /* pcapng section header */
	};
	if (n < 4)
		return false;
	for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if (memcmp(h, magic[i], 4) == 0)
			return true;
	return false;
}

enum { D_UNKNOWN = 0, D_SIP, D_IGNORE, D_BROKEN };

typedef struct seg {
	unsigned long frame;
	size_t end; /* offset in the direction's buffer just past this segment's bytes */
} seg;

typedef struct dir {
	int state;
	ou_buf data;
	seg *segs;
	size_t nseg, segcap;
	uint32_t next_seq;
	bool seq_known;
	sip_framer fr;
} dir;

typedef struct stream {
	bool used, tls;
	char src0[64]; /* the sender of the first segment seen: direction 0 */
	dir d[2];
} stream;

typedef struct reader {
	trace_checker *c;
	stream *streams;
	size_t nstreams;
	ou_buf bytes; /* the payload of the current line, decoded from hex */
	char where[160];
} reader;

static int hexval(unsigned char ch)
{
	if (ou_is(ch, OU_C_DIGIT))
		return ch - '0';
	if (ou_is(ch, OU_C_HEX))
		return ou_lower((char)ch) - 'a' + 10;
	return -1;
}

/* tshark prints bytes as hex, with or without ':' between them. */
static int unhex(const char *s, ou_buf *out)
{
	ou_buf_reset(out);
	int hi = -1;
	for (; *s; s++) {
		if (*s == ':')
			continue;
		int v = hexval((unsigned char)*s);
		if (v < 0)
			return OPENUM_EBADMSG;
		if (hi < 0) {
			hi = v;
		} else {
			char b = (char)(hi << 4 | v);
			if (ou_buf_append(out, &b, 1) < 0)
				return OPENUM_ENOMEM;
			hi = -1;
		}
	}
	return hi < 0 ? 0 : OPENUM_EBADMSG;
}

/* A TLS record header: content type 20-23, version 3.x. */
static bool looks_tls(const char *p, size_t n)
{
	return n >= 3 && (unsigned char)p[0] >= 20 && (unsigned char)p[0] <= 23 && p[1] == 3 &&
	       (unsigned char)p[2] <= 4;
}

/* Whether bytes that start a stream direction or a datagram are SIP: after CRLF
 * keep-alives, a start line. *only_crlf is set when nothing else is there. */
static bool looks_sip(const char *p, size_t n, bool *only_crlf)
{
	size_t i = 0;
	while (i < n && (p[i] == '\r' || p[i] == '\n'))
		i++;
	*only_crlf = i == n;
	if (i == n)
		return false;
	const char *nl = memchr(p + i, '\n', n - i);
	if (!nl) /* the start line continues in the next segment: let the framer judge */
		return ou_is((unsigned char)p[i], OU_C_TOKEN);
	size_t len = (size_t)(nl - (p + i));
	if (len && nl[-1] == '\r')
		len--;
	return trace_is_start_line(p + i, len);
}

static void endpoint(char *dst, size_t cap, char **f, int ip4, int ip6, int port)
{
	const char *ip = *f[ip4] ? f[ip4] : f[ip6];
	bool v6 = !*f[ip4];
	snprintf(dst, cap, v6 ? "[%s]:%s" : "%s:%s", ip, f[port]);
}

static void dir_reset(dir *d)
{
	ou_buf_free(&d->data);
	free(d->segs);
	d->segs = NULL;
	d->nseg = d->segcap = 0;
}

/* Removes the first n bytes (a message or keep-alive) and the segments they used up. */
static void dir_consume(dir *d, size_t n)
{
	ou_buf_consume(&d->data, n);
	size_t k = 0;
	while (k < d->nseg && d->segs[k].end <= n)
		k++;
	memmove(d->segs, d->segs + k, (d->nseg - k) * sizeof(seg));
	d->nseg -= k;
	for (size_t i = 0; i < d->nseg; i++)
		d->segs[i].end -= n;
}

/* The frame that brought byte `off`: Wireshark shows a message at its last segment. */
static unsigned long dir_frame(const dir *d, size_t off)
{
	for (size_t i = 0; i < d->nseg; i++)
		if (off < d->segs[i].end)
			return d->segs[i].frame;
	return d->nseg ? d->segs[d->nseg - 1].frame : 0;
}

static int dir_frames(reader *r, dir *d)
{
	for (;;) {
		size_t n = 0;
		const char *why = NULL;
		int k = sip_frame(&d->fr, d->data.data, d->data.len, &n, &why);
		if (k == OPENUM_EAGAIN)
			return 0;
		if (k < 0) {
			trace_pos pos = {dir_frame(d, d->data.len - 1), true};
			char text[200];
			snprintf(text, sizeof(text),
			         "TCP stream cannot be framed (%s): the rest of this direction is "
			         "not checked",
			         why ? why : ou_strerror(k));
			trace_report(r->c, pos, TRACE_WARNING, TRACE_RULE_PARSE, r->where, text);
			d->state = D_BROKEN;
			dir_reset(d);
			return 0;
		}
		if (k == SIP_FRAME_MSG) {
			trace_msg_info info = {
			    {dir_frame(d, n - 1), true}, SIP_TP_TCP, TRACE_TPS_CAPTURE, false};
			int rc = trace_check_bytes(r->c, &info, d->data.data, n);
			if (rc < 0)
				return rc;
		}
		dir_consume(d, n);
	}
}

static int on_tcp(reader *r, char **f, unsigned long frame)
{
	char *end = NULL;
	unsigned long id = strtoul(f[F_STREAM], &end, 10);
	if (!*f[F_STREAM] || *end || id > 10000000ul)
		return 0;
	if (id >= r->nstreams) {
		size_t n = r->nstreams ? r->nstreams : 16;
		while (n <= id)
			n *= 2;
		stream *s = realloc(r->streams, n * sizeof(*s));
		if (!s)
			return OPENUM_ENOMEM;
		memset(s + r->nstreams, 0, (n - r->nstreams) * sizeof(*s));
		r->streams = s;
		r->nstreams = n;
	}
	stream *s = &r->streams[id];
	char src[64], dst[64];
	endpoint(src, sizeof(src), f, F_IP_SRC, F_IP6_SRC, F_TCP_SPORT);
	endpoint(dst, sizeof(dst), f, F_IP_DST, F_IP6_DST, F_TCP_DPORT);
	if (!s->used) {
		s->used = true;
		snprintf(s->src0, sizeof(s->src0), "%s", src);
	}
	if (s->tls)
		return 0;
	dir *d = &s->d[strcmp(src, s->src0) == 0 ? 0 : 1];
	snprintf(r->where, sizeof(r->where), "TCP %s -> %s", src, dst);
	if (d->state == D_IGNORE || d->state == D_BROKEN)
		return 0;

	int rc = unhex(f[F_TCP_PAYLOAD], &r->bytes);
	if (rc < 0)
		return rc == OPENUM_ENOMEM ? rc : 0;
	const char *p = r->bytes.data;
	size_t n = r->bytes.len;
	if (n == 0)
		return 0;
	uint32_t seq = (uint32_t)strtoul(f[F_TCP_SEQ], NULL, 10);

	if (d->state == D_UNKNOWN) {
		bool crlf = false;
		if (looks_tls(p, n)) {
			s->tls = true;
			dir_reset(&s->d[0]);
			dir_reset(&s->d[1]);
			snprintf(r->where, sizeof(r->where), "TLS %s -> %s", src, dst);
			trace_pos pos = {frame, true};
			trace_report(r->c, pos, TRACE_NOTE, TRACE_RULE_TLS, r->where,
			             "encrypted connection: its SIP cannot be checked here (check "
			             "the servers' own logs, or decrypt the capture first)");
			return 0;
		}
		if (looks_sip(p, n, &crlf)) {
			d->state = D_SIP;
			sip_framer_init(&d->fr);
		} else if (!crlf) {
			d->state = D_IGNORE; /* HTTP, RTP over TCP, ...: not ours */
			return 0;
		}
	}
	if (d->seq_known) {
		int32_t diff = (int32_t)(seq - d->next_seq);
		if (diff > 0) {
			trace_pos pos = {frame, true};
			trace_report(r->c, pos, TRACE_WARNING, TRACE_RULE_PARSE, r->where,
			             "bytes missing in the TCP stream before this frame (not "
			             "captured): the rest of this direction is not checked");
			d->state = D_BROKEN;
			dir_reset(d);
			return 0;
		}
		if (diff < 0) { /* a retransmission, whole or in part */
			size_t skip = (size_t)(-(int64_t)diff);
			if (skip >= n)
				return 0;
			p += skip;
			n -= skip;
			seq += (uint32_t)skip;
		}
	}
	d->seq_known = true;
	d->next_seq = seq + (uint32_t)n;
	if (d->state != D_SIP) /* keep-alives before the first message */
		return 0;
	if (ou_buf_append(&d->data, p, n) < 0)
		return OPENUM_ENOMEM;
	if (d->nseg == d->segcap) {
		size_t cap = d->segcap ? d->segcap * 2 : 8;
		seg *ns = realloc(d->segs, cap * sizeof(*ns));
		if (!ns)
			return OPENUM_ENOMEM;
		d->segs = ns;
		d->segcap = cap;
	}
	d->segs[d->nseg++] = (seg){frame, d->data.len};
	return dir_frames(r, d);
}

static int on_udp(reader *r, char **f, unsigned long frame)
{
	int rc = unhex(f[F_UDP_PAYLOAD], &r->bytes);
	if (rc < 0)
		return rc == OPENUM_ENOMEM ? rc : 0;
	bool crlf;
	if (!looks_sip(r->bytes.data, r->bytes.len, &crlf))
		return 0; /* RTP, DNS, keep-alives: not SIP */
	trace_msg_info info = {{frame, true}, SIP_TP_UDP, TRACE_TPS_CAPTURE, false};
	return trace_check_bytes(r->c, &info, r->bytes.data, r->bytes.len);
}

/* One line of tshark output. */
static int on_line(reader *r, char *line)
{
	char *f[F__COUNT];
	size_t nf = 0;
	char *p = line;
	size_t l = strlen(line);
	while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
		line[--l] = '\0';
	for (;;) {
		f[nf++] = p;
		char *tab = strchr(p, '\t');
		if (!tab || nf == F__COUNT)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (nf != F__COUNT)
		return 0;
	unsigned long frame = strtoul(f[F_FRAME], NULL, 10);
	if (*f[F_TCP_PAYLOAD] && *f[F_STREAM])
		return on_tcp(r, f, frame);
	if (*f[F_UDP_PAYLOAD])
		return on_udp(r, f, frame);
	return 0;
}

static void report_leftovers(reader *r)
{
	for (size_t i = 0; i < r->nstreams; i++) {
		stream *s = &r->streams[i];
		for (int k = 0; k < 2; k++) {
			dir *d = &s->d[k];
			size_t nonblank = 0;
			for (size_t j = 0; j < d->data.len; j++)
				nonblank += d->data.data[j] != '\r' && d->data.data[j] != '\n';
			if (d->state == D_SIP && nonblank) {
				char text[160];
				trace_pos pos = {dir_frame(d, d->data.len - 1), true};
				snprintf(
				    text, sizeof(text),
				    "%zu bytes of an incomplete message at the end of TCP stream "
				    "%zu (capture ended): not checked",
				    d->data.len, i);
				trace_report(r->c, pos, TRACE_NOTE, TRACE_RULE_PARSE, "TCP", text);
			}
			dir_reset(d);
		}
	}
}

/* Starts tshark with its standard output on a pipe and its standard error in errf.
 * Returns the pid, or -1 with errno (ENOENT: tshark is not installed). */
static pid_t spawn(const char *prog, char *const argv[], int *out_fd, int err_fd)
{
	int pfd[2], efd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(efd, O_CLOEXEC) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		close(efd[0]);
		close(efd[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(err_fd, 2);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		execvp(prog, argv);
		int e = errno;
		(void)!write(efd[1], &e, sizeof(e));
		_exit(127);
	}
	close(pfd[1]);
	close(efd[1]);
	int e = 0;
	ssize_t got;
	do
		got = read(efd[0], &e, sizeof(e));
	while (got < 0 && errno == EINTR);
	close(efd[0]);
	if (got == (ssize_t)sizeof(e)) {
		close(pfd[0]);
		waitpid(pid, NULL, 0);
		errno = e;
		return -1;
	}
	*out_fd = pfd[0];
	return pid;
}

/* Copies tshark's complaints to our standard error, without its notice about root. */
static void relay_errors(FILE *errf)
{
	char line[512];
	rewind(errf);
	while (fgets(line, sizeof(line), errf))
		if (!strstr(line, "Running as user"))
			fprintf(stderr, "tshark: %s", line);
}

int trace_capture_check(const char *path, const char *tshark, trace_checker *c, const char **why)
{
	const char *prog = tshark ? tshark : "tshark";
	char *argv[8 + 2 * F__COUNT + 8];
	size_t a = 0;
	argv[a++] = (char *)prog;
	argv[a++] = "-r";
	argv[a++] = (char *)path;
	argv[a++] = "-n";
	argv[a++] = "-o";
	argv[a++] = "tcp.desegment_tcp_streams:FALSE";
	argv[a++] = "-Y";
	argv[a++] = "(tcp.len > 0 or udp) and not icmp and not icmpv6";
	argv[a++] = "-T";
	argv[a++] = "fields";
	argv[a++] = "-E";
	argv[a++] = "separator=/t";
	argv[a++] = "-E";
	argv[a++] = "occurrence=f";
	for (size_t i = 0; i < F__COUNT; i++) {
		argv[a++] = "-e";
		argv[a++] = (char *)field_names[i];
	}
	argv[a] = NULL;

	FILE *errf = tmpfile();
	if (!errf) {
		if (why)
			*why = "cannot create a temporary file for tshark's messages";
		return OPENUM_EIO;
	}
	int fd = -1;
	pid_t pid = spawn(prog, argv, &fd, fileno(errf));
	if (pid < 0) {
		int e = errno;
		fclose(errf);
		if (why)
			*why = e == ENOENT ? "tshark not found: install the tshark package "
			                     "(scripts/install-deps)"
			                   : "cannot start tshark";
		return e == ENOENT ? OPENUM_ENOTFOUND : OPENUM_EIO;
	}
	FILE *in = fdopen(fd, "r");
	if (!in) {
		close(fd);
		waitpid(pid, NULL, 0);
		fclose(errf);
		if (why)
			*why = "out of memory";
		return OPENUM_ENOMEM;
	}

	reader r = {.c = c};
	ou_buf_init(&r.bytes);
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	while (rc == 0 && getline(&line, &cap, in) >= 0)
		rc = on_line(&r, line);
	if (rc == 0)
		report_leftovers(&r);
	else
		while (getline(&line, &cap, in) >= 0)
			; /* let tshark finish writing */
	free(line);
	fclose(in);
	for (size_t i = 0; i < r.nstreams; i++) {
		dir_reset(&r.streams[i].d[0]);
		dir_reset(&r.streams[i].d[1]);
	}
	free(r.streams);
	ou_buf_free(&r.bytes);

	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		relay_errors(errf);
		if (why)
			*why = "tshark could not read the capture";
		rc = OPENUM_EIO;
	} else if (rc < 0 && why) {
		*why = "out of memory";
	}
	fclose(errf);
	return rc;
}
