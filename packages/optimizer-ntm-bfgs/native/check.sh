#!/usr/bin/env bash
# Rebuilds the memory kernel and fails if the committed src/memory-kernel.wasm.ts differs (CI).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
exec bash "$pkg/../../tools/heap-wasm-build.sh" --check --own-memory "$here/memory-kernel.c" \
  "$pkg/src/memory-kernel.wasm.ts" NTM_MEMORY_KERNEL_WASM_BASE64
