/* openum_test_uas: a small answering machine built on src/ua, the far end of the SIPp
 * integration tests and of bench/uas. Answers INVITE (optionally ringing first, or
 * only ringing), BYE, CANCEL and OPTIONS over TCP and TLS, and prints its counters
 * when SIGTERM or SIGINT stops it. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua/ua.h"

static const char usage[] =
    "usage: openum_test_uas [options]\n"
    "  --ip IP           address to listen on (default 127.0.0.1)\n"
    "  --tcp PORT        TCP listener port (default 5060; 0: any free port)\n"
    "  --tls PORT        TLS listener port (off unless given; 0: any free port)\n"
    "  --certs DIR       server.pem, server.key and ca.pem from `openum certs DIR`\n"
    "  --port-file FILE  write \"tcp PORT\" and \"tls PORT\" lines there once listening\n"
    "  --ring            send 180 Ringing before answering\n"
    "  --ring-ms MS      ring, then answer after MS milliseconds\n"
    "  --tone MS         play a 440 Hz tone of MS milliseconds after the answer\n"
    "  --rtp-ip IP       RTP address (default 127.0.0.1)\n"
    "  --rtp-ports A-B   RTP port range (default 16384-32767)\n"
    "  --t1 MS           RFC 3261 T1 (default 500)\n"
    "  --max-conns N     connection limit (default 4096)\n"
    "  -h, --help        this text\n"
    "A Request-URI whose user part starts with \"ring\" (sip:ring@...) is rung (180) and\n"
    "never answered: the caller CANCELs it. \"busy\" gets 486. Counters go to stdout at\n"
    "SIGTERM or SIGINT.\n";

typedef struct uas_call {
	uv_timer_t timer;
	ua_call *c;
	bool timer_on;
} uas_call;

static struct {
	uv_loop_t *loop;
	ua *u;
	bool ring;
	int ring_ms;
	unsigned tone_ms;
	uint8_t *tone;
	size_t tone_n;
	unsigned long incoming, answered, confirmed, ringing_only, busy, dtmf;
	unsigned long ended[UA_END_SHUTDOWN + 1];
	unsigned long active, active_max;
	uv_signal_t sterm, sint;
} g;

static void uas_answer(ua_call *c)
{
	if (ua_call_answer(c, NULL, 0) == 0)
		g.answered++;
}

static void timer_fired(uv_timer_t *t)
{
	uas_call *uc = t->data;
	uas_answer(uc->c);
}

static void on_incoming(void *arg, ua_call *c, sip_msg *invite, const net_peer *peer)
{
	(void)arg;
	(void)peer;
	g.incoming++;
	if (++g.active > g.active_max)
		g.active_max = g.active;
	const sip_uri *ruri;
	bool ring_only = false, busy = false;
	if (sip_msg_ruri(invite, &ruri, NULL) == 0) {
		ring_only = ruri->user.n >= 4 && memcmp(ruri->user.p, "ring", 4) == 0;
		busy = ruri->user.n >= 4 && memcmp(ruri->user.p, "busy", 4) == 0;
	}
	if (busy) {
		g.busy++;
		ua_call_reject(c, 486, NULL);
		return;
	}
	if (ring_only || g.ring || g.ring_ms > 0)
		ua_call_ring(c);
	if (ring_only) {
		g.ringing_only++;
		return;
	}
	if (g.ring_ms > 0) {
		uas_call *uc = calloc(1, sizeof(*uc));
		if (uc) {
			uc->c = c;
			uc->timer.data = uc;
			uc->timer_on = true;
			uv_timer_init(g.loop, &uc->timer);
			uv_timer_start(&uc->timer, timer_fired, (uint64_t)g.ring_ms, 0);
			ua_call_set_arg(c, uc);
			return;
		}
	}
	uas_answer(c);
}

static void on_answered(void *arg, ua_call *c)
{
	(void)arg;
	g.confirmed++;
	if (g.tone)
		ua_call_play(c, g.tone, g.tone_n);
}

static void on_dtmf(void *arg, ua_call *c, char digit, ua_dtmf_source src)
{
	(void)arg;
	(void)c;
	(void)digit;
	(void)src;
	g.dtmf++;
}

static void free_closed(uv_handle_t *h)
{
	free(h->data);
}

static void on_ended(void *arg, ua_call *c, const ua_end *end)
{
	(void)arg;
	uas_call *uc = ua_call_get_arg(c);
	if (uc) {
		uv_timer_stop(&uc->timer);
		uv_close((uv_handle_t *)&uc->timer, free_closed);
	}
	if (end->reason <= UA_END_SHUTDOWN)
		g.ended[end->reason]++;
	g.active--;
}

static void print_counters(void)
{
	printf("incoming %lu\nanswered %lu\nconfirmed %lu\nringing_only %lu\nbusy %lu\n"
	       "dtmf %lu\nmax_active %lu\n",
	       g.incoming, g.answered, g.confirmed, g.ringing_only, g.busy, g.dtmf, g.active_max);
	static const char *names[] = {"",        "local_hangup", "remote_hangup", "rejected",
	                              "timeout", "transport",    "shutdown"};
	for (int i = 1; i <= UA_END_SHUTDOWN; i++)
		printf("ended_%s %lu\n", names[i], g.ended[i]);
	fflush(stdout);
}

static void on_signal(uv_signal_t *s, int sig)
{
	(void)sig;
	(void)s;
	if (!g.u)
		return;
	uv_close((uv_handle_t *)&g.sterm, NULL);
	uv_close((uv_handle_t *)&g.sint, NULL);
	ua *u = g.u;
	g.u = NULL;
	ua_free(u); /* calls still up end with UA_END_SHUTDOWN, counted */
	print_counters();
}

