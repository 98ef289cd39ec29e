// Validity is part of the model (invariant 8): a CHECK or FOREIGN KEY left NOT VALID, by hand or
// by a validation that failed after its apply committed, is never called in sync. The diff plans
// it as a validation in its own transaction, and pg_dump prints NOT VALID exactly when the model
// says notValid.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeChange } from '../src/diff/describe-change.js';
import { diffSchemas } from '../src/diff/diff-schemas.js';
import { classifyDrift } from '../src/diff/three-way.js';
import type { DesiredSchema } from '../src/model/desired.js';
import { noExclusions } from '../src/model/desired.js';
import { noRenames } from '../src/model/desired.js';
import { fingerprint } from '../src/model/fingerprint.js';
import type { CheckModel, ForeignKeyModel, SchemaModel, TableModel } from '../src/model/types.js';
import { refineChanges } from '../src/engines/postgres/internal/refine.js';
import { renderChanges } from '../src/engines/postgres/internal/render.js';
import { renderChanges as renderSqlite } from '../src/engines/sqlite/internal/render.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { runCli } from './helpers/cli.js';
import { createTempProject, type TempProject } from './helpers/project.js';

const run = promisify(execFile);

const positive: CheckModel = { name: 'orders_total_positive', expression: '(total > 0)' };
const customerFk: ForeignKeyModel = {
  name: 'orders_customer_fkey',
  columns: ['customer_id'],
  refTable: 'customers',
  refColumns: ['id'],
  onDelete: 'no action',
  onUpdate: 'no action',
  deferrable: false,
  initiallyDeferred: false,
};

function orders(extra: Partial<TableModel>): SchemaModel {
  const table: TableModel = {
    name: 'orders',
    columns: [
      { name: 'id', type: 'integer', nullable: false },
      { name: 'total', type: 'integer', nullable: true },
      { name: 'customer_id', type: 'integer', nullable: true },
    ],
    uniques: [],
    indexes: [],
    foreignKeys: [],
    checks: [],
    ...extra,
  };
  return { tables: [table], enums: [], sequences: [] };
}

function desiredOf(schema: SchemaModel): DesiredSchema {
  return { schema, renames: noRenames, excluded: noExclusions, overrides: [], sql: [] };
}

