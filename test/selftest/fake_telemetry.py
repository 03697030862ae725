#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# fake_telemetry.py SOCKET MODE: a DPDK telemetry socket (v2) that misbehaves, for the
# selftest suite. MODE: silent (accepts, never answers), reply:JSON (greets, then answers
# every command with JSON). Serves until killed.
import json
import os
import socket
import sys
import threading

path, mode = sys.argv[1], sys.argv[2]
os.makedirs(os.path.dirname(path), exist_ok=True)
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind(path)
srv.listen(8)
print("listening", flush=True)


def serve(c):
    if mode == "silent":
        c.recv(4096)  # holds the connection, answers nothing
        return
    c.send(json.dumps({"version": "fake", "pid": os.getpid(), "max_output_len": 16384}).encode())
    while True:
        cmd = c.recv(4096).decode()
        if not cmd:
            return
        c.send((json.dumps({"/": []}) if cmd == "/" else mode[len("reply:"):]).encode())


while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
