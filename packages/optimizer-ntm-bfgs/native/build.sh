#!/usr/bin/env bash
# Builds native/memory-kernel.c into src/memory-kernel.wasm.ts (its own memory; see tools/heap-wasm-build.sh).
# Usage: native/build.sh [OUT_TS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
exec bash "$pkg/../../tools/heap-wasm-build.sh" --own-memory "$here/memory-kernel.c" \
  "${1:-$pkg/src/memory-kernel.wasm.ts}" NTM_MEMORY_KERNEL_WASM_BASE64
