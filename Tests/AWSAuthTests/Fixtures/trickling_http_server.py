#!/usr/bin/env python3
"""An HTTP server on 127.0.0.1 that accepts, then answers one byte every 0.5 s: the server a
refresh must not hang on. The connection is never idle for long, so an idle timeout alone never
fires; only an overall deadline ends the request early.

GET /status-line: the status line and headers are trickled, from their first byte.
GET /body: the status line and headers arrive at once, then the body trickles.
Either answer is complete (HTTP 200) after about 40 s, so a client without an overall deadline
gets a 200 instead of the timeout a test expects, well before a one-minute test time limit.

Prints its port on the first line of stdout; exits when stdin closes.
"""
import socket
import sys
import threading
import time

INTERVAL = 0.5
BODY = b"x" * 80  # 40 s of body


def trickle(connection, data):
    for index in range(len(data)):
        connection.sendall(data[index:index + 1])
        time.sleep(INTERVAL)


def serve(connection):
    with connection:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                request += chunk
            path = request.split(b" ", 2)[1]
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY)
            if path == b"/body":
                connection.sendall(head)
                trickle(connection, BODY)
            else:
                trickle(connection, head)  # 84 bytes: about 42 s
                connection.sendall(BODY)
        except OSError:
            pass  # the client gave up: that is the point


listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)


def accept_forever():
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


threading.Thread(target=accept_forever, daemon=True).start()
sys.stdin.read()
