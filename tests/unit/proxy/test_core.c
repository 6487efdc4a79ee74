/* Tests for src/proxy/core.c over real loopback sockets: the proxy on TCP (and TLS
 * toward a fake UM server that records what reaches it, mutual TLS with generated
 * certificates), phones played by raw TCP sockets. REGISTER with digest (401 then
 * 200, wrong password, someone else's AOR, 423), INVITE authentication (407), forking
 * to the registered flow, no answer -> voicemail with Diversion (old Diversion
 * removed), busy -> voicemail, private-no-diversion never diverted (486 / 480 back),
 * bad Ms-Sensitivity -> 400, Max-Forwards 0 -> 483, and skip-pin gatekeeping: the
 * owner's Ms-Exchange-Command reaches the UM server, another user's is stripped.
 * Also: registrations survive a restart (the proxy connects to the stored Contact),
 * the second UM server takes the call when the first answers 503, immediate
 * forwarding (and none for private-no-diversion), the best of two final answers, the
 * rate limit of repeated authentication failures, voicemail for a registered
 * contact that cannot be reached, and a call freed as soon as it is settled (not
 * after Timer L / M), also when the caller's connection closes first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/auth.h"
#include "metrics/metrics.h"
#include "net/net.h"
#include "proxy/proxy.h"
#include "store/store.h"
#include "txn/txn.h"

#define DOMAIN "example.com"
#define MAXM 32

typedef struct world {
	uv_loop_t loop;
	char dir[64], db[128], cert[128], key[128], ca[128];
	proxy *px;
	net *um;
	uint16_t um_port;
	char um_addr[64];
	unsigned um_n;
	char *um_msgs[MAXM];
	unsigned um_status; /* what the fake UM answers to INVITE */
	/* a second UM server (always 200): the proxy tries it when the first fails */
	net *um2;
	uint16_t um2_port;
	char um2_addr[64];
	unsigned um2_n;
	const char *um_list2[2];
	proxy_config pc; /* kept for a restart */
} world;

static world W;

static void um_recv(void *arg, net_conn *c, const net_peer *p, sip_msg *m)
{
	world *w = arg;
	(void)p;
	if (!m->is_request || m->method == SIP_METHOD_ACK)
		return;
	if (w->um_n < MAXM) {
		w->um_msgs[w->um_n] = strndup(m->raw.p, m->raw.n);
		w->um_n++;
	}
	ou_buf b;
	ou_buf_init(&b);
	unsigned st = m->method == SIP_METHOD_INVITE ? w->um_status : 200;
	txn_build_response(m, st, NULL, OU_SLICE_LIT("umtag"), &b);
	net_send(c, b.data, b.len);
	ou_buf_free(&b);
}

static void um2_recv(void *arg, net_conn *c, const net_peer *p, sip_msg *m)
{
	world *w = arg;
	unsigned saved = w->um_status;
	if (m->is_request && m->method == SIP_METHOD_INVITE)
		w->um2_n++;
	w->um_status = 200;
	um_recv(arg, c, p, m);
	w->um_status = saved;
}

static void um_close(void *arg, net_conn *c, int err, const char *why)
{
	(void)arg, (void)c, (void)err, (void)why;
}

static void add_user(store_users *su, const char *user, const char *pw, uint32_t na, bool busy,
                     bool unreg, const char *fwd)
{
	store_user u = {0};
	snprintf(u.address, sizeof(u.address), "sip:%s@" DOMAIN, user);
	snprintf(u.realm, sizeof(u.realm), DOMAIN);
	auth_ha1(AUTH_MD5, ou_slice_cstr(user), ou_slice_cstr(DOMAIN), ou_slice_cstr(pw),
	         u.ha1_md5);
	auth_ha1(AUTH_SHA256, ou_slice_cstr(user), ou_slice_cstr(DOMAIN), ou_slice_cstr(pw),
	         u.ha1_sha256);
	u.vm_no_answer_s = na;
	u.vm_busy = busy;
	u.vm_unregistered = unreg;
	snprintf(u.fwd_immediate, sizeof(u.fwd_immediate), "%s", fwd ? fwd : "");
	assert_int_equal(store_user_add(su, &u, NULL, NULL), 0);
}

static int setup(void **state)
{
	(void)state;
	world *w = &W;
	memset(w, 0, sizeof(*w));
	snprintf(w->dir, sizeof(w->dir), "/tmp/openum-proxy.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->db, sizeof(w->db), "%s/db", w->dir);
	char certs[100];
	snprintf(certs, sizeof(certs), "%s/certs", w->dir);
	assert_int_equal(net_certs_make(certs, NULL, NULL, 0), 0);
	snprintf(w->cert, sizeof(w->cert), "%s/server.pem", certs);
	snprintf(w->key, sizeof(w->key), "%s/server.key", certs);
	snprintf(w->ca, sizeof(w->ca), "%s/ca.pem", certs);
	store_users *su = NULL;
	assert_int_equal(store_users_open(w->db, NULL, &su, NULL), 0);
	add_user(su, "alice", "alice-pw", 1, true, true, NULL);
	add_user(su, "bob", "bob-pw", 0, false, false, NULL);
	add_user(su, "dave", "dave-pw", 0, false, true, NULL);
	add_user(su, "erin", "erin-pw", 0, false, true, "sip:bob@" DOMAIN);
	store_users_close(su);

	uv_loop_init(&w->loop);
	net_config uc = {.cert_file = w->cert, .key_file = w->key, .ca_file = w->ca};
	assert_int_equal(net_new(&w->loop, &uc, um_recv, um_close, w, &w->um), 0);
	assert_int_equal(net_listen(w->um, NET_TLS, "127.0.0.1", 0, &w->um_port), 0);
	snprintf(w->um_addr, sizeof(w->um_addr), "127.0.0.1:%u", w->um_port);
	w->um_status = 200;
	assert_int_equal(net_new(&w->loop, &uc, um2_recv, um_close, w, &w->um2), 0);
	assert_int_equal(net_listen(w->um2, NET_TLS, "127.0.0.1", 0, &w->um2_port), 0);
	snprintf(w->um2_addr, sizeof(w->um2_addr), "127.0.0.1:%u", w->um2_port);
	w->um_list2[0] = w->um_addr;
	w->um_list2[1] = w->um2_addr;

	w->pc = (proxy_config){
	    .domain = DOMAIN,
	    .db = w->db,
	    .tcp_ip = "127.0.0.1",
	    .net = {.cert_file = w->cert, .key_file = w->key, .ca_file = w->ca},
	    .um_servers = w->um_list2,
	    .num_servers = 2,
	    .ring_timeout_s = 5,
	    .t1_ms = 20,
	    .quiet = getenv("OPENUM_TEST_VERBOSE") == NULL,
	};
	const char *why = NULL;
	assert_int_equal(proxy_new(&w->loop, &w->pc, &w->px, &why), 0);
	return 0;
}

static void walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static int teardown(void **state)
{
	(void)state;
	world *w = &W;
	proxy_free(w->px);
	net_free(w->um);
	net_free(w->um2);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	uv_walk(&w->loop, walk_close, NULL);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&w->loop), 0);
	for (unsigned i = 0; i < w->um_n && i < MAXM; i++)
		free(w->um_msgs[i]);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* ---- phones: raw TCP sockets ------------------------------------------------------------ */

