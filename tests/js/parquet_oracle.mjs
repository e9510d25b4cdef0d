// parquet_oracle.mjs — outside readers and writers of Parquet for Quarry's
// tests (driven by tests/e2e/test_parquet_oracles.py). Prints one JSON
// document on stdout.
//
//   node parquet_oracle.mjs duckdb FILE        types, rows and null counts as DuckDB reads FILE
//   node parquet_oracle.mjs hyparquet FILE     the same as hyparquet reads it
//   node parquet_oracle.mjs write DIR          DuckDB writes the reference table in every
//                                              compression, page version and encoding it can
//   node parquet_oracle.mjs hywrite DIR        hyparquet-writer writes a table with data page v2
//                                              (Snappy and uncompressed); prints the values
//   node parquet_oracle.mjs compare PARQUET CSV
//                                              rows of PARQUET (DuckDB) missing from CSV read
//                                              with the same column types, and the reverse
//
// Values are normalised so that Python compares them as JSON: integers as
// decimal strings, dates as YYYY-MM-DD, timestamps as microseconds since
// 1970 (a decimal string), doubles as numbers, null as null.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteFile } from 'hyparquet-writer';

async function connect() {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  await con.run('SET threads = 1');
  return con;
}

function quote(s) {
  return "'" + String(s).replace(/'/g, "''") + "'";
}

function ident(s) {
  return '"' + String(s).replace(/"/g, '""') + '"';
}

async function columnTypes(con, from) {
  const d = await con.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
  return d.getRowObjectsJson().map((r) => [r.column_name, r.column_type]);
}

async function duckdb(file) {
  const con = await connect();
  const from = `read_parquet(${quote(file)})`;
  const cols = await columnTypes(con, from);
  const select = cols.map(([name, type]) => {
    const c = ident(name);
    if (type.startsWith('TIMESTAMP')) return `CAST(epoch_us(${c}) AS VARCHAR) AS ${c}`;
    if (['BIGINT', 'INTEGER', 'DATE', 'SMALLINT', 'TINYINT', 'HUGEINT'].includes(type)) {
      return `CAST(${c} AS VARCHAR) AS ${c}`;
    }
    return c;
  });
  const rows = (await con.runAndReadAll(`SELECT ${select.join(', ')} FROM ${from}`)).getRowsJson();
  const nulls = {};
  for (const [name] of cols) {
    const r = await con.runAndReadAll(`SELECT count(*) - count(${ident(name)}) AS n FROM ${from}`);
    nulls[name] = Number(r.getRowObjectsJson()[0].n);
  }
  return { types: Object.fromEntries(cols), rows, nulls };
}

function logicalName(el) {
  const lt = el.logical_type;
  if (lt?.type === 'TIMESTAMP') return `TIMESTAMP(${lt.unit},${lt.isAdjustedToUTC ? 'UTC' : 'local'})`;
  if (lt?.type) return lt.type;
  return el.converted_type ?? '';
}

async function hyparquet(file) {
  const buf = fs.readFileSync(file);
  const arrayBuffer = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const meta = parquetMetadata(arrayBuffer);
  const leaves = meta.schema.slice(1);
  const types = Object.fromEntries(leaves.map((el) => [el.name, [el.type, logicalName(el)].join('/')]));
  const parsers = {
    timestampFromMicroseconds: (v) => v.toString(),
    timestampFromMilliseconds: (v) => (BigInt(v) * 1000n).toString(),
    dateFromDays: (d) => new Date(d * 86400000).toISOString().slice(0, 10),
  };
  const objects = await parquetReadObjects({ file: arrayBuffer, compressors, parsers });
  const nulls = Object.fromEntries(leaves.map((el) => [el.name, 0]));
  const rows = objects.map((o) => leaves.map((el) => {
    let v = o[el.name];
    if (v === null || v === undefined) {
      nulls[el.name]++;
      return null;
    }
    if (typeof v === 'bigint') v = v.toString();
    return v;
  }));
  const rowGroups = meta.row_groups.length;
  const codecs = [...new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data.codec)))];
  return { types, rows, nulls, row_groups: rowGroups, codecs, created_by: meta.created_by };
}

// The reference table: every type Quarry reads, nulls in every column.
const TABLE = `
CREATE TABLE t AS SELECT
  i AS id,
  CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 7) % 13 END AS small,
  i::BIGINT * 1000003 - 5000000 AS big,
  CASE WHEN i % 13 = 0 THEN NULL ELSE i / 7.0 END AS dbl,
  (i / 3.0)::FLOAT AS flt,
  (i * 1.125)::DECIMAL(18,3) AS dec18,
  (i * 3.14159 - 2000)::DECIMAL(38,10) AS dec38,
  (i % 100 / 4)::DECIMAL(4,2) AS dec4,
  DATE '2020-01-01' + i::INTEGER AS d,
  TIMESTAMP '2020-01-01 00:00:00' + INTERVAL (i) SECOND + INTERVAL (i * 17) MICROSECOND AS ts,
  CASE WHEN i % 17 = 0 THEN NULL ELSE TIMESTAMPTZ '2020-01-01 00:00:00+00' + INTERVAL (i) MINUTE END AS tstz,
  (TIMESTAMP '2021-06-01' + INTERVAL (i) MILLISECOND)::TIMESTAMP_MS AS tsms,
  (TIMESTAMP '2021-06-01' + INTERVAL (i) MICROSECOND)::TIMESTAMP_NS AS tsns,
  TIME '10:00:00' + INTERVAL (i) SECOND AS tm,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 'name_' || (i % 50) END AS s,
  'unique "' || i || '", ü' AS u,
  i % 3 = 0 AS b,
  (i % 250)::UTINYINT AS ut,
  uuid() AS uu
FROM range(0, 5000) r(i)`;

