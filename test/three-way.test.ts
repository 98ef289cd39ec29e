import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { changeObjects, sameObject } from '../src/diff/change-objects.js';
import type { Change } from '../src/diff/changes.js';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import { engineHarnesses, TEARDOWN_TIMEOUT } from './helpers/engine-harness.js';
import { createTempProject, type TempProject } from './helpers/project.js';
import { classifyDrift } from '../src/diff/three-way.js';
import { diffSchemas } from '../src/diff/diff-schemas.js';
import { noRenames } from '../src/model/desired.js';
import { noExclusions } from '../src/model/desired.js';
import { fingerprint } from '../src/model/fingerprint.js';
import type { SchemaModel } from '../src/model/types.js';

const v1 = {
  tables: {
    accounts: { columns: { id: { type: 'integer', primaryKey: true }, name: { type: 'text', nullable: false } } },
  },
};
const withNoteInt = { tables: { accounts: { columns: { ...v1.tables.accounts.columns, note: 'integer' } } } };
const withEmail = { tables: { accounts: { columns: { ...v1.tables.accounts.columns, email: 'text' } } } };
const withNoteText = { tables: { accounts: { columns: { ...v1.tables.accounts.columns, note: 'text' } } } };

describe('objects a change touches', () => {
  const column = (name: string): Change => ({ kind: 'addColumn', table: 'accounts', column: { name, type: 'text', nullable: true } });
  test('a whole table collides with anything in it; columns collide by name only', () => {
    const dropTable: Change = { kind: 'dropTable', table: { name: 'accounts', columns: [], uniques: [], indexes: [], foreignKeys: [], checks: [] } };
    const [table] = changeObjects(dropTable);
    const [note] = changeObjects(column('note'));
    const [email] = changeObjects(column('email'));
    expect(sameObject(table!, note!)).toBe(true);
    expect(sameObject(note!, table!)).toBe(true);
    expect(sameObject(note!, email!)).toBe(false);
    expect(changeObjects({ kind: 'renameColumn', table: 'accounts', from: 'a', to: 'b' })).toHaveLength(2);
  });
});

const engines = engineHarnesses();

