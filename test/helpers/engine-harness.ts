import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { EngineName } from '../../src/engines/types.js';
import { dumpSchema } from './oracle.js';
import { createTestDatabase, qi, withClient } from './postgres.js';

/** What the shared convergence test needs from each engine: a place for tenants and row access. */
export interface EngineHarness {
  readonly engine: EngineName;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A config for a project whose only tenant is `tenant`. */
  config(tenant: string, apply?: Record<string, unknown>): Record<string, unknown>;
  createTenant(tenant: string): Promise<void>;
  insertRows(tenant: string, table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  countRows(tenant: string, table: string): Promise<number>;
  /** Runs SQL in the tenant as an outsider would (out of band), with unqualified names resolving to the tenant. */
  exec(tenant: string, sql: string): Promise<void>;
  /** The server's own dump of the tenant's schema, its name made neutral (PostgreSQL: pg_dump --schema-only). */
  dump?(tenant: string): Promise<string>;
}

export function postgresHarness(): EngineHarness {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const url = () => {
    if (!db) throw new Error('setup() first');
    return db.url;
  };
  return {
    engine: 'postgres',
    async setup() {
      db = await createTestDatabase('converge');
    },
    async teardown() {
      await db?.drop();
    },
    // With grants compared, so that every case also converges with the privileges read and diffed.
    config: (tenant, apply = {}) => ({ engine: 'postgres', url: url(), grants: true, tenants: { list: [tenant] }, apply: { lockTimeout: '2s', retries: 0, ...apply } }),
    createTenant: (tenant) => withClient(url(), (c) => c.query(`CREATE SCHEMA ${qi(tenant)}`).then(() => undefined)),
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
    dump: (tenant) => dumpSchema(url(), tenant),
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
    async setup() {
      dir = await mkdtemp(path.join(tmpdir(), 'schema-sync-converge-'));
    },
    async teardown() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
    config: (tenant, apply = {}) => ({ engine: 'sqlite', tenants: { list: [file(tenant)] }, apply: { retries: 0, ...apply } }),
    async createTenant(tenant) {
      new Database(file(tenant)).close();
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
  };
}
