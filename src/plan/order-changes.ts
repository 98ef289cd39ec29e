import type { Change, ChangeKind } from '../diff/changes.js';
import { indexUseProperties } from '../diff/diff-schemas.js';
import type { TableModel } from '../model/types.js';

/**
 * Execution order: constraints that could block a drop go first, then renames, types and
 * sequences, tables, columns, and the drops in reverse dependency order; constraints and indexes
 * come last so referenced keys exist before the foreign keys that point at them.
 */
const rank: Record<ChangeKind, number> = {
  // First: a detached partition's indexes and constraints from its parent become its own, which
  // the drops after it may remove; and it leaves under the names its parent knows.
  detachPartition: -1,
  // Its inherited columns and CHECKs become its own, which the drops after it may remove.
  noInherit: -1,
  dropForeignKey: 0,
  dropIndex: 1,
  dropCheck: 1,
  dropExclusion: 1,
  dropUnique: 1,
  dropPrimaryKey: 2,
  renameTable: 3,
  renameColumn: 4,
  renameConstraint: 4,
  renameIndex: 4,
  createEnum: 5,
  addEnumValues: 5,
  recreateEnum: 5,
  setEnumComment: 5,
  createSequence: 6,
  createTable: 7,
  replaceTable: 7,
  addColumn: 8,
  alterColumn: 8,
  rebuildTable: 8,
  setTableComment: 8,
  alterTable: 8,
  dropColumn: 9,
  // Once its columns are as desired (they must match the parent's), before the parent's keys and
  // indexes are added, which then reach it too.
  attachPartition: 9,
  // Once its columns are there (INHERIT needs every column of the parent) and before the parent's
  // new columns and CHECKs are added, which then reach it too.
  inherit: 9,
  dropTable: 10,
  dropSequence: 11,
  dropEnum: 12,
  alterSequence: 13,
  addPrimaryKey: 14,
  addUnique: 15,
  addCheck: 15,
  addExclusion: 15,
  addIndex: 16,
  alterIndex: 16,
  addForeignKey: 17,
  setObjectComment: 17.5,
  validateConstraint: 18,
  setRowSecurity: 8,
  // Objects: by their phase, in objectRank.
  createObject: 0,
  dropObject: 0,
  replaceObject: 0,
  alterObject: 17.7,
  // After the objects that use the old type are dropped (and a recreated enum it may hold), before
  // the objects that use the new one are created; the old one goes once nothing uses it.
  replaceType: 5.5,
  dropReplacedType: 11.6,
  // Last: on objects that exist by now, and after any recreate that reset them.
  setGrants: 19,
};

/** After the indexes and keys are added: an alterTable of indexUseProperties alone, which names one. */
const INDEX_USE = 16.5;

/** Before renames and creates: see droppedInTheWay. */
const EARLY_DROP = 2.5;

/** The relation names a table holds: its own, and its indexes' (keys and unique constraints have one). */
function relationNames(table: TableModel): string[] {
  return [table.name, ...(table.primaryKey ? [table.primaryKey.name] : []), ...table.uniques.map((u) => u.name), ...table.indexes.map((i) => i.name)];
}

/**
 * Dropped tables holding a name a created or renamed table needs (a table renamed out of band
 * keeps its old key's name): they go before the renames and creates, which would fail otherwise.
 */
function droppedInTheWay(changes: readonly Change[]): Set<string> {
  const needed = new Set<string>();
  for (const change of changes) {
    if (change.kind === 'createTable') for (const name of relationNames(change.table)) needed.add(name);
    if (change.kind === 'renameTable') needed.add(change.to);
  }
  const early = new Set<string>();
  for (const change of changes) {
    if (change.kind === 'dropTable' && relationNames(change.table).some((name) => needed.has(name))) early.add(change.table.name);
  }
  return early;
}

/**
 * Objects needed by tables (types and routines that need no table) are created after the enums
 * and sequences and before the tables, and dropped after the tables and before the enums; the
 * others (views, triggers, policies, and what needs a table) are dropped before anything else,
 * since they block the drops and type changes of what they use, and created once every table,
 * column, key and index is there. A routine replaced in place goes where it would be created.
 */
function changeRank(change: Change): number {
  switch (change.kind) {
    case 'createObject':
      return change.phase === 'before tables' ? 6.5 : 17.5;
    case 'replaceObject':
      return 6.5;
    case 'alterObject':
      // A composite type's attributes, with the types created before the tables (and among
      // them, in dependency order): what is created after may use the new attributes.
      return change.changed.includes('attributes') ? 6.5 : rank.alterObject;
    case 'dropObject':
      // One that comes back before the tables goes before the enums, which may be recreated
      // under it (a composite type with an enum attribute), and comes back after them.
      if (change.phase === 'before tables') return change.recreate ? 4.9 : 11.5;
      return -2;
    default:
      return rank[change.kind];
  }
}

/**
 * Orders changes for execution. A sequence owned by a column is created without its owner and
 * handed to the column once the table exists, since OWNED BY needs the column to be there.
 */
export function orderChanges(changes: readonly Change[]): Change[] {
  const expanded: Change[] = [];
  for (const change of changes) {
    if (change.kind === 'createSequence' && change.sequence.ownedBy) {
      const { ownedBy: _owner, ...unowned } = change.sequence;
      expanded.push({ kind: 'createSequence', sequence: unowned });
      expanded.push({ kind: 'alterSequence', from: unowned, to: change.sequence });
    } else {
      expanded.push(change);
    }
  }
  // The diff names a renamed table's changes by its new name, but the drops that run before the
  // rename (the kinds ranked below renameTable, listed in the switch) reach it under its old one.
  const oldNames = new Map<string, string>();
  for (const change of expanded) if (change.kind === 'renameTable') oldNames.set(change.to, change.from);
  const early = droppedInTheWay(expanded);
  const rankOf = (change: Change): number => {
    if (change.kind === 'dropTable' && early.has(change.table.name)) return EARLY_DROP;
    if (change.kind === 'alterTable' && change.changed.every((p) => indexUseProperties.includes(p))) return INDEX_USE;
    return changeRank(change);
  };
  return expanded
    .map((change, index) => ({ change, index }))
    .sort((a, b) => rankOf(a.change) - rankOf(b.change) || a.index - b.index)
    .map(({ change }): Change => {
      switch (change.kind) {
        case 'dropForeignKey':
        case 'dropIndex':
        case 'dropCheck':
        case 'dropExclusion':
        case 'dropUnique':
        case 'dropPrimaryKey': {
          const oldName = oldNames.get(change.table);
          return oldName === undefined ? change : { ...change, table: oldName };
        }
        default:
          return change;
      }
    });
}
