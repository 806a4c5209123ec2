#!/usr/bin/env python3
"""Prints MSK IAM tokens made by AWS's official signer (aws-msk-iam-sasl-signer-python) with a
frozen clock, so the Swift tests can compare ours against it byte for byte.

Input on stdin: a JSON list of cases
  {"region", "access_key_id", "secret_access_key", "session_token" (or null), "signing_time" (ISO 8601 Z)}
Output on stdout: a JSON list of {"token", "expiration_ms"} in the same order.
"""
import json
import sys
from datetime import datetime, timezone
from unittest import mock

import botocore.auth
from botocore.credentials import Credentials
from aws_msk_iam_sasl_signer import MSKAuthTokenProvider as official


def sign(case):
    when = datetime.strptime(case["signing_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    credentials = Credentials(case["access_key_id"], case["secret_access_key"], case.get("session_token"))
    construct = getattr(official, "__construct_auth_token")
    # botocore reads the signing time through this one function; freezing it freezes the token.
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        token, expiration_ms = construct(case["region"], credentials)
    return {"token": token, "expiration_ms": expiration_ms}


if __name__ == "__main__":
    json.dump([sign(case) for case in json.load(sys.stdin)], sys.stdout)
