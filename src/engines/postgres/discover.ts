import type pg from 'pg';
import type { TenantSelector } from '../types.js';
import { listSchemas } from './inspect.js';

/** schema-sync's own bookkeeping schema is never a tenant. */
const reservedSchemas = new Set(['schema_sync', 'public']);

/**
 * Candidate tenant names: every non-system schema for a pattern (the shared filter applies the
 * glob), or the first column of the config's query. `public` only when named explicitly.
 */
export async function discoverSchemaNames(client: pg.ClientBase, selector: TenantSelector): Promise<string[]> {
  if (selector.list) return [...selector.list];
  if (selector.query) {
    const result = await client.query({ text: selector.query, rowMode: 'array' });
    return result.rows.map((row: unknown[]) => String(row[0]));
  }
  const names = await listSchemas(client);
  const explicitPublic = selector.pattern === 'public';
  return names.filter((n) => !reservedSchemas.has(n) || (n === 'public' && explicitPublic));
}
