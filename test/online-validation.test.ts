// The safer forms must be safer: a constraint is validated in its own transaction after the
// tenant's main transaction has committed, so its scan holds only SHARE UPDATE EXCLUSIVE and
// readers and writers of the table go on. The plan file, the text summary and the markdown say
// which steps run outside the main transaction and which lock each takes.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatPlan } from '../src/output/format-plan.js';
import { formatPlanMarkdown } from '../src/output/format-plan-markdown.js';
import type { PlanFile } from '../src/plan/plan-file.js';
import { readPlanFile, writePlanYaml } from '../src/plan/plan-yaml.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

/** The advisory lock key the slow check function waits on: the test holds it to keep a validation running. */
const gate = 424242;

const before = {
  tables: {
    p: { columns: { id: { type: 'int', primaryKey: true } } },
    t: { columns: { id: { type: 'int', primaryKey: true }, a: 'int', b: 'text', p_id: 'int' } },
  },
};
const after = {
  tables: {
    p: before.tables.p,
    t: {
      columns: { id: { type: 'int', primaryKey: true }, a: 'int', b: { type: 'text', nullable: false }, p_id: { type: 'int', references: 'p.id' } },
      checks: { t_a_gated: 'public.gated_positive(a)' },
    },
  },
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: TempProject;

beforeAll(async () => {
  db = await createTestDatabase('online');
  await withClient(db.url, (c) =>
    // STRICT: a NULL never calls it, so a writer inserting NULL during validation does not wait on the gate.
    c.query(`CREATE FUNCTION public.gated_positive(x int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT AS $$
      BEGIN PERFORM pg_advisory_lock_shared(${gate}); PERFORM pg_advisory_unlock_shared(${gate}); RETURN x > 0; END $$`),
  );
  project = await createTempProject({
    engine: 'postgres',
    url: db.url,
    tenants: { pattern: 'tenant_*' },
    snapshotStore: 'filesystem',
    // The gate is a lock wait too: long enough for the test to look while it is held.
    apply: { concurrency: 1, lockTimeout: '60s', statementTimeout: '60s', retries: 0 },
  });
});

afterAll(async () => {
  await db?.drop();
  await project?.remove();
});

/** A tenant at `before` with rows, through schema-sync itself. */
async function freshTenant(name: string, rows: string): Promise<void> {
  await withClient(db.url, (c) => c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name}`));
  await project.writeManifest(before);
  await project.withEngine(async (engine) => {
    const results = await engine.apply(await engine.plan({ tenants: [name] }, { drift: 'revert' }));
    expect(results.map((r) => r.status)).toEqual(['applied']);
  });
  await withClient(db.url, (c) => c.query(`SET search_path TO ${name}; ${rows}`));
  await project.writeManifest(after);
}

async function planFor(name: string): Promise<PlanFile> {
  return project.withEngine((engine) => engine.plan({ tenants: [name] }));
}

describe('online validation (PostgreSQL)', () => {
  test('a CHECK is validated after the main transaction commits: readers and writers go on during the scan', async () => {
    await freshTenant('tenant_gate', `INSERT INTO p VALUES (1); INSERT INTO t VALUES (1, 5, 'x', 1), (2, 6, 'y', NULL);`);
    const plan = await planFor('tenant_gate');

    const holder = new pg.Client({ connectionString: db.url });
    const observer = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await observer.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [gate]);
      const applying = project.withEngine((engine) => engine.apply(plan));
      applying.catch(() => {});

      // Wait (no clock in the assertion) until the validation of the CHECK is stuck on the gate.
      let pid: number | undefined;
      for (let i = 0; i < 600 && pid === undefined; i++) {
        const { rows } = await observer.query<{ pid: number }>(
          `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.objid = $1 AND NOT l.granted AND a.query ILIKE '%VALIDATE CONSTRAINT%'`,
          [gate],
        );
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(pid, 'the validation never reached the gate').toBeDefined();

      // The main transaction has committed: the NOT VALID check and the new foreign key are visible.
      const { rows: cons } = await observer.query<{ conname: string; convalidated: boolean }>(
        `SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'tenant_gate.t'::regclass AND contype IN ('c', 'f') ORDER BY conname`,
      );
      expect(cons.find((c) => c.conname === 't_a_gated')).toEqual({ conname: 't_a_gated', convalidated: false });

      // The validating backend holds SHARE UPDATE EXCLUSIVE on t, nothing that blocks reads or writes.
      const { rows: modes } = await observer.query<{ mode: string }>(
        `SELECT mode FROM pg_locks WHERE pid = $1 AND relation = 'tenant_gate.t'::regclass AND granted ORDER BY mode`,
        [pid],
      );
      expect(modes.map((m) => m.mode)).toContain('ShareUpdateExclusiveLock');
      expect(modes.map((m) => m.mode)).not.toContain('AccessExclusiveLock');

      // A reader with a short lock_timeout reads; a writer writes (NULL never reaches the gate).
      await observer.query(`SET lock_timeout = '200ms'`);
      const read = await observer.query('SELECT id FROM tenant_gate.t ORDER BY id LIMIT 1');
      expect(read.rows).toEqual([{ id: 1 }]);
      await observer.query(`INSERT INTO tenant_gate.t (id, a, b) VALUES (3, NULL, 'z')`);
      await observer.query('RESET lock_timeout');

      await holder.query('SELECT pg_advisory_unlock($1)', [gate]);
      const results = await applying;
      expect(results.map((r) => [r.tenant, r.status, r.error])).toEqual([['tenant_gate', 'applied', undefined]]);
      const { rows: validated } = await observer.query<{ conname: string; convalidated: boolean }>(
        `SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'tenant_gate.t'::regclass AND contype IN ('c', 'f') ORDER BY conname`,
      );
      expect(validated.every((c) => c.convalidated)).toBe(true);
      // The NOT NULL helper check is gone and the column is NOT NULL.
      expect(validated.map((c) => c.conname).sort()).toEqual(['t_a_gated', 't_p_id_fkey']);
      const { rows: notNull } = await observer.query(`SELECT attnotnull FROM pg_attribute WHERE attrelid = 'tenant_gate.t'::regclass AND attname = 'b'`);
      expect(notNull).toEqual([{ attnotnull: true }]);
    } finally {
      await holder.end().catch(() => {});
      await observer.end().catch(() => {});
    }
  });

  test('a validation that fails after the commit fails the tenant, saying the main transaction was committed and what was left', async () => {
    await freshTenant('tenant_bad', `INSERT INTO p VALUES (1); INSERT INTO t VALUES (1, -5, 'x', 1);`);
    const plan = await planFor('tenant_bad');
    const results = await project.withEngine((engine) => engine.apply(plan));
    expect(results.map((r) => r.status)).toEqual(['failed']);
    const error = results[0]?.error ?? '';
    expect(error).toContain('validate check t_a_gated on t');
    expect(error).toContain("failed after the tenant's main transaction had committed");
    expect(error).toContain('violated by some row');
    expect(error).toContain('left with check t_a_gated on t, NOT VALID');
    expect(error).toContain('ALTER TABLE "tenant_bad"."t" VALIDATE CONSTRAINT "t_a_gated"');
    const { rows } = await withClient(db.url, (c) =>
      c.query(`SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'tenant_bad.t'::regclass AND conname = 't_a_gated'`),
    );
    expect(rows).toEqual([{ conname: 't_a_gated', convalidated: false }]);
  });

  test('the plan file, the summary and the markdown say where each step runs and which lock it takes', async () => {
    await freshTenant('tenant_plan', `INSERT INTO p VALUES (1);`);
    const plan = await planFor('tenant_plan');
    const steps = plan.groups[0]!.steps.map((s) => ({ summary: s.summary.replace(/schema_sync_nn_[0-9a-f]+/, 'H'), runs: s.runs, lock: s.lock, transactional: s.transactional }));
    expect(steps).toEqual([
      { summary: 'alter column t.b: set not null, 1/3: add check H (b IS NOT NULL) on t NOT VALID', runs: 'main-transaction', lock: 'ACCESS EXCLUSIVE', transactional: true },
      { summary: 'alter column t.b: set not null, 2/3: validate check H (b IS NOT NULL) on t', runs: 'own-transaction', lock: 'SHARE UPDATE EXCLUSIVE', transactional: false },
      { summary: 'alter column t.b: set not null, 3/3: set not null and drop the check', runs: 'own-transaction', lock: 'ACCESS EXCLUSIVE', transactional: false },
      { summary: 'add check t_a_gated on t (NOT VALID)', runs: 'main-transaction', lock: 'ACCESS EXCLUSIVE', transactional: true },
      { summary: 'validate check t_a_gated on t', runs: 'own-transaction', lock: 'SHARE UPDATE EXCLUSIVE', transactional: false },
      { summary: 'add foreign key t_p_id_fkey on t -> p (NOT VALID)', runs: 'main-transaction', lock: 'SHARE ROW EXCLUSIVE', transactional: true },
      { summary: 'validate foreign key t_p_id_fkey on t', runs: 'own-transaction', lock: 'SHARE UPDATE EXCLUSIVE', transactional: false },
    ]);
    const validate = plan.groups[0]!.steps[4]!;
    expect(validate.hazards.map((h) => h.code)).toEqual(['MAY_FAIL_ON_EXISTING_ROWS', 'RUNS_AFTER_COMMIT']);
    expect(validate.failureLeaves).toContain('check t_a_gated on t, NOT VALID');
    expect(validate.timeoutMs).toBe(30 * 60_000);

    const dir = await mkdtemp(path.join(tmpdir(), 'schema-sync-online-'));
    try {
      // Written and read back through the JSON Schema: the fields survive as planned.
      const file = path.join(dir, 'plan.yaml');
      await writeFile(file, writePlanYaml(plan));
      const read = await readPlanFile(file);
      expect(read.groups[0]!.steps).toEqual(plan.groups[0]!.steps);
      expect(parse(await readFile(file, 'utf8')).groups[0].steps[4]).toMatchObject({ runs: 'own-transaction', lock: 'SHARE UPDATE EXCLUSIVE' });

      // A plan file from before `runs` and `lock` cannot be checked against its changes: refused, with a sentence.
      const old = parse(await readFile(file, 'utf8'));
      for (const step of old.groups[0].steps) {
        delete step.runs;
        delete step.lock;
        delete step.failureLeaves;
      }
      const oldFile = path.join(dir, 'old.yaml');
      await writeFile(oldFile, stringify(old));
      await expect(readPlanFile(oldFile)).rejects.toThrow(/old\.yaml was written by an earlier schema-sync.*run plan again/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const text = formatPlan(plan, 'plans/x.yaml').split('\n');
    expect(text.find((l) => l.includes('validate check t_a_gated on t'))).toContain('(after commit, own transaction, lock SHARE UPDATE EXCLUSIVE)');
    expect(text.find((l) => l.includes('add check t_a_gated on t (NOT VALID)'))).toContain('(lock ACCESS EXCLUSIVE)');
    expect(text.find((l) => l.includes('add foreign key'))).toContain('(lock SHARE ROW EXCLUSIVE)');
    expect(text.some((l) => l.includes("run once the tenant's main transaction has committed"))).toBe(true);

    const markdown = formatPlanMarkdown(plan, 'plans/x.yaml').split('\n');
    expect(markdown).toContain('| step | runs | lock | hazards |');
    expect(markdown).toContain('| validate check t_a_gated on t | **after commit**, own transaction | SHARE UPDATE EXCLUSIVE | `MAY_FAIL_ON_EXISTING_ROWS` `RUNS_AFTER_COMMIT` |');
    expect(markdown).toContain('| add check t_a_gated on t (NOT VALID) | main transaction | ACCESS EXCLUSIVE | — |');
    expect(markdown).toContain('-- after commit, in its own transaction: validate check t_a_gated on t');
  });
});
