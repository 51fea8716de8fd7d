#!/usr/bin/env bash
# Development build: compiles _C into pyfastfit/ (incremental, build/dev), so tests run
# from the source tree with `python -m pytest`. Usage: tools/dev_build.sh [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/dev -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build/dev
