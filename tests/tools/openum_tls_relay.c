/* openum_tls_relay: accepts plain TCP and relays each connection over TLS (with a
 * client certificate) to one server. Debian's SIPp is built without TLS, so the SIPp
 * tests and bench/uas reach the test UAS's TLS listener through this: SIPp speaks TCP
 * to the relay, the UAS sees a verified mutual-TLS peer. One thread per connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char usage[] =
    "usage: openum_tls_relay --connect IP:PORT --certs DIR [--listen PORT] [--port-file F]\n"
    "  --connect IP:PORT  the TLS server (IPv4)\n"
    "  --certs DIR        client.pem, client.key and ca.pem (from `openum certs DIR`)\n"
    "  --listen PORT      plain TCP port on 127.0.0.1 (default 0: any free port)\n"
    "  --port-file F      write the listening port there\n";

static SSL_CTX *ctx;
static struct sockaddr_in target;

static int tcp_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&target, sizeof(target)) < 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* SSL_write on the non-blocking socket, waiting while the kernel is full. */
static bool tls_write_all(SSL *ssl, int fd, const char *p, int n)
{
	for (;;) {
		int w = SSL_write(ssl, p, n);
		if (w > 0)
			return true;
		int e = SSL_get_error(ssl, w);
		if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
			return false;
		struct pollfd q = {fd, e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, 0};
		(void)poll(&q, 1, 1000);
	}
}

/* Copies until either side closes. The TLS socket is non-blocking once connected:
 * a readable socket may hold only post-handshake records (session tickets), and a
 * blocking SSL_read would then wait for application data that the other side is
 * itself waiting to send. */
static void *relay(void *arg)
{
	int plain = (int)(intptr_t)arg, tls_fd = tcp_connect();
	SSL *ssl = NULL;
	char buf[65536];
	if (tls_fd < 0)
		goto out;
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, tls_fd);
	SSL_set_tlsext_host_name(ssl, "localhost");
	if (SSL_connect(ssl) != 1) {
		ERR_print_errors_fp(stderr);
		goto out;
	}
	fcntl(tls_fd, F_SETFL, fcntl(tls_fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd p[2] = {{plain, POLLIN, 0}, {tls_fd, POLLIN, 0}};
		if (SSL_pending(ssl) == 0 && poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (SSL_pending(ssl) > 0 || (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			int n = SSL_read(ssl, buf, sizeof(buf));
			if (n <= 0) {
				if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ)
					break;
				n = 0;
			}
			for (int off = 0; off < n;) {
				ssize_t w = write(plain, buf + off, (size_t)(n - off));
				if (w <= 0)
					goto out;
				off += (int)w;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(plain, buf, sizeof(buf));
			if (n <= 0 || !tls_write_all(ssl, tls_fd, buf, (int)n))
				break;
		}
	}
out:
	if (ssl) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	if (tls_fd >= 0)
		close(tls_fd);
	close(plain);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"connect", required_argument, NULL, 'c'}, {"certs", required_argument, NULL, 'd'},
	    {"listen", required_argument, NULL, 'l'},  {"port-file", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
	const char *to = NULL, *certs = NULL, *port_file = NULL;
	int port = 0, o;
	char path[4096], ip[64];
	unsigned tport;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'c': to = optarg; break;
		case 'd': certs = optarg; break;
		case 'l': port = atoi(optarg); break;
		case 'p': port_file = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (!to || !certs || sscanf(to, "%63[^:]:%u", ip, &tport) != 2 || tport > 65535) {
		fputs(usage, stderr);
		return 2;
	}
	target.sin_family = AF_INET;
	target.sin_port = htons((uint16_t)tport);
	if (inet_pton(AF_INET, ip, &target.sin_addr) != 1) {
		fprintf(stderr, "openum_tls_relay: bad address %s\n", ip);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	snprintf(path, sizeof(path), "%s/client.pem", certs);
	int ok = SSL_CTX_use_certificate_chain_file(ctx, path) == 1;
	snprintf(path, sizeof(path), "%s/client.key", certs);
	ok = ok && SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) == 1;
	snprintf(path, sizeof(path), "%s/ca.pem", certs);
	ok = ok && SSL_CTX_load_verify_locations(ctx, path, NULL) == 1;
	if (!ok) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in la = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t len = sizeof(la);
	la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&la, sizeof(la)) < 0 || listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&la, &len) < 0) {
		perror("openum_tls_relay: listen");
		return 1;
	}
	if (port_file) {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%u\n", ntohs(la.sin_port)) < 0 || fclose(f) ||
		    rename(tmp, port_file)) {
			perror("openum_tls_relay: port file");
			return 1;
		}
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("openum_tls_relay: accept");
			return 1;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		pthread_t t;
		if (pthread_create(&t, NULL, relay, (void *)(intptr_t)fd) != 0)
			close(fd);
		else
			pthread_detach(t);
	}
}
