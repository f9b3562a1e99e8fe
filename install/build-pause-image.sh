#!/usr/bin/env bash
# Makes the pod sandbox image available to the local Docker engine without a registry:
#   install/build-pause-image.sh [IMAGE:TAG]     (default: the agent's default, registry.k8s.io/pause:3.10)
# Every pod's containers share one network namespace held by a "pause" container (as kubelet
# does it), so the agent needs that image. A device with internet pulls the real multi-arch image
# on first use; an air-gapped machine (like these test machines) gets this functionally identical
# build of install/pause/pause.c under the same name, as k3s' air-gap images preload it.
# Idempotent: an image already present is left alone (a real pull is never overwritten).
set -euo pipefail
cd "$(dirname "$0")"
image=${1:-registry.k8s.io/pause:3.10}

if docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi
if docker pull "$image" >/dev/null 2>&1; then
  echo "pulled $image"
  exit 0
fi
command -v cc >/dev/null 2>&1 || { echo "build-pause-image: $image cannot be pulled and no C compiler is here to build it" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cc -static -Os -s -o "$root/pause" pause/pause.c
tar -C "$root" -c pause | docker import \
  -c 'ENTRYPOINT ["/pause"]' \
  -c 'LABEL skiff.recipe=pause-1' \
  - "$image" >/dev/null
echo "built $image from install/pause/pause.c (no registry reachable)"
