import type { Change } from '../diff/changes.js';
import { describeChange } from '../diff/describe-change.js';
import type { TenantContext } from '../engines/types.js';
import type { UnmanagedObject } from '../model/types.js';
import { diffTenant } from '../plan/plan-tenant.js';
import type { Project } from '../project/project.js';
import { inspectTenants } from './inspect-tenants.js';

export type AuditStatus = 'in-sync' | 'differs' | 'error';

export interface TenantAudit {
  readonly tenant: string;
  readonly status: AuditStatus;
  readonly fingerprint?: string;
  /** One line per object that differs from the desired schema. */
  readonly differences: readonly string[];
  readonly changes: readonly Change[];
  readonly unmanaged: readonly UnmanagedObject[];
  readonly error?: string;
}

export interface AuditReport {
  readonly tenants: readonly TenantAudit[];
  readonly summary: { readonly total: number; readonly inSync: number; readonly differs: number; readonly errors: number };
}

/** Read-only drift report: inspects, diffs, and writes nothing (invariant 7). */
export async function auditTenants(project: Project, tenants: readonly TenantContext[]): Promise<AuditReport> {
  const inspected = await inspectTenants(project, tenants);
  const audits: TenantAudit[] = [];
  for (const { tenant, schema, error } of inspected) {
    if (!schema) {
      audits.push({ tenant: tenant.name, status: 'error', differences: [], changes: [], unmanaged: [], error: error ?? 'not inspected' });
      continue;
    }
    const diff = diffTenant(tenant.name, schema, await project.desiredFor(tenant), project.refineChanges);
    audits.push({
      tenant: tenant.name,
      status: diff.changes.length === 0 ? 'in-sync' : 'differs',
      fingerprint: diff.from,
      differences: diff.changes.map(describeChange),
      changes: diff.changes,
      unmanaged: schema.unmanaged ?? [],
    });
  }
  const count = (s: AuditStatus) => audits.filter((a) => a.status === s).length;
  return {
    tenants: audits,
    summary: { total: audits.length, inSync: count('in-sync'), differs: count('differs'), errors: count('error') },
  };
}

/** DESIGN.md exit codes for check and audit: 0 in sync, 1 differences, 2 unreadable tenants. */
export function auditExitCode(report: AuditReport): number {
  if (report.summary.errors > 0) return 2;
  return report.summary.differs > 0 ? 1 : 0;
}
