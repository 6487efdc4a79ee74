#!/bin/sh
# `openum proxy` against SIPp phones (Debian's sip-tester), with `openum um` as the
# voicemail behind it over mutual TLS:
#  1. registration with digest authentication (SIPp's [authentication]), a call between
#     two SIPp users through the proxy, ACK and BYE along the Record-Route; the callee's
#     Contact names a port nobody listens on, so every request reaches it only over the
#     connection it registered on (its flow); "Contact: *" removes the binding;
#  2. a fork to two contacts of one user: one answers, the other is CANCELled;
#  3. no answer -> voicemail: the UM server records the call as diverted from the
#     callee (call answering), the ringing phone is CANCELled;
#  4. Ms-Sensitivity: private-no-diversion to the same unanswered phone: 408 to the
#     caller, nothing reaches the UM server; to an unregistered user whose calls go to
#     voicemail when unregistered: 480, nothing reaches the UM server.
# SIPp 3.6 computes MD5 digests only and answers the first challenge it gets: the
# proxy runs with --digest md5,sha-256 (its default offers SHA-256 first). -auth_uri:
# the digest uri must be the Request-URI, and SIPp's default is the remote address.
# timeout: 180
set -eu
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
need sipp python3
D=example.com
PW=secret-pw-1

"$OPENUM" certs "$T/pki" >"$T/certs.out" 2>&1 || fail "openum certs"
"$OPENUM" certs "$T/proxy" --ca "$T/pki" --name proxy.openum.test >>"$T/certs.out" 2>&1 ||
	fail "openum certs (proxy)"
export OPENUM_DB="$T/openum.db"
export OPENUM_PASSWORD=$PW
"$OPENUM" user add alice@$D >/dev/null || fail "user add alice"
"$OPENUM" user add carol@$D >/dev/null || fail "user add carol"
"$OPENUM" user add bob@$D --no-answer 1 >/dev/null || fail "user add bob"
"$OPENUM" user add dave@$D --unregistered on >/dev/null || fail "user add dave"
"$OPENUM" mailbox add sip:bob@$D --name Bob --ext 1002 --pin 204862 >/dev/null ||
	fail "mailbox add bob"
"$OPENUM" mailbox add sip:dave@$D --name Dave --ext 1004 --pin 204862 >/dev/null ||
	fail "mailbox add dave"

bg "$OPENUM" um --listen-tcp off --listen-tls 127.0.0.1:0 --cert "$T/pki/server.pem" \
	--key "$T/pki/server.key" --ca "$T/pki/ca.pem" --trusted-peer proxy.openum.test \
	--domain $D --port-file "$T/um.ports" --rtp-ports 41000-41999 2>"$T/um.log"
wait_file "$T/um.ports" 100 "$LAST_PID"
UM_TLS=$(port_of "$T/um.ports" tls)
PORT=$(free_port)
bg "$OPENUM" proxy --domain $D --tcp-port "$PORT" --tls-port 0 \
	--cert "$T/proxy/server.pem" --key "$T/proxy/server.key" --ca "$T/pki/ca.pem" \
	--um-server "127.0.0.1:$UM_TLS" --ring-timeout 3 --digest md5,sha-256 2>"$T/proxy.log"
wait_for 100 grep -q "listening on" "$T/proxy.log" || fail "openum proxy did not start"

# phone NAME USER SCENARIO Q HOLD_MS: a registered SIPp phone in the background that
# answers calls with SCENARIO over its registered connection; waits for its 200. Its
# Contact names a port on which nobody listens (a different one per phone: the same
# Contact twice is one binding, RFC 3261 10.3).
phone() {
	DEAD=$(free_port)
	cd "$T" || exit 1
	exec sipp "127.0.0.1:$PORT" -t t1 -i 127.0.0.1 -p "$(free_port)" -mp 0 -nostdin \
		-sf "$HERE/sipp/proxy_register.xml" -oocsf "$HERE/sipp/$3" -s "$2" \
		-key domain $D -key contact_port "$DEAD" -key q "$4" -au "$2" -ap $PW -auth_uri $D \
		-m 1 -d "$5" -timeout 90s -timeout_error -recv_timeout 10000 \
		-trace_msg -message_file "$1.msg" -trace_err -error_file "$1.err" >"$1.out" 2>&1
}
start_phone() {
	bg phone "$@"
	eval "PHONE_$1=\$LAST_PID"
	wait_for 100 grep -q "^SIP/2.0 200" "$T/$1.msg" || fail "$1 did not register"
}
# end_phone NAME: the phone unregisters (Contact: *) after its hold time and must
# exit 0. stop_phone NAME: it is stopped at once (its trace file has been checked).
end_phone() {
	_p=$(eval echo "\$PHONE_$1")
	wait "$_p" || fail "phone $1: sipp exit status $?: $(tail -n 5 "$T/$1.out")"
}
stop_phone() {
	_p=$(eval echo "\$PHONE_$1")
	kill "$_p" 2>/dev/null || true
	wait "$_p" 2>/dev/null || true
}
# call NAME SCENARIO CALLEE [EXTRA_HEADER]: carol calls; SIPp's exit status must be 0.
call() {
	(cd "$T" && exec sipp "127.0.0.1:$PORT" -t t1 -i 127.0.0.1 -p "$(free_port)" -mp 0 -nostdin \
		-sf "$HERE/sipp/$2" -s "$3" -key domain $D -key caller carol \
		-key extra "${4:-Subject: openum proxy test}" -au carol -ap $PW -auth_uri "$3@$D" -m 1 \
		-timeout 20s -timeout_error -recv_timeout 10000 -trace_msg \
		-message_file "$1.msg" -trace_err -error_file "$1.err" >"$1.out" 2>&1) ||
		fail "call $1: sipp exit status $?"
}
count() { grep -c "$2" "$T/$1.msg" || true; }

