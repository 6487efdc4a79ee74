#!/bin/sh
# baresip 1.0.0 as the callee over TLS (issue 7): alice's headless baresip registers to
# `openum proxy` over TLS (digest MD5) and answers by itself (answermode=auto).
#  1. bob (`openum phone`, TLS) calls alice through the proxy: the INVITE reaches her
#     baresip over the TLS connection it registered on, it answers, and media flows both
#     ways (bob's phone hears alice's 440 Hz tone: wait-audio; baresip counts bob's RTP).
#  2. Play-On-Phone: the UM server (its certificate CN um.openum.test, trusted by the
#     proxy) dials alice through the proxy; her baresip (now answering by hand) rings
#     with From == To == sip:alice@openum.test and Ms-Sensitivity: private-no-diversion
#     (its SIP trace); she does not answer: the proxy cancels it after her no-answer
#     time and does not divert to voicemail (no call-answering row, no new message);
#     the web service says NoAnswer.
# baresip has no "appear offline": the ring itself is what is proven.
# timeout: 300
# shellcheck source-path=SCRIPTDIR disable=SC2016,SC1091
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=baresip/setup.sh
. "$(dirname "$0")/baresip/setup.sh"
need curl jq

start_openum 4
BS_NETIF=127.0.0.1 BS_TRANSPORT=tls BS_AUDIO=tone BS_ARGS=-s start_baresip alice alice "$ALICE_PW" "answermode=auto"
wait_registered alice
grep -q "REGISTER sip:$DOMAIN;transport=tls\|REGISTER sip:.*transport=tls" "$T/alice.out" ||
	fail "baresip's trace shows no REGISTER over TLS"
echo "ok - alice's baresip registered over TLS with digest auth"

# 1. bob calls alice over TLS; she answers; media both ways
cat >"$T/bob.script" <<'EOS'
call sip:alice@openum.test
wait-answered 20
wait-audio 10
sleep 1000
hangup
wait-ended 10
EOS
"$OPENUM" phone --user "sip:bob@$DOMAIN" --password "$BOB_PW" --proxy "127.0.0.1:$PROXY_TLS" \
	--ca "$T/pki/ca.pem" --no-mwi --play "$T/tone.wav" --script "$T/bob.script" \
	>"$T/bob.out" 2>&1 || fail "bob's call to alice's baresip: $(cat "$T/bob.out")"
grep -q "wait-audio: ok" "$T/bob.out" || fail "bob heard nothing from alice's baresip"
# baresip reports RTP established at the first RTP packet it receives from bob
grep -q '"CALL_RTPESTAB"' "$T/alice/events" || fail "alice's baresip received no RTP from bob"
wait_count alice CALL_ESTABLISHED 1 || fail "alice's baresip did not report the call"
grep '"CALL_ESTABLISHED"' "$T/alice/events" | grep -q "\"peeruri\": \"sip:bob@$DOMAIN" ||
	fail "the call alice answered is not from bob: $(grep CALL_ESTABLISHED "$T/alice/events")"
wait_count alice CALL_CLOSED 1 || fail "alice's call did not end on bob's BYE"
[ "$(log_rows)" -eq 0 ] || fail "an answered call reached the UM server: $(last_log)"
echo "ok - bob -> proxy (TLS) -> alice's baresip: answered, media both ways ($(grep -o 'wait-audio: ok.*' "$T/bob.out"))"

# 2. Play-On-Phone to the baresip, not answered
bs alice answermode manual >/dev/null || fail "answermode refused"
"$OPENUM" mailbox import "sip:alice@$DOMAIN" "$T/tone.wav" --caller "sip:carol@$DOMAIN" \
	>/dev/null || fail "mailbox import"
B="https://127.0.0.1:$WEB"
CURL="curl -sf --cacert $T/pki/ca.pem"
$CURL -c "$T/jar" -H 'Content-Type: application/json' \
	-d "{\"address\":\"alice@$DOMAIN\",\"pin\":\"$ALICE_PIN\"}" "$B/api/v1/session" \
	>"$T/s.json" || fail "web logon failed"
