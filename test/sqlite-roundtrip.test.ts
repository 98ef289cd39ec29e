import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { writeManifest } from '../src/manifest/index.js';
import { fixturesDir } from './helpers/fixtures.js';
import { createTempProject, type TempProject } from './helpers/project.js';

const projects: TempProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.remove();
});

/** A project whose tenant `original` is built from the fixture's DDL, and `copy` is empty. */
async function projectWith(fixture: string): Promise<TempProject> {
  const project = await createTempProject({ engine: 'sqlite', tenants: { pattern: 'tenants/*.db' } });
  projects.push(project);
  await mkdir(path.join(project.dir, 'tenants'));
  const db = new Database(path.join(project.dir, 'tenants', 'original.db'));
  db.exec(readFileSync(path.join(fixturesDir, fixture), 'utf8'));
  db.close();
  new Database(path.join(project.dir, 'tenants', 'copy.db')).close();
  return project;
}

/** Adopts `original` as the manifest, the way `inspect -o` does. */
async function adopt(project: TempProject): Promise<void> {
  const engine = await project.open();
  try {
    const [tenant] = await engine.listTenants({ tenants: ['original'] });
    const outcome = (await engine.project.adapter.inspector.inspectTenants([tenant!])).get('original');
    if (!outcome?.ok) throw new Error(outcome?.error ?? 'not inspected');
    await writeFile(path.join(project.dir, 'schema', 'manifest.yaml'), writeManifest(engine.project.engine.normalizer.toManifestSchema(outcome.schema), engine.project.engine));
  } finally {
    await engine.close();
  }
}

describe.each([
  { name: 'Chinook', fixture: 'chinook/sqlite.schema.sql', tables: 11, triggers: 0, views: 0 },
  { name: 'Sakila', fixture: 'sakila/sqlite-sakila-schema.sql', tables: 16, triggers: 30, views: 5 },
])('SQLite round trip of $name', ({ fixture, tables, triggers, views }) => {
  test('adopt: plan is empty; the manifest builds a copy with the same fingerprint', async () => {
    const project = await projectWith(fixture);
    await adopt(project);
    const engine = await project.open();
    try {
      const original = await engine.plan({ tenants: ['original'] });
      expect(original.groups.flatMap((g) => g.steps.map((s) => s.summary))).toEqual([]);
      const report = await engine.audit({ tenants: ['original'] });
      const unmanaged = report.tenants[0]!.unmanaged;
      expect(unmanaged.filter((u) => u.kind === 'trigger')).toHaveLength(triggers);
      expect(unmanaged.filter((u) => u.kind === 'view')).toHaveLength(views);
      expect(unmanaged.filter((u) => u.kind === 'unparsed')).toEqual([]);

      const results = await engine.apply(await engine.plan({ tenants: ['copy'] }));
      expect(results.map((r) => [r.tenant, r.status, r.error])).toEqual([['copy', 'applied', undefined]]);
      const both = await engine.audit();
      expect(both.summary).toEqual({ total: 2, inSync: 2, pending: 0, drifted: 0, conflicts: 0, errors: 0 });
      expect(both.tenants[0]!.fingerprint).toBe(both.tenants[1]!.fingerprint);
      const db = new Database(path.join(project.dir, 'tenants', 'copy.db'), { readonly: true });
      try {
        const count = db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).get() as { n: number };
        expect(count.n).toBe(tables);
      } finally {
        db.close();
      }
    } finally {
      await engine.close();
    }
  });
});
