#!/usr/bin/env python3
"""A real SMTP server for tests/integration/email_*.sh: Debian's aiosmtpd on loopback.

usage: email_smtpd.py PORT OUTDIR [--tls CERT KEY]

Each message received is written to OUTDIR/N.eml (N = 1, 2, ...), first to a temporary
name then renamed, so that a reader never sees half a file. With --tls the server offers
STARTTLS with CERT/KEY and refuses mail before it. Runs until killed; writes
OUTDIR/ready once it listens.
"""
import asyncio
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller


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


def main():
    port = int(sys.argv[1])
    outdir = sys.argv[2]
    kw = {}
    if len(sys.argv) > 3 and sys.argv[3] == "--tls":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
        kw = {"tls_context": ctx, "require_starttls": True}
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