CSRF=$(jq -r .csrf_token "$T/s.json")
MSG=$($CURL -b "$T/jar" "$B/api/v1/messages" | jq -r '.messages[0].id')
case "$MSG" in "" | null) fail "no message in alice's mailbox" ;; esac
CALL=$($CURL -b "$T/jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	-d "{\"message_id\":$MSG}" "$B/api/v1/play-on-phone" | jq -r .call_id)
case "$CALL" in "" | null) fail "play-on-phone refused" ;; esac
wait_count alice CALL_INCOMING 1 || fail "alice's baresip did not ring for Play-On-Phone"
# the INVITE as baresip received it (its -s trace): From == To == alice, private
python3 - "$T/alice.out" "$DOMAIN" <<'PY' || fail "the Play-On-Phone INVITE at baresip is not the expected one"
import re, sys
text = open(sys.argv[1], errors="replace").read()
dom = sys.argv[2]
at = text.rfind("\nINVITE sip:")
assert at >= 0, "no INVITE in the trace"
inv = text[at + 1:].split("\n\n", 1)[0].replace("\r", "")
hdr = lambda n: [l.split(":", 1)[1].strip() for l in inv.splitlines()
                 if l.lower().startswith(n.lower() + ":")]
uri = lambda v: re.search(r"<([^>]+)>", v).group(1) if "<" in v else v.split(";")[0]
fr, to = hdr("From"), hdr("To")
print("From", fr, "To", to, "Ms-Sensitivity", hdr("Ms-Sensitivity"))
assert fr and to and uri(fr[0]) == uri(to[0]) == f"sip:alice@{dom}", (fr, to)
assert hdr("Ms-Sensitivity") == ["private-no-diversion"], hdr("Ms-Sensitivity")
PY
seen="" i=0
while :; do
	j=$($CURL -b "$T/jar" "$B/api/v1/calls/$CALL") || fail "calls API"
	s=$(echo "$j" | jq -r .state)
	case " $seen " in *" $s "*) ;; *) seen="$seen $s" ;; esac
	[ "$s" = Disconnected ] && break
	i=$((i + 1))
	[ $i -gt 600 ] && fail "the Play-On-Phone call never ended (states:$seen)"
	sleep 0.1
done
cause=$(echo "$j" | jq -r .cause)
[ "$cause" = NoAnswer ] || fail "Play-On-Phone ended with $cause ($j), expected NoAnswer"
wait_count alice CALL_CLOSED 2 || fail "alice's baresip kept ringing"
[ "$(count alice CALL_ESTABLISHED)" -eq 1 ] || fail "alice's baresip answered the Play-On-Phone call"
# no diversion: the proxy forked the trusted UM server's call to alice's flow and
# nowhere else; the UM server logged no call answering and alice got no new message
grep "from=alice@$DOMAIN to=alice@$DOMAIN" "$T/proxy.log" | grep "trusted=yes" |
	grep -q "sensitivity=private-no-diversion action=fork" ||
	fail "the proxy did not fork the Play-On-Phone call as private-no-diversion: $(tail -n 2 "$T/proxy.log")"
if "$OPENUM" mailbox log --limit 0 | grep -q call-answering; then
	fail "the Play-On-Phone call was diverted to voicemail: $(last_log)"
fi
if "$OPENUM" mailbox show "alice@$DOMAIN" | grep -q "no-answer"; then
	fail "a no-answer message was recorded: $("$OPENUM" mailbox show "alice@$DOMAIN")"
fi
echo "ok - Play-On-Phone rang alice's baresip (From == To, private-no-diversion), not answered: $cause, no voicemail (states:$seen; call log: $(last_log | cut -c1-60)...)"
echo "integration/$TEST_NAME: ok"
