#!/usr/bin/env bash
# The example service (Examples/OrderService) run for real: msk-local (IAM gateway over TLS,
# ECS credentials of 12 s, so they rotate every ~6 s), the service configured from msk-local's
# env file as a service on AWS is (.msk preset, default credential chain), 3,000 POST /orders
# at 200 a second from 16 clients while msk-local drops every connection every 5 s (its
# control API), then every accepted order read back with kcat over the raw listener and
# /metrics checked for the deliveries. Exits non-zero on any HTTP error, any accepted order not
# read back, deliveries missing from /metrics, or a run that met no drop or no rotation.
#   ./scripts/example-service.sh [--requests 3000] [--rate 200] [--concurrency 16] [--out .build/example-service]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=3000 rate=200 concurrency=16 out=.build/example-service
while [ $# -gt 0 ]; do
    case "$1" in
        --requests) requests=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --concurrency) concurrency=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
rm -rf "$out" && mkdir -p "$out"

swift build --product msk-local
msk_local="$(swift build --show-bin-path)/msk-local"
# Its own package (the library's graph stays without an HTTP server), built in the library's
# build folder: the dependencies both share (swift-crypto's BoringSSL, NIO, the library itself)
# are then compiled once. A first build took 12.7 min in a folder of its own on the 2-core
# machine, 3.7 min here after the library's; the library's next build re-resolves in under a minute.
# The folder's build description is the last graph's: SwiftPM reused it for the other package and
# failed with "No target named 'OrderService-…'", so it is removed on each switch and planned anew.
rm -f .build/debug.yaml .build/debug/description.json
swift build --package-path Examples/OrderService --scratch-path .build --product OrderService
service="$(swift build --package-path Examples/OrderService --scratch-path .build --show-bin-path)/OrderService"
rm -f .build/debug.yaml .build/debug/description.json

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$msk_local" --tls --topics orders:6 --instance-credential-lifetime 12 --env-file "$out/msk-local.env" \
    >"$out/msk-local.json" 2>"$out/msk-local.log" &
