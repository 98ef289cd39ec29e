import type pg from 'pg';
import picomatch from 'picomatch';
import type { DiscoveredTenant, TenantSelector } from '../types.js';
import { TenantQueryError } from '../../errors.js';
import { listSchemas } from './inspect.js';

/** schema-sync's own bookkeeping schema is never a tenant. */
const reservedSchemas = new Set(['schema_sync', 'public']);

/**
 * The server's own schemas are never tenants, even when a list or a query names them (issue 11:
 * `list: [information_schema]` was planned and, with --allow-destructive, its tables dropped).
 * PostgreSQL reserves every name starting with pg_ (pg_catalog, pg_toast, pg_temp_N).
 */
function isSystemSchema(name: string): boolean {
  return name.startsWith('pg_') || name === 'information_schema' || name === 'schema_sync';
}

/**
 * Candidate tenants: the non-system schemas matching the pattern, or the first column of the
 * config's query, or the static list. `public` only when the pattern names it exactly.
 */
export async function discoverSchemas(client: pg.ClientBase, selector: TenantSelector): Promise<DiscoveredTenant[]> {
  if (selector.list) return selector.list.filter((name) => !isSystemSchema(name)).map((name) => ({ name }));
  if (selector.query) return (await queryTenants(client, selector.query)).filter((t) => !isSystemSchema(t.name));
  const matches = picomatch(selector.pattern ?? '*', { dot: true });
  const explicitPublic = selector.pattern === 'public';
  return (await listSchemas(client))
    .filter((n) => !isSystemSchema(n) && (!reservedSchemas.has(n) || (n === 'public' && explicitPublic)) && matches(n))
    .map((name) => ({ name }));
}

/**
 * The config's tenants.query is a read (issue 11, item 1): it runs in a READ ONLY transaction
 * that is always rolled back, so neither `DELETE ... RETURNING` nor a function that writes can
 * change anything, and on the extended protocol, which refuses a second statement after it.
 */
async function queryTenants(client: pg.ClientBase, query: string): Promise<DiscoveredTenant[]> {
  await client.query('BEGIN READ ONLY');
  try {
    // queryMode is pg's (8.9+), missing from its type declarations.
    const config: pg.QueryArrayConfig & { queryMode: 'extended' } = { text: query, rowMode: 'array', queryMode: 'extended' };
    const result = await client.query(config);
    return result.rows.filter((row) => row[0] !== null && row[0] !== undefined).map((row) => ({ name: String(row[0]) }));
  } catch (error) {
    throw new TenantQueryError(error);
  } finally {
    await client.query('ROLLBACK');
  }
}
