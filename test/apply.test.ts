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
    // Slow every tenant down inside its transaction so the kill lands mid-transaction: an event
    // trigger on the server sleeps after each ALTER TABLE of a session that asks for it.
    await slowDdl(true);
    const planFile = path.join(project.dir, 'slow-plan.yaml');
    writeFileSync(planFile, writePlanYaml(plan));

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
    await slowDdl(false);
    const results = await project.withEngine((e) => e.apply(plan));
    expect(results.every((r) => r.status === 'applied' || r.status === 'in-sync')).toBe(true);
    expect((await project.withEngine((e) => e.audit())).summary.inSync).toBe(tenantCount);
  });

  test('Ctrl-C cancels the tenants in flight (rolled back), starts no more, and prints the summary; nothing is left half-done', async () => {
    await resetTenants();
    const before = await liveFingerprints();
    const plan = await project.withEngine((engine) => engine.plan());
    // Each tenant's ALTER TABLE would take ten minutes: only a cancellation ends it.
    await slowDdl(true, 600);
    const planFile = path.join(project.dir, 'interrupted-plan.yaml');
    writeFileSync(planFile, writePlanYaml(plan));
    try {
      for (const presses of [1, 2]) {
        const child = spawn(process.execPath, [path.join(import.meta.dirname, '..', 'bin', 'run.js'), 'apply', planFile, '--config', project.configFile], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, NO_COLOR: '1' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
        await until(async () => (await activeAlters()) > 0);
        child.kill('SIGINT');
        if (presses === 2) {
          await until(async () => stderr.includes('Interrupted'));
          child.kill('SIGINT');
        }
        const code = await exited;
        expect(stdout + stderr).not.toMatch(/\n\s+at /);
        if (presses === 1) {
          expect(code, stderr).toBe(3);
          expect(stderr).toMatch(/Interrupted: cancelling the tenants in flight/);
          expect(stdout).toMatch(/not-started\s+t_\d\d: apply was interrupted: its transaction was cancelled and rolled back/);
          expect(stdout).toMatch(new RegExp(`0 applied.*${tenantCount} not started`));
        } else {
          // The second press may land after the first already ended the run, even while Node
          // tears the process down and the default action of SIGINT is back: either way the
          // summary is printed.
          expect([3, 130, 'SIGINT']).toContain(code);
          if (code === 130) expect(stderr).toMatch(/Stopped\. \d+ tenants unfinished/);
          expect(stdout).toMatch(/Apply: 0 applied/);
        }
        await waitForSchemaSyncBackendsToEnd(db.url);
        expect(await liveFingerprints()).toEqual(before);
        const locks = await withClient(db.url, (c) => c.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`));
        expect(locks.rows[0].n).toBe(0);
      }
    } finally {
      await slowDdl(false);
    }
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
    const failed = results.filter((r) => r.status === 'failed' || r.status === 'not-started');
    expect(applied.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    expect(applied.length + failed.length).toBe(tenantCount);
    for (const r of failed) expect(r.error, r.tenant).toMatch(/lock/);
    const live = await liveFingerprints();
    for (const tenant of applied) expect(live.get(tenant), tenant).toBe(group.tenants.find((t) => t.name === tenant)!.to);
    for (const r of failed) expect(live.get(r.tenant), r.tenant).toBe(group.tenants.find((t) => t.name === r.tenant)!.from);
    const store = await project.withEngine((e) => e.snapshots());
    for (const tenant of applied) expect((await store.load(tenant))?.fingerprint, tenant).toBe(group.tenants.find((t) => t.name === tenant)!.to);
    const locks = await withClient(db.url, (c) => c.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`));
    expect(locks.rows[0].n).toBe(0);
  });

  test('fail fast: a change set that fails on its first tenants is halted; the rest are not started, and untouched', async () => {
    await resetTenants();
    // Every tenant holds rows, so a new NOT NULL column without a default fails in its transaction.
    await project.writeManifest({ tables: { accounts: { columns: { ...base.tables.accounts.columns, code: { type: 'text', nullable: false } } } } });
    const plan = await project.withEngine((engine) => engine.plan());
    const results = await project.withEngine((e) => e.apply(plan, { concurrency: 1, failFast: 3 }));
    expect(results.filter((r) => r.status === 'failed')).toHaveLength(3);
    const notStarted = results.filter((r) => r.status === 'not-started');
    expect(notStarted).toHaveLength(tenantCount - 3);
    for (const r of notStarted) expect(r.error).toMatch(/halted after its first 3 tenants failed \(apply\.failFast\), the first with: .*"code"/);
    const columns = await withClient(db.url, (c) => c.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema LIKE 't\\_%' AND column_name = 'code'`));
    expect(columns.rows[0].n).toBe(0);
    await project.writeManifest(withNote);
  });

  test("a tenant's DDL backend terminated mid-transaction: no crash, that tenant is retried, every tenant applied and recorded", async () => {
    await resetTenants();
    const plan = await project.withEngine((engine) => engine.plan());
    await slowDdl(true);
    const retried: string[] = [];
    let terminated = 0;
    const killer = new pg.Client({ connectionString: db.url });
    await killer.connect();
    try {
      const applying = project.withEngine((e) =>
        e.applyRun(plan, { retries: 2, retryDelayMs: 10, onRetry: (tenant) => retried.push(tenant) }),
      );
      // Terminate the first backend found running a tenant's ALTER TABLE, as a failover or an operator would.
      const deadline = Date.now() + 20_000;
      while (terminated === 0 && Date.now() < deadline) {
        const { rows } = await killer.query(
          `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'schema-sync' AND state = 'active' AND query LIKE '%ALTER TABLE%' LIMIT 1`,
        );
        terminated += rows.filter((r) => r.done === true).length;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const run = await applying;
      expect(terminated).toBe(1);
      expect(retried).toHaveLength(1);
      expect(run.results.map((r) => r.status)).toEqual(tenants.map(() => 'applied'));
      expect(run.results.find((r) => r.tenant === retried[0])!.attempts).toBe(2);
      expect(run.snapshotError).toBeUndefined();
      expect(run.snapshots?.saved).toHaveLength(tenantCount);
    } finally {
      await killer.end();
      await slowDdl(false);
    }
    expect((await project.withEngine((e) => e.audit())).summary.inSync).toBe(tenantCount);
  });

  test('verification inside the transaction: a schema that is not the planned one is rolled back, not committed', async () => {
    await resetTenants();
    const plan = await project.withEngine((engine) => engine.plan());
    // Something on the server (an event trigger) changes the tenant while the plan's DDL runs:
    // the schema read back before COMMIT is not the planned one.
    await withClient(db.url, async (c) => {
      await c.query(`CREATE FUNCTION public.add_extra() RETURNS event_trigger LANGUAGE plpgsql AS $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'ALTER TABLE' AND object_identity LIKE 't\\_%.accounts' LOOP
            IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = r.objid AND attname = 'extra') THEN
              EXECUTE format('ALTER TABLE %s ADD COLUMN extra int', r.object_identity);
            END IF;
          END LOOP;
        END $$`);
      await c.query(`CREATE EVENT TRIGGER add_extra ON ddl_command_end EXECUTE FUNCTION public.add_extra()`);
    });
    try {
      const results = await project.withEngine((e) => e.apply(plan, { failFast: 0 }));
      expect(results.length).toBe(tenantCount);
      for (const r of results) {
        expect(r.status, r.tenant).toBe('failed');
        expect(r.error).toMatch(/verification failed before commit.*rolled back/);
        expect(r.committed).toBeUndefined();
      }
    } finally {
      await withClient(db.url, (c) => c.query('DROP EVENT TRIGGER add_extra; DROP FUNCTION public.add_extra()'));
    }
    // Nothing of the plan, nor of the trigger, was committed.
    const columns = await withClient(db.url, (c) =>
      c.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema LIKE 't\\_%' AND column_name IN ('note', 'extra')`),
    );
    expect(columns.rows[0].n).toBe(0);
    const accounts = await withClient(db.url, (c) => c.query(`SELECT count(*)::int AS n FROM t_01.accounts`));
    expect(accounts.rows[0].n).toBe(2);
  });
});

