// Grants to roles, behind the `grants` setting (issue 12, item 2): compared, planned and applied
// on every kind that holds them, and judged by pg_dump with its privileges, a program nobody
// here wrote.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { adoptTenant, dumpDifference, dumpSchema, pendingSteps } from './helpers/oracle.js';
import { createTestDatabase, pgUrl, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

const suffix = randomBytes(4).toString('hex');
const RO = `ss_grants_ro_${suffix}`;
const RW = `ss_grants_rw_${suffix}`;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: TempProject;

/** A reference tenant holding a privilege of every kind the setting compares. */
const reference = (schema: string) => `
CREATE SCHEMA ${schema};
SET search_path TO ${schema};
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (a integer, b integer);
CREATE SEQUENCE tickets;
CREATE TABLE orders (id serial PRIMARY KEY, total numeric, note text, feeling mood);
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
CREATE FUNCTION order_count(minimum integer) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM orders WHERE total >= minimum $$;
GRANT USAGE ON SCHEMA ${schema} TO ${RO}, ${RW};
GRANT SELECT ON orders TO ${RO};
GRANT SELECT, INSERT, UPDATE ON orders TO ${RW} WITH GRANT OPTION;
REVOKE GRANT OPTION FOR INSERT, UPDATE ON orders FROM ${RW};
GRANT UPDATE (note) ON orders TO ${RO};
GRANT USAGE ON SEQUENCE orders_id_seq TO ${RW};
GRANT USAGE, SELECT ON SEQUENCE tickets TO ${RW};
GRANT SELECT ON big_orders TO ${RO};
REVOKE EXECUTE ON FUNCTION order_count(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION order_count(integer) TO ${RW};
REVOKE USAGE ON TYPE mood FROM PUBLIC;
GRANT USAGE ON TYPE mood TO ${RW};
GRANT USAGE ON DOMAIN positive TO ${RO};
`;

beforeAll(async () => {
  await withClient(pgUrl, (c) => c.query(`CREATE ROLE ${RO}; CREATE ROLE ${RW};`));
  db = await createTestDatabase('grants');
  await withClient(db.url, async (c) => {
    await c.query(reference('ref'));
    await c.query('CREATE SCHEMA built; CREATE SCHEMA plain');
  });
  project = await createTempProject({ engine: 'postgres', url: db.url, grants: true, tenants: { list: ['ref', 'built'] }, apply: { retries: 0 } });
  await adoptTenant(project.configFile, project.dir, 'ref');
}, 60_000);

afterAll(async () => {
  await project?.remove();
  await db?.drop();
  await withClient(pgUrl, (c) => c.query(`DROP ROLE IF EXISTS ${RO}; DROP ROLE IF EXISTS ${RW}`));
});

/**
 * pg_dump with privileges, where only the order of one object's ACL entries is set aside: the
 * server keeps them in the order they were granted, and a set of privileges has no order.
 */
async function dumpWithPrivileges(schema: string): Promise<string> {
  const dump = await dumpSchema(db.url, schema, { privileges: true });
  return dump.replace(/(?:^(?:GRANT|REVOKE) .*\n)+/gm, (lines) => lines.split('\n').filter((l) => l !== '').sort().join('\n') + '\n');
}

async function manifest(): Promise<Record<string, unknown>> {
  return parse(await readFile(path.join(project.dir, 'schema', 'manifest.yaml'), 'utf8')) as Record<string, unknown>;
}

describe('grants: true', () => {
  test('inspect -o writes every grant under grants:, by object and role, relative to the default', async () => {
    const { grants } = (await manifest()) as { grants: Record<string, Record<string, string[]>> };
    expect(grants).toEqual({
      schema: { [RO]: ['USAGE'], [RW]: ['USAGE'] },
      'table orders': { [RO]: ['SELECT'], [RW]: ['SELECT WITH GRANT OPTION', 'INSERT', 'UPDATE'] },
      'column orders.note': { [RO]: ['UPDATE'] },
      'sequence orders_id_seq': { [RW]: ['USAGE'] },
      'sequence tickets': { [RW]: ['SELECT', 'USAGE'] },
      'view big_orders': { [RO]: ['SELECT'] },
      'function order_count(integer)': { PUBLIC: [], [RW]: ['EXECUTE'] },
      'enum mood': { PUBLIC: [], [RW]: ['USAGE'] },
      'domain positive': { [RO]: ['USAGE'] },
    });
  });

  test('a tenant built from the manifest holds the same privileges as pg_dump shows them, and plans nothing after', async () => {
    await project.withEngine(async (engine) => {
      const plan = await engine.plan({ tenants: ['built'] });
      expect(plan.failed).toEqual([]);
      expect(pendingSteps(plan).get('built')).toContain(`grants on function order_count(integer) to PUBLIC: default -> none`);
      const results = await engine.apply(plan);
      expect(results.map((r) => [r.tenant, r.status, r.error])).toEqual([['built', 'applied', undefined]]);
      const again = await engine.plan({ tenants: ['ref', 'built'] });
      expect([...again.inSync].sort()).toEqual(['built', 'ref']);
    });
    const [a, b] = await Promise.all([dumpWithPrivileges('ref'), dumpWithPrivileges('built')]);
    expect(a).toMatch(new RegExp(`GRANT SELECT ON TABLE <tenant>\\.big_orders TO ${RO};`));
    expect(a).toMatch(/REVOKE ALL ON FUNCTION <tenant>\.order_count\(minimum integer\) FROM PUBLIC;/);
    expect(b === a, `where the dumps of ref (-) and built (+) part:\n${dumpDifference(a, b)}`).toBe(true);
  });

  test('check names a grant changed by hand, and plan + apply restore it', async () => {
    await withClient(db.url, (c) => c.query(`REVOKE SELECT ON built.orders FROM ${RO}; GRANT DELETE ON built.big_orders TO ${RW}; GRANT EXECUTE ON FUNCTION built.order_count(integer) TO PUBLIC`));
    const check = await runCli(['check', '--config', project.configFile], { cwd: project.dir });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`grants on table orders to ${RO}: default -> SELECT`);
    expect(check.stdout).toContain(`grants on view big_orders to ${RW}: DELETE -> default`);
    expect(check.stdout).toContain('grants on function order_count(integer) to PUBLIC: default -> none');
    await project.withEngine(async (engine) => {
      const plan = await engine.plan({ tenants: ['built'] });
      const sql = plan.groups.flatMap((g) => g.steps.flatMap((s) => s.sql)).join('\n');
      expect(sql).toContain(`GRANT SELECT ON TABLE {{tenant}}."orders" TO "${RO}"`);
      expect(sql).toContain(`REVOKE DELETE ON TABLE {{tenant}}."big_orders" FROM "${RW}"`);
      expect(sql).toContain('REVOKE EXECUTE ON FUNCTION {{tenant}}."order_count"(integer) FROM PUBLIC');
      expect((await engine.apply(plan)).map((r) => r.status)).toEqual(['applied']);
    });
    const [a, b] = await Promise.all([dumpWithPrivileges('ref'), dumpWithPrivileges('built')]);
    expect(b === a, dumpDifference(a, b)).toBe(true);
  });

  test('a view recreated by the plan gets its grants back', async () => {
    const body = await manifest();
    const sql = (body.sql as string[]).map((s) => (s.includes('VIEW big_orders') ? s.replace(/\b100\b/, '500') : s));
    expect(sql).not.toEqual(body.sql);
    await writeFile(path.join(project.dir, 'schema', 'manifest.yaml'), stringify({ ...body, sql }));
    await project.withEngine(async (engine) => {
      const plan = await engine.plan({ tenants: ['built'] });
      const steps = pendingSteps(plan).get('built') ?? [];
      expect(steps.some((s) => s.startsWith('drop view big_orders'))).toBe(true);
      expect(steps).toContain(`grants on view big_orders to ${RO}: default -> SELECT`);
      expect((await engine.apply(plan)).map((r) => r.status)).toEqual(['applied']);
      expect((await engine.plan({ tenants: ['built'] })).inSync).toEqual(['built']);
    });
    expect(await dumpWithPrivileges('built')).toMatch(new RegExp(`GRANT SELECT ON TABLE <tenant>\\.big_orders TO ${RO};`));
  });

  test('default privileges of a tenant are reported as unmanaged, not compared', async () => {
    await withClient(db.url, (c) => c.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA built GRANT SELECT ON TABLES TO ${RO}`));
    try {
      const check = await runCli(['check', '--strict', '--tenant', 'built', '--config', project.configFile], { cwd: project.dir });
      expect(check.stdout).toMatch(new RegExp(`unmanaged built: 1 object outside the model, not compared \\(default privileges for role postgres on tables\\)`));
      expect(check.code).toBe(1);
    } finally {
      await withClient(db.url, (c) => c.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA built REVOKE SELECT ON TABLES FROM ${RO}`));
    }
  });

  test("a grant on an identity column's sequence, which the model holds as part of its column, is reported as unmanaged", async () => {
    await withClient(db.url, (c) =>
      c.query(`CREATE SCHEMA ident; CREATE TABLE ident.items (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY); GRANT USAGE ON SEQUENCE ident.items_id_seq TO ${RW}`),
    );
    const identity = await createTempProject({ engine: 'postgres', url: db.url, grants: true, tenants: { list: ['ident'] } });
    try {
      await adoptTenant(identity.configFile, identity.dir, 'ident');
      expect(await dumpWithPrivileges('ident')).toMatch(new RegExp(`GRANT USAGE ON SEQUENCE <tenant>\\.items_id_seq TO ${RW};`));
      const check = await runCli(['check', '--json', '--config', identity.configFile], { cwd: identity.dir });
      expect(check.stderr).toBe('');
      expect(check.code).toBe(0);
      expect(JSON.parse(check.stdout).unmanaged).toEqual({ ident: [{ kind: 'grants', name: 'on identity sequence items_id_seq' }] });
    } finally {
      await identity.remove();
    }
  });

  test('a plan made with grants compared is refused by a config without them, before any tenant', async () => {
    const plan = await project.withEngine((engine) => engine.plan({ tenants: ['built'] }));
    expect(plan.options.grants).toBe(true);
    const off = await createTempProject({ engine: 'postgres', url: db.url, tenants: { list: ['ref', 'built'] } });
    try {
      await expect(off.withEngine((engine) => engine.apply(plan))).rejects.toThrow(/was made with grants compared, but this config has grants off/);
    } finally {
      await off.remove();
    }
  });

  test('an unknown role is refused at the manifest line that names it', async () => {
    const body = await manifest();
    const grants = { ...(body.grants as object), 'table orders': { no_such_role_x: ['SELECT'] } };
    const broken = await createTempProject({ engine: 'postgres', url: db.url, grants: true, tenants: { list: ['built'] } });
    try {
      await broken.writeManifest({ ...body, grants });
      const check = await runCli(['check', '--config', broken.configFile], { cwd: broken.dir });
      expect(check.code).toBe(2);
      expect(check.stderr).toMatch(/manifest\.yaml:\d+:\d+: grants\.table orders\.no_such_role_x: .*role "no_such_role_x" does not exist/);
    } finally {
      await broken.remove();
    }
  });
});

