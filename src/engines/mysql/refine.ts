// Rewrites diffed changes MySQL has no statement for into ones it has (DatabaseAdapter.refineChanges).
// Pure. A constraint cannot be renamed (only an index can), so a foreign key or check renamed by
// the diff is dropped and added under its new name; an index's comment is part of its definition,
// so an index whose comment alone changed is dropped and added with the new one.
import type { Change } from '../../diff/changes.js';
import type { SchemaModel, TableModel } from '../../model/types.js';

function tableIn(schema: SchemaModel, name: string): TableModel | undefined {
  return schema.tables.find((t) => t.name === name);
}

export function refineChanges(changes: readonly Change[], current: SchemaModel, desired: SchemaModel): Change[] {
  const renamedTables = new Map(changes.flatMap((c) => (c.kind === 'renameTable' ? [[c.to, c.from] as const] : [])));
  const live = (table: string) => tableIn(current, renamedTables.get(table) ?? table);
  return changes.flatMap((change): Change[] => {
    if (change.kind === 'renameConstraint') {
      const before = live(change.table);
      const after = tableIn(desired, change.table);
      const fromFk = before?.foreignKeys.find((f) => f.name === change.from);
      const toFk = after?.foreignKeys.find((f) => f.name === change.to);
      if (fromFk && toFk) {
        return [
          { kind: 'dropForeignKey', table: change.table, foreignKey: fromFk },
          { kind: 'addForeignKey', table: change.table, foreignKey: toFk, newTable: false },
        ];
      }
      const fromCheck = before?.checks.find((c) => c.name === change.from);
      const toCheck = after?.checks.find((c) => c.name === change.to);
      if (fromCheck && toCheck) {
        return [
          { kind: 'dropCheck', table: change.table, check: fromCheck },
          { kind: 'addCheck', table: change.table, check: toCheck, newTable: false },
        ];
      }
      throw new Error(`rename constraint ${change.from} to ${change.to} on ${change.table}: not found in the schemas`);
    }
    if (change.kind === 'setObjectComment' && change.object.kind === 'index') {
      const { table, name } = change.object;
      const from = live(table)?.indexes.find((i) => i.name === name);
      const to = tableIn(desired, table)?.indexes.find((i) => i.name === name);
      if (!from || !to) throw new Error(`comment of index ${name} on ${table}: index not found in the schemas`);
      return [
        { kind: 'dropIndex', table, index: from },
        { kind: 'addIndex', table, index: to, newTable: false },
      ];
    }
    return [change];
  });
}
