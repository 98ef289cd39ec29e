import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import type { EngineName } from '../src/domain/settings.js';
import type { UnmanagedObject } from '../src/model/types.js';
import { engineHarnesses, TEARDOWN_TIMEOUT, type FixtureFile } from './helpers/engine-harness.js';
import { fixturesDir } from './helpers/fixtures.js';
import { adoptTenant, dumpDifference, pendingSteps, unmanagedObjects } from './helpers/oracle.js';
import { createTempProject, type TempProject } from './helpers/project.js';

// Issue 12's oracle, which nobody in this project wrote, on every engine: each real schema is
// loaded into tenant A, adopted as the manifest (`inspect -o`, run in this process), and an empty
// tenant B is built from that manifest with plan + apply. The server's own dump tool must then
// print A and B alike once the tenant's name is replaced (pg_dump --schema-only byte for byte;
// SQLite's PRAGMAs line for line, test/helpers/sqlite-dump.ts): whatever schema-sync cannot read,
// write or rebuild shows up as a line of difference. The fixtures and what each holds are data,
// in test/fixtures/oracle.yaml.
//
// How a PostgreSQL fixture gets into a tenant (test/helpers/oracle.ts, sqlForTenant): files that
// qualify every name with `public.` have that qualifier rewritten to the tenant; files that rely on
// `SET search_path = public, ...` get the tenant put first in that path. Nothing else is edited.

interface OracleFixture extends FixtureFile {
  readonly name: string;
  readonly tables: number;
  readonly objects?: number;
  readonly built?: readonly string[];
  readonly unmanaged?: Readonly<Record<string, number>>;
  readonly dumpDifference?: { readonly why: string; readonly a: readonly string[]; readonly b: readonly string[] };
}

const fixtures = parse(readFileSync(path.join(fixturesDir, 'oracle.yaml'), 'utf8')) as Record<EngineName, OracleFixture[]>;

/** Lines of `a` that `b` lacks, and of `b` that `a` lacks, each counted as often as it occurs. */
function lineDifference(a: string, b: string): { a: string[]; b: string[] } {
  const count = new Map<string, number>();
  for (const line of b.split('\n')) count.set(line, (count.get(line) ?? 0) + 1);
  const onlyA: string[] = [];
  for (const line of a.split('\n')) {
    const left = count.get(line) ?? 0;
    if (left > 0) count.set(line, left - 1);
    else onlyA.push(line);
  }
  const onlyB = [...count].flatMap(([line, n]) => Array<string>(n).fill(line));
  return { a: onlyA, b: onlyB.sort() };
}

