import type { DesiredSchema } from '../model/desired.js';
import { classifyDrift, type ThreeWayResult } from '../diff/three-way.js';
import type { TenantContext } from '../domain/tenant.js';
import { errorMessage } from '../errors.js';
import { isOfType } from '../diff/type-uses.js';
import type { SchemaModel } from '../model/types.js';
import { diffTenant, type TenantDiff } from '../plan/plan-tenant.js';
import type { Project } from '../project/project.js';
import type { CurrentSnapshot } from '../snapshot/types.js';
import { inspectTenants, type InspectedTenant } from './inspect-tenants.js';

/** A tenant's last applied snapshot, the base of the three-way comparison. */
export type BaseLoader = (tenant: string) => Promise<CurrentSnapshot | undefined>;

/** One tenant inspected, diffed against its desired schema and, given bases, classified three ways. */
export type TenantAssessment =
  | { readonly tenant: TenantContext; readonly error: string; readonly schema?: SchemaModel }
  | {
      readonly tenant: TenantContext;
      readonly error?: undefined;
      readonly schema: SchemaModel;
      readonly desired: DesiredSchema;
      readonly diff: TenantDiff;
      readonly verdict: ThreeWayResult;
      readonly hasBase: boolean;
    };

/**
 * The desired schema's types from other schemas that the tenant's server lacks (an extension not
 * installed there). Its own domains and composite types are among the types it uses but does not
 * list as enums: the plan creates them.
 */
async function missingTypes(project: Project, tenant: TenantContext, desired: SchemaModel): Promise<string[]> {
  const own = (desired.objects ?? []).filter((o) => o.kind === 'domain' || o.kind === 'composite type').map((o) => o.name);
  const types = (desired.externalTypes ?? []).filter((type) => !own.some((name) => isOfType(type, name)));
  const adapter = project.adapter;
  return types.length > 0 && adapter.missingTypes ? adapter.missingTypes(tenant, types) : [];
}

/**
 * Tenants per read. Small enough that while one slice is on the server, the slice before it
 * becomes models and diffs here: a whole fleet read first and diffed after left the server idle
 * while the diff ran, and this process idle while the server read.
 */
const SLICE = 250;

/**
 * Slices read at once, each on its own connection: one is read while the other's rows are turned
 * into models, and a server with a core to spare reads both at the same time (1,000 tenants on
 * PostgreSQL, 2 cores: from about 1.1x to 0.75x of one connection reading the same catalogs).
 */
const READS_IN_FLIGHT = 2;

/**
 * The one read of a run: audit, plan and a reconcile pass all work from it. In-sync tenants load
 * no base: most of a fleet is in sync, and its snapshots stay unread. The result is in the order
 * of `tenants`, whatever order the slices were read in.
 */
export async function assessTenants(project: Project, tenants: readonly TenantContext[], baseOf?: BaseLoader): Promise<TenantAssessment[]> {
  const slices: TenantContext[][] = [];
  for (let i = 0; i < tenants.length; i += SLICE) slices.push(tenants.slice(i, i + SLICE));
  // The desired schema is compiled on a connection of its own while the first slices are read,
  // not after them: with an empty compile cache, the audit then waits for the compile only where
  // it outlasts a slice's read. Its failure is reported where the first tenant awaits it.
  if (tenants[0] !== undefined) project.desired.desiredFor(tenants[0]).catch(() => undefined);
  const assessed: TenantAssessment[][] = [];
  let next = 0;
  let failed = false;
  const reader = async (): Promise<void> => {
    while (!failed && next < slices.length) {
      const index = next++;
      try {
        assessed[index] = await assessSlice(project, await inspectTenants(project, slices[index] as TenantContext[]), baseOf);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, slices.length) }, reader));
  return assessed.flat();
}

async function assessSlice(project: Project, inspected: readonly InspectedTenant[], baseOf?: BaseLoader): Promise<TenantAssessment[]> {
  const assessed: TenantAssessment[] = [];
  for (const { tenant, schema, error } of inspected) {
    if (!schema) {
      assessed.push({ tenant, error: error ?? 'not inspected' });
      continue;
    }
    const desired = await project.desired.desiredFor(tenant);
    const diff = diffTenant(tenant.name, schema, desired, project.refineChanges);
    const missing = diff.changes.length > 0 ? await missingTypes(project, tenant, desired.schema) : [];
    if (missing.length > 0) {
      assessed.push({
        tenant,
        schema,
        error:
          `the desired schema uses ${missing.join(', ')}, which this tenant's server does not have: ` +
          `install the extension that provides ${missing.length === 1 ? 'it' : 'them'} in the schema the manifest names (schema-sync never creates one)`,
      });
      continue;
    }
    try {
      const base = diff.changes.length > 0 && baseOf ? await baseOf(tenant.name) : undefined;
      const verdict = classifyDrift({ base, actual: schema, desired, changes: diff.changes });
      assessed.push({ tenant, schema, desired, diff, verdict, hasBase: base !== undefined });
    } catch (loadError) {
      assessed.push({ tenant, schema, error: `its last snapshot could not be read: ${errorMessage(loadError)}` });
    }
  }
  return assessed;
}
