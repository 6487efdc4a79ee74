#!/bin/sh
# The subscriber menu and the logons that lead to it, judged by what the caller hears
# (tests/integration/um_heard.py finds the prompt clips and the messages' own bytes in
# the call) and by the store: 1 listen, 4 repeat, 2 next, 7 delete, 9 save, 0 help,
# * main menu, # goodbye; a new message heard to the end becomes saved, a deleted one
# is deleted. Then the extension-then-PIN logon of a caller whose From is no mailbox
# (through the pilot), and a wrong extension.
# timeout: 240
set -eu
. "$(dirname "$0")/lib.sh"
need sox python3
CALLER=$BUILD/openum_test_caller
HEARD="python3 $(dirname "$0")/um_heard.py"
P=$BUILD/prompts
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null
# three messages of distinct noise, stored as mu-law: the bytes the caller must hear
for m in a b c; do
	sox -n -r 8000 -c 1 -e mu-law "$T/msg_$m.wav" synth 0.6 whitenoise vol 0.3
	"$OPENUM" mailbox import alice@localhost "$T/msg_$m.wav" >/dev/null
done
ids=$("$OPENUM" mailbox show alice@localhost | awk '$2 == "new" {print $1}')
# shellcheck disable=SC2086
set -- $ids
[ $# -eq 3 ] || fail "expected 3 new messages, got: $ids"
A=$1 B=$2 C=$3

bg "$OPENUM" um --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 --domain localhost \
	--pilot voicemail --port-file "$T/ports" --rtp-ports 41000-41999 2>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
PORT=$(port_of "$T/ports" tcp)

# alice calls her voicemail: PIN, then the keys one by one
"$CALLER" --port "$PORT" --from sip:alice@localhost \
	--to 'sip:alice@localhost;opaque=app:voicemail' --hangup-ms 0 --record "$T/menu.wav" \
	--seq '1000:204862#,20000:1,32000:4,44000:2,56000:7,59000:9,62000:0,67000:*,74000:#' \
	>"$T/menu.out" 2>&1 || fail "menu call: $(cat "$T/menu.out")"
grep -q "^ended 2 0" "$T/menu.out" || fail "the server did not hang up after #: $(cat "$T/menu.out")"
$HEARD "$T/menu.wav" welcome="$P/welcome.ul" enter_pin="$P/enter_pin.ul" \
	you_have="$P/you_have.ul" n3="$P/n3.ul" new="$P/new_messages.ul" \
	main_menu="$P/main_menu.ul" a="$T/msg_a.wav" b="$T/msg_b.wav" c="$T/msg_c.wav" \
	deleted="$P/message_deleted.ul" saved="$P/message_saved.ul" \
	help="$P/menu_help.ul" goodbye="$P/goodbye.ul" -- \
	welcome you_have n3 new a a b deleted saved help main_menu goodbye \
	>"$T/heard.out" || fail "menu audio: $(cat "$T/heard.out")"
echo "ok - key map: $(tr '\n' ' ' <"$T/heard.out")"
# c was saved with 9 without being played: it must not have been heard
if $HEARD "$T/menu.wav" c="$T/msg_c.wav" -- c >/dev/null; then
	fail "message c was played though nobody asked for it"
fi

sleep 0.5
"$OPENUM" mailbox show alice@localhost >"$T/show"
state() { awk -v id="$1" '$1 == id {print $2}' "$T/show"; }
[ "$(state "$A")" = saved ] || fail "a heard to the end is $(state "$A"), not saved"
[ "$(state "$B")" = deleted ] || fail "b (7) is $(state "$B"), not deleted"
[ "$(state "$C")" = saved ] || fail "c (9) is $(state "$C"), not saved"
echo "ok - store: a saved (heard), b deleted (7), c saved (9)"
"$OPENUM" mailbox log --limit 1 | grep -q "subscriber-access *pin-ok" ||
	fail "menu call not logged pin-ok"

# a caller unknown to the store calls the pilot: extension, then PIN
"$CALLER" --port "$PORT" --from sip:guest@elsewhere.example \
	--to sip:voicemail@localhost --hangup-ms 0 --record "$T/ext.wav" \
	--seq '5000:1001#,11000:204862#,22000:#' >"$T/ext.out" 2>&1 ||
	fail "extension call: $(cat "$T/ext.out")"
$HEARD "$T/ext.wav" welcome="$P/welcome.ul" ext="$P/enter_extension.ul" \
	enter_pin="$P/enter_pin.ul" you_have="$P/you_have.ul" goodbye="$P/goodbye.ul" -- \
	welcome ext enter_pin you_have goodbye >"$T/heard.out" ||
	fail "extension logon audio: $(cat "$T/heard.out")"
sleep 0.5
l=$("$OPENUM" mailbox log --limit 1 | tail -n 1)
echo "$l" | grep -q "subscriber-access *pin-ok .*sip:alice@localhost" ||
	fail "extension logon not logged pin-ok for alice: $l"
echo "ok - extension then PIN: $l"

"$CALLER" --port "$PORT" --from sip:guest@elsewhere.example \
	--to sip:voicemail@localhost --hangup-ms 0 --seq '1500:9999#' >"$T/bad.out" 2>&1 ||
	fail "wrong extension call: $(cat "$T/bad.out")"
sleep 0.5
l=$("$OPENUM" mailbox log --limit 1 | tail -n 1)
echo "$l" | grep -q "not-found .*no mailbox at that extension" ||
	fail "wrong extension not logged not-found: $l"
echo "ok - wrong extension: $l"

kill "$UM"
wait "$UM" || fail "openum um exit status $?"
grep -q "LeakSanitizer\|runtime error" "$T/um.log" && fail "sanitizer report"
echo "all um_menu checks passed"
