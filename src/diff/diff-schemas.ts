import { deepEqual } from '../model/deep-equal.js';
import { byName } from '../model/fingerprint.js';
import { deepFreeze } from '../util/deep-freeze.js';
import type { ColumnModel, EnumModel, IndexModel, SchemaModel, SequenceModel, TableModel } from '../model/types.js';
import type { Exclusions } from '../model/desired.js';
import { noExclusions } from '../model/desired.js';
import type { Change, ColumnProperty, CommentedObject, RowSecurity, TableProperty } from './changes.js';
import type { RenameHints } from '../model/desired.js';
import { noRenames } from '../model/desired.js';
import { diffObjects, onExcludedTables } from './diff-objects.js';
import { diffGrants } from './diff-grants.js';
import { own } from '../util/own.js';
import { asUninherited, inheritChanges, inheritReplaceReasons } from './inheritance.js';
import { columnsOfType } from './type-uses.js';

export interface DiffInput {
  /** The live schema, as inspected. */
  readonly current: SchemaModel;
  /** The desired schema, already normalized by the engine. */
  readonly desired: SchemaModel;
  readonly renames?: RenameHints;
  readonly excluded?: Exclusions;
}

const columnProperties: readonly ColumnProperty[] = [
  'type',
  'nullable',
  'default',
  'identity',
  'generated',
  'collation',
  'comment',
  'statistics',
  'storage',
  'compression',
  'options',
  'identityOptions',
  'identitySequenceName',
  'charset',
  'autoIncrement',
  'onUpdate',
  'invisible',
];

/** `options`: engine-only table options (SQLite folds a change of them into a rebuild; MySQL alters them in place). */
const tableProperties: readonly TableProperty[] = ['unlogged', 'storageParameters', 'options'];
/**
 * Table properties that name one of its indexes: a change of their own, which orderChanges runs
 * once the table's indexes and keys are added. An index dropped and added again loses what they
 * set, so they are set again then.
 */
export const indexUseProperties: readonly TableProperty[] = ['clusterOn', 'replicaIdentity'];

/** The index a table property names, if any. */
function usedIndex(table: TableModel, property: TableProperty): string | undefined {
  if (property === 'clusterOn') return table.clusterOn;
  return property === 'replicaIdentity' && typeof table.replicaIdentity === 'object' ? table.replicaIdentity.index : undefined;
}

function indexUseChange(from: TableModel, to: TableModel, tableChanges: readonly Change[]): Change | undefined {
  const rebuilt = new Set(
    tableChanges.flatMap((c) => (c.kind === 'addIndex' ? [c.index.name] : c.kind === 'addPrimaryKey' ? [c.primaryKey.name] : c.kind === 'addUnique' ? [c.unique.name] : [])),
  );
  const changed = indexUseProperties.filter((p) => !same(from[p] ?? null, to[p] ?? null) || rebuilt.has(usedIndex(to, p) ?? ''));
  return changed.length > 0 ? { kind: 'alterTable', table: to.name, from, to, changed } : undefined;
}

/** A table as CREATE TABLE leaves it: without what indexUseProperties set. */
function beforeIndexUse(table: TableModel): TableModel {
  const { clusterOn: _cluster, replicaIdentity: _replica, ...rest } = table;
  return rest;
}

/**
 * Column properties a partition takes from its partitioned table: they cannot be set on the
 * partition alone (type, collation, generated, identity), or ALTER TABLE sets them on the
 * partitions too when it sets them on the parent (PostgreSQL 15: NOT NULL, defaults, statistics
 * targets, storage).
 */
const recursingProperties: ReadonlySet<ColumnProperty> = new Set<ColumnProperty>(['type', 'collation', 'generated', 'identity', 'nullable', 'default', 'statistics', 'storage']);
const parentOnlyProperties: ReadonlySet<ColumnProperty> = new Set<ColumnProperty>(['type', 'collation', 'generated', 'identity', 'identityOptions', 'identitySequenceName']);

/**
 * What a partition created with PARTITION OF holds of its parent's columns before any ALTER:
 * the parent's columns with their type, collation, NOT NULL, default, generation and storage
 * (MergeAttributes), and none of its statistics targets, options, compression or comments.
 */
function inheritedColumns(parent: TableModel): ColumnModel[] {
  return parent.columns.map((c) => {
    const { comment: _c, statistics: _s, options: _o, compression: _z, identity: _i, identityOptions: _io, identitySequenceName: _in, ...kept } = c;
    return kept;
  });
}

