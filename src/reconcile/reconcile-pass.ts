import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { applyPlan, type TenantResult } from '../apply/apply-plan.js';
import type { ReconcilePolicy } from '../config/config.js';
import type { TenantContext } from '../domain/tenant.js';
import { loadConfig, type LoadConfigOptions } from '../config/load-config.js';
import type { PlanFile } from '../plan/plan-file.js';
import { narrowPlan } from '../plan/narrow-plan.js';
import { writePlanYaml } from '../plan/plan-yaml.js';
import { Project, requireTenants } from '../project/project.js';
import { openSnapshotStore } from '../project/snapshot-store.js';
import type { TenantFilter } from '../tenants/select-tenants.js';
import { applyOptionsOf, snapshotsAsApplied } from '../workflow/apply-tenants.js';
import { assessTenants } from '../workflow/assess-tenants.js';
import { auditReport, snapshotBases, type AuditSummary } from '../workflow/audit-tenants.js';
import { planAssessed } from '../workflow/plan-tenants.js';
import { writeDriftReport } from './drift-report.js';
import { followRef, remoteOf } from './follow-ref.js';
import type { RunOutcome, TenantState } from './metrics.js';
import { applyFailed } from '../apply/tenant-result.js';
import { publishPlan } from './publish-plan.js';
import { rolloutWaves } from './waves.js';

export interface ReconcilePassInput {
  readonly load: LoadConfigOptions;
  readonly filter: TenantFilter;
  /** Wins over the config's reconcile.policy. */
  readonly policy?: ReconcilePolicy;
  /** Aborted on SIGTERM: the tenants in flight finish, no other starts. */
  readonly signal?: AbortSignal;
  readonly onApplied?: (result: TenantResult) => void;
}

export interface WaveStatus {
  readonly wave: string;
  readonly tenants: number;
  readonly applied: number;
  readonly failed: number;
  readonly notStarted: number;
}

/** What one pass found and did: the JSON status line of reconcile. */
export interface ReconcileStatus {
  readonly at: string;
  readonly durationMs: number;
  readonly policy: ReconcilePolicy;
  readonly ref?: string;
  readonly commit?: string;
  /** Tenants by state at the end of the pass: applied tenants count as in sync. */
  readonly tenants: Record<TenantState, number>;
  /** Tenants that drifted or are in conflict, by name. */
  readonly drifted: readonly string[];
  readonly refused: number;
  readonly report?: string;
  readonly plan?: {
    readonly id: string;
    readonly file: string;
    readonly tenants: number;
    /** Tenants whose change set carries a hazard: apply-safe leaves them for a reviewed apply. */
    readonly withHazards: number;
    readonly branch?: string;
    readonly commit?: string;
  };
  readonly apply?: {
    readonly waves: readonly WaveStatus[];
    readonly applied: number;
    readonly failed: number;
    /** True when a wave reached maxFailuresPerWave and later waves were not started. */
    readonly halted: boolean;
    readonly snapshotCommit?: string;
    /** Why the migrated tenants' snapshots could not be saved: the pass failed (exit 3). */
    readonly snapshotError?: string;
    readonly unsavedSnapshots?: readonly string[];
  };
  readonly interrupted: boolean;
  readonly warnings: readonly string[];
  readonly outcome: RunOutcome;
  readonly error?: string;
}

/**
 * One reconcile pass: follow the ref, audit every tenant against its snapshot, write the drift
 * report, then act on the policy. It only arranges the workflow steps.
 */
