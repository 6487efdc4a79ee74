# Shared setup for the baresip interop tests (sourced after tests/integration/lib.sh;
# not a test of its own: the integration glob does not descend into this folder).
#   start_openum NOANSWER: certificates, users alice and bob of openum.test (alice
#     forwards to voicemail after NOANSWER seconds of ringing, or when not registered),
#     alice's mailbox, then `openum um` and `openum proxy` with mutual TLS between them.
#     The UM server's certificate names it um.openum.test (CN and SAN); the proxy
#     trusts it (--trusted-peer) for its Play-On-Phone calls, which it sends through
#     the proxy's TLS port (--outbound); its web service listens on WEB (HTTPS, CA
#     $T/pki/ca.pem).
#     Sets DB, PROXY_TCP, PROXY_TLS, UM_TLS, WEB. The proxy offers MD5 digest only: baresip
#     1.0.0 (libre) gives up at the first challenge whose algorithm it lacks, and the
#     default offers SHA-256 first (docs/interop.md).
#     The UM server records messages of at most 4 s, then hangs up.
#   start_baresip NAME USER PASSWORD [ACCOUNT_PARAMS]: a headless baresip in $T/NAME
#     (its microphone: 60 s of silence, or of a 440 Hz tone when BS_AUDIO=tone;
#     over TLS when BS_TRANSPORT=tls; BS_ARGS: more baresip arguments, -s traces SIP;
#     BS_MWI=1 loads the mwi module; BS_NETIF=127.0.0.1 pins baresip to that address:
#     1.0.0 takes an address there, "lo" fails with "could not get network address")
#     registering USER@openum.test to the proxy over TCP, driven through ctrl_tcp by
#     baresip/ctl.py; its events are appended to $T/NAME/events (JSON lines).
#   bs NAME COMMAND [PARAMS]: one ctrl_tcp command to baresip NAME.
#   wait_count NAME TYPE N [TENTHS]: wait until baresip NAME reported N TYPE events.
#   wait_registered NAME: poll baresip's registration state until it is OK.
#   last_log / log_rows: the newest row / the number of rows of the UM call log.
# shellcheck shell=sh disable=SC2034,SC2016
CTL="$(dirname "$0")/baresip/ctl.py"
DOMAIN=openum.test
ALICE_PIN=246813
ALICE_PW=alice-interop-pw
BOB_PW=bob-interop-pw

start_openum() {
	need baresip python3 sox
	"$OPENUM" certs "$T/pki" >/dev/null || fail "openum certs"
	"$OPENUM" certs "$T/pproxy" --ca "$T/pki" --name proxy.openum.test >/dev/null ||
		fail "openum certs (proxy)"
	"$OPENUM" certs "$T/pum" --ca "$T/pki" --cn um.openum.test --san DNS:um.openum.test \
		>/dev/null || fail "openum certs (UM server)"
	DB=$T/openum.db
	export OPENUM_DB="$DB"
	"$OPENUM" user add "alice@$DOMAIN" --password "$ALICE_PW" --no-answer "$1" \
		--unregistered on >/dev/null || fail "openum user add alice"
	"$OPENUM" user add "bob@$DOMAIN" --password "$BOB_PW" >/dev/null ||
		fail "openum user add bob"
	"$OPENUM" mailbox add "sip:alice@$DOMAIN" --name Alice --ext 1001 --pin "$ALICE_PIN" \
		>/dev/null || fail "openum mailbox add alice"
	PROXY_TCP=$(free_port)
	PROXY_TLS=$(free_port)
	bg "$OPENUM" um --db "$DB" --domain "$DOMAIN" --listen-tcp 127.0.0.1:0 \
		--listen-tls 127.0.0.1:0 --cert "$T/pum/server.pem" --key "$T/pum/server.key" \
		--ca "$T/pki/ca.pem" --trusted-peer proxy.openum.test --port-file "$T/um.ports" \
		--web 127.0.0.1:0 --outbound "127.0.0.1:$PROXY_TLS" \
		--max-message-seconds 4 2>"$T/um.log"
	wait_file "$T/um.ports" 100 "$LAST_PID"
	UM_TLS=$(port_of "$T/um.ports" tls)
	WEB=$(port_of "$T/um.ports" web)
	bg "$OPENUM" proxy --domain "$DOMAIN" --db "$DB" --listen 127.0.0.1 \
		--tcp-port "$PROXY_TCP" --tls-port "$PROXY_TLS" --cert "$T/pproxy/server.pem" \
		--key "$T/pproxy/server.key" --ca "$T/pki/ca.pem" --um-server "127.0.0.1:$UM_TLS" \
		--trusted-peer um.openum.test --digest md5 2>"$T/proxy.log"
	PROXY_PID=$LAST_PID
	wait_for 100 python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' \
		"$PROXY_TCP" || fail "openum proxy is not listening on $PROXY_TCP"
}