typedef struct phone {
	int fd;
	char buf[65536];
	size_t len;
	char msg[65536]; /* the last message received */
	sip_msg m;
	uint16_t port;         /* local port */
	uint16_t contact_port; /* the port written in Contact; 0: port */
	unsigned nc;
} phone;

static void pump(unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		uv_run(&W.loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
}

static void ph_open(phone *p)
{
	memset(p, 0, sizeof(*p));
	p->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(proxy_tcp_port(W.px))};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(connect(p->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	fcntl(p->fd, F_SETFL, O_NONBLOCK);
	struct sockaddr_in l;
	socklen_t ll = sizeof(l);
	getsockname(p->fd, (struct sockaddr *)&l, &ll);
	p->port = ntohs(l.sin_port);
}

static void ph_close(phone *p)
{
	close(p->fd);
	pump(20);
}

static void ph_send(phone *p, const char *text)
{
	size_t n = strlen(text);
	assert_int_equal(send(p->fd, text, n, 0), (ssize_t)n);
}

/* Waits up to ms for one message; true with p->m parsed. */
static bool ph_recv(phone *p, unsigned ms)
{
	for (unsigned t = 0; t <= ms; t++) {
		sip_framer f;
		sip_framer_init(&f);
		size_t fl = 0;
		int k = p->len ? sip_frame(&f, p->buf, p->len, &fl, NULL) : OPENUM_EAGAIN;
		if (k == SIP_FRAME_MSG) {
			memcpy(p->msg, p->buf, fl);
			p->msg[fl] = '\0';
			memmove(p->buf, p->buf + fl, p->len - fl);
			p->len -= fl;
			assert_int_equal(sip_msg_parse(p->msg, fl, &p->m, NULL), 0);
			return true;
		}
		if (k > 0) {
			memmove(p->buf, p->buf + fl, p->len - fl);
			p->len -= fl;
			continue;
		}
		uv_run(&W.loop, UV_RUN_NOWAIT);
		ssize_t r = recv(p->fd, p->buf + p->len, sizeof(p->buf) - p->len - 1, 0);
		if (r > 0) {
			p->len += (size_t)r;
			continue;
		}
		usleep(1000);
	}
	return false;
}

/* Receives until a response with status (or any final when status 0). */
static unsigned ph_expect_status(phone *p, unsigned status, unsigned ms)
{
	while (ph_recv(p, ms)) {
		if (p->m.is_request)
			continue;
		if (p->m.status == status || (status == 0 && p->m.status >= 200))
			return p->m.status;
		if (status && p->m.status >= 200)
			return p->m.status;
	}
	return 0;
}

static void ph_request(phone *p, const char *method, const char *ruri, const char *from_user,
                       const char *to, const char *callid, unsigned cseq, const char *extra)
{
	char text[8192];
	snprintf(text, sizeof(text),
	         "%s %s SIP/2.0\r\n"
	         "Via: SIP/2.0/TCP 127.0.0.1:%u;branch=z9hG4bK-%s-%u-%s\r\n"
	         "From: <sip:%s@" DOMAIN ">;tag=t-%s\r\n"
	         "To: <%s>\r\n"
	         "Call-ID: %s\r\nCSeq: %u %s\r\nMax-Forwards: 70\r\n"
	         "Contact: <sip:%s@127.0.0.1:%u;transport=tcp>\r\n%s"
	         "Content-Length: 0\r\n\r\n",
	         method, ruri, p->port, callid, cseq, method, from_user, from_user, to, callid,
	         cseq, method, from_user, (unsigned)(p->contact_port ? p->contact_port : p->port),
	         extra ? extra : "");
	ph_send(p, text);
}

/* Answers the last received 401/407 for user: the header line to add. */
static void ph_answer(phone *p, const char *user, const char *pw, const char *method,
                      const char *uri, char *out, size_t cap)
{
	bool proxy_auth = p->m.status == 407;
	const sip_hdr *h =
	    sip_msg_hdr(&p->m, proxy_auth ? SIP_H_PROXY_AUTHENTICATE : SIP_H_WWW_AUTHENTICATE);
	assert_non_null(h);
	sip_auth ch;
	assert_int_equal(sip_auth_parse(h->value, &ch, NULL), 0);
	assert_true(ou_slice_eq_cstr(ch.algorithm, "SHA-256")); /* offered first */
	ou_buf b;
	ou_buf_init(&b);
	assert_int_equal(auth_client_answer(&ch, ou_slice_cstr(user), ou_slice_cstr(pw),
	                                    ou_slice_cstr(method), ou_slice_cstr(uri), ++p->nc,
	                                    NULL, &b, NULL),
	                 0);
	snprintf(out, cap, "%s: %.*s\r\n", proxy_auth ? "Proxy-Authorization" : "Authorization",
	         (int)b.len, b.data);
	ou_buf_free(&b);
}

static void ph_register(phone *p, const char *user, const char *pw)
{
	char to[64], cid[64];
	snprintf(to, sizeof(to), "sip:%s@" DOMAIN, user);
	snprintf(cid, sizeof(cid), "reg-%s-%u", user, p->port);
	ph_request(p, "REGISTER", "sip:" DOMAIN, user, to, cid, 1, NULL);
	assert_int_equal(ph_expect_status(p, 401, 2000), 401);
	assert_int_equal(sip_msg_hdr_count(&p->m, SIP_H_WWW_AUTHENTICATE), 2);
	char auth[1024];
	p->nc = 0;
	ph_answer(p, user, pw, "REGISTER", "sip:" DOMAIN, auth, sizeof(auth));
	ph_request(p, "REGISTER", "sip:" DOMAIN, user, to, cid, 2, auth);
	assert_int_equal(ph_expect_status(p, 200, 2000), 200);
	assert_non_null(sip_msg_hdr(&p->m, SIP_H_CONTACT));
	p->nc = 0;
}

/* The phones of a call: callee phones c1 and c2 (NULL: one phone) registered as user
 * (password "USER-pw"), and a caller (NULL: none yet), all open. */
static void ph_setup_call(phone *caller, const char *user, phone *c1, phone *c2)
{
	char pw[32];
	snprintf(pw, sizeof(pw), "%s-pw", user);
	ph_open(c1);
	if (c2)
		ph_open(c2);
	if (caller)
		ph_open(caller);
	ph_register(c1, user, pw);
	if (c2)
		ph_register(c2, user, pw);
}

/* Sends an INVITE from user through the 407 challenge. */
static void ph_invite(phone *p, const char *user, const char *pw, const char *ruri, const char *to,
                      const char *callid, const char *extra)
{
	ph_request(p, "INVITE", ruri, user, to, callid, 1, extra);
	assert_int_equal(ph_expect_status(p, 407, 2000), 407);
	char hdrs[4096];
	ph_answer(p, user, pw, "INVITE", ruri, hdrs, sizeof(hdrs));
	if (extra)
		strncat(hdrs, extra, sizeof(hdrs) - strlen(hdrs) - 1);
	ph_request(p, "INVITE", ruri, user, to, callid, 2, hdrs);
}

/* bob calls user from caller with private-no-diversion (voicemail kept out of the
 * way) and both of the user's phones ring. */
static void ph_ring_both_private(phone *caller, const char *user, phone *c1, phone *c2,
                                 const char *cid)
{
	char to[64];
	snprintf(to, sizeof(to), "sip:%s@" DOMAIN, user);
	ph_invite(caller, "bob", "bob-pw", to, to, cid, "Ms-Sensitivity: private-no-diversion\r\n");
	assert_true(ph_recv(c1, 2000));
	assert_int_equal(c1->m.method, SIP_METHOD_INVITE);
	assert_true(ph_recv(c2, 2000));
	assert_int_equal(c2->m.method, SIP_METHOD_INVITE);
}

/* The phone answers the INVITE it holds with status. */
static void ph_reply(phone *p, unsigned status)
{
	ou_buf b;
	ou_buf_init(&b);
	txn_build_response(&p->m, status, NULL, OU_SLICE_LIT("calleetag"), &b);
	b.data[b.len] = '\0';
	ph_send(p, b.data);
	ou_buf_free(&b);
}

/* The phone answers the INVITE it holds with status and extra header lines. */
static void ph_reply_hdr(phone *p, unsigned status, const char *extra)
{
	ou_buf b;
	ou_buf_init(&b);
	txn_build_response(&p->m, status, NULL, OU_SLICE_LIT("calleetag"), &b);
	b.data[b.len] = '\0';
	char *cl = strstr(b.data, "Content-Length:");
	assert_non_null(cl);
	char text[8192];
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(cl - b.data), b.data, extra, cl);
	ph_send(p, text);
	ou_buf_free(&b);
}

/* Sends a request from a caller outside our domain (no digest possible). */
static void ph_foreign(phone *p, const char *method, const char *ruri, const char *callid)
{
	char text[2048];
	snprintf(text, sizeof(text),
	         "%s %s SIP/2.0\r\n"
	         "Via: SIP/2.0/TCP 127.0.0.1:%u;branch=z9hG4bK-f-%s\r\n"
	         "From: <sip:scanner@elsewhere.example>;tag=f-%s\r\nTo: <%s>\r\n"
	         "Call-ID: %s\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n"
	         "Contact: <sip:scanner@127.0.0.1:%u;transport=tcp>\r\nContent-Length: 0\r\n\r\n",
	         method, ruri, p->port, callid, callid, ruri, callid, method, p->port);
	ph_send(p, text);
}

static const char *um_last(void)
{
	return W.um_n ? W.um_msgs[W.um_n - 1] : "";
}

static bool wait_um(unsigned n, unsigned ms)
{
	for (unsigned t = 0; t < ms && W.um_n < n; t++)
		pump(1);
	return W.um_n >= n;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_register(void **state)
{
	(void)state;
	phone a;
	ph_open(&a);
	ph_register(&a, "alice", "alice-pw");
	assert_true(strstr(a.msg, "Contact: <sip:alice@127.0.0.1:") != NULL);
	assert_true(strstr(a.msg, ";expires=3600") != NULL);

	/* Wrong password: 401 again; someone else's AOR: 403. */
	ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, "r2", 1, NULL);
	assert_int_equal(ph_expect_status(&a, 401, 2000), 401);
	char auth[1024];
	ph_answer(&a, "alice", "wrong", "REGISTER", "sip:" DOMAIN, auth, sizeof(auth));
	ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, "r2", 2, auth);
	assert_int_equal(ph_expect_status(&a, 0, 2000), 401);
	ph_answer(&a, "bob", "bob-pw", "REGISTER", "sip:" DOMAIN, auth, sizeof(auth));
	ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, "r2", 3, auth);
	assert_int_equal(ph_expect_status(&a, 0, 2000), 403);
	/* Replayed credentials (same nonce and nc): challenged again. */
	ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, "r3", 0, NULL);
	assert_int_equal(ph_expect_status(&a, 401, 2000), 401);
	ph_answer(&a, "alice", "alice-pw", "REGISTER", "sip:" DOMAIN, auth, sizeof(auth));
	ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, "r3", 1, auth);
	assert_int_equal(ph_expect_status(&a, 0, 2000), 200);
	ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, "r3", 2, auth);
	assert_int_equal(ph_expect_status(&a, 0, 2000), 401);
	/* Too brief: 423 with Min-Expires. */
	ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, "r4", 0, NULL);
	assert_int_equal(ph_expect_status(&a, 401, 2000), 401);
	ph_answer(&a, "alice", "alice-pw", "REGISTER", "sip:" DOMAIN, auth, sizeof(auth));
	strncat(auth, "Expires: 10\r\n", sizeof(auth) - strlen(auth) - 1);
	ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, "r4", 1, auth);
	assert_int_equal(ph_expect_status(&a, 0, 2000), 423);
	assert_true(strstr(a.msg, "Min-Expires: 60\r\n") != NULL);
	ph_close(&a);
}

