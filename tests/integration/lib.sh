# Shared helpers for tests/integration/*.sh (POSIX sh). Source it after `set -eu`:
#   . "$(dirname "$0")/lib.sh"
# It sets BUILD (the build directory, $1 of every glob-registered script), OPENUM (the
# binary in it), T (a fresh temporary directory, removed at exit unless KEEP is set),
# and kills every process started with `bg` at exit.
# shellcheck shell=sh disable=SC2034
BUILD=${1:?usage: $0 BUILD_DIR}
OPENUM="$BUILD/openum"
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "/tmp/openum-$TEST_NAME-XXXXXX")
PIDS=""

it_cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null || true
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap it_cleanup EXIT
trap 'exit 1' INT TERM HUP

# fail MESSAGE: print it with the tail of every log in $T, exit 1.
fail() {
	echo "integration/$TEST_NAME: FAIL: $*" >&2
	for f in "$T"/*.log "$T"/*.out; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
	done
	exit 1
}

# need TOOL...: fail (never skip) when a tool scripts/install-deps installs is missing.
need() {
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 ||
			fail "$tool is not installed (scripts/install-deps installs it)"
	done
}

# bg COMMAND...: start it in the background, killed at exit; its pid is in $LAST_PID.
bg() {
	"$@" &
	LAST_PID=$!
	PIDS="$PIDS $LAST_PID"
}

# free_port: a TCP port on loopback that nobody listens on right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_file FILE [TENTHS] [PID]: wait until FILE is non-empty (default 10 s); fail when
# PID, if given, dies first.
wait_file() {
	_i=0
	while [ ! -s "$1" ]; do
		_i=$((_i + 1))
		[ "$_i" -gt "${2:-100}" ] && fail "timed out waiting for $1"
		if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then
			fail "process $3 exited before writing $1"
		fi
		sleep 0.1
	done
}

# port_of FILE KIND: the port written as "KIND PORT" into a --port-file.
port_of() {
	awk -v k="$2" '$1 == k {print $2}' "$1"
}

# wait_for TENTHS COMMAND...: retry COMMAND until it succeeds or TENTHS tenths pass.
wait_for() {
	_n=$1
	shift
	_i=0
	until "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ "$_i" -gt "$_n" ] && return 1
		sleep 0.1
	done
	return 0
}
