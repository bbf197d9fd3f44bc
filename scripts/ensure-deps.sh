#!/usr/bin/env bash
# Installs the Debian packages the build and tests need (scripts/apt-packages.txt), if any is
# missing:
#   libsqlite3-dev       GRDB links the system SQLite
#   protobuf-compiler    protoc, for scripts/generate-protos.sh
#   protobuf-c-compiler  protoc-c, for the C SDK's generated code
#   libprotobuf-c-dev    the C SDK's runtime
#   libssl-dev           libcrypto's SHA-256, for the C SDK's upload helper
#   valgrind             the C SDK's leak checks
#   make, pkg-config     the C SDK's build and its pkg-config file
#   systemd              systemd-analyze, to verify the units scripts/install.sh installs
#   chromium, chromium-driver  the headless browser the studio's end-to-end test drives
#   ffmpeg               ffprobe/ffmpeg: media-store checks uploads, tests make their videos
# and, from PyPI, selenium (the test's browser driver) if python3 cannot import it.
set -euo pipefail
mapfile -t packages < "$(dirname "$0")/apt-packages.txt"
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
python_deps() {
  python3 -c "import selenium" 2>/dev/null && return 0
  echo "installing: selenium (pip)" >&2
  python3 -m pip install --quiet selenium 2>/dev/null || python3 -m pip install --quiet --break-system-packages selenium
}
[ ${#missing[@]} -eq 0 ] && { python_deps; exit 0; }

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# apt can be briefly locked by another apt process: retry once.
$sudo apt-get update -qq || { sleep 5; $sudo apt-get update -qq; }
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null || { sleep 5; $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; }
python_deps