start_baresip() {
	_d="$T/$1"
	mkdir -p "$_d"
	[ -s "$T/silence.wav" ] || sox -n -r 8000 -c 1 -b 16 "$T/silence.wav" trim 0 60 ||
		fail "sox"
	[ -s "$T/tone.wav" ] || sox -n -r 8000 -c 1 -b 16 "$T/tone.wav" synth 60 sine 440 vol 0.5 ||
		fail "sox"
	_ctl=$(free_port)
	cat >"$_d/config" <<EOC
poll_method		epoll
sip_listen		127.0.0.1:0
call_local_timeout	120
audio_source		aufile,$T/${BS_AUDIO:-silence}.wav
rtp_stats		no
sip_cafile		$T/pki/ca.pem
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$_ctl
EOC
	# BS_MWI=1: the mwi module subscribes to message-summary once registered
	[ -z "${BS_MWI:-}" ] || printf 'module_app\t\tmwi.so\n' >>"$_d/config"
	# BS_NETIF=127.0.0.1: media and SIP addresses from loopback, not the first interface
	[ -z "${BS_NETIF:-}" ] || printf 'net_interface\t\t%s\n' "$BS_NETIF" >>"$_d/config"
	_tp=${BS_TRANSPORT:-tcp}
	_pp=$PROXY_TCP
	[ "$_tp" = tls ] && _pp=$PROXY_TLS
	echo "<sip:$2@$DOMAIN;transport=$_tp>;auth_pass=$3;outbound=\"sip:127.0.0.1:$_pp;transport=$_tp\";regint=600;audio_codecs=PCMU${4:+;$4}" \
		>"$_d/accounts"
	# shellcheck disable=SC2217 # baresip itself must not read the terminal
	# shellcheck disable=SC2086 # BS_ARGS: extra words, e.g. -s (SIP trace to $T/NAME.out)
	bg baresip -f "$_d" ${BS_ARGS:-} </dev/null >"$T/$1.out" 2>&1
	bg python3 "$CTL" serve "$_ctl" "$_d"
	wait_file "$_d/events" 100 "$LAST_PID"
}

bs() {
	python3 "$CTL" cmd "$T/$1" "$2" "${3:-}"
}

# count NAME TYPE: how many TYPE events baresip NAME reported so far.
count() {
	grep -c "\"type\": \"$2\"" "$T/$1/events" || true
}

# wait_count NAME TYPE N [TENTHS]: wait until baresip NAME reported N TYPE events.
wait_count() {
	wait_for "${4:-100}" sh -c '[ "$(grep -c "\"type\": \"$1\"" "$2")" -ge "$3" ]' sh \
		"$2" "$T/$1/events" "$3"
}

wait_registered() {
	wait_for 100 sh -c 'python3 "$1" cmd "$2" reginfo | grep -q OK' sh "$CTL" "$T/$1" ||
		fail "baresip $1 did not register: $(bs "$1" reginfo)"
}

last_log() {
	"$OPENUM" mailbox log --limit 1 | tail -n +2 | head -1
}

# log_rows: how many calls the UM server has logged.
log_rows() {
	"$OPENUM" mailbox log --limit 0 | tail -n +2 | grep -c . || true
}
