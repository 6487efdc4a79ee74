#!/bin/sh
# Voice messages to e-mail against a real SMTP server (Debian's aiosmtpd on loopback,
# email_smtpd.py). A diverted call leaves a message while the SMTP server is down: the
# delivery is retried with back-off from the store's queue (also across a restart of
# the UM server), the voice message stays intact, and once the server is up the e-mail
# arrives: it parses as MIME (Python's email package), names the caller in its body,
# and its WAV attachment holds exactly the recorded audio (the G.711 of `openum mailbox
# export`, decoded). Then an Opus attachment (Ogg magic, opusinfo) and STARTTLS with a
# certificate from `openum certs`, then SMTP AUTH after STARTTLS: a wrong password
# is retried with a clear error in `openum mailbox mail-log` until the attempts run
# out, the right one delivers. /metrics counts e-mails sent, failed attempts, given up.
# timeout: 180
set -eu
. "$(dirname "$0")/lib.sh"
need sox opusinfo curl
# Debian's Python, where python3-aiosmtpd lives (a python3 earlier on PATH, such as a
# pyenv one, would not have it)
PY=/usr/bin/python3
[ -x "$PY" ] || fail "/usr/bin/python3 is not installed (scripts/install-deps installs it)"
"$PY" -c 'import aiosmtpd' 2>/dev/null ||
	fail "python3-aiosmtpd is not installed (scripts/install-deps installs it)"
CALLER=$BUILD/openum_test_caller
SMTPD="$(dirname "$0")/email_smtpd.py"
export OPENUM_DB="$T/um.db"
"$OPENUM" mailbox add sip:alice@localhost --name Alice --ext 1001 --pin 204862 >/dev/null
"$OPENUM" mailbox set-email alice@localhost --email alice@mail.test --mode attach \
	>"$T/se.out" || fail "set-email: $(cat "$T/se.out")"
sox -n -r 8000 -c 1 -e mu-law "$T/greeting.wav" synth 0.5 sine 300 vol 0.3
"$OPENUM" mailbox greeting alice@localhost "$T/greeting.wav" >/dev/null

