#!/bin/sh
# timeout: 600
# Two `openum um` servers on different ports share one PostgreSQL store (issue 8):
# a real PostgreSQL server (tests/pg/with-postgres.sh: initdb + pg_ctl in a temporary
# directory) holds the mailboxes, made with `openum mailbox add` against it.
#  1. a message recorded by a call to UM 1 (call answering, a 2 s tone) is in the store:
#     `openum mailbox show` lists it, its audio holds the tone, and UM 2's web service
#     lists it;
#  2. Play-On-Phone reaches either server: through UM 2's web service a SIPp phone hears
#     the message recorded through UM 1 and presses 9, which UM 1's web service then
#     reports as saved; through UM 1's web service another call connects and ends;
#  3. PIN lockout counts are shared without lost updates: 10 wrong PINs sent at once,
#     5 to each server, leave exactly 10 failed logons; 24 at once against a limit of 15
#     lock the mailbox at exactly 15 (a try is claimed before its PIN is compared; the
#     ones beyond the limit are refused uncompared).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
[ -n "${OPENUM_TEST_PG:-}" ] || exec "$HERE/../pg/with-postgres.sh" "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"
need sipp curl jq sox python3
CALLER="$BUILD/openum_test_caller"
DB=$OPENUM_TEST_PG

mb() { "$OPENUM" mailbox --db "$DB" "$@"; }
mb add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >"$T/add.out" 2>&1 ||
	fail "mailbox add against PostgreSQL: $(cat "$T/add.out")"
mb add sip:bob@localhost --name Bob --ext 1002 --pin 204862 >/dev/null
mb add sip:carol@localhost --name Carol --ext 1003 --pin 204862 >/dev/null
mb list | grep -q 'sip:carol@localhost' || fail "mailbox list does not show carol"

PHONE1=$(free_port)
PHONE2=$(free_port)
WEB1=$(free_port)
WEB2=$(free_port)
# start_um N WEB PHONE RTP: one UM server on port 0, its web service on WEB, Play-On-Phone
# calls to a phone on PHONE
start_um() {
	bg "$OPENUM" um --db "$DB" --listen-tcp 127.0.0.1:0 --listen-tls off --domain localhost \
		--web "127.0.0.1:$2" --outbound "127.0.0.1:$3" --outbound-tcp --rtp-ports "$4" \
		--spool-dir "$T/spool$1" --port-file "$T/ports$1" 2>"$T/um$1.log"
	wait_file "$T/ports$1" 150 "$LAST_PID"
	wait_for 150 curl -s -o /dev/null "http://127.0.0.1:$2/" || fail "UM $1 web did not start"
}
start_um 1 "$WEB1" "$PHONE1" 40000-40999
start_um 2 "$WEB2" "$PHONE2" 41000-41999
SIP1=$(port_of "$T/ports1" tcp)
SIP2=$(port_of "$T/ports2" tcp)
[ "$SIP1" != "$SIP2" ] || fail "both servers on one port"

# ---- 1. record through UM 1 -------------------------------------------------------
"$CALLER" --to sip:alice@localhost --port "$SIP1" --from sip:bob@localhost \
	--header 'Diversion: <sip:alice@localhost>;reason=no-answer' \
	--tone-ms 2000 --tone-at 13000 --hangup-ms 15500 >"$T/record.out" 2>&1 ||
	fail "the recording call failed"
sleep 0.5
mb show alice@localhost >"$T/show.out"
MSG=$(awk '/^ *[0-9]+ +new/{print $1; exit}' "$T/show.out")
[ -n "$MSG" ] || fail "no new message in PostgreSQL after the call to UM 1: $(cat "$T/show.out")"
grep -q "sip:bob@localhost" "$T/show.out" || fail "the message is not from bob"
mb export alice@localhost "$MSG" "$T/msg.wav" >/dev/null
sox "$T/msg.wav" -e signed-integer -b 16 "$T/msg16.wav"
python3 - "$T/msg16.wav" <<'PY' || fail "the stored audio does not hold the tone"
import math, sys, wave
w = wave.open(sys.argv[1])
raw = w.readframes(w.getnframes())
x = [int.from_bytes(raw[i:i+2], 'little', signed=True) for i in range(0, len(raw), 2)]
rc = [math.cos(2*math.pi*440*i/8000) for i in range(1600)]
rs = [math.sin(2*math.pi*440*i/8000) for i in range(1600)]
best = 0
for start in range(0, max(1, len(x) - 1600), 400):
    seg = x[start:start+1600]
    e = sum(v*v for v in seg) or 1
    c = sum(a*b for a, b in zip(seg, rc)); s = sum(a*b for a, b in zip(seg, rs))
    best = max(best, math.sqrt((c*c + s*s) / (e * 800)))
print("best 440 Hz correlation %.3f" % best)
assert best > 0.95, best
PY
echo "ok - message recorded through UM 1 is in PostgreSQL with its tone"

