#!/usr/bin/env bash
# Installs Skiff as a systemd service on Debian / Raspberry Pi OS / Ubuntu (amd64, arm64, armhf):
#   install/install.sh hub|agent [--dry-run] [--root DIR] [--version V] [--from DIR]
# - Node.js >= 20 (and npm), plus the Docker engine for an agent, from the distribution's packages
#   when missing (apt-get install nodejs npm docker.io); a distribution whose nodejs is older
#   than 20 is refused with what to do instead.
# - Skiff itself into /opt/skiff: the package files of --from DIR (default: the checkout this
#   script is in; built there with `npm ci && tsc` first when it has no dist/) are copied, then
#   `npm ci --omit=dev` installs the runtime dependencies; /usr/local/bin/skiff links to it.
# - /etc/skiff/hub.env or /etc/skiff/agent.env (mode 0600); an agent joins with SKIFF_SERVER and
#   SKIFF_TOKEN from the environment, as k3s does with K3S_URL/K3S_TOKEN (docs/install.md).
# - /etc/systemd/system/skiff-hub.service or skiff-agent.service (from install/systemd/), enabled
#   and started; restarted when anything it runs changed.
# - /etc/skiff/install-manifest.ROLE: what this script created, so that install/uninstall.sh
#   removes exactly that (paths shared by the hub and the agent stay until both are gone).
# Idempotent: a second run changes nothing and says so. --dry-run prints every action and changes
# nothing. --root DIR writes every file under DIR (a scratch root for tests and image builds) and
# only prints the apt-get, npm and systemctl commands it would run.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: install/install.sh hub|agent [--dry-run] [--root DIR] [--version V] [--from DIR]

  hub|agent     what this machine runs (run the script twice for both)
  --dry-run     print every action, change nothing
  --root DIR    write under DIR instead of /, run no apt-get, npm or systemctl (only print them)
  --version V   refuse unless the Skiff in --from is version V
  --from DIR    a Skiff checkout or unpacked package (default: the checkout holding this script)

An agent needs SKIFF_SERVER (the hub's URL) and SKIFF_TOKEN (the hub's join token) in the
environment on its first install; SKIFF_NODE_NAME defaults to this machine's hostname.
See docs/install.md.
USAGE
}

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
role=
dry_run=0
root=
want_version=
from=$(dirname "$script_dir")

while [ $# -gt 0 ]; do
  case "$1" in
    hub | agent) [ -z "$role" ] || { usage >&2; exit 2; }; role=$1 ;;
    --dry-run) dry_run=1 ;;
    --root) root=${2:?--root needs a directory}; shift ;;
    --root=*) root=${1#--root=} ;;
    --version) want_version=${2:?--version needs a version}; shift ;;
    --version=*) want_version=${1#--version=} ;;
    --from) from=${2:?--from needs a directory}; shift ;;
    --from=*) from=${1#--from=} ;;
    -h | --help) usage; exit 0 ;;
    *) printf 'install.sh: unknown argument "%s"\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[ -n "$role" ] || { usage >&2; exit 2; }

