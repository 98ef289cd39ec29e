// node --import tsx bench/mysql-inspect-chunks.ts [--tenants 200] [--repeat 3] [--chunks 25,50,100,200] [--shapes in-list,union-of-equalities]
//
// Times the MySQL/MariaDB inspector over a fleet of Sakila tenant databases, per chunk size and
// per query shape (`TABLE_SCHEMA IN (...)`, the inspector's, or a UNION ALL of one
// `TABLE_SCHEMA = ?` branch per database: see src/engines/mysql/queries.ts), then each catalog
// query alone over one chunk of the largest size. Each setting is run `repeat` times after one
// warm-up and the median is printed; every run must read the same model for every tenant. The
// databases are dropped afterwards, also after an error or an interrupt.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { openServer } from '../src/engines/mysql/connect.js';
import { inspectDatabases } from '../src/engines/mysql/inspect.js';
import * as queries from '../src/engines/mysql/queries.js';
import type { ChunkQuery, ChunkShape } from '../src/engines/mysql/queries.js';
import { canonicalJson } from '../src/model/canonical-json.js';

const url = process.env['SCHEMA_SYNC_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/';
const { values } = parseArgs({ options: { tenants: { type: 'string', default: '200' }, repeat: { type: 'string', default: '3' }, chunks: { type: 'string', default: '25,50,100,200' }, shapes: { type: 'string', default: 'in-list' } } });
const tenants = Number(values.tenants);
const repeat = Number(values.repeat);
const chunks = values.chunks.split(',').map(Number);
const shapes = values.shapes.split(',') as ChunkShape[];
if (!(tenants > 0 && tenants <= 1000 && repeat > 0 && chunks.every((c) => c > 0) && shapes.every((s) => s === 'in-list' || s === 'union-of-equalities'))) {
  throw new Error('usage: --tenants 1..1000 --repeat n --chunks a,b,c --shapes in-list,union-of-equalities');
}

const prefix = `ss_bench_chunks_${randomBytes(3).toString('hex')}`;
const names = Array.from({ length: tenants }, (_, i) => `${prefix}_${String(i).padStart(4, '0')}`);

const sakila = readFileSync(path.join(import.meta.dirname, '..', 'test', 'fixtures', 'sakila', 'sakila-schema.sql'), 'utf8')
  .replace(/^(DROP SCHEMA IF EXISTS|CREATE SCHEMA|USE) sakila;$/gm, '')
  .replaceAll('sakila.', '');

function client(script: string): void {
  const u = new URL(url);
  const args = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root')];
  if (u.password) args.push(`-p${decodeURIComponent(u.password)}`);
  execFileSync('mysql', args, { input: script, stdio: ['pipe', 'inherit', 'inherit'], maxBuffer: 1 << 26 });
}

async function dropAll(): Promise<void> {
  const connection = await mysql.createConnection({ uri: url });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [`${prefix}\\_%`]);
    for (const row of rows) await connection.query(`DROP DATABASE IF EXISTS \`${String(row['name'])}\``);
  } finally {
    await connection.end();
  }
}

/**
 * The server's count of table definitions read from disk so far (Opened_table_definitions): what
 * a run costs in file reads, whatever the machine's load does to its time. The whole server
 * counts, so other sessions' work shows up in it too.
 */
async function openedDefinitions(): Promise<number> {
  const connection = await mysql.createConnection({ uri: url });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Opened_table_definitions'");
    return Number(rows[0]?.['Value'] ?? 0);
  } finally {
    await connection.end();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < names.length; i += 20) {
    client(names.slice(i, i + 20).map((n) => `CREATE DATABASE \`${n}\`;\nUSE \`${n}\`;\n${sakila}\n`).join('\n'));
    process.stderr.write(`\rbuilt ${Math.min(i + 20, names.length)}/${names.length} Sakila databases`);
  }
  process.stderr.write(` in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

  const server = await openServer(url, { lockTimeoutMs: 5_000, statementTimeoutMs: 600_000 });
  try {
    const [[others]] = await server.withConnection((c) => c.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.SCHEMATA'));
    console.log(`${server.flavor.label}; ${tenants} Sakila databases (16 tables, 7 views, 3 triggers, 6 routines each); ${String(others?.['n'])} databases on the server in all`);
    console.log(`median of ${repeat} runs after one warm-up, seconds to inspect all ${tenants}:`);
    let reference: string | undefined;
    for (const shape of shapes) {
      for (const chunkSize of chunks) {
        const times: number[] = [];
        const opened: number[] = [];
        for (let run = 0; run <= repeat; run++) {
          const before = await openedDefinitions();
          const t0 = performance.now();
          const models = await server.withConnection((c) => inspectDatabases(c, server.flavor, names, { chunkSize, shape }));
          const elapsed = (performance.now() - t0) / 1000;
          if (run > 0) times.push(elapsed);
          if (run > 0) opened.push((await openedDefinitions()) - before);
          if (models.size !== tenants) throw new Error(`${shape} ${chunkSize}: read ${models.size} of ${tenants}`);
          const first = canonicalJson(models.get(names[0]!));
          if (reference === undefined) reference = first;
          for (const name of names) if (canonicalJson(models.get(name)) !== reference) throw new Error(`${shape} ${chunkSize}: ${name} reads differently`);
        }
        console.log(
          `  ${shape.padEnd(20)} chunk ${String(chunkSize).padStart(4)}: ${median(times).toFixed(2)} s  (runs: ${times.map((t) => t.toFixed(2)).join(', ')}); ` +
            `table definitions opened: ${median(opened)}`,
        );
      }
    }
    // Where the time goes: each catalog query alone over one chunk of the largest size.
    const chunk = names.slice(0, Math.max(...chunks));
    const kinds: [string, ChunkQuery][] = [
      ['databases', queries.DATABASES],
      ['tables', queries.TABLES],
      ['columns', queries.COLUMNS],
      ['index columns', queries.indexColumns(server.flavor)],
      ['foreign keys', queries.FOREIGN_KEYS],
      ['foreign key columns', queries.FOREIGN_KEY_COLUMNS],
      ['checks', queries.CHECKS_WITH_TABLE],
      ['triggers', queries.TRIGGERS],
      ['routines', queries.ROUTINES],
      ['events', queries.EVENTS],
    ];
    console.log(`each query alone over ${chunk.length} databases, seconds (median of ${repeat}):`);
    for (const [kind, query] of kinds) {
      const cells: string[] = [];
      for (const shape of shapes) {
        const { sql, values } = queries.chunkQuery(query, chunk, shape);
        const times: number[] = [];
        for (let run = 0; run < repeat; run++) {
          const t0 = performance.now();
          await server.withConnection((c) => c.query(sql, values));
          times.push((performance.now() - t0) / 1000);
        }
        cells.push(`${shape} ${median(times).toFixed(2)}`);
      }
      console.log(`  ${kind.padEnd(20)} ${cells.join('   ')}`);
    }
  } finally {
    await server.close();
  }
}

const interrupted = () => {
  void dropAll().finally(() => process.exit(130));
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
try {
  await main();
} finally {
  await dropAll();
}