const VARIANTS = [
  ['snappy_v1', 'COMPRESSION snappy'],
  ['snappy_v2', 'COMPRESSION snappy, PARQUET_VERSION v2'],
  ['zstd_v1', 'COMPRESSION zstd'],
  ['zstd_v2', 'COMPRESSION zstd, PARQUET_VERSION v2'],
  ['gzip_v1', 'COMPRESSION gzip'],
  ['gzip_v2', 'COMPRESSION gzip, PARQUET_VERSION v2'],
  ['none_v1', 'COMPRESSION uncompressed'],
  ['none_v2', 'COMPRESSION uncompressed, PARQUET_VERSION v2'],
  ['plain_v1', 'COMPRESSION snappy, DICTIONARY_SIZE_LIMIT 1'],
  ['plain_v2', 'COMPRESSION zstd, PARQUET_VERSION v2, DICTIONARY_SIZE_LIMIT 1'],
  ['lz4_v1', 'COMPRESSION lz4_raw'],
];

async function write(dir) {
  const con = await connect();
  await con.run(TABLE);
  const out = {};
  for (const [name, opts] of VARIANTS) {
    const file = path.join(dir, `duckdb_${name}.parquet`);
    await con.run(`COPY t TO ${quote(file)} (FORMAT parquet, ${opts}, ROW_GROUP_SIZE 2048)`);
    const m = await con.runAndReadAll(
      `SELECT list(DISTINCT compression) AS codecs, list(DISTINCT encodings) AS encodings,
              count(DISTINCT row_group_id) AS row_groups
       FROM parquet_metadata(${quote(file)})`);
    out[name] = { file, ...m.getRowObjectsJson()[0] };
  }
  return out;
}

// hyparquet-writer writes DATA_PAGE_V2 pages (DuckDB writes v1 pages
// even with PARQUET_VERSION v2, only with the newer encodings).
async function hywrite(dir) {
  const n = 3000;
  const ints = [], bigs = [], dbls = [], bools = [], strs = [], stamps = [], dates = [];
  for (let i = 0; i < n; i++) {
    ints.push(i % 9 === 0 ? null : i - 1500);
    bigs.push(BigInt(i) * 1000000007n - 17n);
    dbls.push(i % 7 === 0 ? null : i / 8);
    bools.push(i % 4 === 0 ? null : i % 3 === 0);
    strs.push(i % 6 === 0 ? null : `s${i % 40} ü "q"`);
    stamps.push(new Date(Date.UTC(2022, 0, 1) + i * 1234567));
    dates.push(18000 + i);
  }
  const columnData = [
    { name: 'i32', data: ints, type: 'INT32' },
    { name: 'i64', data: bigs, type: 'INT64' },
    { name: 'dbl', data: dbls, type: 'DOUBLE' },
    { name: 'b', data: bools, type: 'BOOLEAN' },
    { name: 's', data: strs, type: 'STRING' },
    { name: 'ts', data: stamps, type: 'TIMESTAMP' },
    { name: 'd', data: dates, type: 'INT32' },
  ];
  const files = {};
  for (const codec of ['SNAPPY', 'UNCOMPRESSED']) {
    const file = path.join(dir, `hyparquet_${codec.toLowerCase()}.parquet`);
    parquetWriteFile({ filename: file, columnData, codec, rowGroupSize: 1000 });
    files[codec.toLowerCase()] = file;
  }
  const rows = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      i32: ints[i], i64: bigs[i].toString(), dbl: dbls[i], b: bools[i], s: strs[i],
      ts: stamps[i].toISOString().replace('.000Z', 'Z'),
      d: dates[i],
    });
  }
  return { files, rows };
}

async function compare(parquet, csv) {
  const con = await connect();
  const cols = await columnTypes(con, `read_parquet(${quote(parquet)})`);
  const spec = '{' + cols.map(([n, t]) => `${quote(n)}: ${quote(t)}`).join(', ') + '}';
  const a = `SELECT * FROM read_parquet(${quote(parquet)})`;
  const b = `SELECT * FROM read_csv(${quote(csv)}, header = true, columns = ${spec})`;
  const count = async (sql) => Number((await con.runAndReadAll(`SELECT count(*) AS n FROM (${sql})`)).getRowObjectsJson()[0].n);
  return {
    rows: await count(a),
    csv_rows: await count(b),
    missing: await count(`(${a}) EXCEPT ALL (${b})`),
    extra: await count(`(${b}) EXCEPT ALL (${a})`),
  };
}

const [cmd, ...args] = process.argv.slice(2);
const commands = { duckdb, hyparquet, write, hywrite, compare };
if (!commands[cmd]) {
  console.error('usage: node parquet_oracle.mjs duckdb|hyparquet|write|hywrite|compare ...');
  process.exit(2);
}
const result = await commands[cmd](...args);
process.stdout.write(JSON.stringify(result, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