const same = deepEqual;

/**
 * Pure diff of two schemas into unordered changes (the planner orders them). Objects excluded
 * by an override are removed from both sides first, so they are neither created nor dropped.
 * The changes are read-only: for frozen models (inspected ones, a project's desired schemas) a
 * table's changes are frozen and shared by every call that diffs the same two tables.
 */
export function diffSchemas(input: DiffInput): Change[] {
  const excluded = input.excluded ?? noExclusions;
  const renames = input.renames ?? noRenames;
  const current = withoutExcluded(input.current, excluded);
  const desired = withoutExcluded(input.desired, excluded);
  const changes: Change[] = [];

  diffEnums(current, desired, changes);
  diffSequences(current, desired, changes);
  diffTables(current, desired, renames, changes);
  changes.push(...diffObjects(current, desired, changes));
  changes.push(...diffGrants(current, desired, changes, renames));
  return changes;
}

/** Removes the objects an override excluded from management. */
export function withoutExcluded(schema: SchemaModel, excluded: Exclusions): SchemaModel {
  if (excluded.tables.length === 0 && Object.keys(excluded.columns).length === 0 && Object.keys(excluded.indexes).length === 0) {
    return schema;
  }
  const left = new Set(onExcludedTables(schema.objects ?? [], excluded));
  const objects = schema.objects?.filter((o) => !left.has(o));
  const tables = schema.tables
    .filter((t) => !excluded.tables.includes(t.name))
    .map((t) => {
      const columns = own(excluded.columns, t.name) ?? [];
      const indexes = own(excluded.indexes, t.name) ?? [];
      if (columns.length === 0 && indexes.length === 0) return t;
      return {
        ...t,
        columns: t.columns.filter((c) => !columns.includes(c.name)),
        indexes: t.indexes.filter((i) => !indexes.includes(i.name)),
      };
    });
  const grants = schema.grants?.filter(
    (g) => g.kind !== 'table' || (!excluded.tables.includes(g.name) && (g.column === undefined || !(own(excluded.columns, g.name) ?? []).includes(g.column))),
  );
  return { ...schema, tables, ...(objects !== undefined && { objects }), ...(grants !== undefined && { grants }) };
}

function diffEnums(current: SchemaModel, desired: SchemaModel, out: Change[]): void {
  const live = new Map(current.enums.map((e) => [e.name, e]));
  const wanted = new Map(desired.enums.map((e) => [e.name, e]));
  for (const to of byName(desired.enums)) {
    const from = live.get(to.name);
    if (!from) {
      out.push({ kind: 'createEnum', enum: to });
      continue;
    }
    if (!same(from.values, to.values)) {
      const added = insertedValues(from, to);
      if (added) out.push({ kind: 'addEnumValues', enum: to.name, values: added });
      else out.push({ kind: 'recreateEnum', from, to, usedBy: columnsOfType(current, to.name) });
    }
    if ((from.comment ?? null) !== (to.comment ?? null)) {
      out.push({ kind: 'setEnumComment', enum: to.name, ...(to.comment !== undefined ? { comment: to.comment } : {}) });
    }
  }
  for (const from of byName(current.enums)) {
    if (!wanted.has(from.name)) out.push({ kind: 'dropEnum', enum: from });
  }
}

/**
 * When the new value list only inserts values into the old one (order kept), PostgreSQL can add
 * them in place with ADD VALUE ... BEFORE; anything else needs the type recreated.
 */
function insertedValues(from: EnumModel, to: EnumModel): { value: string; before?: string }[] | undefined {
  let i = 0;
  for (const value of to.values) {
    if (i < from.values.length && from.values[i] === value) i++;
  }
  if (i !== from.values.length) return undefined;
  const existing = new Set(from.values);
  const added: { value: string; before?: string }[] = [];
  to.values.forEach((value, index) => {
    if (existing.has(value)) return;
    const next = to.values.slice(index + 1).find((v) => existing.has(v));
    added.push(next === undefined ? { value } : { value, before: next });
  });
  return added;
}

