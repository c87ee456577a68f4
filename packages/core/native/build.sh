#!/usr/bin/env bash
# Builds native/cnn-kernels.c into src/engine/kernels/cnn-kernels.wasm.ts (see tools/heap-wasm-build.sh).
# Usage: native/build.sh [OUT_TS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
exec bash "$pkg/../../tools/heap-wasm-build.sh" "$here/cnn-kernels.c" "${1:-$pkg/src/engine/kernels/cnn-kernels.wasm.ts}" \
  CNN_KERNELS_WASM_BASE64
