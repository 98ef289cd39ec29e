import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load-config.js';
import { SchemaSyncEngine } from '../src/library/schema-sync.js';
import { errorMessage } from '../src/errors.js';
import type { PlanFile } from '../src/plan/plan-file.js';
import { readPlanFile, writePlanYaml } from '../src/plan/plan-yaml.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { createTestDatabase, qi, withClient } from './helpers/postgres.js';
import { withDigests } from './helpers/plan-digests.js';

// Hostile input, generated: manifests, overrides, configs and plan files with SQL, names and
// shapes an attacker or a careless hand would write. Whatever schema-sync makes of each, nothing
// outside the tenants changes (a `victim` schema on PostgreSQL, a canary file for SQLite), no
// message carries a stack trace or an internal error's name, every error for a bad file names
// that file (and its line where the defect has one), the CLI exits 2 on bad input, and a password
// in a URL is never printed. The generator is seeded: FUZZ_SEED=<n> replays a run.

// A fixed seed by default, so CI is reproducible; FUZZ_SEED=random explores, FUZZ_SEED=<n> replays.
const seed = process.env['FUZZ_SEED'] === 'random' ? randomInt(2 ** 31) : Number(process.env['FUZZ_SEED'] ?? 20261207);
console.log(`fuzz-hostile-input: seed ${seed} (replay with FUZZ_SEED=${seed})`);