function diffSequences(current: SchemaModel, desired: SchemaModel, out: Change[]): void {
  const live = new Map(current.sequences.map((s) => [s.name, s]));
  const wanted = new Map(desired.sequences.map((s) => [s.name, s]));
  for (const to of byName(desired.sequences)) {
    const from = live.get(to.name);
    if (!from) out.push({ kind: 'createSequence', sequence: to });
    else {
      if (!same(withoutComment(from), withoutComment(to))) out.push({ kind: 'alterSequence', from, to });
      pushComment(out, { kind: 'sequence', name: to.name }, from.comment, to.comment);
    }
  }
  for (const from of byName(current.sequences)) {
    if (!wanted.has(from.name)) out.push({ kind: 'dropSequence', sequence: from });
  }
}

/** Tables with every partitioned (or inherited) table before its partitions (or children), else by name; `order` -1: after them. */
function parentsFirst(tables: readonly TableModel[], order: 1 | -1 = 1): TableModel[] {
  const byTableName = new Map(tables.map((t) => [t.name, t]));
  const depths = new Map<string, number>();
  const depth = (t: TableModel, seen: ReadonlySet<string> = new Set()): number => {
    const known = depths.get(t.name);
    if (known !== undefined) return known;
    const parents = [...(t.partitionOf ? [t.partitionOf.table] : []), ...(t.inherits ?? [])];
    let d = 0;
    for (const name of parents) {
      const parent = byTableName.get(name);
      if (parent && !seen.has(name)) d = Math.max(d, 1 + depth(parent, new Set([...seen, t.name])));
    }
    depths.set(t.name, d);
    return d;
  };
  return byName(tables)
    .map((t) => ({ t, d: depth(t) }))
    .sort((a, b) => order * (a.d - b.d))
    .map(({ t }) => t);
}

/**
 * SET LOGGED / UNLOGGED on a table sets its owned sequences the same way (PostgreSQL 15): those
 * the desired schema holds otherwise are set back after it.
 */
function ownedSequencesAfterSetLogged(table: TableModel, current: SchemaModel, desired: SchemaModel): Change[] {
  const changes: Change[] = [];
  for (const to of byName(desired.sequences)) {
    const from = current.sequences.find((s) => s.name === to.name);
    if (!from || from.ownedBy?.table !== table.name || to.ownedBy?.table !== table.name) continue;
    const { unlogged: _unlogged, ...logged } = from;
    const after: SequenceModel = table.unlogged ? { ...logged, unlogged: true } : logged;
    if ((after.unlogged ?? false) !== (to.unlogged ?? false)) changes.push({ kind: 'alterSequence', from: after, to });
  }
  return changes;
}

/**
 * Whether a partitioned table and its replacement differ only in their partitioning: then a
 * partition of the one can be attached to the other as it is (same columns in the same order,
 * the keys and constraints ATTACH PARTITION requires or merges, the indexes it adopts).
 */
function onlyPartitioningDiffers(from: TableModel, to: TableModel): boolean {
  const shape = (t: TableModel) => [t.columns, t.primaryKey ?? null, t.uniques, t.indexes, t.checks, t.foreignKeys, t.exclusions ?? []];
  return same(shape(from), shape(to));
}

/** Why a table cannot become the desired one in place, or undefined when it can. */
function replaceReasons(from: TableModel, to: TableModel): string[] {
  const reasons: string[] = [];
  if ((from.partitionBy ?? null) !== (to.partitionBy ?? null)) {
    reasons.push(`partitioning ${from.partitionBy ?? 'none'} -> ${to.partitionBy ?? 'none'}`);
  }
  return reasons;
}

