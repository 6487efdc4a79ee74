#!/usr/bin/env python3
"""A real SMTP server for tests/integration/email_*.sh: Debian's aiosmtpd on loopback.

usage: email_smtpd.py PORT OUTDIR [--tls CERT KEY] [--auth USER PASS]

Each message received is written to OUTDIR/N.eml (N = 1, 2, ...), first to a temporary
name then renamed, so that a reader never sees half a file. With --tls the server offers
STARTTLS with CERT/KEY and refuses mail before it. With --auth it requires SMTP AUTH
(PLAIN or LOGIN, after STARTTLS when --tls is given) as USER with PASS, refuses mail
before it, and appends each attempt to OUTDIR/auth.log ("ok USER" or "bad USER"). Runs
until killed; writes OUTDIR/ready once it listens.
"""
import asyncio
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Saver:
    def __init__(self, outdir):
        self.outdir = outdir
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        tmp = os.path.join(self.outdir, ".%d.tmp" % self.n)
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(os.path.join(self.outdir, "%d.rcpt" % self.n), "w") as f:
            f.write("from %s\nto %s\ntls %s\n" % (envelope.mail_from,
                                                   " ".join(envelope.rcpt_tos),
                                                   "yes" if session.ssl else "no"))
        os.rename(tmp, os.path.join(self.outdir, "%d.eml" % self.n))
        return "250 OK stored"


class Checker:
    """The authenticator: one user, one password."""

    def __init__(self, outdir, user, password):
        self.log = os.path.join(outdir, "auth.log")
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        who = auth_data.login.decode(errors="replace") if isinstance(
            auth_data, LoginPassword) else "?"
        with open(self.log, "a") as f:
            f.write("%s %s %s\n" % ("ok" if ok else "bad", who, mechanism))
        return AuthResult(success=ok, handled=False)


def main():
    port = int(sys.argv[1])
    outdir = sys.argv[2]
    args = sys.argv[3:]
    kw = {}
    tls = False
    while args:
        if args[0] == "--tls":
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(args[1], args[2])
            kw.update(tls_context=ctx, require_starttls=True)
            tls = True
            args = args[3:]
        elif args[0] == "--auth":
            kw.update(authenticator=Checker(outdir, args[1], args[2]), auth_required=True)
            args = args[3:]
        else:
            sys.exit("email_smtpd.py: unknown argument %s" % args[0])
    if "authenticator" in kw:
        kw["auth_require_tls"] = tls
    c = Controller(Saver(outdir), hostname="127.0.0.1", port=port, **kw)
    c.start()
    with open(os.path.join(outdir, "ready"), "w") as f:
        f.write("%d\n" % port)
    try:
        while True:
            time.sleep(3600)
    finally:
        c.stop()


if __name__ == "__main__":
    main()
