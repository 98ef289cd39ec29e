import { byName } from '../model/fingerprint.js';
import type { SchemaModel, TableModel } from '../model/types.js';
import type { EnumColumnUse } from './changes.js';
import { parentColumns } from './inheritance.js';

/**
 * Whether a column's type (as the inspector prints it) is the schema's own type `type` or an
 * array of it. A name that is not a plain lower-case word is printed quoted.
 */
export function isOfType(columnType: string, type: string): boolean {
  const quoted = `"${type.replaceAll('"', '""')}"`;
  return columnType === type || columnType === `${type}[]` || columnType === quoted || columnType === `${quoted}[]`;
}

/**
 * The columns that hold values of a type and must be converted when it is recreated, each once:
 * a partition's columns and those a table has from its INHERITS parents are converted with the
 * parent's (ALTER TABLE recurses to them, and refuses to alter them on their own).
 */
export function columnsOfType(schema: SchemaModel, type: string): EnumColumnUse[] {
  const tables = new Map(schema.tables.map((t) => [t.name, t]));
  const used: EnumColumnUse[] = [];
  for (const table of byName(schema.tables)) {
    if (table.partitionOf !== undefined) continue;
    const inherited = inheritedNames(table, tables);
    for (const column of table.columns) {
      if (!isOfType(column.type, type) || inherited.has(column.name)) continue;
      used.push({
        table: table.name,
        column: column.name,
        ...(column.type.endsWith('[]') ? { array: true } : {}),
        ...(column.default !== undefined ? { default: column.default } : {}),
      });
    }
  }
  return used;
}

function inheritedNames(table: TableModel, tables: ReadonlyMap<string, TableModel>): Set<string> {
  return table.inherits === undefined ? new Set() : new Set(parentColumns(table, tables).map((c) => c.name));
}
