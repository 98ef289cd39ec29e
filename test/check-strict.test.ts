// `check` never says in sync without saying what it compared, and counts what a tenant holds
// outside the model; `check --strict` fails on it (issue 12, item 4).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { runCli } from './helpers/cli.js';
import { createTempProject, type TempProject } from './helpers/project.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: TempProject;

beforeAll(async () => {
  db = await createTestDatabase('check_strict');
  await withClient(db.url, (c) =>
    c.query(`CREATE SCHEMA plain; CREATE TABLE plain.t (id int PRIMARY KEY);
      CREATE SCHEMA extra; CREATE TABLE extra.t (id int PRIMARY KEY); CREATE COLLATION extra.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);`),
  );
  project = await createTempProject({ engine: 'postgres', url: db.url, tenants: { list: ['plain', 'extra'] } });
  await project.writeManifest({ tables: { t: { columns: { id: { type: 'int', primaryKey: true } } } } });
}, 60_000);

afterAll(async () => {
  await project?.remove();
  await db?.drop();
});

describe('check and what it compared', () => {
  test('the summary names the kinds compared and the tenants holding objects outside the model', async () => {
    const result = await runCli(['check', '--config', project.configFile], { cwd: project.dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('2 tenants: 2 in sync');
    expect(result.stdout).toMatch(/compared: tables; columns .*; indexes; enums; sequences/);
    expect(result.stdout).toMatch(/unmanaged extra: 1 object outside the model, not compared \(collation nocase\)/);
    expect(result.stdout).not.toMatch(/unmanaged plain/);
  });

  test('--strict fails on objects outside the model, and the JSON lists them', async () => {
    const strict = await runCli(['check', '--strict', '--config', project.configFile], { cwd: project.dir });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/check --strict fails on them/);
    const json = await runCli(['check', '--strict', '--json', '--config', project.configFile], { cwd: project.dir });
    expect(json.code).toBe(1);
    const body = JSON.parse(json.stdout);
    expect(body.ok).toBe(false);
    expect(body.unmanaged).toEqual({ extra: [{ kind: 'collation', name: 'nocase' }] });
    expect(body.compared).toContain('indexes');
    const plainOnly = await runCli(['check', '--strict', '--tenant', 'plain', '--config', project.configFile], { cwd: project.dir });
    expect(plainOnly.code).toBe(0);
  });
});

describe('objects owned by another role than their schema', () => {
  // Roles belong to the cluster, not the test database: a name of this run's own, dropped after.
  const role = `ss_owner_${process.pid}_${Date.now().toString(36)}`;
  let owners: Awaited<ReturnType<typeof createTestDatabase>>;
  let ownersProject: TempProject;

  beforeAll(async () => {
    owners = await createTestDatabase('check_owner');
    const objects = (schema: string) => `CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}.t (id int PRIMARY KEY);
      CREATE SEQUENCE ${schema}.s;
      CREATE VIEW ${schema}.v AS SELECT id FROM ${schema}.t;
      CREATE FUNCTION ${schema}.f(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x';
      CREATE TYPE ${schema}.mood AS ENUM ('ok');`;
    await withClient(owners.url, (c) =>
      c.query(`CREATE ROLE ${role}; ${objects('same')} ${objects('other')}
        ALTER TABLE other.t OWNER TO ${role}; ALTER SEQUENCE other.s OWNER TO ${role}; ALTER VIEW other.v OWNER TO ${role};
        ALTER FUNCTION other.f(integer) OWNER TO ${role}; ALTER TYPE other.mood OWNER TO ${role};`),
    );
    ownersProject = await createTempProject({ engine: 'postgres', url: owners.url, tenants: { list: ['same', 'other'] } });
    await ownersProject.writeManifest({
      tables: { t: { columns: { id: { type: 'int', primaryKey: true } } } },
      enums: { mood: ['ok'] },
      sequences: { s: {} },
      sql: ['CREATE VIEW v AS SELECT id FROM t;', "CREATE FUNCTION f(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x';"],
    });
  }, 60_000);

  afterAll(async () => {
    await ownersProject?.remove();
    await owners?.drop();
    await withClient(db.url, (c) => c.query(`DROP ROLE IF EXISTS ${role}`)).catch(() => undefined);
  });

  test('pg_dump prints the owners apart; check names each object another role owns, and --strict fails on them', async () => {
    // The oracle: pg_dump with owners tells the two schemas apart by exactly these objects.
    const same = await dumpWithOwners(owners.url, 'same');
    const other = await dumpWithOwners(owners.url, 'other');
    const ownedByRole = (dump: string) => dump.split('\n').filter((line) => line.includes(`OWNER TO ${role}`)).length;
    expect(ownedByRole(same)).toBe(0);
    expect(ownedByRole(other)).toBe(5);

    const result = await runCli(['check', '--strict', '--json', '--config', ownersProject.configFile], { cwd: ownersProject.dir });
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout);
    expect(body.ok).toBe(false);
    expect(body.unmanaged.same).toBeUndefined();
    expect(body.unmanaged.other).toEqual(
      ['enum mood', 'function f(integer)', 'sequence s', 'table t', 'view v'].map((object) => ({ kind: 'owner', name: `${object}: ${role}` })),
    );
    const text = await runCli(['check', '--config', ownersProject.configFile], { cwd: ownersProject.dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`unmanaged other: 5 objects outside the model, not compared (owner enum mood: ${role}`);
  });

  test("a view column's default, which the model does not hold, is reported as unmanaged", async () => {
    await withClient(owners.url, (c) => c.query('ALTER VIEW same.v ALTER COLUMN id SET DEFAULT 0'));
    try {
      expect(await dumpWithOwners(owners.url, 'same')).toMatch(/ALTER TABLE ONLY same\.v ALTER COLUMN id SET DEFAULT 0;/);
      const result = await runCli(['check', '--json', '--tenant', 'same', '--config', ownersProject.configFile], { cwd: ownersProject.dir });
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout).unmanaged).toEqual({ same: [{ kind: 'view column default', name: 'v.id' }] });
    } finally {
      await withClient(owners.url, (c) => c.query('ALTER VIEW same.v ALTER COLUMN id DROP DEFAULT'));
    }
  });
});

async function dumpWithOwners(url: string, schema: string): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) =>
    execFile('pg_dump', ['--schema-only', `--schema=${schema}`, `--dbname=${url}`], (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}
