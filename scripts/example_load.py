#!/usr/bin/env python3
"""Load for scripts/example-service.sh: POSTs orders to the example service from a pool of
threads while asking msk-local (its control API) to drop every client connection at an
interval. Writes one JSON line per accepted order (id, topic, partition, offset) and prints a
JSON summary: requests, errors by status, HTTP latency percentiles, drops requested.
Standard library only, so CI needs nothing beyond python3."""
import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=0, help="requests per second in all (0: as fast as the pool goes)")
    parser.add_argument("--control-url", help="msk-local's control_url (ends in /control)")
    parser.add_argument("--drop-every", type=float, default=5, help="seconds between dropped connections (0: none)")
    parser.add_argument("--accepted", required=True, help="file for the accepted orders, one JSON line each")
    arguments = parser.parse_args()

    target = urllib.parse.urlsplit(arguments.url)
    latencies, errors, accepted = [], {}, []
    lock = threading.Lock()
    local = threading.local()
    done = threading.Event()
    drops = [0]

    def connection():
        # One keep-alive connection per thread, as a real client pool would hold.
        if getattr(local, "connection", None) is None:
            local.connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        return local.connection

    def send(index):
        if arguments.rate > 0:
            # Paced: request i goes at start + i / rate, so that a run spans the credential
            # rotations and connection drops it is meant to meet, as a service's steady traffic does.
            delay = started + index / arguments.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        order = {"id": f"order-{index:06d}", "customer": f"customer-{index % 97}", "amount": round(10 + index * 0.37, 2)}
        body = json.dumps(order)
        sent = time.perf_counter()
        try:
            client = connection()
            client.request("POST", "/orders", body=body, headers={"Content-Type": "application/json"})
            response = client.getresponse()
            payload = response.read()
            status = response.status
        except Exception as error:  # a refused or reset HTTP connection counts as an error
            local.connection = None
            status, payload = f"exception:{type(error).__name__}", b""
        elapsed = time.perf_counter() - sent
        with lock:
            latencies.append(elapsed)
            if status == 202:
                answer = json.loads(payload)
                if answer.get("id") != order["id"]:
                    errors["wrong-id"] = errors.get("wrong-id", 0) + 1
                accepted.append(answer)
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1

    def dropper():
        while not done.wait(arguments.drop_every):
            request = urllib.request.Request(arguments.control_url.rstrip("/") + "/drop-connections", method="POST", data=b"")
            try:
                urllib.request.urlopen(request, timeout=5).read()
                drops[0] += 1
            except Exception as error:
                print(f"drop-connections failed: {error}", file=sys.stderr)

    faults = None
    if arguments.control_url and arguments.drop_every > 0:
        faults = threading.Thread(target=dropper, daemon=True)
        faults.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=arguments.concurrency) as pool:
        list(pool.map(send, range(arguments.requests)))
    wall = time.perf_counter() - started
    done.set()
    if faults:
        faults.join()

    with open(arguments.accepted, "w") as file:
        for answer in accepted:
            file.write(json.dumps(answer) + "\n")
    ordered = sorted(latencies)

    def percentile(p):
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0

    print(json.dumps({
        "requests": arguments.requests, "accepted": len(accepted), "errors": errors,
        "seconds": round(wall, 2), "requests_per_second": round(arguments.requests / wall, 1),
        "latency_ms": {"p50": round(percentile(0.50), 2), "p99": round(percentile(0.99), 2), "max": round(ordered[-1] * 1000, 2) if ordered else 0},
        "drops_requested": drops[0],
    }))


if __name__ == "__main__":
    main()
