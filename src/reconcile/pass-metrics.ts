import { applyFailed, type TenantResult } from '../apply/tenant-result.js';
import type { ReconcileMetrics } from './metrics.js';
import type { ReconcileStatus } from './reconcile-pass.js';

/** What the reconcile loop records of one tenant apply (reconcilePass's onApplied). */
export function recordTenantApply(metrics: ReconcileMetrics, result: TenantResult): void {
  metrics.recordApply({ durationSeconds: result.durationMs / 1000, failed: applyFailed(result) });
}

/** What the reconcile loop records of one pass, from its status line. */
export function recordPass(metrics: ReconcileMetrics, status: ReconcileStatus): void {
  metrics.recordRun({
    durationSeconds: status.durationMs / 1000,
    states: status.tenants,
    outcome: status.outcome,
    waves: status.apply?.waves ?? [],
  });
}
