import { routineName } from './object-key.js';
import type { SchemaModel } from './types.js';

/** Types and sequences a tenant's expressions may name: they get the tenant's qualifier. */
export function tenantObjects(...schemas: SchemaModel[]): { types: string[]; sequences: string[]; functions?: string[] } {
  const types = new Set<string>();
  const sequences = new Set<string>();
  const functions = new Set<string>();
  for (const schema of schemas) {
    for (const e of schema.enums) types.add(e.name);
    for (const t of schema.externalTypes ?? []) if (!t.includes('.')) types.add(t);
    for (const s of schema.sequences) sequences.add(s.name);
    for (const o of schema.objects ?? []) {
      if (o.kind === 'function' || o.kind === 'aggregate') functions.add(routineName(o.name));
      if (o.kind === 'domain' || o.kind === 'composite type') types.add(o.name);
    }
  }
  return {
    types: [...types].sort(),
    sequences: [...sequences].sort(),
    ...(functions.size > 0 && { functions: [...functions].sort() }),
  };
}
