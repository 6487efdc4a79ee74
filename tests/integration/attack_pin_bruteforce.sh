#!/bin/sh
# PIN brute force against `openum um`: callers guess PINs two at a time (RFC 4733,
# one guess per call, a limit of 6). The lockout engages at --max-failed-logons and holds: the right
# PIN is refused, and so is skip-pin from a trusted peer over mutual TLS, until
# `openum mailbox unlock`. The UM server logs one line per call with the fields an
# operator needs, and /metrics counts the logons by result and the skip-pin refusal.
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need curl
CALLER=$BUILD/openum_test_caller
LIMIT=6
"$OPENUM" certs "$T/pki" --client-name proxy.openum.test >/dev/null
"$OPENUM" certs "$T/foreign" --client-name proxy.openum.test >/dev/null
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null
MPORT=$(free_port)
bg "$OPENUM" um --listen-tcp 127.0.0.1:0 --listen-tls 127.0.0.1:0 \
	--cert "$T/pki/server.pem" --key "$T/pki/server.key" --ca "$T/pki/ca.pem" \
	--trusted-peer proxy.openum.test --domain localhost --max-failed-logons $LIMIT \
	--pin-iterations 1000 --metrics "127.0.0.1:$MPORT" --port-file "$T/ports" \
	--rtp-ports 41000-41999 2>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
TCP=$(port_of "$T/ports" tcp)
TLS=$(port_of "$T/ports" tls)
metric() {
	curl -sf "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'
}
wait_for 50 curl -sf "http://127.0.0.1:$MPORT/metrics" || fail "metrics not served"
VM='sip:alice@localhost;opaque=app:voicemail'
last() { "$OPENUM" mailbox log --limit 1 | tail -n +2 | head -1; }

# three rounds of two attackers at once, one wrong PIN per call, for a limit of 6:
# the store counts every failure (no lost update between concurrent calls)
for round in 1 2 3; do
	for a in 1 2; do
		bg "$CALLER" --from sip:alice@localhost --to "$VM" --port "$TCP" \
			--dtmf "1111$round$a#" --dtmf-ms 1500 --hangup-ms 5000 \
			>"$T/attacker$round$a.out" 2>&1
		eval "ATT$a=\$LAST_PID"
	done
	wait "$ATT1" || true
	wait "$ATT2" || true
done
sleep 0.5
"$OPENUM" mailbox show alice@localhost >"$T/show.out"
grep -q "^locked: *yes" "$T/show.out" || fail "mailbox not locked after 6 wrong PINs"
grep -q "^failed logons: *6$" "$T/show.out" || fail "failed logons not counted"
echo "ok - six guesses, two at a time, locked the mailbox"

# the right PIN is refused now
"$CALLER" --from sip:alice@localhost --to "$VM" --port "$TCP" --dtmf '204862#' \
	--dtmf-ms 300 --hangup-ms 4000 >"$T/right.out" 2>&1 || true
sleep 0.3
last | grep -q "locked" || fail "right PIN on a locked mailbox: $(last)"
echo "ok - the right PIN is refused while locked"

# skip-pin from the trusted peer over mutual TLS is refused too
"$CALLER" --from sip:alice@localhost --to "$VM" --port "$TLS" --tls --ca "$T/pki/ca.pem" \
	--cert "$T/pki/client.pem" --key "$T/pki/client.key" \
	--header 'Ms-Exchange-Command: skip-pin' --hangup-ms 3000 >"$T/skip.out" 2>&1 || true
sleep 0.3
last | grep -q "locked" || fail "trusted skip-pin on a locked mailbox: $(last)"
grep -q "warn um: call call-id=[^ ]* peer=127.0.0.1:[0-9]* transport=TLS trusted=yes skip-pin=refused kind=subscriber-access logon=locked mailbox=sip:alice@localhost" \
	"$T/um.log" || fail "no log line for the refused skip-pin"
echo "ok - trusted skip-pin is refused while locked, and logged"

m_locked=$(metric 'openum_um_logons_total{result="locked"}')
m_refused=$(metric 'openum_um_skip_pin_total{decision="refused"}')
m_honoured=$(metric 'openum_um_skip_pin_total{decision="honoured"}')
m_calls=$(metric 'openum_um_calls_total{kind="subscriber-access"}')
[ "$m_locked" -ge 2 ] || fail "locked logons counted $m_locked"
[ "$m_refused" -eq 1 ] || fail "skip-pin refusals counted $m_refused"
[ "$m_honoured" -eq 0 ] || fail "skip-pin honoured $m_honoured times"
[ "$m_calls" -eq 8 ] || fail "subscriber-access calls counted $m_calls, expected 8"
[ "$(metric openum_um_calls_active)" -eq 0 ] || fail "calls still active"
echo "ok - metrics: $m_calls calls, $m_locked locked logons, $m_refused skip-pin refused"

# the administrator unlocks: the right PIN works again, and skip-pin is honoured
"$OPENUM" mailbox unlock alice@localhost >/dev/null
"$CALLER" --from sip:alice@localhost --to "$VM" --port "$TCP" --dtmf '204862#' \
	--dtmf-ms 300 --hangup-ms 4000 >"$T/after.out" 2>&1 || true
sleep 0.3
last | grep -q "pin-ok" || fail "right PIN after unlock: $(last)"
"$CALLER" --from sip:alice@localhost --to "$VM" --port "$TLS" --tls --ca "$T/pki/ca.pem" \
	--cert "$T/pki/client.pem" --key "$T/pki/client.key" \
	--header 'Ms-Exchange-Command: skip-pin' --hangup-ms 2000 >"$T/skip2.out" 2>&1 || true
sleep 0.3
last | grep -q "skip-pin" || fail "trusted skip-pin after unlock: $(last)"
[ "$(metric 'openum_um_skip_pin_total{decision="honoured"}')" -eq 1 ] ||
	fail "honoured skip-pin not counted"
echo "ok - unlocked: the PIN and trusted skip-pin work again"

# a client that does not trust our CA aborts the handshake: counted, no call
hs=$(metric openum_tls_handshake_failures_total)
"$CALLER" --from sip:alice@localhost --to "$VM" --port "$TLS" --tls --ca "$T/foreign/ca.pem" \
	--hangup-ms 1000 >"$T/foreign.out" 2>&1 || true
wait_for 50 sh -c "[ \"\$(curl -sf http://127.0.0.1:$MPORT/metrics |
	awk '\$1 == \"openum_tls_handshake_failures_total\" {print \$2}')\" -gt $hs ]" ||
	fail "failed TLS handshake not counted"
[ "$(metric 'openum_connections_total{transport="tls"}')" -ge 3 ] ||
	fail "TLS connections not counted"
echo "ok - metrics: TLS connections and the failed handshake counted"

kill -TERM "$UM"
wait "$UM" || fail "um exit status $?"
echo "integration/attack_pin_bruteforce: ok"
