#!/bin/sh
# Play-On-Phone through the SOAP 1.1 service (issue 5, Tests): tests/tools/openum_test_web
# with the real dial-out engine (src/um/pop.c) dials SIPp uas phones on loopback, and curl
# drives /UnifiedMessaging/Service.asmx with HTTP Basic (mailbox address : PIN):
# PlayOnPhone -> CallId, GetCallInfo polled until Disconnected (CallState / EventCause
# read with xmllint), Disconnect. Phones (tests/integration/sipp/pop_uas_*.xml, each
# checking its INVITE: Ms-Sensitivity private-no-diversion, Ms-Target-Class secondary,
# From URI == To URI, all with check_it so a mismatch fails SIPp's exit status):
#   answers and presses 9 -> None; 486 -> UserBusy; 404 -> Unavailable; rings until the
#   engine gives up -> NoAnswer (CANCEL);
#   Disconnect in Connecting (the phone is silent, then 100: the CANCEL goes out then),
#   in Alerted (CANCEL) and in Connected (BYE, the phone answers 200).
# Transport TCP, as in play_on_phone_sipp.sh.
# timeout: 180
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need sipp curl xmllint python3
WEB="$BUILD/openum_test_web"
# shellcheck disable=SC2034 # lib.sh's fail shows it
FAIL_LOGS="$T/soap.xml"

# a free TCP port for the SIPp phone (the engine's outbound hop)
SIP_PORT=$(free_port)

bg "$WEB" --dir "$T/data" --engine ua --sip-port "$SIP_PORT" --sip-transport tcp \
	--dial-timeout-ms 3000 --menu-timeout-ms 2000 >"$T/web.log" 2>&1
wait_for 100 grep -q '^listening on ' "$T/web.log" || fail "openum_test_web did not start"
B=$(sed -n 's/^listening on \(.*\)\/$/\1/p' "$T/web.log")
URL="$B/UnifiedMessaging/Service.asmx"
MNS=http://schemas.microsoft.com/exchange/services/2006/messages
# openum_test_web seeds alice's mailbox with messages 1 and 2 (new) and 3 (saved); the
# entryId is the base64 of the decimal id (docs/web.md)
ENTRY=$(printf 1 | base64)

# soap OPERATION INNER_XML: POSTs the envelope; the body lands in $T/soap.xml, the HTTP
# status is printed
soap() {
	printf '<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
 <soap:Body><%s xmlns="%s">%s</%s></soap:Body>
</soap:Envelope>\n' "$1" "$MNS" "$2" "$1" |
		curl -s -u 'alice@example.com:246813' -H 'Content-Type: text/xml; charset=utf-8' \
			-H "SOAPAction: \"$MNS/$1\"" --data-binary @- -o "$T/soap.xml" \
			-w '%{http_code}' "$URL"
}
# xml_text NAME: the text of the first element NAME (any namespace) in $T/soap.xml, which
# must be well-formed
xml_text() {
	xmllint --noout "$T/soap.xml" || fail "the SOAP answer is not well-formed XML"
	xmllint --xpath "string((//*[local-name()='$1'])[1])" "$T/soap.xml"
}

# play NAME: PlayOnPhone of message 1 to alice's own address; prints the CallId
play() {
	st=$(soap PlayOnPhone "<entryId>$ENTRY</entryId><DialString>sip:alice@example.com</DialString>")
	[ "$st" = 200 ] || fail "$1: PlayOnPhone: HTTP $st"
	c=$(xml_text PlayOnPhoneResponse)
	[ -n "$c" ] || fail "$1: PlayOnPhone: no CallId"
	echo "$c"
}
# info CALL: GetCallInfo; prints "CallState EventCause SIPResponseCode"
info() {
	st=$(soap GetCallInfo "<CallId>$1</CallId>")
	[ "$st" = 200 ] || fail "GetCallInfo $1: HTTP $st"
	s=$(xml_text CallState)
	e=$(xml_text EventCause)
	if [ -z "$s" ] || [ -z "$e" ]; then
		fail "GetCallInfo $1: no CallState/EventCause"
	fi
	echo "$s $e $(xml_text SIPResponseCode)"
}
# wait_state CALL STATE: polls until the call is in STATE
wait_state() {
	i=0
	while :; do
		r=$(info "$1")
		[ "${r%% *}" = "$2" ] && return 0
		[ "${r%% *}" = Disconnected ] && fail "call $1 ended ($r) before reaching $2"
		i=$((i + 1))
		[ $i -gt 100 ] && fail "call $1 never reached $2 (last: $r)"
		sleep 0.05
	done
}
# soap_follow CALL: polls until Disconnected; prints every state seen, then "|cause code"
soap_follow() {
	seen="" i=0
	while :; do
		r=$(info "$1")
		s=${r%% *}
		case " $seen " in *" $s "*) ;; *) seen="$seen $s" ;; esac
		[ "$s" = Disconnected ] && break
		i=$((i + 1))
		[ $i -gt 300 ] && fail "call $1 never ended (states:$seen)"
		sleep 0.1
	done
	echo "$seen|${r#* }"
}
# disconnect CALL: Disconnect answers an empty DisconnectResponse
disconnect() {
	st=$(soap Disconnect "<CallId>$1</CallId>")
	[ "$st" = 200 ] || fail "Disconnect $1: HTTP $st"
	grep -q 'DisconnectResponse' "$T/soap.xml" || fail "Disconnect $1: no DisconnectResponse"
}

