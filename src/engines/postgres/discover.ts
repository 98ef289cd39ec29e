import type pg from 'pg';
import picomatch from 'picomatch';
import type { DiscoveredTenant, TenantSelector } from '../types.js';
import { listSchemas } from './inspect.js';

/** schema-sync's own bookkeeping schema is never a tenant. */
const reservedSchemas = new Set(['schema_sync', 'public']);

/**
 * Candidate tenants: the non-system schemas matching the pattern, or the first column of the
 * config's query, or the static list. `public` only when the pattern names it exactly.
 */
export async function discoverSchemas(client: pg.ClientBase, selector: TenantSelector): Promise<DiscoveredTenant[]> {
  if (selector.list) return selector.list.map((name) => ({ name }));
  if (selector.query) {
    const result = await client.query({ text: selector.query, rowMode: 'array' });
    return result.rows.map((row: unknown[]) => ({ name: String(row[0]) }));
  }
  const matches = picomatch(selector.pattern ?? '*', { dot: true });
  const explicitPublic = selector.pattern === 'public';
  return (await listSchemas(client))
    .filter((n) => (!reservedSchemas.has(n) || (n === 'public' && explicitPublic)) && matches(n))
    .map((name) => ({ name }));
}
