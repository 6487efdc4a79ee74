#!/bin/sh
# SIGHUP reload of `openum um` (docs/operations.md): the --config file is read again
# and the trusted-peer allow-list changes without a restart, judged from the call log:
# a trusted peer's skip-pin is honoured, then the peer is taken off the list and HUP:
# its skip-pin is refused (PIN asked) on a new call; a file that does not parse keeps
# the old list (still refused even though the bad file lists the peer again); an
# option that cannot change at run time is logged as needing a restart and left.
# timeout: 150
# shellcheck disable=SC2086
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
CALLER=$BUILD/openum_test_caller

"$OPENUM" certs "$T/pki" --client-name proxy.openum.test >/dev/null
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null

conf() { # the [um] section, with the allow-list and extra lines given
	{
		echo "[um]"
		echo "domain = ${DOM:-localhost}"
		for l in "$@"; do echo "$l"; done
	} >"$T/um.conf"
}
conf "trusted-peer = proxy.openum.test" "log-level = info"
bg "$OPENUM" um --config "$T/um.conf" --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 \
	--listen-tls 127.0.0.1:0 --cert "$T/pki/server.pem" --key "$T/pki/server.key" \
	--ca "$T/pki/ca.pem" --port-file "$T/ports" --rtp-ports 44000-44999 2>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
TLS=$(port_of "$T/ports" tls)

rows() { "$OPENUM" mailbox log --limit 0 | tail -n +2 | wc -l; }
call() { # one trusted-certificate skip-pin call; waits for its call-log row
	_n=$(rows)
	"$CALLER" --to 'sip:alice@localhost;opaque=app:voicemail' --from sip:alice@localhost \
		--port "$TLS" --tls --ca "$T/pki/ca.pem" --cert "$T/pki/client.pem" \
		--key "$T/pki/client.key" --header 'Ms-Exchange-Command: skip-pin' \
		--hangup-ms 1200 >"$T/caller.out" 2>&1 || true
	grep -q answered "$T/caller.out" || fail "call not answered"
	wait_for 300 sh -c "[ \$(\"$OPENUM\" mailbox log --limit 0 | tail -n +2 | wc -l) -gt $_n ]" ||
		fail "no call-log row"
}
expect() { # WHAT PATTERN
	l=$("$OPENUM" mailbox log --limit 1 | tail -n +2 | head -1)
	echo "$l" | grep -q -- "$2" || fail "$1: expected /$2/ in: $l"
	echo "ok - $1: $l"
}
hup() { # PATTERN: HUP, then wait for that many more PATTERN lines in the log
	_c=$(grep -c -- "$1" "$T/um.log" || true)
	kill -HUP "$UM"
	wait_for 100 sh -c "[ \$(grep -c -- '$1' '$T/um.log') -gt $_c ]" ||
		fail "no '$1' in the log after SIGHUP"
	kill -0 "$UM" || fail "um died on SIGHUP"
}

call
expect "trusted before the reload" "subscriber-access skip-pin"

# the peer leaves the allow-list; the domain change needs a restart
DOM=example.org
conf "trusted-peer = someone-else.openum.test" "log-level = info"
hup "reloaded $T/um.conf"
grep -q "reload: domain changed: needs a restart" "$T/um.log" ||
	fail "the domain change was not logged as needing a restart"
grep "needs a restart" "$T/um.log" | grep -q "trusted-peer" &&
	fail "trusted-peer reported as needing a restart"
call
expect "no longer trusted after the reload" " none .*subscriber-access\|none.*hung up at the PIN"
echo "ok - allow-list applied without a restart"

# a value that does not parse: nothing changes, the peer stays untrusted
conf "trusted-peer = proxy.openum.test" "max-message-seconds = soon"
hup "reload of $T/um.conf failed, old settings kept"
grep -q "failed, old settings kept: .*line 4: expected a number of seconds: soon" "$T/um.log" ||
	fail "the reason of the failed reload is not logged"
call
expect "bad value keeps the old allow-list" " none .*subscriber-access\|none.*hung up at the PIN"

# a file that is not valid at all (unknown key): the same
conf "trusted-peer = proxy.openum.test" "no-such-option = 1"
hup "reload of $T/um.conf failed, old settings kept"
call
expect "bad file keeps the old allow-list" " none .*subscriber-access\|none.*hung up at the PIN"

# the good file again: trusted again, the call is honoured
conf "trusted-peer = proxy.openum.test"
hup "reloaded $T/um.conf"
call
expect "trusted again after a good reload" "subscriber-access skip-pin"

kill "$UM"
wait "$UM" || fail "um exit status"
! grep -q "LeakSanitizer\|runtime error\|AddressSanitizer" "$T/um.log" || fail "sanitizer report"
echo "integration/ops_reload: ok"
