// The statements that build a schema from nothing, naming no database, for a SQL manifest
// (`inspect -o x.sql`): run after `USE <database>`, they build it there. Without a server at hand
// the flavor is unknown, so no statement promises an ALGORITHM (there is nothing to alter anyway).
import type { Change } from '../../diff/changes.js';
import { renderChanges } from './render.js';

export function schemaSql(input: { readonly changes: readonly Change[]; readonly tenantTypes: readonly string[]; readonly tenantSequences: readonly string[] }): Promise<string[]> {
  const steps = renderChanges(input.changes, { qualifier: '', concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: input.tenantTypes, tenantSequences: input.tenantSequences });
  return Promise.resolve(steps.flatMap((step) => step.sql.map((sql) => `${sql};`)));
}