# 0. Basic auth is required: a wrong PIN gets 401 and a Fault
st=$(curl -s -u 'alice@example.com:000000' -H 'Content-Type: text/xml' -o "$T/soap.xml" \
	-w '%{http_code}' --data-binary '<x/>' "$URL")
[ "$st" = 401 ] || fail "wrong PIN: HTTP $st, want 401"
[ -n "$(xml_text faultcode)" ] || fail "wrong PIN: no soap Fault"

# 1. the phone answers and presses 9: Alerted, Connected, Disconnected/None 200
pop_phone answer pop_uas_answer.xml
CALL=$(play answer)
R=$(soap_follow "$CALL")
echo "answer: $R"
case "$R" in *Alerted*Connected*Disconnected*"|None 200") ;; *) fail "answer: states/cause $R" ;; esac
pop_phone_wait answer
grep -q 'engine: dtmf 9' "$T/web.log" || fail "answer: the engine never got the 9"

# 2. busy: 486 -> UserBusy
pop_phone busy pop_uas_busy.xml
CALL=$(play busy)
R=$(soap_follow "$CALL")
echo "busy: $R"
case "$R" in *"|UserBusy 486") ;; *) fail "busy: $R" ;; esac
pop_phone_wait busy

# 3. no such phone: 404 -> Unavailable
pop_phone notfound pop_uas_notfound.xml
CALL=$(play notfound)
R=$(soap_follow "$CALL")
echo "notfound: $R"
case "$R" in *"|Unavailable 404") ;; *) fail "notfound: $R" ;; esac
pop_phone_wait notfound

# 4. rings, nobody answers: CANCEL after the dial timeout -> NoAnswer; meanwhile a second
# PlayOnPhone of the same mailbox is a Client fault
pop_phone noanswer pop_uas_noanswer.xml
CALL=$(play noanswer)
wait_state "$CALL" Alerted
st=$(soap PlayOnPhone "<entryId>$ENTRY</entryId>")
if [ "$st" != 500 ] || [ "$(xml_text faultcode)" != soap:Client ]; then
	fail "second PlayOnPhone: HTTP $st, want 500 + soap:Client"
fi
R=$(soap_follow "$CALL")
echo "noanswer: $R"
# (wait_state saw Alerted; on a loaded machine the 3 s dial timeout may pass before
# the first poll of soap_follow, so its list need not show it again)
case "$R" in *"Disconnected|NoAnswer"*) ;; *) fail "noanswer: $R" ;; esac
pop_phone_wait noanswer
grep -q '^CANCEL ' "$T/noanswer_messages.log" || fail "noanswer: no CANCEL reached the phone"

# disconnect_in NAME SCENARIO STATE REQUEST: a call to a SIPp phone playing SCENARIO,
# disconnected in STATE (Connecting: checked once, 0.5 s after the start; else waited
# for): the user sees Disconnected/None at once and for good, and REQUEST (CANCEL or
# BYE) reaches the phone.
disconnect_in() {
	pop_phone "$1" "$2"
	CALL=$(play "$1")
	if [ "$3" = Connecting ]; then
		sleep 0.5
		R=$(info "$CALL")
		case "$R" in "Connecting "*) ;; *) fail "$1: $R, want Connecting" ;; esac
	else
		wait_state "$CALL" "$3"
	fi
	disconnect "$CALL"
	R=$(soap_follow "$CALL")
	echo "disconnect in $3: $R"
	case "$R" in *"Disconnected|None"*) ;; *) fail "disconnect in $3: $R" ;; esac
	pop_phone_wait "$1"
	grep -q "^$4 " "$T/$1_messages.log" || fail "$1: no $4 reached the phone"
	R=$(info "$CALL")
	case "$R" in "Disconnected "*) ;; *) fail "$1: afterwards $R" ;; esac
}

# 5. Disconnect in Connecting: the phone says nothing for 3 s; the call ends at once for
# the user, and the CANCEL leaves when the phone's 100 comes (RFC 3261 9.1)
disconnect_in connecting pop_uas_slow.xml Connecting CANCEL
# 6. Disconnect in Alerted: CANCEL, the phone answers 200 and 487
disconnect_in alerted pop_uas_noanswer.xml Alerted CANCEL
# 7. Disconnect in Connected: BYE, the phone answers 200
disconnect_in connected pop_uas_answer_bye.xml Connected BYE
# the BYE came in and the phone's 200 went out with the same CSeq
[ "$(grep -c '^CSeq: *[0-9]* BYE' "$T/connected_messages.log")" -ge 2 ] ||
	fail "connected: the phone sent no 200 to the BYE"
# a Disconnect of a finished call is not an error
disconnect "$CALL"
echo "integration/play_on_phone_soap: ok"
