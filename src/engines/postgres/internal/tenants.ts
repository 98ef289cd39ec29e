import type pg from 'pg';
import { quoteIdent } from './connect.js';

/** Creates an empty tenant (a schema), for onboarding and the demo. */
export async function createTenantSchema(client: pg.ClientBase, name: string): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(name)}`);
}

/** Drops a tenant and everything in it. Only the demo uses this, on tenants it created. */
export async function dropTenantSchema(client: pg.ClientBase, name: string): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(name)} CASCADE`);
}

/** The types (as format_type names them) this database cannot resolve: to_regtype gives NULL, never an error. */
export async function missingTypes(client: pg.ClientBase, types: readonly string[]): Promise<string[]> {
  if (types.length === 0) return [];
  const { rows } = await client.query<{ type: string }>('SELECT t AS type FROM unnest($1::text[]) AS t WHERE to_regtype(t) IS NULL ORDER BY 1', [types]);
  return rows.map((r) => r.type);
}
