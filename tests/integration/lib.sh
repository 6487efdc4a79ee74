# Shared helpers for tests/integration/*.sh and tests/cli/*.sh (POSIX sh). Source it
# after `set -eu` (or `set -u`):
#   . "$(dirname "$0")/lib.sh"                 (tests/integration)
#   . "$(dirname "$0")/../integration/lib.sh"  (tests/cli)
# It sets BUILD (the build directory, $1 of every glob-registered integration script;
# the CLI tests get the openum binary as $1 instead, and BUILD is its directory), OPENUM
# (the binary), T (a fresh temporary directory, removed at exit unless KEEP is set),
# and kills every process started with `bg` at exit.
# shellcheck shell=sh disable=SC2034
if [ -f "${1:?usage: $0 BUILD_DIR (or, for tests/cli, the openum binary)}" ]; then
	OPENUM=$1
	BUILD=$(dirname "$1")
else
	BUILD=$1
	OPENUM="$BUILD/openum"
fi
TEST_DIR=$(cd "$(dirname "$0")" && pwd) # the test's own folder, absolute
TEST_NAME=$(basename "$0" .sh)
TEST_LABEL="$(basename "$(dirname "$0")")/$TEST_NAME" # integration/NAME or cli/NAME
T=$(mktemp -d "/tmp/openum-$TEST_NAME-XXXXXX")
PIDS=""
FAIL_LOGS="" # more files for `fail` to show (beyond $T/*.log and $T/*.out)

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