/* bob calls alice: 407, then alice's registered socket rings; nobody answers within
 * alice's 1 s: voicemail with Diversion naming alice, bob's fake Diversion gone. */
static void test_fork_and_no_answer_voicemail(void **state)
{
	(void)state;
	phone a, b;
	ph_setup_call(&b, "alice", &a, NULL);
	ph_invite(&b, "bob", "bob-pw", "sip:alice@" DOMAIN, "sip:alice@" DOMAIN, "call-na",
	          "Diversion: <sip:mallory@" DOMAIN ">;reason=unconditional\r\n");
	assert_true(ph_recv(&a, 2000)); /* the INVITE, over alice's own connection */
	assert_true(a.m.is_request);
	assert_int_equal(a.m.method, SIP_METHOD_INVITE);
	assert_true(strstr(a.msg, "Record-Route: <sip:127.0.0.1:") != NULL);
	assert_int_equal(sip_msg_hdr_count(&a.m, SIP_H_VIA), 2);
	assert_null(sip_msg_hdr(&a.m, SIP_H_PROXY_AUTHORIZATION));
	assert_true(strstr(a.msg, "P-Asserted-Identity: <sip:bob@" DOMAIN ">") != NULL);
	ph_reply(&a, 180);
	assert_int_equal(ph_expect_status(&b, 180, 2000), 180);
	/* No answer: the proxy cancels alice and goes to voicemail. */
	assert_true(wait_um(1, 3000));
	const char *m = um_last();
	assert_true(strncmp(m, "INVITE sip:alice@" DOMAIN ";opaque=app:voicemail SIP/2.0", 54) ==
	            0);
	assert_true(strstr(m, "Diversion: <sip:alice@" DOMAIN ">;reason=no-answer") != NULL);
	assert_null(strstr(m, "mallory"));
	assert_int_equal(ph_expect_status(&b, 200, 3000), 200);
	assert_true(ph_recv(&a, 1000)); /* the CANCEL */
	assert_int_equal(a.m.method, SIP_METHOD_CANCEL);
	ph_close(&a);
	ph_close(&b);
}

