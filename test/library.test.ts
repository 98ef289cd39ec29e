import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SchemaSyncEngine, diffSchemas, fingerprint } from '../src/index.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: TempProject;

beforeAll(async () => {
  db = await createTestDatabase('library');
  await withClient(db.url, async (c) => {
    await c.query('CREATE TABLE public.tenants (name text, active boolean)');
    await c.query(`INSERT INTO public.tenants VALUES ('acme', true), ('globex', true), ('gone', false)`);
    for (const t of ['acme', 'globex', 'gone']) await c.query(`CREATE SCHEMA ${t}`);
  });
  project = await createTempProject({
    engine: 'postgres',
    url: db.url,
    tenants: { query: 'SELECT name FROM public.tenants WHERE active ORDER BY name', labels: { canary: ['acme'] } },
  });
  await project.writeManifest({ tables: { widgets: { columns: { id: { type: 'bigserial', primaryKey: true }, name: 'text' } } } });
});

afterAll(async () => {
  await db?.drop();
  await project?.remove();
});

describe('the library API, as the README shows it', () => {
  test('listTenants discovers tenants by SQL query, with labels', async () => {
    const engine = await SchemaSyncEngine.open({ file: project.configFile });
    try {
      expect(await engine.listTenants()).toEqual([
        { name: 'acme', labels: ['canary'] },
        { name: 'globex', labels: [] },
      ]);
      expect((await engine.listTenants({ labels: ['canary'] })).map((t) => t.name)).toEqual(['acme']);
    } finally {
      await engine.close();
    }
  });

  test('syncTenant plans without executing, then executes, then is in sync', async () => {
    const engine = await SchemaSyncEngine.open({ file: project.configFile });
    try {
      const dry = await engine.syncTenant('acme', { execute: false });
      expect(dry.alreadyInSync).toBe(false);
      expect(dry.diff.map((c) => c.kind)).toEqual(['createSequence', 'createTable', 'alterSequence']);
      expect(dry.plan.groups[0]!.tenants.map((t) => t.name)).toEqual(['acme']);
      expect(dry.result).toBeUndefined();

      const run = await engine.syncTenant('acme', { execute: true });
      expect(run.result?.status).toBe('applied');
      const after = await engine.syncTenant('acme', { execute: true });
      expect(after.alreadyInSync).toBe(true);
      expect(after.diff).toEqual([]);

      const globex = await engine.audit({ tenants: ['globex'] });
      expect(globex.tenants[0]!.status).toBe('pending');
      await expect(engine.syncTenant('gone')).rejects.toThrow(/not found/);
    } finally {
      await engine.close();
    }
  });

  test('the pure pieces work on plain data', () => {
    const empty = { tables: [], enums: [], sequences: [] };
    const one = {
      tables: [{ name: 't', columns: [{ name: 'id', type: 'integer', nullable: false }], uniques: [], indexes: [], foreignKeys: [], checks: [] }],
      enums: [],
      sequences: [],
    };
    expect(diffSchemas({ current: empty, desired: one }).map((c) => c.kind)).toEqual(['createTable']);
    expect(diffSchemas({ current: one, desired: one })).toEqual([]);
    expect(fingerprint(one)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fingerprint(one)).not.toBe(fingerprint(empty));
  });
});