pids+=($!)
for _ in $(seq 1 300); do [ -s "$out/msk-local.env" ] && grep -q CONTROL_URL "$out/msk-local.env" && break; sleep 0.1; done
[ -s "$out/msk-local.env" ] || { echo "msk-local did not start:" >&2; cat "$out/msk-local.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$out/msk-local.env"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MSK_BOOTSTRAP_SERVERS="$MSK_LOCAL_BOOTSTRAP_SERVERS" MSK_CA_FILE="$MSK_LOCAL_CA_FILE" PORT="$port" ORDERS_TOPIC=orders \
    STATISTICS_INTERVAL_MS=1000 "$service" >"$out/service.log" 2>&1 &
service_pid=$!
pids+=($service_pid)
url="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -fs "$url/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$url/health" >/dev/null || { echo "the service did not start:" >&2; cat "$out/service.log" >&2; exit 1; }

# A traced request: its traceparent must come back in the stored message's headers, same trace.
trace_id=4bf92f3577b34da6a3ce929d0e0e4736
curl -fs -X POST "$url/orders" -H 'Content-Type: application/json' -H "traceparent: 00-$trace_id-00f067aa0ba902b7-01" \
    -d '{"id":"traced-order","customer":"c","amount":1}' >"$out/traced.json"

python3 scripts/example_load.py --url "$url" --requests "$requests" --rate "$rate" --concurrency "$concurrency" \
    --control-url "$MSK_LOCAL_CONTROL_URL" --accepted "$out/accepted.jsonl" | tee "$out/load.json"
sleep 2   # one more statistics interval, so the gauges show the end of the run
curl -fs "$url/metrics" >"$out/metrics.txt"
curl -fs "$MSK_LOCAL_CONTROL_URL/counters" >"$out/msk-local-counters.json"

# Graceful shutdown: the server stops, the producer flushes; the service must exit 0.
kill -TERM "$service_pid"
service_status=0
wait "$service_pid" || service_status=$?

kcat -C -b "$MSK_LOCAL_RAW_BOOTSTRAP_SERVERS" -t orders -o beginning -e -q -f '%p|%o|%k|%h\n' >"$out/read.txt"

python3 - "$out" "$requests" "$service_status" "$trace_id" <<'PY'
import json, re, sys
out, requests, service_status, trace_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
load = json.load(open(f"{out}/load.json"))
accepted = [json.loads(line) for line in open(f"{out}/accepted.jsonl")]
stored = {}
for line in open(f"{out}/read.txt"):
    partition, offset, key, headers = line.rstrip("\n").split("|", 3)
    stored[(int(partition), int(offset))] = (key, headers)
unread = [a for a in accepted if stored.get((a["partition"], a["offset"]), ("",))[0] != a["id"]]
traced = json.load(open(f"{out}/traced.json"))
traced_headers = stored.get((traced["partition"], traced["offset"]), ("", ""))[1]
metrics = open(f"{out}/metrics.txt").read()

def metric(name):
    return sum(float(m) for m in re.findall(rf'^{name}{{[^}}]*client_id="order-service"[^}}]*}} (\S+)$', metrics, re.M))

def spans(kind):
    return sum(float(m) for m in re.findall(rf'^order_service_spans_finished_total{{kind="{kind}"}} (\S+)$', metrics, re.M))

counters = json.load(open(f"{out}/msk-local-counters.json"))
delivered, reconnects = metric("msk_kafka_delivered_total"), metric("msk_kafka_reconnects_total")
credential_refreshes, token_refreshes = metric("msk_kafka_credential_refreshes_total"), metric("msk_kafka_token_refreshes_total")
brokers_gauge = len(re.findall(r'^msk_kafka_broker_connects\{', metrics, re.M))
print(f"requests {requests}, accepted {len(accepted)}, HTTP errors {load['errors'] or 0}, "
      f"{load['requests_per_second']} req/s, HTTP latency p50 {load['latency_ms']['p50']} ms, p99 {load['latency_ms']['p99']} ms, max {load['latency_ms']['max']} ms")
print(f"read back {len(accepted) - len(unread)} of {len(accepted)} accepted ({len(stored)} messages in the topic); "
      f"/metrics: delivered {delivered:.0f}, reconnects {reconnects:.0f}, credential refreshes {credential_refreshes:.0f}, "
      f"token refreshes {token_refreshes:.0f}, broker gauges {brokers_gauge}, producer spans {spans('producer'):.0f}")
print(f"msk-local: drops requested {load['drops_requested']}, connections dropped {counters['connectionsDropped']}, "
      f"authentications {counters['authenticationsSucceeded']} (failed {counters['authenticationsFailed']}), sessions ended by expiry {counters['sessionsExpired']}, "
      f"ECS credential requests {counters['ecsCredentialRequests']}, distinct access keys {counters['distinctAccessKeys']}")
failures = []
if load["errors"]: failures.append(f"HTTP errors: {load['errors']}")
if len(accepted) != requests: failures.append(f"{requests - len(accepted)} requests not accepted")
if unread: failures.append(f"{len(unread)} accepted orders not read back, e.g. {unread[:3]}")
if delivered < len(accepted) + 1: failures.append(f"/metrics shows {delivered:.0f} deliveries for {len(accepted) + 1} accepted")
if brokers_gauge == 0: failures.append("/metrics shows no librdkafka broker gauges")
if f"traceparent=00-{trace_id}-" not in traced_headers: failures.append(f"the traced order's headers lack its trace: {traced_headers!r}")
if counters["connectionsDropped"] == 0: failures.append("msk-local dropped no connection: the run proves nothing about reconnects")
if counters["distinctAccessKeys"] < 2: failures.append("the credentials never rotated during the run")
if service_status != 0: failures.append(f"the service exited {service_status} on SIGTERM")
for failure in failures: print("FAILED:", failure)
sys.exit(1 if failures else 0)
PY
