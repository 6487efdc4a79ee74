#!/bin/sh
# SIPp against the test UAS (tests/tools/openum_test_uas): basic calls, CANCEL before
# the answer and OPTIONS, over TCP or TLS; every call must succeed with no unexpected
# message, and the UAS's own counters must agree. Everything started here is stopped
# on exit, failure included.
# usage: sipp.sh tcp|tls UAS_BINARY OPENUM_BINARY
# Debian's SIPp is built without TLS (no -t l1): for tls, SIPp speaks TCP to
# openum_tls_relay (next to the UAS binary), which opens a mutual-TLS connection with
# the client certificate of `openum certs` to the UAS's TLS listener.
set -eu
TP=$1
UAS=$2
OPENUM=$3
HERE=$(cd "$(dirname "$0")" && pwd)
CALLS=${SIPP_CALLS:-20}
RATE=${SIPP_RATE:-10}
T=$(mktemp -d)
PIDS=""

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "integration/sipp_$TP: $*" >&2
	for f in "$T"/*errors.log "$T"/uas.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
	done
	exit 1
}
wait_file() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && fail "$2 did not start"
		sleep 0.05
	done
}
command -v sipp >/dev/null || fail "sipp not installed (Debian package sip-tester)"

UASARGS="--tcp 0 --port-file $T/uas.ports --t1 100"
if [ "$TP" = tls ]; then
	"$OPENUM" certs "$T/pki" >"$T/certs.out" 2>&1 || fail "openum certs: $(cat "$T/certs.out")"
	UASARGS="$UASARGS --tls 0 --certs $T/pki"
fi
# shellcheck disable=SC2086
"$UAS" $UASARGS >"$T/uas.out" 2>"$T/uas.err" &
UAS_PID=$!
PIDS="$UAS_PID"
wait_file "$T/uas.ports" "the test UAS"
PORT=$(awk '$1 == "tcp" {print $2}' "$T/uas.ports")
if [ "$TP" = tls ]; then
	TLS_PORT=$(awk '$1 == "tls" {print $2}' "$T/uas.ports")
	"$(dirname "$UAS")/openum_tls_relay" --connect "127.0.0.1:$TLS_PORT" --certs "$T/pki" \
		--port-file "$T/relay.port" 2>"$T/relay.err" &
	PIDS="$PIDS $!"
	wait_file "$T/relay.port" "the TLS relay"
	PORT=$(cat "$T/relay.port")
fi

# free_port: SIPp's own port, picked here; with -p 0 parallel SIPps race for 5060+.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# run_sipp NAME SCENARIO CALLS: SIPp's exit status and its statistics must both say
# that every call succeeded and nothing unexpected arrived.
run_sipp() {
	name=$1
	(cd "$T" && exec sipp -sf "$HERE/sipp/$2" -t t1 "127.0.0.1:$PORT" -i 127.0.0.1 -p "$(free_port)" \
		-mp 0 -d 100 -m "$3" -r "$RATE" -l 50 -nostdin -timeout 20s -timeout_error \
		-recv_timeout 5000 -trace_stat -stf "$name.csv" -trace_err \
		-error_file "$name.errors.log" >"$name.out" 2>&1) &
	SIPP_PID=$!
	PIDS="$PIDS $SIPP_PID"
	rc=0
	wait "$SIPP_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "$name: sipp exit status $rc: $(tail -n 5 "$T/$name.out")"
	# the last line of the statistics is the run's total; columns are named in line 1
	ok=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ s = $col["SuccessfulCall(C)"]; f = $col["FailedCall(C)"];
		  u = $col["FailedUnexpectedMessage(C)"] } END { print s, f, u }' "$T/$name.csv")
	# shellcheck disable=SC2086
	set -- $ok
	[ "$1" -eq "$CALLS_WANT" ] || fail "$name: $1 successful calls of $CALLS_WANT"
	[ "$2" -eq 0 ] || fail "$name: $2 failed calls"
	[ "$3" -eq 0 ] || fail "$name: $3 unexpected messages"
	if [ -s "$T/$name.errors.log" ] && grep -qi "unexpected\|aborting" "$T/$name.errors.log"; then
		fail "$name: errors logged"
	fi
	echo "sipp_$TP $name: $1 calls, 0 failed, 0 unexpected"
}

CALLS_WANT=$CALLS run_sipp call uac_call.xml "$CALLS"
NCANCEL=$((CALLS / 2))
CALLS_WANT=$NCANCEL run_sipp cancel uac_cancel.xml "$NCANCEL"
CALLS_WANT=$NCANCEL run_sipp options uac_options.xml "$NCANCEL"

kill -TERM "$UAS_PID"
wait "$UAS_PID" || fail "the test UAS exited with an error"
PIDS=$(echo "$PIDS" | sed "s/^$UAS_PID//")
counter() { awk -v k="$1" '$1 == k {print $2}' "$T/uas.out"; }
[ "$(counter incoming)" -eq $((CALLS + NCANCEL)) ] || fail "UAS saw $(counter incoming) INVITEs"
[ "$(counter confirmed)" -eq "$CALLS" ] || fail "UAS confirmed $(counter confirmed) calls"
[ "$(counter ended_remote_hangup)" -eq $((CALLS + NCANCEL)) ] ||
	fail "UAS ended $(counter ended_remote_hangup) calls by BYE or CANCEL"
[ "$(counter ended_shutdown)" -eq 0 ] || fail "calls left over at shutdown"
echo "integration/sipp_$TP: ok"
