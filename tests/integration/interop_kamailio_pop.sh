#!/bin/sh
# Play-On-Phone through contrib/kamailio/openum.cfg (issue 7): Kamailio knows the UM
# server by the subject CN of its TLS client certificate (UM_CN), so the UM server's
# certificate is made with `openum certs --cn um.openum.test`. alice's `openum phone`
# registers to Kamailio over TLS and appears offline; the web service asks for Play on
# phone; the UM server dials sip:alice@openum.test through Kamailio (--outbound, TLS,
# presenting that certificate): Kamailio takes it without a digest challenge, her
# offline phone rings (it declines everything but From == To == her address) with
# Ms-Sensitivity: private-no-diversion; she does not answer: after RING_MS Kamailio
# ends the attempt and does not divert to voicemail (no "-> voicemail" line, no
# call-answering row); the web service says the call was not answered.
# Then the same with a UM certificate whose CN is localhost (the old `openum certs`
# default): Kamailio challenges the UM server's INVITE, nothing rings.
# timeout: 180
# shellcheck source-path=SCRIPTDIR disable=SC1091,SC2016
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=kamailio/lib.sh
. "$(dirname "$0")/kamailio/lib.sh"
need curl jq sox
kam_need_module auth_db
HERE=$(cd "$(dirname "$0")" && pwd)
KAMAILIO_CFG="$HERE/../../contrib/kamailio/openum.cfg"
D=openum.test
PW_A=alice-pw-5150
PIN=204862

kam_certs
"$OPENUM" certs "$T/um" --ca "$T/pki" --cn um.openum.test --san DNS:um.openum.test \
	>/dev/null || fail "openum certs --cn (UM server)"
"$OPENUM" certs "$T/um0" --ca "$T/pki" >/dev/null || fail "openum certs (CN localhost)"
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@$D --name Alice --ext 1001 --pin $PIN >/dev/null ||
	fail "mailbox add alice"
sox -n -r 8000 -c 1 -b 16 "$T/msg.wav" synth 2 sine 440 || fail "sox"
"$OPENUM" mailbox import sip:alice@$D "$T/msg.wav" --caller sip:bob@$D >/dev/null ||
	fail "mailbox import"

kam_subscribers $D "alice:$PW_A"
kam_tls_cfg yes
kam_ports

# start_um CERTDIR NAME: the UM server with that certificate, Play-On-Phone through
# Kamailio's TLS port; sets UM_PID, UM_TLS, WEB
start_um() {
	bg "$OPENUM" um --listen-tcp off --listen-tls 127.0.0.1:0 --cert "$T/$1/server.pem" \
		--key "$T/$1/server.key" --ca "$T/pki/ca.pem" --trusted-peer kamailio.openum.test \
		--domain $D --web 127.0.0.1:0 --outbound "127.0.0.1:$KAM_TLS" \
		--port-file "$T/$2.ports" 2>"$T/$2.log"
	UM_PID=$LAST_PID
	wait_file "$T/$2.ports" 100 "$UM_PID"
	UM_TLS=$(port_of "$T/$2.ports" tls)
	WEB=$(port_of "$T/$2.ports" web)
}
start_um um um
kam_start "$KAMAILIO_CFG" -A "DOMAIN=\"$D\"" \
	-A "UM_URI=\"sip:127.0.0.1:$UM_TLS;transport=tls\"" -A 'UM_CN="um.openum.test"' \
	-A "TLS_CFG=\"$T/tls.cfg\"" -A "DBURL=\"text://$T/db\"" -A RING_MS=4000

