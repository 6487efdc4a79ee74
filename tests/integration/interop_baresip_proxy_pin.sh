#!/bin/sh
# Interop with a real phone: Debian's baresip (1.0.0) registers to `openum proxy` over TCP,
# then over TLS, with digest authentication, calls its own voicemail through the proxy
# (sip:alice@openum.test;opaque=app:voicemail, relayed to `openum um` over mutual TLS)
# and enters the PIN as RFC 4733 telephone-events. The UM call log must say pin-ok for
# the right PIN and pin-failed for three wrong ones. baresip runs headless, driven
# through its ctrl_tcp module (tests/integration/baresip/ctl.py); every wait polls state.
# timeout: 300
# shellcheck source-path=SCRIPTDIR disable=SC2016,SC1091 # sh -c gets values as arguments
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=baresip/setup.sh
. "$(dirname "$0")/baresip/setup.sh"

start_openum 30
VM="sip:alice@$DOMAIN;opaque=app:voicemail"
# voicemail_call PHONE DIGITS N ROWS: PHONE dials voicemail (its call N), waits for the
# answer, sends DIGITS; the UM server must end the call itself (a '#' in the menu after
# logon says goodbye; three wrong PINs end the call) and write call-log row ROWS.
voicemail_call() {
	bs "$1" dial "$VM" >/dev/null || fail "$1: dial refused"
	wait_count "$1" CALL_ESTABLISHED "$3" || fail "$1: call $3 to voicemail was not answered"
	bs "$1" sndcode "$2" >/dev/null || fail "$1: sndcode refused"
	wait_count "$1" CALL_CLOSED "$3" 400 || fail "$1: the UM server did not end call $3"
	wait_for 100 sh -c '[ "$("$1" mailbox log --limit 0 | tail -n +2 | grep -c .)" -ge "$2" ]' \
		sh "$OPENUM" "$4" || fail "$1: the UM server logged no call $4"
}
expect() { # WHAT PATTERN
	l=$(last_log)
	echo "$l" | grep -q -- "$2" || fail "$1: expected /$2/ in: $l"
	echo "ok - $1: $l"
}

start_baresip alice alice "$ALICE_PW"
wait_registered alice
echo "ok - baresip registered alice over TCP with digest auth"
voicemail_call alice "$ALICE_PIN##" 1 1
expect "TCP: right PIN by RFC 4733 from baresip" "subscriber-access pin-ok"
voicemail_call alice "111111#111111#111111#" 2 2
expect "TCP: three wrong PINs from baresip" "subscriber-access pin-failed .*3 wrong"

# the same phone over TLS, verifying the proxy with the CA of `openum certs`
BS_TRANSPORT=tls start_baresip alicetls alice "$ALICE_PW"
wait_registered alicetls
grep -q "{0/TLS/v4} 200 OK" "$T/alicetls.out" || fail "baresip did not register over TLS"
echo "ok - baresip registered alice over TLS with digest auth"
voicemail_call alicetls "$ALICE_PIN##" 1 3
expect "TLS: right PIN by RFC 4733 from baresip" "subscriber-access pin-ok"
echo "integration/$TEST_NAME: ok"
