#!/bin/sh
# CLI test (ctest cli/demo): `openum demo` prepares its directory, starts the proxy and
# the UM server, the web logon with alice's demo PIN lists her one message, the proxy
# answers OPTIONS on TCP, and SIGTERM stops everything with exit 0. A second run reuses
# the directory. The usage errors of --script and --keep (the story itself:
# tests/integration/demo_script.sh).
# Usage: tests/cli/demo.sh PATH/TO/openum
set -u
# shellcheck disable=SC1091
. "$(dirname "$0")/../integration/lib.sh"
need curl jq python3
# shellcheck disable=SC2034 # lib.sh's fail shows them
FAIL_LOGS="$T/out $T/err $T/demo/setup.log $T/demo/um.log $T/demo/proxy.log"

BASE=$(free_ports 5) # --port-base N uses N..N+4
[ -n "$BASE" ] || fail "no free ports"

# stop: SIGTERM, expect exit 0 and both children gone.
stop() {
	kill -TERM "$DEMO_PID"
	rc=0
	wait "$DEMO_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "openum demo exited $rc after SIGTERM"
	for p in $DEMO_KIDS; do
		kill -0 "$p" 2>/dev/null && fail "child $p still runs after the demo stopped"
	done
	grep -q 'openum demo: stopped' "$T/out" || fail "no 'stopped' line"
}

demo_start
CA="$T/demo/certs/ca.pem"
W="https://127.0.0.1:$((BASE + 4))"
grep -q "password alice-demo-pw  voicemail PIN 246813" "$T/out" || fail "alice's credentials not printed"
grep -q "$W/" "$T/out" || fail "web URL not printed"
grep -q -- "--proxy 127.0.0.1:$((BASE + 1)) --ca $CA voicemail" "$T/out" || fail "phone command not printed"

curl -sf --cacert "$CA" -o "$T/page" "$W/" || fail "the web page does not answer"
curl -sf --cacert "$CA" -c "$T/jar" -H 'Content-Type: application/json' \
	-d '{"address":"alice@openum.test","pin":"246813"}' "$W/api/v1/session" >"$T/session.json" ||
	fail "logon with alice's demo PIN failed"
CSRF=$(jq -r .csrf_token "$T/session.json")
curl -sf --cacert "$CA" -b "$T/jar" -H "X-CSRF-Token: $CSRF" "$W/api/v1/messages" >"$T/msgs.json" ||
	fail "message list failed"
N=$(jq '.messages | length' "$T/msgs.json")
[ "$N" = 1 ] || fail "alice has $N messages, expected 1: $(cat "$T/msgs.json")"

# OPTIONS to the proxy over TCP: any SIP response will do.
python3 - "$BASE" >"$T/options" 2>&1 <<'PY' || fail "proxy OPTIONS: $(cat "$T/options")"
import socket, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(("OPTIONS sip:openum.test SIP/2.0\r\n"
           "Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKdemo1\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:test@openum.test>;tag=1\r\n"
           "To: <sip:openum.test>\r\nCall-ID: demo-test-1\r\nCSeq: 1 OPTIONS\r\n"
           "Content-Length: 0\r\n\r\n").encode())
data = s.recv(4096).decode(errors="replace")
print(data.splitlines()[0] if data else "(nothing)")
sys.exit(0 if data.startswith("SIP/2.0 ") else 1)
PY
stop

# Reuse: same directory, nothing to redo, still one message, clean stop.
demo_start
grep -q 'Left ' "$T/out" && fail "a reused directory got a second message"
curl -sf --cacert "$CA" -c "$T/jar" -H 'Content-Type: application/json' \
	-d '{"address":"alice@openum.test","pin":"246813"}' "$W/api/v1/session" >/dev/null ||
	fail "logon failed on the reused directory"
stop

# A busy port is reported before anything starts.
python3 -c '
import socket, subprocess, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[2]))); s.listen()
r = subprocess.run([sys.argv[1], "demo", "--dir", sys.argv[3], "--port-base", sys.argv[2]],
                   capture_output=True, text=True)
sys.stdout.write(r.stderr)
sys.exit(0 if r.returncode == 1 and "is busy" in r.stderr else 1)
' "$OPENUM" "$BASE" "$T/demo" >"$T/busy" 2>&1 || fail "busy port not reported: $(cat "$T/busy")"

# --script has its own temporary directory; --keep is for --script only; both are in --help.
rc=0
"$OPENUM" demo --script --dir "$T/x" >/dev/null 2>"$T/usage" || rc=$?
[ "$rc" -eq 2 ] || fail "--script --dir: exit $rc, expected 2"
grep -q 'temporary directory' "$T/usage" || fail "--script --dir: $(cat "$T/usage")"
[ -e "$T/x" ] && fail "--script --dir created the directory"
rc=0
"$OPENUM" demo --keep >/dev/null 2>"$T/usage" || rc=$?
[ "$rc" -eq 2 ] || fail "--keep alone: exit $rc, expected 2"
grep -q -- '--keep goes with --script' "$T/usage" || fail "--keep alone: $(cat "$T/usage")"
"$OPENUM" demo --help >"$T/help"
for w in '--script' '--keep' 'PASS step N' 'private-no-diversion'; do
	grep -q -- "$w" "$T/help" || fail "openum demo --help does not mention $w"
done

echo "cli/demo: all passed"
