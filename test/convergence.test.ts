import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import type { HazardCode } from '../src/plan/hazards.js';
import { engineHarnesses, TEARDOWN_TIMEOUT } from './helpers/engine-harness.js';
import { dumpDifference } from './helpers/oracle.js';
import { createTempProject } from './helpers/project.js';

interface ConvergenceCase {
  name: string;
  /** Engines that can express the case; all when absent. */
  engines?: string[];
  /** Why the engines left out cannot: required with `engines`. */
  why?: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  rows?: Record<string, Record<string, unknown>[]>;
  /** SQL run by hand after `before` and the rows, per engine: a state schema-sync itself never plans (a NOT VALID constraint). */
  outOfBand?: Partial<Record<string, string>>;
  options?: Record<string, unknown>;
  /**
   * Also hold the result to the server's own dump (PostgreSQL's pg_dump): the tenant that went
   * from `before` to `after` dumps exactly as a tenant built from `after` alone.
   */
  oracle?: boolean;
  expect: {
    /** Change kinds in plan order: one list for every engine, or a list per engine. */
    changes?: string[] | Partial<Record<string, string[]>>;
    hazards?: Partial<Record<string, HazardCode[]>>;
    rows?: Record<string, number>;
  };
}

const casesDir = path.join(import.meta.dirname, 'cases');
const cases: (ConvergenceCase & { file: string })[] = readdirSync(casesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) => (parse(readFileSync(path.join(casesDir, file), 'utf8')) as ConvergenceCase[]).map((c) => ({ ...c, file })));

const engines = engineHarnesses();

test('a case that leaves out an engine says why, and names only engines the test runs', () => {
  const known = engines.map((h) => h.engine as string);
  const unexplained = cases.filter((c) => c.engines && (!c.why || c.engines.length === 0 || c.engines.some((e) => !known.includes(e))));
  expect(unexplained.map((c) => `${c.file}: ${c.name}`)).toEqual([]);
});

describe.each(engines)('convergence on $engine', (harness) => {
  beforeAll(() => harness.setup('converge'));
  afterAll(() => harness.teardown(), TEARDOWN_TIMEOUT);

  const mine = cases.map((c, i) => ({ ...c, tenant: `case_${i}` })).filter((c) => !c.engines || c.engines.includes(harness.engine));
  test.each(mine)('$file: $name', async (c) => {
    await harness.createTenant(c.tenant);
    const project = await createTempProject(harness.config([c.tenant], c.options));
    try {
      // Build `before` with schema-sync itself, so every case also converges from empty.
      await project.writeManifest(c.before);
      let engine = await project.open();
      try {
        const setup = await engine.plan();
        const applied = await engine.apply(setup, { allowDestructive: true });
        expect(applied.filter((r) => r.status !== 'applied')).toEqual([]);
        expect((await engine.plan()).groups).toEqual([]);
      } finally {
        await engine.close();
      }
      for (const [table, rows] of Object.entries(c.rows ?? {})) await harness.insertRows(c.tenant, table, rows);
      const byHand = c.outOfBand?.[harness.engine];
      if (byHand !== undefined) await harness.exec(c.tenant, byHand);

      await project.writeManifest(c.after);
      engine = await project.open();
      try {
        const plan = await engine.plan();
        const kinds = plan.groups.flatMap((g) => g.changes.map((ch) => ch.kind));
        const expectedKinds = Array.isArray(c.expect.changes) ? c.expect.changes : c.expect.changes?.[harness.engine];
        if (expectedKinds) expect(kinds).toEqual(expectedKinds);
        const expectedHazards = c.expect.hazards?.[harness.engine];
        if (expectedHazards) expect(plan.groups[0]?.hazards ?? []).toEqual([...expectedHazards].sort());

        const results = await engine.apply(plan, { allowDestructive: true });
        expect(results.map((r) => ({ tenant: r.tenant, status: r.status, error: r.error }))).toEqual(
          plan.groups.length > 0 ? [{ tenant: c.tenant, status: 'applied', error: undefined }] : [],
        );
        const again = await engine.plan();
        expect(again.groups.flatMap((g) => g.steps.map((s) => s.summary))).toEqual([]);
        expect(again.inSync).toEqual([c.tenant]);
        for (const [table, count] of Object.entries(c.expect.rows ?? {})) {
          expect(await harness.countRows(c.tenant, table)).toBe(count);
        }
      } finally {
        await engine.close();
      }
      if (c.oracle) await expectSameDumpAsFresh(harness, c);
    } finally {
      await project.remove();
    }
  });
});

/** Builds `after` alone in a tenant of its own and compares the two tenants' dumps. */
async function expectSameDumpAsFresh(harness: (typeof engines)[number], c: ConvergenceCase & { tenant: string }): Promise<void> {
  const fresh = `${c.tenant}_fresh`;
  await harness.createTenant(fresh);
  const project = await createTempProject(harness.config([fresh], c.options));
  try {
    await project.writeManifest(c.after);
    await project.withEngine(async (engine) => {
      const applied = await engine.apply(await engine.plan(), { allowDestructive: true });
      expect(applied.filter((r) => r.status !== 'applied')).toEqual([]);
    });
    const [migrated, built] = [await harness.dumpSchema(c.tenant), await harness.dumpSchema(fresh)];
    expect(migrated === built ? '' : dumpDifference(migrated, built)).toBe('');
  } finally {
    await project.remove();
  }
}
