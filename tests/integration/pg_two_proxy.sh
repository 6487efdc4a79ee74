#!/bin/sh
# timeout: 240
# Two `openum proxy` processes share one PostgreSQL store (issue 8; docs/proxy.md "Live
# location on a shared store"): the location is read from the store when a call
# arrives, not only at start. Both proxies start before anyone registers, so what B
# finds came through A.
#  1. alice (a SIPp phone listening on its Contact port) registers through proxy A;
#     carol calls alice through proxy B: B connects to alice's Contact (the registered
#     flow is on A), alice answers, ACK and BYE follow B's Record-Route.
#  2. alice unregisters through A (Contact: *); carol's next call through B gets 480:
#     a removed binding is not used.
#  3. bob registers through B with a Contact on which nobody listens; carol's call
#     through B reaches him over the connection he registered on (flow reuse still
#     holds when the binding comes from the store, and B reads its own REGISTER).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
[ -n "${OPENUM_TEST_PG:-}" ] || exec "$HERE/../pg/with-postgres.sh" "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"
need sipp python3 curl
D=openum.test
PW=secret-pw-2
DB=$OPENUM_TEST_PG
for u in alice bob carol; do
	"$OPENUM" user --db "$DB" add "$u@$D" --password "$PW" >"$T/user.out" 2>&1 ||
		fail "user add against PostgreSQL: $(cat "$T/user.out")"
done
PA=$(free_port)
PB=$(free_port)
MA=$(free_port)
MB=$(free_port)
bg "$OPENUM" proxy --domain "$D" --db "$DB" --tcp-port "$PA" --tls-port 0 \
	--digest md5 --metrics "127.0.0.1:$MA" 2>"$T/proxyA.log"
wait_for 150 curl -sf "http://127.0.0.1:$MA/metrics" || fail "proxy A did not start"
bg "$OPENUM" proxy --domain "$D" --db "$DB" --tcp-port "$PB" --tls-port 0 \
	--digest md5 --metrics "127.0.0.1:$MB" 2>"$T/proxyB.log"
wait_for 150 curl -sf "http://127.0.0.1:$MB/metrics" || fail "proxy B did not start"

# ---- 1. register through A, call through B ------------------------------------------
# alice registers with A for 600 s from port LP, names LP in her Contact, answers what
# arrives there (-oocsf), and after 6 s removes her bindings (Contact: *) through A
LP=$(free_port)
alice() {
	cd "$T" || exit 1
	exec sipp "127.0.0.1:$PA" -t t1 -i 127.0.0.1 -p "$LP" -mp 0 -nostdin \
		-sf "$HERE/sipp/proxy_register.xml" -oocsf "$HERE/sipp/proxy_answer.xml" -s alice \
		-key domain $D -key contact_port "$LP" -key q 1.0 -au alice -ap $PW -auth_uri $D \
		-m 1 -d 6000 -timeout 60s -timeout_error -recv_timeout 10000 \
		-trace_msg -message_file alice.msg -trace_err -error_file alice.err >alice.out 2>&1
}
bg alice
ALICE=$LAST_PID
wait_for 100 grep -q "^SIP/2.0 200" "$T/alice.msg" || fail "alice did not register through A"
# call NAME SCENARIO [CALLEE]: carol calls alice (or CALLEE) through proxy B; SIPp's
# exit status must be 0
call() {
	(cd "$T" && exec sipp "127.0.0.1:$PB" -t t1 -i 127.0.0.1 -p "$(free_port)" -mp 0 \
		-nostdin -sf "$HERE/sipp/$2" -s "${3:-alice}" -key domain $D -key caller carol \
		-key extra "Subject: two proxies" -au carol -ap $PW -auth_uri "${3:-alice}@$D" -m 1 \
		-timeout 20s -timeout_error -recv_timeout 10000 -trace_msg \
		-message_file "$1.msg" -trace_err -error_file "$1.err" >"$1.out" 2>&1) ||
		fail "call $1: sipp exit status $?"
}
call c1 proxy_call.xml
grep -q "^INVITE sip:alice@127.0.0.1:$LP;transport=tcp SIP/2.0" "$T/alice.msg" ||
	fail "alice did not get the INVITE at her Contact"
grep -q "^Record-Route: <sip:127.0.0.1:$PB" "$T/alice.msg" ||
	fail "the INVITE did not come through proxy B"
grep -q "^BYE " "$T/alice.msg" || fail "alice did not get the BYE"
grep -q "aor=alice@$D" "$T/proxyB.log" && fail "alice registered through B after all"
echo "ok - registered through proxy A, called through proxy B: answered"

# ---- 2. removed through A: B does not use the binding ----------------------------------
wait "$ALICE" || fail "alice's SIPp failed: $(tail -n 5 "$T/alice.out")"
grep -q "aor=alice@$D .*result=200 (0 contact(s))" "$T/proxyA.log" ||
	fail "alice's bindings were not removed through A"
call c2 proxy_call_refused.xml
grep -q "^SIP/2.0 480" "$T/c2.msg" || fail "after the removal: expected 480"
echo "ok - removed through proxy A: proxy B answers 480"

# ---- 3. registered through B: the call uses bob's connection -----------------------
DEAD=$(free_port)
bob() {
	cd "$T" || exit 1
	exec sipp "127.0.0.1:$PB" -t t1 -i 127.0.0.1 -p "$(free_port)" -mp 0 -nostdin \
		-sf "$HERE/sipp/proxy_register.xml" -oocsf "$HERE/sipp/proxy_answer.xml" -s bob \
		-key domain $D -key contact_port "$DEAD" -key q 1.0 -au bob -ap $PW -auth_uri $D \
		-m 1 -d 15000 -timeout 60s -timeout_error -recv_timeout 10000 \
		-trace_msg -message_file bob.msg -trace_err -error_file bob.err >bob.out 2>&1
}
bg bob
BOB=$LAST_PID
wait_for 100 grep -q "^SIP/2.0 200" "$T/bob.msg" || fail "bob did not register through B"
call c3 proxy_call.xml bob
grep -q "^INVITE sip:bob@127.0.0.1:$DEAD;transport=tcp SIP/2.0" "$T/bob.msg" ||
	fail "bob did not get the INVITE over his registered connection"
wait "$BOB" || fail "bob's SIPp failed: $(tail -n 5 "$T/bob.out")"
echo "ok - registered through proxy B: the call went over bob's own connection"
echo "integration/pg_two_proxy: ok"
