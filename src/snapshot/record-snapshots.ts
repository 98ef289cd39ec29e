import pLimit from 'p-limit';
import type { TenantResult } from '../apply/apply-plan.js';
import { fingerprint } from '../model/fingerprint.js';
import type { SchemaModel } from '../model/types.js';
import type { SnapshotRun, SnapshotStore, SnapshotStoreKind } from './types.js';

export interface RecordedSnapshots {
  readonly store: SnapshotStoreKind;
  readonly location: string;
  /** Tenants whose snapshot was saved. */
  readonly saved: readonly string[];
  /** The git commit of the run, when one was made. */
  readonly commit?: string;
  readonly warnings: readonly string[];
}

/** Tenants an apply left as the plan wanted, with the schema its verification read. */
export function snapshotsOfApply(results: readonly TenantResult[]): { tenant: string; schema: SchemaModel }[] {
  return results
    .filter((r) => (r.status === 'applied' || r.status === 'in-sync') && r.schema !== undefined)
    .map((r) => ({ tenant: r.tenant, schema: r.schema! }));
}

/** Saves every tenant's snapshot and ends the run: one git commit, or one batch of rows. */
export async function recordSnapshots(
  store: SnapshotStore,
  run: SnapshotRun,
  snapshots: readonly { tenant: string; schema: SchemaModel }[],
  at: Date = new Date(),
): Promise<RecordedSnapshots> {
  const when = at.toISOString();
  // File writes overlap: one at a time, 10,000 tenants wait on the disk 10,000 times in a row.
  const limit = pLimit(16);
  await Promise.all(
    snapshots.map(({ tenant, schema }) =>
      limit(() => store.save(tenant, schema, { fingerprint: fingerprint(schema), at: when, ...(run.planId !== undefined ? { planId: run.planId } : {}) })),
    ),
  );
  const { commit, warnings } = snapshots.length > 0 ? await store.commit(run) : { commit: undefined, warnings: [] };
  return {
    store: store.kind,
    location: store.location,
    saved: snapshots.map((s) => s.tenant),
    ...(commit !== undefined ? { commit } : {}),
    warnings,
  };
}
