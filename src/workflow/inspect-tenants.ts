import type { TenantContext } from '../domain/tenant.js';
import type { SchemaModel } from '../model/types.js';
import type { Project } from '../project/project.js';

export interface InspectedTenant {
  readonly tenant: TenantContext;
  readonly schema?: SchemaModel;
  readonly error?: string;
}

/** Batched, read-only inspection of many tenants; a tenant that cannot be read carries its error. */
export async function inspectTenants(project: Project, tenants: readonly TenantContext[]): Promise<InspectedTenant[]> {
  const outcomes = await project.adapter.inspector.inspectTenants(tenants);
  return tenants.map((tenant) => {
    const outcome = outcomes.get(tenant.name);
    if (!outcome) return { tenant, error: 'not inspected' };
    return outcome.ok ? { tenant, schema: outcome.schema } : { tenant, error: outcome.error };
  });
}
