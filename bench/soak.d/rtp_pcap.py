#!/usr/bin/env python3
"""bench/soak: writes the RTP a SIPp caller plays (play_pcap_audio) as a pcap.

Usage: rtp_pcap.py OUT.pcap DIGITS [SPEECH_MS]

First the DIGITS as RFC 4733 telephone-events, payload type 101 (the type the
soak's SDP offers), 8000 Hz clock: per digit three packets 20 ms apart with a growing
duration, the first with the marker bit, then the end of the event three times (the
final packet is repeated, RFC 4733 2.5.1.4), then 100 ms of pause. Then SPEECH_MS
(default 0) of a 440 Hz tone in G.711 mu-law (payload type 0), 20 ms per packet.
SIPp 3.6's own play_dtmf sends zero-filled payloads, hence this file. SIPp rewrites
the addresses and ports; the RTP headers go out as written here.
"""
import math
import struct
import sys

EVENTS = {d: i for i, d in enumerate("0123456789*#")}


def ulaw(sample):
    """G.711 mu-law of a 16-bit linear sample."""
    sign = 0x80 if sample < 0 else 0
    mag = min(abs(sample), 32635) + 0x84
    exp = 7
    while exp > 0 and not mag & (0x4000 >> (7 - exp)):
        exp -= 1
    mant = (mag >> (exp + 3)) & 0x0F
    return ~(sign | exp << 4 | mant) & 0xFF


def udp_frame(payload):
    udp = struct.pack("!HHHH", 40000, 40000, 8 + len(payload), 0) + payload
    lo = bytes([127, 0, 0, 1])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, lo, lo)
    return b"\x00" * 12 + b"\x08\x00" + ip + udp


def main():
    args = sys.argv[1:]
    if len(args) not in (2, 3) or any(d not in EVENTS for d in args[1]):
        sys.exit("usage: rtp_pcap.py OUT.pcap DIGITS [SPEECH_MS] (digits 0-9 * #)")
    speech_ms = int(args[2]) if len(args) == 3 else 0
    frames = []  # (time in ms, RTP packet)
    t_ms, seq, ts, ssrc = 0, 1000, 16000, 0x5EED0A7
    for d in args[1]:
        steps = [(False, 160 * (k + 1)) for k in range(3)] + [(True, 640)] * 3
        for k, (end, dur) in enumerate(steps):
            hdr = struct.pack("!BBHII", 0x80, 101 | (0x80 if k == 0 else 0), seq, ts, ssrc)
            frames.append((t_ms, hdr + struct.pack("!BBH", EVENTS[d], (0x80 if end else 0) | 10,
                                                   dur)))
            seq += 1
            t_ms += 20
        ts += 640 + 800
        t_ms += 100
    n = 0
    for p in range(speech_ms // 20):
        hdr = struct.pack("!BBHII", 0x80, 0x80 if p == 0 else 0, seq, ts, ssrc)
        body = bytes(ulaw(int(8000 * math.sin(2 * math.pi * 440 * (n + i) / 8000)))
                     for i in range(160))
        frames.append((t_ms, hdr + body))
        n += 160
        seq += 1
        ts += 160
        t_ms += 20
    with open(args[0], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for when, rtp in frames:
            frame = udp_frame(rtp)
            out.write(struct.pack("<IIII", when // 1000, when % 1000 * 1000, len(frame),
                                  len(frame)))
            out.write(frame)


main()
