import type { TenantContext } from '../../domain/tenant.js';
import type { RecoverOutcome } from '../types.js';
import { recoverFile } from './internal/recover.js';

/** Rolls back the hot journal a killed writer left in each tenant's file (DatabaseAdapter.recoverTenants). */
export async function recoverTenants(tenants: readonly TenantContext[], busyTimeoutMs: number): Promise<Map<string, RecoverOutcome>> {
  const out = new Map<string, RecoverOutcome>();
  for (const tenant of tenants) {
    if (tenant.location === undefined) {
      out.set(tenant.name, { ok: false, error: `tenant ${tenant.name} has no SQLite file` });
      continue;
    }
    try {
      out.set(tenant.name, recoverFile(tenant.location, busyTimeoutMs));
    } catch (error) {
      out.set(tenant.name, { ok: false, error: `cannot recover ${tenant.location}: ${(error as Error).message}` });
    }
  }
  return out;
}