function diffTables(current: SchemaModel, desired: SchemaModel, renames: RenameHints, out: Change[]): void {
  const live = new Map(current.tables.map((t) => [t.name, t]));
  const wanted = new Map(desired.tables.map((t) => [t.name, t]));
  const renamedAway = new Set<string>();
  /** Live tables that go away whole, with the partitions under them. */
  const gone = new Set<string>();
  const replaced = new Set<string>();
  /** Partitions of a replaced table kept through its replacement (detached, then attached again). */
  const kept = new Set<string>();
  /** INHERITS children of a table dropped in this plan that stay its children, in creation order. */
  const children: TableModel[] = [];
  const attach: Change[] = [];

  for (const to of parentsFirst(desired.tables)) {
    let from = live.get(to.name);
    const oldName = own(renames.tables, to.name);
    if (!from && oldName !== undefined && live.has(oldName) && !wanted.has(oldName)) {
      out.push({ kind: 'renameTable', from: oldName, to: to.name });
      renamedAway.add(oldName);
      from = { ...live.get(oldName)!, name: to.name };
    }
    // A partition of a table created or replaced in this plan (or of a partition created anew
    // with it) is created with it.
    const parent = to.partitionOf?.table;
    if (from && parent !== undefined && !kept.has(from.name) && (gone.has(parent) || (!live.has(parent) && wanted.has(parent)))) {
      if (from.partitionOf?.table === parent) {
        gone.add(from.name);
        from = undefined;
      }
    }
    // A child by INHERITS of a table dropped in this plan: DROP TABLE refuses the parent while it
    // has children, and leaving it (NO INHERIT) would make the columns it has from it its own,
    // which no ALTER TABLE undoes. So it is dropped before the parent and created after it.
    const parents = from?.inherits ?? [];
    if (from && (to.inherits ?? []).some((p) => gone.has(p) && parents.includes(p))) {
      children.push(from);
      gone.add(from.name);
      from = undefined;
    }
    const reasons = from ? [...replaceReasons(from, to), ...inheritReplaceReasons(asUninherited(from, to, live), to, wanted)] : [];
    if (from && reasons.length > 0) {
      const partitions = current.tables.filter((t) => t.partitionOf?.table === from.name).map((t) => t.name);
      // A partition that stays one keeps its rows when only the partitioning changes: it is
      // detached first and attached to the new table (whose keys, indexes and constraints it has).
      const keptPartitions = from.partitionBy !== undefined && onlyPartitioningDiffers(from, to) ? partitions.filter((name) => wanted.get(name)?.partitionOf?.table === to.name) : [];
      const droppedPartitions = partitions.filter((name) => !keptPartitions.includes(name));
      out.push({
        kind: 'replaceTable',
        from,
        to,
        reasons,
        ...(keptPartitions.length > 0 && { keptPartitions }),
        ...(droppedPartitions.length > 0 && { droppedPartitions }),
      });
      replaced.add(to.name);
      gone.add(from.name);
      for (const name of droppedPartitions) gone.add(name);
      for (const name of keptPartitions) kept.add(name);
      pushCreated(to, wanted, out);
      continue;
    }
    if (!from) {
      out.push({ kind: 'createTable', table: to });
      pushCreated(to, wanted, out);
      continue;
    }
    const fromParent = from.partitionOf;
    const toParent = to.partitionOf;
    // A detached partition keeps what it had from its parent as its own; so does a table that
    // leaves a parent it inherits from.
    const base = asUninherited(fromParent && !toParent ? asDetached(from, live.get(fromParent.table)) : from, to, live);
    const inheritance = inheritChanges(from, to);
    out.push(...inheritance.leave);
    attach.push(...inheritance.join);
    const changes = diffTableOnce(base, to, own(renames.columns, to.name) ?? noColumnRenames);
    out.push(...(toParent && fromParent ? partitionChanges(changes, from, to, live, wanted) : changes));
    if (toParent && fromParent?.table === toParent.table) out.push(...attachedIndexRenames(from, to));
    // A partition kept through its parent's replacement leaves the old table and joins the new one.
    if (!same(fromParent ?? null, toParent ?? null) || kept.has(to.name)) {
      if (fromParent) out.push({ kind: 'detachPartition', table: to.name, partitionOf: fromParent, ...(toParent && { reattached: true as const }) });
      if (toParent) attach.push({ kind: 'attachPartition', table: to.name, partitionOf: toParent });
    }
    const changed = tableProperties.filter((p) => !same(from[p] ?? null, to[p] ?? null));
    if (changed.length > 0) out.push({ kind: 'alterTable', table: to.name, from, to, changed });
    const indexUse = indexUseChange(from, to, changes);
    if (indexUse) out.push(indexUse);
    if (changed.includes('unlogged')) out.push(...ownedSequencesAfterSetLogged(to, current, desired));
  }
  out.push(...attach);
  // Deepest first: a child's own children go before it.
  for (const child of children.reverse()) out.push({ kind: 'dropTable', table: child });
  // Foreign keys of other tables that reference a replaced table go with its drop; they come back.
  for (const to of byName(desired.tables)) {
    const from = live.get(to.name);
    if (!from || gone.has(from.name) || replaced.has(to.name)) continue;
    for (const fk of byName(from.foreignKeys)) {
      const target = to.foreignKeys.find((f) => f.name === fk.name);
      if (!replaced.has(fk.refTable) || !target || !same(fk, target)) continue;
      out.push({ kind: 'dropForeignKey', table: to.name, foreignKey: fk });
      out.push({ kind: 'addForeignKey', table: to.name, foreignKey: target, newTable: false });
    }
  }
  // A child before its parent: DROP TABLE refuses a table others inherit from.
  for (const from of parentsFirst(current.tables, -1)) {
    if (wanted.has(from.name) || renamedAway.has(from.name)) continue;
    // A partition goes with its partitioned table.
    const parent = from.partitionOf?.table;
    if (parent !== undefined && (gone.has(parent) || (!wanted.has(parent) && live.has(parent) && !renamedAway.has(parent)))) continue;
    out.push({ kind: 'dropTable', table: from });
  }
}

