import { applyPlan, type ApplyOptions, type TenantResult } from '../apply/apply-plan.js';
import { lockWaitMs } from '../config/config.js';
import type { TenantContext } from '../engines/types.js';
import { errorMessage } from '../errors.js';
import type { PlanFile } from '../plan/plan-file.js';
import type { Project } from '../project/project.js';
import { openSnapshotStore } from '../snapshot/open-store.js';
import { recordSnapshots, snapshotsOfApply, type RecordedSnapshots } from '../snapshot/record-snapshots.js';
import type { SnapshotRun } from '../snapshot/types.js';

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
 * wanted (from the verification read) and ends the run: one git commit for the run.
 */
export async function applyTenants(project: Project, plan: PlanFile, tenants: readonly TenantContext[], options: ApplyOptions): Promise<ApplyRun> {
  const results = await applyPlan(plan, project.adapter, new Map(tenants.map((t) => [t.name, t])), options);
  return { results, ...(await saveSnapshots(project, tenants, { action: 'apply', planId: plan.id }, results)) };
}

/**
 * Saves the snapshots of the tenants the results left as the plan wanted, as one run. The tenants
 * are migrated either way, so a failure here is reported, not thrown.
 */
export async function saveSnapshots(
  project: Project,
  tenants: readonly TenantContext[],
  run: SnapshotRun,
  results: readonly TenantResult[],
): Promise<Omit<ApplyRun, 'results'>> {
  const toSave = snapshotsOfApply(results);
  if (toSave.length === 0) return {};
  try {
    return { snapshots: await recordSnapshots(await openSnapshotStore(project, { tenants }), run, toSave) };
  } catch (error) {
    return { snapshotError: errorMessage(error) };
  }
}
