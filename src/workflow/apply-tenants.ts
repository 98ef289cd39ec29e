import { UserError } from '../errors.js';
import type { ApplyOptions, TenantResult } from '../apply/apply-plan.js';
import { lockWaitMs } from '../config/config.js';
import type { TenantContext } from '../domain/tenant.js';
import { errorMessage } from '../errors.js';
import type { PlanFile } from '../plan/plan-file.js';
import type { Project } from '../project/project.js';
import { openSnapshotStore } from '../project/snapshot-store.js';
import { SnapshotRecorder, SnapshotsNotSavedError, snapshotsOfApply, type RecordedSnapshots } from '../snapshot/record-snapshots.js';
import type { SnapshotRun } from '../snapshot/types.js';
import { defaultExecutor, type Executor } from './pipeline.js';

export interface ApplyRun {
  readonly results: TenantResult[];
  /** The snapshots the run saved: one git commit, or one batch of rows. */
  readonly snapshots?: RecordedSnapshots;
  /** Set when tenants were applied but their snapshots could not be saved: the run failed (exit 3). */
  readonly snapshotError?: string;
  /** The tenants whose snapshots were not saved, with snapshotError. */
  readonly unsavedSnapshots?: readonly string[];
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
    failFast: apply.failFast,
    allowDestructive: false,
    ...overrides,
  };
}

/** A plan is applied with the grants setting it was made with: its fingerprints were taken so. */
export function checkPlanGrants(project: Project, plan: PlanFile): void {
  if ((plan.options.grants === true) !== project.config.grants) {
    // Its fingerprints were taken with (or without) the grants: read otherwise, every tenant would look changed.
    const [planned, now] = plan.options.grants === true ? ['with grants compared', 'off'] : ['without grants compared', 'on'];
    throw new UserError(`plan ${plan.id} was made ${planned}, but this config has grants ${now}: apply it with the config it was made with, or plan again`);
  }
}

/**
 * Applies a plan to the given tenants, saving the snapshot of every tenant it leaves as the plan
 * wanted (from the verification read) once the tenants are done, and ends the run: one git commit
 * for the run.
 */
export async function applyTenants(
  project: Project,
  plan: PlanFile,
  tenants: readonly TenantContext[],
  options: ApplyOptions,
  executor: Executor = defaultExecutor,
): Promise<ApplyRun> {
  checkPlanGrants(project, plan);
  const snapshots = snapshotsAsApplied(project, tenants, { action: 'apply', planId: plan.id }, options.onResult);
  const results = await snapshots.during(executor.apply(plan, project.adapter, new Map(tenants.map((t) => [t.name, t])), { ...options, onResult: snapshots.onResult }));
  return { results, ...(await snapshots.finish()) };
}

export interface SnapshotsAsApplied {
  /** ApplyOptions.onResult: records the tenant's snapshot when it ended as the plan wanted, then calls `next`. */
  readonly onResult: (result: TenantResult) => void;
  /** Awaits an apply; if it throws, the snapshots saved so far are still ended as a run. */
  during<T>(apply: Promise<T>): Promise<T>;
  /** Waits for the saves and ends the run. The tenants are migrated either way, so a failure is returned (for exit 3), not thrown. */
  finish(): Promise<Omit<ApplyRun, 'results'>>;
}

/** The snapshots of an apply's tenants, collected as their results come in and saved as one run by finish(). */
export function snapshotsAsApplied(
  project: Project,
  tenants: readonly TenantContext[],
  run: SnapshotRun,
  next?: (result: TenantResult) => void,
): SnapshotsAsApplied {
  const recorder = new SnapshotRecorder(() => openSnapshotStore(project, { tenants }), run);
  const finish = async (): Promise<Omit<ApplyRun, 'results'>> => {
    if (recorder.empty) return {};
    try {
      return { snapshots: await recorder.finish() };
    } catch (error) {
      return { snapshotError: errorMessage(error), unsavedSnapshots: error instanceof SnapshotsNotSavedError ? error.tenants : [] };
    }
  };
  return {
    onResult(result) {
      for (const { tenant, schema } of snapshotsOfApply([result])) recorder.save(tenant, schema);
      next?.(result);
    },
    async during(apply) {
      try {
        return await apply;
      } catch (error) {
        await finish();
        throw error;
      }
    },
    finish,
  };
}
