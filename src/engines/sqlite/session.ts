import type { SchemaModel } from '../../model/types.js';
import type { PlanStep } from '../../plan/step.js';
import { VerificationFailed } from '../../errors.js';
import type { RunStepsOptions, TenantSession } from '../types.js';
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

/**
 * A session on one tenant file. The tenant's lock is the database's write lock, taken with
 * BEGIN IMMEDIATE: the stale check (inspect), the steps and the COMMIT all happen inside that one
 * transaction, so nothing can change the file between them. foreign_keys is switched OFF before
 * the transaction (the pragma is a no-op inside one), as the documented table rebuild requires;
 * each rebuild checks its table's foreign keys itself before COMMIT. SQLite has no statement or
 * lock timeout apart from busy_timeout, so RunStepsOptions has nothing to set here.
 */
export async function openSqliteSession(file: string, busyTimeoutMs: number): Promise<TenantSession> {
  const db = openDatabase(file, { readonly: false, busyTimeoutMs });
  setBusyTimeout(db, busyTimeoutMs);

  const begin = (waitMs: number): boolean => {
    if (db.inTransaction) return true;
    db.pragma('foreign_keys = OFF');
    try {
      return beginImmediate(db, waitMs);
    } finally {
      setBusyTimeout(db, busyTimeoutMs);
    }
  };

  return {
    async acquireLock() {
      // One try without waiting: better-sqlite3 waits synchronously, which would stall every other
      // tenant of the run; the executor polls asynchronously for up to the busy timeout instead.
      return begin(0);
    },
    async releaseLock() {
      rollbackQuietly(db);
      db.pragma('legacy_alter_table = OFF');
      db.pragma('foreign_keys = ON');
    },
    async inspect(): Promise<SchemaModel> {
      return inspectDatabase(db);
    },
    async runSteps(steps: readonly PlanStep[], options: RunStepsOptions) {
      // The executor takes the lock first; without it, the steps still run in one write transaction.
      if (!begin(busyTimeoutMs)) {
        const error = new Error(`database is busy: another connection holds the write lock of ${file}`) as Error & { code: string };
        error.code = 'SQLITE_BUSY';
        throw error;
      }
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
