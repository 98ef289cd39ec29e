import { tenantObjects } from '../model/tenant-objects.js';
import { describeChange } from '../diff/describe-change.js';
import type { TenantContext } from '../domain/tenant.js';
import type { SchemaModel } from '../model/types.js';
import { buildPlan, type HeldTenant, type PlanFile } from '../plan/plan-file.js';
import type { TenantDiff } from '../plan/plan-tenant.js';
import type { Project } from '../project/project.js';
import { openSnapshotStore } from '../project/snapshot-store.js';
import { recordSnapshots, type RecordedSnapshots } from '../snapshot/record-snapshots.js';
import { assessTenants, type BaseLoader, type TenantAssessment } from './assess-tenants.js';
import { snapshotBases } from './audit-tenants.js';

/**
 * What plan does with a tenant whose live schema changed out of band since its last applied
 * snapshot: leave it out and report it (hold, the default), plan it back to the desired schema
 * (revert), or record its live schema as its snapshot and leave it out of this plan (adopt).
 */
export type DriftAction = 'hold' | 'revert' | 'adopt';

export interface PlanOptions {
  readonly allowDestructive?: boolean;
  readonly concurrentIndexes?: boolean;
  readonly drift?: DriftAction;
}

export interface PlanTenantsOptions extends PlanOptions {
  /** The tenants' last applied snapshots; without it, drift cannot be seen and every tenant is planned. */
  readonly baseOf?: BaseLoader;
}

export interface PlanResult {
  readonly plan: PlanFile;
  readonly diffs: TenantDiff[];
  /** Drifted tenants whose live schema the caller records as their snapshot (drift: adopt). */
  readonly toAdopt: { tenant: string; schema: SchemaModel }[];
}

/** Inspects every tenant, diffs each against its desired schema and builds one grouped plan. */
export async function planTenants(project: Project, tenants: readonly TenantContext[], options: PlanTenantsOptions = {}): Promise<PlanResult> {
  // Reverting drift plans every tenant to its desired schema: no base is needed.
  const baseOf = options.drift === 'revert' ? undefined : options.baseOf;
  return planAssessed(project, await assessTenants(project, tenants, baseOf), options);
}

/** The grouped plan of tenants already assessed; drifted ones are held, reverted or adopted. */
export async function planAssessed(project: Project, assessed: readonly TenantAssessment[], options: PlanOptions = {}): Promise<PlanResult> {
  const driftAction = options.drift ?? 'hold';
  const diffs: TenantDiff[] = [];
  const failed: { tenant: string; error: string }[] = [];
  const held: HeldTenant[] = [];
  const toAdopt: { tenant: string; schema: SchemaModel }[] = [];
  const objects = new Map<string, { types: string[]; sequences: string[] }>();
  for (const a of assessed) {
    if (a.error !== undefined) {
      failed.push({ tenant: a.tenant.name, error: a.error });
      continue;
    }
    const { status, drift, conflicts } = a.verdict;
    if (driftAction !== 'revert' && (status === 'drifted' || status === 'conflict')) {
      held.push({ tenant: a.tenant.name, status, drift: drift.map(describeChange), conflicts: [...conflicts] });
      if (driftAction === 'adopt') toAdopt.push({ tenant: a.tenant.name, schema: a.schema });
      continue;
    }
    diffs.push(a.diff);
    objects.set(a.tenant.name, tenantObjects(a.schema, a.desired.schema));
  }
  const concurrentIndexes = options.concurrentIndexes ?? project.config.apply.concurrentIndexes;
  const plan = buildPlan({
    engine: project.config.engine,
    manifest: await project.desired.manifestInfo(),
    diffs,
    failed,
    held,
    render: project.adapter.render,
    renderOptions: { concurrentIndexes, indexTimeoutMs: project.config.apply.indexTimeoutMs, ...(project.config.grants && { grants: true as const }) },
    tenantObjects: (name) => objects.get(name) ?? { types: [], sequences: [] },
    allowDestructive: options.allowDestructive ?? false,
  });
  return { plan, diffs, toAdopt };
}

/**
 * plan with the project's snapshot store as the three-way base. With drift: adopt, the drifted
 * tenants' live schemas are recorded as their snapshots (one git commit), so the next audit
 * reports them as pending instead of drifted.
 */
export async function planWithSnapshots(
  project: Project,
  tenants: readonly TenantContext[],
  options: PlanOptions = {},
): Promise<PlanResult & { adopted?: RecordedSnapshots }> {
  const store = await openSnapshotStore(project, { tenants });
  const result = await planTenants(project, tenants, { ...options, baseOf: snapshotBases(store) });
  if (result.toAdopt.length === 0) return result;
  const adopted = await recordSnapshots(store, { action: 'adopt drift' }, result.toAdopt);
  return { ...result, adopted };
}
