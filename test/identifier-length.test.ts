import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { engine as postgresEngine } from '../src/engines/postgres/index.js';
import { engine as sqliteEngine } from '../src/engines/sqlite/index.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

// PostgreSQL cuts a name longer than 63 bytes (UTF-8) short, so a manifest that gives one would
// never converge: such names are refused at their file and line before anything is planned.

const long64 = 'a'.repeat(64);
const long63 = 'b'.repeat(63);
// 32 characters, 64 bytes.
const wide = 'é'.repeat(32);

const error = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

test('the limit is an engine rule: PostgreSQL counts UTF-8 bytes, SQLite has none', () => {
  expect(postgresEngine.identifierProblem?.(long63)).toBeUndefined();
  expect(postgresEngine.identifierProblem?.('é'.repeat(31) + 'x')).toBeUndefined();
  expect(postgresEngine.identifierProblem?.(long64)).toMatch(/64 bytes/);
  expect(postgresEngine.identifierProblem?.(wide)).toMatch(/64 bytes/);
  expect(sqliteEngine.identifierProblem?.(long64)).toBeUndefined();
});

describe('postgres: identifiers longer than 63 bytes', { timeout: 120_000 }, () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let project: TempProject;
  const manifestFile = () => path.join(project.dir, 'schema', 'manifest.yaml');

  beforeAll(async () => {
    db = await createTestDatabase('ident');
    project = await createTempProject({ engine: 'postgres', url: db.url, tenants: { pattern: 't_*' }, apply: { retries: 0 } });
    await project.withEngine((engine) => engine.project.adapter.createTenant('t_one'));
  });

  afterAll(async () => {
    await db?.drop();
    await project?.remove();
  });

  test('each too-long name is refused at its line, whatever kind of object it names', async () => {
    const lines = [
      'version: 1', //                                               1
      'enums:', //                                                   2
      `  ${'e'.repeat(64)}: [ok]`, //                                3  enum
      '  status:', //                                                4
      `    - ${long64}`, //                                          5  enum value
      'sequences:', //                                               6
      `  ${'s'.repeat(64)}: {}`, //                                  7  sequence
      'tables:', //                                                  8
      `  ${long64}:`, //                                             9  table
      '    columns:', //                                             10
      '      id: integer', //                                        11
      '  items:', //                                                 12
      '    columns:', //                                             13
      `      ${wide}: text`, //                                      14 column, 2-byte characters
      '      id: integer', //                                        15
      '    indexes:', //                                             16
      `      ${'i'.repeat(64)}: { columns: [id] }`, //               17 index
      '    checks:', //                                              18
      `      ${'c'.repeat(64)}: "id > 0"`, //                        19 check
      `    primaryKey: { name: ${'p'.repeat(64)}, columns: [id] }`, //20 primary key
    ];
    await writeFile(manifestFile(), lines.join('\n') + '\n');
    const e = await error(project.withEngine((engine) => engine.plan()));
    expect(e?.message).toBeDefined();
    const message = e!.message;
    for (const [line, where] of [
      [3, 'enums'],
      [5, 'enums.status[0]'],
      [7, 'sequences'],
      [9, 'tables'],
      [14, 'tables.items.columns'],
      [17, 'tables.items.indexes'],
      [19, 'tables.items.checks'],
      [20, 'tables.items.primaryKey.name'],
    ] as const) {
      expect(message).toMatch(new RegExp(`schema/manifest\\.yaml:${line}:\\d+: ${where.replace(/[.[\]]/g, '\\$&')}[^:]*: the name .* is 64 bytes long`));
    }
    expect(message).not.toMatch(/\n\s+at /);
    expect(await tenantTables()).toEqual([]);
  });

  test('a too-long name in an override is refused at the override line', async () => {
    await writeFile(manifestFile(), 'version: 1\ntables:\n  items:\n    columns:\n      id: integer\n');
    await writeFile(path.join(project.dir, 'overrides', 'long.yaml'), `tenants: ["t_*"]\ntables:\n  items:\n    columns:\n      ${wide}: text\n`);
    try {
      const e = await error(project.withEngine((engine) => engine.plan()));
      expect(e?.message).toMatch(/overrides\/long\.yaml:5:7: tables\.items\.columns\.\S+: the name .* is 64 bytes long/);
      expect(e?.message).not.toMatch(/manifest\.yaml/);
    } finally {
      await writeFile(path.join(project.dir, 'overrides', 'long.yaml'), 'tenants: ["nobody"]\n');
    }
  });

  test('63-byte names, and the names derived from them for unnamed constraints, plan, apply and stay in sync', async () => {
    const wide63 = 'é'.repeat(31) + 'x';
    const lines = [
      'version: 1',
      'enums:',
      `  ${'n'.repeat(63)}: [${long63}]`,
      'tables:',
      `  ${long63}:`,
      '    columns:',
      `      ${wide63}: { type: integer, primaryKey: true }`,
      `      ${long63}: { type: text, unique: true }`,
      `      kind: ${'n'.repeat(63)}`,
      '    checks:',
      `      - "${long63} <> ''"`,
      '    indexes:',
      `      ${long63.replace(/^b/, 'i')}: { columns: [kind] }`,
    ];
    await writeFile(manifestFile(), lines.join('\n') + '\n');
    await project.withEngine(async (engine) => {
      const plan = await engine.plan();
      expect(plan.summary.changed).toBe(1);
      const results = await engine.apply(plan);
      expect(results.map((r) => [r.tenant, r.status, r.error])).toEqual([['t_one', 'applied', undefined]]);
    });
    expect(await tenantTables()).toEqual([long63]);
    await project.withEngine(async (engine) => {
      const again = await engine.plan();
      expect(again.summary).toMatchObject({ changed: 0, inSync: 1, failed: 0 });
    });
  });

  const tenantTables = () =>
    withClient(db.url, async (client) => (await client.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 't_one'")).rows.map((r) => r.t));
});
