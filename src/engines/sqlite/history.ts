// The database snapshot store's table on SQLite: schema_sync_history inside each tenant file, so
// a file carries its own history wherever it is copied. Inspection skips the table and its
// indexes (RESERVED_TABLES in inspect.ts), so it is never drift and never an unmanaged object.
import type { HistoryEntry, HistorySave, HistoryTable } from '../types.js';
import type { TenantContext } from '../../domain/tenant.js';
import { openDatabase, type SqliteDatabase } from './internal/connect.js';
import { setBusyTimeout } from './internal/lock.js';

/** A plain INTEGER PRIMARY KEY (the rowid): AUTOINCREMENT would add a sqlite_sequence table. */
const CREATE_HISTORY = `
CREATE TABLE IF NOT EXISTS main.schema_sync_history (
  id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  plan_id TEXT,
  snapshot TEXT NOT NULL,
  taken_at TEXT NOT NULL
)`;

/** Read-only connections cannot create the table: ask sqlite_schema whether it exists first. */
const HISTORY_EXISTS = `SELECT 1 AS present FROM main.sqlite_schema WHERE type = 'table' AND name = 'schema_sync_history'`;

const INSERT_SNAPSHOT = `
INSERT INTO main.schema_sync_history (tenant, fingerprint, plan_id, snapshot, taken_at)
VALUES (?, ?, ?, ?, ?)`;

const LIST_SNAPSHOTS = `
SELECT id, fingerprint, plan_id, taken_at
FROM main.schema_sync_history
WHERE tenant = ?
ORDER BY id DESC`;

const LOAD_SNAPSHOT = `
SELECT id, fingerprint, plan_id, taken_at, snapshot
FROM main.schema_sync_history
WHERE tenant = ? AND (? IS NULL OR id = ?)
ORDER BY id DESC
LIMIT 1`;

interface HistoryRow {
  id: number | bigint;
  fingerprint: string;
  plan_id: string | null;
  taken_at: string;
}

function entryOf(row: HistoryRow): HistoryEntry {
  return { id: String(row.id), fingerprint: row.fingerprint, ...(row.plan_id !== null ? { planId: row.plan_id } : {}), at: row.taken_at };
}

function fileOf(tenant: TenantContext): string {
  if (tenant.location === undefined) throw new Error(`tenant ${tenant.name} has no SQLite file (discovery gives each tenant its location)`);
  return tenant.location;
}

function withFile<T>(tenant: TenantContext, readonly: boolean, busyTimeoutMs: number, fn: (db: SqliteDatabase) => T): T {
  const db = openDatabase(fileOf(tenant), { readonly, busyTimeoutMs });
  try {
    if (!readonly) setBusyTimeout(db, busyTimeoutMs);
    return fn(db);
  } finally {
    db.close();
  }
}

const present = (db: SqliteDatabase): boolean => db.prepare(HISTORY_EXISTS).get() !== undefined;

/**
 * Saving writes to the tenant file under BEGIN IMMEDIATE, waiting up to busyTimeout for another
 * writer as apply does; listing and loading open the file read-only and never create the table.
 */
export function openHistory(busyTimeoutMs: number): HistoryTable {
  return {
    location: 'schema_sync_history in each tenant file',
    async save(entries: readonly HistorySave[]) {
      for (const entry of entries) {
        withFile(entry.tenant, false, busyTimeoutMs, (db) => {
          db.transaction(() => {
            db.exec(CREATE_HISTORY);
            db.prepare(INSERT_SNAPSHOT).run(entry.tenant.name, entry.fingerprint, entry.planId ?? null, entry.snapshot, entry.at);
          }).immediate();
        });
      }
    },
    async list(tenant: TenantContext) {
      return withFile(tenant, true, busyTimeoutMs, (db) => (present(db) ? (db.prepare(LIST_SNAPSHOTS).all(tenant.name) as HistoryRow[]).map(entryOf) : []));
    },
    async load(tenant: TenantContext, id?: string) {
      if (id !== undefined && !/^[0-9]{1,18}$/.test(id)) return undefined;
      return withFile(tenant, true, busyTimeoutMs, (db) => {
        if (!present(db)) return undefined;
        const key = id === undefined ? null : BigInt(id);
        const row = db.prepare(LOAD_SNAPSHOT).get(tenant.name, key, key) as (HistoryRow & { snapshot: string }) | undefined;
        return row ? { ...entryOf(row), snapshot: row.snapshot } : undefined;
      });
    },
  };
}
