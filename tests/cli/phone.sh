#!/bin/sh
# `openum phone` end to end (ctest cli/phone): `openum proxy` on loopback TCP and TLS
# (certificates from `openum certs`) with a temporary database and users alice and bob,
# two phones in --script mode: alice over TCP, bob over TLS (the default). bob calls
# alice while she appears offline (480), then while she is available: she answers, his
# DTMF reaches her, he hangs up. Usage: tests/cli/phone.sh PATH/TO/openum
set -u

BIN=${1:?usage: phone.sh PATH/TO/openum}
[ -x "$BIN" ] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/openum-phone.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	if [ -n "${KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

DB="$TMP/db"
D=openum.test
for u in alice bob; do
	"$BIN" user --db "$DB" add "sip:$u@$D" --password "$u-password" >/dev/null 2>"$TMP/err" ||
		{ echo "FAIL: user add $u: $(cat "$TMP/err")" >&2; exit 1; }
done

"$BIN" certs "$TMP/certs" >/dev/null 2>"$TMP/err" ||
	{ echo "FAIL: certs: $(cat "$TMP/err")" >&2; exit 1; }
C="$TMP/certs"

# free TCP ports: let the kernel pick them, then hope they stay free
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo "$1"
}
PORT=$(free_port 25060)
TLS_PORT=$(free_port 25061)
"$BIN" proxy --domain "$D" --db "$DB" --tcp-port "$PORT" --tls-port "$TLS_PORT" \
	--cert "$C/server.pem" --key "$C/server.key" --ca "$C/ca.pem" \
	>"$TMP/proxy.log" 2>&1 &
PIDS="$!"
i=0
while ! grep -q . "$TMP/proxy.log" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3

cat >"$TMP/alice.script" <<S
# offline: bob's first call is declined with 480
print-state
wait-declined 8
presence available
wait-call 8
expect-header From bob@openum\.test
answer
wait-answered 5
record 1 $TMP/heard.wav
wait-dtmf 159# 8
wait-ended 8
expect-status 0
S
cat >"$TMP/bob.script" <<'S'
call sip:alice@openum.test
wait-ended 8
expect-status 480
sleep 300
call sip:alice@openum.test
wait-answered 8
dtmf 159#
sleep 1500
hangup
wait-ended 5
call sip:nobody@openum.test
wait-ended 5
expect-status 404
voicemail
wait-ended 5
expect-status 480
S