describe('grants: true with a SQL manifest', () => {
  /** Builds `tenant` from a SQL manifest file and returns the dumps of ref and of it. */
  async function buildFromSql(file: string, tenant: string): Promise<[string, string]> {
    await withClient(db.url, (c) => c.query(`CREATE SCHEMA ${tenant}`));
    const sqlProject = await createTempProject({ engine: 'postgres', url: db.url, grants: true, manifest: file, tenants: { list: [tenant] }, apply: { retries: 0 } });
    try {
      await sqlProject.withEngine(async (engine) => {
        const plan = await engine.plan();
        expect(plan.failed).toEqual([]);
        expect((await engine.apply(plan)).map((r) => [r.status, r.error])).toEqual([['applied', undefined]]);
        expect((await engine.plan()).inSync).toEqual([tenant]);
      });
    } finally {
      await sqlProject.remove();
    }
    return Promise.all([dumpWithPrivileges('ref'), dumpWithPrivileges(tenant)]);
  }

  test('inspect -o x.sql writes the grants as GRANT and REVOKE, and a tenant built from it matches pg_dump', async () => {
    const file = path.join(project.dir, 'ref.sql');
    const inspect = await runCli(['inspect', '--tenant', 'ref', '-o', file, '--config', project.configFile], { cwd: project.dir });
    expect(inspect.code, inspect.stderr).toBe(0);
    const sql = await readFile(file, 'utf8');
    expect(sql).toContain(`GRANT USAGE ON SCHEMA @tenant@ TO "${RO}";`);
    expect(sql).toContain('REVOKE EXECUTE ON FUNCTION "order_count"(integer) FROM PUBLIC;');
    const [a, b] = await buildFromSql(file, 'from_sql');
    expect(b === a, dumpDifference(a, b)).toBe(true);
  });

  test("pg_dump's own output, privileges included, is a manifest that builds the same tenant", async () => {
    const file = path.join(project.dir, 'dump.sql');
    await new Promise<void>((resolve, reject) =>
      execFile('pg_dump', ['--schema-only', '--no-owner', '--schema=ref', `--dbname=${db.url}`, `--file=${file}`], (error) => (error ? reject(error) : resolve())),
    );
    expect(await readFile(file, 'utf8')).toMatch(/GRANT USAGE ON SCHEMA ref TO/);
    const [a, b] = await buildFromSql(file, 'from_dump');
    expect(b === a, dumpDifference(a, b)).toBe(true);
  });
});

describe('grants off (the default)', () => {
  test('privileges are not compared, and check does not say they were', async () => {
    const off = await createTempProject({ engine: 'postgres', url: db.url, tenants: { list: ['ref', 'plain'] } });
    try {
      await withClient(db.url, (c) => c.query(`CREATE TABLE plain.t (id int); CREATE TABLE ref.t (id int); GRANT SELECT ON ref.t TO ${RO}`));
      await off.writeManifest({ tables: { t: { columns: { id: 'int' } } } });
      const check = await runCli(['check', '--tenant', 'plain', '--config', off.configFile], { cwd: off.dir });
      expect(check.stdout).not.toMatch(/grants/);
      await off.writeManifest({ tables: { t: { columns: { id: 'int' } } }, grants: { 'table t': { [RO]: ['SELECT'] } } });
      const refused = await runCli(['check', '--config', off.configFile], { cwd: off.dir });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/manifest\.yaml:\d+: grants: privileges are compared only with `grants: true` in schema-sync\.yaml/);
    } finally {
      await withClient(db.url, (c) => c.query('DROP TABLE plain.t; DROP TABLE ref.t'));
      await off.remove();
    }
  });
});
