import type { DocPath } from '../yaml/source.js';
import type { ManifestContent, OverrideContent, TableSpec } from './spec.js';

/** A name a file gives to an object it creates, and where it is written. */
export interface WrittenIdentifier {
  readonly name: string;
  readonly path: DocPath;
  /** The name is the map key at `path` (a table, column, index, enum, sequence), not a value. */
  readonly isKey: boolean;
}

/**
 * Every name a manifest or override gives to something it creates: tables, columns, indexes,
 * named constraints (primary key, uniques, foreign keys, checks), enums and their values, and
 * sequences. Names that only refer to existing objects (references, exclusions) are not here.
 */
export function identifiersOf(content: ManifestContent | OverrideContent): WrittenIdentifier[] {
  const found: WrittenIdentifier[] = [];
  const key = (name: string, path: DocPath) => found.push({ name, path, isKey: true });
  const value = (name: unknown, path: DocPath) => {
    if (typeof name === 'string') found.push({ name, path, isKey: false });
  };
  for (const [table, spec] of Object.entries(content.tables ?? {}) as [string, Partial<TableSpec>][]) {
    const at = ['tables', table];
    key(table, at);
    value(spec.renamedFrom, [...at, 'renamedFrom']);
    value(spec.partitionOf?.table, [...at, 'partitionOf', 'table']);
    spec.inherits?.forEach((parent, i) => value(parent, [...at, 'inherits', i]));
    for (const [column, columnSpec] of Object.entries(spec.columns ?? {})) {
      key(column, [...at, 'columns', column]);
      if (typeof columnSpec === 'object') {
        value(columnSpec.renamedFrom, [...at, 'columns', column, 'renamedFrom']);
        value(columnSpec.identityOptions?.sequenceName, [...at, 'columns', column, 'identityOptions', 'sequenceName']);
      }
    }
    for (const index of Object.keys(spec.indexes ?? {})) key(index, [...at, 'indexes', index]);
    const primaryKey = spec.primaryKey;
    if (primaryKey !== undefined && !Array.isArray(primaryKey)) value((primaryKey as { name?: string }).name, [...at, 'primaryKey', 'name']);
    (spec.uniques ?? []).forEach((unique, i) => {
      if (!Array.isArray(unique)) value((unique as { name?: string }).name, [...at, 'uniques', i, 'name']);
    });
    (spec.foreignKeys ?? []).forEach((foreignKey, i) => value(foreignKey.name, [...at, 'foreignKeys', i, 'name']));
    const checks = spec.checks;
    if (Array.isArray(checks)) {
      (checks as readonly unknown[]).forEach((check, i) => {
        if (typeof check === 'object' && check !== null) value((check as { name?: string }).name, [...at, 'checks', i, 'name']);
      });
    } else if (checks !== undefined) {
      for (const name of Object.keys(checks)) key(name, [...at, 'checks', name]);
    }
  }
  for (const [name, spec] of Object.entries(content.enums ?? {})) {
    key(name, ['enums', name]);
    if (Array.isArray(spec)) (spec as readonly string[]).forEach((label, i) => value(label, ['enums', name, i]));
    else (spec as { values: readonly string[] }).values.forEach((label, i) => value(label, ['enums', name, 'values', i]));
  }
  for (const name of Object.keys(content.sequences ?? {})) key(name, ['sequences', name]);
  return found;
}
