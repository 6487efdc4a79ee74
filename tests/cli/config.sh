#!/bin/sh
# `--config FILE` of `openum proxy` and `openum um` (ctest cli/config): errors name the
# file and the line, bad values are refused as on the command line, and the command
# line overrides the file (a running proxy and UM server report the ports they got).
# Usage: tests/cli/config.sh PATH/TO/openum
set -u
BIN=${1:?usage: config.sh PATH/TO/openum}
T=$(mktemp -d "${TMPDIR:-/tmp}/openum-config.XXXXXX") || exit 1
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
FAILS=0
fail() {
	echo "FAIL: $*" >&2
	sed 's/^/    /' "$T/err" >&2
	FAILS=$((FAILS + 1))
}
# expect STATUS PATTERN ARGS...: openum exits STATUS with PATTERN on standard error.
expect() {
	want=$1 pat=$2
	shift 2
	"$BIN" "$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq "$want" ] || { fail "openum $*: exit $got, expected $want"; return; }
	grep -q -- "$pat" "$T/err" || fail "openum $*: no /$pat/ on stderr"
}
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

C=$T/openum.conf
printf '[proxy]\ndomain = example.com\n\nbogus = 1\n' >"$C"
expect 1 "$C: line 4: unknown key 'bogus'" proxy --config "$C"
printf '# x\n[proxy]\ntcp-port = 99999\n' >"$C"
expect 2 "$C line 3: bad port: 99999" proxy --config "$C"
printf '[proxy]\nquiet = perhaps\n' >"$C"
expect 1 "line 2: 'quiet' takes true or false" proxy --config "$C"
printf 'domain = example.com\n' >"$C"
expect 1 "line 1: 'domain' is outside a section" proxy --config "$C"
printf '[um]\nrtp-ports = 9-2\n' >"$C"
expect 2 "$C line 2: --rtp-ports needs MIN-MAX: 9-2" um --config "$C"
expect 1 "cannot open" proxy --config "$T/missing.conf"
expect 2 "config needs a FILE" um --config
expect 2 "config given twice" proxy --config "$C" --config "$C"
# a value on the command line is checked as before (no file line in the message)
printf '[proxy]\ndomain = example.com\n' >"$C"
expect 2 "openum proxy: bad port: x" proxy --config "$C" --tcp-port x

# The command line overrides the file: the file's port is taken, the command line's
# free one is used. The [um] section of the same file is read by openum um.
BUSY=$(free_port)
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(30)' "$BUSY" &
HOLD=$!
PORT=$(free_port)
cat >"$C" <<EOC
; both servers in one file
[proxy]
domain = example.com
db = $T/openum.db
tcp-port = $BUSY
tls-port = 0
[um]
db = $T/openum.db
listen-tcp = 127.0.0.1:$BUSY
listen-tls = off
quiet = false
EOC
"$BIN" proxy --config "$C" --tcp-port "$PORT" >"$T/out" 2>"$T/err" &
PID=$!
i=0
until grep -q "listening" "$T/err" || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
grep -q "domain example.com, listening on 127.0.0.1 TCP $PORT," "$T/err" ||
	fail "proxy: the command line's --tcp-port did not override the file's"
kill "$PID"
wait "$PID" || fail "proxy: exit status $? after SIGTERM"
PID=
UPORT=$(free_port)
"$BIN" um --config "$C" --listen-tcp "127.0.0.1:$UPORT" --port-file "$T/ports" \
	>"$T/out" 2>"$T/err" &
PID=$!
i=0
until [ -s "$T/ports" ] || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
grep -q "^tcp $UPORT$" "$T/ports" || fail "um: the command line's --listen-tcp did not win"
kill "$PID"
wait "$PID" || fail "um: exit status $? after SIGTERM"
PID=
kill "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null

[ "$FAILS" -eq 0 ] || exit 1
echo "cli/config: ok"