/**
 * A partition as DETACH PARTITION leaves it: the indexes attached to its parent's become its own
 * under their own names (a primary key or unique constraint under its index's name), and so do
 * the foreign keys and checks it had from the parent, under the parent's names.
 */
function asDetached(partition: TableModel, parent: TableModel | undefined): TableModel {
  const { partitionOf: _p, attachedIndexes, ...table } = partition;
  if (!parent) return table;
  const childOf = new Map(Object.entries(attachedIndexes ?? {}).map(([child, parentIndex]) => [parentIndex, child]));
  const renamed = <T extends { readonly name: string; readonly comment?: string }>(item: T): T => ({ ...withoutComment(item), name: childOf.get(item.name) ?? item.name });
  return {
    ...table,
    ...(parent.primaryKey && !table.primaryKey && { primaryKey: renamed(parent.primaryKey) }),
    uniques: byName([...table.uniques, ...parent.uniques.map(renamed)]),
    indexes: byName([...table.indexes, ...parent.indexes.filter((i) => childOf.has(i.name)).map(renamed)]),
    foreignKeys: byName([...table.foreignKeys, ...parent.foreignKeys.map(withoutComment)]),
    checks: byName([...table.checks, ...parent.checks.map(withoutComment)]),
  };
}

/** A partition's index attached to the same parent index under another name is renamed. */
function attachedIndexRenames(from: TableModel, to: TableModel): Change[] {
  const liveByParent = new Map(Object.entries(from.attachedIndexes ?? {}).map(([child, parent]) => [parent, child]));
  const changes: Change[] = [];
  for (const [child, parent] of Object.entries(to.attachedIndexes ?? {})) {
    const current = liveByParent.get(parent);
    if (current !== undefined && current !== child) changes.push({ kind: 'renameIndex', table: to.name, from: current, to: child });
  }
  return changes;
}

/** The indexes, foreign keys and column settings of a table created in this plan. */
function pushCreated(to: TableModel, wanted: ReadonlyMap<string, TableModel>, out: Change[]): void {
  const parent = to.partitionOf && wanted.get(to.partitionOf.table);
  if (parent) {
    // PARTITION OF gives the partition its parent's columns; what differs is set afterwards.
    const changes = diffTableOnce({ ...to, columns: inheritedColumns(parent) }, to, noColumnRenames);
    for (const change of changes) {
      if (change.kind !== 'alterColumn') continue;
      const changed = change.changed.filter((p) => !parentOnlyProperties.has(p) && p !== 'comment');
      if (changed.length > 0) out.push({ ...change, changed });
    }
  }
  for (const index of byName(to.indexes)) out.push({ kind: 'addIndex', table: to.name, index, newTable: true });
  for (const foreignKey of byName(to.foreignKeys)) {
    out.push({ kind: 'addForeignKey', table: to.name, foreignKey, newTable: true });
  }
  if (to.rowSecurity || to.forceRowSecurity) {
    out.push({ kind: 'setRowSecurity', table: to.name, from: { enabled: false, forced: false }, to: rowSecurity(to) });
  }
  const indexUse = indexUseChange(beforeIndexUse(to), to, []);
  if (indexUse) out.push(indexUse);
}

/**
 * A partition's changes: its columns are its parent's, so no column is added, dropped or
 * renamed on it, and a property its parent's ALTER also sets on it (the same change on both) is
 * left to the parent's.
 */
