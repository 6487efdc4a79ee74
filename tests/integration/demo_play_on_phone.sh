#!/bin/sh
# Play-On-Phone through the whole system (issues 5, 6, 7): `openum demo` runs the proxy
# and the UM server with mutual TLS between them; alice's `openum phone` registers over
# TLS and appears offline; the web service's JSON API asks for Play on phone. The call
# must go UM server -> proxy -> alice's flow, ring although she is offline (From ==
# To == her address), carry Ms-Sensitivity: private-no-diversion, be answered (the ACK
# of the 2xx must reach the phone through the proxy), and her 9 must save the message.
# timeout: 120
set -u
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need curl jq python3
FAIL_LOGS="$T/out $T/err $T/demo/um.log $T/demo/proxy.log"

BASE=$(free_ports 5) # --port-base N uses N..N+4
[ -n "$BASE" ] || fail "no free ports"

demo_start
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
bg "$OPENUM" phone --user sip:alice@openum.test --password alice-demo-pw \
	--proxy "127.0.0.1:$TLS_PORT" --ca "$CA" --script "$T/alice.script" listen \
	>"$T/alice.out" 2>&1
PPID_A=$LAST_PID
wait_printed "$T/alice.out" 'wait-registered: ok' 100 "$PPID_A" "alice's phone"

api_logon "$WEB" alice@openum.test 246813 --cacert "$CA"
MSG=$(api GET /api/v1/messages | head -n 1 | jq -r '.messages[0].id')
[ -n "$MSG" ] && [ "$MSG" != null ] || fail "no message in alice's mailbox"
CALL=$(pop_play "$MSG")
[ -n "$CALL" ] && [ "$CALL" != null ] || fail "play-on-phone refused"
R=$(follow "$CALL")
seen=${R%%|*}
cause=${R#*|}
case "$seen" in *Connected*Disconnected*) ;; *) fail "states:$seen" ;; esac
[ "$cause" = "None 200" ] || fail "cause $cause"
wait "$PPID_A" || fail "alice's phone script failed"
grep -q 'expect-header Ms-Sensitivity: ok' "$T/alice.out" || fail "no Ms-Sensitivity check passed"
grep -q 'wait-answered: ok' "$T/alice.out" || fail "the ACK never reached alice's phone"
ST=$(api GET /api/v1/messages | head -n 1 | jq -r ".messages[] | select(.id == $MSG) | .state")
[ "$ST" = saved ] || fail "message is $ST after alice pressed 9, not saved"
echo "integration/demo_play_on_phone: ok (states:$seen)"
