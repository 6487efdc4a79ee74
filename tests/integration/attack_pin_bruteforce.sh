#!/bin/sh
# PIN brute force against `openum um` under parallel load: rounds of 4, 8 and 16
# callers guessing at once (RFC 4733 and SIP INFO, one or three PINs per call, the
# digits 0.3-2.5 s after the answer, some hanging up before the verdict). Each round
# the lockout engages exactly at --max-failed-logons, counted across the parallel
# calls (tries beyond the limit are refused uncompared), and every call's call-log row
# and the /metrics logon counters agree with the store. Then the lockout holds: the
# right PIN is refused, and so is skip-pin from a trusted peer over mutual TLS, until
# `openum mailbox unlock`. No fixed sleeps: every check polls.
# timeout: 600
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need curl
CALLER=$BUILD/openum_test_caller
LIMIT=6
"$OPENUM" certs "$T/pki" --client-name proxy.openum.test >/dev/null
"$OPENUM" certs "$T/foreign" --client-name proxy.openum.test >/dev/null
export OPENUM_DB="$T/um.db"
# the PIN is hashed with the real PBKDF2 cost: a check takes a while on a busy machine
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null
MPORT=$(free_port)
bg "$OPENUM" um --listen-tcp 127.0.0.1:0 --listen-tls 127.0.0.1:0 \
	--cert "$T/pki/server.pem" --key "$T/pki/server.key" --ca "$T/pki/ca.pem" \
	--trusted-peer proxy.openum.test --domain localhost --max-failed-logons $LIMIT \
	--metrics "127.0.0.1:$MPORT" --port-file "$T/ports" \
	--rtp-ports 41000-41999 2>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
TCP=$(port_of "$T/ports" tcp)
TLS=$(port_of "$T/ports" tls)
metric() {
	curl -sf "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m {print $2; f=1} END {if (!f) print 0}'
}
logons() { metric "openum_um_logons_total{result=\"$1\"}"; }
wait_for 50 curl -sf "http://127.0.0.1:$MPORT/metrics" || fail "metrics not served"
VM='sip:alice@localhost;opaque=app:voicemail'
# the call log, newest first, without its header; a row's 4th field is the logon
rows() { "$OPENUM" mailbox log --limit 0 | tail -n +2; }
nrows() { rows | wc -l; }
last() { rows | head -1; }
# wait_rows N: until the call log has N rows (a row is written once the call is over
# and its last store request is back)
wait_rows() {
	wait_for 1200 sh -c "[ \$(\"$OPENUM\" mailbox log --limit 0 | tail -n +2 | wc -l) -ge $1 ]" ||
		fail "call log has $(nrows) rows, expected $1"
}
failed_count() { "$OPENUM" mailbox show alice@localhost | awk -F': *' '/^failed logons:/ {print $2}'; }
locked() { "$OPENUM" mailbox show alice@localhost | grep -q "^locked: *yes"; }

# attacker I PINS MODE: one attacker; PINS wrong PINs typed in one go, MODE rfc or info.
# Three-PIN callers wait for the server's BYE (goodbye after three wrong or locked);
# one-PIN callers hang up 4 s after the answer, often before the verdict.
attacker() {
	d=""
	for k in $(seq "$2"); do d="${d}11$1$k#"; done
	if [ "$2" -gt 1 ]; then hang=0; else hang=4000; fi
	info=""
	[ "$3" = info ] && info=--info
	# shellcheck disable=SC2086
	bg "$CALLER" --from sip:alice@localhost --to "$VM" --port "$TCP" --dtmf "$d" \
		--dtmf-ms $((300 + ($1 * 137) % 2200)) --hangup-ms $hang $info \
		>"$T/attacker-$ROUND-$1.out" 2>&1
	APIDS="$APIDS $LAST_PID"
}

# round NAME N: N callers at once (attack_round_NAME says how each guesses); then the
# store holds exactly LIMIT failures and is locked, and the N new call-log rows and the
# metrics agree: every call logged pin-failed or locked, counted as such.
round() {
	ROUND=$1
	before=$(nrows)
	f0=$(logons pin-failed)
	l0=$(logons locked)
	APIDS=""
	for i in $(seq "$2"); do "attack_round_$1" "$i"; done
	for p in $APIDS; do wait "$p" || true; done
	wait_rows $((before + $2))
	[ "$(failed_count)" = "$LIMIT" ] ||
		fail "round $1: $2 parallel callers: store counted $(failed_count) failures, limit $LIMIT"
	locked || fail "round $1: mailbox not locked after $2 parallel callers"
	rows | head -n "$2" | awk '{print $4}' | sort | uniq -c >"$T/round-$1.txt"
	nf=$(awk '$2 == "pin-failed" {print $1}' "$T/round-$1.txt")
	nl=$(awk '$2 == "locked" {print $1}' "$T/round-$1.txt")
	nf=${nf:-0}
	nl=${nl:-0}
	[ $((nf + nl)) -eq "$2" ] || fail "round $1: call log: $(cat "$T/round-$1.txt")"
	[ "$nl" -ge 1 ] || fail "round $1: no call logged the lockout"
	[ $(($(logons pin-failed) - f0)) -eq "$nf" ] ||
		fail "round $1: metrics pin-failed $(($(logons pin-failed) - f0)), call log $nf"
	[ $(($(logons locked) - l0)) -eq "$nl" ] ||
		fail "round $1: metrics locked $(($(logons locked) - l0)), call log $nl"
	echo "ok - round $1: $2 parallel callers locked the mailbox at exactly $LIMIT failures;" \
		"call log and metrics agree ($nf pin-failed, $nl locked)"
}
attack_round_a() { attacker "$1" 3 rfc; }
attack_round_b() { attacker "$1" 1 info; }
attack_round_c() {
	if [ $(($1 % 2)) -eq 1 ]; then attacker "$1" 3 rfc; else attacker "$1" 1 info; fi
}
round a 4
"$OPENUM" mailbox unlock alice@localhost >/dev/null
round b 8
"$OPENUM" mailbox unlock alice@localhost >/dev/null
round c 16
ATTACK_CALLS=28

