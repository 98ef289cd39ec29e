// STUB: owned by the SQLite inspection helper; signatures are the contract.
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** Opens a tenant file. Read-only opens never create, lock for writing, or change the file. */
export function openDatabase(file: string, options: { readonly: boolean; busyTimeoutMs?: number }): SqliteDatabase {
  return new Database(file, { readonly: options.readonly, fileMustExist: true, timeout: options.busyTimeoutMs ?? 5000 });
}

/** Always double-quoted, inner quotes doubled. */
export function quoteIdent(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

export function quoteLiteral(value: string): string {
  return "'" + value.replaceAll("'", "''") + "'";
}
