#!/usr/bin/env bash
# Regenerates every generated Swift file from proto/ with pinned tools:
#   protoc 3.21.12 (Debian protobuf-compiler), protoc-gen-swift from swift-protobuf 1.39.0 and
#   protoc-gen-luma-rpc (tools/protoc-gen-luma-rpc), both built here in release mode; and the
#   C SDK's messages with protoc-c 1.4.1 (Debian protobuf-c-compiler) into sdk/c/generated.
# Usage: scripts/generate-protos.sh          regenerate in place
#        scripts/generate-protos.sh --check  fail if the committed files are not current (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

want_protoc="libprotoc 3.21.12"
want_protoc_c="protobuf-c 1.4.1"
have_protoc_c=$(protoc-c --version 2>/dev/null | head -1 || true)
if [ "$have_protoc_c" != "$want_protoc_c" ]; then
  echo "need $want_protoc_c (apt-get install protobuf-c-compiler), found '${have_protoc_c:-none}'" >&2
  exit 1
fi
have_protoc=$(protoc --version 2>/dev/null || true)
if [ "$have_protoc" != "$want_protoc" ]; then
  echo "need $want_protoc (apt-get install protobuf-compiler), found '${have_protoc:-none}'" >&2
  exit 1
fi

tools="$root/tools/protoc-gen-luma-rpc"
swift build --package-path "$tools" -c release --product protoc-gen-swift >&2
swift build --package-path "$tools" -c release --product protoc-gen-luma-rpc >&2
bin=$(swift build --package-path "$tools" -c release --show-bin-path)

# proto files -> Swift target directory that owns their generated code.
# Format: "<proto dir under proto/>[/<file glob>]:<output dir>:<luma-rpc options>"
# The wire envelope (frame.proto) belongs to the TCP transport; health and reflection, which
# every server hosts, to the RPC core.
targets=(
  "luma/rpc/v1/frame.proto:Sources/LumaRPCNIO/Generated:"
  "luma/rpc/v1/[hr]*.proto:Sources/LumaRPC/Generated:ImportRuntime=false"
  "luma/examples/v1:Sources/LumaEcho/Generated:"
  "luma/ops/v1:Sources/OpsAPI/Generated:"
  "luma/verses/v1:services/verse-registry/Sources/VersesAPI/Generated:"
  "luma/creators/v1:services/creator-registry/Sources/CreatorsAPI/Generated:"
  "luma/content/v1:services/content-pipeline/Sources/ContentAPI/Generated:"
  "luma/media/v1:services/media-store/Sources/MediaAPI/Generated:"
)

out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
for entry in "${targets[@]}"; do
  IFS=: read -r dir dest opts <<<"$entry"
  mkdir -p "$out/$dest"
  protoc -I proto \
    --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
    --plugin=protoc-gen-luma-rpc="$bin/protoc-gen-luma-rpc" \
    --swift_out="$out/$dest" --swift_opt=Visibility=Public,FileNaming=DropPath \
    --luma-rpc_out="$out/$dest" --luma-rpc_opt="Visibility=Public${opts:+,$opts}" \
    $(if [[ "$dir" == *.proto ]]; then echo proto/$dir; else echo proto/"$dir"/*.proto; fi)
  # luma-rpc names files by their full path; flatten like FileNaming=DropPath.
  find "$out/$dest" -mindepth 2 -name '*.luma.swift' -exec mv {} "$out/$dest/" \;
  find "$out/$dest" -mindepth 1 -type d -empty -delete
done

# C: every proto, with its directory structure (luma/rpc/v1/frame.pb-c.h, ...).
c_dest="sdk/c/generated"
mkdir -p "$out/$c_dest"
(cd proto && find luma -name '*.proto' | sort | xargs protoc-c -I . --c_out="$out/$c_dest")
targets+=("c:$c_dest:")

status=0
for entry in "${targets[@]}"; do
  IFS=: read -r dir dest opts <<<"$entry"
  if [ "${1:-}" = "--check" ]; then
    if ! diff -r "$out/$dest" "$dest" >/dev/null 2>&1; then
      echo "generated code in $dest is stale: run scripts/generate-protos.sh" >&2
      diff -r "$out/$dest" "$dest" | head -20 >&2 || true
      status=1
    fi
  else
    rm -rf "$dest"; mkdir -p "$dest"; cp -R "$out/$dest"/. "$dest/"
    echo "generated $dest: $(ls "$dest" | tr '\n' ' ')"
  fi
done
exit $status
