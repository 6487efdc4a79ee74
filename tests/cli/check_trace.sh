#!/bin/sh
# CLI test (ctest cli/check_trace): `openum check-trace` over the traces in
# tests/data/traces (text logs in every supported format, good and bad, and two real
# loopback captures read through tshark): exit codes, finding lines, options.
# Usage: tests/cli/check_trace.sh PATH/TO/openum
set -u
# shellcheck disable=SC1091
. "$(dirname "$0")/../integration/lib.sh"
need tshark python3
D="$(cd "$(dirname "$0")" && pwd)/../data/traces"
OUT="$T/cmd.stdout" # run_cmd's output

# run EXPECTED_STATUS ARGS...: openum check-trace ARGS (stdin /dev/null); the checks
# (expect_out, expect_lines, expect_err, check_fail) are lib.sh's.
run() {
	_want=$1
	shift
	run_cmd "$_want" "$OPENUM" check-trace "$@" </dev/null
}
# run_in EXPECTED_STATUS FILE ARGS...: the same with FILE as stdin.
run_in() {
	_want=$1 _in=$2
	shift 2
	run_cmd "$_want" "$OPENUM" check-trace "$@" <"$_in"
}

SUMMARY='^check-trace: [0-9]+ messages? \([0-9]+ unparsed\), [0-9]+ violations?, [0-9]+ warnings?, [0-9]+ notes?, [0-9]+ TLS connections? not checked$'

# ---- good traces: exit 0, no finding at all ----------------------------------------
for f in spec-examples.log sipp-tls-good.log baresip-tls-good.log; do
	run 0 "$D/$f"
	expect_lines 1 '.'
	expect_out "$SUMMARY"
done
run 0 "$D/spec-examples.log"
expect_out '^check-trace: 2 messages \(0 unparsed\), 0 violations, 0 warnings, 0 notes, 0 TLS connections not checked$'
run 0 "$D/sipp-tls-good.log"
expect_out '^check-trace: 7 messages '

# ---- R1: UDP (here from the top Via of a LF-only text) ------------------------------
run 1 "$D/udp-via.log"
expect_out '^line 3: violation R1: REGISTER sip:example\.com \[UDP per Via\]: SIP over UDP \(read from the top Via\): .*MS-OCEXUM 2\.1'
expect_lines 1 ': violation '
expect_out '^check-trace: 2 messages \(0 unparsed\), 1 violation, 0 warnings, 0 notes, '

# ---- R2: header syntax ----------------------------------------------------------------
run 1 "$D/syntax.log"
expect_out '^line 1: violation R2: INVITE sip:alice@example\.com;opaque=app:voicemail \[TLS per Via\]: Bad Ms-Exchange-Command: itemId is not base64'
expect_out "^line 12: note R2: .*token 'play-message' is unknown"
expect_out '^line 23: violation R2: .*Bad Ms-Sensitivity: unknown value'
expect_out '^line 34: violation R2: .*Ms-Sensitivity appears 2 times'
expect_out '^line 46: note R2: REGISTER .*outside an INVITE'
expect_lines 3 ' violation R2: '
expect_out '^check-trace: 5 messages \(0 unparsed\), 3 violations, 0 warnings, 2 notes, '

# ---- R3: skip-pin over TCP, recorded by SIPp -trace_msg -------------------------------
run 1 "$D/sipp-skip-pin-tcp.log"
expect_out '^line 6: violation R3: INVITE sip:alice@127\.0\.0\.1:5190;opaque=app:voicemail \[TCP\]: INVITE with skip-pin over TCP: .*MS-OCEXUM 3\.1'
expect_out "^line 6: note R2: .*'x-openum-test'"
expect_out '^check-trace: 6 messages \(0 unparsed\), 1 violation, 0 warnings, 1 note, '

# ---- R4 -------------------------------------------------------------------------------
run 1 "$D/from-to.log"
expect_out '^line 1: violation R4: INVITE sip:alice@example\.com \[TCP per Via\]: Play-On-Phone INVITE \(private-no-diversion\) with From URI != To URI'
# a warning does not fail, unless --strict
run 0 "$D/pop-no-sensitivity.log"
expect_out '^line 1: warning R4: .*without Ms-Sensitivity: private-no-diversion: a UM server SHOULD send it \(MS-OCEXUM 3\.2\)$'
run 1 --strict "$D/pop-no-sensitivity.log"
expect_out '^line 1: warning R4: '

