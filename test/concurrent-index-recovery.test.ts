// A concurrent index build runs after the tenant's main transaction has committed. When it fails
// or is cancelled, the tenant is left with the main transaction's changes and an INVALID index
// (or none). Its snapshot is still the one before the apply, yet the next plan must finish the
// job (rebuild or build the index), not hold the tenant as drifted by schema-sync's own change.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import { createTestDatabase, qi, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const projects: TempProject[] = [];

const before = { tables: { items: { columns: { id: { type: 'int', primaryKey: true }, code: 'text' } } } };
const after = {
  tables: {
    items: {
      columns: { id: { type: 'int', primaryKey: true }, code: 'text', note: 'text' },
      indexes: { items_code_key: { columns: ['code'], unique: true } },
    },
  },
};

beforeAll(async () => {
  db = await createTestDatabase('cic');
});

afterAll(async () => {
  await db?.drop();
  for (const p of projects) await p.remove();
});

/**
 * A tenant built by schema-sync (so it has a snapshot) holding `rows`, and a project whose
 * manifest then adds a column (the main transaction) and a unique index built concurrently.
 */
async function setup(tenant: string, rows: string, lockTimeout = '1s', manifest: unknown = after): Promise<SchemaSyncEngine> {
  await withClient(db.url, (c) => c.query(`CREATE SCHEMA ${qi(tenant)}`));
  const p = await createTempProject({ engine: 'postgres', url: db.url, tenants: { list: [tenant] }, apply: { concurrentIndexes: true, retries: 0, lockTimeout } });
  projects.push(p);
  await p.writeManifest(before);
  await p.withEngine(async (engine) => {
    expect((await engine.apply(await engine.plan())).map((r) => r.status)).toEqual(['applied']);
  });
  await withClient(db.url, (c) => c.query(`INSERT INTO ${qi(tenant)}.items (id, code) VALUES ${rows}`));
  await p.writeManifest(manifest);
  const engine = await p.open();
  const plan = await engine.plan();
  expect(plan.groups[0]!.steps.map((s) => s.transactional)).toEqual([true, false]);
  return engine;
}

