#!/bin/sh
# timeout: 240
# Two `openum proxy` processes share one PostgreSQL store (issue 8; docs/proxy.md "Live
# location"): the location is read from the store when a call arrives, not only at
# start. Proxy B starts before anyone registers, so what it finds came through A.
#  1. alice registers through proxy A; bob (registered through B) calls alice through B:
#     the call reaches alice's phone and is answered; B logs result=200.
#  2. alice's phone unregisters through A; a second call from bob through B gets 480:
#     a removed binding is not used (B never had it in memory).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
[ -n "${OPENUM_TEST_PG:-}" ] || exec "$HERE/../pg/with-postgres.sh" "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"
need python3 curl
D=openum.test
DB=$OPENUM_TEST_PG
for u in alice bob; do
	"$OPENUM" user --db "$DB" add "sip:$u@$D" --password "$u-secret" >"$T/user.out" 2>&1 ||
		fail "user add against PostgreSQL: $(cat "$T/user.out")"
done
PA=$(free_port)
PB=$(free_port)
MA=$(free_port)
MB=$(free_port)
bg "$OPENUM" proxy --domain "$D" --db "$DB" --tcp-port "$PA" --tls-port 0 \
	--metrics "127.0.0.1:$MA" 2>"$T/proxyA.log"
wait_for 150 curl -sf "http://127.0.0.1:$MA/metrics" || fail "proxy A did not start"
bg "$OPENUM" proxy --domain "$D" --db "$DB" --tcp-port "$PB" --tls-port 0 \
	--metrics "127.0.0.1:$MB" 2>"$T/proxyB.log"
wait_for 150 curl -sf "http://127.0.0.1:$MB/metrics" || fail "proxy B did not start"

# ---- 1. register through A, call through B ----------------------------------------
cat >"$T/alice.script" <<S
wait-call 30
answer
wait-ended 30
S
bg "$OPENUM" phone --user "sip:alice@$D" --password alice-secret --proxy "127.0.0.1:$PA" \
	--tcp --no-mwi --script "$T/alice.script" >"$T/alice.out" 2>&1
ALICE=$LAST_PID
wait_for 150 grep -q "register call-id=.* aor=alice@$D .*result=200" "$T/proxyA.log" ||
	fail "alice did not register through proxy A"
cat >"$T/bob.script" <<S
call sip:alice@$D
wait-answered 15
sleep 500
hangup
wait-ended 5
S
"$OPENUM" phone --user "sip:bob@$D" --password bob-secret --proxy "127.0.0.1:$PB" --tcp \
	--no-mwi --script "$T/bob.script" >"$T/bob.out" 2>&1 || fail "bob's call through B failed"
wait "$ALICE" || fail "alice's phone (registered through A) did not get the call"
grep -q "info proxy: call call-id=[^ ]* method=INVITE from=bob@$D to=alice@$D .*result=200" \
	"$T/proxyB.log" || fail "proxy B did not log the answered call"
grep -q "aor=alice@$D" "$T/proxyB.log" && fail "alice registered through B after all"
echo "ok - registered through proxy A, called through proxy B: answered"

# ---- 2. unregistered through A: B does not use the removed binding -------------------
wait_for 100 grep -q "register call-id=.* aor=alice@$D .*result=200 (0 contact(s))" \
	"$T/proxyA.log" || fail "alice's phone did not unregister through A"
cat >"$T/bob2.script" <<S
call sip:alice@$D
wait-ended 15
expect-status 480
S
"$OPENUM" phone --user "sip:bob@$D" --password bob-secret --proxy "127.0.0.1:$PB" --tcp \
	--no-mwi --script "$T/bob2.script" >"$T/bob2.out" 2>&1 || true
grep -q "expect-status 480: ok\|line 3: .*ok" "$T/bob2.out" ||
	fail "the call after alice unregistered did not end with 480"
grep -q "info proxy: call call-id=[^ ]* method=INVITE from=bob@$D to=alice@$D .*result=480" \
	"$T/proxyB.log" || fail "proxy B did not answer 480 after alice unregistered"
echo "ok - unregistered through proxy A: proxy B answers 480"
echo "integration/pg_two_proxy: ok"
