// A SQLite tenant's lock is its database write lock: BEGIN IMMEDIATE takes the RESERVED lock (in
// WAL mode, the write lock) at once, so a second writer waits for the busy timeout and then gets
// SQLITE_BUSY instead of failing halfway through a migration. No file is ever left locked: the
// lock goes with the transaction, and with the connection if the process dies.
import type { SqliteDatabase } from './connect.js';

/** SQLITE_BUSY and SQLITE_LOCKED, with their extended codes (SQLITE_BUSY_SNAPSHOT, ...). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export function setBusyTimeout(db: SqliteDatabase, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
}

/**
 * Opens the write transaction, waiting up to the busy timeout for another writer. True when the
 * lock is held (or already was); false when the database stayed busy. Other errors are thrown.
 */
export function beginImmediate(db: SqliteDatabase, busyTimeoutMs: number): boolean {
  if (db.inTransaction) return true;
  setBusyTimeout(db, busyTimeoutMs);
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (error) {
    if (isBusyError(error)) return false;
    throw error;
  }
}

/** Ends the transaction if one is open; a failed ROLLBACK means SQLite already rolled it back. */
export function rollbackQuietly(db: SqliteDatabase): void {
  if (!db.inTransaction) return;
  try {
    db.exec('ROLLBACK');
  } catch {
    // SQLite rolls back on its own after some errors (SQLITE_FULL, SQLITE_IOERR, ...).
  }
}

/**
 * Tenants a wave locks at most. A tenant's lock is its file's write lock, which blocks the
 * application's own writers (up to their busy timeout) for as long as it is held: from the
 * wave's stale check until the tenant's COMMIT. Waves this short hold each lock for a few
 * tenants' work; nothing is saved by larger ones, since every file is read on its own anyway.
 */
export const MAX_WAVE = 16;
