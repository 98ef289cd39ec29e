import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { deepEqual } from './deep-equal.js';
import type { DefinedObjectModel, SchemaModel } from './types.js';

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareNames(a.name, b.name));
}

/**
 * The managed part of a schema in a fixed order. Column order is left out because the diff does
 * not act on it (PostgreSQL cannot reorder columns in place); unmanaged objects are left out
 * because no plan touches them (invariant 8). Grants come sorted from every source (inspection,
 * the manifest through the compile), and none is as good as grants not read.
 */
export function managedForm(schema: SchemaModel): SchemaModel {
  return {
    enums: byName(schema.enums),
    sequences: byName(schema.sequences),
    tables: byName(schema.tables).map((t) => ({
      ...t,
      columns: byName(t.columns),
      uniques: byName(t.uniques),
      indexes: byName(t.indexes),
      foreignKeys: byName(t.foreignKeys),
      checks: byName(t.checks),
    })),
    ...(schema.objects !== undefined && schema.objects.length > 0 && { objects: sortedObjects(schema.objects) }),
    ...(schema.grants !== undefined && schema.grants.length > 0 && { grants: schema.grants }),
  };
}

/** Defined objects by kind, table and name, as inspection sorts them. */
export function sortedObjects(objects: readonly DefinedObjectModel[]): DefinedObjectModel[] {
  return [...objects].sort(
    (a, b) => compareNames(a.kind, b.kind) || compareNames(a.table ?? '', b.table ?? '') || compareNames(a.name, b.name),
  );
}

const fingerprints = new WeakMap<SchemaModel, string>();

/**
 * Stable hash of a schema's managed canonical form: equal exactly when the diff finds nothing.
 * Models are never modified after they are built, so a model shared by many tenants is hashed once.
 */
export function fingerprint(schema: SchemaModel): string {
  const known = fingerprints.get(schema);
  if (known !== undefined) return known;
  for (let i = 0; i < recent.length; i++) {
    const alike = recent[i]!;
    if (deepEqual(schema, alike.schema)) {
      fingerprints.set(schema, alike.print);
      if (i > 0) recent.unshift(...recent.splice(i, 1));
      return alike.print;
    }
  }
  const print = 'sha256:' + createHash('sha256').update(canonicalJson(managedForm(schema))).digest('hex');
  fingerprints.set(schema, print);
  recent.unshift({ schema, print });
  if (recent.length > recentKept) recent.pop();
  return print;
}

/**
 * The models hashed last, most recent first. A fleet's tenants mostly share a few schemas, and a
 * model deep-equal to one of these gets its fingerprint without its canonical text being
 * written, which costs four times as much. Deep equality implies equal canonical text (an
 * undefined property counts as absent in both); models it tells apart may still share a
 * fingerprint (columns in another order), which then only costs a hash. Two, so that a tenant's
 * live schema and its expected one, hashed in turn, each meet their kind.
 */
const recent: { readonly schema: SchemaModel; readonly print: string }[] = [];
const recentKept = 2;
