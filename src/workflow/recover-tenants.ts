import type { TenantContext } from '../domain/tenant.js';
import type { Project } from '../project/project.js';

export interface RecoveredTenant {
  readonly tenant: string;
  /** recovered: an interrupted write was rolled back; clean: there was nothing to do. */
  readonly status: 'recovered' | 'clean' | 'failed';
  readonly error?: string;
}

/**
 * Rolls back what killed writers left behind (SQLite hot journals), each tenant under its own
 * lock, so read-only inspection can read it again. Engines whose server recovers by itself have
 * nothing to do: every tenant is clean.
 */
export async function recoverTenants(project: Project, tenants: readonly TenantContext[]): Promise<RecoveredTenant[]> {
  const adapter = project.adapter;
  if (!adapter.recoverTenants) return tenants.map((t) => ({ tenant: t.name, status: 'clean' }));
  const outcomes = await adapter.recoverTenants(tenants);
  return tenants.map((t) => {
    const outcome = outcomes.get(t.name);
    if (!outcome) return { tenant: t.name, status: 'failed', error: 'not recovered' };
    if (!outcome.ok) return { tenant: t.name, status: 'failed', error: outcome.error };
    return { tenant: t.name, status: outcome.recovered ? 'recovered' : 'clean' };
  });
}
