import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { parseCheckedYaml } from '../manifest/checked-yaml.js';
import { UserError } from '../errors.js';
import type { PlanFile } from './plan-file.js';
import { stepPlacement, type PlanStep } from './step.js';

/** YAML text of a plan: stable key order (as built), no line folding, so diffs in review stay small. */
export function writePlanYaml(plan: PlanFile): string {
  const header = [
    `# schema-sync plan ${plan.id}. Review it in a pull request, then: schema-sync apply <this file>`,
    '# Apply runs exactly this SQL, only on tenants whose schema still has the `from` fingerprint.',
    '# To allow one destructive step, set its consent to true (or pass --allow-destructive).',
  ].join('\n');
  return header + '\n' + stringify(plan, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Reads and validates a plan file; problems name the file, line and column. */
export async function readPlanFile(file: string): Promise<PlanFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`${file}: plan file not found`);
  }
  return withPlacements(parseCheckedYaml(text, file, 'plan') as PlanFile);
}

/**
 * A plan written before steps said where they run and which lock they take has only
 * `transactional`: placement follows from it, and the lock, not recorded, is taken as the
 * strongest. (Such a group no longer digests as planned, so apply verifies it whole.)
 */
function withPlacements(plan: PlanFile): PlanFile {
  type OldStep = Omit<PlanStep, 'runs' | 'lock'> & Partial<Pick<PlanStep, 'runs' | 'lock'>>;
  const strongest = plan.engine === 'sqlite' ? ('DATABASE WRITE' as const) : ('ACCESS EXCLUSIVE' as const);
  const complete = (step: OldStep) => ({ ...step, runs: stepPlacement(step), lock: step.lock ?? strongest });
  if (plan.groups.every((g) => g.steps.every((s: OldStep) => s.runs !== undefined && s.lock !== undefined))) return plan;
  return { ...plan, groups: plan.groups.map((g) => ({ ...g, steps: g.steps.map(complete) })) };
}
