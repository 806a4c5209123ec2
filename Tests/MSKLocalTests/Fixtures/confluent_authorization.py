"""confluent-kafka (librdkafka 2.16) against msk-local's IAM authorization, with tokens from
AWS's official MSK signer for a role msk-local's STS hands out.

    python3 confluent_authorization.py '<msk-local JSON line>' ROLE_ARN produce TOPIC
    python3 confluent_authorization.py '<msk-local JSON line>' ROLE_ARN consume TOPIC[,TOPIC...] EXPECTED SECONDS

produce: an idempotent producer sends one message to TOPIC; reports how it ended (delivered,
a delivery error, or a fatal error) and how many seconds it took.
consume: a consumer group subscribed to the topics reads until EXPECTED messages came or
SECONDS passed; reports the messages read per topic and the errors seen.
Prints one JSON object.
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


def token_source(endpoints, role_arn):
    sts = boto3.client("sts", region_name=endpoints["region"], endpoint_url=endpoints["sts_url"],
                       aws_access_key_id=endpoints["access_key_id"], aws_secret_access_key=endpoints["secret_access_key"])

    def source(_config):
        assumed = sts.assume_role(RoleArn=role_arn, RoleSessionName="confluent-authz")["Credentials"]
        provider = StaticProvider(Credentials(assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"]))
        token, token_end_ms = MSKAuthTokenProvider.generate_auth_token_from_credentials_provider(endpoints["region"], provider)
        return token, min(token_end_ms / 1000, assumed["Expiration"].timestamp())
    return source


def common(endpoints, role_arn):
    return {
        "bootstrap.servers": endpoints["bootstrap_servers"],
        "security.protocol": endpoints["security_protocol"],
        "sasl.mechanisms": "OAUTHBEARER",
        "oauth_cb": token_source(endpoints, role_arn),
    }


def produce(endpoints, role_arn, topic):
    report = {"errors": [], "fatal": None, "delivered": 0, "failed": []}
    producer = Producer({**common(endpoints, role_arn), "enable.idempotence": True, "message.timeout.ms": 30000,
                         "error_cb": lambda error: report["errors"].append(str(error))})

    def on_delivery(error, _message):
        if error:
            report["failed"].append(error.name())
        else:
            report["delivered"] += 1

    start = time.monotonic()
    try:
        producer.produce(topic, value=b"one", on_delivery=on_delivery)
        # Until the message is settled or a fatal error says it never will be.
        while report["delivered"] + len(report["failed"]) < 1 and time.monotonic() - start < 40:
            producer.poll(0.1)
            if any("fatal" in e.lower() for e in report["errors"]):
                break
    except KafkaException as error:
        # A fatal error surfaces as an exception from produce() or poll() (librdkafka 2.16).
        report["errors"].append(f"FATAL {error.args[0]}")
        try:
            producer.poll(0.5)  # the error callback says why
        except KafkaException as reason:
            report["errors"].append(f"FATAL {reason.args[0]}")
    report["seconds"] = round(time.monotonic() - start, 2)
    fatal = [e for e in report["errors"] if "fatal" in e.lower()]
    report["fatal"] = " / ".join(fatal) if fatal else None
    return report


def consume(endpoints, role_arn, topics, expected, seconds):
    report = {"errors": [], "read": {}}
    consumer = Consumer({**common(endpoints, role_arn), "group.id": f"authz-{uuid.uuid4().hex[:8]}", "auto.offset.reset": "earliest",
                         "error_cb": lambda error: report["errors"].append(str(error))})
    consumer.subscribe(topics)
    deadline = time.monotonic() + seconds
    total = 0
    while total < expected and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            report["errors"].append(f"{message.topic()}: {message.error().name()}")
            continue
        report["read"][message.topic()] = report["read"].get(message.topic(), 0) + 1
        total += 1
    consumer.close()
    report["errors"] = sorted(set(report["errors"]))[:10]
    return report


def main():
    endpoints, role_arn, mode = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
    if mode == "produce":
        print(json.dumps(produce(endpoints, role_arn, sys.argv[4])))
    else:
        print(json.dumps(consume(endpoints, role_arn, sys.argv[4].split(","), int(sys.argv[5]), float(sys.argv[6]))))


if __name__ == "__main__":
    main()
