#!/usr/bin/env bash
# The scale-out layout on one machine (docs/SCALING.md): PostgreSQL for state, Mosquitto with its
# dynamic-security plugin as the external MQTT broker, InfluxDB for telemetry, N PolicyService
# replicas (Broker:Mode=External) and nginx in front of their gRPC and JSON ports, all on loopback.
# Ctrl-C (or SIGTERM) stops everything.
#
# Ports and folders, all changeable through the environment (defaults in brackets):
#   ST_GRPC_PORT [5080] and ST_HTTP_PORT [5081]: nginx, in front of the replicas' gRPC and JSON ports
#   ST_MQTT_PORT [1883] Mosquitto   ST_PG_PORT [5433] PostgreSQL   ST_REPLICAS [3]
#   ST_REPLICA_PORT_BASE [5180]: replica i listens on BASE+2i (gRPC) and BASE+2i+1 (JSON)
#   ST_INFLUX_PORT [8086]  ST_INFLUX_RPC_PORT [8088]  ST_SHIM_PORT [8087]
#   ST_DATA_DIR [server/PolicyService/cluster-data]: the replicas' shared keys (scripts/token.sh reads
#     them from here too), and below it the engines' files (ignored by git)
#   ST_PG_DIR [/var/tmp/smartterminal-pg-<hash of ST_DATA_DIR>]: PostgreSQL's cluster (its own user must
#     reach it, and the data folder is owner-only)
# Extra arguments go to every replica as configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prerequisites.sh cluster

grpc_port=${ST_GRPC_PORT:-5080}
http_port=${ST_HTTP_PORT:-5081}
mqtt_port=${ST_MQTT_PORT:-1883}
pg_port=${ST_PG_PORT:-5433}
replicas=${ST_REPLICAS:-3}
replica_base=${ST_REPLICA_PORT_BASE:-5180}
influx_port=${ST_INFLUX_PORT:-8086}
influx_rpc_port=${ST_INFLUX_RPC_PORT:-8088}
shim_port=${ST_SHIM_PORT:-8087}
data=$(mkdir -p "${ST_DATA_DIR:-server/PolicyService/cluster-data}" && cd "${ST_DATA_DIR:-server/PolicyService/cluster-data}" && pwd)
chmod 700 "$data"
engines="$data/engines"
mkdir -p "$engines"
pids=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_dir=${ST_PG_DIR:-/var/tmp/smartterminal-pg-$(echo "$data" | md5sum | cut -c1-8)}
as_postgres=()
[ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -f "$pg_dir/data/postmaster.pid" ] && "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
wait_for() { # what, command...
  local what=$1; shift
  for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "run-cluster: $what did not come up" >&2; exit 1
}

# PostgreSQL: a cluster of its own in the data folder.
if [ ! -d "$pg_dir/data" ]; then
  mkdir -p "$pg_dir"
  chmod 700 "$pg_dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pg_dir"
  "${as_postgres[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 >/dev/null
fi
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
  -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pg_dir -c max_connections=200" start >/dev/null
"$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'smartterminal'" | grep -q 1 \
  || "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE smartterminal"
state="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=smartterminal"

