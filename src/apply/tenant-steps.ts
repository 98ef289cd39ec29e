import { stepsNeedingConsent } from '../plan/check-plan.js';
import { sqlForTenant, type PlanGroup } from '../plan/plan-file.js';
import type { PlanStep } from '../plan/step.js';

/** The group's steps with the placeholder replaced by this tenant's quoted name. */
export function stepsForTenant(group: PlanGroup, qualifier: string): PlanStep[] {
  return group.steps.map((step) => ({ ...step, sql: sqlForTenant(group, step, qualifier) }));
}

/** Why apply refuses the group's tenants (a destructive step without consent), or undefined. */
export function consentRefusal(group: PlanGroup, allowDestructive: boolean): string | undefined {
  const refused = stepsNeedingConsent(group, allowDestructive);
  if (refused.length === 0) return undefined;
  return `destructive change needs consent: ${refused.map((s) => s.summary).join('; ')} (pass --allow-destructive, or set consent: true on the step in the plan)`;
}
