#!/usr/bin/env python3
"""Starts moto's server (STS and friends) on a free port of 127.0.0.1, prints the port, and
stops when stdin closes.

The server binds port 0 itself and the port printed is the one its socket holds: picking a free
port first, closing it and binding again would let another process take it in between.
"""
import sys

from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()  # returns once the server's socket is bound and listening
_, port = server.get_host_and_port()
print(port, flush=True)
sys.stdin.read()
server.stop()
