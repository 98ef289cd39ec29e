// A writer SIGKILLed in the middle of a SQLite table rebuild leaves a hot journal. Read-only
// commands must say the tenant needs recovery and name the command; `recover` rolls the journal
// back under the tenant's write lock; no row is lost and the schema is the old or the new one.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { hasHotJournal } from '../src/engines/sqlite/internal/recover.js';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import { recoverTenants } from '../src/workflow/recover-tenants.js';
import { runCli } from './helpers/cli.js';
import { createTempProject, type TempProject } from './helpers/project.js';

const rowCount = 20_000;
const repoRoot = path.join(import.meta.dirname, '..');

const before = { tables: { items: { columns: { id: { type: 'integer', primaryKey: true }, name: 'text', qty: 'integer' }, indexes: { items_name: { columns: ['name'] } } } } };
const after = { tables: { items: { columns: { id: { type: 'integer', primaryKey: true }, name: 'text', qty: { type: 'integer', nullable: false, default: 0 } }, indexes: { items_name: { columns: ['name'] } } } } };

let project: TempProject;
let file: string;
let pristine: string;
let rebuildSql: string[];
let oldSchema: string;

function tableSql(db: string): string {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare("SELECT sql FROM sqlite_schema WHERE name = 'items'").get() as { sql: string }).sql;
  } finally {
    d.close();
  }
}

function rows(db: string): { n: number; ids: number; names: number } {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT count(*) AS n, sum(id) AS ids, sum(length(name)) AS names FROM items').get() as { n: number; ids: number; names: number };
  } finally {
    d.close();
  }
}

/**
 * Runs the planned statements in a child process as apply does (foreign keys off, one BEGIN
 * IMMEDIATE transaction), with a tiny page cache so the copy spills into the database file, and
 * SIGKILLs the child after statement `killAfter` (past the last one: after COMMIT).
 */
function runAndKill(killAfter: number): void {
  const child = `
    import Database from 'better-sqlite3';
    const [file, json, at] = process.argv.slice(1);
    const statements = JSON.parse(json);
    const db = new Database(file);
    db.pragma('cache_size = 8');
    db.pragma('foreign_keys = OFF');
    db.exec('BEGIN IMMEDIATE');
    statements.forEach((sql, i) => {
      const s = db.prepare(sql);
      if (s.reader) s.all(); else s.run();
      if (i === Number(at)) process.kill(process.pid, 'SIGKILL');
    });
    db.exec('COMMIT');
    process.kill(process.pid, 'SIGKILL');
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', child, file, JSON.stringify(rebuildSql), String(killAfter)], { cwd: repoRoot, encoding: 'utf8' });
  expect(result.signal, result.stderr).toBe('SIGKILL');
}

beforeAll(async () => {
  project = await createTempProject({ engine: 'sqlite', tenants: { pattern: 'data/*.db' } });
  await mkdir(path.join(project.dir, 'data'));
  file = path.join(project.dir, 'data', 'acme.db');
  new Database(file).close();
  await project.writeManifest(before);
  await project.withEngine(async (engine) => {
    const results = await engine.apply(await engine.plan());
    expect(results.map((r) => r.status)).toEqual(['applied']);
  });
  const db = new Database(file);
  const insert = db.prepare('INSERT INTO items (id, name, qty) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= rowCount; i++) insert.run(i, `item ${i} ${'x'.repeat(40)}`, i % 7);
  })();
  db.close();
  oldSchema = tableSql(file);
  pristine = path.join(project.dir, 'pristine.db');
  await copyFile(file, pristine);

  await project.writeManifest(after);
  const plan = await project.withEngine((engine) => engine.plan());
  const steps = plan.groups.flatMap((g) => g.steps);
  expect(steps.some((s) => s.hazards.some((h) => h.code === 'REWRITES_TABLE'))).toBe(true);
  rebuildSql = steps.flatMap((s) => s.sql.map((sql) => sql.replaceAll('{{tenant}}', '"main"')));
});

afterAll(async () => {
  await project?.remove();
});

async function fresh(): Promise<void> {
  await rm(`${file}-journal`, { force: true });
  await copyFile(pristine, file);
}

async function audit(engine: SchemaSyncEngine) {
  return (await engine.audit()).tenants.find((t) => t.tenant === 'acme');
}

test('a rebuild killed at any statement leaves a tenant that read-only commands report and recover rolls back, every row kept', async () => {
  const copyAt = rebuildSql.findIndex((sql) => sql.startsWith('INSERT INTO'));
  expect(copyAt).toBeGreaterThanOrEqual(0);
  expect(rebuildSql.length - copyAt).toBeGreaterThanOrEqual(3);
  for (const killAfter of rebuildSql.keys()) {
    await fresh();
    runAndKill(killAfter);
    const hot = hasHotJournal(file);
    // From the copy on, the transaction has written pages of the file: its journal is hot.
    if (killAfter >= copyAt) expect(hot, `killed after statement ${killAfter}`).toBe(true);

    await project.withEngine(async (engine) => {
      const report = await audit(engine);
      const plan = await engine.plan();
      if (hot) {
        expect(report?.status).toBe('error');
        expect(report?.error).toContain('needs recovery');
        expect(report?.error).toContain('schema-sync recover --tenant acme');
        expect(plan.failed.map((f) => f.tenant)).toEqual(['acme']);
        expect(plan.failed[0]?.error).toContain('needs recovery');
      } else {
        // Killed before any page reached the file: SQLite ignores the journal and so may we.
        expect(report?.status).toBe('pending');
      }
      const recovered = await recoverTenants(engine.project, await engine.listTenants());
      expect(recovered).toEqual([{ tenant: 'acme', status: hot ? 'recovered' : 'clean' }]);
    });
    expect(hasHotJournal(file)).toBe(false);
    expect(rows(file)).toEqual(rows(pristine));
    // Killed before COMMIT: the rebuild never happened.
    expect(tableSql(file)).toBe(oldSchema);
  }
});

test('after recovery the rebuild plans and applies with every row, and check is in sync', async () => {
  await fresh();
  runAndKill(1);
  await project.withEngine(async (engine) => {
    await recoverTenants(engine.project, await engine.listTenants());
    const plan = await engine.plan();
    expect(plan.failed).toEqual([]);
    const results = await engine.apply(plan);
    expect(results.map((r) => r.status)).toEqual(['applied']);
    expect((await audit(engine))?.status).toBe('in-sync');
  });
  expect(rows(file)).toEqual(rows(pristine));
  expect(tableSql(file)).not.toBe(oldSchema);
});

test('killed after COMMIT: no recovery is needed and the schema is the new one', async () => {
  await fresh();
  runAndKill(rebuildSql.length);
  expect(hasHotJournal(file)).toBe(false);
  expect(rows(file)).toEqual(rows(pristine));
  expect(tableSql(file)).not.toBe(oldSchema);
});

test('schema-sync recover rolls a hot journal back and says so; a second run finds nothing', async () => {
  await fresh();
  runAndKill(1);
  const check = await runCli(['check'], { cwd: project.dir });
  expect(check.code).toBe(2);
  expect(check.stdout + check.stderr).toContain('schema-sync recover --tenant acme');
  const first = await runCli(['recover', '--tenant', 'acme'], { cwd: project.dir });
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toContain('acme: rolled back an interrupted write');
  expect(rows(file)).toEqual(rows(pristine));
  const second = await runCli(['recover', '--json'], { cwd: project.dir });
  expect(JSON.parse(second.stdout)).toEqual({ tenants: [{ tenant: 'acme', status: 'clean' }] });
});