# Mosquitto with dynamic security; the service account is the plugin's administrator.
mkdir -p "$engines/mosquitto"
[ -f "$engines/mosquitto/service-password" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$engines/mosquitto/service-password"
chmod 600 "$engines/mosquitto/service-password"
broker_password=$(cat "$engines/mosquitto/service-password")
[ -f "$engines/mosquitto/dynamic-security.json" ] || mosquitto_ctrl dynsec init "$engines/mosquitto/dynamic-security.json" policy-service "$broker_password" >/dev/null
cat > "$engines/mosquitto/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
allow_anonymous false
plugin $(ls /usr/lib/*/mosquitto_dynamic_security.so /usr/lib/mosquitto_dynamic_security.so 2>/dev/null | head -1)
plugin_opt_config_file $engines/mosquitto/dynamic-security.json
persistence true
persistence_location $engines/mosquitto/
max_queued_messages 100000
log_dest file $engines/mosquitto/mosquitto.log
CONF
[ "$(id -u)" -eq 0 ] && echo "user root" >> "$engines/mosquitto/mosquitto.conf"
mosquitto -c "$engines/mosquitto/mosquitto.conf" &
pids+=($!)
wait_for Mosquitto bash -c "exec 3<>/dev/tcp/127.0.0.1/$mqtt_port"

# InfluxDB (and the /api/v2/write shim for Debian's 1.6), as scripts/run-service.sh starts it; TSI index.
source scripts/influxdb.sh
start_influxdb "$engines/influxdb" "$influx_port" "$influx_rpc_port" "$shim_port" tsi1

# The replicas: the first alone (it creates the keys and migrates the schema), then the others.
dotnet build server/PolicyService -c Release -nologo -v:q
grpc_upstreams=""
json_upstreams=""
for i in $(seq 1 "$replicas"); do
  rgrpc=$((replica_base + 2 * (i - 1)))
  rjson=$((rgrpc + 1))
  grpc_upstreams+="    server 127.0.0.1:$rgrpc;"$'\n'
  json_upstreams+="    server 127.0.0.1:$rjson;"$'\n'
  # The broker password through the environment, not the command line (which every local user can read).
  (cd server/PolicyService && Broker__ServicePassword="$broker_password" exec dotnet bin/Release/net10.0/SmartTerminal.PolicyService.dll \
    --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$rgrpc" --Kestrel:Endpoints:Rest:Url="http://127.0.0.1:$rjson" \
    --PolicyService:DataDirectory="$data" --State:Provider=PostgreSQL --State:ConnectionString="$state" \
    --Broker:Mode=External --Broker:ServiceUserName=policy-service \
    --Broker:External:Url="mqtt://127.0.0.1:$mqtt_port" --Broker:External:Provisioning=MosquittoDynamicSecurity \
    --Broker:External:ClientId="policy-service-$i" \
    --Influx:Url="$influx_url" --Influx:Token=smartterminal:smartterminal --Influx:Bucket=smartterminal/autogen "$@") \
    > "$engines/replica-$i.log" 2>&1 &
  pids+=($!)
  if [ "$i" -eq 1 ]; then
    wait_for "replica 1 (see $engines/replica-1.log)" curl -sf "http://127.0.0.1:$rjson/healthz/ready"
  fi
done
for i in $(seq 1 "$replicas"); do
  wait_for "replica $i (see $engines/replica-$i.log)" curl -sf "http://127.0.0.1:$((replica_base + 2 * (i - 1) + 1))/healthz/ready"
done

# nginx: gRPC over HTTP/2 (grpc_pass) and JSON over HTTP/1.1, round robin over the replicas.
mkdir -p "$engines/nginx"
cat > "$engines/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $engines/nginx/nginx.pid;
error_log $engines/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $engines/nginx/body;
  proxy_temp_path $engines/nginx/proxy;
  fastcgi_temp_path $engines/nginx/fastcgi;
  uwsgi_temp_path $engines/nginx/uwsgi;
  scgi_temp_path $engines/nginx/scgi;
  client_max_body_size 2m;
  upstream grpc_replicas {
$grpc_upstreams  }
  upstream json_replicas {
$json_upstreams    keepalive 16;
  }
  server {
    listen 127.0.0.1:$grpc_port http2;
    location / { grpc_pass grpc://grpc_replicas; }
  }
  server {
    listen 127.0.0.1:$http_port;
    location / {
      proxy_pass http://json_replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
    }
  }
}
CONF
nginx -c "$engines/nginx/nginx.conf" -p "$engines/nginx" &
pids+=($!)
wait_for nginx curl -sf "http://127.0.0.1:$http_port/"

echo "SmartTerminal cluster: gRPC http://127.0.0.1:$grpc_port, JSON http://127.0.0.1:$http_port (nginx over $replicas replicas), MQTT 127.0.0.1:$mqtt_port (Mosquitto), PostgreSQL 127.0.0.1:$pg_port, data $data"
trap 'exit 130' INT TERM
wait "${pids[0]}"
