import type { ApplyOptions, TenantResult } from '../apply/apply-plan.js';
import type { PlanFile } from '../plan/plan-file.js';
import { requireTenants, type Project } from '../project/project.js';
import type { TenantFilter } from '../tenants/select-tenants.js';
import { applyOptionsOf, applyTenants, checkPlanGrants, type ApplyRun } from '../workflow/apply-tenants.js';
import { narrowPlan, plannedTenants } from '../plan/narrow-plan.js';
import { onInterrupt } from './interrupts.js';
import { defaultExecutor, type Executor } from '../workflow/pipeline.js';

export interface ApplyReviewedOptions extends Partial<ApplyOptions> {
  /** Only these of the plan's tenants (--tenant, --label, --shard); none matching is an error. */
  readonly filter?: TenantFilter;
  /**
   * Apply stops on SIGINT or SIGTERM: the first cancels the tenants in flight (their transactions
   * roll back) and starts no more, then calls `cancelling`; a second calls `stopNow`, which is
   * expected to end the process. Without it, signals are left to the caller.
   */
  readonly interrupts?: { readonly cancelling?: () => void; readonly stopNow: (seen: readonly TenantResult[], total: number) => void };
  /** Called once the tenants to apply are known (0 when the plan has none of them), before any is touched. */
  readonly onPlanned?: (tenants: number) => void | Promise<void>;
  readonly executor?: Executor;
}

export interface ReviewedRun extends ApplyRun {
  /** Tenants of the plan the run was asked to apply, after the filter. */
  readonly planned: number;
}

/**
 * Applies a reviewed plan as `apply` does: narrowed to the filter's tenants, interruptible, and
 * saving the snapshots of the tenants it migrated.
 */
export async function applyReviewed(project: Project, plan: PlanFile, options: ApplyReviewedOptions = {}): Promise<ReviewedRun> {
  const { filter, interrupts, onPlanned, executor = defaultExecutor, ...overrides } = options;
  const filtered = (filter?.tenants?.length ?? 0) > 0 || (filter?.labels?.length ?? 0) > 0 || filter?.shard !== undefined;
  const discovery = await project.discover(filter ?? {});
  if (filtered) requireTenants(discovery);
  const narrowed = filtered ? narrowPlan(plan, new Set(discovery.tenants.map((t) => t.name))) : plan;
  const planned = plannedTenants(narrowed);
  await onPlanned?.(planned);
  // Even a plan with nothing left to apply is refused when the config reads tenants otherwise.
  checkPlanGrants(project, plan);
  if (planned === 0) return { results: [], planned };

  const abort = new AbortController();
  const seen: TenantResult[] = [];
  const signals = interrupts
    ? onInterrupt((_signal, count) => {
        if (count === 1) {
          abort.abort();
          interrupts.cancelling?.();
        } else {
          interrupts.stopNow(seen, planned);
        }
      })
    : undefined;
  try {
    const run = await applyTenants(
      project,
      narrowed,
      discovery.tenants,
      applyOptionsOf(project, {
        ...overrides,
        ...(signals ? { signal: abort.signal } : {}),
        onResult: (r) => {
          seen.push(r);
          overrides.onResult?.(r);
        },
      }),
      executor,
    );
    return { ...run, planned };
  } finally {
    signals?.release();
  }
}
