#!/bin/sh
# Message waiting at the UM server (issue 9): `openum um` with a raw SIP peer
# (tests/integration/mwi_sip.py) in the proxy's place, over mutual TLS with the
# allow-listed certificate, and a stranger on TCP. Checks 403 for strangers and
# non-owners, 489, 423, noresource, the NOTIFY bodies (no 0/0, then yes 1/0 after a
# message is imported by another process), refresh, unsubscribe, expiry; and the
# unsolicited NOTIFY (--mwi-unsolicited) after a call to a mailbox nobody watches.
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need python3

"$OPENUM" certs "$T/pki" --client-name proxy.openum.test >/dev/null
DB=$T/um.db
"$OPENUM" mailbox --db "$DB" add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null
"$OPENUM" mailbox --db "$DB" add sip:bob@localhost --name Bob --ext 1002 --pin 204862 >/dev/null
python3 -c '
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(8000)))
' "$T/tone.wav"

# The next hop of unsolicited NOTIFYs: takes one request, answers 200, keeps it.
bg python3 -c '
import re, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
c, _ = s.accept(); b = b""
while b"\r\n\r\n" not in b: b += c.recv(4096)
h, _, body = b.partition(b"\r\n\r\n")
n = int(re.search(rb"(?im)^content-length:\s*(\d+)", h).group(1))
while len(body) < n: body += c.recv(4096)
lines = h.decode().split("\r\n")
keep = [l for l in lines[1:] if re.match(r"(?i)(via|from|to|call-id|cseq):", l)]
c.sendall(("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + "\r\nContent-Length: 0\r\n\r\n").encode())
open(sys.argv[2], "w").write(h.decode() + "\r\n\r\n" + body.decode())
c.recv(1)
' "$T/next_hop.port" "$T/unsolicited.txt"
wait_file "$T/next_hop.port" 100 "$LAST_PID"
HOP=$(cat "$T/next_hop.port")

bg "$OPENUM" um --db "$DB" --listen-tcp 127.0.0.1:0 --listen-tls 127.0.0.1:0 \
	--cert "$T/pki/server.pem" --key "$T/pki/server.key" --ca "$T/pki/ca.pem" \
	--trusted-peer proxy.openum.test --domain localhost --port-file "$T/ports" \
	--mwi-poll-ms 200 --mwi-min-expires 2 \
	--outbound "127.0.0.1:$HOP" --outbound-tcp --mwi-unsolicited 2>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
TCP=$(port_of "$T/ports" tcp)
TLS=$(port_of "$T/ports" tls)

python3 "$(dirname "$0")/mwi_sip.py" 127.0.0.1 "$TCP" "$TLS" "$T/pki" \
	"$OPENUM" mailbox --db "$DB" import sip:alice@localhost "$T/tone.wav" \
	--caller sip:carol@example.com >"$T/sip.out" 2>&1 || fail "mwi_sip.py failed"
cat "$T/sip.out"
grep -q 'Z warn um: SUBSCRIBE for sip:alice@localhost refused: asked by sip:bob@localhost' "$T/um.log" ||
	fail "the UM server did not log the refused non-owner"

# Unsolicited: a call leaves bob (who has no subscription) a message; when it ends
# the UM server sends an out-of-dialog NOTIFY for his mailbox to the next hop.
"$BUILD/openum_test_caller" --from sip:carol@localhost --to sip:bob@localhost --port "$TCP" \
	--header 'Diversion: <sip:bob@localhost>;reason=no-answer' --hangup-ms 2000 \
	>"$T/caller.out" 2>&1 || fail "the call to bob's voicemail failed"
wait_file "$T/unsolicited.txt" 100
grep -q '^NOTIFY sip:bob@localhost SIP/2.0' "$T/unsolicited.txt" ||
	fail "unsolicited: not a NOTIFY to bob: $(head -1 "$T/unsolicited.txt")"
grep -q '^Event: message-summary' "$T/unsolicited.txt" || fail "unsolicited: no Event"
grep -q '^Message-Account: sip:bob@localhost' "$T/unsolicited.txt" ||
	fail "unsolicited: no Message-Account for bob"
grep -q '^Voice-Message: [0-9]*/0' "$T/unsolicited.txt" || fail "unsolicited: no counts"
echo "unsolicited NOTIFY: $(grep -E '^(Messages-Waiting|Voice-Message)' "$T/unsolicited.txt" | tr -d '\r' | tr '\n' ' ')"
kill "$UM"
wait "$UM" || fail "openum um did not exit 0 on SIGTERM"
echo "integration/mwi_um: ok"