static void make_tone(unsigned ms)
{
	g.tone_n = (size_t)ms * (MEDIA_RATE / 1000);
	g.tone = malloc(g.tone_n ? g.tone_n : 1);
	for (size_t i = 0; g.tone && i < g.tone_n; i++)
		g.tone[i] = g711_ulaw_encode(
		    (int16_t)(8000.0 * sin(2 * M_PI * 440.0 * (double)i / MEDIA_RATE)));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"ip", required_argument, NULL, 'i'},
	                                     {"tcp", required_argument, NULL, 't'},
	                                     {"tls", required_argument, NULL, 'l'},
	                                     {"certs", required_argument, NULL, 'c'},
	                                     {"port-file", required_argument, NULL, 'p'},
	                                     {"ring", no_argument, NULL, 'r'},
	                                     {"ring-ms", required_argument, NULL, 'R'},
	                                     {"tone", required_argument, NULL, 'T'},
	                                     {"rtp-ip", required_argument, NULL, 'I'},
	                                     {"rtp-ports", required_argument, NULL, 'P'},
	                                     {"t1", required_argument, NULL, '1'},
	                                     {"max-conns", required_argument, NULL, 'm'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *ip = "127.0.0.1", *certs = NULL, *port_file = NULL;
	int tcp = 5060, tls = -1, o;
	unsigned pmin = 0, pmax = 0;
	ua_config cfg = {.rtp_ip = "127.0.0.1"};
	char cert[4096], key[4096], ca[4096];

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'i': ip = optarg; break;
		case 't': tcp = atoi(optarg); break;
		case 'l': tls = atoi(optarg); break;
		case 'c': certs = optarg; break;
		case 'p': port_file = optarg; break;
		case 'r': g.ring = true; break;
		case 'R': g.ring_ms = atoi(optarg); break;
		case 'T': g.tone_ms = (unsigned)atoi(optarg); break;
		case 'I': cfg.rtp_ip = optarg; break;
		case 'P':
			if (sscanf(optarg, "%u-%u", &pmin, &pmax) != 2 || pmin >= pmax ||
			    pmax > 65535) {
				fprintf(stderr, "openum_test_uas: bad --rtp-ports %s\n", optarg);
				return 2;
			}
			cfg.rtp_port_min = (uint16_t)pmin;
			cfg.rtp_port_max = (uint16_t)pmax;
			break;
		case '1': cfg.t1_ms = (unsigned)atoi(optarg); break;
		case 'm': cfg.net.max_conns = (unsigned)atoi(optarg); break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (tls >= 0 && !certs) {
		fprintf(stderr, "openum_test_uas: --tls needs --certs DIR\n");
		return 2;
	}
	if (certs) {
		snprintf(cert, sizeof(cert), "%s/server.pem", certs);
		snprintf(key, sizeof(key), "%s/server.key", certs);
		snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
		cfg.net.cert_file = cert;
		cfg.net.key_file = key;
		cfg.net.ca_file = ca;
	}
	if (g.tone_ms)
		make_tone(g.tone_ms);
	setvbuf(stdout, NULL, _IOLBF, 0);

	g.loop = uv_default_loop();
	ua_events ev = {
	    .incoming = on_incoming, .answered = on_answered, .dtmf = on_dtmf, .ended = on_ended};
	int err = ua_new(g.loop, &cfg, &ev, NULL, &g.u);
	if (err) {
		fprintf(stderr, "openum_test_uas: cannot start: %s\n", ou_strerror(err));
		return 1;
	}
	uint16_t tcp_port = 0, tls_port = 0;
	if (tcp >= 0 && (err = ua_listen(g.u, NET_TCP, ip, (uint16_t)tcp, &tcp_port))) {
		fprintf(stderr, "openum_test_uas: TCP %s:%d: %s\n", ip, tcp, ou_strerror(err));
		return 1;
	}
	if (tls >= 0 && (err = ua_listen(g.u, NET_TLS, ip, (uint16_t)tls, &tls_port))) {
		fprintf(stderr, "openum_test_uas: TLS %s:%d: %s\n", ip, tls, ou_strerror(err));
		return 1;
	}
	if (port_file) {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "tcp %u\ntls %u\n", tcp_port, tls_port) < 0 || fclose(f) ||
		    rename(tmp, port_file)) {
			fprintf(stderr, "openum_test_uas: cannot write %s\n", port_file);
			return 1;
		}
	}
	printf("listening tcp %u tls %u\n", tcp_port, tls_port);

	uv_signal_init(g.loop, &g.sterm);
	uv_signal_init(g.loop, &g.sint);
	uv_signal_start(&g.sterm, on_signal, SIGTERM);
	uv_signal_start(&g.sint, on_signal, SIGINT);
	uv_run(g.loop, UV_RUN_DEFAULT); /* until a signal has closed everything */
	uv_loop_close(g.loop);
	free(g.tone);
	return 0;
}