# ---- R5: a Kamailio sipdump of a Play-On-Phone call diverted -------------------------
run 1 "$D/kamailio-divert.log"
expect_out '^line 100: violation R5: INVITE sip:alice@example\.com;opaque=app:voicemail \[TLS\]: Diversion header on a no-diversion call \(the INVITE at line 13 carried Ms-Sensitivity\)'
expect_out '^line 100: violation R5: .*sent to voicemail'
expect_out '^line 134: violation R5: INVITE sip:bob@example\.com \[TLS\]: History-Info records a retargeting'
expect_out "^line 134: violation R5: .*Request-URI user 'bob' differs from the original target 'alice'"
expect_out '^line 167: violation R5: SIP/2\.0 181 Call Is Being Forwarded \(INVITE\) \[TLS\]: '
expect_lines 5 ' violation R5: '
expect_lines 0 '^line 47: '

# ---- parse problems: a note and a warning, not a failure ------------------------------
run 0 "$D/cut-and-garbage.log"
expect_out '^line 1: note PARSE: .*body cut in the log \(Content-Length 317, 21 bytes present\): headers checked$'
expect_out '^line 14: warning PARSE: BYE sip:alice@192\.0\.2\.20 SIP/2\.0: not a SIP message openum can parse'
expect_out '^check-trace: 2 messages \(1 unparsed\), 0 violations, 1 warning, 1 note, '
run 1 --strict "$D/cut-and-garbage.log"

# ---- options --------------------------------------------------------------------------
run 1 --quiet "$D/syntax.log"
expect_lines 3 '.'
expect_lines 3 ' violation R2: '
run 0 --quiet "$D/pop-no-sensitivity.log"
expect_lines 0 '.'
run 1 --quiet --strict "$D/pop-no-sensitivity.log"
expect_lines 1 ' warning R4: '

run 1 --format json "$D/kamailio-divert.log"
expect_lines 6 '^\{.*\}$'
expect_out '^\{"line":100,"level":"violation","rule":"R5","summary":"INVITE sip:alice@example\.com;opaque=app:voicemail \[TLS\]","text":"Diversion header'
expect_out '^\{"summary":\{"messages":6,"unparsed":0,"violations":5,"warnings":0,"notes":0,"tls_connections":0\}\}$'
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys
for l in open(sys.argv[1]): json.loads(l)' "$OUT" || check_fail "$LAST: output is not JSON lines"
fi
run 1 --format=json "$D/udp-via.log"
expect_out '"rule":"R1"'

# several files: each line names its file; stdin with "-"
run 1 "$D/spec-examples.log" "$D/from-to.log"
expect_out '/from-to\.log: line 1: violation R4: '
expect_lines 0 'spec-examples\.log: '
expect_out '^check-trace: 3 messages '
run_in 1 "$D/udp-via.log" -
expect_out '^line 3: violation R1: '

# usage errors and unreadable input: exit 2
run 2
expect_err '^usage: openum check-trace'
run 2 --no-such-option "$D/udp-via.log"
expect_err "unknown option '--no-such-option'"
run 2 --format xml "$D/udp-via.log"
expect_err 'text or json'
run 2 "$T/does-not-exist.log"
expect_err 'does-not-exist\.log: No such file'
run 2 "$D/udp-via.log" "$T/does-not-exist.log"
expect_out ' violation R1: '
run 0 --help
expect_out '^usage: openum check-trace'
expect_out '--format json'
expect_out 'R5 '

# ---- captures through tshark ----------------------------------------------------------
run 2 --tshark /nonexistent/tshark "$D/bad.pcap"
expect_err 'tshark not found'
run 1 "$D/bad.pcap"
expect_out '^frame 1: violation R1: OPTIONS sip:proxy@127\.0\.0\.1 \[UDP\]: SIP over UDP'
expect_out '^frame 6: violation R3: INVITE sip:alice@example\.com;opaque=app:voicemail \[TCP\]: INVITE with skip-pin over TCP'
expect_out '^frame 12: violation R5: INVITE sip:bob@example\.com \[TCP\]: Diversion header on a no-diversion call \(the INVITE at frame 10 carried'
expect_out "^frame 12: violation R5: .*user 'bob' differs"
expect_out '^frame 14: violation R5: SIP/2\.0 302 Moved Temporarily \(INVITE\) \[TCP\]: 302 redirects'
expect_lines 5 ' violation '
expect_out '^check-trace: 5 messages \(0 unparsed\), 5 violations, 0 warnings, 0 notes, 0 TLS connections not checked$'

run 0 "$D/good.pcapng"
expect_out '^frame [0-9]+: note TLS: TLS 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:5173: encrypted connection'
expect_out '^check-trace: 4 messages \(0 unparsed\), 0 violations, 0 warnings, 1 note, 1 TLS connection not checked$'
run 0 --format json "$D/good.pcapng"
expect_out '"tls_connections":1'

printf '\324\303\262\241garbage' >"$T/broken.pcap"
run 2 "$T/broken.pcap"
expect_err 'tshark could not read the capture'
run_in 2 "$D/bad.pcap" -
expect_err 'must be given as a file'

checks_done