SP=$(free_port)
mkdir "$T/mail"
start_um() {
	rm -f "$T/ports"
	bg "$OPENUM" um --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 --domain localhost \
		--port-file "$T/ports" --rtp-ports 43000-43999 --max-message-seconds 10 \
		--smtp-url "smtp://127.0.0.1:$SP" --smtp-from voicemail@localhost \
		--smtp-starttls off --email-retry-seconds 1 --email-retry-max-seconds 2 \
		--email-poll-ms 200 --email-max-attempts 50 --email-subject 'Voice message from {caller} ({duration})' \
		--metrics 127.0.0.1:0 2>>"$T/um.log"
	UM=$LAST_PID
	wait_file "$T/ports" 100 "$UM"
	PORT=$(port_of "$T/ports" tcp)
	MPORT=$(port_of "$T/ports" metrics)
}
# metric NAME: its value on /metrics of the running UM server
metric() { curl -sf "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
metrics_mail() { curl -sf "http://127.0.0.1:$MPORT/metrics" | grep '^openum_um_email' | tr '\n' ' '; }
maillog() { "$OPENUM" mailbox mail-log alice@localhost; }
row() { maillog | awk -v id="$1" '$1 == id'; }
start_um

# 1. a message while the SMTP server is down
"$CALLER" --port "$PORT" --from sip:bob@localhost --to sip:alice@localhost \
	--header 'Diversion: <sip:alice@localhost>;reason=no-answer' \
	--tone-ms 3000 --tone-at 5000 --seq '8500:#' --hangup-ms 0 >"$T/c1.out" 2>&1 ||
	fail "call: $(cat "$T/c1.out")"
MSG=$("$OPENUM" mailbox show alice@localhost | awk '$2 == "new" {id = $1} END {print id}')
[ -n "$MSG" ] || fail "no message recorded"
"$OPENUM" mailbox export alice@localhost "$MSG" "$T/before.wav" >/dev/null
wait_for 100 sh -c "\"$OPENUM\" mailbox mail-log alice@localhost | grep -q 'retrying .*[Cc]onnect'" ||
	fail "no failed attempt in the log: $(maillog)"
echo "ok - SMTP server down: $(maillog | tail -n 1)"
{ [ "$(metric openum_um_email_attempts_failed_total)" -ge 1 ] &&
	[ "$(metric openum_um_emails_sent_total)" = 0 ]; } || fail "metrics: $(metrics_mail)"
echo "ok - /metrics: $(metrics_mail)"

# 2. a restart of the UM server while the server is still down: the queue survives
kill "$UM"
wait "$UM" 2>/dev/null || true
a1=$(maillog | awk 'NR == 2 {print $7}')
start_um
wait_for 100 sh -c "[ \$(\"$OPENUM\" mailbox mail-log alice@localhost | awk 'NR == 2 {print \$7}') -gt $a1 ]" ||
	fail "no attempt after the restart: $(maillog)"
echo "ok - retried after a restart: $(maillog | tail -n 1)"

# 3. the SMTP server comes up: the e-mail goes out once
bg "$PY" "$SMTPD" "$SP" "$T/mail"
SMTPD_PID=$LAST_PID
wait_file "$T/mail/ready" 100 "$SMTPD_PID"
wait_for 100 sh -c "\"$OPENUM\" mailbox mail-log alice@localhost | grep -q ' sent '" ||
	fail "not sent once the server is up: $(maillog)"
maillog | grep ' sent ' | grep -q 'sent to alice@mail.test' || fail "log: $(maillog)"
echo "ok - delivered when the server came up: $(maillog | tail -n 1)"
wait_for 50 sh -c "curl -sf http://127.0.0.1:$MPORT/metrics | grep -qx 'openum_um_emails_sent_total 1'" ||
	fail "metrics: $(metrics_mail)"
{ [ "$(metric openum_um_email_attempts_failed_total)" -ge 1 ] &&
	[ "$(metric openum_um_emails_given_up_total)" = 0 ]; } || fail "metrics: $(metrics_mail)"
[ -f "$T/mail/1.eml" ] || fail "no mail received"
sleep 1
[ ! -f "$T/mail/2.eml" ] || fail "the e-mail was sent twice"
grep -q "to alice@mail.test" "$T/mail/1.rcpt" || fail "envelope: $(cat "$T/mail/1.rcpt")"

# the voice message is intact and still new
"$OPENUM" mailbox export alice@localhost "$MSG" "$T/after.wav" >/dev/null
cmp -s "$T/before.wav" "$T/after.wav" || fail "the voice message changed"
"$OPENUM" mailbox show alice@localhost | awk -v id="$MSG" '$1 == id' | grep -q new ||
	fail "the message is no longer new"

# 4. the e-mail: MIME, caller in the body, attachment == the recorded audio decoded
"$PY" - "$T/mail/1.eml" "$T/after.wav" wav <<'PY' >"$T/check.out" 2>&1 || fail "e-mail: $(cat "$T/check.out")"
import email, email.policy, struct, sys, wave
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert msg.get_content_type() == "multipart/mixed", msg.get_content_type()
assert msg["Date"] and msg["Message-ID"] and msg["From"], dict(msg)
assert "sip:bob@localhost" in msg["Subject"], msg["Subject"]
assert msg["To"].addresses[0].addr_spec == "alice@mail.test", msg["To"]
parts = list(msg.iter_parts())
assert len(parts) == 2, len(parts)
body = parts[0].get_content()
assert parts[0].get_content_type() == "text/plain"
assert "sip:bob@localhost" in body, body
assert "sip:alice@localhost" in body, body
att = parts[1]
assert att.get_content_type() == "audio/wav", att.get_content_type()
assert att.get_filename().endswith(".wav"), att.get_filename()
data = att.get_payload(decode=True)
open(sys.argv[1] + ".wav", "wb").write(data)
w = wave.open(sys.argv[1] + ".wav")
assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000), w.getparams()
pcm = w.readframes(w.getnframes())
# the export is the stored G.711 in a WAV (mu-law, format 7): read its data chunk
raw = open(sys.argv[2], "rb").read()
i = raw.index(b"data") + 8
g711 = raw[i:i + int.from_bytes(raw[i - 4:i], "little")]
def mulaw(b):  # ITU-T G.711 mu-law to 16-bit linear
    b = ~b & 0xFF
    v = ((((b & 0x0F) << 3) + 0x84) << ((b >> 4) & 7)) - 0x84
    return -v if b & 0x80 else v
