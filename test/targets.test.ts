import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import { createTestDatabase, qi, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';
import { runCli } from './helpers/cli.js';

const manifest = {
  tables: {
    accounts: { columns: { id: { type: 'integer', primaryKey: true }, name: { type: 'text', nullable: false }, email: 'text' } },
  },
};

async function using<T>(project: TempProject, fn: (e: SchemaSyncEngine) => Promise<T>): Promise<T> {
  const engine = await project.open();
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

describe('several targets on PostgreSQL', { timeout: 120_000 }, () => {
  let eu: Awaited<ReturnType<typeof createTestDatabase>>;
  let us: Awaited<ReturnType<typeof createTestDatabase>>;
  let project: TempProject;

  beforeAll(async () => {
    eu = await createTestDatabase('target_eu');
    us = await createTestDatabase('target_us');
    for (const [db, names] of [[eu, ['tenant_acme', 'tenant_globex']], [us, ['tenant_acme', 'tenant_initech']]] as const) {
      await withClient(db.url, async (c) => {
        for (const n of names) await c.query(`CREATE SCHEMA ${qi(n)}`);
      });
    }
    project = await createTempProject({
      engine: 'postgres',
      tenants: { pattern: 'tenant_*', labels: { canary: ['tenant_acme'] } },
      targets: [
        { name: 'eu', url: eu.url },
        { name: 'us', url: us.url },
      ],
      snapshotStore: 'database',
    });
    await project.writeManifest(manifest);
  });

  afterAll(async () => {
    await project?.remove();
    await eu?.drop();
    await us?.drop();
  });

  test('discovery qualifies the names that clash, and each tenant is applied on its own server', async () => {
    const tenants = await using(project, (e) => e.listTenants());
    expect(tenants.map((t) => [t.name, t.target, t.labels])).toEqual([
      ['eu.tenant_acme', 'eu', ['canary']],
      ['tenant_globex', 'eu', []],
      ['tenant_initech', 'us', []],
      ['us.tenant_acme', 'us', ['canary']],
    ]);
    expect((await using(project, (e) => e.listTenants({ tenants: ['tenant_acme'] }))).map((t) => t.name)).toEqual(['eu.tenant_acme', 'us.tenant_acme']);
    expect((await using(project, (e) => e.listTenants({ tenants: ['us.*'] }))).map((t) => t.name)).toEqual(['us.tenant_acme']);
    const plan = await using(project, (e) => e.plan());
    expect(plan.groups.flatMap((g) => g.tenants.map((t) => t.name)).sort()).toEqual(tenants.map((t) => t.name));
    const results = await using(project, (e) => e.apply(plan));
    expect(results.map((r) => `${r.tenant}:${r.status}`).sort()).toEqual(['eu.tenant_acme:applied', 'tenant_globex:applied', 'tenant_initech:applied', 'us.tenant_acme:applied']);

    const tablesIn = (url: string) =>
      withClient(url, async (c) => (await c.query<{ s: string }>(`SELECT table_schema AS s FROM information_schema.tables WHERE table_name = 'accounts' ORDER BY 1`)).rows.map((r) => r.s));
    expect(await tablesIn(eu.url)).toEqual(['tenant_acme', 'tenant_globex']);
    expect(await tablesIn(us.url)).toEqual(['tenant_acme', 'tenant_initech']);
    expect((await using(project, (e) => e.audit())).summary).toMatchObject({ total: 4, inSync: 4 });
    // Each server keeps its own tenants' snapshot history, under their own names.
    const rows = (url: string) => withClient(url, async (c) => (await c.query<{ tenant: string }>(`SELECT tenant FROM schema_sync.snapshots ORDER BY 1`)).rows.map((r) => r.tenant));
    expect(await rows(eu.url)).toEqual(['tenant_acme', 'tenant_globex']);
    expect(await rows(us.url)).toEqual(['tenant_acme', 'tenant_initech']);
  });

  test('a change out of band on one server is drift of that tenant only', async () => {
    await withClient(us.url, (c) => c.query(`ALTER TABLE tenant_acme.accounts ADD COLUMN hack text`));
    const report = await using(project, (e) => e.audit());
    expect(report.tenants.filter((t) => t.status !== 'in-sync').map((t) => `${t.tenant}:${t.status}`)).toEqual(['us.tenant_acme:drifted']);
    const cli = await runCli(['check', '--json', '--config', project.configFile], { cwd: project.dir });
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout).differing.map((d: { tenant: string }) => d.tenant)).toEqual(['us.tenant_acme']);
  });
});