function partitionChanges(
  changes: readonly Change[],
  from: TableModel,
  to: TableModel,
  live: ReadonlyMap<string, TableModel>,
  wanted: ReadonlyMap<string, TableModel>,
): Change[] {
  const liveParent = live.get(from.partitionOf!.table);
  const wantedParent = wanted.get(to.partitionOf!.table);
  const result: Change[] = [];
  for (const change of changes) {
    if (change.kind === 'addColumn' || change.kind === 'dropColumn' || change.kind === 'renameColumn') continue;
    if (change.kind !== 'alterColumn') {
      result.push(change);
      continue;
    }
    const liveColumn = liveParent?.columns.find((c) => c.name === change.from.name);
    const wantedColumn = wantedParent?.columns.find((c) => c.name === change.to.name);
    const changed = change.changed.filter((p) => {
      if (parentOnlyProperties.has(p)) return false;
      if (!recursingProperties.has(p) || !liveColumn || !wantedColumn) return true;
      return !(same(liveColumn[p] ?? null, change.from[p] ?? null) && same(wantedColumn[p] ?? null, change.to[p] ?? null));
    });
    if (changed.length > 0) result.push({ ...change, changed });
  }
  return result;
}

const noColumnRenames: Readonly<Record<string, string>> = Object.freeze({});

/**
 * A table's changes, by its live and desired objects and the column rename hints. Inspection
 * shares equal tables across tenants (ModelInterner) and tenants with the same overrides share
 * their desired schema, so a fleet diffs the same pair of tables once rather than per tenant.
 * Only frozen tables and hints are remembered: those cannot change under the result, which is
 * frozen too, and a caller that builds new hints per call does not grow the memory.
 */
const tableDiffs = new WeakMap<TableModel, WeakMap<TableModel, Map<Readonly<Record<string, string>>, readonly Change[]>>>();

function diffTableOnce(from: TableModel, to: TableModel, columnRenames: Readonly<Record<string, string>>): readonly Change[] {
  if (!Object.isFrozen(from) || !Object.isFrozen(to) || !Object.isFrozen(columnRenames)) {
    const changes: Change[] = [];
    diffTable(from, to, columnRenames, changes);
    return changes;
  }
  let byDesired = tableDiffs.get(from);
  if (!byDesired) tableDiffs.set(from, (byDesired = new WeakMap()));
  let byRenames = byDesired.get(to);
  if (!byRenames) byDesired.set(to, (byRenames = new Map()));
  let changes = byRenames.get(columnRenames);
  if (!changes) {
    const computed: Change[] = [];
    diffTable(from, to, columnRenames, computed);
    changes = deepFreeze(computed);
    byRenames.set(columnRenames, changes);
  }
  return changes;
}

