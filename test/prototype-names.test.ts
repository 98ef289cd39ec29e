import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

// Names that a plain JS object already "holds" (Object.prototype's members, and __proto__, which
// an assignment turns into the object's prototype) are names like any other: as tables, columns,
// indexes, enums and their values, override table and column names, exclude lists, labels and
// tenants, end to end: manifest -> plan (a file) -> apply -> check in sync.

const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
// PostgreSQL gives a table's row type the table's name, so enums and tables take different names.
const TABLES = ['toString', 'hasOwnProperty', 'valueOf'];
const ENUMS = ['constructor', '__proto__'];
// Each table's index, named after an enum (indexes are relations, enums types: no clash); on a
// column the exclude list below leaves in place.
const INDEXES: [string, string][] = [
  ['constructor', 'constructor'],
  ['__proto__', '__proto__'],
  ['constructor_', 'hasOwnProperty'],
];

function manifest(enums: boolean): string {
  const lines = ['version: 1'];
  if (enums) {
    lines.push('enums:');
    for (const e of ENUMS) lines.push(`  ${e}: [${NAMES.join(', ')}]`);
  }
  lines.push('tables:');
  TABLES.forEach((table, i) => {
    lines.push(`  ${table}:`, '    columns:', '      id: { type: integer, primaryKey: true }');
    for (const column of NAMES) lines.push(`      ${column}: text`);
    lines.push(`      kind: ${enums ? ENUMS[i % 2] : 'text'}`);
    const [index, column] = INDEXES[i]!;
    lines.push('    indexes:', `      ${index}: { columns: [${column}] }`);
  });
  return lines.join('\n') + '\n';
}

// By tenant name: a default on each table's own-named column, and exclusions keyed by table.
const BY_NAME = `tenants: [${NAMES.join(', ')}]
tables:
${TABLES.map((t) => `  ${t}:\n    columns:\n      ${t}: { type: text, default: "'x'" }`).join('\n')}
exclude:
  columns:
    toString: [valueOf]
    valueOf: [toString]
  indexes:
    valueOf: [constructor_]
`;

// By label only: the labels are named like the tenants.
const BY_LABEL = `labels: [__proto__, constructor]
tables:
  toString:
    columns:
      labelled: text
`;