# alice's phone over TLS, offline: only a Play-On-Phone call rings
# phone_alice NAME SCRIPT
phone_alice() {
	bg "$OPENUM" phone --user "sip:alice@$D" --password "$PW_A" --proxy "127.0.0.1:$KAM_TLS" \
		--ca "$T/pki/ca.pem" --no-mwi --presence offline --script "$T/$2" >"$T/$1.out" 2>&1
	PHONE=$LAST_PID
	wait_for 150 grep -q 'wait-registered: ok' "$T/$1.out" ||
		fail "alice's phone did not register to Kamailio: $(cat "$T/$1.out")"
}
# pop: logs on to the web service as alice and asks for Play on phone; sets CALL
pop() {
	B="https://127.0.0.1:$WEB"
	C="curl -sf --cacert $T/pki/ca.pem"
	$C -c "$T/jar" -H 'Content-Type: application/json' \
		-d "{\"address\":\"alice@$D\",\"pin\":\"$PIN\"}" "$B/api/v1/session" >"$T/s.json" ||
		fail "web logon failed"
	CSRF=$(jq -r .csrf_token "$T/s.json")
	MSG=$($C -b "$T/jar" "$B/api/v1/messages" | jq -r '.messages[0].id')
	case "$MSG" in "" | null) fail "no message in alice's mailbox" ;; esac
	CALL=$($C -b "$T/jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
		-d "{\"message_id\":$MSG}" "$B/api/v1/play-on-phone" | jq -r .call_id)
	case "$CALL" in "" | null) fail "play-on-phone refused" ;; esac
}
# follow: polls the call until Disconnected; sets SEEN and J (the last answer)
follow() {
	SEEN="" _i=0
	while :; do
		J=$($C -b "$T/jar" "$B/api/v1/calls/$CALL") || fail "calls API"
		_s=$(echo "$J" | jq -r .state)
		case " $SEEN " in *" $_s "*) ;; *) SEEN="$SEEN $_s" ;; esac
		[ "$_s" = Disconnected ] && break
		_i=$((_i + 1))
		[ $_i -gt 600 ] && fail "the Play-On-Phone call never ended (states:$SEEN)"
		sleep 0.1
	done
}

# 1. UM server known by CN: the call rings alice's offline phone, no diversion
cat >"$T/ring.script" <<'EOS'
wait-registered
wait-call 30
expect-header From ^"?[^<]*"? *<sip:alice@openum\.test>
expect-header To ^<sip:alice@openum\.test>
expect-header Ms-Sensitivity ^private-no-diversion$
wait-ended 30
print-state
EOS
phone_alice alice1 ring.script
pop
follow
wait "$PHONE" || fail "alice's offline phone did not ring for Play-On-Phone: $(cat "$T/alice1.out")"
cause=$(echo "$J" | jq -r '.cause + " " + (.sip_code|tostring)')
case "$cause" in NoAnswer*) ;; *) fail "Play-On-Phone ended with '$cause', expected NoAnswer ($J)" ;; esac
grep -q "voicemail" "$T/kamailio.log" &&
	fail "Kamailio diverted the Play-On-Phone call: $(grep voicemail "$T/kamailio.log")"
if "$OPENUM" mailbox log --limit 0 | grep -q call-answering; then
	fail "a call-answering call reached the UM server"
fi
"$OPENUM" mailbox log --limit 1 | grep -q play-on-phone || fail "no play-on-phone row in the call log"
grep -q "Ms-Sensitivity: ok: private-no-diversion" "$T/alice1.out" || fail "no Ms-Sensitivity check"
echo "ok - UM server (CN um.openum.test) -> Kamailio -> alice's offline phone: rang, From == To, private-no-diversion; not answered: $cause, no voicemail (states:$SEEN)"

# 2. a UM certificate with CN localhost: Kamailio does not know it and challenges
kill "$UM_PID"
wait "$UM_PID" 2>/dev/null || true
start_um um0 um0
cat >"$T/quiet.script" <<'EOS'
wait-registered
wait-call 8
EOS
phone_alice alice2 quiet.script
pop
follow
if wait "$PHONE"; then
	fail "alice's phone rang for a UM server Kamailio does not know: $(cat "$T/alice2.out")"
fi
grep -q "wait-call: FAIL: no call came" "$T/alice2.out" || fail "alice's phone: $(cat "$T/alice2.out")"
cause=$(echo "$J" | jq -r '.cause + " " + (.sip_code|tostring)')
case "$cause" in *" 407") ;; *) fail "expected Kamailio's 407 challenge, the call ended '$cause'" ;; esac
echo "ok - UM server with CN localhost: Kamailio challenged its INVITE (407), nothing rang"
echo "integration/$TEST_NAME: ok"