assert len(pcm) == 2 * len(g711), (len(g711), len(pcm) // 2)
want = struct.pack("<%dh" % len(g711), *map(mulaw, g711))
assert want == pcm, "the attachment differs from the exported message"
print("attachment: %d samples equal to the exported message" % (len(pcm) // 2))
PY
echo "ok - the e-mail parses as MIME, body names the caller; $(cat "$T/check.out")"

# 5. Opus: the next message (imported) arrives as Opus in Ogg
"$OPENUM" mailbox set-email alice@localhost --format opus >/dev/null
sox -n -r 8000 -c 1 -b 16 "$T/two.wav" synth 2 sine 500 vol 0.5
"$OPENUM" mailbox import alice@localhost "$T/two.wav" --caller sip:carol@localhost >/dev/null
wait_file "$T/mail/2.eml" 150 "$SMTPD_PID"
"$PY" - "$T/mail/2.eml" <<'PY' >"$T/opus.out" 2>&1 || fail "opus e-mail: $(cat "$T/opus.out")"
import email, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
att = list(msg.iter_attachments())[0]
assert att.get_content_type() == "audio/ogg", att.get_content_type()
data = att.get_payload(decode=True)
assert data[:4] == b"OggS" and b"OpusHead" in data[:100], data[:40]
open(sys.argv[1] + ".opus", "wb").write(data)
print("%d bytes" % len(data))
PY
opusinfo "$T/mail/2.eml.opus" >"$T/opusinfo.out" 2>&1 || fail "opusinfo: $(cat "$T/opusinfo.out")"
grep -q "Playback length: 0m:0[12]" "$T/opusinfo.out" || fail "opus length: $(cat "$T/opusinfo.out")"
echo "ok - Opus attachment ($(cat "$T/opus.out")), opusinfo: $(grep 'Playback length' "$T/opusinfo.out" | tr -s ' ')"

# 6. STARTTLS required, against a server with a certificate from `openum certs`
kill "$UM" "$SMTPD_PID"
wait "$UM" "$SMTPD_PID" 2>/dev/null || true
"$OPENUM" certs "$T/pki" >"$T/certs.out" 2>&1 || fail "certs: $(cat "$T/certs.out")"
SP=$(free_port)
mkdir "$T/mail2"
bg "$PY" "$SMTPD" "$SP" "$T/mail2" --tls "$T/pki/server.pem" "$T/pki/server.key"
SMTPD_PID=$LAST_PID
wait_file "$T/mail2/ready" 100 "$SMTPD_PID"
rm -f "$T/ports"
# this time from the [um] section of a config file (docs/config.md keys)
cat >"$T/um.ini" <<INI
[um]
smtp-url = smtp://localhost:$SP
smtp-from = voicemail@localhost
smtp-ca = $T/pki/ca.pem
email-poll-ms = 200
email-body = Message from {caller}\\nlength {duration}
INI
bg "$OPENUM" um --config "$T/um.ini" --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 \
	--domain localhost --port-file "$T/ports" 2>>"$T/um.log"
UM=$LAST_PID
wait_file "$T/ports" 100 "$UM"
"$OPENUM" mailbox set-email alice@localhost --mode notify >/dev/null
"$OPENUM" mailbox import alice@localhost "$T/two.wav" --caller sip:dave@localhost >/dev/null
wait_file "$T/mail2/1.eml" 150 "$SMTPD_PID"
grep -q "tls yes" "$T/mail2/1.rcpt" || fail "not over TLS: $(cat "$T/mail2/1.rcpt")"
"$PY" - "$T/mail2/1.eml" <<'PY' >"$T/tls.out" 2>&1 || fail "notify e-mail: $(cat "$T/tls.out")"
import email, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert not list(msg.iter_attachments()), "notify mode carries no audio"
body = msg.get_body(("plain",)).get_content()
assert "Message from sip:dave@localhost\nlength 0:02" in body, body
PY
echo "ok - STARTTLS (verified with the openum certs CA), notify mode without audio"

# 7. SMTP AUTH (after STARTTLS): a wrong password, then the right one from a file
kill "$UM" "$SMTPD_PID"
wait "$UM" "$SMTPD_PID" 2>/dev/null || true
SP=$(free_port)
mkdir "$T/mail3"
bg "$PY" "$SMTPD" "$SP" "$T/mail3" --tls "$T/pki/server.pem" "$T/pki/server.key" \
	--auth vm-sender 'c0rrect horse'
SMTPD_PID=$LAST_PID
wait_file "$T/mail3/ready" 100 "$SMTPD_PID"
sed -i "s/^smtp-url = .*/smtp-url = smtp:\/\/localhost:$SP/" "$T/um.ini"
start_auth_um() {
	rm -f "$T/ports"
	bg "$OPENUM" um --config "$T/um.ini" --db "$OPENUM_DB" --listen-tcp 127.0.0.1:0 \
		--domain localhost --port-file "$T/ports" --metrics 127.0.0.1:0 \
		--email-retry-seconds 1 --email-retry-max-seconds 1 --email-max-attempts 3 \
		--smtp-user vm-sender "$@" 2>>"$T/um.log"
	UM=$LAST_PID
	wait_file "$T/ports" 100 "$UM"
	MPORT=$(port_of "$T/ports" metrics)
}
start_auth_um --smtp-password 'wrong horse'
"$OPENUM" mailbox import alice@localhost "$T/two.wav" --caller sip:erin@localhost >/dev/null
# The attempts come a second apart: by the next look the row may have given up
# already, so one look judges both the state and the reason.
wait_for 100 sh -c "\"$OPENUM\" mailbox mail-log alice@localhost |
	grep -E ' (retrying|gave-up) ' | grep -qi 'login denied'" ||
	fail "no refused AUTH with its reason: $(maillog)"
echo "ok - wrong password: $(maillog | grep -i 'login denied' | head -n 1)"
wait_for 100 sh -c "\"$OPENUM\" mailbox mail-log alice@localhost | grep -q ' gave-up '" ||
	fail "did not give up after 3 attempts: $(maillog)"
grep -q '^bad vm-sender' "$T/mail3/auth.log" || fail "auth log: $(cat "$T/mail3/auth.log")"
[ ! -f "$T/mail3/1.eml" ] || fail "delivered with a wrong password"
{ [ "$(metric openum_um_emails_given_up_total)" = 1 ] &&
	[ "$(metric openum_um_email_attempts_failed_total)" = 3 ] &&
	[ "$(metric openum_um_emails_sent_total)" = 0 ]; } || fail "metrics: $(metrics_mail)"
echo "ok - gave up after 3 attempts; /metrics: $(metrics_mail)"
kill "$UM"
wait "$UM" 2>/dev/null || true
printf 'c0rrect horse\n' >"$T/smtp.pw"
start_auth_um --smtp-password-file "$T/smtp.pw"
"$OPENUM" mailbox import alice@localhost "$T/two.wav" --caller sip:frank@localhost >/dev/null
wait_file "$T/mail3/1.eml" 150 "$SMTPD_PID"
grep -q '^ok vm-sender' "$T/mail3/auth.log" || fail "auth log: $(cat "$T/mail3/auth.log")"
grep -q "tls yes" "$T/mail3/1.rcpt" || fail "not over TLS: $(cat "$T/mail3/1.rcpt")"
grep -q 'sip:frank@localhost' "$T/mail3/1.eml" || fail "another e-mail was delivered"
wait_for 50 sh -c "curl -sf http://127.0.0.1:$MPORT/metrics | grep -qx 'openum_um_emails_sent_total 1'" ||
	fail "metrics: $(metrics_mail)"
echo "ok - right password (--smtp-password-file): delivered over STARTTLS with AUTH"
echo "ok - mail-log:"
maillog
