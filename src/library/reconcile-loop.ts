import type { ReconcilePolicy } from '../config/config.js';
import type { LoadConfigOptions } from '../config/load-config.js';
import { UserError, errorMessage } from '../errors.js';
import type { ReconcileMetrics, TenantState } from '../reconcile/metrics.js';
import { recordPass, recordTenantApply } from '../reconcile/pass-metrics.js';
import { reconcilePass, type ReconcileStatus } from '../reconcile/reconcile-pass.js';
import type { TenantFilter } from '../tenants/select-tenants.js';
import { onInterrupt } from './interrupts.js';

export interface ReconcileLoopOptions {
  readonly load: LoadConfigOptions;
  readonly filter: TenantFilter;
  /** Wins over the config's reconcile.policy. */
  readonly policy?: ReconcilePolicy;
  /** One pass every interval until a signal; without it, one pass. */
  readonly intervalMs?: number;
  readonly metrics?: ReconcileMetrics;
  /** Each pass's status, a failed pass's too. */
  readonly onStatus: (status: ReconcileStatus) => void;
  /**
   * SIGTERM or SIGINT stops the loop: the tenants in flight finish (their transactions roll back
   * when cancelled), no other starts, and no pass follows. Told once, on the first.
   */
  readonly onStop?: (signal: NodeJS.Signals) => void;
}

/**
 * reconcile: one pass, or a pass every interval until a signal. Returns the exit code of
 * DESIGN.md: a loop stopped by a signal ends cleanly (0); one pass says what it found.
 */
export async function reconcileLoop(options: ReconcileLoopOptions): Promise<number> {
  const stop = new AbortController();
  let wake: (() => void) | undefined;
  const signals = onInterrupt((signal) => {
    if (!stop.signal.aborted) options.onStop?.(signal);
    stop.abort();
    wake?.();
  });
  try {
    let code = 0;
    for (;;) {
      code = exitCodeOf(await pass(options, stop.signal));
      if (options.intervalMs === undefined || stop.signal.aborted) break;
      const intervalMs = options.intervalMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      if (stop.signal.aborted) break;
    }
    return options.intervalMs !== undefined ? 0 : code;
  } finally {
    signals.release();
  }
}

/** One pass; a pass that could not run becomes a failed status, so a loop goes on. */
async function pass(options: ReconcileLoopOptions, signal: AbortSignal): Promise<ReconcileStatus & { exitCode?: number }> {
  const started = Date.now();
  const { metrics } = options;
  let status: ReconcileStatus & { exitCode?: number };
  try {
    status = await reconcilePass({
      load: options.load,
      filter: options.filter,
      ...(options.policy !== undefined ? { policy: options.policy } : {}),
      signal,
      ...(metrics && {
        onApplied: (r) => recordTenantApply(metrics, r),
      }),
    });
  } catch (error) {
    status = failedStatus(started, options.policy ?? 'report', errorMessage(error), error instanceof UserError ? error.exitCode : 2);
  }
  if (metrics) recordPass(metrics, status);
  options.onStatus(status);
  return status;
}

const noTenants: Record<TenantState, number> = { 'in-sync': 0, pending: 0, drifted: 0, conflict: 0, error: 0 };

function failedStatus(started: number, policy: ReconcileStatus['policy'], error: string, exitCode: number): ReconcileStatus & { exitCode: number } {
  return {
    at: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    policy,
    tenants: noTenants,
    drifted: [],
    refused: 0,
    interrupted: false,
    warnings: [],
    outcome: 'failed',
    error,
    exitCode,
  };
}

/** DESIGN.md exit codes: 3 an apply failed, 2 the pass or a tenant could not be read, 1 not all in sync. */
function exitCodeOf(status: ReconcileStatus & { exitCode?: number }): number {
  if (status.exitCode !== undefined) return status.exitCode;
  if ((status.apply?.failed ?? 0) > 0 || status.apply?.snapshotError !== undefined) return 3;
  if (status.tenants.error > 0 || status.refused > 0) return 2;
  return status.outcome === 'ok' ? 0 : 1;
}
