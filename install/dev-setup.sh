#!/usr/bin/env bash
# Prepares this machine to build, run and test Skiff from a checkout, idempotently:
#  - Debian packages: the Docker engine, static busybox (for local test images) and the Docker
#    registry (the tests pull through a real registry on 127.0.0.1), shellcheck, zsh and fish (the
#    install scripts and the shell completions are checked with them), Chromium (the dashboard's
#    browser test), tmux (a real terminal for `exec -it`), python3-kubernetes (Debian's Kubernetes
#    client, which test/integration/python-client drives against a hub), PostgreSQL 15 and Mosquitto
#    (the scale-out tests start private servers of both); installed only when missing;
#  - a running Docker engine (reused when one answers; started without systemd otherwise);
#  - npm dependencies and the compiled JavaScript;
#  - the local test images and the pod sandbox (pause) image.
# Needs root for apt-get and dockerd (as on a fresh Debian/Raspberry Pi OS box).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[dev-setup] %s\n' "$*"; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || missing+=(busybox-static)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck) # test/unit/install checks install/*.sh
command -v zsh >/dev/null 2>&1 || missing+=(zsh)   # test/unit/cli/completion runs the zsh and fish scripts
command -v fish >/dev/null 2>&1 || missing+=(fish)
command -v chromium >/dev/null 2>&1 || missing+=(chromium) # test/integration/dashboard drives it (playwright-core)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)         # test/integration/exec gives `skiff exec -it` a real terminal
# test/integration/python-client runs it with Debian's /usr/bin/python3 (the package installs for that one)
[ "$(dpkg-query -W -f='${Status}' python3-kubernetes 2>/dev/null)" = 'install ok installed' ] || missing+=(python3-kubernetes)
# test/helpers/postgres.ts and test/helpers/mosquitto.ts start private servers of these (issue #11)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
command -v mosquitto >/dev/null 2>&1 || missing+=(mosquitto mosquitto-clients)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  nohup dockerd --host unix:///var/run/docker.sock >/var/log/skiff-dockerd.log 2>&1 &
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not come up; see /var/log/skiff-dockerd.log"; exit 1; }
fi
log "docker engine $(docker version --format '{{.Server.Version}}') is up"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  # tap as .taprc configures it (without the TypeScript and import-mocking loaders). tap rebuilds
  # itself on a first run too, but that run's test files still start with the stock loaders
  # (seen in CI: --import of @tapjs/typescript and @tapjs/mock in every test process).
  npx tap build >/dev/null
fi
npm run --silent build

install/build-local-image.sh skiff-test/web:1 v1
install/build-local-image.sh skiff-test/web:2 v2
# The pod sandbox image (registry.k8s.io/pause): pulled when a registry answers, built otherwise.
install/build-pause-image.sh
log "ready"