function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rng = mulberry32(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const chance = (p: number) => rng() < p;

type EngineName = 'postgres' | 'sqlite';

// ---------------------------------------------------------------------------------------------
// What hostile text looks like.

const hostileSql: Record<EngineName, readonly string[]> = {
  postgres: [
    '0; DROP TABLE victim.secrets',
    '0; DELETE FROM victim.secrets',
    '0 --',
    '0 /*',
    '0 */ ; DROP TABLE victim.secrets; /*',
    '0) ; DROP TABLE victim.secrets; SELECT (1',
    "0'); DROP TABLE victim.secrets; --",
    "'x'; DROP TABLE victim.secrets; SELECT 'y'",
    '$$x$$; DROP TABLE victim.secrets; SELECT $$y$$',
    '$q$ $q$; DELETE FROM victim.secrets; SELECT $q$',
    '(SELECT count(*) FROM victim.secrets)',
    'victim.f()',
    'victim.f() > 0',
    '(victim.f())::int',
    'pg_catalog.pg_sleep(0) IS NULL',
    '"; DROP TABLE victim.secrets; --',
    "E'\\\\'; DROP TABLE victim.secrets; --'",
    '1); COMMIT; DROP TABLE victim.secrets; BEGIN; SELECT (1',
    'COMMIT',
    'DROP TABLE victim.secrets',
    '0\n; DROP TABLE victim.secrets',
    '0 ; ; ',
    '',
    ' ',
  ],
  sqlite: [
    "0; ATTACH 'canary.db' AS c; DROP TABLE c.canary",
    "0; ATTACH 'canary.db' AS c; DELETE FROM c.canary",
    '0 --',
    '0 /*',
    '0 */ ; DROP TABLE canary; /*',
    "0) ; ATTACH 'canary.db' AS c; DROP TABLE c.canary; SELECT (1",
    "'x'; DROP TABLE items; SELECT 'y'",
    '(SELECT count(*) FROM sqlite_master)',
    "load_extension('x')",
    'main.f()',
    '1); COMMIT; DROP TABLE items; BEGIN; SELECT (1',
    'COMMIT',
    'DROP TABLE items',
    '0\n; DROP TABLE items',
    '0 ; ; ',
    '',
  ],
};

const hostileText: readonly string[] = [
  'caf\u00e9 \u{1f600} \u202eevil\u202c',
  'bell\x07 esc\x1b[2J cr\r nul\x00 del\x7f csi\x9b',
  'x'.repeat(70_000),
  '\u0000',
  '\ufeff0',
  'a\u2028b',
];

const hostileNames: readonly string[] = [
  'a"b',
  '"',
  'a;b',
  'a$b',
  'a\nb',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'n'.repeat(64),
  '\u00e9'.repeat(32),
  'victim.secrets',
  'x; DROP TABLE victim',
  '',
  ' ',
  '\x1b[31m',
  '1abc',
];

const wrongTypes: readonly unknown[] = [42, -1.5, true, null, [], ['a', 'b'], { a: 1 }, { __proto__x: 1 }, [[[]]], Number.POSITIVE_INFINITY];

const hostileValue = (engine: EngineName): unknown => {
  const r = rng();
  if (r < 0.6) return pick(hostileSql[engine]);
  if (r < 0.8) return pick(hostileText);
  return pick(wrongTypes);
};

// ---------------------------------------------------------------------------------------------
// The projects: one PostgreSQL database with a victim schema, one SQLite folder with a canary file.

const pgTenants = ['fz_a', 'fz_b', 'fz_c'];
/** Plans and applies touch only these; fz_c is a tenant the runs never select. */
const pgSelected = ['fz_a', 'fz_b'];
const sqliteTenants = ['t_a', 't_b', 't_c'];
const sqliteSelected = ['t_a', 't_b'];

function baseManifest(engine: EngineName): Record<string, unknown> {
  const pg = engine === 'postgres';
  return {
    version: 1,
    ...(pg ? { enums: { mood: ['ok', 'meh'] } } : {}),
    tables: {
      items: {
        ...(pg ? { comment: 'items' } : {}),
        columns: {
          id: { type: pg ? 'bigint' : 'integer', primaryKey: true },
          name: { type: 'text', default: "'x'" },
          qty: { type: 'integer', nullable: false, default: 0 },
          total: { type: 'integer', generated: 'qty * 2' },
        },
        indexes: { items_name_idx: { columns: ['name'], where: 'qty > 0' } },
        checks: { qty_positive: 'qty >= 0' },
      },
    },
  };
}

interface Fleet {
  readonly engine: EngineName;
  readonly dir: string;
  readonly configFile: string;
  readonly selected: readonly string[];
  readonly config: Record<string, unknown>;
  /** What must never change, as comparable text. */
  outside(): Promise<string>;
  /** The schema of each tenant not selected by any run. */
  unselected(): Promise<string>;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let root: string;
const fleets = {} as Record<EngineName, Fleet>;

async function pgOutside(url: string): Promise<string> {
  return withClient(url, async (c) => {
    const rows = await c.query(`SELECT id, secret FROM victim.secrets ORDER BY id`);
    const cols = await c.query(
      `SELECT table_name, column_name, data_type, column_default FROM information_schema.columns WHERE table_schema IN ('victim', 'public') ORDER BY 1, 2`,
    );
    const fns = await c.query(`SELECT p.proname, pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'victim' ORDER BY 1`);
    const schemas = await c.query(`SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%' ORDER BY 1`);
    return JSON.stringify({ rows: rows.rows, cols: cols.rows, fns: fns.rows, schemas: schemas.rows.map((r) => r.nspname) });
  });
}

async function pgSchemaOf(url: string, schema: string): Promise<string> {
  return withClient(url, async (c) => {
    const cols = await c.query(
      `SELECT table_name, column_name, data_type, column_default, is_nullable FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 2`,
      [schema],
    );
    const cons = await c.query(
      `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = $1::regnamespace ORDER BY 1`,
      [qi(schema)],
    );
    const idx = await c.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY 1`, [schema]);
    const rows = await c.query(`SELECT count(*)::int AS n FROM ${qi(schema)}.items`);
    return JSON.stringify({ cols: cols.rows, cons: cons.rows, idx: idx.rows, rows: rows.rows });
  });
}

function sqliteDump(file: string): string {
  const handle = new Database(file, { readonly: true });
  try {
    const schema = handle.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY name`).all();
    const tables = (schema as { type: string; name: string }[]).filter((s) => s.type === 'table' && !s.name.startsWith('sqlite_'));
    const rows = tables.map((t) => handle.prepare(`SELECT * FROM "${t.name.replaceAll('"', '""')}"`).all());
    return JSON.stringify({ schema, rows });
  } finally {
    handle.close();
  }
}

function writeProject(dir: string, config: Record<string, unknown>, manifest: unknown): string {
  mkdirSync(path.join(dir, 'schema'), { recursive: true });
  mkdirSync(path.join(dir, 'overrides'), { recursive: true });
  mkdirSync(path.join(dir, 'plans'), { recursive: true });
  const configFile = path.join(dir, 'schema-sync.yaml');
  writeFileSync(configFile, stringify(config));
  writeFileSync(path.join(dir, 'schema', 'manifest.yaml'), stringify(manifest));
  return configFile;
}

async function applyAll(configFile: string, selected: readonly string[], allowDestructive = false): Promise<void> {
  const engine = await SchemaSyncEngine.open({ file: configFile });
  try {
    const plan = await engine.plan({ tenants: [...selected] });
    expect(plan.failed).toEqual([]);
    const results = await engine.apply(plan, { allowDestructive });
    for (const r of results) expect(r.status, r.error).toBe('applied');
  } finally {
    await engine.close();
  }
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'schema-sync-fuzz-'));
  db = await createTestDatabase('fuzz');
  await withClient(db.url, async (c) => {
    await c.query(`CREATE SCHEMA victim; CREATE TABLE victim.secrets (id int PRIMARY KEY, secret text NOT NULL)`);
    await c.query(`INSERT INTO victim.secrets VALUES (1, 'alpha'), (2, 'beta')`);
    // A function that, called from any expression that reaches it, empties the table.
    await c.query(`CREATE FUNCTION victim.f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM victim.secrets; RETURN 1; END $$`);
    for (const t of pgTenants) await c.query(`CREATE SCHEMA ${qi(t)}`);
  });
  const pgDir = path.join(root, 'pg');
  const pgConfig = { engine: 'postgres', url: db.url, tenants: { pattern: 'fz_*' }, snapshotStore: 'filesystem', apply: { retries: 0 } };
  const pgConfigFile = writeProject(pgDir, pgConfig, baseManifest('postgres'));
  await applyAll(pgConfigFile, pgTenants);
  await withClient(db.url, async (c) => {
    for (const t of pgTenants) await c.query(`INSERT INTO ${qi(t)}.items (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 2)`);
  });
  fleets.postgres = {
    engine: 'postgres',
    dir: pgDir,
    configFile: pgConfigFile,
    selected: pgSelected,
    config: pgConfig,
    outside: () => pgOutside(db.url),
    unselected: () => pgSchemaOf(db.url, 'fz_c'),
  };

  const sqDir = path.join(root, 'sqlite');
  mkdirSync(path.join(sqDir, 'data'), { recursive: true });
  for (const t of sqliteTenants) new Database(path.join(sqDir, 'data', `${t}.db`)).close();
  const canaryFile = path.join(sqDir, 'canary.db');
  const canary = new Database(canaryFile);
  canary.exec(`CREATE TABLE canary (id integer PRIMARY KEY, secret text NOT NULL); INSERT INTO canary VALUES (1, 'alpha'), (2, 'beta')`);
  canary.close();
  const sqConfig = { engine: 'sqlite', tenants: { pattern: 'data/t_*.db' }, snapshotStore: 'filesystem', apply: { retries: 0 } };
  const sqConfigFile = writeProject(sqDir, sqConfig, baseManifest('sqlite'));
  await applyAll(sqConfigFile, sqliteTenants);
  for (const t of sqliteTenants) {
    const handle = new Database(path.join(sqDir, 'data', `${t}.db`));
    handle.exec(`INSERT INTO items (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 2)`);
    handle.close();
  }
  fleets.sqlite = {
    engine: 'sqlite',
    dir: sqDir,
    configFile: sqConfigFile,
    selected: sqliteSelected,
    config: sqConfig,
    outside: async () => sqliteDump(canaryFile) + readdirSync(sqDir).sort().join(','),
    unselected: async () => sqliteDump(path.join(sqDir, 'data', 't_c.db')),
  };
}, 120_000);

