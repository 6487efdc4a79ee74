#!/bin/sh
# contrib/kamailio/openum.cfg with real processes: Debian's Kamailio as registrar and
# proxy in front of `openum um` (mutual TLS: Kamailio presents a client certificate made
# by `openum certs`, named on --trusted-peer), `openum phone` and SIPp as the phones:
#  1. registration with digest (auth_db on db_text, HA1 only): a wrong password does not
#     register, the right one does;
#  2. bob calls alice over TCP, she does not answer: after RING_MS Kamailio cancels her
#     phone and sends the call to sip:alice@DOMAIN;opaque=app:voicemail with a Diversion;
#     the UM server takes it as call answering and stores bob's message, reason no-answer;
#  3. the same call with Ms-Sensitivity: private-no-diversion (SIPp): 408 to the caller,
#     nothing reaches the UM server; an unknown Ms-Sensitivity: 400;
#  4. alice not registered: the call goes to voicemail at once, reason unavailable;
#  5. alice busy (a SIPp phone answers 486): voicemail, reason user-busy;
#  6. skip-pin: bob (not the owner) calls alice's mailbox over TLS with
#     Ms-Exchange-Command: skip-pin: stripped, the PIN is asked; alice over TCP: stripped;
#     alice over TLS, authenticated as the owner: kept, the UM server skips the PIN;
#  7. message waiting: alice's SUBSCRIBE reaches the UM server and its NOTIFY her phone;
#     bob's SUBSCRIBE for alice's mailbox: 403 from Kamailio.
# Kamailio runs unprivileged in $T: foreground, own pid file, random ports.
# timeout: 300
# shellcheck source-path=SCRIPTDIR disable=SC1091,SC2016
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=kamailio/lib.sh
. "$(dirname "$0")/kamailio/lib.sh"
need sipp
kam_need_module auth_db
HERE=$(cd "$(dirname "$0")" && pwd)
KAMAILIO_CFG="$HERE/../../contrib/kamailio/openum.cfg"
D=openum.test
PW_A=alice-pw-7391
PW_B=bob-pw-2284

kam_certs
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@$D --name Alice --ext 1001 --pin 204862 >/dev/null ||
	fail "mailbox add alice"
"$OPENUM" mailbox add sip:bob@$D --name Bob --ext 1002 --pin 204862 >/dev/null ||
	fail "mailbox add bob"

# Kamailio's subscriber table (db_text): HA1 = md5(user:realm:password), no clear text
kam_subscribers $D "alice:$PW_A" "bob:$PW_B"

# a 440 Hz tone, bob's microphone
python3 - "$T/tone.wav" <<'PY' || fail "tone"
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1)
w.setsampwidth(2)
w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
                       for i in range(8000 * 10)))
PY

bg "$OPENUM" um --listen-tcp off --listen-tls 127.0.0.1:0 --cert "$T/pki/server.pem" \
	--key "$T/pki/server.key" --ca "$T/pki/ca.pem" --trusted-peer kamailio.openum.test \
	--domain $D --max-message-seconds 3 --port-file "$T/um.ports" 2>"$T/um.log"
wait_file "$T/um.ports" 100 "$LAST_PID"
UM_TLS=$(port_of "$T/um.ports" tls)

kam_tls_cfg yes
kam_start "$KAMAILIO_CFG" -A "DOMAIN=\"$D\"" \
	-A "UM_URI=\"sip:127.0.0.1:$UM_TLS;transport=tls\"" -A "TLS_CFG=\"$T/tls.cfg\"" \
	-A "DBURL=\"text://$T/db\"" -A RING_MS=3000

# phone NAME USER PASSWORD tcp|tls SCRIPT [ARGS...]: `openum phone` through Kamailio
# running SCRIPT (a file in $T), output in $T/NAME.out; it subscribes to message
# waiting only when MWI is set
MWI=""
phone() {
	_n=$1 _u=$2 _p=$3 _t=$4 _s=$5
	shift 5
	if [ "$_t" = tcp ]; then
		set -- --tcp --proxy "127.0.0.1:$KAM_TCP" "$@"
	else
		set -- --proxy "127.0.0.1:$KAM_TLS" --ca "$T/pki/ca.pem" "$@"
	fi
	[ -n "$MWI" ] || set -- --no-mwi "$@"
	"$OPENUM" phone --user "sip:$_u@$D" --password "$_p" --script "$T/$_s" "$@" >"$T/$_n.out" 2>&1
}
rows() { "$OPENUM" mailbox log --limit 0 | tail -n +2 | grep -c . || true; }
last_row() { "$OPENUM" mailbox log --limit 1 | tail -n +2 | head -1; }
# wait_rows N: the UM server has logged N calls
wait_rows() {
	wait_for 150 sh -c '[ "$("$1" mailbox log --limit 0 | tail -n +2 | grep -c .)" -ge "$2" ]' \
		sh "$OPENUM" "$1" || fail "the UM server logged $(rows) calls, expected $1"
}

