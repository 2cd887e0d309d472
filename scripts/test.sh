#!/usr/bin/env bash
# The project's one test command (README "Run the tests"; .ci/run calls exactly this).
#
# 1. Rust unit and integration tests (cargo test). Tests that need the shared corpus read it
#    from GOVREPORT_CORPUS (default: ../shared/corpus beside the clone) and print SKIPPED
#    without it. Then the API docs build without a warning (cargo doc).
# 2. A fresh pipeline run on seeds/, then the data-user checks in Python (.venv, created and
#    filled from requirements-dev.txt on first use): the tables open in polars, pyarrow and
#    DuckDB with the schema's types; notebooks/explore.ipynb executes green with its plots.
# 3. Where ../shared/eval is present, the indicator scorer on that run (printed, and a floor).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
if [ -z "${GOVREPORT_CORPUS:-}" ] && [ -d ../shared/corpus ]; then
  export GOVREPORT_CORPUS="$(cd ../shared/corpus && pwd)"
fi
echo "GOVREPORT_CORPUS=${GOVREPORT_CORPUS:-<unset: corpus tests will be skipped>}"

echo "== cargo test"
cargo test --locked --all-targets 2>&1

echo "== cargo doc (a broken or private-item doc link is an error)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -q 2>&1

echo "== fresh run on seeds/"
OUT="$ROOT/target/ci-output"
rm -rf "$OUT"
cargo run --locked -q -- run --no-progress --input seeds --output "$OUT"

echo "== python environment"
PY="$ROOT/.venv/bin/python"
if [ ! -x "$PY" ] || ! "$PY" -c "import polars, pyarrow, duckdb, matplotlib, nbclient, ipykernel, pytest" 2>/dev/null; then
  python3 -m venv "$ROOT/.venv"
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q -r requirements-dev.txt
fi
"$PY" -m ipykernel install --user --name python3 --display-name "Python 3" >/dev/null 2>&1 || true

echo "== tables in polars, pyarrow, duckdb"
GOVREPORT_OUTPUT="$OUT" "$PY" -m pytest -q tests/python

echo "== notebook"
"$PY" scripts/run_notebook.py "$OUT" seeds "$ROOT/target/notebooks/explore.executed.ipynb"

if [ -f ../shared/eval/score_indicators.py ]; then
  echo "== indicator scorer (dev gold on seeds)"
  "$PY" ../shared/eval/score_indicators.py "$OUT" ../shared/eval/gold_dev.jsonl
  f1=$("$PY" ../shared/eval/score_indicators.py "$OUT" ../shared/eval/gold_dev.jsonl --json | "$PY" -c "import json,sys; print(json.load(sys.stdin)['f1'])")
  "$PY" -c "import sys; f=float('$f1'); print('scorer floor (F1 >= 0.95):', 'ok' if f >= 0.95 else 'FAILED'); sys.exit(0 if f >= 0.95 else 1)"
fi
echo "all checks passed"