log() { printf '[install] %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root $root is not a directory"
  root=$(cd "$root" && pwd)
  [ "$root" != / ] || root=
fi
[ -d "$from" ] || die "--from $from is not a directory"
from=$(cd "$from" && pwd)

# Where each thing goes on the target system (written under $root when --root is given).
readonly PREFIX=/opt/skiff
readonly LINK=/usr/local/bin/skiff
readonly ETC=/etc/skiff
readonly ENV_FILE=$ETC/$role.env
readonly UNIT=skiff-$role.service
readonly UNIT_FILE=/etc/systemd/system/$UNIT
readonly MANIFEST=$ETC/install-manifest.$role
readonly DATA_DIR=/var/lib/skiff/$role # the unit's StateDirectory=skiff/ROLE: systemd creates it


scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# --- what this run changes --------------------------------------------------------------------
changes=0
# "kind path" lines of what this run created or found already created by install.sh.
entries=()
declare -A recorded=()

# Reports one change: done now, or only printed with --dry-run.
change() {
  changes=$((changes + 1))
  if [ "$dry_run" = 1 ]; then log "would $*"; else log "$*"; fi
}

# Runs a command that changes the system (apt-get, npm, systemctl): with --dry-run it is only
# printed (and counted); with --root only printed (a scratch root has no packages or services).
# Usage: system_cmd [-C DIR] CMD ARGS...
system_cmd() {
  local dir=
  if [ "$1" = -C ]; then dir=$2; shift 2; fi
  local shown="$*${dir:+ (in $dir)}"
  if [ -n "$root" ]; then
    log "skipped (--root): $shown"
  elif [ "$dry_run" = 1 ]; then
    change "run: $shown"
  else
    change "run: $shown"
    if [ -n "$dir" ]; then (cd "$dir" && "$@"); else "$@"; fi
  fi
}

record() {
  if [ -n "${recorded[$2]+set}" ]; then return 0; fi
  owned[$2]=1
  recorded[$2]=1
  entries+=("$1 $2")
}

# Paths install.sh created before, from both roles' manifests (read once: the checks are many).
declare -A owned=()
for m in "$root$ETC"/install-manifest.*; do
  [ -f "$m" ] || continue
  while read -r kind path; do
    [ "$kind" = "#" ] || owned[$path]=1
  done <"$m"
done
# True when PATH was created by install.sh: listed in a manifest (either role's) or in this run.
ours() {
  [ -n "${owned[$1]+set}" ]
}

# Makes directory PATH (and its missing parents, mode 0755) exist, recording what it creates and
# every directory on the way that install.sh created before (shared by the hub and the agent).
ensure_dir() {
  local path=$1 mode=$2 prefix='' part parts
  IFS=/ read -ra parts <<<"${path#/}"
  for part in "${parts[@]}"; do
    prefix=$prefix/$part
    if [ -d "$root$prefix" ]; then
      if ours "$prefix"; then record dir "$prefix"; fi
      continue
    fi
    [ ! -e "$root$prefix" ] || die "$prefix exists and is not a directory"
    local this_mode=0755
    [ "$prefix" != "$path" ] || this_mode=$mode
    change "create directory $prefix"
    [ "$dry_run" = 1 ] || install -d -m "$this_mode" "$root$prefix"
    record dir "$prefix"
  done
}

# Puts the contents of SOURCE at PATH with MODE, unless it is there already. Sets file_changed.
file_changed=0
put_file() {
  local path=$1 mode=$2 source=$3 dest
  dest=$root$path
  file_changed=0
  if [ -e "$dest" ] || [ -L "$dest" ]; then
    ours "$path" || die "$path exists and was not written by install.sh: move it away and run again"
    record file "$path"
    if cmp -s "$source" "$dest" && [ "$(stat -c %a "$dest")" = "${mode#0}" ]; then return 0; fi
    change "update $path (mode $mode)"
  else
    change "write $path (mode $mode)"
  fi
  file_changed=1
  record file "$path"
  [ "$dry_run" = 1 ] && return 0
  install -m "$mode" "$source" "$dest.install-tmp"
  mv -f "$dest.install-tmp" "$dest"
}

# --- checks, before anything changes ------------------------------------------------------------
# The script inspects the machine it runs on; --root only redirects what it writes.
arch=$(dpkg --print-architecture 2>/dev/null) || die "dpkg not found: install.sh supports Debian, Raspberry Pi OS and Ubuntu"
case "$arch" in
  amd64 | arm64 | armhf) ;;
  *) die "unsupported architecture \"$arch\": Skiff installs on amd64, arm64 and armhf (Node.js 20 has no official build for $arch)" ;;
esac
# shellcheck source=/dev/null
os_id=$( (. /etc/os-release && printf '%s %s' "${ID:-}" "${ID_LIKE:-}") 2>/dev/null || true)
case " $os_id " in
  *" debian "* | *" raspbian "* | *" ubuntu "*) ;;
  *) die "unsupported distribution \"${os_id:-unknown}\": install.sh supports Debian, Raspberry Pi OS and Ubuntu" ;;
esac
if [ -z "$root" ] && [ "$dry_run" = 0 ]; then
  [ "$(id -u)" = 0 ] || die "run as root (sudo install/install.sh $role), or try --dry-run"
  [ -d /run/systemd/system ] || die "systemd is not running on this machine (a container?): --root DIR writes the files without starting anything"
fi

if [ ! -f "$from/package.json" ] || [ ! -f "$from/bin/skiff.js" ] || ! grep -q '"name": *"skiff"' "$from/package.json"; then
  die "--from $from is not a Skiff checkout or package (no package.json named skiff with bin/skiff.js)"
