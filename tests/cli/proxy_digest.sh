#!/bin/sh
# openum proxy --digest: bad lists are usage errors (exit 2, a message); the
# 401 to a REGISTER offers exactly the algorithms given, in that order (default
# SHA-256 then MD5). baresip 1.0.0 needs MD5 alone (docs/interop.md).
# usage: proxy_digest.sh PATH/TO/openum
set -eu
OPENUM=${1:?usage: $0 PATH/TO/openum}
T=$(mktemp -d)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() {
	echo "FAIL: cli/proxy_digest: $*" >&2
	[ -s "$T/proxy.log" ] && tail -n 20 "$T/proxy.log" >&2
	exit 1
}

for bad in "" "MD5,MD5" "SHA-256," ",MD5" "SHA-512-256" "MD5-sess" "md5,sha-256,md5"; do
	rc=0
	"$OPENUM" proxy --domain example.com --db "$T/x.db" --digest "$bad" \
		>"$T/out" 2>&1 || rc=$?
	[ "$rc" -eq 2 ] || fail "'$bad': exit status $rc, expected 2"
	grep -q -- "--digest takes sha-256, md5 or both" "$T/out" ||
		fail "'$bad': no message: $(cat "$T/out")"
done
"$OPENUM" proxy --help | grep -q -- "--digest LIST" || fail "--help does not say it"

cat >"$T/register.py" <<'PY'
import re, socket, sys, time
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("proxy not listening")
s.sendall(("REGISTER sip:example.com SIP/2.0\r\n"
           "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKdigest1\r\n"
           "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:alice@example.com>\r\n"
           "Call-ID: digest-algorithms-1\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
           "Contact: <sip:alice@127.0.0.1:5999;transport=tcp>\r\nContent-Length: 0\r\n\r\n").encode())
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
head = buf.split(b"\r\n\r\n")[0].decode()
if not head.startswith("SIP/2.0 401"):
    sys.exit("not a 401: " + head)
algos = [re.search(r"algorithm=([A-Za-z0-9-]+)", l).group(1)
         for l in head.split("\r\n") if l.lower().startswith("www-authenticate:")]
print(",".join(algos))
PY

# challenge ALGOS WANT: start the proxy with ALGOS ("" = the default), send one REGISTER,
# compare the algorithms of the WWW-Authenticate headers, in order, with WANT
challenge() {
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	set -- "$1" "$2" "$port"
	if [ -n "$1" ]; then
		"$OPENUM" proxy --domain example.com --db "$T/p.db" --tcp-port "$3" --tls-port 0 \
			--digest "$1" 2>"$T/proxy.log" &
	else
		"$OPENUM" proxy --domain example.com --db "$T/p.db" --tcp-port "$3" --tls-port 0 \
			2>"$T/proxy.log" &
	fi
	PID=$!
	got=$(python3 "$T/register.py" "$3") || fail "no 401 from the proxy"
	kill "$PID"
	wait "$PID" 2>/dev/null || true
	PID=""
	[ "$got" = "$2" ] || fail "--digest '$1': challenges $got, expected $2"
	echo "ok - ${1:-default}: $got"
}
challenge "" "SHA-256,MD5"
challenge "MD5" "MD5"
challenge "md5,sha-256" "MD5,SHA-256"
challenge "SHA-256" "SHA-256"
echo "cli/proxy_digest: ok"
