#!/bin/sh
# Browser test of the web page: starts tests/tools/openum_test_web (store + Play-On-Phone
# engine + web server on loopback) and drives headless Debian Chromium against it with
# playwright-core. $1: the openum_test_web binary. ENGINE=ua (default when sipp is
# installed): the real dial-out engine calls a SIPp uas on loopback over TCP
# (tests/integration/sipp/pop_uas_answer_hangup.xml checks Ms-Sensitivity and From URI ==
# To URI, answers, hangs up after 3 s); ENGINE=fake: timers play the phone.
# Exit 77 (skip) without node or chromium.
set -eu
server=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${ENGINE:-}" ]; then
	if command -v sipp >/dev/null 2>&1; then ENGINE=ua; else ENGINE=fake; fi
fi
engine=$ENGINE
chromium=${CHROMIUM:-/usr/bin/chromium}

command -v node >/dev/null 2>&1 || { echo "FAIL: node is not installed (scripts/install-deps installs it)" >&2; exit 1; }
[ -x "$chromium" ] || { echo "FAIL: $chromium is not installed (scripts/install-deps installs it)" >&2; exit 1; }
if [ ! -d "$here/node_modules/playwright-core" ] && ! command -v npm >/dev/null 2>&1; then
	echo "FAIL: npm is not installed (scripts/install-deps installs it)" >&2
	exit 1
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
	(cd "$here" && npm ci --no-audit --no-fund --silent) || { echo "npm ci failed" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/openum-browser-XXXXXX)
pid=""
sipp_pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$sipp_pid" ] && kill "$sipp_pid" 2>/dev/null && wait "$sipp_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

engine_args="--step-ms 700"
if [ "$engine" = ua ]; then
	# SIPp plays the phone (TCP: Debian's SIPp has no TLS server)
	sip_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	(cd "$work" && exec sipp -sf "$here/../integration/sipp/pop_uas_answer_hangup.xml" -t t1 \
		-i 127.0.0.1 -p "$sip_port" -mp 0 -m 1 -nostdin -timeout 60s -timeout_error \
		-trace_err -error_file sipp.errors.log -trace_logs -log_file sipp.logs.log \
		>sipp.out 2>&1) &
	sipp_pid=$!
	sleep 0.5
	engine_args="--sip-port $sip_port --sip-transport tcp --dial-timeout-ms 10000"
fi
# shellcheck disable=SC2086
"$server" --dir "$work/data" --engine "$engine" $engine_args >"$work/server.log" 2>&1 &
pid=$!
i=0
while ! grep -q '^listening on ' "$work/server.log"; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "openum_test_web did not start:" >&2
		cat "$work/server.log" >&2
		exit 1
	fi
	sleep 0.1
done
base=$(sed -n 's/^listening on \(.*\)\/$/\1/p' "$work/server.log")
echo "server at $base (engine $engine)"
CHROMIUM=$chromium node "$here/web_play_on_phone_browser.mjs" "$base" "$work/server.log"
if [ "$engine" = ua ]; then
	rc=0
	wait "$sipp_pid" || rc=$?
	sipp_pid=""
	if [ "$rc" -ne 0 ] || ! grep -q 'from=sip:alice@example.com to=sip:alice@example.com sens=private-no-diversion' "$work/sipp.logs.log"; then
		echo "the SIPp phone failed (exit $rc): an INVITE check or the call went wrong" >&2
		cat "$work/sipp.out" "$work/sipp.errors.log" "$work/sipp.logs.log" >&2 2>/dev/null
		exit 1
	fi
	echo "ok: the SIPp phone got From URI == To URI and Ms-Sensitivity: private-no-diversion"
fi
