import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where a tenant stands after a reconcile pass. */
export const TENANT_STATES = ['in-sync', 'pending', 'drifted', 'conflict', 'error'] as const;
export type TenantState = (typeof TENANT_STATES)[number];

/** How a reconcile pass ended: `drift` when it found drift it did not (or may not) fix. */
export const RUN_OUTCOMES = ['ok', 'pending', 'drift', 'failed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export interface ReconcileMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop lag). Off by default. */
  readonly defaultMetrics?: boolean;
}

export interface RunRecord {
  readonly durationSeconds: number;
  /** Tenants by state; a state left out counts as zero. */
  readonly states: Partial<Record<TenantState, number>>;
  readonly outcome: RunOutcome;
  /** When the pass ended; now by default. */
  readonly at?: Date;
  /** The rollout waves an apply-safe pass ran, with the applies that failed in each. */
  readonly waves?: readonly WaveFailures[];
}

export interface WaveFailures {
  readonly wave: string;
  readonly failed: number;
}

export interface ApplyRecord {
  readonly durationSeconds: number;
  readonly failed: boolean;
}

/**
 * The Prometheus series of `schema-sync reconcile`; each series is documented by its help text.
 * Each instance has its own registry, not prom-client's global one, so two loops in one process
 * (or one test after another) never share or collide on series.
 */
export class ReconcileMetrics {
  readonly registry = new Registry();

  private readonly tenants = new Gauge({
    name: 'schema_sync_tenants',
    help: 'Tenants by state after the last reconcile pass (in-sync, pending, drifted, conflict, error).',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  private readonly driftedTenants = new Gauge({
    name: 'schema_sync_drifted_tenants',
    help: 'Tenants whose live schema differs from what was last applied (drifted + conflict) after the last pass.',
    registers: [this.registry],
  });

  /** Buckets from seconds (a few SQLite files) to an hour (thousands of tenants with index builds). */
  private readonly runDuration = new Histogram({
    name: 'schema_sync_run_duration_seconds',
    help: 'Duration of one reconcile pass over all selected tenants.',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });

  /** Buckets from an ALTER that only touches the catalog to a long concurrent index build. */
  private readonly applyDuration = new Histogram({
    name: 'schema_sync_apply_duration_seconds',
    help: 'Duration of one tenant apply, from taking its lock to verifying the result.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    registers: [this.registry],
  });

  private readonly applyFailures = new Counter({
    name: 'schema_sync_apply_failures_total',
    help: 'Tenant applies that failed.',
    registers: [this.registry],
  });

  private readonly waveFailures = new Counter({
    name: 'schema_sync_wave_failures_total',
    help: 'Tenant applies of apply-safe passes that failed, by rollout wave (a label of reconcile.waves, or rest).',
    labelNames: ['wave'] as const,
    registers: [this.registry],
  });

  private readonly runs = new Counter({
    name: 'schema_sync_runs_total',
    help: 'Reconcile passes by outcome: ok (all in sync), pending (only manifest changes wait), drift (a tenant drifted or is in conflict), failed.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly lastRun = new Gauge({
    name: 'schema_sync_last_run_timestamp_seconds',
    help: 'Unix time at which the last reconcile pass ended.',
    registers: [this.registry],
  });

  private readonly lastSuccess = new Gauge({
    name: 'schema_sync_last_success_timestamp_seconds',
    help: 'Unix time at which the last reconcile pass that did not fail ended; the start of the process until one has.',
    registers: [this.registry],
  });

  constructor(options: ReconcileMetricsOptions = {}) {
    // Every label value exists from the start, at zero: a dashboard or an alert on
    // `schema_sync_runs_total{outcome="failed"}` sees a series before the first failure.
    for (const outcome of RUN_OUTCOMES) this.runs.inc({ outcome }, 0);
    for (const state of TENANT_STATES) this.tenants.set({ state }, 0);
    this.driftedTenants.set(0);
    this.applyFailures.inc(0);
    // An alert on the time since the last success then counts from the start, never from 1970.
    this.lastSuccess.set(Date.now() / 1000);
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'schema_sync_' });
  }

  /** The Content-Type of `metricsText()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** One reconcile pass: its duration, the tenants by state at its end, and its outcome. */
  recordRun(run: RunRecord): void {
    for (const state of TENANT_STATES) {
      this.tenants.set({ state }, nonNegative(run.states[state] ?? 0, `states.${state}`));
    }
    this.driftedTenants.set((run.states.drifted ?? 0) + (run.states.conflict ?? 0));
    this.runDuration.observe(nonNegative(run.durationSeconds, 'durationSeconds'));
    this.runs.inc({ outcome: run.outcome });
    // A wave with no failure still gets its series, at zero, so a panel shows every wave that ran.
    for (const wave of run.waves ?? []) this.waveFailures.inc({ wave: wave.wave }, nonNegative(wave.failed, `waves.${wave.wave}.failed`));
    const at = (run.at ?? new Date()).getTime() / 1000;
    this.lastRun.set(at);
    if (run.outcome !== 'failed') this.lastSuccess.set(at);
  }

  /** One tenant apply, successful or not. */
  recordApply(apply: ApplyRecord): void {
    this.applyDuration.observe(nonNegative(apply.durationSeconds, 'durationSeconds'));
    if (apply.failed) this.applyFailures.inc();
  }

  /** Every series in Prometheus's text exposition format. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }
}

function nonNegative(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${what} must be a finite number >= 0, got ${value}`);
  return value;
}
