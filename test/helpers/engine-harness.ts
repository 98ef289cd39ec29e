import type { EngineName } from '../../src/engines/types.js';
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
    config: (tenant, apply = {}) => ({ engine: 'postgres', url: url(), tenants: { list: [tenant] }, apply: { lockTimeout: '2s', retries: 0, ...apply } }),
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
  };
}
