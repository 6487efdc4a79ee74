#!/bin/sh
# Crash safety (issues 4 and 8): `kill -9` of `openum um` in the middle of a recording
# loses at most the last second of audio and no stored message. The recording is
# streamed to the spool directory and synced every second; the next start stores it
# as a message and empties the spool. The store stays consistent (SQLite integrity
# check) and the restarted server takes calls.
# timeout: 180
set -eu
. "$(dirname "$0")/lib.sh"
need sox python3 sqlite3
CALLER=$BUILD/openum_test_caller
HEARD="python3 $(dirname "$0")/um_heard.py"
export OPENUM_DB="$T/data/um.db"
mkdir -p "$T/data"
SPOOL=$T/data/recordings # the default: next to the store
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null
DIV='Diversion: <sip:alice@localhost>;reason=no-answer'
start_um() {
	rm -f "$T/ports"
	bg "$OPENUM" um --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 --domain localhost \
		--silence-seconds 30 --port-file "$T/ports" --rtp-ports 44000-44999 2>>"$T/um.log"
	UM=$LAST_PID
	wait_file "$T/ports" 100 "$UM"
	PORT=$(port_of "$T/ports" tcp)
}
count() { "$OPENUM" mailbox show alice@localhost | awk '$2 == "new" {n++} END {print n + 0}'; }

start_um
# 1. a message stored the normal way (BYE): it must survive the crash
"$CALLER" --port "$PORT" --from sip:bob@localhost --to sip:alice@localhost --header "$DIV" \
	--tone-ms 1000 --tone-at 12000 --hangup-ms 14000 >"$T/c1.out" 2>&1 ||
	fail "call 1: $(cat "$T/c1.out")"
sleep 0.5
[ "$(count)" -eq 1 ] || fail "call 1 left $(count) messages"
[ -z "$(ls "$SPOOL")" ] || fail "a stored message left its spool file: $(ls "$SPOOL")"
echo "ok - a stored message leaves no spool file"

# 2. a long recording, killed once at least 3 s of it are on disk
bg "$CALLER" --port "$PORT" --from sip:carol@localhost --to sip:alice@localhost \
	--header "$DIV" --tone-ms 30000 --tone-at 0 --tone-hz 600 --hangup-ms 0 \
	>"$T/c2.out" 2>&1
i=0
size=0
while [ "$size" -lt 24100 ]; do # header + 3 s of mu-law
	i=$((i + 1))
	[ $i -gt 600 ] && fail "the recording never reached the spool ($size bytes)"
	f=$(find "$SPOOL" -name "*.rec" 2>/dev/null | head -n 1)
	[ -n "$f" ] && size=$(stat -c %s "$f")
	sleep 0.1
done
kill -9 "$UM"
wait "$UM" 2>/dev/null || true
size=$(stat -c %s "$f")
echo "ok - killed with $size bytes of the recording in $f"

start_um
grep -q "1 recording(s) recovered" "$T/um.log" || fail "the restart recovered nothing"
[ -z "$(ls "$SPOOL")" ] || fail "the spool is not empty after recovery: $(ls "$SPOOL")"
[ "$(count)" -eq 2 ] || fail "after the crash: $(count) messages, expected 2"
ID=$("$OPENUM" mailbox show alice@localhost | awk '$2 == "new" {id = $1} END {print id}')
"$OPENUM" mailbox export alice@localhost "$ID" "$T/rec.wav" >/dev/null
ms=$($HEARD --ms "$T/rec.wav")
# what was on disk at the kill, all of it (the header is under 300 bytes)
[ "$ms" -ge $(((size - 300) / 8)) ] || fail "recovered $ms ms, the spool held $size bytes"
"$OPENUM" mailbox show alice@localhost | grep "$ID" | grep -q "sip:carol@localhost" ||
	fail "the recovered message lost its caller"
sox "$T/rec.wav" -n stat 2>"$T/stat" || fail "sox cannot read the recovered message"
awk '/Rough   frequency/ {f = $3} END {exit !(f > 550 && f < 650)}' "$T/stat" ||
	fail "the recovered audio is not the 600 Hz tone: $(cat "$T/stat")"
echo "ok - recovered message of $ms ms holds the caller's 600 Hz tone"
[ "$(sqlite3 "$OPENUM_DB" 'PRAGMA integrity_check')" = ok ] || fail "store integrity check"
echo "ok - store integrity check"

# 3. the restarted server works, and a clean stop stores what is being recorded
"$CALLER" --port "$PORT" --from sip:bob@localhost --to sip:alice@localhost --header "$DIV" \
	--tone-ms 1000 --tone-at 12000 --hangup-ms 14000 >"$T/c3.out" 2>&1 ||
	fail "call 3: $(cat "$T/c3.out")"
sleep 0.5
[ "$(count)" -eq 3 ] || fail "after a call on the restarted server: $(count) messages"
kill "$UM"
wait "$UM" || fail "openum um exit status $?"
! grep -q "LeakSanitizer\|runtime error" "$T/um.log" || fail "sanitizer report"
echo "all um_crash_safety checks passed"
