#!/bin/sh
# Interop with real phones as callee and caller: two headless baresip 1.0.0 (alice and
# bob) register to `openum proxy` over TCP with digest authentication. bob calls alice:
# her baresip rings and answers by itself (answermode=auto). Then alice stops answering:
# after the 4 s no-answer time the proxy cancels her ringing phone and sends the call to
# voicemail with a Diversion; `openum um` answers, records bob's 440 Hz tone and keeps
# it as a message for alice from bob with reason no-answer (call log: call-answering).
# timeout: 300
# shellcheck source-path=SCRIPTDIR disable=SC2016,SC1091 # sh -c gets values as arguments
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=baresip/setup.sh
. "$(dirname "$0")/baresip/setup.sh"

start_openum 4
start_baresip alice alice "$ALICE_PW" "answermode=auto"
BS_AUDIO=tone start_baresip bob bob "$BOB_PW"
wait_registered alice
wait_registered bob
echo "ok - alice and bob registered over TCP with digest auth"

# 1. a registered callee answers
bs bob dial "sip:alice@$DOMAIN" >/dev/null || fail "bob's dial refused"
# (baresip 1.0.0 reports no CALL_INCOMING when it answers by itself)
wait_count alice CALL_ESTABLISHED 1 || fail "alice's phone did not answer"
wait_count bob CALL_ESTABLISHED 1 || fail "bob's call to alice was not answered"
grep '"CALL_ESTABLISHED"' "$T/alice/events" | grep '"direction": "incoming"' |
	grep -q "\"peeruri\": \"sip:bob@$DOMAIN" ||
	fail "the call alice answered is not from bob: $(grep CALL_ESTABLISHED "$T/alice/events")"
bs bob hangup >/dev/null || fail "bob's hangup refused"
wait_count alice CALL_CLOSED 1 || fail "alice's call did not end on bob's BYE"
wait_count bob CALL_CLOSED 1 || fail "bob's call did not end"
[ "$(log_rows)" -eq 0 ] || fail "an answered call reached the UM server: $(last_log)"
echo "ok - bob -> proxy -> alice: rang, answered by baresip, ended by BYE"

# 2. no answer: voicemail with Diversion
bs alice answermode manual >/dev/null || fail "answermode refused"
bs bob dial "sip:alice@$DOMAIN" >/dev/null || fail "bob's dial refused"
wait_count alice CALL_INCOMING 1 || fail "alice's phone did not ring"
wait_count bob CALL_ESTABLISHED 2 150 || fail "the unanswered call never reached voicemail"
wait_count alice CALL_CLOSED 2 || fail "alice's phone kept ringing after the diversion"
[ "$(count alice CALL_ESTABLISHED)" -eq 1 ] || fail "alice's phone answered the second call"
# greeting, beep, at most 4 s of message: the UM server hangs up
wait_count bob CALL_CLOSED 2 400 || fail "the UM server did not end the message call"
wait_for 100 sh -c '[ "$("$1" mailbox log --limit 0 | tail -n +2 | grep -c .)" -ge 1 ]' \
	sh "$OPENUM" || fail "the UM server logged no call"
l=$(last_log)
echo "$l" | grep -q "call-answering .*sip:alice@$DOMAIN" ||
	fail "expected a call-answering call for alice in: $l"
echo "ok - call log: $l"
"$OPENUM" mailbox show "alice@$DOMAIN" >"$T/show" || fail "openum mailbox show"
grep -q "sip:bob@$DOMAIN.*no-answer\|no-answer.*sip:bob@$DOMAIN" "$T/show" ||
	fail "no message from bob with reason no-answer: $(cat "$T/show")"
MSG=$(awk '/^ *[0-9]+ +new/ {print $1; exit}' "$T/show")
[ -n "$MSG" ] || fail "no new message: $(cat "$T/show")"
"$OPENUM" mailbox export "alice@$DOMAIN" "$MSG" "$T/msg.wav" >/dev/null || fail "export"
sox "$T/msg.wav" -e signed-integer -b 16 "$T/msg16.wav" || fail "sox"
python3 - "$T/msg16.wav" <<'PY' || fail "the recorded message does not hold bob's tone"
import math, sys, wave
w = wave.open(sys.argv[1])
raw = w.readframes(w.getnframes())
x = [int.from_bytes(raw[i:i + 2], "little", signed=True) for i in range(0, len(raw), 2)]
c = [math.cos(2 * math.pi * 440 * i / 8000) for i in range(1600)]
s = [math.sin(2 * math.pi * 440 * i / 8000) for i in range(1600)]
best = 0
for start in range(0, max(1, len(x) - 1600), 400):
    seg = x[start:start + 1600]
    e = sum(v * v for v in seg) or 1
    a = sum(p * q for p, q in zip(seg, c))
    b = sum(p * q for p, q in zip(seg, s))
    best = max(best, math.sqrt((a * a + b * b) / (e * 800)))
print("samples", len(x), "best 440 Hz correlation %.3f" % best)
assert len(x) >= 8000, len(x)
assert best > 0.9, best
PY
echo "ok - message for alice from bob, reason no-answer, holds the 440 Hz tone"
echo "integration/$TEST_NAME: ok"
