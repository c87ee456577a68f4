#!/usr/bin/env bash
# Rebuilds the hyper kernels and fails if the committed src/native/hyper-kernels.wasm.ts differs (CI).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
exec bash "$pkg/../../tools/heap-wasm-build.sh" --check "$here/hyper-kernels.c" "$pkg/src/native/hyper-kernels.wasm.ts" \
  HYPER_KERNELS_WASM_BASE64
