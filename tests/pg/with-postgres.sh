#!/bin/sh
# with-postgres.sh COMMAND [ARGS...]: runs COMMAND against a throw-away PostgreSQL server.
# Creates a cluster with Debian's postgresql package (initdb) in a temporary directory,
# starts it (pg_ctl) on a free loopback port with its socket in that directory, creates
# the database "openum", exports OPENUM_TEST_PG=postgresql://postgres@127.0.0.1:PORT/openum
# (plus PGHOST/PGPORT/PGUSER/PGDATABASE), runs COMMAND, stops the server, removes the
# directory and exits with COMMAND's status. PostgreSQL refuses to run as root, so as
# root the server runs as the "postgres" system user (runuser or setpriv). Fails (exit 1,
# never skips) when PostgreSQL is missing: scripts/install-deps installs it.
set -eu
[ $# -ge 1 ] || {
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
}

bindir=""
for d in /usr/lib/postgresql/*/bin; do # the newest installed version wins
	if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then bindir=$d; fi
done
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then
	bindir=$(dirname "$(command -v initdb)")
fi
if [ -z "$bindir" ] || ! command -v psql >/dev/null 2>&1; then
	echo "with-postgres: PostgreSQL (initdb, pg_ctl, psql) is not installed;" \
		"scripts/install-deps installs it" >&2
	exit 1
fi

dir=$(mktemp -d /tmp/openum-pg-XXXXXX)
as_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || {
		echo "with-postgres: running as root needs the postgres system user" >&2
		rm -rf "$dir"
		exit 1
	}
	chown postgres "$dir"
	chmod 700 "$dir"
	if command -v runuser >/dev/null 2>&1; then
		as_pg() { runuser -u postgres -- "$@"; }
	else
		as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
	fi
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
started=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -n "$started" ]; then
		as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# trust on loopback and the private socket: a test cluster nobody else can reach
as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 \
	--locale=C >"$dir/initdb.log" 2>&1 || {
	cat "$dir/initdb.log" >&2
	echo "with-postgres: initdb failed" >&2
	exit 1
}
# fsync off: a test server that dies loses nothing anyone needs
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	-o "-F -p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=100" \
	start >/dev/null 2>&1 || {
	cat "$dir/server.log" >&2
	echo "with-postgres: the server did not start" >&2
	exit 1
}
started=1
psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'CREATE DATABASE openum' ||
	{
		echo "with-postgres: CREATE DATABASE failed" >&2
		exit 1
	}

export OPENUM_TEST_PG="postgresql://postgres@127.0.0.1:$port/openum"
export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres PGDATABASE=openum
set +e
"$@"
rc=$?
set -e
[ "$rc" -eq 0 ] || tail -n 20 "$dir/server.log" >&2
exit "$rc"
