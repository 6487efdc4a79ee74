#!/bin/sh
# Play-On-Phone through the whole system (issues 5, 6, 7): `openum demo` runs the proxy
# and the UM server with mutual TLS between them; alice's `openum phone` registers over
# TLS and appears offline; the web service's JSON API asks for Play on phone. The call
# must go UM server -> proxy -> alice's flow, ring although she is offline (From ==
# To == her address), carry Ms-Sensitivity: private-no-diversion, be answered (the ACK
# of the 2xx must reach the phone through the proxy), and her 9 must save the message.
# Usage: tests/integration/demo_play_on_phone.sh PATH/TO/openum
set -u
BIN=${1:?usage: demo_play_on_phone.sh PATH/TO/openum}
T=$(mktemp -d "${TMPDIR:-/tmp}/openum-demo-pop.XXXXXX") || exit 1
DPID="" PPID_A=""
cleanup() {
	[ -n "$PPID_A" ] && kill "$PPID_A" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	[ -n "$DPID" ] && wait "$DPID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: integration/demo_play_on_phone: $*" >&2
	for f in "$T/out" "$T/err" "$T/alice.out" "$T/demo/um.log" "$T/demo/proxy.log"; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
	done
	exit 1
}
for tool in curl jq python3; do
	command -v $tool >/dev/null || fail "$tool is not installed (scripts/install-deps installs it)"
done

# Five consecutive free ports (--port-base N uses N..N+4).
BASE=$(python3 -c '
import socket, random
for _ in range(200):
    b = random.randrange(20000, 60000)
    ss = []
    try:
        for p in range(b, b + 5):
            s = socket.socket(); s.bind(("127.0.0.1", p)); ss.append(s)
        print(b); break
    except OSError:
        pass
    finally:
        for s in ss: s.close()
')
[ -n "$BASE" ] || fail "no free ports"

# start: runs the demo in the background, waits for "is ready".
start() {
	"$BIN" demo --dir "$T/demo" --port-base "$BASE" >"$T/out" 2>"$T/err" &
	DPID=$!
	i=0
	while ! grep -q 'openum demo is ready' "$T/out"; do
		i=$((i + 1))
		kill -0 "$DPID" 2>/dev/null || fail "openum demo exited before it was ready"
		[ $i -gt 150 ] && fail "openum demo not ready after 15 s"
		sleep 0.1
	done
	KIDS=$(sed -n 's/^Started openum um (pid \([0-9]*\)) and openum proxy (pid \([0-9]*\))\.$/\1 \2/p' "$T/out")
	[ -n "$KIDS" ] || fail "no child pids printed"
}
start
TLS_PORT=$((BASE + 1))
WEB="https://127.0.0.1:$((BASE + 4))"
CA="$T/demo/certs/ca.pem"

cat >"$T/alice.script" <<'EOS'
wait-registered
presence offline
wait-call 30
expect-header Ms-Sensitivity private-no-diversion
answer
wait-answered
sleep 2000
dtmf 9
wait-ended 30
EOS
"$BIN" phone --user sip:alice@openum.test --password alice-demo-pw \
	--proxy "127.0.0.1:$TLS_PORT" --ca "$CA" --script "$T/alice.script" listen \
	>"$T/alice.out" 2>&1 &
PPID_A=$!
i=0
while ! grep -q 'wait-registered: ok' "$T/alice.out"; do
	i=$((i + 1))
	kill -0 "$PPID_A" 2>/dev/null || fail "alice's phone exited before registering"
	[ $i -gt 100 ] && fail "alice's phone did not register"
	sleep 0.1
done

curl -sf --cacert "$CA" -c "$T/jar" -H 'Content-Type: application/json' \
	-d '{"address":"alice@openum.test","pin":"246813"}' "$WEB/api/v1/session" >"$T/s.json" ||
	fail "web logon failed"
CSRF=$(jq -r .csrf_token "$T/s.json")
MSG=$(curl -sf --cacert "$CA" -b "$T/jar" "$WEB/api/v1/messages" | jq -r '.messages[0].id')
[ -n "$MSG" ] && [ "$MSG" != null ] || fail "no message in alice's mailbox"
CALL=$(curl -sf --cacert "$CA" -b "$T/jar" -H "X-CSRF-Token: $CSRF" \
	-H 'Content-Type: application/json' -d "{\"message_id\":$MSG}" \
	"$WEB/api/v1/play-on-phone" | jq -r .call_id)
[ -n "$CALL" ] && [ "$CALL" != null ] || fail "play-on-phone refused"
seen="" i=0
while :; do
	j=$(curl -sf --cacert "$CA" -b "$T/jar" "$WEB/api/v1/calls/$CALL")
	s=$(echo "$j" | jq -r .state)
	case " $seen " in *" $s "*) ;; *) seen="$seen $s" ;; esac
	[ "$s" = Disconnected ] && break
	i=$((i + 1))
	[ $i -gt 300 ] && fail "the call never ended (states:$seen)"
	sleep 0.1
done
cause=$(echo "$j" | jq -r '.cause + " " + (.sip_code|tostring)')
case "$seen" in *Connected*Disconnected*) ;; *) fail "states:$seen" ;; esac
[ "$cause" = "None 200" ] || fail "cause $cause"
wait "$PPID_A" || fail "alice's phone script failed"
PPID_A=""
grep -q 'expect-header Ms-Sensitivity: ok' "$T/alice.out" || fail "no Ms-Sensitivity check passed"
grep -q 'wait-answered: ok' "$T/alice.out" || fail "the ACK never reached alice's phone"
ST=$(curl -sf --cacert "$CA" -b "$T/jar" "$WEB/api/v1/messages" | jq -r ".messages[] | select(.id == $MSG) | .state")
[ "$ST" = saved ] || fail "message is $ST after alice pressed 9, not saved"
echo "integration/demo_play_on_phone: ok (states:$seen)"
