#!/bin/sh
# Recording the mailbox greeting from the phone (menu key 5): after her PIN, alice
# presses 5, hears "record your greeting after the tone" and the tone, speaks (a 600 Hz
# tone from the caller) and ends with '#'; she hears it played back and "your greeting
# has been saved". The store then holds a greeting that is not the one set before with
# `openum mailbox greeting`, and a diverted caller hears the new one: neither the old
# greeting nor the default one with the extension, then "leave a message" and the tone.
# timeout: 180
set -eu
. "$(dirname "$0")/lib.sh"
need sox python3
CALLER=$BUILD/openum_test_caller
HEARD="python3 $(dirname "$0")/um_heard.py"
P=$BUILD/prompts
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null
sox -n -r 8000 -c 1 -e mu-law "$T/old.wav" synth 1.5 pinknoise vol 0.4
"$OPENUM" mailbox greeting alice@localhost "$T/old.wav" >/dev/null
# the same bytes as a raw clip: um_heard.py finds a clip by 100 ms of it (a WAV only by
# all its bytes, which a starved machine that skips a frame would never match)
sox "$T/old.wav" -t ul "$T/old.ul"

bg "$OPENUM" um --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 --domain localhost \
	--port-file "$T/ports" --rtp-ports 43000-43999 2>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
PORT=$(port_of "$T/ports" tcp)

# the old greeting plays before (and makes the server share it while the call lasts)
"$CALLER" --port "$PORT" --from sip:bob@localhost --to sip:alice@localhost \
	--header 'Diversion: <sip:alice@localhost>;reason=no-answer' --record "$T/before.wav" \
	--hangup-ms 4000 >"$T/c0.out" 2>&1 || fail "call before: $(cat "$T/c0.out")"
$HEARD "$T/before.wav" old="$T/old.ul" leave="$P/leave_message.ul" -- old leave \
	>"$T/h0.out" || fail "old greeting not heard first: $(cat "$T/h0.out")"

# PIN at 1 s, 5 at 6 s (the prompt and tone take about 4.7 s), 2 s of 600 Hz from
# 12 s, '#' at 14.5 s, then the playback and "saved"; hang up at 21 s
"$CALLER" --port "$PORT" --from sip:alice@localhost \
	--to 'sip:alice@localhost;opaque=app:voicemail' --record "$T/rec.wav" \
	--seq '1000:204862#,6000:5,14500:#' --tone-at 12000 --tone-ms 2000 --tone-hz 600 \
	--hangup-ms 21000 >"$T/c1.out" 2>&1 || fail "recording call: $(cat "$T/c1.out")"
$HEARD "$T/rec.wav" ask="$P/record_greeting.ul" tone="$P/tone.ul" \
	saved="$P/greeting_saved.ul" -- ask tone saved >"$T/h1.out" ||
	fail "recording call did not hear prompt, tone, saved: $(cat "$T/h1.out")"
echo "ok - key 5: prompt, tone, playback, saved: $(tr '\n' ' ' <"$T/h1.out")"
"$OPENUM" mailbox show alice@localhost | grep -q "greeting: *recorded" ||
	fail "the mailbox has no greeting after the recording"

# a diverted caller now hears the new greeting: not the old one, not the default
"$CALLER" --port "$PORT" --from sip:bob@localhost --to sip:alice@localhost \
	--header 'Diversion: <sip:alice@localhost>;reason=no-answer' --record "$T/after.wav" \
	--hangup-ms 12000 >"$T/c2.out" 2>&1 || fail "call after: $(cat "$T/c2.out")"
$HEARD "$T/after.wav" leave="$P/leave_message.ul" tone="$P/tone.ul" -- leave tone \
	>"$T/h2.out" || fail "call after: no 'leave a message' and tone: $(cat "$T/h2.out")"
if $HEARD "$T/after.wav" old="$T/old.ul" -- old >/dev/null; then
	fail "the old greeting still plays after the new one was recorded"
fi
if $HEARD "$T/after.wav" x="$P/greet_person_at_ext.ul" -- x >/dev/null; then
	fail "the default greeting plays instead of the recorded one"
fi
# what it heard before "leave a message" is the recording: its 600 Hz tone
python3 - "$T/after.wav" "$P/leave_message.ul" <<'PY' || fail "the new greeting is not the 600 Hz recording"
import math, struct, sys
b = open(sys.argv[1], "rb").read()
i = b.index(b"data") + 8
audio = b[i:]
leave = open(sys.argv[2], "rb").read()
cut = leave[len(leave) // 4:len(leave) // 4 + 800]
end = audio.find(cut)
assert end > 0, "leave_message not found"
def lin(u):
    u = ~u & 0xFF
    t = ((u & 0x0F) << 3) + 0x84
    t <<= (u & 0x70) >> 4
    return (0x84 - t) if u & 0x80 else (t - 0x84)
x = [lin(v) for v in audio[:end]]
# Goertzel power at 600 Hz against the total: a tone dominates its own bin
def power(f, s):
    k = 2 * math.cos(2 * math.pi * f / 8000)
    a = b2 = 0.0
    for v in s:
        a, b2 = v + k * a - b2, a
    return a * a + b2 * b2 - k * a * b2
best = 0
for off in range(0, max(1, len(x) - 1600), 400):
    s = x[off:off + 1600]
    tot = sum(v * v for v in s) * len(s) / 2
    if tot > 0:
        best = max(best, power(600, s) / tot)
print("600 Hz share %.2f" % best)
sys.exit(0 if best > 0.5 else 1)
PY
echo "ok - a diverted caller hears the new greeting (not the old, not the default)"
echo "all um_greeting_phone checks passed"
