#!/bin/sh
# Digest brute force against `openum proxy` (SIPp as the attacker, from 127.0.0.2):
# 40 wrong SHA-256 responses for alice. The per-address failure limit engages (403
# "Too many failed authentications"; only the burst of failures is ever verified), the
# attacker's address gets no challenge (so no password can be tried) while it holds, alice
# still registers from another address (127.0.0.1, `openum phone`), the proxy logs
# one line per REGISTER and /metrics counts it all.
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need sipp curl
HERE=$(cd "$(dirname "$0")" && pwd)
D=openum.test
DB=$T/db
for u in alice bob; do
	"$OPENUM" user --db "$DB" add "sip:$u@$D" --password "$u-secret" >/dev/null
done
PORT=$(free_port)
MPORT=$(free_port)
# one more failure allowed every REFILL s after the burst: long enough that no token
# comes back between the attack and the check below, however slow the machine
REFILL=120
bg "$OPENUM" proxy --domain "$D" --db "$DB" --tcp-port "$PORT" --tls-port 0 \
	--auth-refill "$REFILL" --metrics "127.0.0.1:$MPORT" --log-level debug 2>"$T/proxy.log"
PROXY=$LAST_PID
wait_for 100 curl -sf "http://127.0.0.1:$MPORT/metrics" || fail "proxy metrics not up"
metric() { curl -sf "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# 40 guesses, each a different wrong response
{
	echo SEQUENTIAL
	i=0
	while [ $i -lt 40 ]; do
		printf '%s;%064x\n' "$D" "$((i * 7919 + 1))"
		i=$((i + 1))
	done
} >"$T/guesses.csv"
start=$(date +%s)
(cd "$T" && sipp -sf "$HERE/sipp/attack_register_guess.xml" -t t1 "127.0.0.1:$PORT" \
	-i 127.0.0.2 -p "$(free_port)" -s alice -inf "$T/guesses.csv" -m 40 -r 20 -l 10 -nostdin \
	-timeout 30s -timeout_error -recv_timeout 5000 -trace_stat -stf guess.csv \
	-trace_err -error_file guess.errors.log >guess.out 2>&1) ||
	fail "sipp guess: $(tail -n 5 "$T/guess.out")"
elapsed=$(($(date +%s) - start))
ok=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ s = $c["SuccessfulCall(C)"] } END { print s }' "$T/guess.csv")
[ "$ok" -eq 40 ] || fail "$ok of 40 guesses were answered 401 or 403"

fails=$(metric openum_proxy_auth_failures_total)
limited=$(metric openum_proxy_rate_limited_total)
# the burst (10) plus one refill per REFILL s of the attack: never more were verified
max=$((10 + elapsed / REFILL + 1))
if [ "$fails" -lt 10 ] || [ "$fails" -gt "$max" ]; then
	fail "auth failures $fails, expected 10..$max in ${elapsed}s"
fi
[ "$limited" -ge $((40 - max)) ] || fail "rate limited $limited, expected >= $((40 - max))"
grep -q "warn proxy: register .*aor=alice@$D peer=127.0.0.2:[0-9]* transport=TCP trusted=no result=403 (rate limited)" \
	"$T/proxy.log" || fail "no rate-limited REGISTER line in the log"
echo "ok - $fails failures verified, $limited requests rate limited, in ${elapsed}s"

# the limit holds for the attacker's address: 403 at once, no challenge to answer
(cd "$T" && sipp -sf "$HERE/sipp/attack_register_limited.xml" -t t1 "127.0.0.1:$PORT" \
	-i 127.0.0.2 -p "$(free_port)" -s alice -m 1 -nostdin \
	-timeout 20s -timeout_error -recv_timeout 5000 -trace_err \
	-error_file right.errors.log >right.out 2>&1) ||
	fail "the attacker's address was not refused: $(tail -n 5 "$T/right.out")"
echo "ok - the attacker's address gets 403 without a challenge"

# alice, from another address, registers
printf 'wait-registered 5\n' >"$T/reg.script"
"$OPENUM" phone --user "sip:alice@$D" --password alice-secret --proxy "127.0.0.1:$PORT" \
	--tcp --script "$T/reg.script" >"$T/alice.out" 2>&1 || fail "alice could not register"
grep -q "info proxy: register .*aor=alice@$D peer=127.0.0.1:[0-9]* transport=TCP trusted=no result=200" \
	"$T/proxy.log" || fail "no log line for alice's registration"
[ "$(metric openum_proxy_registrations_total)" -ge 1 ] || fail "registration not counted"
echo "ok - alice registers from 127.0.0.1 during the lockout of 127.0.0.2"

kill -0 "$PROXY" || fail "the proxy died"
kill -TERM "$PROXY"
wait "$PROXY" || fail "proxy exit status $?"
echo "integration/attack_digest_bruteforce: ok"
