"""aiokafka (a pure-Python Kafka client, its own protocol code) against msk-local: OAUTHBEARER
tokens from AWS's official MSK signer with credentials msk-local's STS issues, a producer, then
a consumer in a group reading everything back — all through the gateway.

    python3 aiokafka_client.py '<msk-local JSON line>' TOPIC MESSAGES

Prints one JSON object.
"""
import asyncio
import json
import sys
import uuid

import boto3
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.abc import AbstractTokenProvider
from aws_msk_iam_sasl_signer import MSKAuthTokenProvider
from botocore.credentials import Credentials

from static_credentials import StaticProvider


class TokenProvider(AbstractTokenProvider):
    def __init__(self, endpoints):
        self.endpoints = endpoints
        self.sts = boto3.client("sts", region_name=endpoints["region"], endpoint_url=endpoints["sts_url"],
                                aws_access_key_id=endpoints["access_key_id"], aws_secret_access_key=endpoints["secret_access_key"])
        self.tokens = 0

    async def token(self):
        assumed = self.sts.assume_role(RoleArn=self.endpoints["role_arns"][0], RoleSessionName="aiokafka-client")["Credentials"]
        provider = StaticProvider(Credentials(assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"]))
        token, _ = MSKAuthTokenProvider.generate_auth_token_from_credentials_provider(self.endpoints["region"], provider)
        self.tokens += 1
        return token


async def main():
    endpoints = json.loads(sys.argv[1])
    topic, count = sys.argv[2], int(sys.argv[3])
    tokens = TokenProvider(endpoints)
    common = {"bootstrap_servers": endpoints["bootstrap_servers"].split(","), "security_protocol": endpoints["security_protocol"],
              "sasl_mechanism": "OAUTHBEARER", "sasl_oauth_token_provider": tokens}
    report = {}
    producer = AIOKafkaProducer(**common)
    await producer.start()
    try:
        sent = [await producer.send(topic, key=f"k{index % 5}".encode(), value=f"m{index}".encode()) for index in range(count)]
        stored = [await future for future in sent]
        report["delivered"] = len(stored)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(topic, group_id=f"aiokafka-{uuid.uuid4().hex[:8]}", auto_offset_reset="earliest", **common)
    await consumer.start()
    read = set()
    try:
        async def read_all():
            async for message in consumer:
                read.add(message.value.decode())
                if len(read) == count:
                    return
        await asyncio.wait_for(read_all(), timeout=60)
    finally:
        await consumer.stop()
    report["consumed_unique"] = len(read)
    report["tokens"] = tokens.tokens
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main())
