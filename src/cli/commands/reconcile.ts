import { Flags } from '@oclif/core';
import { parseDuration } from '../../config/duration.js';
import { UserError, errorMessage } from '../../errors.js';
import { formatReconcileStatus } from '../../output/format-reconcile.js';
import { ReconcileMetrics, type TenantState } from '../../reconcile/metrics.js';
import { serveMetrics, type MetricsServer } from '../../reconcile/metrics-server.js';
import { reconcilePass, type ReconcileStatus } from '../../reconcile/reconcile-pass.js';
import { BaseCommand, tenantFlags } from '../base-command.js';

export default class Reconcile extends BaseCommand {
  private jsonOutput = false;
  static override summary = 'Audit every tenant against git, report drift, and act on the reconcile policy: once, or in a loop.';
  static override description =
    "Each pass fetches the git ref the config follows (reconcile.ref), audits every tenant three ways (desired, last applied snapshot, live), writes the drift report (reconcile.reports: drift.json, drift.md), then acts on the policy: report (the default) does nothing more; plan writes a plan of the pending tenants and commits it to a branch for review; apply-safe applies the change sets with no hazard, in waves by label (reconcile.waves, canary first), halting after reconcile.maxFailuresPerWave failures in a wave. Tenants that drifted are never overwritten. SIGTERM or SIGINT cancels the tenants in flight (their transactions roll back), releases their locks and exits. One pass exits 0 when every tenant is in sync, 1 when some are not, 2 on config errors, when no tenant matched, or on unreadable or refused tenants, 3 when an apply failed or the snapshots of the tenants it migrated could not be saved.";
  static override examples = [
    '<%= config.bin %> reconcile',
    '<%= config.bin %> reconcile --json',
    '<%= config.bin %> reconcile --interval 5m --metrics-port 9464',
    '<%= config.bin %> reconcile --policy apply-safe --shard 2/4',
  ];
  static override flags = {
    ...tenantFlags,
    interval: Flags.string({ description: 'run as a loop, one pass every interval (such as 30s, 5m, 1h); without it, one pass' }),
    policy: Flags.string({ description: 'what a pass does beyond the report (default: reconcile.policy, else report)', options: ['report', 'plan', 'apply-safe'] }),
    'metrics-port': Flags.integer({ description: 'serve Prometheus metrics on this port at /metrics (0: any free port)', min: 0, max: 65535 }),
  };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Reconcile);
    this.jsonOutput = flags.json;
    const intervalMs = flags.interval !== undefined ? this.interval(flags.interval) : undefined;
    const load = {
      ...(flags.config !== undefined ? { file: flags.config } : {}),
      ...(flags['database-url'] !== undefined ? { databaseUrl: flags['database-url'] } : {}),
    };
    const filter = this.tenantFilter(flags);
    const policy = flags.policy as 'report' | 'plan' | 'apply-safe' | undefined;

    const metrics = new ReconcileMetrics();
    let server: MetricsServer | undefined;
    if (flags['metrics-port'] !== undefined) {
      server = await serveMetrics(metrics, { port: flags['metrics-port'] });
      process.stderr.write(`metrics at http://127.0.0.1:${server.port}/metrics\n`);
    }

    const stop = new AbortController();
    let wake: (() => void) | undefined;
    const onSignal = (signal: string) => {
      if (!stop.signal.aborted) process.stderr.write(`\n${signal}: finishing the tenants in flight, then exiting.\n`);
      stop.abort();
      wake?.();
    };
    const onTerm = () => onSignal('SIGTERM');
    const onInt = () => onSignal('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    try {
      let code = 0;
      for (;;) {
        const status = await this.pass(load, filter, policy, stop.signal, metrics);
        code = exitCodeOf(status);
        if (intervalMs === undefined || stop.signal.aborted) break;
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
      // A loop stopped by a signal ends cleanly; one pass reports what it found.
      return intervalMs !== undefined ? 0 : code;
    } finally {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      await server?.close();
    }
  }

  /** One pass; a pass that could not run becomes a failed status, so a loop goes on. */
  private async pass(
    load: { file?: string; databaseUrl?: string },
    filter: ReturnType<BaseCommand['tenantFilter']>,
    policy: 'report' | 'plan' | 'apply-safe' | undefined,
    signal: AbortSignal,
    metrics: ReconcileMetrics,
  ): Promise<ReconcileStatus> {
    const started = Date.now();
    let status: ReconcileStatus;
    try {
      status = await reconcilePass({
        load,
        filter,
        ...(policy !== undefined ? { policy } : {}),
        signal,
        onApplied: (r) => metrics.recordApply({ durationSeconds: r.durationMs / 1000, failed: r.status === 'failed' || r.status === 'stale' || r.status === 'refused' }),
      });
    } catch (error) {
      status = failedStatus(started, policy ?? 'report', errorMessage(error), error instanceof UserError ? error.exitCode : 2);
    }
    metrics.recordRun({ durationSeconds: status.durationMs / 1000, states: status.tenants, outcome: status.outcome });
    for (const warning of status.warnings) this.warning(warning);
    if (this.jsonOutput) process.stdout.write(JSON.stringify(status) + '\n');
    else this.log(formatReconcileStatus(status));
    return status;
  }


  private interval(text: string): number {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch (error) {
      throw new UserError(`--interval: ${errorMessage(error)}`);
    }
    if (ms < 1000) throw new UserError('--interval: at least 1s');
    return ms;
  }
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
