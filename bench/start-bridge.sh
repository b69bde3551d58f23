# Sourced by bench/profile and bench/work: starts the sink and the bridge (the sample config with the bench's address,
# store and ingest limits, as bench/run's BridgeContender writes it) under $1, and defines load SECONDS SALT (wrk, 1
# thread, 32 connections). Sets port, pid (the bridge's) and pids (everything started, killed on exit). Extra
# environment for the bridge: $bridge_env (e.g. perf's map settings).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
token=bench-hook-token-0123456789abcdef

start_bridge() {
  local dir=$1
  port=$(free_port); sink_port=$(free_port)
  # The config in a folder of its own: the bridge watches the config's folder, and the log written there would cost
  # it an inotify event per line.
  mkdir -p "$dir/config"
  {
    echo "server:"
    echo "  urls: http://127.0.0.1:$port"
    echo "  limits: { per_client: none, max_connections_per_client: 1024, max_in_flight: 1024 }"
    echo "mappings_dir: \"$repo/mappings\""
    echo "storage: { path: \"$dir/data/bridge.db\" }"
    # The sink has no limit to respect: the destination is unpaced, as for an ntfy that exempts the bridge.
    awk '/^[^ #]/ { skip = ($0 ~ /^(server|mappings_dir|storage):/) } !skip { print } !skip && $0 == "  ntfy:" { print "    rate: none" }' samples/bridge.yaml
  } > "$dir/config/bridge.yaml"
  "$harness" sink "$sink_port" > "$dir/sink.log" 2>&1 & pids+=($!)
  for _ in $(seq 1 120); do grep -q "sink on" "$dir/sink.log" && break; sleep 0.5; done
  env ${bridge_env:-} NTFY_URL="http://127.0.0.1:$sink_port" NTFY_TOKEN=tk_benchbenchbenchbenchbenchbench BRIDGE_HOOK_TOKEN=$token \
    "$bridge" serve --config "$dir/config/bridge.yaml" > "$dir/bridge.log" 2>&1 & pid=$!; pids+=($pid)
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { tail "$dir/bridge.log"; echo "the bridge did not get ready" >&2; exit 1; }
}

load() { wrk -t1 -c32 -d"$1"s -s bench/load.lua "http://127.0.0.1:$port/hooks/authentik" -- samples/payloads/authentik/event-login-admin.json "$2" "$token" | grep '^WRK'; }