static void test_busy_voicemail_and_private(void **state)
{
	(void)state;
	phone a, b;
	ph_setup_call(&b, "alice", &a, NULL);
	/* Busy -> voicemail (user-busy). */
	ph_invite(&b, "bob", "bob-pw", "sip:alice@" DOMAIN, "sip:alice@" DOMAIN, "call-busy", NULL);
	assert_true(ph_recv(&a, 2000));
	ph_reply(&a, 486);
	assert_true(wait_um(1, 3000));
	assert_true(strstr(um_last(), "reason=user-busy") != NULL);
	assert_int_equal(ph_expect_status(&b, 200, 3000), 200);

	/* private-no-diversion: alice still rings, busy goes back to bob, UM sees nothing. */
	unsigned before = W.um_n;
	ph_invite(&b, "bob", "bob-pw", "sip:alice@" DOMAIN, "sip:alice@" DOMAIN, "call-priv",
	          "Ms-Sensitivity: private-no-diversion\r\n");
	assert_true(ph_recv(&a, 2000));
	while (a.m.method != SIP_METHOD_INVITE || !strstr(a.msg, "call-priv"))
		assert_true(ph_recv(&a, 2000));
	ph_reply(&a, 486);
	assert_int_equal(ph_expect_status(&b, 0, 3000), 486);
	pump(300);
	assert_int_equal(W.um_n, before);

	/* normal-no-diversion to dave (not registered, voicemail when unregistered): 480. */
	ph_invite(&b, "bob", "bob-pw", "sip:dave@" DOMAIN, "sip:dave@" DOMAIN, "call-dave",
	          "Ms-Sensitivity: normal-no-diversion\r\n");
	assert_int_equal(ph_expect_status(&b, 0, 3000), 480);
	pump(100);
	assert_int_equal(W.um_n, before);
	/* Without the header dave's calls go to voicemail (unavailable). */
	ph_invite(&b, "bob", "bob-pw", "sip:dave@" DOMAIN, "sip:dave@" DOMAIN, "call-dave2", NULL);
	assert_true(wait_um(before + 1, 3000));
	assert_true(strstr(um_last(), "Diversion: <sip:dave@" DOMAIN ">;reason=unavailable") !=
	            NULL);
	assert_int_equal(ph_expect_status(&b, 200, 3000), 200);

	/* A repeated or unknown Ms-Sensitivity: 400. */
	ph_request(&b, "INVITE", "sip:alice@" DOMAIN, "bob", "sip:alice@" DOMAIN, "call-bad", 1,
	           "Ms-Sensitivity: secret\r\n");
	assert_int_equal(ph_expect_status(&b, 0, 2000), 400);
	ph_request(&b, "INVITE", "sip:alice@" DOMAIN, "bob", "sip:alice@" DOMAIN, "call-bad2", 1,
	           "Ms-Sensitivity: normal\r\nMs-Sensitivity: private\r\n");
	assert_int_equal(ph_expect_status(&b, 0, 2000), 400);
	ph_close(&a);
	ph_close(&b);
}

