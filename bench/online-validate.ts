// npm run bench -- --scenario online-validate [--rows 5000000]
//
// Does adding a NOT NULL and a CHECK to a big table block its readers? One tenant table of --rows
// rows gets both, twice: first as the old single-transaction form (the plan's own SQL, run as one
// transaction straight on a connection, then undone), then through schema-sync's real plan and
// apply, where each validation runs in its own transaction after the main one commits. Meanwhile
// a reader on another connection loops `SET lock_timeout = '200ms'; SELECT ... LIMIT 1` and
// counts the reads that timed out and the longest wait. Loopback server only; every loop is
// bounded; the database is dropped at the end unless --keep.

import type pg from 'pg';
import type { BenchArgs } from './args.js';
import type { Cleanup } from './cleanup.js';
import { connect, createBenchDatabase, redact, serverUrl } from './engines/postgres/database.js';
import { createPostgresProject } from './engines/postgres/index.js';
import { timed } from './measure.js';
import type { Progress } from './progress.js';
import { quoteIdent } from './project.js';

const tenant = 'tenant_online';
const table = 'big';

const columns = { id: { type: 'bigint', nullable: false }, qty: 'int', note: 'text' };
const before = { version: 1, tables: { [table]: { columns } } };
const after = {
  version: 1,
  tables: {
    [table]: {
      columns: { ...columns, note: { type: 'text', nullable: false } },
      checks: { big_qty_not_negative: 'qty >= 0' },
    },
  },
};

/** Bounds of the reader loop: it stops when the measured work ends, or at these limits. */
const readerMaxReads = 200_000;
const readerMaxSeconds = 900;
const readerPauseMs = 5;
const readerLockTimeout = '200ms';

export interface ReaderStats {
  readonly reads: number;
  readonly timedOut: number;
  readonly longestWaitMs: number;
}

export interface OnlineRow extends ReaderStats {
  readonly name: string;
  readonly seconds: number;
}

export interface OnlineReport {
  readonly scenario: 'online-validate';
  readonly rows: number;
  readonly server: string;
  readonly results: readonly OnlineRow[];
}

/**
 * Reads the table in a loop on its own connection until stopped. A lock timeout (55P03) is
 * counted, any other error ends the bench.
 */
