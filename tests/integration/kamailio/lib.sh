# What the Kamailio interop tests (tests/integration/interop_kamailio_*.sh) share:
# the certificates, Kamailio's TLS and db_text files, and starting Kamailio
# unprivileged in $T (foreground, its own pid file, random ports, no /etc or /var/run).
# Source it after tests/integration/lib.sh:
#   . "$(dirname "$0")/kamailio/lib.sh"
# shellcheck shell=sh disable=SC2034,SC2016
need kamailio python3
KAM_MODULES=/usr/lib/x86_64-linux-gnu/kamailio/modules
[ -f "$KAM_MODULES/tls.so" ] || fail "Kamailio's tls module is missing (kamailio-tls-modules)"
KAM_PID=""

# kam_need_module NAME...: fail when one of Kamailio's modules is missing.
kam_need_module() {
	for _m in "$@"; do
		[ -f "$KAM_MODULES/$_m.so" ] || fail "Kamailio's $_m module is missing"
	done
}

# kam_certs: a CA and the UM server's certificates in $T/pki, Kamailio's (client name
# kamailio.openum.test) in $T/kam, both made by `openum certs`.
kam_certs() {
	"$OPENUM" certs "$T/pki" >/dev/null || fail "openum certs"
	"$OPENUM" certs "$T/kam" --ca "$T/pki" --client-name kamailio.openum.test >/dev/null ||
		fail "openum certs (kamailio)"
}

# kam_tls_cfg VERIFY: $T/tls.cfg, Kamailio's tls module settings: it serves with
# $T/kam/server.pem (VERIFY yes|no: whether it checks its TLS clients' certificates)
# and presents $T/kam/client.pem to the servers it connects to, checking theirs.
kam_tls_cfg() {
	cat >"$T/tls.cfg" <<EOC
[server:default]
method = TLSv1.2+
certificate = $T/kam/server.pem
private_key = $T/kam/server.key
ca_list = $T/pki/ca.pem
verify_certificate = $1
require_certificate = no

[client:default]
method = TLSv1.2+
certificate = $T/kam/client.pem
private_key = $T/kam/client.key
ca_list = $T/pki/ca.pem
verify_certificate = yes
require_certificate = yes
EOC
}

# kam_subscribers DOMAIN USER:PASSWORD...: Kamailio's db_text tables in $T/db, the
# subscriber table with HA1 only (md5(user:realm:password)), no clear text.
kam_subscribers() {
	mkdir -p "$T/db"
	printf 'id(int,auto) table_name(string) table_version(int)\n0:subscriber:7\n0:location:9\n' \
		>"$T/db/version"
	python3 - "$T/db/subscriber" "$@" <<'PY' || fail "subscriber table"
import hashlib, sys
path, dom = sys.argv[1], sys.argv[2]
with open(path, "w") as f:
    f.write("id(int,auto) username(string) domain(string) password(string,null) "
            "ha1(string) ha1b(string)\n")
    for i, up in enumerate(sys.argv[3:], 1):
        u, p = up.split(":", 1)
        ha1 = hashlib.md5(f"{u}:{dom}:{p}".encode()).hexdigest()
        ha1b = hashlib.md5(f"{u}@{dom}:{dom}:{p}".encode()).hexdigest()
        f.write(f"{i}:{u}:{dom}::{ha1}:{ha1b}\n")
PY
}

# kam_ports: picks KAM_TCP and KAM_TLS, Kamailio's next loopback ports (for a test
# that must name them before kam_start).
KAM_TCP="" KAM_TLS=""
kam_ports() {
	KAM_TCP=$(free_port)
	KAM_TLS=$(free_port)
}

# kam_start CFG ARGS...: (re)starts Kamailio with config CFG on KAM_TCP and KAM_TLS
# (kam_ports picks them when unset; a restart picks new ones), ARGS more of its
# options (e.g. -A defines), logging to $T/kamailio.log; waits until it accepts TCP
# connections. Sets KAM_PID.
kam_start() {
	_cfg=$1
	shift
	kam_stop
	[ -n "$KAM_TCP" ] || kam_ports
	bg kamailio -DD -E -f "$_cfg" -L "$KAM_MODULES" -P "$T/kamailio.pid" \
		-Y "$T" -w "$T" -m 32 -M 4 -l "tcp:127.0.0.1:$KAM_TCP" -l "tls:127.0.0.1:$KAM_TLS" \
		"$@" 2>>"$T/kamailio.log"
	KAM_PID=$LAST_PID
	wait_for 150 sh -c 'kill -0 "$1" && python3 -c "import socket,sys; socket.create_connection((\"127.0.0.1\", int(sys.argv[1])))" "$2"' \
		sh "$KAM_PID" "$KAM_TCP" || fail "Kamailio is not listening on $KAM_TCP"
}

# kam_stop: stops the Kamailio kam_start started (its ports are then forgotten);
# fails when it had exited on its own.
kam_stop() {
	if [ -n "$KAM_PID" ]; then
		kill "$KAM_PID" || fail "Kamailio (pid $KAM_PID) had exited"
		wait "$KAM_PID" 2>/dev/null || true
		KAM_PID="" KAM_TCP="" KAM_TLS=""
	fi
}
