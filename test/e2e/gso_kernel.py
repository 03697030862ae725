#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""e2e (#20): dpdk-netback's software GSO against the Linux kernel's, frame for frame.

Each TSO frame (TCP over IPv6, with and without extension headers and TCP options, and
over IPv4) is given to the kernel through an AF_PACKET socket with a virtio_net_hdr, on a
veth end without TSO or checksum offload in a namespace of its own, so the kernel segments
it in software (tcp_gso_segment) and completes the checksums; the segments are captured on
the other end. The same frame goes through app/egress.c (dnb-gso-egress: pkt_gso_segment,
then the software checksum completion) to a port without offloads. The segments must be
equal byte for byte (a TCP checksum of 0 and 0xffff are the same number), and each
segment's TCP checksum must verify. Root: it makes a network namespace.
"""
import os
import socket
import struct
import subprocess
import sys

NS = "dnbgso%d" % os.getpid()
TOOL = os.path.join(os.environ.get("DNB_BUILD", "build"), "test", "e2e", "dnb-gso-egress")
SRC6, DST6 = bytes(range(0x20, 0x30)), bytes(range(0xf0, 0x100))
SRC4, DST4 = bytes([10, 99, 0, 11]), bytes([10, 99, 0, 1])
ETH = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01"


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def csum(b):
    if len(b) % 2:
        b += b"\0"
    return fold(sum(struct.unpack("!%dH" % (len(b) // 2), b)))


def ext(nh, units):
    """An extension header of (units + 1) * 8 bytes: next header, length, one PadN."""
    n = (units + 1) * 8
    return bytes([nh, units, 1, n - 4]) + bytes(n - 4)


def tso_frame(v6, payload_len, flags, ts=False, exts=()):
    """The frame a guest's stack hands its netfront, CHECKSUM_PARTIAL: the TCP field holds
    the pseudo-header sum of the whole L4 length. @return frame, l3_len, l4_len."""
    opts = b"\x01\x01\x08\x0a" + struct.pack("!II", 7, 9) if ts else b""
    tcp = struct.pack("!HHIIBBHHH", 40000, 80, 0xfffff000, 1, (5 + len(opts) // 4) << 4,
                      flags, 512, 0, 0) + opts
    l4 = tcp + bytes((i * 7 + i // 251) & 0xff for i in range(payload_len))
    if v6:
        chain = [nh for nh, _ in exts] + [6]
        hdrs = b"".join(ext(chain[i + 1], u) for i, (_, u) in enumerate(exts))
        ph = SRC6 + DST6 + struct.pack("!IxxxB", len(l4), 6)
        ip = struct.pack("!IHBB", 6 << 28, len(hdrs) + len(l4), chain[0], 64) + SRC6 + DST6
        ip += hdrs
        eth = ETH + b"\x86\xdd"
    else:
        ph = SRC4 + DST4 + struct.pack("!xBH", 6, len(l4))
        ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(l4), 0x1234, 0x4000, 64, 6, 0)
        ip = ip[:10] + struct.pack("!H", 0xffff - csum(ip + SRC4 + DST4)) + SRC4 + DST4
        eth = ETH + b"\x08\x00"
    l4 = l4[:16] + struct.pack("!H", csum(ph)) + l4[18:]
    return eth + ip + l4, len(ip), len(tcp)


def kernel_segments(frame, l3_len, l4_len, mss, v6):
    vh = struct.pack("<BBHHHH", 1, 4 if v6 else 1, 14 + l3_len + l4_len, mss, 14 + l3_len, 16)
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    rx.bind(("gsb", 0))
    rx.settimeout(0.5)
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    tx.setsockopt(263, 15, 1)  # SOL_PACKET, PACKET_VNET_HDR
    tx.bind(("gsa", 0))
    tx.send(vh + frame)
    segs = []
    try:
        while True:
            d = rx.recv(70000)
            if d[:12] == frame[:12]:
                segs.append(d)
    except socket.timeout:
        pass
    return segs


def our_segments(frame, l3_len, l4_len, mss):
    out = subprocess.run([TOOL, str(l3_len), str(l4_len), str(mss)], input=frame,
                         capture_output=True, check=True).stdout
    segs = []
    while out:
        n = struct.unpack("<I", out[:4])[0]
        segs.append(out[4:4 + n])
        out = out[4 + n:]
    return segs


def tcp_ok(seg, l3_len, v6):
    l4 = seg[14 + l3_len:]
    if v6:
        ph = SRC6 + DST6 + struct.pack("!IxxxB", len(l4), 6)
    else:
        ph = SRC4 + DST4 + struct.pack("!xBH", 6, len(l4))
    return csum(ph + l4) == 0xffff


def same(a, b, l3_len):
    if len(a) != len(b):
        return False
    f = 14 + l3_len + 16  # the TCP checksum: 0 and 0xffff are both zero
    norm = lambda s: s[:f] + (b"\xff\xff" if s[f:f + 2] == b"\0\0" else s[f:f + 2]) + s[f + 2:]
    return norm(a) == norm(b)


CASES = [  # name, v6, payload, mss, flags (ACK|PSH|FIN|CWR unless said), ts, exts
    ("tcp6", True, 5000, 1400, 0x99, False, ()),
    ("tcp6-timestamps-64k", True, 64000, 1428, 0x18, True, ()),
    ("tcp6-hop-by-hop-dstopts", True, 9000, 1000, 0x99, False, ((0, 0), (60, 1))),
    ("tcp6-one-byte-over", True, 1441, 1440, 0x11, False, ()),
    ("tcp4", False, 5000, 1448, 0x99, True, ()),
]


def inside():
    failed = 0
    for name, v6, payload, mss, flags, ts, exts in CASES:
        frame, l3_len, l4_len = tso_frame(v6, payload, flags, ts, exts)
        k = kernel_segments(frame, l3_len, l4_len, mss, v6)
        o = our_segments(frame, l3_len, l4_len, mss)
        ok = (len(k) == len(o) > 1 and all(same(a, b, l3_len) for a, b in zip(k, o)) and
              all(tcp_ok(s, l3_len, v6) for s in o))
        print("%s %s: kernel %d segments, dpdk-netback %d%s" %
              ("ok  " if ok else "FAIL", name, len(k), len(o),
               "" if ok else " (differ)"))
        if not ok:
            for i, (a, b) in enumerate(zip(k, o)):
                if not same(a, b, l3_len):
                    at = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]),
                              min(len(a), len(b)))
                    print("  segment %d: lengths %d/%d, first difference at byte %d" %
                          (i, len(a), len(b), at))
                    break
            failed += 1
    return failed


def main():
    if sys.argv[1:] == ["inside"]:
        sys.exit(1 if inside() else 0)
    sh = lambda c: subprocess.run(c, shell=True, check=True)
    sh("ip netns add %s" % NS)
    try:
        sh("ip -n %s link add gsa type veth peer name gsb" % NS)
        sh("ip -n %s link set gsa up && ip -n %s link set gsb up" % (NS, NS))
        # no offloads on the sending end: the kernel segments and checksums in software
        sh("ip netns exec %s ethtool -K gsa tx off sg off tso off gso off >/dev/null" % NS)
        rc = subprocess.run(["ip", "netns", "exec", NS, sys.executable, __file__,
                             "inside"]).returncode
    finally:
        subprocess.run(["ip", "netns", "del", NS])
    print("PASS: software GSO equal to the kernel's" if rc == 0 else
          "FAIL: software GSO differs from the kernel's")
    sys.exit(rc)


if __name__ == "__main__":
    main()