function startReader(client: pg.Client): { stop: () => Promise<ReaderStats> } {
  let stopping = false;
  let reads = 0;
  let timedOut = 0;
  let longestWaitMs = 0;
  const started = performance.now();
  const loop = (async () => {
    await client.query(`SET lock_timeout = '${readerLockTimeout}'`);
    while (!stopping && reads < readerMaxReads && performance.now() - started < readerMaxSeconds * 1000) {
      const t0 = performance.now();
      try {
        await client.query(`SELECT id FROM ${quoteIdent(tenant)}.${quoteIdent(table)} LIMIT 1`);
      } catch (error) {
        if ((error as { code?: string }).code !== '55P03') throw error;
        timedOut++;
      }
      longestWaitMs = Math.max(longestWaitMs, performance.now() - t0);
      reads++;
      await new Promise((resolve) => setTimeout(resolve, readerPauseMs));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return { reads, timedOut, longestWaitMs };
    },
  };
}

async function measured(name: string, reader: pg.Client, work: () => Promise<unknown>): Promise<OnlineRow> {
  const loop = startReader(reader);
  // Let the reader run before the work starts, so its first reads are not what is measured.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const result = await timed(work).finally(() => loop.stop());
  return { name, seconds: result.seconds, ...(await loop.stop()) };
}

export async function runOnlineValidateBench(args: BenchArgs, progress: Progress, cleanup: Cleanup): Promise<OnlineReport> {
  const db = await createBenchDatabase();
  cleanup.add('drop database', async () => {
    if (args.keep) progress.log(`kept database ${db.name}: ${redact(db.url)}`);
    else await db.drop();
  });
  progress.log(`database ${db.name} on ${redact(serverUrl)}`);
  const project = await createPostgresProject(db.url, before);
  cleanup.add('remove project', async () => {
    if (args.keep) progress.log(`kept project ${project.dir}`);
    else await project.remove();
  });
  const direct = await connect(db.url);
  cleanup.add('close direct connection', () => direct.end());
  const reader = await connect(db.url);
  cleanup.add('close reader connection', () => reader.end());

  // Setup, untimed: the tenant made by schema-sync from `before`, then filled in one INSERT.
  await direct.query(`CREATE SCHEMA ${quoteIdent(tenant)}`);
  const setupEngine = await project.open();
  try {
    const results = await setupEngine.apply(await setupEngine.plan());
    if (results.some((r) => r.status !== 'applied')) throw new Error(`setup apply: ${JSON.stringify(results)}`);
  } finally {
    await setupEngine.close();
  }
  const qualified = `${quoteIdent(tenant)}.${quoteIdent(table)}`;
  progress.log(`inserting ${args.rows.toLocaleString('en')} rows into ${tenant}.${table} ...`);
  const fill = await timed(() =>
    direct.query(`INSERT INTO ${qualified} (id, qty, note) SELECT g, g % 1000, 'n' FROM generate_series(1, ${args.rows}) AS g`),
  );
  await direct.query(`ANALYZE ${qualified}`);
  progress.log(`filled in ${fill.seconds.toFixed(1)}s`);

  await project.writeManifest(after);
  const engine = await project.open();
  cleanup.add('close engine', () => engine.close());
  const plan = await engine.plan();
  const group = plan.groups[0];
  const kinds = group?.changes.map((c) => c.kind) ?? [];
  if (plan.groups.length !== 1 || kinds.join(',') !== 'alterColumn,addCheck') {
    throw new Error(`expected one group adding NOT NULL and a CHECK, got ${JSON.stringify(plan.groups.map((g) => g.changes.map((c) => c.kind)))}`);
  }
  const sql = group!.steps.flatMap((s) => s.sql.map((statement) => statement.split(group!.placeholder).join(quoteIdent(tenant))));
  for (const step of group!.steps) progress.log(`  ${step.runs.padEnd(16)} ${step.lock.padEnd(22)} ${step.summary}`);

  // The old form: the same statements in one transaction, with the apply settings, then undone.
  progress.log('old form: every statement in one transaction, reader looping ...');
  const old = await measured('one transaction (old form)', reader, async () => {
    await direct.query('BEGIN');
    try {
      await direct.query(`SET LOCAL lock_timeout = '5s'`);
      await direct.query(`SET LOCAL statement_timeout = '30min'`);
      for (const statement of sql) await direct.query(statement);
      await direct.query('COMMIT');
    } catch (error) {
      await direct.query('ROLLBACK').catch(() => {});
      throw error;
    }
  });
  await direct.query(`ALTER TABLE ${qualified} ALTER COLUMN note DROP NOT NULL, DROP CONSTRAINT big_qty_not_negative`);

  progress.log('schema-sync apply: validations in their own transactions, reader looping ...');
  const online = await measured('schema-sync apply', reader, async () => {
    const results = await engine.apply(plan);
    if (results.some((r) => r.status !== 'applied')) throw new Error(`apply: ${JSON.stringify(results)}`);
  });
  const { rows } = await direct.query<{ validated: boolean; not_null: boolean }>(
    `SELECT (SELECT bool_and(convalidated) FROM pg_constraint WHERE conrelid = $1::regclass) AS validated,
            (SELECT attnotnull FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'note') AS not_null`,
    [`${quoteIdent(tenant)}.${quoteIdent(table)}`],
  );
  if (!rows[0]?.validated || !rows[0].not_null) throw new Error(`after apply: ${JSON.stringify(rows[0])}`);
  const audit = await engine.audit();
  if (audit.summary.inSync !== 1) throw new Error('audit after apply: the tenant is not in sync');

  const server = (await direct.query<{ v: string }>("SELECT 'PostgreSQL ' || current_setting('server_version') AS v")).rows[0]?.v ?? '';
  return { scenario: 'online-validate', rows: args.rows, server, results: [old, online] };
}

export function formatOnlineReport(report: OnlineReport): string {
  const lines = [
    `online-validate: NOT NULL and a CHECK added to a table of ${report.rows.toLocaleString('en')} rows (${report.server}),`,
    `a reader looping SET lock_timeout = '${readerLockTimeout}'; SELECT ... LIMIT 1 on another connection`,
    '',
    `${'form'.padEnd(28)} ${'seconds'.padStart(8)} ${'reads'.padStart(7)} ${'timed out'.padStart(10)} ${'longest wait'.padStart(13)}`,
  ];
  for (const r of report.results) {
    lines.push(
      `${r.name.padEnd(28)} ${r.seconds.toFixed(2).padStart(8)} ${String(r.reads).padStart(7)} ${String(r.timedOut).padStart(10)} ${`${r.longestWaitMs.toFixed(0)} ms`.padStart(13)}`,
    );
  }
  const online = report.results.find((r) => r.name === 'schema-sync apply');
  lines.push('', online && online.timedOut === 0 ? '✓ no read timed out during schema-sync apply' : '✗ reads timed out during schema-sync apply');
  return lines.join('\n');
}
