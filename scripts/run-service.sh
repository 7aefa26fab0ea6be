#!/usr/bin/env bash
# The one command that runs the main job: the PolicyService with its embedded defaults (MQTTnet broker
# in-process, SQLite in the data directory, gRPC over HTTP/2 and JSON over HTTP/1.1) and what it needs:
# InfluxDB for telemetry (started here unless one already answers on its port). Debian's InfluxDB 1.6
# lacks /api/v2/write, so the small shim of tools/influxshim serves it; with InfluxDB 1.8+ no shim runs.
#
# Ports and folders, all changeable through the environment (defaults in brackets):
#   ST_GRPC_PORT [5080]  ST_HTTP_PORT [5081]  ST_MQTT_PORT [1883]  ST_CONSOLE_PORT [5082] (the web console)
#   ST_INFLUX_PORT [8086]  ST_INFLUX_RPC_PORT [8088] (InfluxDB's backup port)  ST_SHIM_PORT [8087]
#   ST_DATA_DIR [server/PolicyService/data] (SQLite, keys, InfluxDB's files; ignored by git)
# Extra arguments go to the service as configuration, e.g. scripts/run-service.sh --Compliance:MinimumGroupSize=2
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prerequisites.sh service

grpc_port=${ST_GRPC_PORT:-5080}
http_port=${ST_HTTP_PORT:-5081}
mqtt_port=${ST_MQTT_PORT:-1883}
console_port=${ST_CONSOLE_PORT:-5082}
influx_port=${ST_INFLUX_PORT:-8086}
influx_rpc_port=${ST_INFLUX_RPC_PORT:-8088}
shim_port=${ST_SHIM_PORT:-8087}
data=$(mkdir -p "${ST_DATA_DIR:-server/PolicyService/data}" && cd "${ST_DATA_DIR:-server/PolicyService/data}" && pwd)
chmod 700 "$data"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

source scripts/influxdb.sh
start_influxdb "$data/influxdb" "$influx_port" "$influx_rpc_port" "$shim_port"

# The service runs in the background and the script waits for it, so that Ctrl-C or a SIGTERM to the
# script reaches the trap at once and stops the service, the shim and InfluxDB together.
dotnet build server/PolicyService -c Release -nologo -v:q
dotnet build server/SmartTerminal.Console -c Release -nologo -v:q
echo "SmartTerminal: gRPC http://127.0.0.1:$grpc_port, JSON http://127.0.0.1:$http_port, MQTT 127.0.0.1:$mqtt_port, data $data"
echo "SmartTerminal console: http://127.0.0.1:$console_port (sign in with a token from scripts/token.sh)"
(cd server/PolicyService && exec dotnet bin/Release/net10.0/SmartTerminal.PolicyService.dll \
  --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$grpc_port" --Kestrel:Endpoints:Rest:Url="http://127.0.0.1:$http_port" \
  --Broker:Port="$mqtt_port" --PolicyService:DataDirectory="$data" \
  --Influx:Url="$influx_url" --Influx:Token=smartterminal:smartterminal --Influx:Bucket=smartterminal/autogen "$@") &
service=$!
# The console is a client of the service's gRPC API (the user's own token on every call); its cookie keys
# live in the data directory too.
(cd server/SmartTerminal.Console && exec dotnet bin/Release/net10.0/SmartTerminal.Console.dll \
  --Kestrel:Endpoints:Http:Url="http://127.0.0.1:$console_port" --Console:PolicyServiceUrl="http://127.0.0.1:$grpc_port" \
  --Console:DataDirectory="$data/console") &
console=$!
pids=("$service" "$console" "${pids[@]}")
trap 'exit 130' INT TERM
wait "$service"
