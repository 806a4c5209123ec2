#!/usr/bin/env python3
"""A scriptable stand-in for the AWS endpoints credential providers talk to — IMDSv2, the
container credentials endpoint and STS — on 127.0.0.1, for the Swift tests.

Prints its port on the first line of stdout. Each endpoint ("imds", "ecs", "sts") has a mode,
set with POST /__mode {"imds": "ok", ...}:
  ok | garbage | status:<code> | throttle | access_denied | slow:<seconds> | expired |
  missing:<Field> | code:<NotSuccess> | error:<status>:<Code> (STS only: an STS error document)
  GetCallerIdentity also: huge (a 2 MiB answer) | field:<Field>:<value> (one field replaced)
GET /__requests returns every request received (method, path, headers, body).
"""
import json
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

modes = {"imds": "ok", "ecs": "ok", "sts": "ok"}
requests = []
lock = threading.Lock()
counter = [0]

IMDS_TOKEN = "imds-session-token"
ROLE = "stub-instance-role"


def iso(delta_seconds):
    return (datetime.now(timezone.utc) + timedelta(seconds=delta_seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def credentials_document(mode):
    with lock:
        counter[0] += 1
        n = counter[0]
    doc = {"Code": "Success", "AccessKeyId": f"ASIASTUB{n:04d}", "SecretAccessKey": f"stub-secret-{n}",
           "Token": f"stub-session-token-{n}", "Expiration": iso(-60 if mode == "expired" else 3600)}
    if mode.startswith("missing:"):
        doc.pop(mode.split(":", 1)[1], None)
    if mode.startswith("code:"):
        doc["Code"] = mode.split(":", 1)[1]
    return doc


def sts_success(action, mode):
    doc = credentials_document(mode)
    fields = {"AccessKeyId": doc.get("AccessKeyId"), "SecretAccessKey": doc.get("SecretAccessKey"),
              "SessionToken": doc.get("Token"), "Expiration": doc.get("Expiration")}
    if mode.startswith("missing:"):
        fields.pop(mode.split(":", 1)[1], None)
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if v is not None)
    return (f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><{action}Result>'
            f"<Credentials>{inner}</Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/stub/s</Arn>"
            f"<AssumedRoleId>AROASTUB:s</AssumedRoleId></AssumedRoleUser></{action}Result>"
            f"<ResponseMetadata><RequestId>req-ok</RequestId></ResponseMetadata></{action}Response>")


def caller_identity(mode):
    fields = {"Arn": "arn:aws:sts::123456789012:assumed-role/stub/s", "UserId": "AROASTUB:s", "Account": "123456789012"}
    if mode.startswith("missing:"):
        fields.pop(mode.split(":", 1)[1], None)
    if mode.startswith("field:"):
        _, name, value = mode.split(":", 2)
        fields[name] = value
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    if mode == "huge":
        inner += "<Padding>" + "x" * (2 << 20) + "</Padding>"
    return (f'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>{inner}'
            f"</GetCallerIdentityResult><ResponseMetadata><RequestId>req-id</RequestId></ResponseMetadata></GetCallerIdentityResponse>")


def sts_error(code, message):
    return (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>req-err-1</RequestId></ErrorResponse>")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if self.path == "/__mode":
            with lock:
                modes.update(json.loads(body))
            return self.reply(200, "ok")
        if self.path == "/__requests":
            with lock:
                return self.reply(200, json.dumps(requests), "application/json")
        with lock:
            requests.append({"method": self.command, "path": self.path,
                             "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        scope = "imds" if self.path.startswith("/latest/") else "ecs" if self.path.startswith("/ecs/") else "sts"
        mode = modes[scope]
        if mode.startswith("slow:"):
            time.sleep(float(mode.split(":", 1)[1]))
            mode = "ok"
        if mode.startswith("status:"):
            return self.reply(int(mode.split(":", 1)[1]), "error")
        if mode == "garbage":
            return self.reply(200, "<<<this is not what you expected{{{")
        if scope == "imds":
            return self.imds(mode)
        if scope == "ecs":
            return self.reply(200, json.dumps(credentials_document(mode)), "application/json")
        return self.sts(body, mode)

    def imds(self, mode):
        if self.path == "/latest/api/token":
            if self.command != "PUT" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400, "token TTL header required")
            return self.reply(200, IMDS_TOKEN)
        if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
            return self.reply(401, "unauthorized")
        if self.path == "/latest/meta-data/iam/security-credentials/":
            return self.reply(200, ROLE + "\n")
        if self.path == f"/latest/meta-data/iam/security-credentials/{ROLE}":
            return self.reply(200, json.dumps(credentials_document(mode)), "application/json")
        return self.reply(404, "not found")

    def sts(self, body, mode):
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        action = form.get("Action", "")
        if mode == "throttle":
            return self.reply(400, sts_error("Throttling", "Rate exceeded"), "text/xml")
        if mode == "access_denied":
            return self.reply(403, sts_error("AccessDenied", "User is not authorized to perform sts:AssumeRole"), "text/xml")
        if mode.startswith("error:"):
            _, status, code = mode.split(":", 2)
            return self.reply(int(status), sts_error(code, f"stub answer {code}"), "text/xml")
        if action in ("AssumeRole", "GetCallerIdentity") and "Authorization" not in self.headers:
            return self.reply(403, sts_error("MissingAuthenticationToken", "Request is missing Authentication Token"), "text/xml")
        if action == "AssumeRoleWithWebIdentity" and not form.get("WebIdentityToken"):
            return self.reply(400, sts_error("InvalidIdentityToken", "missing token"), "text/xml")
        if action == "GetCallerIdentity":
            return self.reply(200, caller_identity(mode), "text/xml")
        if action not in ("AssumeRole", "AssumeRoleWithWebIdentity"):
            return self.reply(400, sts_error("InvalidAction", f"unknown action {action}"), "text/xml")
        return self.reply(200, sts_success(action, mode), "text/xml")

    do_GET = do_PUT = do_POST = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
server.serve_forever()
