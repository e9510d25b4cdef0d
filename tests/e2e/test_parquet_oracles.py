"""Parquet against outside readers and writers (tests/js/parquet_oracle.mjs).

- Files quarry-process writes are read by DuckDB (@duckdb/node-api) and by
  hyparquet with the values, types and null counts the CSV held.
- Files DuckDB writes (each compression, v1 and v2 settings, dictionary and
  plain) and hyparquet-writer writes (data page v2) are read by
  quarry-process with identical values (DuckDB compares them, typed).
- CSV -> Parquet -> CSV is byte-identical for typed columns.

These drive quarry-process directly (the build the stack uses); the API
path is in test_parquet.py."""

import csv
import io
import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
JS = REPO / "tests" / "js"
BUILD = Path(os.environ.get("QUARRY_BUILD_DIR") or REPO / "build" / os.environ.get("QUARRY_BUILD", "asan"))
PROCESS = BUILD / "quarry-process"


def node(*args, timeout=300):
    if not (JS / "node_modules" / "@duckdb" / "node-api").is_dir():
        pytest.fail("tests/js/node_modules is missing: run tools/quarry deps")
    out = subprocess.run(["node", str(JS / "parquet_oracle.mjs"), *map(str, args)], cwd=JS,
                         capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def quarry(src, dst, output_format=None, steps=None):
    cmd = [str(PROCESS), "run", "--input", str(src), "--output", str(dst), "--metadata"]
    if output_format:
        cmd += ["--output-format", output_format]
    if steps:
        cmd += ["--steps", json.dumps(steps)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    result = json.loads(out.stdout)
    return out.returncode, result


# ---------------------------------------------------------------- Quarry writes

COLUMNS = ["id", "amount", "active", "day", "at", "name", "code", "empty"]


def number_text(v):
    """The shortest text of a number, as Quarry writes it (2.0 is 2)."""
    s = repr(v)
    return s[:-2] if s.endswith(".0") else s


def fraction(i):
    """Sub-second digits as Quarry writes them: none, 3 or 6."""
    us = [0, 250000, 123000, (i * 1237) % 1000000][i % 4]
    if us == 0:
        return ""
    return ".%03d" % (us // 1000) if us % 1000 == 0 else ".%06d" % us


def make_rows(n=3000):
    rows = []
    for i in range(n):
        rows.append([
            str(i - 1000),
            "" if i % 7 == 0 else number_text((i - 1500) / 8),
            "" if i % 5 == 0 else ("true" if i % 3 == 0 else "false"),
            "" if i % 11 == 0 else "2023-%02d-%02d" % (i % 12 + 1, i % 28 + 1),
            "" if i % 13 == 0 else "2024-03-%02dT%02d:%02d:%02d%sZ" % (i % 28 + 1, i % 24, i % 60, (i * 7) % 60,
                                                                     fraction(i)),
            "" if i % 4 == 0 else ["Zoë", "a,b", 'say "hi"', "multi\nline", "plain"][i % 5],
            "%03d" % (i % 40),
            "",
        ])
    return rows


def csv_text(rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow(r)
    # Quarry writes an empty string as "" and a null as nothing; the rows
    # here have no empty strings, only nulls, which csv.writer leaves bare.
    return buf.getvalue()


def micros(iso):
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in iso else "%Y-%m-%dT%H:%M:%SZ"
    dt = datetime.strptime(iso, fmt).replace(tzinfo=timezone.utc)
    return str(int(dt.timestamp()) * 1000000 + dt.microsecond)


def expected(rows):
    """Values as the oracle script normalises them, and null counts."""
    out = []
    for r in rows:
        out.append([
            r[0],
            float(r[1]) if r[1] else None,
            (r[2] == "true") if r[2] else None,
            r[3] or None,
            micros(r[4]) if r[4] else None,
            r[5] or None,
            r[6],
            None,
        ])
    nulls = {c: sum(1 for r in out if r[k] is None) for k, c in enumerate(COLUMNS)}
    return out, nulls


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    d = tmp_path_factory.mktemp("pq_written")
    rows = make_rows()
    src = d / "typed.csv"
    src.write_text(csv_text(rows), encoding="utf-8")
    files = {}
    for codec in ("snappy", "zstd", "none"):
        dst = d / ("quarry_%s.parquet" % codec)
        rc, res = quarry(src, dst, steps=[{"type": "convert_format", "params": {
            "to_format": "parquet", "compression": codec, "row_group_size": 1000}}])
        assert rc == 0 and res["status"] == "ok", res
        files[codec] = dst
    return src, rows, files


@pytest.mark.parametrize("codec", ["snappy", "zstd", "none"])
def test_duckdb_reads_what_quarry_writes(written, codec):
    _, rows, files = written
    got = node("duckdb", files[codec])
    assert got["types"] == {"id": "BIGINT", "amount": "DOUBLE", "active": "BOOLEAN", "day": "DATE",
                            "at": "TIMESTAMP WITH TIME ZONE", "name": "VARCHAR", "code": "VARCHAR",
                            "empty": "VARCHAR"}
    values, nulls = expected(rows)
    assert got["nulls"] == nulls
    assert got["rows"] == values


@pytest.mark.parametrize("codec", ["snappy", "zstd", "none"])
def test_hyparquet_reads_what_quarry_writes(written, codec):
    _, rows, files = written
    got = node("hyparquet", files[codec])
    assert got["types"] == {"id": "INT64/", "amount": "DOUBLE/", "active": "BOOLEAN/", "day": "INT32/DATE",
                            "at": "INT64/TIMESTAMP(MICROS,UTC)", "name": "BYTE_ARRAY/STRING",
                            "code": "BYTE_ARRAY/STRING", "empty": "BYTE_ARRAY/STRING"}
    assert got["row_groups"] == 3
    assert got["codecs"] == [{"snappy": "SNAPPY", "zstd": "ZSTD", "none": "UNCOMPRESSED"}[codec]]
    values, nulls = expected(rows)
    assert got["nulls"] == nulls
    assert got["rows"] == values


def test_csv_parquet_csv_byte_identical(written, tmp_path):
    src, _, files = written
    for codec, pq in files.items():
        back = tmp_path / ("back_%s.csv" % codec)
        rc, res = quarry(pq, back, output_format="csv")
        assert rc == 0, res
        assert back.read_bytes() == src.read_bytes(), codec
        assert res["metadata"]["row_groups"] == 3
        assert res["metadata"]["data_types"] == {"id": "integer", "amount": "number", "active": "boolean",
                                                 "day": "date", "at": "datetime", "name": "string",
                                                 "code": "string", "empty": "string"}


# ---------------------------------------------------------------- Quarry reads

@pytest.fixture(scope="module")
def duckdb_files(tmp_path_factory):
    return node("write", tmp_path_factory.mktemp("pq_duckdb"))


VARIANTS = ["snappy_v1", "snappy_v2", "zstd_v1", "zstd_v2", "gzip_v1", "gzip_v2", "none_v1", "none_v2",
            "plain_v1", "plain_v2"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_quarry_reads_what_duckdb_writes(duckdb_files, variant, tmp_path):
    info = duckdb_files[variant]
    if variant.startswith("plain"):
        assert "PLAIN_DICTIONARY" not in info["encodings"] and "RLE_DICTIONARY" not in info["encodings"]
    else:
        assert set(info["encodings"]) & {"PLAIN_DICTIONARY", "RLE_DICTIONARY"}
    if variant.endswith("v2"):
        assert "DELTA_BINARY_PACKED" in info["encodings"]
    out = tmp_path / "out.csv"
    rc, res = quarry(info["file"], out, output_format="csv")
    assert rc == 0, res
    assert res["total"] == 5000 and res["failed"] == 0
    assert res["metadata"]["row_groups"] == 3
    assert res["metadata"]["compression"] == info["codecs"][0].lower()
    assert res["metadata"]["created_by"].startswith("DuckDB")
    cmp = node("compare", info["file"], out)
    assert cmp == {"rows": 5000, "csv_rows": 5000, "missing": 0, "extra": 0}


def test_unsupported_compression_is_a_clear_failure(duckdb_files, tmp_path):
    rc, res = quarry(duckdb_files["lz4_v1"]["file"], tmp_path / "out.csv", output_format="csv")
    assert rc != 0
    assert res["status"] == "bad input"
    assert "LZ4_RAW compression is not supported" in res["error"]
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("codec", ["snappy", "uncompressed"])
def test_quarry_reads_data_page_v2(tmp_path, codec):
    written = node("hywrite", tmp_path)
    out = tmp_path / "out.jsonl"
    rc, res = quarry(written["files"][codec], out, output_format="jsonl")
    assert rc == 0, res
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert got == [{**r, "i64": int(r["i64"])} for r in written["rows"]]
    assert res["metadata"]["row_groups"] == 3
