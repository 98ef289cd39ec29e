import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writePlanYaml } from '../src/plan/plan-yaml.js';
import { createTestDatabase, qi, waitForSchemaSyncBackendsToEnd, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

const tenantCount = 12;
const tenants = Array.from({ length: tenantCount }, (_, i) => `t_${String(i + 1).padStart(2, '0')}`);

const base = {
  tables: {
    accounts: {
      columns: { id: { type: 'bigserial', primaryKey: true }, name: { type: 'text', nullable: false } },
    },
  },
};
const withNote = {
  tables: {
    accounts: {
      columns: { ...base.tables.accounts.columns, note: 'text', score: { type: 'int', nullable: false, default: 0 } },
      indexes: { accounts_note_idx: { columns: ['note'] } },
    },
  },
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: TempProject;


/** Resets every tenant to `base` with a few rows, through schema-sync itself. */
async function resetTenants(): Promise<void> {
  await withClient(db.url, async (c) => {
    for (const t of tenants) {
      await c.query(`DROP SCHEMA IF EXISTS ${qi(t)} CASCADE`);
      await c.query(`CREATE SCHEMA ${qi(t)}`);
    }
  });
  await project.writeManifest(base);
  await project.withEngine(async (engine) => {
    // Recreated by hand, the tenants have drifted from their last snapshots: put them back.
    const results = await engine.apply(await engine.plan({}, { drift: 'revert' }));
    expect(results.every((r) => r.status === 'applied')).toBe(true);
  });
  await withClient(db.url, async (c) => {
    for (const t of tenants) await c.query(`INSERT INTO ${qi(t)}.accounts (name) VALUES ('a'), ('b')`);
  });
  await project.writeManifest(withNote);
}

async function liveFingerprints(): Promise<Map<string, string>> {
  return project.withEngine(async (engine) => {
    const report = await engine.audit();
    return new Map(report.tenants.map((t) => [t.tenant, t.fingerprint!]));
  });
}

beforeAll(async () => {
  db = await createTestDatabase('apply');
  project = await createTempProject({
    engine: 'postgres',
    url: db.url,
    tenants: { pattern: 't_*' },
    apply: { concurrency: 4, lockTimeout: '300ms', statementTimeout: '30s', retries: 0 },
  });
});

afterAll(async () => {
  await db?.drop();
  await project?.remove();
});

describe('apply', () => {
  test.each([
    ['in one wave', undefined],
    ['in waves of 5, each next wave checked while one runs', 5],
  ])('two applies of the same plan at once migrate each tenant exactly once, %s', async (_name, waveSize) => {
    await resetTenants();
    const plan = await project.withEngine((engine) => engine.plan());
    expect(plan.groups[0]!.tenants).toHaveLength(tenantCount);
    const options = waveSize === undefined ? {} : { waveSize };
    const [first, second] = await Promise.all([project.withEngine((e) => e.apply(plan, options)), project.withEngine((e) => e.apply(plan, options))]);
    for (const tenant of tenants) {
      const statuses = [first!.find((r) => r.tenant === tenant)!.status, second!.find((r) => r.tenant === tenant)!.status].sort();
      expect(statuses, tenant).toEqual(['applied', 'in-sync']);
    }
    expect((await project.withEngine((e) => e.audit())).summary.inSync).toBe(tenantCount);
  });

  test('a tenant whose table is held by a long transaction fails with a lock timeout; the others apply', async () => {
    await resetTenants();
    const plan = await project.withEngine((engine) => engine.plan());
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE t_03.accounts IN ACCESS SHARE MODE`);
      const results = await project.withEngine((e) => e.apply(plan));
      const blocked = results.find((r) => r.tenant === 't_03')!;
      expect(blocked.status).toBe('failed');
      expect(blocked.error).toMatch(/lock timeout/);
      expect(results.filter((r) => r.status === 'applied').map((r) => r.tenant)).toEqual(tenants.filter((t) => t !== 't_03'));
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    // Untouched: the column is not there, the rows are.
    const columns = await withClient(db.url, (c) => c.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = 't_03' AND column_name = 'note'`));
    expect(columns.rowCount).toBe(0);
  });

  test('a transient lock timeout is retried with backoff and then applies', async () => {
    await resetTenants();
    const plan = await project.withEngine((engine) => engine.plan());
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE t_05.accounts IN ACCESS SHARE MODE`);
    const retries: string[] = [];
    try {
      // The lock goes away only once the first attempt has failed, so a retry is what applies it.
      const results = await project.withEngine((e) =>
        e.apply(plan, {
          retries: 5,
          retryDelayMs: 100,
          onRetry: (tenant) => {
            retries.push(tenant);
            if (retries.length === 1) void blocker.query('ROLLBACK');
          },
        }),
      );
      const t5 = results.find((r) => r.tenant === 't_05')!;
      expect(t5.status).toBe('applied');
      expect(t5.attempts).toBeGreaterThan(1);
      expect(retries).toEqual(['t_05']);
      expect(results.every((r) => r.status === 'applied')).toBe(true);
    } finally {
      await blocker.end();
    }
  });

  test('a killed apply (SIGKILL) leaves every tenant fully migrated or untouched', async () => {
    await resetTenants();
    const before = await liveFingerprints();
    const plan = await project.withEngine((engine) => engine.plan());
    const to = plan.groups[0]!.tenants[0]!.to;
    // Slow every tenant down inside its transaction so the kill lands mid-transaction.
    const slowed = {
      ...plan,
      groups: plan.groups.map((g) => ({
        ...g,
        steps: [g.steps[0]!, { summary: 'wait', sql: ['SELECT pg_sleep(0.4)'], hazards: [], runs: 'main-transaction' as const, lock: 'NONE' as const, transactional: true }, ...g.steps.slice(1)],
      })),
    };
    const planFile = path.join(project.dir, 'slow-plan.yaml');
    writeFileSync(planFile, writePlanYaml(slowed));

    const child = spawn(process.execPath, [path.join(import.meta.dirname, '..', 'bin', 'run.js'), 'apply', planFile, '--config', project.configFile, '--concurrency', '2'], {
      stdio: 'ignore',
    });
    // Kill as soon as the first tenant has committed, while others are mid-transaction.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const done = await withClient(db.url, (c) =>
        c.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema LIKE 't\\_%' AND column_name = 'note'`),
      );
      if (done.rows[0].n > 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await waitForSchemaSyncBackendsToEnd(db.url);

    const after = await liveFingerprints();
    let migrated = 0;
    for (const tenant of tenants) {
      const now = after.get(tenant);
      expect([before.get(tenant), to], tenant).toContain(now);
      if (now === to) migrated++;
    }
    expect(migrated).toBeGreaterThan(0);
    expect(migrated).toBeLessThan(tenantCount);
    // The server released the dead process's locks: the remaining tenants apply now.
    const results = await project.withEngine((e) => e.apply(slowed));
    expect(results.every((r) => r.status === 'applied' || r.status === 'in-sync')).toBe(true);
    expect((await project.withEngine((e) => e.audit())).summary.inSync).toBe(tenantCount);
  });

  test('the lock connection lost mid-apply: later tenants fail with the cause, migrated ones keep their snapshots', async () => {
    await resetTenants();
    const plan = await project.withEngine((engine) => engine.plan());
    const group = plan.groups[0]!;
    const killer = new pg.Client({ connectionString: db.url });
    await killer.connect();
    let killing: Promise<unknown> | undefined;
    const results = await project.withEngine((e) =>
      e.apply(plan, {
        waveSize: 1,
        onResult: () => {
          // The server ends the backend that holds the run's advisory locks, as a failover would.
          killing ??= killer.query(
            `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
        },
      }),
    );
    await killing;
    await killer.end();
    expect(results).toHaveLength(tenantCount);
    const applied = results.filter((r) => r.status === 'applied').map((r) => r.tenant);
    const failed = results.filter((r) => r.status === 'failed');
    expect(applied.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    expect(applied.length + failed.length).toBe(tenantCount);
    for (const r of failed) expect(r.error, r.tenant).toMatch(/lock/);
    const live = await liveFingerprints();
    for (const tenant of applied) expect(live.get(tenant), tenant).toBe(group.tenants.find((t) => t.name === tenant)!.to);
    for (const r of failed) expect(live.get(r.tenant), r.tenant).toBe(group.tenants.find((t) => t.name === r.tenant)!.from);
    const store = await project.withEngine((e) => e.snapshots());
    for (const tenant of applied) expect((await store.load(tenant))?.fingerprint, tenant).toBe(group.tenants.find((t) => t.name === tenant)!.to);
    const locks = await withClient(db.url, (c) => c.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`));
    expect(locks.rows[0].n).toBe(0);
  });

  test('verification compares the live schema with the planned result', async () => {
    await resetTenants();
    const plan = await project.withEngine((engine) => engine.plan());
    const group = plan.groups[0]!;
    // A plan whose SQL was edited to do less than its changes say: apply must not report success.
    const edited = { ...plan, groups: [{ ...group, steps: group.steps.slice(0, -1) }] };
    const results = await project.withEngine((e) => e.apply(edited));
    expect(results.every((r) => r.status === 'failed' && /verification failed/.test(r.error ?? ''))).toBe(true);
    const accounts = await withClient(db.url, (c) => c.query(`SELECT count(*)::int AS n FROM t_01.accounts`));
    expect(accounts.rows[0].n).toBe(2);
  });
});
