// STUB: owned by the SQLite inspection helper; signatures are the contract.
import type { SchemaModel } from '../../model/types.js';
import type { InspectOutcome, TenantContext } from '../types.js';
import type { SqliteDatabase } from './connect.js';

/** The normalized model of one open database (read-only work; usable inside a transaction). */
export function inspectDatabase(db: SqliteDatabase): SchemaModel {
  return { tables: [], enums: [], sequences: [] };
}

/** Inspects many tenant files (each tenant's `location`), each opened read-only. */
export async function inspectFiles(tenants: readonly TenantContext[]): Promise<Map<string, InspectOutcome>> {
  return new Map();
}