# the right PIN is refused now
n=$(nrows)
"$CALLER" --from sip:alice@localhost --to "$VM" --port "$TCP" --dtmf '204862#' \
	--dtmf-ms 300 --hangup-ms 4000 >"$T/right.out" 2>&1 || true
wait_rows $((n + 1))
last | grep -q "locked" || fail "right PIN on a locked mailbox: $(last)"
[ "$(failed_count)" = "$LIMIT" ] || fail "the refused right PIN changed the count"
echo "ok - the right PIN is refused while locked"

# skip-pin from the trusted peer over mutual TLS is refused too
"$CALLER" --from sip:alice@localhost --to "$VM" --port "$TLS" --tls --ca "$T/pki/ca.pem" \
	--cert "$T/pki/client.pem" --key "$T/pki/client.key" \
	--header 'Ms-Exchange-Command: skip-pin' --hangup-ms 3000 >"$T/skip.out" 2>&1 || true
wait_rows $((n + 2))
last | grep -q "locked" || fail "trusted skip-pin on a locked mailbox: $(last)"
grep -q "warn um: call call-id=[^ ]* peer=127.0.0.1:[0-9]* transport=TLS trusted=yes skip-pin=refused kind=subscriber-access logon=locked mailbox=sip:alice@localhost" \
	"$T/um.log" || fail "no log line for the refused skip-pin"
echo "ok - trusted skip-pin is refused while locked, and logged"

# every logon result: /metrics, the call log and the log lines say the same
for r in none skip-pin pin-ok pin-failed locked not-found; do
	in_log=$(rows | awk -v r="$r" '$4 == r' | wc -l)
	in_lines=$(grep -c " logon=$r " "$T/um.log" || true)
	if [ "$(logons "$r")" -ne "$in_log" ] || [ "$in_lines" -ne "$in_log" ]; then
		fail "logon $r: metrics $(logons "$r"), call log $in_log, log lines $in_lines"
	fi
done
[ "$(logons none)" -eq 0 ] || fail "$(logons none) attack calls logged no logon"
m_refused=$(metric 'openum_um_skip_pin_total{decision="refused"}')
m_honoured=$(metric 'openum_um_skip_pin_total{decision="honoured"}')
m_calls=$(metric 'openum_um_calls_total{kind="subscriber-access"}')
[ "$m_refused" -eq 1 ] || fail "skip-pin refusals counted $m_refused"
[ "$m_honoured" -eq 0 ] || fail "skip-pin honoured $m_honoured times"
[ "$m_calls" -eq $((ATTACK_CALLS + 2)) ] ||
	fail "subscriber-access calls counted $m_calls, expected $((ATTACK_CALLS + 2))"
[ "$(metric openum_um_calls_active)" -eq 0 ] || fail "calls still active"
echo "ok - metrics agree with the call log: $m_calls calls, $(logons locked) locked," \
	"$(logons pin-failed) pin-failed, $m_refused skip-pin refused"

# the administrator unlocks: the right PIN works again, and skip-pin is honoured
"$OPENUM" mailbox unlock alice@localhost >/dev/null
"$CALLER" --from sip:alice@localhost --to "$VM" --port "$TCP" --dtmf '204862#' \
	--dtmf-ms 300 --hangup-ms 4000 >"$T/after.out" 2>&1 || true
wait_rows $((n + 3))
last | grep -q "pin-ok" || fail "right PIN after unlock: $(last)"
"$CALLER" --from sip:alice@localhost --to "$VM" --port "$TLS" --tls --ca "$T/pki/ca.pem" \
	--cert "$T/pki/client.pem" --key "$T/pki/client.key" \
	--header 'Ms-Exchange-Command: skip-pin' --hangup-ms 2000 >"$T/skip2.out" 2>&1 || true
wait_rows $((n + 4))
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
