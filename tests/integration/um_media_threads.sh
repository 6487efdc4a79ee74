#!/bin/sh
# openum um's media threads (--media-threads, --media-cpu, --media-fifo, --media-spin): a
# subscriber call on a server with two media threads pinned to CPU 0 that busy-wait the
# last 200 us before each send hears the welcome prompt and the goodbye whole (the
# prompts' own bytes found in the caller's recording) and the server hangs up; SCHED_FIFO without the right to it, a CPU that does not exist and
# bad values stop the server at start with a message saying so.
# timeout: 90
set -eu
. "$(dirname "$0")/lib.sh"
need python3 setpriv prlimit
CALLER=$BUILD/openum_test_caller
HEARD="python3 $(dirname "$0")/um_heard.py"
P=$BUILD/prompts
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null

# refusals: exit 1 (cannot start) or 2 (usage) with the reason
no_rt() {
	# no CAP_SYS_NICE (when root) and an RLIMIT_RTPRIO of 0: SCHED_FIFO is not allowed
	if [ "$(id -u)" = 0 ]; then
		prlimit --rtprio=0:0 setpriv --inh-caps=-sys_nice --bounding-set=-sys_nice "$@"
	else
		prlimit --rtprio=0:0 "$@"
	fi
}
rc=0
no_rt "$OPENUM" um --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 --media-fifo 10 --quiet \
	>"$T/fifo.out" 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "--media-fifo without the right: exit $rc, not 1: $(cat "$T/fifo.out")"
grep -q "SCHED_FIFO for the media thread not permitted" "$T/fifo.out" ||
	fail "--media-fifo refusal does not say why: $(cat "$T/fifo.out")"
echo "ok - --media-fifo without the right: $(cat "$T/fifo.out")"
rc=0
"$OPENUM" um --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 --media-cpu 1023 --quiet \
	>"$T/cpu.out" 2>&1 || rc=$?
if [ $rc -ne 1 ] || ! grep -q "cannot pin the media thread" "$T/cpu.out"; then
	fail "--media-cpu 1023: exit $rc: $(cat "$T/cpu.out")"
fi
for bad in "--media-threads 0" "--media-threads 17" "--media-cpu 1,,2" "--media-cpu x" \
	"--media-fifo 0" "--media-fifo 100" "--media-spin 1001" "--media-spin x"; do
	rc=0
	# shellcheck disable=SC2086 # $bad is two words
	"$OPENUM" um --db "$OPENUM_DB" $bad >"$T/bad.out" 2>&1 || rc=$?
	if [ $rc -ne 2 ] || ! grep -q -- "${bad%% *}" "$T/bad.out"; then
		fail "$bad: exit $rc: $(cat "$T/bad.out")"
	fi
done
echo "ok - bad CPU and bad values refused"

# the same keys from a config file
cat >"$T/um.conf" <<CONF
[um]
media-threads = 2
media-cpu = 0
media-spin = 200
CONF
bg "$OPENUM" um --config "$T/um.conf" --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 \
	--domain localhost --port-file "$T/ports" --rtp-ports 42000-42999 2>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
PORT=$(port_of "$T/ports" tcp)
"$CALLER" --port "$PORT" --from sip:alice@localhost \
	--to 'sip:alice@localhost;opaque=app:voicemail' --hangup-ms 0 --record "$T/call.wav" \
	--seq '1000:204862#,9000:#' >"$T/call.out" 2>&1 || fail "call: $(cat "$T/call.out")"
grep -q "^ended 2 0" "$T/call.out" || fail "the server did not hang up after #: $(cat "$T/call.out")"
$HEARD "$T/call.wav" welcome="$P/welcome.ul" goodbye="$P/goodbye.ul" -- welcome goodbye \
	>"$T/heard.out" || fail "call audio: $(cat "$T/heard.out")"
echo "ok - two media threads on CPU 0: $(tr '\n' ' ' <"$T/heard.out")"
# the threads exist, named, pinned
n=0
for t in /proc/"$UM"/task/*; do
	if grep -q '^openum-media' "$t/comm" 2>/dev/null; then
		n=$((n + 1))
		aff=$(awk '/^Cpus_allowed_list/ {print $2}' "$t/status")
		[ "$aff" = 0 ] || fail "media thread $(cat "$t/comm") allowed on CPUs $aff, not 0"
	fi
done
[ $n -eq 2 ] || fail "$n media threads, not 2"
echo "ok - 2 media threads, pinned to CPU 0"
kill "$UM"
wait "$UM" || fail "openum um exit status $?"
grep -q "LeakSanitizer\|runtime error" "$T/um.log" && fail "sanitizer report"
echo "all um_media_threads checks passed"
