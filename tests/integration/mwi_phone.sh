#!/bin/sh
# Message waiting through the whole system (issue 9): `openum demo` runs the proxy and
# the UM server with mutual TLS between them; alice's `openum phone` registers over TLS
# and subscribes to message-summary through the proxy (digest, P-Asserted-Identity).
# Her lamp must follow every change: the demo's message (yes 1/0), saved on the web
# page's API (no 0/1), a message bob leaves by calling her voicemail (yes 1/1), that
# one deleted on the web (no 0/1), one imported by `openum mailbox` in another process
# (yes 1/1). Bob subscribing to alice's mailbox is refused by the proxy (403).
# timeout: 240
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need curl jq python3

BASE=$(free_ports 5) # --port-base N uses N..N+4
[ -n "$BASE" ] || fail "no free ports"
bg "$OPENUM" demo --dir "$T/demo" --port-base "$BASE" >"$T/demo.out" 2>"$T/demo.log"
DEMO=$LAST_PID
wait_for 200 grep -q 'openum demo is ready' "$T/demo.out" || fail "openum demo not ready"
TLS=$((BASE + 1))
WEB="https://127.0.0.1:$((BASE + 4))"
CA="$T/demo/certs/ca.pem"
DB="$T/demo/openum.db"

# wait_line FILE REGEX [N]: until N (default 1) lines of FILE match (60 s), failing
# early on FAIL.
wait_line() {
	_i=0
	until [ "$(grep -Ec "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ]; do
		grep -q 'FAIL' "$1" 2>/dev/null && fail "$(grep FAIL "$1")"
		_i=$((_i + 1))
		[ "$_i" -gt 600 ] && fail "no line /$2/ in $1"
		sleep 0.1
	done
}

python3 -c '
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(8000 * 15)))
' "$T/tone.wav"

cat >"$T/alice.script" <<'EOS'
wait-registered
wait-mwi yes:1/0 30
wait-mwi no:0/1 60
wait-mwi yes:1/1 60
wait-mwi no:0/1 60
wait-mwi yes:1/1 60
print-state
EOS
bg "$OPENUM" phone --user sip:alice@openum.test --password alice-demo-pw \
	--proxy "127.0.0.1:$TLS" --ca "$CA" --script "$T/alice.script" listen >"$T/alice.out" 2>&1
ALICE=$LAST_PID
wait_line "$T/alice.out" 'wait-mwi yes:1/0: ok'

# The web page saves the demo's message: heard, so no 0/1.
curl -sf --cacert "$CA" -c "$T/jar" -H 'Content-Type: application/json' \
	-d '{"address":"alice@openum.test","pin":"246813"}' "$WEB/api/v1/session" >"$T/s.json" ||
	fail "web logon failed"
CSRF=$(jq -r .csrf_token "$T/s.json")
MSG=$(curl -sf --cacert "$CA" -b "$T/jar" "$WEB/api/v1/messages" | jq -r '.messages[0].id')
case "$MSG" in "" | null) fail "no message in alice's mailbox" ;; esac
curl -sf --cacert "$CA" -b "$T/jar" -H "X-CSRF-Token: $CSRF" -X POST \
	"$WEB/api/v1/messages/$MSG/save" >/dev/null || fail "web save failed"
wait_line "$T/alice.out" 'wait-mwi no:0/1: ok'

# Bob watches alice's mailbox (refused: 403 from the proxy), then leaves her a message
# ('#' skips the greeting to the tone).
cat >"$T/bob.script" <<'EOS'
wait-registered
wait-mwi failed:403 30
call sip:alice@openum.test;opaque=app:voicemail
wait-answered 30
wait-audio 10
dtmf #
sleep 5000
hangup
wait-ended
EOS
"$OPENUM" phone --user sip:bob@openum.test --password bob-demo-pw \
	--proxy "127.0.0.1:$TLS" --ca "$CA" --mwi-account sip:alice@openum.test \
	--play "$T/tone.wav" --script "$T/bob.script" listen >"$T/bob.out" 2>&1 ||
	fail "bob's script failed"
wait_line "$T/alice.out" 'wait-mwi yes:1/1: ok'

# The new message deleted on the web: no 0/1 again.
NEW=$(curl -sf --cacert "$CA" -b "$T/jar" "$WEB/api/v1/messages" |
	jq -r '.messages[] | select(.state == "new") | .id')
[ -n "$NEW" ] || fail "bob's message is not new in the web API"
curl -sf --cacert "$CA" -b "$T/jar" -H "X-CSRF-Token: $CSRF" -X DELETE \
	"$WEB/api/v1/messages/$NEW" >/dev/null || fail "web delete failed"
wait_line "$T/alice.out" 'wait-mwi no:0/1: ok' 2

# Another process adds a message to the store.
"$OPENUM" mailbox --db "$DB" import sip:alice@openum.test "$T/tone.wav" \
	--caller sip:carol@example.com >/dev/null || fail "import failed"
wait "$ALICE" || fail "alice's script failed"
grep -q 'mwi=yes(1/1)' "$T/alice.out" || fail "alice's status line does not show mwi=yes(1/1)"
grep -q 'message-summary SUBSCRIBE for bob@openum.test' "$T/demo/proxy.log" &&
	fail "bob's own subscription was refused"
grep -q 'message-summary SUBSCRIBE for alice@openum.test by bob@openum.test refused' \
	"$T/demo/proxy.log" || fail "the proxy did not log refusing bob"
kill "$DEMO"
echo "integration/mwi_phone: ok"
