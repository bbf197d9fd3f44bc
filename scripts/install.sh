#!/usr/bin/env bash
# Installs Luma as system services:
#   binaries (verse-registry, creator-registry, content-pipeline, media-store, luma-studio, luma-feed, lumactl) and their resources
#   into PREFIX/bin; shell completions for lumactl (bash, zsh, fish); docs; systemd template
#   units (deploy/systemd: one instance per port, e.g. verse-registry@7101.service) into
#   /etc/systemd/system; and, unless --no-system: a `luma` system user, /etc/luma/luma.env and a
#   shared auth key /etc/luma/auth.key (never overwritten), data in /var/lib/luma.
#
# Usage: scripts/install.sh [--bin-dir DIR] [--unit-dir DIR] [--no-system] [--tls] [PREFIX]
#   PREFIX      default /usr/local
#   --bin-dir   take already built binaries from DIR (default: swift build -c release)
#   --unit-dir  where the units go (default /etc/systemd/system)
#   --no-system do not create the user, /etc/luma or reload systemd (packaging, tests)
#   --tls       mutual TLS: a CA and certificates in /etc/luma/tls (lumactl certs init, once),
#               and the TLS_ARGS lines of /etc/luma/luma.env filled in where they are empty
# Then: systemctl enable --now verse-registry@7101 creator-registry@7102 content-pipeline@7103 media-store@7104
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=""
unit_dir=/etc/systemd/system
system=1
tls=0
prefix=/usr/local
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bin_dir=$2; shift 2 ;;
    --unit-dir) unit_dir=$2; shift 2 ;;
    --no-system) system=0; shift ;;
    --tls) tls=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) prefix=$1; shift ;;
  esac
done
case "$prefix" in /*) ;; *) echo "PREFIX must be an absolute path, not '$prefix'" >&2; exit 2 ;; esac

if [ -z "$bin_dir" ]; then
  scripts/ensure-deps.sh
  swift build -c release
  bin_dir=$(swift build -c release --show-bin-path)
fi
services=(verse-registry creator-registry content-pipeline media-store)

install -d "$prefix/bin" "$prefix/share/doc/luma" "$unit_dir" \
  "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
for program in "${services[@]}" lumactl luma-studio luma-feed; do
  install -m 0755 "$bin_dir/$program" "$prefix/bin/$program"
done
# Resource bundles (the KJV, Nave's topics) are found next to the executables.
for bundle in "$bin_dir"/*.resources; do
  [ -d "$bundle" ] || continue
  rm -rf "$prefix/bin/$(basename "$bundle")"
  cp -R "$bundle" "$prefix/bin/"
done
"$prefix/bin/lumactl" --generate-completion-script bash > "$prefix/share/bash-completion/completions/lumactl"
"$prefix/bin/lumactl" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_lumactl"
"$prefix/bin/lumactl" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/lumactl.fish"
install -m 0644 docs/operations.md docs/protocol.md docs/integrity.md docs/media.md docs/content.md docs/workflow.md "$prefix/share/doc/luma/"
for service in "${services[@]}"; do
  sed "s|@PREFIX@|$prefix|g" "deploy/systemd/$service@.service" > "$unit_dir/$service@.service"
  chmod 0644 "$unit_dir/$service@.service"
done
for unit in luma-studio luma-feed; do
  sed "s|@PREFIX@|$prefix|g" "deploy/systemd/$unit.service" > "$unit_dir/$unit.service"
  chmod 0644 "$unit_dir/$unit.service"
done

if [ "$system" -eq 1 ]; then
  id -u luma >/dev/null 2>&1 || useradd --system --home-dir /var/lib/luma --shell /usr/sbin/nologin luma
  install -d -m 0750 -o root -g luma /etc/luma
  [ -e /etc/luma/luma.env ] || install -m 0640 -o root -g luma deploy/systemd/luma.env /etc/luma/luma.env
  if [ ! -e /etc/luma/auth.key ]; then
    (umask 027; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > /etc/luma/auth.key; echo >> /etc/luma/auth.key)
    chgrp luma /etc/luma/auth.key
  fi
  install -d -m 0750 -o luma -g luma /var/lib/luma
  if [ "$tls" -eq 1 ]; then
    if [ ! -e /etc/luma/tls/ca.pem ]; then
      "$prefix/bin/lumactl" certs init /etc/luma/tls
      chgrp -R luma /etc/luma/tls
      chmod 0750 /etc/luma/tls
      chmod 0640 /etc/luma/tls/*-key.pem
      # The CA's key signs; it has no business on a server.
      echo "move /etc/luma/tls/ca-key.pem somewhere offline once the certificates you need are made"
    fi
    t=/etc/luma/tls
    fill() { # VAR value: set an empty VAR= line of luma.env
      grep -q "^$1=$" /etc/luma/luma.env && sed -i "s|^$1=$|$1=$2|" /etc/luma/luma.env || true
    }
    for pair in VERSES:verse-registry CREATORS:creator-registry CONTENT:content-pipeline MEDIA:media-store; do
      fill "LUMA_${pair%%:*}_TLS_ARGS" "--tls-cert $t/${pair#*:}.pem --tls-key $t/${pair#*:}-key.pem --tls-client-ca $t/ca.pem"
    done
    for pair in STUDIO:luma-studio FEED:luma-feed; do
      fill "LUMA_${pair%%:*}_TLS_ARGS" "--tls-ca $t/ca.pem --tls-cert $t/${pair#*:}.pem --tls-key $t/${pair#*:}-key.pem"
    done
    echo "mutual TLS: certificates in $t; lumactl needs LUMA_TLS_CA=$t/ca.pem LUMA_TLS_CERT=$t/lumactl.pem LUMA_TLS_KEY=$t/lumactl-key.pem"
  fi
  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
fi
echo "installed into $prefix; units in $unit_dir"
echo "start: systemctl enable --now verse-registry@7101 creator-registry@7102 content-pipeline@7103 media-store@7104 luma-studio luma-feed"
echo "admin token: LUMA_DATA_DIR=/etc/luma $prefix/bin/lumactl ... (reads /etc/luma/auth.key)"
