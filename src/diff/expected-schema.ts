import type { Exclusions } from '../model/desired.js';
import type { SchemaModel, TableModel } from '../model/types.js';
import { own } from '../util/own.js';
import { sortedObjects } from '../model/fingerprint.js';
import { onExcludedTables } from './diff-objects.js';

/**
 * The schema a tenant should hold after apply: the desired schema, plus whatever an override took
 * out of management, left exactly as it was. Its fingerprint is what apply verifies against.
 */
export function expectedSchema(current: SchemaModel, desired: SchemaModel, excluded: Exclusions): SchemaModel {
  const live = new Map(current.tables.map((t) => [t.name, t]));
  const tables: TableModel[] = desired.tables.map((table) => {
    const liveTable = live.get(table.name);
    if (!liveTable) return table;
    const keepColumns = own(excluded.columns, table.name) ?? [];
    const keepIndexes = own(excluded.indexes, table.name) ?? [];
    // The desired table itself, not a copy: tenants that share it then share their expected schema's tables.
    if (keepColumns.length === 0 && keepIndexes.length === 0) return table;
    return {
      ...table,
      columns: [...table.columns, ...liveTable.columns.filter((c) => keepColumns.includes(c.name))],
      indexes: [...table.indexes, ...liveTable.indexes.filter((i) => keepIndexes.includes(i.name))],
    };
  });
  for (const name of excluded.tables) {
    const table = live.get(name);
    if (table) tables.push(table);
  }
  if (excluded.tables.length === 0) return { ...desired, tables };
  // The objects on an excluded table stay as they are, and the desired ones on it are not made.
  const kept = onExcludedTables(current.objects ?? [], excluded);
  const notMade = new Set(onExcludedTables(desired.objects ?? [], excluded));
  const made = (desired.objects ?? []).filter((o) => !notMade.has(o));
  const objects = sortedObjects([...made, ...kept]);
  const { objects: _desiredObjects, ...rest } = desired;
  return { ...rest, tables, ...(objects.length > 0 && { objects }) };
}
