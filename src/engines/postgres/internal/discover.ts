import type pg from 'pg';
import picomatch from 'picomatch';
import { errorMessage } from '../../../errors.js';
import type { DiscoveredTenant, TenantSelector } from '../../../domain/tenant.js';
import { TenantQueryError } from '../../../errors.js';
import { listSchemas } from './inspect.js';
import { type ReadSettings } from '../../../domain/settings.js';

/** schema-sync's own bookkeeping schema is never a tenant. */
const reservedSchemas = new Set(['schema_sync', 'public']);

/**
 * Why a schema is never a tenant, however the config names it: the server's own schemas (a plan
 * against information_schema would drop the catalog's views) and schema-sync's bookkeeping.
 * PostgreSQL reserves every name starting with pg_ (pg_catalog, pg_toast, pg_temp_N,
 * pg_toast_temp_N), case-sensitively as it does.
 */
export function systemSchemaReason(name: string): string | undefined {
  if (name === 'schema_sync') return "schema-sync's own bookkeeping schema, never a tenant";
  if (name === 'information_schema' || name.startsWith('pg_')) {
    return 'a PostgreSQL system schema, never a tenant';
  }
  return undefined;
}

function candidate(name: string): DiscoveredTenant {
  const refused = systemSchemaReason(name);
  return refused === undefined ? { name } : { name, refused };
}

/**
 * Candidate tenants: the non-system schemas matching the pattern, or the first column of the
 * config's query, or the static list. `public` only when the pattern names it exactly. System
 * schemas named by the list or returned by the query come back refused.
 */
export async function discoverSchemas(client: pg.ClientBase, selector: TenantSelector, limits?: ReadSettings): Promise<DiscoveredTenant[]> {
  if (selector.list) return selector.list.map(candidate);
  if (selector.query) return (await runTenantsQuery(client, selector.query, limits)).map(candidate);
  const matches = picomatch(selector.pattern ?? '*', { dot: true });
  const explicitPublic = selector.pattern === 'public';
  return (await listSchemas(client))
    .filter((n) => (!reservedSchemas.has(n) || (n === 'public' && explicitPublic)) && matches(n))
    .map(candidate);
}

/**
 * The config's tenants.query, in a READ ONLY transaction with the run's timeouts: it is asked for
 * names, so it may change nothing (a `DELETE ... RETURNING` there would empty a table on every
 * audit) and wait no longer than any other read. Sent on the extended protocol, which refuses a
 * second statement, so a `COMMIT;` inside it cannot end the read-only transaction.
 */
async function runTenantsQuery(client: pg.ClientBase, query: string, limits: ReadSettings | undefined): Promise<string[]> {
  const lock = Math.max(0, Math.floor(limits?.lockTimeoutMs ?? 5_000));
  const statement = Math.max(0, Math.floor(limits?.statementTimeoutMs ?? 60_000));
  await client.query(`BEGIN READ ONLY; SET LOCAL lock_timeout = ${lock}; SET LOCAL statement_timeout = ${statement}`);
  try {
    const result = await client.query({ text: query, rowMode: 'array', queryMode: 'extended' } as pg.QueryConfig);
    // A NULL name is no tenant (a LEFT JOIN's empty side), not one called "null".
    return (result.rows as unknown[][]).filter((row) => row[0] !== null && row[0] !== undefined).map((row) => String(row[0]));
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === '25006' ? 'it must only read (it runs in a READ ONLY transaction)' : code === '57014' ? `it ran longer than the statement timeout (${statement} ms)` : 'it failed';
    throw new TenantQueryError(`the config's tenants.query cannot list tenants: ${why}: ${errorMessage(error)}`);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}
