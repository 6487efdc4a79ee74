#!/bin/sh
# Operations features of both servers (docs/operations.md):
# - --log syslog: log lines reach a syslog socket (the test listens on its own Unix
#   datagram socket, --syslog-socket) with the facility and level as the priority;
# - SIGHUP of the proxy applies a new --log-level from its --config file;
# - /metrics: a malformed SIP message moves openum_sip_parse_errors_total (answered
#   with 400, and dropped by the framer) on the proxy and on the UM server, and a call
#   to the UM server moves openum_rtp_packets_total both ways.
# timeout: 120
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need python3 curl
CALLER=$BUILD/openum_test_caller

# syslog_listen SOCKET OUT: a stand-in syslog daemon, one datagram per line
syslog_listen() {
	bg python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
' "$1" "$2"
	wait_for 50 test -S "$1" || fail "the syslog stand-in did not start"
}
# sip PORT FILE: send FILE's bytes over TCP, print the first answer's head
sip() {
	python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(open(sys.argv[2], "rb").read())
s.settimeout(10.0)
out = b""
try:
    while b"\r\n\r\n" not in out:  # the first answer is enough
        d = s.recv(65536)
        if not d: break
        out += d
except socket.timeout:
    pass
sys.stdout.write(out.decode("utf-8", "replace"))
' "$1" "$2"
}
metric() { # PORT NAME{LABELS}: the value on /metrics
	curl -s "http://127.0.0.1:$1/metrics" | awk -v k="$2" '$1 == k {print $2}'
}
expect_more() { # WHAT BEFORE AFTER
	if [ -z "$3" ] || [ "$3" -le "$2" ]; then fail "$1: did not move ($2 -> $3)"; fi
	echo "ok - $1: $2 -> $3"
}
crlf() { sed 's/$/\r/'; }

# a message without Via (parses, fails the check: 400) and one whose length is wrong
# (the framer cannot find the next message: 400 and the connection is closed)
crlf >"$T/novia.sip" <<'SIP'
OPTIONS sip:localhost SIP/2.0
From: <sip:x@localhost>;tag=1
To: <sip:localhost>
Call-ID: novia@test
CSeq: 1 OPTIONS
Content-Length: 0

SIP
crlf >"$T/badlen.sip" <<'SIP'
OPTIONS sip:localhost SIP/2.0
Content-Length: many

SIP
crlf >"$T/register.sip" <<'SIP'
REGISTER sip:localhost SIP/2.0
Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-opsBRANCH
From: <sip:alice@localhost>;tag=r1
To: <sip:alice@localhost>
Call-ID: reg-ops@test
CSeq: BRANCH REGISTER
Contact: <sip:alice@127.0.0.1:5999;transport=tcp>
Max-Forwards: 70
Content-Length: 0

SIP
A400='openum_sip_parse_errors_total{action="answered-400"}'
DROP='openum_sip_parse_errors_total{action="dropped"}'

# ---- proxy ---------------------------------------------------------------------
syslog_listen "$T/proxy.sock" "$T/proxy.syslog"
printf '[proxy]\nlog-level = info\n' >"$T/proxy.conf"
PP=$(free_port)
PM=$(free_port)
bg "$OPENUM" proxy --config "$T/proxy.conf" --domain localhost --db "$T/proxy.db" \
	--tcp-port "$PP" --tls-port 0 --metrics "127.0.0.1:$PM" --log syslog \
	--syslog-facility local3 --syslog-socket "$T/proxy.sock" 2>"$T/proxy.log"
PROXY=$LAST_PID
wait_for 100 curl -sf "http://127.0.0.1:$PM/metrics" || fail "proxy metrics not up"

a=$(metric "$PM" "$A400")
d=$(metric "$PM" "$DROP")
sip "$PP" "$T/novia.sip" | head -1 | grep -q "^SIP/2.0 400" || fail "proxy: no 400 without Via"
sip "$PP" "$T/badlen.sip" | head -1 | grep -q "^SIP/2.0 400" || fail "proxy: no 400 for bad framing"
expect_more "proxy answered-400" "$a" "$(metric "$PM" "$A400")"
expect_more "proxy dropped by the framer" "$d" "$(metric "$PM" "$DROP")"

