import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkSqlTexts as checkPostgres } from '../src/engines/postgres/internal/sql-text.js';
import { checkSqlTexts as checkSqlite } from '../src/engines/sqlite/internal/sql-text.js';
import type { SqlText } from '../src/engines/types.js';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

// Free SQL text in a manifest or override is pasted into DDL. Each must be exactly one expression
// (or one type) as the engine's own parser reads it, or the file is refused at its line before
// anything reaches a database.

const engines = {
  postgres: checkPostgres,
  sqlite: checkSqlite,
};

describe.each(Object.entries(engines))('%s: the engine judges free SQL text', (_engine, check) => {
  const judge = async (texts: SqlText[]) => check(texts);

  test.each([
    ['0'],
    ['now()'],
    ["'new'"],
    ['lower(email)'],
    ['price > 0 AND qty < 10'],
    ["'a -- b' || 'c /* d */'"],
    ['"odd -- name" IS NOT NULL'],
    ["CASE WHEN qty > 0 THEN 'some' ELSE 'none' END"],
    ['count(*)'],
    ['0::integer'],
  ])('accepts %s', async (text) => {
    expect(await judge([{ kind: 'expression', text }])).toEqual([undefined]);
  });

  test.each([
    ['0; DROP TABLE victim.secrets', /semicolon/],
    ['0;', /semicolon/],
    ['0 --', /comment/],
    ['0 /*', /comment/],
    ['0 /* note */ + 1', /comment/],
    ['0) ; DROP TABLE victim.secrets; SELECT (1', /semicolon|parenthesis/],
    ['0) + (1', /parenthesis|syntax/],
    ['(SELECT max(id) FROM victim.secrets)', /sub-select/],
    ['EXISTS (SELECT 1)', /sub-select/],
    ['qty IN (SELECT 1)', /sub-select/],
    ['0, 1', /comma-separated/],
    ['0 AS a', /AS|syntax/],
    ['0 FROM victim.secrets', /FROM|syntax/],
    ['0 WHERE true', /WHERE|syntax/],
    ['   ', /nothing/],
  ])('refuses %j', async (text, reason) => {
    const [problem] = await judge([{ kind: 'expression', text }]);
    expect(problem).toMatch(reason);
  });

  test.each([['integer'], ['varchar(20)'], ['numeric(10,2)']])('accepts the type %s', async (text) => {
    expect(await judge([{ kind: 'type', text }])).toEqual([undefined]);
  });

  test.each([['int; DROP TABLE victim.secrets'], ['int --'], ['int) , (1']])('refuses the type %j', async (text) => {
    const [problem] = await judge([{ kind: 'type', text }]);
    expect(problem).toBeDefined();
  });
});

