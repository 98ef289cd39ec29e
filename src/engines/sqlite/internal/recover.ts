// A writer killed in the middle of a transaction (a table rebuild, say) leaves a hot rollback
// journal next to the tenant file: the original pages of everything it had overwritten. SQLite
// plays it back the next time a read-write connection takes a lock on the file, so nothing is
// lost; a read-only connection cannot, and fails with SQLITE_READONLY_ROLLBACK ("attempt to write
// a readonly database"). Read-only commands report such a tenant; `schema-sync recover` rolls it
// back under the tenant's write lock.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import type { RecoverOutcome } from '../../types.js';
import { openDatabase } from './connect.js';
import { beginImmediate, rollbackQuietly } from './lock.js';

export function journalOf(file: string): string {
  return `${file}-journal`;
}

/** The first bytes of a rollback journal's header; a journal whose header is zeroed is not hot. */
const journalMagic = Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);

/**
 * Whether the rollback journal next to the file holds a valid header: hot, unless a live writer
 * owns it. SQLite ignores a journal it never finished writing a header to, and so do we.
 */
export function hasHotJournal(file: string): boolean {
  const journal = journalOf(file);
  if (!existsSync(journal)) return false;
  const fd = openSync(journal, 'r');
  try {
    const head = Buffer.alloc(journalMagic.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(journalMagic);
  } finally {
    closeSync(fd);
  }
}

/** Whether a read-only open failed because the file needs its hot journal rolled back. */
export function needsRecovery(error: unknown, file: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_READONLY_ROLLBACK' || (typeof code === 'string' && code.startsWith('SQLITE_READONLY') && hasHotJournal(file));
}

export function recoveryMessage(file: string, tenant: string): string {
  return (
    `${file} needs recovery: it has a hot journal (${journalOf(file)}) from an interrupted write; ` +
    `run \`schema-sync recover --tenant ${tenant}\` to roll it back`
  );
}

/**
 * Takes the tenant's write lock (BEGIN IMMEDIATE waits up to the busy timeout for a live writer
 * to finish); taking it makes SQLite roll a hot journal back before anything is read. Then the
 * empty transaction is rolled back and the file is read once to prove it is whole.
 */
export function recoverFile(file: string, busyTimeoutMs: number): RecoverOutcome {
  const hadJournal = hasHotJournal(file);
  const db = openDatabase(file, { readonly: false, busyTimeoutMs });
  try {
    if (!beginImmediate(db, busyTimeoutMs)) {
      return { ok: false, error: `${file} is busy: another connection holds its write lock; try again when it is done` };
    }
    rollbackQuietly(db);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') return { ok: false, error: `${file} failed its integrity check after recovery: ${String(check)}` };
    return { ok: true, recovered: hadJournal && !hasHotJournal(file) };
  } finally {
    db.close();
  }
}
