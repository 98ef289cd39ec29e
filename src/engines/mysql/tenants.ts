import type { Connection } from './connect.js';
import { quoteIdent } from './connect.js';

/** Creates an empty tenant (a database) with the server's default charset and collation, for onboarding and the demo. */
export async function createTenantDatabase(connection: Connection, name: string): Promise<void> {
  await connection.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(name)}`);
}

/** Drops a tenant and everything in it. Only the demo uses this, on tenants it created. */
export async function dropTenantDatabase(connection: Connection, name: string): Promise<void> {
  await connection.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
}
