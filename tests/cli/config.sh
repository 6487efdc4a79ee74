#!/bin/sh
# `--config FILE` of `openum proxy` and `openum um` (ctest cli/config): errors name the
# file and the line, bad values are refused as on the command line, and the command
# line overrides the file (a running proxy and UM server report the ports they got);
# start-up and SIGHUP errors name the address, file or store at fault.
# Usage: tests/cli/config.sh PATH/TO/openum
set -u
BIN=${1:?usage: config.sh PATH/TO/openum}
T=$(mktemp -d "${TMPDIR:-/tmp}/openum-config.XXXXXX") || exit 1
PID=
HOLD=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$HOLD" ] && kill "$HOLD" 2>/dev/null
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
expect 1 "openum um: $T: cannot read: Is a directory" um --config "$T"
expect 2 "config needs a FILE" um --config
expect 2 "config given twice" proxy --config "$C" --config "$C"
# a value on the command line is checked as before (no file line in the message)
printf '[proxy]\ndomain = example.com\n' >"$C"
expect 2 "openum proxy: bad port: x" proxy --config "$C" --tcp-port x

# The command line overrides the file: the file's port is taken, the command line's
# free one is used. The [um] section of the same file is read by openum um.
BUSY=$(free_port)
# The holder lives until the test kills it (a timed one ran out under load before the
# last check that needs the port busy) and says when the port is taken.
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); open(sys.argv[2],"w").close(); time.sleep(3600)' "$BUSY" "$T/held" &
HOLD=$!
i=0
until [ -e "$T/held" ] || [ $i -gt 300 ]; do i=$((i + 1)); sleep 0.1; done
[ -e "$T/held" ] || fail "could not hold port $BUSY busy"
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
until grep -q "listening" "$T/err" || [ $i -gt 300 ]; do i=$((i + 1)); sleep 0.1; done
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
until [ -s "$T/ports" ] || [ $i -gt 300 ]; do i=$((i + 1)); sleep 0.1; done
grep -q "^tcp $UPORT$" "$T/ports" || fail "um: the command line's --listen-tcp did not win"
kill "$PID"
wait "$PID" || fail "um: exit status $? after SIGTERM"
PID=

# Start-up errors name what failed: the address and the reason, the TLS file at fault,
# the store; one line, exit 1, never a raw library message nor a ready line first.
"$BIN" certs "$T/pki" >/dev/null 2>&1 || fail "openum certs"
mkdir "$T/nodb"
DB="$T/nodb/openum.db"
expect 1 "cannot start: cannot listen on TCP 127.0.0.1:$BUSY: address already in use" \
	proxy --domain example.com --db "$DB" --tcp-port "$BUSY" --tls-port 0
expect 1 "cannot start: cannot listen on TCP 127.0.0.1:$BUSY: address already in use" \
	um --db "$DB" --listen-tcp "127.0.0.1:$BUSY"
expect 1 "cannot listen on TCP abc:5060: not an IP address" \
	proxy --domain example.com --db "$DB" --listen abc --tls-port 0
expect 1 "cannot start: --metrics 127.0.0.1:$BUSY: " \
	proxy --domain example.com --db "$DB" --tcp-port "$PORT" --tls-port 0 --metrics "127.0.0.1:$BUSY"
grep -q "listening\|Failed to bind" "$T/err" &&
	fail "proxy --metrics on a busy port: a ready line or libmicrohttpd's own message"
expect 1 "cannot start: --cert $T/nowhere.pem: No such file or directory" \
	proxy --domain example.com --db "$DB" --cert "$T/nowhere.pem" --key "$T/pki/server.key"
expect 1 "cannot start: --key $T/pki/client.key: the key does not match the certificate" \
	proxy --domain example.com --db "$DB" --cert "$T/pki/server.pem" --key "$T/pki/client.key"
expect 1 "cannot start: --key $T/pki/ca.pem: not an unencrypted PEM private key" \
	um --db "$DB" --cert "$T/pki/server.pem" --key "$T/pki/ca.pem"
