#!/usr/bin/env bash
# The one command that runs the main job: the PolicyService with its embedded defaults (MQTTnet broker
# in-process on 127.0.0.1:1883, SQLite in server/PolicyService/data, gRPC on http://127.0.0.1:5080 over
# HTTP/2, JSON on http://127.0.0.1:5081) and what it needs: InfluxDB for telemetry on 127.0.0.1:8086
# (started here unless one already answers there). Debian's InfluxDB 1.6 lacks /api/v2/write, so the
# small shim of tools/influxshim serves it on 127.0.0.1:8087; with InfluxDB 1.8+ no shim runs.
# Extra arguments go to the service as configuration, e.g. scripts/run-service.sh --Broker:Port=11883
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prerequisites.sh service

data="$PWD/server/PolicyService/data"
influx_dir="$data/influxdb"
mkdir -p "$influx_dir"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

if ! curl -sf http://127.0.0.1:8086/ping >/dev/null 2>&1; then
  cat > "$influx_dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:8088"
[meta]
  dir = "$influx_dir/meta"
[data]
  dir = "$influx_dir/data"
  wal-dir = "$influx_dir/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:8086"
  log-enabled = false
[monitor]
  store-enabled = false
CONF
  influxd -config "$influx_dir/influxdb.conf" > "$influx_dir/influxd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 60); do curl -sf http://127.0.0.1:8086/ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
curl -sf -XPOST http://127.0.0.1:8086/query --data-urlencode 'q=CREATE DATABASE smartterminal' >/dev/null

influx_url=http://127.0.0.1:8086
version=$(influxd version 2>/dev/null | sed -n 's/^InfluxDB v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
if [ -n "$version" ] && [ "${version% *}" -eq 1 ] && [ "${version#* }" -lt 8 ]; then
  dotnet build tools/influxshim/SmartTerminal.InfluxShim -c Release -nologo -v:q >/dev/null
  dotnet tools/influxshim/SmartTerminal.InfluxShim/bin/Release/net10.0/SmartTerminal.InfluxShim.dll --listen 8087 --influx http://127.0.0.1:8086 &
  pids+=($!)
  influx_url=http://127.0.0.1:8087
fi

# The service runs in the background and the script waits for it, so that Ctrl-C or a SIGTERM to the
# script reaches the trap at once and stops the service, the shim and InfluxDB together.
dotnet build server/PolicyService -c Release -nologo -v:q
(cd server/PolicyService && exec dotnet bin/Release/net10.0/SmartTerminal.PolicyService.dll \
  --Influx:Url="$influx_url" --Influx:Token=smartterminal:smartterminal --Influx:Bucket=smartterminal/autogen "$@") &
service=$!
pids=("$service" "${pids[@]}")
trap 'exit 130' INT TERM
wait "$service"
