// The apply baseline for SQLite: the same change straight through better-sqlite3, file by file,
// each file's two statements in one write transaction, with SQLite's default journal and
// synchronous settings, as apply has.
import Database from 'better-sqlite3';
import { addedColumn } from '../../added-column.js';
import { quoteIdent } from '../../project.js';

const { table, column, type, index } = addedColumn;

/** The change `apply` makes, as a person would type it for one tenant file. */
export const sqliteAddColumnSql =
  `ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(column)} ${type}; ` +
  `CREATE INDEX ${quoteIdent(index)} ON ${quoteIdent(table)} (${quoteIdent(column)})`;

export function applyStraightSqlite(files: readonly string[]): void {
  for (const file of files) {
    const db = new Database(file, { fileMustExist: true });
    try {
      db.exec('BEGIN IMMEDIATE');
      try {
        db.exec(sqliteAddColumnSql);
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      db.close();
    }
  }
}

/**
 * Untimed undo: drop the index, then the column (SQLite refuses to drop an indexed column).
 * Without fsync: losing the undo in a crash would not matter.
 */
export function dropAddedColumnSqlite(files: readonly string[]): void {
  for (const file of files) {
    const db = new Database(file, { fileMustExist: true });
    try {
      db.pragma('synchronous = OFF');
      const present = (db.prepare(`SELECT count(*) FROM pragma_table_xinfo(?, 'main') WHERE name = ?`).pluck().get(table, column) as number) > 0;
      db.exec('BEGIN IMMEDIATE');
      try {
        db.exec(`DROP INDEX IF EXISTS ${quoteIdent(index)}`);
        if (present) db.exec(`ALTER TABLE ${quoteIdent(table)} DROP COLUMN ${quoteIdent(column)}`);
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      db.close();
    }
  }
}
