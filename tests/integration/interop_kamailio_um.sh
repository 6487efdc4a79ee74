#!/bin/sh
# Kamailio (Debian 5.6) in front of `openum um`: tests/integration/kamailio/relay_um_tls.cfg
# relays over TLS presenting a client certificate made by `openum certs`. With that
# certificate's name on the UM server's trusted-peer list, a skip-pin INVITE sent through
# Kamailio skips the PIN (call log: skip-pin); without the header, or with Kamailio NOT
# on the list, the PIN is asked; a PIN sent by RFC 4733 through the relayed call logs on.
# Kamailio runs unprivileged-friendly in $T: foreground (-DD), its own pid file, random
# ports, no /etc or /var/run.
# timeout: 240
# shellcheck source-path=SCRIPTDIR disable=SC1091,SC2016
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=kamailio/lib.sh
. "$(dirname "$0")/kamailio/lib.sh"
KAMAILIO_CFG="$(cd "$(dirname "$0")" && pwd)/kamailio/relay_um_tls.cfg"
CALLER="$BUILD/openum_test_caller"
[ -x "$CALLER" ] || fail "$CALLER is not built"

kam_certs
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null

# start_um TRUSTED...: (re)start the UM server trusting the names given
UM_PID=""
start_um() {
	if [ -n "$UM_PID" ]; then
		kill "$UM_PID"
		wait "$UM_PID" 2>/dev/null || true
	fi
	rm -f "$T/um.ports"
	_trust=""
	for n in "$@"; do _trust="$_trust --trusted-peer $n"; done
	# shellcheck disable=SC2086
	bg "$OPENUM" um --listen-tcp 127.0.0.1:0 --listen-tls 127.0.0.1:0 \
		--cert "$T/pki/server.pem" --key "$T/pki/server.key" --ca "$T/pki/ca.pem" \
		$_trust --domain localhost --port-file "$T/um.ports" 2>>"$T/um.log"
	UM_PID=$LAST_PID
	wait_file "$T/um.ports" 100 "$UM_PID"
}

# start_kamailio: (re)starts Kamailio relaying to the UM server's current TLS port
kam_tls_cfg no
start_kamailio() {
	UM_TLS=$(port_of "$T/um.ports" tls)
	kam_start "$KAMAILIO_CFG" -A "UM_URI=\"sip:127.0.0.1:$UM_TLS;transport=tls\"" \
		-A "TLS_CFG=\"$T/tls.cfg\""
}

VM='sip:alice@localhost;opaque=app:voicemail'
SKIP='Ms-Exchange-Command: skip-pin'
N=0
# call ARGS...: one call from alice to her voicemail through Kamailio over TCP; waits
# for its call-log row (the UM server writes it when the call is over)
call() {
	N=$((N + 1))
	"$CALLER" --port "$KAM_TCP" --from sip:alice@localhost --to "$VM" "$@" >"$T/caller.out" 2>&1 ||
		fail "call $N through Kamailio: $(cat "$T/caller.out")"
	grep -q answered "$T/caller.out" || fail "call $N through Kamailio was not answered"
	wait_for 100 sh -c '[ "$("$1" mailbox log --limit 0 | tail -n +2 | grep -c .)" -ge "$2" ]' \
		sh "$OPENUM" "$N" || fail "the UM server logged no call $N"
}
expect() { # WHAT PATTERN
	l=$("$OPENUM" mailbox log --limit 1 | tail -n +2 | head -1)
	echo "$l" | grep -q -- "$2" || fail "$1: expected /$2/ in: $l"
	echo "ok - $1: $l"
}

start_um kamailio.openum.test
start_kamailio
call --header "$SKIP" --hangup-ms 1500
expect "skip-pin through trusted Kamailio" "subscriber-access skip-pin .*TLS .* yes "
call --hangup-ms 1500
expect "no header through trusted Kamailio: PIN asked" " none .*subscriber-access\|none.*hung up at the PIN"
call --dtmf '204862#' --dtmf-ms 300 --hangup-ms 4000
expect "PIN by RFC 4733 through Kamailio" "subscriber-access pin-ok"

start_um proxy.openum.test
start_kamailio
call --header "$SKIP" --hangup-ms 1500
expect "skip-pin through Kamailio NOT on the list: PIN asked" " none .*subscriber-access\|none.*hung up at the PIN"
l=$("$OPENUM" mailbox log --limit 1 | tail -n +2 | head -1)
echo "$l" | grep -q "skip-pin" && fail "an untrusted Kamailio got skip-pin: $l"

kam_stop
[ ! -e "$T/kamailio.pid" ] || [ -s "$T/kamailio.pid" ] || fail "empty Kamailio pid file"
echo "integration/$TEST_NAME: ok"
