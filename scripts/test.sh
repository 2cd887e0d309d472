#!/usr/bin/env bash
# The project's one test command (README "Run the tests"; .ci/run calls exactly this).
# Runs the Rust unit and integration tests. Tests that need the shared corpus read it from
# GOVREPORT_CORPUS (default: ../shared/corpus beside the clone) and say SKIPPED without it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${GOVREPORT_CORPUS:-}" ] && [ -d ../shared/corpus ]; then
  export GOVREPORT_CORPUS="$(cd ../shared/corpus && pwd)"
fi
echo "GOVREPORT_CORPUS=${GOVREPORT_CORPUS:-<unset: corpus tests will be skipped>}"
cargo test --locked --all-targets 2>&1
