#!/bin/sh
# Call answering: the owner's greeting (set with `openum mailbox greeting`) is what a
# diverted caller hears, before "leave a message" and the tone; the recording then
# ends by '#', by silence (--silence-seconds) or at the maximum length
# (--max-message-seconds), each stated in the call log, and the message holds the
# caller's audio without the silence that ended it. Without a greeting of her own, the
# default one says the extension.
# timeout: 240
set -eu
. "$(dirname "$0")/lib.sh"
need sox python3
CALLER=$BUILD/openum_test_caller
HEARD="python3 $(dirname "$0")/um_heard.py"
P=$BUILD/prompts
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null
"$OPENUM" mailbox add sip:carol@localhost --name Carol --ext 1002 --pin 204862 >/dev/null
sox -n -r 8000 -c 1 -e mu-law "$T/greeting.wav" synth 1.5 pinknoise vol 0.4
"$OPENUM" mailbox greeting alice@localhost "$T/greeting.wav" >"$T/g.out" ||
	fail "mailbox greeting: $(cat "$T/g.out")"
"$OPENUM" mailbox show alice@localhost | grep -q "greeting: *recorded" ||
	fail "show does not say the greeting is recorded"

bg "$OPENUM" um --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 --domain localhost \
	--max-message-seconds 5 --silence-seconds 2 --port-file "$T/ports" \
	--rtp-ports 42000-42999 2>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
PORT=$(port_of "$T/ports" tcp)
DIV='Diversion: <sip:alice@localhost>;reason=no-answer'
last() { sleep 0.5; "$OPENUM" mailbox log --limit 1 | tail -n 1; }
newest() { "$OPENUM" mailbox show "$1" | awk '$2 == "new" {id = $1} END {print id}'; }
# duration_ms ADDRESS ID: the message's length from its exported (mu-law) WAV
duration_ms() {
	"$OPENUM" mailbox export "$1" "$2" "$T/x.wav" >/dev/null
	$HEARD --ms "$T/x.wav"
}

# 1. the recorded greeting, then '#' ends the message (tone 1 s, '#' right after it)
"$CALLER" --port "$PORT" --from sip:bob@localhost --to sip:alice@localhost --header "$DIV" \
	--record "$T/heard1.wav" --tone-ms 1000 --tone-at 8500 --seq '9800:#' --hangup-ms 0 \
	>"$T/c1.out" 2>&1 || fail "call 1: $(cat "$T/c1.out")"
grep -q "^ended 2 0" "$T/c1.out" || fail "'#' did not end the call: $(cat "$T/c1.out")"
$HEARD "$T/heard1.wav" greeting="$T/greeting.wav" leave="$P/leave_message.ul" \
	tone="$P/tone.ul" goodbye="$P/goodbye.ul" -- greeting leave tone goodbye \
	>"$T/h.out" || fail "greeting: $(cat "$T/h.out")"
if $HEARD "$T/heard1.wav" x="$P/n1.ul" -- x >/dev/null; then
	fail "the default greeting (extension digits) played instead of the recorded one"
fi
echo "ok - the recorded greeting plays: $(tr '\n' ' ' <"$T/h.out")"
l=$(last)
echo "$l" | grep -q "call-answering .*ended by #" || fail "call 1 log: $l"
d=$(duration_ms alice@localhost "$(newest alice@localhost)")
if [ "$d" -lt 900 ] || [ "$d" -gt 2900 ]; then fail "message ended by # is $d ms"; fi
echo "ok - '#' ends the recording ($d ms): $l"

# 2. silence: 1 s of tone, then nothing but silent RTP; the caller never hangs up
"$CALLER" --port "$PORT" --from sip:bob@localhost --to sip:alice@localhost --header "$DIV" \
	--tone-ms 1000 --tone-at 8500 --hangup-ms 0 >"$T/c2.out" 2>&1 ||
	fail "call 2: $(cat "$T/c2.out")"
grep -q "^ended 2 0" "$T/c2.out" || fail "silence did not end the call: $(cat "$T/c2.out")"
l=$(last)
echo "$l" | grep -q "call-answering .*ended by silence" || fail "call 2 log: $l"
d=$(duration_ms alice@localhost "$(newest alice@localhost)")
# the 2 s of silence that ended it are cut off
if [ "$d" -lt 900 ] || [ "$d" -gt 2400 ]; then fail "message ended by silence is $d ms"; fi
echo "ok - silence ends the recording ($d ms kept): $l"

# 3. maximum length: 8 s of tone against a 5 s limit; "message too long", goodbye
"$CALLER" --port "$PORT" --from sip:bob@localhost --to sip:alice@localhost --header "$DIV" \
	--record "$T/heard3.wav" --tone-ms 8000 --tone-at 8000 --hangup-ms 0 \
	>"$T/c3.out" 2>&1 || fail "call 3: $(cat "$T/c3.out")"
grep -q "^ended 2 0" "$T/c3.out" || fail "the limit did not end the call: $(cat "$T/c3.out")"
l=$(last)
echo "$l" | grep -q "call-answering .*ended by maximum length" || fail "call 3 log: $l"
$HEARD "$T/heard3.wav" long="$P/message_too_long.ul" -- long >/dev/null ||
	fail "'message too long' not heard"
d=$(duration_ms alice@localhost "$(newest alice@localhost)")
[ "$d" -eq 5000 ] || fail "message at the 5 s limit is $d ms"
echo "ok - the maximum length ends the recording ($d ms): $l"

# 4. carol has no greeting: the default one says her extension
"$CALLER" --port "$PORT" --from sip:bob@localhost --to sip:carol@localhost \
	--header 'Diversion: <sip:carol@localhost>;reason=user-busy' --record "$T/heard4.wav" \
	--hangup-ms 9000 >"$T/c4.out" 2>&1 || fail "call 4: $(cat "$T/c4.out")"
$HEARD "$T/heard4.wav" n1="$P/n1.ul" n0="$P/n0.ul" n2="$P/n2.ul" -- n1 n0 n0 n2 \
	>"$T/h.out" || fail "default greeting: $(cat "$T/h.out")"
echo "ok - the default greeting says 1 0 0 2"

kill "$UM"
wait "$UM" || fail "openum um exit status $?"
grep -q "LeakSanitizer\|runtime error" "$T/um.log" && fail "sanitizer report"
echo "all um_answering checks passed"
