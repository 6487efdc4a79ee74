#!/usr/bin/env python3
"""What did a call hear? Checks that known audio appears, in order, in a recording.

usage: um_heard.py HEARD.wav NAME=FILE... -- NAME NAME ...
       um_heard.py --ms FILE.wav      (the length of a mu-law WAV in ms)

HEARD.wav is what openum_test_caller --record wrote (G.711 mu-law or 16-bit PCM WAV).
Each NAME=FILE is a known sound: a raw mu-law prompt clip (.ul) or a mu-law WAV
(a message or greeting as stored). The server plays stored mu-law bytes unchanged,
so a sound was heard when its bytes occur in the call: a clip by 100 ms taken from a
quarter into it (a prompt may be cut short by a key), a WAV (a message) by all of
its bytes. The names after -- must be found in that order (a name may repeat: the
next occurrence after the previous match). Exit 1 with the first one missing.
"""
import struct
import sys


def wav_data(path):
    """(format tag, data bytes) of a WAV file."""
    b = open(path, "rb").read()
    if b[:4] != b"RIFF" or b[8:12] != b"WAVE":
        raise SystemExit(f"{path}: not a WAV file")
    i, fmt = 12, None
    while i + 8 <= len(b):
        cid, n = b[i:i + 4], struct.unpack("<I", b[i + 4:i + 8])[0]
        if cid == b"fmt ":
            fmt = struct.unpack("<H", b[i + 8:i + 10])[0]
        if cid == b"data":
            return fmt, b[i + 8:i + 8 + n]
        i += 8 + n + (n & 1)
    raise SystemExit(f"{path}: no data chunk")


def ulaw_encode(v):
    """G.711 mu-law of one 16-bit sample (for PCM recordings)."""
    sign = 0x80 if v < 0 else 0
    v = min(abs(v), 32635) + 0x84
    exp, m = 7, 0x4000
    while exp > 0 and not v & m:
        exp -= 1
        m >>= 1
    mant = (v >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


def as_ulaw(path):
    if path.endswith(".ul"):
        return open(path, "rb").read()
    fmt, d = wav_data(path)
    if fmt == 7:
        return d
    if fmt == 1:
        n = len(d) // 2
        return bytes(ulaw_encode(s) for s in struct.unpack(f"<{n}h", d[:2 * n]))
    raise SystemExit(f"{path}: WAV format {fmt} is neither mu-law nor PCM")


def norm(b):
    # 0x7F is mu-law's negative zero: it decodes to 0, which encodes back as 0xFF
    return b.replace(b"\x7f", b"\xff")


def main(argv):
    if len(argv) == 3 and argv[1] == "--ms":
        print(len(as_ulaw(argv[2])) // 8)
        return 0
    if "--" not in argv or len(argv) < 3:
        raise SystemExit(__doc__)
    cut = argv.index("--")
    heard = norm(as_ulaw(argv[1]))
    sounds = {}
    for spec in argv[2:cut]:
        name, path = spec.split("=", 1)
        data = norm(as_ulaw(path))
        if path.endswith(".ul"):
            q = len(data) // 4
            data = data[q:q + 800]
        sounds[name] = data
    pos = 0
    for name in argv[cut + 1:]:
        sig = sounds[name]
        at = heard.find(sig, pos)
        if at < 0:
            print(f"not heard (after {pos / 8000:.2f} s): {name}; heard {len(heard) / 8000:.2f} s")
            return 1
        print(f"heard {name} at {at / 8000:.2f} s")
        pos = at + len(sig)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
