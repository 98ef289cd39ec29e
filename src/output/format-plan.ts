import type { HeldTenant, PlanFile, PlanGroup } from '../plan/plan-file.js';
import { stepPlacement, type PlanStep, type StepPlacement } from '../plan/step.js';
import type { RecordedSnapshots } from '../snapshot/record-snapshots.js';
import { colors } from './colors.js';

/** The +/-/~ in front of a change's one-line summary. */
export function changeMark(summary: string): string {
  if (/^(create|add)\b/.test(summary)) return colors.green('+');
  if (/^drop\b/.test(summary)) return colors.red('-');
  return colors.yellow('~');
}

export function tenantList(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')}, +${names.length - max} more`;
}

const placementWords: Readonly<Record<StepPlacement, string>> = {
  'main-transaction': '',
  'own-transaction': 'after commit, own transaction',
  'no-transaction': 'after commit, no transaction',
};

/** Where a step runs (said only when outside the main transaction) and the lock it takes. */
export function stepPlacementText(step: PlanStep): string {
  const where = placementWords[stepPlacement(step)];
  return `${where ? `${where}, ` : ''}lock ${step.lock}`;
}

/** True when a step runs after the main transaction has committed. */
export function runsAfterCommit(step: PlanStep): boolean {
  return stepPlacement(step) !== 'main-transaction';
}

export const afterCommitNote =
  "Steps marked 'after commit' run once the tenant's main transaction has committed; if one fails, what the main transaction did stays committed and apply reports the tenant failed, saying what was left.";

function formatGroup(group: PlanGroup): string[] {
  const names = group.tenants.map((t) => t.name);
  const lines = [`  ${colors.bold(`${names.length} tenant${names.length === 1 ? '' : 's'}`)} ${colors.dim(`(${tenantList(names)})`)} ${colors.dim(`group ${group.id}`)}`];
  for (const step of group.steps) {
    const hazards = step.hazards.map((h) => h.code);
    const consent = step.consent === false ? colors.red(' needs consent') : '';
    const tag = hazards.length > 0 ? ' ' + colors.yellow(`[${hazards.join(', ')}]`) + consent : '';
    lines.push(`    ${changeMark(step.summary)} ${step.summary}${tag} ${colors.dim(`(${stepPlacementText(step)})`)}`);
  }
  return lines;
}

/** The readable summary `plan` prints. */
export function formatPlan(plan: PlanFile, file?: string, adopted?: RecordedSnapshots): string {
  const s = plan.summary;
  const lines: string[] = [];
  lines.push(
    `${colors.bold('Plan')} ${plan.id}: ${s.tenants} tenant${s.tenants === 1 ? '' : 's'}, ` +
      `${colors.green(`${s.inSync} in sync`)}, ${s.changed > 0 ? colors.yellow(`${s.changed} to change`) : '0 to change'}` +
      `${s.failed > 0 ? ', ' + colors.red(`${s.failed} failed`) : ''}` +
      `${s.held ? ', ' + colors.red(`${s.held} held for drift`) : ''}`,
  );
  for (const group of plan.groups) {
    lines.push('');
    lines.push(...formatGroup(group));
  }
  if (plan.groups.some((g) => g.steps.some(runsAfterCommit))) lines.push('', afterCommitNote);
  for (const f of plan.failed) lines.push(colors.red(`  ${f.tenant}: ${f.error}`));
  if (plan.held && plan.held.length > 0) lines.push('', ...formatHeld(plan.held, adopted));
  const destructive = plan.groups.some((g) => g.steps.some((st) => st.consent === false));
  if (file) {
    lines.push('');
    lines.push(`Written to ${file}. Review it, then: schema-sync apply ${file}`);
    if (destructive) {
      lines.push(colors.yellow('Some steps delete data: apply refuses them unless you pass --allow-destructive or set consent: true on the step.'));
    }
  } else if (s.changed === 0 && s.failed === 0 && !s.held) {
    lines.push('Every tenant is in sync; no plan written.');
  } else if (s.changed === 0 && s.failed === 0) {
    lines.push('', 'Nothing to change besides the held tenants; no plan written.');
  }
  return lines.join('\n');
}

function formatHeld(held: readonly HeldTenant[], adopted: RecordedSnapshots | undefined): string[] {
  const lines = [colors.red(`Held out of the plan: ${held.length} tenant${held.length === 1 ? '' : 's'} changed out of band since the last apply`)];
  for (const h of held) {
    lines.push(`  ${colors.red(h.status)}  ${h.tenant}${h.conflicts.length > 0 ? ` (conflict on ${h.conflicts.join(', ')})` : ''}`);
    for (const d of h.drift) lines.push(`            ${d}`);
  }
  if (adopted) {
    lines.push(
      `Adopted: their live schema is now their snapshot (${adopted.store}: ${adopted.location}${adopted.commit ? `, commit ${adopted.commit.slice(0, 12)}` : ''}).`,
      'They are pending from now on: describe the change in the manifest or an override to keep it, or plan again to revert it.',
    );
  } else {
    lines.push('Plan with --revert-drift to put them back to the desired schema, or --adopt-drift to record their live schema as the new base.');
  }
  return lines;
}
