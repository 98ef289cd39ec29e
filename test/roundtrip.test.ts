import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeManifest } from '../src/manifest/index.js';
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
  await withClient(pagilaDb.url, (c) => c.query(readDump('pagila/pagila-schema.sql')));
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
    const text = writeManifest(engine.project.engine.normalizer.toManifestSchema(inspected.schema));
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

  test('Pagila: adopt, plan is empty, and its views, functions and triggers are unmanaged', async () => {
    const project = await adopt(pagilaDb.url, 'public', 'public');
    const engine = await project.open();
    try {
      const plan = await engine.plan();
      expect(plan.groups.flatMap((g) => g.steps.map((s) => s.summary))).toEqual([]);
      expect(plan.inSync).toEqual(['public']);
      const report = await engine.audit();
      const unmanaged = report.tenants[0]!.unmanaged;
      const kinds = new Set(unmanaged.map((u) => u.kind));
      for (const kind of ['view', 'function', 'trigger', 'domain']) expect(kinds, kind).toContain(kind);
      expect(unmanaged).toContainEqual({ kind: 'view', name: 'actor_info' });
      expect(unmanaged.some((u) => u.kind === 'trigger' && u.name.startsWith('film.'))).toBe(true);
      // Partitions are managed tables now.
      expect(unmanaged.filter((u) => u.kind === 'partition')).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
