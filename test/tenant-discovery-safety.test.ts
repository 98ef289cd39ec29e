import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

// Tenant discovery only reads, and never hands over a schema that is not a tenant's: the config's
// tenants.query runs read-only with a timeout, and system schemas named by the list or returned
// by the query are refused by name.

const SYSTEM = ['information_schema', 'pg_catalog', 'pg_toast', 'pg_temp_1', 'pg_toast_temp_1', 'schema_sync'];

describe('postgres: tenant discovery', { timeout: 120_000 }, () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let project: TempProject;

  const writeConfig = (tenants: Record<string, unknown>) =>
    writeFile(project.configFile, stringify({ engine: 'postgres', url: db.url, tenants, apply: { retries: 0 } }));

  const count = (sql: string) => withClient(db.url, async (client) => Number((await client.query<{ n: string }>(sql)).rows[0]!.n));
  const systemRelations = () => count("SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'information_schema'");

  beforeAll(async () => {
    db = await createTestDatabase('tdisc');
    project = await createTempProject({ engine: 'postgres', url: db.url, tenants: { pattern: 't_*' } });
    await withClient(db.url, async (client) => {
      await client.query('CREATE SCHEMA t_one; CREATE TABLE public.tenants (name text); INSERT INTO public.tenants VALUES (\'t_one\'), (\'gone\')');
    });
    // A table and nothing else: a plan against information_schema would drop all its views.
    await project.writeManifest({ tables: { items: { columns: { id: { type: 'integer', primaryKey: true } } } } });
  });

  afterAll(async () => {
    await db?.drop();
    await project?.remove();
  });

  test('a DELETE ... RETURNING in tenants.query fails, naming tenants.query, and deletes nothing', async () => {
    await writeConfig({ query: 'DELETE FROM public.tenants RETURNING name' });
    await expect(project.withEngine((engine) => engine.listTenants())).rejects.toThrow(/tenants\.query .*READ ONLY/);
    expect(await count('SELECT count(*) AS n FROM public.tenants')).toBe(2);

    const result = await runCli(['audit', '--config', project.configFile], { cwd: project.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/tenants\.query/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await count('SELECT count(*) AS n FROM public.tenants')).toBe(2);
  });

  test('a COMMIT inside tenants.query cannot end the read-only transaction', async () => {
    await writeConfig({ query: 'COMMIT; DELETE FROM public.tenants RETURNING name' });
    await expect(project.withEngine((engine) => engine.listTenants())).rejects.toThrow(/tenants\.query/);
    expect(await count('SELECT count(*) AS n FROM public.tenants')).toBe(2);
  });

  test('tenants.query has a statement timeout', async () => {
    await writeFile(
      project.configFile,
      stringify({ engine: 'postgres', url: db.url, tenants: { query: 'SELECT name FROM public.tenants, pg_sleep(30)' }, apply: { statementTimeout: '300ms' } }),
    );
    await expect(project.withEngine((engine) => engine.listTenants())).rejects.toThrow(/tenants\.query .*statement timeout/);
  });

  test.each([
    ['list', 't_list', { list: [...SYSTEM, 't_list'] }],
    ['query', 't_query', { query: `SELECT unnest(ARRAY[${[...SYSTEM, 't_query'].map((s) => `'${s}'`).join(', ')}])` }],
  ])('system schemas given by %s are refused by name, and plan and apply never touch them', async (_form, tenant, tenants) => {
    await withClient(db.url, (client) => client.query(`CREATE SCHEMA ${tenant}`));
    await writeConfig(tenants);
    const before = await systemRelations();
    expect(before).toBeGreaterThan(0);
    await project.withEngine(async (engine) => {
      const discovery = await engine.project.discover();
      expect(discovery.tenants.map((t) => t.name)).toEqual([tenant]);
      expect(discovery.rejected.map((r) => r.name).sort()).toEqual([...SYSTEM].sort());
      for (const r of discovery.rejected) expect(r.reason).toMatch(/never a tenant/);

      const plan = await engine.plan({}, { allowDestructive: true });
      const planned = plan.groups.flatMap((g) => g.tenants.map((t) => t.name));
      expect(planned).toEqual([tenant]);
      expect(JSON.stringify(plan)).not.toMatch(/information_schema/);
      const results = await engine.apply(plan, { allowDestructive: true });
      expect(results.map((r) => [r.tenant, r.status])).toEqual([[tenant, 'applied']]);
    });
    expect(await systemRelations()).toBe(before);
  });

  test('the CLI names each refused system schema', async () => {
    await writeConfig({ list: ['information_schema', 't_one'] });
    const result = await runCli(['tenants', '--config', project.configFile], { cwd: project.dir });
    expect(result.stderr).toMatch(/refused tenant name "information_schema": a PostgreSQL system schema, never a tenant/);
    expect(result.stdout).toMatch(/t_one/);
    expect(result.stdout).not.toMatch(/information_schema/);
  });
});
