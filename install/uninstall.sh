#!/usr/bin/env bash
# Removes what install/install.sh added for a hub or an agent:
#   install/uninstall.sh hub|agent [--purge] [--root DIR] [--dry-run]
# - stops and disables skiff-ROLE.service, then removes exactly the paths listed in
#   /etc/skiff/install-manifest.ROLE (the unit, the env file, /opt/skiff, the skiff link and the
#   directories install.sh created), except those the other role's manifest still lists (a hub
#   and an agent on one machine share /opt/skiff);
# - leaves the distribution's packages (nodejs, npm, docker.io) alone;
# - --purge also deletes the data: /var/lib/skiff/ROLE (for a hub: its database, CA and tokens;
#   for an agent: its store, plus the Pods' containers it left running in Docker and its
#   Secret files under /run/skiff).
# Idempotent: a second run finds nothing to do. --dry-run prints every action and changes
# nothing; --root DIR works under DIR and only prints the systemctl and docker commands.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: install/uninstall.sh hub|agent [--purge] [--root DIR] [--dry-run]

  hub|agent   what to remove (a machine running both keeps what the other still needs)
  --purge     also delete the data in /var/lib/skiff/ROLE (and an agent's Pods' containers)
  --root DIR  work under DIR instead of /, run no systemctl or docker (only print them)
  --dry-run   print every action, change nothing
See docs/install.md.
USAGE
}

role=
purge=0
dry_run=0
root=
while [ $# -gt 0 ]; do
  case "$1" in
    hub | agent) [ -z "$role" ] || { usage >&2; exit 2; }; role=$1 ;;
    --purge) purge=1 ;;
    --dry-run) dry_run=1 ;;
    --root) root=${2:?--root needs a directory}; shift ;;
    --root=*) root=${1#--root=} ;;
    -h | --help) usage; exit 0 ;;
    *) printf 'uninstall.sh: unknown argument "%s"\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[ -n "$role" ] || { usage >&2; exit 2; }

log() { printf '[uninstall] %s\n' "$*"; }
die() { printf 'uninstall.sh: %s\n' "$*" >&2; exit 1; }

if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root $root is not a directory"
  root=$(cd "$root" && pwd)
  [ "$root" != / ] || root=
fi
if [ -z "$root" ] && [ "$dry_run" = 0 ] && [ "$(id -u)" != 0 ]; then
  die "run as root (sudo install/uninstall.sh $role), or try --dry-run"
fi

# The same paths as install.sh.
readonly ETC=/etc/skiff
readonly UNIT=skiff-$role.service
readonly MANIFEST=$ETC/install-manifest.$role
readonly DATA_DIR=/var/lib/skiff/$role
readonly CONTAINER_LABEL=skiff.node # agent/runtime/labels.ts: on every container the agent made


changes=0
change() {
  changes=$((changes + 1))
  if [ "$dry_run" = 1 ]; then log "would $*"; else log "$*"; fi
}
# Runs a command that changes the system; printed only with --dry-run or --root.
system_cmd() {
  if [ -n "$root" ]; then
    log "skipped (--root): $*"
  else
    change "run: $*"
    [ "$dry_run" = 1 ] || "$@"
  fi
}

# Paths the other role's manifest lists: they stay while that role is installed.
case "$role" in hub) other_role=agent ;; agent) other_role=hub ;; esac
declare -A still_needed=()
if [ -f "$root$ETC/install-manifest.$other_role" ]; then
  while read -r kind path; do
    [ "$kind" = "#" ] || still_needed[$path]=1
  done <"$root$ETC/install-manifest.$other_role"
fi

