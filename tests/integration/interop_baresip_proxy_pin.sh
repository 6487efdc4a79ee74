#!/bin/sh
# Interop with a real phone: Debian's baresip (1.0.0) registers to `openum proxy` over TCP
# with digest authentication, calls its own voicemail through the proxy
# (sip:alice@openum.test;opaque=app:voicemail, relayed to `openum um` over mutual TLS)
# and enters the PIN as RFC 4733 telephone-events. The UM call log must say pin-ok for
# the right PIN and pin-failed for three wrong ones. baresip runs headless, driven
# through its ctrl_tcp module (tests/integration/baresip/ctl.py); every wait polls state.
# timeout: 180
# shellcheck source-path=SCRIPTDIR disable=SC2016,SC1091 # sh -c gets values as arguments
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=baresip/setup.sh
. "$(dirname "$0")/baresip/setup.sh"

start_openum 30
start_baresip alice alice "$ALICE_PW"
wait_registered alice
echo "ok - baresip registered alice over TCP with digest auth"

VM="sip:alice@$DOMAIN;opaque=app:voicemail"
# voicemail_call DIGITS N: dial voicemail, wait for the answer, send DIGITS; the UM
# server must end call N itself (a '#' in the menu after logon says goodbye; three wrong
# PINs end the call) and write its call-log row.
voicemail_call() {
	bs alice dial "$VM" >/dev/null || fail "dial refused"
	wait_count alice CALL_ESTABLISHED "$2" || fail "call $2 to voicemail was not answered"
	bs alice sndcode "$1" >/dev/null || fail "sndcode refused"
	wait_count alice CALL_CLOSED "$2" 400 || fail "the UM server did not end call $2"
	wait_for 100 sh -c '[ "$("$1" mailbox log --limit 0 | tail -n +2 | grep -c .)" -ge "$2" ]' \
		sh "$OPENUM" "$2" || fail "the UM server logged no call $2"
}

voicemail_call "$ALICE_PIN##" 1
l=$(last_log)
echo "$l" | grep -q "subscriber-access.*pin-ok" || fail "right PIN: expected pin-ok in: $l"
echo "ok - right PIN by RFC 4733 from baresip: $l"

voicemail_call "111111#111111#111111#" 2
l=$(last_log)
echo "$l" | grep -q "subscriber-access.*pin-failed" ||
	fail "wrong PINs: expected pin-failed in: $l"
echo "ok - wrong PINs from baresip: $l"
echo "integration/$TEST_NAME: ok"
