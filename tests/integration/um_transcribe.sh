#!/bin/sh
# Transcription (issue 9, docs/transcription.md): a caller speaks a known sentence
# (espeak-ng, sent as G.711 RTP) into a diverted call; the UM server stores the
# message and transcribes it off the loop thread with PocketSphinx. The test computes
# the word error rate (word-level Levenshtein distance / reference words), prints it
# and fails above WER_MAX. Also: a missing model marks the message failed (with an
# error in the log) and loses nothing; a message left pending is transcribed at the
# next start, and so is a recording rescued from the crash spool at that start; a
# second message is transcribed by the running server. /metrics counts the transcripts
# (done, failed) and the e-mail sent.
# timeout: 240
set -eu
. "$(dirname "$0")/lib.sh"
need espeak-ng sox python3 sqlite3 curl
CALLER=$BUILD/openum_test_caller
export OPENUM_DB="$T/um.db"
# WER_MAX: measured through this very path (RTP, G.711, the server's recording, 8 to
# 16 kHz): 0.09 (one digit wrong) and 0.00. Synthetic speech through 8 kHz G.711 is far
# from the recorded speech the en-us model was trained on, and small changes (speaking
# rate, silence around the words) moved offline WERs of similar sentences between 0.0
# and 0.4; a broken pipeline scored 1.00 (8 kHz fed as 16 kHz) and 0.73 (first 1.2 s
# lost).
# 0.40 keeps that margin and still fails on a broken pipeline.
WER_MAX=0.40
S1="please call me back at one two three four five six"
S2="can you call me back today"
# espeak-ng's Klatt voice: its default voice scored 0.7 to 1.0 offline on the same
# sentences (the model hears it as a different language), the Klatt one 0.0 to 0.4
espeak-ng -v en-us+klatt2 -s 130 -w "$T/s1-22k.wav" "$S1"
espeak-ng -v en-us+klatt2 -s 130 -w "$T/s2-22k.wav" "$S2"
sox "$T/s1-22k.wav" -r 8000 -c 1 -e mu-law "$T/s1.wav"
sox "$T/s2-22k.wav" -r 8000 -c 1 -e mu-law "$T/s2.wav"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null
sox -n -r 8000 -c 1 -e mu-law "$T/greeting.wav" synth 0.5 sine 300 vol 0.1
"$OPENUM" mailbox greeting alice@localhost "$T/greeting.wav" >/dev/null

