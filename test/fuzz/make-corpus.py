#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of the fuzz targets into test/fuzz/corpus/<target>/.

Each seed is a script in the byte format the target's LLVMFuzzerTestOneInput reads (see the
fuzz_*.c files): a few per protocol feature, per error class and per known bug, so the
regression runners cover them and the fuzzers start from meaningful inputs. Deterministic:
re-running rewrites the same files. Usage: make-corpus.py [OUTDIR] (default: ./corpus next
to this script).
"""
import os
import struct
import sys


class Script:
    def __init__(self):
        self.b = bytearray()

    def u8(self, v):
        self.b += struct.pack('<B', v & 0xff)
        return self

    def u16(self, v):
        self.b += struct.pack('<H', v & 0xffff)
        return self

    def u32(self, v):
        self.b += struct.pack('<I', v & 0xffffffff)
        return self

    def raw(self, data):
        self.b += bytes(data)
        return self


# ---- header templates: bytes a guest (or the wire) may send -------------------------------
MAC_A, MAC_B = b'\x02\0\0\0\0\x01', b'\x02\0\0\0\0\x02'
IPPROTO_TCP, IPPROTO_UDP, IPPROTO_HOPOPTS, IPPROTO_DSTOPTS = 6, 17, 0, 60


def eth(ethertype, vlan=None):
    tag = struct.pack('>HH', 0x8100, vlan) if vlan is not None else b''
    return MAC_B + MAC_A + tag + struct.pack('>H', ethertype)


def tcp_hdr(opt_words=0, doff=None):
    """TCP header, ACK, with opt_words of NOP options (20 + 4 * opt_words bytes); its data
    offset field says @doff words if given (a lie when it is below 5)."""
    doff = 5 + opt_words if doff is None else doff
    return (struct.pack('>HHIIBBHHH', 80, 81, 1, 0, doff << 4, 0x10, 0xffff, 0, 0)
            + b'\x01' * 4 * opt_words)


def ipv4(l4, pay_len, proto=IPPROTO_TCP):
    """IPv4 + l4 header, total length counting pay_len payload bytes (not included)."""
    return struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(l4) + pay_len, 1, 0x4000, 64, proto,
                       0, b'\x0a\0\0\x01', b'\x0a\0\0\x02') + l4


def ip6_ext(nxt, total):
    """One hop-by-hop or destination options header of @total bytes (a multiple of 8), its
    options all Pad1."""
    return struct.pack('>BB', nxt, total // 8 - 1) + b'\0' * (total - 2)


def ipv6(l4, pay_len, exts=(), proto=IPPROTO_TCP):
    """IPv6 + a hop-by-hop header then destination options headers (sizes in bytes, each a
    multiple of 8 up to 2048) + l4 header; the payload length counts pay_len more bytes."""
    chain = b''.join(ip6_ext(IPPROTO_DSTOPTS if i + 1 < len(exts) else proto, size)
                     for i, size in enumerate(exts))
    return (struct.pack('>IHBB', 6 << 28, len(chain) + len(l4) + pay_len,
                        IPPROTO_HOPOPTS if exts else proto, 64)
            + b'\xfe\x80' + b'\0' * 13 + b'\x01' + b'\xfe\x80' + b'\0' * 13 + b'\x02'
            + chain + l4)


# ---- fuzz_nif_tx ---------------------------------------------------------------------------
TX_RAW, TX_REQ, TX_EXTRA, TX_PUSH, TX_PAGE, TX_BURST, TX_RSP_EVENT = range(7)
CSUM_BLANK, DATA_VALIDATED, MORE_DATA, EXTRA_INFO = 1, 2, 4, 8


def tx(conf=31, start=0, garbage=None):
    s = Script().u8(conf | (0x80 if garbage is not None else 0)).u32(start)
    if garbage is not None:
        s.u16(garbage)
    return s


def tx_req(s, gref, off, flags, rid, size):
    return s.u8(TX_REQ).u8(gref).u16(off).u8(flags).u16(rid).u16(size)


def tx_extra(s, etype, more=0, payload=b'\0' * 6):
    return s.u8(TX_EXTRA).u8(etype).u8(more).raw(payload)


def tx_page(s, gref, off, kind):
    return s.u8(TX_PAGE).u8(gref).u16(off).u8(kind)


def tx_page_bytes(s, gref, off, data):
    """Write @data into a guest page at @off, as raw page writes of up to 255 bytes."""
    for at in range(0, len(data), 255):
        chunk = data[at:at + 255]
        tx_page(s, gref, off + at, 2).u8(len(chunk)).raw(chunk)
    return s


def tx_push(s):
    return s.u8(TX_PUSH).u8(0)


def tx_burst(s, maxp=64, mode=0, fail=0):
    return s.u8(TX_BURST).u8(maxp).u8(mode).u8(fail)


def gso(size, gtype):
    return struct.pack('<HBBH', size, gtype, 0, 0)


def tx_seeds():
    out = {}
    s = tx_page(tx(), 0, 0, 0)
    tx_req(s, 0, 0, 0, 1, 54)
    out['one-packet'] = tx_burst(tx_push(s))
    s = tx_page(tx(), 0, 0, 1)
    tx_req(s, 0, 0, MORE_DATA, 1, 6000)
    tx_req(s, 1, 0, MORE_DATA, 2, 3000)
    tx_req(s, 2, 100, 0, 3, 1000)
    out['three-slots'] = tx_burst(tx_push(s))
    for name, flags, kind in (('csum-blank-tcp4', CSUM_BLANK, 0), ('csum-blank-tcp6', CSUM_BLANK, 1),
                              ('csum-blank-udp4', CSUM_BLANK, 4), ('data-validated', DATA_VALIDATED, 0),
                              ('csum-blank-no-ip', CSUM_BLANK, 2)):
        s = tx_page(tx(), 3, 64, kind)
        if kind == 2:
            s.u8(20).raw(b'\x02' * 20)
        tx_req(s, 3, 64, flags, 7, 74 if kind == 1 else 60)
        out[name] = tx_burst(tx_push(s))
    for name, size, gtype, flags, kind in (('gso-tcp4', 1448, 1, CSUM_BLANK, 0),
                                           ('gso-tcp6', 1428, 2, CSUM_BLANK, 1),
                                           ('gso-no-csum-blank', 1448, 1, 0, 0),
                                           ('gso-wrong-ip', 1448, 2, CSUM_BLANK, 0),
                                           ('fatal-gso-size-zero', 0, 1, CSUM_BLANK, 0),
                                           ('fatal-gso-bad-type', 1448, 3, CSUM_BLANK, 0)):
        s = tx_page(tx(), 0, 0, kind)
        tx_req(s, 0, 0, flags | EXTRA_INFO | MORE_DATA, 1, 3000)
        tx_extra(s, 1, 0, gso(size, gtype))
        tx_req(s, 1, 0, 0, 2, 2900)
        out[name] = tx_burst(tx_push(s))
    s = tx()
    tx_req(s, 0, 0, EXTRA_INFO, 1, 0)
    tx_extra(s, 2, 0, b'\x01\x00\x5e\x00\x00\x01')
    tx_req(s, 0, 0, EXTRA_INFO, 2, 0)
    tx_extra(s, 2, 0, b'\x01\x00\x5e\x00\x00\x01')
    tx_req(s, 0, 0, EXTRA_INFO, 3, 0)
    tx_extra(s, 3, 0, b'\x01\x00\x5e\x00\x00\x01')
    out['mcast-add-del'] = tx_burst(tx_push(s))
    s = tx()
    for i in range(66):
        tx_req(s, 0, 0, EXTRA_INFO, i, 0)
        tx_extra(s, 2, 0, bytes([1, 0, 0x5e, 0, 0, i]))
        if i % 16 == 15:
            tx_burst(tx_push(s))
    out['mcast-full'] = tx_burst(tx_push(s))
    s = tx_page(tx(), 0, 0, 0)
    tx_req(s, 0, 0, EXTRA_INFO | CSUM_BLANK, 1, 54)
    tx_extra(s, 4, 1, b'\x01\x02\x03\x04\x05\x06')
    tx_extra(s, 1, 0, gso(1000, 1))
    out['hash-and-gso-extras'] = tx_burst(tx_push(s))
    s = tx()
    tx_req(s, 0, 4000, 0, 1, 200)
    tx_burst(tx_push(s))
    tx_req(s, 0, 0, 0, 2, 60)
    out['fatal-cross-page-sticky'] = tx_burst(tx_burst(tx_push(s)))
    s = tx()
    tx_req(s, 0, 0, MORE_DATA, 1, 200)
    tx_req(s, 0, 4090, 0, 2, 100)
    out['fatal-frag-cross-page'] = tx_burst(tx_push(s))
    s = tx()
    tx_req(s, 0, 0, 0, 1, 60)
    s.u8(TX_PUSH).u8(0xff).u32(700)
    out['fatal-impossible-reqs'] = tx_burst(s)
    for name, nfrags in (('drop-19-slots', 19), ('fatal-22-slots', 22)):
        s = tx()
        tx_req(s, 0, 0, MORE_DATA, 1, 100 * (nfrags + 1))
        for i in range(nfrags):
            tx_req(s, i % 8, 0, MORE_DATA if i + 1 < nfrags else 0, 2 + i, 100)
        out[name] = tx_burst(tx_push(s))
    s = tx()
    tx_req(s, 0, 0, 0, 1, 10)
    out['runt'] = tx_burst(tx_push(s))
    s = tx()
    tx_req(s, 0, 0, MORE_DATA, 1, 100)
    tx_req(s, 1, 0, 0, 2, 500)
    out['size-overflow'] = tx_burst(tx_push(s))
    s = tx()
    tx_req(s, 0, 0, MORE_DATA, 1, 100)
    out['fatal-more-data-past-prod'] = tx_burst(tx_push(s))
    s = tx()
    tx_req(s, 0, 0, EXTRA_INFO, 1, 100)
    out['fatal-missing-extra'] = tx_burst(tx_push(s))
    for t in (0, 6):
        s = tx()
        tx_req(s, 0, 0, EXTRA_INFO, 1, 100)
        tx_extra(s, t)
        out['fatal-extra-type-%d' % t] = tx_burst(tx_push(s))
    for mode in (1, 2):
        s = tx_page(tx(), 0, 0, 0)
        for i in range(4):
            tx_req(s, 0, 0, 0, i, 60)
        out['copy-fail-mode-%d' % mode] = tx_burst(tx_push(s), 64, mode, 2)
    s = tx()
    tx_req(s, 9, 0, 0, 1, 60)
    tx_req(s, 8, 0, 0, 2, 60)
    out['ungranted-gref'] = tx_burst(tx_push(s))
    s = tx(conf=3, start=0xffffff00)
    for i in range(40):
        tx_req(s, i % 8, i * 8, 0, i, 60 + i)
    s.u8(TX_RSP_EVENT).u16(30)
    out['wrap-and-small-bursts'] = tx_burst(tx_burst(tx_push(s), 5), 200)
    s = tx()
    for p in range(8):
        tx_req(s, 0, 0, MORE_DATA, p, 16 * 4000)
        for i in range(15):
            tx_req(s, i % 8, 0, MORE_DATA if i < 14 else 0, 100 + i, 4000)
    out['pool-exhaustion'] = tx_burst(tx_burst(tx_push(s), 200), 200)
    out['garbage-ring-at-attach'] = tx(garbage=300)
    # Offload headers too long for the mbuf's fields, or an MSS no TCP sends: answered OKAY,
    # dropped as tx_drop_bad_hdr (#12 item 4).
    s = tx_page(tx(), 0, 0, 0)
    tx_req(s, 0, 0, CSUM_BLANK | EXTRA_INFO | MORE_DATA, 1, 3000)
    tx_extra(s, 1, 0, gso(20, 1))
    tx_req(s, 1, 0, 0, 2, 2900)
    out['gso-mss-below-min'] = tx_burst(tx_push(s))
    s = tx()
    for i, exts in enumerate(((464,), (256, 256))):
        hdr = eth(0x86dd) + ipv6(tcp_hdr(), 100, exts)
        tx_page_bytes(s, i, 0, hdr)
        tx_req(s, i, 0, CSUM_BLANK, i, len(hdr) + 100)
    out['ipv6-ext-headers-511'] = tx_burst(tx_push(s))
    return out


# ---- fuzz_nif_rx ---------------------------------------------------------------------------
RX_POST, RX_RAW, RX_PUSH, RX_RSP_EVENT, RX_PKTS, RX_BURST = range(6)
SG, GSO4, GSO6, CSUM4, CSUM6, NOTIFY, NAIVE, XDP = 1, 2, 4, 8, 16, 32, 64, 128
F_TSO, F_LRO, F_TCP_CKSUM, F_L4_GOOD, F_IPV4, F_IPV6, F_IP_BAD = 1, 2, 4, 8, 16, 32, 64


def rx(feat=SG | GSO4 | GSO6 | CSUM4 | CSUM6 | NOTIFY, burst=31, segs=0, start=0, mtu=0):
    return Script().u8(feat).u8(burst).u8(segs).u32(start).u16(mtu)


def rx_post(s, n, rid=0, gref=0, stride=1):
    return s.u8(RX_POST).u8(n - 1).u16(rid).u8(gref).u8(stride)


def rx_pkt(s, segs, kind=0, flags=0, tso=0, headroom=128, delta=None):
    shape = (len(segs) - 1) | (0x80 if delta is not None else 0)
    s.u8(shape).u8(kind)
    for ln in segs:
        s.u16(ln).u8(headroom)
    if delta is not None:
        s.u8(delta)
    return s.u8(flags).u16(tso)


def rx_pkts(s, pkts):
    s.u8(RX_PKTS).u8(len(pkts) - 1)
    for p in pkts:
        rx_pkt(s, **p)
    return s


def rx_burst(s, mode=0, fail=0):
    return s.u8(RX_BURST).u8(mode).u8(fail)


def rx_seeds():
    out = {}
    s = rx_post(rx(), 4)
    out['one-packet'] = rx_burst(rx_pkts(s, [dict(segs=[60])]))
    for name, feat in (('chain-packed', 0), ('chain-naive', NAIVE)):
        s = rx_post(rx(feat=SG | GSO4 | CSUM4 | feat | NOTIFY), 12)
        out[name] = rx_burst(rx_pkts(s, [dict(segs=[1500, 3000, 2000], headroom=7, flags=F_LRO,
                                              tso=1448),
                                         dict(segs=[0, 100, 0, 4096], flags=F_LRO, tso=1000)]))
    s = rx_post(rx(), 20)
    out['lro-gso-tcp4'] = rx_burst(rx_pkts(s, [dict(segs=[4000, 4000, 4000, 4000, 4000], kind=0,
                                                  flags=F_LRO | F_IPV4, tso=1448)]))
    s = rx_post(rx(), 20)
    out['tso-gso-tcp6-ptype'] = rx_burst(rx_pkts(s, [dict(segs=[3000, 3000, 3000], kind=1,
                                                        flags=F_TSO | F_TCP_CKSUM, tso=1428)]))
    s = rx_post(rx(feat=SG | CSUM4), 20)
    out['drop-no-gso'] = rx_burst(rx_pkts(s, [dict(segs=[9000 // 3] * 3, flags=F_LRO | F_IPV4,
                                                  tso=1448)]))
    s = rx_post(rx(), 20)
    out['drop-gso-no-mss'] = rx_burst(rx_pkts(s, [dict(segs=[3000, 3000], flags=F_LRO | F_IPV4)]))
    s = rx_post(rx(feat=CSUM4, mtu=9000), 4)
    out['drop-too-many-slots-no-sg'] = rx_burst(rx_pkts(s, [dict(segs=[3000, 2000])]))
    s = rx_post(rx(feat=SG | GSO4 | CSUM4), 30)
    out['drop-too-many-slots-sg'] = rx_burst(rx_pkts(s, [dict(segs=[4096] * 19, flags=F_LRO | F_IPV4,
                                                            tso=1000)]))
    s = rx_post(rx(feat=SG), 4)
    out['drop-no-csum'] = rx_burst(rx_pkts(s, [dict(segs=[200], flags=F_TCP_CKSUM),
                                               dict(segs=[200], kind=2, flags=F_TCP_CKSUM)]))
    s = rx_post(rx(), 4)
    out['validated-and-ip-bad'] = rx_burst(rx_pkts(s, [dict(segs=[200], flags=F_L4_GOOD),
                                                       dict(segs=[200], flags=F_L4_GOOD | F_IP_BAD)]))
    s = rx_post(rx(), 4)
    out['drop-oversize'] = rx_burst(rx_pkts(s, [dict(segs=[1600])]))
    s = rx_post(rx(mtu=9000), 8)
    out['jumbo-mtu'] = rx_burst(rx_pkts(s, [dict(segs=[4000, 5000])]))
    # The bug this fuzzer found: a chain whose pkt_len exceeds its segments, with a partial
    # checksum, made nif_rx_offload parse headers through rte_net_get_ptype past the chain.
    s = rx_post(rx(), 4)
    out['bug-broken-chain-partial-csum'] = rx_burst(
        rx_pkts(s, [dict(segs=[10, 0], kind=2, flags=F_TCP_CKSUM, delta=100)]))
    s = rx_post(rx(), 4)
    out['drop-bad-mbuf'] = rx_burst(rx_pkts(s, [dict(segs=[100, 100], delta=0xf0),
                                                dict(segs=[0])]))
    s = rx_post(rx(mtu=9000), 1)
    rx_burst(rx_pkts(s, [dict(segs=[3000, 3000]), dict(segs=[60])]))
    out['short-of-requests-notify'] = rx_burst(rx_post(s, 4, 10, 3))
    s = rx_post(rx(feat=SG | CSUM4, mtu=9000), 1)
    out['short-of-requests-polled'] = rx_burst(rx_pkts(s, [dict(segs=[2500, 2500])]))
    s = rx_post(rx(), 6, 0, 7)
    out['ungranted-grefs'] = rx_burst(rx_pkts(s, [dict(segs=[100]), dict(segs=[100]),
                                                  dict(segs=[100])]))
    for mode in (1, 2):
        s = rx_post(rx(), 8)
        out['copy-fail-mode-%d' % mode] = rx_burst(rx_pkts(s, [dict(segs=[100]),
                                                               dict(segs=[5000, 100])]), mode, 1)
    s = rx_post(rx(), 4)
    s.u8(RX_PUSH).u8(0xff).u32(600)
    out['fatal-impossible-reqs'] = rx_burst(rx_burst(rx_pkts(s, [dict(segs=[100])])))
    s = rx_post(rx(start=0xfffffff0, burst=3), 32, 0, 0, 1)
    s.u8(RX_RSP_EVENT).u16(5)
    rx_pkts(s, [dict(segs=[100 + i]) for i in range(8)])
    out['wrap-small-bursts'] = rx_burst(rx_burst(rx_burst(s)))
    s = rx_post(rx(segs=1, mtu=65000), 32)
    out['small-copy-batch'] = rx_burst(rx_pkts(s, [dict(segs=[100] * 24), dict(segs=[4000] * 8),
                                                   dict(segs=[10] * 20)]))
    s = rx_post(rx(), 8, 0, 2, 0)
    out['same-gref-twice'] = rx_burst(rx_pkts(s, [dict(segs=[100]), dict(segs=[200])]))
    s = rx_post(rx(), 2)
    s.u8(RX_RAW).raw(struct.pack('<HHI', 77, 0, 0xffffffff))
    s.u8(RX_PUSH).u8(0)
    out['raw-request'] = rx_burst(rx_pkts(s, [dict(segs=[100])] * 3))
    # #15 xdp-headroom (XDP: 1 + (burst >> 5) * 292 bytes): 1, then the largest, 2045, with
    # a chain that fills the first slot to the byte, a 64 KiB TSO packet and a naive layout.
    for name, burst, feat in (('xdp-headroom-1', 31, 0), ('xdp-headroom-2045', 255, 0),
                              ('xdp-headroom-naive', 95, NAIVE)):
        s = rx_post(rx(feat=SG | GSO4 | CSUM4 | NOTIFY | XDP | feat, burst=burst, mtu=9000), 32)
        first = 4096 - (1 + (burst >> 5) * 292)
        out[name] = rx_burst(rx_pkts(s, [dict(segs=[first]), dict(segs=[first + 1]),
                                         dict(segs=[4000] * 16, flags=F_LRO | F_IPV4,
                                              tso=1448)]))
    return out


# ---- fuzz_xb -------------------------------------------------------------------------------
XB_KEYS = ['state', 'tx-ring-ref', 'rx-ring-ref', 'event-channel', 'event-channel-tx',
           'event-channel-rx', 'request-rx-copy', 'feature-rx-notify', 'feature-sg',
           'feature-gso-tcpv4', 'feature-gso-tcpv6', 'feature-no-csum-offload',
           'feature-ipv6-csum-offload', 'multi-queue-num-queues', 'queue-0/tx-ring-ref',
           'queue-0/rx-ring-ref', 'queue-0/event-channel', 'queue-0/event-channel-tx',
           'queue-0/event-channel-rx', 'queue-1/tx-ring-ref', 'queue-1/rx-ring-ref',
           'queue-1/event-channel', 'queue-3/tx-ring-ref', 'queue-4/rx-ring-ref', 'queue-0',
           'feature-split-event-channels', 'request-rx-flip', 'feature-ctrl-ring', '']
XB_VALUES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '16', '17', '-1', '', ' 1', '1 ',
             '+1', '01', '0x10', '4294967295', '4294967296', '99999999999999999999', '65535',
             '2147483648', '1a', '8\n']


class Xb(Script):
    def set(self, key, value):
        if value in XB_VALUES:
            return self.u8(0).u8(XB_KEYS.index(key)).u8(XB_VALUES.index(value))
        raw = value.encode()
        return self.u8(0).u8(XB_KEYS.index(key)).u8(200).u8(len(raw)).raw(raw)

    def rm(self, key):
        return self.u8(2).u8(XB_KEYS.index(key)).u8(0)

    def state(self, v):
        return self.u8(3).u8(v)

    def poll(self, watch=False):
        return self.u8(5 if watch else 4)

    def answer(self, ok):
        return self.u8(6).u8(1 if ok else 0)

    def disconnect(self):
        return self.u8(7)

    def eagain(self, n):
        return self.u8(8).u8(n)

    def neighbour(self):
        return self.u8(9)

    def keys(self, queues=1, split=False):
        self.set('request-rx-copy', '1').set('feature-rx-notify', '1').set('feature-sg', '1')
        if queues > 1:
            self.set('multi-queue-num-queues', str(queues))
        for q in range(min(queues, 2)):
            pre = 'queue-%d/' % q if queues > 1 else ''
            self.set(pre + 'tx-ring-ref', str(8 + 2 * q)).set(pre + 'rx-ring-ref', str(9 + 2 * q))
            if split and q == 0:
                self.set(pre + 'event-channel-tx', '3').set(pre + 'event-channel-rx', '4')
            else:
                self.set(pre + 'event-channel', str(3 + q))
        return self


def xb_seeds():
    out = {}
    out['connect-close-reconnect'] = (Xb().keys().state(4).poll().answer(True).neighbour()
                                      .state(5).poll().state(6).poll().state(1).poll()
                                      .state(4).poll().answer(True).poll())
    out['connect-then-map-fails'] = Xb().keys().state(4).poll().answer(False).poll().state(4).poll()
    out['split-channels'] = Xb().keys(split=True).state(4).poll().answer(True)
    out['two-queues'] = Xb().keys(queues=2).state(4).poll().answer(True)
    out['too-many-queues'] = Xb().keys(queues=2).set('multi-queue-num-queues', '5').state(4).poll()
    out['missing-queue-1'] = (Xb().keys().set('multi-queue-num-queues', '2').state(4).poll())
    out['missing-ring-ref'] = Xb().set('rx-ring-ref', '9').set('event-channel', '3').state(4).poll()
    for i, v in enumerate(['-1', ' 1', '+1', '01', '0x10', '4294967296', '1a', '', '8\n']):
        out['bad-ring-ref-%d' % i] = Xb().keys().set('tx-ring-ref', v).state(4).poll().poll()
    out['no-rx-copy'] = Xb().keys().set('request-rx-copy', '0').state(4).poll()
    out['gso-without-sg'] = (Xb().keys().set('feature-sg', '0').set('feature-gso-tcpv4', '1')
                             .state(4).poll())
    for v in (7, 8, 2, 0, 9):
        out['frontend-state-%d' % v] = Xb().state(v).poll().state(1).poll().keys().state(4).poll()
    out['garbage-state'] = Xb().set('state', '1a').poll().set('state', '99999999999999999999').poll()
    out['state-gone-offline'] = Xb().keys().state(4).poll().answer(True).rm('state').poll()
    out['frontend-dir-removed'] = Xb().keys().state(4).poll().answer(True).rm('').poll(True)
    out['eagain-connect'] = Xb().keys().eagain(3).state(4).poll().answer(True)
    out['disconnect-reconnect'] = (Xb().keys().state(4).poll().answer(True).disconnect()
                                   .poll().state(6).poll().state(1).poll().state(4).poll()
                                   .answer(True))
    out['closing-before-answer'] = Xb().keys().state(4).poll().state(5).poll().answer(True)
    out['initialised-then-connected'] = Xb().keys().state(3).poll().state(4).poll(True).answer(True)
    out['connected-twice'] = (Xb().keys().state(4).poll().answer(True).answer(True).state(4)
                              .poll().neighbour())
    out['long-raw-value'] = Xb().keys().set('event-channel', 'x' * 46).state(4).poll()
    return out


# ---- fuzz_lro_switch -----------------------------------------------------------------------
class Ls(Script):
    def setup(self, c=3, v=0, held=64, timeout=1000, flows=((0, 2, 0, 0),) * 4, max_ip=None,
              max_slots=None):
        c |= (0x80 if max_ip is not None else 0) | (0x40 if max_slots is not None else 0)
        self.u8(c).u8(v).u8(held).u16(timeout)
        if max_ip is not None:
            self.u16(max_ip - 1000)
        if max_slots is not None:
            self.u8(max_slots - 1)
        for v6, src, dst, vlan in flows:
            self.u8(v6 | (src << 1) | (dst << 4) | (0x80 if vlan else 0)).u32(1000)
        return self

    def tcp(self, flow, pay, fl=0, opt=4, flips=(), trunc=None, splits=(), vlan=None):
        kind = flow | (len(flips) << 5) | (0x10 if trunc is not None else 0)
        self.u8(kind).u8(fl).u8(opt).u16(pay)
        return self._tail(flips, trunc, splits, vlan)

    def rawframe(self, data, splits=(), vlan=None):
        self.u8(0x0c).u8(len(data)).raw(data)
        return self._tail((), None, splits, vlan)

    def _tail(self, flips, trunc, splits, vlan):
        for at, x in flips:
            self.u16(at).u8(x)
        if trunc is not None:
            self.u8(trunc)
        self.u8(len(splits) | (0x80 if vlan is not None else 0))
        for sp in splits:
            self.u16(sp)
        if vlan is not None:
            self.u16(vlan)
        return self

    def burst(self, frames, now=10, port=0, sent=255, flush=0):
        self.u8(len(frames) - 1)
        for f in frames:
            f(self)
        self.u16(now).u8(port).u8(sent).u8(flush)
        if flush:
            self.u8(port).u8(sent)
        return self


def ls_seeds():
    out = {}
    seg = lambda flow, pay, **k: (lambda s: s.tcp(flow, pay, **k))
    v4_to_vif = ((0, 2, 0, 0), (0, 3, 1, 0), (1, 2, 0, 0), (1, 3, 4, 0))
    out['merge-tcp4'] = Ls().setup(flows=v4_to_vif).burst([seg(0, 1000)] * 8)
    out['merge-tcp6'] = Ls().setup(flows=v4_to_vif).burst([seg(2, 1200)] * 8)
    out['merge-psh-fin-short'] = Ls().setup(flows=v4_to_vif).burst(
        [seg(0, 1000), seg(0, 1000, fl=0x48), seg(0, 1000), seg(0, 500), seg(0, 1000),
         seg(0, 1000, fl=0x41)])
    out['interleaved-flows'] = Ls().setup(flows=v4_to_vif).burst(
        [seg(i % 4, 900) for i in range(24)], flush=1)
    out['chains-and-header-split'] = Ls().setup(flows=v4_to_vif).burst(
        [seg(0, 1400, splits=(54, 700)), seg(0, 1400, splits=(20,)), seg(0, 1400, splits=(66, 1, 1))])
    out['bad-checksums'] = Ls().setup(flows=v4_to_vif).burst(
        [seg(0, 1000, opt=0), seg(0, 1000, opt=0, flips=((200, 1),)), seg(0, 1000, opt=0)])
    out['timestamps-and-options'] = Ls().setup(flows=v4_to_vif).burst(
        [seg(0, 1000, opt=5), seg(0, 1000, opt=5), seg(0, 1000, opt=0x15)])
    out['header-flips'] = Ls().setup(flows=v4_to_vif).burst(
        [seg(0, 1000, flips=((14, 0x01),)), seg(0, 1000, flips=((20, 0x20),)),
         seg(0, 1000, flips=((23, 0x0b),)), seg(0, 1000, flips=((46, 0xf0),)),
         seg(2, 1000, flips=((20, 0x2c),)), seg(2, 1000, flips=((18, 0xff),))])
    out['truncated-frames'] = Ls().setup(flows=v4_to_vif).burst(
        [seg(0, 1000, trunc=b) for b in (1, 990, 1010, 1030)] + [seg(2, 100, trunc=90)])
    out['raw-arp-runt-garbage'] = Ls().setup().burst(
        [lambda s: s.rawframe(b'\xff' * 6 + b'\x02\0\0\0\0\x10' + b'\x08\x06' + b'\0' * 28),
         lambda s: s.rawframe(b'\x02' * 10),
         lambda s: s.rawframe(b'\x02\0\0\0\0\x01\x02\0\0\0\0\x10\x81\x00\x0f\xff\x08\x00' + b'\0' * 30),
         lambda s: s.rawframe(b'\x02\0\0\0\0\x01\x02\0\0\0\0\x10\x88\xa8\0\x05\x81\0\0\x05' + b'\0' * 30)])
    vlan_flows = ((0, 2, 0, 1), (0, 3, 1, 1), (1, 2, 0, 1), (0, 2, 4, 1))
    out['trunk-vlan-to-access-vif'] = Ls().setup(v=2, flows=vlan_flows).burst(
        [seg(0, 1000)] * 4 + [seg(3, 100)])
    out['vlan-metadata-on-non-trunk'] = Ls().setup(v=5, flows=v4_to_vif).burst(
        [seg(0, 1000, vlan=5), seg(0, 1000, vlan=0xfff)], port=1)
    spoof = ((0, 0, 4, 0), (0, 1, 2, 0), (0, 3, 0, 0), (0, 6, 1, 0))
    out['from-vif-spoofed'] = Ls().setup(v=7, flows=spoof).burst(
        [seg(i % 4, 100) for i in range(8)], port=2)
    out['held-full-and-table-full'] = Ls().setup(c=0, held=2, flows=v4_to_vif).burst(
        [seg(i % 4, 1000) for i in range(16)], flush=1)
    out['timeout-flush'] = (Ls().setup(timeout=5, flows=v4_to_vif)
                            .burst([seg(0, 1000)] * 3, now=1)
                            .burst([seg(0, 1000)] * 3, now=100, flush=1))
    out['egress-refuses'] = Ls().setup(v=1, flows=v4_to_vif).burst(
        [seg(i % 4, 300) for i in range(12)], sent=1, flush=1)
    out['slot-and-ip-limits'] = Ls().setup(flows=v4_to_vif, max_ip=5000, max_slots=2).burst(
        [seg(0, 1448)] * 16 + [seg(2, 1400)] * 16)
    out['many-segments-default-limits'] = Ls().setup(flows=v4_to_vif).burst([seg(0, 1448)] * 32)
    return out


# ---- fuzz_wire_egress ----------------------------------------------------------------------
TSO4, TSO6, CKSUM4, CKSUM6, VLAN_INSERT, TRUNK = 1, 2, 4, 8, 16, 32
NIC_ALL = TSO4 | TSO6 | CKSUM4 | CKSUM6 | VLAN_INSERT
GSO_TCPV4, GSO_TCPV6 = 1, 2


def wire(port, mtu=1500, vlan=10):
    """The wire port (offload bits, MTU, the vif's access VLAN), then a guest's TX script."""
    return Script().u8(port).u16(mtu - 576).u16(vlan - 1).raw(tx().b)


def wire_burst(s, take=0):
    """A burst; the NIC takes every frame (take 0) or take - 1 per tx_burst."""
    return tx_burst(s).u8(take)


def wire_pkt(s, rid, hdr, total, flags=0, gso_size=None, gso_type=GSO_TCPV4, gref=0):
    """One packet of @total bytes starting with @hdr: the headers in page @gref, the rest in
    4 KiB slots from the other pages; a GSO extra slot when @gso_size is given."""
    tx_page_bytes(s, gref, 0, hdr)
    chunks = [min(total, 4096)]
    while sum(chunks) < total:
        chunks.append(min(total - sum(chunks), 4096))
    first = flags | (MORE_DATA if len(chunks) > 1 else 0)
    if gso_size is not None:
        first |= EXTRA_INFO
    tx_req(s, gref, 0, first, rid, total)
    if gso_size is not None:
        tx_extra(s, 1, 0, gso(gso_size, gso_type))
    for i, size in enumerate(chunks[1:]):
        tx_req(s, (gref + 1 + i) % 8, 0, MORE_DATA if i + 2 < len(chunks) else 0,
               rid + 1 + i, size)
    return tx_push(s)


def tcp4(total, vlan=None, opt_words=0, doff=None):
    l2 = eth(0x0800, vlan)
    return l2 + ipv4(tcp_hdr(opt_words, doff), total - len(l2) - 20 - 20 - 4 * opt_words)


def tcp6(total, exts=(), vlan=None):
    l2 = eth(0x86dd, vlan)
    return l2 + ipv6(tcp_hdr(), total - len(l2) - 40 - sum(exts) - 20, exts)


def udp4(total):
    return eth(0x0800) + ipv4(struct.pack('>HHHH', 53, 53, total - 34, 0), total - 42,
                              IPPROTO_UDP)


def wire_seeds():
    out = {}
    one = lambda port, hdr, total, mtu=1500, take=0, **k: wire_burst(
        wire_pkt(wire(port, mtu), 1, hdr, total, **k), take)
    out['tcp4-csum-offload'] = one(NIC_ALL, tcp4(1000), 1000, flags=CSUM_BLANK)
    out['tcp4-csum-software'] = one(TSO4 | TSO6, tcp4(1000), 1000, flags=CSUM_BLANK)
    out['tcp6-csum-offload'] = one(NIC_ALL, tcp6(1000), 1000, flags=CSUM_BLANK)
    out['udp4-csum-software'] = one(0, udp4(600), 600, flags=CSUM_BLANK)
    out['ipv4-options-csum'] = one(NIC_ALL, tcp4(900, opt_words=10), 900, flags=CSUM_BLANK)
    out['frame-mtu-exact-and-over'] = wire_burst(wire_pkt(
        wire_pkt(wire(0), 1, tcp4(1514), 1514), 2, tcp4(1515), 1515, gref=4))
    out['jumbo-9000'] = one(NIC_ALL, tcp4(9014), 9014, mtu=9000, flags=CSUM_BLANK)
    out['over-mtu-576'] = one(NIC_ALL, tcp4(1000), 1000, mtu=576)
    # GSO: the NIC segments, or librte_gso does (IPv4 only), or it is dropped. The seed-bug-*
    # seeds reproduce the faults this target found (fixed since: they must stay fixed)
    for name, port in (('tso', NIC_ALL), ('sw-gso', CKSUM4 | CKSUM6), ('sw-gso-sw-csum', 0)):
        out['gso-tcp4-64k-' + name] = one(port, tcp4(65000), 65000, flags=CSUM_BLANK,
                                          gso_size=1448)
    out['bug-short-tcp-header-sw-gso'] = one(0, tcp4(65000, doff=0), 65000, flags=CSUM_BLANK,
                                             gso_size=1448)
    out['bug-short-tcp-header-tso'] = one(NIC_ALL, tcp4(20000, doff=2), 20000, flags=CSUM_BLANK,
                                          gso_size=1448)
    out['gso-tcp6-tso'] = one(NIC_ALL, tcp6(20000), 20000, flags=CSUM_BLANK, gso_size=1428,
                              gso_type=GSO_TCPV6)
    out['gso-tcp6-no-tso'] = one(CKSUM6, tcp6(20000), 20000, flags=CSUM_BLANK, gso_size=1428,
                                 gso_type=GSO_TCPV6)
    out['gso-tiny-mss-tso'] = one(NIC_ALL, tcp4(3000), 3000, flags=CSUM_BLANK, gso_size=48)
    out['gso-tiny-mss-sw'] = one(CKSUM4, tcp4(65000), 65000, flags=CSUM_BLANK, gso_size=48)
    out['gso-mss-over-mtu'] = one(NIC_ALL, tcp4(30000), 30000, flags=CSUM_BLANK,
                                  gso_size=1461)
    out['gso-huge-mss-jumbo'] = one(NIC_ALL, tcp4(40000), 40000, mtu=9000, flags=CSUM_BLANK,
                                    gso_size=8960)
    out['bug-tso-without-csum'] = one(TSO4 | TSO6, tcp4(9000), 9000, flags=CSUM_BLANK,
                                      gso_size=1448)
    out['bug-one-segment-tso-flag'] = one(CKSUM4, tcp4(1000), 1000, flags=CSUM_BLANK,
                                          gso_size=1448)
    out['gso-ipv6-ext-504'] = one(NIC_ALL, tcp6(12000, exts=(464,)), 12000, mtu=9000,
                                  flags=CSUM_BLANK, gso_size=4000, gso_type=GSO_TCPV6)
    # 802.1Q: tagged by the guest (payload to an access port), or by the switch for a trunk
    out['vlan-in-data-csum'] = wire_burst(wire_pkt(
        wire_pkt(wire(NIC_ALL), 1, tcp4(1514, vlan=5), 1514, flags=CSUM_BLANK), 2,
        tcp4(1518, vlan=5), 1518, flags=CSUM_BLANK, gref=4))
    out['trunk-hw-insert-csum'] = one(NIC_ALL | TRUNK, tcp4(1514), 1514, flags=CSUM_BLANK)
    out['bug-tag-over-mtu'] = one(NIC_ALL | TRUNK, tcp4(1518), 1518)
    out['trunk-sw-insert'] = one(CKSUM4 | TRUNK, tcp4(1514), 1514)
    out['bug-sw-tag-l2-len-sw-gso'] = one(CKSUM4 | TRUNK, tcp4(30000), 30000, flags=CSUM_BLANK,
                                          gso_size=1448)
    out['bug-sw-tag-l2-len'] = one(TSO4 | CKSUM4 | TRUNK, tcp4(30000), 30000,
                                   flags=CSUM_BLANK, gso_size=1448)
    out['trunk-drops-tagged'] = one(NIC_ALL | TRUNK, tcp4(1000, vlan=7), 1000)
    s = wire(CKSUM4)
    for i in range(3):
        wire_pkt(s, 20 * i, tcp4(65000), 65000, flags=CSUM_BLANK, gso_size=1448, gref=i)
    out['sw-gso-flush-midway'] = wire_burst(s, take=40)
    # the NIC refuses a tail, or prepare a frame in the middle
    s = wire(NIC_ALL)
    for i in range(6):
        wire_pkt(s, 10 * i, tcp4(500 + i), 500 + i, flags=CSUM_BLANK, gref=i)
    out['nic-takes-two'] = wire_burst(s, take=3)
    s = wire(NIC_ALL, mtu=9000)
    wire_pkt(s, 1, tcp4(600), 600, flags=CSUM_BLANK)
    wire_pkt(s, 2, tcp4(3000), 3000, flags=CSUM_BLANK, gso_size=100, gref=1)
    wire_pkt(s, 3, tcp4(700), 700, flags=CSUM_BLANK, gref=2)
    out['prepare-refuses-middle'] = wire_burst(s)
    return out

# ---- fuzz_gso: one TSO packet per step (fuzz_gso.c gz_build) ------------------------------
def gz_pkt(s, v6=True, exts=(), opt_words=0, mss=1440, payload=10000, flags=0x18,
           split=2048, seq=b'\x9c\x40\x00\x50\xff\xff\xf0\x00', room=128, flips=(),
           port=False):
    # port: handed over as a wire port's own LRO aggregate (pkt_rx_offload_adopt first)
    s.u8((1 if v6 else 0) | (2 if port else 0))
    if v6:
        s.u8(len(exts))
        for pick, units in exts:
            s.u8(pick).u8(units)
    s.u8(opt_words).u16(mss).u16(payload).u8(flags).u16(split - 1).raw(seq)
    s.u8(len(flips))
    for at, x in flips:
        s.u16(at).u8(x)
    return s.u8(room - 1)


def gso_seeds():
    out = {}
    fin_psh_cwr = 0x01 | 0x08 | 0x10 | 0x80
    out['tcp6-mss'] = gz_pkt(Script(), flags=fin_psh_cwr)
    out['tcp6-exact-multiple'] = gz_pkt(Script(), payload=2880)
    out['tcp6-one-byte-over'] = gz_pkt(Script(), payload=1441, split=1)
    out['tcp6-options-small-mss'] = gz_pkt(Script(), opt_words=10, mss=536, payload=64000,
                                           split=1000)
    # picks index fuzz_gso's known[]: 0 hop-by-hop, 1 routing, 2 destination options,
    # 3 fragment, 4 AH, 5 ESP; 200 and above are the type itself
    out['tcp6-ext-hop-dst'] = gz_pkt(Script(), exts=((0, 0), (2, 1)), flags=fin_psh_cwr)
    out['tcp6-ext-routing'] = gz_pkt(Script(), exts=((1, 3),))
    out['tcp6-ext-fragment-refused'] = gz_pkt(Script(), exts=((3, 0),))
    out['tcp6-ext-ah-refused'] = gz_pkt(Script(), exts=((4, 1),))
    out['tcp6-ext-unknown-refused'] = gz_pkt(Script(), exts=((253, 0),))
    out['tcp6-no-room'] = gz_pkt(Script(), room=3)
    out['tcp6-mss-zero'] = gz_pkt(Script(), mss=0)
    out['tcp6-next-header-flipped'] = gz_pkt(Script(), flips=((20, 0x11),))
    # the flags byte (14 + 40 + 13) changed after the lengths were set: FIN, SYN, RST added
    out['tcp6-flags-flipped'] = gz_pkt(Script(), flips=((67, 0x07),))
    out['tcp6-jumbogram'] = gz_pkt(Script(), flips=((18, 0x27), (19, 0x24)))  # length 0
    out['tcp6-big-segments'] = gz_pkt(Script(), mss=9000, payload=30000, split=4096)
    out['tcp4-librte-gso'] = gz_pkt(Script(), v6=False, flags=fin_psh_cwr)
    s = Script()
    for i in range(4):
        gz_pkt(s, v6=i % 2 == 0, payload=3000 * (i + 1), mss=500 + 300 * i)
    out['mixed-four'] = s
    # #16: a wire port's own aggregates (virtio's GUEST_TSO), adopted then segmented
    out['port-tcp6-aggregate'] = gz_pkt(Script(), port=True, flags=fin_psh_cwr)
    out['port-tcp4-aggregate'] = gz_pkt(Script(), v6=False, port=True, payload=30000, mss=1448)
    out['port-tcp6-ext-hop'] = gz_pkt(Script(), port=True, exts=((0, 1),))
    out['port-mss-too-small-refused'] = gz_pkt(Script(), port=True, mss=40)
    out['port-next-header-udp-refused'] = gz_pkt(Script(), port=True, flips=((20, 0x17),))
    return out


# ---- fuzz_nif_ctrl: the control ring (ops: 0 request, 1 raw slot, 2 push, 3 page bytes,
# 4 copy failure, 5 poll; the first byte: queues - 1) ----------------------------------
CT_GET_FLAGS, CT_SET_FLAGS, CT_SET_KEY, CT_GET_MAP_SIZE, CT_SET_MAP_SIZE = 1, 2, 3, 4, 5
CT_SET_MAP, CT_SET_ALG = 6, 7


def ct(queues=4):
    return Script().u8(queues - 1)


def ct_req(s, rid, rtype, d0=0, d1=0, d2=0):
    s.u8(0).u16(rid).u8(rtype)
    for v in (d0, d1, d2):
        s.u32(v).u8(0)  # 0: the value as it is
    return s


def ct_push(s):
    return s.u8(2).u8(1)


def ct_page(s, gref, off, data):
    return s.u8(3).u8(gref).u16(off).raw(data.ljust(64, b'\0')[:64])


def ct_poll(s, budget=16):
    return s.u8(5).u8(budget - 1)


def ct_toeplitz(s, entries):
    ct_req(s, 1, CT_SET_ALG, 1)
    ct_req(s, 2, CT_SET_FLAGS, 0x5)
    ct_page(s, 0, 0, bytes(range(1, 41)))
    ct_req(s, 3, CT_SET_KEY, 0, 40)
    ct_req(s, 4, CT_SET_MAP_SIZE, len(entries))
    ct_page(s, 1, 0, b''.join(struct.pack('<I', e) for e in entries))
    ct_req(s, 5, CT_SET_MAP, 1, len(entries), 0)
    return ct_poll(ct_push(s))


def ctrl_seeds():
    out = {}
    out['toeplitz-key-mapping'] = ct_toeplitz(ct(), [0, 1, 2, 3, 3, 2, 1, 0])
    s = ct_toeplitz(ct(), [0, 1, 2, 3])
    for rid, rtype in ((6, CT_GET_FLAGS), (7, CT_GET_MAP_SIZE), (8, 0), (9, 8), (10, 9),
                       (11, 10), (12, 12)):
        ct_req(s, rid, rtype)
    out['getters-and-unknown-types'] = ct_poll(ct_push(s))
    # XSA-270: entries at or past the queues, a length past the page, an offset that wraps
    s = ct(2)
    ct_req(s, 1, CT_SET_ALG, 1)
    ct_req(s, 2, CT_SET_MAP_SIZE, 8)
    ct_page(s, 1, 0, struct.pack('<8I', 0, 1, 2, 3, 0, 1, 0, 1))  # 2 and 3: past 2 queues
    ct_req(s, 3, CT_SET_MAP, 1, 8, 0)
    ct_page(s, 2, 0, struct.pack('<2I', 1, 0xffffffff))
    ct_req(s, 4, CT_SET_MAP, 2, 2, 0)
    ct_req(s, 5, CT_SET_MAP, 1, 1025, 0)
    ct_req(s, 6, CT_SET_MAP, 1, 2, 0xffffffff)
    ct_req(s, 7, CT_SET_MAP_SIZE, 129)
    out['mapping-out-of-range'] = ct_poll(ct_push(s))
    s = ct()
    ct_req(s, 1, CT_SET_KEY, 0, 41)
    ct_req(s, 2, CT_SET_KEY, 200, 40)
    s.u8(4).u8(1).u8(3)  # the next copy's segment fails
    ct_req(s, 3, CT_SET_KEY, 0, 40)
    ct_req(s, 4, CT_SET_FLAGS, 0xff)
    ct_req(s, 5, CT_SET_ALG, 2)
    out['key-and-flags-refused'] = ct_poll(ct_push(s))
    s = ct_toeplitz(ct(), [1, 0])
    s.u8(2).u8(0).u16(1000)  # req_prod far past the ring: fatal
    out['req-prod-past-ring'] = ct_poll(ct_poll(s))
    s = ct()
    for i in range(40):  # more than a poll's budget, around the ring
        ct_req(s, i, CT_GET_FLAGS)
        if i % 8 == 7:
            ct_poll(ct_push(s), 3)
    out['many-small-polls'] = ct_poll(ct_push(s))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, 'corpus')
    total = 0
    for target, seeds in (('fuzz_nif_tx', tx_seeds()), ('fuzz_nif_rx', rx_seeds()),
                          ('fuzz_xb', xb_seeds()), ('fuzz_lro_switch', ls_seeds()),
                          ('fuzz_wire_egress', wire_seeds()), ('fuzz_gso', gso_seeds()),
                          ('fuzz_nif_ctrl', ctrl_seeds())):
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        for name, script in seeds.items():
            with open(os.path.join(d, 'seed-' + name), 'wb') as f:
                f.write(script.b)
            total += len(script.b)
        print('%s: %d seeds' % (target, len(seeds)))
    print('total %d bytes' % total)


if __name__ == '__main__':
    main()