manifest_path=$root$MANIFEST
if [ -f "$manifest_path" ]; then
  # 1. Stop the service before its files go.
  if [ -z "$root" ]; then
    if systemctl is-enabled --quiet "$UNIT" 2>/dev/null || systemctl is-active --quiet "$UNIT" 2>/dev/null; then
      system_cmd systemctl disable --now "$UNIT"
    fi
  else
    system_cmd systemctl disable --now "$UNIT"
  fi

  # 2. Files, links and trees, then directories deepest first (reverse path order puts a
  #    directory after everything in it). The manifest goes last but for the directories.
  mapfile -t listed < <(grep -v '^#' "$manifest_path" | LC_ALL=C sort -r -k2,2)
  removed_unit=0
  for pass in files dirs; do
    for line in "${listed[@]}"; do
      kind=${line%% *}
      path=${line#* }
      [ "$path" != "$MANIFEST" ] || continue
      if [ "$kind" = dir ]; then [ "$pass" = dirs ] || continue; else [ "$pass" = files ] || continue; fi
      dest=$root$path
      [ -e "$dest" ] || [ -L "$dest" ] || continue
      if [ -n "${still_needed[$path]+set}" ]; then
        [ "$kind" = dir ] || log "keeping $path: the $other_role installation uses it"
        continue
      fi
      case "$kind" in
        file | link)
          change "remove $path"
          [ "$dry_run" = 1 ] || rm -f "$dest"
          [ "$path" != "/etc/systemd/system/$UNIT" ] || removed_unit=1
          ;;
        tree)
          change "remove $path and everything in it"
          # With install.sh's staging trees, if a run of it was cut short.
          [ "$dry_run" = 1 ] || rm -rf "$dest" "$dest.install-new" "$dest.install-old"
          ;;
        dir)
          if [ -z "$(ls -A "$dest")" ] || [ "$dry_run" = 1 ]; then
            change "remove directory $path"
            [ "$dry_run" = 1 ] || rmdir "$dest"
          else
            log "keeping directory $path: it holds files install.sh did not write"
          fi
          ;;
        *) die "$MANIFEST: unknown entry \"$line\"" ;;
      esac
    done
    if [ "$pass" = files ]; then
      change "remove $MANIFEST"
      [ "$dry_run" = 1 ] || rm -f "$manifest_path"
    fi
  done
  if [ "$removed_unit" = 1 ]; then system_cmd systemctl daemon-reload; fi
else
  log "skiff $role is not installed${root:+ under $root} (no $MANIFEST)"
fi

# 3. The data, only when asked.
if [ "$purge" = 1 ]; then
  if [ "$role" = agent ]; then
    if [ -n "$root" ]; then
      log "skipped (--root): removing the containers labelled $CONTAINER_LABEL (the Pods the agent ran)"
    elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
      mapfile -t containers < <(docker ps -aq --filter "label=$CONTAINER_LABEL")
      if [ ${#containers[@]} -gt 0 ]; then system_cmd docker rm -f "${containers[@]}"; fi
    fi
    # Secret volume files live on a tmpfs (agent --secrets-dir, /run/skiff/secrets by default).
    if [ -d "$root/run/skiff" ]; then
      change "remove /run/skiff (the agent's Secret files)"
      [ "$dry_run" = 1 ] || rm -rf "$root/run/skiff"
    fi
  fi
  if [ -e "$root$DATA_DIR" ]; then
    change "remove $DATA_DIR (the $role's data)"
    [ "$dry_run" = 1 ] || rm -rf "$root$DATA_DIR"
  fi
  parent=$(dirname "$DATA_DIR")
  if [ -d "$root$parent" ] && [ -z "$(ls -A "$root$parent")" ]; then
    change "remove directory $parent"
    [ "$dry_run" = 1 ] || rmdir "$root$parent"
  fi
elif [ -e "$root$DATA_DIR" ]; then
  log "kept the data in $DATA_DIR (uninstall.sh $role --purge deletes it)"
  if [ "$role" = agent ]; then log "the Pods' containers the agent ran are left in Docker (--purge removes them)"; fi
fi

if [ "$changes" = 0 ]; then
  log "nothing to do"
elif [ "$dry_run" = 1 ]; then
  log "dry run: nothing was changed ($changes change(s) above)"
else
  log "skiff $role removed${root:+ from $root}"
fi
