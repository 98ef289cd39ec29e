import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';

// snapshotStore: database on both engines, through the built CLI (npm run build): the history
// lives next to the tenants, and its table is never drift, never unmanaged, never planned.

const manifestV1 = {
  version: 1,
  tables: { items: { columns: { id: { type: 'bigserial', primaryKey: true }, name: { type: 'text', nullable: false } } } },
};
const manifestV2 = {
  version: 1,
  tables: {
    items: {
      columns: { ...manifestV1.tables.items.columns, price: { type: 'numeric(10,2)', nullable: false, default: 0 } },
      indexes: { items_name_idx: { columns: ['name'] } },
    },
  },
};

interface EngineSetup {
  readonly name: string;
  setup(dir: string): Promise<Record<string, unknown>>;
  teardown(): Promise<void>;
  /** The rows of the history table, oldest first. */
  rows(dir: string, tenant: string): Promise<{ tenant: string; fingerprint: string; plan_id: string | null }[]>;
}

let pg: Awaited<ReturnType<typeof createTestDatabase>> | undefined;

const postgres: EngineSetup = {
  name: 'postgres',
  async setup() {
    pg = await createTestDatabase('snapdb');
    await withClient(pg.url, async (c) => {
      await c.query('CREATE SCHEMA acme');
      await c.query('CREATE SCHEMA globex');
    });
    // pattern '*': every schema but the reserved ones; schema_sync must never be one of them.
    return { engine: 'postgres', url: pg.url, tenants: { pattern: '*' }, snapshotStore: 'database', apply: { retries: 0 } };
  },
  async teardown() {
    await pg?.drop();
  },
  rows: (_dir, tenant) =>
    withClient(pg!.url, async (c) => (await c.query('SELECT tenant, fingerprint, plan_id FROM schema_sync.snapshots WHERE tenant = $1 ORDER BY id', [tenant])).rows),
};

const sqlite: EngineSetup = {
  name: 'sqlite',
  async setup(dir) {
    await mkdir(path.join(dir, 'data'), { recursive: true });
    for (const t of ['acme', 'globex']) new Database(path.join(dir, 'data', `${t}.db`)).close();
    return { engine: 'sqlite', tenants: { pattern: 'data/*.db' }, snapshotStore: 'database', apply: { retries: 0 } };
  },
  async teardown() {},
  async rows(dir, tenant) {
    const db = new Database(path.join(dir, 'data', `${tenant}.db`), { readonly: true });
    try {
      return db.prepare('SELECT tenant, fingerprint, plan_id FROM schema_sync_history ORDER BY id').all() as never;
    } finally {
      db.close();
    }
  },
};

