#!/bin/sh
# Browser test of the web page: starts tests/tools/openum_test_web (store + Play-On-Phone
# engine + web server on loopback) and drives headless Debian Chromium against it with
# playwright-core. $1: the openum_test_web binary. ENGINE=fake (default; the SIPp-backed
# engine joins when the dial-out engine exists). Exit 77 (skip) without node or chromium.
set -eu
server=$1
here=$(cd "$(dirname "$0")" && pwd)
engine=${ENGINE:-fake}
chromium=${CHROMIUM:-/usr/bin/chromium}

command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed"; exit 77; }
[ -x "$chromium" ] || { echo "SKIP: $chromium is not installed"; exit 77; }
if [ ! -d "$here/node_modules/playwright-core" ] && ! command -v npm >/dev/null 2>&1; then
	echo "SKIP: npm is not installed"
	exit 77
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
	(cd "$here" && npm ci --no-audit --no-fund --silent) || { echo "npm ci failed" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/openum-browser-XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$server" --dir "$work/data" --engine "$engine" --step-ms 700 >"$work/server.log" 2>&1 &
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