static void test_gatekeeping(void **state)
{
	(void)state;
	phone a, b;
	ph_open(&a);
	ph_open(&b);
	const char *vm = "sip:alice@" DOMAIN ";opaque=app:voicemail";
	/* alice calls her own voicemail with skip-pin, but over plain TCP: stripped (spec
	 * 3.1; the TLS case passes, in integration/demo_script's step 2). */
	ph_invite(&a, "alice", "alice-pw", vm, "sip:alice@" DOMAIN, "gk-own",
	          "Ms-Exchange-Command: skip-pin\r\n");
	assert_true(wait_um(1, 3000));
	assert_null(strstr(um_last(), "Ms-Exchange-Command"));
	assert_true(strncmp(um_last(), "INVITE sip:alice@" DOMAIN ";opaque=app:voicemail ", 48) ==
	            0);
	assert_null(strstr(um_last(), "Diversion"));
	assert_int_equal(ph_expect_status(&a, 200, 3000), 200);
	/* bob calls alice's voicemail with skip-pin: stripped. */
	ph_invite(&b, "bob", "bob-pw", vm, "sip:alice@" DOMAIN, "gk-bob",
	          "Ms-Exchange-Command: skip-pin\r\nMs-Exchange-Command: skip-pin\r\n");
	assert_true(wait_um(2, 3000));
	assert_null(strstr(um_last(), "Ms-Exchange-Command"));
	assert_true(strstr(um_last(), "gk-bob") != NULL);
	assert_int_equal(ph_expect_status(&b, 200, 3000), 200);
	/* A client's own P-Asserted-Identity never gets through. */
	ph_invite(&b, "bob", "bob-pw", vm, "sip:alice@" DOMAIN, "gk-pai",
	          "P-Asserted-Identity: <sip:alice@" DOMAIN ">\r\n");
	assert_true(wait_um(3, 3000));
	assert_null(strstr(um_last(), "<sip:alice@" DOMAIN ">\r\nP-Asserted"));
	assert_true(strstr(um_last(), "P-Asserted-Identity: <sip:bob@" DOMAIN ">") != NULL);
	ph_close(&a);
	ph_close(&b);
}

static void test_max_forwards_and_relay(void **state)
{
	(void)state;
	phone b;
	ph_open(&b);
	char text[1024];
	snprintf(text, sizeof(text),
	         "OPTIONS sip:alice@" DOMAIN " SIP/2.0\r\n"
	         "Via: SIP/2.0/TCP 127.0.0.1:%u;branch=z9hG4bK-mf\r\n"
	         "From: <sip:bob@" DOMAIN ">;tag=1\r\nTo: <sip:alice@" DOMAIN ">\r\n"
	         "Call-ID: mf\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 0\r\nContent-Length: 0\r\n\r\n",
	         b.port);
	ph_send(&b, text);
	assert_int_equal(ph_expect_status(&b, 0, 2000), 483);
	/* An unauthenticated request to a foreign domain is no relay. */
	ph_request(&b, "MESSAGE", "sip:x@elsewhere.example", "bob", "sip:x@elsewhere.example", "rl",
	           1, NULL);
	assert_int_equal(ph_expect_status(&b, 0, 2000), 403);
	/* An unknown local user: 404. */
	ph_invite(&b, "bob", "bob-pw", "sip:nobody@" DOMAIN, "sip:nobody@" DOMAIN, "nb", NULL);
	assert_int_equal(ph_expect_status(&b, 0, 2000), 404);
	ph_close(&b);
}

/* A listening socket on loopback: the port a phone writes in its Contact. */
static int listen_any(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	socklen_t al = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	return fd;
}

/* The registration is in the store: a new proxy on the same database rings the
 * stored Contact (the flow is gone with the old process), and the call goes through. */
static void test_bindings_survive_restart(void **state)
{
	(void)state;
	uint16_t lport;
	int lfd = listen_any(&lport);
	phone a;
	ph_open(&a);
	a.contact_port = lport;
	ph_register(&a, "alice", "alice-pw");
	pump(200); /* the store write runs on the thread pool */
	proxy_free(W.px);
	W.px = NULL;
	for (int i = 0; i < 50; i++)
		uv_run(&W.loop, UV_RUN_NOWAIT);
	close(a.fd);
	const char *why = NULL;
	assert_int_equal(proxy_new(&W.loop, &W.pc, &W.px, &why), 0);

	phone b, in;
	ph_open(&b);
	ph_invite(&b, "bob", "bob-pw", "sip:alice@" DOMAIN, "sip:alice@" DOMAIN, "restart", NULL);
	memset(&in, 0, sizeof(in));
	in.fd = -1;
	for (int t = 0; t < 3000 && in.fd < 0; t++) {
		pump(1);
		in.fd = accept(lfd, NULL, NULL);
	}
	assert_true(in.fd >= 0); /* the proxy connected to the stored Contact */
	fcntl(in.fd, F_SETFL, O_NONBLOCK);
	assert_true(ph_recv(&in, 2000));
	assert_int_equal(in.m.method, SIP_METHOD_INVITE);
	char want[64];
	snprintf(want, sizeof(want), "INVITE sip:alice@127.0.0.1:%u;", lport);
	assert_true(strncmp(in.msg, want, strlen(want)) == 0);
	ph_reply(&in, 200);
	assert_int_equal(ph_expect_status(&b, 200, 2000), 200);
	ph_close(&in);
	ph_close(&b);
	close(lfd);
}

