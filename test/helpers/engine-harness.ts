import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { EngineName } from '../../src/domain/settings.js';
import type { UnmanagedObject } from '../../src/model/types.js';
import { fixturesDir } from './fixtures.js';
import { dumpSchema, loadFixture, type LoadStyle } from './oracle.js';
import { createTestDatabase, qi, withClient } from './postgres.js';
import { describeSqliteSchema } from './sqlite-dump.js';

/** A schema file of test/fixtures, and for PostgreSQL how it names its schema (see oracle.ts). */
export interface FixtureFile {
  /** Relative to test/fixtures. */
  readonly file: string;
  readonly style?: LoadStyle;
}

/**
 * What the shared tests need from each engine: a place for a fleet of tenants, a config that
 * reaches them, row access, SQL run out of band, and the server's own account of a tenant's
 * schema. A new engine writes one of these and passes the shared tests (convergence over
 * test/cases, the fixture oracle, three-way drift).
 */
export interface EngineHarness {
  readonly engine: EngineName;
  /** Makes the place this file's tenants live in (a database, a directory); `label` names it. */
  setup(label?: string): Promise<void>;
  teardown(): Promise<void>;
  /** A config for a project whose tenants are exactly `tenants`. */
  config(tenants: readonly string[], apply?: Record<string, unknown>): Record<string, unknown>;
  createTenant(tenant: string): Promise<void>;
  /** Creates the tenant and runs a fixture's SQL in it as the engine's own client would. */
  loadFixture(tenant: string, fixture: FixtureFile): Promise<void>;
  insertRows(tenant: string, table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  countRows(tenant: string, table: string): Promise<number>;
  /** Runs SQL in the tenant as an outsider would (out of band), with unqualified names resolving to the tenant. */
  exec(tenant: string, sql: string): Promise<void>;
  /** The tenant's tables, as the server lists them. */
  tableNames(tenant: string): Promise<string[]>;
  /**
   * The tenant's schema as the server's own dump tool prints it, with the tenant's name replaced,
   * leaving out the given objects (only where the dump has one entry per object).
   */
  dumpSchema(tenant: string, leaveOut?: readonly UnmanagedObject[]): Promise<string>;
}

/** Tenants are schemas of one database created for the test file. */
export function postgresHarness(): EngineHarness {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const url = () => {
    if (!db) throw new Error('setup() first');
    return db.url;
  };
  return {
    engine: 'postgres',
    async setup(label = 'harness') {
      db = await createTestDatabase(label);
    },
    async teardown() {
      await db?.drop();
    },
    // With grants compared, so that every case also converges with the privileges read and diffed.
    config: (tenants, apply = {}) => ({ engine: 'postgres', url: url(), grants: true, tenants: { list: [...tenants] }, apply: { lockTimeout: '2s', retries: 0, ...apply } }),
    createTenant: (tenant) => withClient(url(), (c) => c.query(`CREATE SCHEMA ${qi(tenant)}`).then(() => undefined)),
    loadFixture: (tenant, fixture) => loadFixture(url(), { name: fixture.file, file: fixture.file, style: fixture.style ?? 'search-path' }, tenant),
    insertRows: (tenant, table, rows) =>
      withClient(url(), async (c) => {
        for (const row of rows) {
          const keys = Object.keys(row);
          await c.query(
            `INSERT INTO ${qi(tenant)}.${qi(table)} (${keys.map(qi).join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')})`,
            keys.map((k) => row[k]),
          );
        }
      }),
    countRows: (tenant, table) =>
      withClient(url(), async (c) => Number((await c.query(`SELECT count(*) AS n FROM ${qi(tenant)}.${qi(table)}`)).rows[0].n)),
    exec: (tenant, sql) => withClient(url(), (c) => c.query(`SET search_path TO ${qi(tenant)}; ${sql}`).then(() => undefined)),
    tableNames: (tenant) =>
      withClient(url(), async (c) =>
        (await c.query<{ name: string }>('SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [tenant])).rows.map((r) => r.name),
      ),
    async dumpSchema(tenant, leaveOut = []) {
      if (leaveOut.length > 0) throw new Error('a pg_dump text is compared whole: objects are not left out of it');
      return dumpSchema(url(), tenant);
    },
  };
}

/** One database file per tenant in a temp directory. */
export function sqliteHarness(): EngineHarness {
  let dir: string | undefined;
  const file = (tenant: string) => {
    if (!dir) throw new Error('setup() first');
    return path.join(dir, `${tenant}.db`);
  };
  const withDb = <T>(tenant: string, fn: (db: Database.Database) => T): T => {
    const db = new Database(file(tenant), { fileMustExist: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    engine: 'sqlite',
    async setup(label = 'harness') {
      dir = await mkdtemp(path.join(tmpdir(), `schema-sync-${label}-`));
    },
    async teardown() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
    config: (tenants, apply = {}) => ({ engine: 'sqlite', tenants: { list: tenants.map(file) }, apply: { retries: 0, ...apply } }),
    async createTenant(tenant) {
      new Database(file(tenant)).close();
    },
    async loadFixture(tenant, fixture) {
      const db = new Database(file(tenant));
      try {
        db.exec(readFileSync(path.join(fixturesDir, fixture.file), 'utf8'));
      } finally {
        db.close();
      }
    },
    async insertRows(tenant, table, rows) {
      withDb(tenant, (db) => {
        for (const row of rows) {
          const keys = Object.keys(row);
          const values = keys.map((k) => (typeof row[k] === 'boolean' ? Number(row[k]) : row[k]));
          db.prepare(`INSERT INTO ${qi(table)} (${keys.map(qi).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`).run(...values);
        }
      });
    },
    async countRows(tenant, table) {
      return withDb(tenant, (db) => Number((db.prepare(`SELECT count(*) AS n FROM ${qi(table)}`).get() as { n: number }).n));
    },
    async exec(tenant, sql) {
      withDb(tenant, (db) => db.exec(sql));
    },
    async tableNames(tenant) {
      return withDb(tenant, (db) =>
        (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 1").all() as { name: string }[]).map((r) => r.name),
      );
    },
    async dumpSchema(tenant, leaveOut = []) {
      const lines = describeSqliteSchema(file(tenant)).split('\n');
      // Each line starts with the object it describes: `<table>.<trigger>: trigger ...`, `<view>: view ...`.
      const left = new Set(leaveOut.map((o) => `${o.name}: ${o.kind} `));
      return lines.filter((line) => ![...left].some((prefix) => line.startsWith(prefix))).join('\n');
    },
  };
}

/**
 * How long a test file's afterAll may take to tear a harness down: dropping a PostgreSQL database
 * waits for a checkpoint, which on a server busy with other test files can take minutes.
 */
export const TEARDOWN_TIMEOUT = 180_000;

/** Every engine the shared tests run on. */
export function engineHarnesses(): EngineHarness[] {
  return [postgresHarness(), sqliteHarness()];
}