# bob's microphone: 1.5 s of a 440 Hz tone (8 kHz mono PCM16)
PLAY=""
if python3 -c 'import wave, math, struct
w = wave.open("'"$TMP"'/tone.wav", "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(12000)))' 2>/dev/null; then
	PLAY="--play $TMP/tone.wav"
fi

COMMON="--proxy 127.0.0.1:$PORT --tcp"
# shellcheck disable=SC2086 # COMMON is an option list, split on purpose
"$BIN" phone --user "sip:alice@$D" --password alice-password $COMMON --presence offline \
	--script "$TMP/alice.script" >"$TMP/alice.log" 2>&1 &
ALICE=$!
PIDS="$PIDS $ALICE"
sleep 0.5
# shellcheck disable=SC2086 # PLAY is an option and its argument, split on purpose
"$BIN" phone --user "sip:bob@$D" --password bob-password --proxy "127.0.0.1:$TLS_PORT" \
	--ca "$C/ca.pem" $PLAY --script "$TMP/bob.script" >"$TMP/bob.log" 2>&1 &
BOB=$!
PIDS="$PIDS $BOB"

wait $BOB
BOB_RC=$?
wait $ALICE
ALICE_RC=$?
FAILS=0
if [ $BOB_RC -ne 0 ] || [ $ALICE_RC -ne 0 ]; then
	echo "FAIL: bob exit $BOB_RC, alice exit $ALICE_RC" >&2
	FAILS=1
fi
grep -q "expect-status: ok" "$TMP/bob.log" || { echo "FAIL: bob did not see 480" >&2; FAILS=1; }
grep -q "wait-dtmf 159#: ok" "$TMP/alice.log" || { echo "FAIL: DTMF did not reach alice" >&2; FAILS=1; }
# what alice heard is bob's tone, not silence
if [ -n "$PLAY" ]; then
	rms=$(python3 -c 'import wave, struct, sys
w = wave.open(sys.argv[1]); n = w.getnframes(); d = w.readframes(n)
s = struct.unpack("<%dh" % n, d)
print(int((sum(x * x for x in s) / max(n, 1)) ** 0.5), n)' "$TMP/heard.wav" 2>&1)
	# shellcheck disable=SC2086 # rms holds "RMS SAMPLES": split into $1 and $2
	set -- $rms
	if [ "${1:-0}" -lt 1000 ] 2>/dev/null || [ "${2:-0}" -lt 6000 ] 2>/dev/null; then
		echo "FAIL: alice's recording is not bob's tone (rms, samples: $rms)" >&2
		FAILS=1
	fi
fi
# the proxy's call lines say why it answered no itself (the log only: the caller of
# an unknown user is not told more than 404)
grep -q "to=nobody@$D .*result=404 (no such user)$" "$TMP/proxy.log" || {
	echo "FAIL: proxy log: no reason for the 404 to an unknown user" >&2
	FAILS=1
}
grep -q "to=bob@$D;voicemail .*result=480 (No voicemail server)$" "$TMP/proxy.log" || {
	echo "FAIL: proxy log: no reason for the 480 without a UM server" >&2
	FAILS=1
}
# a bad script is refused before anything runs, with its line number
printf 'answer\nfrobnicate 3\n' >"$TMP/bad.script"
# shellcheck disable=SC2086 # COMMON is an option list, split on purpose
"$BIN" phone --user "sip:bob@$D" $COMMON --script "$TMP/bad.script" >/dev/null 2>"$TMP/bad.err"
rc=$?
if [ $rc -ne 2 ] || ! grep -q "bad.script:2: unknown command" "$TMP/bad.err"; then
	echo "FAIL: bad script: exit $rc, $(cat "$TMP/bad.err")" >&2
	FAILS=1
fi
# a failed registration says what its status usually means
printf 'sleep 10\n' >"$TMP/idle.script"
# shellcheck disable=SC2086 # COMMON is an option list, split on purpose
"$BIN" phone --user "sip:bob@$D" --password wrong-password $COMMON --script "$TMP/idle.script" \
	>/dev/null 2>"$TMP/bad.err"
rc=$?
if [ $rc -ne 1 ] || ! grep -q "^openum phone: registration failed (40[13]): wrong user or password" "$TMP/bad.err"; then
	echo "FAIL: wrong password: exit $rc, $(cat "$TMP/bad.err")" >&2
	FAILS=1
fi
"$BIN" phone --user "sip:bob@$D" --password x --proxy "127.0.0.1:$(free_port 1)" --tcp \
	--script "$TMP/idle.script" >/dev/null 2>"$TMP/bad.err"
rc=$?
if [ $rc -ne 1 ] || ! grep -q "^openum phone: registration failed (503): the proxy cannot be reached" "$TMP/bad.err"; then
	echo "FAIL: no proxy: exit $rc, $(cat "$TMP/bad.err")" >&2
	FAILS=1
fi
# a TLS file that does not load is named, before anything starts
"$BIN" phone --user "sip:bob@$D" --proxy 127.0.0.1 --ca "$TMP/nowhere.pem" >/dev/null 2>"$TMP/bad.err"
rc=$?
if [ $rc -ne 1 ] || ! grep -q "^openum phone: --ca $TMP/nowhere.pem: No such file or directory$" "$TMP/bad.err"; then
	echo "FAIL: missing --ca: exit $rc, $(cat "$TMP/bad.err")" >&2
	FAILS=1
fi
if [ $FAILS -ne 0 ]; then
	for f in alice bob proxy; do
		echo "--- $f:" >&2
		sed 's/^/    /' "$TMP/$f.log" >&2
	done
	exit 1
fi
echo "cli phone: all passed"