/* alice registered, then her phone went away (its connection closed, nothing listens
 * at her Contact): the proxy cannot reach the binding and, with her no-answer setting,
 * diverts the call to voicemail (reason no-answer) instead of answering bob 503. */
static void test_unreachable_contact_voicemail(void **state)
{
	(void)state;
	uint16_t dead;
	int lfd = listen_any(&dead);
	close(lfd); /* a port where nobody listens */
	phone a, b;
	ph_open(&a);
	a.contact_port = dead;
	ph_register(&a, "alice", "alice-pw");
	ph_close(&a);
	pump(100);
	ph_open(&b);
	ph_invite(&b, "bob", "bob-pw", "sip:alice@" DOMAIN, "sip:alice@" DOMAIN, "gone", NULL);
	assert_true(wait_um(1, 3000));
	assert_true(strstr(um_last(), "Diversion: <sip:alice@" DOMAIN ">;reason=no-answer") !=
	            NULL);
	assert_int_equal(ph_expect_status(&b, 0, 3000), 200);
	ph_close(&b);
}

/* dave is not registered and goes to voicemail: the first UM server answers 503, the
 * second takes the call (MS-EUMR: first available, then the next). */
static void test_um_failover(void **state)
{
	(void)state;
	W.um_status = 503;
	phone b;
	ph_open(&b);
	ph_invite(&b, "bob", "bob-pw", "sip:dave@" DOMAIN, "sip:dave@" DOMAIN, "fo", NULL);
	assert_int_equal(ph_expect_status(&b, 0, 3000), 200);
	assert_int_equal(W.um_n, 2); /* the INVITE reached both, in order */
	assert_int_equal(W.um2_n, 1);
	assert_true(strstr(W.um_msgs[0], "reason=unavailable") != NULL);
	assert_true(strstr(W.um_msgs[1], "reason=unavailable") != NULL);
	assert_true(strncmp(W.um_msgs[1], "INVITE sip:dave@" DOMAIN ";opaque=app:voicemail ", 47) ==
	            0);
	ph_close(&b);
}

/* erin forwards every call to bob: bob's phone rings with a Diversion naming erin;
 * with Ms-Sensitivity: private-no-diversion there is no forwarding (erin has no
 * contact: 480) and bob's phone stays silent. */
static void test_immediate_forwarding(void **state)
{
	(void)state;
	phone a, b;
	ph_setup_call(&a, "bob", &b, NULL);
	ph_invite(&a, "alice", "alice-pw", "sip:erin@" DOMAIN, "sip:erin@" DOMAIN, "fw", NULL);
	assert_true(ph_recv(&b, 2000));
	assert_int_equal(b.m.method, SIP_METHOD_INVITE);
	assert_true(strncmp(b.msg, "INVITE sip:bob@127.0.0.1:", 25) == 0);
	assert_true(strstr(b.msg, "Diversion: <sip:erin@" DOMAIN ">;reason=unconditional") != NULL);
	ph_reply(&b, 200);
	assert_int_equal(ph_expect_status(&a, 200, 2000), 200);

	ph_invite(&a, "alice", "alice-pw", "sip:erin@" DOMAIN, "sip:erin@" DOMAIN, "fw-priv",
	          "Ms-Sensitivity: private-no-diversion\r\n");
	assert_int_equal(ph_expect_status(&a, 0, 2000), 480);
	assert_false(ph_recv(&b, 300));
	assert_int_equal(W.um_n, 0);
	ph_close(&a);
	ph_close(&b);
}

/* Two contacts answer 503 and 486: the caller gets 486, the lower class, though the
 * 503 came first (RFC 3261 16.7 step 6). private-no-diversion keeps voicemail out. */
static void test_best_response(void **state)
{
	(void)state;
	phone a1, a2, b;
	ph_setup_call(&b, "alice", &a1, &a2);
	ph_ring_both_private(&b, "alice", &a1, &a2, "best");
	ph_reply(&a1, 503);
	pump(100);
	ph_reply(&a2, 486);
	assert_int_equal(ph_expect_status(&b, 0, 3000), 486);
	assert_int_equal(W.um_n, 0);
	ph_close(&a1);
	ph_close(&a2);
	ph_close(&b);
}

/* Both contacts answer 503: the caller gets 500, never a 503 (RFC 3261 16.7 step 6). */
static void test_best_503_is_500(void **state)
{
	(void)state;
	phone a1, a2, b;
	ph_setup_call(&b, "alice", &a1, &a2);
	ph_ring_both_private(&b, "alice", &a1, &a2, "b503");
	ph_reply_hdr(&a1, 503, "Retry-After: 10\r\n");
	pump(50);
	ph_reply_hdr(&a2, 503, "Retry-After: 10\r\n");
	assert_int_equal(ph_expect_status(&b, 0, 3000), 500);
	assert_null(strstr(b.msg, "SIP/2.0 503"));
	ph_close(&a1);
	ph_close(&a2);
	ph_close(&b);
}

/* One contact answers 486, the other 415 with Accept (16.7 step 6): 415 wins
 * over 486 and keeps its Accept; then challenges from two contacts (a 407 and a 401
 * for another realm) reach the caller merged in one 407 (step 7), over a 486. */
