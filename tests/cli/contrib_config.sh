#!/bin/sh
# contrib/openum.conf, the example config (ctest cli/contrib_config), cannot rot: every
# key in it, set or commented out, is an option of its section's subcommand, and
# `openum proxy` and `openum um` both come up with it (the database, ports and
# certificates overridden on the command line), serve /metrics, and count a TLS
# handshake that fails (garbage sent to the TLS port) in
# openum_tls_handshake_failures_total.
# Usage: tests/cli/contrib_config.sh PATH/TO/openum
set -u
# shellcheck disable=SC1091
. "$(dirname "$0")/../integration/lib.sh"
need curl python3
CONF=$TEST_DIR/../../contrib/openum.conf
[ -s "$CONF" ] || fail "no $CONF"

# Every "key = value" line, commented or not, of [proxy] and [um] is a --key of that
# subcommand's --help.
"$OPENUM" proxy --help >"$T/proxy.help" 2>&1 || true
"$OPENUM" um --help >"$T/um.help" 2>&1 || true
awk '/^\[/ {sec = substr($1, 2, length($1) - 2); next}
     /^;? *[a-z][a-z0-9-]* = / {sub(/^; */, ""); print sec, $1}' "$CONF" >"$T/keys"
[ "$(grep -c '^proxy ' "$T/keys")" -ge 20 ] || fail "too few [proxy] keys found"
[ "$(grep -c '^um ' "$T/keys")" -ge 30 ] || fail "too few [um] keys found"
while read -r sec key; do
	grep -Eq -- "--$key( |$)" "$T/$sec.help" || fail "[$sec] $key is no option of openum $sec"
done <"$T/keys"
echo "ok - every key of the example is an option"

"$OPENUM" certs "$T/pki" --client-name proxy.example.com >"$T/certs.out" 2>&1 ||
	fail "openum certs failed"
PKI="--cert $T/pki/server.pem --key $T/pki/server.key --ca $T/pki/ca.pem"

# tls_garbage PORT: open a TCP connection to a TLS port, send bytes that are no TLS
# record, read until the server closes.
tls_garbage() {
	python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.0\r\n\r\n" * 4)
try:
    while s.recv(4096):
        pass
except OSError:
    pass
s.close()' "$1"
}
metric() { # PORT NAME: the value on /metrics
	curl -s "http://127.0.0.1:$1/metrics" | awk -v k="$2" '$1 == k {print $2}'
}
HS=openum_tls_handshake_failures_total
# handshake_counted PORT TLSPORT WHAT: garbage on TLSPORT moves $HS on PORT's /metrics.
handshake_counted() {
	before=$(metric "$1" $HS)
	[ -n "$before" ] || fail "$3: no $HS on /metrics"
	tls_garbage "$2" || fail "$3: cannot connect to the TLS port $2"
	wait_for 50 sh -c "[ \"\$(curl -s http://127.0.0.1:$1/metrics |
		awk '\$1 == \"$HS\" {print \$2}')\" -gt $before ]" ||
		fail "$3: the failed TLS handshake was not counted"
}

# openum proxy
PT=$(free_port)
PS=$(free_port)
PM=$(free_port)
# shellcheck disable=SC2086
bg "$OPENUM" proxy --config "$CONF" --db "$T/openum.db" --listen 127.0.0.1 \
	--tcp-port "$PT" --tls-port "$PS" --metrics "127.0.0.1:$PM" $PKI \
	--um-server 127.0.0.1:9 >"$T/proxy.log" 2>&1
PROXY=$LAST_PID
wait_printed "$T/proxy.log" "listening" 100 "$PROXY" "openum proxy"
grep -q "domain example.com, listening on 127.0.0.1 TCP $PT" "$T/proxy.log" ||
	fail "proxy: not the example's domain or not our port"
wait_for 50 curl -sf "http://127.0.0.1:$PM/metrics" || fail "proxy: no /metrics"
handshake_counted "$PM" "$PS" proxy
echo "ok - openum proxy runs with the example"

# openum um (the same database file would do; a separate one keeps them apart)
# shellcheck disable=SC2086
bg "$OPENUM" um --config "$CONF" --db "$T/um.db" --listen-tcp 127.0.0.1:0 \
	--listen-tls 127.0.0.1:0 --metrics 127.0.0.1:0 --port-file "$T/ports" $PKI \
	>"$T/um.log" 2>&1
UM=$LAST_PID
wait_file "$T/ports" 150 "$UM"
wait_for 50 sh -c "grep -q '^metrics ' '$T/ports'" || fail "um: no metrics port written"
UT=$(port_of "$T/ports" tls)
UMM=$(port_of "$T/ports" metrics)
{ [ -n "$UT" ] && [ -n "$(port_of "$T/ports" tcp)" ]; } || fail "um: no TCP or TLS port"
wait_for 50 curl -sf "http://127.0.0.1:$UMM/metrics" || fail "um: no /metrics"
handshake_counted "$UMM" "$UT" um
kill "$UM" "$PROXY"
wait "$UM" || fail "um: exit status $? after SIGTERM"
wait "$PROXY" || fail "proxy: exit status $? after SIGTERM"
# shellcheck disable=SC2034 # read by it_cleanup in lib.sh
PIDS=""
echo "cli/contrib_config: ok"
