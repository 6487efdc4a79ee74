#!/bin/sh
# Bad input to `openum um`, with SIPp as the peer; each call must end cleanly and
# leave its call-log row, and the server must exit without a sanitizer report:
# - INVITE without SDP: our offer in the 200, the answer in the ACK (RFC 3261 13.2.1);
#   an ACK without an answer gets BYE
# - an offer with no common codec: 488
# - CANCEL while the server rings (--answer-delay-ms): 487
# - a caller that never sends RTP: BYE after --rtp-timeout
# - BYE in the middle of the PIN (two digits by SIP INFO)
# timeout: 180
set -eu
. "$(dirname "$0")/lib.sh"
need sipp
HERE=$(cd "$(dirname "$0")" && pwd)
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null

start_um() { # LABEL ARGS...: (re)start the server with extra options
	label=$1
	shift
	bg "$OPENUM" um --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 --domain localhost \
		--port-file "$T/ports.$label" --rtp-ports 43000-43999 "$@" 2>>"$T/um.log"
	UM=$LAST_PID
	wait_file "$T/ports.$label" 100 "$UM"
	PORT=$(port_of "$T/ports.$label" tcp)
}
stop_um() {
	kill "$UM"
	wait "$UM" || fail "openum um exit status $?"
	! grep -q "LeakSanitizer\|runtime error\|AddressSanitizer" "$T/um.log" ||
		fail "sanitizer report"
}
# scenario NAME: one call; SIPp must see every message it expects
scenario() {
	(cd "$T" && exec sipp -sf "$HERE/sipp/$1.xml" -t t1 "127.0.0.1:$PORT" -i 127.0.0.1 \
		-p "$(free_port)" -mp 0 -m 1 -l 1 -nostdin -timeout 30s -timeout_error -recv_timeout 15000 \
		-trace_err -error_file "$1.errors.log" >"$1.out" 2>&1) ||
		fail "$1: sipp failed: $(tail -n 5 "$T/$1.out"; cat "$T/$1.errors.log" 2>/dev/null)"
	sleep 0.5
	row=$("$OPENUM" mailbox log --limit 1 | tail -n 1)
}
expect_row() { # WHAT PATTERN
	echo "$row" | grep -q -- "$2" || fail "$1: expected /$2/ in the call log row: $row"
	echo "ok - $1: $row"
}

start_um rtp --rtp-timeout 2
scenario um_late_offer
expect_row "INVITE without SDP: offer in 200, answer in ACK" "subscriber-access *none .*hung up at the PIN prompt"
scenario um_late_offer_no_answer
expect_row "late offer, ACK without answer: BYE" "rejected 488 No SDP answer in the ACK"
scenario um_no_codec
expect_row "no common codec: 488" "rejected 488"
scenario um_no_rtp
expect_row "no RTP: BYE after the RTP timeout" "RTP timeout"
scenario um_bye_mid_pin
expect_row "BYE mid-PIN" "none .*hung up at the PIN prompt (0 wrong)"
stop_um

start_um ring --answer-delay-ms 5000
scenario um_cancel
expect_row "CANCEL before the answer" "cancelled before the answer"
stop_um
n=$("$OPENUM" mailbox log --limit 0 | tail -n +2 | wc -l)
[ "$n" -eq 6 ] || fail "expected 6 call-log rows, found $n"
echo "all um_bad_input checks passed"