# 1. register (digest) + call between two SIPp users over the registered flow.
start_phone alice1 alice proxy_answer.xml 1.0 8000
call c1 proxy_call.xml alice
[ "$(count alice1 '^INVITE sip:alice@127.0.0.1:.*;transport=tcp SIP/2.0')" -eq 1 ] ||
	fail "alice did not get the INVITE over her registered connection"
[ "$(count alice1 '^BYE ')" -eq 1 ] || fail "alice did not get the BYE"
grep -q "^Record-Route: <sip:127.0.0.1:$PORT" "$T/alice1.msg" || fail "no Record-Route"
grep -q "^P-Asserted-Identity: <sip:carol@$D>" "$T/alice1.msg" || fail "no asserted identity"
grep -q "^Proxy-Authorization" "$T/alice1.msg" && fail "credentials passed on to the callee"
end_phone alice1
echo "ok - register with digest, call over the registered flow, Contact: * removal"

# 2. fork: two contacts of alice, one answers, the other is cancelled.
start_phone alice2 alice proxy_answer.xml 1.0 90000
start_phone alice3 alice proxy_ring.xml 0.5 90000
# the second registration's 200 lists both bindings, the second with its q-value
awk '/^SIP\/2.0 200/ { n++ } n == 1 && /^Contact: <sip:alice@/ { c++ }
	n == 1 && /^Contact: .*;q=0\.500/ { q++ } END { exit !(c == 2 && q == 1) }' \
	"$T/alice3.msg" || fail "the registrar did not list both contacts with their q-values"
call c2 proxy_call.xml alice
[ "$(count alice2 '^INVITE ')" -eq 1 ] || fail "fork: first contact not rung"
[ "$(count alice3 '^INVITE ')" -eq 1 ] || fail "fork: second contact not rung"
[ "$(count alice3 '^CANCEL ')" -eq 1 ] || fail "fork: the other branch was not cancelled"
[ "$(count alice3 '^ACK ')" -eq 1 ] || fail "fork: no ACK for the cancelled branch's 487"
[ "$(count alice2 '^BYE ')" -eq 1 ] || fail "fork: the answering contact got no BYE"
stop_phone alice2
stop_phone alice3
echo "ok - fork to two contacts, the other branch CANCELled"

# 3. no answer -> voicemail (bob: --no-answer 1) with Diversion.
start_phone bob1 bob proxy_ring.xml 1.0 90000
call c3 proxy_call.xml bob
[ "$(count bob1 '^CANCEL ')" -eq 1 ] || fail "no-answer: the ringing phone was not cancelled"
wait_for 30 sh -c "'$OPENUM' mailbox log | grep -q 'sip:bob@$D'" ||
	fail "no-answer: the UM server logged no call for bob: $("$OPENUM" mailbox log)"
"$OPENUM" mailbox log >"$T/log1.out"
grep "bob@" "$T/log1.out" | grep -q "call-answering" ||
	fail "no-answer: the UM server did not take it as call answering: $(cat "$T/log1.out")"
grep -q "call to bob@$D -> voicemail on 127.0.0.1:$UM_TLS reason=no-answer" "$T/proxy.log" ||
	fail "no-answer: the proxy did not divert with reason no-answer"
echo "ok - no answer -> voicemail: $(grep "bob@" "$T/log1.out" | head -1)"

# 4. private-no-diversion: never diverted.
before=$(wc -l <"$T/log1.out")
call c4 proxy_call_refused.xml bob "Ms-Sensitivity: private-no-diversion"
grep -q "^SIP/2.0 408" "$T/c4.msg" || fail "private, no answer: expected 408"
[ "$(count bob1 '^CANCEL ')" -eq 2 ] || fail "private: the ringing phone was not cancelled"
call c5 proxy_call_refused.xml dave "Ms-Sensitivity: private-no-diversion"
grep -q "^SIP/2.0 480" "$T/c5.msg" || fail "private, unregistered: expected 480"
sleep 0.5
"$OPENUM" mailbox log >"$T/log2.out"
[ "$(wc -l <"$T/log2.out")" -eq "$before" ] ||
	fail "a private-no-diversion call reached the UM server: $(cat "$T/log2.out")"
[ "$(grep -c -- "-> voicemail" "$T/proxy.log")" -eq 1 ] ||
	fail "the proxy diverted a private-no-diversion call"
stop_phone bob1
echo "ok - private-no-diversion: 408 / 480 to the caller, nothing diverted"
echo "integration/proxy_sipp: ok"
