import { Flags } from '@oclif/core';
import { parseDuration } from '../../config/duration.js';
import { UserError, errorMessage } from '../../errors.js';
import { formatReconcileStatus } from '../../output/format-reconcile.js';
import { reconcileLoop } from '../../library/reconcile-loop.js';
import { ReconcileMetrics } from '../../reconcile/metrics.js';
import { serveMetrics, type MetricsServer } from '../../reconcile/metrics-server.js';
import { BaseCommand, tenantFlags } from '../base-command.js';

export default class Reconcile extends BaseCommand {
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

    try {
      return await reconcileLoop({
        load,
        filter,
        ...(policy !== undefined ? { policy } : {}),
        ...(intervalMs !== undefined ? { intervalMs } : {}),
        metrics,
        onStop: (signal) => process.stderr.write(`\n${signal}: finishing the tenants in flight, then exiting.\n`),
        onStatus: (status) => {
          for (const warning of status.warnings) this.warning(warning);
          if (flags.json) process.stdout.write(JSON.stringify(status) + '\n');
          else this.log(formatReconcileStatus(status));
        },
      });
    } finally {
      await server?.close();
    }
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