describe('postgres: what only PostgreSQL reads', () => {
  test('dollar quotes, E-strings and arrays are expressions; a parameter or a sub-select in a type modifier is not', async () => {
    const texts: SqlText[] = [
      { kind: 'expression', text: "$$a -- b$$ || E'it\\'s'" },
      { kind: 'expression', text: "'{a}'::text[]" },
      { kind: 'type', text: 'timestamp(3) with time zone' },
      { kind: 'type', text: 'int[]' },
      { kind: 'expression', text: '$1' },
      { kind: 'expression', text: "'\\' -- '" },
      { kind: 'type', text: 'UNSIGNED BIG INT' },
    ];
    const problems = await checkPostgres(texts);
    expect(problems.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(problems[4]).toMatch(/parameter/);
    // With standard_conforming_strings off, \' would not end the string and -- would be a comment.
    expect(problems[5]).toMatch(/backslash/);
    expect(problems[6]).toMatch(/not a type/);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: the hostile text in the manifest, then in an override, on both engines.

const MANIFEST_LINES = [
  'version: 1', //                                       1
  'tables:', //                                          2
  '  items:', //                                         3
  '    columns:', //                                     4
  '      id: { type: integer, primaryKey: true }', //    5
  '      qty: { type: integer, default: 0 }', //         6
  '      name: text', //                                 7
  '    checks:', //                                      8
  '      qty_ok: "qty >= 0"', //                         9
  '    indexes:', //                                     10
  '      items_name: { columns: [name] }', //            11
  // The SQLite canary lives in the tenant's file, so the manifest keeps it.
  '  secrets:',
  '    columns:',
  '      id: integer',
];

const OVERRIDE_LINES = [
  'tenants: ["*"]', //                                   1
  'tables:', //                                          2
  '  items:', //                                         3
  '    columns:', //                                     4
  '      qty: { type: integer, default: 0 }', //         5
  '      name: text', //                                 6
  '    checks:', //                                      7
  '      qty_ok: "qty >= 0"', //                         8
  '    indexes:', //                                     9
  '      items_name: { columns: [name] }', //            10
];

type Place = 'default' | 'check' | 'where' | 'indexKey' | 'generated' | 'type';

/** The line (as in MANIFEST_LINES) that holds the hostile text, and that line with it. */
function hostileLine(place: Place, text: string): { key: string; line: string } {
  const q = JSON.stringify(text);
  switch (place) {
    case 'default':
      return { key: 'qty', line: `      qty: { type: integer, default: ${q} }` };
    case 'check':
      return { key: 'qty_ok', line: `      qty_ok: ${q}` };
    case 'where':
      return { key: 'items_name', line: `      items_name: { columns: [name], where: ${q} }` };
    case 'indexKey':
      return { key: 'items_name', line: `      items_name: { columns: [${q}] }` };
    case 'generated':
      return { key: 'name', line: `      name: { type: text, generated: ${q} }` };
    case 'type':
      return { key: 'name', line: `      name: ${q}` };
  }
}

/** The lines with the one starting with the same key replaced; returns the 1-based line number. */
function withHostile(lines: readonly string[], place: Place, text: string): { yaml: string; line: number } {
  const { key, line } = hostileLine(place, text);
  const at = lines.findIndex((l) => l.trimStart().startsWith(`${key}:`));
  const out = [...lines];
  out[at] = line;
  return { yaml: out.join('\n') + '\n', line: at + 1 };
}

interface EngineSetup {
  /** A table outside every tenant that a hostile statement would drop. */
  readonly canary: string;
  project: TempProject;
  canaryRows(): Promise<number>;
  /** Whether the tenant holds the manifest's table: false means nothing was applied. */
  tenantHasItems(): Promise<boolean>;
  cleanup(): Promise<void>;
}

async function postgresSetup(): Promise<EngineSetup> {
  const db = await createTestDatabase('mexpr');
  const project = await createTempProject({ engine: 'postgres', url: db.url, tenants: { pattern: 't_*' }, apply: { retries: 0 } });
  await withClient(db.url, async (client) => {
    await client.query('CREATE SCHEMA victim; CREATE TABLE victim.secrets (id int); INSERT INTO victim.secrets VALUES (1), (2)');
  });
  await project.withEngine((engine) => engine.project.adapter.createTenant('t_one'));
  const count = (sql: string) => withClient(db.url, async (client) => Number((await client.query<{ n: string }>(sql)).rows[0]!.n));
  return {
    canary: 'victim.secrets',
    project,
    canaryRows: () => count('SELECT count(*) AS n FROM victim.secrets'),
    tenantHasItems: async () => (await count("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 't_one' AND tablename = 'items'")) > 0,
    cleanup: async () => {
      await db.drop();
      await project.remove();
    },
  };
}

async function sqliteSetup(): Promise<EngineSetup> {
  const project = await createTempProject({ engine: 'sqlite', tenants: { pattern: 'tenants/*.db' }, apply: { retries: 0 } });
  await project.withEngine((engine) => engine.project.adapter.createTenant('acme'));
  const file = path.join(project.dir, 'tenants', 'acme.db');
  // SQLite has one schema per file: the canary lives in the tenant's file, as a table the manifest
  // has unchanged, so no plan touches it.
  const withDb = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  withDb((db) => db.exec('CREATE TABLE secrets (id INTEGER); INSERT INTO secrets VALUES (1), (2);'));
  return {
    canary: 'secrets',
    project,
    canaryRows: async () => withDb((db) => (db.prepare('SELECT count(*) AS n FROM secrets').get() as { n: number }).n),
    tenantHasItems: async () => withDb((db) => db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'items'").get() !== undefined),
    cleanup: () => project.remove(),
  };
}

const hostile = (canary: string): [Place, string][] => [
  ['default', `0; DROP TABLE ${canary}`],
  ['default', '0 --'],
  ['default', '0 /*'],
  ['default', `0) ; DROP TABLE ${canary}; SELECT (1`],
  ['default', `(SELECT count(*) FROM ${canary})`],
  ['default', '0, 1'],
  ['default', '0 AS a'],
  ['default', `0 FROM ${canary}`],
  ['check', `qty >= 0) ; DROP TABLE ${canary}; SELECT (1`],
  ['check', `true; DROP TABLE ${canary}`],
  ['where', `true; DROP TABLE ${canary}`],
  ['where', `qty > 0 --`],
  ['indexKey', `lower(name)); DROP TABLE ${canary}; SELECT (1`],
  ['generated', `(SELECT max(id) FROM ${canary})`],
  ['type', `integer; DROP TABLE ${canary}`],
];

describe.each([
  ['postgres', postgresSetup],
  ['sqlite', sqliteSetup],
])('%s: hostile SQL text in a manifest or an override', { timeout: 60_000 }, (_name, setup) => {
  let env: EngineSetup;

  beforeAll(async () => {
    env = await setup();
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  test('the plain manifest plans and applies, and the canary is untouched', async () => {
    await writeFile(path.join(env.project.dir, 'schema', 'manifest.yaml'), MANIFEST_LINES.join('\n') + '\n');
    await env.project.withEngine(async (engine) => {
      const results = await engine.apply(await engine.plan());
      expect(results.map((r) => r.status)).toEqual(['applied']);
    });
    expect(await env.tenantHasItems()).toBe(true);
    expect(await env.canaryRows()).toBe(2);
  });

  test.each(['manifest', 'override'] as const)('in the %s: each is refused at its file and line; nothing reaches the database', async (where) => {
    const manifestFile = path.join(env.project.dir, 'schema', 'manifest.yaml');
    const overrideFile = path.join(env.project.dir, 'overrides', 'evil.yaml');
    for (const [place, text] of hostile(env.canary)) {
      let line: number;
      if (where === 'manifest') {
        const written = withHostile(MANIFEST_LINES, place, text);
        line = written.line;
        await writeFile(manifestFile, written.yaml);
        await writeFile(overrideFile, OVERRIDE_LINES.join('\n') + '\n');
      } else {
        const written = withHostile(OVERRIDE_LINES, place, text);
        line = written.line;
        await writeFile(manifestFile, MANIFEST_LINES.join('\n') + '\n');
        await writeFile(overrideFile, written.yaml);
      }
      const file = where === 'manifest' ? /schema\/manifest\.yaml/ : /overrides\/evil\.yaml/;
      const error = await env.project.withEngine((engine) => engine.plan()).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error, `${place}: ${text}`).toBeDefined();
      expect(error!.message, `${place}: ${text}`).toMatch(new RegExp(`${file.source}:${line}:\\d+: `));
      expect(error!.message).not.toMatch(/\n\s+at /);
      if (where === 'manifest') expect(error!.message).not.toMatch(/evil\.yaml/);
      else expect(error!.message).not.toMatch(/manifest\.yaml/);
    }
    expect(await env.canaryRows()).toBe(2);
    expect(await env.tenantHasItems()).toBe(true);
  });

  test('the CLI refuses it with exit 2, the file and line, and no stack trace', async () => {
    const written = withHostile(MANIFEST_LINES, 'default', `0; DROP TABLE ${env.canary}`);
    await writeFile(path.join(env.project.dir, 'schema', 'manifest.yaml'), written.yaml);
    await writeFile(path.join(env.project.dir, 'overrides', 'evil.yaml'), OVERRIDE_LINES.join('\n') + '\n');
    const result = await runCli(['plan', '--config', env.project.configFile], { cwd: env.project.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`schema/manifest\\.yaml:${written.line}:\\d+: tables\\.items\\.columns\\.qty\\.default: expression .* holds a semicolon`));
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await env.canaryRows()).toBe(2);
  });

  test('an override that applies to no tenant is still checked', async () => {
    await writeFile(path.join(env.project.dir, 'schema', 'manifest.yaml'), MANIFEST_LINES.join('\n') + '\n');
    const written = withHostile(OVERRIDE_LINES, 'default', `0; DROP TABLE ${env.canary}`);
    await writeFile(path.join(env.project.dir, 'overrides', 'evil.yaml'), written.yaml.replace('tenants: ["*"]', 'tenants: ["nobody_*"]'));
    await expect(env.project.withEngine((engine) => engine.plan())).rejects.toThrow(new RegExp(`evil\\.yaml:${written.line}:\\d+: .*semicolon`));
    expect(await env.canaryRows()).toBe(2);
  });
});

describe('postgres: an error in the manifest is reported at the manifest, even when an override applies', { timeout: 60_000 }, () => {
  let env: EngineSetup;

  beforeAll(async () => {
    env = await postgresSetup();
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  const plan = () =>
    env.project.withEngine((engine) => engine.plan()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

  test('an unknown type in the manifest names the manifest line, not the override that applies', async () => {
    const manifest = MANIFEST_LINES.map((l) => (l === '      name: text' ? '      name: nosuchtype' : l));
    await writeFile(path.join(env.project.dir, 'schema', 'manifest.yaml'), manifest.join('\n') + '\n');
    // The override applies to the tenant and touches the same table, but not that column.
    await writeFile(path.join(env.project.dir, 'overrides', 'extra.yaml'), 'tenants: ["t_*"]\ntables:\n  items:\n    columns:\n      extra: text\n');
    const error = await plan();
    expect(error?.message).toMatch(/schema\/manifest\.yaml:7:\d+: tables\.items\.columns\.name(\.type)?: the server refused it while compiling the desired schema: type "nosuchtype" does not exist/);
    expect(error?.message).not.toMatch(/extra\.yaml/);
  });

  test('an unknown type in the override names the override line', async () => {
    await writeFile(path.join(env.project.dir, 'schema', 'manifest.yaml'), MANIFEST_LINES.join('\n') + '\n');
    await writeFile(path.join(env.project.dir, 'overrides', 'extra.yaml'), 'tenants: ["t_*"]\ntables:\n  items:\n    columns:\n      extra: nosuchtype\n');
    const error = await plan();
    expect(error?.message).toMatch(/overrides\/extra\.yaml:5:\d+: tables\.items\.columns\.extra(\.type)?: the server refused it while compiling the desired schema: type "nosuchtype" does not exist/);
    expect(error?.message).not.toMatch(/manifest\.yaml/);
  });

  test('a bad expression in the manifest names the manifest line, with an override that replaces nothing', async () => {
    const manifest = MANIFEST_LINES.map((l) => (l.startsWith('      qty_ok:') ? '      qty_ok: "qty >= 0 --"' : l));
    await writeFile(path.join(env.project.dir, 'schema', 'manifest.yaml'), manifest.join('\n') + '\n');
    await writeFile(path.join(env.project.dir, 'overrides', 'extra.yaml'), 'tenants: ["t_*"]\ntables:\n  items:\n    columns:\n      extra: text\n');
    const error = await plan();
    expect(error?.message).toMatch(/schema\/manifest\.yaml:9:\d+: tables\.items\.checks\.qty_ok: expression "qty >= 0 --" holds an SQL comment/);
    expect(error?.message).not.toMatch(/extra\.yaml/);
  });
});
