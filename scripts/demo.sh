#!/usr/bin/env bash
# The README's story as a test: starts a fresh service (scripts/run-service.sh, on free ports, with a
# throw-away data directory), runs exactly the sh blocks of README.md between <!-- walkthrough --> and
# <!-- /walkthrough --> with strict error checking, and checks what they must show. Exit 0 when it all held.
#   scripts/demo.sh             against the embedded default (scripts/run-service.sh)
#   scripts/demo.sh --cluster   the same walkthrough, unchanged, against scripts/run-cluster.sh (3 replicas
#                               behind nginx, Mosquitto with dynamic security, PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 9000))
    port_in_use "$port" || { echo "$port"; return; }
  done
}
# Six ports in a row for the replicas (BASE+0 .. BASE+5), all free, below the kernel's ephemeral range
# (32768 and up, which outgoing connections take at any moment: a replica once failed to bind there).
free_replica_base() {
  local base i
  while true; do
    base=$((29000 + (RANDOM % 180) * 20))
    for i in 0 1 2 3 4 5; do port_in_use $((base + i)) && continue 2; done
    echo "$base"; return
  done
}

scratch=$(mktemp -d)
export ST_DATA_DIR="$scratch/data" ST_GRPC_PORT=$(free_port) ST_HTTP_PORT=$(free_port) ST_MQTT_PORT=$(free_port)
export ST_INFLUX_PORT=$(free_port) ST_INFLUX_RPC_PORT=$(free_port) ST_SHIM_PORT=$(free_port)
export API="http://127.0.0.1:$ST_HTTP_PORT" MQTT="127.0.0.1:$ST_MQTT_PORT" WORK="$scratch/work"
mkdir -p "$WORK"

launcher=scripts/run-service.sh
if [ "${1:-}" = "--cluster" ]; then
  launcher=scripts/run-cluster.sh
  export ST_PG_PORT=$(free_port) ST_REPLICA_PORT_BASE=$(free_replica_base) ST_PG_DIR="$(mktemp -d /var/tmp/st-demo-pg-XXXXXX)"
fi
"$launcher" > "$scratch/service.log" 2>&1 &
service=$!
stop() {
  kill -TERM "$service" 2>/dev/null || true
  wait "$service" 2>/dev/null || true
  rm -rf "$scratch" "${ST_PG_DIR:-}"
}
trap stop EXIT

for _ in $(seq 1 360); do
  curl -sf "$API/healthz/ready" >/dev/null 2>&1 && break
  kill -0 "$service" 2>/dev/null || { echo "demo: the service did not start:"; cat "$scratch/service.log"; exit 1; }
  sleep 0.5
done
curl -sf "$API/" >/dev/null || { echo "demo: the service did not answer on $API"; cat "$scratch/service.log"; exit 1; }

awk '/<!-- walkthrough -->/{on=1} /<!-- \/walkthrough -->/{on=0} on' README.md |
  awk '/^```sh$/{code=1; next} /^```$/{code=0} code' > "$scratch/walkthrough.sh"
[ -s "$scratch/walkthrough.sh" ] || { echo "demo: no walkthrough found in README.md"; exit 1; }

echo "demo: running the README's walkthrough ($(grep -c '' "$scratch/walkthrough.sh") lines) against $API"
if ! bash -euo pipefail "$scratch/walkthrough.sh" 2>&1 | tee "$scratch/output.txt"; then
  echo "demo: the walkthrough failed; the service said:"
  tail -n 40 "$scratch/service.log"
  for log in "$ST_DATA_DIR"/engines/replica-*.log; do [ -f "$log" ] && { echo "== $log"; tail -n 20 "$log"; }; done
  exit 1
fi

failed=0
expect() {
  if grep -Eq "$1" "$scratch/output.txt"; then echo "demo: ok: $2"; else echo "demo: MISSING: $2 (/$1/)"; failed=1; fi
}
expect '^registered st-[0-9a-f]+, box pairing code [0-9A-Z]{10}$' "five units registered with their box codes"
expect 'as owner: true' "each family's first guardian is the owner"
expect 'exceeds the hard limit' "a limit beyond the profile is refused naming the bound"
expect 'refused DailyBudget' "the watches stop at the daily budget"
expect 'category 4: [0-9.]+ min' "the parent sees the day's reading"
expect '^band [0-9]+ category 4: 5 devices' "the compliance report is not empty"
expect '^[1-9][0-9]* rows, sha256 [0-9a-f]{64}$' "the export has rows and its hash"
expect 'audit log intact: true' "the audit log verifies against a kept checkpoint"
[ "$(grep -c '' "$WORK/usage.csv")" -gt 1 ] || { echo "demo: MISSING: rows in the CSV"; failed=1; }
exit $failed
