#!/usr/bin/env python3
"""Records the small captures tests/cli/check_trace.sh checks (good.pcapng, bad.pcap):
real SIP over loopback TCP, UDP and TLS, captured by dumpcap. Needs capture rights
(root, or dumpcap with CAP_NET_RAW) and openssl. Run it again only to change them:
    tests/data/traces/make-pcaps.py tests/data/traces
The frame numbers the CLI test expects come from the checked-in files."""
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
P_UDP, P_TCP, P_TLS = 5171, 5172, 5173


def msg(start, headers, body=""):
    lines = [start] + headers + ["Content-Length: %d" % len(body.encode()), "", ""]
    return ("\r\n".join(lines) + body).encode()


def invite(ruri, frm, to, callid, via_tp, extra=(), cseq=1):
    return msg("INVITE %s SIP/2.0" % ruri,
               ["Via: SIP/2.0/%s 127.0.0.1:40000;branch=z9hG4bK%s%d" % (via_tp, callid, cseq),
                "Max-Forwards: 70",
                "From: <%s>;tag=f%s" % (frm, callid),
                "To: <%s>" % to,
                "Call-ID: %s" % callid,
                "CSeq: %d INVITE" % cseq,
                "Contact: <sip:127.0.0.1:40000;transport=%s>" % via_tp.lower()]
               + list(extra))


def response(code, reason, frm, to, callid, via_tp, totag=True, extra=()):
    return msg("SIP/2.0 %d %s" % (code, reason),
               ["Via: SIP/2.0/%s 127.0.0.1:40000;branch=z9hG4bK%s1" % (via_tp, callid),
                "From: <%s>;tag=f%s" % (frm, callid),
                "To: <%s>%s" % (to, ";tag=t1" if totag else ""),
                "Call-ID: %s" % callid,
                "CSeq: 1 INVITE"] + list(extra))


def sink_tcp(srv, tls_ctx=None):
    """Accepts connections and reads them dry."""
    def run():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            if tls_ctx:
                try:
                    c = tls_ctx.wrap_socket(c, server_side=True)
                except (ssl.SSLError, OSError):
                    continue
            threading.Thread(target=lambda s=c: [None for _ in iter(lambda: s.recv(65536), b"")],
                             daemon=True).start()
    threading.Thread(target=run, daemon=True).start()


def tcp_client():
    s = socket.create_connection((HOST, P_TCP))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def send_parts(s, *parts):
    for p in parts:
        s.sendall(p)
        time.sleep(0.05)


def good(tls_ctx):
    um, alice = "sip:alice@example.com", "sip:alice@example.com"
    # UM server -> proxy -> phone: a Play-On-Phone INVITE, From == To, not diverted.
    s = tcp_client()
    pop = invite(alice, um, alice, "pop1", "TCP", ["Ms-Sensitivity: private-no-diversion"])
    send_parts(s, pop[:60], pop[60:])  # one message in two segments
    fwd = invite("sip:alice@127.0.0.1:5090;transport=tcp", um, alice, "pop1", "TCP",
                 ["Ms-Sensitivity: private-no-diversion"])
    send_parts(s, fwd)
    # two responses in one segment
    send_parts(s, response(180, "Ringing", um, alice, "pop1", "TCP")
               + response(200, "OK", um, alice, "pop1", "TCP"))
    s.close()
    # subscriber access with skip-pin over TLS: opaque in the capture
    t = tls_client(tls_ctx)
    t.sendall(invite("sip:alice@example.com;opaque=app:voicemail", alice,
                     "sip:alice@example.com;opaque=app:voicemail", "sa1", "TLS",
                     ["Ms-Exchange-Command: skip-pin"]))
    time.sleep(0.05)
    t.close()


def bad(tls_ctx):
    alice = "sip:alice@example.com"
    # R1: OPTIONS over UDP (nobody listens: the ICMP answer must be ignored)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(msg("OPTIONS sip:proxy@127.0.0.1 SIP/2.0",
                 ["Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bKopt1",
                  "Max-Forwards: 70", "From: <sip:bob@example.com>;tag=o1",
                  "To: <sip:proxy@127.0.0.1>", "Call-ID: opt1", "CSeq: 1 OPTIONS"]),
             (HOST, P_UDP))
    u.close()
    time.sleep(0.05)
    s = tcp_client()
    # R3: skip-pin over plain TCP
    send_parts(s, invite("sip:alice@example.com;opaque=app:voicemail", alice,
                         "sip:alice@example.com;opaque=app:voicemail", "sa2", "TCP",
                         ["Ms-Exchange-Command: skip-pin"]))
    # R5: a Play-On-Phone INVITE forwarded to bob with a Diversion, then redirected
    send_parts(s, invite(alice, alice, alice, "pop2", "TCP",
                         ["Ms-Sensitivity: private-no-diversion"]))
    send_parts(s, invite("sip:bob@example.com", alice, alice, "pop2", "TCP",
                         ["Ms-Sensitivity: private-no-diversion",
                          "Diversion: <sip:alice@example.com>;reason=no-answer"]))
    send_parts(s, response(302, "Moved Temporarily", alice, alice, "pop2", "TCP",
                           extra=["Contact: <sip:alice@example.com;opaque=app:voicemail>"]))
    s.close()


def tls_client(ctx_unused):
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection((HOST, P_TLS))
    return c.wrap_socket(raw, server_hostname="localhost")


def capture(path, fmt, scenario, tls_ctx):
    cap = subprocess.Popen(["dumpcap", "-q", "-i", "lo", fmt, "-w", path, "-f",
                            "port %d or port %d or port %d or icmp" % (P_UDP, P_TCP, P_TLS)],
                           stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    scenario(tls_ctx)
    time.sleep(0.5)
    cap.terminate()
    cap.wait()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        key, crt = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
                        "-days", "1", "-keyout", key, "-out", crt],
                       check=True, stderr=subprocess.DEVNULL)
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(crt, key)
        tcp = socket.create_server((HOST, P_TCP))
        tls = socket.create_server((HOST, P_TLS))
        sink_tcp(tcp)
        sink_tcp(tls, sctx)
        capture(os.path.join(out, "good.pcapng"), "-n", good, sctx)
        capture(os.path.join(out, "bad.pcap"), "-P", bad, sctx)
        tcp.close()
        tls.close()


if __name__ == "__main__":
    main()
