import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** SQLite's default busy wait when the caller gives none. */
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens a tenant file. The file must exist in both modes, so a wrong path never creates an empty
 * tenant. A read-only open (SQLITE_OPEN_READONLY) never writes the database file, never takes a
 * RESERVED lock and so never blocks a writer for longer than one read; opening does not even read
 * the file: a file that is not a database fails on the first query. One side effect SQLite has
 * on a database in WAL mode: a reader needs the -shm and -wal files and creates them (empty) if
 * they are missing and the directory is writable; the database file itself stays untouched.
 */
export function openDatabase(file: string, options: { readonly: boolean; busyTimeoutMs?: number }): SqliteDatabase {
  return new Database(file, { readonly: options.readonly, fileMustExist: true, timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
}

/** Always double-quoted, inner quotes doubled. */
export function quoteIdent(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

export function quoteLiteral(value: string): string {
  return "'" + value.replaceAll("'", "''") + "'";
}
