#!/usr/bin/env bash
# Rebuilds the CNN kernels and fails if the committed src/engine/kernels/cnn-kernels.wasm.ts differs (CI).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$here/build.sh" "$tmp/cnn-kernels.wasm.ts" >/dev/null
if ! diff -q "$pkg/src/engine/kernels/cnn-kernels.wasm.ts" "$tmp/cnn-kernels.wasm.ts" >/dev/null; then
  echo "check.sh: src/engine/kernels/cnn-kernels.wasm.ts is stale; run: bash native/build.sh" >&2
  diff "$pkg/src/engine/kernels/cnn-kernels.wasm.ts" "$tmp/cnn-kernels.wasm.ts" | head -5 >&2
  exit 1
fi
echo "check.sh: cnn-kernels.wasm.ts matches native/cnn-kernels.c"
