#!/usr/bin/env bash
# Profile-guided build for scheduled runs and releases: `bash scripts/pgo.sh CMD...` runs the
# cargo command CMD with the compiler optimising from a profile of this checkout's pipeline
# run on real reports (branch weights, hot and cold code, inlining). The output is the same
# byte for byte; only the machine code is laid out differently.
#
#   bash scripts/pgo.sh cargo build --release     # then target/pgo/release/govreport run ...
#   bash scripts/pgo.sh cargo run --release -- run --input reports --output out
#   bash scripts/pgo.sh cargo bench --bench pipeline -- --sizes 1GB --repeat 3
#
# The profile: an instrumented build (in target/pgo-gen) runs `govreport run` on seeds/ and,
# where present, on GOVREPORT_CORPUS (default ../shared/corpus beside the clone), each once
# into a new folder and once more from its cache; llvm-profdata merges the counts into
# target/pgo/govreport-HASH.profdata, HASH being a hash of pipeline/, data/, Cargo.toml,
# Cargo.lock and `rustc -vV`. So the profile is made again whenever the sources or the compiler
# change, and because its path is in RUSTFLAGS, cargo then rebuilds every crate with it (cargo
# does not look at the profile's contents). CMD builds into target/pgo, so the plain build in
# target/ is left as it is.
#
# Needs llvm-profdata of the compiler's own LLVM: the rustup component llvm-tools (installed
# here when rustup is present), or LLVM_PROFDATA pointing at one. A first call makes two
# release builds (about 15 minutes each on 2 cores); later calls reuse them. The real build
# prints two LLVM warnings that the profile of `TableBuffer::strs_column` was "partially
# ignored" (a function that may not return); they are harmless.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
[ $# -gt 0 ] || { echo "usage: bash scripts/pgo.sh CMD... (for example: cargo build --release)" >&2; exit 2; }

if [ -z "${LLVM_PROFDATA:-}" ]; then
  LLVM_PROFDATA="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/llvm-profdata"
  if [ ! -x "$LLVM_PROFDATA" ] && command -v rustup >/dev/null; then
    # Offline, this fails; the check below then says what to do.
    rustup component add llvm-tools >&2 || true
  fi
fi
if [ ! -x "$LLVM_PROFDATA" ]; then
  echo "error: llvm-profdata not found at $LLVM_PROFDATA. Install it with 'rustup component add llvm-tools'," >&2
  echo "or set LLVM_PROFDATA to an llvm-profdata of the same LLVM version as rustc ($(rustc -vV | sed -n 's/^LLVM version: //p'))." >&2
  exit 2
fi

PGO="$ROOT/target/pgo"
# The compiler's version is part of it: a profile is read only by the LLVM that wrote its format.
sources="$( (rustc -vV; find pipeline data Cargo.toml Cargo.lock -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)"
PROFILE="$PGO/govreport-$sources.profdata"
if [ ! -f "$PROFILE" ]; then
  echo "== pgo: instrumented build (target/pgo-gen)" >&2
  RAW="$ROOT/target/pgo-gen/profraw"
  rm -rf "$RAW"
  RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-Cprofile-generate=$RAW" CARGO_TARGET_DIR="$ROOT/target/pgo-gen" cargo build --locked --release --bin govreport >&2
  corpus="${GOVREPORT_CORPUS:-}"
  if [ -z "$corpus" ] && [ -d ../shared/corpus ]; then corpus="$(cd ../shared/corpus && pwd)"; fi
  for input in "$ROOT/seeds" ${corpus:+"$corpus"}; do
    echo "== pgo: training run on $input" >&2
    out="$(mktemp -d)"
    # A first run in a new folder, then a rerun that takes every file from the cache. Exit 3
    # (quarantined files) and 4 (validation errors) are outcomes of the data, not failures.
    for pass in first rerun; do
      status=0
      "$ROOT/target/pgo-gen/release/govreport" run --no-progress --input "$input" --output "$out/dataset" >/dev/null 2>"$out/log" || status=$?
      if [ "$status" -ne 0 ] && [ "$status" -ne 3 ] && [ "$status" -ne 4 ]; then
        echo "error: the instrumented pipeline exited $status on $input ($pass run); the end of its log:" >&2
        tail -n 20 "$out/log" >&2
        rm -rf "$out"
        exit 1
      fi
    done
    rm -rf "$out"
  done
  mkdir -p "$PGO"
  # Profiles of earlier sources are of no further use.
  rm -f "$PGO"/govreport-*.profdata
  "$LLVM_PROFDATA" merge -o "$PROFILE.partial" "$RAW"
  mv "$PROFILE.partial" "$PROFILE"
fi

export CARGO_TARGET_DIR="$PGO"
# Read by the benchmark at compile time, so that its results say which build they measured.
export GOVREPORT_BUILD=pgo
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-Cprofile-use=$PROFILE -Cllvm-args=-pgo-warn-missing-function=false"
exec "$@"
