#!/bin/sh
# Play-On-Phone end to end (issue 5): tests/tools/openum_test_web with the real dial-out
# engine (src/um/pop.c) dials a SIPp uas on loopback; the JSON API drives it with curl.
# The SIPp scenarios (tests/integration/sipp/pop_uas_*.xml) check the INVITE themselves:
# Ms-Sensitivity: private-no-diversion, Ms-Target-Class: secondary, and From URI == To
# URI (an SIPp strcmp with check_it: a mismatch fails the call and SIPp's exit status).
# Four phones: one answers and presses 9 (the message must end up saved), one is busy
# (486: UserBusy), one does not exist (404: Unavailable), one rings until the engine
# gives up (CANCEL: NoAnswer). GET /api/v1/calls/{id} must end Disconnected with the
# right cause; a second Play-On-Phone while one rings gets 409.
# Transport: TCP. Debian's SIPp has no TLS server; the engine's TLS path is the ua's
# (tests/unit/ua), and this test is about the signalling and the states.
# usage: play_on_phone_sipp.sh OPENUM_TEST_WEB_BINARY
set -eu
WEB=$1
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/openum-pop-sipp-XXXXXX)
PIDS=""

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null || true
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "integration/play_on_phone_sipp: $*" >&2
	for f in "$T"/*errors.log "$T"/*.out "$T"/web.log "$T"/*_messages.log "$T"/*logs.log; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
	done
	exit 1
}
command -v sipp >/dev/null || { echo "FAIL: sipp not installed (sip-tester) (scripts/install-deps installs it)" >&2; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl not installed (scripts/install-deps installs it)" >&2; exit 1; }
command -v jq >/dev/null || { echo "FAIL: jq not installed (scripts/install-deps installs it)" >&2; exit 1; }

# a free TCP port for the SIPp phone (the engine's outbound hop)
SIP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

"$WEB" --dir "$T/data" --engine ua --sip-port "$SIP_PORT" --sip-transport tcp \
	--dial-timeout-ms 3000 --menu-timeout-ms 2000 >"$T/web.log" 2>&1 &
WEB_PID=$!
PIDS="$WEB_PID"
i=0
while ! grep -q '^listening on ' "$T/web.log"; do
	i=$((i + 1))
	{ [ $i -gt 100 ] || ! kill -0 "$WEB_PID" 2>/dev/null; } && fail "openum_test_web did not start"
	sleep 0.1
done
B=$(sed -n 's/^listening on \(.*\)\/$/\1/p' "$T/web.log")

# log on (JSON), keep the cookie and the CSRF token
curl -sf -c "$T/jar" -H 'Content-Type: application/json' \
	-d '{"address":"alice@example.com","pin":"246813"}' "$B/api/v1/session" >"$T/session.json" ||
	fail "logon failed"
CSRF=$(jq -r .csrf_token "$T/session.json")
api() { # METHOD PATH [BODY]: prints the body, then the status on its own line
	if [ $# -ge 3 ]; then
		curl -s -b "$T/jar" -X "$1" -H "X-CSRF-Token: $CSRF" \
			-H 'Content-Type: application/json' -d "$3" -w '\n%{http_code}\n' "$B$2"
	else
		curl -s -b "$T/jar" -X "$1" -H "X-CSRF-Token: $CSRF" -w '\n%{http_code}\n' "$B$2"
	fi
}
MSG=$(api GET /api/v1/messages | head -n 1 | jq -r '[.messages[] | select(.state == "new")][0].id')
[ -n "$MSG" ] && [ "$MSG" != null ] || fail "no new message to play"

# start_phone NAME SCENARIO: a SIPp uas for one call on SIP_PORT
start_phone() {
	(cd "$T" && exec sipp -sf "$HERE/sipp/$2" -t t1 -i 127.0.0.1 -p "$SIP_PORT" -mp 0 \
		-m 1 -nostdin -timeout 30s -timeout_error -trace_err -error_file "$1.errors.log" \
		-trace_logs -log_file "$1.logs.log" -trace_msg -message_file "$1_messages.log" \
		>"$1.out" 2>&1) &
	SIPP_PID=$!
	PIDS="$PIDS $SIPP_PID"
	sleep 0.5 # SIPp binds its port
}
wait_phone() {
	rc=0
	wait "$SIPP_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "$1: sipp exit status $rc (an INVITE check failed or the call went wrong)"
	grep -q 'INVITE ruri=sip:alice@example.com from=sip:alice@example.com to=sip:alice@example.com sens=private-no-diversion' \
		"$T/$1.logs.log" || fail "$1: the INVITE SIPp logged is not the expected one"
}
# play DIAL_JSON: POST play-on-phone, prints the call id
play() {
	out=$(api POST /api/v1/play-on-phone "{\"message_id\":$MSG$1}")
	[ "$(echo "$out" | tail -n 1)" = 201 ] || fail "play-on-phone: $out"
	echo "$out" | head -n 1 | jq -r .call_id
}
# follow CALL: polls the call until Disconnected; prints every state seen, then the
# final "cause sip_code"
follow() {
	seen="" i=0
	while :; do
		j=$(api GET "/api/v1/calls/$1" | head -n 1)
		s=$(echo "$j" | jq -r .state)
		case " $seen " in *" $s "*) ;; *) seen="$seen $s" ;; esac
		[ "$s" = Disconnected ] && break
		i=$((i + 1))
		[ $i -gt 300 ] && fail "call $1 never ended (states:$seen)"
		sleep 0.1
	done
	echo "$seen|$(echo "$j" | jq -r '.cause + " " + (.sip_code|tostring)')"
}

# 1. the phone answers and presses 9: Alerted, Connected, Disconnected/None; saved
start_phone answer pop_uas_answer.xml
CALL=$(play "")
R=$(follow "$CALL")
echo "answer: $R"
case "$R" in *Alerted*Connected*Disconnected*"|None "*) ;; *) fail "answer: states/cause $R" ;; esac
wait_phone answer
ST=$(api GET "/api/v1/messages/$MSG" | head -n 1 | jq -r .state)
[ "$ST" = saved ] || fail "answer: message is $ST, not saved"
grep -q 'engine: dtmf 9' "$T/web.log" || fail "answer: the engine never got the 9"

# 2. busy: 486 -> UserBusy
start_phone busy pop_uas_busy.xml
CALL=$(play ',"dial_string":""')
R=$(follow "$CALL")
echo "busy: $R"
case "$R" in *"|UserBusy 486") ;; *) fail "busy: $R" ;; esac
wait_phone busy

# 3. no such phone: 404 -> Unavailable
start_phone notfound pop_uas_notfound.xml
CALL=$(play ',"dial_string":null')
R=$(follow "$CALL")
echo "notfound: $R"
case "$R" in *"|Unavailable 404") ;; *) fail "notfound: $R" ;; esac
wait_phone notfound

# 4. rings, nobody answers: CANCEL after the dial timeout -> NoAnswer; meanwhile a second
# Play-On-Phone of the same mailbox is refused with 409
start_phone noanswer pop_uas_noanswer.xml
CALL=$(play ',"dial_string":"sip:alice@example.com"')
sleep 0.5
out=$(api POST /api/v1/play-on-phone "{\"message_id\":$MSG}")
[ "$(echo "$out" | tail -n 1)" = 409 ] || fail "second play-on-phone: $out (want 409)"
R=$(follow "$CALL")
echo "noanswer: $R"
case "$R" in *Alerted*"|NoAnswer "*) ;; *) fail "noanswer: $R" ;; esac
wait_phone noanswer
grep -q '^CANCEL ' "$T/noanswer_messages.log" || fail "noanswer: no CANCEL reached the phone"
echo "integration/play_on_phone_sipp: ok"
