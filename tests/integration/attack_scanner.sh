#!/bin/sh
# SIP scanner traffic against `openum proxy`, as SIPVicious sends it, made with SIPp
# from 127.0.0.2: an OPTIONS sweep and a REGISTER sweep over 300 user names (three of
# them real: alice and bob registered, carol not). The proxy stays up, answers every
# REGISTER with the same 401 for real and unknown users, and every OPTIONS to carol
# (known, not registered) exactly like one to an unknown name (no user enumeration,
# docs/proxy.md: the answers differ only in tags, Call-ID, branch and nonce), and a
# legitimate call between two registered `openum phone`s goes through meanwhile.
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need sipp curl python3
HERE=$(cd "$(dirname "$0")" && pwd)
D=openum.test
DB=$T/db
for u in alice bob carol; do
	"$OPENUM" user --db "$DB" add "sip:$u@$D" --password "$u-secret" >/dev/null
done
PORT=$(free_port)
MPORT=$(free_port)
bg "$OPENUM" proxy --domain "$D" --db "$DB" --tcp-port "$PORT" --tls-port 0 \
	--metrics "127.0.0.1:$MPORT" 2>"$T/proxy.log"
PROXY=$LAST_PID
wait_for 100 curl -sf "http://127.0.0.1:$MPORT/metrics" || fail "proxy metrics not up"
metric() { curl -sf "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# 300 names: common extensions and words, with alice and bob among them
{
	echo SEQUENTIAL
	i=0
	while [ $i -lt 149 ]; do
		echo "$((100 + i));$D"
		[ $i -lt 148 ] && echo "user$i;$D"
		i=$((i + 1))
	done
	echo "carol;$D"
	echo "alice;$D"
	echo "bob;$D"
} >"$T/names.csv"

# the legitimate call: alice waits, bob calls her once both are registered
cat >"$T/alice.script" <<S
wait-call 30
answer
wait-ended 30
S
cat >"$T/bob.script" <<S
sleep 1500
call sip:alice@$D
wait-answered 10
sleep 1000
hangup
wait-ended 5
S
COMMON="--proxy 127.0.0.1:$PORT --tcp"
# shellcheck disable=SC2086 # COMMON is an option list
bg "$OPENUM" phone --user "sip:alice@$D" --password alice-secret $COMMON \
	--script "$T/alice.script" >"$T/alice.out" 2>&1
ALICE=$LAST_PID
# shellcheck disable=SC2086
bg "$OPENUM" phone --user "sip:bob@$D" --password bob-secret $COMMON \
	--script "$T/bob.script" >"$T/bob.out" 2>&1
BOB=$LAST_PID

# sweep_sipp NAME SCENARIO: 300 requests from 127.0.0.2; every one must succeed
sweep_sipp() {
	(cd "$T" && sipp -sf "$HERE/sipp/$2" -t t1 "127.0.0.1:$PORT" -i 127.0.0.2 -p "$(free_port)" \
		-inf "$T/names.csv" -m 300 -r 100 -l 50 -nostdin -timeout 60s -timeout_error \
		-recv_timeout 5000 -trace_stat -stf "$1.csv" -trace_msg -message_file "$1.msg" \
		-trace_err -error_file "$1.errors.log" >"$1.out" 2>&1) ||
		fail "$1: sipp: $(tail -n 5 "$T/$1.out")"
	ok=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ s = $c["SuccessfulCall(C)"] } END { print s }' "$T/$1.csv")
	[ "$ok" -eq 300 ] || fail "$1: $ok of 300 requests answered as expected"
	echo "ok - $1: 300 requests answered"
}
sweep_sipp options attack_scan_options.xml
sweep_sipp register attack_scan_register.xml

# no enumeration: the 401s to alice and bob look exactly like those to unknown users
python3 - "$T/register.msg" <<'PY' || fail "REGISTER answers differ between users"
import re, sys
text = open(sys.argv[1], errors="replace").read()
shapes = {}
for m in re.finditer(r"SIP/2\.0 (\d{3})[^\n]*\n(.*?)\n\s*\n", text, re.S):
    status, hdrs = m.group(1), m.group(2)
    to = re.search(r"^To:\s*<sip:([^@>]+)@", hdrs, re.M | re.I)
    if not to:
        continue
    user = to.group(1)
    lines = []
    for line in hdrs.splitlines():
        name = line.split(":", 1)[0].strip().lower()
        if name in ("via", "from", "to", "call-id", "cseq", "content-length"):
            continue
        lines.append(re.sub(r'nonce="[^"]*"', 'nonce=""', line.strip()))
    shapes.setdefault(user, set()).add((status, tuple(sorted(lines))))
assert len(shapes) == 300, len(shapes)
distinct = set()
for user, s in shapes.items():
    distinct |= s
assert len(distinct) == 1, (len(distinct), shapes["alice"], shapes["user1"])
assert shapes["alice"] == shapes["user7"] == shapes["bob"] == shapes["199"]
print("one answer shape for all 300 users:", next(iter(distinct))[0])
PY
echo "ok - REGISTER sweep: real and unknown users get the same 401"

# no enumeration by OPTIONS: carol (a user, not registered) answers like unknown names
python3 - "$T/options.msg" <<'PY' || fail "OPTIONS answers tell carol from unknown users"
import re, sys
text = open(sys.argv[1], errors="replace").read()
shapes = {}
for m in re.finditer(r"SIP/2\.0 (\d{3})([^\n]*)\n(.*?)\n\s*\n", text, re.S):
    status, reason, hdrs = m.group(1), m.group(2).strip(), m.group(3)
    if status == "100":
        continue
    to = re.search(r"^To:\s*<sip:([^@>]+)@", hdrs, re.M | re.I)
    if not to:
        continue
    lines = []
    for line in hdrs.splitlines():
        name = line.split(":", 1)[0].strip().lower()
        if name in ("via", "from", "to", "call-id", "cseq", "content-length"):
            continue
        lines.append(line.strip())
    shapes.setdefault(to.group(1), set()).add((status, reason, tuple(sorted(lines))))
for u in ("carol", "user7", "199", "user147"):
    assert u in shapes, u
assert shapes["carol"] == shapes["user7"] == shapes["199"] == shapes["user147"], \
    (shapes["carol"], shapes["user7"])
print("carol and unknown names: the same answer", next(iter(shapes["carol"]))[:2])
PY
echo "ok - OPTIONS sweep: a known but unregistered user looks like an unknown one"

wait "$BOB" || fail "the legitimate call failed (bob)"
wait "$ALICE" || fail "the legitimate call failed (alice)"
grep -q "wait-answered.*ok" "$T/bob.out" || fail "bob's call was not answered"
grep -q "info proxy: call call-id=[^ ]* method=INVITE from=bob@$D to=alice@$D .*result=200" \
	"$T/proxy.log" || fail "no log line for the legitimate call"
echo "ok - the legitimate call went through during the scan"

kill -0 "$PROXY" || fail "the proxy died"
[ "$(metric openum_proxy_requests_total)" -ge 600 ] || fail "requests not counted"
[ "$(metric openum_proxy_registrations_total)" -ge 2 ] || fail "registrations not counted"
[ "$(metric openum_proxy_calls_active)" -eq 0 ] || fail "proxy calls still active"
kill -TERM "$PROXY"
wait "$PROXY" || fail "proxy exit status $?"
echo "integration/attack_scanner: ok"
