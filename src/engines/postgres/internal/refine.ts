// PostgreSQL's rewriting of diffed changes (DatabaseAdapter.refineChanges).
import type { Change } from '../../../diff/changes.js';
import type { CheckModel, IndexModel, SchemaModel } from '../../../model/types.js';
import { expressionTokens, identifierValue } from './sql-tokens.js';
import { serialSequenceName } from './normalize.js';
import { isOfType } from '../../../diff/type-uses.js';

/**
 * A recreated enum (values removed or reordered), or a replaced domain, is renamed to
 * `<name>__old` before its columns move to the new type. ALTER COLUMN TYPE rebuilds the column's
 * indexes and constraints from their printed definitions, which by then name the old type
 * (`status <> 'done'::t__old`, `(made)::integer > 1950` for a domain over integer that is now
 * over bigint), and there is no operator between the two types, or the rebuilt expression is not
 * the one the new type gives; an index or check naming the type on any other column would block
 * the old type's drop. So every index and check whose expression names the type or one of its
 * columns is dropped before the swap and created again after it, as ordinary
 * dropIndex/addIndex and dropCheck/addCheck changes the reviewer sees. Objects the diff already
 * drops or replaces are left to the diff; a rename of one becomes its drop and create.
 */
export function refineChanges(input: readonly Change[], current: SchemaModel, desired: SchemaModel): Change[] {
  const changes = [...input, ...identitySequenceRenames(input, current, desired)];
  const recreated = changes.flatMap((c) => (c.kind === 'recreateEnum' || (c.kind === 'replaceType' && c.from.kind === 'domain') ? [c.from.name] : []));
  if (recreated.length === 0) return [...changes];

  const newTableName = new Map<string, string>();
  const droppedTables = new Set<string>();
  const dropped = new Set<string>();
  const renamed = new Map<string, string>();
  for (const c of changes) {
    if (c.kind === 'renameTable') newTableName.set(c.from, c.to);
    if (c.kind === 'dropTable') droppedTables.add(c.table.name);
    if (c.kind === 'dropIndex') dropped.add(`index ${c.index.name}`);
    if (c.kind === 'dropCheck') dropped.add(`check ${c.table} ${c.check.name}`);
    if (c.kind === 'renameIndex' || c.kind === 'renameConstraint') renamed.set(`${c.table} ${c.from}`, c.to);
  }

  const drops: Change[] = [];
  const adds: Change[] = [];
  const replacedRenames = new Set<string>();
  const replacedChecks = new Set<string>();
  for (const live of current.tables) {
    if (droppedTables.has(live.name)) continue;
    const name = newTableName.get(live.name) ?? live.name;
    const target = desired.tables.find((t) => t.name === name);
    if (!target) continue;
    // Inspection drops a literal's cast to its column's type (`status <> 'done'`), so an
    // expression that uses a column of the type counts as naming it.
    const names = [...recreated, ...live.columns.filter((c) => recreated.some((t) => isOfType(c.type, t))).map((c) => c.name)];
    for (const index of live.indexes) {
      if (dropped.has(`index ${index.name}`) || !indexNamesType(index, names)) continue;
      const wanted = findDesired(target.indexes, renamed.get(`${name} ${index.name}`) ?? index.name);
      if (!wanted) continue;
      if (wanted.name !== index.name) replacedRenames.add(`${name} ${index.name}`);
      drops.push({ kind: 'dropIndex', table: live.name, index });
      adds.push({ kind: 'addIndex', table: name, index: wanted, newTable: false });
    }
    for (const check of live.checks) {
      if (dropped.has(`check ${name} ${check.name}`) || !namesType(check.expression, names)) continue;
      const wanted = findDesired(target.checks, renamed.get(`${name} ${check.name}`) ?? check.name);
      if (!wanted) continue;
      if (wanted.name !== check.name) replacedRenames.add(`${name} ${check.name}`);
      // Added again (and validated), so a validation of the old one has nothing left to do.
      replacedChecks.add(`${name} ${wanted.name}`);
      // Dropped under the name the table has before any rename in this plan runs.
      drops.push({ kind: 'dropCheck', table: live.name, check });
      adds.push({ kind: 'addCheck', table: name, check: wanted, newTable: false });
    }
  }
  const kept = changes.filter(
    (c) =>
      !((c.kind === 'renameIndex' || c.kind === 'renameConstraint') && replacedRenames.has(`${c.table} ${c.from}`)) &&
      !(c.kind === 'validateConstraint' && replacedChecks.has(`${c.table} ${c.name}`)),
  );
  return [...drops, ...kept, ...adds];
}

function findDesired<T extends IndexModel | CheckModel>(list: readonly T[], name: string): T | undefined {
  return list.find((x) => x.name === name);
}

function indexNamesType(index: IndexModel, names: readonly string[]): boolean {
  return (index.where !== undefined && namesType(index.where, names)) || index.keys.some((k) => k.expression !== undefined && namesType(k.expression, names));
}

/** Whether an inspected expression (tenant qualifier stripped) names one of the types or columns. */
function namesType(expression: string, names: readonly string[]): boolean {
  return expressionTokens(expression).some((t) => (t.kind === 'word' || t.kind === 'qident') && names.includes(identifierValue(t)));
}

/**
 * An identity column's sequence keeps its name when its table or column is renamed, so it no
 * longer has the default name `<table>_<column>_seq` that the desired schema gives it: it is
 * renamed with them. (One whose name the model records is the diff's own alterColumn.)
 */
function identitySequenceRenames(changes: readonly Change[], current: SchemaModel, desired: SchemaModel): Change[] {
  const tableRenames = new Map<string, string>();
  const columnRenames = new Map<string, Map<string, string>>();
  for (const c of changes) {
    if (c.kind === 'renameTable') tableRenames.set(c.from, c.to);
    if (c.kind === 'renameColumn') {
      let columns = columnRenames.get(c.table);
      if (!columns) columnRenames.set(c.table, (columns = new Map()));
      columns.set(c.from, c.to);
    }
  }
  if (tableRenames.size === 0 && columnRenames.size === 0) return [];
  const result: Change[] = [];
  for (const live of current.tables) {
    const tableName = tableRenames.get(live.name) ?? live.name;
    const target = desired.tables.find((t) => t.name === tableName);
    if (!target) continue;
    for (const column of live.columns) {
      if (column.identity === undefined || column.identitySequenceName !== undefined) continue;
      const columnName = columnRenames.get(tableName)?.get(column.name) ?? column.name;
      const wanted = target.columns.find((c) => c.name === columnName);
      if (wanted?.identity === undefined || wanted.identitySequenceName !== undefined) continue;
      const before = serialSequenceName(live.name, column.name);
      if (before === serialSequenceName(tableName, columnName)) continue;
      result.push({
        kind: 'alterColumn',
        table: tableName,
        from: { ...column, name: columnName, identitySequenceName: before },
        to: wanted,
        changed: ['identitySequenceName'],
      });
    }
  }
  return result;
}