describe.each([postgres, sqlite])('snapshotStore: database on $name', (engine) => {
  let dir: string;
  const cli = (...args: string[]) => runCli(args, { cwd: dir });
  const writeManifest = (body: unknown) => writeFileSync(path.join(dir, 'schema', 'manifest.yaml'), stringify(body));
  const planAndApply = async (): Promise<string> => {
    const plan = await cli('plan', '--json');
    expect(plan.code, plan.stderr).toBe(0);
    const { file, plan: written } = JSON.parse(plan.stdout);
    const apply = await cli('apply', file, '--json');
    expect(apply.code, apply.stderr).toBe(0);
    expect(JSON.parse(apply.stdout).snapshots).toMatchObject({ store: 'database', saved: ['acme', 'globex'] });
    return written.id;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `schema-sync-snapdb-${engine.name}-`));
    await mkdir(path.join(dir, 'schema'), { recursive: true });
    writeFileSync(path.join(dir, 'schema-sync.yaml'), stringify(await engine.setup(dir)));
    writeManifest(manifestV1);
  });

  afterAll(async () => {
    await engine.teardown();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('apply writes one row per tenant, and no snapshot file', { timeout: 120_000 }, async () => {
    const tenants = JSON.parse((await cli('tenants', '--json')).stdout).tenants.map((t: { name: string }) => t.name);
    expect(tenants).toEqual(['acme', 'globex']);
    const first = await planAndApply();
    const rows = await engine.rows(dir, 'acme');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tenant: 'acme', plan_id: first });
    expect(existsSync(path.join(dir, 'snapshots'))).toBe(false);
    const inspected = JSON.parse((await cli('inspect', '--json')).stdout);
    expect(rows[0]!.fingerprint).toBe(inspected.find((t: { tenant: string }) => t.tenant === 'acme').fingerprint);
    const list = JSON.parse((await cli('snapshot', 'list', 'acme', '--json')).stdout);
    expect(list.store).toBe('database');
    expect(list.versions).toMatchObject([{ planId: first, fingerprint: rows[0]!.fingerprint }]);
  });

  test('its table is never drift, never unmanaged, never planned', { timeout: 120_000 }, async () => {
    // The discovered tenants are unchanged: the schema_sync schema is no tenant.
    const tenants = JSON.parse((await cli('tenants', '--json')).stdout).tenants.map((t: { name: string }) => t.name);
    expect(tenants).toEqual(['acme', 'globex']);
    const audit = await cli('audit', '--json');
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    const report = JSON.parse(audit.stdout);
    expect(report.summary).toMatchObject({ total: 2, inSync: 2, pending: 0, drifted: 0, conflicts: 0, errors: 0 });
    for (const t of report.tenants) expect(t.unmanaged).toEqual([]);
    expect(audit.stdout).not.toMatch(/schema_sync/);
    const check = await cli('check');
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const plan = await cli('plan', '--json', '--allow-destructive');
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ file: null, plan: { groups: [], inSync: ['acme', 'globex'] } });
    const inspect = await cli('inspect', '--tenant', 'acme');
    expect(inspect.stdout).not.toMatch(/schema_sync/);
  });

  test('history across applies: list, show and diff by HEAD~n and by row id', { timeout: 120_000 }, async () => {
    writeManifest(manifestV2);
    const second = await planAndApply();
    expect((await engine.rows(dir, 'acme')).map((r) => r.plan_id)).toHaveLength(2);

    const versions = JSON.parse((await cli('snapshot', 'list', 'acme', '--json')).stdout).versions;
    expect(versions).toHaveLength(2);
    expect(versions[0].planId).toBe(second);

    const diff = await cli('snapshot', 'diff', 'acme', 'HEAD~1', 'HEAD', '--json');
    expect(diff.code, diff.stderr).toBe(0);
    const summary: string[] = JSON.parse(diff.stdout).summary;
    expect(summary).toHaveLength(2);
    expect(summary[0]).toMatch(/^add column items\.price \(numeric\(10,\s?2\)\)$/i);
    expect(summary[1]).toBe('add index items.items_name_idx');
    const byId = JSON.parse((await cli('snapshot', 'diff', 'acme', versions[1].rev, versions[0].rev, '--json')).stdout);
    expect(byId.summary).toEqual(summary);

    const show = JSON.parse((await cli('snapshot', 'show', 'acme', '--rev', versions[1].rev, '--json')).stdout);
    expect(show.fingerprint).toBe(versions[1].fingerprint);
    expect(show.schema.tables[0].columns.map((c: { name: string }) => c.name)).toEqual(['id', 'name']);

    // Still nothing to do, with two rows in the table.
    expect((await cli('check')).code).toBe(0);
  });

  test('adopting a tenant records a row without a plan', { timeout: 120_000 }, async () => {
    const adopt = await cli('inspect', '--tenant', 'globex', '-o', 'schema/adopted.yaml', '--adopt');
    expect(adopt.code, adopt.stderr).toBe(0);
    const rows = await engine.rows(dir, 'globex');
    expect(rows).toHaveLength(3);
    expect(rows[2]!.plan_id).toBeNull();
    expect(JSON.parse((await cli('snapshot', 'diff', 'globex', 'HEAD~1', 'HEAD', '--json')).stdout).changes).toEqual([]);
  });
});
