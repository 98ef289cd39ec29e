import type { Change } from '../diff/changes.js';
import { describeChange } from '../diff/describe-change.js';
import { classifyDrift, type DriftStatus } from '../diff/three-way.js';
import type { TenantContext } from '../engines/types.js';
import { errorMessage } from '../errors.js';
import type { SchemaModel, UnmanagedObject } from '../model/types.js';
import { diffTenant } from '../plan/plan-tenant.js';
import type { Project } from '../project/project.js';
import { openSnapshotStore } from '../snapshot/open-store.js';
import type { CurrentSnapshot, SnapshotStore } from '../snapshot/types.js';
import { inspectTenants } from './inspect-tenants.js';

export type AuditStatus = DriftStatus | 'error';

/** A tenant's last applied snapshot, the base of the three-way comparison. */
export type BaseLoader = (tenant: string) => Promise<CurrentSnapshot | undefined>;

/**
 * The base schema for classifyDrift. A snapshot with the live fingerprint is the live schema
 * itself, so the common case (pending: only the manifest moved) never parses a snapshot.
 */
export async function loadBase(baseOf: BaseLoader, tenant: string, live: SchemaModel, liveFingerprint: string): Promise<SchemaModel | undefined> {
  const snapshot = await baseOf(tenant);
  if (!snapshot) return undefined;
  return snapshot.fingerprint === liveFingerprint ? live : snapshot.schema();
}

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
}

export interface AuditOptions {
  /** Without it, no tenant has a base and every difference is reported as pending. */
  readonly baseOf?: BaseLoader;
}

/** Read-only drift report: inspects, diffs, and writes nothing (invariant 7). */
export async function auditTenants(project: Project, tenants: readonly TenantContext[], options: AuditOptions = {}): Promise<AuditReport> {
  const inspected = await inspectTenants(project, tenants);
  const audits: TenantAudit[] = [];
  for (const { tenant, schema, error } of inspected) {
    const unmanaged = schema?.unmanaged ?? [];
    const failed = (message: string): TenantAudit => ({
      tenant: tenant.name,
      status: 'error',
      differences: [],
      changes: [],
      drift: [],
      conflicts: [],
      hasBase: false,
      unmanaged,
      error: message,
    });
    if (!schema) {
      audits.push(failed(error ?? 'not inspected'));
      continue;
    }
    const desired = await project.desiredFor(tenant);
    const diff = diffTenant(tenant.name, schema, desired, project.refineChanges);
    // In-sync tenants need no base: most of a fleet is in sync, and its snapshots stay unread.
    let base: SchemaModel | undefined;
    if (diff.changes.length > 0 && options.baseOf) {
      try {
        base = await loadBase(options.baseOf, tenant.name, schema, diff.from);
      } catch (loadError) {
        audits.push(failed(`its last snapshot could not be read: ${errorMessage(loadError)}`));
        continue;
      }
    }
    const verdict = classifyDrift({ base, actual: schema, desired, changes: diff.changes });
    audits.push({
      tenant: tenant.name,
      status: verdict.status,
      fingerprint: diff.from,
      differences: diff.changes.map(describeChange),
      changes: diff.changes,
      drift: verdict.drift.map(describeChange),
      conflicts: verdict.conflicts,
      hasBase: base !== undefined,
      unmanaged,
    });
  }
  return { tenants: audits, summary: summarize(audits) };
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
