#!/usr/bin/env python3
"""A raw SIP peer for tests/integration/mwi_um.sh: speaks to `openum um` directly, as the
proxy would (mutual TLS with the allow-listed certificate) or as a stranger (TCP), and
checks the message-waiting subscription protocol (RFC 6665, RFC 3842) message by message.

usage: mwi_sip.py HOST TCP_PORT TLS_PORT PKI_DIR IMPORT_CMD...
IMPORT_CMD is run (with its arguments) when a message must appear in alice's mailbox."""
import re
import socket
import ssl
import subprocess
import sys
import time
import uuid

HOST, TCP, TLS, PKI = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
IMPORT = sys.argv[5:]
DOMAIN = "localhost"


def fail(msg):
    print("mwi_sip: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


class Peer:
    def __init__(self, tls):
        s = socket.create_connection((HOST, TLS if tls else TCP), timeout=10)
        if tls:
            ctx = ssl.create_default_context(cafile=PKI + "/ca.pem")
            ctx.check_hostname = False
            ctx.load_cert_chain(PKI + "/client.pem", PKI + "/client.key")
            s = ctx.wrap_socket(s)
        self.s, self.buf, self.tls = s, b"", tls
        self.local = "%s:%d" % s.getsockname()[:2]

    def send(self, text):
        self.s.sendall(text.replace("\n", "\r\n").encode())

    def recv(self, timeout=10):
        """One message: (start line, {lower name: [values]}, body)."""
        end = time.time() + timeout
        while True:
            i = self.buf.find(b"\r\n\r\n")
            if i >= 0:
                head = self.buf[:i].decode()
                lines = head.split("\r\n")
                hdrs = {}
                for ln in lines[1:]:
                    n, _, v = ln.partition(":")
                    hdrs.setdefault(n.strip().lower(), []).append(v.strip())
                clen = int(hdrs.get("content-length", ["0"])[0])
                if len(self.buf) >= i + 4 + clen:
                    body = self.buf[i + 4:i + 4 + clen].decode()
                    self.buf = self.buf[i + 4 + clen:]
                    return lines[0], hdrs, body
            left = end - time.time()
            if left <= 0:
                fail("no message within %d s" % timeout)
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                fail("no message within %d s" % timeout)
            if not d:
                fail("connection closed")
            self.buf += d

    def answer(self, start, h, status=200, reason="OK"):
        """Responds to a request just received."""
        lines = ["SIP/2.0 %d %s" % (status, reason)]
        lines += ["Via: " + v for v in h["via"]]
        for n in ("from", "to", "call-id", "cseq"):
            lines.append("%s: %s" % (n, h[n][0]))
        lines.append("Content-Length: 0")
        self.send("\n".join(lines) + "\n\n")


def subscribe(p, user, pai=None, event="message-summary", expires=3600, dialog=None,
              from_user=None):
    """Sends a SUBSCRIBE (in dialog when dialog = (call_id, from_tag, to_tag, cseq))."""
    if dialog:
        cid, ftag, ttag, cseq = dialog
        to = "<sip:%s@%s>;tag=%s" % (user, DOMAIN, ttag)
    else:
        cid, ftag, cseq = uuid.uuid4().hex, uuid.uuid4().hex[:10], 1
        to = "<sip:%s@%s>" % (user, DOMAIN)
    tp = "TLS" if p.tls else "TCP"
    msg = ("SUBSCRIBE sip:%s@%s SIP/2.0\n"
           "Via: SIP/2.0/%s %s;branch=z9hG4bK%s\n"
           "Max-Forwards: 70\n"
           "From: <sip:%s@%s>;tag=%s\n"
           "To: %s\n"
           "Call-ID: %s\n"
           "CSeq: %d SUBSCRIBE\n"
           "Contact: <sip:%s@%s;transport=%s>\n"
           "Event: %s\n"
           "Expires: %d\n"
           "Accept: application/simple-message-summary\n" %
           (user, DOMAIN, tp, p.local, uuid.uuid4().hex[:12], from_user or user, DOMAIN, ftag,
            to, cid, cseq, user, p.local, tp.lower(), event, expires))
    if pai:
        msg += "P-Asserted-Identity: <sip:%s@%s>\n" % (pai, DOMAIN)
    p.send(msg + "Content-Length: 0\n\n")
    return cid, ftag


def final(p, want, what):
    """Reads the final response to our request and checks its status."""
    while True:
        start, h, _ = p.recv()
        if not start.startswith("SIP/2.0 "):
            fail("%s: a request came before the response: %s" % (what, start))
        code = int(start.split()[1])
        if code >= 200:
            break
    if code != want:
        fail("%s: got '%s', want %d" % (what, start, want))
    return h


def notify(p, state_re, body_res, what, timeout=10):
    """Reads a NOTIFY, answers 200, checks Subscription-State and body lines."""
    start, h, body = p.recv(timeout)
    if not start.startswith("NOTIFY "):
        fail("%s: expected a NOTIFY, got '%s'" % (what, start))
    p.answer(start, h)
    if h.get("event", [""])[0] != "message-summary":
        fail("%s: Event is %s" % (what, h.get("event")))
    st = h.get("subscription-state", [""])[0]
    if not re.fullmatch(state_re, st):
        fail("%s: Subscription-State '%s' does not match /%s/" % (what, st, state_re))
    if body_res:
        ct = h.get("content-type", [""])[0]
        if ct != "application/simple-message-summary":
            fail("%s: Content-Type '%s'" % (what, ct))
    for r in body_res:
        if not re.search(r, body, re.M):
            fail("%s: body does not match /%s/:\n%s" % (what, r, body))
    return h


def tag_of(v):
    m = re.search(r";\s*tag=([^;>\s]+)", v)
    return m.group(1) if m else None


# 1. A stranger on plain TCP is refused, whoever it claims to be.
t = Peer(False)
subscribe(t, "alice", pai="alice")
final(t, 403, "SUBSCRIBE over TCP")
print("mwi_sip: untrusted TCP SUBSCRIBE refused with 403")

p = Peer(True)
# 2. Another event package, a too short Expires, another owner.
subscribe(p, "alice", pai="alice", event="presence")
final(p, 489, "Event: presence")
subscribe(p, "alice", pai="alice", expires=1)
h = final(p, 423, "Expires: 1")
if h.get("min-expires") != ["2"]:
    fail("423 without Min-Expires: 2: %s" % h.get("min-expires"))
subscribe(p, "alice", pai="bob")
final(p, 403, "SUBSCRIBE for alice asserted as bob")
subscribe(p, "alice", from_user="bob")
final(p, 403, "SUBSCRIBE for alice from bob without P-Asserted-Identity")
print("mwi_sip: 489 other event, 423 short Expires, 403 for a non-owner")

# 3. No such mailbox: accepted, then terminated with reason noresource.
subscribe(p, "nobody", pai="nobody")
final(p, 200, "SUBSCRIBE for a missing mailbox")
notify(p, r"terminated;reason=noresource", [], "missing mailbox")

# 4. The owner: 200 with Expires and a To tag, an immediate NOTIFY with the counts.
cid, ftag = subscribe(p, "alice", pai="alice", expires=3600)
h = final(p, 200, "alice's SUBSCRIBE")
if h.get("expires") != ["3600"]:
    fail("200 without Expires: 3600: %s" % h.get("expires"))
ttag = tag_of(h["to"][0])
if not ttag or not h.get("contact"):
    fail("200 without To tag or Contact")
notify(p, r"active;expires=(3600|3599)",
       [r"^Messages-Waiting: no\r$", r"^Message-Account: sip:alice@localhost\r$",
        r"^Voice-Message: 0/0\r$"], "first NOTIFY")
print("mwi_sip: subscribed, NOTIFY no 0/0")

# 5. A message arrives from another process (openum mailbox import): NOTIFY yes 1/0.
r = subprocess.run(IMPORT, capture_output=True, text=True)
if r.returncode:
    fail("import failed: " + r.stderr)
notify(p, r"active;expires=\d+", [r"^Messages-Waiting: yes\r$", r"^Voice-Message: 1/0\r$"],
       "NOTIFY after the import")
print("mwi_sip: message imported by another process, NOTIFY yes 1/0")

# 6. Refresh in the dialog: 200 with Expires, then a NOTIFY with the state.
subscribe(p, "alice", pai="alice", expires=600, dialog=(cid, ftag, ttag, 2))
h = final(p, 200, "refresh")
if h.get("expires") != ["600"]:
    fail("refresh: Expires %s" % h.get("expires"))
notify(p, r"active;expires=(600|599)", [r"^Voice-Message: 1/0\r$"], "NOTIFY after refresh")

# 7. Unsubscribe: Expires: 0, then the final NOTIFY says terminated.
subscribe(p, "alice", pai="alice", expires=0, dialog=(cid, ftag, ttag, 3))
final(p, 200, "unsubscribe")
notify(p, r"terminated(;reason=timeout)?", [r"^Voice-Message: 1/0\r$"], "final NOTIFY")
# ... and the dialog is gone: a new refresh in it gets 481.
subscribe(p, "alice", pai="alice", expires=600, dialog=(cid, ftag, ttag, 4))
final(p, 481, "SUBSCRIBE in an ended subscription")
print("mwi_sip: refresh, unsubscribe with a final NOTIFY, then 481")

# 8. Expiry: a 3 s subscription ends by itself with reason=timeout.
subscribe(p, "alice", pai="alice", expires=3)
final(p, 200, "short SUBSCRIBE")
notify(p, r"active;expires=[23]", [r"^Voice-Message: 1/0\r$"], "short subscription")
notify(p, r"terminated;reason=timeout", [], "expiry NOTIFY", timeout=10)
print("mwi_sip: a 3 s subscription expired with terminated;reason=timeout")
print("mwi_sip: ok")
