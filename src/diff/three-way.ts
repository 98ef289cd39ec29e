import type { DesiredSchema } from '../model/desired.js';
import { fingerprint } from '../model/fingerprint.js';
import type { SchemaModel, TableModel } from '../model/types.js';
import { changeObjects, objectLabel, sameObject, type ObjectRef } from './change-objects.js';
import type { Change } from './changes.js';
import { diffSchemas } from './diff-schemas.js';

/**
 * Where a tenant stands against its desired schema, with its last applied snapshot as the base:
 * - in-sync: the live schema is the desired one;
 * - pending: the desired schema moved on, the live schema is as last applied (or there is no
 *   snapshot, so drift cannot be told apart);
 * - drifted: the live schema changed out of band since the last apply;
 * - conflict: the desired schema and an out-of-band change both changed the same object, to
 *   different ends.
 */
export type DriftStatus = 'in-sync' | 'pending' | 'drifted' | 'conflict';

export interface ThreeWayInput {
  /**
   * The last applied snapshot; undefined when the tenant has none. Its schema is read only when
   * its fingerprint differs from the live one: a pending tenant's snapshot is never parsed.
   */
  readonly base: { readonly fingerprint: string; schema(): SchemaModel } | undefined;
  readonly actual: SchemaModel;
  readonly desired: DesiredSchema;
  /** actual -> desired: what a plan would do. */
  readonly changes: readonly Change[];
}

export interface ThreeWayResult {
  readonly status: DriftStatus;
  /** base -> actual: what changed out of band since the last apply. */
  readonly drift: readonly Change[];
  /** The objects of a conflict, as labels such as `column accounts.email`. */
  readonly conflicts: readonly string[];
}

/**
 * Kinds an older schema-sync listed as unmanaged and now always reads as objects (triggers,
 * policies and rules are not among them: those of a foreign table are still unmanaged).
 */
const nowManagedKinds: ReadonlySet<string> = new Set(['view', 'materialized view', 'function', 'procedure', 'aggregate', 'domain', 'composite type']);

/**
 * A snapshot written before views, routines and the like were compared says nothing of them (it
 * listed them as unmanaged): none of their differences can be told to be drift, so the base takes
 * the tenant's own. A current snapshot lists none of these kinds as unmanaged.
 */
function withObjectsOfOlderSnapshot(base: SchemaModel, actual: SchemaModel): SchemaModel {
  if (base.objects !== undefined || !(base.unmanaged ?? []).some((u) => nowManagedKinds.has(u.kind))) return base;
  return { ...base, ...(actual.objects !== undefined && { objects: actual.objects }) };
}

/**
 * A snapshot taken while grants were not compared says nothing of them: the tenant's own stand
 * for the base, so none of them is drift (as withObjectsOfOlderSnapshot for objects).
 */
function withGrantsOfOlderSnapshot(base: SchemaModel, actual: SchemaModel): SchemaModel {
  if (base.grants !== undefined || actual.grants === undefined) return base;
  return { ...base, grants: actual.grants };
}

/** Pure. Objects that an override excludes from management never count as drift. */
export function classifyDrift(input: ThreeWayInput): ThreeWayResult {
  const { base, actual, desired, changes } = input;
  if (changes.length === 0) return { status: 'in-sync', drift: [], conflicts: [] };
  if (!base || base.fingerprint === fingerprint(actual)) return { status: 'pending', drift: [], conflicts: [] };
  const baseSchema = withGrantsOfOlderSnapshot(withObjectsOfOlderSnapshot(base.schema(), actual), actual);
  const wanted = objectsOf(diffSchemas({ current: baseSchema, desired: desired.schema, renames: desired.renames, excluded: desired.excluded }));
  const stillDifferent = objectsOf(changes);
  const onlyToValidate = objectsOf(changes.filter((c) => c.kind === 'validateConstraint'));
  const drift = diffSchemas({ current: baseSchema, desired: withoutValidity(actual), excluded: desired.excluded }).filter(
    (change) => !isFailedIndexBuild(change, actual) && !isUnvalidated(change, onlyToValidate) && !madeAsWanted(change, wanted, stillDifferent),
  );
  if (drift.length === 0) return { status: 'pending', drift: [], conflicts: [] };

  const conflicts = new Set<string>();
  for (const object of objectsOf(drift)) {
    // Changed on both sides, and the two ends still differ: had both made the same change,
    // the object would be absent from actual -> desired.
    if (wanted.some((w) => sameObject(w, object)) && stillDifferent.some((d) => sameObject(d, object))) {
      conflicts.add(objectLabel(object));
    }
  }
  return { status: conflicts.size > 0 ? 'conflict' : 'drifted', drift, conflicts: [...conflicts].sort() };
}

/**
 * An INVALID index is what a failed or killed concurrent build leaves (schema-sync's own, when
 * `apply.concurrentIndexes` is on): never a state anyone wants, so never drift. The diff from the
 * live schema plans it as a rebuild, since an invalid index never equals a desired one.
 */
function isFailedIndexBuild(change: Change, actual: SchemaModel): boolean {
  if (change.kind !== 'addIndex' && change.kind !== 'dropIndex') return false;
  if (change.index.invalid) return true;
  const live = actual.tables.find((t) => t.name === change.table)?.indexes.find((i) => i.name === change.index.name);
  return live?.invalid === true;
}

/**
 * The schema with every constraint taken as valid. NOT VALID is what a validation that failed
 * after its main transaction committed leaves (schema-sync's own unfinished work), or a constraint
 * recreated NOT VALID by hand: never a state anyone wants to keep, so losing validity is never
 * drift, as an INVALID index is not. The plan from the live schema still validates or replaces it.
 */
function withoutValidity(schema: SchemaModel): SchemaModel {
  const unvalidated = (t: TableModel) => t.checks.some((c) => c.notValid) || t.foreignKeys.some((f) => f.notValid);
  if (!schema.tables.some(unvalidated)) return schema;
  return {
    ...schema,
    tables: schema.tables.map((t) =>
      unvalidated(t)
        ? { ...t, checks: t.checks.map(({ notValid: _n, ...c }) => c), foreignKeys: t.foreignKeys.map(({ notValid: _n, ...f }) => f) }
        : t,
    ),
  };
}

/**
 * A constraint added since the base that is as desired but NOT VALID: the plan only validates it
 * (and the validation fails, changing nothing, while rows still violate it).
 */
function isUnvalidated(change: Change, onlyToValidate: readonly ObjectRef[]): boolean {
  return changeObjects(change).every((o) => onlyToValidate.some((v) => sameObject(v, o)));
}

/**
 * A difference from the base that the manifest asked for and that is now exactly as desired: the
 * part of an apply that committed before a later step failed or was killed (the main transaction
 * of a tenant whose concurrent index build did not finish). It is the tool's own unfinished work,
 * not drift: the plan finishes the rest. A change by hand that happens to match the manifest is
 * treated alike, as a tenant where all of it matches is in sync.
 */
function madeAsWanted(change: Change, wanted: readonly ObjectRef[], stillDifferent: readonly ObjectRef[]): boolean {
  return changeObjects(change).every((o) => wanted.some((w) => sameObject(w, o)) && !stillDifferent.some((d) => sameObject(d, o)));
}

function objectsOf(changes: readonly Change[]): ObjectRef[] {
  return changes.flatMap(changeObjects);
}
