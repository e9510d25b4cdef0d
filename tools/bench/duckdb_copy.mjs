// duckdb_copy.mjs — runs one COPY in DuckDB on one thread and prints the
// seconds the statement took (the reference of tools/bench/engine.sh).
//   node tools/bench/duckdb_copy.mjs csv2parquet IN.csv OUT.parquet
//   node tools/bench/duckdb_copy.mjs parquet2csv IN.parquet OUT.csv
// @duckdb/node-api comes from tests/js (tools/quarry deps installs it).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(repo, 'tests', 'js', 'package.json'));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);

const [mode, input, output] = process.argv.slice(2);
const q = (s) => "'" + s.replace(/'/g, "''") + "'";
const sql = {
  csv2parquet: `COPY (SELECT * FROM read_csv(${q(input)})) TO ${q(output)} (FORMAT parquet, COMPRESSION snappy)`,
  parquet2csv: `COPY (SELECT * FROM read_parquet(${q(input)})) TO ${q(output)} (FORMAT csv, HEADER)`,
}[mode];
if (!sql) {
  console.error('usage: duckdb_copy.mjs csv2parquet|parquet2csv IN OUT');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
await con.run('SET threads = 1');
const t0 = process.hrtime.bigint();
await con.run(sql);
console.log((Number(process.hrtime.bigint() - t0) / 1e9).toFixed(3));