/** Makes each ALTER TABLE sleep (0.4 s by default) inside its transaction, for sessions opened from now on. */
async function slowDdl(on: boolean, seconds = 0.4): Promise<void> {
  await withClient(db.url, async (c) => {
    if (on) {
      await c.query(`CREATE OR REPLACE FUNCTION public.slow_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF current_setting('schema_sync_test.slow', true) = 'on' THEN PERFORM pg_sleep(${seconds}); END IF;
        END $$`);
      await c.query(`DROP EVENT TRIGGER IF EXISTS slow_ddl`);
      await c.query(`CREATE EVENT TRIGGER slow_ddl ON ddl_command_end WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION public.slow_ddl()`);
      await c.query(`ALTER DATABASE ${qi(db.name)} SET schema_sync_test.slow = 'on'`);
    } else {
      await c.query(`ALTER DATABASE ${qi(db.name)} RESET schema_sync_test.slow`);
      await c.query(`DROP EVENT TRIGGER IF EXISTS slow_ddl`);
    }
  });
}

/** Backends of schema-sync running an ALTER TABLE now. */
async function activeAlters(): Promise<number> {
  const { rows } = await withClient(db.url, (c) =>
    c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'schema-sync' AND state = 'active' AND query LIKE '%ALTER TABLE%'`),
  );
  return rows[0].n as number;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in 30 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
