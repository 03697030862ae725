#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""802.1Q-tagged frames over raw packet sockets, for the VLAN e2e test (root, in a test bed
namespace; the development kernel has no 8021q module, so no eth0.100 to use).

  vlan_frames.py echo IFACE SECONDS         answer each request frame to IFACE with the
                                            same VLAN tag; print "echoed N vids V,..."
  vlan_frames.py ping IFACE DST VID COUNT   COUNT requests to DST tagged VID (0: untagged),
                                            each waiting up to 1 s for its answer tagged the
                                            same; print "answered N vids V,..."
  vlan_frames.py send IFACE DST VID COUNT   COUNT requests, no waiting; print COUNT
  vlan_frames.py recv IFACE SECONDS         print "got N vids V,..." for the requests IFACE
                                            received (vid 0: untagged)
A request is ethertype 0x88b5 (IEEE local experimental: every kernel ignores it) carrying
"dnbvlan-req" and a sequence number; an answer carries "dnbvlan-rep". A tag is read from the
frame or, where the kernel moved it out (it always does on receive), from PACKET_AUXDATA.
Every mode ends within a bounded time (at most 20 s).
"""
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_8021Q = 0x8100
ETH_P_EXPERIMENTAL = 0x88B5
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
PACKET_OUTGOING = 4
AUX_FMT = "IIIHHHH"  # struct tpacket_auxdata
REQ, REP = b"dnbvlan-req", b"dnbvlan-rep"
LIMIT_S = 20


def raw_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((iface, 0))
    return s


def build(dst, src, vid, kind, seq):
    body = struct.pack("!H", ETH_P_EXPERIMENTAL) + kind + struct.pack("!I", seq)
    tag = struct.pack("!HH", ETH_P_8021Q, vid) if vid else b""
    return (dst + src + tag + body).ljust(60, b"\0")


def receive(s, deadline):
    """The next frame IFACE received as (src, dst, vid, kind, seq), or None at the deadline.
    Frames that are not requests or answers are skipped."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            data, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(struct.calcsize(AUX_FMT)))
        except socket.timeout:
            return None
        if addr[2] == PACKET_OUTGOING or len(data) < 14:
            continue
        vid, rest = 0, data[12:]
        for level, kind, cdata in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                aux = struct.unpack(AUX_FMT, cdata[:struct.calcsize(AUX_FMT)])
                if aux[0] & TP_STATUS_VLAN_VALID:
                    vid = aux[5] & 0x0FFF
        if rest[:2] == struct.pack("!H", ETH_P_8021Q) and len(rest) >= 6:
            vid, rest = struct.unpack("!H", rest[2:4])[0] & 0x0FFF, rest[4:]
        if rest[:2] != struct.pack("!H", ETH_P_EXPERIMENTAL) or rest[2:13] not in (REQ, REP):
            continue
        return data[6:12], data[:6], vid, rest[2:13], struct.unpack("!I", rest[13:17])[0]


def vids(seen):
    return ",".join(str(v) for v in sorted(seen)) or "-"


def echo(iface, seconds):
    s = raw_socket(iface)
    mine = s.getsockname()[4]
    deadline = time.monotonic() + min(seconds, LIMIT_S)
    n, seen = 0, set()
    while (got := receive(s, deadline)) is not None:
        src, dst, vid, kind, seq = got
        if kind == REQ and dst == mine:
            s.send(build(src, mine, vid, REP, seq))
            n += 1
            seen.add(vid)
    print(f"echoed {n} vids {vids(seen)}")


def ping(iface, dst, vid, count):
    s = raw_socket(iface)
    mine = s.getsockname()[4]
    n, seen = 0, set()
    for seq in range(count):
        s.send(build(dst, mine, vid, REQ, seq))
        deadline = time.monotonic() + 1
        while (got := receive(s, deadline)) is not None:
            if got[3] == REP and got[1] == mine and got[4] == seq:
                n += 1
                seen.add(got[2])
                break
    print(f"answered {n} vids {vids(seen)}")


def send(iface, dst, vid, count):
    s = raw_socket(iface)
    mine = s.getsockname()[4]
    for seq in range(count):
        s.send(build(dst, mine, vid, REQ, seq))
        time.sleep(0.05)
    print(count)


def recv(iface, seconds):
    s = raw_socket(iface)
    deadline = time.monotonic() + min(seconds, LIMIT_S)
    n, seen = 0, set()
    while (got := receive(s, deadline)) is not None:
        if got[3] == REQ:
            n += 1
            seen.add(got[2])
    print(f"got {n} vids {vids(seen)}")


def main(argv):
    mac = lambda t: bytes.fromhex(t.replace(":", ""))
    if len(argv) == 4 and argv[1] in ("echo", "recv"):
        (echo if argv[1] == "echo" else recv)(argv[2], float(argv[3]))
        return 0
    if len(argv) == 6 and argv[1] in ("ping", "send"):
        (ping if argv[1] == "ping" else send)(argv[2], mac(argv[3]), int(argv[4]), int(argv[5]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
