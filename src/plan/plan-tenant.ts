import type { Change } from '../diff/changes.js';
import { diffSchemas } from '../diff/diff-schemas.js';
import { expectedSchema } from '../diff/expected-schema.js';
import type { DesiredSchema } from '../model/desired.js';
import { fingerprint } from '../model/fingerprint.js';
import type { SchemaModel } from '../model/types.js';
import { orderChanges } from './order-changes.js';

/** The outcome of diffing one tenant: ordered changes and the fingerprints apply checks. */
export interface TenantDiff {
  readonly tenant: string;
  /** Fingerprint of the live schema the changes were computed from (the stale check). */
  readonly from: string;
  /** Fingerprint the tenant must have after apply (the verification). */
  readonly to: string;
  readonly changes: readonly Change[];
}

export type RefineChanges = (changes: readonly Change[], current: SchemaModel, desired: SchemaModel) => Change[];

/**
 * Pure: current x desired -> ordered changes. `desired.schema` must be normalized already;
 * `refine` is the engine's rewrite of changes it cannot make one by one.
 */
export function diffTenant(tenant: string, current: SchemaModel, desired: DesiredSchema, refine?: RefineChanges): TenantDiff {
  const diffed = diffSchemas({ current, desired: desired.schema, renames: desired.renames, excluded: desired.excluded });
  const changes = orderChanges(refine ? refine(diffed, current, desired.schema) : diffed);
  const from = fingerprint(current);
  // A tenant with nothing to change is verified by nothing; most tenants of an audit are such.
  const to = changes.length === 0 ? from : fingerprint(expectedSchema(current, desired.schema, desired.excluded));
  return { tenant, from, to, changes };
}
