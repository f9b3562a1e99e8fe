#!/usr/bin/env bash
# Builds a tiny web-server image from Debian's static busybox, with no registry and no internet:
#   install/build-local-image.sh IMAGE:TAG [PAGE_TEXT]
# The container serves PAGE_TEXT (default: the tag) at / on port 80 with busybox httpd, and exits
# at once on SIGTERM like a real server (httpd as PID 1 would ignore it, making every stop wait out
# the grace period). Used by the quickstart's example and by the tests (skiff-test/web:1, :2).
# Idempotent: an image built from this recipe is left alone; an older recipe's is rebuilt.
set -euo pipefail
image=${1:?usage: build-local-image.sh IMAGE:TAG [PAGE_TEXT]}
page=${2:-${image##*:}}

recipe=2 # bump when the image's contents or command change
if [ "$(docker image inspect -f '{{index .Config.Labels "skiff.recipe"}}' "$image" 2>/dev/null)" = "$recipe" ]; then
  exit 0
fi
# The image has no libc, so busybox must be the statically linked build (ldd fails on it).
busybox=/bin/busybox
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
  echo "build-local-image: a static busybox is needed (apt-get install busybox-static)" >&2
  exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/www" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in sh httpd sleep cat echo wget head tr sort ls ps kill env hostname true false; do
  ln -s busybox "$root/bin/$applet"
done
printf '%s\n' "$page" > "$root/www/index.html"
tar -C "$root" -c . | docker import \
  -c 'CMD ["/bin/sh","-c","trap \"kill $pid; exit 0\" TERM; httpd -f -p 80 -h /www & pid=$!; wait"]' \
  -c 'EXPOSE 80' \
  -c "LABEL skiff.recipe=$recipe" \
  - "$image" >/dev/null
echo "built $image"
