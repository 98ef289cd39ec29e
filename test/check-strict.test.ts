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
