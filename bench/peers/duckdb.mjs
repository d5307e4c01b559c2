// Runs SQL statements on DuckDB through @duckdb/node-api and prints the rows of the last one
// as tab-separated lines (NULL as an empty field), one row a line, no header.
//
// Usage: node duckdb.mjs DATABASE SQL_FILE
//   DATABASE  a DuckDB database file, or :memory:
//   SQL_FILE  statements separated by ';' at the end of a line
// With DUCKDB_TIMES=FILE set, the wall seconds of the statements themselves (without node's
// start-up and the opening of the database) are appended to FILE, one line a run.
// The package comes from tests/peer/node_modules (scripts/setup installs it there), so the
// benchmark needs no npm project of its own.
import { createRequire } from 'node:module';
import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/peer/package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const [database, sqlFile] = process.argv.slice(2);
if (!database || !sqlFile) {
  console.error('usage: node duckdb.mjs DATABASE SQL_FILE');
  process.exit(2);
}
const statements = readFileSync(sqlFile, 'utf8').split(/;\s*\n/).map((s) => s.trim())
  .filter((s) => s !== '');

const instance = await DuckDBInstance.create(database);
const connection = await instance.connect();
let reader = null;
const started = process.hrtime.bigint();
for (const sql of statements) reader = await connection.runAndReadAll(sql);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
if (process.env.DUCKDB_TIMES) appendFileSync(process.env.DUCKDB_TIMES, `${seconds.toFixed(3)}\n`);
const lines = reader.getRows().map((row) =>
  row.map((v) => (v === null || v === undefined ? '' : String(v))).join('\t'));
process.stdout.write(lines.length ? lines.join('\n') + '\n' : '');
connection.closeSync?.();
