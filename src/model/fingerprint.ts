import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { SchemaModel, TableModel } from './types.js';

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareNames(a.name, b.name));
}

/**
 * The managed part of a schema in a fixed order. Column order is left out because the diff does
 * not act on it (PostgreSQL cannot reorder columns in place); unmanaged objects are left out
 * because no plan touches them (invariant 8).
 */
export function managedForm(schema: SchemaModel): SchemaModel {
  return {
    enums: byName(schema.enums),
    sequences: byName(schema.sequences),
    tables: byName(schema.tables).map(managedTable),
  };
}

function managedTable(table: TableModel): TableModel {
  return {
    ...table,
    columns: byName(table.columns),
    uniques: byName(table.uniques),
    indexes: byName(table.indexes),
    foreignKeys: byName(table.foreignKeys),
    checks: byName(table.checks),
  };
}

const fingerprints = new WeakMap<SchemaModel, string>();

/**
 * Stable hash of a schema's managed canonical form: equal exactly when the diff finds nothing.
 * Models are never modified after they are built, so a model shared by many tenants is hashed once.
 */
export function fingerprint(schema: SchemaModel): string {
  return fingerprints.get(schema) ?? fingerprintWith(schema, (table) => canonicalJson(managedTable(table)));
}

/**
 * fingerprint(), for models that share table objects: the canonical text of each table is kept
 * in `texts` and written once. Apply verifies a tenant with a model that holds the tables it did
 * not change as read for the stale check, so the texts of its stale check serve again.
 */
export function fingerprintSharing(schema: SchemaModel, texts: Map<TableModel, string>): string {
  return (
    fingerprints.get(schema) ??
    fingerprintWith(schema, (table) => {
      let text = texts.get(table);
      if (text === undefined) {
        text = canonicalJson(managedTable(table));
        texts.set(table, text);
      }
      return text;
    })
  );
}

/** The hash of canonicalJson(managedForm(schema)), written table by table. */
function fingerprintWith(schema: SchemaModel, tableText: (table: TableModel) => string): string {
  let text = `{"enums":${canonicalJson(byName(schema.enums))},"sequences":${canonicalJson(byName(schema.sequences))},"tables":[`;
  byName(schema.tables).forEach((table, i) => {
    text += (i > 0 ? ',' : '') + tableText(table);
  });
  const print = 'sha256:' + createHash('sha256').update(text + ']}').digest('hex');
  fingerprints.set(schema, print);
  return print;
}
