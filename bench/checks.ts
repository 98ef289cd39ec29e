// The bench measures correct runs only: each timed library call is checked, and a wrong answer
// stops the bench loudly rather than reporting the speed of a broken run.

import type { TenantResult } from '../src/apply/apply-plan.js';
import type { PlanFile } from '../src/plan/plan-file.js';
import type { AuditReport } from '../src/workflow/audit-tenants.js';

export class BenchCheckError extends Error {
  override readonly name = 'BenchCheckError';
}

const sample = (lines: readonly string[], n = 5): string =>
  lines.slice(0, n).join('\n  ') + (lines.length > n ? `\n  ... and ${lines.length - n} more` : '');

export function expectAuditInSync(report: AuditReport, tenants: number, what: string): void {
  const { summary } = report;
  if (summary.total === tenants && summary.inSync === tenants) return;
  const problems = report.tenants
    .filter((t) => t.status !== 'in-sync')
    .map((t) => `${t.tenant}: ${t.status}${t.error ? ` (${t.error})` : ''}${t.differences.length > 0 ? `: ${t.differences.join('; ')}` : ''}`);
  throw new BenchCheckError(
    `${what}: expected all ${tenants} tenants in sync, got total ${summary.total}, in sync ${summary.inSync}, ` +
      `pending ${summary.pending}, drifted ${summary.drifted}, conflicts ${summary.conflicts}, errors ${summary.errors}\n  ${sample(problems)}`,
  );
}

export function expectEmptyPlan(plan: PlanFile, tenants: number, what: string): void {
  if (plan.groups.length === 0 && plan.failed.length === 0 && plan.summary.inSync === tenants) return;
  throw new BenchCheckError(
    `${what}: expected no changes for ${tenants} tenants, got ${plan.groups.length} groups, ` +
      `${plan.summary.inSync} in sync, ${plan.failed.length} failed\n  ` +
      sample([
        ...plan.groups.map((g) => `${g.tenants.length} tenants: ${g.steps.map((s) => s.summary).join('; ')}`),
        ...plan.failed.map((f) => `${f.tenant}: ${f.error}`),
      ]),
  );
}

/** One group holding every tenant, with exactly the steps the bench expects. */
export function expectOneGroup(plan: PlanFile, tenants: number, steps: number, what: string): void {
  const group = plan.groups[0];
  if (plan.groups.length === 1 && group !== undefined && group.tenants.length === tenants && group.steps.length === steps && plan.failed.length === 0) {
    return;
  }
  throw new BenchCheckError(
    `${what}: expected one group of ${tenants} tenants with ${steps} steps, got ${plan.groups.length} groups ` +
      `(${plan.groups.map((g) => `${g.tenants.length} tenants, ${g.steps.length} steps: ${g.steps.map((s) => s.summary).join('; ')}`).join(' | ')}), ` +
      `${plan.failed.length} failed\n  ${sample(plan.failed.map((f) => `${f.tenant}: ${f.error}`))}`,
  );
}

export function expectAllApplied(results: readonly TenantResult[], tenants: number, what: string): void {
  const bad = results.filter((r) => r.status !== 'applied');
  if (results.length === tenants && bad.length === 0) return;
  throw new BenchCheckError(
    `${what}: expected ${tenants} tenants applied, got ${results.length} results, ${bad.length} not applied\n  ` +
      sample(bad.map((r) => `${r.tenant}: ${r.status}${r.error ? `: ${r.error}` : ''}`)),
  );
}