describe.each(engines)('three-way drift on $engine', (harness) => {
  let counter = 0;
  // SQLite keeps declared types as its canonical spelling: upper case.
  const text = harness.engine === 'sqlite' ? 'TEXT' : 'text';
  const projects: TempProject[] = [];
  beforeAll(() => harness.setup('threeway'));
  afterAll(async () => {
    for (const p of projects) await p.remove();
    await harness.teardown();
  }, TEARDOWN_TIMEOUT);

  /** A tenant at v1, applied through schema-sync so that its snapshot is the base. */
  async function tenantAtV1(): Promise<{ tenant: string; project: TempProject; run: <T>(fn: (e: SchemaSyncEngine) => Promise<T>) => Promise<T> }> {
    const tenant = `tw_${++counter}`;
    await harness.createTenant(tenant);
    const project = await createTempProject(harness.config([tenant]));
    projects.push(project);
    const run = async <T>(fn: (e: SchemaSyncEngine) => Promise<T>): Promise<T> => {
      const engine = await project.open();
      try {
        return await fn(engine);
      } finally {
        await engine.close();
      }
    };
    await project.writeManifest(v1);
    const applied = await run(async (e) => e.apply(await e.plan()));
    expect(applied.map((r) => r.status)).toEqual(['applied']);
    expect((await run((e) => e.audit())).tenants[0]!.status).toBe('in-sync');
    return { tenant, project, run };
  }

  test('an out-of-band change is drift: audit names it, plan holds the tenant', async () => {
    const { tenant, run } = await tenantAtV1();
    await harness.exec(tenant, 'ALTER TABLE accounts ADD COLUMN hack text');
    const report = await run((e) => e.audit());
    expect(report.summary).toMatchObject({ total: 1, drifted: 1, pending: 0, conflicts: 0 });
    expect(report.tenants[0]).toMatchObject({ status: 'drifted', drift: [`add column accounts.hack (${text})`], differences: ['drop column accounts.hack'], conflicts: [], hasBase: true });

    const plan = await run((e) => e.plan());
    expect(plan.groups).toEqual([]);
    expect(plan.held).toEqual([{ tenant, status: 'drifted', drift: [`add column accounts.hack (${text})`], conflicts: [] }]);
    expect(plan.summary).toMatchObject({ tenants: 1, changed: 0, held: 1 });
  });

  test('--revert-drift plans the tenant back to the desired schema', async () => {
    const { tenant, run } = await tenantAtV1();
    await harness.exec(tenant, 'ALTER TABLE accounts ADD COLUMN hack text');
    const plan = await run((e) => e.plan({}, { drift: 'revert', allowDestructive: true }));
    expect(plan.held).toBeUndefined();
    expect(plan.groups.map((g) => g.tenants.map((t) => t.name))).toEqual([[tenant]]);
    expect(plan.groups[0]!.changes.map((c) => c.kind)).toEqual(['dropColumn']);
    expect((await run((e) => e.apply(plan, { allowDestructive: true }))).map((r) => r.status)).toEqual(['applied']);
    expect((await run((e) => e.audit())).summary.inSync).toBe(1);
  });

  test('--adopt-drift records the live schema as the base: the tenant is pending from then on', async () => {
    const { tenant, run } = await tenantAtV1();
    await harness.exec(tenant, 'ALTER TABLE accounts ADD COLUMN hack text');
    const plan = await run((e) => e.plan({}, { drift: 'adopt' }));
    expect(plan.groups).toEqual([]);
    expect(plan.held?.map((h) => h.tenant)).toEqual([tenant]);
    const snapshot = await run(async (e) => (await e.snapshots()).load(tenant));
    expect(snapshot!.schema.tables[0]!.columns.map((c) => c.name)).toContain('hack');
    const report = await run((e) => e.audit());
    expect(report.tenants[0]).toMatchObject({ status: 'pending', drift: [], differences: ['drop column accounts.hack'] });
    // Pending now, so a plain plan includes it.
    expect((await run((e) => e.plan())).groups.map((g) => g.tenants.map((t) => t.name))).toEqual([[tenant]]);
  });

  test('a manifest change alone is pending', async () => {
    const { project, run } = await tenantAtV1();
    await project.writeManifest(withEmail);
    const report = await run((e) => e.audit());
    expect(report.tenants[0]).toMatchObject({ status: 'pending', drift: [], differences: [`add column accounts.email (${text})`] });
  });

  test('a manifest change and an out-of-band change to the same column, to different ends, are a conflict', async () => {
    const { tenant, project, run } = await tenantAtV1();
    await harness.exec(tenant, 'ALTER TABLE accounts ADD COLUMN note text');
    await project.writeManifest(withNoteInt);
    const report = await run((e) => e.audit());
    expect(report.summary).toMatchObject({ conflicts: 1, drifted: 0 });
    expect(report.tenants[0]).toMatchObject({ status: 'conflict', conflicts: ['column accounts.note'], drift: [`add column accounts.note (${text})`] });
    const plan = await run((e) => e.plan());
    expect(plan.held).toEqual([{ tenant, status: 'conflict', drift: [`add column accounts.note (${text})`], conflicts: ['column accounts.note'] }]);
  });

  test('drift and a manifest change on different objects are drift, not a conflict', async () => {
    const { tenant, project, run } = await tenantAtV1();
    await harness.exec(tenant, 'CREATE INDEX accounts_name_hack ON accounts (name)');
    await project.writeManifest(withEmail);
    const audit = (await run((e) => e.audit())).tenants[0]!;
    expect(audit.status).toBe('drifted');
    expect(audit.conflicts).toEqual([]);
    expect(audit.drift).toEqual(['add index accounts.accounts_name_hack']);
  });

  test('the same change made by hand and in the manifest is simply in sync', async () => {
    const { tenant, project, run } = await tenantAtV1();
    await harness.exec(tenant, 'ALTER TABLE accounts ADD COLUMN note text');
    await project.writeManifest(withNoteText);
    expect((await run((e) => e.audit())).tenants[0]!.status).toBe('in-sync');
  });
});

describe('a snapshot written before objects were compared', () => {
  const table = { name: 't', columns: [{ name: 'id', type: 'integer', nullable: false }], uniques: [], indexes: [], foreignKeys: [], checks: [] };
  const view = (body: string) => ({ kind: 'view' as const, name: 'v', definition: `CREATE VIEW v AS\n ${body}`, dependsOn: ['table:t'] });
  const actual = { tables: [table], enums: [], sequences: [], objects: [view('SELECT t.id FROM t;')] };
  const desired = { schema: { tables: [table], enums: [], sequences: [], objects: [view('SELECT t.id FROM t WHERE t.id > 0;')] }, renames: noRenames, excluded: noExclusions, overrides: [], sql: [] };
  const changes = diffSchemas({ current: actual, desired: desired.schema });
  const base = (schema: SchemaModel) => ({ fingerprint: fingerprint(schema), schema: () => schema });

  test('lists its views as unmanaged: their differences are pending, not drift', () => {
    const old: SchemaModel = { tables: [table], enums: [], sequences: [], unmanaged: [{ kind: 'view', name: 'v' }] };
    expect(changes.length).toBeGreaterThan(0);
    expect(classifyDrift({ base: base(old), actual, desired, changes }).status).toBe('pending');
  });

  test('a current snapshot without the view still tells the view made out of band: a conflict with the manifest', () => {
    const current: SchemaModel = { tables: [table], enums: [], sequences: [] };
    expect(classifyDrift({ base: base(current), actual, desired, changes })).toMatchObject({ status: 'conflict', conflicts: ['view v'] });
  });
});
