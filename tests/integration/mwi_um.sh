#!/bin/sh
# Message waiting at the UM server (issue 9): `openum um` with a raw SIP peer
# (tests/integration/mwi_sip.py) in the proxy's place, over mutual TLS with the
# allow-listed certificate, and a stranger on TCP. Checks 403 for strangers and
# non-owners, 489, 423, noresource, the NOTIFY bodies (no 0/0, then yes 1/0 after a
# message is imported by another process), refresh, unsubscribe, expiry.
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

bg "$OPENUM" um --db "$DB" --listen-tcp 127.0.0.1:0 --listen-tls 127.0.0.1:0 \
	--cert "$T/pki/server.pem" --key "$T/pki/server.key" --ca "$T/pki/ca.pem" \
	--trusted-peer proxy.openum.test --domain localhost --port-file "$T/ports" \
	--mwi-poll-ms 200 --mwi-min-expires 2 2>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
TCP=$(port_of "$T/ports" tcp)
TLS=$(port_of "$T/ports" tls)

python3 "$(dirname "$0")/mwi_sip.py" 127.0.0.1 "$TCP" "$TLS" "$T/pki" \
	"$OPENUM" mailbox --db "$DB" import sip:alice@localhost "$T/tone.wav" \
	--caller sip:carol@example.com >"$T/sip.out" 2>&1 || fail "mwi_sip.py failed"
cat "$T/sip.out"
grep -q 'SUBSCRIBE for sip:alice@localhost refused: asked by sip:bob@localhost' "$T/um.log" ||
	fail "the UM server did not log the refused non-owner"
kill "$UM"
wait "$UM" || fail "openum um did not exit 0 on SIGTERM"
echo "integration/mwi_um: ok"
