import { applyPlan, type ApplyOptions, type TenantResult } from '../apply/apply-plan.js';
import { lockWaitMs } from '../config/config.js';
import type { TenantContext } from '../engines/types.js';
import { errorMessage } from '../errors.js';
import type { PlanFile } from '../plan/plan-file.js';
import type { Project } from '../project/project.js';
import { openSnapshotStore } from '../snapshot/open-store.js';
import { recordSnapshots, snapshotsOfApply, type RecordedSnapshots } from '../snapshot/record-snapshots.js';

export interface ApplyRun {
  readonly results: TenantResult[];
  /** The snapshots the run saved: one git commit, or one batch of rows. */
  readonly snapshots?: RecordedSnapshots;
  /** Set when the tenants were applied but their snapshots could not be saved. */
  readonly snapshotError?: string;
}

/** The project's apply settings as ApplyOptions; `overrides` wins. */
export function applyOptionsOf(project: Project, overrides: Partial<ApplyOptions> = {}): ApplyOptions {
  const apply = project.config.apply;
  return {
    concurrency: apply.concurrency,
    retries: apply.retries,
    lockTimeoutMs: apply.lockTimeoutMs,
    statementTimeoutMs: apply.statementTimeoutMs,
    lockWaitMs: lockWaitMs(project.config),
    allowDestructive: false,
    ...overrides,
  };
}

/**
 * Applies a plan to the given tenants, then saves the snapshot of every tenant it left as the plan
 * wanted (from the verification read) and ends the run: one git commit for the run. The tenants
 * are migrated either way, so a snapshot failure is reported, not thrown.
 */
export async function applyTenants(project: Project, plan: PlanFile, tenants: readonly TenantContext[], options: ApplyOptions): Promise<ApplyRun> {
  const results = await applyPlan(plan, project.adapter, new Map(tenants.map((t) => [t.name, t])), options);
  const toSave = snapshotsOfApply(results);
  if (toSave.length === 0) return { results };
  try {
    const store = await openSnapshotStore(project, { tenants });
    return { results, snapshots: await recordSnapshots(store, { action: 'apply', planId: plan.id }, toSave) };
  } catch (error) {
    return { results, snapshotError: errorMessage(error) };
  }
}
