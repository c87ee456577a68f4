#!/usr/bin/env bash
# Runs one PyTorch peer of the bench (a python script beside this file) on the same machine as l2o's numbers.
# Finds torch in the system python; if it is missing and we are root, installs Debian's python3-torch with
# OpenBLAS (libopenblas0-pthread) through apt. Without torch it prints "peer: no torch (...)" and exits 3, so the
# bench reports the rest. Usage: run-peer.sh SCRIPT.py [ARGS…]   (PEER_THREADS: torch threads, default 2)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
script=${1:?usage: run-peer.sh SCRIPT.py [ARGS…]}
shift
case "$script" in */*) ;; *) script="$here/$script" ;; esac
[ -f "$script" ] || { echo "run-peer.sh: no peer script $script" >&2; exit 2; }
# The first python with torch: $PEER_PYTHON, Debian's /usr/bin/python3 (where apt puts python3-torch, even when a
# pyenv or venv python comes first on PATH), then python3 on PATH.
py=
find_python() {
  for c in ${PEER_PYTHON:-} /usr/bin/python3 "$(command -v python3 || true)"; do
    if [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import torch' >/dev/null 2>&1; then py=$c; return 0; fi
  done
  return 1
}
has_torch() { [ -n "$py" ] || find_python; }
if ! has_torch && [ "${PEER_NO_INSTALL:-}" != 1 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "peer: installing python3-torch and libopenblas0-pthread with apt (once)…" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread) \
      >/dev/null 2>&1 || true
  fi
fi
if ! has_torch; then
  echo "peer: no torch (python3 -c 'import torch' fails; as root this script installs Debian's python3-torch)"
  exit 3
fi
# One BLAS thread per torch thread; large allocations kept (glibc would otherwise return and re-fault them).
export OPENBLAS_NUM_THREADS=1 PEER_THREADS=${PEER_THREADS:-2}
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=268435456
exec "$py" "$script" "$@"
