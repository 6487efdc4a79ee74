#!/bin/sh
# baresip 1.0.0 as the message-waiting subscriber (issue 9): alice's headless baresip,
# pinned to loopback (sip_listen 127.0.0.1, net_interface lo), registers to `openum
# proxy` and its mwi module SUBSCRIBEs to message-summary for her address; the proxy
# authenticates it and routes it to `openum um`, whose NOTIFYs come back over her flow:
#  1. the mailbox is empty: NOTIFY Messages-Waiting: no;
#  2. bob (`openum phone`) leaves alice a message: NOTIFY Messages-Waiting: yes, 1 new;
#  3. alice hears it (the web service saves it, as the web page's player does):
#     NOTIFY Messages-Waiting: no, 0 new 1 old.
# baresip prints each NOTIFY body to its log (1.0.0 sends no ctrl_tcp event for it).
# timeout: 180
# shellcheck source-path=SCRIPTDIR disable=SC2016,SC1091
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=baresip/setup.sh
. "$(dirname "$0")/baresip/setup.sh"
need curl jq
[ -f /usr/lib/baresip/modules/mwi.so ] || fail "baresip's mwi module is missing (baresip-core)"

start_openum 4
BS_MWI=1 BS_NETIF=127.0.0.1 start_baresip alice alice "$ALICE_PW" "mwi=yes"
wait_registered alice
echo "ok - alice's baresip (loopback only) registered"

# baresip 1.0.0's mwi module prints each NOTIFY body to its log ("----- MWI for AOR
# -----", then the body); ctrl_tcp gets no event for it.
# wait_mwi WORD N: N bodies said Messages-Waiting: WORD
wait_mwi() {
	wait_for 200 sh -c '[ "$(grep -ci "^Messages-Waiting: *$2" "$1")" -ge "$3" ]' \
		sh "$T/alice.out" "$1" "$2"
}
# last_mwi: the last body baresip printed, on one line
last_mwi() {
	awk '/^----- MWI for/ {b = ""; on = 1; next} on && NF {sub(/\r$/, ""); b = b $0 " | "} on && !NF {on = 0} END {print b}' \
		"$T/alice.out"
}
wait_mwi no 1 || fail "no NOTIFY Messages-Waiting: no at baresip"
grep -q "^mwi: subscribing to messages for sip:alice@$DOMAIN" "$T/alice.out" ||
	fail "baresip's mwi module did not subscribe"
grep -q "sip:alice@$DOMAIN subscribed to message-summary" "$T/um.log" ||
	fail "the UM server did not take baresip's SUBSCRIBE"
echo "ok - baresip subscribed: NOTIFY Messages-Waiting: no"

# 2. bob leaves a message ('#' skips the greeting to the tone)
cat >"$T/bob.script" <<'EOS'
call sip:alice@openum.test;opaque=app:voicemail
wait-answered 30
wait-audio 10
dtmf #
sleep 3000
hangup
wait-ended
EOS
"$OPENUM" phone --user "sip:bob@$DOMAIN" --password "$BOB_PW" --tcp \
	--proxy "127.0.0.1:$PROXY_TCP" --no-mwi --play "$T/tone.wav" --script "$T/bob.script" \
	>"$T/bob.out" 2>&1 || fail "bob's message: $(cat "$T/bob.out")"
wait_mwi yes 1 || fail "no NOTIFY Messages-Waiting: yes at baresip after bob's message"
last_mwi | grep -qi "Messages-Waiting: *yes.*Voice-Message: *1/0" ||
	fail "the yes NOTIFY does not count 1 new: $(last_mwi)"
echo "ok - message recorded: baresip got NOTIFY $(last_mwi)"

# 3. alice hears it through the web service: saved
B="https://127.0.0.1:$WEB"
C="curl -sf --cacert $T/pki/ca.pem"
$C -c "$T/jar" -H 'Content-Type: application/json' \
	-d "{\"address\":\"alice@$DOMAIN\",\"pin\":\"$ALICE_PIN\"}" "$B/api/v1/session" >"$T/s.json" ||
	fail "web logon failed"
CSRF=$(jq -r .csrf_token "$T/s.json")
MSG=$($C -b "$T/jar" "$B/api/v1/messages" | jq -r '.messages[0].id')
case "$MSG" in "" | null) fail "no message in alice's mailbox" ;; esac
$C -b "$T/jar" -H "X-CSRF-Token: $CSRF" -X POST "$B/api/v1/messages/$MSG/save" >/dev/null ||
	fail "web save failed"
wait_mwi no 2 || fail "no NOTIFY Messages-Waiting: no at baresip after the message was heard"
last_mwi | grep -qi "Messages-Waiting: *no.*Voice-Message: *0/1" ||
	fail "the last NOTIFY does not count 0/1: $(last_mwi)"
echo "ok - message heard: baresip got NOTIFY $(last_mwi)"
echo "integration/$TEST_NAME: ok"
