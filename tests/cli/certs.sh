#!/bin/sh
# openum certs: makes a CA, server and client certificates that openssl verifies, keys
# private to their owner, and refuses to overwrite without --force.
set -eu
OPENUM=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "cli/certs: $*" >&2; exit 1; }

"$OPENUM" certs "$T/pki" --name um.openum.test >"$T/out" 2>&1 || fail "certs failed: $(cat "$T/out")"
for f in ca.pem ca.key server.pem server.key client.pem client.key; do
	[ -s "$T/pki/$f" ] || fail "missing $f"
done
for k in ca.key server.key client.key; do
	mode=$(stat -c %a "$T/pki/$k")
	[ "$mode" = 600 ] || fail "$k has mode $mode, want 600"
done
openssl verify -CAfile "$T/pki/ca.pem" "$T/pki/server.pem" "$T/pki/client.pem" >/dev/null ||
	fail "openssl does not verify the certificates against ca.pem"
openssl x509 -in "$T/pki/server.pem" -noout -ext subjectAltName | grep -q "um.openum.test" ||
	fail "server.pem lacks the --name SAN"
openssl x509 -in "$T/pki/server.pem" -noout -ext subjectAltName | grep -q "127.0.0.1" ||
	fail "server.pem lacks IP 127.0.0.1"
openssl x509 -in "$T/pki/client.pem" -noout -ext subjectAltName | grep -q "proxy.openum.test" ||
	fail "client.pem lacks the default client name"

before=$(sha256sum "$T/pki/ca.pem")
if "$OPENUM" certs "$T/pki" >"$T/out" 2>&1; then
	fail "certs overwrote an existing PKI without --force"
fi
grep -q "force" "$T/out" || fail "the refusal does not mention --force: $(cat "$T/out")"
[ "$(sha256sum "$T/pki/ca.pem")" = "$before" ] || fail "a refused run changed ca.pem"
"$OPENUM" certs "$T/pki" --force >/dev/null 2>&1 || fail "--force did not overwrite"
[ "$(sha256sum "$T/pki/ca.pem")" != "$before" ] || fail "--force left ca.pem as it was"

# --cn names the server certificate's subject; --san adds typed names
"$OPENUM" certs "$T/um" --ca "$T/pki" --cn um.openum.test \
	--san DNS:um1.openum.test,IP:192.0.2.7 >"$T/out" 2>&1 || fail "--cn/--san: $(cat "$T/out")"
openssl x509 -in "$T/um/server.pem" -noout -subject | grep -q "CN *= *um.openum.test" ||
	fail "server.pem subject is not CN=um.openum.test: $(openssl x509 -in "$T/um/server.pem" -noout -subject)"
san=$(openssl x509 -in "$T/um/server.pem" -noout -ext subjectAltName)
echo "$san" | grep -q "DNS:um1.openum.test" || fail "--san DNS missing: $san"
echo "$san" | grep -q "IP Address:192.0.2.7" || fail "--san IP missing: $san"
echo "$san" | grep -q "DNS:localhost" || fail "DNS localhost missing: $san"
openssl verify -CAfile "$T/pki/ca.pem" "$T/um/server.pem" >/dev/null || fail "--cn cert does not verify"
"$OPENUM" certs "$T/dflt" >/dev/null 2>&1 || fail "certs (default CN)"
openssl x509 -in "$T/dflt/server.pem" -noout -subject | grep -q "CN *= *localhost" ||
	fail "the default CN is not localhost"
for bad in "--san um.openum.test" "--san IP:um.openum.test" "--san DNS:192.0.2.7" \
	"--cn bad/name" "--san DNS:a,,"; do
	# shellcheck disable=SC2086
	if "$OPENUM" certs "$T/bad" $bad >"$T/out" 2>&1; then fail "certs accepted $bad"; fi
	[ ! -e "$T/bad/server.pem" ] || fail "certs $bad wrote server.pem"
done

if "$OPENUM" certs >/dev/null 2>&1; then fail "certs without DIR succeeded"; fi
echo "cli/certs: ok"
