#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Raw Ethernet frames for the FDB e2e test (AF_PACKET: root, inside a test bed namespace).

  fdb_frames.py flood IFACE COUNT        COUNT frames, each from a random source MAC
                                         0a:fd:b0:xx:xx:xx to an unknown unicast MAC
  fdb_frames.py arp IFACE MAC IP TARGET  ARP requests "who has TARGET, tell IP" from MAC,
                                         one every 0.2 s for 2 s
  fdb_frames.py count IFACE MAC SECONDS  print how many frames to MAC IFACE received
Every mode ends within a bounded time (at most 20 s).
"""
import os
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_ARP = 0x0806
ETH_P_EXPERIMENTAL = 0x88B5  # IEEE 802 local experimental: every kernel ignores it
FLOOD_PREFIX = bytes.fromhex("0afdb0")  # locally administered, unicast
NOBODY = bytes.fromhex("0afdbf000001")  # a destination no one has: flooded
PACKET_OUTGOING = 4
LIMIT_S = 20


def mac_bytes(text):
    return bytes.fromhex(text.replace(":", ""))


def raw_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    return s


def flood(iface, count):
    s = raw_socket(iface)
    payload = bytes(46)
    deadline = time.monotonic() + LIMIT_S
    sent = 0
    while sent < count and time.monotonic() < deadline:
        src = FLOOD_PREFIX + os.urandom(3)
        frame = NOBODY + src + struct.pack("!H", ETH_P_EXPERIMENTAL) + payload
        try:
            s.send(frame)
        except BlockingIOError:  # the veth's queue is full: let it drain
            time.sleep(0.001)
            continue
        sent += 1
        if sent % 256 == 0:
            time.sleep(0.002)  # about 100k frames/s: no loss in the PMD's ring
    print(sent)
    return 0 if sent == count else 1


def arp(iface, mac, ip, target):
    s = raw_socket(iface)
    src = mac_bytes(mac)
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src, socket.inet_aton(ip),
                       bytes(6), socket.inet_aton(target))
    frame = b"\xff" * 6 + src + struct.pack("!H", ETH_P_ARP) + body + bytes(18)
    for _ in range(10):
        s.send(frame)
        time.sleep(0.2)
    return 0


def count(iface, mac, seconds):
    s = raw_socket(iface)
    want = mac_bytes(mac)
    end = time.monotonic() + min(seconds, LIMIT_S)
    n = 0
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            frame, addr = s.recvfrom(65535)
        except socket.timeout:
            break
        if addr[2] != PACKET_OUTGOING and frame[:6] == want:
            n += 1
    print(n)
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "flood":
        return flood(argv[2], int(argv[3]))
    if len(argv) == 6 and argv[1] == "arp":
        return arp(argv[2], argv[3], argv[4], argv[5])
    if len(argv) == 5 and argv[1] == "count":
        return count(argv[2], argv[3], float(argv[4]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
