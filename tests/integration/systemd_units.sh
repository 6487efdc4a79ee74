#!/bin/sh
# contrib/systemd: both units pass `systemd-analyze verify` (with ExecStart pointed at
# the binary under test), keep the hardening docs/operations.md promises, score
# "OK" or better in `systemd-analyze security`, and their example option files hold
# only options the binary accepts (each role is started with them for a moment).
set -eu
# shellcheck disable=SC1091
. "$(dirname "$0")/lib.sh"
need systemd-analyze
SRC=$(cd "$(dirname "$0")/../.." && pwd)/contrib/systemd
BIN=$(cd "$(dirname "$OPENUM")" && pwd)/openum

for role in proxy um; do
	unit=$SRC/openum-$role.service
	[ -f "$unit" ] || fail "missing $unit"
	sed "s|/usr/bin/openum|$BIN|" "$unit" >"$T/openum-$role.service"
	systemd-analyze verify "$T/openum-$role.service" >"$T/verify-$role.out" 2>&1 ||
		fail "$role: systemd-analyze verify: $(cat "$T/verify-$role.out")"
	# verify only warns about directives it cannot parse: any output is a failure
	[ ! -s "$T/verify-$role.out" ] || fail "$role: verify warned: $(cat "$T/verify-$role.out")"
	for d in NoNewPrivileges=yes ProtectSystem=strict ReadWritePaths=/var/lib/openum \
		PrivateTmp=yes CapabilityBoundingSet= StateDirectory=openum User=openum \
		KillSignal=SIGTERM; do
		grep -qx "$d" "$unit" || fail "$role: $d missing"
	done
	score=$(systemd-analyze security --offline=yes "$T/openum-$role.service" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	[ -n "$score" ] || fail "$role: no exposure score"
	awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "$role: exposure $score > 2.0"
	echo "ok - openum-$role.service verifies, exposure $score"

	# the example options: every --option is in --help, and the server starts with
	# them (addresses moved to loopback and free ports, files made here)
	env=$SRC/openum-$role.env
	opts=$(sed -n "s/^OPENUM_$(echo "$role" | tr '[:lower:]' '[:upper:]')_OPTS=\"\(.*\)\"$/\1/p" "$env")
	[ -n "$opts" ] || fail "$role: no options in $env"
	for o in $opts; do
		case $o in
		--*) "$OPENUM" "$role" --help | grep -q -- "$o" || fail "$role: $o is not in --help" ;;
		esac
	done
done

# start each role with the example options, made runnable here
"$OPENUM" certs "$T/pki" --client-name proxy.example.com >/dev/null
export OPENUM_DB="$T/openum.db"
"$OPENUM" mailbox list >/dev/null 2>&1 || true
for role in proxy um; do
	opts=$(sed -n "s/^OPENUM_$(echo "$role" | tr '[:lower:]' '[:upper:]')_OPTS=\"\(.*\)\"$/\1/p" \
		"$SRC/openum-$role.env" | sed -e "s|/etc/openum/pki|$T/pki|g" \
		-e 's/0\.0\.0\.0:[0-9]*/127.0.0.1:0/g' -e 's/0\.0\.0\.0/127.0.0.1/g' \
		-e 's/192\.0\.2\.10/127.0.0.1/g' -e 's/127\.0\.0\.1:91[0-9][0-9]/127.0.0.1:0/g' \
		-e 's/um1\.example\.com:5063/127.0.0.1:9/' -e 's/--outbound proxy.example.com/--outbound 127.0.0.1:9/')
	if [ "$role" = proxy ]; then
		opts="$opts --tcp-port $(free_port) --tls-port $(free_port)"
	else
		opts="$opts --port-file $T/um.ports"
	fi
	# shellcheck disable=SC2086
	bg "$OPENUM" "$role" $opts 2>"$T/$role.log"
	pid=$LAST_PID
	# ready: the UM server writes its port file, the proxy its "listening" line
	if [ "$role" = proxy ]; then
		wait_for 300 grep -q "listening" "$T/proxy.log" ||
			fail "proxy did not start with the example options"
	else
		wait_file "$T/um.ports" 300 "$pid"
	fi
	kill -0 "$pid" 2>/dev/null || fail "$role did not start with the example options"
	kill -TERM "$pid"
	wait "$pid" || fail "$role: exit status $? after SIGTERM"
	echo "ok - openum $role runs with the example options and exits 0 on SIGTERM"
done
echo "integration/systemd_units: ok"
