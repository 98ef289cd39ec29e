// The database snapshot store's table on PostgreSQL: schema_sync.snapshots, in a schema of its
// own that discovery never treats as a tenant (discover.ts reserves `schema_sync`) and that
// inspection never reads, since it only reads the tenants' schemas. So it is never drift and
// never an unmanaged object of a tenant.
import type pg from 'pg';
import type { HistoryEntry, HistorySave, HistoryTable } from '../types.js';
import type { TenantContext } from '../../domain/tenant.js';

/**
 * CREATE ... IF NOT EXISTS is not safe against a concurrent create of the same name (two first
 * applies of sharded workers would race on pg_namespace's unique index), so creation runs under
 * a transaction-level advisory lock. Its key has no ':' after 'schema-sync', so it can never be a
 * tenant's lock key (lock.ts hashes 'schema-sync:' || tenant). Identity columns: PostgreSQL 10+.
 */
const CREATE_HISTORY = `
CREATE SCHEMA IF NOT EXISTS schema_sync;
CREATE TABLE IF NOT EXISTS schema_sync.snapshots (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant text NOT NULL,
  fingerprint text NOT NULL,
  plan_id text,
  snapshot jsonb NOT NULL,
  taken_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_tenant_id ON schema_sync.snapshots (tenant, id DESC)`;

const LOCK_CREATE = "SELECT pg_advisory_xact_lock(hashtextextended('schema-sync history', 0))";

/** to_regclass is NULL when the table does not exist yet: reading the history never creates it. */
const HISTORY_EXISTS = "SELECT to_regclass('schema_sync.snapshots') IS NOT NULL AS present";

/** Many tenants' rows in one statement: unnest of parallel arrays, one per column. */
const INSERT_SNAPSHOTS = `
INSERT INTO schema_sync.snapshots (tenant, fingerprint, plan_id, snapshot, taken_at)
SELECT t, f, p, s::jsonb, a::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(t, f, p, s, a)`;

const LIST_SNAPSHOTS = `
SELECT id::text AS id, fingerprint, plan_id, to_json(taken_at) #>> '{}' AS taken_at
FROM schema_sync.snapshots
WHERE tenant = $1
ORDER BY id DESC`;

/** jsonb keeps the model query-able in SQL; the text read back is JSON, not the bytes written. */
const LOAD_SNAPSHOT = `
SELECT id::text AS id, fingerprint, plan_id, to_json(taken_at) #>> '{}' AS taken_at, snapshot::text AS snapshot
FROM schema_sync.snapshots
WHERE tenant = $1 AND ($2::bigint IS NULL OR id = $2::bigint)
ORDER BY id DESC
LIMIT 1`;

/** Rows per INSERT: keeps one statement's parameters bounded on a fleet of 100,000 tenants. */
const insertChunk = 1000;

interface HistoryRow {
  id: string;
  fingerprint: string;
  plan_id: string | null;
  taken_at: string;
}

function entryOf(row: HistoryRow): HistoryEntry {
  return { id: row.id, fingerprint: row.fingerprint, ...(row.plan_id !== null ? { planId: row.plan_id } : {}), at: new Date(row.taken_at).toISOString() };
}

async function ensureHistoryTable(client: pg.ClientBase): Promise<void> {
  if ((await client.query<{ present: boolean }>(HISTORY_EXISTS)).rows[0]?.present) return;
  await client.query('BEGIN');
  try {
    await client.query(LOCK_CREATE);
    await client.query(CREATE_HISTORY);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** The history table over a client borrowed per call from the adapter's pool. */
export function openHistory(withClient: <T>(fn: (client: pg.ClientBase) => Promise<T>) => Promise<T>): HistoryTable {
  return {
    location: 'schema_sync.snapshots',
    save: (entries: readonly HistorySave[]) =>
      withClient(async (client) => {
        if (entries.length === 0) return;
        await ensureHistoryTable(client);
        for (let i = 0; i < entries.length; i += insertChunk) {
          const chunk = entries.slice(i, i + insertChunk);
          await client.query(INSERT_SNAPSHOTS, [
            chunk.map((e) => e.tenant.name),
            chunk.map((e) => e.fingerprint),
            chunk.map((e) => e.planId ?? null),
            chunk.map((e) => e.snapshot),
            chunk.map((e) => e.at),
          ]);
        }
      }),
    list: (tenant: TenantContext) =>
      withClient(async (client) => {
        if (!(await client.query<{ present: boolean }>(HISTORY_EXISTS)).rows[0]?.present) return [];
        return (await client.query<HistoryRow>(LIST_SNAPSHOTS, [tenant.name])).rows.map(entryOf);
      }),
    load: (tenant: TenantContext, id?: string) =>
      withClient(async (client) => {
        if (!(await client.query<{ present: boolean }>(HISTORY_EXISTS)).rows[0]?.present) return undefined;
        if (id !== undefined && !/^[0-9]{1,18}$/.test(id)) return undefined;
        const row = (await client.query<HistoryRow & { snapshot: string }>(LOAD_SNAPSHOT, [tenant.name, id ?? null])).rows[0];
        return row ? { ...entryOf(row), snapshot: row.snapshot } : undefined;
      }),
  };
}
