"""Hostile input against a running msk-local: what it must survive, and what it must answer.

    python3 hostile_inputs.py '<msk-local JSON line>' PID [AUTH_TIMEOUT_SECONDS]

PID is msk-local's process id (its RSS is read from /proc/PID/status). AUTH_TIMEOUT_SECONDS,
when given, is the gateway's authentication timeout (msk-local's --authentication-timeout; its
default, 30 s, is too long to wait for here): idle unauthenticated connections must then be
closed by msk-local within it. It must be at least 8 s, longer than any other check waits for a
close, or it would close connections those checks expect to be closed for another reason.

What it attacks, surface by surface (every count and wait is bounded; every socket has a
timeout; the whole run takes about a minute):

- The gateway's Kafka listeners (``bootstrap_servers``), before authentication: random bytes;
  huge, negative and tiny length prefixes; truncated frames and unreadable headers; every API
  key 0..70 at versions 0..12; SaslHandshake with other mechanisms (up to a 40,000-byte name);
  SaslAuthenticate before SaslHandshake, with junk auth bytes, and with well-formed OAUTHBEARER
  responses whose tokens carry 40,000-character fields (refusal text longer than a Kafka
  string); frames over the 512 KiB pre-authentication limit; 300 idle connections at once.
  After authentication: three pipelined requests sharing one correlation id; a group member's
  JoinGroup sent again on a second connection while the first is parked in the mock; members of
  one group offering different protocols, another protocol type, or none.
- The gateway's authorization (msk-local runs with --policy: AUTHZ_POLICY, topics hostile:2
  and denied:1): after a real authentication, for every API and version the gateway reads to
  authorize (Produce v0-7 ... TxnOffsetCommit v0-2, AUTHORIZED_VERSIONS), a valid request, the
  same truncated every few bytes, with 1-4 random bit flips (12 each), and with every string
  length, bytes length and array count replaced by -1, -2, INT32_MIN, INT32_MAX, 2^24 (INT16
  ones by -1, -2, 32766, 32767); ~4,900 requests, each on its own connection. Then, at each
  advertised version, requests naming an allowed and a denied topic, only a denied topic, a
  hidden topic (DescribeTopic denied), a denied group or transactional id, and acks=0 Produce.
- The HTTP endpoints (STS, IMDS, ECS and control on one port): out-of-range control numbers,
  hostile PUT /control/policies bodies (empty, 10 MiB, 100,000-deep nesting, invalid UTF-8,
  Condition, Principal, a 100 KiB Sid, 1,001 and 100,000 statements) and role= values, garbage
  GET /control/decisions?since=,
  1 MB STS actions, distinct unsigned web identity tokens (~100 KB and ~19 KB), thousands of IMDS
  session tokens, and 200 slowloris connections.

What it asserts:

- A connection that sends garbage, an out-of-range length, an unreadable header or any request
  other than ApiVersions/SaslHandshake/SaslAuthenticate before authenticating is closed, with
  no answer. ApiVersions is answered at every version (error 0 or 35). SaslHandshake with
  another mechanism is answered with error 33 listing OAUTHBEARER, then closed.
  SaslAuthenticate before the handshake is answered with error 34, any bad token with error 58
  (a readable answer even when the token's fields are 40,000 characters long), then closed.
- A frame over 512 KiB before authentication is refused from its size alone: the connection
  is closed before the rest of the frame is sent.
- Pipelined answers each parse, to the last byte, as their own request's schema; Metadata
  lists the gateway's listener ports, never the mock cluster's raw ports.
- A member's JoinGroup resent on a second connection while the first is parked is held, not
  forwarded: both are answered and msk-local lives (the mock asserts '!member->resp' otherwise).
  Members of one group preferring different protocols are both answered with the group's
  ('range'); one with no common protocol, another protocol type or none gets error 23 at once
  (the mock asserts in rd_kafka_mock_cgrp_elect_leader otherwise).
- Authorization fuzz: each request gets an answer with its correlation id that reads to the
  last byte as its API's response schema, or a closed connection; never neither within 5 s
  (2 s for Fetch and JoinGroup, which a broker holds for max_wait_ms or until a rebalance); a
  valid request at an advertised
  version is answered. (JoinGroup is fuzzed for a denied group: librdkafka 2.0.2's mock aborts
  when members of one group name different protocols. Where the mock's own answers are off
  their schema, MOCK_QUIRKS, they need not parse; strings and bytes in answers may be null.)
- Authorization answers: they parse; the denied topic's partitions carry error 29 and the
  allowed topic's do not (error 30 or 53 on every partition for a denied group or
  transactional id; 30/53 as the error of group and transaction requests); Metadata for all
  topics leaves hidden ones out, and one naming them answers 29; an acks=0 Produce naming a
  denied topic gets the connection closed without an answer, one naming only allowed topics
  no answer, and the ApiVersions after it its own.
- PUT /control/policies with a hostile body or role: 400 with a short JSON reason within 5 s
  (413 with one for a body over the HTTP server's 1 MiB bound); the
  policy in force is unchanged; a valid PUT then DELETE for a role answer 200; GET
  /control/decisions answers 200 JSON whatever `since` is.
- Every bad control number gets HTTP 400; oversized STS actions get a 400 ErrorResponse, unsigned
  web identity tokens a 400 InvalidIdentityToken (or ValidationError past 20,000 characters),
  neither quoting the input at length; IMDS token requests get 200 (or IMDS's 429 throttle); never a dropped connection.
- While 300 idle Kafka connections or 200 slowloris HTTP connections are held, msk-local still
  serves. With AUTH_TIMEOUT_SECONDS, msk-local closes the idle ones within it (and counts them
  as authentication timeouts); the gateway's open-connection count returns to zero once they
  are gone. The slowloris connections are closed by msk-local (its HTTP request deadline is
  10 s).
- At the end: msk-local is alive; a fresh connection completes ApiVersions, SaslHandshake and
  SaslAuthenticate (error 0) and Metadata lists the gateway ports; GET /control/counters is 200
  JSON; RSS is within 64 MiB of RSS at the start.

Prints one JSON object (counts of inputs per surface, RSS before/peak/after in MiB, per-phase
RSS, failures) and exits 1 with every failed check on stderr if any failed.
"""
import base64
import concurrent.futures
import datetime
import http.client
import json
import os
import random
import selectors
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import urllib.parse

SASL_HANDSHAKE, API_VERSIONS, SASL_AUTHENTICATE, METADATA = 17, 18, 36, 3
NO_ERROR, UNSUPPORTED_VERSION = 0, 35
UNSUPPORTED_SASL_MECHANISM, ILLEGAL_SASL_STATE, SASL_AUTHENTICATION_FAILED = 33, 34, 58
PRE_AUTH_FRAME_LIMIT = 512 * 1024
RSS_GROWTH_LIMIT_MIB = 64
IO_TIMEOUT = 5.0
WORKERS = 16
OVERALL_DEADLINE_SECONDS = 120


# --------------------------------------------------------------------------------------------
# Bookkeeping


class Run:
    """Endpoints, counts, failures and RSS samples of one run."""

    def __init__(self, endpoints, pid, auth_timeout):
        self.endpoints = endpoints
        self.pid = pid
        self.auth_timeout = auth_timeout
        self.gateway = [parse_address(a) for a in endpoints["bootstrap_servers"].split(",")]
        self.gateway_ports = {port for _, port in self.gateway}
        self.raw_ports = {parse_address(a)[1] for a in endpoints["raw_bootstrap_servers"].split(",")}
        control = urllib.parse.urlsplit(endpoints["control_url"])
        self.http_address = (control.hostname, control.port)
        self.region = endpoints["region"]
        self.counts = {}
        self.failures = []
        self.skipped = []
        self.phase_rss = {}
        self.observations = {}
        self.lock = threading.Lock()
        self.rng = random.Random(0x6D736B)
        self.token = None

    def count(self, surface, n=1):
        with self.lock:
            self.counts[surface] = self.counts.get(surface, 0) + n

    def fail(self, surface, message):
        with self.lock:
            self.failures.append(f"[{surface}] {message}")

    def expect(self, condition, surface, message):
        if not condition:
            self.fail(surface, message)
        return condition

    def alive(self):
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def address(self, index):
        return self.gateway[index % len(self.gateway)]


class Aborted(Exception):
    """msk-local is gone: nothing after this can be checked."""


class Overran(Exception):
    """The whole run took longer than OVERALL_DEADLINE_SECONDS."""


def parse_address(text):
    host, port = text.strip().rsplit(":", 1)
    return host, int(port)


def rss_mib(pid):
    """VmRSS (and VmHWM) of `pid` in MiB, or None once it is gone."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                name, _, rest = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    values[name] = int(rest.split()[0]) / 1024
    except OSError:
        return None, None
    return values.get("VmRSS"), values.get("VmHWM")


class RSSSampler(threading.Thread):
    """Samples msk-local's RSS every 20 ms for the peak."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0.0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            rss, _ = rss_mib(self.pid)
            if rss is not None:
                self.peak = max(self.peak, rss)
            self.stopped.wait(0.02)


# --------------------------------------------------------------------------------------------
# Kafka frames


def kstring(raw):
    """Kafka STRING: INT16 length, bytes (None: null)."""
    if raw is None:
        return struct.pack(">h", -1)
    if isinstance(raw, str):
        raw = raw.encode()
    return struct.pack(">h", len(raw)) + raw


def kbytes(raw):
    """Kafka BYTES: INT32 length, bytes (None: null)."""
    if raw is None:
        return struct.pack(">i", -1)
    return struct.pack(">i", len(raw)) + raw


def uvarint(value):
    out = b""
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def request(api_key, version, correlation, body=b"", flexible=False, client_id=b"hostile"):
    """A whole request frame: INT32 size, header v1 (v2 when flexible), body."""
    header = struct.pack(">hhi", api_key, version, correlation) + kstring(client_id)
    if flexible:
        header += b"\x00"  # no tagged fields
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def api_versions_request(version, correlation):
    """ApiVersions at `version`: v0-v2 have an empty body; v3+ are flexible."""
    if version < 3:
        return request(API_VERSIONS, version, correlation)
    name, software_version = b"hostile-inputs", b"1.0"
    body = uvarint(len(name) + 1) + name + uvarint(len(software_version) + 1) + software_version + b"\x00"
    return request(API_VERSIONS, version, correlation, body, flexible=True)