# fail MESSAGE: print it with the tail of every log in $T (and FAIL_LOGS), exit 1.
fail() {
	echo "$TEST_LABEL: FAIL: $*" >&2
	for f in "$T"/*.log "$T"/*.out $FAIL_LOGS; do
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

# free_ports N: the first of N consecutive TCP ports on loopback that nobody listens on
# right now (`openum demo --port-base P` uses P..P+4).
free_ports() {
	python3 -c '
import socket, random, sys
n = int(sys.argv[1])
for _ in range(200):
    b = random.randrange(20000, 60000)
    ss = []
    try:
        for p in range(b, b + n):
            s = socket.socket(); s.bind(("127.0.0.1", p)); ss.append(s)
        print(b); break
    except OSError:
        pass
    finally:
        for s in ss: s.close()
' "$1"
}

# wait_printed FILE REGEX TENTHS PID WHAT: wait until a line of FILE matches REGEX; fail
# when PID dies first ("WHAT exited") or after TENTHS tenths of a second.
wait_printed() {
	_i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1))
		kill -0 "$4" 2>/dev/null || fail "$5 exited before printing /$2/"
		[ "$_i" -gt "$3" ] && fail "$5 printed no /$2/ in $(($3 / 10)) s"
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

# demo_start: runs `openum demo --dir $T/demo --port-base $BASE` in the background
# (stdout $T/out, stderr $T/err) and waits until it is ready (15 s); sets DEMO_PID and
# DEMO_KIDS (the pids of its UM server and proxy).
demo_start() {
	bg "$OPENUM" demo --dir "$T/demo" --port-base "$BASE" >"$T/out" 2>"$T/err"
	DEMO_PID=$LAST_PID
	wait_printed "$T/out" 'openum demo is ready' 150 "$DEMO_PID" "openum demo"
	DEMO_KIDS=$(sed -n 's/^Started openum um (pid \([0-9]*\)) and openum proxy (pid \([0-9]*\))\.$/\1 \2/p' "$T/out")
	[ -n "$DEMO_KIDS" ] || fail "no child pids printed"
}

# ---- the web service's JSON API (Play-On-Phone) ------------------------------------
# api_logon URL ADDRESS PIN [CURL_OPTION...]: logs on to the JSON API at URL (no
# trailing slash); later `api` calls use its cookie jar and CSRF token, and the curl
# options (e.g. --cacert FILE).
api_logon() {
	API_URL=$1
	_addr=$2 _pin=$3
	shift 3
	API_OPTS="$*"
	# shellcheck disable=SC2086
	curl -sf $API_OPTS -c "$T/api.jar" -H 'Content-Type: application/json' \
		-d "{\"address\":\"$_addr\",\"pin\":\"$_pin\"}" "$API_URL/api/v1/session" \
		>"$T/api-session.json" || fail "web logon as $_addr failed"
	API_CSRF=$(jq -r .csrf_token "$T/api-session.json")
}

# api METHOD PATH [JSON_BODY]: prints the answer's body, then its HTTP status on a line
# of its own.
api() {
	# shellcheck disable=SC2086
	if [ $# -ge 3 ]; then
		curl -s $API_OPTS -b "$T/api.jar" -X "$1" -H "X-CSRF-Token: $API_CSRF" \
			-H 'Content-Type: application/json' -d "$3" -w '\n%{http_code}\n' "$API_URL$2"
	else
		curl -s $API_OPTS -b "$T/api.jar" -X "$1" -H "X-CSRF-Token: $API_CSRF" \
			-w '\n%{http_code}\n' "$API_URL$2"
	fi
}

# follow CALL_ID: polls GET /api/v1/calls/CALL_ID until Disconnected (30 s at most);
# prints every state seen, then "|CAUSE SIP_CODE" of the end.
follow() {
	_seen="" _i=0
	while :; do
		_j=$(api GET "/api/v1/calls/$1" | head -n 1)
		_s=$(echo "$_j" | jq -r .state)
		case " $_seen " in *" $_s "*) ;; *) _seen="$_seen $_s" ;; esac
		[ "$_s" = Disconnected ] && break
		_i=$((_i + 1))
		[ $_i -gt 300 ] && fail "call $1 never ended (states:$_seen)"
		sleep 0.1
	done
	echo "$_seen|$(echo "$_j" | jq -r '.cause + " " + (.sip_code|tostring)')"
}

# pop_play MESSAGE_ID [MORE_JSON]: POST /api/v1/play-on-phone, which must answer 201;
# prints the call id. MORE_JSON goes into the request object (',"dial_string":""').
pop_play() {
	_out=$(api POST /api/v1/play-on-phone "{\"message_id\":$1${2:-}}")
	[ "$(echo "$_out" | tail -n 1)" = 201 ] || fail "play-on-phone: $_out"
	echo "$_out" | head -n 1 | jq -r .call_id
}

# ---- SIPp as the phone a Play-On-Phone call rings (tests/integration/sipp/pop_uas_*) --
# pop_phone NAME SCENARIO: a SIPp uas for one call on loopback TCP port SIP_PORT; its
# logs are $T/NAME.*.
pop_phone() {
	(cd "$T" && exec sipp -sf "$TEST_DIR/sipp/$2" -t t1 -i 127.0.0.1 -p "$SIP_PORT" \
		-mp 0 -m 1 -nostdin -timeout 30s -timeout_error -trace_err -error_file "$1.errors.log" \
		-trace_logs -log_file "$1.logs.log" -trace_msg -message_file "$1_messages.log" \
		>"$1.out" 2>&1) &
	SIPP_PID=$!
	PIDS="$PIDS $SIPP_PID"
	sleep 0.5 # SIPp binds its port
}
# pop_phone_wait NAME: the SIPp of pop_phone passed, and saw the INVITE Play-On-Phone
# sends to alice (From == To, Ms-Sensitivity: private-no-diversion).
pop_phone_wait() {
	_rc=0
	wait "$SIPP_PID" || _rc=$?
	[ "$_rc" -eq 0 ] || fail "$1: sipp exit status $_rc (an INVITE check failed or the call went wrong)"
	grep -q 'INVITE ruri=sip:alice@example.com from=sip:alice@example.com to=sip:alice@example.com sens=private-no-diversion' \
		"$T/$1.logs.log" || fail "$1: the INVITE SIPp logged is not the expected one"
}

# ---- checks that go on after a failure (tests/cli: many small cases) ----------------
# run_cmd WANT COMMAND...: runs it with stdout in $T/cmd.stdout and stderr in
# $T/cmd.stderr, checks its exit status is WANT (else check_fail, returns 1). LAST names
# the command for the messages (set it after run_cmd to change it).
CHECK_FAILS=0
run_cmd() {
	_want=$1
	shift
	_got=0
	"$@" >"$T/cmd.stdout" 2>"$T/cmd.stderr" || _got=$?
	LAST="$*"
	if [ "$_got" -ne "$_want" ]; then
		check_fail "$LAST: exit $_got, expected $_want"
		return 1
	fi
	return 0
}
# check_fail MESSAGE: reports it with the last command's output and counts it.
check_fail() {
	echo "$TEST_LABEL: FAIL: $*" >&2
	echo "--- stdout:" >&2
	sed 's/^/    /' "$T/cmd.stdout" >&2
	echo "--- stderr:" >&2
	sed 's/^/    /' "$T/cmd.stderr" >&2
	CHECK_FAILS=$((CHECK_FAILS + 1))
}
# expect_out REGEX / expect_err REGEX: the last command's stdout/stderr has a line that
# matches; expect_lines N REGEX: exactly N stdout lines do.
expect_out() {
	grep -Eq -- "$1" "$T/cmd.stdout" || check_fail "$LAST: stdout lacks /$1/"
}
expect_err() {
	grep -Eq -- "$1" "$T/cmd.stderr" || check_fail "$LAST: stderr lacks /$1/"
}
expect_lines() {
	_n=$(grep -Ec -- "$2" "$T/cmd.stdout")
	[ "$_n" -eq "$1" ] || check_fail "$LAST: $_n lines match /$2/, expected $1"
}
# checks_done: exit 1 when a check failed, else say so.
checks_done() {
	if [ "$CHECK_FAILS" -ne 0 ]; then
		echo "$TEST_LABEL: $CHECK_FAILS failure(s)" >&2
		exit 1
	fi
	echo "$TEST_LABEL: all passed"
}
