import type { PlanFile } from './plan-file.js';

/** The plan with only the named tenants left in its groups; groups left empty are dropped. */
export function narrowPlan(plan: PlanFile, tenants: ReadonlySet<string>, groups: PlanFile['groups'] = plan.groups): PlanFile {
  return { ...plan, groups: groups.map((g) => ({ ...g, tenants: g.tenants.filter((t) => tenants.has(t.name)) })).filter((g) => g.tenants.length > 0) };
}

/** How many tenants a plan applies to. */
export function plannedTenants(plan: PlanFile): number {
  return plan.groups.reduce((n, g) => n + g.tenants.length, 0);
}
