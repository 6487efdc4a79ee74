#!/bin/sh
# Play-On-Phone through `openum um` itself (issues 4 and 5): the UM server with its web
# service and its dial-out engine wired (--web, --outbound), a mailbox made with
# `openum mailbox add` and a message imported as WAV, the JSON API driven with curl,
# and a SIPp uas as the phone on loopback TCP. The SIPp scenario checks the INVITE
# (Ms-Sensitivity: private-no-diversion, From URI == To URI); the call must go
# Alerted -> Connected -> Disconnected/None, the 9 the phone presses must save the
# message, and the call log must hold the play-on-phone call.
# usage: um_play_on_phone.sh OPENUM_BINARY
set -eu
OPENUM=$1
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/openum-um-pop-XXXXXX)
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
	echo "integration/um_play_on_phone: $*" >&2
	for f in "$T"/*errors.log "$T"/*.out "$T"/um.log "$T"/*_messages.log "$T"/*logs.log; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
	done
	exit 1
}
for tool in sipp curl jq sox python3; do
	command -v $tool >/dev/null || fail "$tool is not installed (scripts/install-deps installs it)"
done
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
SIP_PORT=$(free_port)
WEB_PORT=$(free_port)
DB="$T/um.db"

"$OPENUM" mailbox --db "$DB" add sip:alice@example.com --name Alice --ext 1001 --pin 246813 \
	>"$T/add.out" 2>&1 || fail "mailbox add: $(cat "$T/add.out")"
sox -n -r 8000 -c 1 -b 16 "$T/msg.wav" synth 1 sine 440 || fail "sox could not make the message"
"$OPENUM" mailbox --db "$DB" import sip:alice@example.com "$T/msg.wav" --caller sip:bob@example.com \
	>"$T/import.out" 2>&1 || fail "mailbox import: $(cat "$T/import.out")"

"$OPENUM" um --db "$DB" --listen-tcp 127.0.0.1:0 --listen-tls off --domain example.com \
	--web "127.0.0.1:$WEB_PORT" --outbound "127.0.0.1:$SIP_PORT" --outbound-tcp \
	>"$T/um.log" 2>&1 &
UM_PID=$!
PIDS="$UM_PID"
B="http://127.0.0.1:$WEB_PORT"
i=0
while ! curl -s -o /dev/null "$B/"; do
	i=$((i + 1))
	{ [ $i -gt 150 ] || ! kill -0 "$UM_PID" 2>/dev/null; } && fail "openum um did not start"
	sleep 0.1
done

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

"$OPENUM" mailbox --db "$DB" log >"$T/log.out" 2>&1 || fail "mailbox log: $(cat "$T/log.out")"
grep -q 'play-on-phone' "$T/log.out" || fail "the call log has no play-on-phone call: $(cat "$T/log.out")"
echo "integration/um_play_on_phone: ok"