export async function reconcilePass(input: ReconcilePassInput): Promise<ReconcileStatus> {
  const started = Date.now();
  const at = new Date(started).toISOString();
  let config = await loadConfig(input.load);
  const policy = input.policy ?? config.reconcile.policy;
  const followed = config.reconcile.ref !== undefined ? await followRef(config.baseDir, config.reconcile.ref) : undefined;
  // The followed commit may carry a new config too.
  if (followed) config = await loadConfig(input.load);
  const project = await Project.fromConfig(config);
  const warnings: string[] = [];
  try {
    const discovery = await project.discover(input.filter);
    // As for check: a pass over no tenant is a wrong config, never an all-clear.
    requireTenants(discovery);
    const tenants = discovery.tenants;
    const store = await openSnapshotStore(project, { tenants });
    // One read of every tenant serves the report and the plan.
    const assessed = await assessTenants(project, tenants, snapshotBases(store));
    const report = auditReport(assessed, project.adapter.comparedKinds);
    const files = await writeDriftReport(config.reconcile.reports, report, {
      at,
      ...(followed ? { ref: followed.ref, commit: followed.commit } : {}),
    });
    const states = statesOf(report.summary);
    const drifted = report.tenants.filter((t) => t.status === 'drifted' || t.status === 'conflict').map((t) => t.tenant);
    const base = {
      at,
      policy,
      ...(followed ? { ref: followed.ref, commit: followed.commit } : {}),
      drifted,
      refused: discovery.rejected.length,
      report: project.relative(files.json),
    };

    const pending = new Set(report.tenants.filter((t) => t.status === 'pending').map((t) => t.tenant));
    let planStatus: ReconcileStatus['plan'];
    let applyStatus: ReconcileStatus['apply'];
    if (policy !== 'report' && pending.size > 0 && !input.signal?.aborted) {
      const { plan } = await planAssessed(project, assessed.filter((a) => pending.has(a.tenant.name)));
      if (plan.groups.length > 0) {
        const needsReview = plan.groups.filter((g) => g.hazards.length > 0).reduce((n, g) => n + g.tenants.length, 0);
        if (policy === 'plan') {
          const remote = config.reconcile.ref !== undefined ? remoteOf(config.reconcile.ref) : undefined;
          const file = path.join(config.plans, `${plan.id}.yaml`);
          const published = await publishPlan(
            config.baseDir,
            { file, text: writePlanYaml(plan) },
            config.reconcile.branch.replaceAll('{id}', plan.id),
            `schema-sync: plan ${plan.id} (${plan.summary.changed} tenant${plan.summary.changed === 1 ? '' : 's'})`,
            remote,
          );
          warnings.push(...published.warnings);
          planStatus = { id: plan.id, file: project.relative(file), tenants: plan.summary.changed, withHazards: needsReview, branch: published.branch, commit: published.commit };
        } else {
          // Kept beside the drift report: what this pass applied, for whoever reads the report.
          const file = await writePlan(config.reconcile.reports, plan);
          planStatus = { id: plan.id, file: project.relative(file), tenants: plan.summary.changed, withHazards: needsReview };
          applyStatus = await applySafe(project, plan, tenants, input, warnings);
          states['in-sync'] += applyStatus.applied;
          states.pending -= applyStatus.applied;
        }
      }
    }
    const notInSync = states.pending + states.drifted + states.conflict + states.error;
    const failed = states.error > 0 || discovery.rejected.length > 0 || (applyStatus?.failed ?? 0) > 0 || applyStatus?.snapshotError !== undefined;
    return {
      ...base,
      durationMs: Date.now() - started,
      tenants: states,
      ...(planStatus ? { plan: planStatus } : {}),
      ...(applyStatus ? { apply: applyStatus } : {}),
      interrupted: input.signal?.aborted ?? false,
      warnings,
      outcome: failed ? 'failed' : states.drifted + states.conflict > 0 ? 'drift' : notInSync > 0 ? 'pending' : 'ok',
    };
  } finally {
    await project.close();
  }
}

/**
 * Applies the plan's change sets that carry no hazard, one rollout wave at a time, and saves the
 * snapshots of every tenant it migrated in one run (one git commit).
 */
async function applySafe(
  project: Project,
  plan: PlanFile,
  tenants: readonly TenantContext[],
  input: ReconcilePassInput,
  warnings: string[],
): Promise<NonNullable<ReconcileStatus['apply']>> {
  const safe = plan.groups.filter((g) => g.hazards.length === 0);
  const inSafe = new Set(safe.flatMap((g) => g.tenants.map((t) => t.name)));
  const byName = new Map(tenants.map((t) => [t.name, t]));
  const waves = rolloutWaves(
    tenants.filter((t) => inSafe.has(t.name)),
    project.config.reconcile.waves,
  );
  const results: TenantResult[] = [];
  const waveStatus: WaveStatus[] = [];
  let halted = false;
  const snapshotRun = snapshotsAsApplied(project, tenants, { action: 'reconcile', planId: plan.id }, input.onApplied);
  for (const [index, wave] of waves.entries()) {
    if (input.signal?.aborted) break;
    const members = new Set(wave.tenants.map((t) => t.name));
    const narrowed = narrowPlan(plan, members, safe);
    const waveResults = await snapshotRun.during(
      applyPlan(narrowed, project.adapter, byName, applyOptionsOf(project, { ...(input.signal ? { signal: input.signal } : {}), onResult: snapshotRun.onResult })),
    );
    results.push(...waveResults);
    const notStarted = waveResults.filter((r) => r.status === 'not-started').length;
    const failed = waveResults.filter(applyFailed).length;
    waveStatus.push({
      wave: wave.name,
      tenants: wave.tenants.length,
      applied: waveResults.filter((r) => r.status === 'applied' || r.status === 'in-sync').length,
      failed,
      notStarted,
    });
    if (failed >= project.config.reconcile.maxFailuresPerWave) {
      halted = index < waves.length - 1;
      break;
    }
  }
  const { snapshots, snapshotError, unsavedSnapshots } = await snapshotRun.finish();
  warnings.push(...(snapshots?.warnings ?? []));
  const snapshotCommit = snapshots?.commit;
  return {
    waves: waveStatus,
    applied: waveStatus.reduce((n, w) => n + w.applied, 0),
    failed: waveStatus.reduce((n, w) => n + w.failed, 0),
    halted,
    ...(snapshotCommit !== undefined ? { snapshotCommit } : {}),
    ...(snapshotError !== undefined ? { snapshotError, unsavedSnapshots: unsavedSnapshots ?? [] } : {}),
  };
}

async function writePlan(dir: string, plan: PlanFile): Promise<string> {
  const file = path.join(dir, `plan-${plan.id}.yaml`);
  // Plan ids are content hashes: the same file from an earlier pass is already there.
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true });
    await writeFile(file, writePlanYaml(plan));
  }
  return file;
}

function statesOf(summary: AuditSummary): Record<TenantState, number> {
  return { 'in-sync': summary.inSync, pending: summary.pending, drifted: summary.drifted, conflict: summary.conflicts, error: summary.errors };
}
