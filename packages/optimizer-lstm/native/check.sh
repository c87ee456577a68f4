#!/usr/bin/env bash
# Rebuilds the kernel and fails if the committed src/fused/lstm-kernel.wasm.ts differs from the source's build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$here/build.sh" "$tmp/lstm-kernel.wasm.ts" >/dev/null
if ! diff -q "$pkg/src/fused/lstm-kernel.wasm.ts" "$tmp/lstm-kernel.wasm.ts" >/dev/null; then
  echo "check.sh: src/fused/lstm-kernel.wasm.ts is stale; run: bash native/build.sh" >&2
  diff "$pkg/src/fused/lstm-kernel.wasm.ts" "$tmp/lstm-kernel.wasm.ts" | head -5 >&2
  exit 1
fi
echo "check.sh: lstm-kernel.wasm.ts matches native/lstm-kernel.c"
