import type { SchemaModel } from '../model/types.js';

export type TenantStatus = 'applied' | 'in-sync' | 'stale' | 'failed' | 'refused' | 'not-started';

export interface TenantResult {
  readonly tenant: string;
  readonly status: TenantStatus;
  readonly error?: string;
  readonly attempts: number;
  readonly durationMs: number;
  readonly warnings: readonly string[];
  /**
   * The schema apply read to verify an applied tenant (or to find an in-sync one so): what the
   * tenant's snapshot records, with no further inspection. Also on a failed tenant that was
   * changed all the same (committed), as it now is.
   */
  readonly schema?: SchemaModel;
  /**
   * A failed tenant whose change was committed anyway (a step outside its transaction failed, or
   * the verification after it did): its snapshot records its real state, so the next audit
   * sees schema-sync's own work as pending, not as drift.
   */
  readonly committed?: boolean;
}

/** A stale or refused tenant was not migrated either: for the loop, its apply failed. */
export function applyFailed(result: TenantResult): boolean {
  return result.status === 'failed' || result.status === 'stale' || result.status === 'refused';
}
