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
# timeout: 180
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need sipp curl jq python3
WEB="$BUILD/openum_test_web"

# a free TCP port for the SIPp phone (the engine's outbound hop)
SIP_PORT=$(free_port)

bg "$WEB" --dir "$T/data" --engine ua --sip-port "$SIP_PORT" --sip-transport tcp \
	--dial-timeout-ms 5000 --menu-timeout-ms 2000 >"$T/web.log" 2>&1
wait_for 100 grep -q '^listening on ' "$T/web.log" || fail "openum_test_web did not start"
B=$(sed -n 's/^listening on \(.*\)\/$/\1/p' "$T/web.log")

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
grep -q 'engine: dtmf 9' "$T/web.log" || fail "answer: the engine never got the 9"

# 2. busy: 486 -> UserBusy
pop_phone busy pop_uas_busy.xml
CALL=$(pop_play "$MSG" ',"dial_string":""')
R=$(follow "$CALL")
echo "busy: $R"
case "$R" in *"|UserBusy 486") ;; *) fail "busy: $R" ;; esac
pop_phone_wait busy

# 3. no such phone: 404 -> Unavailable
pop_phone notfound pop_uas_notfound.xml
CALL=$(pop_play "$MSG" ',"dial_string":null')
R=$(follow "$CALL")
echo "notfound: $R"
case "$R" in *"|Unavailable 404") ;; *) fail "notfound: $R" ;; esac
pop_phone_wait notfound

# 4. rings, nobody answers: CANCEL after the dial timeout -> NoAnswer; meanwhile a second
# Play-On-Phone of the same mailbox is refused with 409
pop_phone noanswer pop_uas_noanswer.xml
# (follow polls from the start, in the background: under load the 409 request below can
# take longer than the Alerted state lasts)
CALL=$(pop_play "$MSG" ',"dial_string":"sip:alice@example.com"')
(follow "$CALL" >"$T/noanswer.follow") &
FOLLOW=$!
sleep 0.5
out=$(api POST /api/v1/play-on-phone "{\"message_id\":$MSG}")
[ "$(echo "$out" | tail -n 1)" = 409 ] || fail "second play-on-phone: $out (want 409)"
wait "$FOLLOW" || fail "noanswer: following the call failed: $(cat "$T/noanswer.follow")"
R=$(cat "$T/noanswer.follow")
echo "noanswer: $R"
case "$R" in *Alerted*"|NoAnswer "*) ;; *) fail "noanswer: $R" ;; esac
pop_phone_wait noanswer
grep -q '^CANCEL ' "$T/noanswer_messages.log" || fail "noanswer: no CANCEL reached the phone"
echo "integration/play_on_phone_sipp: ok"
