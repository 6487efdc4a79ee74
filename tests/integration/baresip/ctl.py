#!/usr/bin/env python3
"""Drive a headless baresip (1.0.0) through its ctrl_tcp module (JSON in netstrings).

ctrl_tcp talks to one connection at a time (a new one replaces the old, and events
go only to the newest), so one long-lived process holds it:

  ctl.py serve PORT DIR          connect to ctrl_tcp on 127.0.0.1:PORT, append every
                                 event as one JSON line to DIR/events, and relay
                                 commands arriving on the Unix socket DIR/ctl.sock
  ctl.py cmd DIR COMMAND [PARAMS]
                                 one command through that socket; prints baresip's
                                 answer; exit status 1 when baresip says ok=false

The integration tests poll DIR/events for the state they wait for; nothing sleeps
for a guessed time.
"""
import json
import os
import queue
import socket
import sys
import threading
import time


def netstrings(sock):
    """Yield each netstring payload received on sock, decoded as JSON."""
    buf = b""
    while True:
        while True:
            colon = buf.find(b":")
            if colon < 0:
                break
            n = int(buf[:colon])
            if len(buf) < colon + 2 + n:
                break
            if buf[colon + 1 + n : colon + 2 + n] != b",":
                raise ValueError("bad netstring from baresip")
            yield json.loads(buf[colon + 1 : colon + 1 + n])
            buf = buf[colon + 2 + n :]
        data = sock.recv(65536)
        if not data:
            return
        buf += data


def serve(port, d):
    bs = None
    for _ in range(100):
        try:
            bs = socket.create_connection(("127.0.0.1", port))
            break
        except OSError:
            time.sleep(0.1)
    if bs is None:
        sys.exit("ctl.py: cannot connect to baresip's ctrl_tcp on port %d" % port)
    waiting = {}
    lock = threading.Lock()
    events = open(os.path.join(d, "events"), "a", encoding="utf-8")

    def note(m):
        events.write(json.dumps(m) + "\n")
        events.flush()

    def reader():
        for m in netstrings(bs):
            if m.get("response"):
                with lock:
                    q = waiting.pop(m.get("token"), None)
                if q:
                    q.put(m)
            elif m.get("event"):
                note(m)
        note({"event": True, "type": "CTL_CLOSED"})
        os._exit(0)

    def client(c):
        with c:
            line = c.makefile("rb").readline()
            if not line:
                return
            msg = json.loads(line)
            q = queue.Queue()
            token = "t%d" % time.monotonic_ns()
            with lock:
                waiting[token] = q
            msg["token"] = token
            body = json.dumps(msg).encode()
            bs.sendall(b"%d:%s," % (len(body), body))
            try:
                m = q.get(timeout=10)
            except queue.Empty:
                m = {"ok": False, "data": "ctl.py: no answer from baresip"}
            c.sendall(json.dumps(m).encode() + b"\n")

    path = os.path.join(d, "ctl.sock")
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(8)
    threading.Thread(target=reader, daemon=True).start()
    note({"event": True, "type": "CTL_CONNECTED"})
    while True:
        c, _ = srv.accept()
        threading.Thread(target=client, args=(c,), daemon=True).start()


def cmd(d, command, params):
    c = socket.socket(socket.AF_UNIX)
    c.connect(os.path.join(d, "ctl.sock"))
    c.sendall(json.dumps({"command": command, "params": params}).encode() + b"\n")
    line = c.makefile("rb").readline()
    if not line:
        sys.exit("ctl.py: the control process closed the connection")
    m = json.loads(line)
    print(m.get("data", ""))
    sys.exit(0 if m.get("ok") else 1)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "cmd":
        cmd(sys.argv[2], sys.argv[3], " ".join(sys.argv[4:]))
    else:
        sys.exit(__doc__)


main()
