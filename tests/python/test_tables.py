"""The tables open with zero options in polars, pyarrow and DuckDB, with the types
schemas/tables.toml promises (no strings for dates, no floats for counts).

Run by scripts/test.sh against a fresh run on seeds/ (GOVREPORT_OUTPUT names that folder).
"""
import os
import tomllib
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(os.environ.get("GOVREPORT_OUTPUT", ROOT / "output"))
SCHEMA = tomllib.loads((ROOT / "schemas" / "tables.toml").read_text(encoding="utf-8"))
TABLES = [t for t in SCHEMA["tables"] if (OUT / f"{t['name']}.parquet").exists()]

POLARS = {
    "utf8": lambda d: d == pl.String,
    "int32": lambda d: d == pl.Int32,
    "int64": lambda d: d == pl.Int64,
    "float64": lambda d: d == pl.Float64,
    "bool": lambda d: d == pl.Boolean,
    "date32": lambda d: d == pl.Date,
    "timestamp_ms": lambda d: isinstance(d, pl.Datetime) and d.time_zone is None,
}
ARROW = {
    "utf8": lambda t: str(t) in ("string", "large_string"),
    "int32": lambda t: str(t) == "int32",
    "int64": lambda t: str(t) == "int64",
    "float64": lambda t: str(t) == "double",
    "bool": lambda t: str(t) == "bool",
    "date32": lambda t: str(t) == "date32[day]",
    "timestamp_ms": lambda t: str(t) == "timestamp[ms]",
}
DUCKDB = {
    "utf8": lambda t: t == "VARCHAR",
    "int32": lambda t: t == "INTEGER",
    "int64": lambda t: t == "BIGINT",
    "float64": lambda t: t == "DOUBLE",
    "bool": lambda t: t == "BOOLEAN",
    "date32": lambda t: t == "DATE",
    "timestamp_ms": lambda t: t.startswith("TIMESTAMP") and "TIME ZONE" not in t,
}


def test_every_core_table_was_written():
    names = {t["name"] for t in TABLES}
    for t in ["documents", "paragraphs", "sentences", "tokens", "indicators", "issues"]:
        assert t in names, f"{t}.parquet missing in {OUT}"


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t["name"])
def test_polars_scan_parquet_types(table):
    schema = pl.scan_parquet(OUT / f"{table['name']}.parquet").collect_schema()
    assert list(schema.names()) == [c["name"] for c in table["columns"]]
    for c in table["columns"]:
        assert POLARS[c["type"]](schema[c["name"]]), f"{table['name']}.{c['name']}: {schema[c['name']]} is not {c['type']}"


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t["name"])
def test_pyarrow_types_and_nullability(table):
    t = pq.read_table(OUT / f"{table['name']}.parquet")
    for c in table["columns"]:
        col = t.column(c["name"])
        assert ARROW[c["type"]](col.type), f"{table['name']}.{c['name']}: {col.type} is not {c['type']}"
        if not c["nullable"]:
            assert col.null_count == 0, f"{table['name']}.{c['name']} has nulls"


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t["name"])
def test_duckdb_reads_with_zero_options(table):
    path = str(OUT / f"{table['name']}.parquet")
    rel = duckdb.sql(f"SELECT * FROM '{path}'")
    types = dict(zip(rel.columns, [str(t) for t in rel.types]))
    for c in table["columns"]:
        assert DUCKDB[c["type"]](types[c["name"]]), f"{table['name']}.{c['name']}: {types[c['name']]} is not {c['type']}"
    n = duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchall()[0][0]
    assert n == pl.scan_parquet(path).select(pl.len()).collect().item()


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t["name"])
def test_the_three_readers_decode_the_same_values(table):
    """Every value, not just the types: the dictionary pages and RLE runs of `tokens`
    (doc_id, word, pos) are written by the project's own encoder (pipeline/sink/dictionary.rs),
    the other columns by the parquet crate; polars, pyarrow and DuckDB must all read them alike."""
    path = str(OUT / f"{table['name']}.parquet")
    by_polars = pl.read_parquet(path)
    assert pl.from_arrow(pq.read_table(path)).equals(by_polars)
    assert duckdb.sql(f"SELECT * FROM '{path}'").pl().equals(by_polars)


def test_counts_are_integers_and_the_seed_figure_is_there():
    ind = pl.read_parquet(OUT / "indicators.parquet")
    hit = ind.filter(
        (pl.col("indicator") == "社会消费品零售总额")
        & (pl.col("measure") == "level")
        & (pl.col("value") == 44_970_000_000.0)
    )
    assert hit.height >= 1
    docs = pl.read_parquet(OUT / "documents.parquet")
    for name, dtype in docs.schema.items():
        if name.startswith("n_"):
            assert dtype.is_integer(), f"documents.{name} is {dtype}"
