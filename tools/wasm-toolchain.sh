# Sourced by the native kernels' build scripts: sets CLANG and WASM_LD to Debian's clang-14 and wasm-ld-14 (or the
# unversioned names; the CLANG / WASM_LD environment variables override them), or fails with how to install them.
find_tool() { # first of the candidates that exists
  for c in "$@"; do if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi; done
  return 1
}
CLANG=${CLANG:-$(find_tool clang-14 clang || true)}
WASM_LD=${WASM_LD:-$(find_tool wasm-ld-14 wasm-ld || true)}
if [ -z "$CLANG" ] || [ -z "$WASM_LD" ]; then
  echo "build: need clang-14 and wasm-ld-14 (apt-get install -y clang-14 lld-14)" >&2
  exit 1
fi
