import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import type { PlanFile } from '../src/plan/plan-file.js';
import type { AuditReport, TenantAudit } from '../src/workflow/audit-tenants.js';
import { mutations, REFERENCE_EXTRAS, type Mutation } from './cases/mutations/index.js';
import { adoptTenant, dumpDifference, dumpSchema, dumpSchemas, pendingSteps, sqlForTenant, type SchemaFixture } from './helpers/oracle.js';
import { createTestDatabase, qi, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

// Issue 12's mutation test. A reference tenant (Pagila plus the few kinds Pagila lacks, see
// REFERENCE_EXTRAS) is adopted as the manifest. Every case gets its own clone of it and changes one
// object out of band with SQL. Then, judged by pg_dump (test/helpers/oracle.ts):
//   1. the change is visible to pg_dump (else the case itself is wrong);
//   2. check (the library call behind `schema-sync check`) reports the tenant as not in sync, on a
//      line that names the object;
//   3. plan + apply (with consent for destructive steps) converges: the next plan is empty and
//      pg_dump of the tenant equals the reference's again.
// The work is batched: one database, one pg_dump run for all tenants, one audit, one plan, one
// apply; a step that throws for the whole batch is retried per tenant, so one tenant's failure
// stays that tenant's.

const pagila: SchemaFixture = { name: 'pagila', file: 'pagila/pagila-schema.sql', style: 'qualified' };
const REF = 'mut_ref';
/** A clone left unchanged: the harness's control. */
const CONTROL = 'mut_control';
const tenantOf = (index: number) => `mut_c${String(index).padStart(3, '0')}`;

interface CaseOutcome {
  readonly tenant: string;
  mutationError?: string;
  dumpBefore?: string;
  audit?: TenantAudit;
  auditError?: string;
  planError?: string;
  stepsPlanned?: readonly string[];
  applyStatus?: string;
  applyError?: string;
  stepsAfter?: readonly string[];
  replanError?: string;
  dumpAfter?: string;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: TempProject;
let referenceDump = '';
let singleReferenceDump = '';
let setupError: string | undefined;
const outcomes = new Map<string, CaseOutcome>();

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function cloneReference(url: string, tenants: readonly string[]): Promise<void> {
  const load = async (client: pg.Client, tenant: string, sql: string) => {
    await client.query(`CREATE SCHEMA ${qi(tenant)}`);
    await client.query(sql);
    await client.query(`SET search_path TO ${qi(tenant)}, public, pg_catalog`);
    await client.query(REFERENCE_EXTRAS);
    await client.query('RESET ALL');
  };
  const [first, ...rest] = tenants;
  await withClient(url, (client) => load(client, first!, sqlForTenant(pagila, first!)));
  // Pagila ends by granting on schema public, which no tenant's dump holds; two sessions doing
  // that at once collide on the catalog row, so the other clones leave it out and load in two lanes.
  const withoutPublicGrants = (tenant: string) => sqlForTenant(pagila, tenant).replace(/^(?:GRANT|REVOKE) .* ON SCHEMA public .*;$/gm, '');
  const lanes = [0, 1].map((lane) => rest.filter((_, i) => i % 2 === lane));
  await Promise.all(lanes.map((lane) => withClient(url, async (client) => {
    for (const tenant of lane) await load(client, tenant, withoutPublicGrants(tenant));
  })));
}

async function mutate(url: string, cases: readonly { tenant: string; mutation: Mutation }[]): Promise<void> {
  await withClient(url, async (client) => {
    for (const { tenant, mutation } of cases) {
      try {
        await client.query(`SET search_path TO ${qi(tenant)}, public, pg_catalog`);
        await client.query(mutation.sql);
      } catch (error) {
        outcomes.get(tenant)!.mutationError = message(error);
      } finally {
        await client.query('RESET ALL');
      }
    }
  });
}

/**
 * One call for the whole batch. If it throws, one call per tenant, so a failure stays with its
 * tenant; but when the first tenant alone fails with the batch's own error, the error is not any
 * tenant's (the manifest does not compile, say) and every tenant gets it without more calls.
 */
async function batched<T>(tenants: readonly string[], all: (tenants: readonly string[]) => Promise<T>, each: (result: T) => void, onError: (tenant: string, error: string) => void): Promise<void> {
  let batchError: string;
  try {
    each(await all(tenants));
    return;
  } catch (error) {
    batchError = message(error);
  }
  for (const [i, tenant] of tenants.entries()) {
    try {
      each(await all([tenant]));
    } catch (error) {
      if (i === 0 && message(error) === batchError) {
        for (const t of tenants) onError(t, batchError);
        return;
      }
      onError(tenant, message(error));
    }
  }
}

async function checkAll(engine: SchemaSyncEngine, tenants: readonly string[]): Promise<void> {
  await batched<AuditReport>(
    tenants,
    (ts) => engine.audit({ tenants: [...ts] }),
    (report) => {
      for (const t of report.tenants) {
        const outcome = outcomes.get(t.tenant);
        if (outcome) outcome.audit = t;
      }
    },
    (tenant, error) => (outcomes.get(tenant)!.auditError = error),
  );
}

async function convergeAll(engine: SchemaSyncEngine, tenants: readonly string[]): Promise<void> {
  const planOptions = { allowDestructive: true, drift: 'revert' } as const;
  await batched<PlanFile>(
    tenants,
    async (ts) => {
      const plan = await engine.plan({ tenants: [...ts] }, planOptions);
      for (const failed of plan.failed) outcomes.get(failed.tenant)!.planError = failed.error;
      for (const [tenant, steps] of pendingSteps(plan)) {
        const outcome = outcomes.get(tenant);
        if (outcome) outcome.stepsPlanned = steps;
      }
      const results = await engine.apply(plan, { allowDestructive: true });
      for (const r of results) {
        const outcome = outcomes.get(r.tenant)!;
        outcome.applyStatus = r.status;
        if (r.error !== undefined) outcome.applyError = r.error;
      }
      return plan;
    },
    () => undefined,
    (tenant, error) => (outcomes.get(tenant)!.applyError = error),
  );
  await batched<PlanFile>(
    tenants,
    (ts) => engine.plan({ tenants: [...ts] }, planOptions),
    (plan) => {
      const steps = pendingSteps(plan);
      for (const tenant of [...plan.inSync, ...steps.keys()]) {
        const outcome = outcomes.get(tenant);
        if (outcome) outcome.stepsAfter = steps.get(tenant) ?? [];
      }
      for (const failed of plan.failed) {
        const outcome = outcomes.get(failed.tenant);
        if (outcome) outcome.replanError = failed.error;
      }
    },
    (tenant, error) => (outcomes.get(tenant)!.replanError = error),
  );
}

beforeAll(async () => {
  db = await createTestDatabase('mutation');
  const tenants = [CONTROL, ...mutations.map((_, i) => tenantOf(i))];
  for (const tenant of tenants) outcomes.set(tenant, { tenant });
  await cloneReference(db.url, [REF, ...tenants]);
  project = await createTempProject({ engine: 'postgres', url: db.url, tenants: { pattern: 'mut_*' }, apply: { retries: 0, concurrency: 4 } });
  try {
    await adoptTenant(project.configFile, project.dir, REF);
  } catch (error) {
    setupError = `adopting the reference tenant failed: ${message(error)}`;
  }
  await mutate(db.url, mutations.map((mutation, i) => ({ tenant: tenantOf(i), mutation })));
  const before = await dumpSchemas(db.url, [REF, ...tenants]);
  referenceDump = before.get(REF)!;
  singleReferenceDump = await dumpSchema(db.url, REF);
  for (const tenant of tenants) outcomes.get(tenant)!.dumpBefore = before.get(tenant)!;
  if (setupError !== undefined) return;

  // A fresh engine reads the adopted manifest from disk, as a new `schema-sync check` run would.
  const checking = await project.open();
  try {
    await checkAll(checking, tenants);
    await convergeAll(checking, tenants);
  } finally {
    await checking.close();
  }
  const after = await dumpSchemas(db.url, tenants);
  for (const tenant of tenants) outcomes.get(tenant)!.dumpAfter = after.get(tenant)!;
}, 180_000);

// Dropping the database waits for a checkpoint, slow on a busy server.
afterAll(async () => {
  await project?.remove();
  await db?.drop();
}, 180_000);

test('the cases are many, distinct, and each names the object it changes', () => {
  expect(mutations.length).toBeGreaterThanOrEqual(60);
  expect(new Set(mutations.map((m) => m.name)).size).toBe(mutations.length);
  expect(new Set(mutations.map((m) => m.sql)).size).toBe(mutations.length);
  for (const m of mutations) expect(m.names.length, m.name).toBeGreaterThan(0);
});

test('the reference tenant is in sync with the manifest adopted from it', async () => {
  expect(setupError, setupError).toBeUndefined();
  expect(referenceDump).toMatch(/CREATE TABLE <tenant>\.film /);
  const engine = await project.open();
  try {
    const plan = await engine.plan({ tenants: [REF] });
    expect(pendingSteps(plan).get(REF) ?? []).toEqual([]);
    const report = await engine.audit({ tenants: [REF] });
    expect(report.tenants.map((t) => [t.tenant, t.status, t.differences])).toEqual([[REF, 'in-sync', []]]);
  } finally {
    await engine.close();
  }
});

test('harness control: one pg_dump run split per schema equals the single-schema dump', () => {
  expect(referenceDump).toMatch(/CREATE TABLE <tenant>\.film /);
  expect(referenceDump === singleReferenceDump, dumpDifference(singleReferenceDump, referenceDump)).toBe(true);
});

test('harness control: an unchanged clone dumps as the reference, is in sync, and apply leaves it so', () => {
  const control = outcomes.get(CONTROL)!;
  expect(control.dumpBefore === referenceDump, dumpDifference(referenceDump, control.dumpBefore ?? '')).toBe(true);
  expect(control.audit?.status, `check said ${control.audit?.status ?? control.auditError}`).toBe('in-sync');
  expect(control.stepsAfter).toEqual([]);
  expect(control.dumpAfter === referenceDump, dumpDifference(referenceDump, control.dumpAfter ?? '')).toBe(true);
});

for (const [i, m] of mutations.entries()) describe(m.name, () => {
  const outcome = () => outcomes.get(tenantOf(i))!;

  test('is made out of band, and pg_dump sees it', () => {
    expect(outcome().mutationError, `the mutation SQL failed (${outcome().mutationError}): ${m.sql}`).toBeUndefined();
    expect(outcome().dumpBefore !== referenceDump, 'pg_dump does not see this mutation: the case is wrong').toBe(true);
  });

  test('check reports the tenant as not in sync and names the object', () => {
    expect(setupError, setupError).toBeUndefined();
    expect(outcome().auditError, `check failed: ${outcome().auditError}`).toBeUndefined();
    const audit = outcome().audit;
    expect(audit, 'check did not report this tenant').toBeDefined();
    const lines = [...audit!.differences, ...audit!.drift, ...audit!.conflicts, ...(audit!.error ? [audit!.error] : [])];
    const shown = `check said ${audit!.status}: ${JSON.stringify(lines)}; pg_dump differs by:\n${dumpDifference(referenceDump, outcome().dumpBefore ?? '')}`;
    expect(audit!.status, shown).not.toBe('in-sync');
    expect(
      lines.some((line) => m.names.every((n) => line.includes(n))),
      `no line of check names ${m.names.join(' and ')}; ${shown}`,
    ).toBe(true);
  });

  test('plan + apply converges: the next plan is empty and pg_dump equals the reference again', () => {
    expect(setupError, setupError).toBeUndefined();
    expect(outcome().planError, `plan failed: ${outcome().planError}`).toBeUndefined();
    expect(outcome().applyError, `apply failed: ${outcome().applyError}; the plan was ${JSON.stringify(outcome().stepsPlanned)}`).toBeUndefined();
    expect(outcome().replanError, `the second plan failed: ${outcome().replanError}`).toBeUndefined();
    expect(outcome().stepsAfter, 'steps left after apply').toEqual([]);
    const after = outcome().dumpAfter ?? '';
    // Compared as a boolean: vitest's own diff of two 100 kB dumps takes seconds per case.
    expect(after === referenceDump, `pg_dump after apply still differs:\n${dumpDifference(referenceDump, after)}`).toBe(true);
  });
});
