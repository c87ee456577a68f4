#!/usr/bin/env bash
# Rebuilds the CNN kernels and fails if the committed src/engine/kernels/cnn-kernels.wasm.ts differs (CI).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
exec bash "$pkg/../../tools/heap-wasm-build.sh" --check "$here/cnn-kernels.c" "$pkg/src/engine/kernels/cnn-kernels.wasm.ts" \
  CNN_KERNELS_WASM_BASE64
