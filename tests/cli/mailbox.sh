#!/bin/sh
# CLI test (ctest cli/mailbox): `openum mailbox` against a real SQLite store in a
# temporary directory: add/list/show/del, PINs, unlock, WAV import/export, the call log,
# and the exit codes (0 done, 1 operation failed, 2 usage).
# Usage: tests/cli/mailbox.sh PATH/TO/openum
set -u

BIN=${1:?usage: mailbox.sh PATH/TO/openum}
if [ ! -x "$BIN" ]; then
	echo "FAIL: $BIN is not an executable (build it first)" >&2
	exit 1
fi
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
TMP=$(mktemp -d "${TMPDIR:-/tmp}/openum-mailbox.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
OUT="$TMP/out"
ERR="$TMP/err"
FAILS=0
DB="$TMP/store.db"
unset OPENUM_PIN
export OPENUM_DB="$DB"

fail() {
	echo "FAIL: $*" >&2
	echo "--- stdout:" >&2
	sed 's/^/    /' "$OUT" >&2
	echo "--- stderr:" >&2
	sed 's/^/    /' "$ERR" >&2
	FAILS=$((FAILS + 1))
}

# run EXPECTED_STATUS ARGS...: runs openum with stdin from /dev/null (not a terminal).
run() {
	want=$1
	shift
	"$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
	got=$?
	LAST="openum $*"
	if [ "$got" -ne "$want" ]; then
		fail "$LAST: exit $got, expected $want"
		return 1
	fi
	return 0
}
expect_out() { grep -Eq -- "$1" "$OUT" || fail "$LAST: stdout lacks /$1/"; }
expect_err() { grep -Eq -- "$1" "$ERR" || fail "$LAST: stderr lacks /$1/"; }
refute_out() { grep -Eq -- "$1" "$OUT" && fail "$LAST: stdout has /$1/"; }

# Little-endian bytes with printf octal escapes (portable sh has no \x).
byte() { printf '%b' "\\0$(printf %03o "$(($1 & 255))")"; }
le16() { byte "$1"; byte "$(($1 >> 8))"; }
le32() { le16 "$(($1 & 65535))"; le16 "$(($1 >> 16))"; }
# wav FILE FORMAT CHANNELS RATE BITS NBYTES: a canonical 44-byte-header WAV with NBYTES
# of random bytes as data.
wav() {
	f=$1 fmt=$2 ch=$3 rate=$4 bits=$5 n=$6
	{
		printf RIFF; le32 $((36 + n)); printf WAVEfmt; printf ' '
		le32 16; le16 "$fmt"; le16 "$ch"; le32 "$rate"
		le32 $((rate * ch * bits / 8)); le16 $((ch * bits / 8)); le16 "$bits"
		printf data; le32 "$n"
		head -c "$n" /dev/urandom
	} >"$f"
}

# ---- help and usage ---------------------------------------------------------------
run 0 mailbox --help && expect_out '^usage: openum mailbox'
for a in add list show del set-pin unlock import export greeting log set-email mail-log; do
	grep -Eq "^  $a( |$)" "$OUT" || fail "mailbox --help does not document $a"
done
expect_out 'OPENUM_DB'
expect_out 'openum-data/openum\.db'
run 2 mailbox && expect_err 'an action is needed'
run 2 mailbox frobnicate && expect_err "unknown action 'frobnicate'"
run 2 mailbox list --frob && expect_err "unknown option '--frob'"
run 2 mailbox list --pin 204862 && expect_err 'option not used by this action: --pin'
run 2 mailbox show && expect_err 'usage: openum mailbox show ADDRESS'
run 2 mailbox show a@b c@d
run 2 mailbox add alice@example.com --ext 1001 --pin 204862 && expect_err '--name NAME is required'
run 2 mailbox add alice@example.com --name A --pin 204862 && expect_err '--ext DIGITS is required'
run 2 mailbox add alice@example.com --name A --ext
run 2 mailbox list --yes=1 && expect_err 'takes no value'

# No database yet: read-only actions say so and create nothing.
run 1 mailbox list && expect_err "no database at $DB"
[ -e "$DB" ] && fail "list created $DB"

# ---- add ---------------------------------------------------------------------------
run 0 mailbox add sip:alice@Example.COM --name "Alice Smith" --ext 1001 --pin 204862
expect_out '^added mailbox sip:alice@example\.com \(extension 1001\)$'
[ -f "$DB" ] || fail "add did not create $DB"
# No PIN and not a terminal: usage error; $OPENUM_PIN works.
run 2 mailbox add bob@example.com --name Bob --ext 1002 && expect_err 'no PIN'
export OPENUM_PIN=305973
run 0 mailbox add bob@example.com --name Bob --ext=1002
unset OPENUM_PIN
run 1 mailbox add carol@example.com --name Carol --ext 1003 --pin 123456
expect_err 'PIN refused: PIN must not be a run of digits'
run 1 mailbox add carol@example.com --name Carol --ext 1003 --pin 77777
expect_err 'PIN refused: PIN too short'
run 1 mailbox add carol@example.com --name Carol --ext 1003 --pin 2048a6
expect_err 'digits only'
run 1 mailbox add sip:alice@example.com --name Again --ext 1004 --pin 204862
expect_err 'address already has a mailbox'
run 1 mailbox add carol@example.com --name Carol --ext 1001 --pin 204862
expect_err 'extension already in use'
run 1 mailbox add carol@example.com --name Carol --ext 10x1 --pin 204862
expect_err 'bad extension'
run 1 mailbox add tel:+15551234 --name Tel --ext 1005 --pin 204862 && expect_err 'bad address'

# ---- list and show -----------------------------------------------------------------
run 0 mailbox list
expect_out '^sip:alice@example\.com +1001 +0 +0 +no +Alice Smith$'
expect_out '^sip:bob@example\.com +1002 '
expect_out '^2 mailboxes$'
run 0 mailbox show alice@EXAMPLE.com
expect_out '^address: +sip:alice@example\.com$'
expect_out '^name: +Alice Smith$'
expect_out '^extension: +1001$'
expect_out '^PIN: +set [0-9]{4}-[0-9]{2}-[0-9]{2} '
expect_out '^locked: +no$'
expect_out '^messages: +0$'
run 1 mailbox show nobody@example.com && expect_err 'no mailbox for: nobody@example.com'
# --db wins over $OPENUM_DB.
run 1 mailbox --db "$TMP/other.db" show alice@example.com && expect_err 'no database'

# ---- set-pin and unlock -------------------------------------------------------------
run 1 mailbox set-pin alice@example.com --pin 204862 && expect_err 'PIN used recently'
run 0 mailbox set-pin alice@example.com --pin 416084 && expect_out '^PIN set for sip:alice@example\.com$'
run 1 mailbox set-pin alice@example.com --pin 999999 && expect_err 'repeat one digit'
run 1 mailbox set-pin nobody@example.com --pin 416084 && expect_err 'no mailbox for'
run 2 mailbox set-pin alice@example.com && expect_err 'no PIN'
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$DB" "UPDATE mailbox SET locked = 1, failed_logons = 15 WHERE ext = '1001'"
	run 0 mailbox show alice@example.com && expect_out '^locked: +yes' && expect_out '^failed logons: 15$'
	run 0 mailbox set-pin alice@example.com --pin 527195 && expect_out 'still locked'
	run 0 mailbox unlock alice@example.com && expect_out '^unlocked sip:alice@example\.com \(failed logons were 15\)$'
	run 0 mailbox show alice@example.com && expect_out '^locked: +no$' && expect_out '^failed logons: 0$'
else
	echo "note: sqlite3 not installed, lock test skipped" >&2
fi
run 0 mailbox unlock alice@example.com && expect_out '^was not locked'
run 1 mailbox unlock nobody@example.com

# ---- import and export ---------------------------------------------------------------
wav "$TMP/pcm.wav" 1 1 8000 16 1600
wav "$TMP/ulaw.wav" 7 1 8000 8 801
wav "$TMP/stereo.wav" 1 2 8000 16 64
wav "$TMP/cd.wav" 1 1 44100 16 64
wav "$TMP/pcm8.wav" 1 1 8000 8 64
printf 'not a wav file at all, just text\n' >"$TMP/text.wav"
run 0 mailbox import alice@example.com "$TMP/pcm.wav" --caller "Bob@Example.com"
expect_out '^imported message 1 into sip:alice@example\.com \(0\.1s, l16\)$'
run 0 mailbox import alice@example.com "$TMP/ulaw.wav"
expect_out '^imported message 2 into sip:alice@example\.com \(0\.1s, pcmu\)$'
run 1 mailbox import alice@example.com "$TMP/stereo.wav"
expect_err 'WAV must be mono; found 8000 Hz, 2 channels, 16-bit PCM'
run 1 mailbox import alice@example.com "$TMP/cd.wav"
expect_err 'WAV sample rate must be 8000 Hz; found 44100 Hz, 1 channel, 16-bit PCM'
run 1 mailbox import alice@example.com "$TMP/pcm8.wav" && expect_err 'found 8000 Hz, 1 channel, 8-bit PCM'
run 1 mailbox import alice@example.com "$TMP/text.wav" && expect_err 'not a RIFF/WAVE file'
run 1 mailbox import alice@example.com "$TMP/missing.wav" && expect_err 'file not found'
run 1 mailbox import nobody@example.com "$TMP/pcm.wav" && expect_err 'no mailbox for'
run 1 mailbox import alice@example.com "$TMP/pcm.wav" --caller 'tel:+1555' && expect_err 'bad --caller'
run 2 mailbox import alice@example.com
run 0 mailbox show alice@example.com
expect_out '^messages: +2$'
expect_out '^  1 +new +[0-9-]+ [0-9:]+ +0\.1s l16 +- +sip:Bob@example\.com$'
expect_out '^  2 +new .* pcmu +- +\(unknown\)$'
run 0 mailbox list && expect_out '^sip:alice@example\.com +1001 +2 +0 +no'

# The greeting call answering plays: set from a WAV, cleared back to the default.
run 0 mailbox show alice@example.com && expect_out '^greeting: +default$'
run 0 mailbox greeting alice@example.com "$TMP/ulaw.wav"
expect_out '^greeting of sip:alice@example\.com set \(0\.1s, pcmu\)$'
run 0 mailbox show alice@example.com && expect_out '^greeting: +recorded$'
run 1 mailbox greeting alice@example.com "$TMP/stereo.wav" && expect_err 'WAV must be mono'
run 1 mailbox greeting nobody@example.com "$TMP/ulaw.wav" && expect_err 'no mailbox for'
run 2 mailbox greeting alice@example.com && expect_err 'FILE.wav or --clear'
run 2 mailbox greeting alice@example.com "$TMP/ulaw.wav" --clear
run 0 mailbox greeting alice@example.com --clear && expect_out 'cleared'
run 0 mailbox show alice@example.com && expect_out '^greeting: +default$'

# A canonical PCM WAV comes back byte for byte.
run 0 mailbox export alice@example.com 1 "$TMP/back.wav"
expect_out "^exported message 1 of sip:alice@example\.com to $TMP/back\.wav \(0\.1s, l16\)$"
cmp -s "$TMP/pcm.wav" "$TMP/back.wav" || fail "exported PCM differs from the imported file"
run 0 mailbox export alice@example.com 2 "$TMP/back-ulaw.wav"
if command -v sox >/dev/null 2>&1; then
	if ! sox "$TMP/ulaw.wav" -t raw "$TMP/a.raw" || ! sox "$TMP/back-ulaw.wav" -t raw "$TMP/b.raw" ||
		! cmp -s "$TMP/a.raw" "$TMP/b.raw"; then
		fail "sox: exported mu-law audio differs"
	fi
	soxi "$TMP/back-ulaw.wav" 2>/dev/null | grep -q 'u-law' || fail "sox does not read mu-law export"
fi
run 1 mailbox export alice@example.com 99 "$TMP/x.wav" && expect_err 'no message 99 in sip:alice@example\.com'
run 1 mailbox export bob@example.com 1 "$TMP/x.wav" && expect_err 'no message 1 in sip:bob@example\.com'
run 2 mailbox export alice@example.com one "$TMP/x.wav" && expect_err 'MSGID must be a message number'
run 1 mailbox export alice@example.com 1 "$TMP/no/such/dir.wav" && expect_err 'cannot create file'

# ---- call log -----------------------------------------------------------------------
run 0 mailbox log && expect_out '^TIME \(UTC\) +KIND +LOGON'
[ "$(wc -l <"$OUT")" -eq 1 ] || fail "empty call log printed rows"
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$DB" "INSERT INTO call_log (time_ms, call_id, transport, peer, trusted,
	  skip_pin_requested, logon, kind, mailbox, duration_ms, detail) VALUES
	  (1700000000000, 'c1@h', 'TLS', '192.0.2.7:5061', 1, 1, 'skip-pin', 'subscriber-access',
	   'sip:alice@example.com', 12300, ''),
	  (1700000060000, 'c2@h', 'TCP', '192.0.2.8:40000', 0, 1, 'pin-failed', 'subscriber-access',
	   'sip:alice@example.com', 4000, '3 PIN tries'),
	  (1700000120000, 'c3@h', 'TLS', '192.0.2.9:5061', 1, 0, 'none', 'call-answering',
	   'sip:bob@example.com', 5000, '')"
	run 0 mailbox log
	[ "$(wc -l <"$OUT")" -eq 4 ] || fail "log: expected 3 rows"
	expect_out '^2023-11-14 22:15:20 +call-answering +none +5\.0s TLS +192\.0\.2\.9:5061 +yes +- +sip:bob@example\.com +c3@h$'
	expect_out '^2023-11-14 22:13:20 +subscriber-access +skip-pin +12\.3s TLS .* yes +asked +sip:alice@example\.com +c1@h$'
	run 0 mailbox log alice@example.com
	[ "$(wc -l <"$OUT")" -eq 3 ] || fail "log ADDRESS: expected 2 rows"
	expect_out 'pin-failed .* TCP .* no +asked .* c2@h 3 PIN tries$'
	refute_out 'c3@h'
	run 0 mailbox log --limit 1
	[ "$(wc -l <"$OUT")" -eq 2 ] || fail "log --limit 1: expected 1 row"
	expect_out 'c3@h'
fi
run 2 mailbox log --limit lots && expect_err '--limit needs a number'
run 2 mailbox log --limit -1
run 2 mailbox log a@b c@d

# ---- e-mail settings and the delivery log (docs/email.md) -----------------------------
run 2 mailbox set-email alice@example.com && expect_err 'nothing to set'
run 2 mailbox set-email alice@example.com --mode often && expect_err '--mode needs attach, notify or off'
run 2 mailbox set-email alice@example.com --format mp3 && expect_err '--format needs wav or opus'
run 2 mailbox set-email alice@example.com --email 'a@b>, <eve@x' && expect_err '--email needs an address'
run 1 mailbox set-email alice@example.com --mode attach && expect_err 'needs an e-mail address'
run 0 mailbox set-email alice@example.com --email alice@mail.example.com --mode attach &&
	expect_out 'e-mail alice@mail\.example\.com, messages attach \(wav\)'
run 0 mailbox show alice@example.com && expect_out '^e-mail: +alice@mail\.example\.com \(messages: attach, wav\)'
run 0 mailbox set-email alice@example.com --format opus && expect_out 'attach \(opus\)'
run 0 mailbox mail-log alice@example.com && expect_out '^ID +QUEUED'
run 0 mailbox set-email alice@example.com --mode off && expect_out 'messages off'
run 2 mailbox mail-log --limit x && expect_err '--limit needs a number'

# ---- del ------------------------------------------------------------------------------
run 2 mailbox del alice@example.com && expect_err 'refusing to delete without --yes'
run 0 mailbox del alice@example.com --yes && expect_out '^deleted mailbox sip:alice@example\.com$'
run 1 mailbox show alice@example.com
run 1 mailbox del alice@example.com --yes && expect_err 'no mailbox for'
run 0 mailbox list && expect_out '^1 mailbox$'
if command -v sqlite3 >/dev/null 2>&1; then
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM message')" = 0 ] || fail "del left messages"
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM call_log')" = 3 ] || fail "del touched the call log"
fi

# ---- the default path ---------------------------------------------------------------------
mkdir "$TMP/cwd"
(
	cd "$TMP/cwd" || exit 1
	unset OPENUM_DB
	"$BIN" mailbox add dave@example.com --name Dave --ext 42 --pin 815243 >/dev/null 2>&1 </dev/null
) || fail "add with the default path failed"
[ -f "$TMP/cwd/openum-data/openum.db" ] || fail "default path ./openum-data/openum.db not created"
run 0 mailbox --db "sqlite:$TMP/cwd/openum-data/openum.db" list && expect_out '^sip:dave@example\.com +42 '

if [ "$FAILS" -ne 0 ]; then
	echo "cli mailbox: $FAILS failure(s)" >&2
	exit 1
fi
echo "cli mailbox: all passed"
