import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SchemaSyncEngine } from '../src/engine.js';
import { adoptTenant, dumpDifference, dumpSchema, loadFixture, pendingSteps, unmanagedObjects, type SchemaFixture } from './helpers/oracle.js';
import { createTestDatabase, qi, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

// Issue 12's oracle, which nobody in this project wrote: each real schema is loaded into tenant A,
// adopted as the manifest (`inspect -o`), and an empty tenant B is built from that manifest with
// plan + apply. `pg_dump --schema-only` must then print A and B identically once the schema name
// is replaced: whatever schema-sync cannot read, write or rebuild shows up as a line of difference.
//
// How a fixture gets into a tenant (test/helpers/oracle.ts, sqlForTenant): files that qualify
// every name with `public.` have that qualifier rewritten to the tenant; files that rely on
// `SET search_path = public, ...` get the tenant put first in that path. Nothing else is edited.

const fixtures: readonly SchemaFixture[] = [
  // Sample databases kept in test/fixtures (see their READMEs).
  { name: 'chinook', file: 'chinook/postgres.schema.sql', style: 'search-path' },
  { name: 'pagila', file: 'pagila/pagila-schema.sql', style: 'qualified' },
  { name: 'sakila', file: 'sakila/postgres-sakila-schema.sql', style: 'search-path' },
  // Application schemas: a Rails db/structure.sql each (see test/fixtures/<name>/README.md).
  { name: 'circuitverse', file: 'circuitverse/structure.sql', style: 'qualified' },
  { name: 'e-manifest', file: 'e-manifest/structure.sql', style: 'search-path' },
];

// One database for all fixtures, each in its own pair of schemas: dropping a database waits for a
// checkpoint, which on a busy server can take longer than the fixtures themselves.
let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase('oracle');
});

afterAll(async () => {
  await db?.drop();
}, 180_000);

describe.each(fixtures)('$name: adopt tenant A, build B from the manifest, pg_dump agrees', (fixture) => {
  const A = `${fixture.name.replace(/\W/g, '_')}_a`;
  const B = `${fixture.name.replace(/\W/g, '_')}_b`;
  let project: TempProject;
  let engine: SchemaSyncEngine | undefined;
  let adoptError: string | undefined;

  beforeAll(async () => {
    await loadFixture(db.url, fixture, A);
    await withClient(db.url, (c) => c.query(`CREATE SCHEMA ${qi(B)}`));
    project = await createTempProject({ engine: 'postgres', url: db.url, tenants: { list: [A, B] }, apply: { retries: 0 } });
    try {
      await adoptTenant(project.configFile, project.dir, A);
      engine = await project.open();
    } catch (error) {
      adoptError = error instanceof Error ? error.message : String(error);
    }
  });

  afterAll(async () => {
    await engine?.close();
    await project?.remove();
  });

  function opened(): SchemaSyncEngine {
    if (!engine) throw new Error(`adoption failed: ${adoptError}`);
    return engine;
  }

  test('the adopted manifest plans nothing for A itself', async () => {
    const plan = await opened().plan({ tenants: [A] });
    expect(plan.failed).toEqual([]);
    expect(pendingSteps(plan).get(A) ?? []).toEqual([]);
    expect(plan.inSync).toEqual([A]);
  });

  test('B is built from the manifest by plan + apply, and then plans nothing', async () => {
    const build = await opened().plan({ tenants: [B] });
    expect(build.failed).toEqual([]);
    const results = await opened().apply(build);
    expect(results.map((r) => [r.tenant, r.status, r.error])).toEqual([[B, 'applied', undefined]]);
    const again = await opened().plan({ tenants: [B] });
    expect(pendingSteps(again).get(B) ?? []).toEqual([]);
  });

  test('pg_dump --schema-only of A and of B are identical once the schema name is replaced', async () => {
    const [dumpA, dumpB] = await Promise.all([dumpSchema(db.url, A), dumpSchema(db.url, B)]);
    // The dump of A must hold the fixture, or equality would prove nothing.
    expect(dumpA).toMatch(/CREATE TABLE <tenant>\./);
    // Compared as a boolean: vitest's own diff of two large dumps is slow and less readable.
    expect(dumpB === dumpA, `where the dumps of A (-) and B (+) part:\n${dumpDifference(dumpA, dumpB)}`).toBe(true);
  });

  test('check agrees with pg_dump: both in sync exactly when the dumps are equal', async () => {
    const [dumpA, dumpB] = await Promise.all([dumpSchema(db.url, A), dumpSchema(db.url, B)]);
    const report = await opened().audit();
    const statuses = report.tenants.map((t) => [t.tenant, t.status, t.differences]);
    if (dumpA === dumpB) {
      expect(statuses).toEqual([
        [A, 'in-sync', []],
        [B, 'in-sync', []],
      ]);
    } else {
      // The manifest is A's own: A is in sync, and B, which pg_dump shows to differ, must not be.
      expect(statuses[0]).toEqual([A, 'in-sync', []]);
      expect(statuses[1]![1], `check says B is in sync, but pg_dump differs:\n${dumpDifference(dumpA, dumpB)}`).not.toBe('in-sync');
    }
  });

  if (fixture.name === 'pagila') {
    test('Pagila: nothing in the tenant is left unmanaged, by the inspector or by check', async () => {
      expect(await unmanagedObjects(opened(), A)).toEqual([]);
      const report = await opened().audit({ tenants: [A] });
      expect(report.tenants[0]!.unmanaged).toEqual([]);
    });
  }
});
