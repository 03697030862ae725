#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send Ethernet frames from a test namespace's interface, bounded in count and time.

  wire_flood.py IFACE DST-MAC COUNT SECONDS [--random-src] [--size N]

Frames go to DST-MAC from the interface's own MAC (or, with --random-src, from a fresh
locally administered unicast MAC each frame), ethertype 0x88b5 (IEEE local experimental),
N bytes (default 1514). Prints the number sent. Only for the test bed's own veth.
"""
import os
import socket
import sys
import time


def main():
    args = sys.argv[1:]
    rnd = "--random-src" in args
    size = 1514
    if "--size" in args:
        size = int(args[args.index("--size") + 1])
    iface, dst, count, secs = args[0], bytes.fromhex(args[1].replace(":", "")), \
        int(args[2]), float(args[3])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = s.getsockname()[4]
    body = b"\x88\xb5" + bytes(size - 14)
    end, sent = time.monotonic() + secs, 0
    while sent < count and time.monotonic() < end:
        if rnd:
            src = bytes([0x02]) + os.urandom(5)
        try:
            s.send(dst + src + body)
            sent += 1
        except OSError:  # the veth queue is full: the far side is slower
            time.sleep(0.0005)
    print(sent)


if __name__ == "__main__":
    main()