describe('validity in the diff (no database)', () => {
  const desired = orders({ checks: [positive], foreignKeys: [customerFk] });

  test('a constraint as desired but NOT VALID is a validation, not a drop and re-add', () => {
    const live = orders({ checks: [{ ...positive, notValid: true }], foreignKeys: [{ ...customerFk, notValid: true }] });
    const changes = diffSchemas({ current: live, desired });
    expect(changes).toEqual([
      { kind: 'validateConstraint', table: 'orders', name: 'orders_customer_fkey', constraint: 'foreign key' },
      { kind: 'validateConstraint', table: 'orders', name: 'orders_total_positive', constraint: 'check' },
    ]);
    expect(changes.map(describeChange)).toEqual(['validate foreign key orders.orders_customer_fkey', 'validate check orders.orders_total_positive']);
    expect(fingerprint(live)).not.toBe(fingerprint(desired));
  });

  test('a NOT VALID constraint whose definition differs too is dropped and re-added', () => {
    const live = orders({ checks: [{ name: positive.name, expression: '(total >= 0)', notValid: true }], foreignKeys: [customerFk] });
    expect(diffSchemas({ current: live, desired }).map((c) => c.kind)).toEqual(['dropCheck', 'addCheck']);
  });

  test('a NOT VALID constraint under another name is renamed, then validated', () => {
    const live = orders({ checks: [{ ...positive, name: 'old_name', notValid: true }], foreignKeys: [customerFk] });
    expect(diffSchemas({ current: live, desired })).toEqual([
      { kind: 'renameConstraint', table: 'orders', from: 'old_name', to: 'orders_total_positive' },
      { kind: 'validateConstraint', table: 'orders', name: 'orders_total_positive', constraint: 'check' },
    ]);
  });

  test('a valid constraint has no notValid field: fingerprints of valid constraints are as before', () => {
    const live = orders({ checks: [positive], foreignKeys: [customerFk] });
    expect(diffSchemas({ current: live, desired })).toEqual([]);
    expect(fingerprint(live)).toBe(fingerprint(desired));
    expect(JSON.stringify(live)).not.toContain('notValid');
  });

  test('three-way: a constraint left NOT VALID since the base is pending, not drift', () => {
    const base = orders({});
    const actual = orders({ checks: [{ ...positive, notValid: true }], foreignKeys: [customerFk] });
    const changes = diffSchemas({ current: actual, desired });
    const baseOf = (schema: SchemaModel) => ({ fingerprint: fingerprint(schema), schema: () => schema });
    // The tool's own apply recorded the NOT VALID state as the snapshot.
    expect(classifyDrift({ base: baseOf(actual), actual, desired: desiredOf(desired), changes }).status).toBe('pending');
    // The snapshot is from before the constraint was added (it was added NOT VALID since).
    expect(classifyDrift({ base: baseOf(base), actual, desired: desiredOf(desired), changes })).toEqual({ status: 'pending', drift: [], conflicts: [] });
    // Valid at the base, NOT VALID now: validating it is what the plan does, never a conflict.
    const validBase = orders({ checks: [positive], foreignKeys: [customerFk] });
    expect(classifyDrift({ base: baseOf(validBase), actual, desired: desiredOf(desired), changes }).status).toBe('pending');
    // Anything else changed by hand still is drift.
    const changedByHand = orders({ checks: [{ name: positive.name, expression: '(total >= 0)', notValid: true }], foreignKeys: [customerFk] });
    const handChanges = diffSchemas({ current: changedByHand, desired });
    expect(classifyDrift({ base: baseOf(validBase), actual: changedByHand, desired: desiredOf(desired), changes: handChanges }).status).not.toBe('pending');
  });

  test('a NOT VALID check recreated around an enum swap is not validated a second time', () => {
    const check: CheckModel = { name: 'orders_open', expression: "(state <> 'gone'::mood)" };
    const table = (c: CheckModel, values: string[]): SchemaModel => ({
      tables: [{ name: 'orders', columns: [{ name: 'state', type: 'mood', nullable: true }], uniques: [], indexes: [], foreignKeys: [], checks: [c] }],
      enums: [{ name: 'mood', values }],
      sequences: [],
    });
    const current = table({ ...check, notValid: true }, ['gone', 'ok']);
    const wanted = table(check, ['ok', 'gone']);
    const changes = diffSchemas({ current, desired: wanted });
    expect(changes.map((c) => c.kind)).toEqual(['recreateEnum', 'validateConstraint']);
    expect(refineChanges(changes, current, wanted).map((c) => c.kind)).toEqual(['dropCheck', 'recreateEnum', 'addCheck']);
  });

  test('rendering: PostgreSQL validates in its own transaction; SQLite refuses plainly', () => {
    const options = { qualifier: '"t1"', concurrentIndexes: false, indexTimeoutMs: 60_000, tenantTypes: [], tenantSequences: [] };
    const change = { kind: 'validateConstraint', table: 'orders', name: 'orders_total_positive', constraint: 'check' } as const;
    const steps = renderChanges([change], options);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      summary: 'validate check orders_total_positive on orders',
      sql: ['ALTER TABLE "t1"."orders" VALIDATE CONSTRAINT "orders_total_positive"'],
      runs: 'own-transaction',
      lock: 'SHARE UPDATE EXCLUSIVE',
      transactional: false,
      timeoutMs: 60_000,
    });
    expect(steps[0]!.hazards.map((h) => h.code)).toEqual(['MAY_FAIL_ON_EXISTING_ROWS', 'RUNS_AFTER_COMMIT']);
    expect(steps[0]!.failureLeaves).toContain('the next plan validates it');
    expect(() => renderSqlite([change], { ...options, qualifier: '"main"' })).toThrow(/SQLite has no NOT VALID constraints/);
  });
});

// ---------------------------------------------------------------------------------------------
// On the real server

const manifest = {
  tables: {
    customers: { columns: { id: { type: 'int', primaryKey: true } } },
    orders: {
      columns: { id: { type: 'int', primaryKey: true }, total: 'int', customer_id: { type: 'int', references: 'customers.id' } },
      checks: { orders_total_positive: 'total > 0' },
    },
  },
};
const withoutCheck = { tables: { ...manifest.tables, orders: { columns: manifest.tables.orders.columns } } };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: TempProject;

beforeAll(async () => {
  db = await createTestDatabase('validity');
  project = await createTempProject({
    engine: 'postgres',
    url: db.url,
    tenants: { pattern: 'tenant_*' },
    snapshotStore: 'filesystem',
    apply: { concurrency: 1, lockTimeout: '5s', statementTimeout: '60s', retries: 0 },
  });
});

afterAll(async () => {
  await db?.drop();
  await project?.remove();
});

const sql = (text: string) => withClient(db.url, (c) => c.query(text));