describe('several targets of SQLite files', { timeout: 60_000 }, () => {
  let project: TempProject;
  beforeAll(async () => {
    project = await createTempProject({
      engine: 'sqlite',
      targets: [
        { name: 'old', tenants: { pattern: 'old/*.db' } },
        { name: 'new', tenants: { pattern: 'new/*.db' } },
      ],
      snapshotStore: 'filesystem',
    });
    for (const [dir, names] of [['old', ['acme', 'globex']], ['new', ['acme']]] as const) {
      mkdirSync(path.join(project.dir, dir));
      for (const n of names) new Database(path.join(project.dir, dir, `${n}.db`)).close();
    }
    await project.writeManifest(manifest);
  });
  afterAll(() => project?.remove());

  test('files of the same name in two targets are two tenants, each applied in its own file', async () => {
    const plan = await using(project, (e) => e.plan());
    const results = await using(project, (e) => e.apply(plan));
    expect(results.map((r) => `${r.tenant}:${r.status}`).sort()).toEqual(['globex:applied', 'new.acme:applied', 'old.acme:applied']);
    for (const file of ['old/acme.db', 'old/globex.db', 'new/acme.db']) {
      const db = new Database(path.join(project.dir, file), { readonly: true });
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'accounts'`).all(), file).toHaveLength(1);
      db.close();
    }
    const snapshots = await using(project, async (e) => (await e.snapshots()).list('new.acme'));
    expect(snapshots).toHaveLength(1);
  });
});

describe('targets in the config', () => {
  const load = async (config: Record<string, unknown>) => {
    const project = await createTempProject(config);
    try {
      const { loadConfig } = await import('../src/config/load-config.js');
      return await loadConfig({ file: project.configFile });
    } finally {
      await project.remove();
    }
  };
  test('each target takes the top-level url and discovery unless it has its own', async () => {
    const config = await load({
      engine: 'postgres',
      url: 'postgres://a@127.0.0.1/app',
      tenants: { pattern: 'tenant_*', exclude: ['tenant_test_*'] },
      targets: [{ name: 'eu' }, { name: 'us', url: 'postgres://b@127.0.0.1/app', tenants: { list: ['acme'] } }],
    });
    expect(config.targets).toEqual([
      { name: 'eu', url: 'postgres://a@127.0.0.1/app', tenants: { pattern: 'tenant_*', exclude: ['tenant_test_*'] } },
      { name: 'us', url: 'postgres://b@127.0.0.1/app', tenants: { list: ['acme'], exclude: ['tenant_test_*'] } },
    ]);
  });
  test('a name used twice, a target without a url, and a bad name are errors that say so', async () => {
    await expect(load({ engine: 'postgres', url: 'postgres://a@h/d', tenants: { pattern: '*' }, targets: [{ name: 'eu' }, { name: 'eu' }] })).rejects.toThrow(/targets\[1\]: the name 'eu' is used twice/);
    await expect(load({ engine: 'postgres', tenants: { pattern: '*' }, targets: [{ name: 'eu' }] })).rejects.toThrow(/no database url of target eu/);
    await expect(load({ engine: 'postgres', url: 'postgres://a@h/d', tenants: { pattern: '*' }, targets: [{ name: 'e u' }] })).rejects.toThrow(/schema-sync\.yaml:\d+:\d+.*target name/);
  });
});