interface Env {
  project: TempProject;
  columns(tenant: string, table: string): Promise<string[]>;
  indexes(tenant: string, table: string): Promise<string[]>;
  enumLabels?(tenant: string, name: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

const labels = Object.fromEntries(NAMES.map((n) => [n, [n]]));

async function postgresEnv(): Promise<Env> {
  const db = await createTestDatabase('proto');
  const project = await createTempProject({ engine: 'postgres', url: db.url, tenants: { list: NAMES, labels }, apply: { retries: 0 } });
  const rows = (sql: string, params: string[]) => withClient(db.url, async (client) => (await client.query<{ name: string }>(sql, params)).rows.map((r) => r.name));
  return {
    project,
    columns: (tenant, table) =>
      rows('SELECT column_name AS name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position', [tenant, table]),
    indexes: (tenant, table) => rows("SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexname NOT LIKE '%_pkey' ORDER BY 1", [tenant, table]),
    enumLabels: (tenant, name) =>
      rows(
        'SELECT e.enumlabel AS name FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2 ORDER BY e.enumsortorder',
        [tenant, name],
      ),
    cleanup: async () => {
      await db.drop();
      await project.remove();
    },
  };
}

async function sqliteEnv(): Promise<Env> {
  const project = await createTempProject({ engine: 'sqlite', tenants: { pattern: 'tenants/*.db', labels }, apply: { retries: 0 } });
  const read = <T>(tenant: string, fn: (db: Database.Database) => T): T => {
    const db = new Database(path.join(project.dir, 'tenants', `${tenant}.db`), { readonly: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    project,
    columns: async (tenant, table) => read(tenant, (db) => (db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').all(table) as { name: string }[]).map((r) => r.name)),
    indexes: async (tenant, table) =>
      read(tenant, (db) => (db.prepare("SELECT name FROM pragma_index_list(?) WHERE origin = 'c' ORDER BY name").all(table) as { name: string }[]).map((r) => r.name)),
    cleanup: () => project.remove(),
  };
}

describe.each([
  ['postgres', postgresEnv, true],
  ['sqlite', sqliteEnv, false],
])('%s: Object.prototype names are names like any other', { timeout: 120_000 }, (_engine, setup, enums) => {
  let env: Env;

  beforeAll(async () => {
    env = await setup();
    await env.project.withEngine(async (engine) => {
      for (const name of NAMES) await engine.project.adapter.createTenant(name);
    });
    await writeFile(path.join(env.project.dir, 'schema', 'manifest.yaml'), manifest(enums));
    await writeFile(path.join(env.project.dir, 'overrides', 'by-name.yaml'), BY_NAME);
    await writeFile(path.join(env.project.dir, 'overrides', 'by-label.yaml'), BY_LABEL);
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  test('every tenant is found, with its own-named label', async () => {
    const tenants = await env.project.withEngine((engine) => engine.listTenants());
    expect(tenants.map((t) => [t.name, t.labels])).toEqual([...NAMES].sort().map((n) => [n, [n]]));
  });

  test('plan to a file, apply it, and check finds every tenant in sync', async () => {
    const cli = (args: string[]) => runCli([...args, '--config', env.project.configFile], { cwd: env.project.dir });
    const planned = await cli(['plan', '-o', 'plan.yaml']);
    expect(planned.stderr).not.toMatch(/\n\s+at |not iterable|is not a function/);
    expect(planned.code).toBe(0);
    const applied = await cli(['apply', 'plan.yaml']);
    expect(applied.stderr).not.toMatch(/\n\s+at /);
    expect(applied.code).toBe(0);
    const checked = await cli(['check']);
    expect(checked.stdout).toMatch(new RegExp(`${NAMES.length} tenants: ${NAMES.length} in sync`));
    expect(checked.code).toBe(0);

    for (const tenant of NAMES) {
      const labelled = tenant === '__proto__' || tenant === 'constructor';
      // The manifest's columns, the override's default column, minus the excluded one.
      expect(await env.columns(tenant, 'toString')).toEqual(['id', ...NAMES.filter((n) => n !== 'valueOf'), 'kind', ...(labelled ? ['labelled'] : [])]);
      expect(await env.columns(tenant, 'hasOwnProperty')).toEqual(['id', ...NAMES, 'kind']);
      expect(await env.columns(tenant, 'valueOf')).toEqual(['id', ...NAMES.filter((n) => n !== 'toString'), 'kind']);
      expect(await env.indexes(tenant, 'toString')).toEqual(['constructor']);
      expect(await env.indexes(tenant, 'hasOwnProperty')).toEqual(['__proto__']);
      expect(await env.indexes(tenant, 'valueOf')).toEqual([]);
      if (env.enumLabels) for (const e of ENUMS) expect(await env.enumLabels(tenant, e)).toEqual(NAMES);
    }
  });

  test('planning again finds nothing to do', async () => {
    const plan = await env.project.withEngine((engine) => engine.plan());
    expect(plan.summary).toMatchObject({ tenants: NAMES.length, changed: 0, inSync: NAMES.length, failed: 0 });
  });
});

test('a YAML key __proto__ reaches the model as a key, not as a prototype', async () => {
  const project = await createTempProject({ engine: 'sqlite', tenants: { pattern: 'tenants/*.db' } });
  try {
    await writeFile(path.join(project.dir, 'schema', 'manifest.yaml'), 'version: 1\ntables:\n  __proto__:\n    columns:\n      __proto__: text\n');
    const { manifest: loaded } = await project.withEngine((engine) => engine.project.desired.load());
    const tables = loaded.content.tables!;
    expect(Object.getPrototypeOf(tables)).toBe(Object.prototype);
    expect(Object.keys(tables)).toEqual(['__proto__']);
    const desired = await project.withEngine(async (engine) => {
      await engine.project.adapter.createTenant('acme');
      const [tenant] = await engine.listTenants();
      return engine.project.desired.desiredFor(tenant!);
    });
    expect(desired.schema.tables.map((t) => [t.name, t.columns.map((c) => c.name)])).toEqual([['__proto__', ['__proto__']]]);
  } finally {
    await project.remove();
  }
});

// Renames, foreign keys, named checks and uniques and sequences under such names: the rename
// hints and the SQLite rebuild's copy map are records keyed by them.
const BEFORE = 'version: 1\ntables:\n  a:\n    columns:\n      id: { type: integer, primaryKey: true }\n      x: text\n';
const AFTER = (sequences: boolean) => `version: 1
${sequences ? 'sequences:\n  hasOwnProperty: {}\n' : ''}tables:
  constructor:
    renamedFrom: a
    columns:
      id: { type: integer, primaryKey: true }
      __proto__: { type: text, renamedFrom: x, unique: true }
      toString: { type: integer, references: constructor.id }
    checks:
      valueOf: "id > 0"
    uniques:
      - { name: hasOwnProperty_u, columns: [toString] }
`;

describe.each([
  ['postgres', true],
  ['sqlite', false],
])('%s: renames to Object.prototype names keep the data', { timeout: 120_000 }, (engineName, postgres) => {
  test('a table and a column renamed to constructor and __proto__, then in sync', async () => {
    const db = postgres ? await createTestDatabase('proto2') : undefined;
    const project = await createTempProject(
      postgres ? { engine: 'postgres', url: db!.url, tenants: { pattern: 'valueOf' } } : { engine: engineName, tenants: { pattern: 'tenants/*.db' } },
    );
    try {
      await project.withEngine((engine) => engine.project.adapter.createTenant('valueOf'));
      const round = async (text: string) => {
        await writeFile(path.join(project.dir, 'schema', 'manifest.yaml'), text);
        return project.withEngine(async (engine) => {
          const plan = await engine.plan();
          const results = await engine.apply(plan);
          const again = await engine.plan();
          return { kinds: plan.groups.flatMap((g) => g.changes.map((c) => c.kind)), results: results.map((r) => [r.tenant, r.status, r.error]), again: again.summary };
        });
      };
      await round(BEFORE);
      if (postgres) await withClient(db!.url, (client) => client.query('INSERT INTO "valueOf".a VALUES (1, \'kept\')'));
      else {
        const file = new Database(path.join(project.dir, 'tenants', 'valueOf.db'));
        file.exec("INSERT INTO a VALUES (1, 'kept')");
        file.close();
      }
      const after = await round(AFTER(postgres));
      expect(after.kinds).toEqual(expect.arrayContaining(['renameTable', 'renameColumn']));
      expect(after.kinds).not.toContain('dropTable');
      expect(after.results).toEqual([['valueOf', 'applied', undefined]]);
      expect(after.again).toMatchObject({ changed: 0, inSync: 1, failed: 0 });
      const kept = postgres
        ? await withClient(db!.url, async (client) => (await client.query<{ v: string }>('SELECT "__proto__" AS v FROM "valueOf"."constructor"')).rows.map((r) => r.v))
        : (() => {
            const file = new Database(path.join(project.dir, 'tenants', 'valueOf.db'), { readonly: true });
            try {
              return (file.prepare('SELECT "__proto__" AS v FROM "constructor"').all() as { v: string }[]).map((r) => r.v);
            } finally {
              file.close();
            }
          })();
      expect(kept).toEqual(['kept']);
    } finally {
      await db?.drop();
      await project.remove();
    }
  });
});