/** A tenant at `body`, applied through schema-sync so that its snapshot is the base. */
async function tenantAt(name: string, body: unknown): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name}`);
  await project.writeManifest(body);
  await project.withEngine(async (engine) => {
    const results = await engine.apply(await engine.plan({ tenants: [name] }, { drift: 'revert' }));
    expect(results.map((r) => r.status)).toEqual(['applied']);
  });
}

async function statusOf(name: string): Promise<{ status: string; differences: readonly string[]; drift: readonly unknown[] }> {
  const report = await project.withEngine((engine) => engine.audit({ tenants: [name] }));
  const t = report.tenants[0]!;
  return { status: t.status, differences: t.differences, drift: t.drift };
}

/** The table's constraints as pg_dump --schema-only prints them: name -> NOT VALID or not. */
async function dumpedValidity(schema: string): Promise<Record<string, boolean>> {
  const { stdout } = await run('pg_dump', ['--schema-only', '-n', schema, db.url]);
  const found: Record<string, boolean> = {};
  // ALTER TABLE ... ADD CONSTRAINT name CHECK (...) NOT VALID; for a constraint pg_dump prints on its own.
  for (const m of stdout.matchAll(/ADD CONSTRAINT (\w+) (?:CHECK|FOREIGN KEY)[^;]*?( NOT VALID)?;/g)) found[m[1]!] = m[2] !== undefined;
  // Valid CHECKs are printed inside CREATE TABLE.
  for (const m of stdout.matchAll(/^\s+CONSTRAINT (\w+) CHECK .*$/gm)) found[m[1]!] = false;
  return found;
}

async function modelValidity(schema: string): Promise<Record<string, boolean>> {
  const outcomes = await project.withEngine(async (engine) => {
    const tenants = await engine.listTenants({ tenants: [schema] });
    return engine.project.adapter.inspector.inspectTenants(tenants);
  });
  const outcome = outcomes.get(schema);
  if (!outcome?.ok) throw new Error(`could not inspect ${schema}`);
  const table = outcome.schema.tables.find((t) => t.name === 'orders')!;
  return Object.fromEntries([...table.checks, ...table.foreignKeys].map((c) => [c.name, c.notValid === true]));
}

describe('NOT VALID constraints on PostgreSQL', () => {
  test('added NOT VALID by hand over violating rows: not in sync, planned as a validation that fails until the rows are fixed', async () => {
    await tenantAt('tenant_hand', manifest);
    expect((await statusOf('tenant_hand')).status).toBe('in-sync');
    await sql(`SET search_path TO tenant_hand;
      INSERT INTO customers VALUES (1);
      ALTER TABLE orders DROP CONSTRAINT orders_total_positive;
      INSERT INTO orders VALUES (1, -5, 1), (2, 7, 1);
      ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID`);

    expect(await statusOf('tenant_hand')).toEqual({ status: 'pending', differences: ['validate check orders.orders_total_positive'], drift: [] });
    expect(await dumpedValidity('tenant_hand')).toEqual({ orders_total_positive: true, orders_customer_id_fkey: false });
    expect(await modelValidity('tenant_hand')).toEqual({ orders_total_positive: true, orders_customer_id_fkey: false });

    const plan = await project.withEngine((engine) => engine.plan({ tenants: ['tenant_hand'] }));
    expect(plan.groups.map((g) => g.changes)).toEqual([[{ kind: 'validateConstraint', table: 'orders', name: 'orders_total_positive', constraint: 'check' }]]);
    const steps = plan.groups[0]!.steps;
    expect(steps.map((s) => [s.summary, s.runs, s.lock])).toEqual([['validate check orders_total_positive on orders', 'own-transaction', 'SHARE UPDATE EXCLUSIVE']]);
    expect(steps[0]!.hazards.map((h) => h.code)).toEqual(['MAY_FAIL_ON_EXISTING_ROWS', 'RUNS_AFTER_COMMIT']);

    // Rows still violate it: the validation fails and the tenant stays as it was.
    const failed = await project.withEngine((engine) => engine.apply(plan));
    expect(failed.map((r) => r.status)).toEqual(['failed']);
    expect(failed[0]!.error).toContain('violated by some row');
    expect((await statusOf('tenant_hand')).status).toBe('pending');

    // Rows fixed: the same change validates it, and the tenant is in sync.
    await sql(`UPDATE tenant_hand.orders SET total = 5 WHERE total <= 0`);
    const again = await project.withEngine((engine) => engine.plan({ tenants: ['tenant_hand'] }));
    expect(again.groups.map((g) => g.changes.map((c) => c.kind))).toEqual([['validateConstraint']]);
    const applied = await project.withEngine((engine) => engine.apply(again));
    expect(applied.map((r) => [r.status, r.error])).toEqual([['applied', undefined]]);
    expect((await statusOf('tenant_hand')).status).toBe('in-sync');
    expect(await dumpedValidity('tenant_hand')).toEqual({ orders_total_positive: false, orders_customer_id_fkey: false });
    expect(await modelValidity('tenant_hand')).toEqual({ orders_total_positive: false, orders_customer_id_fkey: false });
  });

  test('a validation that fails after the commit leaves the tenant pending, and the next plan validates it', async () => {
    await tenantAt('tenant_apply', withoutCheck);
    await sql(`SET search_path TO tenant_apply; INSERT INTO orders VALUES (1, -1, NULL)`);
    await project.writeManifest(manifest);

    const plan = await project.withEngine((engine) => engine.plan({ tenants: ['tenant_apply'] }));
    expect(plan.groups.map((g) => g.changes.map((c) => c.kind))).toEqual([['addCheck']]);
    const failed = await project.withEngine((engine) => engine.apply(plan));
    expect(failed.map((r) => r.status)).toEqual(['failed']);

    // The snapshot holds the real state (NOT VALID): pending, not drifted, and never in sync.
    const snapshot = await project.withEngine(async (engine) => (await engine.snapshots()).load('tenant_apply'));
    expect(snapshot?.schema.tables.find((t) => t.name === 'orders')?.checks).toEqual([
      { name: 'orders_total_positive', expression: '(total > 0)', notValid: true },
    ]);
    expect(await statusOf('tenant_apply')).toEqual({ status: 'pending', differences: ['validate check orders.orders_total_positive'], drift: [] });
    expect(await dumpedValidity('tenant_apply')).toEqual({ orders_total_positive: true, orders_customer_id_fkey: false });
    // `check`, as CI runs it: exit 1, and the reviewer reads what the plan will do.
    const checked = await runCli(['check', '--tenant', 'tenant_apply'], { cwd: project.dir });
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain('validate check orders.orders_total_positive');
    expect(checked.stdout).toMatch(/pending\s+tenant_apply/);
    expect(checked.stdout).toContain('1 tenant: 0 in sync, 1 pending, 0 drifted');
    expect(checked.stdout).not.toContain('changed out of band');
    expect(await modelValidity('tenant_apply')).toEqual({ orders_total_positive: true, orders_customer_id_fkey: false });

    await sql(`UPDATE tenant_apply.orders SET total = 1`);
    const next = await project.withEngine((engine) => engine.plan({ tenants: ['tenant_apply'] }));
    expect(next.held ?? []).toEqual([]);
    expect(next.groups.map((g) => g.changes)).toEqual([[{ kind: 'validateConstraint', table: 'orders', name: 'orders_total_positive', constraint: 'check' }]]);
    const applied = await project.withEngine((engine) => engine.apply(next));
    expect(applied.map((r) => [r.status, r.error])).toEqual([['applied', undefined]]);
    expect((await statusOf('tenant_apply')).status).toBe('in-sync');
    expect(await dumpedValidity('tenant_apply')).toEqual({ orders_total_positive: false, orders_customer_id_fkey: false });
  });

  test('a foreign key left NOT VALID is validated the same way, and pg_dump agrees with the model', async () => {
    await tenantAt('tenant_fk', manifest);
    await sql(`SET search_path TO tenant_fk;
      ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;
      INSERT INTO orders VALUES (1, 3, 42);
      ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID`);
    expect(await dumpedValidity('tenant_fk')).toEqual({ orders_total_positive: false, orders_customer_id_fkey: true });
    expect(await modelValidity('tenant_fk')).toEqual({ orders_total_positive: false, orders_customer_id_fkey: true });
    expect((await statusOf('tenant_fk')).differences).toEqual(['validate foreign key orders.orders_customer_id_fkey']);

    await sql(`INSERT INTO tenant_fk.customers VALUES (42)`);
    const plan = await project.withEngine((engine) => engine.plan({ tenants: ['tenant_fk'] }));
    const applied = await project.withEngine((engine) => engine.apply(plan));
    expect(applied.map((r) => [r.status, r.error])).toEqual([['applied', undefined]]);
    expect((await statusOf('tenant_fk')).status).toBe('in-sync');
    expect(await dumpedValidity('tenant_fk')).toEqual({ orders_total_positive: false, orders_customer_id_fkey: false });
  });
});