static void test_best_415_and_merged_challenges(void **state)
{
	(void)state;
	phone a1, a2, a3, b;
	ph_open(&a3);
	ph_setup_call(&b, "alice", &a1, &a2);
	ph_ring_both_private(&b, "alice", &a1, &a2, "b415");
	ph_reply(&a1, 486);
	pump(50);
	ph_reply_hdr(&a2, 415, "Accept: application/sdp\r\n");
	assert_int_equal(ph_expect_status(&b, 0, 3000), 415);
	assert_non_null(strstr(b.msg, "\r\nAccept: application/sdp\r\n"));
	ph_close(&a1);
	ph_close(&a2);

	/* a third phone registers alone: the challenges */
	phone c1, c2;
	ph_setup_call(NULL, "dave", &c1, &c2);
	ph_ring_both_private(&a3, "dave", &c1, &c2, "bch");
	ph_reply_hdr(&c1, 407,
	             "Proxy-Authenticate: Digest realm=\"one.example\", nonce=\"n1\"\r\n");
	pump(50);
	ph_reply_hdr(&c2, 401, "WWW-Authenticate: Digest realm=\"two.example\", nonce=\"n2\"\r\n");
	assert_int_equal(ph_expect_status(&a3, 0, 3000), 407);
	assert_non_null(strstr(a3.msg, "Proxy-Authenticate: Digest realm=\"one.example\""));
	assert_non_null(strstr(a3.msg, "WWW-Authenticate: Digest realm=\"two.example\""));
	ph_close(&c1);
	ph_close(&c2);
	ph_close(&a3);
	ph_close(&b);
}

/* User enumeration (docs/proxy.md): a caller that did not authenticate gets the same
 * answer for a name that does not exist and for a user who is not registered (bob: no
 * voicemail when unregistered), for INVITE and OPTIONS; one claiming a From of our
 * domain is challenged before anything is looked up; an authenticated caller learns 404. */
static void test_no_enumeration(void **state)
{
	(void)state;
	phone x;
	ph_open(&x);
	char line_unknown[128], line_known[128];
	const char *methods[] = {"INVITE", "OPTIONS"};
	for (unsigned i = 0; i < 2; i++) {
		char cid[32];
		snprintf(cid, sizeof(cid), "enum-u-%u", i);
		ph_foreign(&x, methods[i], "sip:nobody@" DOMAIN, cid);
		assert_int_equal(ph_expect_status(&x, 0, 2000), 480);
		snprintf(line_unknown, sizeof(line_unknown), "%.*s", (int)strcspn(x.msg, "\r"),
		         x.msg);
		snprintf(cid, sizeof(cid), "enum-k-%u", i);
		ph_foreign(&x, methods[i], "sip:bob@" DOMAIN, cid);
		assert_int_equal(ph_expect_status(&x, 0, 2000), 480);
		snprintf(line_known, sizeof(line_known), "%.*s", (int)strcspn(x.msg, "\r"), x.msg);
		assert_string_equal(line_unknown, line_known);
		assert_int_equal(sip_msg_hdr_count(&x.m, SIP_H_WWW_AUTHENTICATE), 0);
	}
	/* From one of ours, not authenticated: 407 for both names. */
	ph_request(&x, "OPTIONS", "sip:nobody@" DOMAIN, "bob", "sip:nobody@" DOMAIN, "enum-l1", 1,
	           NULL);
	assert_int_equal(ph_expect_status(&x, 0, 2000), 407);
	ph_request(&x, "OPTIONS", "sip:bob@" DOMAIN, "alice", "sip:bob@" DOMAIN, "enum-l2", 1,
	           NULL);
	assert_int_equal(ph_expect_status(&x, 0, 2000), 407);
	ph_close(&x);
}

/* Wrong passwords from one address: challenged until the bucket is empty, then 403
 * with a reason, even for the right password; nothing is registered meanwhile. */
static void test_auth_rate_limit(void **state)
{
	(void)state;
	phone a;
	ph_open(&a);
	char auth[1024];
	unsigned st = 0;
	int tries = 0;
	for (; tries < 20; tries++) {
		char cid[32];
		snprintf(cid, sizeof(cid), "rl-%d", tries);
		ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, cid, 1,
		           NULL);
		st = ph_expect_status(&a, 0, 2000);
		if (st != 401)
			break;
		ph_answer(&a, "alice", "wrong", "REGISTER", "sip:" DOMAIN, auth, sizeof(auth));
		ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, cid, 2,
		           auth);
		st = ph_expect_status(&a, 0, 2000);
		a.nc = 0;
		if (st != 401)
			break;
	}
	assert_int_equal(st, 403);
	assert_true(tries >= 9 && tries <= 11); /* a burst of 10 failures */
	assert_true(strstr(a.msg, "SIP/2.0 403 Too many failed authentications") != NULL);
	proxy_stats ps;
	proxy_get_stats(W.px, &ps);
	assert_true(ps.rate_limited >= 1);
	ph_close(&a);
}

/* --digest md5: the challenge offers MD5 alone, a SHA-256 credential is refused with
 * 400 (no downgrade or upgrade behind the operator's back), an MD5 one registers. */
