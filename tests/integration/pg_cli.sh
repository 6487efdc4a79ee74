#!/bin/sh
# `openum mailbox` and `openum user` against a real PostgreSQL store (issue 8), started
# by tests/pg/with-postgres.sh: the database named by $OPENUM_DB like a file path, the
# same actions, results and errors as with SQLite; audio kept byte for byte in bytea.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
[ -n "${OPENUM_TEST_PG:-}" ] || exec "$HERE/../pg/with-postgres.sh" "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"
need psql sox python3
export OPENUM_DB="$OPENUM_TEST_PG"
unset OPENUM_PIN OPENUM_PASSWORD

# expect STATUS NAME COMMAND...: runs COMMAND, its status must be STATUS; output in $T/out
expect() {
	want=$1 name=$2
	shift 2
	rc=0
	"$@" >"$T/out" 2>&1 </dev/null || rc=$?
	[ "$rc" -eq "$want" ] || fail "$name: status $rc, not $want: $(cat "$T/out")"
	echo "ok - $name"
}
has() { grep -q -- "$1" "$T/out" || fail "expected '$1' in: $(cat "$T/out")"; }

# no schema yet: only add creates it
expect 1 "list before add" "$OPENUM" mailbox list
has "no database at postgresql://postgres@127.0.0.1"
[ "$(psql -Atc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" = 0 ] ||
	fail "list created tables"

expect 0 "add alice" "$OPENUM" mailbox add sip:alice@example.com --name 'Alice Smith' --ext 1001 --pin 305973
has "added mailbox sip:alice@example.com (extension 1001)"
expect 1 "extension taken" "$OPENUM" mailbox add bob@example.com --name Bob --ext 1001 --pin 305973
has "extension already in use"
expect 1 "address taken" "$OPENUM" mailbox add sips:alice@Example.COM --name A --ext 1002 --pin 305973
has "address already has a mailbox"
expect 1 "PIN policy" "$OPENUM" mailbox add bob@example.com --name Bob --ext 1002 --pin 123456
expect 0 "add bob" "$OPENUM" mailbox add bob@example.com --name Bob --ext 1002 --pin 416084
expect 0 "list" "$OPENUM" mailbox list
has "sip:alice@example.com"
has "sip:bob@example.com"

sox -n -r 8000 -c 1 -b 16 -e signed-integer "$T/in.wav" synth 1.5 sine 440
expect 0 "import" "$OPENUM" mailbox import alice@example.com "$T/in.wav" --caller sip:carol@example.com
has "imported message"
expect 0 "show" "$OPENUM" mailbox show alice@example.com
has "Alice Smith"
MSG=$(awk '/^ *[0-9]+ +new/{print $1; exit}' "$T/out")
[ -n "$MSG" ] || fail "no message in show"
[ "$(psql -Atc "SELECT octet_length(audio) || ' ' || codec FROM message WHERE id = $MSG")" = "24000 l16" ] ||
	fail "the audio is not 24000 bytes of l16 in bytea"
expect 0 "export" "$OPENUM" mailbox export alice@example.com "$MSG" "$T/out.wav"
python3 - "$T/in.wav" "$T/out.wav" <<'PY' || fail "exported samples differ from the imported ones"
import sys, wave
a, b = (wave.open(f) for f in sys.argv[1:3])
assert a.readframes(a.getnframes()) == b.readframes(b.getnframes())
PY
echo "ok - export gives back the imported samples"

expect 1 "set-pin reuse" env OPENUM_PIN=305973 "$OPENUM" mailbox set-pin alice@example.com
has "PIN used recently"
expect 0 "set-pin" env OPENUM_PIN=527195 "$OPENUM" mailbox set-pin alice@example.com
psql -qc "UPDATE mailbox SET failed_logons = 15, locked = true WHERE address = 'sip:alice@example.com'"
expect 0 "show locked" "$OPENUM" mailbox show alice@example.com
has "locked: *yes"
expect 0 "unlock" "$OPENUM" mailbox unlock alice@example.com
expect 0 "show unlocked" "$OPENUM" mailbox show alice@example.com
has "failed logons: 0"
expect 0 "log" "$OPENUM" mailbox log
expect 2 "del without --yes" "$OPENUM" mailbox del bob@example.com
expect 0 "del" "$OPENUM" mailbox del bob@example.com --yes
expect 1 "show deleted" "$OPENUM" mailbox show bob@example.com

# openum user: same database, its own tables
expect 0 "user add" env OPENUM_PASSWORD=pw-alice "$OPENUM" user add alice@example.com --no-answer 20
expect 1 "user add again" env OPENUM_PASSWORD=pw-alice "$OPENUM" user add alice@example.com
expect 0 "user list" "$OPENUM" user list
has "sip:alice@example.com"
H1=$(psql -Atc "SELECT ha1_md5 FROM sip_user")
WANT=$(printf 'alice:example.com:pw-alice' | md5sum | cut -d' ' -f1)
[ "$H1" = "$WANT" ] || fail "stored HA1 $H1 is not MD5(alice:example.com:pw-alice)"
psql -Atc "SELECT count(*) FROM sip_user WHERE ha1_md5 LIKE '%pw-alice%'" | grep -qx 0 ||
	fail "password stored"
expect 0 "user passwd" env OPENUM_PASSWORD=pw-second "$OPENUM" user passwd alice@example.com
[ "$(psql -Atc "SELECT ha1_md5 FROM sip_user")" != "$H1" ] || fail "passwd did not change HA1"
expect 0 "user forward" "$OPENUM" user forward alice@example.com --busy on --forward sip:desk@example.com
FWD=$(psql -Atc "SELECT fwd_immediate || ' ' || vm_busy || ' ' || vm_no_answer_s FROM sip_user")
[ "$FWD" = "sip:desk@example.com true 20" ] || fail "forwarding stored as: $FWD"
expect 0 "user del" "$OPENUM" user del alice@example.com
expect 1 "user del again" "$OPENUM" user del alice@example.com
expect 1 "wrong server" "$OPENUM" mailbox --db 'postgresql://u:hush@127.0.0.1:1/x?connect_timeout=2' list
has "cannot connect to PostgreSQL: .*port 1 failed: Connection refused"
grep -q hush "$T/out" && fail "the password was printed"
# a server that accepts and never answers: libpq would wait forever; the store gives up
# (its default connect_timeout) with an error instead of hanging
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
held = []
s.settimeout(1)
end = time.time() + 120
while time.time() < end:
    try: held.append(s.accept())
    except OSError: pass
' >"$T/silent.port" &
SILENT=$!
PIDS="$PIDS $SILENT"
wait_file "$T/silent.port" 100 "$SILENT"
expect 1 "silent server" timeout 90 "$OPENUM" mailbox --db "postgresql://u@127.0.0.1:$(cat "$T/silent.port")/x" list
has "cannot connect to PostgreSQL: .*timeout expired"
echo "integration/pg_cli: ok"
