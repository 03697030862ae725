#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Byte-exact TCP stream for the e2e tests.

  stream.py serve PORT           accept one connection (IPv4 or IPv6), print "<bytes> <sha256>" of what came
  stream.py send HOST PORT BYTES [MBPS]  (HOST an IPv4 or IPv6 address) send BYTES of deterministic pseudo-random data,
                                         at most MBPS megabytes/s; print the same
Timeouts are 60 s on either side: a connection survives a backend restart's pause.
"""
import hashlib
import random
import socket
import sys
import time

CHUNK = 1 << 16


def serve(port):
    # one socket for both: IPv4 arrives as a mapped address
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind(("::", port))
    srv.listen(1)
    srv.settimeout(60)
    conn, _ = srv.accept()
    conn.settimeout(60)
    h, total = hashlib.sha256(), 0
    while True:
        data = conn.recv(CHUNK)
        if not data:
            break
        h.update(data)
        total += len(data)
    print(total, h.hexdigest(), flush=True)


def send(host, port, nbytes, mbps=0.0):
    start = time.monotonic()
    rng = random.Random(20261125)
    block = bytes(rng.getrandbits(8) for _ in range(CHUNK))
    h, left = hashlib.sha256(), nbytes
    sock = socket.create_connection((host, port), timeout=60)
    i = 0
    while left > 0:
        # vary the data so a misplaced page cannot go unnoticed
        chunk = block[i % 251:] + block[:i % 251]
        chunk = chunk[:min(left, CHUNK)]
        sock.sendall(chunk)
        h.update(chunk)
        left -= len(chunk)
        i += 1
        if mbps > 0:  # paced: a stream that spans a whole test
            ahead = (nbytes - left) / (mbps * 1e6) - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    sock.shutdown(socket.SHUT_WR)
    sock.recv(1)
    sock.close()
    print(nbytes, h.hexdigest(), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
             float(sys.argv[5]) if len(sys.argv) > 5 else 0.0)
