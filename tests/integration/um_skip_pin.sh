#!/bin/sh
# The skip-pin matrix against a running `openum um`, judged from the call log: only
# skip-pin + mutual TLS from an allow-listed certificate + subscriber access skips the
# PIN. Also PIN logon by RFC 4733 and INFO, wrong PINs, lockout (even for a trusted
# skip-pin) and call answering with a recorded tone.
# The option groups ($tcp, $tls, $good...) are split into words on purpose:
# shellcheck disable=SC2086
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need sox python3
CALLER=$BUILD/openum_test_caller

"$OPENUM" certs "$T/pki" --client-name proxy.openum.test >/dev/null
"$OPENUM" certs "$T/other" --ca "$T/pki" --client-name stranger.openum.test >/dev/null
"$OPENUM" certs "$T/foreign" --client-name proxy.openum.test >/dev/null
DB=$T/um.db
export OPENUM_DB="$DB"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null
"$OPENUM" mailbox add sip:carol@localhost --name Carol --ext 1002 --pin 204862 >/dev/null

bg "$OPENUM" um --db "$DB" --listen-tcp 127.0.0.1:0 --listen-tls 127.0.0.1:0 \
	--cert "$T/pki/server.pem" --key "$T/pki/server.key" --ca "$T/pki/ca.pem" \
	--trusted-peer proxy.openum.test --domain localhost --max-failed-logons 4 \
	--port-file "$T/ports" --rtp-ports 40000-40999 2>"$T/um.log"
UM_PID=$LAST_PID
wait_file "$T/ports" 100 "$UM_PID"
TCP=$(port_of "$T/ports" tcp)
TLS=$(port_of "$T/ports" tls)

VM='sip:alice@localhost;opaque=app:voicemail'
SKIP='Ms-Exchange-Command: skip-pin'
rows() { "$OPENUM" mailbox log --limit 0 | tail -n +2 | wc -l; }
# call ARGS...: one call; returns once its call-log row is written (the row comes after
# the call and its last store request are over), or at once when it was never answered
# (a refused TLS handshake)
call() {
	_n=$(rows)
	"$CALLER" --from sip:alice@localhost "$@" >"$T/out" 2>&1 || true
	grep -q answered "$T/out" || return 0
	wait_for 600 sh -c "[ \$(\"$OPENUM\" mailbox log --limit 0 | tail -n +2 | wc -l) -gt $_n ]" ||
		fail "no call-log row after: $*"
}
last() { "$OPENUM" mailbox log --limit 1 | tail -n +2 | head -1; }
expect() { # WHAT PATTERN
	l=$(last)
	echo "$l" | grep -q -- "$2" || fail "$1: expected /$2/ in: $l"
	echo "ok - $1: $l"
}
tcp="--port $TCP"
tls="--port $TLS --tls --ca $T/pki/ca.pem"
good="--cert $T/pki/client.pem --key $T/pki/client.key"
other="--cert $T/other/client.pem --key $T/other/client.key"
foreign="--cert $T/foreign/client.pem --key $T/foreign/client.key"

"$OPENUM" mailbox log >/dev/null
for hdr in no yes; do
	for case in tcp tls-nocert tls-foreign-ca tls-not-listed tls-trusted; do
		case $case in
		tcp) a=$tcp ;;
		tls-nocert) a=$tls ;;
		tls-foreign-ca) a="$tls $foreign" ;;
		tls-not-listed) a="$tls $other" ;;
		tls-trusted) a="$tls $good" ;;
		esac
		if [ $hdr = yes ]; then
			# shellcheck disable=SC2086
			call --to "$VM" $a --header "$SKIP" --hangup-ms 1500
		else
			# shellcheck disable=SC2086
			call --to "$VM" $a --hangup-ms 1500
		fi
		if [ $case = tls-foreign-ca ]; then
			# the handshake fails: no call at all (nothing logged) is also a refusal
			grep -q answered "$T/out" || { echo "ok - $case/$hdr: refused at TLS"; continue; }
		fi
		if [ $hdr = yes ] && [ $case = tls-trusted ]; then
			expect "$case header=$hdr" "subscriber-access skip-pin"
		else
			expect "$case header=$hdr" " none .*subscriber-access\|none.*hung up at the PIN"
		fi
	done
