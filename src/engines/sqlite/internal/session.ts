import type { SchemaModel } from '../../../model/types.js';
import type { PlanStep } from '../../../plan/step.js';
import { VerificationFailed } from '../../../errors.js';
import type { RunStepsOptions } from '../../types.js';
import { openDatabase, type SqliteDatabase } from './connect.js';
import { inspectDatabase } from './inspect.js';
import { beginImmediate, rollbackQuietly, setBusyTimeout } from './lock.js';

/** `PRAGMA [schema.]foreign_key_check[(table)]`: every row it returns is a violation. */
const foreignKeyCheck = /^\s*PRAGMA\s+(?:(?:"(?:[^"]|"")*"|\w+)\s*\.\s*)?foreign_key_check\b/i;

interface ForeignKeyViolation {
  readonly table: string;
  readonly rowid: number | bigint | null;
  readonly parent: string;
  readonly fkid: number;
}

function violationError(rows: readonly ForeignKeyViolation[]): Error {
  const shown = rows
    .slice(0, 5)
    .map((r) => `table ${r.table} rowid ${r.rowid ?? '(without rowid)'} has no parent row in ${r.parent} (foreign key ${r.fkid})`);
  const more = rows.length > shown.length ? `; and ${rows.length - shown.length} more` : '';
  return new Error(`foreign key check failed: ${shown.join('; ')}${more}`);
}

/** Runs one statement of a plan step. prepare() refuses a string holding two statements. */
function runStatement(db: SqliteDatabase, sql: string): void {
  const statement = db.prepare(sql);
  if (!statement.reader) {
    statement.run();
    return;
  }
  const rows = statement.all() as unknown[];
  if (foreignKeyCheck.test(sql) && rows.length > 0) throw violationError(rows as ForeignKeyViolation[]);
}

/** A tenant file opened for writing: its lock is the write transaction BEGIN IMMEDIATE opens. */
export function openForApply(file: string, busyTimeoutMs: number): SqliteDatabase {
  const db = openDatabase(file, { readonly: false, busyTimeoutMs });
  setBusyTimeout(db, busyTimeoutMs);
  return db;
}

/**
 * Takes the tenant's lock: the write transaction, waiting up to `waitMs` for another writer.
 * foreign_keys is switched OFF before it (the pragma is a no-op inside a transaction), as the
 * documented table rebuild requires; each rebuild checks its table's foreign keys itself before
 * COMMIT. The busy timeout is the configured one again afterwards, for the COMMIT.
 */
export function takeWriteLock(db: SqliteDatabase, waitMs: number, busyTimeoutMs: number): boolean {
  if (db.inTransaction) return true;
  db.pragma('foreign_keys = OFF');
  try {
    return beginImmediate(db, waitMs);
  } finally {
    setBusyTimeout(db, busyTimeoutMs);
  }
}

/** Ends the write transaction (and with it the lock) without committing, and restores the pragmas. */
export function releaseWriteLock(db: SqliteDatabase): void {
  rollbackQuietly(db);
  db.pragma('legacy_alter_table = OFF');
  db.pragma('foreign_keys = ON');
}

/**
 * Runs the steps inside the write transaction the lock opened, verifies, and commits; any failure
 * rolls the file back untouched (and ends the lock).
 */
async function runLockedSteps(db: SqliteDatabase, file: string, steps: readonly PlanStep[], options: RunStepsOptions): Promise<void> {
  try {
    // With foreign keys on, the DROP TABLE of a rebuild would cascade into child rows: never run
    // a step unless the connection is in the state the rebuild procedure requires.
    if (db.pragma('foreign_keys', { simple: true }) !== 0) throw new Error(`refusing to migrate ${file}: foreign keys are enforced on the apply connection`);
    // Every SQLite step is transactional: DDL included, all of it commits or none.
    for (const step of steps) for (const sql of step.sql) runStatement(db, sql);
    // Read back in the same write transaction, so a mismatch rolls the file back untouched.
    const mismatch = await options.verify?.(async () => inspectDatabase(db));
    if (mismatch !== undefined) throw new VerificationFailed(mismatch);
    db.exec('COMMIT');
  } catch (error) {
    rollbackQuietly(db);
    db.pragma('legacy_alter_table = OFF');
    throw error;
  }
}

/** One tenant file: lock, inspect, run (see openSqliteSession). */
export interface SqliteSession {
  /** Takes the write lock without waiting; false if another connection holds it. */
  acquireLock(): Promise<boolean>;
  /** Whether the write transaction that is the lock is still open. */
  holdsLock(): boolean;
  releaseLock(): Promise<void>;
  inspect(): Promise<SchemaModel>;
  /** The steps in one write transaction (taking the lock first if need be), verified, committed. */
  runSteps(steps: readonly PlanStep[], options: RunStepsOptions): Promise<void>;
  /** SQLite builds no index outside a transaction, so none is ever left INVALID. */
  invalidIndexes(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * A session on one tenant file; the batch runner (batch.ts) holds one per locked tenant. The
 * tenant's lock is the database's write lock, taken with BEGIN IMMEDIATE: the stale check
 * (inspect), the steps and the COMMIT all happen inside that one transaction, so nothing can
 * change the file between them. SQLite has no statement or lock timeout apart from
 * busy_timeout, so RunStepsOptions has nothing to set here.
 */
export async function openSqliteSession(file: string, busyTimeoutMs: number): Promise<SqliteSession> {
  const db = openForApply(file, busyTimeoutMs);
  return {
    async acquireLock() {
      // One try without waiting: better-sqlite3 waits synchronously, which would stall every other
      // tenant of the run; the executor tries again later instead.
      return takeWriteLock(db, 0, busyTimeoutMs);
    },
    holdsLock: () => db.open && db.inTransaction,
    async releaseLock() {
      releaseWriteLock(db);
    },
    async inspect(): Promise<SchemaModel> {
      return inspectDatabase(db);
    },
    async runSteps(steps: readonly PlanStep[], options: RunStepsOptions) {
      // Without the lock taken first, the steps still run in one write transaction.
      if (!takeWriteLock(db, busyTimeoutMs, busyTimeoutMs)) {
        const error = new Error(`database is busy: another connection holds the write lock of ${file}`) as Error & { code: string };
        error.code = 'SQLITE_BUSY';
        throw error;
      }
      await runLockedSteps(db, file, steps, options);
    },
    async invalidIndexes() {
      return [];
    },
    async close() {
      if (db.open) {
        rollbackQuietly(db);
        db.close();
      }
    },
  };
}
