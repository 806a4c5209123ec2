"""AWS's own clients against msk-local: boto3's STS client (botocore's SigV4 signer) and the
official MSK IAM signer (aws-msk-iam-sasl-signer-python), whose token is sent to the gateway
over a raw Kafka connection.

    python3 official_clients.py '<msk-local JSON line>'

Prints one JSON object with what each step got.
"""
import json
import os
import sys

import boto3
import botocore
from aws_msk_iam_sasl_signer import MSKAuthTokenProvider
from botocore.credentials import Credentials

sys.path.insert(0, os.path.dirname(__file__))
from kafka_sasl_client import Connection, authenticate, handshake  # noqa: E402
from static_credentials import StaticProvider  # noqa: E402


def sts_client(endpoints, key, secret, token=None):
    return boto3.client("sts", region_name=endpoints["region"], endpoint_url=endpoints["sts_url"],
                        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)


def main():
    endpoints = json.loads(sys.argv[1])
    report = {}
    source = sts_client(endpoints, endpoints["access_key_id"], endpoints["secret_access_key"])
    report["caller"] = source.get_caller_identity()["Arn"]
    assumed = source.assume_role(RoleArn=endpoints["role_arns"][0], RoleSessionName="official-clients")
    credentials = assumed["Credentials"]
    report["assumed_arn"] = assumed["AssumedRoleUser"]["Arn"]
    role = sts_client(endpoints, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    report["caller_as_role"] = role.get_caller_identity()["Arn"]
    try:
        sts_client(endpoints, endpoints["access_key_id"], "not-the-secret").get_caller_identity()
        report["wrong_secret"] = "accepted"
    except botocore.exceptions.ClientError as error:
        report["wrong_secret"] = error.response["Error"]["Code"]

    provider = StaticProvider(Credentials(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]))
    token, _expiry_ms = MSKAuthTokenProvider.generate_auth_token_from_credentials_provider(endpoints["region"], provider)
    host, port = endpoints["bootstrap_servers"].split(",")[0].rsplit(":", 1)
    connection = Connection(host, int(port))
    report["handshake"] = handshake(connection, "OAUTHBEARER")["error"]
    report["authenticate"] = authenticate(connection, token)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