# at info the 401 challenge is not logged; after HUP with debug it is, through syslog
sed 's/BRANCH/1/' "$T/register.sip" >"$T/register1.sip"
sed 's/BRANCH/2/' "$T/register.sip" >"$T/register2.sip"
sip "$PP" "$T/register1.sip" | head -1 | grep -q "^SIP/2.0 401" || fail "proxy: no 401"
printf '[proxy]\nlog-level = debug\n' >"$T/proxy.conf"
kill -HUP "$PROXY"
wait_for 100 grep -q "reloaded $T/proxy.conf" "$T/proxy.syslog" ||
	fail "proxy: no 'reloaded' line in syslog after SIGHUP"
sip "$PP" "$T/register2.sip" | head -1 | grep -q "^SIP/2.0 401" || fail "proxy: no 401"
wait_for 50 grep -q "register call-id=reg-ops@test" "$T/proxy.syslog" ||
	fail "proxy: the debug register line did not reach syslog after the reload"
[ "$(grep -c "register call-id=reg-ops@test" "$T/proxy.syslog")" -eq 1 ] ||
	fail "proxy: the info level logged the 401 before the reload"
# local3 (19) * 8 + debug (7) = 159; info (6): 158
grep "register call-id=reg-ops@test" "$T/proxy.syslog" | grep -q '^<159>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]\{8\} openum-proxy\[[0-9]*\]: debug proxy: ' ||
	fail "proxy: bad syslog framing: $(grep reg-ops "$T/proxy.syslog")"
grep -q '^<158>.*openum-proxy.*reloaded' "$T/proxy.syslog" || fail "proxy: reload line not at info"
echo "ok - proxy: syslog priority and framing, SIGHUP log level"
[ -s "$T/proxy.log" ] && grep -q "reg-ops" "$T/proxy.log" && fail "proxy: log lines also on stderr"

# ---- UM server -------------------------------------------------------------------
syslog_listen "$T/um.sock" "$T/um.syslog"
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null
bg "$OPENUM" um --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 --domain localhost \
	--metrics 127.0.0.1:0 --port-file "$T/ports" --rtp-ports 45000-45999 \
	--log syslog --syslog-socket "$T/um.sock" 2>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
UP=$(port_of "$T/ports" tcp)
UMM=$(port_of "$T/ports" metrics)

a=$(metric "$UMM" "$A400")
d=$(metric "$UMM" "$DROP")
sip "$UP" "$T/novia.sip" | head -1 | grep -q "^SIP/2.0 400" || fail "um: no 400 without Via"
sip "$UP" "$T/badlen.sip" | head -1 | grep -q "^SIP/2.0 400" || fail "um: no 400 for bad framing"
expect_more "um answered-400" "$a" "$(metric "$UMM" "$A400")"
expect_more "um dropped by the framer" "$d" "$(metric "$UMM" "$DROP")"

s=$(metric "$UMM" 'openum_rtp_packets_total{direction="sent"}')
r=$(metric "$UMM" 'openum_rtp_packets_total{direction="received"}')
"$CALLER" --to 'sip:alice@localhost;opaque=app:voicemail' --from sip:alice@localhost \
	--port "$UP" --hangup-ms 1500 >"$T/caller.out" 2>&1 || true
grep -q answered "$T/caller.out" || fail "um: call not answered"
# the call-log line (daemon (3) * 8 + info (6) = 30) says the call is over
wait_for 100 grep -q '^<30>.*openum-um\[[0-9]*\]: info um: call call-id=' "$T/um.syslog" ||
	fail "um: no call line in syslog"
expect_more "um RTP sent" "$s" "$(metric "$UMM" 'openum_rtp_packets_total{direction="sent"}')"
expect_more "um RTP received" "$r" "$(metric "$UMM" 'openum_rtp_packets_total{direction="received"}')"
metric "$UMM" openum_rtp_packets_lost_total | grep -q '^[0-9][0-9]*$' || fail "no lost counter"
echo "ok - um: call line in syslog, RTP counters"

kill "$UM" "$PROXY"
wait "$UM" || fail "um exit status"
wait "$PROXY" || fail "proxy exit status"
! grep -q "LeakSanitizer\|runtime error\|AddressSanitizer" "$T/um.log" "$T/proxy.log" ||
	fail "sanitizer report"
echo "integration/ops_syslog_metrics: ok"