static void test_digest_choice(void **state)
{
	(void)state;
	proxy_free(W.px);
	for (int i = 0; i < 50; i++)
		uv_run(&W.loop, UV_RUN_NOWAIT);
	W.pc.digest[0] = AUTH_MD5;
	W.pc.ndigest = 1;
	const char *why = NULL;
	assert_int_equal(proxy_new(&W.loop, &W.pc, &W.px, &why), 0);
	phone a;
	ph_open(&a);
	ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, "dg", 1, NULL);
	assert_int_equal(ph_expect_status(&a, 401, 2000), 401);
	assert_int_equal(sip_msg_hdr_count(&a.m, SIP_H_WWW_AUTHENTICATE), 1);
	/* the challenge outlives a.msg, which the next answer overwrites */
	static char chal[1024];
	ou_slice cv = sip_msg_hdr(&a.m, SIP_H_WWW_AUTHENTICATE)->value;
	assert_true(cv.n < sizeof(chal));
	memcpy(chal, cv.p, cv.n);
	sip_auth ch;
	assert_int_equal(sip_auth_parse((ou_slice){chal, cv.n}, &ch, NULL), 0);
	assert_true(ou_slice_eq_cstr(ch.algorithm, "MD5"));
	char text[1024];
	for (int round = 0; round < 2; round++) {
		ch.algorithm = round == 0 ? OU_SLICE_LIT("SHA-256") : OU_SLICE_LIT("MD5");
		ou_buf b;
		ou_buf_init(&b);
		assert_int_equal(
		    auth_client_answer(&ch, OU_SLICE_LIT("alice"), OU_SLICE_LIT("alice-pw"),
		                       OU_SLICE_LIT("REGISTER"), OU_SLICE_LIT("sip:" DOMAIN),
		                       (unsigned)round + 1, NULL, &b, NULL),
		    0);
		snprintf(text, sizeof(text), "Authorization: %.*s\r\n", (int)b.len, b.data);
		ou_buf_free(&b);
		ph_request(&a, "REGISTER", "sip:" DOMAIN, "alice", "sip:alice@" DOMAIN, "dg",
		           (unsigned)round + 2, text);
		if (round == 0) {
			assert_int_equal(ph_expect_status(&a, 0, 2000), 400);
			assert_true(strstr(a.msg, "400 Bad credentials: algorithm not offered") !=
			            NULL);
		} else {
			assert_int_equal(ph_expect_status(&a, 0, 2000), 200);
		}
	}
	ph_close(&a);
}

static bool calls_back_to(int64_t n, unsigned ms)
{
	for (unsigned t = 0; t < ms && metrics_get(MET_PROXY_CALLS_ACTIVE) != n; t++)
		pump(1);
	return metrics_get(MET_PROXY_CALLS_ACTIVE) == n;
}

/* A call is freed once it is settled (the caller has its final answer and every
 * branch its own), not when its transactions end after Timer L / M; a branch still
 * waiting for the answer to its CANCEL keeps it. A retransmitted 2xx after that, and a
 * caller whose connection closes before the answer, leave nothing behind (ASan). */
static void test_call_freed_once_settled(void **state)
{
	(void)state;
	phone a1, a2, b;
	ph_setup_call(&b, "alice", &a1, &a2);
	pump(20);
	int64_t calls0 = metrics_get(MET_PROXY_CALLS_ACTIVE);
	int64_t txn0 = metrics_get(MET_TXN_ACTIVE);
	ph_invite(&b, "bob", "bob-pw", "sip:alice@" DOMAIN, "sip:alice@" DOMAIN, "settle", NULL);
	assert_true(ph_recv(&a1, 2000));
	assert_int_equal(a1.m.method, SIP_METHOD_INVITE);
	assert_true(ph_recv(&a2, 2000));
	assert_int_equal(a2.m.method, SIP_METHOD_INVITE);
	static char inv2[65536];
	memcpy(inv2, a2.msg, sizeof(inv2));
	ph_reply(&a2, 180); /* a CANCEL waits for a provisional answer (9.1) */
	pump(20);
	ph_reply(&a1, 200);
	assert_int_equal(ph_expect_status(&b, 200, 2000), 200);
	assert_true(ph_recv(&a2, 2000));
	assert_int_equal(a2.m.method, SIP_METHOD_CANCEL);
	pump(20);
	assert_int_equal(metrics_get(MET_PROXY_CALLS_ACTIVE), calls0 + 1); /* a2 owes 487 */
	ph_reply(&a2, 200);                                                /* the CANCEL */
	memcpy(a2.msg, inv2, sizeof(inv2));
	assert_int_equal(sip_msg_parse(a2.msg, strlen(a2.msg), &a2.m, NULL), 0);
	ph_reply(&a2, 487);
	assert_true(calls_back_to(calls0, 2000));
	/* The INVITE server transaction and a1's client transaction wait out Timer L / M
	 * (64*T1 = 1.28 s here) without the call. */
	assert_true(metrics_get(MET_TXN_ACTIVE) > txn0);
	ph_reply(&a1, 200); /* a retransmitted 2xx: absorbed, nobody to tell */
	for (unsigned t = 0; t < 4000 && metrics_get(MET_TXN_ACTIVE) != txn0; t++)
		pump(1);
	assert_int_equal(metrics_get(MET_TXN_ACTIVE), txn0);

	/* The caller goes away before the answer: the answer settles the call. */
	ph_invite(&b, "bob", "bob-pw", "sip:alice@" DOMAIN, "sip:alice@" DOMAIN, "gone", NULL);
	assert_true(ph_recv(&a1, 2000));
	assert_int_equal(a1.m.method, SIP_METHOD_INVITE);
	assert_true(ph_recv(&a2, 2000)); /* the proxy's ACK of the 487 first */
	assert_int_equal(a2.m.method, SIP_METHOD_ACK);
	assert_true(ph_recv(&a2, 2000));
	assert_int_equal(a2.m.method, SIP_METHOD_INVITE);
	assert_int_equal(metrics_get(MET_PROXY_CALLS_ACTIVE), calls0 + 1);
	ph_close(&b);
	ph_reply(&a1, 486);
	ph_reply(&a2, 486);
	assert_true(calls_back_to(calls0, 2000));
	ph_close(&a1);
	ph_close(&a2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_register, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fork_and_no_answer_voicemail, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busy_voicemail_and_private, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gatekeeping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max_forwards_and_relay, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bindings_survive_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unreachable_contact_voicemail, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_um_failover, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_immediate_forwarding, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_best_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_best_503_is_500, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_best_415_and_merged_challenges, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_enumeration, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_auth_rate_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_digest_choice, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_call_freed_once_settled, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
