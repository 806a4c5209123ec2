#!/usr/bin/env python3
"""Signs requests with botocore (AWS's Python SDK core) at a frozen time, so the Swift tests can
compare our SigV4 signer against it.

Input on stdin: a JSON list of cases
  {"mode": "headers"|"presign", "method", "url", "headers": {..}, "body": str, "region", "service",
   "access_key_id", "secret_access_key", "session_token" (or null), "time" (ISO 8601 Z), "expires"}
Output: a JSON list of {"authorization": ...} (headers) or {"url": ...} (presign).
"""
import json
import sys
from datetime import datetime, timezone
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(case):
    when = datetime.strptime(case["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    credentials = Credentials(case["access_key_id"], case["secret_access_key"], case.get("session_token"))
    request = AWSRequest(method=case["method"], url=case["url"], data=case.get("body") or None,
                         headers=dict(case.get("headers") or {}))
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        if case["mode"] == "headers":
            botocore.auth.SigV4Auth(credentials, case["service"], case["region"]).add_auth(request)
            return {"authorization": request.headers["Authorization"]}
        botocore.auth.SigV4QueryAuth(credentials, case["service"], case["region"], expires=case["expires"]).add_auth(request)
        return {"url": request.url}


if __name__ == "__main__":
    json.dump([sign(case) for case in json.load(sys.stdin)], sys.stdout)
