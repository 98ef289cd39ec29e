import type { TenantResult } from './tenant-result.js';

/**
 * The part of an AbortSignal that apply uses. Declared here so the published types compile for a
 * library user with neither Node's nor the DOM's typings; an AbortSignal fits it.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface ApplyOptions {
  readonly concurrency: number;
  readonly retries: number;
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly allowDestructive: boolean;
  /** How long to wait for another apply that holds a tenant's lock. */
  readonly lockWaitMs: number;
  /** Base delay of the exponential backoff between retries. */
  readonly retryDelayMs?: number;
  readonly onResult?: (result: TenantResult) => void;
  readonly onRetry?: (tenant: string, attempt: number, error: string) => void;
  /** Aborting lets tenants in flight finish and starts no new one. */
  readonly signal?: CancelSignal;
  /** Tenants per wave; the default suits large fleets (or the engine's own bound, see BatchRunner.maxWave). */
  readonly waveSize?: number;
  /** A change set whose first this many tenants all fail is halted: the rest are not started. 0: never. */
  readonly failFast?: number;
}
