import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { parseCheckedYaml } from '../manifest/checked-yaml.js';
import { UserError } from '../errors.js';
import type { PlanFile } from './plan-file.js';
import { checkPlanId } from './check-plan.js';

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
  const plan = parseCheckedYaml(text, file, 'plan') as PlanFile;
  checkPlanId(plan, file);
  return plan;
}
