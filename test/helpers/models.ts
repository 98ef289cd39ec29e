import type { TableModel } from '../../src/model/types.js';

/** A table `items` of nullable integer columns with the given names, and nothing else unless `extra` says. */
export function integerTable(columns: readonly string[], extra: Partial<TableModel> = {}): TableModel {
  return {
    name: 'items',
    columns: columns.map((name) => ({ name, type: 'integer', nullable: true })),
    uniques: [],
    indexes: [],
    foreignKeys: [],
    checks: [],
    ...extra,
  };
}
