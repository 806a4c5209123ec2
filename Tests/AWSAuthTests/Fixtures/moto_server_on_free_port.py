#!/usr/bin/env python3
"""Starts moto's server (STS and friends) on a free port of 127.0.0.1, prints the port, and
stops when stdin closes."""
import socket
import sys
import threading

from moto.server import ThreadedMotoServer

with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
print(port, flush=True)
sys.stdin.read()
server.stop()
