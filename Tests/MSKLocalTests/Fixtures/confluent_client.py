"""confluent-kafka (librdkafka 2.16, with KIP-368 re-authentication) against msk-local, as a
Python service on MSK would run it: OAUTHBEARER tokens from AWS's official MSK signer, signed
with credentials msk-local's STS issues (boto3 AssumeRole), an idempotent producer, and a
consumer in a group — all through the gateway.

    python3 confluent_client.py '<msk-local JSON line>' TOPIC MESSAGES SECONDS

Produces MESSAGES messages spread over SECONDS (so that the connections live through several
sessions), then reads them back with a consumer group. Each token's lifetime, as told to
librdkafka, is min(token end, credential expiration): the official signer alone would claim
900 s whatever the credentials (DESIGN.md §5). Prints one JSON object.
"""
import json
import sys
import time
import uuid

import boto3
from aws_msk_iam_sasl_signer import MSKAuthTokenProvider
from botocore.credentials import Credentials
from confluent_kafka import Consumer, KafkaException, Producer

from static_credentials import StaticProvider


class TokenSource:
    """Fresh role credentials from msk-local's STS for every token, as a credential cache
    near its expiry would have."""

    def __init__(self, endpoints):
        self.endpoints = endpoints
        self.sts = boto3.client("sts", region_name=endpoints["region"], endpoint_url=endpoints["sts_url"],
                                aws_access_key_id=endpoints["access_key_id"], aws_secret_access_key=endpoints["secret_access_key"])
        self.tokens = 0

    def __call__(self, _config):
        assumed = self.sts.assume_role(RoleArn=self.endpoints["role_arns"][0], RoleSessionName="confluent-client")["Credentials"]
        provider = StaticProvider(Credentials(assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"]))
        token, token_end_ms = MSKAuthTokenProvider.generate_auth_token_from_credentials_provider(self.endpoints["region"], provider)
        end_seconds = min(token_end_ms / 1000, assumed["Expiration"].timestamp())
        self.tokens += 1
        return token, end_seconds


def common(endpoints, source):
    return {
        "bootstrap.servers": endpoints["bootstrap_servers"],
        "security.protocol": endpoints["security_protocol"],
        "sasl.mechanisms": "OAUTHBEARER",
        "oauth_cb": source,
        "reconnect.backoff.ms": 1000,
        "reconnect.backoff.max.ms": 5000,
    }


def main():
    endpoints = json.loads(sys.argv[1])
    topic, count, seconds = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    report = {"errors": []}
    source = TokenSource(endpoints)

    producer = Producer({**common(endpoints, source), "enable.idempotence": True, "linger.ms": 5,
                         "error_cb": lambda error: report["errors"].append(f"producer: {error}")})
    delivered, failed = [], []

    def on_delivery(error, message):
        (failed if error else delivered).append(str(error) if error else message.value().decode())

    start = time.monotonic()
    for index in range(count):
        producer.produce(topic, key=f"k{index % 10}", value=f"m{index}", on_delivery=on_delivery)
        producer.poll(0)
        due = start + seconds * (index + 1) / count
        while time.monotonic() < due:
            producer.poll(0.05)
    producer.flush(60)
    report["delivered"] = len(delivered)
    report["failed"] = failed[:5]
    report["produce_seconds"] = round(time.monotonic() - start, 1)

    consumer = Consumer({**common(endpoints, source), "group.id": f"confluent-{uuid.uuid4().hex[:8]}", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "error_cb": lambda error: report["errors"].append(f"consumer: {error}")})
    consumer.subscribe([topic])
    read = set()
    deadline = time.monotonic() + 60
    while len(read) < count and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        if message.error():
            report["errors"].append(f"consume: {message.error()}")
            continue
        read.add(message.value().decode())
    try:
        consumer.commit(asynchronous=False)
        report["committed"] = True
    except KafkaException as error:
        report["committed"] = str(error)
    consumer.close()
    report["consumed_unique"] = len(read)
    report["tokens"] = source.tokens
    print(json.dumps(report))


if __name__ == "__main__":
    main()