def connect(address, timeout=IO_TIMEOUT):
    sock = socket.create_connection(address, timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_exact(sock, count):
    """`count` bytes, or None if the peer closed (or reset) first. Raises socket.timeout."""
    chunks, have = [], 0
    while have < count:
        try:
            chunk = sock.recv(min(count - have, 1 << 20))
        except (ConnectionResetError, BrokenPipeError):
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        have += len(chunk)
    return b"".join(chunks)


def read_response(sock):
    """(correlation id, body) of the next response, or None if the connection closed."""
    size = read_exact(sock, 4)
    if size is None:
        return None
    (length,) = struct.unpack(">i", size)
    if length < 4 or length > 64 * 1024 * 1024:
        raise ValueError(f"response frame size {length}")
    payload = read_exact(sock, length)
    if payload is None:
        return None
    return struct.unpack(">i", payload[:4])[0], payload[4:]


def wait_closed(sock, timeout=IO_TIMEOUT):
    """Reads until the peer closes. Returns (closed, bytes received before that)."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return True, received
        except (socket.timeout, TimeoutError):
            return False, received
        if not chunk:
            return True, received
        received += chunk[: max(0, 65536 - len(received))]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False, received
        sock.settimeout(remaining)


def send(sock, data):
    """Sends; False if the peer had already closed (which some attacks expect)."""
    try:
        sock.sendall(data)
        return True
    except (ConnectionResetError, BrokenPipeError):
        return False


def still_open_at(sockets, deadline):
    """Waits until `deadline` (monotonic) or until the peer has closed every one of `sockets`;
    returns those it has not closed. What a socket receives before the close is discarded."""
    still_open = set(sockets)
    with selectors.DefaultSelector() as selector:
        for sock in still_open:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        while still_open:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for key, _ in selector.select(timeout=remaining):
                try:
                    closed = key.fileobj.recv(65536) == b""
                except BlockingIOError:
                    closed = False
                except OSError:
                    closed = True
                if closed:
                    selector.unregister(key.fileobj)
                    still_open.discard(key.fileobj)
    return still_open


class Reader:
    """Reads Kafka's non-flexible types from a response body, strictly."""

    def __init__(self, data):
        self.data, self.offset = data, 0

    def take(self, fmt):
        values = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += struct.calcsize(fmt)
        return values[0] if len(values) == 1 else values

    def string(self, nullable=False):
        length = self.take(">h")
        if length < 0:
            if not nullable:
                raise ValueError("null STRING")
            return None
        if self.offset + length > len(self.data):
            raise ValueError(f"STRING of {length} bytes past the end")
        text = self.data[self.offset:self.offset + length].decode()
        self.offset += length
        return text

    def array(self, element):
        count = self.take(">i")
        if count < 0:
            return []
        if count > len(self.data):
            raise ValueError(f"array count {count}")
        return [element(self) for _ in range(count)]

    def finish(self, what):
        if self.offset != len(self.data):
            raise ValueError(f"{what}: {len(self.data) - self.offset} bytes left over")


def parse_metadata_v1(body):
    """Metadata v1 response → (brokers [(node, host, port)], topics {name: partitions})."""
    reader = Reader(body)
    brokers = reader.array(lambda r: (r.take(">i"), r.string(), r.take(">i"), r.string(nullable=True))[:3])
    reader.take(">i")  # controller_id

    def partition(r):
        r.take(">hii")  # error_code, partition_index, leader_id
        r.array(lambda x: x.take(">i"))  # replica_nodes
        r.array(lambda x: x.take(">i"))  # isr_nodes

    def topic(r):
        _error, name, _internal = r.take(">h"), r.string(), r.take(">b")
        return name, len(r.array(partition))

    topics = dict(reader.array(topic))
    reader.finish("Metadata v1")
    return brokers, topics


def parse_api_versions_v0(body):
    """ApiVersions v0 response → (error_code, {api_key: (min, max)})."""
    reader = Reader(body)
    error = reader.take(">h")
    entries = reader.array(lambda r: r.take(">hhh"))
    reader.finish("ApiVersions v0")
    return error, {key: (low, high) for key, low, high in entries}


def parse_handshake(body):
    reader = Reader(body)
    error = reader.take(">h")
    mechanisms = reader.array(lambda r: r.string())
    reader.finish("SaslHandshake v1")
    return error, mechanisms


def parse_authenticate_v1(body):
    """SaslAuthenticate v1 response → (error_code, error_message)."""
    reader = Reader(body)
    error, message = reader.take(">h"), reader.string(nullable=True)
    auth_length = reader.take(">i")
    reader.offset += max(auth_length, 0)
    reader.take(">q")  # session_lifetime_ms
    reader.finish("SaslAuthenticate v1")
    return error, message


def oauthbearer(token):
    if isinstance(token, str):
        token = token.encode()
    return b"n,,\x01auth=Bearer " + token + b"\x01\x01"


def b64url(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# --------------------------------------------------------------------------------------------
# Sessions


def make_token(run):
    """A valid MSK IAM token from AWS's official signer, signed with the source key."""
    from aws_msk_iam_sasl_signer import MSKAuthTokenProvider
    from botocore.credentials import CredentialProvider, Credentials

    class Static(CredentialProvider):
        METHOD = "hostile-inputs-static"

        def load(self):
            return Credentials(run.endpoints["access_key_id"], run.endpoints["secret_access_key"])

    token, _expiry_ms = MSKAuthTokenProvider.generate_auth_token_from_credentials_provider(run.region, Static())
    return token


def authenticate(sock, token, correlation=1):
    """SaslHandshake v1 + SaslAuthenticate v1. Returns (handshake error, auth error, message)."""
    sock.sendall(request(SASL_HANDSHAKE, 1, correlation, kstring("OAUTHBEARER")))
    answer = read_response(sock)
    if answer is None:
        raise ConnectionError("closed after SaslHandshake")
    handshake_error, _ = parse_handshake(answer[1])
    sock.sendall(request(SASL_AUTHENTICATE, 1, correlation + 1, kbytes(oauthbearer(token))))
    answer = read_response(sock)
    if answer is None:
        raise ConnectionError("closed after SaslAuthenticate")
    auth_error, message = parse_authenticate_v1(answer[1])
    return handshake_error, auth_error, message


def check_serving(run, surface, index=0):
    """A fresh connection: ApiVersions, SaslHandshake, SaslAuthenticate (error 0), Metadata v1
    listing the gateway's ports. Records a failure under `surface` and returns False if not."""
    address = run.address(index)
    try:
        with connect(address) as sock:
            sock.sendall(api_versions_request(0, 1))
            answer = read_response(sock)
            if answer is None:
                return run.expect(False, surface, f"{address}: ApiVersions v0 got the connection closed")
            error, versions = parse_api_versions_v0(answer[1])
            run.expect(error == NO_ERROR, surface, f"ApiVersions v0 error {error}")
            run.expect(versions.get(SASL_HANDSHAKE) == (0, 1) and versions.get(SASL_AUTHENTICATE) == (0, 1), surface,
                       f"ApiVersions does not advertise SaslHandshake/SaslAuthenticate v0-1: {versions.get(17)}, {versions.get(36)}")
            handshake_error, auth_error, message = authenticate(sock, run.token, correlation=2)
            if not run.expect(handshake_error == NO_ERROR and auth_error == NO_ERROR, surface,
                              f"authentication with a valid token: handshake error {handshake_error}, "
                              f"authenticate error {auth_error} ({message})"):
                return False
            sock.sendall(request(METADATA, 1, 4, struct.pack(">i", -1)))
            answer = read_response(sock)
            if answer is None:
                return run.expect(False, surface, "Metadata v1 after authentication got the connection closed")
            brokers, topics = parse_metadata_v1(answer[1])
            run.expect(topics.get("hostile") == 2, surface, f"Metadata: topic 'hostile' has {topics.get('hostile')} partitions, expected 2")
            return check_broker_ports(run, surface, brokers)
    except (OSError, ValueError, ConnectionError, struct.error) as error:
        return run.expect(False, surface, f"{address}: a fresh authenticated session failed: {error!r}")


def check_broker_ports(run, surface, brokers):
    ports = {port for _, _, port in brokers}
    ok = run.expect(ports and ports <= run.gateway_ports, surface,
                    f"Metadata lists broker ports {sorted(ports)}, not the gateway's {sorted(run.gateway_ports)}")
    leaked = ports & run.raw_ports
    return run.expect(not leaked, surface, f"Metadata leaks the mock's raw ports {sorted(leaked)}") and ok


def ensure_alive(run, surface):
    if not run.alive():
        with run.lock:  # first in the report: every other failure follows from it
            run.failures.insert(0, f"[{surface}] msk-local (pid {run.pid}) died during this surface; nothing after it was tried")
        raise Aborted(surface)


def parallel(items, work):
    """Runs `work(index, item)` over `items` on a few threads; re-raises the first bug."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for future in [pool.submit(work, index, item) for index, item in enumerate(items)]:
            future.result()


def expect_silent_close(run, surface, what, sock, timeout=IO_TIMEOUT):
    """The gateway must close `sock` without answering anything."""
    closed, received = wait_closed(sock, timeout)
    run.expect(closed, surface, f"{what}: connection still open after {timeout:.0f} s")
    run.expect(not received, surface, f"{what}: got {len(received)} bytes back ({received[:32]!r}) instead of a silent close")


def expect_answer_then_close(run, surface, what, sock, correlation, parse, expected_error):
    """The gateway must answer (correlation id echoed, `expected_error`), then close."""
    try:
        answer = read_response(sock)
    except (socket.timeout, TimeoutError):
        return run.fail(surface, f"{what}: no answer within {IO_TIMEOUT:.0f} s")
    except ValueError as error:
        return run.fail(surface, f"{what}: unreadable answer: {error}")
    if answer is None:
        return run.fail(surface, f"{what}: connection closed without an answer")
    got_correlation, body = answer
    run.expect(got_correlation == correlation, surface, f"{what}: answer has correlation id {got_correlation}, sent {correlation}")
    try:
        result = parse(body)
    except (ValueError, struct.error, UnicodeDecodeError) as error:
        return run.fail(surface, f"{what}: answer does not parse: {error}")
    run.expect(result[0] == expected_error, surface, f"{what}: error code {result[0]} ({result[1]!r}), expected {expected_error}")
    closed, extra = wait_closed(sock)
    run.expect(closed, surface, f"{what}: connection still open {IO_TIMEOUT:.0f} s after the refusal")
    run.expect(not extra, surface, f"{what}: {len(extra)} more bytes after the refusal")
    return result


# --------------------------------------------------------------------------------------------
# Kafka surfaces


def kafka_random(run):
    """300 connections of random bytes. A first INT32 outside 4..512 KiB must get the
    connection closed at once; otherwise the frame looks plausible and we half-close our side,
    after which the gateway must close too."""
    surface = "kafka_random"
    inputs = []
    for _ in range(300):
        length = run.rng.choice([1, 2, 3, 4, 5, 8, 16, 64, 512, 4096, run.rng.randint(1, 16384)])
        inputs.append(bytes(run.rng.getrandbits(8) for _ in range(length)))

    def attack(index, data):
        what = f"random input #{index} ({len(data)} bytes, starts {data[:8].hex()})"
        size = struct.unpack(">i", data[:4])[0] if len(data) >= 4 else None
        invalid_size = size is not None and not (4 <= size <= PRE_AUTH_FRAME_LIMIT)
        try:
            with connect(run.address(index)) as sock:
                send(sock, data)
                if not invalid_size:
                    try:
                        sock.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                closed, _ = wait_closed(sock)
                run.expect(closed, surface, f"{what}: connection still open after {IO_TIMEOUT:.0f} s"
                           + ("" if not invalid_size else f" (frame size {size} is out of range)"))
        except OSError as error:
            run.fail(surface, f"{what}: {error!r}")
        run.count(surface)

    parallel(inputs, attack)


def kafka_length_prefixes(run):
    """Huge, negative and tiny frame sizes: each closes the connection at once, unread."""
    surface = "kafka_length_prefixes"
    sizes = [0x7FFFFFFF, 200 * 1024 * 1024, 100 * 1024 * 1024 + 1, 1 << 20, PRE_AUTH_FRAME_LIMIT + 1,
             -1, -4, -(1 << 31), 0, 1, 2, 3]

    def attack(index, size):
        try:
            with connect(run.address(index)) as sock:
                send(sock, struct.pack(">i", size) + b"\x00\x12\x00\x00\x00\x00\x00\x01" * 4)
                expect_silent_close(run, surface, f"frame size {size}", sock)
        except OSError as error:
            run.fail(surface, f"frame size {size}: {error!r}")
        run.count(surface)

    parallel(sizes, attack)


def kafka_truncated(run):
    """Frames whose size promises more than is sent (then half-close or abrupt close), and
    complete frames whose header does not fit in them."""
    surface = "kafka_truncated"
    header = struct.pack(">hhi", API_VERSIONS, 0, 1) + kstring("hostile")
    cases = []
    for size in (6, 17, 64, 1000, 65536, PRE_AUTH_FRAME_LIMIT):
        sent = (header + b"\x00" * size)[: size // 2]
        for abrupt in (False, True):
            cases.append(("truncated", size, struct.pack(">i", size) + sent, abrupt))
    # Complete frames, unreadable headers: each must be closed without a half-close from us.
    for body in (b"\x00\x12", b"\x00\x12\x00\x00\x00\x00", struct.pack(">hhih", 18, 0, 1, 1000) + b"abc",
                 struct.pack(">hhih", 3, 1, 1, 32767), struct.pack(">hhi", 17, 1, 1) + b"\xff"):
        cases.append(("unreadable header", len(body), struct.pack(">i", len(body)) + body, None))

    def attack(index, case):
        kind, size, data, abrupt = case
        what = f"{kind} frame of size {size} ({len(data) - 4} bytes sent)"
        try:
            with connect(run.address(index)) as sock:
                send(sock, data)
                if abrupt is None:
                    expect_silent_close(run, surface, what, sock)
                elif abrupt:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
                else:
                    sock.shutdown(socket.SHUT_WR)
                    expect_silent_close(run, surface, what + " then half-close", sock)
        except OSError as error:
            run.fail(surface, f"{what}: {error!r}")
        run.count(surface)

    parallel(cases, attack)


def kafka_api_keys(run):
    """Every API key 0..70 at versions 0..12 before authentication. ApiVersions must be answered
    (error 0, or 35 for a version the broker lacks); SaslHandshake answered (error 33: the body
    names no mechanism) then closed; SaslAuthenticate answered (error 34: no handshake) then
    closed; anything else closed without an answer."""
    surface = "kafka_api_keys"
    cases = [(key, version) for key in range(71) for version in range(13)]
    api_versions_answers = {}

    def attack(index, case):
        key, version = case
        correlation = 1000 + index
        what = f"API {key} v{version} before authentication"
        try:
            with connect(run.address(index)) as sock:
                if key == API_VERSIONS:
                    sock.sendall(api_versions_request(version, correlation))
                    try:
                        answer = read_response(sock)
                    except (socket.timeout, TimeoutError):
                        answer = "timeout"
                    except ValueError as error:
                        answer = f"unreadable: {error}"
                    if not isinstance(answer, tuple):
                        run.fail(surface, f"{what}: no answer ({answer or 'connection closed'})")
                    else:
                        error = struct.unpack_from(">h", answer[1], 0)[0] if len(answer[1]) >= 2 else None
                        api_versions_answers[version] = error
                        run.expect(answer[0] == correlation, surface, f"{what}: correlation id {answer[0]}, sent {correlation}")
                        run.expect(error in (NO_ERROR, UNSUPPORTED_VERSION), surface, f"{what}: error code {error}")
                elif key == SASL_HANDSHAKE:
                    sock.sendall(request(key, version, correlation, b"\x00" * 8))
                    expect_answer_then_close(run, surface, what, sock, correlation,
                                             parse_handshake, UNSUPPORTED_SASL_MECHANISM)
                elif key == SASL_AUTHENTICATE:
                    sock.sendall(request(key, version, correlation, b"\x00" * 8))
                    expect_answer_then_close(run, surface, what, sock, correlation,
                                             lambda body: (struct.unpack_from(">h", body)[0], None), ILLEGAL_SASL_STATE)
                else:
                    sock.sendall(request(key, version, correlation, b"\x00" * 8))
                    expect_silent_close(run, surface, what, sock)
        except OSError as error:
            run.fail(surface, f"{what}: {error!r}")
        run.count(surface)

    parallel(cases, attack)
    run.observations["api_versions_error_by_version"] = dict(sorted(api_versions_answers.items()))


def kafka_sasl_mechanisms(run):
    """SaslHandshake naming anything but OAUTHBEARER: error 33, [OAUTHBEARER], then closed."""
    surface = "kafka_sasl_mechanisms"
    garbage = bytes(run.rng.getrandbits(8) for _ in range(64))
    cases = [
        ("PLAIN v1", 1, kstring("PLAIN")),
        ("PLAIN v0", 0, kstring("PLAIN")),
        ("GSSAPI", 1, kstring("GSSAPI")),
        ("SCRAM-SHA-512", 1, kstring("SCRAM-SHA-512")),
        ("AWS_MSK_IAM", 1, kstring("AWS_MSK_IAM")),
        ("lower-case oauthbearer", 1, kstring("oauthbearer")),
        ("empty name", 1, kstring("")),
        ("null name", 1, kstring(None)),
        ("64 random bytes", 1, kstring(garbage)),
        ("name longer than the frame", 1, struct.pack(">h", 200) + b"PLAIN"),
        ("32,767-byte name", 1, kstring(b"M" * 32767)),
        # A STRING's length is an INT16: 40,000 reads as -25,536 (null), the bytes as trailing junk.
        ("40,000-byte name", 1, struct.pack(">H", 40000) + b"M" * 40000),
    ]

    def attack(index, case):
        name, version, body = case
        what = f"SaslHandshake v{version} with {name}"
        try:
            with connect(run.address(index)) as sock:
                sock.sendall(request(SASL_HANDSHAKE, version, 7, body))
                result = expect_answer_then_close(run, surface, what, sock, 7, parse_handshake, UNSUPPORTED_SASL_MECHANISM)
                if result:
                    run.expect(result[1] == ["OAUTHBEARER"], surface, f"{what}: mechanisms {result[1]}, expected ['OAUTHBEARER']")
        except OSError as error:
            run.fail(surface, f"{what}: {error!r}")
        run.count(surface)

    parallel(cases, attack)


def hostile_token(run, **overrides):
    """A well-formed (unsigned) MSK IAM token URL with some parameters replaced."""
    now = datetime.datetime.now(datetime.timezone.utc)
    date = now.strftime("%Y%m%dT%H%M%SZ")
    host = overrides.pop("host", f"kafka.{run.region}.amazonaws.com")
    key = overrides.pop("key", "AKIAHOSTILEHOSTILE00")
    parameters = {
        "Action": "kafka-cluster:Connect",
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{key}/{date[:8]}/{run.region}/kafka-cluster/aws4_request",
        "X-Amz-Date": date,
        "X-Amz-Expires": "900",
        "X-Amz-SignedHeaders": "host",
        "X-Amz-Signature": "0" * 64,
    }
    parameters.update(overrides)
    return b64url(f"https://{host}/?" + urllib.parse.urlencode(parameters, safe=":"))


def kafka_sasl_authenticate(run):
    """SaslAuthenticate before the handshake (error 34), then after a good handshake with junk
    auth bytes and with tokens whose fields are 40,000 characters (error 58): always a readable
    answer, then closed."""
    surface = "kafka_sasl_authenticate"
    long = "x" * 40000
    before = [("before SaslHandshake, v1", 1), ("before SaslHandshake, v0", 0)]
    junk = [
        ("empty auth bytes", kbytes(b"")),
        ("null auth bytes", kbytes(None)),
        ("auth bytes longer than the frame", struct.pack(">i", 100000) + b"n,,"),
        ("random auth bytes", kbytes(bytes(run.rng.getrandbits(8) for _ in range(256)))),
        ("no GS2 header", kbytes(b"auth=Bearer abc\x01\x01")),
        ("no token", kbytes(b"n,,\x01auth=Bearer \x01\x01")),
        ("no final separators", kbytes(b"n,,\x01auth=Bearer abc")),
        ("token not base64url", kbytes(oauthbearer("!!!not*base64!!!"))),
        ("token not a URL", kbytes(oauthbearer(b64url("no url here")))),
        ("token not UTF-8", kbytes(oauthbearer(base64.urlsafe_b64encode(b"\xff\xfe" * 100).rstrip(b"=")))),
        ("400 KiB token", kbytes(oauthbearer("A" * (400 * 1024)))),
        ("40,000-character Action", kbytes(oauthbearer(hostile_token(run, Action=long)))),
        ("40,000-character access key id", kbytes(oauthbearer(hostile_token(run, key=long)))),
        ("40,000-character host", kbytes(oauthbearer(hostile_token(run, host="h" * 40000 + ".example")))),
        ("40,000-character algorithm", kbytes(oauthbearer(hostile_token(run, **{"X-Amz-Algorithm": long})))),
        ("40,000-character date", kbytes(oauthbearer(hostile_token(run, **{"X-Amz-Date": long})))),
        ("40,000-character signed headers", kbytes(oauthbearer(hostile_token(run, **{"X-Amz-SignedHeaders": long})))),
        ("40,000-character region", kbytes(oauthbearer(hostile_token(run, **{"X-Amz-Credential": f"AKIAX/20240101/{long}/kafka-cluster/aws4_request"})))),
        ("40,000-character extension", kbytes(b"n,,\x01auth=Bearer abc\x01" + b"k=" + long.encode() + b"\x01\x01")),
    ]
    cases = [("before", name, version) for name, version in before] + [("junk", name, body) for name, body in junk]

    def attack(index, case):
        kind, name, payload = case
        what = f"SaslAuthenticate with {name}" if kind == "junk" else f"SaslAuthenticate {name}"
        try:
            with connect(run.address(index)) as sock:
                if kind == "before":
                    sock.sendall(request(SASL_AUTHENTICATE, payload, 9, kbytes(oauthbearer(run.token))))
                    expect_answer_then_close(run, surface, what, sock, 9,
                                             lambda body: (struct.unpack_from(">h", body)[0], Reader(body[2:]).string(nullable=True)),
                                             ILLEGAL_SASL_STATE)
                else:
                    sock.sendall(request(SASL_HANDSHAKE, 1, 8, kstring("OAUTHBEARER")))
                    answer = read_response(sock)
                    if answer is None or parse_handshake(answer[1])[0] != NO_ERROR:
                        run.fail(surface, f"{what}: the OAUTHBEARER handshake before it failed ({answer})")
                    else:
                        sock.sendall(request(SASL_AUTHENTICATE, 1, 9, payload))
                        result = expect_answer_then_close(run, surface, what, sock, 9, parse_authenticate_v1, SASL_AUTHENTICATION_FAILED)
                        if result:
                            run.expect(result[1], surface, f"{what}: refusal without a message")
                            run.expect(result[1] is None or "x" * 1000 not in result[1], surface,
                                       f"{what}: the refusal quotes the 40,000-character field at length ({len(result[1])} bytes)")
        except (OSError, ValueError, struct.error) as error:
            run.fail(surface, f"{what}: {error!r}")
        run.count(surface)

    parallel(cases, attack)


def kafka_oversized(run):
    """Frames over 512 KiB before authentication, SaslAuthenticate among them: the size alone
    must get the connection closed, before the rest of the frame is sent."""
    surface = "kafka_oversized"
    cases = [("SaslAuthenticate after the handshake", PRE_AUTH_FRAME_LIMIT + 1, True),
             ("SaslAuthenticate after the handshake", 600 * 1024, True),
             ("SaslAuthenticate after the handshake", 16 << 20, True),
             ("SaslAuthenticate, no handshake", 1 << 20, False),
             ("ApiVersions", 700 * 1024, False)]

    def attack(index, case):
        name, size, handshake_first = case
        what = f"{name}: frame of {size} bytes"
        api_key = API_VERSIONS if name == "ApiVersions" else SASL_AUTHENTICATE
        head = struct.pack(">i", size) + struct.pack(">hhi", api_key, 1, 9) + kstring("hostile")
        head += struct.pack(">i", size - (len(head) - 4) - 4) + oauthbearer("A" * 1000)[:1000]
        try:
            with connect(run.address(index)) as sock:
                if handshake_first:
                    sock.sendall(request(SASL_HANDSHAKE, 1, 8, kstring("OAUTHBEARER")))
                    answer = read_response(sock)
                    if answer is None:
                        run.fail(surface, f"{what}: the handshake before it failed")
                        run.count(surface)
                        return
                send(sock, head + b"A" * (64 * 1024 - len(head)))
                closed, received = wait_closed(sock)
                run.expect(closed, surface, f"{what}: not closed {IO_TIMEOUT:.0f} s after 64 KiB of it (limit {PRE_AUTH_FRAME_LIMIT})")
                run.expect(not received, surface, f"{what}: answered ({len(received)} bytes) instead of closed")
        except OSError as error:
            run.fail(surface, f"{what}: {error!r}")
        run.count(surface)

    parallel(cases, attack)


def kafka_idle(run):
    """300 idle unauthenticated connections at once. While held, the gateway counts them and a
    fresh client still authenticates; with AUTH_TIMEOUT_SECONDS, the gateway must close all of
    them within that timeout (plus 5 s) and count them as authentication timeouts. Once they
    are gone, the gateway's open-connection count returns to zero."""
    surface = "kafka_idle"
    held = []
    timeouts_before = control_counters(run).get("authenticationTimeouts", 0)
    first_connected = time.monotonic()
    try:
        for index in range(300):
            try:
                held.append(connect(run.address(index)))
            except OSError as error:
                run.fail(surface, f"idle connection #{index} could not connect: {error!r}")
                break
            run.count(surface)
        last_connected = time.monotonic()
        # Counted before any of them can have reached the authentication timeout (>= 8 s).
        deadline = first_connected + IO_TIMEOUT
        open_now = None
        while True:
            open_now = control_counters(run).get("connectionsOpen")
            if (open_now is not None and open_now >= len(held)) or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        run.observations["gateway_connections_open_with_idle_held"] = open_now
        run.expect(open_now is not None and open_now >= len(held), surface,
                   f"the gateway counts {open_now} open connections while {len(held)} idle ones are connected")
        check_serving(run, surface + " (while 300 idle are held)", index=1)
        if run.auth_timeout is not None:
            still_open = still_open_at(held, last_connected + run.auth_timeout + 5)
            run.observations["idle_closed_after_seconds"] = round(time.monotonic() - first_connected, 1)
            run.expect(not still_open, surface, f"{len(still_open)} of {len(held)} idle unauthenticated connections still open "
                       f"{run.auth_timeout + 5:.0f} s after connecting (authentication timeout {run.auth_timeout:g} s)")
            timeouts = control_counters(run).get("authenticationTimeouts", 0) - timeouts_before
            run.expect(timeouts >= len(held) - len(still_open), surface,
                       f"authenticationTimeouts rose by {timeouts}, expected at least {len(held) - len(still_open)}")
        else:
            run.skipped.append("idle unauthenticated connections closed by the authentication timeout: "
                               "no AUTH_TIMEOUT_SECONDS given (msk-local's default is 30 s)")
    finally:
        for sock in held:
            sock.close()
    deadline, open_now = time.monotonic() + 5, None
    while time.monotonic() < deadline:
        open_now = control_counters(run).get("connectionsOpen")
        if open_now == 0:
            break
        time.sleep(0.1)
    run.expect(open_now == 0, surface, f"the gateway still counts {open_now} open connections 5 s after the 300 idle ones closed")


def kafka_pipelined(run):
    """After authenticating: Metadata v1, ApiVersions v0 and Metadata v1 with the same
    correlation id in one write. Each answer must parse exactly as its own request's schema,
    and Metadata must name the gateway's ports."""
    surface = "kafka_pipelined"
    correlation = 4242
    try:
        with connect(run.address(0)) as sock:
            handshake_error, auth_error, message = authenticate(sock, run.token)
            if not run.expect(handshake_error == NO_ERROR and auth_error == NO_ERROR, surface,
                              f"authentication failed: {handshake_error}, {auth_error} ({message})"):
                return
            all_topics = struct.pack(">i", -1)
            sock.sendall(request(METADATA, 1, correlation, all_topics) + request(API_VERSIONS, 0, correlation)
                         + request(METADATA, 1, correlation, all_topics))
            run.count(surface, 3)
            for position, (name, parse) in enumerate((("Metadata v1", parse_metadata_v1), ("ApiVersions v0", parse_api_versions_v0),
                                                      ("Metadata v1", parse_metadata_v1))):
                what = f"pipelined answer #{position + 1} ({name})"
                answer = read_response(sock)
                if answer is None:
                    run.fail(surface, f"{what}: connection closed")
                    return
                run.expect(answer[0] == correlation, surface, f"{what}: correlation id {answer[0]}, sent {correlation}")
                try:
                    parsed = parse(answer[1])
                except (ValueError, struct.error, UnicodeDecodeError) as error:
                    run.fail(surface, f"{what}: does not parse as {name}: {error}")
                    continue
                if parse is parse_metadata_v1:
                    brokers, topics = parsed
                    check_broker_ports(run, surface, brokers)
                    run.expect(topics.get("hostile") == 2, surface, f"{what}: topic 'hostile' has {topics.get('hostile')} partitions, expected 2")
                else:
                    run.expect(parsed[0] == NO_ERROR and METADATA in parsed[1], surface, f"{what}: error {parsed[0]}, {len(parsed[1])} APIs")
    except (OSError, ValueError, ConnectionError, struct.error) as error:
        run.fail(surface, f"{error!r}")


def group_exchange(sock, api, v, correlation, value, timeout):
    """Sends one group request on an authenticated socket; its decoded answer, or None when
    the connection closed or nothing came within `timeout`."""
    body, _ = authz_request(api, v, [], **value)
    sock.settimeout(timeout)
    if not send(sock, request(api, v, correlation, body)):
        return None
    try:
        answer = read_response(sock)
    except (socket.timeout, TimeoutError):
        return None
    if answer is None or answer[0] != correlation:
        return None
    return parse_answer(api, v, answer[1])


def group_coordinator(run, surface, group):
    """The gateway listener (host, port) of `group`'s coordinator, from FindCoordinator v0 on
    an authenticated connection; None (a failure recorded) when there is none."""
    with connect(run.address(0)) as lookup:
        handshake_error, auth_error, message = authenticate(lookup, run.token)
        if not run.expect(handshake_error == NO_ERROR and auth_error == NO_ERROR, surface, f"authentication failed: {message}"):
            return None
        coordinator = group_exchange(lookup, FIND_COORDINATOR, 0, 1, {"group": group}, IO_TIMEOUT)
    if not run.expect(coordinator is not None and coordinator["error"] == NO_ERROR, surface, f"FindCoordinator: {coordinator}"):
        return None
    address = (coordinator["host"], coordinator["port"])
    if not run.expect(coordinator["port"] in run.gateway_ports, surface, f"the coordinator is not a gateway listener: {address}"):
        return None
    return address


def kafka_group_resend(run):
    """A group member's JoinGroup sent again on a second connection while the first, on a
    connection still open, is parked in the mock until the rebalance ends — what a client does
    when its own request timed out. librdkafka 2.0.2's mock aborts on that
    (rd_kafka_mock_cgrp_member_add: Assertion '!member->resp'); msk-local must hold the second
    until the first is answered: both answered, msk-local alive."""
    surface = "kafka_group_resend"
    group = "resend-group"
    try:
        address = group_coordinator(run, surface, group)
        if address is None:
            return
        with connect(address) as first, connect(address) as second:
            for sock in (first, second):
                handshake_error, auth_error, message = authenticate(sock, run.token)
                if not run.expect(handshake_error == NO_ERROR and auth_error == NO_ERROR, surface, f"authentication failed: {message}"):
                    return
            joined = group_exchange(first, JOIN_GROUP, 1, 2, {"group": group}, 15)
            if not run.expect(joined is not None and joined["error"] == NO_ERROR and joined["member_id"], surface, f"first JoinGroup: {joined}"):
                return
            member = {"group": group, "member_id": joined["member_id"]}
            # The member joins again (a new rebalance: the mock parks it), then once more on the
            # second connection while the first is still parked.
            body, _ = authz_request(JOIN_GROUP, 1, [], **member)
            run.count(surface, 3)
            if not run.expect(send(first, request(JOIN_GROUP, 1, 3, body)), surface, "could not send the second JoinGroup"):
                return
            time.sleep(0.3)
            resent = group_exchange(second, JOIN_GROUP, 1, 4, member, 30)
            if not run.alive():
                run.fail(surface, "msk-local died when a member's JoinGroup came again on another connection")
                raise Aborted()
            run.expect(resent is not None and resent["error"] == NO_ERROR, surface, f"the JoinGroup resent on another connection: {resent}")
            first.settimeout(30)
            try:
                answer = read_response(first)
            except (socket.timeout, TimeoutError):
                answer = None
            run.expect(answer is not None and answer[0] == 3, surface, f"the parked JoinGroup was never answered: {answer}")
    except (OSError, ValueError, ConnectionError, struct.error) as error:
        run.fail(surface, f"{error!r}")


def kafka_group_protocols(run):
    """Members of one group offering different protocols, as a broker takes them: a first member
    with `range`, a second preferring `roundrobin` but also offering `range` (both must be
    answered with `range`), and members offering only `roundrobin`, another protocol type, or no
    protocol at all (each answered INCONSISTENT_GROUP_PROTOCOL, 23). librdkafka 2.0.2's mock
    aborts when members' first protocols differ; msk-local must not."""
    surface = "kafka_group_protocols"
    group = "protocols-group"

    def join_body(protocols, protocol_type="consumer"):
        out, lengths = bytearray(), []
        value = request_value(JOIN_GROUP, 1, [], group=group)
        value["protocol_type"] = protocol_type
        value["protocols"] = [{"name": name, "metadata": b"\x00\x01"} for name in protocols]
        encode(request_schema(JOIN_GROUP, 1), value, out, lengths)
        return bytes(out)

    try:
        address = group_coordinator(run, surface, group)
        if address is None:
            return
        sockets = [connect(address) for _ in range(5)]
        try:
            for sock in sockets:
                handshake_error, auth_error, message = authenticate(sock, run.token)
                if not run.expect(handshake_error == NO_ERROR and auth_error == NO_ERROR, surface, f"authentication failed: {message}"):
                    return
            first, second, only_other, other_type, none = sockets
            run.count(surface, 5)
            send(first, request(JOIN_GROUP, 1, 11, join_body(["range"])))
            time.sleep(0.2)
            send(second, request(JOIN_GROUP, 1, 12, join_body(["roundrobin", "range"])))
            for sock, correlation, body, what in ((only_other, 13, join_body(["roundrobin"]), "only another protocol"),
                                                  (other_type, 14, join_body(["range"], "connect"), "another protocol type"),
                                                  (none, 15, join_body([]), "no protocol")):
                send(sock, request(JOIN_GROUP, 1, correlation, body))
                sock.settimeout(IO_TIMEOUT)
                try:
                    answer = read_response(sock)
                except (socket.timeout, TimeoutError):
                    answer = None
                if not run.alive():
                    run.fail(surface, f"msk-local died on a JoinGroup with {what}")
                    raise Aborted()
                parsed = parse_answer(JOIN_GROUP, 1, answer[1]) if answer and answer[0] == correlation else None
                run.expect(parsed is not None and parsed["error"] == 23, surface, f"a JoinGroup with {what}: {parsed or answer}")
            for sock, correlation in ((first, 11), (second, 12)):
                sock.settimeout(30)
                try:
                    answer = read_response(sock)
                except (socket.timeout, TimeoutError):
                    answer = None
                if not run.alive():
                    run.fail(surface, "msk-local died when members preferring different protocols joined one group")
                    raise Aborted()
                parsed = parse_answer(JOIN_GROUP, 1, answer[1]) if answer and answer[0] == correlation else None
                run.expect(parsed is not None and parsed["error"] == NO_ERROR and parsed["protocol_name"] == "range", surface,
                           f"member {correlation - 10} of a group run on 'range': {parsed or answer}")
        finally:
            for sock in sockets:
                sock.close()
    except (OSError, ValueError, ConnectionError, struct.error) as error:
        run.fail(surface, f"{error!r}")


# --------------------------------------------------------------------------------------------
# Authorization surfaces (msk-local runs with the policy AUTHZ_POLICY describes)

TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 29, 30, 53
ALLOWED_TOPIC, DENIED_TOPIC = "hostile", "denied"  # 2 partitions and 1; data on denied* is denied
HIDDEN_TOPIC = "hidden-topic"  # does not exist; DescribeTopic on hidden* is denied
DENIED_GROUP, DENIED_TXN = "denied-group", "denied-txn"  # AlterGroup/DescribeGroup, AlterTransactionalId denied
AUTHZ_POLICY = """{"Version": "2012-10-17", "Statement": [
  {"Sid": "AllowAll", "Effect": "Allow", "Action": "kafka-cluster:*", "Resource": "*"},
  {"Sid": "DenyData", "Effect": "Deny", "Action": ["kafka-cluster:WriteData", "kafka-cluster:ReadData"],
   "Resource": "arn:aws:kafka:*:*:topic/*/*/denied*"},
  {"Sid": "HideTopics", "Effect": "Deny", "Action": "kafka-cluster:DescribeTopic", "Resource": "arn:aws:kafka:*:*:topic/*/*/hidden*"},
  {"Sid": "DenyGroups", "Effect": "Deny", "Action": ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
   "Resource": "arn:aws:kafka:*:*:group/*/*/denied*"},
  {"Sid": "DenyTransactions", "Effect": "Deny", "Action": ["kafka-cluster:AlterTransactionalId", "kafka-cluster:DescribeTransactionalState"],
   "Resource": "arn:aws:kafka:*:*:transactional-id/*/*/denied*"}]}"""
PRODUCE, FETCH, LIST_OFFSETS, OFFSET_COMMIT, OFFSET_FETCH, FIND_COORDINATOR = 0, 1, 2, 8, 9, 10
JOIN_GROUP, HEARTBEAT, LEAVE_GROUP, SYNC_GROUP, INIT_PRODUCER_ID = 11, 12, 13, 14, 22
ADD_PARTITIONS_TO_TXN, ADD_OFFSETS_TO_TXN, END_TXN, TXN_OFFSET_COMMIT = 24, 25, 26, 28
# The APIs and versions the gateway reads to authorize them (KafkaAPI.authorizedVersionCaps).
AUTHORIZED_VERSIONS = {PRODUCE: 7, FETCH: 11, LIST_OFFSETS: 5, METADATA: 8, OFFSET_COMMIT: 7, OFFSET_FETCH: 5, FIND_COORDINATOR: 2,
                       JOIN_GROUP: 5, HEARTBEAT: 3, LEAVE_GROUP: 2, SYNC_GROUP: 3, INIT_PRODUCER_ID: 4, ADD_PARTITIONS_TO_TXN: 2,
                       ADD_OFFSETS_TO_TXN: 2, END_TXN: 2, TXN_OFFSET_COMMIT: 2}
API_NAMES = {PRODUCE: "Produce", FETCH: "Fetch", LIST_OFFSETS: "ListOffsets", METADATA: "Metadata", OFFSET_COMMIT: "OffsetCommit",
             OFFSET_FETCH: "OffsetFetch", FIND_COORDINATOR: "FindCoordinator", JOIN_GROUP: "JoinGroup", HEARTBEAT: "Heartbeat",
             LEAVE_GROUP: "LeaveGroup", SYNC_GROUP: "SyncGroup", INIT_PRODUCER_ID: "InitProducerId",
             ADD_PARTITIONS_TO_TXN: "AddPartitionsToTxn", ADD_OFFSETS_TO_TXN: "AddOffsetsToTxn", END_TXN: "EndTxn",
             TXN_OFFSET_COMMIT: "TxnOffsetCommit"}
# Topic requests: which action their topics need, so which of them name the denied topic.
DATA_APIS = {PRODUCE, FETCH, OFFSET_COMMIT, TXN_OFFSET_COMMIT, ADD_PARTITIONS_TO_TXN}
# Where librdkafka 2.0.2's mock broker answers off its schema: Produce v5+ without
# log_start_offset, ListOffsets v4+ with 4 more bytes per partition. An answer the gateway
# forwards or merges from it need not parse (the gateway may also close rather than merge);
# the answers the gateway writes itself must.
MOCK_QUIRKS = {(PRODUCE, 5), (PRODUCE, 6), (PRODUCE, 7), (LIST_OFFSETS, 4), (LIST_OFFSETS, 5)}


def when(condition, *fields):
    return list(fields) if condition else []


# Schemas: a list of (name, type); a type is i8 i16 i32 i64 bool str nstr bytes nbytes, or
# ("arr", element) / ("narr", element) with element a schema or a primitive type.


def request_schema(api, v):
    """The non-flexible request body schema of `api` at `v`, per Kafka's JSON message specs."""
    if api == PRODUCE:
        return when(v >= 3, ("transactional_id", "nstr")) + [("acks", "i16"), ("timeout_ms", "i32"), (
            "topics", ("arr", [("name", "str"), ("partitions", ("arr", [("index", "i32"), ("records", "nbytes")]))]))]
    if api == FETCH:
        partition = [("index", "i32")] + when(v >= 9, ("current_leader_epoch", "i32")) + [("fetch_offset", "i64")] \
            + when(v >= 5, ("log_start_offset", "i64")) + [("partition_max_bytes", "i32")]
        return [("replica_id", "i32"), ("max_wait_ms", "i32"), ("min_bytes", "i32")] + when(v >= 3, ("max_bytes", "i32")) \
            + when(v >= 4, ("isolation_level", "i8")) + when(v >= 7, ("session_id", "i32"), ("session_epoch", "i32")) \
            + [("topics", ("arr", [("name", "str"), ("partitions", ("arr", partition))]))] \
            + when(v >= 7, ("forgotten", ("arr", [("name", "str"), ("partitions", ("arr", "i32"))]))) + when(v >= 11, ("rack_id", "str"))
    if api == LIST_OFFSETS:
        partition = [("index", "i32")] + when(v >= 4, ("current_leader_epoch", "i32")) + [("timestamp", "i64")] + when(v == 0, ("max_num_offsets", "i32"))
        return [("replica_id", "i32")] + when(v >= 2, ("isolation_level", "i8")) \
            + [("topics", ("arr", [("name", "str"), ("partitions", ("arr", partition))]))]
    if api == METADATA:
        return [("topics", ("arr" if v == 0 else "narr", [("name", "str")]))] + when(v >= 4, ("allow_auto_topic_creation", "bool")) \
            + when(v >= 8, ("include_cluster_authorized_operations", "bool"), ("include_topic_authorized_operations", "bool"))
    if api == OFFSET_COMMIT:
        partition = [("index", "i32"), ("committed_offset", "i64")] + when(v >= 6, ("committed_leader_epoch", "i32")) \
            + when(v == 1, ("commit_timestamp", "i64")) + [("committed_metadata", "nstr")]
        return [("group_id", "str")] + when(v >= 1, ("generation_id", "i32"), ("member_id", "str")) \
            + when(v >= 7, ("group_instance_id", "nstr")) + when(2 <= v <= 4, ("retention_time_ms", "i64")) \
            + [("topics", ("arr", [("name", "str"), ("partitions", ("arr", partition))]))]
    if api == OFFSET_FETCH:
        return [("group_id", "str"), ("topics", ("narr" if v >= 2 else "arr", [("name", "str"), ("partitions", ("arr", "i32"))]))]
    if api == FIND_COORDINATOR:
        return [("key", "str")] + when(v >= 1, ("key_type", "i8"))
    if api == JOIN_GROUP:
        return [("group_id", "str"), ("session_timeout_ms", "i32")] + when(v >= 1, ("rebalance_timeout_ms", "i32")) + [("member_id", "str")] \
            + when(v >= 5, ("group_instance_id", "nstr")) + [("protocol_type", "str"), ("protocols", ("arr", [("name", "str"), ("metadata", "bytes")]))]
    if api == HEARTBEAT:
        return [("group_id", "str"), ("generation_id", "i32"), ("member_id", "str")] + when(v >= 3, ("group_instance_id", "nstr"))
    if api == LEAVE_GROUP:
        return [("group_id", "str"), ("member_id", "str")]
    if api == SYNC_GROUP:
        return [("group_id", "str"), ("generation_id", "i32"), ("member_id", "str")] + when(v >= 3, ("group_instance_id", "nstr")) \
            + [("assignments", ("arr", [("member_id", "str"), ("assignment", "bytes")]))]
    if api == INIT_PRODUCER_ID:  # v0-1 only: v2+ are flexible (init_producer_id_body)
        return [("transactional_id", "nstr"), ("transaction_timeout_ms", "i32")]
    if api == ADD_PARTITIONS_TO_TXN:
        return [("transactional_id", "str"), ("producer_id", "i64"), ("producer_epoch", "i16"),
                ("topics", ("arr", [("name", "str"), ("partitions", ("arr", "i32"))]))]
    if api == ADD_OFFSETS_TO_TXN:
        return [("transactional_id", "str"), ("producer_id", "i64"), ("producer_epoch", "i16"), ("group_id", "str")]
    if api == END_TXN:
        return [("transactional_id", "str"), ("producer_id", "i64"), ("producer_epoch", "i16"), ("committed", "bool")]
    if api == TXN_OFFSET_COMMIT:
        partition = [("index", "i32"), ("committed_offset", "i64")] + when(v >= 2, ("committed_leader_epoch", "i32")) + [("committed_metadata", "nstr")]
        return [("transactional_id", "str"), ("group_id", "str"), ("producer_id", "i64"), ("producer_epoch", "i16"),
                ("topics", ("arr", [("name", "str"), ("partitions", ("arr", partition))]))]
    raise ValueError(f"no request schema for API {api}")


def response_schema(api, v):
    """The non-flexible response body schema of `api` at `v`. Topic answers name their topics'
    field `topics`, each topic's `name` and `partitions`, each partition's `index` and `error`."""
    throttle = [("throttle_time_ms", "i32")]
    if api == PRODUCE:
        partition = [("index", "i32"), ("error", "i16"), ("base_offset", "i64")] + when(v >= 2, ("log_append_time_ms", "i64")) \
            + when(v >= 5, ("log_start_offset", "i64"))
        return [("topics", ("arr", [("name", "str"), ("partitions", ("arr", partition))]))] + when(v >= 1, *throttle)
    if api == FETCH:
        partition = [("index", "i32"), ("error", "i16"), ("high_watermark", "i64")] + when(v >= 4, ("last_stable_offset", "i64")) \
            + when(v >= 5, ("log_start_offset", "i64")) + when(v >= 4, ("aborted", ("narr", [("producer_id", "i64"), ("first_offset", "i64")]))) \
            + when(v >= 11, ("preferred_read_replica", "i32")) + [("records", "nbytes")]
        return when(v >= 1, *throttle) + when(v >= 7, ("error", "i16"), ("session_id", "i32")) \
            + [("topics", ("arr", [("name", "str"), ("partitions", ("arr", partition))]))]
    if api == LIST_OFFSETS:
        partition = [("index", "i32"), ("error", "i16")] + when(v == 0, ("old_style_offsets", ("arr", "i64"))) \
            + when(v >= 1, ("timestamp", "i64"), ("offset", "i64")) + when(v >= 4, ("leader_epoch", "i32"))
        return when(v >= 2, *throttle) + [("topics", ("arr", [("name", "str"), ("partitions", ("arr", partition))]))]
    if api == METADATA:
        partition = [("error", "i16"), ("index", "i32"), ("leader_id", "i32")] + when(v >= 7, ("leader_epoch", "i32")) \
            + [("replica_nodes", ("arr", "i32")), ("isr_nodes", ("arr", "i32"))] + when(v >= 5, ("offline_replicas", ("arr", "i32")))
        topic = [("error", "i16"), ("name", "str")] + when(v >= 1, ("is_internal", "bool")) + [("partitions", ("arr", partition))] \
            + when(v >= 8, ("topic_authorized_operations", "i32"))
        return when(v >= 3, *throttle) + [("brokers", ("arr", [("node_id", "i32"), ("host", "str"), ("port", "i32")] + when(v >= 1, ("rack", "nstr"))))] \
            + when(v >= 2, ("cluster_id", "nstr")) + when(v >= 1, ("controller_id", "i32")) + [("topics", ("arr", topic))] \
            + when(v >= 8, ("cluster_authorized_operations", "i32"))
    if api in (OFFSET_COMMIT, TXN_OFFSET_COMMIT, ADD_PARTITIONS_TO_TXN):
        has_throttle = api != OFFSET_COMMIT or v >= 3
        return when(has_throttle, *throttle) + [("topics", ("arr", [("name", "str"), ("partitions", ("arr", [("index", "i32"), ("error", "i16")]))]))]
    if api == OFFSET_FETCH:
        partition = [("index", "i32"), ("committed_offset", "i64")] + when(v >= 5, ("committed_leader_epoch", "i32")) \
            + [("metadata", "nstr"), ("error", "i16")]
        return when(v >= 3, *throttle) + [("topics", ("arr", [("name", "str"), ("partitions", ("arr", partition))]))] + when(v >= 2, ("error", "i16"))
    if api == FIND_COORDINATOR:
        return when(v >= 1, *throttle) + [("error", "i16")] + when(v >= 1, ("error_message", "nstr")) \
            + [("node_id", "i32"), ("host", "str"), ("port", "i32")]
    if api == JOIN_GROUP:
        return when(v >= 2, *throttle) + [("error", "i16"), ("generation_id", "i32"), ("protocol_name", "str"), ("leader", "str"),
                                          ("member_id", "str"), ("members", ("arr", [("member_id", "str")] + when(v >= 5, ("group_instance_id", "nstr"))
                                                                            + [("metadata", "bytes")]))]
    if api in (HEARTBEAT, LEAVE_GROUP):
        return when(v >= 1, *throttle) + [("error", "i16")]
    if api == SYNC_GROUP:
        return when(v >= 1, *throttle) + [("error", "i16"), ("assignment", "bytes")]
    if api == INIT_PRODUCER_ID:
        return throttle + [("error", "i16"), ("producer_id", "i64"), ("producer_epoch", "i16")]
    if api in (ADD_OFFSETS_TO_TXN, END_TXN):
        return throttle + [("error", "i16")]
    raise ValueError(f"no response schema for API {api}")


PRIMITIVES = {"i8": ">b", "i16": ">h", "i32": ">i", "i64": ">q", "bool": ">b"}


def encode(schema, value, out, lengths):
    """Appends `value` (a dict) per `schema` to `out` (a bytearray); records in `lengths` the
    (offset, width) of every string length, bytes length and array count written."""
    for name, kind in schema:
        encode_value(kind, value[name], out, lengths)


def encode_value(kind, value, out, lengths):
    if isinstance(kind, tuple):
        container, element = kind
        lengths.append((len(out), 4))
        if value is None:
            out += struct.pack(">i", -1)
            return
        out += struct.pack(">i", len(value))
        for item in value:
            if isinstance(element, list):
                encode(element, item, out, lengths)
            else:
                encode_value(element, item, out, lengths)
    elif kind in PRIMITIVES:
        out += struct.pack(PRIMITIVES[kind], int(value))
    elif kind in ("str", "nstr"):
        lengths.append((len(out), 2))
        out += kstring(value)
    elif kind in ("bytes", "nbytes"):
        lengths.append((len(out), 4))
        out += kbytes(value)
    else:
        raise ValueError(f"unknown type {kind}")


def decode(schema, reader):
    return {name: decode_value(kind, reader) for name, kind in schema}


def decode_value(kind, reader):
    if isinstance(kind, tuple):
        count = reader.take(">i")
        if count < 0:  # null; the mock echoes a request's negative counts even where not nullable
            return None
        if count > len(reader.data) - reader.offset:
            raise ValueError(f"array count {count} past the end")
        element = kind[1]
        return [decode(element, reader) if isinstance(element, list) else decode_value(element, reader) for _ in range(count)]
    if kind in PRIMITIVES:
        return reader.take(PRIMITIVES[kind])
    # Strings are not decoded (the mock echoes whatever bytes a request named), and null ones
    # are read as such everywhere (the mock writes null strings and bytes into its error answers).
    if kind in ("str", "nstr"):
        length = reader.take(">h")
        if length < 0:
            return None
        if reader.offset + length > len(reader.data):
            raise ValueError(f"STRING of {length} bytes past the end")
        reader.offset += length
        return reader.data[reader.offset - length:reader.offset].decode(errors="replace")
    if kind in ("bytes", "nbytes"):
        length = reader.take(">i")
        if length < 0:
            return None
        if reader.offset + length > len(reader.data):
            raise ValueError(f"BYTES of {length} past the end")
        reader.offset += length
        return length
    raise ValueError(f"unknown type {kind}")


def crc32c(data):
    table = crc32c.table
    if table is None:
        table = crc32c.table = []
        for n in range(256):
            c = n
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            table.append(c)
    crc = 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


crc32c.table = None


def signed_varint(value):
    return uvarint((value << 1) ^ (value >> 63))


def record_batch(value=b"hostile"):
    """One v2 record batch with one record (CRC32C over attributes..end)."""
    record = b"\x00" + signed_varint(0) + signed_varint(0) + signed_varint(-1) + signed_varint(len(value)) + value + uvarint(0)
    record = signed_varint(len(record)) + record
    now = int(time.time() * 1000)
    after_crc = struct.pack(">hiqqqhi", 0, 0, now, now, -1, -1, -1) + struct.pack(">i", 1) + record
    batch = struct.pack(">iB", 0, 2) + struct.pack(">I", crc32c(after_crc)) + after_crc  # partition_leader_epoch, magic, crc
    return struct.pack(">qi", 0, len(batch)) + batch


def request_value(api, v, topics, group="hostile-group", txn=None, acks=1, member_id=""):
    """A valid request of `api` at `v` naming `topics` ([(name, [partition...])]) where it names
    topics, `group` where it names a group, `txn` as the transactional id."""
    if api == PRODUCE:
        return {"transactional_id": txn, "acks": acks, "timeout_ms": 1000, "topics": [
            {"name": name, "partitions": [{"index": p, "records": record_batch()} for p in parts]} for name, parts in topics]}
    if api == FETCH:
        return {"replica_id": -1, "max_wait_ms": 10, "min_bytes": 0, "max_bytes": 1 << 20, "isolation_level": 0, "session_id": 0,
                "session_epoch": -1, "forgotten": [], "rack_id": "", "topics": [
                    {"name": name, "partitions": [{"index": p, "current_leader_epoch": -1, "fetch_offset": 0, "log_start_offset": -1,
                                                   "partition_max_bytes": 65536} for p in parts]} for name, parts in topics]}
    if api == LIST_OFFSETS:
        return {"replica_id": -1, "isolation_level": 0, "topics": [
            {"name": name, "partitions": [{"index": p, "current_leader_epoch": -1, "timestamp": -1, "max_num_offsets": 1} for p in parts]}
            for name, parts in topics]}
    if api == METADATA:
        return {"topics": None if topics is None else [{"name": name} for name, _ in topics], "allow_auto_topic_creation": 0,
                "include_cluster_authorized_operations": 0, "include_topic_authorized_operations": 0}
    if api in (OFFSET_COMMIT, TXN_OFFSET_COMMIT):
        return {"group_id": group, "generation_id": -1, "member_id": "", "group_instance_id": None, "retention_time_ms": -1,
                "transactional_id": txn or "hostile-txn", "producer_id": 1, "producer_epoch": 0, "topics": [
                    {"name": name, "partitions": [{"index": p, "committed_offset": 0, "committed_leader_epoch": -1, "commit_timestamp": -1,
                                                   "committed_metadata": ""} for p in parts]} for name, parts in topics]}
    if api == OFFSET_FETCH:
        return {"group_id": group, "topics": None if topics is None else [{"name": name, "partitions": parts} for name, parts in topics]}
    if api == FIND_COORDINATOR:
        return {"key": txn if txn else group, "key_type": 1 if txn else 0}
    if api in (JOIN_GROUP, HEARTBEAT, LEAVE_GROUP, SYNC_GROUP):
        return {"group_id": group, "session_timeout_ms": 6000, "rebalance_timeout_ms": 6000, "member_id": member_id, "generation_id": -1,
                "group_instance_id": None, "protocol_type": "consumer", "protocols": [{"name": "range", "metadata": b"\x00\x01"}],
                "assignments": []}
    if api == INIT_PRODUCER_ID:
        return {"transactional_id": txn, "transaction_timeout_ms": 60000}
    if api in (ADD_PARTITIONS_TO_TXN, ADD_OFFSETS_TO_TXN, END_TXN):
        return {"transactional_id": txn or "hostile-txn", "producer_id": 1, "producer_epoch": 0, "group_id": group, "committed": 0,
                "topics": [{"name": name, "partitions": parts} for name, parts in topics]}
    raise ValueError(f"API {api}")


def init_producer_id_body(v, txn):
    """InitProducerId v2+ (flexible): request header v2 has tagged fields after the client id,
    written here as the body's first byte; then compact strings and a tagged-field section."""
    body = b"\x00"  # the header's tagged fields
    body += b"\x00" if txn is None else uvarint(len(txn.encode()) + 1) + txn.encode()
    body += struct.pack(">i", 60000)
    if v >= 3:
        body += struct.pack(">qh", -1, -1)
    lengths = [(1, 1)] if txn is not None else []
    return body + b"\x00", lengths


def parse_answer(api, v, body):
    """The decoded answer (a dict), strictly to the last byte; raises ValueError."""
    reader = Reader(body)
    if api == INIT_PRODUCER_ID and v >= 2:
        reader.take(">B")  # response header v1: tagged fields (none)
        answer = {"throttle_time_ms": reader.take(">i"), "error": reader.take(">h"), "producer_id": reader.take(">q"),
                  "producer_epoch": reader.take(">h")}
        tags = reader.take(">B")
        for _ in range(tags):
            raise ValueError("tagged fields in an InitProducerId answer")
    else:
        answer = decode(response_schema(api, v), reader)
    reader.finish(f"{API_NAMES[api]} v{v}")
    return answer


def authz_request(api, v, topics, **options):
    """(body bytes, length-field offsets) of a valid request."""
    if api == INIT_PRODUCER_ID and v >= 2:
        return init_producer_id_body(v, options.get("txn"))
    out, lengths = bytearray(), []
    encode(request_schema(api, v), request_value(api, v, topics, **options), out, lengths)
    return bytes(out), lengths


def authz_exchange(run, index, api, v, body, correlation, timeout=IO_TIMEOUT):
    """Authenticates a fresh connection, sends one request: ("answer", body) | ("closed", None) |
    ("timeout", None). Raises on a failed authentication."""
    with connect(run.address(index), timeout=timeout) as sock:
        handshake_error, auth_error, message = authenticate(sock, run.token)
        if handshake_error != NO_ERROR or auth_error != NO_ERROR:
            raise ConnectionError(f"authentication failed: {handshake_error}, {auth_error} ({message})")
        flexible = api == INIT_PRODUCER_ID and v >= 2
        # For flexible requests the header's tagged-field byte is the body's first (init_producer_id_body).
        if not send(sock, request(api, v, correlation, body)):
            return "closed", None
        try:
            answer = read_response(sock)
        except (socket.timeout, TimeoutError):
            return "timeout", None
        if answer is None:
            return "closed", None
        if answer[0] != correlation:
            raise ValueError(f"answer has correlation id {answer[0]}, sent {correlation}")
        return "answer", answer[1]


def topic_errors(answer):
    """{topic: [partition errors]} of a decoded topic answer."""
    return {topic["name"]: [p["error"] for p in topic["partitions"]] for topic in answer.get("topics") or []}


def authz_cases(run, advertised):
    """Every authorized API and version: a valid request, each truncated every few bytes, with
    random byte flips, and with each length and count replaced by a hostile value."""
    cases = []
    rng = run.rng
    for api, cap in AUTHORIZED_VERSIONS.items():
        for v in range(cap + 1):
            named = [(ALLOWED_TOPIC, [0, 1])]
            if api == METADATA:
                named = [(ALLOWED_TOPIC, [])]
            # JoinGroup for a denied group: the mock broker aborts the process when two members
            # of one group name different protocols (rd_kafka_mock_cgrp_elect_leader), which
            # random flips would do; a denied group's JoinGroup is answered by the gateway.
            group = DENIED_GROUP if api == JOIN_GROUP else "hostile-group"
            body, lengths = authz_request(api, v, named, group=group)
            label = f"{API_NAMES[api]} v{v}"
            strict = v <= advertised.get(api, -1)
            cases.append(("valid", label, api, v, body, strict))
            step = 1 if len(body) < 48 else 3
            for cut in range(0, len(body), step):
                cases.append(("truncated", f"{label} cut at {cut}/{len(body)}", api, v, body[:cut], False))
            for flip in range(12):
                mutated = bytearray(body)
                for _ in range(rng.randint(1, 4)):
                    mutated[rng.randrange(len(mutated))] ^= 1 << rng.randrange(8)
                cases.append(("flipped", f"{label} flip #{flip}", api, v, bytes(mutated), False))
            for offset, width in lengths:
                values = [-1, -2, 0x7FFF, 0x7FFF - 1] if width == 2 else [-1, -2, -(1 << 31), 0x7FFFFFFF, 1 << 24]
                if width == 1:
                    values = [0x7F, 0xFF]
                for hostile in values:
                    mutated = bytearray(body)
                    fmt = {1: ">B", 2: ">h", 4: ">i"}[width]
                    struct.pack_into(fmt, mutated, offset, hostile if width != 1 else hostile & 0xFF)
                    cases.append(("lengths", f"{label} length at {offset} = {hostile}", api, v, bytes(mutated), False))
    return cases


def kafka_authorized_fuzz(run):
    """The authorization parsers under hostile bodies: each case on its own authenticated
    connection must get an answer that parses as its API's schema (or a closed connection);
    a valid request at an advertised version must get an answer."""
    surface = "kafka_authz_fuzz"
    advertised = authz_advertised(run)
    cases = authz_cases(run, advertised)
    outcomes = {}

    def attack(index, case):
        kind, label, api, v, body, strict = case
        correlation = 5000 + index
        # A Fetch whose flipped max_wait_ms is long is held by the broker, as Kafka's are; so
        # is a JoinGroup whose flipped group id is no longer the denied one (until the rebalance).
        held = api in (FETCH, JOIN_GROUP)
        timeout = 2.0 if held else IO_TIMEOUT
        try:
            outcome, answer = authz_exchange(run, index, api, v, body, correlation, timeout=timeout)
        except (OSError, ValueError, ConnectionError, struct.error) as error:
            run.fail(surface, f"{label}: {error!r}")
            run.count(surface)
            return
        with run.lock:
            key = f"{kind}:{outcome}"
            outcomes[key] = outcomes.get(key, 0) + 1
        if outcome == "answer":
            try:
                parse_answer(api, v, answer)
            except (ValueError, struct.error, UnicodeDecodeError) as error:
                if (api, v) in MOCK_QUIRKS:
                    with run.lock:
                        outcomes["unparsable answer (mock quirk)"] = outcomes.get("unparsable answer (mock quirk)", 0) + 1
                    return run.count(surface)
                run.fail(surface, f"{label}: the answer does not parse: {error} ({len(answer)} bytes: {answer[:48].hex()})")
        elif outcome == "timeout" and not held:
            run.fail(surface, f"{label}: neither answered nor closed within {IO_TIMEOUT:.0f} s")
        elif strict:
            run.fail(surface, f"{label}: a valid request at an advertised version got the connection closed")
        run.count(surface)

    parallel(cases, attack)
    run.observations["authz_fuzz_outcomes"] = dict(sorted(outcomes.items()))


def authz_advertised(run):
    """{api: highest version} the gateway advertises to a client (ApiVersions v0)."""
    with connect(run.address(0)) as sock:
        sock.sendall(api_versions_request(0, 1))
        answer = read_response(sock)
    _, versions = parse_api_versions_v0(answer[1])
    advertised = {api: high for api, (_, high) in versions.items()}
    run.observations["authz_advertised_versions"] = {API_NAMES[api]: advertised.get(api) for api in AUTHORIZED_VERSIONS}
    return advertised


def authz_denial_cases(advertised):
    """(label, api, v, body, expectation) for requests the policy (partly) denies."""
    cases = []
    mixed = [(ALLOWED_TOPIC, [0, 1]), (DENIED_TOPIC, [0])]
    for api, cap in AUTHORIZED_VERSIONS.items():
        for v in range(min(cap, advertised.get(api, -1)) + 1):
            label = f"{API_NAMES[api]} v{v}"
            if api in DATA_APIS:
                cases.append((f"{label} naming {ALLOWED_TOPIC} and {DENIED_TOPIC}", api, v, authz_request(api, v, mixed)[0],
                              ("topics", {DENIED_TOPIC: TOPIC_AUTHORIZATION_FAILED}, {ALLOWED_TOPIC}, "merged")))
                cases.append((f"{label} naming only {DENIED_TOPIC}", api, v, authz_request(api, v, [(DENIED_TOPIC, [0])])[0],
                              ("topics", {DENIED_TOPIC: TOPIC_AUTHORIZATION_FAILED}, set())))
            if api in (LIST_OFFSETS, OFFSET_FETCH, METADATA):
                named = [(ALLOWED_TOPIC, [0, 1]), (HIDDEN_TOPIC, [0])]
                cases.append((f"{label} naming {ALLOWED_TOPIC} and {HIDDEN_TOPIC}", api, v, authz_request(api, v, named)[0],
                              ("topics", {HIDDEN_TOPIC: TOPIC_AUTHORIZATION_FAILED}, {ALLOWED_TOPIC}, "merged")))
            if api == METADATA:
                cases.append((f"{label} for all topics", api, v, authz_request(api, v, [] if v == 0 else None)[0], ("hidden", HIDDEN_TOPIC)))
            if api in (OFFSET_COMMIT, OFFSET_FETCH, TXN_OFFSET_COMMIT):
                cases.append((f"{label} for group {DENIED_GROUP}", api, v, authz_request(api, v, mixed, group=DENIED_GROUP)[0],
                              ("topics", {ALLOWED_TOPIC: GROUP_AUTHORIZATION_FAILED, DENIED_TOPIC: GROUP_AUTHORIZATION_FAILED}, set())))
            if api in (JOIN_GROUP, HEARTBEAT, LEAVE_GROUP, SYNC_GROUP, FIND_COORDINATOR, ADD_OFFSETS_TO_TXN):
                cases.append((f"{label} for group {DENIED_GROUP}", api, v, authz_request(api, v, [], group=DENIED_GROUP)[0],
                              ("error", GROUP_AUTHORIZATION_FAILED)))
            if api in (ADD_PARTITIONS_TO_TXN, TXN_OFFSET_COMMIT) or (api == PRODUCE and v >= 3):
                cases.append((f"{label} with transactional id {DENIED_TXN}", api, v, authz_request(api, v, mixed, txn=DENIED_TXN)[0],
                              ("topics", {ALLOWED_TOPIC: TRANSACTIONAL_ID_AUTHORIZATION_FAILED, DENIED_TOPIC: TRANSACTIONAL_ID_AUTHORIZATION_FAILED}, set())))
            if api in (ADD_OFFSETS_TO_TXN, END_TXN, INIT_PRODUCER_ID) or (api == FIND_COORDINATOR and v >= 1):
                cases.append((f"{label} with transactional id {DENIED_TXN}", api, v, authz_request(api, v, [], txn=DENIED_TXN)[0],
                              ("error", TRANSACTIONAL_ID_AUTHORIZATION_FAILED)))
            if api == PRODUCE:
                cases.append((f"{label} acks=0 naming {ALLOWED_TOPIC} and {DENIED_TOPIC}", api, v, authz_request(api, v, mixed, acks=0)[0], ("closed",)))
                cases.append((f"{label} acks=0 naming only {ALLOWED_TOPIC}", api, v, authz_request(api, v, [(ALLOWED_TOPIC, [0])], acks=0)[0], ("unanswered",)))
    return cases


def kafka_authorized_denials(run):
    """Requests the policy partly or wholly denies, at every advertised version: the answer
    parses as its schema, the denied topics' partitions carry TOPIC_AUTHORIZATION_FAILED (the
    group's or transactional id's error when those are denied) and the allowed ones do not; an
    acks=0 Produce naming a denied topic gets the connection closed; one naming only allowed
    topics gets no answer, and the next request on the connection its own."""
    surface = "kafka_authz_denials"
    cases = authz_denial_cases(authz_advertised(run))

    def attack(index, case):
        label, api, v, body, expectation = case
        correlation = 7000 + index
        try:
            if expectation[0] in ("closed", "unanswered"):
                authz_acks0(run, surface, index, label, api, v, body, correlation, expectation[0])
                return
            outcome, answer = authz_exchange(run, index, api, v, body, correlation)
            quirk = (api, v) in MOCK_QUIRKS and expectation[-1] == "merged"
            if outcome != "answer":
                if quirk and outcome == "closed":
                    run.skipped.append(f"{label}: closed (the mock's answer at this version is off its schema)")
                else:
                    run.fail(surface, f"{label}: {outcome} instead of an answer")
                return
            try:
                parsed = parse_answer(api, v, answer)
            except (ValueError, struct.error, UnicodeDecodeError) as error:
                if quirk:
                    run.skipped.append(f"{label}: the answer does not parse (the mock's answer at this version is off its schema)")
                else:
                    run.fail(surface, f"{label}: the answer does not parse: {error} ({len(answer)} bytes: {answer[:48].hex()})")
                return
            if expectation[0] == "error":
                run.expect(parsed["error"] == expectation[1], surface, f"{label}: error {parsed['error']}, expected {expectation[1]}")
            elif api == METADATA and expectation[0] == "topics":
                errors = {topic["name"]: topic["error"] for topic in parsed["topics"]}
                run.expect(errors.get(HIDDEN_TOPIC) == TOPIC_AUTHORIZATION_FAILED and errors.get(ALLOWED_TOPIC) == NO_ERROR, surface,
                           f"{label}: topic errors {errors}, expected {HIDDEN_TOPIC}: {TOPIC_AUTHORIZATION_FAILED}")
            elif expectation[0] == "hidden":
                names = {topic["name"] for topic in parsed["topics"]}
                run.expect(ALLOWED_TOPIC in names and HIDDEN_TOPIC not in names, surface, f"{label}: topics {sorted(names)}")
            else:
                refused, allowed = expectation[1], expectation[2]
                errors = topic_errors(parsed)
                for name, error in refused.items():
                    run.expect(name in errors and errors[name] and all(e == error for e in errors[name]), surface,
                               f"{label}: {name}'s partitions answered {errors.get(name)}, expected all {error}")
                for name in allowed:
                    run.expect(name in errors and TOPIC_AUTHORIZATION_FAILED not in errors[name], surface,
                               f"{label}: {name}'s partitions answered {errors.get(name)}, expected no {TOPIC_AUTHORIZATION_FAILED}")
                if api == OFFSET_FETCH and v >= 2 and GROUP_AUTHORIZATION_FAILED in refused.values():
                    run.expect(parsed["error"] == GROUP_AUTHORIZATION_FAILED, surface, f"{label}: top-level error {parsed['error']}")
        except (OSError, ValueError, ConnectionError, struct.error) as error:
            run.fail(surface, f"{label}: {error!r}")
        finally:
            run.count(surface)

    parallel(cases, attack)


def authz_acks0(run, surface, index, label, api, v, body, correlation, expected):
    with connect(run.address(index)) as sock:
        handshake_error, auth_error, message = authenticate(sock, run.token)
        if handshake_error != NO_ERROR or auth_error != NO_ERROR:
            raise ConnectionError(f"authentication failed: {handshake_error}, {auth_error} ({message})")
        if expected == "closed":
            send(sock, request(api, v, correlation, body))
            expect_silent_close(run, surface, label, sock)
            return
        sock.sendall(request(api, v, correlation, body) + api_versions_request(0, correlation + 1))
        answer = read_response(sock)
        if run.expect(answer is not None, surface, f"{label}: closed instead of answering the ApiVersions after it"):
            run.expect(answer[0] == correlation + 1, surface, f"{label}: the next answer has correlation id {answer[0]}, expected {correlation + 1}")


# --------------------------------------------------------------------------------------------
# HTTP surfaces


def http_call(run, method, path, body=None, headers=None, timeout=IO_TIMEOUT, connection=None):
    """(status, body) — status None (and the error as body) if the connection failed."""
    own = connection is None
    conn = connection or http.client.HTTPConnection(*run.http_address, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException) as error:
        return None, repr(error).encode()
    finally:
        if own:
            conn.close()


def control_counters(run):
    status, body = http_call(run, "GET", "/control/counters")
    if status != 200:
        return {}
    try:
        return json.loads(body)
    except ValueError:
        return {}


def http_control_numbers(run):
    """Out-of-range or unreadable numbers on every control endpoint: HTTP 400 each, then a
    reset that answers 200."""
    surface = "http_control_numbers"
    paths = [
        "/control/clock-skew?seconds=inf", "/control/clock-skew?seconds=nan", "/control/clock-skew?seconds=1e300",
        "/control/clock-skew?seconds=-1e300", "/control/clock-skew?seconds=", "/control/clock-skew",
        "/control/topics?name=t&partitions=3000000000", "/control/topics?name=t&partitions=2000000000",
        "/control/topics?name=t&partitions=-1", "/control/topics?name=t&partitions=abc",
        "/control/topics?name=" + "t" * 300 + "&partitions=1", "/control/topics?name=a%2Fb&partitions=1",
        "/control/sts-fail?count=10000000000000", "/control/sts-fail?count=1&mode=bogus",
        "/control/auth-delay?ms=99999999999", "/control/auth-delay?ms=-1",
        "/control/sts-down?seconds=1e300", "/control/sts-down?seconds=nan",
        "/control/brokers/99/down", "/control/brokers/-1/up", "/control/brokers/x/down",
        "/control/reject-authentications?count=-5", "/control/reject-authentications?count=99999999999999999999",
    ]
    for path in paths:
        status, body = http_call(run, "POST", path)
        run.expect(status == 400, surface, f"POST {path[:80]}: {'connection failed: ' + body.decode() if status is None else f'HTTP {status}'}, expected 400")
        run.count(surface)
    status, body = http_call(run, "POST", "/control/reset")
    run.expect(status == 200, surface, f"POST /control/reset: HTTP {status} {body[:200]!r}")


def http_control_policies(run):
    """PUT /control/policies with hostile bodies and role values: 400 with a reason each (413,
    past the HTTP server's 1 MiB body bound), never a 5xx or a hang; the
    policy in force is unchanged. Then a valid PUT and DELETE for a role, and
    GET /control/decisions with garbage `since` values."""
    surface = "http_control_policies"
    statement = '{"Effect":"Allow","Action":"kafka-cluster:*","Resource":"*"}'
    bodies = [
        ("empty", b""), ("null", b"null"), ("a number", b"42"), ("not JSON", b"{Version"),
        ("10 MiB", b"{" + b" " * (10 << 20) + b"}"),
        ("1 MiB less a byte of spaces", b" " * ((1 << 20) - 1)),
        ("200 KiB string", b'{"Version":"' + b"x" * (200 << 10) + b'"}'),
        ("deep nesting", b"[" * 100_000 + b"]" * 100_000),
        ("deep statement nesting", ('{"Version":"2012-10-17","Statement":' + '{"Effect":' * 40 + '"Allow"' + "}" * 41).encode()),
        ("invalid UTF-8", b'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"\xff\xfe","Resource":"*"}]}'.replace(b"\\xff\\xfe", b"\xff\xfe")),
        ("lone surrogate escape", b'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"\\ud800","Resource":"*"}]}'),
        ("Condition", ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*",'
                       '"Condition":{"StringEquals":{"aws:username":"x"}}}]}').encode()),
        ("Principal", b'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'),
        ("100 KiB Sid", ('{"Version":"2012-10-17","Statement":[{"Sid":"' + "S" * (100 << 10) + '","Effect":"Allow","Action":"*","Resource":"*"}]}').encode()),
        ("1,001 statements", ('{"Version":"2012-10-17","Statement":[' + ",".join([statement] * 1001) + "]}").encode()),
        ("100,000 statements", ('{"Version":"2012-10-17","Statement":[' + ",".join(["{}"] * 100_000) + "]}").encode()),
        ("wrong types", b'{"Version":1,"Statement":[{"Effect":true,"Action":[1],"Resource":{}}]}'),
        ("unknown Effect", b'{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}'),
        ("3,000-character Resource", ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"' + "*?" * 1500 + '"}]}').encode()),
    ]
    valid = AUTHZ_POLICY.encode()
    roles = ["", "x", "arn:aws:iam::1:role/" + "r" * 3000, "arn:aws:iam::1:group/g", "arn:aws:iam::1:role/%00", "%FF%FE",
             "arn:aws:sts::1:assumed-role/r/s", "arn:aws:iam::1:role/a&role=b"]
    cases = [("PUT", f"/control/policies", name, body) for name, body in bodies]
    cases += [("PUT", "/control/policies?role=" + urllib.parse.quote(role, safe=""), f"role={role[:40]!r}", valid) for role in roles]
    cases += [("DELETE", "/control/policies?role=" + urllib.parse.quote(role, safe=""), f"role={role[:40]!r}", None) for role in roles]
    for method, path, name, body in cases:
        started = time.monotonic()
        status, answer = http_call(run, method, path, body=body, timeout=10)
        what = f"{method} /control/policies with {name}"
        expected = 413 if body is not None and len(body) > 1 << 20 else 400
        if run.expect(status == expected, surface, f"{what}: {'connection failed: ' + answer.decode()[:200] if status is None else f'HTTP {status} {answer[:200]!r}'}, expected {expected}"):
            try:
                reason = json.loads(answer).get("error")
            except ValueError:
                reason = None
            run.expect(isinstance(reason, str) and reason and len(reason) < 2000, surface, f"{what}: no short reason ({answer[:200]!r})")
        run.expect(time.monotonic() - started < 5, surface, f"{what}: took {time.monotonic() - started:.1f} s")
        run.count(surface)
    status, answer = http_call(run, "GET", "/control/policies")
    summary = json.loads(answer) if status == 200 else {}
    run.expect(summary.get("enforcing") is True and summary.get("default_policy") is True and summary.get("arns") == [], surface,
               f"after the hostile PUTs: GET /control/policies {status} {answer[:300]!r}")
    role = urllib.parse.quote(run.endpoints["role_arns"][0], safe="")
    for method, body, expected in (("PUT", valid, 200), ("DELETE", None, 200)):
        status, answer = http_call(run, method, "/control/policies?role=" + role, body=body)
        run.expect(status == expected, surface, f"a valid {method} for {run.endpoints['role_arns'][0]}: HTTP {status} {answer[:200]!r}")
        run.count(surface)
    status, answer = http_call(run, "GET", "/control/policies")
    run.expect(status == 200 and json.loads(answer).get("arns") == [], surface, f"after PUT and DELETE: {status} {answer[:300]!r}")
    for since in ("garbage", "-1", "1e309", "18446744073709551616", "%00", "9" * 5000, ""):
        status, answer = http_call(run, "GET", "/control/decisions?since=" + since)
        ok = status == 200
        if ok:
            try:
                decoded = json.loads(answer)
                ok = isinstance(decoded.get("denials"), list) and isinstance(decoded.get("next"), int)
            except ValueError:
                ok = False
        run.expect(ok, surface, f"GET /control/decisions?since={since[:20]}: HTTP {status} {answer[:200]!r}")
        run.count(surface)


