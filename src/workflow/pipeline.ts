import { applyPlan, type ApplyOptions, type TenantResult } from '../apply/apply-plan.js';
import type { Change } from '../diff/changes.js';
import { diffSchemas, type DiffInput } from '../diff/diff-schemas.js';
import type { DatabaseAdapter } from '../engines/types.js';
import type { TenantContext } from '../domain/tenant.js';
import type { PlanFile } from '../plan/plan-file.js';
import { orderChanges } from '../plan/order-changes.js';
import type { PlanStep, RenderChanges, RenderOptions } from '../plan/step.js';

/** snapshot x desired -> changes (DESIGN.md). The default is `diffSchemas`. */
export interface DiffCalculator {
  diff(input: DiffInput): Change[];
}

/** changes -> ordered, hazard-tagged steps. The default orders with `orderChanges` and renders per engine. */
export interface Planner {
  plan(changes: readonly Change[], options: RenderOptions): PlanStep[];
}

/** Runs a plan across tenants: bounded concurrency, retries, progress. The default is `applyPlan`. */
export interface Executor {
  apply(plan: PlanFile, adapter: DatabaseAdapter, tenants: ReadonlyMap<string, TenantContext>, options: ApplyOptions): Promise<TenantResult[]>;
}

export const defaultDiffCalculator: DiffCalculator = { diff: (input) => diffSchemas(input) };

export function enginePlanner(render: RenderChanges): Planner {
  return { plan: (changes, options) => render(orderChanges(changes), options) };
}

export const defaultExecutor: Executor = { apply: applyPlan };