fi
version=$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$from/package.json" | head -n 1)
[ -z "$want_version" ] || [ "$want_version" = "$version" ] || die "--from $from holds Skiff ${version:-(no version)}, not --version $want_version"

# The env file's variables: each one's value from the environment when set there (set but empty
# removes it), else the value already in the env file, else none (Skiff's own default applies).
# The hub's list mirrors HUB_ENV (hub/cli/actions/hub.ts) but SKIFF_DATA_DIR, fixed to the unit's
# StateDirectory; SKIFF_HUB_ARGS / SKIFF_AGENT_ARGS carry flags that have no variable.
if [ "$role" = hub ]; then
  env_vars=(SKIFF_API_PORT SKIFF_MQTT_PORT SKIFF_HOST SKIFF_NODE_MONITOR_GRACE_PERIOD
    SKIFF_HORIZONTAL_POD_AUTOSCALER_SYNC_PERIOD SKIFF_HORIZONTAL_POD_AUTOSCALER_DOWNSCALE_STABILIZATION
    SKIFF_NODE_CREDENTIAL_TTL SKIFF_ENCRYPTION_KEY_FILE SKIFF_AUDIT_LOG_PATH SKIFF_HUB_ARGS)
else
  env_vars=(SKIFF_SERVER SKIFF_TOKEN SKIFF_NODE_NAME SKIFF_LOG_LEVEL SKIFF_PAUSE_IMAGE SKIFF_SECRETS_DIR
    SKIFF_AGENT_V8_FLAGS SKIFF_AGENT_ARGS)
