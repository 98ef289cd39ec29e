import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Tenant names become file names; one that could leave its directory is refused. */
function checkFileName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new Error(`tenant name ${JSON.stringify(name)} cannot be a SQLite file name`);
  }
}

/**
 * Creates an empty tenant database at `file` (its directory too); an existing file is left as
 * it is. The journal mode stays SQLite's default (a rollback journal).
 */
export async function createTenantFile(name: string, file: string): Promise<void> {
  checkFileName(name);
  await mkdir(path.dirname(file), { recursive: true });
  if (existsSync(file)) return;
  const db = new Database(file);
  try {
    // Setting a header field writes the first page: the new file is a database, not an empty file.
    db.pragma('user_version = 0');
  } finally {
    db.close();
  }
}

/** Deletes a tenant's file with its journal, WAL and shared-memory siblings. */
export async function dropTenantFile(name: string, file: string): Promise<void> {
  checkFileName(name);
  for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(file + suffix, { force: true });
}