async function columnExists(tenant: string): Promise<boolean> {
  return withClient(db.url, async (c) => {
    const r = await c.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'items' AND column_name = 'note'`, [tenant]);
    return r.rowCount === 1;
  });
}

async function indexState(tenant: string): Promise<'valid' | 'invalid' | 'missing'> {
  return withClient(db.url, async (c) => {
    const r = await c.query(
      `SELECT i.indisvalid FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_namespace n ON n.oid = x.relnamespace WHERE n.nspname = $1 AND x.relname = 'items_code_key'`,
      [tenant],
    );
    return r.rowCount === 0 ? 'missing' : r.rows[0].indisvalid ? 'valid' : 'invalid';
  });
}

/** After the failure: the next plan holds nothing and plans exactly `kinds`; audit calls it pending. */
async function expectFinishedByNextPlan(engine: SchemaSyncEngine, tenant: string, kinds: string[]): Promise<void> {
  const report = await engine.audit();
  expect(report.tenants.map((t) => ({ tenant: t.tenant, status: t.status, drift: t.drift }))).toEqual([{ tenant, status: 'pending', drift: [] }]);
  const next = await engine.plan();
  expect(next.held ?? []).toEqual([]);
  expect(next.groups.map((g) => g.tenants.map((t) => t.name))).toEqual([[tenant]]);
  expect(next.groups[0]!.changes.map((c) => c.kind)).toEqual(kinds);
}

async function expectInSyncAfterApply(engine: SchemaSyncEngine, tenant: string): Promise<void> {
  const results = await engine.apply(await engine.plan());
  expect(results.map((r) => ({ status: r.status, error: r.error }))).toEqual([{ status: 'applied', error: undefined }]);
  expect(await indexState(tenant)).toBe('valid');
  const report = await engine.audit();
  expect(report.summary).toMatchObject({ total: 1, inSync: 1 });
}

test('a unique build that fails on duplicate rows leaves an INVALID index: the next plan rebuilds it, never holds the tenant', async () => {
  const tenant = 'cic_dup';
  const engine = await setup(tenant, `(1, 'dup'), (2, 'dup'), (3, 'x')`);
  try {
    const [result] = await engine.apply(await engine.plan());
    expect(result?.status).toBe('failed');
    expect(await columnExists(tenant)).toBe(true);
    expect(await indexState(tenant)).toBe('invalid');

    await expectFinishedByNextPlan(engine, tenant, ['dropIndex', 'addIndex']);
    const described = (await engine.audit()).tenants[0]!.differences;
    expect(described).toContain(`drop index items.items_code_key (INVALID)`);

    await withClient(db.url, (c) => c.query(`UPDATE ${qi(tenant)}.items SET code = 'other' WHERE id = 2`));
    await expectInSyncAfterApply(engine, tenant);
  } finally {
    await engine.close();
  }
});

test('a build cancelled while a long transaction blocks it leaves an INVALID index: the next plan rebuilds it', async () => {
  const tenant = 'cic_cancel';
  const engine = await setup(tenant, `(1, 'a'), (2, 'b')`, '60s');
  // A transaction with a snapshot older than the build, on no tenant table (so the main
  // transaction's ADD COLUMN is not blocked): CREATE INDEX CONCURRENTLY waits for it to end.
  const blocker = new pg.Client({ connectionString: db.url });
  await blocker.connect();
  const canceller = new pg.Client({ connectionString: db.url });
  await canceller.connect();
  try {
    await blocker.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await blocker.query('SELECT 1');
    const applying = engine.apply(await engine.plan());
    let cancelled = false;
    for (let i = 0; i < 300 && !cancelled; i++) {
      const r = await canceller.query(
        `SELECT pg_cancel_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%CREATE UNIQUE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'`,
      );
      cancelled = r.rows.some((row: { ok: boolean }) => row.ok);
      if (!cancelled) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(cancelled).toBe(true);
    const [result] = await applying;
    expect(result?.status).toBe('failed');
    expect(result?.error).toMatch(/cancel/i);
  } finally {
    await blocker.query('ROLLBACK').catch(() => {});
    await blocker.end();
    await canceller.end();
  }
  try {
    expect(await columnExists(tenant)).toBe(true);
    expect(await indexState(tenant)).toBe('invalid');
    await expectFinishedByNextPlan(engine, tenant, ['dropIndex', 'addIndex']);
    await expectInSyncAfterApply(engine, tenant);
  } finally {
    await engine.close();
  }
});

test('a build that times out before it starts leaves the main transaction committed and no index: the next plan builds it', async () => {
  const tenant = 'cic_locked';
  // The main transaction creates a table; the build is on another table, where a lock held
  // elsewhere makes it time out before it creates anything.
  const manifest = { tables: { ...after.tables, items: { ...after.tables.items, columns: before.tables.items.columns }, extra: { columns: { id: { type: 'int', primaryKey: true } } } } };
  const engine = await setup(tenant, `(1, 'a'), (2, 'b')`, '1s', manifest);
  const locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
  try {
    const plan = await engine.plan();
    expect(plan.groups[0]!.changes.map((c) => c.kind)).toEqual(['createTable', 'addIndex']);
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${qi(tenant)}.items IN SHARE UPDATE EXCLUSIVE MODE`);
    const [result] = await engine.apply(plan);
    expect(result?.status).toBe('failed');
    expect(result?.error).toMatch(/lock timeout/i);
  } finally {
    await locker.query('ROLLBACK').catch(() => {});
    await locker.end();
  }
  try {
    expect(await indexState(tenant)).toBe('missing');
    await expectFinishedByNextPlan(engine, tenant, ['addIndex']);
    await expectInSyncAfterApply(engine, tenant);
  } finally {
    await engine.close();
  }
});
