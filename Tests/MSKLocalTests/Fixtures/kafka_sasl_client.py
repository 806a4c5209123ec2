"""A raw Kafka protocol client for msk-local's gateway, independent of librdkafka.

Used by the Swift tests for what librdkafka 2.0.2 cannot do: KIP-368 re-authentication on an
open connection, a change of principal, requests before authentication, a wrong mechanism.

    python3 kafka_sasl_client.py HOST PORT TOKEN_A1 TOKEN_A2 TOKEN_B

Prints one JSON object describing what the gateway answered at every step.
"""
import json
import socket
import struct
import sys

SASL_HANDSHAKE, API_VERSIONS, SASL_AUTHENTICATE, METADATA = 17, 18, 36, 3


class Connection:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.correlation = 0

    def request(self, api_key, version, body):
        self.correlation += 1
        client_id = b"raw-client"
        header = struct.pack(">hhih", api_key, version, self.correlation, len(client_id)) + client_id
        frame = header + body
        self.sock.sendall(struct.pack(">i", len(frame)) + frame)
        size = self._read(4)
        if size is None:
            return None
        payload = self._read(struct.unpack(">i", size)[0])
        if payload is None:
            return None
        (correlation,) = struct.unpack(">i", payload[:4])
        assert correlation == self.correlation, (correlation, self.correlation)
        return payload[4:]

    def closed(self):
        """True when the gateway closed the connection (end of stream or reset) within the
        socket's timeout; False when it was still open then, or sent more bytes instead."""
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def _read(self, count):
        data = b""
        while len(data) < count:
            try:
                chunk = self.sock.recv(count - len(data))
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            data += chunk
        return data


def string(text):
    raw = text.encode()
    return struct.pack(">h", len(raw)) + raw


def read_string(data, offset):
    (length,) = struct.unpack_from(">h", data, offset)
    offset += 2
    if length < 0:
        return None, offset
    return data[offset:offset + length].decode(), offset + length


def handshake(conn, mechanism):
    answer = conn.request(SASL_HANDSHAKE, 1, string(mechanism))
    if answer is None:
        return None
    (error, count) = struct.unpack_from(">hi", answer, 0)
    offset, mechanisms = 6, []
    for _ in range(count):
        name, offset = read_string(answer, offset)
        mechanisms.append(name)
    return {"error": error, "mechanisms": mechanisms}


def authenticate(conn, token):
    initial = b"n,,\x01auth=Bearer " + token.encode() + b"\x01\x01"
    answer = conn.request(SASL_AUTHENTICATE, 1, struct.pack(">i", len(initial)) + initial)
    if answer is None:
        return None
    (error,) = struct.unpack_from(">h", answer, 0)
    message, offset = read_string(answer, 2)
    (auth_length,) = struct.unpack_from(">i", answer, offset)
    offset += 4 + max(auth_length, 0)
    (lifetime,) = struct.unpack_from(">q", answer, offset)
    return {"error": error, "message": message, "session_lifetime_ms": lifetime}


def api_versions(conn):
    answer = conn.request(API_VERSIONS, 0, b"")
    (error, count) = struct.unpack_from(">hi", answer, 0)
    versions = {}
    for index in range(count):
        key, low, high = struct.unpack_from(">hhh", answer, 6 + index * 6)
        versions[str(key)] = [low, high]
    return {"error": error, "versions": versions}


def metadata_brokers(conn):
    answer = conn.request(METADATA, 1, struct.pack(">i", -1))
    if answer is None:
        return None
    (count,) = struct.unpack_from(">i", answer, 0)
    offset, brokers = 4, []
    for _ in range(count):
        (node,) = struct.unpack_from(">i", answer, offset)
        host, offset = read_string(answer, offset + 4)
        (port,) = struct.unpack_from(">i", answer, offset)
        _rack, offset = read_string(answer, offset + 4)
        brokers.append(f"{host}:{port}")
    return brokers


def main():
    host, port, token_a1, token_a2, token_b = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    report = {}

    conn = Connection(host, port)
    report["api_versions"] = api_versions(conn)
    report["handshake"] = handshake(conn, "OAUTHBEARER")
    report["authenticate"] = authenticate(conn, token_a1)
    report["metadata_brokers"] = metadata_brokers(conn)
    report["reauth_handshake"] = handshake(conn, "OAUTHBEARER")
    report["reauthenticate"] = authenticate(conn, token_a2)
    report["metadata_after_reauth"] = metadata_brokers(conn)
    report["change_handshake"] = handshake(conn, "OAUTHBEARER")
    report["change_principal"] = authenticate(conn, token_b)
    report["closed_after_change"] = conn.closed()

    early = Connection(host, port)
    report["metadata_before_auth"] = metadata_brokers(early)

    plain = Connection(host, port)
    report["plain_handshake"] = handshake(plain, "PLAIN")
    report["closed_after_plain"] = plain.closed()

    # Not Kafka at all: a negative frame size, then an absurd one. Each connection is closed,
    # and the gateway keeps serving others.
    for name, junk in (("negative_size", b"\xff\xff\xff\xff" + b"junk"), ("huge_size", b"\x7f\xff\xff\xff" + b"x" * 64)):
        garbage = Connection(host, port)
        garbage.sock.sendall(junk)
        report["closed_after_" + name] = garbage.closed()
    report["api_versions_after_garbage"] = api_versions(Connection(host, port))["error"]

    print(json.dumps(report))


if __name__ == "__main__":
    main()