fi
existing_env=$root$ENV_FILE
env_value() {
  local name=$1
  if [ -n "${!name+set}" ]; then
    printf '%s' "${!name}"
  elif [ -f "$existing_env" ]; then
    sed -n "s/^$name=\"\\(.*\\)\"\$/\\1/p" "$existing_env" | head -n 1
  fi
}
declare -A env_values=()
for name in "${env_vars[@]}"; do
  value=$(env_value "$name")
  case "$value" in
    *[\"\\\$\`]* | *$'\n'*) die "$name must not contain quotes, backslashes, \$, backticks or newlines" ;;
  esac
  env_values[$name]=$value
done
if [ "$role" = agent ]; then
  missing=()
  [ -n "${env_values[SKIFF_SERVER]}" ] || missing+=("SKIFF_SERVER (the hub's URL, e.g. https://hub.lan:7443)")
  [ -n "${env_values[SKIFF_TOKEN]}" ] || missing+=("SKIFF_TOKEN (the hub's join token: sudo cat /var/lib/skiff/hub/join-token on the hub)")
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'install.sh: an agent joins a hub: set %s\n' "${missing[0]}" >&2
    [ ${#missing[@]} -lt 2 ] || printf 'install.sh: and %s\n' "${missing[1]}" >&2
    printf 'install.sh: e.g. sudo SKIFF_SERVER=https://hub.lan:7443 SKIFF_TOKEN=K10... install/install.sh agent\n' >&2
    exit 1
  fi
  case "${env_values[SKIFF_SERVER]}" in
    http://?* | https://?*) ;;
    *) die "SKIFF_SERVER must be the hub's http:// or https:// URL, got \"${env_values[SKIFF_SERVER]}\"" ;;
  esac
  if [ -z "${env_values[SKIFF_NODE_NAME]}" ]; then
    env_values[SKIFF_NODE_NAME]=$(uname -n | tr '[:upper:]' '[:lower:]')
  fi
  [[ "${env_values[SKIFF_NODE_NAME]}" =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] ||
    die "node name \"${env_values[SKIFF_NODE_NAME]}\" is not a DNS subdomain: set SKIFF_NODE_NAME"
fi

first_install=1
[ ! -f "$root$MANIFEST" ] || first_install=0

# Someone else's file where ours goes: refused now, before anything changed.
for path in "$PREFIX" "$ENV_FILE" "$UNIT_FILE"; do
  if { [ -e "$root$path" ] || [ -L "$root$path" ]; } && ! ours "$path"; then
    die "$path exists and was not written by install.sh: move it away and run again"
  fi
done

# --- 1. distribution packages -------------------------------------------------------------------
packages=()
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -n "$root" ]; then
  wanted="nodejs (>= 20) and npm"
  [ "$role" = hub ] || wanted="$wanted, docker.io"
  log "skipped (--root): checking for $wanted on the target"
else
  if command -v node >/dev/null 2>&1; then
    [ "$(node_major)" -ge 20 ] || die "Node.js $(node --version) is too old: Skiff needs Node.js >= 20 (upgrade it, then run again)"
    command -v npm >/dev/null 2>&1 || packages+=(npm)
  else
    packages+=(nodejs npm)
  fi
  [ "$role" = hub ] || command -v dockerd >/dev/null 2>&1 || packages+=(docker.io)
fi
if [ ${#packages[@]} -gt 0 ]; then
  [ "$dry_run" = 1 ] || system_cmd apt-get update -qq
  if [[ " ${packages[*]} " == *" nodejs "* ]]; then
    # Debian 12 and Ubuntu 24.04 ship Node.js 18: installing it would give a Skiff that cannot start.
    candidate=$(apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: *//p')
    candidate_major=$(printf '%s' "$candidate" | sed -n 's/^\([0-9]*:\)\{0,1\}\([0-9][0-9]*\).*/\2/p')
    [ "${candidate_major:-0}" -ge 20 ] ||
      die "this distribution's nodejs is ${candidate:-not available}, Skiff needs Node.js >= 20: install Node.js 20 or newer first (e.g. from NodeSource, or Debian 13), then run again"
  fi
  system_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
fi

# --- 2. Skiff into /opt/skiff -------------------------------------------------------------------
if [ ! -f "$from/dist/agent/main.js" ] || [ ! -f "$from/dist/hub/cli/main.js" ]; then
  # A checkout that was never built: build it where it is (needs the dev dependencies).
  system_cmd -C "$from" npm ci --no-audit --no-fund --loglevel=error
  system_cmd -C "$from" npx tsc -p tsconfig.json
fi
# What is installed: the package's runtime files (dist/test is the test suite, not Skiff) and the
# dashboard's browser files, served as they are from hub/dashboard/assets.
(cd "$from" && find package.json package-lock.json bin dist hub/dashboard/assets -path dist/test -prune -o -type f -print0 2>/dev/null | LC_ALL=C sort -z) >"$scratch/files" || true
source_id="skiff $version sha256:$(cd "$from" && xargs -0r sha256sum <"$scratch/files" | sha256sum | cut -d' ' -f1)"
installed_id=$(cat "$root$PREFIX/.install-source" 2>/dev/null || true)
app_changed=0
ensure_dir "$(dirname "$PREFIX")" 0755
if [ "$installed_id" != "$source_id" ]; then
  app_changed=1
  change "install Skiff $version from $from into $PREFIX"
  staging=$root$PREFIX.install-new
  if [ "$dry_run" = 1 ]; then
    system_cmd -C "$PREFIX" npm ci --omit=dev --no-audit --no-fund --loglevel=error
  else
    rm -rf "$staging"
    mkdir -m 0755 "$staging"
    (cd "$from" && tar --null -T "$scratch/files" -cf -) | tar -C "$staging" --no-same-owner -xf -
    old=$root$PREFIX
    if [ -d "$old/node_modules" ] && cmp -s "$old/package-lock.json" "$staging/package-lock.json"; then
      log "reusing the runtime dependencies in $PREFIX (package-lock.json unchanged)"
      mv "$old/node_modules" "$staging/node_modules"
    elif [ -f "$staging/package-lock.json" ]; then
      system_cmd -C "$staging" npm ci --omit=dev --no-audit --no-fund --loglevel=error
    else
      system_cmd -C "$staging" npm install --omit=dev --no-audit --no-fund --loglevel=error
    fi
    printf '%s\n' "$source_id" >"$staging/.install-source"
    # Swap by renames, never copying over the tree a service runs from; a run cut short leaves a
    # staging tree that the next run (or uninstall.sh) removes.
    rm -rf "$old.install-old"
    if [ -e "$old" ]; then mv "$old" "$old.install-old"; fi
    mv "$staging" "$old"
    rm -rf "$old.install-old"
  fi
fi
record tree "$PREFIX"

link_path=$root$LINK
ensure_dir "$(dirname "$LINK")" 0755
if [ -L "$link_path" ] && [ "$(readlink "$link_path")" = "$PREFIX/bin/skiff.js" ] && ours "$LINK"; then
  record link "$LINK"
elif [ -e "$link_path" ] || [ -L "$link_path" ]; then
  if ours "$LINK"; then
    change "update link $LINK -> $PREFIX/bin/skiff.js"
    [ "$dry_run" = 1 ] || ln -sfn "$PREFIX/bin/skiff.js" "$link_path"
    record link "$LINK"
  else
    log "warning: $LINK exists and was not installed by install.sh: left alone (the service does not use it)"
  fi
else
  change "link $LINK -> $PREFIX/bin/skiff.js"
  [ "$dry_run" = 1 ] || ln -s "$PREFIX/bin/skiff.js" "$link_path"
  record link "$LINK"
fi

# --- 3. /etc/skiff/ROLE.env ----------------------------------------------------------------------
{
  printf '# Settings of %s, written by install/install.sh %s (docs/install.md).\n' "$UNIT" "$role"
  printf '# Edit, then: systemctl restart %s (or run install.sh again with new SKIFF_* values).\n' "$UNIT"
  printf 'SKIFF_DATA_DIR="%s"\n' "$DATA_DIR"
  for name in "${env_vars[@]}"; do
    [ -z "${env_values[$name]}" ] || printf '%s="%s"\n' "$name" "${env_values[$name]}"
  done
} >"$scratch/env"
ensure_dir "$ETC" 0755
put_file "$ENV_FILE" 0600 "$scratch/env"
env_changed=$file_changed

# --- 4. the systemd unit -------------------------------------------------------------------------
ensure_dir "$(dirname "$UNIT_FILE")" 0755
put_file "$UNIT_FILE" 0644 "$script_dir/systemd/$UNIT"
unit_changed=$file_changed

# --- 5. the manifest: what uninstall.sh removes --------------------------------------------------
manifest_path=$root$MANIFEST
record file "$MANIFEST"
{
  printf '# Created by install/install.sh %s; install/uninstall.sh %s removes exactly these.\n' "$role" "$role"
  if [ -f "$manifest_path" ]; then grep -v '^#' "$manifest_path" || true; fi
  printf '%s\n' "${entries[@]}"
} | awk 'NR == 1 || !seen[$0]++' | { read -r header; printf '%s\n' "$header"; LC_ALL=C sort -k2,2 -k1,1; } >"$scratch/manifest"
put_file "$MANIFEST" 0644 "$scratch/manifest"

# --- 6. the service ------------------------------------------------------------------------------
restart_needed=0
[ "$app_changed$env_changed$unit_changed" = 000 ] || restart_needed=1
if [ "$unit_changed" = 1 ]; then system_cmd systemctl daemon-reload; fi
if [ -n "$root" ]; then
  if [ "$first_install" = 1 ]; then
    system_cmd systemctl enable --now "$UNIT"
  elif [ "$restart_needed" = 1 ]; then
    system_cmd systemctl restart "$UNIT"
  fi
elif ! systemctl is-enabled --quiet "$UNIT" 2>/dev/null || ! systemctl is-active --quiet "$UNIT" 2>/dev/null; then
  system_cmd systemctl enable --now "$UNIT"
elif [ "$restart_needed" = 1 ]; then
  system_cmd systemctl restart "$UNIT"
fi

# --- summary -------------------------------------------------------------------------------------
if [ "$changes" = 0 ]; then
  log "nothing to do: skiff $role $version is installed and up to date${root:+ under $root}"
  exit 0
fi
if [ "$dry_run" = 1 ]; then
  log "dry run: nothing was changed ($changes change(s) above)"
  exit 0
fi
if [ -z "$root" ] && [ "$role" = agent ] && [ -f /sys/fs/cgroup/cgroup.controllers ] && ! grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
  log "warning: the memory cgroup is off, so Pods' memory limits are not enforced: on a Raspberry Pi add 'cgroup_enable=memory cgroup_memory=1' to /boot/firmware/cmdline.txt and reboot"
fi
log "skiff $role $version installed${root:+ under $root}: journalctl -u $UNIT -f shows its log"
if [ "$role" = hub ]; then
  log "admin access: export SKIFF_CONFIG=$DATA_DIR/admin.config (as root)"
  log "join an agent: sudo SKIFF_SERVER=https://<this host>:<api port, 7443 by default> SKIFF_TOKEN=\"\$(sudo cat $DATA_DIR/join-token)\" install/install.sh agent"
fi
