#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Print the ICMP echo frames of a pcapng file, one line each, in file order:
"DIRECTION TYPE SEQ" (in|out|-, request|reply, the echo sequence number), where DIRECTION is
the Enhanced Packet Block's epb_flags (RFC draft-ietf-opsawg-pcapng: bits 0-1, 1 inbound,
2 outbound). The e2e capture test reads dpdk-netback's captures with it: tcpdump -r shows
the frames but not their direction. Exits 1 on a file that is not well-formed pcapng."""
import struct
import sys

SHB, IDB, EPB = 0x0A0D0D0A, 1, 6


def blocks(data):
    """(type, body) of each block, checking each block's two length fields agree."""
    if struct.unpack_from("<I", data, 0)[0] != SHB or data[8:12] != b"\x4d\x3c\x2b\x1a":
        sys.exit("not a little-endian pcapng file")
    off = 0
    while off < len(data):
        if off + 12 > len(data):
            sys.exit(f"a block cut short at {off}")
        btype, blen = struct.unpack_from("<II", data, off)
        if blen < 12 or blen % 4 or off + blen > len(data) or \
                struct.unpack_from("<I", data, off + blen - 4)[0] != blen:
            sys.exit(f"a bad block length {blen} at {off}")
        yield btype, data[off + 8:off + blen - 4]
        off += blen


def direction(opts):
    """The epb_flags option's direction, '-' when there is none."""
    off = 0
    while off + 4 <= len(opts):
        code, olen = struct.unpack_from("<HH", opts, off)
        if code == 0:
            break
        if code == 2 and olen == 4:
            return {1: "in", 2: "out"}.get(struct.unpack_from("<I", opts, off + 4)[0] & 3, "-")
        off += 4 + (olen + 3) // 4 * 4
    return "-"


def main():
    data = open(sys.argv[1], "rb").read()
    interfaces = 0
    for btype, body in blocks(data):
        if btype == IDB:
            interfaces += 1
        if btype != EPB:
            continue
        ifid, _, _, caplen, _ = struct.unpack_from("<IIIII", body, 0)
        if ifid >= interfaces:
            sys.exit(f"a packet of interface {ifid}, which the file does not describe")
        frame = body[20:20 + caplen]
        opts = body[20 + (caplen + 3) // 4 * 4:]
        if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 1:
            continue
        icmp = 14 + (frame[14] & 0x0F) * 4
        kind = {8: "request", 0: "reply"}.get(frame[icmp])
        if kind:
            print(direction(opts), kind, struct.unpack_from(">H", frame, icmp + 6)[0])


main()