function diffTable(from: TableModel, to: TableModel, columnRenames: Readonly<Record<string, string>>, out: Change[]): void {
  const table = to.name;
  const liveColumns = new Map(from.columns.map((c) => [c.name, c]));
  const wantedColumns = new Set(to.columns.map((c) => c.name));
  const renamedAway = new Set<string>();

  for (const column of to.columns) {
    let live = liveColumns.get(column.name);
    const oldName = own(columnRenames, column.name);
    if (!live && oldName !== undefined && liveColumns.has(oldName) && !wantedColumns.has(oldName)) {
      out.push({ kind: 'renameColumn', table, from: oldName, to: column.name });
      renamedAway.add(oldName);
      live = { ...liveColumns.get(oldName)!, name: column.name };
    }
    if (!live) {
      out.push({ kind: 'addColumn', table, column });
      continue;
    }
    const changed = changedProperties(live, column);
    if (changed.length > 0) out.push({ kind: 'alterColumn', table, from: live, to: column, changed });
  }
  for (const column of from.columns) {
    if (!wantedColumns.has(column.name) && !renamedAway.has(column.name)) out.push({ kind: 'dropColumn', table, column });
  }

  const renameConstraint = (a: string, b: string): Change => ({ kind: 'renameConstraint', table, from: a, to: b });
  const livePk = from.primaryKey && withoutComment(from.primaryKey);
  const wantedPk = to.primaryKey && withoutComment(to.primaryKey);
  if (!same(livePk ?? null, wantedPk ?? null)) {
    if (from.primaryKey && to.primaryKey && livePk && wantedPk && sameExceptName(livePk, wantedPk)) {
      out.push(renameConstraint(from.primaryKey.name, to.primaryKey.name));
      pushComment(out, { kind: 'constraint', table, name: to.primaryKey.name }, from.primaryKey.comment, to.primaryKey.comment);
    } else {
      if (from.primaryKey) out.push({ kind: 'dropPrimaryKey', table, primaryKey: from.primaryKey });
      if (to.primaryKey) out.push({ kind: 'addPrimaryKey', table, primaryKey: to.primaryKey });
    }
  } else if (from.primaryKey && to.primaryKey) {
    pushComment(out, { kind: 'constraint', table, name: to.primaryKey.name }, from.primaryKey.comment, to.primaryKey.comment);
  }
  const constraint = (name: string): CommentedObject => ({ kind: 'constraint', table, name });
  diffNamed(from.uniques, to.uniques, {
    drop: (unique) => ({ kind: 'dropUnique', table, unique }),
    add: (unique) => ({ kind: 'addUnique', table, unique }),
    rename: renameConstraint,
    comment: constraint,
  }, out);
  diffIndexes(from, to, out);
  diffNamed(from.foreignKeys, to.foreignKeys, {
    drop: (foreignKey) => ({ kind: 'dropForeignKey', table, foreignKey }),
    add: (foreignKey) => ({ kind: 'addForeignKey', table, foreignKey, newTable: false }),
    rename: renameConstraint,
    validate: (name) => ({ kind: 'validateConstraint', table, name, constraint: 'foreign key' }),
    comment: constraint,
  }, out);
  diffNamed(from.exclusions ?? [], to.exclusions ?? [], {
    drop: (exclusion) => ({ kind: 'dropExclusion', table, exclusion }),
    add: (exclusion) => ({ kind: 'addExclusion', table, exclusion }),
    rename: renameConstraint,
    comment: constraint,
  }, out);
  diffNamed(from.checks, to.checks, {
    drop: (check) => ({ kind: 'dropCheck', table, check }),
    add: (check) => ({ kind: 'addCheck', table, check, newTable: false }),
    rename: renameConstraint,
    validate: (name) => ({ kind: 'validateConstraint', table, name, constraint: 'check' }),
    comment: constraint,
  }, out);

  if ((from.comment ?? null) !== (to.comment ?? null)) {
    out.push({ kind: 'setTableComment', table, ...(to.comment !== undefined ? { comment: to.comment } : {}) });
  }
  if (!same(rowSecurity(from), rowSecurity(to))) out.push({ kind: 'setRowSecurity', table, from: rowSecurity(from), to: rowSecurity(to) });
}

function rowSecurity(table: TableModel): RowSecurity {
  return { enabled: table.rowSecurity === true, forced: table.forceRowSecurity === true };
}

/**
 * Indexes as diffNamed compares them, but storage parameters are set in place (ALTER INDEX SET),
 * not by a rebuild: an index kept (or renamed) whose parameters alone differ gets an alterIndex.
 */
function diffIndexes(from: TableModel, to: TableModel, out: Change[]): void {
  const table = to.name;
  const live = new Map(from.indexes.map((i) => [i.name, i]));
  const wanted = new Map(to.indexes.map((i) => [i.name, i]));
  const changes: Change[] = [];
  diffNamed(from.indexes.map(withoutStorage), to.indexes.map(withoutStorage), {
    drop: (index) => ({ kind: 'dropIndex', table, index: live.get(index.name) ?? index }),
    add: (index) => ({ kind: 'addIndex', table, index: wanted.get(index.name) ?? index, newTable: false, ...(to.partitionBy !== undefined && { partitioned: true as const }) }),
    rename: (a, b) => ({ kind: 'renameIndex', table, from: a, to: b }),
    comment: (name) => ({ kind: 'index', table, name }),
  }, changes);
  out.push(...changes);
  const rebuilt = new Set(changes.flatMap((c) => (c.kind === 'addIndex' ? [c.index.name] : [])));
  const renamedFrom = new Map(changes.flatMap((c) => (c.kind === 'renameIndex' ? [[c.to, c.from] as const] : [])));
  for (const index of byName(to.indexes)) {
    const before = live.get(renamedFrom.get(index.name) ?? index.name);
    if (before === undefined || rebuilt.has(index.name) || same(before.storageParameters ?? null, index.storageParameters ?? null)) continue;
    out.push({ kind: 'alterIndex', table, from: before, to: index });
  }
}

function withoutStorage(index: IndexModel): IndexModel {
  if (index.storageParameters === undefined) return index;
  const { storageParameters: _storage, ...rest } = index;
  return rest;
}

