import type { Change } from '../diff/changes.js';
import { describeChange } from '../diff/describe-change.js';
import type { DriftStatus } from '../diff/three-way.js';
import type { TenantContext } from '../domain/tenant.js';
import type { UnmanagedObject } from '../model/types.js';
import type { Project } from '../project/project.js';
import { openSnapshotStore } from '../project/snapshot-store.js';
import type { SnapshotStore } from '../snapshot/types.js';
import { assessTenants, type BaseLoader, type TenantAssessment } from './assess-tenants.js';

export type AuditStatus = DriftStatus | 'error';

export type { BaseLoader } from './assess-tenants.js';

export interface TenantAudit {
  readonly tenant: string;
  readonly status: AuditStatus;
  readonly fingerprint?: string;
  /** One line per object that differs from the desired schema: what a plan would do. */
  readonly differences: readonly string[];
  readonly changes: readonly Change[];
  /** One line per change made out of band since the last applied snapshot. */
  readonly drift: readonly string[];
  /** Objects changed both by the desired schema and out of band, to different ends. */
  readonly conflicts: readonly string[];
  /** False when the tenant has no snapshot, so drift cannot be told from pending changes. */
  readonly hasBase: boolean;
  readonly unmanaged: readonly UnmanagedObject[];
  readonly error?: string;
}

export interface AuditSummary {
  readonly total: number;
  readonly inSync: number;
  readonly pending: number;
  readonly drifted: number;
  readonly conflicts: number;
  readonly errors: number;
}

export interface AuditReport {
  readonly tenants: readonly TenantAudit[];
  readonly summary: AuditSummary;
  /** The object kinds compared (DatabaseAdapter.comparedKinds); what a tenant holds beyond them is its `unmanaged`. */
  readonly compared: readonly string[];
}

export interface AuditOptions {
  /** Without it, no tenant has a base and every difference is reported as pending. */
  readonly baseOf?: BaseLoader;
}

/** Read-only drift report: inspects, diffs, and writes nothing (invariant 7). */
export async function auditTenants(project: Project, tenants: readonly TenantContext[], options: AuditOptions = {}): Promise<AuditReport> {
  return auditReport(await assessTenants(project, tenants, options.baseOf), project.adapter.comparedKinds);
}

/** The drift report of tenants already assessed. */
export function auditReport(assessed: readonly TenantAssessment[], compared: readonly string[]): AuditReport {
  const audits = assessed.map((a): TenantAudit => {
    const unmanaged = a.schema?.unmanaged ?? [];
    if (a.error !== undefined) {
      return { tenant: a.tenant.name, status: 'error', differences: [], changes: [], drift: [], conflicts: [], hasBase: false, unmanaged, error: a.error };
    }
    return {
      tenant: a.tenant.name,
      status: a.verdict.status,
      fingerprint: a.diff.from,
      differences: a.diff.changes.map(describeChange),
      changes: a.diff.changes,
      drift: a.verdict.drift.map(describeChange),
      conflicts: a.verdict.conflicts,
      hasBase: a.hasBase,
      unmanaged,
    };
  });
  return { tenants: audits, summary: summarize(audits), compared };
}

/** The base of each tenant: its newest snapshot in the store. */
export function snapshotBases(store: SnapshotStore): BaseLoader {
  return (tenant) => store.current(tenant);
}

/** audit with the project's snapshot store as the base: the three-way report of audit and check. */
export async function auditWithSnapshots(project: Project, tenants: readonly TenantContext[]): Promise<AuditReport> {
  const store = await openSnapshotStore(project, { tenants });
  return auditTenants(project, tenants, { baseOf: snapshotBases(store) });
}

export function summarize(audits: readonly TenantAudit[]): AuditSummary {
  const count = (s: AuditStatus) => audits.filter((a) => a.status === s).length;
  return {
    total: audits.length,
    inSync: count('in-sync'),
    pending: count('pending'),
    drifted: count('drifted'),
    conflicts: count('conflict'),
    errors: count('error'),
  };
}

/** DESIGN.md exit codes for check and audit: 0 in sync, 1 differences or drift, 2 unreadable tenants. */
export function auditExitCode(report: AuditReport): number {
  if (report.summary.errors > 0) return 2;
  return report.summary.inSync < report.summary.total ? 1 : 0;
}