function countByKind(objects: readonly UnmanagedObject[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return counts;
}

describe.each(engineHarnesses())('$engine', (harness) => {
  // One place for all fixtures, each in its own pair of tenants: dropping a PostgreSQL database
  // waits for a checkpoint, which on a busy server can take longer than the fixtures themselves.
  beforeAll(() => harness.setup('oracle'));
  afterAll(() => harness.teardown(), TEARDOWN_TIMEOUT);

  describe.each(fixtures[harness.engine])('$name: adopt tenant A, build B from the manifest, the server dumps them alike', (fixture) => {
    const A = `${fixture.name.replace(/\W/g, '_')}_a`;
    const B = `${fixture.name.replace(/\W/g, '_')}_b`;
    let project: TempProject;
    let engine: SchemaSyncEngine | undefined;
    let adoptError: string | undefined;

    beforeAll(async () => {
      await harness.loadFixture(A, fixture);
      await harness.createTenant(B);
      project = await createTempProject(harness.config([A, B]));
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

    /** The dumps of A (without what A holds outside the model) and of B. */
    async function dumps(): Promise<[string, string]> {
      const unmanaged = await unmanagedObjects(opened(), A);
      return Promise.all([harness.dumpSchema(A, unmanaged), harness.dumpSchema(B)]);
    }

    /** Whether the dumps differ only where the fixture's data says they do. */
    function agree(dumpA: string, dumpB: string): boolean {
      if (!fixture.dumpDifference) return dumpA === dumpB;
      const { a, b } = lineDifference(dumpA, dumpB);
      return JSON.stringify({ a, b }) === JSON.stringify({ a: fixture.dumpDifference.a, b: fixture.dumpDifference.b });
    }

    test('the adopted manifest plans nothing for A itself', async () => {
      const plan = await opened().plan({ tenants: [A] });
      expect(plan.failed).toEqual([]);
      expect(pendingSteps(plan).get(A) ?? []).toEqual([]);
      expect(plan.inSync).toEqual([A]);
    });

    test("B is built from the manifest by plan + apply, creating the fixture's objects, and then plans nothing", async () => {
      const build = await opened().plan({ tenants: [B] });
      expect(build.failed).toEqual([]);
      const results = await opened().apply(build);
      expect(results.map((r) => [r.tenant, r.status, r.error])).toEqual([[B, 'applied', undefined]]);
      const again = await opened().plan({ tenants: [B] });
      expect(pendingSteps(again).get(B) ?? []).toEqual([]);
      const kinds = new Set(build.groups.flatMap((g) => g.changes.flatMap((c) => (c.kind === 'createObject' ? [c.object.kind] : []))));
      expect([...kinds].sort()).toEqual(fixture.built ?? []);
      const [tablesA, tablesB] = await Promise.all([harness.tableNames(A), harness.tableNames(B)]);
      expect(tablesB).toHaveLength(fixture.tables);
      expect(tablesB).toEqual(tablesA);
    });

    test("the server's dumps of A and of B agree once the tenant's name is replaced", async () => {
      const [dumpA, dumpB] = await dumps();
      // The dump of A must hold the fixture, or equality would prove nothing.
      const tables = await harness.tableNames(A);
      expect(tables).toHaveLength(fixture.tables);
      expect(tables.filter((table) => !dumpA.includes(table))).toEqual([]);
      if (fixture.dumpDifference) {
        expect(lineDifference(dumpA, dumpB), fixture.dumpDifference.why).toEqual({ a: fixture.dumpDifference.a, b: fixture.dumpDifference.b });
      } else {
        // Compared as a boolean: vitest's own diff of two large dumps is slow and less readable.
        expect(dumpB === dumpA, `where the dumps of A (-) and B (+) part:\n${dumpDifference(dumpA, dumpB)}`).toBe(true);
      }
    });

    test('check agrees with the dumps: both in sync exactly when the dumps agree', async () => {
      const [dumpA, dumpB] = await dumps();
      const report = await opened().audit();
      const statuses = report.tenants.map((t) => [t.tenant, t.status, t.differences]);
      if (agree(dumpA, dumpB)) {
        expect(statuses).toEqual([
          [A, 'in-sync', []],
          [B, 'in-sync', []],
        ]);
        expect(report.summary).toEqual({ total: 2, inSync: 2, pending: 0, drifted: 0, conflicts: 0, errors: 0 });
        expect(report.tenants[1]!.fingerprint).toBe(report.tenants[0]!.fingerprint);
      } else {
        // The manifest is A's own: A is in sync, and B, which the dump shows to differ, must not be.
        expect(statuses[0]).toEqual([A, 'in-sync', []]);
        expect(statuses[1]![1], `check says B is in sync, but the dumps differ:\n${dumpDifference(dumpA, dumpB)}`).not.toBe('in-sync');
      }
    });

    test('what A holds outside the model is what the fixture says, by the inspector and by check', async () => {
      expect(countByKind(await unmanagedObjects(opened(), A))).toEqual(fixture.unmanaged ?? {});
      const report = await opened().audit({ tenants: [A] });
      expect(countByKind(report.tenants[0]!.unmanaged)).toEqual(fixture.unmanaged ?? {});
    });

    test('the inspector reads the same objects under sql: in A and in B', async () => {
      const read = await opened().project.adapter.inspector.inspectTenants(await opened().listTenants({ tenants: [A, B] }));
      const objects = (name: string) => {
        const outcome = read.get(name);
        if (!outcome?.ok) throw new Error(`${name} not inspected: ${outcome?.error}`);
        return outcome.schema.objects ?? [];
      };
      expect(objects(A)).toHaveLength(fixture.objects ?? 0);
      expect(objects(B)).toEqual(objects(A));
    });
  });
});
