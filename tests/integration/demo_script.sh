#!/bin/sh
# `openum demo --script` (issue 7): the six-step MS-OCEXUM story with real proxy, UM
# server and phone processes. Every step must print its PASS line, the exit status must
# be 0, and the temporary directory must be gone. Then two runs that must not pass:
# the proxy killed after step 1 (the next step FAILs with the reason, exit 1, nothing
# left behind, the UM server stopped) and SIGINT in step 1 (exit 1, nothing left).
# The three runs go at once: the story waits on its timers, not on the CPU.
# timeout: 600
set -eu
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Each run's temporary directory goes under $T/tmpN, so leftovers are easy to see. The
# three runs wait on the story's timers, not on the CPU: they run at the same time
# (each on ports of its own), and are judged one after the other.
mkdir "$T/tmp1" "$T/tmp2" "$T/tmp3"
leftovers() { ls -A "$T/tmp$1"; }

# started_pids FILE: the UM server's and the proxy's pids of a run.
started_pids() {
	sed -n 's/^Started openum um (pid \([0-9]*\)) and openum proxy (pid \([0-9]*\))\.$/\1 \2/p' "$1"
}

TMPDIR="$T/tmp1" "$OPENUM" demo --script >"$T/story.out" 2>"$T/story.log" &
STORY=$!
TMPDIR="$T/tmp2" "$OPENUM" demo --script >"$T/broken.out" 2>"$T/broken.log" &
BROKEN=$!
TMPDIR="$T/tmp3" "$OPENUM" demo --script >"$T/int.out" 2>"$T/int.log" &
INTR=$!
PIDS="$PIDS $STORY $BROKEN $INTR"

# 3. Ctrl-C (SIGINT) in step 1: everything stops, nothing is left behind.
wait_for 300 grep -q '^Started openum um' "$T/int.out" || fail "the third run did not start"
sleep 3
kill -INT "$INTR"
rc=0
wait "$INTR" || rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc after SIGINT, expected 1"
grep -q 'interrupted' "$T/int.log" || fail "no 'interrupted' message: $(cat "$T/int.log")"
for p in $(started_pids "$T/int.out"); do
	kill -0 "$p" 2>/dev/null && fail "server $p still runs after SIGINT"
done
[ -z "$(leftovers 3)" ] || fail "left behind after SIGINT: $(leftovers 3)"
echo "ok - SIGINT in step 1: exit 1, servers stopped, nothing left behind"

# 2. A broken piece makes a step FAIL: the proxy dies once step 1 has passed.
wait_for 1200 grep -q '^PASS step 1: ' "$T/broken.out" || fail "step 1 did not pass in the second run"
# shellcheck disable=SC2046
set -- $(started_pids "$T/broken.out")
[ $# -eq 2 ] || fail "no server pids printed"
UM=$1 PROXY=$2
kill -KILL "$PROXY"
rc=0
wait "$BROKEN" || rc=$?
cat "$T/broken.out"
[ "$rc" -eq 1 ] || fail "exit $rc with the proxy killed, expected 1"
# step 2 fails either on the phone (its REGISTER gets 503) or on the judge noticing the
# dead proxy first; either way a later line names the dead proxy
grep -q '^FAIL step 2: ' "$T/broken.out" || fail "step 2 did not FAIL on the dead proxy"
grep -q '^FAIL step [23]: .*(openum proxy died' "$T/broken.out" ||
	fail "no FAIL line says the proxy died"
for n in 3 4 5 6; do
	grep -q "^FAIL step $n: " "$T/broken.out" || fail "no FAIL line for step $n"
done
grep -q '^PASS step [2-6]' "$T/broken.out" && fail "a step passed without the proxy"
kill -0 "$UM" 2>/dev/null && fail "the UM server still runs"
[ -z "$(leftovers 2)" ] || fail "left behind after a failure: $(leftovers 2)"

# 1. The whole story passes.
rc=0
wait "$STORY" || rc=$?
cat "$T/story.out"
[ "$rc" -eq 0 ] || fail "openum demo --script exited $rc"
for n in 1 2 3 4 5 6; do
	grep -q "^PASS step $n: " "$T/story.out" || fail "no PASS line for step $n"
done
[ "$(grep -c '^PASS step ' "$T/story.out")" -eq 6 ] || fail "not exactly six PASS lines"
grep -q '^FAIL' "$T/story.out" && fail "a FAIL line in a passing run"
grep -q '^openum demo --script: 6 of 6 steps passed$' "$T/story.out" || fail "no summary line"
[ -z "$(leftovers 1)" ] || fail "left behind: $(leftovers 1)"
echo "integration/demo_script: ok"
