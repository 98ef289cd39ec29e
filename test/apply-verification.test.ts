import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SchemaModel } from '../src/model/types.js';
import type { PlanFile } from '../src/plan/plan-file.js';
import { createTestDatabase, qi, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

// Apply verifies an additive plan by reading back only the tables it changes (the rest comes from
// the stale check's read, under the same lock). These tests hold that to what a whole read sees.

const tenants = ['v_1', 'v_2', 'v_3'];

const base = {
  tables: {
    accounts: { columns: { id: { type: 'bigserial', primaryKey: true }, name: 'text' } },
    orders: {
      columns: { id: { type: 'bigserial', primaryKey: true }, account_id: { type: 'bigint', references: 'accounts.id' }, total: 'numeric(10,2)' },
    },
  },
};
const withNote = {
  tables: {
    ...base.tables,
    accounts: {
      columns: { ...base.tables.accounts.columns, note: 'text' },
      indexes: { accounts_note_idx: { columns: ['note'] } },
    },
  },
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: TempProject;


/** Every tenant at `base`, with a collation and a text search configuration (unmanaged), the manifest at withNote. */
async function resetTenants(): Promise<void> {
  await withClient(db.url, async (c) => {
    for (const t of tenants) await c.query(`DROP SCHEMA IF EXISTS ${qi(t)} CASCADE; CREATE SCHEMA ${qi(t)}`);
  });
  await project.writeManifest(base);
  await project.withEngine(async (engine) => {
    const results = await engine.apply(await engine.plan({}, { drift: 'revert' }));
    expect(results.map((r) => r.status)).toEqual(tenants.map(() => 'applied'));
  });
  await withClient(db.url, async (c) => {
    for (const t of tenants) {
      await c.query(`CREATE COLLATION ${qi(t)}.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`);
      await c.query(`CREATE TEXT SEARCH CONFIGURATION ${qi(t)}.simple_cfg (COPY = pg_catalog.simple)`);
    }
  });
  await project.writeManifest(withNote);
}

async function wholeReads(): Promise<Map<string, SchemaModel>> {
  return project.withEngine(async (engine) => {
    const outcomes = await engine.project.adapter.inspector.inspectTenants(tenants.map((name) => ({ name, labels: [] })));
    return new Map([...outcomes].map(([name, o]) => [name, o.ok ? o.schema : ({} as SchemaModel)]));
  });
}

beforeAll(async () => {
  db = await createTestDatabase('verify');
  project = await createTempProject({
    engine: 'postgres',
    url: db.url,
    tenants: { pattern: 'v_*' },
    apply: { concurrency: 2, retries: 0 },
  });
});

afterAll(async () => {
  await db?.drop();
  await project?.remove();
});

describe('apply verification', () => {
  test('an additive plan ends with the same schema a whole read gives, unmanaged objects included', async () => {
    await resetTenants();
    // The collation and configuration made after the last apply are not managed: not drift, still pending.
    const plan = await project.withEngine((engine) => engine.plan());
    expect(plan.groups.map((g) => g.changes.map((c) => c.kind))).toEqual([['addColumn', 'addIndex']]);
    const results = await project.withEngine((engine) => engine.apply(plan));
    expect(results.map((r) => r.status)).toEqual(tenants.map(() => 'applied'));
    const whole = await wholeReads();
    for (const result of results) {
      expect(result.schema, result.tenant).toEqual(whole.get(result.tenant));
      expect(result.schema?.unmanaged?.map((u) => u.name), result.tenant).toEqual(['nocase', 'simple_cfg']);
    }
    expect((await project.withEngine((e) => e.audit())).summary.inSync).toBe(tenants.length);
  });

  test('a tenant that does not end at the planned fingerprint fails, when only part is read back too', async () => {
    await resetTenants();
    const plan = await project.withEngine((engine) => engine.plan());
    const group = plan.groups[0]!;
    // The SQL is as rendered, so the verification reads back `accounts` alone.
    const wrongTarget: PlanFile = {
      ...plan,
      groups: [{ ...group, tenants: group.tenants.map((t) => (t.name === 'v_2' ? { ...t, to: 'sha256:' + '0'.repeat(64) } : t)) }],
    };
    const results = await project.withEngine((e) => e.apply(wrongTarget));
    expect(results.map((r) => [r.tenant, r.status])).toEqual([
      ['v_1', 'applied'],
      ['v_2', 'failed'],
      ['v_3', 'applied'],
    ]);
    expect(results[1]!.error).toMatch(/verification failed/);
  });

  test('SQL edited to change a table its changes do not name is refused whole, before any tenant is touched', async () => {
    await resetTenants();
    const plan = await project.withEngine((engine) => engine.plan());
    const group = plan.groups[0]!;
    const sneaky = { ...group.steps[0]!, sql: [`ALTER TABLE ${group.placeholder}."orders" ADD COLUMN "sneaky" integer`] };
    const edited: PlanFile = { ...plan, groups: [{ ...group, steps: [...group.steps, sneaky] }] };
    await expect(project.withEngine((e) => e.apply(edited))).rejects.toThrow(/refused whole, no tenant touched[\s\S]*edited by hand/);
    await withClient(db.url, async (c) => {
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'sneaky'`);
      expect(rows[0].n).toBe(0);
    });
  });
});