# wait_registered N: alice's Nth phone since the first check registered (Kamailio logs
# every REGISTER it saved; each earlier phone registered and unregistered)
wait_registered() {
	wait_for 100 sh -c '[ "$(grep -c "openum: REGISTER sip:alice@$2 .* done" "$1")" -ge "$3" ]' \
		sh "$T/kamailio.log" "$D" "$((2 * $1 + 1))" || fail "alice's phone did not register"
}

# 1. digest registration
printf 'wait-registered 5\n' >"$T/reg.script"
if phone badreg alice wrong-password tcp reg.script; then
	fail "alice registered with a wrong password"
fi
grep -q "wait-registered 5: ok" "$T/badreg.out" && fail "registered with a wrong password"
phone reg alice "$PW_A" tcp reg.script || fail "alice did not register: $(cat "$T/reg.out")"
echo "ok - digest registration: wrong password refused, right one registered"

# 2. no answer -> voicemail with Diversion
cat >"$T/ring.script" <<'EOS'
wait-call 20
expect-header From bob@openum\.test
expect-header P-Asserted-Identity <sip:bob@openum\.test>
wait-ended 20
EOS
bg phone alice1 alice "$PW_A" tcp ring.script
ALICE=$LAST_PID
wait_registered 1
cat >"$T/call.script" <<'EOS'
call sip:alice@openum.test
wait-answered 20
wait-ended 30
EOS
phone bob1 bob "$PW_B" tcp call.script --play "$T/tone.wav" ||
	fail "bob's call: $(cat "$T/bob1.out")"
wait "$ALICE" || fail "alice's phone did not ring and stop: $(cat "$T/alice1.out")"
wait_rows 1
l=$(last_row)
echo "$l" | grep -q "call-answering.*sip:alice@$D" || fail "expected call answering for alice: $l"
echo "$l" | grep -q "message of [1-9][0-9]* ms" || fail "no message recorded: $l"
"$OPENUM" mailbox show "alice@$D" >"$T/show.out" || fail "openum mailbox show"
grep -q "sip:bob@$D.*no-answer\|no-answer.*sip:bob@$D" "$T/show.out" ||
	fail "no message from bob with reason no-answer: $(cat "$T/show.out")"
grep -q "call to alice@$D -> voicemail reason=no-answer" "$T/kamailio.log" ||
	fail "Kamailio did not log the diversion"
echo "ok - no answer -> voicemail with Diversion: $l"

# 3. Ms-Sensitivity: no diversion
bg phone alice2 alice "$PW_A" tcp ring.script
ALICE=$LAST_PID
wait_registered 2
# sipp_call NAME SCENARIO EXTRA_HEADER: bob calls alice over TCP
sipp_call() {
	(cd "$T" && exec sipp "127.0.0.1:$KAM_TCP" -t t1 -i 127.0.0.1 -p "$(free_port)" -mp 0 -nostdin \
		-sf "$HERE/sipp/$2" -s alice -key domain $D -key caller bob -key extra "$3" \
		-au bob -ap "$PW_B" -auth_uri "alice@$D" -m 1 -timeout 20s -timeout_error \
		-recv_timeout 10000 -trace_msg -message_file "$1.msg" >"$1.out" 2>&1)
}
sipp_call priv proxy_call_refused.xml "Ms-Sensitivity: private-no-diversion" ||
	fail "private-no-diversion call: sipp exit status $?"
grep -q "^SIP/2.0 408" "$T/priv.msg" || fail "private-no-diversion, no answer: expected 408"
wait "$ALICE" || fail "alice's phone did not ring for the private call: $(cat "$T/alice2.out")"
sleep 0.5
[ "$(rows)" -eq 1 ] || fail "a private-no-diversion call reached the UM server: $(last_row)"
grep -q "not diverted (Ms-Sensitivity private-no-diversion)" "$T/kamailio.log" ||
	fail "Kamailio did not log the refused diversion"
if sipp_call bad proxy_call_refused.xml "Ms-Sensitivity: secret"; then
	fail "an unknown Ms-Sensitivity was accepted"
fi
grep -q "^SIP/2.0 400 Unknown Ms-Sensitivity" "$T/bad.msg" ||
	fail "unknown Ms-Sensitivity: expected 400"
echo "ok - private-no-diversion: 408, not diverted; unknown value: 400"

# 4. alice not registered: voicemail at once, reason unavailable (SIPp answers the
# UM server's 200, hangs up after 0.5 s)
sipp_call unreg proxy_call.xml "Subject: openum kamailio test" ||
	fail "call to unregistered alice: sipp exit status $?"
wait_rows 2
l=$(last_row)
echo "$l" | grep -q "call-answering.*sip:alice@$D" || fail "expected call answering for alice: $l"
grep -q "call to alice@$D -> voicemail reason=unavailable" "$T/kamailio.log" ||
	fail "Kamailio did not divert the call to unregistered alice"
echo "ok - alice not registered -> voicemail, reason unavailable: $l"

