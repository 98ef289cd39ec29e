import { changeObjects } from '../diff/change-objects.js';
import type { Change, ChangeKind, ColumnProperty } from '../diff/changes.js';
import type { InspectScope } from '../engines/types.js';
import { compareNames } from '../model/fingerprint.js';
import type { SchemaModel } from '../model/types.js';
import { groupAsPlanned, type PlanGroup } from '../plan/plan-file.js';

/**
 * Changes that only add to a schema or alter in place. Whatever they run, the tables they do not
 * name, the unmanaged objects and the types from elsewhere stay as they were. A drop or a rename
 * can take other objects with it (an owned sequence, a trigger), and a column's new type can drop
 * the last use of an extension's type, so those are verified by reading the whole schema.
 */
const additive: ReadonlySet<ChangeKind> = new Set<ChangeKind>([
  'createEnum',
  'addEnumValues',
  'setEnumComment',
  'createSequence',
  'alterSequence',
  'createTable',
  'setTableComment',
  'addColumn',
  'alterColumn',
  'addPrimaryKey',
  'addUnique',
  'addIndex',
  'alterIndex',
  'addForeignKey',
  'addCheck',
  'addExclusion',
  'validateConstraint',
  'alterTable',
  'setObjectComment',
]);

const enumKinds: ReadonlySet<ChangeKind> = new Set<ChangeKind>(['createEnum', 'addEnumValues', 'setEnumComment']);
const sequenceKinds: ReadonlySet<ChangeKind> = new Set<ChangeKind>(['createSequence', 'alterSequence']);

/**
 * What apply must read back to verify a group's tenants: the tables its changes name, and the
 * enums or sequences when it changes some. Undefined means the whole schema, which is what any
 * other plan gets: one with a drop or a rename, a column type change, or a group edited by hand
 * since it was planned (its SQL may then touch tables its changes do not name).
 *
 * Reading back part of a tenant is sound because apply holds the tenant's lock and read all of it
 * just before, for the stale check: the rest is taken from that read. Anything changed out of
 * band in between (by hand, or by an event trigger firing on the plan's DDL) is not in the
 * snapshot apply saves, so the next audit reports it as drift.
 */
export function verificationScope(group: PlanGroup): InspectScope | undefined {
  // Asked for every tenant of the group; groupAsPlanned hashes the group's changes and SQL.
  const known = scopes.get(group);
  if (known !== undefined) return known.scope;
  const scope = scopeOf(group);
  scopes.set(group, { scope });
  return scope;
}

const scopes = new WeakMap<PlanGroup, { readonly scope: InspectScope | undefined }>();

function scopeOf(group: PlanGroup): InspectScope | undefined {
  if (!groupAsPlanned(group)) return undefined;
  if (!group.changes.every(isScopedChange)) return undefined;
  const tables = new Set<string>();
  for (const change of group.changes) {
    for (const ref of changeObjects(change)) if (ref.table !== undefined) tables.add(ref.table);
  }
  return {
    tables: [...tables].sort(compareNames),
    enums: group.changes.some((c) => enumKinds.has(c.kind)),
    sequences: group.changes.some((c) => sequenceKinds.has(c.kind) || (c.kind === 'setObjectComment' && c.object.kind === 'sequence')),
  };
}

/**
 * Column changes that stay in place. A new type or collation can end the last use of another
 * schema's type, and a new generation expression is a DROP and ADD of the column, which drops a
 * sequence it owns.
 */
const inPlaceColumnChanges: ReadonlySet<ColumnProperty> = new Set<ColumnProperty>([
  'nullable',
  'default',
  'identity',
  'comment',
  'statistics',
  'storage',
  'compression',
  'options',
  'identityOptions',
  'identitySequenceName',
]);

function isScopedChange(change: Change): boolean {
  if (!additive.has(change.kind)) return false;
  return change.kind !== 'alterColumn' || change.changed.every((property) => inPlaceColumnChanges.has(property));
}

/**
 * The schema after an apply, from the read before it and the part read back: the tables of the
 * scope as read back (a table it names that is not there is gone), with any other table read back
 * (an engine reads the tables that inherit from a scoped one too, since their columns and checks
 * follow their parent's), the enums and sequences read back when the scope asked for them, and
 * everything else as it was.
 */
export function withRereadPart(before: SchemaModel, reread: SchemaModel, scope: InspectScope): SchemaModel {
  const scoped = new Set([...scope.tables, ...reread.tables.map((t) => t.name)]);
  const tables = [...before.tables.filter((t) => !scoped.has(t.name)), ...reread.tables].sort((a, b) => compareNames(a.name, b.name));
  const externalTypes = [...new Set([...(before.externalTypes ?? []), ...(reread.externalTypes ?? [])])].sort(compareNames);
  return {
    tables,
    enums: scope.enums ? reread.enums : before.enums,
    sequences: scope.sequences ? reread.sequences : before.sequences,
    ...(externalTypes.length > 0 && { externalTypes }),
    ...(before.unmanaged !== undefined && { unmanaged: before.unmanaged }),
    ...(before.objects !== undefined && { objects: before.objects }),
    ...(before.grants !== undefined && { grants: before.grants }),
  };
}
