import { UserError } from '../errors.js';
import { canonicalJson } from '../model/canonical-json.js';
import { groupAsPlanned, groupHazards, planId, renderGroup, type PlanFile, type PlanFileStep, type PlanGroup } from './plan-file.js';
import { isDestructive } from './hazards.js';
import type { PlanStep, RenderChanges } from './step.js';

/**
 * Reviewed = applied (invariant 5). A plan file is trusted only as far as it is what the planner
 * wrote: its id is the digest of its content (consent flags aside), and each group's SQL must be
 * exactly what the renderer produces for the group's recorded changes. Hazards and consent are
 * then read from that rendering, never from labels a hand could have changed.
 */

/** A plan refused whole because its SQL is not what the planner renders for its changes. */
export class PlanRefused extends UserError {}

/** Refuses a plan whose content no longer matches its id: something other than consent was edited. */
export function checkPlanId(plan: PlanFile, file: string): void {
  const expected = planId(plan);
  if (expected === plan.id) return;
  throw new UserError(
    `${file}: the plan was edited after schema-sync wrote it (its content no longer matches its id ${plan.id}); ` +
      'apply refuses it whole. Only `consent: true` on a step may be changed by hand: run plan again to change anything else.',
  );
}

/**
 * How an engine checks, with its own parser, that statements sent as it sends them hold exactly
 * these statements, with every placeholder outside strings and comments; undefined when they do.
 */
export type CheckStatements = (statements: readonly string[], placeholder: string) => Promise<string | undefined>;

export interface CheckGroupsInput {
  readonly plan: PlanFile;
  readonly render: RenderChanges;
  /** The engine's own parser over the SQL as it will be sent; absent where statements go one by one. */
  readonly checkStatements?: CheckStatements;
}

/**
 * Renders every group's changes again and compares them with the file's steps, before any tenant
 * is touched. The first difference refuses the whole plan, naming the group and the step.
 */
export async function checkPlanGroups(input: CheckGroupsInput): Promise<void> {
  const { plan, render } = input;
  const problems: string[] = [];
  // Each tenant has one starting point and one list of steps: a tenant in two groups (or twice
  // in one) would be migrated twice, the second time by steps its review never showed it.
  const groupOf = new Map<string, string>();
  for (const group of plan.groups) {
    for (const tenant of group.tenants) {
      const first = groupOf.get(tenant.name);
      if (first !== undefined) problems.push(`group ${group.id}: tenant ${tenant.name} is already in group ${first}`);
      else groupOf.set(tenant.name, group.id);
    }
  }
  for (const group of plan.groups) {
    const problem = await groupProblem(group, plan, render, input.checkStatements);
    if (problem) problems.push(`group ${group.id} (${group.tenants.length} tenant${group.tenants.length === 1 ? '' : 's'}): ${problem}`);
  }
  if (problems.length === 0) return;
  throw new PlanRefused(
    `plan ${plan.id} refused whole, no tenant touched: its SQL is not what schema-sync plans for its recorded changes.\n  ` +
      problems.join('\n  ') +
      '\nRun plan again; only `consent: true` on a step may be edited by hand.',
  );
}

async function groupProblem(
  group: PlanGroup,
  plan: PlanFile,
  render: RenderChanges,
  checkStatements: CheckStatements | undefined,
): Promise<string | undefined> {
  if (!groupAsPlanned(group)) return `its id no longer matches its changes and SQL (edited by hand)`;
  let rendered: { placeholder: string; steps: PlanStep[] };
  try {
    rendered = renderGroup(group.changes, group.tenantObjects, plan.options, render);
  } catch (error) {
    return `its changes cannot be rendered: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (rendered.placeholder !== group.placeholder) return `its placeholder ${JSON.stringify(group.placeholder)} is not the one plan chooses`;
  const count = Math.max(rendered.steps.length, group.steps.length);
  for (let i = 0; i < count; i++) {
    const want = rendered.steps[i];
    const have = group.steps[i];
    if (!want) return `step ${i + 1} (${have!.summary}) is not rendered from any recorded change`;
    if (!have) return `step ${i + 1} (${want.summary}) is missing from the file`;
    if (canonicalJson(stepData(want)) !== canonicalJson(stepData(have))) {
      return `step ${i + 1} (${want.summary}) differs from what plan renders for it: ${firstDifference(want, have)}`;
    }
  }
  if (canonicalJson(groupHazards(rendered.steps)) !== canonicalJson([...group.hazards])) return `its hazards list is not its steps' hazards`;
  if (checkStatements) {
    for (const [index, sql] of [
      ['main transaction', rendered.steps.filter((s) => s.transactional).flatMap((s) => s.sql)],
      ...rendered.steps.filter((s) => !s.transactional).map((s, i) => [`separate step ${i + 1}`, s.sql] as const),
    ] as const) {
      if (sql.length === 0) continue;
      const problem = await checkStatements(sql, group.placeholder);
      if (problem) return `${index}: ${problem}`;
    }
  }
  return undefined;
}

function stepData(step: PlanFileStep): PlanStep {
  const { consent: _consent, ...rest } = step;
  return rest;
}

function firstDifference(want: PlanStep, have: PlanStep): string {
  if (canonicalJson(want.sql) !== canonicalJson(have.sql)) {
    const at = want.sql.findIndex((s, i) => s !== have.sql[i]);
    const index = at === -1 ? want.sql.length : at;
    return `statement ${index + 1} is ${JSON.stringify(have.sql[index] ?? '(missing)')}, plan renders ${JSON.stringify(want.sql[index] ?? '(nothing)')}`;
  }
  if (canonicalJson(want.hazards) !== canonicalJson(have.hazards)) return 'its hazards are not the ones plan derives from the change';
  return 'its summary or how it runs was changed';
}

/**
 * Steps apply must refuse: those that delete data, by the hazards the renderer derives, unless
 * --allow-destructive was passed or the reviewer set `consent: true` on the step.
 */
export function stepsNeedingConsent(group: PlanGroup, allowDestructive: boolean): PlanFileStep[] {
  if (allowDestructive) return [];
  return group.steps.filter((s) => isDestructive(s.hazards) && s.consent !== true);
}
