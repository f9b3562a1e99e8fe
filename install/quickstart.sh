#!/usr/bin/env bash
# One command from a fresh checkout to a running Skiff: sets the machine up (Docker engine, npm
# dependencies, build), starts a hub and one local agent in the background, deploys the example
# web Deployment (3 replicas) and shows it running.
#   install/quickstart.sh          start everything (idempotent: reuses what is running)
#   install/quickstart.sh stop     delete the example, stop the agent and the hub
# State lives in $SKIFF_QUICKSTART_DIR (default ~/.skiff-quickstart); logs are there too.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
home=${SKIFF_QUICKSTART_DIR:-$HOME/.skiff-quickstart}
api_port=${SKIFF_API_PORT:-7443}
mqtt_port=${SKIFF_MQTT_PORT:-1883}
node_name=${SKIFF_NODE_NAME:-edge-1}
skiff() { node "$repo/bin/skiff.js" "$@"; }
export SKIFF_CONFIG="$home/hub/admin.config"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if [ "${1:-}" = "stop" ]; then
  if running "$home/hub.pid"; then
    skiff delete -f docs/examples/web-deployment.yaml --ignore-not-found || true
    # Let the agent stop the example's containers before the agent itself stops.
    for _ in $(seq 1 60); do
      [ -z "$(skiff get pods -l app=web -o name 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  for p in agent hub; do
    if running "$home/$p.pid"; then kill "$(cat "$home/$p.pid")"; echo "stopped $p"; fi
    rm -f "$home/$p.pid"
  done
  exit 0
fi

install/dev-setup.sh
install/build-local-image.sh skiff-example/web:1 "Hello from Skiff"
mkdir -p "$home"

if ! running "$home/hub.pid"; then
  nohup node bin/skiff.js hub --data-dir "$home/hub" --api-port "$api_port" --mqtt-port "$mqtt_port" >"$home/hub.log" 2>&1 &
  echo $! >"$home/hub.pid"
  echo "hub starting (log: $home/hub.log)"
fi
for _ in $(seq 1 60); do
  # The hub serves HTTPS from the CA it creates on first start: trust exactly that CA.
  [ -f "$home/hub/tls/ca.crt" ] && curl -fs --cacert "$home/hub/tls/ca.crt" "https://127.0.0.1:$api_port/healthz" >/dev/null 2>&1 && [ -f "$SKIFF_CONFIG" ] && break
  sleep 0.5
done
skiff cluster-info

if ! running "$home/agent.pid"; then
  # The join token (K10<CA hash>::...) lets the agent verify the hub before it sends anything.
  nohup node bin/skiff.js agent --server "https://127.0.0.1:$api_port" --token "$(cat "$home/hub/join-token")" \
    --node-name "$node_name" --data-dir "$home/agent" >"$home/agent.log" 2>&1 &
  echo $! >"$home/agent.pid"
  echo "agent $node_name starting (log: $home/agent.log)"
fi
for _ in $(seq 1 60); do
  skiff get node "$node_name" 2>/dev/null | grep -qE "^$node_name +Ready" && break
  sleep 0.5
done
skiff get nodes

skiff apply -f docs/examples/web-deployment.yaml
for _ in $(seq 1 120); do
  skiff get deployment web 2>/dev/null | grep -qE '^web +3/3 ' && break
  sleep 0.5
done
skiff get deployments
skiff get pods -o wide
cat <<MSG

Skiff is running: a hub on https://127.0.0.1:$api_port and agent "$node_name" on this machine.
Try:
  export SKIFF_CONFIG=$SKIFF_CONFIG
  node bin/skiff.js get pods
  node bin/skiff.js delete pod <a pod name>      # and watch the Deployment replace it
  docker rm -f <a container id>                 # and watch the agent restart it
Stop it all with: install/quickstart.sh stop
MSG
