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