def random_letters(count):
    """`count` random ASCII letters (fast: no per-character Python work)."""
    letters = bytes(range(ord("a"), ord("z") + 1)) + bytes(range(ord("A"), ord("Z") + 1))
    table = bytes(letters[i % len(letters)] for i in range(256))
    return os.urandom(count).translate(table)


def http_sts(run):
    """30 form posts with a 1 MB Action, then 100 distinct AssumeRoleWithWebIdentity calls with
    junk JWT-shaped tokens: 60 of ~100 KB (over STS's 20,000-character limit) and 40 of ~19 KB
    (under it, so that they reach token verification). Each gets an STS answer that does not
    quote the input at length: 400 for the Action; for the web identity calls 200 with
    credentials, or a 400 ErrorResponse (AWS refuses such tokens), never a dropped connection or
    a 5xx. msk-local must not keep what they carry: checked by the RSS bound at the end."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def describe(status, body):
        return f"connection failed: {body.decode()}" if status is None else f"HTTP {status} {body[:160]!r}"

    largest_answer = 0
    for _ in range(30):
        action = random_letters(1_000_000)
        status, body = http_call(run, "POST", "/", body=b"Action=" + action + b"&Version=2011-06-15", headers=form, timeout=10)
        run.expect(status == 400 and b"<ErrorResponse" in body, "http_sts_action", f"1 MB Action: {describe(status, body)}, expected a 400 ErrorResponse")
        run.expect(action[500_000:501_000] not in body, "http_sts_action", f"the refusal of a 1 MB Action quotes it at length ({len(body)} bytes)")
        largest_answer = max(largest_answer, len(body))
        run.count("http_sts_action")
    role = urllib.parse.quote(run.endpoints["role_arns"][0], safe="")
    statuses = {}
    for index in range(100):
        payload_size = 75_000 if index < 60 else 14_000
        token = b".".join(base64.urlsafe_b64encode(random_letters(n)).rstrip(b"=") for n in (40, payload_size, 64))
        body = (b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + role.encode()
                + f"&RoleSessionName=hostile-{index}&WebIdentityToken=".encode() + token)
        status, answer = http_call(run, "POST", "/", body=body, headers=form, timeout=10)
        statuses[status] = statuses.get(status, 0) + 1
        # Unsigned junk: refused (InvalidIdentityToken, or ValidationError past 20,000 characters),
        # never credentials.
        refused = status == 400 and b"<ErrorResponse" in answer and (b"InvalidIdentityToken" in answer or b"ValidationError" in answer)
        what = f"AssumeRoleWithWebIdentity #{index} with a {len(token)}-byte junk token"
        run.expect(refused, "http_sts_web_identity", f"{what}: {describe(status, answer)}, expected a 400 InvalidIdentityToken or ValidationError")
        run.expect(token[5_000:6_000] not in answer, "http_sts_web_identity", f"{what}: the answer quotes the token at length ({len(answer)} bytes)")
        largest_answer = max(largest_answer, len(answer))
        run.count("http_sts_web_identity")
    run.observations["sts_web_identity_statuses"] = {str(k): v for k, v in statuses.items()}
    run.observations["sts_largest_answer_bytes"] = largest_answer


def http_imds(run):
    """3,000 IMDSv2 session tokens with the longest TTL, on kept-alive connections: 200 each
    (429 is IMDS's throttle, also fine), never a dropped connection."""
    surface = "http_imds_tokens"
    statuses = {}
    conn = http.client.HTTPConnection(*run.http_address, timeout=IO_TIMEOUT)
    try:
        for _ in range(3000):
            status, body = http_call(run, "PUT", "/latest/api/token", headers={"x-aws-ec2-metadata-token-ttl-seconds": "21600"}, connection=conn)
            if status is None:  # the server may close a kept-alive connection: reconnect once
                conn.close()
                conn = http.client.HTTPConnection(*run.http_address, timeout=IO_TIMEOUT)
                status, body = http_call(run, "PUT", "/latest/api/token", headers={"x-aws-ec2-metadata-token-ttl-seconds": "21600"}, connection=conn)
            statuses[status] = statuses.get(status, 0) + 1
            run.count(surface)
    finally:
        conn.close()
    run.observations["imds_token_statuses"] = {str(k): v for k, v in statuses.items()}
    bad = {k: v for k, v in statuses.items() if k not in (200, 429)}
    run.expect(not bad, surface, f"IMDS token requests answered {bad} (expected 200, or 429 when throttled)")


def http_slowloris_open(run):
    """200 connections that send part of a request, then nothing."""
    partials = [b"GET /control/coun", b"GET /control/counters HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
                b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nAction=",
                b"PUT /latest/api/token HTTP/1.1\r\n", b"G"]
    held = []
    for index in range(200):
        try:
            sock = connect(run.http_address)
            send(sock, partials[index % len(partials)])
            held.append(sock)
        except OSError as error:
            run.fail("http_slowloris", f"slowloris connection #{index}: {error!r}")
        run.count("http_slowloris")
    return held, time.monotonic()


def http_slowloris_finish(run, held, opened_at, hold_seconds=12.0, grace=3.0):
    """After ~12 s, every slowloris connection must have been closed by msk-local (its HTTP
    request deadline is 10 s); waits up to `grace` more seconds, then closes the rest."""
    time.sleep(max(0.0, opened_at + hold_seconds - time.monotonic()))
    still_open = still_open_at(held, time.monotonic() + grace)
    run.observations["slowloris_closed_by_msk_local"] = len(held) - len(still_open)
    run.expect(not still_open, "http_slowloris",
               f"{len(still_open)} of {len(held)} slowloris connections still open {hold_seconds + grace:.0f} s after they stalled "
               "(msk-local's HTTP request deadline is 10 s)")
    for sock in held:
        sock.close()


# --------------------------------------------------------------------------------------------


def phase(run, name, body):
    """Runs one surface, then checks msk-local is alive and records its RSS."""
    started = time.monotonic()
    body(run)
    ensure_alive(run, name)
    rss, _ = rss_mib(run.pid)
    run.phase_rss[name] = {"rss_mib": round(rss or 0, 1), "seconds": round(time.monotonic() - started, 2)}


def final_checks(run):
    surface = "final"
    ensure_alive(run, surface)
    for index in range(len(run.gateway)):
        check_serving(run, surface, index=index)
    status, body = http_call(run, "GET", "/control/counters")
    if run.expect(status == 200, surface, f"GET /control/counters: HTTP {status} {body[:200]!r}"):
        try:
            run.observations["counters"] = json.loads(body)
        except ValueError as error:
            run.fail(surface, f"GET /control/counters is not JSON: {error}")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.split("\n\n")[1])
    auth_timeout = float(sys.argv[3]) if len(sys.argv) == 4 else None
    if auth_timeout is not None and auth_timeout < IO_TIMEOUT + 3:
        # Shorter, and the timeout itself would close connections that a check expects to be
        # closed for another reason, within that check's wait: failures would pass unseen.
        sys.exit(f"hostile_inputs.py: AUTH_TIMEOUT_SECONDS must be at least {IO_TIMEOUT + 3:g} (got {auth_timeout:g})")
    run = Run(json.loads(sys.argv[1]), int(sys.argv[2]), auth_timeout)

    def overran(_signum, _frame):
        raise Overran(f"the hostile-input suite overran {OVERALL_DEADLINE_SECONDS} s")

    signal.signal(signal.SIGALRM, overran)
    signal.alarm(OVERALL_DEADLINE_SECONDS)
    started = time.monotonic()
    rss_before, _ = rss_mib(run.pid)
    if rss_before is None:
        sys.exit(f"hostile_inputs.py: no process {run.pid} (or /proc/{run.pid}/status unreadable)")
    sampler = RSSSampler(run.pid)
    sampler.start()
    try:
        run.token = make_token(run)
        phase(run, "baseline", lambda r: check_serving(r, "baseline"))
        phase(run, "kafka_random", kafka_random)
        phase(run, "kafka_length_prefixes", kafka_length_prefixes)
        phase(run, "kafka_truncated", kafka_truncated)
        phase(run, "kafka_api_keys", kafka_api_keys)
        phase(run, "kafka_sasl_mechanisms", kafka_sasl_mechanisms)
        phase(run, "kafka_sasl_authenticate", kafka_sasl_authenticate)
        phase(run, "kafka_oversized", kafka_oversized)
        phase(run, "kafka_idle", kafka_idle)
        phase(run, "kafka_pipelined", kafka_pipelined)
        phase(run, "kafka_group_resend", kafka_group_resend)
        phase(run, "kafka_group_protocols", kafka_group_protocols)
        phase(run, "kafka_authz_denials", kafka_authorized_denials)
        phase(run, "kafka_authz_fuzz", kafka_authorized_fuzz)
        phase(run, "http_control_numbers", http_control_numbers)
        phase(run, "http_control_policies", http_control_policies)
        held, opened_at = http_slowloris_open(run)
        try:
            # Everything else on the HTTP port runs while the slowloris connections are held.
            check_serving(run, "http_slowloris (Kafka while held)")
            status, _ = http_call(run, "GET", "/control/counters")
            run.expect(status == 200, "http_slowloris", f"GET /control/counters while 200 slowloris connections are held: HTTP {status}")
            phase(run, "http_sts", http_sts)
            phase(run, "http_imds", http_imds)
        finally:
            phase(run, "http_slowloris", lambda r: http_slowloris_finish(r, held, opened_at))
        final_checks(run)
    except Aborted:
        pass
    except Overran as error:
        run.fail("overall", str(error))
    except Exception as error:  # a bug here, or an answer no check foresaw: report, don't vanish
        traceback.print_exc()
        run.fail("internal", f"the script stopped on {type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        sampler.stopped.set()
        sampler.join()

    rss_after, hwm = rss_mib(run.pid)
    if rss_after is not None:
        run.expect(rss_after - rss_before <= RSS_GROWTH_LIMIT_MIB, "rss",
                   f"RSS grew from {rss_before:.1f} MiB to {rss_after:.1f} MiB (limit +{RSS_GROWTH_LIMIT_MIB} MiB)")
    report = {
        "counts": run.counts,
        "rss_mib": {"before": round(rss_before, 1), "peak": round(max(sampler.peak, rss_before), 1),
                    "after": None if rss_after is None else round(rss_after, 1), "high_water_mark": None if hwm is None else round(hwm, 1)},
        "phases": run.phase_rss,
        "observations": run.observations,
        "skipped": run.skipped,
        "elapsed_seconds": round(time.monotonic() - started, 1),
        "failure_count": len(run.failures),
        "failures": run.failures[:200],
    }
    print(json.dumps(report))
    if run.failures:
        print(f"hostile_inputs.py: {len(run.failures)} check(s) failed:", file=sys.stderr)
        shown = {}
        for failure in run.failures:
            surface = failure.split("]", 1)[0]
            shown[surface] = shown.get(surface, 0) + 1
            if shown[surface] <= 20:
                print("  " + failure, file=sys.stderr)
        for surface, total in shown.items():
            if total > 20:
                print(f"  {surface}] ... and {total - 20} more", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
