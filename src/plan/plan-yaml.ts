import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, stringify } from 'yaml';
import { UserError } from '../errors.js';
import type { PlanFile } from './plan-file.js';

/** YAML text of a plan: stable key order (as built), no line folding, so diffs in review stay small. */
export function writePlanYaml(plan: PlanFile): string {
  const header = [
    `# schema-sync plan ${plan.id}. Review it in a pull request, then: schema-sync apply <this file>`,
    '# Apply runs exactly this SQL, only on tenants whose schema still has the `from` fingerprint.',
    '# To allow one destructive step, set its consent to true (or pass --allow-destructive).',
  ].join('\n');
  return header + '\n' + stringify(plan, { lineWidth: 0, aliasDuplicateObjects: false });
}

let validator: ReturnType<Ajv['compile']> | undefined;

/** Reads and validates a plan file; problems name the file, line and column. */
export async function readPlanFile(file: string): Promise<PlanFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`${file}: plan file not found`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new UserError(`${file}:${pos?.line ?? 1}:${pos?.col ?? 1}: ${e.message.split('\n')[0]}`);
  }
  const value: unknown = doc.toJS();
  if (!validator) {
    const schema: unknown = JSON.parse(readFileSync(new URL('../../schemas/plan.schema.json', import.meta.url), 'utf8'));
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema as object);
  }
  if (!validator(value)) {
    const problems = (validator.errors ?? []).slice(0, 10).map((e) => {
      const segments = e.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replaceAll('~1', '/').replaceAll('~0', '~')));
      const node = doc.getIn(segments, true) as { range?: [number, number] } | undefined;
      const pos = node?.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 };
      const detail = e.keyword === 'additionalProperties' ? `unknown key '${String(e.params['additionalProperty'])}'` : (e.message ?? 'invalid');
      return `${file}:${pos.line}:${pos.col}: ${segments.join('.') || '(top level)'}: ${detail}`;
    });
    throw new UserError(`not a valid schema-sync plan:\n  ${problems.join('\n  ')}`);
  }
  return value as PlanFile;
}