web_of() { if [ "$1" = 1 ]; then echo "$WEB1"; else echo "$WEB2"; fi; }
# session N: log alice on at UM N's web service (cookie jar $T/jarN); prints the token
session() {
	curl -sf -c "$T/jar$1" -H 'Content-Type: application/json' \
		-d '{"address":"alice@localhost","pin":"204862"}' \
		"http://127.0.0.1:$(web_of "$1")/api/v1/session" >"$T/session$1.json" ||
		fail "web logon at UM $1 failed"
	jq -r .csrf_token "$T/session$1.json"
}
CSRF1=$(session 1)
CSRF2=$(session 2)
api() { # N METHOD PATH [BODY]: the body, then the status on a line of its own
	n=$1 web=$(web_of "$1") csrf=$CSRF2
	[ "$1" = 1 ] && csrf=$CSRF1
	shift
	if [ $# -ge 3 ]; then
		curl -s -b "$T/jar$n" -X "$1" -H "X-CSRF-Token: $csrf" \
			-H 'Content-Type: application/json' -d "$3" -w '\n%{http_code}\n' \
			"http://127.0.0.1:$web$2"
	else
		curl -s -b "$T/jar$n" -X "$1" -H "X-CSRF-Token: $csrf" -w '\n%{http_code}\n' \
			"http://127.0.0.1:$web$2"
	fi
}
api 2 GET /api/v1/messages | head -n 1 >"$T/list2.json"
jq -e --argjson id "$MSG" '.messages[] | select(.id == $id and .state == "new")' \
	"$T/list2.json" >/dev/null || fail "UM 2's web service does not list message $MSG: $(cat "$T/list2.json")"
echo "ok - UM 2's web service lists the message recorded through UM 1"

# ---- 2. Play-On-Phone through either server ----------------------------------------
# phone NAME PORT SCENARIO: a SIPp uas for one call
phone() {
	(cd "$T" && exec sipp -sf "$HERE/sipp/$3" -t t1 -i 127.0.0.1 -p "$2" -mp 0 -m 1 \
		-nostdin -timeout 40s -timeout_error -trace_err -error_file "$1.errors.log" \
		-trace_logs -log_file "$1.logs.log" >"$1.out" 2>&1) &
	SIPP_PID=$!
	PIDS="$PIDS $SIPP_PID"
	sleep 0.5
}
# play N: Play-On-Phone of MSG through UM N's web service; follows the call to its end
play() {
	out=$(api "$1" POST /api/v1/play-on-phone "{\"message_id\":$MSG}")
	[ "$(echo "$out" | tail -n 1)" = 201 ] || fail "play-on-phone at UM $1: $out"
	call=$(echo "$out" | head -n 1 | jq -r .call_id)
	seen="" i=0
	while :; do
		s=$(api "$1" GET "/api/v1/calls/$call" | head -n 1 | jq -r .state)
		case " $seen " in *" $s "*) ;; *) seen="$seen $s" ;; esac
		[ "$s" = Disconnected ] && break
		i=$((i + 1))
		[ $i -gt 400 ] && fail "UM $1: call $call never ended (states:$seen)"
		sleep 0.1
	done
	case "$seen" in *Connected*Disconnected*) ;; *) fail "UM $1: call states$seen" ;; esac
	rc=0
	wait "$SIPP_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "UM $1: the SIPp phone failed ($rc)"
	echo "ok - Play-On-Phone through UM $1:$seen"
}
phone pop2 "$PHONE2" pop_uas_answer.xml
play 2
ST=$(api 1 GET "/api/v1/messages/$MSG" | head -n 1 | jq -r .state)
[ "$ST" = saved ] || fail "the 9 pressed on UM 2's call: UM 1 sees the message $ST, not saved"
echo "ok - the message saved through UM 2 is saved for UM 1"
phone pop1 "$PHONE1" pop_uas_answer_hangup.xml
play 1
mb log alice@localhost >"$T/log.out"
[ "$(grep -c 'play-on-phone' "$T/log.out")" -eq 2 ] ||
	fail "the shared call log should hold 2 play-on-phone calls: $(cat "$T/log.out")"

# ---- 3. shared lockout, no lost updates ---------------------------------------------
# wrong ADDRESS N: N wrong-PIN web logons at once, alternating between the servers
wrong() {
	i=0 pids=""
	while [ $i -lt "$2" ]; do
		web=$WEB1
		[ $((i % 2)) -eq 1 ] && web=$WEB2
		curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
			-d "{\"address\":\"$1\",\"pin\":\"111111\"}" \
			"http://127.0.0.1:$web/api/v1/session" >"$T/wrong.$1.$i" &
		pids="$pids $!"
		i=$((i + 1))
	done
	for p in $pids; do wait "$p" || fail "curl failed"; done
	cat "$T"/wrong."$1".* | sort | uniq -c
}
wrong bob@localhost 10
mb show bob@localhost >"$T/bob.out"
grep -q '^failed logons: 10$' "$T/bob.out" || fail "10 concurrent wrong PINs: $(cat "$T/bob.out")"
grep -q '^locked: *no' "$T/bob.out" || fail "bob locked below the limit"
echo "ok - 10 concurrent wrong PINs across both servers count 10"
wrong carol@localhost 24
mb show carol@localhost >"$T/carol.out"
C=$(awk -F': *' '/^failed logons:/{print $2}' "$T/carol.out")
grep -q '^locked: *yes' "$T/carol.out" || fail "24 wrong PINs did not lock carol: $(cat "$T/carol.out")"
[ "$C" -eq 15 ] || fail "24 concurrent wrong PINs against a limit of 15 counted $C"
out=$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' \
	-d '{"address":"carol@localhost","pin":"204862"}' "http://127.0.0.1:$WEB2/api/v1/session")
[ "$(echo "$out" | tail -n 1)" = 403 ] || fail "locked carol logged on at UM 2: $out"
echo "ok - 24 concurrent wrong PINs lock the mailbox on both servers at exactly 15"
mb unlock carol@localhost >/dev/null
curl -sf -o /dev/null -H 'Content-Type: application/json' \
	-d '{"address":"carol@localhost","pin":"204862"}' "http://127.0.0.1:$WEB1/api/v1/session" ||
	fail "carol cannot log on at UM 1 after unlock"
echo "integration/pg_two_um: ok"
