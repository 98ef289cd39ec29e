import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { parseCheckedYaml } from '../yaml/checked-yaml.js';
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
  if (writtenByEarlierVersion(text)) {
    throw new UserError(`${file} was written by an earlier schema-sync, whose plans do not record what apply needs to check them against their changes: run plan again`);
  }
  const plan = parseCheckedYaml(text, file, 'plan') as PlanFile;
  checkPlanId(plan, file);
  return plan;
}

/** Plans from before apply rendered them again lack the render inputs and each step's placement. */
function writtenByEarlierVersion(text: string): boolean {
  try {
    const data = parse(text) as { options?: object; groups?: { tenantObjects?: unknown; steps?: { runs?: unknown }[] }[] } | null;
    if (!data || !Array.isArray(data.groups)) return false;
    return !(data.options && 'indexTimeoutMs' in data.options) || data.groups.some((g) => g.tenantObjects === undefined || g.steps?.some((st) => st.runs === undefined));
  } catch {
    return false;
  }
}
