#!/bin/sh
# CLI smoke test (ctest cli/smoke): the documented help, version, exit codes and
# not-built notices, and `openum parse` and `openum demo --examples` on the MS-OCEXUM
# section 4 examples.
# Usage: tests/cli/smoke.sh PATH/TO/openum
set -u
# shellcheck disable=SC1091
. "$(dirname "$0")/../integration/lib.sh"
DATA="$(cd "$(dirname "$0")" && pwd)/../data/ms-ocexum"
OUT="$T/cmd.stdout" # run_cmd's output

# run EXPECTED_STATUS ARGS...: openum ARGS; the checks (expect_out, expect_err,
# check_fail) are lib.sh's.
run() {
	_want=$1
	shift
	run_cmd "$_want" "$OPENUM" "$@"
}

ALL="um proxy phone mailbox user certs demo parse check-trace version"
UNBUILT=""

run 0 --help && expect_out '^usage: openum SUBCOMMAND'
for c in $ALL; do
	grep -Eq "^  $c " "$OUT" || check_fail "openum --help does not list $c"
done
# every subcommand is built: no line about unbuilt ones (they confused operators)
grep -q 'not built' "$OUT" && check_fail "openum --help speaks of unbuilt subcommands"
run 0 -h && expect_out '^usage: openum'
run 0 help && expect_out '^usage: openum'
run 0 --version && expect_out '^openum [0-9]+\.[0-9]+\.[0-9]+$'
run 0 version && expect_out '^openum [0-9]+\.[0-9]+\.[0-9]+$'

for c in $ALL; do
	run 0 "$c" --help && expect_out "^usage: openum $c"
	run 0 "$c" -h && expect_out "^usage: openum $c"
	run 0 help "$c" && expect_out "^usage: openum $c"
done

for c in $UNBUILT; do
	run 2 "$c" && expect_err "^openum $c: not built yet in this version \(see README\)$"
	run 2 "$c" some-arg
	expect_err "^openum $c: not built yet"
	run 0 "$c" --help && expect_out "^Not built yet in this version" && expect_out '^Planned'
done

run 2 && expect_err '^usage: openum'
run 2 no-such-command && expect_err "unknown subcommand 'no-such-command'"
run 2 --no-such-option && expect_err "unknown option '--no-such-option'"
run 2 help no-such-command && expect_err "unknown subcommand 'no-such-command'"
run 2 parse --no-such-option && expect_err "unknown option '--no-such-option'"
run 2 demo --no-such-option && expect_err "unknown option '--no-such-option'"
run 2 version extra

# parse on the spec examples: the MS-OCEXUM facts.
run 0 parse "$DATA/skip-pin-invite.sip"
expect_out '^INVITE sip:alice@contoso.com;opaque=app:voicemail SIP/2.0$'
expect_out '^  Ms-Exchange-Command: skip-pin$'
expect_out '^  skip-pin: yes$'
expect_out '^  sensitivity: normal$'
# RFC 3261 19.1.4 ignores a parameter (opaque) present in only one URI.
expect_out '^  from==to: yes$'
expect_out '^check: ok$'

# 4.2 carries no Via (the spec shows an excerpt): facts are read, the check fails.
run 1 parse "$DATA/play-on-phone-invite.sip"
expect_out '^INVITE sip:172\.19\.58\.98:2280;transport=tls;ms-opaque=ce5f21cc9d;ms-received-cid=D0A300 SIP/2\.0$'
expect_out '^  Ms-Sensitivity: private-no-diversion$'
expect_out '^  skip-pin: no$'
expect_out '^  sensitivity: private-no-diversion$'
expect_out '^  no-diversion: yes$'
expect_out '^  from==to: yes$'
expect_out '^check: 400 '
expect_err "play-on-phone-invite\.sip: 400 .*Via"

# Standard input, and canonical names for compact forms.
printf 'OPTIONS sip:bob@example.com SIP/2.0\r\nv: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK776\r\nf: <sip:alice@example.com>;tag=1\r\nt: <sip:bob@example.com>\r\ni: abc@192.0.2.1\r\nCSeq: 7 OPTIONS\r\nMax-Forwards: 70\r\nl: 0\r\n\r\n' >"$T/compact.sip"
run 0 parse <"$T/compact.sip"
expect_out '^== \(stdin\)$'
expect_out '^  Via: SIP/2\.0/TCP 192\.0\.2\.1:5060;branch=z9hG4bK776$'
expect_out '^  From: <sip:alice@example\.com>;tag=1$'
expect_out '^  Call-ID: abc@192\.0\.2\.1$'
expect_out '^  Content-Length: 0$'
expect_out '^check: ok$'

# Bad input: "FILE: 400 <why>" and exit 1; the next file is still read.
printf 'this is not SIP\r\n\r\n' >"$T/garbage.sip"
run 1 parse "$T/garbage.sip" "$DATA/skip-pin-invite.sip"
expect_err "garbage\.sip: 400 [A-Za-z]"
expect_out '^  skip-pin: yes$'
run 1 parse "$T/does-not-exist.sip"
expect_err "does-not-exist\.sip"

# demo --examples reads both examples.
run 0 demo --examples --data-dir "$DATA"
expect_out '^  skip-pin: yes$'
expect_out '^  sensitivity: private-no-diversion$'
run 1 demo --examples --data-dir "$T/nowhere"

checks_done
