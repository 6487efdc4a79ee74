#!/bin/sh
# A flood of INVITEs from one address (SIPp from 127.0.0.2: 600 calls at 100 per
# second, up to 100 at once, each answered, ACKed and hung up) against `openum um`,
# then 3000 at 200 per second against `openum proxy` (unknown user, caller from outside
# our domain: 480, docs/proxy.md "User enumeration").
# While it runs, legitimate SIPp calls from 127.0.0.1 must all succeed; afterwards
# the server is up, no call or dialog is left over, and /metrics (on --metrics and on
# the --web listener) agrees with SIPp.
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need sipp curl
HERE=$(cd "$(dirname "$0")" && pwd)
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@127.0.0.1 --name Alice --ext 1001 --pin 204862 >/dev/null
bg "$OPENUM" um --listen-tcp 127.0.0.1:0 --listen-tls off --domain 127.0.0.1 \
	--metrics 127.0.0.1:0 --web 127.0.0.1:0 --port-file "$T/ports" \
	--rtp-ports 43000-44999 2>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
PORT=$(port_of "$T/ports" tcp)
MPORT=$(port_of "$T/ports" metrics)
WPORT=$(port_of "$T/ports" web)
metric() { curl -sf "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# stat NAME COLUMN: the total of a SIPp statistics column
stat() {
	awk -F';' -v k="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ v = $c[k] } END { print v + 0 }' "$T/$1.csv"
}

(cd "$T" && exec sipp -sf "$HERE/sipp/attack_invite_flood.xml" -t t1 "127.0.0.1:$PORT" \
	-i 127.0.0.2 -p "$(free_port)" -mp 0 -s alice -m 600 -r 100 -l 100 -nostdin -timeout 120s \
	-recv_timeout 10000 -trace_stat -stf flood.csv -fd 1 >flood.out 2>&1) &
FLOOD=$!
PIDS="$PIDS $FLOOD"
sleep 1

(cd "$T" && sipp -sf "$HERE/sipp/uac_call.xml" -t t1 "127.0.0.1:$PORT" -i 127.0.0.1 -p "$(free_port)" \
	-mp 0 -s alice -m 5 -r 2 -d 500 -nostdin -timeout 60s -timeout_error \
	-recv_timeout 10000 -trace_stat -stf legit.csv -fd 1 -trace_err \
	-error_file legit.errors.log >legit.out 2>&1) ||
	fail "legitimate calls during the flood: $(tail -n 5 "$T/legit.out")"
[ "$(stat legit 'SuccessfulCall(C)')" -eq 5 ] || fail "legitimate calls: $(stat legit 'SuccessfulCall(C)') of 5"
[ "$(stat legit 'FailedCall(C)')" -eq 0 ] || fail "legitimate calls failed"
# the flood was still running while they were served
kill -0 "$FLOOD" 2>/dev/null || fail "the flood ended before the legitimate calls did"
echo "ok - 5 legitimate calls succeeded during the flood"

wait "$FLOOD" || true
served=$(stat flood 'SuccessfulCall(C)')
[ "$served" -ge 500 ] || fail "only $served of 600 flood calls got an answer"
echo "ok - the server answered $served of 600 flood calls"
kill -0 "$UM" 2>/dev/null || fail "the UM server died"

# everything is over: no session, dialog or transaction left behind
wait_for 100 sh -c "curl -sf http://127.0.0.1:$MPORT/metrics | grep -qx 'openum_um_calls_active 0'" ||
	fail "UM calls still active: $(metric openum_um_calls_active)"
wait_for 100 sh -c "curl -sf http://127.0.0.1:$MPORT/metrics | grep -qx 'openum_dialogs_active 0'" ||
	fail "dialogs still active: $(metric openum_dialogs_active)"
answered=$(metric 'openum_um_calls_total{kind="call-answering"}')
[ "$answered" -ge $((served + 5)) ] || fail "call-answering calls counted $answered"
grep -q "info um: call call-id=[^ ]* peer=127.0.0.2:[0-9]* transport=TCP trusted=no skip-pin=no kind=call-answering" \
	"$T/um.log" || fail "no log line for a flood call"
# the web listener serves the same exposition
web_answered=$(curl -sf "http://127.0.0.1:$WPORT/metrics" |
	awk '$1 == "openum_um_calls_total{kind=\"call-answering\"}" {print $2}')
[ "$web_answered" = "$answered" ] || fail "web /metrics says $web_answered, --metrics $answered"
echo "ok - metrics: $answered calls answered, 0 active (also on the web listener)"

kill -TERM "$UM"
wait "$UM" || fail "um exit status $?"

# the same flood against `openum proxy` (INVITEs for an unknown user: 480, ACK) while
# bob calls alice through it: the call is answered
D=openum.test
for u in alice bob; do
	"$OPENUM" user --db "$T/px.db" add "sip:$u@$D" --password "$u-secret" >/dev/null
done
PPORT=$(free_port)
PMPORT=$(free_port)
bg "$OPENUM" proxy --domain "$D" --db "$T/px.db" --tcp-port "$PPORT" --tls-port 0 \
	--metrics "127.0.0.1:$PMPORT" 2>"$T/proxy.log"
PROXY=$LAST_PID
wait_for 100 curl -sf "http://127.0.0.1:$PMPORT/metrics" || fail "proxy metrics not up"
printf 'wait-call 30\nanswer\nwait-ended 30\n' >"$T/alice.script"
printf 'sleep 2000\ncall sip:alice@%s\nwait-answered 15\nsleep 500\nhangup\nwait-ended 5\n' \
	"$D" >"$T/bob.script"
bg "$OPENUM" phone --user "sip:alice@$D" --password alice-secret --proxy "127.0.0.1:$PPORT" \
	--tcp --script "$T/alice.script" >"$T/alice.out" 2>&1
ALICE=$LAST_PID
bg "$OPENUM" phone --user "sip:bob@$D" --password bob-secret --proxy "127.0.0.1:$PPORT" \
	--tcp --script "$T/bob.script" >"$T/bob.out" 2>&1
BOB=$LAST_PID
(cd "$T" && exec sipp -sf "$HERE/sipp/attack_invite_flood.xml" -t t1 "127.0.0.1:$PPORT" \
	-i 127.0.0.2 -p "$(free_port)" -mp 0 -s nobody -m 3000 -r 200 -l 100 -nostdin -timeout 120s \
	-recv_timeout 10000 -trace_stat -stf pflood.csv -fd 1 >pflood.out 2>&1) &
PFLOOD=$!
PIDS="$PIDS $PFLOOD"
wait "$BOB" || fail "the legitimate call through the proxy failed during the flood"
wait "$ALICE" || fail "alice's side of the legitimate call failed"
kill -0 "$PFLOOD" 2>/dev/null || fail "the proxy flood ended before the legitimate call"
echo "ok - bob called alice through the proxy during the flood"
wait "$PFLOOD" || true
pserved=$(stat pflood 'SuccessfulCall(C)')
[ "$pserved" -ge 2700 ] || fail "the proxy answered only $pserved of 3000 flood INVITEs"
kill -0 "$PROXY" 2>/dev/null || fail "the proxy died"
echo "ok - the proxy answered $pserved of 3000 flood INVITEs"
kill -TERM "$PROXY"
wait "$PROXY" || fail "proxy exit status $?"
echo "integration/attack_invite_flood: ok"