# wer REF HYP: word error rate, 2 decimals
wer() {
	python3 - "$1" "$2" <<'PY'
import sys
r, h = sys.argv[1].lower().split(), sys.argv[2].lower().split()
d = list(range(len(h) + 1))
for i, rw in enumerate(r, 1):
    prev, d[0] = d[0], i
    for j, hw in enumerate(h, 1):
        cur = min(d[j] + 1, d[j - 1] + 1, prev + (rw != hw))
        prev, d[j] = d[j], cur
print("%.2f" % (d[len(h)] / max(len(r), 1)))
PY
}
# transcript ID: "STATE[: TEXT]" from `mailbox show`
transcript() {
	"$OPENUM" mailbox show alice@localhost |
		awk -v id="$1" '$1 == id {m = 1; next} m && $1 == "transcript" {
			sub(/^ *transcript \[/, ""); sub(/\]: /, ": "); sub(/\]$/, ""); print; exit}
			m {exit}'
}
is_done() { transcript "$1" | grep -q "^done"; }
is_failed() { transcript "$1" | grep -q "^failed"; }
newest() { "$OPENUM" mailbox show alice@localhost | awk '$2 == "new" {id = $1} END {print id}'; }
start_um() {
	rm -f "$T/ports"
	bg "$OPENUM" um --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 --domain localhost \
		--port-file "$T/ports" --rtp-ports 43000-43999 --metrics 127.0.0.1:0 --transcribe "$@" \
		2>>"$T/um.log"
	UM=$LAST_PID
	wait_file "$T/ports" 100 "$UM"
	PORT=$(port_of "$T/ports" tcp)
	MPORT=$(port_of "$T/ports" metrics)
}
# metric NAME: its value on /metrics (NAME with its labels, as printed)
metric() { curl -sf "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }
stop_um() {
	kill "$UM"
	wait "$UM" || fail "the UM server did not stop cleanly"
}
# speak FILE: a diverted call that plays FILE after the greeting and the tone
speak() {
	"$CALLER" --port "$PORT" --from sip:bob@localhost --to sip:alice@localhost \
		--header 'Diversion: <sip:alice@localhost>;reason=no-answer' \
		--play "$1" --tone-at 7500 --hangup-ms 16000 >"$T/c.out" 2>&1 ||
		fail "call: $(cat "$T/c.out")"
}

# 1. no model: the message is stored, its transcript fails, the log says why
start_um --transcribe-lm "$T/no-such.lm"
speak "$T/s1.wav"
ID1=$(newest)
[ -n "$ID1" ] || fail "the message was not stored"
wait_for 300 is_failed "$ID1" || fail "message $ID1 not marked failed: $(transcript "$ID1")"
grep -q "cannot load the speech model.*language model file missing" "$T/um.log" ||
	fail "no clear error about the missing model in the log"
"$OPENUM" mailbox export alice@localhost "$ID1" "$T/x1.wav" >/dev/null
[ "$(stat -c %s "$T/x1.wav")" -gt 40000 ] || fail "the message audio is not all there"
echo "ok - a missing model marks message $ID1 failed and keeps it"
wait_for 50 metric_is 'openum_um_transcripts_total{result="failed"}' 1 ||
	fail "metrics: $(curl -sf "http://127.0.0.1:$MPORT/metrics" | grep transcripts)"
echo "ok - /metrics counts the failed transcript"
stop_um

# 2. left pending (as after a crash): the next start transcribes it. From now on the
# server also e-mails messages (docs/email.md) to a real SMTP server (aiosmtpd, as in
# email_smtp.sh): the e-mail waits for the transcript and carries it (step 3).
PY=/usr/bin/python3
"$PY" -c 'import aiosmtpd' 2>/dev/null ||
	fail "python3-aiosmtpd is not installed (scripts/install-deps installs it)"
SP=$(free_port)
mkdir "$T/mail"
bg "$PY" "$(dirname "$0")/email_smtpd.py" "$SP" "$T/mail"
wait_file "$T/mail/ready" 100 "$LAST_PID"
sqlite3 "$OPENUM_DB" "UPDATE message SET transcript_state = 'pending' WHERE id = $ID1"
# and a recording a crash left in the spool (the default one, next to the store; the
# file format of src/um/spool.c): the start rescues it as a message, to be transcribed
MB=$(sqlite3 "$OPENUM_DB" "SELECT id FROM mailbox WHERE address = 'sip:alice@localhost'")
mkdir -p "$T/recordings"
printf 'openum-recording 1\nmailbox %s\nreceived 1700000000000\ncaller sip:crash@localhost\ndiversion no-answer\n\n' \
	"$MB" >"$T/recordings/$MB-1700000000000-1.rec"
sox "$T/s2.wav" -t raw -r 8000 -c 1 -e mu-law - >>"$T/recordings/$MB-1700000000000-1.rec"
start_um --smtp-url "smtp://127.0.0.1:$SP" --smtp-from voicemail@localhost \
	--smtp-starttls off --email-poll-ms 200
IDC=$(sqlite3 "$OPENUM_DB" "SELECT id FROM message WHERE caller = 'sip:crash@localhost'")
[ -n "$IDC" ] || fail "the spooled recording was not rescued: $(tail -n 3 "$T/um.log")"
wait_for 900 is_done "$ID1" || fail "pending message $ID1 not transcribed: $(transcript "$ID1")"
wait_for 900 is_done "$IDC" || fail "rescued message $IDC not transcribed: $(transcript "$IDC")"
echo "ok - a recording rescued from the crash spool is transcribed: $(transcript "$IDC")"
H1=$(transcript "$ID1" | sed 's/^done: *//')
W1=$(wer "$S1" "$H1")
echo "ok - pending message requeued at start; WER $W1"
echo "     said: $S1"
echo "     text: $H1"

# 3. the running server transcribes what it stores, then e-mails it
"$OPENUM" mailbox set-email alice@localhost --email alice@mail.test --mode notify >/dev/null
speak "$T/s2.wav"
ID2=$(newest)
[ "$ID2" != "$ID1" ] || fail "the second message was not stored"
wait_for 900 is_done "$ID2" || fail "message $ID2 not transcribed: $(transcript "$ID2")"
H2=$(transcript "$ID2" | sed 's/^done: *//')
W2=$(wer "$S2" "$H2")
echo "ok - a new message is transcribed after it is stored; WER $W2"
echo "     said: $S2"
echo "     text: $H2"
grep -q "transcribe: message $ID2: transcribed" "$T/um.log" || fail "no log line for $ID2"
wait_for 300 test -f "$T/mail/1.eml" || fail "no e-mail for message $ID2: $(tail -n 5 "$T/um.log")"
"$PY" - "$T/mail/1.eml" "$H2" <<'PY' || fail "the e-mail does not carry the transcript"
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
body = "".join(p.get_payload(decode=True).decode() for p in m.walk()
               if p.get_content_type() == "text/plain")
sys.exit(0 if sys.argv[2] in body else 1)
PY
[ ! -f "$T/mail/2.eml" ] || fail "an e-mail for a message stored before set-email"
echo "ok - the e-mail of message $ID2 carries its transcript"
wait_for 50 metric_is openum_um_emails_sent_total 1 ||
	fail "metrics: $(curl -sf "http://127.0.0.1:$MPORT/metrics" | grep emails)"
wait_for 50 metric_is 'openum_um_transcripts_total{result="done"}' 3 ||
	fail "metrics: $(curl -sf "http://127.0.0.1:$MPORT/metrics" | grep transcripts)"
metric_is 'openum_um_transcripts_total{result="failed"}' 0 || fail "a transcript failed"
echo "ok - /metrics: 3 transcripts done, 1 e-mail sent"
stop_um

for w in "$W1" "$W2"; do
	python3 -c "import sys; sys.exit(0 if $w <= $WER_MAX else 1)" ||
		fail "word error rate $w above $WER_MAX"
done
echo "ok - word error rates $W1 and $W2 are at most $WER_MAX"
