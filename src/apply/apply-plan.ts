import type { DatabaseAdapter } from '../engines/types.js';
import type { TenantContext } from '../domain/tenant.js';
import { checkPlanGroups } from '../plan/check-plan.js';
import type { PlanFile } from '../plan/plan-file.js';
import { applyInWaves } from './apply-in-waves.js';
import type { ApplyOptions } from './apply-options.js';
import type { TenantResult } from './tenant-result.js';

export type { ApplyOptions } from './apply-options.js';
export type { TenantResult, TenantStatus } from './tenant-result.js';

/**
 * Applies exactly the reviewed plan: each tenant under its lock, only if its schema is still the
 * one the plan was computed from, in one transaction, verified before it commits. One tenant's
 * failure never stops or touches another. Every engine goes through the one executor
 * (applyInWaves) with its own batch runner.
 */
export async function applyPlan(
  plan: PlanFile,
  adapter: DatabaseAdapter,
  tenants: ReadonlyMap<string, TenantContext>,
  options: ApplyOptions,
): Promise<TenantResult[]> {
  // Before any tenant is touched: the plan's SQL must be what the planner renders (invariant 5).
  await checkPlanGroups({
    plan,
    render: adapter.render,
    ...(adapter.checkPlannedStatements && { checkStatements: adapter.checkPlannedStatements.bind(adapter) }),
  });
  const results = await applyInWaves(plan, adapter, tenants, options);
  return results.sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}