function changedProperties(from: ColumnModel, to: ColumnModel): ColumnProperty[] {
  return columnProperties.filter((p) => !same(from[p] ?? null, to[p] ?? null));
}

function withoutComment<T extends { readonly comment?: string }>(item: T): T {
  if (item.comment === undefined) return item;
  const { comment: _comment, ...rest } = item;
  return rest as T;
}

function pushComment(out: Change[], object: CommentedObject, from: string | undefined, to: string | undefined): void {
  if ((from ?? null) !== (to ?? null)) out.push({ kind: 'setObjectComment', object, ...(to !== undefined ? { comment: to } : {}) });
}

function sameExceptName<T extends { readonly name: string }>(a: T, b: T): boolean {
  return same({ ...a, name: '' }, { ...b, name: '' });
}

/** The definition apart from validity: a NOT VALID constraint differs from its desired self only by it. */
function validated<T extends { readonly notValid?: true }>(item: T): T {
  if (!item.notValid) return item;
  const { notValid: _notValid, ...rest } = item;
  return rest as T;
}

/**
 * Named objects that changed in any way are dropped and re-added: constraints cannot be altered.
 * One that only changed its name (a table rename leaves `clients_pkey` behind) is renamed
 * instead, which is a catalog update and keeps the index it owns. A constraint left NOT VALID
 * (by hand, or by a validation that failed after its apply committed) that is otherwise as
 * desired is validated in place: recreating it would check the same rows under a stronger lock.
 */
function diffNamed<T extends { readonly name: string; readonly notValid?: true; readonly comment?: string }>(
  fromWithComments: readonly T[],
  toWithComments: readonly T[],
  make: {
    drop: (item: T) => Change;
    add: (item: T) => Change;
    rename: (from: string, to: string) => Change;
    validate?: (name: string) => Change;
    /** The object whose comment a kept or renamed item's comment change sets. */
    comment: (name: string) => CommentedObject;
  },
  out: Change[],
): void {
  // A comment is set in place (COMMENT ON); only the definition decides a drop and re-add, and
  // an added item brings its comment with it.
  const from = fromWithComments.map(withoutComment);
  const to = toWithComments.map(withoutComment);
  const liveComments = new Map(fromWithComments.map((x) => [x.name, x.comment]));
  const wantedItems = new Map(toWithComments.map((x) => [x.name, x]));
  const withComment = (item: T): T => wantedItems.get(item.name) ?? item;
  const liveItems = new Map(fromWithComments.map((x) => [x.name, x]));
  const asLive = (item: T): T => liveItems.get(item.name) ?? item;
  const live = new Map(from.map((x) => [x.name, x]));
  const wanted = new Map(to.map((x) => [x.name, x]));
  const canValidate = (item: T, target: T): boolean => make.validate !== undefined && item.notValid === true && same(validated(item), target);
  const dropped = byName(from).filter((item) => {
    const target = wanted.get(item.name);
    return !target || !(same(item, target) || canValidate(item, target));
  });
  const added = byName(to).filter((item) => {
    const existing = live.get(item.name);
    return !existing || !(same(existing, item) || canValidate(existing, item));
  });
  const renamedFrom = new Set<T>();
  const renamedTo = new Set<T>();
  for (const old of dropped) {
    if (wanted.has(old.name)) continue;
    const match = added.find((n) => !renamedTo.has(n) && !live.has(n.name) && sameExceptName(make.validate ? validated(old) : old, n));
    if (!match) continue;
    renamedFrom.add(old);
    renamedTo.add(match);
    out.push(make.rename(old.name, match.name));
    if (old.notValid && make.validate) out.push(make.validate(match.name));
    pushComment(out, make.comment(match.name), liveComments.get(old.name), withComment(match).comment);
  }
  for (const item of dropped) if (!renamedFrom.has(item)) out.push(make.drop(asLive(item)));
  for (const item of added) if (!renamedTo.has(item)) out.push(make.add(withComment(item)));
  for (const item of byName(to)) {
    const existing = live.get(item.name);
    if (existing && (same(existing, item) || canValidate(existing, item))) {
      pushComment(out, make.comment(item.name), liveComments.get(item.name), withComment(item).comment);
    }
  }
  if (!make.validate) return;
  for (const item of byName(from)) {
    const target = wanted.get(item.name);
    if (target && !same(item, target) && canValidate(item, target)) out.push(make.validate(item.name));
  }
}
