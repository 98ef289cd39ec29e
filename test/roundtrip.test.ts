import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adoptedManifest } from '../src/manifest/index.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { fixturesDir, readDump } from './helpers/fixtures.js';
import { createTempProject, type TempProject } from './helpers/project.js';
import { writeFile } from 'node:fs/promises';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pagilaDb: Awaited<ReturnType<typeof createTestDatabase>>;
const projects: TempProject[] = [];

beforeAll(async () => {
  db = await createTestDatabase('roundtrip');
  pagilaDb = await createTestDatabase('pagila');
  await withClient(db.url, async (c) => {
    await c.query('CREATE SCHEMA chinook');
    await c.query('SET search_path TO chinook');
    await c.query(readFileSync(path.join(fixturesDir, 'chinook', 'postgres.schema.sql'), 'utf8'));
    await c.query('RESET search_path');
    await c.query('CREATE SCHEMA chinook_copy');
  });
  // Pagila is a dump of `public`, which discovery only takes when named alone: moved to a schema of
  // its own, next to the empty one the manifest builds a copy in.
  await withClient(pagilaDb.url, async (c) => {
    await c.query(readDump('pagila/pagila-schema.sql'));
    await c.query('ALTER SCHEMA public RENAME TO pagila; CREATE SCHEMA public; CREATE SCHEMA pagila_copy');
  });
}, 60_000);

afterAll(async () => {
  await db?.drop();
  await pagilaDb?.drop();
  for (const p of projects) await p.remove();
});

/** Adopts a tenant's live schema as the manifest, the way `inspect -o` does. */
async function adopt(url: string, tenant: string, pattern: string): Promise<TempProject> {
  const project = await createTempProject({ engine: 'postgres', url, tenants: { pattern }, apply: { retries: 0 } });
  projects.push(project);
  const engine = await project.open();
  try {
    const [inspected] = await engine.project.adapter.inspector.inspectTenants([{ name: tenant, labels: [] }]).then((m) => [...m.values()]);
    if (!inspected?.ok) throw new Error(`cannot inspect ${tenant}`);
    const text = adoptedManifest(inspected.schema, engine.project.engine);
    await writeFile(path.join(project.dir, 'schema', 'manifest.yaml'), text);
  } finally {
    await engine.close();
  }
  return project;
}

describe('round trip of real schemas', () => {
  test('Chinook: adopt, plan is empty; the manifest builds an identical copy from nothing', async () => {
    const project = await adopt(db.url, 'chinook', 'chinook*');
    const engine = await project.open();
    try {
      const plan = await engine.plan({ tenants: ['chinook'] });
      expect(plan.groups.flatMap((g) => g.steps.map((s) => s.summary))).toEqual([]);
      expect(plan.inSync).toEqual(['chinook']);

      const build = await engine.plan({ tenants: ['chinook_copy'] });
      const results = await engine.apply(build);
      expect(results.map((r) => [r.tenant, r.status, r.error])).toEqual([['chinook_copy', 'applied', undefined]]);
      const report = await engine.audit();
      expect(report.summary).toEqual({ total: 2, inSync: 2, pending: 0, drifted: 0, conflicts: 0, errors: 0 });
      const [a, b] = report.tenants;
      expect(a!.fingerprint).toBe(b!.fingerprint);
    } finally {
      await engine.close();
    }
  });

  test('Pagila: adopt, plan is empty; its views, functions, aggregate, triggers and domains are managed, and the manifest builds them from nothing', async () => {
    const project = await adopt(pagilaDb.url, 'pagila', 'pagila*');
    const engine = await project.open();
    try {
      const plan = await engine.plan({ tenants: ['pagila'] });
      expect(plan.groups.flatMap((g) => g.steps.map((s) => s.summary))).toEqual([]);
      expect(plan.inSync).toEqual(['pagila']);

      const build = await engine.plan({ tenants: ['pagila_copy'] });
      const kinds = new Set(build.groups.flatMap((g) => g.changes.flatMap((c) => (c.kind === 'createObject' ? [c.object.kind] : []))));
      expect([...kinds].sort()).toEqual(['aggregate', 'domain', 'function', 'materialized view', 'trigger', 'view']);
      const results = await engine.apply(build);
      expect(results.map((r) => [r.tenant, r.status, r.error])).toEqual([['pagila_copy', 'applied', undefined]]);

      const report = await engine.audit();
      expect(report.summary).toMatchObject({ total: 2, inSync: 2, pending: 0, drifted: 0, errors: 0 });
      const [original, copy] = report.tenants;
      expect(copy!.fingerprint).toBe(original!.fingerprint);
      const read = await engine.project.adapter.inspector.inspectTenants(['pagila', 'pagila_copy'].map((name) => ({ name, labels: [] })));
      const objects = (name: string) => {
        const outcome = read.get(name);
        return outcome?.ok ? outcome.schema.objects : undefined;
      };
      expect(objects('pagila')).toHaveLength(35);
      expect(objects('pagila_copy')).toEqual(objects('pagila'));
      // Nothing is outside the model: partitions are managed tables.
      expect(original!.unmanaged).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
