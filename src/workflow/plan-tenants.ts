import type { TenantContext } from '../engines/types.js';
import { buildPlan, type PlanFile } from '../plan/plan-file.js';
import { diffTenant, type TenantDiff } from '../plan/plan-tenant.js';
import type { Project } from '../project/project.js';
import { inspectTenants } from './inspect-tenants.js';

export interface PlanOptions {
  readonly allowDestructive?: boolean;
  readonly concurrentIndexes?: boolean;
}

/** Inspects every tenant, diffs each against its desired schema and builds one grouped plan. */
export async function planTenants(project: Project, tenants: readonly TenantContext[], options: PlanOptions = {}): Promise<{ plan: PlanFile; diffs: TenantDiff[] }> {
  const inspected = await inspectTenants(project, tenants);
  const diffs: TenantDiff[] = [];
  const failed: { tenant: string; error: string }[] = [];
  const objects = new Map<string, { types: string[]; sequences: string[] }>();
  for (const { tenant, schema, error } of inspected) {
    if (!schema) {
      failed.push({ tenant: tenant.name, error: error ?? 'not inspected' });
      continue;
    }
    const desired = await project.desiredFor(tenant);
    diffs.push(diffTenant(tenant.name, schema, desired, project.refineChanges));
    objects.set(tenant.name, project.tenantObjects(schema, desired.schema));
  }
  const concurrentIndexes = options.concurrentIndexes ?? project.config.apply.concurrentIndexes;
  const plan = buildPlan({
    engine: project.config.engine,
    manifest: await project.manifestInfo(),
    diffs,
    failed,
    render: project.adapter.render,
    renderOptions: { concurrentIndexes, indexTimeoutMs: project.config.apply.indexTimeoutMs },
    tenantObjects: (name) => objects.get(name) ?? { types: [], sequences: [] },
    allowDestructive: options.allowDestructive ?? false,
  });
  return { plan, diffs };
}