done
# header variants over trusted TLS: mixed case is skip-pin; an unknown value is not
call --to "$VM" $tls $good --header 'ms-exchange-command: SKIP-PIN' --hangup-ms 1500
expect "mixed case" "skip-pin"
call --to "$VM" $tls $good --header 'Ms-Exchange-Command: no-such-thing' --hangup-ms 1500
expect "unknown value" " none "

# PIN logon: RFC 4733 and INFO, correct PIN
call --to "$VM" $tcp --dtmf '204862#' --dtmf-ms 300 --hangup-ms 4000
expect "PIN by RFC 4733" "pin-ok"
call --to "$VM" $tcp --dtmf '204862#' --dtmf-ms 300 --info --hangup-ms 4000
expect "PIN by INFO" "pin-ok"

# a caller with no mailbox calls the pilot and types the extension and the PIN in one
# go: the PIN keys that come while the extension is looked up are kept
call --to sip:localhost $tcp --from sip:bob@localhost --dtmf '1001#204862#' --dtmf-ms 300 \
	--hangup-ms 6000
expect "extension then PIN in one go" "pin-ok .*sip:alice@localhost"

# call answering over trusted TLS with skip-pin: a message, never skip-pin
call --to sip:alice@localhost $tls $good --from sip:bob@localhost --header "$SKIP" \
	--header 'Diversion: <sip:alice@localhost>;reason=no-answer' \
	--tone-ms 2000 --tone-at 13000 --hangup-ms 15500
expect "call answering + skip-pin" "call-answering"
l=$(last)
echo "$l" | grep -q "call-answering *skip-pin" && fail "call answering honoured skip-pin: $l"
"$OPENUM" mailbox show alice@localhost >"$T/show"
MSG=$(awk '/^ *[0-9]+ +new/{print $1; exit}' "$T/show")
[ -n "$MSG" ] || { cat "$T/show"; fail "no new message"; }
"$OPENUM" mailbox export alice@localhost "$MSG" "$T/msg.wav" >/dev/null
sox "$T/msg.wav" -e signed-integer -b 16 "$T/msg16.wav"
python3 - "$T/msg16.wav" <<'EOF' || fail "recorded audio"
import math, sys, wave
w = wave.open(sys.argv[1])
n = w.getnframes(); raw = w.readframes(n)
x = [int.from_bytes(raw[i:i+2], 'little', signed=True) for i in range(0, len(raw), 2)]
# the tone: 2 s of 440 Hz somewhere in the recording
ref_c = [math.cos(2*math.pi*440*i/8000) for i in range(8000)]
ref_s = [math.sin(2*math.pi*440*i/8000) for i in range(8000)]
best = 0
tone = 0
for start in range(0, max(1, len(x) - 1600), 400):
    seg = x[start:start+1600]
    e = sum(v*v for v in seg) or 1
    c = sum(a*b for a, b in zip(seg, ref_c)); s = sum(a*b for a, b in zip(seg, ref_s))
    r = math.sqrt((c*c + s*s) / (e * 800))
    best = max(best, r)
    if r > 0.9: tone += 400
print("samples", len(x), "best correlation %.3f" % best, "tone ms", tone / 8)
assert best > 0.95, best
assert 1500 <= tone / 8 <= 2600, tone
EOF
echo "ok - recorded message holds the 2 s tone"

# wrong PIN three times: pin-failed; then the lockout (limit 4) refuses even skip-pin
call --to "$VM" $tcp --dtmf '111111#111111#111111#' --dtmf-ms 300 --hangup-ms 20000
expect "three wrong PINs" "pin-failed"
call --to "$VM" $tcp --dtmf '111111#' --dtmf-ms 300 --hangup-ms 20000
expect "fourth wrong PIN locks" "locked"
call --to "$VM" $tcp --dtmf '204862#' --dtmf-ms 300 --hangup-ms 4000
expect "locked refuses the right PIN" "locked"
call --to "$VM" $tls $good --header "$SKIP" --hangup-ms 3000
expect "locked refuses trusted skip-pin" "locked"

kill "$UM_PID"
wait "$UM_PID" || fail "um exit status"
echo "integration/um_skip_pin: ok"