# 5. alice busy (a SIPp phone registered with digest answers 486): voicemail, user-busy
(cd "$T" && exec sipp "127.0.0.1:$KAM_TCP" -t t1 -i 127.0.0.1 -p "$(free_port)" -mp 0 -nostdin \
	-sf "$HERE/sipp/proxy_register.xml" -oocsf "$HERE/sipp/kam_callee_busy.xml" -s alice \
	-key domain $D -key contact_port "$(free_port)" -key q 1.0 -au alice -ap "$PW_A" \
	-auth_uri $D -m 1 -d 60000 -timeout 90s -recv_timeout 10000 -trace_msg \
	-message_file busy_phone.msg >busy_phone.out 2>&1) &
BUSY=$!
PIDS="$PIDS $BUSY"
wait_registered 3
sipp_call busy proxy_call.xml "Subject: openum kamailio test" ||
	fail "call to busy alice: sipp exit status $?"
grep -q "^SIP/2.0 486" "$T/busy_phone.msg" || fail "alice's SIPp phone did not answer 486"
wait_rows 3
l=$(last_row)
echo "$l" | grep -q "call-answering.*sip:alice@$D" || fail "expected call answering for alice: $l"
grep -q "call to alice@$D -> voicemail reason=user-busy" "$T/kamailio.log" ||
	fail "Kamailio did not divert the busy call"
kill "$BUSY" 2>/dev/null || true
wait "$BUSY" 2>/dev/null || true
echo "ok - alice busy (486) -> voicemail, reason user-busy: $l"

# 6. skip-pin gatekeeping
cat >"$T/vm.script" <<'EOS'
voicemail sip:alice@openum.test
wait-answered 20
wait-prompt 20
hangup
EOS
cat >"$T/own.script" <<'EOS'
voicemail
wait-answered 20
wait-prompt 20
hangup
EOS
phone vm_bob bob "$PW_B" tls vm.script || fail "bob's voicemail call: $(cat "$T/vm_bob.out")"
wait_rows 4
l=$(last_row)
echo "$l" | grep -q "subscriber-access.*sip:alice@$D\|sip:alice@$D.*subscriber-access" ||
	fail "bob's call to alice's mailbox is not subscriber access: $l"
# the header never reached the UM server (skip-pin column "-", not "asked")
echo "$l" | grep -q " yes  *-  *sip:alice@$D" || fail "bob's skip-pin reached the UM server: $l"
echo "$l" | grep -q "PIN prompt" || fail "bob's call: PIN not asked: $l"
grep -q "Ms-Exchange-Command removed .*caller bob is not the mailbox owner" "$T/kamailio.log" ||
	fail "Kamailio did not say why it removed bob's skip-pin"
echo "ok - skip-pin from bob for alice's mailbox stripped: $l"

phone vm_tcp alice "$PW_A" tcp own.script --skip-pin-anyway ||
	fail "alice's TCP voicemail call: $(cat "$T/vm_tcp.out")"
wait_rows 5
l=$(last_row)
echo "$l" | grep -q " yes  *-  *sip:alice@$D" || fail "skip-pin over TCP reached the UM server: $l"
echo "$l" | grep -q "PIN prompt" || fail "alice over TCP: PIN not asked: $l"
grep -q "Ms-Exchange-Command removed .*owner not over TLS" "$T/kamailio.log" ||
	fail "Kamailio did not say why it removed alice's skip-pin over TCP"
echo "ok - skip-pin from the owner over TCP stripped: $l"

phone vm_tls alice "$PW_A" tls own.script || fail "alice's TLS voicemail call: $(cat "$T/vm_tls.out")"
wait_rows 6
l=$(last_row)
echo "$l" | grep -q "subscriber-access skip-pin .*TLS .* yes  *asked  *sip:alice@$D" ||
	fail "the owner over TLS, through trusted Kamailio, did not skip the PIN: $l"
echo "ok - skip-pin from the owner over TLS kept: $l"

# 7. message waiting through Kamailio: alice's SUBSCRIBE reaches the UM server, whose
# NOTIFYs come back over her registered flow (bob's message waits); bob asking for
# alice's mailbox: 403
printf 'wait-mwi yes 15\n' >"$T/mwi.script"
MWI=1
phone mwi_alice alice "$PW_A" tcp mwi.script ||
	fail "alice's message-waiting subscription: $(cat "$T/mwi_alice.out")"
printf 'wait-mwi failed:403 15\n' >"$T/mwi403.script"
phone mwi_bob bob "$PW_B" tls mwi403.script --mwi-account "sip:alice@$D" ||
	fail "bob subscribed to alice's mailbox: $(cat "$T/mwi_bob.out")"
grep -q "openum: message-summary SUBSCRIBE for sip:alice@$D by bob refused" "$T/kamailio.log" ||
	fail "the 403 to bob's SUBSCRIBE did not come from Kamailio's owner check"
echo "ok - message waiting through Kamailio: the owner's NOTIFY says yes, bob gets 403"

kam_stop
echo "integration/$TEST_NAME: ok"
