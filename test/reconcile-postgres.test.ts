import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, qi, waitForSchemaSyncBackendsToEnd, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

const bin = path.join(import.meta.dirname, '..', 'bin', 'run.js');
const tenants = Array.from({ length: 10 }, (_, i) => `t_${String(i + 1).padStart(2, '0')}`);
const columns = { id: { type: 'bigint', primaryKey: true }, name: { type: 'text', nullable: false } };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: TempProject;

beforeAll(async () => {
  db = await createTestDatabase('reconcile');
  await withClient(db.url, async (c) => {
    for (const t of tenants) {
      await c.query(`CREATE SCHEMA ${qi(t)}`);
      await c.query(`CREATE TABLE ${qi(t)}.accounts (id bigint PRIMARY KEY, name text NOT NULL)`);
    }
  });
  project = await createTempProject({
    engine: 'postgres',
    url: db.url,
    tenants: { pattern: 't_*' },
    snapshotStore: 'filesystem',
    apply: { concurrency: 1, lockTimeout: '20s', retries: 0 },
    reconcile: { policy: 'apply-safe' },
  });
  await project.writeManifest({ tables: { accounts: { columns: { ...columns, note: 'text' } } } });
});

afterAll(async () => {
  await project?.remove();
  await db?.drop();
});

const withNote = () =>
  withClient(db.url, async (c) => {
    const result = await c.query<{ schema: string }>(`SELECT table_schema AS schema FROM information_schema.columns WHERE table_schema LIKE 't\\_%' AND column_name = 'note'`);
    return result.rows.map((r) => r.schema).sort();
  });

describe('reconcile on PostgreSQL', { timeout: 120_000 }, () => {
  test('SIGTERM during an apply-safe pass: the tenant in flight is cancelled and rolled back, no other starts, no lock is left', async () => {
    // t_05's table is held, so the pass waits inside t_05's transaction when the signal comes.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE t_05.accounts IN ACCESS SHARE MODE');
    const child = spawn(process.execPath, [bin, 'reconcile', '--json', '--config', project.configFile], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const waiting = await withClient(db.url, (c) =>
          c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'schema-sync' AND wait_event_type = 'Lock'`),
        );
        if (waiting.rows[0].n > 0) break;
        if (Date.now() > deadline) throw new Error(`the pass never reached t_05: ${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const code = await exited;
    await waitForSchemaSyncBackendsToEnd(db.url);

    // Applied: t_01..t_04; t_05 was in flight, cancelled and rolled back; untouched: the rest.
    expect(await withNote()).toEqual(['t_01', 't_02', 't_03', 't_04']);
    const status = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(status).toMatchObject({ interrupted: true, apply: { applied: 4, failed: 0 }, tenants: { 'in-sync': 4, pending: 6 } });
    expect(code).toBe(1);
    const locks = await withClient(db.url, (c) => c.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`));
    expect(locks.rows[0].n).toBe(0);

    // The next pass finishes the job.
    const child2 = spawn(process.execPath, [bin, 'reconcile', '--json', '--config', project.configFile]);
    expect(await new Promise((resolve) => child2.once('exit', resolve))).toBe(0);
    expect(await withNote()).toEqual(tenants);
  });
});
