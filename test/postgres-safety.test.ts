import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { createTestDatabase, qi, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';
import { runCli } from './helpers/cli.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const projects: TempProject[] = [];
const reader = `ss_reader_${Math.random().toString(16).slice(2, 10)}`;

async function project(config: Record<string, unknown>, manifest: unknown): Promise<TempProject> {
  const p = await createTempProject(config);
  projects.push(p);
  await p.writeManifest(manifest);
  return p;
}

const table = {
  tables: {
    items: { columns: { id: { type: 'int', primaryKey: true }, code: 'text' } },
  },
};

beforeAll(async () => {
  db = await createTestDatabase('safety');
  await withClient(db.url, async (c) => {
    for (const t of ['tenant_1', 'tenant_2']) {
      await c.query(`CREATE SCHEMA ${t}`);
      await c.query(`CREATE TABLE ${t}.items (id int PRIMARY KEY, code text)`);
    }
    await c.query(`INSERT INTO tenant_1.items VALUES (1, 'dup'), (2, 'dup')`);
    await c.query(`INSERT INTO tenant_2.items VALUES (1, 'a'), (2, 'b')`);
    // A role that can read the catalogs and nothing else, and could not write if it tried.
    await c.query(`CREATE ROLE ${reader} LOGIN`);
    await c.query(`ALTER ROLE ${reader} SET default_transaction_read_only = on`);
  });
});

afterAll(async () => {
  await db?.drop();
  await withClient(db.url.replace(/\/[^/]*$/, '/postgres'), (c) => c.query(`DROP ROLE IF EXISTS ${reader}`)).catch(() => {});
  for (const p of projects) await p.remove();
});

describe('PostgreSQL safety', () => {
  test('audit works with a role that can only read the catalogs, and takes no lock on tenant tables', async () => {
    const url = new URL(db.url);
    url.username = reader;
    // The reader cannot compile the desired schema (its transactions are read-only): the devUrl can.
    const p = await project({ engine: 'postgres', url: url.toString(), devUrl: db.url, tenants: { pattern: 'tenant_*' } }, table);
    // A migration holding an exclusive lock on a table must not block a catalog-only audit.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE tenant_1.items, tenant_2.items IN ACCESS EXCLUSIVE MODE');
      const result = await runCli(['audit', '--json', '--config', p.configFile], { cwd: p.dir });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).summary).toEqual({ total: 2, inSync: 2, pending: 0, drifted: 0, conflicts: 0, errors: 0 });
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  test('a failed CONCURRENTLY build leaves an INVALID index: apply says so, and the next plan rebuilds it', async () => {
    const unique = {
      tables: { items: { ...table.tables.items, indexes: { items_code_key: { columns: ['code'], unique: true } } } },
    };
    const p = await project({ engine: 'postgres', url: db.url, tenants: { pattern: 'tenant_*' }, apply: { concurrentIndexes: true, retries: 0 } }, unique);
    const engine = await p.open();
    try {
      const plan = await engine.plan();
      const step = plan.groups[0]!.steps[0]!;
      expect(step.transactional).toBe(false);
      expect(step.sql[0]).toContain('CONCURRENTLY');
      const results = await engine.apply(plan);
      const bad = results.find((r) => r.tenant === 'tenant_1')!;
      expect(bad.status).toBe('failed');
      expect(bad.error).toMatch(/duplicate|unique/i);
      expect(bad.warnings.join(' ')).toMatch(/items_code_key.*INVALID|INVALID.*items_code_key/);
      expect(results.find((r) => r.tenant === 'tenant_2')!.status).toBe('applied');

      await withClient(db.url, (c) => c.query(`UPDATE tenant_1.items SET code = 'other' WHERE id = 2`));
      const next = await engine.plan();
      expect(next.groups.map((g) => g.tenants.map((t) => t.name))).toEqual([['tenant_1']]);
      expect(next.groups[0]!.changes.map((c) => c.kind)).toEqual(['dropIndex', 'addIndex']);
      expect((await engine.apply(next)).map((r) => r.status)).toEqual(['applied']);
      expect((await engine.audit()).summary.inSync).toBe(2);
    } finally {
      await engine.close();
    }
  });

  test('every statement names its schema: a plan cannot reach another tenant or rely on search_path', async () => {
    const hostile = 'x"; DROP TABLE tenant_2.items; --';
    const p = await project(
      { engine: 'postgres', url: db.url, tenants: { list: ['tenant_1'] } },
      { tables: { ...table.tables, [hostile]: { columns: { [hostile]: { type: 'int', primaryKey: true } }, comment: hostile } } },
    );
    const engine = await p.open();
    try {
      const plan = await engine.plan();
      for (const statement of plan.groups[0]!.steps.flatMap((s) => s.sql)) {
        expect(statement).toContain(plan.groups[0]!.placeholder);
      }
      const results = await engine.apply(plan);
      expect(results.map((r) => r.status)).toEqual(['applied']);
    } finally {
      await engine.close();
    }
    await withClient(db.url, async (c) => {
      const other = await c.query(`SELECT count(*)::int AS n FROM tenant_2.items`);
      expect(other.rows[0].n).toBe(2);
      const created = await c.query(`SELECT n.nspname FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE r.relname = $1`, [hostile]);
      expect(created.rows).toEqual([{ nspname: 'tenant_1' }]);
    });
    await withClient(db.url, (c) => c.query(`DROP TABLE tenant_1.${qi(hostile)}`));
  });
});
