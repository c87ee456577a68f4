#!/usr/bin/env bash
# Builds native/hyper-kernels.c into src/native/hyper-kernels.wasm.ts (see tools/heap-wasm-build.sh).
# Usage: native/build.sh [OUT_TS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
exec bash "$pkg/../../tools/heap-wasm-build.sh" "$here/hyper-kernels.c" "${1:-$pkg/src/native/hyper-kernels.wasm.ts}" \
  HYPER_KERNELS_WASM_BASE64
