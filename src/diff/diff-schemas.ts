import { deepEqual } from '../model/deep-equal.js';
import { byName } from '../model/fingerprint.js';
import { deepFreeze } from '../util/deep-freeze.js';
import type { ColumnModel, EnumModel, SchemaModel, TableModel } from '../model/types.js';
import type { Exclusions } from '../manifest/desired.js';
import { noExclusions } from '../manifest/desired.js';
import type { Change, ColumnProperty, EnumColumnUse, RenameHints, RowSecurity } from './changes.js';
import { noRenames } from './changes.js';
import { diffObjects, onExcludedTables } from './diff-objects.js';
import { own } from '../util/own.js';

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
];

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
  return { ...schema, tables, ...(objects !== undefined && { objects }) };
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

/** Existing columns of the enum's type: they must be moved to the recreated type. */
function columnsOfType(schema: SchemaModel, type: string): EnumColumnUse[] {
  const used: EnumColumnUse[] = [];
  for (const table of byName(schema.tables)) {
    for (const column of table.columns) {
      if (column.type !== type && column.type !== `${type}[]`) continue;
      used.push({
        table: table.name,
        column: column.name,
        ...(column.type !== type ? { array: true } : {}),
        ...(column.default !== undefined ? { default: column.default } : {}),
      });
    }
  }
  return used;
}

function diffSequences(current: SchemaModel, desired: SchemaModel, out: Change[]): void {
  const live = new Map(current.sequences.map((s) => [s.name, s]));
  const wanted = new Map(desired.sequences.map((s) => [s.name, s]));
  for (const to of byName(desired.sequences)) {
    const from = live.get(to.name);
    if (!from) out.push({ kind: 'createSequence', sequence: to });
    else if (!same(from, to)) out.push({ kind: 'alterSequence', from, to });
  }
  for (const from of byName(current.sequences)) {
    if (!wanted.has(from.name)) out.push({ kind: 'dropSequence', sequence: from });
  }
}

function diffTables(current: SchemaModel, desired: SchemaModel, renames: RenameHints, out: Change[]): void {
  const live = new Map(current.tables.map((t) => [t.name, t]));
  const wanted = new Set(desired.tables.map((t) => t.name));
  const renamedAway = new Set<string>();

  for (const to of byName(desired.tables)) {
    let from = live.get(to.name);
    const oldName = own(renames.tables, to.name);
    if (!from && oldName !== undefined && live.has(oldName) && !wanted.has(oldName)) {
      out.push({ kind: 'renameTable', from: oldName, to: to.name });
      renamedAway.add(oldName);
      from = { ...live.get(oldName)!, name: to.name };
    }
    if (!from) {
      out.push({ kind: 'createTable', table: to });
      for (const index of byName(to.indexes)) out.push({ kind: 'addIndex', table: to.name, index, newTable: true });
      for (const foreignKey of byName(to.foreignKeys)) {
        out.push({ kind: 'addForeignKey', table: to.name, foreignKey, newTable: true });
      }
      if (to.rowSecurity || to.forceRowSecurity) {
        out.push({ kind: 'setRowSecurity', table: to.name, from: { enabled: false, forced: false }, to: rowSecurity(to) });
      }
      continue;
    }
    out.push(...diffTableOnce(from, to, own(renames.columns, to.name) ?? noColumnRenames));
  }
  for (const from of byName(current.tables)) {
    if (!wanted.has(from.name) && !renamedAway.has(from.name)) out.push({ kind: 'dropTable', table: from });
  }
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
  if (!same(from.primaryKey ?? null, to.primaryKey ?? null)) {
    if (from.primaryKey && to.primaryKey && sameExceptName(from.primaryKey, to.primaryKey)) {
      out.push(renameConstraint(from.primaryKey.name, to.primaryKey.name));
    } else {
      if (from.primaryKey) out.push({ kind: 'dropPrimaryKey', table, primaryKey: from.primaryKey });
      if (to.primaryKey) out.push({ kind: 'addPrimaryKey', table, primaryKey: to.primaryKey });
    }
  }
  diffNamed(from.uniques, to.uniques, {
    drop: (unique) => ({ kind: 'dropUnique', table, unique }),
    add: (unique) => ({ kind: 'addUnique', table, unique }),
    rename: renameConstraint,
  }, out);
  diffNamed(from.indexes, to.indexes, {
    drop: (index) => ({ kind: 'dropIndex', table, index }),
    add: (index) => ({ kind: 'addIndex', table, index, newTable: false }),
    rename: (a, b) => ({ kind: 'renameIndex', table, from: a, to: b }),
  }, out);
  diffNamed(from.foreignKeys, to.foreignKeys, {
    drop: (foreignKey) => ({ kind: 'dropForeignKey', table, foreignKey }),
    add: (foreignKey) => ({ kind: 'addForeignKey', table, foreignKey, newTable: false }),
    rename: renameConstraint,
    validate: (name) => ({ kind: 'validateConstraint', table, name, constraint: 'foreign key' }),
  }, out);
  diffNamed(from.checks, to.checks, {
    drop: (check) => ({ kind: 'dropCheck', table, check }),
    add: (check) => ({ kind: 'addCheck', table, check, newTable: false }),
    rename: renameConstraint,
    validate: (name) => ({ kind: 'validateConstraint', table, name, constraint: 'check' }),
  }, out);

  if ((from.comment ?? null) !== (to.comment ?? null)) {
    out.push({ kind: 'setTableComment', table, ...(to.comment !== undefined ? { comment: to.comment } : {}) });
  }
  if (!same(rowSecurity(from), rowSecurity(to))) out.push({ kind: 'setRowSecurity', table, from: rowSecurity(from), to: rowSecurity(to) });
}

function rowSecurity(table: TableModel): RowSecurity {
  return { enabled: table.rowSecurity === true, forced: table.forceRowSecurity === true };
}

function changedProperties(from: ColumnModel, to: ColumnModel): ColumnProperty[] {
  return columnProperties.filter((p) => (from[p] ?? null) !== (to[p] ?? null));
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
function diffNamed<T extends { readonly name: string; readonly notValid?: true }>(
  from: readonly T[],
  to: readonly T[],
  make: {
    drop: (item: T) => Change;
    add: (item: T) => Change;
    rename: (from: string, to: string) => Change;
    validate?: (name: string) => Change;
  },
  out: Change[],
): void {
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
  }
  for (const item of dropped) if (!renamedFrom.has(item)) out.push(make.drop(item));
  for (const item of added) if (!renamedTo.has(item)) out.push(make.add(item));
  if (!make.validate) return;
  for (const item of byName(from)) {
    const target = wanted.get(item.name);
    if (target && !same(item, target) && canValidate(item, target)) out.push(make.validate(item.name));
  }
}
