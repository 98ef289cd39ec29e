import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/model/canonical-json.js';
import { planId, type PlanFile, type PlanGroup } from '../../src/plan/plan-file.js';

/** The plan as an attacker who also recomputes every digest (group ids and the plan id) would leave it. */
export function withDigests(plan: PlanFile): PlanFile {
  const groups = plan.groups.map((g): PlanGroup => {
    const steps = g.steps.map(({ consent: _c, ...s }) => s);
    const id = createHash('sha256').update(canonicalJson({ changes: g.changes, objects: g.tenantObjects, steps })).digest('hex').slice(0, 12);
    return { ...g, id };
  });
  const body = { ...plan, groups };
  return { ...body, id: planId(body) };
}