afterAll(async () => {
  await db?.drop();
  if (root) rmSync(root, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// The oracles.

/** Names of internal errors and the traces of a crash: none may reach a user. */
const crashSigns = /\n\s+at |\b(TypeError|RangeError|ReferenceError|SyntaxError|EvalError)\b|Maximum call stack|is not a function|is not iterable|Cannot read properties|undefined \(reading|\[object Object\]/;

function expectNoCrash(message: string, context: string): void {
  // The whole message in the failure: it is the evidence of what crashed.
  if (crashSigns.test(message)) expect.fail(`${context}: a crash reached the user:\n${message.slice(0, 2000)}`);
}

/** An error thrown in-process: one of ours (or a driver's), never an internal one, naming the file. */
function expectFileError(error: unknown, file: string, line: boolean, context: string): void {
  expect(error, context).toBeInstanceOf(Error);
  for (const internal of [TypeError, RangeError, ReferenceError, SyntaxError, EvalError]) expect(error, context).not.toBeInstanceOf(internal);
  const message = errorMessage(error);
  expectNoCrash(message, context);
  const base = path.basename(file);
  expect(message, `${context}: the error must name ${base}`).toContain(base);
  // Known gap: what an engine cannot hold is found after the files merged, on the model, which
  // no longer knows lines; such errors name the files only.
  const engineLimit = /is not supported by the sqlite engine|the sqlite engine cannot hold/.test(message);
  if (line && !engineLimit) expect(message, `${context}: the error must give a line in ${base}`).toMatch(new RegExp(`${base.replaceAll('.', '\\.')}:\\d+`));
}

function expectCliBadInput(run: CliResult, file: string, context: string): void {
  const out = run.stdout + run.stderr;
  expectNoCrash(out, context);
  // 2 is bad input, which names the file; 3 is apply's tenants failed or stale; never 1 or a crash.
  expect([0, 2, 3], `${context}\n${out}`).toContain(run.code);
  if (run.code === 2) expect(out, `${context}: names ${path.basename(file)}\n${out}`).toContain(path.basename(file));
}

interface Outcome {
  readonly refused: boolean;
  readonly applied: number;
}

async function expectUntouched(fleet: Fleet, before: { outside: string; unselected: string }, context: string): Promise<void> {
  expect(await fleet.outside(), `${context}: outside the tenants`).toBe(before.outside);
  expect(await fleet.unselected(), `${context}: a tenant not in the plan`).toBe(before.unselected);
}

// ---------------------------------------------------------------------------------------------
// Manifests and overrides.

type Path = readonly (string | number)[];

function setAt(target: Record<string, unknown>, at: Path, value: unknown): void {
  let node = target as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = typeof at[at.indexOf(key) + 1] === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  }
  node[at.at(-1)!] = value;
}

function renameKey(target: Record<string, unknown>, at: Path, to: string): void {
  let node = target as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const from = at.at(-1) as string;
  const entries = Object.entries(node).map(([k, v]) => [k === from ? to : k, v] as const);
  for (const k of Object.keys(node)) delete node[k];
  for (const [k, v] of entries) Object.defineProperty(node, k, { value: v, enumerable: true, writable: true, configurable: true });
}

const expressionSlots = (engine: EngineName): Path[] => [
  ['tables', 'items', 'columns', 'qty', 'default'],
  ['tables', 'items', 'columns', 'name', 'default'],
  ['tables', 'items', 'checks', 'qty_positive'],
  ['tables', 'items', 'checks', 'extra_check'],
  ['tables', 'items', 'indexes', 'items_name_idx', 'where'],
  ['tables', 'items', 'indexes', 'items_name_idx', 'columns', 0],
  ['tables', 'items', 'indexes', 'items_name_idx', 'columns', 1, 'expression'],
  ['tables', 'items', 'columns', 'total', 'generated'],
  ['tables', 'items', 'columns', 'name', 'type'],
  ['tables', 'items', 'columns', 'extra', 'type'],
  ['tables', 'items', 'columns', 'name', 'collation'],
  ['tables', 'items', 'columns', 'name', 'references'],
  ['tables', 'items', 'indexes', 'items_name_idx', 'method'],
  ...(engine === 'postgres'
    ? ([
        ['tables', 'items', 'comment'],
        ['tables', 'items', 'columns', 'name', 'comment'],
        ['enums', 'mood', 0],
        ['tables', 'items', 'indexes', 'items_name_idx', 'columns', 1, 'opclass'],
      ] as Path[])
    : ([['tables', 'items', 'options', 'strict']] as Path[])),
];

const nameSlots: Path[] = [
  ['tables', 'items'],
  ['tables', 'items', 'columns', 'name'],
  ['tables', 'items', 'indexes', 'items_name_idx'],
  ['tables', 'items', 'checks', 'qty_positive'],
];

/** YAML text that no well-meaning hand writes: structure, not values. */
function structuralText(engine: EngineName, valid: string): string {
  switch (Math.floor(rng() * 9)) {
    case 0:
      return valid + 'extra: ' + '['.repeat(3000) + ']'.repeat(3000) + '\n';
    case 1:
      return valid + 'extra:\n' + Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i + 1)}a:`).join('\n') + ' 1\n';
    case 2: {
      // A billion laughs: aliases of aliases.
      const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
      return valid + lines.join('\n') + '\n';
    }
    case 3:
      return valid + '---\n' + valid;
    case 4:
      return valid.replace('items:', 'items: &t').replace(/^version: 1$/m, 'version: 1\nx: *t');
    case 5:
      return pick(['', '---\n', 'null\n', '[1, 2]\n', '"just a string"\n', '\x00\x01\x02', '{{{{', 'version: 1\n\ttables: {}\n', '!!js/function "function () {}"\n']);
    case 6:
      return valid.replace(/qty:/, 'qty: *undefined_alias\n  qtyx:');
    case 7:
      return valid + `version: 2\n`;
    default:
      return valid.replace('tables:', engine === 'postgres' ? '__proto__: { polluted: true }\ntables:' : 'constructor: { prototype: 1 }\ntables:');
  }
}

interface DesiredCase {
  readonly kind: 'manifest' | 'override';
  readonly label: string;
  /** The file (relative to the project) that carries the defect, and its text. */
  readonly file: string;
  readonly text: string;
  /** The defect is in one field, so an error about it can name a line. */
  readonly line: boolean;
}

function manifestCase(engine: EngineName, index: number): DesiredCase {
  const manifest = baseManifest(engine);
  const file = 'schema/manifest.yaml';
  const r = rng();
  if (r < 0.55) {
    const slot = pick(expressionSlots(engine));
    const value = hostileValue(engine);
    setAt(manifest, slot, value);
    return { kind: 'manifest', label: `#${index} manifest ${slot.join('.')} = ${JSON.stringify(value)?.slice(0, 80)}`, file, text: stringify(manifest), line: true };
  }
  if (r < 0.8) {
    const slot = pick(nameSlots);
    const name = pick(hostileNames);
    renameKey(manifest, slot, name);
    return { kind: 'manifest', label: `#${index} manifest name ${slot.join('.')} -> ${JSON.stringify(name).slice(0, 80)}`, file, text: stringify(manifest), line: true };
  }
  return { kind: 'manifest', label: `#${index} manifest structure`, file, text: structuralText(engine, stringify(manifest)), line: false };
}

function overrideCase(engine: EngineName, index: number): DesiredCase {
  const tenant = engine === 'postgres' ? 'fz_a' : 't_a';
  const override: Record<string, unknown> = {
    tenants: [tenant],
    tables: { items: { columns: { extra: { type: 'text', default: "'e'" } }, checks: { extra_len: 'length(extra) < 100' } } },
  };
  const file = `overrides/o${index}.yaml`;
  const r = rng();
  if (r < 0.5) {
    const slot = pick<Path>([
      ['tables', 'items', 'columns', 'extra', 'default'],
      ['tables', 'items', 'columns', 'extra', 'type'],
      ['tables', 'items', 'checks', 'extra_len'],
      ['tables', 'items', 'indexes', 'extra_idx', 'where'],
      ['tables', 'items', 'indexes', 'extra_idx', 'columns', 0],
      ['tables', 'items', 'columns', 'extra', 'generated'],
      ['tables', 'other', 'columns', 'id', 'default'],
    ]);
    const value = hostileValue(engine);
    setAt(override, slot, value);
    if (slot.includes('extra_idx') && slot.at(-1) === 'where') setAt(override, ['tables', 'items', 'indexes', 'extra_idx', 'columns'], ['extra']);
    if (slot.includes('other')) setAt(override, ['tables', 'other', 'columns', 'id', 'type'], 'integer');
    return { kind: 'override', label: `#${index} override ${slot.join('.')} = ${JSON.stringify(value)?.slice(0, 80)}`, file, text: stringify(override), line: true };
  }
  if (r < 0.75) {
    const slot = pick<Path>([['tenants'], ['labels'], ['exclude', 'tables'], ['exclude', 'columns', 'items'], ['tenants', 0], ['description']]);
    const value = chance(0.5) ? pick(hostileNames) : pick(wrongTypes);
    setAt(override, slot, value);
    return { kind: 'override', label: `#${index} override ${slot.join('.')} = ${JSON.stringify(value)?.slice(0, 80)}`, file, text: stringify(override), line: true };
  }
  if (r < 0.85) {
    renameKey(override.tables as Record<string, unknown>, ['items'], pick(hostileNames));
    return { kind: 'override', label: `#${index} override hostile table name`, file, text: stringify(override), line: true };
  }
  return { kind: 'override', label: `#${index} override structure`, file, text: structuralText(engine, stringify(override)), line: false };
}

/** Plans the selected tenants with the case's files in place and applies what plan accepted. */
async function runDesired(fleet: Fleet, c: DesiredCase): Promise<Outcome> {
  const manifestFile = path.join(fleet.dir, 'schema', 'manifest.yaml');
  const full = path.join(fleet.dir, c.file);
  writeFileSync(manifestFile, stringify(baseManifest(fleet.engine)));
  writeFileSync(full, c.text);
  let engine: SchemaSyncEngine | undefined;
  try {
    engine = await SchemaSyncEngine.open({ file: fleet.configFile });
    let plan: PlanFile;
    try {
      plan = await engine.plan({ tenants: [...fleet.selected] });
    } catch (error) {
      expectFileError(error, full, c.line, c.label);
      return { refused: true, applied: 0 };
    }
    for (const f of plan.failed) {
      expectNoCrash(f.error, c.label);
      expect(f.error, `${c.label}: a failed tenant names the file`).toContain(path.basename(full));
    }
    if (plan.groups.length === 0) return { refused: plan.failed.length > 0, applied: 0 };
    const results = await engine.apply(plan, { allowDestructive: true });
    for (const r of results) if (r.error !== undefined) expectNoCrash(r.error, c.label);
    return { refused: false, applied: results.filter((r) => r.status === 'applied').length };
  } finally {
    await engine?.close();
    if (c.kind === 'override') rmSync(full, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Configs.

const passwords = ['Kq7@Zx9#Wv3', 'Aa1:Bb2/Cc3', 'Hu2/@#:Tr8', 'p@ss#1:x/y', 'Pq7%40Ss8%23Rt9'];
/** The password and every piece of it a URL parser could cut it into. */
const piecesOf = (password: string) => {
  const decoded = decodeURIComponent(password);
  return [password, decoded, ...password.split(/[@#:/?%]/), ...decoded.split(/[@#:/?]/)].filter((p) => p.length >= 3);
};

const hostileQueries: readonly string[] = [
  "DELETE FROM victim.secrets RETURNING 'fz_a'",
  "SELECT 'fz_a'; DELETE FROM victim.secrets",
  "WITH d AS (DELETE FROM victim.secrets RETURNING 1) SELECT 'fz_a' FROM d",
  "SELECT 'fz_a' WHERE victim.f() = 1",
  "COMMIT; DELETE FROM victim.secrets; SELECT 'fz_a'",
  "SET default_transaction_read_only = off; DELETE FROM victim.secrets; SELECT 'fz_a'",
  'SELECT nspname FROM pg_namespace',
  "SELECT unnest(ARRAY['information_schema', 'pg_catalog', 'pg_toast', 'fz_a'])",
  "SELECT 'fz_a' UNION ALL SELECT NULL",
  "SELECT E'fz_\\x1b[2Ja'",
  'SELECT 1/0',
  'not sql at all',
  "SELECT 'fz_a' --",
  "SELECT 'fz_a' /*",
  "DROP TABLE victim.secrets",
  "CREATE TABLE victim.more (id int)",
  "SELECT 'fz_a'::text, pg_catalog.txid_current()",
];

interface ConfigCase {
  readonly label: string;
  readonly text: string;
  /** The case puts a password in a URL: it must never be printed. */
  readonly password?: string;
  /** The URL points nowhere: the error is about the server, not a defect of the file. */
  readonly unreachable?: boolean;
  /** A path the config names: an error may name that file instead of the config. */
  readonly path?: string;
}

function configCase(fleet: Fleet, index: number): ConfigCase {
  const config = structuredClone(fleet.config) as Record<string, unknown>;
  const pg = fleet.engine === 'postgres';
  const r = rng();
  const label = (what: string, value: unknown) => `#${index} config ${what} = ${JSON.stringify(value)?.slice(0, 80)}`;
  if (pg && r < 0.3) {
    const query = pick(hostileQueries);
    setAt(config, ['tenants'], { query });
    return { label: label('tenants.query', query), text: stringify(config) };
  }
  if (r < 0.45) {
    const list = Array.from({ length: 1 + Math.floor(rng() * 4) }, () =>
      pick<unknown>([...(pg ? ['information_schema', 'pg_catalog', 'pg_toast', 'pg_temp_1', 'schema_sync', 'fz_a'] : ['t_a', '../canary', 'canary', '/etc/passwd']), ...hostileNames, ...wrongTypes]),
    );
    setAt(config, ['tenants'], { list });
    return { label: label('tenants.list', list), text: stringify(config) };
  }
  if (r < 0.55) {
    const pattern = pick<unknown>(['**', '*', '../*', '../../**/*.db', '[', '{a,b', '!(x)', '', ...hostileNames, ...wrongTypes]);
    setAt(config, ['tenants', 'pattern'], pattern);
    return { label: label('tenants.pattern', pattern), text: stringify(config) };
  }
  if (r < 0.65) {
    const labels = pick<unknown>([{ canary: 'fz_a' }, { canary: [1, 2] }, { '': ['fz_a'] }, { constructor: ['fz_a'] }, { toString: ['fz_a'] }, ['a'], 'x', { a: { b: 1 } }]);
    setAt(config, ['tenants', 'labels'], labels);
    const text = stringify(config);
    return { label: label('tenants.labels', labels), text: chance(0.3) ? text.replace('labels:', 'labels:\n    __proto__: [fz_a]') : text };
  }
  if (pg && r < 0.8) {
    const password = pick(passwords);
    const url = `postgres://nu_user:${password}@127.0.0.1:1/app`;
    setAt(config, ['url'], url);
    return { label: `#${index} config url with a password`, text: stringify(config), password, unreachable: true };
  }
  if (r < 0.9) {
    const slot = pick<Path>([['engine'], ['apply', 'concurrency'], ['apply', 'lockTimeout'], ['apply', 'retries'], ['manifest'], ['overrides'], ['snapshotStore'], ['unknownKey'], ['tenants', 'exclude']]);
    const value = pick<unknown>([...wrongTypes, ...hostileNames, 'oracle', '-5s', '1y', 'forever', '0ms', '/etc', 'schema', '1e309']);
    setAt(config, slot, value);
    const named = (slot[0] === 'manifest' || slot[0] === 'overrides') && typeof value === 'string' && value !== '' ? { path: value } : {};
    return { label: label(slot.join('.'), value), text: stringify(config), ...named };
  }
  return { label: `#${index} config structure`, text: structuralText(fleet.engine, stringify(config)) };
}

async function runConfig(fleet: Fleet, c: ConfigCase, viaCli: boolean): Promise<Outcome> {
  const said: string[] = [];
  writeFileSync(fleet.configFile, c.text);
  let outcome: Outcome = { refused: false, applied: 0 };
  let engine: SchemaSyncEngine | undefined;
  try {
    await loadConfig({ file: fleet.configFile });
    engine = await SchemaSyncEngine.open({ file: fleet.configFile });
    const tenants = await engine.listTenants();
    for (const t of tenants) expect(t.name, `${c.label}: a system schema is never a tenant`).not.toMatch(/^(pg_|information_schema$)/);
    if (tenants.length > 0) {
      // Read-only: a plan writes nothing, whatever the config selected.
      const plan = await engine.plan();
      for (const f of plan.failed) said.push(f.error);
    }
  } catch (error) {
    said.push(errorMessage(error));
    for (const internal of [TypeError, RangeError, ReferenceError]) expect(error, c.label).not.toBeInstanceOf(internal);
    if (!c.unreachable) expect(errorMessage(error), `${c.label}: names the config file`).toContain(c.path !== undefined && !errorMessage(error).includes('schema-sync.yaml') ? c.path : 'schema-sync.yaml');
    outcome = { refused: true, applied: 0 };
  } finally {
    await engine?.close();
  }
  if (viaCli) {
    const run = await runCli(['tenants', '--json', '--config', fleet.configFile], { cwd: fleet.dir });
    said.push(run.stdout, run.stderr);
    expect([0, 2], `${c.label}: exit code\n${run.stderr}`).toContain(run.code);
    if (run.code === 2 && !c.unreachable) expect(run.stderr, c.label).toContain(c.path !== undefined && !run.stderr.includes('schema-sync.yaml') ? c.path : 'schema-sync.yaml');
  }
  for (const text of said) expectNoCrash(text, c.label);
  if (c.password) for (const piece of piecesOf(c.password)) for (const text of said) expect(text, `${c.label}: the password is never printed`).not.toContain(piece);
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Plans: a real plan of the fleet, edited.

function nextManifest(engine: EngineName): Record<string, unknown> {
  const manifest = baseManifest(engine);
  setAt(manifest, ['tables', 'items', 'columns', 'note'], { type: 'text', default: "'n'" });
  setAt(manifest, ['tables', 'items', 'indexes', 'items_qty_idx'], { columns: ['qty'] });
  delete (manifest['tables'] as Record<string, Record<string, unknown>>)['items']!['checks'];
  return manifest;
}

type Mutable = Record<string, unknown>;

function randomPath(root: unknown): (string | number)[] {
  const at: (string | number)[] = [];
  let node = root;
  while (node !== null && typeof node === 'object' && chance(0.8)) {
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    const key = pick(keys);
    at.push(key);
    node = (node as Record<string | number, unknown>)[key];
  }
  return at.length > 0 ? at : ['groups'];
}

/** One edit of the kind a hand or an attacker makes; returns its label. */
function mutatePlan(plan: Mutable, engine: EngineName): string {
  const groups = plan['groups'] as Mutable[];
  const group = pick(groups);
  const steps = group['steps'] as Mutable[];
  const step = pick(steps);
  const sql = step['sql'] as string[];
  const evil = engine === 'postgres' ? 'DROP TABLE victim.secrets' : "ATTACH 'canary.db' AS c; DROP TABLE c.canary";
  switch (Math.floor(rng() * 14)) {
    case 0:
      sql[sql.length - 1] += `; ${evil}`;
      return 'a second statement appended to a step';
    case 1:
      sql.push(pick([evil, `DROP TABLE ${group['placeholder'] as string}."items"`, 'DELETE FROM victim.secrets', 'COMMIT', `ALTER TABLE ${group['placeholder'] as string}."items" ADD COLUMN x text`]));
      return 'a statement added to a step';
    case 2:
      sql[0] = sql[0]!.replaceAll(group['placeholder'] as string, pick(['"fz_c"', '"victim"', '"t_c"', 'main', '"pg_catalog"']));
      return "a step's placeholder replaced by another schema";
    case 3: {
      const tenants = group['tenants'] as Mutable[];
      pick(tenants)['name'] = pick(['fz_c', 't_c', 'victim', 'pg_catalog', 'information_schema', '../canary', ...hostileNames]);
      return "a tenant's name changed";
    }
    case 4:
      pick(group['tenants'] as Mutable[])[pick(['from', 'to'])] = pick(['0'.repeat(64), 'x', '', 42, null]);
      return "a tenant's fingerprint changed";
    case 5:
      group['placeholder'] = pick(['"victim"', 'victim', '{{other}}', '', 'fz_c', ...hostileNames]);
      return "the group's placeholder changed";
    case 6:
      step['hazards'] = pick([[], [{ code: 'DELETES_DATA', message: 'x' }], 'none', [{ code: 'NOT_A_CODE' }]]);
      group['hazards'] = pick([[], ['DELETES_DATA'], ['NOT_A_CODE']]);
      return 'hazards edited';
    case 7:
      for (const st of steps) st['consent'] = pick([true, 'yes', 1]);
      return 'consent edited';
    case 8:
      group['id'] = pick(['000000000000', 'x', ...hostileNames]);
      return 'the group id changed';
    case 9: {
      const target = pick<Mutable>([plan, group, step, ((group['changes'] as Mutable[])[0] ?? group) as Mutable]);
      target[pick(['extra', '__proto__', 'constructor', 'sqlAfter', 'runAs'])] = pick<unknown>(['DROP TABLE victim.secrets', 1, { a: 1 }]);
      return 'an unknown key added';
    }
    case 10: {
      const change = pick(group['changes'] as Mutable[]);
      const column = change['column'] as Mutable | undefined;
      if (column) column[pick(['type', 'default', 'generated'])] = pick(hostileSql[engine]);
      else change['table'] = pick(['victim.secrets', '"victim"."secrets"', ...hostileNames]);
      return 'a change edited';
    }
    case 11: {
      const at = randomPath(plan);
      setAt(plan, at, pick(wrongTypes));
      return `a wrong type at ${at.join('.')}`;
    }
    case 12: {
      const at = randomPath(plan);
      let node = plan as Record<string | number, unknown>;
      for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
      if (Array.isArray(node)) node.splice(at.at(-1) as number, 1);
      else delete node[at.at(-1)!];
      return `${at.join('.')} removed`;
    }
    default:
      groups.push(structuredClone(group));
      return 'a group duplicated';
  }
}

interface PlanCase {
  readonly label: string;
  readonly text: string;
  readonly fileName: string;
}

function planCase(engine: EngineName, original: PlanFile, index: number): PlanCase {
  const fileName = `p${index}.yaml`;
  if (chance(0.12)) {
    return { label: `#${index} plan structure`, text: structuralText(engine, writePlanYaml(original)), fileName };
  }
  const plan = structuredClone(original) as unknown as Mutable;
  const edits: string[] = [];
  for (let n = 1 + Math.floor(rng() * 2); n > 0; n--) {
    try {
      edits.push(mutatePlan(plan, engine));
    } catch {
      break; // an earlier edit removed what this one would edit
    }
  }
  const recompute = chance(0.6);
  let edited = plan as unknown as PlanFile;
  if (recompute) {
    try {
      edited = withDigests(edited);
    } catch {
      // An edit that broke the shape the digest walks: the file goes as edited.
    }
  }
  return { label: `#${index} plan: ${edits.join(', ')}${recompute ? ', digests recomputed' : ''}`, text: writePlanYaml(edited), fileName };
}

/** What a plan runs on one tenant: where it must start and the SQL it sends. */
function effectOn(plan: PlanFile, tenant: string, withChanges = false): string {
  const groups = plan.groups.filter((g) => g.tenants.some((t) => t.name === tenant));
  return JSON.stringify(
    groups.map((g) => ({ from: g.tenants.find((t) => t.name === tenant)!.from, sql: g.steps.map((s) => s.sql), ...(withChanges ? { changes: g.changes } : {}) })),
  );
}

/**
 * Known gap (see the report of this test's commit): a change may carry keys its kind does not
 * have (`table: victim.secrets` on a rebuildTable), which the renderer ignores, so the reviewed
 * SQL runs while the file shows a key that means nothing. Counted, not failed.
 */
let ignoredChangeKeys = 0;

/** Every tenant an edited plan migrated ran exactly the SQL the plan as written gave it. */
function expectAsWritten(edited: PlanFile, original: PlanFile, applied: readonly string[], label: string): void {
  for (const tenant of applied) {
    expect(effectOn(edited, tenant), `${label}: ${tenant} was applied as the written plan says`).toBe(effectOn(original, tenant));
    if (effectOn(edited, tenant, true) !== effectOn(original, tenant, true)) ignoredChangeKeys++;
  }
}

async function runPlan(fleet: Fleet, original: PlanFile, c: PlanCase, viaCli: boolean): Promise<Outcome> {
  const file = path.join(fleet.dir, 'plans', c.fileName);
  writeFileSync(file, c.text);
  let plan: PlanFile;
  try {
    plan = await readPlanFile(file);
  } catch (error) {
    expectFileError(error, file, false, c.label);
    if (viaCli) {
      const run = await runCli(['apply', file, '--config', fleet.configFile], { cwd: fleet.dir });
      expect(run.code, `${c.label}\n${run.stderr}`).toBe(2);
      expectCliBadInput(run, file, c.label);
    }
    return { refused: true, applied: 0 };
  }
  const allowDestructive = chance(0.5);
  if (viaCli) {
    const run = await runCli(['apply', file, '--json', '--config', fleet.configFile, ...(allowDestructive ? ['--allow-destructive'] : [])], { cwd: fleet.dir });
    expect([0, 2, 3], `${c.label}: exit code\n${run.stdout}\n${run.stderr}`).toContain(run.code);
    expectCliBadInput(run, file, c.label);
    const results = run.code === 2 ? [] : (JSON.parse(run.stdout) as { results: { tenant: string; status: string }[] }).results;
    const applied = results.filter((r) => r.status === 'applied').map((r) => r.tenant);
    expectAsWritten(plan, original, applied, c.label);
    return { refused: applied.length === 0, applied: applied.length };
  }
  const engine = await SchemaSyncEngine.open({ file: fleet.configFile });
  try {
    const results = await engine.apply(plan, { allowDestructive });
    for (const r of results) if (r.error !== undefined) expectNoCrash(r.error, c.label);
    const applied = results.filter((r) => r.status === 'applied').map((r) => r.tenant);
    expectAsWritten(plan, original, applied, c.label);
    return { refused: applied.length === 0, applied: applied.length };
  } catch (error) {
    for (const internal of [TypeError, RangeError, ReferenceError]) expect(error, c.label).not.toBeInstanceOf(internal);
    expectNoCrash(errorMessage(error), c.label);
    return { refused: true, applied: 0 };
  } finally {
    await engine.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The cases.

const perEngine = { manifest: 50, override: 25, config: 35, plan: 40 };

describe.each(['postgres', 'sqlite'] as const)('%s: generated hostile input changes nothing outside the tenants', (engineName) => {
  test('manifests and overrides', { timeout: 300_000 }, async () => {
    const fleet = fleets[engineName];
    const cases = [
      ...Array.from({ length: perEngine.manifest }, (_, i) => manifestCase(engineName, i)),
      ...Array.from({ length: perEngine.override }, (_, i) => overrideCase(engineName, i)),
    ];
    const before = { outside: await fleet.outside(), unselected: await fleet.unselected() };
    let refused = 0;
    let applied = 0;
    const problems: string[] = [];
    for (const c of cases) {
      try {
        const outcome = await runDesired(fleet, c);
        if (outcome.refused) refused++;
        applied += outcome.applied;
      } catch (error) {
        problems.push(`${c.label}: ${String(error).slice(0, 1500)}`);
      }
      await expectUntouched(fleet, before, c.label);
    }
    expect(problems).toEqual([]);
    // The generator is hostile enough that most inputs are refused, and not so that none get through.
    expect(refused).toBeGreaterThan(cases.length / 3);
    // Back to the base schema for the tests after this one.
    writeFileSync(path.join(fleet.dir, 'schema', 'manifest.yaml'), stringify(baseManifest(engineName)));
    await applyAll(fleet.configFile, fleet.selected, true);
    console.log(`${engineName}: ${cases.length} manifests and overrides, ${refused} refused, ${applied} tenant applies`);
  });

  test('configs', { timeout: 300_000 }, async () => {
    const fleet = fleets[engineName];
    const cases = Array.from({ length: perEngine.config }, (_, i) => configCase(fleet, i));
    const before = { outside: await fleet.outside(), unselected: await fleet.unselected() };
    const original = stringify(fleet.config);
    const problems: string[] = [];
    let refused = 0;
    try {
      for (const [i, c] of cases.entries()) {
        try {
          if ((await runConfig(fleet, c, i % 6 === 0)).refused) refused++;
        } catch (error) {
          problems.push(`${c.label}: ${String(error).slice(0, 1500)}`);
        }
        await expectUntouched(fleet, before, c.label);
      }
    } finally {
      writeFileSync(fleet.configFile, original);
    }
    expect(problems).toEqual([]);
    expect(refused).toBeGreaterThan(0);
    console.log(`${engineName}: ${cases.length} configs, ${refused} refused`);
  });

  test('plan files', { timeout: 300_000 }, async () => {
    const fleet = fleets[engineName];
    const manifestFile = path.join(fleet.dir, 'schema', 'manifest.yaml');
    const planned = async (): Promise<PlanFile> => {
      writeFileSync(manifestFile, stringify(nextManifest(engineName)));
      const engine = await SchemaSyncEngine.open({ file: fleet.configFile });
      try {
        const plan = await engine.plan({ tenants: [...fleet.selected] });
        expect(plan.groups.map((g) => g.tenants.length).reduce((a, b) => a + b, 0)).toBe(fleet.selected.length);
        return plan;
      } finally {
        await engine.close();
      }
    };
    let original = await planned();
    const before = { outside: await fleet.outside(), unselected: await fleet.unselected() };
    const problems: string[] = [];
    let refused = 0;
    for (let i = 0; i < perEngine.plan; i++) {
      const c = planCase(engineName, original, i);
      let outcome: Outcome = { refused: true, applied: 0 };
      try {
        outcome = await runPlan(fleet, original, c, i % 7 === 0);
        if (outcome.refused) refused++;
      } catch (error) {
        problems.push(`${c.label}: ${String(error).slice(0, 1500)}`);
      }
      await expectUntouched(fleet, before, c.label);
      if (outcome.applied > 0) {
        // An edit apply accepted (consent, say): back to the state the plan was made from.
        writeFileSync(manifestFile, stringify(baseManifest(engineName)));
        await applyAll(fleet.configFile, fleet.selected, true);
        original = await planned();
      }
    }
    expect(problems).toEqual([]);
    expect(refused).toBeGreaterThan(perEngine.plan / 2);
    console.log(`${engineName}: ${perEngine.plan} plan files, ${refused} refused, ${ignoredChangeKeys} applied with keys the renderer ignores`);
  });
});

// Inputs the fuzz found, each fixed at its cause; kept here as fixed examples.
describe('regressions found by the fuzz', () => {
  const manifestWith = (engine: EngineName, at: Path, value: unknown): string => {
    const manifest = baseManifest(engine);
    setAt(manifest, at, value);
    return stringify(manifest);
  };
  const refusedAtLine = async (engine: EngineName, text: string, message: RegExp) => {
    const fleet = fleets[engine];
    const before = { outside: await fleet.outside(), unselected: await fleet.unselected() };
    writeFileSync(path.join(fleet.dir, 'schema', 'manifest.yaml'), text);
    const opened = await SchemaSyncEngine.open({ file: fleet.configFile });
    const error = await opened
      .plan({ tenants: [...fleet.selected] })
      .then(() => undefined, (e: unknown) => e)
      .finally(() => opened.close());
    expectFileError(error, 'manifest.yaml', true, String(message));
    expect(errorMessage(error)).toMatch(message);
    await expectUntouched(fleet, before, String(message));
  };

  test.each(['postgres', 'sqlite'] as const)('%s: a table named toString or constructor plans like any other', async (engine) => {
    const fleet = fleets[engine];
    for (const name of ['toString', 'constructor']) {
      const manifest = baseManifest(engine);
      setAt(manifest, ['tables', name], { columns: { id: { type: 'integer', primaryKey: true } } });
      const outcome = await runDesired(fleet, { kind: 'manifest', label: name, file: 'schema/manifest.yaml', text: stringify(manifest), line: true });
      expect(outcome, name).toEqual({ refused: false, applied: fleet.selected.length });
    }
  });

  test('an empty name, a NUL character and a hostile index method are refused at their line', async () => {
    const empty = stringify(baseManifest('postgres')).replace('items_name_idx:', '"":');
    await refusedAtLine('postgres', empty, /manifest\.yaml:\d+:\d+: an empty key: a name cannot be empty/);
    await refusedAtLine('postgres', manifestWith('postgres', ['tables', 'items', 'comment'], 'a\u0000b'), /manifest\.yaml:\d+:\d+: a NUL character/);
    await refusedAtLine('postgres', manifestWith('postgres', ['tables', 'items', 'indexes', 'items_name_idx', 'method'], '$$x$$; DROP TABLE victim.secrets'), /manifest\.yaml:\d+:\d+: .*expected an index method's name/);
    await refusedAtLine('sqlite', manifestWith('sqlite', ['tables', 'items', 'indexes', 'items_name_idx', 'method'], 'gin'), /manifest\.yaml.*index method gin is not supported/);
  });

  test('deep flow nesting is one clear error, not a stack overflow among thousands of lines', async () => {
    const text = stringify(baseManifest('postgres')) + 'extra: ' + '['.repeat(3000) + ']'.repeat(3000) + '\n';
    await refusedAtLine('postgres', text, /^[^\n]*manifest\.yaml:\d+:\d+: nested more than \d+ levels deep[^\n]*$/);
  });

  test('a default that is not a b_expr, on a new table from an override, plans and applies', async () => {
    const fleet = fleets.postgres;
    const override = stringify({ tenants: ['fz_a'], tables: { flags: { columns: { id: { type: 'integer', primaryKey: true }, idle: { type: 'boolean', default: 'pg_catalog.pg_sleep(0) IS NULL' } } } } });
    const outcome = await runDesired(fleet, { kind: 'override', label: 'b_expr default', file: 'overrides/flags.yaml', text: override, line: true });
    expect(outcome.refused).toBe(false);
    const defaults = await withClient(db.url, (c) => c.query(`SELECT column_default FROM information_schema.columns WHERE table_schema = 'fz_a' AND table_name = 'flags' AND column_name = 'idle'`));
    expect(defaults.rows).toEqual([{ column_default: expect.stringMatching(/pg_sleep.*IS NULL/) }]);
  });

  test('tenants.query is read-only and one statement; system schemas are never tenants', async () => {
    const fleet = fleets.postgres;
    const before = { outside: await fleet.outside(), unselected: await fleet.unselected() };
    try {
      for (const query of ['CREATE TABLE victim.more (id int)', "DELETE FROM victim.secrets RETURNING 'fz_a'", "SELECT 'fz_a'; DELETE FROM victim.secrets", "SELECT 'fz_a' WHERE victim.f() = 1"]) {
        const c = { label: query, text: stringify({ ...fleet.config, tenants: { query } }) };
        expect(await runConfig(fleet, c, false), query).toEqual({ refused: true, applied: 0 });
        await expectUntouched(fleet, before, query);
      }
      writeFileSync(fleet.configFile, stringify({ ...fleet.config, tenants: { list: ['pg_toast', 'information_schema', 'pg_catalog', 'fz_a'] } }));
      const engine = await SchemaSyncEngine.open({ file: fleet.configFile });
      try {
        expect((await engine.listTenants()).map((t) => t.name)).toEqual(['fz_a']);
      } finally {
        await engine.close();
      }
    } finally {
      writeFileSync(fleet.configFile, stringify(fleet.config));
    }
  });

  test('a plan naming a tenant in two groups is refused whole, and the CLI names the file', async () => {
    const fleet = fleets.postgres;
    writeFileSync(path.join(fleet.dir, 'schema', 'manifest.yaml'), stringify(nextManifest('postgres')));
    const engine = await SchemaSyncEngine.open({ file: fleet.configFile });
    let plan: PlanFile;
    try {
      plan = await engine.plan({ tenants: [...fleet.selected] });
    } finally {
      await engine.close();
    }
    const doubled = withDigests({ ...plan, groups: [...plan.groups, ...plan.groups] });
    const file = path.join(fleet.dir, 'plans', 'doubled.yaml');
    writeFileSync(file, writePlanYaml(doubled));
    const before = { outside: await fleet.outside(), unselected: await fleet.unselected(), a: await pgSchemaOf(db.url, 'fz_a') };
    const run = await runCli(['apply', file, '--config', fleet.configFile], { cwd: fleet.dir });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/doubled\.yaml: plan \w+ refused whole, no tenant touched[\s\S]*tenant fz_a is already in group/);
    expect(await pgSchemaOf(db.url, 'fz_a')).toBe(before.a);
    await expectUntouched(fleet, before, 'doubled');
  });
});
