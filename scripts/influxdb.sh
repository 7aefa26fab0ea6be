# Sourced by scripts/run-service.sh and scripts/run-cluster.sh: InfluxDB for telemetry, started unless one
# already answers on its port, with the smartterminal database; Debian's InfluxDB 1.6 lacks
# /api/v2/write, so the small shim of tools/influxshim serves it (with 1.8+ no shim runs).
#   start_influxdb DIR PORT RPC_PORT SHIM_PORT [INDEX]   sets influx_url; appends what it started to pids
start_influxdb() {
  local dir=$1 port=$2 rpc_port=$3 shim_port=$4 index=${5:-inmem}
  mkdir -p "$dir"
  if ! curl -sf "http://127.0.0.1:$port/ping" >/dev/null 2>&1; then
    cat > "$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc_port"
[meta]
  dir = "$dir/meta"
  logging-enabled = false
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
  index-version = "$index"
  max-series-per-database = 0
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
[monitor]
  store-enabled = false
CONF
    influxd -config "$dir/influxdb.conf" > "$dir/influxd.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/ping" >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  curl -sf -XPOST "http://127.0.0.1:$port/query" --data-urlencode 'q=CREATE DATABASE smartterminal' >/dev/null

  influx_url="http://127.0.0.1:$port"
  local version
  version=$(influxd version 2>/dev/null | sed -n 's/^InfluxDB v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
  if [ -n "$version" ] && [ "${version% *}" -eq 1 ] && [ "${version#* }" -lt 8 ]; then
    dotnet build tools/influxshim/SmartTerminal.InfluxShim -c Release -nologo -v:q >/dev/null
    dotnet tools/influxshim/SmartTerminal.InfluxShim/bin/Release/net10.0/SmartTerminal.InfluxShim.dll --listen "$shim_port" --influx "http://127.0.0.1:$port" &
    pids+=($!)
    influx_url="http://127.0.0.1:$shim_port"
  fi
}
