#!/bin/sh
# Play-On-Phone through `openum um` itself (issues 4 and 5): the UM server with its web
# service and its dial-out engine wired (--web, --outbound), a mailbox made with
# `openum mailbox add` and a message imported as WAV, the JSON API driven with curl,
# and a SIPp uas as the phone on loopback TCP. The SIPp scenario checks the INVITE
# (Ms-Sensitivity: private-no-diversion, From URI == To URI); the call must go
# Alerted -> Connected -> Disconnected/None, the 9 the phone presses must save the
# message, and the call log must hold the play-on-phone call.
# timeout: 120
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need sipp curl jq sox python3
SIP_PORT=$(free_port)
WEB_PORT=$(free_port)
DB="$T/um.db"

"$OPENUM" mailbox --db "$DB" add sip:alice@example.com --name Alice --ext 1001 --pin 246813 \
	>"$T/add.out" 2>&1 || fail "mailbox add: $(cat "$T/add.out")"
sox -n -r 8000 -c 1 -b 16 "$T/msg.wav" synth 1 sine 440 || fail "sox could not make the message"
"$OPENUM" mailbox --db "$DB" import sip:alice@example.com "$T/msg.wav" --caller sip:bob@example.com \
	>"$T/import.out" 2>&1 || fail "mailbox import: $(cat "$T/import.out")"

bg "$OPENUM" um --db "$DB" --listen-tcp 127.0.0.1:0 --listen-tls off --domain example.com \
	--web "127.0.0.1:$WEB_PORT" --outbound "127.0.0.1:$SIP_PORT" --outbound-tcp \
	>"$T/um.log" 2>&1
UM_PID=$LAST_PID
B="http://127.0.0.1:$WEB_PORT"
i=0
while ! curl -s -o /dev/null "$B/"; do
	i=$((i + 1))
	{ [ $i -gt 150 ] || ! kill -0 "$UM_PID" 2>/dev/null; } && fail "openum um did not start"
	sleep 0.1
done

api_logon "$B" alice@example.com 246813
MSG=$(api GET /api/v1/messages | head -n 1 | jq -r '[.messages[] | select(.state == "new")][0].id')
[ -n "$MSG" ] && [ "$MSG" != null ] || fail "no new message to play"

# 1. the phone answers and presses 9: Alerted, Connected, Disconnected/None; saved
pop_phone answer pop_uas_answer.xml
CALL=$(pop_play "$MSG")
R=$(follow "$CALL")
echo "answer: $R"
case "$R" in *Alerted*Connected*Disconnected*"|None "*) ;; *) fail "answer: states/cause $R" ;; esac
pop_phone_wait answer
ST=$(api GET "/api/v1/messages/$MSG" | head -n 1 | jq -r .state)
[ "$ST" = saved ] || fail "answer: message is $ST, not saved"

"$OPENUM" mailbox --db "$DB" log >"$T/log.out" 2>&1 || fail "mailbox log: $(cat "$T/log.out")"
grep -q 'play-on-phone' "$T/log.out" || fail "the call log has no play-on-phone call: $(cat "$T/log.out")"
echo "integration/um_play_on_phone: ok"