expect 1 "cannot start: --ca $T/pki/server.key: not a PEM CA bundle" \
	um --db "$DB" --cert "$T/pki/server.pem" --key "$T/pki/server.key" --ca "$T/pki/server.key"
expect 1 "um: cannot start: --port-file $T/nowhere/ports: No such file or directory" \
	um --db "$DB" --listen-tcp 127.0.0.1:0 --port-file "$T/nowhere/ports"
expect 2 "openum um: --rtp-ip needs an IP address: example.com" um --db "$DB" --rtp-ip example.com
expect 1 "um: cannot load the prompts from $T/nowhere: " \
	um --db "$DB" --listen-tcp 127.0.0.1:0 --prompts "$T/nowhere"
expect 1 "cannot create the spool directory $T/nowhere/spool: No such file or directory" \
	um --db "$DB" --listen-tcp 127.0.0.1:0 --spool-dir "$T/nowhere/spool"
expect 1 "proxy: cannot start: --log syslog: $T/nosock: " proxy --domain example.com --db "$DB" \
	--tcp-port "$PORT" --tls-port 0 --log syslog --syslog-socket "$T/nosock"
expect 1 "um: cannot open the store $T: is a directory, not a database file" \
	um --db "$T" --listen-tcp 127.0.0.1:0
expect 2 "openum proxy: no listener (--tcp-port 0 and TLS off)" \
	proxy --domain example.com --db "$DB" --tcp-port 0 --tls-port 0
expect 1 "proxy: cannot start: cannot open the store $T/nowhere/openum.db: cannot open database file: its directory does not exist" \
	proxy --domain example.com --db "$T/nowhere/openum.db" --tcp-port "$PORT" --tls-port 0

# An allow-list that can never match (no CA to verify client certificates) is warned
# about at start-up: skip-pin would silently never be honoured.
"$BIN" um --db "$DB" --listen-tcp 127.0.0.1:0 --listen-tls 127.0.0.1:0 \
	--cert "$T/pki/server.pem" --key "$T/pki/server.key" --trusted-peer proxy.example.com \
	--port-file "$T/ports2" >"$T/out" 2>"$T/err" &
PID=$!
i=0
until [ -s "$T/ports2" ] || [ $i -gt 300 ]; do i=$((i + 1)); sleep 0.1; done
kill "$PID"
wait "$PID" || fail "um: exit status $? after SIGTERM"
PID=
grep -q "warning: --trusted-peer without --ca: no peer can be verified" "$T/err" ||
	fail "um: no warning for --trusted-peer without --ca"

# SIGHUP with a certificate that does not load: the error names it, the proxy runs on.
printf '[proxy]\ndomain = example.com\ndb = %s\ntls-port = 0\n' "$T/nodb/openum.db" >"$C"
"$BIN" proxy --config "$C" --tcp-port "$PORT" >"$T/out" 2>"$T/err" &
PID=$!
i=0
until grep -q "listening" "$T/err" || [ $i -gt 300 ]; do i=$((i + 1)); sleep 0.1; done
printf 'cert = %s\nkey = %s\n' "$T/nowhere.pem" "$T/pki/server.key" >>"$C"
kill -HUP "$PID"
i=0
until grep -q "old settings kept" "$T/err" || [ $i -gt 300 ]; do i=$((i + 1)); sleep 0.1; done
grep -q "reload of $C failed, old settings kept: --cert $T/nowhere.pem: No such file or directory" \
	"$T/err" || fail "proxy: SIGHUP with a missing --cert: the file is not named"
kill -0 "$PID" || fail "proxy: died on SIGHUP with a bad certificate"
kill "$PID"
wait "$PID" || fail "proxy: exit status $? after SIGTERM"
PID=
grep -q "info proxy: SIGTERM: stopping" "$T/err" || fail "proxy: a SIGTERM stop is not logged"

kill "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null

[ "$FAILS" -eq 0 ] || exit 1
echo "cli/config: ok"
